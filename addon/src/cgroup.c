/* Joining a cgroup: a write of "0" moves the writer.  On v2 to cgroup.procs (cgroup.threads
   works only in threaded subtrees); on v1 to `tasks`, which moves the calling thread alone: the
   kernel then skips the global threadgroup lock that a cgroup.procs write takes, whose RCU grace
   period costs each join ~6-14 ms on a host without favordynmods (cgroup_procs_write_start: "If
   we migrate a single thread ... we can skip the global lock"; measured in docs/performance.md).
   Every caller is a single-threaded process (a forked child of the helper or a container's
   first process), so moving its thread is moving the process.
   The directory is opened without following symlinks in its last component and checked to be
   on a cgroup filesystem, so a launch file cannot make the helper write "0" somewhere else.  */
#include "cgroup.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/statfs.h>
#include <unistd.h>

/* DIR (O_PATH) once it is a directory of a cgroup filesystem, v1 or v2 (*FS says which); -1 with
   ERR filled (STEP) otherwise.  */
static int
open_cgroup_dir (const char *dir, const char *step, struct statfs *fs, podrun_err_t *err)
{
  int dfd = open (dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), e = 0;
  if (dfd < 0)
    return podrun_fail (err, errno, step, "open", dir);
  if (fstatfs (dfd, fs) < 0)
    e = errno;
  else if (fs->f_type != CGROUP2_SUPER_MAGIC && fs->f_type != CGROUP_SUPER_MAGIC)
    e = EXDEV;
  if (e)
    {
      close (dfd);
      return podrun_fail (err, e, step, "fstatfs", dir);
    }
  return dfd;
}

int
podrun_cgroup_open_procs (const char *dir, podrun_err_t *err)
{
  cleanup_close int dfd = -1;
  struct statfs fs;
  int fd;
  dfd = open_cgroup_dir (dir, "cgroup", &fs, err);
  if (dfd < 0)
    return -1;
  fd = openat (dfd, fs.f_type == CGROUP2_SUPER_MAGIC ? "cgroup.procs" : "tasks", O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return podrun_fail (err, errno, "cgroup", "open", dir);
  return fd;
}

int
podrun_cgroup_open_v2_dir (const char *dir, podrun_err_t *err)
{
  struct statfs fs;
  int dfd = open (dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dfd < 0)
    return podrun_fail (err, errno, "cgroup", "open", dir);
  if (fstatfs (dfd, &fs) < 0)
    {
      podrun_fail (err, errno, "cgroup", "fstatfs", dir);
      close (dfd);
      return -1;
    }
  if (fs.f_type != CGROUP2_SUPER_MAGIC)
    {
      close (dfd);
      return -2;
    }
  return dfd;
}

int
podrun_cgroup_join_fd (int procs_fd)
{
  ssize_t n;
  do
    n = write (procs_fd, "0", 1);
  while (n < 0 && errno == EINTR);
  return n == 1 ? 0 : -1;
}

int
podrun_cgroup_join (const char *dir, podrun_err_t *err)
{
  cleanup_close int fd = podrun_cgroup_open_procs (dir, err);
  if (fd < 0)
    return -1;
  if (podrun_cgroup_join_fd (fd) < 0)
    return podrun_fail (err, errno, "cgroup", "write", dir);
  return 0;
}

int
podrun_cgroup_oom_notify (const char *file, podrun_err_t *err)
{
  const char *slash = file ? strrchr (file, '/') : NULL;
  char dir[PATH_MAX], line[32];
  cleanup_close int dfd = -1, cfd = -1, ctl = -1;
  struct statfs fs;
  int efd, n;
  if (!slash || slash == file || slash[1] == '\0' || (size_t) (slash - file) >= sizeof dir)
    return podrun_fail (err, EINVAL, "oomevents", "open", file);
  memcpy (dir, file, (size_t) (slash - file));
  dir[slash - file] = '\0';
  dfd = open_cgroup_dir (dir, "oomevents", &fs, err);
  if (dfd < 0)
    return -1;
  cfd = openat (dfd, slash + 1, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (cfd < 0)
    return podrun_fail (err, errno, "oomevents", "open", file);
  if (fs.f_type == CGROUP2_SUPER_MAGIC)
    {
      /* kernfs wakes the file's pollers on each change (cgroup_file_notify): the fd is the watch */
      n = cfd;
      cfd = -1;
      return n;
    }
  ctl = openat (dfd, "cgroup.event_control", O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
  if (ctl < 0)
    return podrun_fail (err, errno, "oomevents", "open", dir);
  efd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (efd < 0)
    return podrun_fail (err, errno, "oomevents", "eventfd", NULL);
  /* "<event_fd> <fd of memory.oom_control>": the registration holds the eventfd, not CFD */
  n = snprintf (line, sizeof line, "%d %d", efd, cfd);
  if (write (ctl, line, (size_t) n) != n)
    {
      podrun_fail (err, errno, "oomevents", "write", dir);
      close (efd);
      return -1;
    }
  return efd;
}

void
podrun_cgroup_oom_drain (int fd)
{
  char buf[512];
  /* v2: reading the watched file itself is what clears its "changed" state (kernfs keeps the
     event count it last showed per open file); v1: reading the eventfd zeroes its counter.  */
  if (pread (fd, buf, sizeof buf, 0) < 0 && errno == ESPIPE)
    while (read (fd, buf, sizeof buf) > 0)
      ;
}
