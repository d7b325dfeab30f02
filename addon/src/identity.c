/* See identity.h.  */
#define _GNU_SOURCE
#include "identity.h"
#include "seccomp.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/vfs.h>

int
podrun_valid_apparmor_profile (const char *s)
{
  size_t n = strlen (s), i;
  if (n == 0 || n > PODRUN_APPARMOR_MAX || s[0] == ' ' || s[n - 1] == ' ')
    return 0;
  for (i = 0; i < n; i++)
    if ((unsigned char) s[i] < 0x20 || s[i] == 0x7f)
      return 0;
  return 1;
}

/* libapparmor's aa_change_onexec, as runc does it (libcontainer/apparmor): "exec PROFILE" in one
   write to the process's own attr file, AppArmor's (Linux 5.1 and later) or else the old one
   shared by the security modules.  The kernel checks that the profile is loaded (ENOENT) and
   refuses the command without AppArmor (EINVAL); the profile takes effect at execve.  The file
   is opened beneath the host's /proc without crossing a mount and checked to be procfs: nothing
   mounted in the container can redirect the write (runc's CVE-2019-16884, and CVE-2025-52881,
   where such a write went to /proc/sysrq-trigger).  Child-safe.  */
static int
apparmor_on_exec (int host_proc, const char *profile, podrun_err_t *err)
{
  static const char *const attrs[] = { "thread-self/attr/apparmor/exec", "self/attr/exec" };
  char cmd[PODRUN_APPARMOR_MAX + 8];
  cleanup_close int fd = -1;
  struct statfs fs;
  size_t n = strlen (profile), i;
  ssize_t w;

  if (!podrun_valid_apparmor_profile (profile))
    return podrun_fail (err, EINVAL, "apparmor", "write", profile);
  for (i = 0; fd < 0 && i < sizeof attrs / sizeof attrs[0]; i++)
    {
      fd = podrun_openat2 (host_proc, attrs[i], O_WRONLY | O_CLOEXEC,
                           RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS);
      if (fd < 0 && errno != ENOENT)
        return podrun_fail (err, errno, "apparmor", "openat2", attrs[i]);
    }
  if (fd < 0)
    return podrun_fail (err, ENOENT, "apparmor", "openat2", attrs[1]);
  if (fstatfs (fd, &fs) < 0)
    return podrun_fail (err, errno, "apparmor", "fstatfs", attrs[i - 1]);
  if (fs.f_type != PROC_SUPER_MAGIC)
    return podrun_fail (err, EXDEV, "apparmor", "fstatfs", attrs[i - 1]);
  memcpy (cmd, "exec ", 5);
  memcpy (cmd + 5, profile, n);
  w = write (fd, cmd, n + 5);
  if (w < 0)
    return podrun_fail (err, errno, "apparmor", "write", profile);
  if ((size_t) w != n + 5)
    return podrun_fail (err, EIO, "apparmor", "write", profile);
  return 0;
}

int
podrun_identity_take (const struct podrun_identity *id, podrun_err_t *err)
{
  if (id->apparmor && apparmor_on_exec (id->host_proc, id->apparmor, err) < 0)
    return -1;
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
  /* From here on no more than the container's capabilities, also before execve.  */
  if (id->caps != ~0ULL && podrun_limit_effective_caps (id->caps) < 0)
    return podrun_fail (err, errno, "caps", "capset", NULL);
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
