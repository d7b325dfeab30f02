/* Mount work done in forked children: the pod mount namespace (pause) and a container's root
   filesystem up to pivot_root.  Child-safe: syscalls only.  */
#ifndef PODRUN_MOUNTS_H
#define PODRUN_MOUNTS_H

#include "launch.h"

/* In the pause child, inside its new mount namespace: make `/` a recursive slave (host mounts
   still propagate in, nothing propagates out), then mount the shm tmpfs and Memory emptyDirs.  */
int podrun_mount_pod (const struct podrun_pod *pod, podrun_err_t *err);
/* Also in the pause child, for a pod PID namespace: the pause is its PID 1, and mounts a procfs
   of it at <poddir>/pod-proc, seen only in the pod mount namespace.  A container set up from the
   host's PID namespace (container.c) clones it for its /proc: a procfs shows the PID namespace
   of the process that made it.  */
int podrun_mount_pod_proc (const struct podrun_pod *pod, podrun_err_t *err);

/* Makes this process's root and cwd an empty, read-only tmpfs that is attached nowhere: what
   /proc/PID/root and /proc/PID/cwd of the pause process show to a container allowed to look
   (SYS_PTRACE in a shared PID namespace) is nothing, and `..` from a detached mount's root stays
   there.  chroot, not pivot_root: the pod's mount namespace keeps its root for the containers
   that join it.  */
int podrun_enter_empty_root (podrun_err_t *err);
/* The same in two steps, for the pause of a pod with a user namespace: the tmpfs is made while
   the process still has the host's privileges (the pod mount namespace is the host user
   namespace's), entered (chroot) after it joined its own user namespace.  */
int podrun_empty_root (podrun_err_t *err);
int podrun_enter_root (int mfd, podrun_err_t *err);

/* In a container child, inside its private copy of the pod mount namespace: overlay rootfs,
   /proc, /dev, /sys, volumes, then pivot_root into it.  USERNS_FD (hostUsers: false, else -1):
   layers and volumes are idmapped with it; the caller has made its fsuid the pod's root.  */
int podrun_mount_container (const struct podrun_pod *pod, const struct podrun_container *c, int userns_fd,
                            podrun_err_t *err);

/* mkdir -p of PATH under DIRFD, resolved with RESOLVE (RESOLVE_IN_ROOT or RESOLVE_BENEATH, plus
   extra flags) so a symlink can never lead outside; the last component is created as a file
   when LAST_IS_FILE.  Returns an O_PATH fd of the result.  */
int podrun_mkdir_beneath (int dirfd, const char *path, int last_is_file, uint64_t resolve, const char *step,
                          podrun_err_t *err);

#endif
