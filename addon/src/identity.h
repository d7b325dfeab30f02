/* A process taking on its identity before execve: a container's first process (container.c) and
   what `podrun exec` runs (exec.c) do the same steps in the same order, here once.  */
#ifndef PODRUN_IDENTITY_H
#define PODRUN_IDENTITY_H

#include "util.h"

#include <linux/filter.h>

/* The longest AppArmor profile name podrun passes (Kubernetes' limit for localhostProfile).  */
#define PODRUN_APPARMOR_MAX 4095

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
  const char *apparmor;             /* the profile execve enters; NULL: unconfined */
  int host_proc;                    /* O_PATH fd of the host's /proc, opened before any setns */
};

/* An AppArmor profile name as the kernel takes it after "exec ": 1 to PODRUN_APPARMOR_MAX bytes,
   no control character (a newline would end the command), no space at either end (the kernel
   strips it).  */
int podrun_valid_apparmor_profile (const char *s);

/* While still root: the AppArmor profile the execve will enter (first: no seccomp filter yet
   and every privilege; written through HOST_PROC, never the container's /proc, which a process
   of the container could have mounted over: CVE-2019-16884), the capability bounding set, the
   seccomp filter when no_new_privs is off (the kernel then installs one only for a process with
   CAP_SYS_ADMIN in its effective set, which setuid to another user clears; runc does the same),
   supplementary groups, gid, uid, and the ids read back (a profile faking setuid must not leave
   the process root).  The profile must allow what follows: setgroups, setgid, setuid,
   getresuid, getresgid, prctl, poll, rt_sigprocmask, rt_sigaction, close_range, execve
   (docs/security.md).  Child-safe.  */
int podrun_identity_take (const struct podrun_identity *id, podrun_err_t *err);

/* Last before execve: the signal mask and SIGPIPE as a program expects them (the monitor blocks
   signals for its signalfd and ignores SIGPIPE; both survive execve), every fd past stdio
   close-on-exec (CVE-2024-21626), then no_new_privs and the filter when asked (with
   no_new_privs no capability is needed, so the filter comes last and need allow only execve).
   Child-safe.  */
int podrun_identity_seal (const struct podrun_identity *id, podrun_err_t *err);

#endif
