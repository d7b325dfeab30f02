/* Joining the cgroups the plan names (docs/protocol.md, the `cgroup` directive and exec's
   --cgroup).  Where they are, which hierarchies and what they limit is the plan's: the helper
   only moves a process into each directory it is given.  */
#ifndef PODRUN_CGROUP_H
#define PODRUN_CGROUP_H

#include "util.h"

/* Opens DIR/cgroup.procs for writing, after checking that DIR is a directory of a cgroup
   filesystem (v1 or v2); returns the fd (O_CLOEXEC) or -1 with ERR filled (step "cgroup").  */
int podrun_cgroup_open_procs (const char *dir, podrun_err_t *err);

/* Opens DIR for clone3's CLONE_INTO_CGROUP when it is a cgroup v2 directory; -2 when it is a
   v1 one (joined by cgroup.procs instead), -1 with ERR filled on failure.  */
int podrun_cgroup_open_v2_dir (const char *dir, podrun_err_t *err);

/* Moves the calling process into the cgroup whose cgroup.procs PROCS_FD is.  Async-signal-safe:
   a write of "0" (the writer itself).  */
int podrun_cgroup_join_fd (int procs_fd);

/* Both, by path: what the container child does first, still in the host's mount namespace.  */
int podrun_cgroup_join (const char *dir, podrun_err_t *err);

#endif
