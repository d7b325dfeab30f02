#ifndef PODRUN_CONTAINER_H
#define PODRUN_CONTAINER_H

#include "launch.h"

struct podrun_spawn_ctx
{
  int pause_pidfd; /* pins the pause process: its namespaces are joined through it */
  int host_pidns;  /* the monitor's own PID namespace, to return to after `ns pid pod` */
  int devnull;
};

/* Starts container C and waits for its exec (sync 2).  On success C is RUNNING with pid,
   pidfd, stdio fds set and its log open; on failure ERR holds the child's record.  */
int podrun_container_spawn (const struct podrun_pod *pod, struct podrun_container *c,
                            const struct podrun_spawn_ctx *ctx, podrun_err_t *err);

/* The child half, also used by exec: PATH lookup + execve.  Returns only on failure.  */
void podrun_exec_path (const char *path_env, char *const *argv, char *const *envp);

#endif
