#ifndef PODRUN_CONTAINER_H
#define PODRUN_CONTAINER_H

#include "launch.h"

struct podrun_spawn_ctx
{
  int pause_pidfd; /* pins the pause process: its namespaces are joined through it */
  int devnull;
  int userns_fd; /* the pod's user namespace (hostUsers: false), else -1 */
  int host_proc; /* O_PATH fd of the monitor's /proc: AppArmor's attr files (identity.h) */
};

/* What a started container's setup holds until its start is resolved (podrun_container_step).  */
struct podrun_spawn_pending
{
  int sync_rd, log_fd, out_rd, err_rd, in_wr;
  int shared_pid;        /* 1: the child is an intermediate; the container's pid is still to come on sync_rd */
  pid_t intermediate;    /* once the container's pid came (sync 2p): the intermediate's, to reap by pid */
  int64_t exec_deadline; /* after sync 2g: when the wait for the execve ends (podrun_mono_ms); 0 before */
  int said_e;            /* sync 2e came */
  int again;             /* step returned 0 with foreign messages maybe still queued: step again before waiting */
  unsigned dropped;      /* foreign messages dropped (recv_sync) */
};

/* Starting never blocks the monitor: begin clones the child (which then joins the namespaces,
   mounts its root and execs on its own) and returns at once with C's pid and pidfd set and
   PENDING->sync_rd non-blocking, for the caller's epoll; step reads what the sync socket holds
   (sync 2a, 2p, 2g/2e, 2) and returns 0 while the start is unresolved, 1 once C is RUNNING with
   its stdio fds and log open, -1 with ERR holding the record when the start failed (its process
   is killed then).  Step consumes PENDING once it returns 1 or -1; after a failed begin there is
   nothing to step.  The caller steps again when the sync socket is readable (edge triggered is
   enough: 0 means the socket was read empty, or PENDING->again is set: a flood of foreign
   messages was cut short, step again before waiting), on every SIGCHLD (a stage may wait for a
   process's end) and at PENDING->exec_deadline.  Until the start is resolved, C's process (at first the
   intermediate of a pod PID namespace) must not be reaped and, while PENDING->shared_pid is set,
   neither may unknown children (waitpid(-1)): the container's pid is not known yet.  */
int podrun_container_begin (const struct podrun_pod *pod, struct podrun_container *c,
                            const struct podrun_spawn_ctx *ctx, struct podrun_spawn_pending *pending,
                            podrun_err_t *err);
int podrun_container_step (struct podrun_container *c, struct podrun_spawn_pending *pending, podrun_err_t *err);
void podrun_spawn_pending_close (struct podrun_spawn_pending *p);

/* The child half, also used by exec: PATH lookup + execve.  Returns only on failure.  */
void podrun_exec_path (const char *path_env, char *const *argv, char *const *envp);

#endif
