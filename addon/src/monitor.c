/* The per-pod monitor: parent and child subreaper of the pod's processes, writer of their logs
   and status, runner of the pod's supervision (supervise.h: the pure state machine; this file is
   its mechanism, docs/supervision.md).  Single-threaded; one epoll loop over tagged sources: the
   signalfd, one timerfd armed to the earliest deadline, the containers' output, their start syncs
   (a start never blocks: each sync message is handled as it arrives), their memory cgroups' OOM
   notifications, the control socket and its clients.

   Start-up handshake on fd 3 (docs/protocol.md), numbered as the sync points:
     sync 0.  `podrun-helper PROTOCOL`                      (always the first line)
     sync 1.  `pause PID STARTTIME`                         (or `error STEP SYSCALL ERRNO PATH`)
     sync 2.  `started NAME PID STARTTIME` per container the pod's first step starts (init
              containers start one by one: only the first), as each start resolves
              (or `failed NAME STEP SYSCALL ERRNO PATH`)
     sync 3.  `ready` once every one of them has its record, then fd 3 is closed.  */
#include "monitor.h"
#include "cgroup.h"
#include "container.h"
#include "launch.h"
#include "cri_log.h"
#include "pause.h"
#include "pdeathsig.h"
#include "probe.h"
#include "protocol.h"
#include "seccomp.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>

#define HANDSHAKE_FD 3
/* The pod lock the CLI holds, when it passes it: kept until monitor.json names this process.  */
#define POD_LOCK_FD 4
#define PAUSE_KILL_DELAY_MS 2000
/* How long the network gate waits for the CLI's `go` (the CNI plugins' ADD runs meanwhile).  */
#define NET_GATE_TIMEOUT_MS (5 * 60 * 1000)
/* A pod whose readiness flaps makes its Services sync at most once a second.  */
#define NOTIFY_GAP_MS 1000
/* How long a container's setup may take from clone to execve (the kubelet's runtime request
   timeout is 2 min): past it the start fails with ETIMEDOUT and the child is killed.  */
#define START_TIMEOUT_MS 120000
/* A control client has this long to send its request.  */
#define CLIENT_TIMEOUT_MS 5000
#define MAX_CLIENTS 8
#define MAX_EVENTS 64
#define MAX_QUEUED 256
#define MAX_DISCARD 64
#define CONTROL_HELLO "podrun-control 1"
/* The longest grace a stop may ask for, as apply caps terminationGracePeriodSeconds (24 h): the
   machine adds it to the clock.  */
#define MAX_GRACE_MS 86400000LL
/* An OOM notification is acted on this long after it came: v1 tells of the OOM before its kill,
   v2 counts the kill before the victim's SIGKILL is sent, and by then the kill is counted and a
   first process it chose is seen dying.  A look that finds no kill looks once more at RETRY.  */
#define OOM_SETTLE_MS 100
#define OOM_RETRY_MS 1000

/* What an epoll event is about: the tag in the high 32 bits, an index in the low ones.  */
enum tag
{
  TAG_SIGNAL = 1,
  TAG_TIMER,
  TAG_LOG,  /* index: container * 2 + (stderr) */
  TAG_SYNC, /* index: container */
  TAG_CONTROL,
  TAG_CLIENT,  /* index: client slot */
  TAG_PROBE,   /* index: the runner's slot (probe.h) */
  TAG_STORAGE, /* the storage check's result pipe */
  TAG_OOM      /* index: container (its memory cgroup's OOM notification) */
};
#define TAG_DATA(tag, idx) (((uint64_t) (tag) << 32) | (uint32_t) (idx))

/* One instance of a container, by restartCount (the current and the previous are kept).  */
struct attempt
{
  int instance;
  pid_t pid;
  unsigned long long start_time;
  podrun_err_t error; /* a start error's record */
};

/* The monitor's side of one container: what the machine does not hold.  */
struct ctr_rt
{
  struct podrun_spawn_pending pending;
  int starting;         /* a start is in progress (its sync socket in the loop) */
  sv_ms start_deadline; /* when it fails with ETIMEDOUT */
  int instance;         /* the restartCount of the instance started last */
  int hs_wait;          /* its start result goes to the handshake (sync 2) */
  int exit_seen;        /* reaped (never while starting: podrun_container_step may wait for it) */
  int exit_code, exit_signal;
  /* The cgroup's OOM kills already accounted for: those before the instance started and those
     reported while it ran; -1: unknown.  */
  long long oom_seen;
  int oom_fd;      /* the cgroup's OOM notification (cgroup.h), -1: none */
  int oom_retry;   /* a look that finds no kill looks again (OOM_RETRY_MS) */
  sv_ms oom_check; /* when the kills are looked at, after a notification */
  sv_ms exit_at;
  podrun_err_t last_error; /* the last start failure (RunContainerError's message) */
  struct attempt attempts[2];
  char logdir[PATH_MAX];
  char log[PATH_MAX + 32];
  char term[PATH_MAX + 32]; /* the attempt's termination message file */
  /* A re-apply's new definition (`replace NAME FILE`): NEXT_DEF, parsed from FILE, holds it as its
     container NEXT_J until the next instance starts; then the container runs it and CUR_DEF owns
     it.  The definition before (OLD_DEF) is freed only one replacement later, when nothing of the
     instances that ran it (a probe run, a hook) can still read it.  NULL: the pod's own launch.  */
  struct podrun_pod *next_def, *cur_def, *old_def;
  size_t next_j;
};

struct event
{
  size_t container;
  char reason[32];
  char message[PATH_MAX + 200];
  int warning, count;
  sv_ms first, last, backoff;
};

struct client
{
  int fd; /* -1: free */
  int hello, waits_stop;
  sv_ms deadline;
  size_t len;
  char buf[PATH_MAX + 256]; /* `replace NAME FILE` holds a path */
};

struct monitor
{
  struct podrun_pod pod;
  struct podrun_spawn_ctx ctx;
  int handshake; /* -1 once closed or broken */
  int pod_lock;  /* POD_LOCK_FD while held, else -1 */
  int epfd, sigfd, timerfd, control;
  pid_t pause_pid;
  unsigned long long self_start, pause_start;
  char stopped_at[PODRUN_TIME_LEN]; /* set once every process of the pod is gone after a stop */
  int pause_pidfd;
  int pause_alive;
  int tearing_down; /* the machine is done: the pause and leftovers are being killed */
  sv_ms pause_deadline;
  struct ctr_rt *rt;
  struct podrun_probes *probes; /* probe.h: the handlers' runs */
  struct sv_action *actions;
  size_t n_actions;
  struct sv_event queue[MAX_QUEUED];
  size_t queue_head, n_queued;
  int in_begin, hs_pending, reap_again, sync_again, pod_status_dirty, events_dirty;
  pid_t discard[MAX_DISCARD];
  /* The pod's notify command (launch.h): the one running (0: none), whether to run it again when
     it ends, and the Ready condition it last told of.  */
  pid_t notify_pid;
  int notify_again, last_ready;
  sv_ms notify_at; /* when it last ran: runs are at least NOTIFY_GAP_MS apart */
  struct event events[MAX_EVENTS];
  size_t n_events;
  struct client clients[MAX_CLIENTS];
  /* Ephemeral storage (storage.h): the next check, the measuring child's pipe (-1: none running),
     and once evicted the kubelet's message (the pod is Failed, reason Evicted).  */
  sv_ms storage_next;
  int storage_fd, evicted;
  char evict_msg[PATH_MAX];
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

/* T on the monotonic clock as RFC 3339 UTC with nanoseconds (as podrun_now writes them).  */
static void
format_mono (sv_ms t, char *buf)
{
  struct timespec real;
  sv_ms wall;
  clock_gettime (CLOCK_REALTIME, &real);
  wall = (sv_ms) real.tv_sec * 1000 + real.tv_nsec / 1000000 - (podrun_mono_ms () - t);
  real.tv_sec = (time_t) (wall / 1000);
  real.tv_nsec = (long) (wall % 1000) * 1000000;
  podrun_format_time (&real, buf);
}

/* A JSON document being written into a fixed buffer; POS -1 once it overflowed.  */
struct jbuf
{
  char *buf;
  size_t cap;
  ssize_t pos;
};

static void __attribute__ ((format (printf, 2, 3))) jadd (struct jbuf *j, const char *fmt, ...)
{
  va_list ap;
  int n;
  if (j->pos < 0)
    return;
  va_start (ap, fmt);
  n = vsnprintf (j->buf + j->pos, j->cap - (size_t) j->pos, fmt, ap);
  va_end (ap);
  if (n < 0 || (size_t) n >= j->cap - (size_t) j->pos)
    j->pos = -1;
  else
    j->pos += n;
}

static void
jstr (struct jbuf *j, const char *s)
{
  if (j->pos >= 0)
    j->pos = podrun_json_string (j->buf, j->cap, (size_t) j->pos, s);
}

static void
jtime (struct jbuf *j, const char *key, sv_ms t)
{
  char ts[PODRUN_TIME_LEN];
  if (t == SV_NEVER)
    return;
  format_mono (t, ts);
  jadd (j, ",\"%s\":\"%s\"", key, ts);
}

static void
jerror (struct jbuf *j, const podrun_err_t *e)
{
  jadd (j, ",\"error\":{\"step\":");
  jstr (j, e->step);
  jadd (j, ",\"syscall\":");
  jstr (j, e->syscall);
  jadd (j, ",\"errno\":%d,\"path\":", e->errno_);
  jstr (j, e->path);
  jadd (j, "}");
}

/* An OOM notification wakes the loop once and is then off until its look (oom_rearm): a
   container under constant memory pressure is at most one look per OOM_SETTLE_MS, not a wake
   per kill.  */
#define OOM_EVENTS (EPOLLIN | EPOLLPRI | EPOLLET | EPOLLONESHOT)

static void
watch (struct monitor *m, int fd, enum tag tag, size_t idx)
{
  /* A start sync stays readable at EOF while its stage waits for the process's end (SIGCHLD).  An
     OOM notification is an edge, one-shot: oom_rearm clears it and turns it on again.  */
  struct epoll_event ev = { .events = tag == TAG_OOM    ? OOM_EVENTS
                                      : tag == TAG_SYNC ? EPOLLIN | EPOLLET
                                                        : EPOLLIN,
                            .data.u64 = TAG_DATA (tag, idx) };
  if (fd >= 0 && epoll_ctl (m->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
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

/* The kubelet's log rotation (containerLogMaxSize 10 MiB, containerLogMaxFiles 5): once the
   attempt's log has passed the size, it becomes K.log.1 (the older ones move up one, the fifth
   goes) and a new K.log takes its place on the same fd, which both streams write.  `podrun logs`
   reads K.log, as `kubectl logs` reads only the current file.  */
#define LOG_MAX_BYTES (10 << 20)
#define LOG_MAX_FILES 5

static void
rotate_log (struct monitor *m, size_t i)
{
  struct podrun_container *c = &m->pod.containers[i];
  struct ctr_rt *r = &m->rt[i];
  struct podrun_log_stream *s = c->out ? c->out : c->err;
  char from[PATH_MAX + 48], to[PATH_MAX + 48];
  int k, fd;
  /* the streams count what they wrote: no fstat per read on a flooding container's hot path */
  if (!s || s->log_fd < 0 || (c->out ? c->out->written : 0) + (c->err ? c->err->written : 0) < LOG_MAX_BYTES)
    return;
  if (c->out)
    c->out->written = 0;
  if (c->err)
    c->err->written = 0;
  for (k = LOG_MAX_FILES - 1; k >= 1; k--)
    {
      snprintf (to, sizeof to, "%s.%d", r->log, k);
      if (k == 1)
        snprintf (from, sizeof from, "%s", r->log);
      else
        snprintf (from, sizeof from, "%s.%d", r->log, k - 1);
      if (rename (from, to) < 0 && errno != ENOENT)
        podrun_log ("log rotation: rename %s: errno %d", from, errno);
    }
  fd = open (r->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
  if (fd < 0 || dup3 (fd, s->log_fd, O_CLOEXEC) < 0)
    podrun_log ("log rotation: reopen %s: errno %d", r->log, errno);
  if (fd >= 0)
    close (fd);
}

/* The attempt's output read to what is there, its partial line flushed, the pipes and the log
   closed: a new attempt writes a new log, and what an orphan of this one writes is dropped.  */
static void
close_streams (struct monitor *m, struct podrun_container *c)
{
  struct podrun_log_stream *streams[2] = { c->out, c->err };
  int k, log_fd = -1;
  for (k = 0; k < 2; k++)
    if (streams[k])
      {
        read_stream (m, streams[k], 0);
        podrun_log_stream_flush (streams[k]);
        if (streams[k]->fd >= 0)
          {
            epoll_ctl (m->epfd, EPOLL_CTL_DEL, streams[k]->fd, NULL);
            close (streams[k]->fd);
          }
        log_fd = streams[k]->log_fd;
        free (streams[k]);
      }
  if (log_fd >= 0)
    close (log_fd);
  c->out = c->err = NULL;
}

/* A pid reaped by pid when it exits, with nothing to report: an intermediate, a child whose
   start failed or timed out, a remover of an old layer.  */
static void
reap_later (struct monitor *m, pid_t pid)
{
  size_t i;
  if (pid <= 0)
    return;
  for (i = 0; i < MAX_DISCARD; i++)
    if (m->discard[i] == 0)
      {
        m->discard[i] = pid;
        return;
      }
  /* Full (cannot happen with a bounded number of containers): reaped by the orphan sweep.  */
}

/* ---- state files ---- */

static void
term_fields (struct jbuf *j, const struct monitor *m, size_t i, const struct sv_termination *t)
{
  const struct ctr_rt *r = &m->rt[i];
  const struct attempt *a = &r->attempts[t->instance % 2];
  jadd (j, "\"exitCode\":%d,", t->exit_code);
  if (t->signal)
    jadd (j, "\"signal\":%d,", t->signal);
  else
    jadd (j, "\"signal\":null,");
  jadd (j, "\"reason\":\"%s\",\"restartCount\":%d", sv_term_reason_name (t->reason), t->instance);
  jtime (j, "startedAt", t->started_at);
  jtime (j, "finishedAt", t->finished_at);
  if (a->instance == t->instance && a->pid > 0 && t->reason != SV_TERM_START_ERROR)
    jadd (j, ",\"pid\":%d,\"startTime\":%llu", (int) a->pid, a->start_time);
  if (a->instance == t->instance && t->reason == SV_TERM_START_ERROR)
    jerror (j, &a->error);
}

/* state.json (docs/protocol.md): the kubelet's container status, with the top-level fields of
   protocol 8 (pid, startTime, startedAt; exitCode, signal, finishedAt, reason, error) kept for
   the current instance so an older reader still understands it.  */
static void
write_state (struct monitor *m, size_t i)
{
  struct podrun_container *c = &m->pod.containers[i];
  struct ctr_rt *r = &m->rt[i];
  struct sv_container_status st;
  char buf[PATH_MAX * 3 + 2048];
  struct jbuf j = { buf, sizeof buf, 0 };
  static const char *const names[] = { "waiting", "running", "terminated" };

  sv_get_container_status (m->pod.machine, i, &st);
  jadd (&j, "{\"version\":%d,\"state\":\"%s\",\"restartCount\":%d,\"started\":%s,\"ready\":%s", PODRUN_PROTOCOL,
        names[st.state], st.restart_count, st.started ? "true" : "false", st.ready ? "true" : "false");
  if (st.state == SV_STATE_RUNNING)
    {
      const struct attempt *a = &r->attempts[st.restart_count % 2];
      jadd (&j, ",\"pid\":%d,\"startTime\":%llu", (int) a->pid, a->start_time);
      jtime (&j, "startedAt", st.started_at);
    }
  else if (st.state == SV_STATE_TERMINATED)
    {
      jadd (&j, ",");
      term_fields (&j, m, i, &st.terminated);
    }
  else
    {
      jadd (&j, ",\"waiting\":{\"reason\":\"%s\"", sv_waiting_name (st.waiting));
      if (st.waiting == SV_WAITING_CRASH_LOOP_BACK_OFF)
        jadd (&j, ",\"backoffMs\":%lld", (long long) st.backoff);
      if (st.waiting == SV_WAITING_RUN_CONTAINER_ERROR)
        jerror (&j, &r->last_error);
      if (st.waiting == SV_WAITING_POST_START_HOOK_ERROR)
        {
          /* What failed (Node words the kubelet's message around it).  */
          jadd (&j, ",\"hookError\":");
          jstr (&j, podrun_probe_message (m->probes, i, PODRUN_HANDLER_POST_START));
        }
      jadd (&j, "}");
    }
  if (st.last.has)
    {
      jadd (&j, ",\"lastState\":{");
      term_fields (&j, m, i, &st.last);
      jadd (&j, "}");
    }
  jadd (&j, "}\n");
  if (j.pos < 0)
    {
      podrun_log ("state of %s too long", c->name);
      return;
    }
  /* Durable once it records how the container ended; a running record needs no fsync (ms on
     every start, serialized in the monitor).  */
  if (podrun_atomic_write (c->state, buf, (size_t) j.pos, st.state == SV_STATE_TERMINATED) < 0)
    podrun_log ("cannot write %s: errno %d", c->state, errno);
}

/* Runs the pod's notify command, detached from the pod: its own session, default signals, stdin
   and stdout on /dev/null, stderr the monitor's log, the environment PATH only.  One at a time: a
   change while it runs makes it run once more when it ends (its reaping, below).  */
static void
notify (struct monitor *m)
{
  static char *const envp[] = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", NULL };
  sigset_t all;
  pid_t pid;
  size_t i;
  if (!m->pod.n_notify)
    return;
  if (m->notify_pid > 0 || podrun_mono_ms () < m->notify_at + NOTIFY_GAP_MS)
    {
      m->notify_again = 1; /* when it ends, or at the gap's end (the timer) */
      return;
    }
  m->notify_again = 0;
  m->notify_at = podrun_mono_ms ();
  pid = fork ();
  if (pid < 0)
    {
      podrun_log ("notify: fork: errno %d", errno);
      m->notify_again = 1; /* the timer tries again after the gap */
      return;
    }
  if (pid == 0)
    {
      int null = open ("/dev/null", O_RDWR | O_CLOEXEC);
      setsid ();
      for (i = 1; i < 65; i++)
        signal ((int) i, SIG_DFL);
      sigemptyset (&all);
      sigprocmask (SIG_SETMASK, &all, NULL);
      if (null >= 0)
        {
          dup2 (null, 0);
          dup2 (null, 1);
        }
      close_range (3, ~0U, 0);
      execve (m->pod.notify_argv[0], m->pod.notify_argv, envp);
      _exit (127);
    }
  m->notify_pid = pid;
}

/* status.json: the pod's phase and conditions as the machine has them.  */
static void
write_pod_status (struct monitor *m)
{
  struct sv_pod_status ps;
  char path[PATH_MAX], *buf;
  size_t cap = 4096 + m->pod.n_containers * 3 * 260, i;
  struct jbuf j;
  int c;
  if (!m->pod.machine)
    return;
  buf = malloc (cap);
  if (!buf)
    return;
  j = (struct jbuf){ buf, cap, 0 };
  sv_get_pod_status (m->pod.machine, &ps);
  jadd (&j, "{\"version\":%d,\"phase\":\"%s\",\"stopping\":%s,\"deleting\":%s,\"done\":%s,", PODRUN_PROTOCOL,
        m->evicted ? "Failed" : sv_phase_name (ps.phase), ps.stopping ? "true" : "false",
        ps.deleting ? "true" : "false", ps.done ? "true" : "false");
  if (m->evicted)
    {
      jadd (&j, "\"reason\":\"Evicted\",\"message\":");
      jstr (&j, m->evict_msg);
      jadd (&j, ",");
    }
  jadd (&j, "\"conditions\":[");
  for (c = 0; c < SV_N_CONDITIONS; c++)
    {
      const struct sv_condition *k = &ps.conditions[c];
      jadd (&j, "%s{\"type\":\"%s\",\"status\":\"%s\"", c ? "," : "", sv_condition_name ((enum sv_condition_type) c),
            k->status ? "True" : "False");
      if (k->reason != SV_COND_REASON_NONE)
        {
          int first = 1;
          jadd (&j, ",\"reason\":\"%s\",\"containers\":[", sv_condition_reason_name (k->reason));
          for (i = 0; i < m->pod.n_containers; i++)
            if (sv_condition_lists (m->pod.machine, (enum sv_condition_type) c, i))
              {
                jadd (&j, first ? "" : ",");
                jstr (&j, m->pod.containers[i].name);
                first = 0;
              }
          jadd (&j, "]");
        }
      jtime (&j, "lastTransitionTime", k->transition);
      jadd (&j, "}");
    }
  jadd (&j, "]}\n");
  snprintf (path, sizeof path, "%s/status.json", m->pod.poddir);
  if (j.pos >= 0 && podrun_atomic_write (path, buf, (size_t) j.pos, ps.done) < 0)
    podrun_log ("cannot write %s: errno %d", path, errno);
  free (buf);
  /* Written first: the command reads Ready from this file.  */
  if (ps.conditions[SV_COND_READY].status != m->last_ready)
    {
      m->last_ready = ps.conditions[SV_COND_READY].status;
      notify (m);
    }
}

/* Events (§10): kept in memory with the kubelet's dedup (container, reason, message: count and
   times), at most MAX_EVENTS (the oldest by last time goes), written whole to events.json.  */
static void
write_events (struct monitor *m)
{
  char path[PATH_MAX], *buf;
  size_t cap = 1024 + m->n_events * (PATH_MAX + 512), i;
  struct jbuf j;
  buf = malloc (cap);
  if (!buf)
    return;
  j = (struct jbuf){ buf, cap, 0 };
  jadd (&j, "{\"version\":%d,\"events\":[", PODRUN_PROTOCOL);
  for (i = 0; i < m->n_events; i++)
    {
      const struct event *e = &m->events[i];
      jadd (&j, "%s{\"type\":\"%s\",\"reason\":\"%s\",\"container\":", i ? "," : "", e->warning ? "Warning" : "Normal",
            e->reason);
      jstr (&j, e->container < m->pod.n_containers ? m->pod.containers[e->container].name : ""); /* "": the pod's */
      jadd (&j, ",\"message\":");
      jstr (&j, e->message);
      if (e->backoff != SV_NEVER)
        jadd (&j, ",\"backoffMs\":%lld", (long long) e->backoff);
      jadd (&j, ",\"count\":%d", e->count);
      jtime (&j, "firstTimestamp", e->first);
      jtime (&j, "lastTimestamp", e->last);
      jadd (&j, "}");
    }
  jadd (&j, "]}\n");
  snprintf (path, sizeof path, "%s/events.json", m->pod.poddir);
  if (j.pos >= 0 && podrun_atomic_write (path, buf, (size_t) j.pos, 0) < 0)
    podrun_log ("cannot write %s: errno %d", path, errno);
  free (buf);
}

static void
record_event (struct monitor *m, size_t i, const char *reason, int warning, const char *message, sv_ms backoff)
{
  struct event *e = NULL;
  size_t k, oldest = 0;
  sv_ms now = podrun_mono_ms ();
  for (k = 0; k < m->n_events; k++)
    {
      struct event *o = &m->events[k];
      if (o->container == i && strcmp (o->reason, reason) == 0 && strcmp (o->message, message) == 0)
        e = o;
      if (o->last < m->events[oldest].last)
        oldest = k;
    }
  if (e)
    {
      e->count++;
      e->last = now;
      e->backoff = backoff;
    }
  else
    {
      if (m->n_events == MAX_EVENTS)
        {
          memmove (&m->events[oldest], &m->events[oldest + 1], (m->n_events - oldest - 1) * sizeof *m->events);
          m->n_events--;
        }
      e = &m->events[m->n_events++];
      memset (e, 0, sizeof *e);
      e->container = i;
      snprintf (e->reason, sizeof e->reason, "%s", reason);
      snprintf (e->message, sizeof e->message, "%s", message);
      e->warning = warning;
      e->count = 1;
      e->first = e->last = now;
      e->backoff = backoff;
    }
  m->events_dirty = 1;
}

/* ---- the machine ---- */

static void
post (struct monitor *m, struct sv_event ev)
{
  if (!m->pod.machine)
    return;
  if (m->n_queued == MAX_QUEUED)
    {
      podrun_log ("event queue full: event %d of container %zu dropped", (int) ev.type, ev.container);
      return;
    }
  m->queue[(m->queue_head + m->n_queued++) % MAX_QUEUED] = ev;
}

static void
handshake_started (struct monitor *m, size_t i, int ok)
{
  struct podrun_container *c = &m->pod.containers[i];
  struct ctr_rt *r = &m->rt[i];
  char prefix[300];
  if (!r->hs_wait)
    return;
  r->hs_wait = 0;
  m->hs_pending--;
  if (ok)
    handshake (m, "started %s %d %llu\n", c->name, (int) c->pid, r->attempts[r->instance % 2].start_time);
  else
    {
      snprintf (prefix, sizeof prefix, "failed %s ", c->name);
      handshake_error (m, prefix, &r->last_error);
    }
}

static void
start_failed (struct monitor *m, size_t i, const podrun_err_t *err)
{
  struct podrun_container *c = &m->pod.containers[i];
  struct ctr_rt *r = &m->rt[i];
  char rec[PATH_MAX + 160], msg[PATH_MAX + 200];
  r->last_error = *err;
  r->attempts[r->instance % 2].error = *err;
  r->attempts[r->instance % 2].pid = 0;
  c->status = PODRUN_CTR_START_ERROR;
  if (c->pidfd >= 0)
    close (c->pidfd);
  c->pidfd = -1;
  if (!r->exit_seen)
    reap_later (m, c->pid);
  c->pid = 0;
  log_error (c->name, err);
  podrun_err_format (err, rec, sizeof rec);
  /* The kubelet's Failed event says the config error itself.  */
  snprintf (msg, sizeof msg, "Error: %s", c->config_error ? c->config_error : rec);
  record_event (m, i, "Failed", 1, msg, SV_NEVER);
  handshake_started (m, i, 0);
  post (m, (struct sv_event){ .type = SV_EV_START_FAILED, .now = podrun_mono_ms (), .container = i });
}

/* Each compiled seccomp program is read once, before its first container is cloned (a child
   only installs it), and kept for the restarts; containers naming the same file share it.  */
static int
load_seccomp (struct podrun_pod *pod, struct podrun_container *c, podrun_err_t *err)
{
  struct podrun_container *o;
  if (!c->seccomp || c->seccomp_prog.filter)
    return 0;
  for (o = pod->containers; o < pod->containers + pod->n_containers; o++)
    if (o != c && o->seccomp_prog.filter && strcmp (o->seccomp, c->seccomp) == 0)
      {
        c->seccomp_prog = o->seccomp_prog;
        return 0;
      }
  if (podrun_seccomp_load (c->seccomp, &c->seccomp_prog, err) < 0)
    return -1;
  c->seccomp_owner = 1;
  return 0;
}

/* The remover of an old writable layer: a child of the monitor (single-threaded, so anything
   goes after fork), reaped by pid; the loop never waits for a tree to be deleted.  */
static int
rm_entry (const char *path, const struct stat *st, int type, struct FTW *ftw)
{
  (void) st;
  (void) ftw;
  if (type == FTW_DP)
    rmdir (path);
  else
    unlink (path);
  return 0;
}

static void
remove_tree_async (struct monitor *m, const char *a, const char *b)
{
  pid_t pid = fork ();
  if (pid == 0)
    {
      nftw (a, rm_entry, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
      nftw (b, rm_entry, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
      _exit (0);
    }
  if (pid < 0)
    podrun_log ("fork (remove %s): errno %d", a, errno);
  else
    reap_later (m, pid);
}

/* A fresh DIR for attempt K: the old one renamed to DIR.dead-K (at once) and removed in the
   background; the new one with the old one's owner and mode (the container's root inode).  */
static int
fresh_dir (const char *dir, int k, char *dead, size_t cap, podrun_err_t *err)
{
  struct stat st;
  if (lstat (dir, &st) < 0 || !S_ISDIR (st.st_mode))
    return podrun_fail (err, errno ? errno : ENOTDIR, "layer", "lstat", dir);
  snprintf (dead, cap, "%s.dead-%d", dir, k);
  if (rename (dir, dead) < 0)
    return podrun_fail (err, errno, "layer", "rename", dir);
  if (mkdir (dir, st.st_mode & 07777) < 0 || chown (dir, st.st_uid, st.st_gid) < 0
      || chmod (dir, st.st_mode & 07777) < 0)
    return podrun_fail (err, errno, "layer", "mkdir", dir);
  return 0;
}

/* The termination message file of attempt K, <container dir>/termination-<K> (kubelet-rules.md
   §7: a fresh empty file per instance, mode 0666 whatever the umask, so any user of the
   container can write it), bound at terminationMessagePath; K-2's is removed, as its log is.
   Node reads it (the last 4096 bytes) for terminated.message.  */
static int
fresh_termination_file (struct podrun_container *c, struct ctr_rt *r, int k, podrun_err_t *err)
{
  const char *slash = strrchr (c->state, '/');
  int dl = slash ? (int) (slash - c->state) : 0, fd;
  char old[PATH_MAX + 32];
  if (k >= 2)
    {
      snprintf (old, sizeof old, "%.*s/termination-%d", dl, c->state, k - 2);
      unlink (old);
    }
  snprintf (r->term, sizeof r->term, "%.*s/termination-%d", dl, c->state, k);
  unlink (r->term); /* a leftover of a monitor that died at this attempt */
  fd = open (r->term, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (fd < 0)
    return podrun_fail (err, errno, "termination", "open", r->term);
  if (fchmod (fd, 0666) < 0)
    {
      close (fd);
      return podrun_fail (err, errno, "termination", "fchmod", r->term);
    }
  close (fd);
  c->termination_file = r->term;
  return 0;
}

/* The `oom_kill N` count of a memory cgroup's events file (kubelet-resources.md O5.1, O5.3: the
   kills, not `oom`, which counts reclaim failures); -1 when it cannot be read.  */
static long long
oom_kills (const char *file)
{
  char buf[1024];
  const char *at;
  ssize_t n;
  int fd;
  if (!file)
    return -1;
  fd = open (file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return -1;
  /* A cgroup file is read in one go: its text is made at the read.  */
  do
    n = read (fd, buf, sizeof buf - 1);
  while (n < 0 && errno == EINTR);
  close (fd);
  if (n <= 0)
    return -1;
  buf[n] = '\0';
  for (at = buf; at; at = strchr (at, '\n') ? strchr (at, '\n') + 1 : NULL)
    if (strncmp (at, "oom_kill ", 9) == 0)
      return strtoll (at + 9, NULL, 10);
  return -1;
}

/* Container I's cgroup OOM notification on the loop, from its first instance on (the cgroup
   outlives them; one that could not be watched is tried again at the next).  */
static void
oom_watch (struct monitor *m, size_t i)
{
  struct podrun_container *c = &m->pod.containers[i];
  struct ctr_rt *r = &m->rt[i];
  podrun_err_t err;
  if (r->oom_fd >= 0 || !c->oom_events)
    return;
  r->oom_fd = podrun_cgroup_oom_notify (c->oom_events, &err);
  if (r->oom_fd < 0)
    log_error ("OOM notification (OOM kills reported at exit only)", &err);
  watch (m, r->oom_fd, TAG_OOM, i);
}

static void
oom_unwatch (struct monitor *m, size_t i)
{
  struct ctr_rt *r = &m->rt[i];
  if (r->oom_fd < 0)
    return;
  epoll_ctl (m->epfd, EPOLL_CTL_DEL, r->oom_fd, NULL);
  close (r->oom_fd);
  r->oom_fd = -1;
  r->oom_check = SV_NEVER;
}

/* Container I's OOM notification cleared and on again, before its count is read: a kill after
   the clearing wakes the loop again.  */
static void
oom_rearm (struct monitor *m, size_t i)
{
  struct ctr_rt *r = &m->rt[i];
  struct epoll_event ev = { .events = OOM_EVENTS, .data.u64 = TAG_DATA (TAG_OOM, i) };
  if (r->oom_fd < 0)
    return;
  podrun_cgroup_oom_drain (r->oom_fd);
  if (epoll_ctl (m->epfd, EPOLL_CTL_MOD, r->oom_fd, &ev) < 0)
    podrun_log ("epoll_ctl: errno %d", errno);
}

/* The Warning event of N OOM kills in container I that left its first process running: one
   event the kubelet's way (its count is the kills), as the kernel words its memcg kill
   ("Memory cgroup out of memory: Killed process PID (COMM)"), without the victim, which only
   the kernel log names.  */
static void
oom_killing (struct monitor *m, size_t i, long long n)
{
  char msg[160];
  snprintf (msg, sizeof msg, "Memory cgroup out of memory: Killed a process of container %s",
            m->pod.containers[i].name);
  for (; n > 0; n--)
    record_event (m, i, "OOMKilling", 1, msg, SV_NEVER);
}

/* A notification came: the kills are looked at once it settled (OOM_SETTLE_MS).  */
static void
oom_notified (struct monitor *m, size_t i)
{
  struct ctr_rt *r = &m->rt[i];
  if (r->oom_check == SV_NEVER)
    r->oom_check = podrun_mono_ms () + OOM_SETTLE_MS;
  r->oom_retry = 1;
}

/* Container I's kills, after a notification: those of another process than its first while it
   runs are its OOMKilling event now; while its first process is dying they are left to its exit
   (feed_exit: OOMKilled).  A count that cannot be read any more is a cgroup gone: unwatched.  */
static void
oom_look (struct monitor *m, size_t i, sv_ms now)
{
  struct podrun_container *c = &m->pod.containers[i];
  struct ctr_rt *r = &m->rt[i];
  long long n;
  r->oom_check = SV_NEVER;
  if (r->starting)
    {
      r->oom_check = now + OOM_SETTLE_MS; /* its process is not the machine's yet */
      return;
    }
  oom_rearm (m, i);
  n = oom_kills (c->oom_events);
  if (n < 0)
    {
      podrun_log ("container %s: %s unreadable, OOM notification closed", c->name, c->oom_events);
      oom_unwatch (m, i);
      return;
    }
  if (c->status != PODRUN_CTR_RUNNING || r->exit_seen)
    return; /* an exit counted them; the next instance counts from its start */
  if (r->oom_seen < 0)
    r->oom_seen = n;
  if (n > r->oom_seen && !podrun_proc_dying (c->pid))
    {
      podrun_log ("container %s: %lld OOM kill(s), its first process running", c->name, n - r->oom_seen);
      oom_killing (m, i, n - r->oom_seen);
      r->oom_seen = n;
    }
  else if (n <= r->oom_seen && r->oom_retry)
    {
      r->oom_retry = 0;
      r->oom_check = now + OOM_RETRY_MS;
    }
}

/* What attempt K of container I starts from (docs/supervision.md, "Attempts"): attempt 0 the
   dirs apply prepared; a later one a fresh writable layer (the previous one removed, as the
   kubelet's new container has a new one) and its own log, logs/<c>/<K>.log, the log of attempt
   K-2 removed (the current and the previous attempt's are kept, for `logs` and `logs -p`).  */
static int
prepare_attempt (struct monitor *m, size_t i, podrun_err_t *err)
{
  struct podrun_container *c = &m->pod.containers[i];
  struct ctr_rt *r = &m->rt[i];
  char dead_upper[PATH_MAX + 32], dead_work[PATH_MAX + 32], old[PATH_MAX + 32];
  int k = r->instance;
  size_t dl = strlen (r->logdir);
  snprintf (r->log, sizeof r->log, "%.*s/%d.log", (int) dl, r->logdir, k);
  c->log = r->log;
  r->oom_seen = oom_kills (c->oom_events); /* the cgroup outlives instances: count from here */
  r->oom_check = SV_NEVER;
  oom_watch (m, i);
  oom_rearm (m, i);
  if (k >= 2)
    {
      int j;
      snprintf (old, sizeof old, "%.*s/%d.log", (int) dl, r->logdir, k - 2);
      unlink (old);
      for (j = 1; j < LOG_MAX_FILES; j++)
        {
          snprintf (old, sizeof old, "%.*s/%d.log.%d", (int) dl, r->logdir, k - 2, j);
          unlink (old);
        }
    }
  if (c->termination_path && fresh_termination_file (c, r, k, err) < 0)
    return -1;
  if (k == 0)
    return 0;
  if (fresh_dir (c->upper, k, dead_upper, sizeof dead_upper, err) < 0
      || fresh_dir (c->work, k, dead_work, sizeof dead_work, err) < 0)
    return -1;
  remove_tree_async (m, dead_upper, dead_work);
  return 0;
}

/* Container I's new definition, if a re-apply left one, becomes what its instances run: the
   definition's fields replace the container's, its runtime (pid, streams, the instance's times)
   stays; the state machine takes its probes and hooks.  Between instances only: the previous
   instance is gone, the next not cloned yet.  */
static void
install_definition (struct monitor *m, size_t i)
{
  struct podrun_container *c = &m->pod.containers[i];
  struct ctr_rt *r = &m->rt[i];
  struct podrun_container keep = *c, *o;
  int shared = 0;
  if (!r->next_def)
    return;
  *c = r->next_def->containers[r->next_j];
  c->status = keep.status;
  c->pid = keep.pid;
  c->pidfd = keep.pidfd;
  c->stdin_fd = keep.stdin_fd;
  c->termination_file = keep.termination_file;
  c->seccomp_prog = (struct sock_fprog){ 0 };
  c->seccomp_owner = 0;
  c->start_time = keep.start_time;
  memcpy (c->started_at, keep.started_at, sizeof c->started_at);
  memcpy (c->finished_at, keep.finished_at, sizeof c->finished_at);
  c->exit_code = keep.exit_code;
  c->signal = keep.signal;
  c->start_error = keep.start_error;
  c->out = keep.out;
  c->err = keep.err;
  /* The old program goes unless another container shares it (load_seccomp hands out copies).  */
  for (o = m->pod.containers; keep.seccomp_owner && o < m->pod.containers + m->pod.n_containers; o++)
    if (o != c && o->seccomp_prog.filter == keep.seccomp_prog.filter && !shared)
      shared = o->seccomp_owner = 1; /* it owns it now */
  if (keep.seccomp_owner && !shared)
    free (keep.seccomp_prog.filter);
  if (m->pod.sv_containers)
    m->pod.sv_containers[i] = c->sv;
  sv_set_container_config (m->pod.machine, i, &c->sv);
  podrun_launch_free (r->old_def);
  r->old_def = r->cur_def;
  r->cur_def = r->next_def;
  r->next_def = NULL;
  podrun_log ("container %s: the new definition installed", c->name);
}

static void
do_start (struct monitor *m, size_t i)
{
  struct podrun_container *c = &m->pod.containers[i];
  struct ctr_rt *r = &m->rt[i];
  struct sv_container_status st;
  podrun_err_t err;
  sv_get_container_status (m->pod.machine, i, &st);
  r->instance = st.restart_count; /* the machine counted this instance when it asked for it */
  memset (&r->attempts[r->instance % 2], 0, sizeof r->attempts[0]);
  r->attempts[r->instance % 2].instance = r->instance;
  if (m->in_begin)
    {
      r->hs_wait = 1;
      m->hs_pending++;
    }
  install_definition (m, i);
  c->status = PODRUN_CTR_NEW;
  c->pid = 0;
  c->pidfd = -1;
  r->exit_seen = 0;
  r->pending = (struct podrun_spawn_pending){ .sync_rd = -1, .log_fd = -1, .out_rd = -1, .err_rd = -1, .in_wr = -1 };
  if (c->config_error)
    {
      /* Never created, as the kubelet's CreateContainerConfigError: the machine backs off.  */
      podrun_fail (&err, EPERM, "config", "create", c->config_error);
      start_failed (m, i, &err);
      return;
    }
  if (prepare_attempt (m, i, &err) < 0 || load_seccomp (&m->pod, c, &err) < 0
      || podrun_container_begin (&m->pod, c, &m->ctx, &r->pending, &err) < 0)
    {
      podrun_spawn_pending_close (&r->pending);
      start_failed (m, i, &err);
      return;
    }
  r->starting = 1;
  r->start_deadline = podrun_mono_ms () + START_TIMEOUT_MS;
  record_event (m, i, "Created", 0, "Container created", SV_NEVER);
  watch (m, r->pending.sync_rd, TAG_SYNC, i);
}

/* The instance's exit to the machine. OOMKilled (O5.7) when its first process died of SIGKILL
   and the cgroup counted an OOM kill not yet reported (oom_look reports, while the instance
   runs, those that left its first process running); kills not yet reported when it exited
   otherwise are the OOMKilling event they would have been.  */
static void
feed_exit (struct monitor *m, size_t i)
{
  struct podrun_container *c = &m->pod.containers[i];
  struct ctr_rt *r = &m->rt[i];
  long long now = oom_kills (c->oom_events), n = r->oom_seen >= 0 && now > r->oom_seen ? now - r->oom_seen : 0;
  int oom = n > 0 && r->exit_signal == SIGKILL;
  if (n > 0 && !oom)
    oom_killing (m, i, n);
  if (n > 0)
    r->oom_seen = now;
  r->oom_check = SV_NEVER;
  oom_rearm (m, i);
  post (m, (struct sv_event){ .type = SV_EV_EXITED,
                              .now = r->exit_at,
                              .container = i,
                              .code = r->exit_code,
                              .signal = r->exit_signal,
                              .oom = oom });
}

/* Container I's process ended with STATUS (reaped).  */
static void
container_exited (struct monitor *m, size_t i, int status)
{
  struct podrun_container *c = &m->pod.containers[i];
  struct ctr_rt *r = &m->rt[i];
  r->exit_at = podrun_mono_ms ();
  r->exit_signal = WIFSIGNALED (status) ? WTERMSIG (status) : 0;
  r->exit_code = WIFSIGNALED (status) ? 128 + r->exit_signal : WEXITSTATUS (status);
  r->exit_seen = 1;
  if (c->pidfd >= 0)
    close (c->pidfd);
  c->pidfd = -1;
  /* Whatever the process wrote before exiting is in the pipe: logged before the exit record so
     that `logs` after an exit is complete.  */
  close_streams (m, c);
  if (c->stdin_fd >= 0)
    close (c->stdin_fd); /* nothing can write to an exited container's stdin */
  c->stdin_fd = -1;
  c->status = PODRUN_CTR_EXITED;
  podrun_probe_container_ended (m->probes, i);
  podrun_log ("container %s exited: code %d signal %d", c->name, r->exit_code, r->exit_signal);
  feed_exit (m, i);
}

/* Container I's start may have moved on (its sync socket, a SIGCHLD, a deadline); TIMED_OUT: its
   START_TIMEOUT_MS passed.  */
static void
sync_progress (struct monitor *m, size_t i, int timed_out)
{
  struct podrun_container *c = &m->pod.containers[i];
  struct ctr_rt *r = &m->rt[i];
  struct attempt *a = &r->attempts[r->instance % 2];
  podrun_err_t err;
  int rc;
  if (!r->starting)
    return;
  if (timed_out)
    {
      podrun_fail (&err, ETIMEDOUT, "start", "deadline", NULL);
      if (c->pidfd >= 0)
        podrun_pidfd_send_signal (c->pidfd, SIGKILL);
      rc = -1;
    }
  else
    rc = podrun_container_step (c, &r->pending, &err);
  /* The intermediate's pid came (sync 2p): reaped by pid from now on, before any orphan sweep.  */
  reap_later (m, r->pending.intermediate);
  r->pending.intermediate = 0;
  /* Foreign messages cut the step short: no edge may come for what is left (EPOLLET).  */
  if (rc == 0 && r->pending.again)
    m->sync_again = 1;
  if (rc == 0)
    return;
  r->starting = 0;
  epoll_ctl (m->epfd, EPOLL_CTL_DEL, r->pending.sync_rd, NULL); /* closed by step; harmless */
  podrun_spawn_pending_close (&r->pending);
  if (rc < 0)
    {
      start_failed (m, i, &err);
      return;
    }
  a->pid = c->pid;
  podrun_proc_start_time (c->pid, &a->start_time);
  watch (m, c->out ? c->out->fd : -1, TAG_LOG, i * 2);
  watch (m, c->err ? c->err->fd : -1, TAG_LOG, i * 2 + 1);
  podrun_log ("container %s started: pid %d (attempt %d)", c->name, (int) c->pid, r->instance);
  record_event (m, i, "Started", 0, "Container started", SV_NEVER);
  handshake_started (m, i, 1);
  post (m, (struct sv_event){ .type = SV_EV_STARTED, .now = podrun_mono_ms (), .container = i });
  /* Not reaped while starting: it may have exited already, its SIGCHLD taken.  */
  m->reap_again = 1;
}

static void begin_teardown (struct monitor *m);

/* ---- probes and hooks (probe.h runs them) ---- */

/* A run finished: its result to the machine.  */
static void
handler_done (struct monitor *m, const struct podrun_probe_result *r)
{
  sv_ms now = podrun_mono_ms ();
  if (r->handler < SV_N_PROBES)
    post (m, (struct sv_event){ .type = SV_EV_PROBE,
                                .now = now,
                                .container = r->container,
                                .probe = (enum sv_probe_kind) r->handler,
                                .result = r->result });
  else
    post (m, (struct sv_event){ .type = SV_EV_HOOK,
                                .now = now,
                                .container = r->container,
                                .hook = r->handler == PODRUN_HANDLER_POST_START ? SV_HOOK_POST_START : SV_HOOK_PRE_STOP,
                                .ok = r->ok });
}

static void
run_handler (struct monitor *m, size_t i, int h)
{
  struct podrun_container *c = &m->pod.containers[i];
  struct ctr_rt *r = &m->rt[i];
  struct podrun_probe_result res;
  pid_t pid = c->status == PODRUN_CTR_RUNNING && !r->exit_seen ? c->pid : 0;
  int net = m->pod.net == PODRUN_NS_HOST ? -1 : m->pause_pidfd;
  if (!m->probes)
    return;
  if (podrun_probe_run (m->probes, i, h, pid, r->attempts[r->instance % 2].start_time, net, &res))
    handler_done (m, &res);
}

/* The Killing event's message (kubelet-rules.md §4.4, §5.1, §10.1).  */
static void
killing_message (struct monitor *m, const struct sv_action *a, char *msg, size_t cap)
{
  const struct podrun_container *c = &m->pod.containers[a->container];
  const char *who = c->sv.kind == SV_KIND_APP ? "Container" : "Init container";
  switch (a->kill)
    {
    case SV_KILL_LIVENESS:
    case SV_KILL_STARTUP:
      snprintf (msg, cap, "%s %s failed %s probe%s", who, c->name, a->kill == SV_KILL_LIVENESS ? "liveness" : "startup",
                a->will_restart ? ", will be restarted" : "");
      break;
    case SV_KILL_POST_START:
      snprintf (msg, cap, "FailedPostStartHook");
      break;
    case SV_KILL_RESIZE:
      snprintf (msg, cap, "Container %s resize requires restart", c->name);
      break;
    case SV_KILL_SPEC:
      snprintf (msg, cap, "Container %s definition changed, will be restarted", c->name);
      break;
    case SV_KILL_WATCH:
      snprintf (msg, cap, "Container %s files changed, will be restarted", c->name);
      break;
    default:
      snprintf (msg, cap, "Stopping container %s", c->name);
      break;
    }
}

/* Unhealthy, ProbeWarning, FailedPostStartHook, FailedPreStopHook (§4.8, §5).  */
static void
handler_event (struct monitor *m, const struct sv_action *a)
{
  const struct podrun_container *c = &m->pod.containers[a->container];
  char msg[PATH_MAX + 200], d[32];
  const char *kind = sv_probe_name (a->probe), *out = podrun_probe_message (m->probes, a->container, (int) a->probe);
  switch (a->reason)
    {
    case SV_REASON_UNHEALTHY:
      if (a->result == SV_RESULT_ERROR)
        snprintf (msg, sizeof msg, "%s probe errored and resulted in unknown state: %s", kind, out);
      else if (a->timeout != SV_NEVER)
        {
          const struct podrun_handler *hd = &c->handlers[a->probe];
          size_t k, n = 0;
          char cmd[1024] = "";
          podrun_go_duration (a->timeout, d, sizeof d);
          for (k = 0; hd->type == PODRUN_HANDLER_EXEC && k < hd->n_argv && n < sizeof cmd; k++)
            n += (size_t) snprintf (cmd + n, sizeof cmd - n, "%s%s", k ? " " : "", hd->argv[k]);
          if (hd->type == PODRUN_HANDLER_EXEC)
            snprintf (msg, sizeof msg, "%s probe failed: command timed out: \"%s\" timed out after %s", kind, cmd, d);
          else if (hd->type == PODRUN_HANDLER_GRPC)
            snprintf (msg, sizeof msg, "%s probe failed: timeout: health rpc did not complete within %s", kind, d);
          else if (hd->type == PODRUN_HANDLER_HTTP_GET)
            snprintf (msg, sizeof msg,
                      "%s probe failed: Get \"http://%s:%u%s\": context deadline exceeded (Client.Timeout exceeded "
                      "while awaiting headers)",
                      kind, hd->host, hd->port, hd->path ? hd->path : "/");
          else if (podrun_probe_cut_dial (m->probes, a->container, (int) a->probe))
            snprintf (msg, sizeof msg, "%s probe failed: %s: i/o timeout", kind,
                      podrun_probe_cut_dial (m->probes, a->container, (int) a->probe));
          else
            snprintf (msg, sizeof msg, "%s probe failed: dial tcp %s:%u: i/o timeout", kind, hd->host, hd->port);
        }
      else
        snprintf (msg, sizeof msg, "%s probe failed: %s", kind, out);
      record_event (m, a->container, "Unhealthy", 1, msg, SV_NEVER);
      break;
    case SV_REASON_PROBE_WARNING:
      snprintf (msg, sizeof msg, "%s probe warning: %s", kind, out);
      record_event (m, a->container, "ProbeWarning", 1, msg, SV_NEVER);
      break;
    case SV_REASON_FAILED_POST_START:
      record_event (m, a->container, "FailedPostStartHook", 1, "PostStartHook failed", SV_NEVER);
      break;
    default:
      record_event (m, a->container, "FailedPreStopHook", 1, "PreStopHook failed", SV_NEVER);
      break;
    }
}

static void
do_action (struct monitor *m, const struct sv_action *a)
{
  struct podrun_container *c
      = a->type == SV_ACT_POD_STATUS || a->type == SV_ACT_DONE ? NULL : &m->pod.containers[a->container];
  char msg[512];
  switch (a->type)
    {
    case SV_ACT_START:
      do_start (m, a->container);
      break;
    case SV_ACT_SIGNAL:
      if (c->status == PODRUN_CTR_RUNNING && c->pidfd >= 0 && podrun_pidfd_send_signal (c->pidfd, a->signal) < 0
          && errno != ESRCH)
        podrun_log ("signal %d to %s: errno %d", a->signal, c->name, errno);
      break;
    case SV_ACT_STATUS:
      write_state (m, a->container);
      break;
    case SV_ACT_POD_STATUS:
      m->pod_status_dirty = 1;
      break;
    case SV_ACT_EVENT:
      switch (a->reason)
        {
        case SV_REASON_KILLING:
          killing_message (m, a, msg, sizeof msg);
          record_event (m, a->container, "Killing", 0, msg, SV_NEVER);
          break;
        case SV_REASON_UNHEALTHY:
        case SV_REASON_PROBE_WARNING:
        case SV_REASON_FAILED_POST_START:
        case SV_REASON_FAILED_PRE_STOP:
          handler_event (m, a);
          break;
        case SV_REASON_BACK_OFF:
          /* The message names the pod (format.Pod: NAME_NAMESPACE(UID)), which Node writes.  */
          record_event (m, a->container, "BackOff", 1, "", a->backoff);
          break;
        default:
          break; /* Started and Failed are recorded with what the mechanism saw */
        }
      break;
    case SV_ACT_DONE:
      begin_teardown (m);
      break;
    case SV_ACT_PROBE:
      run_handler (m, a->container, (int) a->probe);
      break;
    case SV_ACT_CANCEL_PROBE:
      podrun_probe_cancel (m->probes, a->container, (int) a->probe);
      break;
    case SV_ACT_HOOK:
      run_handler (m, a->container,
                   a->hook == SV_HOOK_POST_START ? PODRUN_HANDLER_POST_START : PODRUN_HANDLER_PRE_STOP);
      break;
    case SV_ACT_CANCEL_HOOK:
      podrun_probe_cancel (m->probes, a->container, PODRUN_HANDLER_POST_START);
      podrun_probe_cancel (m->probes, a->container, PODRUN_HANDLER_PRE_STOP);
      break;
    }
}

/* Feeds every queued event to the machine and does its actions (which may queue more).  */
static void
drain (struct monitor *m)
{
  while (m->n_queued)
    {
      struct sv_event ev = m->queue[m->queue_head];
      int n, k;
      m->queue_head = (m->queue_head + 1) % MAX_QUEUED;
      m->n_queued--;
      n = sv_step (m->pod.machine, &ev, m->actions, m->n_actions);
      if (n < 0)
        {
          podrun_log ("internal: the machine refused event %d of container %zu", (int) ev.type, ev.container);
          continue;
        }
      for (k = 0; k < n; k++)
        do_action (m, &m->actions[k]);
    }
  if (m->pod_status_dirty)
    write_pod_status (m);
  m->pod_status_dirty = 0;
  if (m->events_dirty)
    write_events (m);
  m->events_dirty = 0;
  if (m->in_begin == 0 && m->hs_pending == 0 && m->handshake >= 0)
    {
      /* sync 3. Every container the pod's first step started has its record.  */
      handshake (m, "ready\n");
      if (m->handshake >= 0)
        close (m->handshake);
      m->handshake = -1;
    }
}

/* ---- reaping ---- */

static void
reaped (struct monitor *m, pid_t pid, int status)
{
  size_t i;
  if (pid == m->notify_pid)
    {
      m->notify_pid = 0;
      if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
        podrun_log ("notify command ended with status %d", status);
      if (m->notify_again)
        notify (m);
      return;
    }
  if (pid == m->pause_pid)
    {
      m->pause_alive = 0;
      if (!m->tearing_down)
        podrun_log ("pause process %d exited unexpectedly (status %d)", (int) pid, status);
      return;
    }
  for (i = 0; i < MAX_DISCARD; i++)
    if (m->discard[i] == pid)
      {
        m->discard[i] = 0;
        return;
      }
  {
    struct podrun_probe_result res;
    int rc = podrun_probe_reaped (m->probes, pid, status, &res);
    if (rc == 1)
      handler_done (m, &res);
    if (rc >= 0)
      return;
  }
  for (i = 0; i < m->pod.n_containers; i++)
    {
      struct podrun_container *c = &m->pod.containers[i];
      struct ctr_rt *r = &m->rt[i];
      if (c->pid == pid && !r->exit_seen && c->status == PODRUN_CTR_RUNNING && !r->starting)
        {
          container_exited (m, i, status);
          return;
        }
    }
  /* An orphan re-parented to us (subreaper): nothing to report.  */
}

/* Whether a start is unresolved: its process (or the container's pid, still to come from an
   intermediate, sync 2p) is a child of ours that no reap may take yet.  */
static int
start_unresolved (struct monitor *m)
{
  size_t i;
  for (i = 0; i < m->pod.n_containers; i++)
    if (m->rt[i].starting)
      return 1;
  return 0;
}

static void
try_reap (struct monitor *m, pid_t pid)
{
  int status;
  if (pid > 0 && waitpid (pid, &status, WNOHANG) == pid)
    reaped (m, pid, status);
}

/* While starts are unresolved: every child but their processes, by pid from the children list
   (orphans of a hostPID container come to us, and piled up as zombies for as long as a start
   was held); nothing while a start awaits its container's pid (sync 2p: any child may be it).  */
static void
reap_orphans (struct monitor *m)
{
  char path[64], *buf = NULL, *p;
  size_t len, i;
  for (i = 0; i < m->pod.n_containers; i++)
    if (m->rt[i].starting && m->rt[i].pending.shared_pid)
      return;
  snprintf (path, sizeof path, "/proc/self/task/%d/children", (int) getpid ());
  if (podrun_read_file (path, 1 << 20, &buf, &len) < 0)
    return;
  for (p = buf; *p;)
    {
      char *end;
      long pid = strtol (p, &end, 10);
      int starting = 0;
      if (end == p)
        break;
      for (i = 0; i < m->pod.n_containers; i++)
        starting |= m->rt[i].starting && m->pod.containers[i].pid == pid;
      if (pid > 0 && !starting)
        try_reap (m, (pid_t) pid);
      p = end;
    }
  free (buf);
}

/* A SIGCHLD came.  Starts first: a stage may wait for its process's end, which it reads from
   the unreaped process (podrun_container_step).  Then known pids by pid; the rest (orphans) only
   when no start is unresolved.  */
static void
reap (struct monitor *m)
{
  size_t i;
  m->reap_again = 0;
  for (i = 0; i < m->pod.n_containers; i++)
    sync_progress (m, i, 0);
  if (m->pause_alive)
    try_reap (m, m->pause_pid);
  try_reap (m, m->notify_pid);
  for (i = 0; i < MAX_DISCARD; i++)
    try_reap (m, m->discard[i]);
  {
    /* The runs' helpers: children of the monitor, known by pid from their fork.  */
    struct podrun_probe_result res[8];
    size_t n, k;
    while ((n = podrun_probe_reap (m->probes, res, 8)) > 0)
      for (k = 0; k < n; k++)
        handler_done (m, &res[k]);
  }
  for (i = 0; i < m->pod.n_containers; i++)
    {
      struct ctr_rt *r = &m->rt[i];
      struct podrun_container *c = &m->pod.containers[i];
      if (c->pid > 0 && !r->exit_seen && !r->starting)
        try_reap (m, c->pid);
    }
  if (start_unresolved (m))
    {
      reap_orphans (m);
      return;
    }
  for (;;)
    {
      int status;
      pid_t pid = waitpid (-1, &status, WNOHANG);
      if (pid <= 0)
        return;
      reaped (m, pid, status);
    }
}

/* Orphans adopted as subreaper (a container in the host PID namespace leaves its children
   behind) would outlive the pod: SIGKILL every child we still have.  They are our children, so
   their pids cannot be reused before we reap them.  Returns how many were signalled.  */
static int
kill_children (struct monitor *m, int include_pause)
{
  char path[64], *buf = NULL, *p;
  size_t len, i;
  int n = 0;
  snprintf (path, sizeof path, "/proc/self/task/%d/children", (int) getpid ());
  if (podrun_read_file (path, 1 << 20, &buf, &len) < 0)
    return 0;
  for (p = buf; *p;)
    {
      char *end;
      long pid = strtol (p, &end, 10);
      int skip = 0;
      if (end == p)
        break;
      for (i = 0; i < MAX_DISCARD; i++)
        skip |= m->discard[i] == pid; /* removers of old layers finish their work */
      skip |= pid == m->notify_pid;   /* and the notify command tells of the pod's end */
      if (pid > 0 && !skip && (include_pause || pid != m->pause_pid))
        {
          kill ((pid_t) pid, SIGKILL);
          n++;
        }
      p = end;
    }
  free (buf);
  return n;
}

/* Every container is done (the machine's `done`, or no machine): the pause and what is left go.  */
static void
begin_teardown (struct monitor *m)
{
  if (m->tearing_down)
    return;
  m->tearing_down = 1;
  podrun_log ("stopping");
  kill_children (m, 0);
  if (m->pause_alive)
    podrun_pidfd_send_signal (m->pause_pidfd, SIGTERM);
  m->pause_deadline = podrun_mono_ms () + PAUSE_KILL_DELAY_MS;
}

static int
all_gone (struct monitor *m)
{
  size_t i;
  if (m->pause_alive)
    return 0;
  for (i = 0; i < m->pod.n_containers; i++)
    if (m->pod.containers[i].status == PODRUN_CTR_RUNNING || m->rt[i].starting)
      return 0;
  for (i = 0; i < MAX_DISCARD; i++)
    if (m->discard[i])
      return 0;
  if (podrun_probe_busy (m->probes))
    return 0;
  /* Adopted orphans, started after begin_teardown's sweep: kill them and wait for their SIGCHLD.  */
  if (kill_children (m, 1) > 0)
    return 0;
  return 1;
}

/* ---- the control socket (docs/protocol.md, "The control socket") ---- */

static void
client_close (struct monitor *m, size_t k)
{
  struct client *cl = &m->clients[k];
  if (cl->fd >= 0)
    {
      epoll_ctl (m->epfd, EPOLL_CTL_DEL, cl->fd, NULL);
      close (cl->fd);
    }
  /* Not the whole buffer: its pages stay untouched until a long request fills them.  */
  cl->fd = -1;
  cl->hello = cl->waits_stop = 0;
  cl->deadline = 0;
  cl->len = 0;
  cl->buf[0] = '\0';
}

/* One reply, never waiting: a client that does not read is dropped.  */
static void
client_reply (struct monitor *m, size_t k, const char *text, size_t len)
{
  struct client *cl = &m->clients[k];
  if (send (cl->fd, text, len, MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t) len)
    podrun_log ("control client: reply not sent (errno %d)", errno);
  client_close (m, k);
}

static void
reply_status (struct monitor *m, size_t k)
{
  size_t cap = 4096 + m->pod.n_containers * (PATH_MAX + 512), i;
  char *buf = malloc (cap);
  struct jbuf j = { buf, cap, 0 };
  struct sv_pod_status ps;
  if (!buf)
    {
      client_reply (m, k, "error ENOMEM\n", 13);
      return;
    }
  memset (&ps, 0, sizeof ps);
  if (m->pod.machine)
    sv_get_pod_status (m->pod.machine, &ps);
  jadd (&j,
        "ok "
        "{\"version\":%d,\"pid\":%d,\"phase\":\"%s\",\"stopping\":%s,\"deleting\":%s,\"replace\":true,\"containers\":[",
        PODRUN_PROTOCOL, (int) getpid (), sv_phase_name (ps.phase), ps.stopping ? "true" : "false",
        ps.deleting ? "true" : "false");
  for (i = 0; i < m->pod.n_containers && m->pod.machine; i++)
    {
      struct sv_container_status st;
      static const char *const names[] = { "waiting", "running", "terminated" };
      sv_get_container_status (m->pod.machine, i, &st);
      jadd (&j, "%s{\"name\":", i ? "," : "");
      jstr (&j, m->pod.containers[i].name);
      jadd (&j, ",\"state\":\"%s\",\"restartCount\":%d,\"pid\":%d", names[st.state], st.restart_count,
            st.state == SV_STATE_RUNNING ? (int) m->pod.containers[i].pid : 0);
      /* why it waits (ContainerCreating, RunContainerError, CrashLoopBackOff...): a re-apply's
         restart tells a start under way from one that failed */
      if (st.state == SV_STATE_WAITING)
        jadd (&j, ",\"reason\":\"%s\"", sv_waiting_name (st.waiting));
      if (st.last.has)
        jadd (&j, ",\"last\":{\"reason\":\"%s\",\"restartCount\":%d}", sv_term_reason_name (st.last.reason),
              st.last.instance);
      jadd (&j, "}");
    }
  jadd (&j, "]}\n");
  if (j.pos < 0)
    client_reply (m, k, "error E2BIG\n", 12);
  else
    client_reply (m, k, buf, (size_t) j.pos);
  free (buf);
}

/* Client K waits for the pod to be down: the machine's stop event (GRACE ms, < 0: the pod's; FORCE:
   SIGKILL at once, no preStop).  */
static void
request_stop (struct monitor *m, size_t k, long long g, int force)
{
  struct client *cl = &m->clients[k];
  cl->waits_stop = 1;
  cl->deadline = SV_NEVER;
  if (force)
    podrun_log ("kill requested");
  else
    podrun_log ("stop requested (grace %lld ms)", g);
  if (m->pod.machine)
    {
      post (m,
            (struct sv_event){
                .type = SV_EV_STOP, .now = podrun_mono_ms (), .grace = g < 0 ? SV_NEVER : (sv_ms) g, .force = force });
      drain (m);
    }
  else
    begin_teardown (m);
}

/* The index of container NAME of a supervised pod in *I, or 0 with client K answered ENOENT.  */
static int
control_container (struct monitor *m, size_t k, const char *name, size_t *i)
{
  for (*i = 0; *i < m->pod.n_containers; (*i)++)
    if (strcmp (m->pod.containers[*i].name, name) == 0)
      break;
  if (*i < m->pod.n_containers && m->pod.machine)
    return 1;
  client_reply (m, k, "error ENOENT no such container\n", 31);
  return 0;
}

/* `restart NAME`: the machine kills container NAME and starts it again at once (a resize whose
   policy says RestartContainer); the reply comes at once, the restart follows in the loop.  */
static void
request_restart (struct monitor *m, size_t k, const char *args)
{
  char name[256];
  const char *sp = strchr (args, ' ');
  int watch = 0;
  size_t i, n = sp ? (size_t) (sp - args) : strlen (args);
  /* `restart NAME watch`: asked by `up --watch` (its own Killing message), else by a resize.  */
  if (n >= sizeof name || (sp && strcmp (sp + 1, "watch") != 0))
    {
      client_reply (m, k, "error EINVAL restart NAME [watch]\n", 34);
      return;
    }
  memcpy (name, args, n);
  name[n] = '\0';
  watch = sp != NULL;
  if (!control_container (m, k, name, &i))
    return;
  if (m->pod.containers[i].sv.kind == SV_KIND_INIT)
    {
      client_reply (m, k, "error EINVAL an init container is not restarted\n", 48);
      return;
    }
  /* What the machine would ignore is said so: a container not running or being killed (its
     next instance has the new limits anyway), or a pod that stops.  */
  if (!sv_can_restart (m->pod.machine, i))
    {
      client_reply (m, k, "error EBUSY not running\n", 24);
      return;
    }
  podrun_log ("restart of %s requested%s", m->pod.containers[i].name, watch ? " (watch)" : "");
  post (m, (struct sv_event){ .type = SV_EV_RESTART, .now = podrun_mono_ms (), .container = i, .watch = watch });
  drain (m);
  client_reply (m, k, "ok\n", 3);
}

/* `replace NAME [GRACE] FILE`: a re-apply changed container NAME's definition (docs/reapply.md).
   FILE is a launch file of the whole pod as the CLI planned it again, of which only NAME's block
   is taken (the pod's own parts stay those this monitor runs): parsed and validated now,
   installed before the next instance starts, which the machine makes happen at once
   (SV_EV_REPLACE).  GRACE (`apply --grace-period`): the running instance's grace period in ms,
   or `kill` (SIGKILL at once, no preStop); without it, the pod's.  Refused:
   a definition that changes the container's kind or restart policy (the CLI re-creates the pod),
   a container being started or killed (EBUSY: ask again), one that will not run again (ESRCH).  */
static void
request_replace (struct monitor *m, size_t k, const char *args)
{
  char name[256], reply[PATH_MAX + 160], rec[PATH_MAX + 128];
  const char *sp = strchr (args, ' '), *file = sp ? sp + 1 : NULL;
  struct podrun_pod *def;
  podrun_err_t err;
  struct sv_container_status st;
  size_t i, j;
  int busy, force = 0;
  sv_ms grace = SV_NEVER;
  if (file && file[0] != '/')
    {
      /* GRACE: digits or `kill`, then FILE (an absolute path, so never taken for a GRACE).  */
      const char *gsp = strchr (file, ' ');
      char *end;
      long long g;
      if (gsp && gsp - file == 4 && strncmp (file, "kill", 4) == 0)
        force = 1;
      else if (gsp && file[0] >= '0' && file[0] <= '9')
        {
          errno = 0;
          g = strtoll (file, &end, 10);
          if (errno || end != gsp)
            gsp = NULL;
          else
            grace = (sv_ms) (g > MAX_GRACE_MS ? MAX_GRACE_MS : g);
        }
      else
        gsp = NULL;
      file = gsp ? gsp + 1 : NULL;
    }
  if (!sp || (size_t) (sp - args) >= sizeof name || !file || file[0] != '/')
    {
      client_reply (m, k, "error EINVAL replace NAME [GRACE] FILE\n", 39);
      return;
    }
  memcpy (name, args, (size_t) (sp - args));
  name[sp - args] = '\0';
  if (!control_container (m, k, name, &i))
    return;
  drain (m); /* what is queued may change the container's state first */
  busy = sv_can_replace (m->pod.machine, i);
  if (busy)
    {
      snprintf (reply, sizeof reply, "error %s %s\n",
                busy == EBUSY   ? "EBUSY"
                : busy == ESRCH ? "ESRCH"
                                : "EINVAL",
                busy == EBUSY   ? "starting or being stopped"
                : busy == ESRCH ? "it will not run again"
                                : "an init container");
      client_reply (m, k, reply, strlen (reply));
      return;
    }
  def = calloc (1, sizeof *def);
  if (!def)
    {
      client_reply (m, k, "error ENOMEM\n", 13);
      return;
    }
  if (podrun_launch_parse (file, def, &err) < 0)
    {
      podrun_launch_free (def);
      podrun_err_format (&err, rec, sizeof rec);
      snprintf (reply, sizeof reply, "error EINVAL %s\n", rec);
      client_reply (m, k, reply, strlen (reply));
      return;
    }
  for (j = 0; j < def->n_containers; j++)
    if (strcmp (def->containers[j].name, name) == 0)
      break;
  if (j == def->n_containers || !def->supervise || def->containers[j].sv.kind != m->pod.containers[i].sv.kind
      || def->containers[j].sv.restart != m->pod.containers[i].sv.restart)
    {
      podrun_launch_free (def);
      client_reply (m, k, "error EINVAL not the same kind of container\n", 44);
      return;
    }
  /* A second change before the first was started: the newer wins.  */
  podrun_launch_free (m->rt[i].next_def);
  m->rt[i].next_def = def;
  m->rt[i].next_j = j;
  podrun_log ("replace of %s requested (%s)", name, file);
  sv_get_container_status (m->pod.machine, i, &st);
  if (sv_never_started (m->pod.machine, i) && !m->rt[i].starting)
    {
      /* Never started (the init containers run): the definition is its first, and the machine's
         gate decisions see its hooks from now on.  `ok 0 pending`: nothing to wait for.  */
      install_definition (m, i);
      client_reply (m, k, "ok 0 pending\n", 13);
      return;
    }
  if (m->n_queued == MAX_QUEUED)
    {
      client_reply (m, k, "error EBUSY the event queue is full\n", 36);
      return;
    }
  post (m, (struct sv_event){
               .type = SV_EV_REPLACE, .now = podrun_mono_ms (), .container = i, .grace = grace, .force = force });
  drain (m);
  /* `ok K`: the new definition runs as the instance of restartCount K (or a later one).  */
  snprintf (reply, sizeof reply, "ok %d\n", st.restart_count + 1);
  client_reply (m, k, reply, strlen (reply));
}

/* `stdin NAME`: `ok` with, in SCM_RIGHTS, a dup of what writes to container NAME's stdin: the
   write end of its stdin pipe (`stdin: true`), or its pty master (`stdin: true` with `tty: true`).
   `podrun attach -i` writes to it itself; the monitor keeps its own (the stdin stays open when
   the client goes, as the kubelet's without stdinOnce). A container not running has none.  */
static void
request_stdin (struct monitor *m, size_t k, const char *name)
{
  size_t i;
  int fd;
  struct podrun_container *c;
  if (!control_container (m, k, name, &i))
    return;
  c = &m->pod.containers[i];
  fd = !c->stdin_open ? -1 : c->tty ? (c->out ? c->out->fd : -1) : c->stdin_fd;
  if (!c->stdin_open)
    {
      client_reply (m, k, "error EBADF the container has no stdin (stdin: true)\n",
                    strlen ("error EBADF the container has no stdin (stdin: true)\n"));
      return;
    }
  if (c->status != PODRUN_CTR_RUNNING)
    {
      client_reply (m, k, "error ESRCH the container is not running\n",
                    strlen ("error ESRCH the container is not running\n"));
      return;
    }
  if (c->stdin_taken)
    {
      client_reply (m, k, "error EBADF the container's stdin went to the first attach (stdinOnce)\n",
                    strlen ("error EBADF the container's stdin went to the first attach (stdinOnce)\n"));
      return;
    }
  if (fd < 0)
    {
      client_reply (m, k, "error ESRCH the container is not running\n",
                    strlen ("error ESRCH the container is not running\n"));
      return;
    }
  {
    char ctl[CMSG_SPACE (sizeof (int))];
    struct iovec iov = { .iov_base = (void *) "ok\n", .iov_len = 3 };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl };
    struct cmsghdr *cm = CMSG_FIRSTHDR (&msg);
    memset (ctl, 0, sizeof ctl);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN (sizeof (int));
    memcpy (CMSG_DATA (cm), &fd, sizeof fd);
    if (sendmsg (m->clients[k].fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) != 3)
      podrun_log ("control client: stdin not passed (errno %d)", errno);
    else
      {
        podrun_log ("container %s: stdin passed to an attach", c->name);
        /* stdinOnce: the attach's copy is the last; its close is the container's EOF. As
           containerd's, only without a tty (`StdinOnce && !Tty`): a pty's master stays (the
           monitor reads the output from it), and later attaches get it as before.  */
        if (c->stdin_once && !c->tty)
          {
            c->stdin_taken = 1;
            if (c->stdin_fd >= 0)
              {
                close (c->stdin_fd);
                c->stdin_fd = -1;
              }
          }
      }
  }
  client_close (m, k);
}

/* A complete request line from client K: `status`, `stop GRACE` (ms, `-`: the pod's), `kill`,
   `restart NAME [watch]`, `replace NAME [GRACE] FILE` or `stdin NAME`.  */
static void
client_request (struct monitor *m, size_t k, const char *line)
{
  if (strcmp (line, "status") == 0)
    reply_status (m, k);
  else if (strncmp (line, "restart ", 8) == 0)
    request_restart (m, k, line + 8);
  else if (strncmp (line, "replace ", 8) == 0)
    request_replace (m, k, line + 8);
  else if (strncmp (line, "stdin ", 6) == 0)
    request_stdin (m, k, line + 6);
  else if (strcmp (line, "kill") == 0)
    request_stop (m, k, 0, 1);
  else if (strncmp (line, "stop ", 5) == 0)
    {
      char *end;
      long long g = -1;
      if (strcmp (line + 5, "-") != 0)
        {
          errno = 0;
          g = strtoll (line + 5, &end, 10);
          if (errno || *end || g < 0 || line[5] == '\0')
            {
              client_reply (m, k, "error EINVAL stop GRACE: milliseconds or -\n", 43);
              return;
            }
          if (g > MAX_GRACE_MS)
            g = MAX_GRACE_MS;
        }
      request_stop (m, k, g, 0);
    }
  else
    client_reply (m, k, "error EINVAL unknown request\n", 29);
}

static void
client_readable (struct monitor *m, size_t k)
{
  struct client *cl = &m->clients[k];
  ssize_t n;
  char *nl;
  if (cl->waits_stop)
    {
      /* Nothing more is read from a waiter; its hangup closes it.  */
      char c;
      if (recv (cl->fd, &c, 1, MSG_DONTWAIT) == 0)
        client_close (m, k);
      return;
    }
  n = recv (cl->fd, cl->buf + cl->len, sizeof cl->buf - 1 - cl->len, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return;
  if (n <= 0)
    {
      client_close (m, k);
      return;
    }
  cl->len += (size_t) n;
  cl->buf[cl->len] = '\0';
  while ((nl = strchr (cl->buf, '\n')))
    {
      size_t used = (size_t) (nl - cl->buf) + 1;
      *nl = '\0';
      if (!cl->hello)
        {
          if (strcmp (cl->buf, CONTROL_HELLO) != 0)
            {
              client_reply (m, k, "error EPROTO this monitor speaks " CONTROL_HELLO "\n",
                            strlen ("error EPROTO this monitor speaks " CONTROL_HELLO "\n"));
              return;
            }
          cl->hello = 1;
          memmove (cl->buf, cl->buf + used, cl->len - used + 1);
          cl->len -= used;
          continue;
        }
      client_request (m, k, cl->buf);
      return; /* one request per connection */
    }
  if (cl->len == sizeof cl->buf - 1)
    client_reply (m, k, "error E2BIG\n", 12);
}

static void
control_accept (struct monitor *m)
{
  for (;;)
    {
      struct ucred cred;
      socklen_t len = sizeof cred;
      size_t k;
      int fd = accept4 (m->control, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (fd < 0)
        return;
      if (getsockopt (fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || (cred.uid != 0 && cred.uid != getuid ()))
        {
          podrun_log ("control: refused a client of uid %d", (int) cred.uid);
          close (fd);
          continue;
        }
      for (k = 0; k < MAX_CLIENTS && m->clients[k].fd >= 0; k++)
        ;
      if (k == MAX_CLIENTS)
        {
          send (fd, "error EBUSY\n", 12, MSG_DONTWAIT | MSG_NOSIGNAL);
          close (fd);
          continue;
        }
      m->clients[k].fd = fd;
      m->clients[k].deadline = podrun_mono_ms () + CLIENT_TIMEOUT_MS;
      if (send (fd, CONTROL_HELLO "\n", strlen (CONTROL_HELLO "\n"), MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
        {
          client_close (m, k);
          continue;
        }
      watch (m, fd, TAG_CLIENT, k);
    }
}

/* <poddir>/control.sock, 0600 (bound under a umask of 0177: never reachable by others, even for
   a moment; connecting needs only write permission), through the directory's fd so a long poddir still fits sun_path.  */
static int
control_open (struct monitor *m)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  char path[PATH_MAX];
  cleanup_close int dir = open (m->pod.poddir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  mode_t old;
  int fd, rc;
  if (dir < 0)
    return -1;
  snprintf (sa.sun_path, sizeof sa.sun_path, "/proc/self/fd/%d/control.sock", dir);
  snprintf (path, sizeof path, "%s/control.sock", m->pod.poddir);
  unlink (path);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    return -1;
  old = umask (0177);
  rc = bind (fd, (struct sockaddr *) &sa, sizeof sa);
  umask (old);
  if (rc < 0 || listen (fd, 8) < 0)
    {
      close (fd);
      return -1;
    }
  m->control = fd;
  watch (m, fd, TAG_CONTROL, 0);
  return 0;
}

/* ---- the loop ---- */

static void
finish (struct monitor *m)
{
  size_t i;
  char path[PATH_MAX];
  /* A change still to tell (the gap, or one running): told now, the monitor will not be there for
     the timer.  The syncs serialize themselves, so one beside a running one is safe.  */
  if (m->notify_again)
    {
      m->notify_pid = 0;
      m->notify_at = 0;
      notify (m);
    }
  for (i = 0; i < m->pod.n_containers; i++)
    close_streams (m, &m->pod.containers[i]);
  while (waitpid (-1, NULL, WNOHANG) > 0)
    ;
  podrun_now (m->stopped_at);
  write_monitor_json (m);
  if (m->control >= 0)
    {
      snprintf (path, sizeof path, "%s/control.sock", m->pod.poddir);
      unlink (path);
    }
  for (i = 0; i < MAX_CLIENTS; i++)
    if (m->clients[i].fd >= 0)
      {
        if (m->clients[i].waits_stop)
          client_reply (m, i, "ok stopped\n", 11);
        else
          client_close (m, i);
      }
  podrun_log ("stopped");
}

/* ---- ephemeral storage (storage.h) ---- */

/* Forks the child that measures the pod's emptyDirs and each container's layer and logs; its
   numbers come on a pipe watched as TAG_STORAGE.  */
static void
storage_start (struct monitor *m, sv_ms now)
{
  const char *uppers[PODRUN_STORAGE_MAX_DIRS], *logdirs[PODRUN_STORAGE_MAX_DIRS];
  size_t i, n = m->pod.n_containers < PODRUN_STORAGE_MAX_DIRS ? m->pod.n_containers : PODRUN_STORAGE_MAX_DIRS;
  int p[2];
  pid_t child;
  m->storage_next = now + m->pod.storage_check;
  for (i = 0; i < n; i++)
    {
      uppers[i] = m->pod.containers[i].upper;
      logdirs[i] = m->rt[i].logdir;
    }
  if (pipe2 (p, O_CLOEXEC) < 0)
    return;
  child = fork ();
  if (child == 0)
    {
      close (p[0]);
      _exit (podrun_storage_measure (&m->pod, uppers, logdirs, n, p[1]) < 0 ? 1 : 0);
    }
  close (p[1]);
  if (child < 0)
    {
      close (p[0]);
      return;
    }
  reap_later (m, child);
  m->storage_fd = p[0];
  watch (m, p[0], TAG_STORAGE, 0);
}

/* The child's numbers, whole once it has exited (EOF): the kubelet's checks; the first that
   fails evicts the pod (E6.4): a Warning `Evicted` event, the pod stopped with a 1 s grace, then
   Failed with reason Evicted, never restarted.  */
static void
storage_result (struct monitor *m)
{
  uint64_t usage[PODRUN_STORAGE_MAX_DIRS * 2];
  size_t got = 0;
  ssize_t n;
  for (;;)
    {
      n = read (m->storage_fd, (char *) usage + got, sizeof usage - got);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0 || (got += (size_t) n) == sizeof usage)
        break;
    }
  if (n < 0 && errno == EAGAIN)
    return;
  epoll_ctl (m->epfd, EPOLL_CTL_DEL, m->storage_fd, NULL);
  close (m->storage_fd);
  m->storage_fd = -1;
  if (m->evicted || m->tearing_down
      || !podrun_storage_verdict (&m->pod, usage, got / sizeof usage[0], m->evict_msg, sizeof m->evict_msg))
    return;
  m->evicted = 1;
  podrun_log ("evicted: %s", m->evict_msg);
  record_event (m, m->pod.n_containers, "Evicted", 1, m->evict_msg, SV_NEVER);
  m->pod_status_dirty = 1;
  post (m, (struct sv_event){ .type = SV_EV_STOP, .now = podrun_mono_ms (), .grace = 1000 });
}

/* The timerfd armed to the earliest of: the machine's deadline, a start's deadline, a control
   client's, the pause's SIGKILL.  */
static void
arm_timer (struct monitor *m)
{
  sv_ms t = m->pod.machine ? sv_next_deadline (m->pod.machine) : SV_NEVER;
  struct itimerspec its;
  size_t i;
  for (i = 0; i < m->pod.n_containers; i++)
    t = sv_earlier (t, m->rt[i].oom_check);
  for (i = 0; i < m->pod.n_containers; i++)
    if (m->rt[i].starting)
      {
        t = sv_earlier (t, m->rt[i].start_deadline);
        t = sv_earlier (t, m->rt[i].pending.exec_deadline ? m->rt[i].pending.exec_deadline : SV_NEVER);
      }
  for (i = 0; i < MAX_CLIENTS; i++)
    if (m->clients[i].fd >= 0)
      t = sv_earlier (t, m->clients[i].deadline);
  if (m->tearing_down && m->pause_alive)
    t = sv_earlier (t, m->pause_deadline);
  if (m->notify_again && m->notify_pid <= 0)
    t = sv_earlier (t, m->notify_at + NOTIFY_GAP_MS);
  t = sv_earlier (t, podrun_probe_deadline (m->probes));
  if (m->pod.storage_check && !m->evicted && !m->tearing_down && m->storage_fd < 0)
    t = sv_earlier (t, m->storage_next);
  memset (&its, 0, sizeof its);
  if (t != SV_NEVER)
    {
      if (t <= 0)
        t = 1;
      its.it_value.tv_sec = (time_t) (t / 1000);
      its.it_value.tv_nsec = (long) (t % 1000) * 1000000;
    }
  if (timerfd_settime (m->timerfd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
    podrun_log ("timerfd_settime: errno %d", errno);
}

static void
timer_fired (struct monitor *m)
{
  uint64_t n;
  sv_ms now = podrun_mono_ms (), t;
  size_t i;
  while (read (m->timerfd, &n, sizeof n) == (ssize_t) sizeof n)
    ;
  for (i = 0; i < m->pod.n_containers; i++)
    if (m->rt[i].starting)
      sync_progress (m, i, m->rt[i].start_deadline <= now); /* the exec deadline is the step's */
  for (i = 0; i < m->pod.n_containers; i++)
    if (m->rt[i].oom_check != SV_NEVER && m->rt[i].oom_check <= now)
      oom_look (m, i, now);
  for (i = 0; i < MAX_CLIENTS; i++)
    if (m->clients[i].fd >= 0 && m->clients[i].deadline != SV_NEVER && m->clients[i].deadline <= now)
      client_close (m, i);
  if (m->tearing_down && m->pause_alive && m->pause_deadline <= now)
    podrun_pidfd_send_signal (m->pause_pidfd, SIGKILL);
  if (m->notify_again && m->notify_pid <= 0 && m->notify_at + NOTIFY_GAP_MS <= now)
    notify (m);
  {
    struct podrun_probe_result res[8];
    size_t n, k;
    while ((n = podrun_probe_timer (m->probes, now, res, 8)) > 0)
      for (k = 0; k < n; k++)
        handler_done (m, &res[k]);
  }
  if (m->pod.storage_check && !m->evicted && !m->tearing_down && m->storage_fd < 0 && m->storage_next <= now)
    storage_start (m, now);
  t = m->pod.machine ? sv_next_deadline (m->pod.machine) : SV_NEVER;
  if (t != SV_NEVER && t <= now)
    post (m, (struct sv_event){ .type = SV_EV_TIMER, .now = now });
}

static void
signal_stop (struct monitor *m)
{
  podrun_log ("SIGTERM: stopping with the pod's grace period");
  if (m->pod.machine)
    post (m, (struct sv_event){ .type = SV_EV_STOP, .now = podrun_mono_ms (), .grace = SV_NEVER });
  else
    begin_teardown (m);
}

/* The starts whose last step was cut short by foreign messages, once per round: the other
   sources are served in between.  */
static void
step_cut_starts (struct monitor *m)
{
  size_t i;
  m->sync_again = 0;
  for (i = 0; i < m->pod.n_containers; i++)
    if (m->rt[i].starting && m->rt[i].pending.again)
      sync_progress (m, i, 0);
}

static int
loop (struct monitor *m)
{
  for (;;)
    {
      struct epoll_event evs[16];
      int n, i;
      if (m->sync_again)
        step_cut_starts (m);
      if (m->reap_again)
        reap (m);
      drain (m);
      if (m->tearing_down && all_gone (m))
        {
          finish (m);
          return 0;
        }
      arm_timer (m);
      n = epoll_wait (m->epfd, evs, 16, m->sync_again ? 0 : -1);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          podrun_log ("epoll_wait: errno %d", errno);
          return 1;
        }
      for (i = 0; i < n; i++)
        {
          uint64_t d = evs[i].data.u64;
          size_t idx = (size_t) (uint32_t) d;
          switch ((enum tag) (d >> 32))
            {
            case TAG_SIGNAL:
              {
                struct signalfd_siginfo si;
                while (read (m->sigfd, &si, sizeof si) == (ssize_t) sizeof si)
                  {
                    if (si.ssi_signo == SIGCHLD)
                      m->reap_again = 1;
                    else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
                      signal_stop (m);
                  }
                break;
              }
            case TAG_TIMER:
              timer_fired (m);
              break;
            case TAG_LOG:
              {
                struct podrun_container *c = &m->pod.containers[idx / 2];
                read_stream (m, idx % 2 ? c->err : c->out, 1);
                rotate_log (m, idx / 2);
                break;
              }
            case TAG_SYNC:
              sync_progress (m, idx, 0);
              break;
            case TAG_CONTROL:
              control_accept (m);
              break;
            case TAG_CLIENT:
              client_readable (m, idx);
              break;
            case TAG_STORAGE:
              storage_result (m);
              break;
            case TAG_OOM:
              oom_notified (m, idx);
              break;
            case TAG_PROBE:
              {
                struct podrun_probe_result res;
                if (podrun_probe_io (m->probes, (uint32_t) idx, evs[i].events, &res))
                  handler_done (m, &res);
                break;
              }
            }
        }
      /* Exits after every start sync of this round: a start reads before its exit (sync_progress).  */
      if (m->reap_again)
        reap (m);
    }
}

static int
setup_signals (struct monitor *m)
{
  sigset_t set;
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
  m->timerfd = timerfd_create (CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  if (m->epfd < 0 || m->timerfd < 0)
    return -1;
  watch (m, m->sigfd, TAG_SIGNAL, 0);
  watch (m, m->timerfd, TAG_TIMER, 0);
  return 0;
}

static int
init_runtime (struct monitor *m, podrun_err_t *err)
{
  size_t i, n = m->pod.n_containers;
  m->rt = calloc (n ? n : 1, sizeof *m->rt);
  m->n_actions = m->pod.machine ? sv_actions_max (m->pod.machine) : 0;
  m->actions = calloc (m->n_actions ? m->n_actions : 1, sizeof *m->actions);
  if (!m->rt || !m->actions)
    return podrun_fail (err, ENOMEM, "monitor", "calloc", NULL);
  for (i = 0; i < n; i++)
    {
      struct podrun_container *c = &m->pod.containers[i];
      const char *slash = strrchr (c->log, '/');
      size_t len = slash ? (size_t) (slash - c->log) : 0;
      if (!slash || len >= sizeof m->rt[i].logdir)
        return podrun_fail (err, EINVAL, "validate", "log", c->log);
      memcpy (m->rt[i].logdir, c->log, len);
      m->rt[i].logdir[len] = '\0';
      c->pidfd = -1;
      c->stdin_fd = -1;
      m->rt[i].oom_fd = -1;
      m->rt[i].oom_check = SV_NEVER;
    }
  for (i = 0; i < MAX_CLIENTS; i++)
    m->clients[i].fd = -1;
  m->storage_fd = -1;
  m->storage_next = podrun_mono_ms () + m->pod.storage_check;
  return 0;
}

/* After setup_signals (the runner watches its fds on the loop).  */
static int
init_probes (struct monitor *m, podrun_err_t *err)
{
  m->probes = podrun_probes_new (&m->pod, m->epfd, TAG_PROBE, err);
  return m->probes ? 0 : -1;
}

/* The pod's hostPorts, bound in the host's network namespace (this one) and kept for the pod's
   life: the portmap plugin's DNAT takes their traffic, and the sockets make the kernel refuse the
   ports to any other program or pod (one that applies at the same time included).  */
static int
hold_host_ports (struct monitor *m, podrun_err_t *err)
{
  size_t i;
  for (i = 0; i < m->pod.n_hostports; i++)
    {
      const struct podrun_hostport *h = &m->pod.hostports[i];
      struct sockaddr_storage ss = { 0 };
      struct sockaddr_in *v4 = (struct sockaddr_in *) &ss;
      struct sockaddr_in6 *v6 = (struct sockaddr_in6 *) &ss;
      socklen_t len = sizeof *v4;
      char what[128];
      int fd, type = h->proto == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM;
      v4->sin_family = AF_INET;
      v4->sin_port = htons ((uint16_t) h->port);
      if (h->addr && inet_pton (AF_INET, h->addr, &v4->sin_addr) != 1)
        {
          memset (&ss, 0, sizeof ss);
          v6->sin6_family = AF_INET6;
          v6->sin6_port = htons ((uint16_t) h->port);
          len = sizeof *v6;
          if (inet_pton (AF_INET6, h->addr, &v6->sin6_addr) != 1)
            return podrun_fail (err, EINVAL, "hostport", "inet_pton", h->addr);
        }
      snprintf (what, sizeof what, "%s:%s:%u", h->proto_name, h->addr ? h->addr : "0.0.0.0", h->port);
      fd = socket (ss.ss_family, type | SOCK_CLOEXEC, h->proto);
      if (fd < 0 && h->proto == IPPROTO_SCTP)
        {
          podrun_log ("hostport %s: no SCTP here (errno %d): not held", what, errno);
          continue;
        }
      if (fd < 0)
        return podrun_fail (err, errno, "hostport", "socket", what);
      /* TCP listening with no backlog: it shows as taken (LISTEN) and queues nothing  */
      if (bind (fd, (struct sockaddr *) &ss, len) < 0 || (type == SOCK_STREAM && listen (fd, 0) < 0))
        {
          int e = errno;
          close (fd);
          return podrun_fail (err, e, "hostport", "bind", what);
        }
      /* kept open for the pod's life (CLOEXEC: no pod process gets it) */
    }
  return 0;
}

/* An address list as the CLI sends it: comma-separated IPv4 or IPv6 addresses, each one that
   inet_pton reads, nothing else.  */
static int
valid_addresses (const char *s)
{
  char one[INET6_ADDRSTRLEN + 1];
  unsigned char bin[sizeof (struct in6_addr)];
  size_t n = strlen (s);
  if (n == 0 || n > 200 || strspn (s, "0123456789abcdefABCDEF.:,") != n)
    return 0;
  while (*s)
    {
      size_t k = strcspn (s, ",");
      if (k == 0 || k >= sizeof one)
        return 0;
      memcpy (one, s, k);
      one[k] = '\0';
      if (inet_pton (AF_INET, one, bin) != 1 && inet_pton (AF_INET6, one, bin) != 1)
        return 0;
      s += k;
      if (*s == ',' && *++s == '\0')
        return 0;
    }
  return 1;
}

/* sync 1g. (network gate) The CLI runs the CNI plugins against the pause's network namespace and
   answers `go IP IPS` (status.podIP, status.podIPs) or `stop`; the addresses go where the plan's
   stand-ins are before any container starts.  Anything else, EOF or the timeout: the pod is not
   started (the CLI undoes it, or the next podrun command finds it without a monitor).  */
static int
net_gate (struct monitor *m, podrun_err_t *err)
{
  char line[512], *ip, *ips, *end;
  size_t len = 0;
  sv_ms deadline = podrun_mono_ms () + NET_GATE_TIMEOUT_MS;
  if (m->handshake < 0)
    return podrun_fail (err, EPIPE, "network", "read", NULL);
  while (!memchr (line, '\n', len))
    {
      struct pollfd pfd = { .fd = m->handshake, .events = POLLIN };
      sv_ms now = podrun_mono_ms ();
      ssize_t n;
      int rc;
      if (len >= sizeof line - 1 || now >= deadline)
        return podrun_fail (err, len >= sizeof line - 1 ? E2BIG : ETIMEDOUT, "network", "read", NULL);
      rc = poll (&pfd, 1, (int) (deadline - now));
      if (rc < 0 && errno == EINTR)
        continue;
      if (rc < 0)
        return podrun_fail (err, errno, "network", "poll", NULL);
      if (rc == 0)
        continue;
      n = read (m->handshake, line + len, sizeof line - 1 - len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return podrun_fail (err, n < 0 ? errno : EPIPE, "network", "read", NULL);
      len += (size_t) n;
    }
  line[len] = '\0';
  end = memchr (line, '\n', len);
  /* A NUL before the newline would end the strings early: refused.  */
  if (memchr (line, '\0', (size_t) (end - line)))
    return podrun_fail (err, EPROTO, "network", "gate", NULL);
  *end = '\0';
  if (strncmp (line, "go ", 3) != 0)
    return podrun_fail (err, ECANCELED, "network", "gate", NULL);
  ip = line + 3;
  ips = strchr (ip, ' ');
  if (ips == NULL)
    return podrun_fail (err, EPROTO, "network", "gate", NULL);
  *ips++ = '\0';
  if (!valid_addresses (ip) || strchr (ip, ',') || !valid_addresses (ips))
    return podrun_fail (err, EPROTO, "network", "gate", NULL);
  if (podrun_launch_substitute (&m->pod, m->pod.netgate_ips, ips, err) < 0
      || podrun_launch_substitute (&m->pod, m->pod.netgate_ip, ip, err) < 0)
    return -1;
  podrun_log ("pod network up: %s", ips);
  return 0;
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
  /* The folder this program came from: the real one (helper.c runs it from a detached mount of it) */
  const char *dir = getenv ("PODRUN_HELPER_DIR");
  ssize_t n = dir ? -1 : readlink ("/proc/self/exe", self, sizeof self - 1);
  struct stat st;
  if (dir && strlen (dir) < sizeof self)
    snprintf (path, sizeof path, "%s/podrun-pause", dir);
  else if (n > 0)
    {
      self[n] = '\0';
      slash = strrchr (self, '/');
      if (slash)
        {
          *slash = '\0';
          snprintf (path, sizeof path, "%s/podrun-pause", self);
        }
      else
        path[0] = '\0';
    }
  else
    path[0] = '\0';
  if (path[0])
    src = open (path, O_RDONLY | O_CLOEXEC);
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
  /* Its tables are large: not on the stack, and zero as a static is (never memset: that would
     make every page of them resident, ~300 KiB per pod, docs/performance.md).  */
  static struct monitor m;
  struct podrun_spawn_ctx ctx;
  podrun_err_t err;

  /* Only stdio, the handshake pipe and the pod lock are ours; anything else the spawner leaked
     must not reach the pause process or the containers.  */
  close_range (POD_LOCK_FD + 1, ~0U, 0);
  m.pod_lock = fcntl (POD_LOCK_FD, F_SETFD, FD_CLOEXEC) < 0 ? -1 : POD_LOCK_FD;
  m.pause_pidfd = m.epfd = m.sigfd = m.timerfd = m.control = m.storage_fd = -1;
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
  if (init_runtime (&m, &err) < 0)
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
  if (chdir ("/") < 0 || prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0 || setup_signals (&m) < 0
      || init_probes (&m, &err) < 0)
    {
      podrun_fail (&err, errno, "monitor", "setup", NULL);
      log_error ("monitor", &err);
      handshake_error (&m, "error ", &err);
      return 1;
    }
  podrun_log ("monitor %d for pod %s", (int) getpid (), m.pod.key);
  if (control_open (&m) < 0)
    {
      podrun_fail (&err, errno, "control", "bind", m.pod.poddir);
      log_error ("monitor", &err);
      handshake_error (&m, "error ", &err);
      return 1;
    }
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
  if (hold_host_ports (&m, &err) < 0)
    {
      log_error ("hostport", &err);
      handshake_error (&m, "error ", &err);
      podrun_now (m.stopped_at);
      write_monitor_json (&m);
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
  if (m.pod.netgate_ip && net_gate (&m, &err) < 0)
    {
      log_error ("network gate", &err);
      handshake_error (&m, "error ", &err);
      podrun_pidfd_send_signal (m.pause_pidfd, SIGKILL);
      waitpid (m.pause_pid, NULL, 0);
      m.pause_alive = 0;
      podrun_now (m.stopped_at);
      write_monitor_json (&m);
      return 1;
    }
  m.ctx = ctx;
  /* sync 2. and 3. as the machine's first step starts containers and their starts resolve.  */
  m.in_begin = 1;
  post (&m, (struct sv_event){ .type = SV_EV_BEGIN, .now = podrun_mono_ms () });
  drain (&m);
  m.in_begin = 0;
  /* From here on the monitor runs for the pod's life: keep only the code the loop needs.  */
  podrun_trim_text ();
  return loop (&m);
}
