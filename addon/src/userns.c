/* See userns.h.  The order follows runc and crun (the parent writes the maps after the child
   has its user namespace, the child waits for them), but every mount is made before the
   container joins the user namespace, as crun makes idmapped mounts in its parent: an idmapped
   mount needs CAP_SYS_ADMIN in the user namespace of the filesystem, the host's.  */
#include "userns.h"

#include <fcntl.h>
#include <linux/securebits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/mount.h>
#include <sys/prctl.h>

static int
write_map (pid_t pid, const char *file, const char *line, podrun_err_t *err)
{
  char path[64];
  cleanup_close int fd = -1;
  snprintf (path, sizeof path, "/proc/%d/%s", (int) pid, file);
  fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return podrun_fail (err, errno, "userns", "open", path);
  if (write (fd, line, strlen (line)) != (ssize_t) strlen (line))
    return podrun_fail (err, errno ? errno : EIO, "userns", "write", path);
  return 0;
}

int
podrun_userns_write_maps (pid_t pid, const struct podrun_pod *pod, podrun_err_t *err)
{
  char line[64];
  snprintf (line, sizeof line, "0 %lu %lu\n", pod->userns_host, pod->userns_len);
  if (write_map (pid, "uid_map", line, err) < 0 || write_map (pid, "gid_map", line, err) < 0)
    return -1;
  return 0;
}

int
podrun_userns_open (pid_t pid, int pidfd, podrun_err_t *err)
{
  char path[64];
  int fd;
  snprintf (path, sizeof path, "/proc/%d/ns/user", (int) pid);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return podrun_fail (err, errno, "userns", "open", path);
  if (podrun_pidfd_send_signal (pidfd, 0) < 0)
    {
      close (fd);
      return podrun_fail (err, ESRCH, "userns", "pidfd_send_signal", path);
    }
  return fd;
}

int
podrun_idmap_tree (int tree, int userns_fd, int recursive, const char *step, const char *path, podrun_err_t *err)
{
  struct mount_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.attr_set = MOUNT_ATTR_IDMAP;
  attr.userns_fd = (uint64_t) userns_fd;
  if (mount_setattr (tree, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof attr) < 0)
    return podrun_fail (err, errno, step, "mount_setattr", path);
  return 0;
}

int
podrun_userns_setup_creds (podrun_err_t *err)
{
  if (prctl (PR_SET_SECUREBITS, SECBIT_NO_SETUID_FIXUP, 0, 0, 0) < 0)
    return podrun_fail (err, errno, "userns", "prctl", "PR_SET_SECUREBITS");
  return 0;
}

void
podrun_userns_fsids (unsigned long host)
{
  setfsgid ((gid_t) host);
  setfsuid ((uid_t) host);
}

int
podrun_userns_join (int userns_fd, const char *step, podrun_err_t *err)
{
  if (setns (userns_fd, CLONE_NEWUSER) < 0)
    return podrun_fail (err, errno, step, "setns", "user");
  /* Root of the pod until the container's user is set: ids outside the maps are not ours.  */
  if (setresgid (0, 0, 0) < 0)
    return podrun_fail (err, errno, step, "setresgid", NULL);
  if (setresuid (0, 0, 0) < 0)
    return podrun_fail (err, errno, step, "setresuid", NULL);
  return 0;
}
