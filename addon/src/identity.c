/* See identity.h.  */
#define _GNU_SOURCE
#include "identity.h"
#include "seccomp.h"

#include <grp.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/prctl.h>

int
podrun_identity_take (const struct podrun_identity *id, podrun_err_t *err)
{
  if (id->caps != ~0ULL && podrun_limit_caps (id->caps) < 0)
    return podrun_fail (err, errno, "caps", "prctl", NULL);
  if (!id->nonewprivs && id->seccomp && podrun_seccomp_install (id->seccomp) < 0)
    return podrun_fail (err, errno, "seccomp", "seccomp", id->seccomp_path);
  if (setgroups (id->n_groups, id->groups) < 0)
    return podrun_fail (err, errno, "user", "setgroups", NULL);
  if (setgid (id->gid) < 0)
    return podrun_fail (err, errno, "user", "setgid", NULL);
  if (setuid (id->uid) < 0)
    return podrun_fail (err, errno, "user", "setuid", NULL);
  if (podrun_check_ids (id->uid, id->gid) < 0)
    return podrun_fail (err, errno, "user", "getresuid",
                        "(the ids did not change: does the seccomp profile fake setuid?)");
  return 0;
}

int
podrun_identity_seal (const struct podrun_identity *id, podrun_err_t *err)
{
  sigset_t none;
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  signal (SIGPIPE, SIG_DFL);
  if (close_range (3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
    return podrun_fail (err, errno, "stdio", "close_range", NULL);
  if (id->nonewprivs && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return podrun_fail (err, errno, "nonewprivs", "prctl", NULL);
  if (id->nonewprivs && id->seccomp && podrun_seccomp_install (id->seccomp) < 0)
    return podrun_fail (err, errno, "seccomp", "seccomp", id->seccomp_path);
  return 0;
}
