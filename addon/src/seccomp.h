/* The seccomp programs apply compiled (docs/protocol.md, "seccomp"): read by the monitor and by
   exec before they fork, installed by the child as its last step before execve.  The helper
   only loads and installs them: the profile and what it allows are the plan's.  */
#ifndef PODRUN_SECCOMP_H
#define PODRUN_SECCOMP_H

#include "util.h"

#include <linux/filter.h>

/* Reads the classic BPF program at PATH: a whole number of instructions, 1 to BPF_MAXINSNS.
   PROG->filter is malloc'd.  On failure ERR holds step "seccomp" and the path.  */
int podrun_seccomp_load (const char *path, struct sock_fprog *prog, podrun_err_t *err);

/* seccomp(SECCOMP_SET_MODE_FILTER): needs no_new_privs or CAP_SYS_ADMIN in the effective set.
   Child-safe.  */
int podrun_seccomp_install (const struct sock_fprog *prog);

#endif
