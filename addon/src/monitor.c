/* The per-pod monitor: parent and child subreaper of the pod's processes, writer of their logs
   and exit records.  Single-threaded; one epoll loop over a signalfd and the containers' output.

   Start-up handshake on fd 3 (docs/protocol.md), numbered as the sync points:
     sync 0.  `podrun-helper PROTOCOL`                      (always the first line)
     sync 1.  `pause PID STARTTIME`                         (or `error STEP SYSCALL ERRNO PATH`)
     sync 2.  `started NAME PID STARTTIME` per container    (or `failed NAME STEP SYSCALL ERRNO PATH`)
     sync 3.  `ready`, then fd 3 is closed.  */
#include "monitor.h"
#include "container.h"
#include "launch.h"
#include "cri_log.h"
#include "pause.h"
#include "pdeathsig.h"
#include "protocol.h"
#include "seccomp.h"

#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define HANDSHAKE_FD 3
/* The pod lock the CLI holds, when it passes it: kept until monitor.json names this process.  */
#define POD_LOCK_FD 4
#define PAUSE_KILL_DELAY_MS 2000

struct monitor
{
  struct podrun_pod pod;
  int handshake; /* -1 once closed or broken */
  int pod_lock;  /* POD_LOCK_FD while held, else -1 */
  int epfd, sigfd;
  pid_t pause_pid;
  unsigned long long self_start, pause_start;
  char stopped_at[PODRUN_TIME_LEN]; /* set once every process of the pod is gone after SIGTERM */
  int pause_pidfd;
  int pause_alive;
  int stopping;
  struct timespec pause_deadline;
};

static void
handshake (struct monitor *m, const char *fmt, ...)
{
  char buf[PATH_MAX + 256];
  va_list ap;
  int n;
  if (m->handshake < 0)
    return;
  va_start (ap, fmt);
  n = vsnprintf (buf, sizeof buf, fmt, ap);
  va_end (ap);
  if (n < 0 || (size_t) n >= sizeof buf)
    return;
  if (podrun_write_all (m->handshake, buf, (size_t) n) < 0)
    {
      /* The CLI is gone (EPIPE): nobody to tell, the pod runs on.  */
      close (m->handshake);
      m->handshake = -1;
    }
}

static void
handshake_error (struct monitor *m, const char *prefix, const podrun_err_t *err)
{
  char rec[PATH_MAX + 128];
  podrun_err_format (err, rec, sizeof rec);
  handshake (m, "%s%s", prefix, rec);
}

/* The raw record: what it means for the user (and the hint) is Node's to say.  */
static void
log_error (const char *what, const podrun_err_t *err)
{
  podrun_log ("%s: step=%s syscall=%s errno=%d path=%s", what, err->step, err->syscall, err->errno_,
              err->path[0] ? err->path : "-");
}

/* Written before the monitor creates anything (no pause yet), again once the pause runs, and a
   last time with stoppedAt when a SIGTERM stopped the pod: a monitor.json without stoppedAt whose
   monitor is gone tells Node the monitor died (docs/protocol.md).  */
static int
write_monitor_json (struct monitor *m)
{
  char path[PATH_MAX], buf[384];
  int n;
  snprintf (path, sizeof path, "%s/monitor.json", m->pod.poddir);
  n = snprintf (buf, sizeof buf, "{\"version\":%d,\"pid\":%d,\"startTime\":%llu", PODRUN_PROTOCOL, (int) getpid (),
                m->self_start);
  if (m->pause_pid > 0)
    n += snprintf (buf + n, sizeof buf - (size_t) n, ",\"pausePid\":%d,\"pauseStartTime\":%llu", (int) m->pause_pid,
                   m->pause_start);
  if (m->stopped_at[0])
    n += snprintf (buf + n, sizeof buf - (size_t) n, ",\"stoppedAt\":\"%s\"", m->stopped_at);
  n += snprintf (buf + n, sizeof buf - (size_t) n, "}\n");
  /* Live pids only: meaningless after a machine crash, so no fsync (it costs ms per pod).  */
  if (podrun_atomic_write (path, buf, (size_t) n, 0) < 0)
    {
      podrun_log ("cannot write %s: errno %d", path, errno);
      return -1;
    }
  return 0;
}

static void
write_state (struct podrun_container *c)
{
  char buf[PATH_MAX * 2 + 1024];
  ssize_t pos = 0;
  size_t cap = sizeof buf;

#define ADD(...) pos += snprintf (buf + pos, cap - (size_t) pos, __VA_ARGS__)
  if (c->status == PODRUN_CTR_START_ERROR)
    {
      ADD ("{\"version\":%d,\"exitCode\":128,\"signal\":null,\"finishedAt\":\"%s\",\"reason\":\"StartError\",\"error\":"
           "{\"step\":",
           PODRUN_PROTOCOL, c->finished_at);
      pos = podrun_json_string (buf, cap, (size_t) pos, c->start_error.step);
      ADD (",\"syscall\":");
      pos = pos < 0 ? pos : podrun_json_string (buf, cap, (size_t) pos, c->start_error.syscall);
      if (pos < 0)
        return;
      ADD (",\"errno\":%d,\"path\":", c->start_error.errno_);
      pos = podrun_json_string (buf, cap, (size_t) pos, c->start_error.path);
      if (pos < 0)
        return;
      ADD ("}}\n");
    }
  else
    {
      ADD ("{\"version\":%d,\"pid\":%d,\"startTime\":%llu,\"startedAt\":\"%s\"", PODRUN_PROTOCOL, (int) c->pid,
           c->start_time, c->started_at);
      if (c->status == PODRUN_CTR_EXITED)
        {
          ADD (",\"exitCode\":%d,", c->exit_code);
          if (c->signal)
            ADD ("\"signal\":%d,", c->signal);
          else
            ADD ("\"signal\":null,");
          ADD ("\"finishedAt\":\"%s\",\"reason\":\"%s\"", c->finished_at, c->exit_code == 0 ? "Completed" : "Error");
        }
      ADD ("}\n");
    }
#undef ADD
  if (pos < 0 || (size_t) pos >= cap)
    return;
  /* Durable once it records how the container ended; a running record needs no fsync (ms on
     every start, serialized in the monitor).  */
  if (podrun_atomic_write (c->state, buf, (size_t) pos, c->status != PODRUN_CTR_RUNNING) < 0)
    podrun_log ("cannot write %s: errno %d", c->state, errno);
}

static void
watch_stream (struct monitor *m, struct podrun_log_stream *s)
{
  struct epoll_event ev = { .events = EPOLLIN, .data.ptr = s };
  if (s && epoll_ctl (m->epfd, EPOLL_CTL_ADD, s->fd, &ev) < 0)
    podrun_log ("epoll_ctl: errno %d", errno);
}

static void
read_stream (struct monitor *m, struct podrun_log_stream *s, int bounded)
{
  int fd = s ? s->fd : -1;
  if (fd < 0)
    return;
  if (podrun_log_stream_read (s, bounded))
    epoll_ctl (m->epfd, EPOLL_CTL_DEL, fd, NULL); /* already closed: harmless */
}

static void
start_failed (struct monitor *m, struct podrun_container *c)
{
  char prefix[300];
  c->status = PODRUN_CTR_START_ERROR;
  podrun_now (c->finished_at);
  log_error (c->name, &c->start_error);
  write_state (c);
  snprintf (prefix, sizeof prefix, "failed %s ", c->name);
  handshake_error (m, prefix, &c->start_error);
}

/* Each compiled seccomp program is read once, before any container is cloned (a child only
   installs it); containers naming the same file share the buffer.  -1 with C's start_error set
   when it cannot be read.  */
static int
load_seccomp (struct podrun_pod *pod, struct podrun_container *c)
{
  struct podrun_container *o;
  if (!c->seccomp)
    return 0;
  for (o = pod->containers; o < c; o++)
    if (o->seccomp_prog.filter && strcmp (o->seccomp, c->seccomp) == 0)
      {
        c->seccomp_prog = o->seccomp_prog;
        return 0;
      }
  if (podrun_seccomp_load (c->seccomp, &c->seccomp_prog, &c->start_error) < 0)
    return -1;
  c->seccomp_owner = 1;
  return 0;
}

/* All children are cloned first and set themselves up in parallel; then each is awaited, and
   reported, in spec order.  */
static void
start_containers (struct monitor *m, const struct podrun_spawn_ctx *ctx)
{
  struct podrun_spawn_pending *pending;
  int *seccomp_ok;
  size_t i, n = m->pod.n_containers;
  pending = calloc (n ? n : 1, sizeof *pending);
  seccomp_ok = calloc (n ? n : 1, sizeof *seccomp_ok);
  if (pending == NULL || seccomp_ok == NULL)
    {
      free (pending);
      free (seccomp_ok);
      for (i = 0; i < n; i++)
        {
          podrun_fail (&m->pod.containers[i].start_error, ENOMEM, "start", "calloc", NULL);
          start_failed (m, &m->pod.containers[i]);
        }
      return;
    }
  for (i = 0; i < n; i++)
    {
      pending[i] = (struct podrun_spawn_pending){ -1, -1, -1, -1, -1, 0 };
      seccomp_ok[i] = load_seccomp (&m->pod, &m->pod.containers[i]) == 0;
    }
  for (i = 0; i < n; i++)
    {
      struct podrun_container *c = &m->pod.containers[i];
      /* A failed begin leaves pending[i].sync_rd at -1: nothing to finish.  */
      if (seccomp_ok[i])
        podrun_container_begin (&m->pod, c, ctx, &pending[i], &c->start_error);
    }
  for (i = 0; i < n; i++)
    {
      struct podrun_container *c = &m->pod.containers[i];
      if (pending[i].sync_rd < 0 || podrun_container_finish (c, &pending[i], &c->start_error) < 0)
        {
          start_failed (m, c);
          continue;
        }
      podrun_now (c->started_at);
      podrun_proc_start_time (c->pid, &c->start_time);
      write_state (c);
      watch_stream (m, c->out);
      watch_stream (m, c->err);
      podrun_log ("container %s started: pid %d", c->name, (int) c->pid);
      handshake (m, "started %s %d %llu\n", c->name, (int) c->pid, c->start_time);
    }
  /* Every child has its copy: the monitor keeps nothing it no longer needs.  */
  for (i = 0; i < n; i++)
    {
      struct podrun_container *c = &m->pod.containers[i];
      if (c->seccomp_owner)
        free (c->seccomp_prog.filter);
      c->seccomp_prog.filter = NULL;
      c->seccomp_owner = 0;
    }
  free (seccomp_ok);
  free (pending);
}

static void
container_exited (struct monitor *m, struct podrun_container *c, int status)
{
  /* Whatever the process wrote before exiting is in the pipe: log it before the exit record so
     that `logs` after an exit is complete.  */
  read_stream (m, c->out, 0);
  read_stream (m, c->err, 0);
  c->status = PODRUN_CTR_EXITED;
  podrun_now (c->finished_at);
  if (WIFSIGNALED (status))
    {
      c->signal = WTERMSIG (status);
      c->exit_code = 128 + c->signal;
    }
  else
    c->exit_code = WEXITSTATUS (status);
  if (c->pidfd >= 0)
    close (c->pidfd);
  c->pidfd = -1;
  if (c->stdin_fd >= 0)
    close (c->stdin_fd); /* nothing can write to an exited container's stdin */
  c->stdin_fd = -1;
  write_state (c);
  podrun_log ("container %s exited: code %d signal %d", c->name, c->exit_code, c->signal);
}

static void
reap (struct monitor *m)
{
  for (;;)
    {
      int status;
      size_t i;
      pid_t pid = waitpid (-1, &status, WNOHANG);
      if (pid <= 0)
        return;
      if (pid == m->pause_pid)
        {
          m->pause_alive = 0;
          if (!m->stopping)
            podrun_log ("pause process %d exited unexpectedly (status %d)", (int) pid, status);
          continue;
        }
      for (i = 0; i < m->pod.n_containers; i++)
        {
          struct podrun_container *c = &m->pod.containers[i];
          if (c->pid == pid && c->status == PODRUN_CTR_RUNNING)
            container_exited (m, c, status);
        }
      /* Anything else is a start-failed child or an orphan re-parented to us: reaped.  */
    }
}

/* Orphans adopted as subreaper (a container in the host PID namespace leaves its children
   behind) would outlive the pod: SIGKILL every child we still have.  They are our children, so
   their pids cannot be reused before we reap them.  Returns how many were signalled.  */
static int
kill_children (struct monitor *m, int include_pause)
{
  char path[64], *buf = NULL, *p;
  size_t len;
  int n = 0;
  snprintf (path, sizeof path, "/proc/self/task/%d/children", (int) getpid ());
  if (podrun_read_file (path, 1 << 20, &buf, &len) < 0)
    return 0;
  for (p = buf; *p;)
    {
      char *end;
      long pid = strtol (p, &end, 10);
      if (end == p)
        break;
      if (pid > 0 && (include_pause || pid != m->pause_pid))
        {
          kill ((pid_t) pid, SIGKILL);
          n++;
        }
      p = end;
    }
  free (buf);
  return n;
}

static void
begin_stop (struct monitor *m)
{
  size_t i;
  if (m->stopping)
    return;
  m->stopping = 1;
  podrun_log ("stopping");
  for (i = 0; i < m->pod.n_containers; i++)
    {
      struct podrun_container *c = &m->pod.containers[i];
      if (c->status == PODRUN_CTR_RUNNING && c->pidfd >= 0)
        podrun_pidfd_send_signal (c->pidfd, SIGKILL);
    }
  kill_children (m, 0);
  if (m->pause_alive)
    podrun_pidfd_send_signal (m->pause_pidfd, SIGTERM);
  clock_gettime (CLOCK_MONOTONIC, &m->pause_deadline);
  m->pause_deadline.tv_sec += PAUSE_KILL_DELAY_MS / 1000;
}

static int
all_gone (struct monitor *m)
{
  size_t i;
  if (m->pause_alive)
    return 0;
  for (i = 0; i < m->pod.n_containers; i++)
    if (m->pod.containers[i].status == PODRUN_CTR_RUNNING)
      return 0;
  /* Adopted orphans, started after begin_stop's sweep: kill them and wait for their SIGCHLD.  */
  if (kill_children (m, 1) > 0)
    return 0;
  return 1;
}

static int
stop_timeout_ms (struct monitor *m)
{
  struct timespec now;
  long ms;
  if (!m->stopping)
    return -1;
  clock_gettime (CLOCK_MONOTONIC, &now);
  ms = (m->pause_deadline.tv_sec - now.tv_sec) * 1000 + (m->pause_deadline.tv_nsec - now.tv_nsec) / 1000000;
  if (ms <= 0)
    {
      if (m->pause_alive)
        podrun_pidfd_send_signal (m->pause_pidfd, SIGKILL);
      return 100;
    }
  return (int) ms;
}

static void
finish (struct monitor *m)
{
  size_t i;
  for (i = 0; i < m->pod.n_containers; i++)
    {
      struct podrun_container *c = &m->pod.containers[i];
      struct podrun_log_stream *streams[2] = { c->out, c->err };
      int k;
      for (k = 0; k < 2; k++)
        if (streams[k])
          {
            read_stream (m, streams[k], 0);
            podrun_log_stream_flush (streams[k]);
          }
    }
  while (waitpid (-1, NULL, WNOHANG) > 0)
    ;
  podrun_now (m->stopped_at);
  write_monitor_json (m);
  podrun_log ("stopped");
}

static int
loop (struct monitor *m)
{
  for (;;)
    {
      struct epoll_event evs[16];
      int n, i;
      if (m->stopping && all_gone (m))
        {
          finish (m);
          return 0;
        }
      n = epoll_wait (m->epfd, evs, 16, stop_timeout_ms (m));
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          podrun_log ("epoll_wait: errno %d", errno);
          return 1;
        }
      for (i = 0; i < n; i++)
        {
          if (evs[i].data.ptr == NULL)
            {
              struct signalfd_siginfo si;
              while (read (m->sigfd, &si, sizeof si) == (ssize_t) sizeof si)
                {
                  if (si.ssi_signo == SIGCHLD)
                    reap (m);
                  else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
                    begin_stop (m);
                }
            }
          else
            read_stream (m, evs[i].data.ptr, 1);
        }
    }
}

static int
setup_signals (struct monitor *m)
{
  sigset_t set;
  struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
  signal (SIGPIPE, SIG_IGN);
  sigemptyset (&set);
  sigaddset (&set, SIGCHLD);
  sigaddset (&set, SIGTERM);
  sigaddset (&set, SIGINT);
  sigaddset (&set, SIGHUP);
  if (sigprocmask (SIG_BLOCK, &set, NULL) < 0)
    return -1;
  sigdelset (&set, SIGHUP); /* blocked and never read: the monitor ignores hangups */
  m->sigfd = signalfd (-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (m->sigfd < 0)
    return -1;
  m->epfd = epoll_create1 (EPOLL_CLOEXEC);
  if (m->epfd < 0)
    return -1;
  return epoll_ctl (m->epfd, EPOLL_CTL_ADD, m->sigfd, &ev);
}

/* The pause binary (podrun-pause, beside this one) copied into a sealed memfd: the pause is
   visible to the containers of a pod with a shared PID namespace, and /proc/1/exe must not lead
   to a file on the host they could write (CVE-2019-5736).  Falls back to `podrun-helper pause`
   from /proc/self/exe.  */
static int
open_pause_exe (void)
{
  char self[PATH_MAX], path[PATH_MAX + 32], *slash;
  cleanup_close int src = -1;
  int mfd = -1;
  ssize_t n = readlink ("/proc/self/exe", self, sizeof self - 1);
  struct stat st;
  if (n > 0)
    {
      self[n] = '\0';
      slash = strrchr (self, '/');
      if (slash)
        {
          *slash = '\0';
          snprintf (path, sizeof path, "%s/podrun-pause", self);
          src = open (path, O_RDONLY | O_CLOEXEC);
        }
    }
  if (src >= 0 && fstat (src, &st) == 0 && S_ISREG (st.st_mode) && st.st_size > 0 && st.st_size < (1 << 20))
    {
      /* MFD_EXEC (Linux 6.3) keeps it executable under vm.memfd_noexec=1.  */
      mfd = memfd_create ("podrun-pause", MFD_CLOEXEC | MFD_ALLOW_SEALING | 0x0010U);
      if (mfd < 0)
        mfd = memfd_create ("podrun-pause", MFD_CLOEXEC | MFD_ALLOW_SEALING);
      if (mfd >= 0)
        {
          char buf[8192];
          ssize_t r;
          int ok = 1;
          while (ok && (r = read (src, buf, sizeof buf)) > 0)
            ok = podrun_write_all (mfd, buf, (size_t) r) == 0;
          if (ok && fcntl (mfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) == 0)
            return mfd;
          close (mfd);
        }
    }
  podrun_log ("podrun-pause not usable beside the helper, running `podrun-helper pause`");
  return open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
}

static int
open_own_log (const struct podrun_pod *pod)
{
  char path[PATH_MAX];
  cleanup_close int fd = -1;
  snprintf (path, sizeof path, "%s/monitor.log", pod->poddir);
  fd = open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
  if (fd < 0)
    return -1;
  if (dup2 (fd, 2) < 0)
    return -1;
  return 0;
}

int
podrun_monitor_main (int argc, char **argv)
{
  struct monitor m;
  struct podrun_spawn_ctx ctx;
  podrun_err_t err;

  /* Only stdio, the handshake pipe and the pod lock are ours; anything else the spawner leaked
     must not reach the pause process or the containers.  */
  close_range (POD_LOCK_FD + 1, ~0U, 0);
  memset (&m, 0, sizeof m);
  m.pod_lock = fcntl (POD_LOCK_FD, F_SETFD, FD_CLOEXEC) < 0 ? -1 : POD_LOCK_FD;
  m.pause_pidfd = m.epfd = m.sigfd = -1;
  m.handshake = fcntl (HANDSHAKE_FD, F_GETFD) < 0 ? -1 : HANDSHAKE_FD;
  if (m.handshake >= 0)
    fcntl (m.handshake, F_SETFD, FD_CLOEXEC);
  /* sync 0. Which contract this build speaks: Node refuses a helper of another build.  */
  handshake (&m, "podrun-helper %d\n", PODRUN_PROTOCOL);
  if (argc != 3)
    {
      podrun_fail (&err, EINVAL, "validate", "argv", NULL);
      handshake_error (&m, "error ", &err);
      dprintf (2, "usage: podrun-helper monitor LAUNCH_FILE\n");
      return 2;
    }
  signal (SIGPIPE, SIG_IGN);
  /* Its own session even when not spawned detached: no terminal signal may reach the pod.  And
     its own session keyring: the pause process inherits it, and nothing the pod can reach may
     hold the keys of whoever started it (security.md, escape 4).  */
  setsid ();
  if (podrun_new_session_keyring () < 0)
    {
      podrun_fail (&err, errno, "keyring", "keyctl", NULL);
      handshake_error (&m, "error ", &err);
      return 1;
    }
  if (podrun_launch_parse (argv[2], &m.pod, &err) < 0)
    {
      log_error ("launch file", &err);
      handshake_error (&m, "error ", &err);
      return 1;
    }
  if (open_own_log (&m.pod) < 0)
    {
      podrun_fail (&err, errno, "monitor", "open", m.pod.poddir);
      handshake_error (&m, "error ", &err);
      return 1;
    }
  if (chdir ("/") < 0 || prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0 || setup_signals (&m) < 0)
    {
      podrun_fail (&err, errno, "monitor", "setup", NULL);
      log_error ("monitor", &err);
      handshake_error (&m, "error ", &err);
      return 1;
    }
  podrun_log ("monitor %d for pod %s", (int) getpid (), m.pod.key);
  /* Recorded before anything is created, and only then the pod lock goes: a delete (or apply)
     that gets the lock after a killed CLI always finds this monitor.  */
  podrun_proc_start_time (getpid (), &m.self_start);
  if (podrun_pdeathsig_prepare () < 0 || write_monitor_json (&m) < 0)
    {
      podrun_fail (&err, errno, "monitor", "setup", m.pod.poddir);
      log_error ("monitor", &err);
      handshake_error (&m, "error ", &err);
      return 1;
    }
  if (m.pod_lock >= 0)
    close (m.pod_lock);
  m.pod_lock = -1;

  ctx.userns_fd = -1;
  ctx.devnull = open ("/dev/null", O_RDWR | O_CLOEXEC);
  /* The containers write their AppArmor attr beneath it (identity.h); close-on-exec, so neither
     the pause nor a container process keeps it.  */
  ctx.host_proc = open ("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  {
    cleanup_close int self_exe = open_pause_exe ();
    if (ctx.devnull < 0 || ctx.host_proc < 0 || self_exe < 0)
      {
        podrun_fail (&err, errno, "monitor", "open", "/proc/self");
        log_error ("monitor", &err);
        handshake_error (&m, "error ", &err);
        return 1;
      }
    if (podrun_seccomp_load (m.pod.pause_seccomp, &m.pod.pause_prog, &err) < 0
        || podrun_pause_spawn (&m.pod, self_exe, &m.pause_pid, &m.pause_pidfd, &ctx.userns_fd, &err) < 0)
      {
        log_error ("pause", &err);
        handshake_error (&m, "error ", &err);
        return 1;
      }
  }
  free (m.pod.pause_prog.filter);
  m.pod.pause_prog.filter = NULL;
  m.pause_alive = 1;
  ctx.pause_pidfd = m.pause_pidfd;
  podrun_proc_start_time (m.pause_pid, &m.pause_start);
  write_monitor_json (&m);
  /* sync 1. */
  handshake (&m, "pause %d %llu\n", (int) m.pause_pid, m.pause_start);
  /* sync 2. (once per container, inside) */
  start_containers (&m, &ctx);
  /* sync 3. */
  handshake (&m, "ready\n");
  if (m.handshake >= 0)
    close (m.handshake);
  m.handshake = -1;
  /* From here on the monitor runs for the pod's life: keep only the code the loop needs.  */
  podrun_trim_text ();
  return loop (&m);
}
