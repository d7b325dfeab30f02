/* Local ephemeral storage as the kubelet's eviction manager checks it (docs/runtime.md,
   "Ephemeral storage"; kubelet-resources.md §6): every CHECK ms a forked child measures each
   disk emptyDir and each container's writable layer and logs (`du`: allocated blocks, one
   filesystem, hard links once) and writes the byte counts to a pipe; the monitor then applies
   the kubelet's three checks in order and evicts on the first that fails.  */
#ifndef PODRUN_STORAGE_H
#define PODRUN_STORAGE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct podrun_pod;

#define PODRUN_STORAGE_MAX_DIRS 64

struct podrun_emptydir_limit
{
  const char *name, *dir, *text; /* text: the limit as the API prints it ("1Gi") */
  unsigned long long limit;      /* 0: none (counted in the pod's usage only) */
};

/* The bytes DIR's tree takes on its filesystem (st_blocks x 512; a hard-linked file once per
   walk, other filesystems below it skipped, symlinks not followed); 0 when it is gone.  */
unsigned long long podrun_du (const char *dir);

/* In a forked child: the usage of the pod's emptyDirs, then each container's layer + logs
   (UPPERS and LOGDIRS, N each), written as uint64s to FD.  0, or -1.  */
int podrun_storage_measure (const struct podrun_pod *pod, const char *const *uppers, const char *const *logdirs,
                            size_t n, int fd);

/* The kubelet's checks (E6.3) over USAGE (emptyDirs, then containers): 1 with MSG the
   eviction message (its trailing space included) when one fails, else 0.  */
int podrun_storage_verdict (const struct podrun_pod *pod, const uint64_t *usage, size_t n_usage, char *msg, size_t cap);

#endif
