/* See util.h.  */
#include "util.h"

#include <sys/mman.h>

#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

static void
copy_field (char *dst, size_t cap, const char *src)
{
  size_t i = 0;
  if (src)
    for (; src[i] && i + 1 < cap; i++)
      dst[i] = src[i];
  dst[i] = '\0';
}

int
podrun_fail (podrun_err_t *err, int errno_, const char *step, const char *syscall, const char *path)
{
  copy_field (err->step, sizeof err->step, step);
  copy_field (err->syscall, sizeof err->syscall, syscall);
  copy_field (err->path, sizeof err->path, path);
  err->errno_ = errno_;
  return -1;
}

ssize_t
podrun_strlcat (char *dst, size_t cap, const char *src)
{
  size_t n = strlen (dst), m = strlen (src);
  if (n + m + 1 > cap)
    return -1;
  memcpy (dst + n, src, m + 1);
  return (ssize_t) (n + m);
}

size_t
podrun_fmt_ulong (char *buf, unsigned long long v)
{
  char tmp[24];
  size_t n = 0, i;
  do
    {
      tmp[n++] = (char) ('0' + v % 10);
      v /= 10;
    }
  while (v);
  for (i = 0; i < n; i++)
    buf[i] = tmp[n - 1 - i];
  buf[n] = '\0';
  return n;
}

static size_t
append_token (char *buf, size_t pos, size_t len, const char *s, int rest_of_line)
{
  if (!s || !*s)
    s = "-";
  for (; *s && pos + 2 < len; s++)
    {
      char c = *s;
      if (c == '\n' || (!rest_of_line && c == ' '))
        c = '?';
      buf[pos++] = c;
    }
  buf[pos] = '\0';
  return pos;
}

size_t
podrun_err_format (const podrun_err_t *err, char *buf, size_t len)
{
  char num[24];
  size_t pos = 0;
  buf[0] = '\0';
  pos = append_token (buf, pos, len, err->step, 0);
  pos = append_token (buf, pos, len, " ", 1);
  pos = append_token (buf, pos, len, err->syscall, 0);
  pos = append_token (buf, pos, len, " ", 1);
  podrun_fmt_ulong (num, (unsigned) err->errno_);
  pos = append_token (buf, pos, len, num, 0);
  pos = append_token (buf, pos, len, " ", 1);
  pos = append_token (buf, pos, len, err->path, 1);
  if (pos + 1 < len)
    {
      buf[pos++] = '\n';
      buf[pos] = '\0';
    }
  return pos;
}

static int
is_space (char c)
{
  return c == ' ' || (c >= '\t' && c <= '\r');
}

static const char *
skip_space (const char *p)
{
  while (is_space (*p))
    p++;
  return p;
}

/* One word of at most CAP - 1 characters after spaces, or NULL.  */
static const char *
take_word (const char *p, char *out, size_t cap)
{
  size_t k = 0;
  for (p = skip_space (p); *p && !is_space (*p); p++)
    {
      if (k + 1 >= cap)
        return NULL;
      out[k++] = *p;
    }
  out[k] = '\0';
  return k ? p : NULL;
}

/* `STEP SYSCALL ERRNO PATH`, as podrun_err_format writes it.  Parsed by hand, not with sscanf:
   the monitor's loop parses these, and its text is kept small (helper-layout.ld).  */
int
podrun_err_parse (const char *line, podrun_err_t *err)
{
  char step[32], sys[32];
  long e = 0;
  int neg;
  const char *p = take_word (line, step, sizeof step);
  if (p == NULL || (p = take_word (p, sys, sizeof sys)) == NULL)
    return -1;
  p = skip_space (p);
  neg = *p == '-';
  if (*p == '-' || *p == '+')
    p++;
  if (*p < '0' || *p > '9')
    return -1;
  for (; *p >= '0' && *p <= '9'; p++)
    if ((e = e * 10 + (*p - '0')) > INT_MAX)
      return -1;
  p = skip_space (p);
  podrun_fail (err, (int) (neg ? -e : e), step, sys, strcmp (p, "-") == 0 ? NULL : p);
  return 0;
}

int
podrun_write_all (int fd, const void *buf, size_t len)
{
  const char *p = buf;
  while (len > 0)
    {
      ssize_t n = write (fd, p, len);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return -1;
        }
      p += n;
      len -= (size_t) n;
    }
  return 0;
}

int
podrun_read_file (const char *path, size_t max, char **out, size_t *len)
{
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  return podrun_read_fd (fd, max, out, len);
}

int
podrun_read_fd (int fd, size_t max, char **out, size_t *len)
{
  cleanup_free char *buf = NULL;
  size_t used = 0, cap = 4096;
  if (fd < 0)
    return -1;
  buf = malloc (cap + 1);
  if (buf == NULL)
    return -1;
  for (;;)
    {
      ssize_t n;
      if (used == cap)
        {
          char *nb;
          if (cap >= max)
            {
              errno = EFBIG;
              return -1;
            }
          cap *= 2;
          nb = realloc (buf, cap + 1);
          if (nb == NULL)
            return -1;
          buf = nb;
        }
      n = read (fd, buf + used, cap - used);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return -1;
        }
      if (n == 0)
        break;
      used += (size_t) n;
    }
  if (used > max)
    {
      errno = EFBIG;
      return -1;
    }
  buf[used] = '\0';
  *out = buf;
  *len = used;
  buf = NULL;
  return 0;
}

int
podrun_atomic_write (const char *path, const char *data, size_t len, int durable)
{
  char tmp[PATH_MAX];
  cleanup_close int fd = -1;
  int ret;
  ret = snprintf (tmp, sizeof tmp, "%s.tmp", path);
  if (ret < 0 || (size_t) ret >= sizeof tmp)
    {
      errno = ENAMETOOLONG;
      return -1;
    }
  fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0)
    return -1;
  if (podrun_write_all (fd, data, len) < 0 || (durable && fsync (fd) < 0))
    {
      unlink (tmp);
      return -1;
    }
  if (rename (tmp, path) < 0)
    {
      unlink (tmp);
      return -1;
    }
  return 0;
}

/* /proc/PID/stat read into BUF; returns where its field 3 (the state) begins: comm may hold
   spaces and parens, the fields restart after the last ')'.  NULL with errno set when it cannot
   be read.  */
static const char *
proc_stat (pid_t pid, char *buf, size_t cap)
{
  char path[64], *p;
  cleanup_close int fd = -1;
  ssize_t n;
  snprintf (path, sizeof path, "/proc/%d/stat", (int) pid);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return NULL;
  n = read (fd, buf, cap - 1);
  if (n < 0)
    return NULL;
  buf[n] = '\0';
  p = strrchr (buf, ')');
  if (p == NULL || p[1] != ' ' || p[2] == '\0')
    {
      errno = EINVAL;
      return NULL;
    }
  return p + 2;
}

/* Field N (> 3) of a stat whose state (field 3) is at S, as an unsigned number; -1: malformed.  */
static int
stat_field (const char *s, int n, unsigned long long *out)
{
  int field;
  for (field = 3; field < n && s; field++)
    s = strchr (s, ' ') ? strchr (s, ' ') + 1 : NULL;
  if (s == NULL || podrun_scan_ull (s, out) == NULL)
    {
      errno = EINVAL;
      return -1;
    }
  return 0;
}

int
podrun_proc_start_time (pid_t pid, unsigned long long *out)
{
  char buf[1024];
  const char *s = proc_stat (pid, buf, sizeof buf);
  return s ? stat_field (s, 22, out) : -1;
}

int
podrun_proc_dying (pid_t pid)
{
  char buf[1024];
  const char *s = proc_stat (pid, buf, sizeof buf);
  unsigned long long flags, pending;
  if (!s || *s == 'Z' || *s == 'X')
    return 1;
  if (stat_field (s, 9, &flags) < 0 || stat_field (s, 31, &pending) < 0)
    return 0;
  /* PF_EXITING (include/linux/sched.h), set as do_exit begins; SIGKILL pending, as a group kill
     (the OOM killer's do_send_sig_info) puts it in each thread's set at once  */
  return (flags & 0x4) != 0 || (pending & (1ULL << (SIGKILL - 1))) != 0;
}

void
podrun_format_time (const struct timespec *ts, char *buf)
{
  /* UTC by hand, not gmtime_r (glibc's time zone code is not kept in the monitor's text): days
     since 1970-01-01 to a civil date with Howard Hinnant's days_from_civil inverse
     (https://howardhinnant.github.io/date_algorithms.html, civil_from_days).  */
  int64_t t = ts->tv_sec, days = t / 86400, secs = t % 86400;
  if (secs < 0)
    {
      secs += 86400;
      days--;
    }
  days += 719468;
  int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  int64_t doe = days - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int mday = (int) (doy - (153 * mp + 2) / 5 + 1);
  int mon = (int) (mp < 10 ? mp + 3 : mp - 9);
  int year = (int) (yoe + era * 400 + (mon <= 2));
  char tmp[96];
  snprintf (tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", year, mon, mday % 32, (int) (secs / 3600),
            (int) (secs / 60 % 60), (int) (secs % 60), (long) (ts->tv_nsec % 1000000000L));
  memcpy (buf, tmp, PODRUN_TIME_LEN - 1);
  buf[PODRUN_TIME_LEN - 1] = '\0';
}

void
podrun_now (char *buf)
{
  struct timespec ts;
  clock_gettime (CLOCK_REALTIME, &ts);
  podrun_format_time (&ts, buf);
}

int64_t
podrun_mono_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

ssize_t
podrun_json_string (char *out, size_t cap, size_t pos, const char *s)
{
  static const char hex[] = "0123456789abcdef";
  if (pos + 1 >= cap)
    return -1;
  out[pos++] = '"';
  for (; *s; s++)
    {
      unsigned char c = (unsigned char) *s;
      if (pos + 7 >= cap)
        return -1;
      if (c == '"' || c == '\\')
        {
          out[pos++] = '\\';
          out[pos++] = (char) c;
        }
      else if (c < 0x20)
        {
          out[pos++] = '\\';
          out[pos++] = 'u';
          out[pos++] = '0';
          out[pos++] = '0';
          out[pos++] = hex[c >> 4];
          out[pos++] = hex[c & 15];
        }
      else
        out[pos++] = (char) c;
    }
  if (pos + 2 >= cap)
    return -1;
  out[pos++] = '"';
  out[pos] = '\0';
  return (ssize_t) pos;
}

void
podrun_log (const char *fmt, ...)
{
  char ts[PODRUN_TIME_LEN], msg[1024];
  va_list ap;
  int n;
  podrun_now (ts);
  va_start (ap, fmt);
  n = vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  if (n < 0)
    return;
  /* One write, without dprintf's FILE machinery (the monitor's text is kept small).  */
  char line[sizeof ts + sizeof msg + 2];
  n = snprintf (line, sizeof line, "%s %s\n", ts, msg);
  if (n > 0)
    podrun_write_all (2, line, (size_t) n < sizeof line ? (size_t) n : sizeof line - 1);
}

int
podrun_limit_caps (uint64_t keep)
{
  int cap;
  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return -1;
  for (cap = 0; cap < 64; cap++)
    {
      if (prctl (PR_CAPBSET_READ, cap, 0, 0, 0) < 0)
        break; /* EINVAL past the kernel's last capability */
      if (!(keep & (1ULL << cap)) && prctl (PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
        return -1;
    }
  /* Clear the inheritable set too: whatever podrun was started with (a service manager's
     inheritable caps) must not reach the container's programs through file capabilities
     (CVE-2022-29162).  The bounding set drop above does not touch it.  */
  {
    struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
    struct __user_cap_data_struct data[2];
    if (syscall (SYS_capget, &hdr, data) < 0)
      return -1;
    data[0].inheritable = data[1].inheritable = 0;
    if (syscall (SYS_capset, &hdr, data) < 0)
      return -1;
  }
  return 0;
}

int
podrun_limit_effective_caps (uint64_t keep)
{
  struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
  struct __user_cap_data_struct data[2];
  int i;
  if (syscall (SYS_capget, &hdr, data) < 0)
    return -1;
  for (i = 0; i < 2; i++)
    {
      uint32_t k = (uint32_t) (keep >> (32 * i));
      data[i].effective &= k;
      data[i].permitted &= k;
    }
  return (int) syscall (SYS_capset, &hdr, data);
}

const char *
podrun_scan_ull (const char *s, unsigned long long *out)
{
  unsigned long long v = 0;
  const char *p;
  for (p = s; *p >= '0' && *p <= '9'; p++)
    {
      unsigned d = (unsigned) (*p - '0');
      if (v > (~0ULL - d) / 10)
        return NULL;
      v = v * 10 + d;
    }
  if (p == s)
    return NULL;
  *out = v;
  return p;
}

int
podrun_parse_ull (const char *s, unsigned long long max, unsigned long long *out)
{
  char *end;
  if (*s < '0' || *s > '9')
    return -1;
  errno = 0;
  *out = strtoull (s, &end, 10);
  return errno || *end || *out > max ? -1 : 0;
}

int
podrun_pidfd_open (pid_t pid)
{
  return (int) syscall (SYS_pidfd_open, pid, 0);
}

int
podrun_pidfd_send_signal (int pidfd, int sig)
{
  return (int) syscall (SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

int
podrun_openat2 (int dirfd, const char *path, int flags, uint64_t resolve)
{
  struct open_how how = { .flags = (uint64_t) flags, .mode = 0, .resolve = resolve };
  return (int) syscall (SYS_openat2, dirfd, path, &how, sizeof how);
}

int
podrun_pivot_root (const char *new_root, const char *put_old)
{
  return (int) syscall (SYS_pivot_root, new_root, put_old);
}

pid_t
podrun_clone3 (uint64_t flags, int *pidfd)
{
  return podrun_clone3_into (flags, pidfd, -1);
}

pid_t
podrun_clone3_into (uint64_t flags, int *pidfd, int cgroup_fd)
{
  struct clone_args args;
  memset (&args, 0, sizeof args);
  if (cgroup_fd >= 0)
    {
      flags |= CLONE_INTO_CGROUP;
      args.cgroup = (uint64_t) cgroup_fd;
    }
  args.flags = flags | (pidfd ? CLONE_PIDFD : 0);
  args.pidfd = (uint64_t) (uintptr_t) pidfd;
  args.exit_signal = SIGCHLD;
  return (pid_t) syscall (SYS_clone3, &args, sizeof args);
}

void
podrun_sync_fail (int fd, const podrun_err_t *err)
{
  char buf[PATH_MAX + 128];
  size_t n = podrun_err_format (err, buf, sizeof buf);
  (void) !write (fd, buf, n);
  _exit (1);
}

int
podrun_sync_wait (int fd, podrun_err_t *err)
{
  char buf[PATH_MAX + 128];
  size_t used = 0;
  for (;;)
    {
      ssize_t n = read (fd, buf + used, sizeof buf - 1 - used);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return podrun_fail (err, errno, "sync", "read", NULL);
      if (n == 0)
        break;
      used += (size_t) n;
      if (used == sizeof buf - 1)
        break;
    }
  if (used == 0)
    return 0;
  buf[used] = '\0';
  if (used > 0 && buf[used - 1] == '\n')
    buf[used - 1] = '\0';
  if (podrun_err_parse (buf, err) < 0)
    return podrun_fail (err, EPROTO, "sync", "read", NULL);
  return -1;
}

/* A hexadecimal number at *P, advanced past it; 0 digits: -1.  */
static int
take_hex (const char **p, unsigned long *out)
{
  const char *q = *p;
  unsigned long v = 0;
  for (;; q++)
    {
      int d = *q >= '0' && *q <= '9' ? *q - '0' : *q >= 'a' && *q <= 'f' ? *q - 'a' + 10 : -1;
      if (d < 0)
        break;
      v = v * 16 + (unsigned long) d;
    }
  if (q == *p)
    return -1;
  *p = q;
  *out = v;
  return 0;
}

size_t
podrun_trim_text (void)
{
  cleanup_close int fd = open ("/proc/self/smaps", O_RDONLY | O_CLOEXEC | O_NOCTTY);
  return podrun_trim_text_fd (fd);
}

size_t
podrun_trim_text_fd (int smaps_fd)
{
  char *buf = NULL, *line, *next;
  size_t len, dropped = 0, n_drop = 0, i;
  unsigned long start = 0, end = 0, drop[16][2];
  int candidate = 0;
  if (smaps_fd < 0 || podrun_read_fd (smaps_fd, 4 << 20, &buf, &len) < 0)
    return 0;
  /* Parsed by hand: sscanf would bring glibc's scanf back into the text just dropped.  */
  for (line = buf; line && *line; line = next)
    {
      const char *p = line;
      unsigned long s, e;
      next = strchr (line, '\n');
      if (next)
        *next++ = '\0';
      /* A mapping's header: START-END PERMS OFFSET DEV INODE PATH.  Only private, read-only,
         file-backed mappings of the program qualify ...  */
      if (take_hex (&p, &s) == 0 && *p == '-' && (p++, take_hex (&p, &e)) == 0 && *p == ' ')
        {
          int field;
          p++;
          start = s;
          end = e;
          candidate = strncmp (p, "r-xp ", 5) == 0 || strncmp (p, "r--p ", 5) == 0;
          /* PERMS, OFFSET, DEV, INODE, then the path  */
          for (field = 0; field < 4 && *p; field++)
            {
              while (*p && !is_space (*p))
                p++;
              p = skip_space (p);
            }
          candidate = candidate && *p == '/';
        }
      /* ... and only when no page of it was written (relocated relro data is): the file then
         holds exactly what is mapped.  */
      else if (candidate && strncmp (line, "Anonymous:", 10) == 0)
        {
          p = skip_space (line + 10);
          candidate = 0;
          if (p[0] == '0' && p[1] == ' ' && n_drop < sizeof drop / sizeof drop[0])
            {
              drop[n_drop][0] = start;
              drop[n_drop++][1] = end;
            }
        }
    }
  free (buf);
  /* All at the end, by the bare system call: nothing of the parse above (nor of free, nor of a
     wrapper elsewhere in the text) runs again once its pages are gone, to fault them back.  */
  for (i = 0; i < n_drop; i++)
    if (syscall (SYS_madvise, drop[i][0], drop[i][1] - drop[i][0], MADV_DONTNEED) == 0)
      dropped += drop[i][1] - drop[i][0];
  return dropped;
}

int
podrun_new_session_keyring (void)
{
  /* KEYCTL_JOIN_SESSION_KEYRING (1) with no name: a new anonymous keyring (keyctl(2)).  */
  if (syscall (SYS_keyctl, 1, NULL) < 0 && errno != ENOSYS)
    return -1;
  return 0;
}

int
podrun_check_ids (uid_t uid, gid_t gid)
{
  uid_t ru = (uid_t) -1, eu = (uid_t) -1, su = (uid_t) -1;
  gid_t rg = (gid_t) -1, eg = (gid_t) -1, sg = (gid_t) -1;
  if (getresuid (&ru, &eu, &su) < 0 || getresgid (&rg, &eg, &sg) < 0 || ru != uid || eu != uid || su != uid || rg != gid
      || eg != gid || sg != gid)
    {
      errno = EPERM;
      return -1;
    }
  return 0;
}

int
podrun_keep_only_fds (int *fds, size_t n)
{
  int high[8];
  size_t i;
  if (n > 8)
    return errno = EINVAL, -1;
  /* Above every target first, so that moving one down never lands on another.  */
  for (i = 0; i < n; i++)
    if ((high[i] = fcntl (fds[i], F_DUPFD_CLOEXEC, 3 + (int) n)) < 0)
      return -1;
  for (i = 0; i < n; i++)
    {
      if (dup3 (high[i], 3 + (int) i, O_CLOEXEC) < 0)
        return -1;
      fds[i] = 3 + (int) i;
    }
  return (int) syscall (SYS_close_range, 3U + (unsigned) n, ~0U, 0U);
}

#ifndef SO_PASSRIGHTS
#define SO_PASSRIGHTS 83 /* Linux 6.16 */
#endif

int
podrun_refuse_fds (int sock)
{
  int off = 0;
  if (setsockopt (sock, SOL_SOCKET, SO_PASSRIGHTS, &off, sizeof off) < 0 && errno != ENOPROTOOPT && errno != EINVAL)
    return -1;
  return 0;
}

void
podrun_drop_fd (int fd)
{
  struct linger off = { 0, 0 };
  setsockopt (fd, SOL_SOCKET, SO_LINGER, &off, sizeof off);
  close (fd);
}
