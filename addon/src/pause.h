#ifndef PODRUN_PAUSE_H
#define PODRUN_PAUSE_H

#include "launch.h"

/* Clones the pause process into new namespaces (the pod's), sets it up and waits for it to exec
   `podrun-helper pause` (sync 1).  PIDFD gets a pidfd for it; with a user namespace
   (`userns`) USERNS_FD an fd of it, else -1.  */
int podrun_pause_spawn (const struct podrun_pod *pod, int self_exe, pid_t *pid, int *pidfd, int *userns_fd,
                        podrun_err_t *err);

/* `podrun-helper pause`: holds the namespaces, reaps, exits 0 on SIGTERM/SIGINT.  */
int podrun_pause_main (void);

#endif
