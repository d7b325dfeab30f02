/* A process taking on its identity before execve: a container's first process (container.c) and
   what `podrun exec` runs (exec.c) do the same steps in the same order, here once.  */
#ifndef PODRUN_IDENTITY_H
#define PODRUN_IDENTITY_H

#include "util.h"

#include <linux/filter.h>

struct podrun_identity
{
  uint64_t caps; /* the bounding set kept; ~0: every capability, ambient and inheritable kept */
  uid_t uid;
  gid_t gid;
  const gid_t *groups;
  size_t n_groups;
  int nonewprivs;                   /* allowPrivilegeEscalation: false */
  const struct sock_fprog *seccomp; /* NULL: Unconfined */
  const char *seccomp_path;         /* the program's file, for messages */
};

/* While still root: the capability bounding set, the seccomp filter when no_new_privs is off
   (the kernel then installs one only for a process with CAP_SYS_ADMIN in its effective set,
   which setuid to another user clears; runc does the same), supplementary groups, gid, uid, and
   the ids read back (a profile faking setuid must not leave the process root).  The profile must
   allow what follows: setgroups, setgid, setuid, getresuid, getresgid, prctl, poll,
   rt_sigprocmask, rt_sigaction, close_range, execve (docs/security.md).  Child-safe.  */
int podrun_identity_take (const struct podrun_identity *id, podrun_err_t *err);

/* Last before execve: the signal mask and SIGPIPE as a program expects them (the monitor blocks
   signals for its signalfd and ignores SIGPIPE; both survive execve), every fd past stdio
   close-on-exec (CVE-2024-21626), then no_new_privs and the filter when asked (with
   no_new_privs no capability is needed, so the filter comes last and need allow only execve).
   Child-safe.  */
int podrun_identity_seal (const struct podrun_identity *id, podrun_err_t *err);

#endif
