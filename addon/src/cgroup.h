/* Joining the cgroups the plan names (docs/protocol.md, the `cgroup` directive and exec's
   --cgroup), and watching a container's memory cgroup for OOM kills (the `oomevents` one).
   Where they are, which hierarchies and what they limit is the plan's: the helper only moves a
   process into each directory it is given.  */
#ifndef PODRUN_CGROUP_H
#define PODRUN_CGROUP_H

#include "util.h"

/* Opens DIR's join file for writing (v2: cgroup.procs; v1: tasks, cgroup.c says why: only a
   single-threaded process may join by it), after checking that DIR is a directory of a cgroup
   filesystem; returns the fd (O_CLOEXEC) or -1 with ERR filled (step "cgroup").  */
int podrun_cgroup_open_procs (const char *dir, podrun_err_t *err);

/* Opens DIR for clone3's CLONE_INTO_CGROUP when it is a cgroup v2 directory; -2 when it is a
   v1 one (joined by cgroup.procs instead), -1 with ERR filled on failure.  */
int podrun_cgroup_open_v2_dir (const char *dir, podrun_err_t *err);

/* Moves the calling (single-threaded) process into the cgroup whose join file PROCS_FD is.  Async-signal-safe:
   a write of "0" (the writer itself).  */
int podrun_cgroup_join_fd (int procs_fd);

/* Both, by path: what the container child does first, still in the host's mount namespace.  */
int podrun_cgroup_join (const char *dir, podrun_err_t *err);

/* The OOM notification of the memory cgroup whose `oom_kill N` file FILE is (the `oomevents`
   directive: v1 DIR/memory.oom_control, v2 DIR/memory.events), DIR opened without following
   symlinks and checked to be on a cgroup filesystem, FILE by openat beneath it.  v1: an eventfd
   registered in DIR/cgroup.event_control, readable on each OOM of the cgroup (before its kill,
   if any) and once more when the cgroup is removed; v2: FILE's fd, whose poll wakes (EPOLLET)
   at each change of it.  Either way O_CLOEXEC and non-blocking, and what it says is only that
   FILE may have changed.  Returns the fd or -1 with ERR filled (step "oomevents").  */
int podrun_cgroup_oom_notify (const char *file, podrun_err_t *err);
/* Clear FD's pending notification (before re-arming a one-shot watch of it).  */
void podrun_cgroup_oom_drain (int fd);

#endif
