/* Shared helpers for podrun-helper: cleanup attributes, the error record, raw syscall wrappers
   glibc 2.36 lacks, atomic files and time formatting.  Everything a forked child may call is
   marked "child-safe": it makes syscalls only (no malloc, no stdio, no locks).  */
#ifndef PODRUN_UTIL_H
#define PODRUN_UTIL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define UNLIKELY(x) __builtin_expect (!!(x), 0)

static inline void
cleanup_close_fn (int *fd)
{
  if (*fd >= 0)
    {
      int saved = errno;
      close (*fd);
      errno = saved;
    }
}

static inline void
cleanup_free_fn (void *p)
{
  free (*(void **) p);
}

#define cleanup_close __attribute__ ((cleanup (cleanup_close_fn)))
#define cleanup_free __attribute__ ((cleanup (cleanup_free_fn)))

/* The {step, syscall, errno, path} record that crosses every boundary (docs/protocol.md).
   Text never does: Node maps errno to a code and a hint.  */
typedef struct podrun_err_s
{
  char step[32];
  char syscall[32];
  int errno_;
  char path[PATH_MAX];
} podrun_err_t;

/* Fills ERR and returns -1, so call sites read `return podrun_fail (err, errno, ...)`.
   Child-safe.  PATH may be NULL.  */
int podrun_fail (podrun_err_t *err, int errno_, const char *step, const char *syscall, const char *path);

/* "STEP SYSCALL ERRNO PATH\n" (PATH `-` when empty, newlines replaced).  Child-safe.
   Returns the length written into BUF (always NUL-terminated).  */
size_t podrun_err_format (const podrun_err_t *err, char *buf, size_t len);

/* Parses a record made by podrun_err_format (without the newline); -1 when malformed.  */
int podrun_err_parse (const char *line, podrun_err_t *err);

/* Child-safe string helpers: bounded copy/append returning the new length, or -1 on overflow.  */
ssize_t podrun_strlcat (char *dst, size_t cap, const char *src);
size_t podrun_fmt_ulong (char *buf, unsigned long long v);

int podrun_write_all (int fd, const void *buf, size_t len);
int podrun_read_file (const char *path, size_t max, char **out, size_t *len);
/* The same from an open fd (read from where it is, to its end; -1 for FD < 0).  */
int podrun_read_fd (int fd, size_t max, char **out, size_t *len);
/* Writes PATH.tmp and renames it over PATH: a reader or a killed process sees the old file or the
   new one.  DURABLE adds an fsync first, for records that must outlive a machine crash (exit
   codes); a record of live processes needs none, since a crash ends the processes too.  */
int podrun_atomic_write (const char *path, const char *data, size_t len, int durable);

/* Field 22 of /proc/PID/stat: start time in clock ticks since boot.  */
int podrun_proc_start_time (pid_t pid, unsigned long long *out);

/* Whether PID is on its way out: gone, a zombie, exiting (PF_EXITING) or with SIGKILL pending,
   from one read of /proc/PID/stat (its fields 3, 9 and 31).  */
int podrun_proc_dying (pid_t pid);

/* RFC 3339 with nanoseconds in UTC: 2026-11-28T10:00:00.123456789Z (31 bytes + NUL).  */
#define PODRUN_TIME_LEN 40
void podrun_format_time (const struct timespec *ts, char *buf);
void podrun_now (char *buf);
/* Milliseconds on CLOCK_MONOTONIC.  */
int64_t podrun_mono_ms (void);

/* Appends S to OUT as a JSON string (with quotes); -1 when it does not fit.  */
ssize_t podrun_json_string (char *out, size_t cap, size_t pos, const char *s);

/* A line in monitor.log (stderr): timestamp + message.  */
void podrun_log (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

/* Drops every capability not in KEEP from the bounding set and clears the ambient set, so
   that after execve root has exactly KEEP and anyone else nothing.  Child-safe.  */
int podrun_limit_caps (uint64_t keep);
/* Effective and permitted sets cut to KEEP (execve would do it for root; until then a process
   being set up keeps every capability it was born with).  Child-safe.  */
int podrun_limit_effective_caps (uint64_t keep);

/* Unmaps this program's text and read-only data from the process (MADV_DONTNEED): what start-up
   ran (most of static glibc) stops counting, and what runs later is mapped again on its first
   fault, with the kernel's fault-around, from the page cache.  Only mappings no page of which was
   ever written are touched, so nothing is lost.  Best effort; returns the bytes unmapped.  */
size_t podrun_trim_text (void);
/* The same, reading the process's smaps from SMAPS_FD (opened while /proc was the host's).  */
size_t podrun_trim_text_fd (int smaps_fd);

/* Joins a new, empty session keyring, so that the process does not inherit the session keyring
   of whoever started it (runc does the same).  A kernel without keyrings is fine.  Child-safe.  */
int podrun_new_session_keyring (void);

/* 0 when the real, effective and saved ids are UID and GID, else -1 (EPERM).  After setuid and
   setgid: a seccomp profile that makes them fail with errno 0 (report success, do nothing) would
   leave the process root; a faked getter leaves the sentinels and fails too.  Child-safe.  */
int podrun_check_ids (uid_t uid, gid_t gid);

/* Raw syscalls glibc 2.36 has no wrapper for.  */
int podrun_pidfd_open (pid_t pid);

/* Keeps only stdio and the N fds FDS (moved to 3, 4, ..., close-on-exec, FDS updated): every
   other fd is closed, not only marked close-on-exec, since a process that may be traced before
   its execve must hold nothing else (pidfd_getfd).  Child-safe; -1 with errno on failure.  */
int podrun_keep_only_fds (int *fds, size_t n);
int podrun_pidfd_send_signal (int pidfd, int sig);

/* A Unix socket of the monitor's that a process it does not trust can write to (a sync socket, a
   probe server's) takes no fds: a sendmsg with SCM_RIGHTS to it fails (EPERM).  Once closed by
   the monitor, an fd sent in can hold it: a TCP socket with SO_LINGER whose peer does not read
   keeps its last close waiting as long as its linger, and the monitor's loop with it.  0, or on a
   kernel without SO_PASSRIGHTS (before Linux 6.16) 0 too, the fds that still come then dropped
   with podrun_drop_fd; -1 with errno on another failure.  */
int podrun_refuse_fds (int sock);
/* Closes FD, an fd that came in SCM_RIGHTS, without lingering (SO_LINGER off; ENOTSOCK for the
   others).  An fd that came inside it (a Unix socket holding one in its queue) may still linger:
   only podrun_refuse_fds keeps them all out.  */
void podrun_drop_fd (int fd);
/* A decimal number in [0, MAX] with nothing around it; -1 otherwise.  */
/* Decimal digits at S (no sign, no spaces) into *OUT: the end of them, or NULL for none or an
   overflow.  Without strtoull, whose locale tables the monitor's loop would keep resident.  */
const char *podrun_scan_ull (const char *s, unsigned long long *out);
int podrun_parse_ull (const char *s, unsigned long long max, unsigned long long *out);
int podrun_openat2 (int dirfd, const char *path, int flags, uint64_t resolve);
int podrun_pivot_root (const char *new_root, const char *put_old);
pid_t podrun_clone3 (uint64_t flags, int *pidfd);
/* The same, the child born in the cgroup v2 directory CGROUP_FD (-1: its parent's): no
   migration afterwards, whose write to cgroup.procs waits for an RCU grace period (~20 ms).  */
pid_t podrun_clone3_into (uint64_t flags, int *pidfd, int cgroup_fd);

#endif

#ifndef PODRUN_UTIL_SYNC
#define PODRUN_UTIL_SYNC
/* Child side of a sync pipe: writes ERR as a record and _exits 1.  Child-safe.  */
void podrun_sync_fail (int fd, const podrun_err_t *err) __attribute__ ((noreturn));
/* Parent side: 0 when FD hit EOF with no record (the child exec'd), -1 with ERR filled.  */
int podrun_sync_wait (int fd, podrun_err_t *err);
#endif
