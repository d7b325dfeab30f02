/* Loading and installing compiled seccomp programs.  */
#include "seccomp.h"

#include <linux/seccomp.h>
#include <sys/syscall.h>

int
podrun_seccomp_load (const char *path, struct sock_fprog *prog, podrun_err_t *err)
{
  char *buf = NULL;
  size_t len = 0;
  if (podrun_read_file (path, BPF_MAXINSNS * sizeof (struct sock_filter), &buf, &len) < 0)
    return podrun_fail (err, errno, "seccomp", "read", path);
  if (len == 0 || len % sizeof (struct sock_filter) != 0)
    {
      free (buf);
      return podrun_fail (err, EINVAL, "seccomp", "read", path);
    }
  prog->len = (unsigned short) (len / sizeof (struct sock_filter));
  prog->filter = (struct sock_filter *) buf;
  return 0;
}

int
podrun_seccomp_install (const struct sock_fprog *prog)
{
  return (int) syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog);
}
