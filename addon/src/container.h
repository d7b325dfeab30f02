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

/* What a started container's setup still holds until podrun_container_finish.  */
struct podrun_spawn_pending
{
  int sync_rd, log_fd, out_rd, err_rd, in_wr;
  int shared_pid; /* 1: the child is an intermediate; the container's pid comes on sync_rd */
};

/* Starting is split so that containers set themselves up in parallel: begin clones the child
   (which then joins the namespaces, mounts its root and execs on its own) and returns at once
   with C's pid and pidfd set; finish waits for the child's exec (sync 2).  On success C is
   RUNNING with its stdio fds and log open; on failure of either, ERR holds the record.  Finish
   consumes PENDING in every case; after a failed begin there is nothing to finish.  */
int podrun_container_begin (const struct podrun_pod *pod, struct podrun_container *c,
                            const struct podrun_spawn_ctx *ctx, struct podrun_spawn_pending *pending,
                            podrun_err_t *err);
int podrun_container_finish (struct podrun_container *c, struct podrun_spawn_pending *pending, podrun_err_t *err);
void podrun_spawn_pending_close (struct podrun_spawn_pending *p);

/* The child half, also used by exec: PATH lookup + execve.  Returns only on failure.  */
void podrun_exec_path (const char *path_env, char *const *argv, char *const *envp);

#endif
