/* Probes and lifecycle hooks, run for the monitor (probe.h; docs/supervision.md, "Probes and
   hooks").  The rules are the kubelet's (docs/reference/kubelet-rules.md §4.5-§4.7, §5.3): exec
   output is stdout and stderr, a non-zero exit a failure with it as the message; tcpSocket passes
   on a connect; httpGet passes on 200-399, follows same-host redirects (at most 10) and warns on
   an unfollowed one; a hook's httpGet fails only on a transport error; tcpSocket on a hook fails
   when it runs.  */
#include "probe.h"
#include "tls_client.h"
#include "exec.h"
#include "grpc_health.h"
#include "protocol.h"
#include "util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <netdb.h>

/* The kubelet version whose behaviour podrun follows (User-Agent kube-probe/1.36).  */
#define KUBE_MINOR "1.36"
#define MAX_REDIRECTS 10
/* A cancelled helper has this long to kill its command and exit before it is SIGKILLed.  */
#define CANCEL_KILL_MS 5000
/* What an HTTP response may take in memory: its head and the kubelet's 10 KiB of body are more
   than the messages use; the rest is read and dropped.  */
#define RESPONSE_MAX (PODRUN_PROBE_OUTPUT + 4096)
/* A host name's resolution: the most addresses kept (dialled in turn, as Go's dialSerial), and
   the time a hook's may take (a probe's has the probe's timeoutSeconds).  */
#define MAX_ADDRS 8
#define RESOLVE_HOOK_MS 30000

/* What the resolver child writes back, in one write (smaller than PIPE_BUF: all or nothing).  */
struct resolve_addr
{
  uint16_t family; /* AF_INET (addr's first 4 bytes), AF_INET6 */
  uint32_t scope;
  uint8_t addr[16];
};
struct resolve_reply
{
  uint32_t n;    /* addresses; 0: err says why */
  char err[116]; /* Go's DNSError.Err */
  struct resolve_addr a[MAX_ADDRS];
};

enum phase
{
  PH_IDLE = 0,
  PH_EXEC,    /* the helper runs: fd is its output */
  PH_RESOLVE, /* tcp/http: a host name is being resolved: fd is the resolver child's pipe */
  PH_CONNECT, /* tcp/http: connect in progress */
  PH_SEND,    /* http: the request is being written */
  PH_RECV,    /* http: the response is being read */
  PH_SLEEP,
  PH_DUE /* finished, reported at the next timer (a run that could not be handed back) */
};

struct slot
{
  enum phase phase;
  pid_t pid;   /* the exec helper, until reaped */
  pid_t dying; /* a cancelled helper still to reap */
  sv_ms kill_at;
  int fd;
  int reaped, status, eof;
  sv_ms until; /* sleep */
  char *buf;   /* output / request then response, malloc'd for the run */
  size_t len, sent, req_len;
  int redirects;
  int net_pidfd;                   /* tcp/http: whose network namespace (not owned; -1: the monitor's) */
  unsigned port;                   /* http: the current target (redirects may change it) */
  char *path;                      /* http: the current target's path, malloc'd */
  char *msg;                       /* the last finished run's message, malloc'd */
  struct podrun_grpc_reader *grpc; /* grpc: the answer's reader, malloc'd for the run */
  struct podrun_tls_client *tls;   /* httpGet HTTPS: the connection's TLS client, malloc'd for it */
  int tls_eof;                     /* the socket's end was given to it */
  struct sockaddr_storage addr;
  socklen_t addr_len;
  pid_t resolver;              /* the resolver child (resolve_child), until reaped */
  sv_ms resolve_until;         /* PH_RESOLVE: its time limit */
  struct resolve_reply *addrs; /* a host name's addresses, malloc'd for the run; NULL: an address */
  uint32_t next_addr;          /* the next of them to dial */
  char *dial_err;              /* the first of their dials' errors, malloc'd for the run */
  int cut;                     /* the last cancel cut a host name's dial short: msg names it */
  int served;                  /* exec: run by the container's probe server, as run SEQ */
  uint32_t seq;
  pid_t run_pid; /* exec: the container process it runs against */
  unsigned long long run_start;
  enum sv_probe_result due; /* PH_DUE: the result */
};

/* Container I's probe server (exec.h podrun_exec_serve): its exec probes are forked by a process
   already inside the container and confined, rather than each by a `podrun-helper exec` of its
   own, whose setup (a fork of the monitor, entering, the filter's install, an intermediate, the
   relay) costs several times the command.  Hooks, which run once per start, keep that path.  */
struct server
{
  pid_t pid;     /* until reaped; 0: none */
  pid_t old;     /* one killed, still to reap */
  int sock;      /* -1: none (gone, or never started) */
  pid_t for_pid; /* the container process it serves, and that process's start time */
  unsigned long long for_start;
  int failed; /* it ended on its own while serving for_pid: that instance takes the helper path */
};

struct podrun_probes
{
  const struct podrun_pod *pod;
  int epfd;
  uint32_t tag;
  int own_net; /* the monitor's network namespace, to return to */
  int devnull;
  uint32_t seq;           /* the last served run's */
  struct server *servers; /* one per container */
  size_t n;
  struct slot slots[];
};

static struct slot *
slot_of (struct podrun_probes *p, size_t i, int h)
{
  return &p->slots[i * PODRUN_N_HANDLERS + (size_t) h];
}

static const struct podrun_handler *
handler_of (const struct podrun_probes *p, size_t idx)
{
  return &p->pod->containers[idx / PODRUN_N_HANDLERS].handlers[idx % PODRUN_N_HANDLERS];
}

static int
is_hook (int h)
{
  return h >= PODRUN_HANDLER_POST_START;
}

void
podrun_go_duration (sv_ms ms, char *buf, size_t cap)
{
  sv_ms h = ms / 3600000, m = ms / 60000 % 60, s = ms / 1000 % 60, frac = ms % 1000;
  int n = 0;
  if (ms == 0)
    {
      snprintf (buf, cap, "0s");
      return;
    }
  if (ms < 1000)
    {
      snprintf (buf, cap, "%lldms", (long long) ms);
      return;
    }
  if (h)
    n += snprintf (buf + n, cap - (size_t) n, "%lldh", (long long) h);
  if (h || m)
    n += snprintf (buf + n, cap - (size_t) n, "%lldm", (long long) m);
  if (frac)
    {
      char f[8];
      int k;
      snprintf (f, sizeof f, "%03lld", (long long) frac);
      for (k = 2; k > 0 && f[k] == '0'; k--)
        f[k] = '\0';
      snprintf (buf + n, cap - (size_t) n, "%lld.%ss", (long long) s, f);
    }
  else
    snprintf (buf + n, cap - (size_t) n, "%llds", (long long) s);
}

static void go_errno (int e, char *buf, size_t cap);
static void url_of (const struct podrun_handler *hd, const struct slot *s, char *buf, size_t cap);

static void set_msg (struct slot *s, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static void
set_msg (struct slot *s, const char *fmt, ...)
{
  va_list ap, again;
  char *t;
  int n;
  /* vsnprintf twice rather than vasprintf: the loop's printf is the one already resident
     (helper-layout.ld).  */
  va_start (ap, fmt);
  va_copy (again, ap);
  n = vsnprintf (NULL, 0, fmt, ap);
  va_end (ap);
  t = n >= 0 ? malloc ((size_t) n + 1) : NULL;
  if (t)
    vsnprintf (t, (size_t) n + 1, fmt, again);
  va_end (again);
  free (s->msg);
  s->msg = t;
}

/* Small string helpers of our own rather than glibc's strstr, strcasecmp, strcspn and strdup:
   their variants live outside the loop's layout (helper-layout.ld), and each one the loop
   touched would keep another 64 KiB of text resident in every pod probed.  */
static const char *
find (const char *s, const char *needle)
{
  size_t n = strlen (needle);
  for (; *s; s++)
    if (strncmp (s, needle, n) == 0)
      return s;
  return NULL;
}

static int
lower (int c)
{
  return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
same_ci (const char *a, const char *b, size_t n)
{
  size_t k;
  for (k = 0; k < n; k++)
    if (lower ((unsigned char) a[k]) != lower ((unsigned char) b[k]) || !a[k])
      return a[k] == b[k];
  return 1;
}

static size_t
span_until (const char *s, const char *stop)
{
  size_t k = 0;
  while (s[k] && !strchr (stop, s[k]))
    k++;
  return k;
}

static char *
dup_str (const char *s)
{
  size_t n = strlen (s) + 1;
  char *d = malloc (n);
  if (d)
    memcpy (d, s, n);
  return d;
}

/* The decimal number at S (digits only, at most MAX), or -1.  */
static long
parse_num (const char *s, size_t len, long max)
{
  long v = 0;
  size_t k;
  if (len == 0)
    return -1;
  for (k = 0; k < len; k++)
    {
      if (s[k] < '0' || s[k] > '9')
        return -1;
      v = v * 10 + (s[k] - '0');
      if (v > max)
        return -1;
    }
  return v;
}

/* *FD off the loop and closed.  */
static void
unwatch_fd (struct podrun_probes *p, int *fd)
{
  if (*fd >= 0)
    {
      epoll_ctl (p->epfd, EPOLL_CTL_DEL, *fd, NULL);
      close (*fd);
    }
  *fd = -1;
}

static void
unwatch (struct podrun_probes *p, struct slot *s)
{
  unwatch_fd (p, &s->fd);
}

static int
watch (struct podrun_probes *p, struct slot *s, uint32_t events, int op)
{
  struct epoll_event ev = { .events = events, .data.u64 = ((uint64_t) p->tag << 32) | (uint32_t) (s - p->slots) };
  return epoll_ctl (p->epfd, op, s->fd, &ev);
}

/* The run's resources go; its message stays.  */
static void
end_run (struct podrun_probes *p, struct slot *s)
{
  unwatch (p, s);
  /* A resolver still at work goes (it is reaped by pid); one that answered is exiting.  */
  if (s->phase == PH_RESOLVE && s->resolver > 0)
    kill (s->resolver, SIGKILL);
  free (s->buf);
  free (s->path);
  free (s->grpc);
  free (s->tls);
  free (s->addrs);
  free (s->dial_err);
  s->buf = s->path = s->dial_err = NULL;
  s->grpc = NULL;
  s->tls = NULL;
  s->addrs = NULL;
  s->len = s->sent = s->req_len = 0;
  s->phase = PH_IDLE;
}

static int
finish (struct podrun_probes *p, struct slot *s, enum sv_probe_result r, struct podrun_probe_result *out)
{
  size_t idx = (size_t) (s - p->slots);
  end_run (p, s);
  out->container = idx / PODRUN_N_HANDLERS;
  out->handler = (int) (idx % PODRUN_N_HANDLERS);
  out->result = r;
  out->ok = r == SV_RESULT_SUCCESS || r == SV_RESULT_WARNING;
  return 1;
}

struct podrun_probes *
podrun_probes_new (const struct podrun_pod *pod, int epfd, uint32_t tag, podrun_err_t *err)
{
  size_t n = pod->n_containers * PODRUN_N_HANDLERS, i;
  struct podrun_probes *p = calloc (1, sizeof *p + n * sizeof (struct slot));
  if (!p)
    {
      podrun_fail (err, ENOMEM, "probe", "calloc", NULL);
      return NULL;
    }
  p->pod = pod;
  p->epfd = epfd;
  p->tag = tag;
  p->n = n;
  p->own_net = p->devnull = -1;
  p->servers = calloc (pod->n_containers ? pod->n_containers : 1, sizeof *p->servers);
  if (!p->servers)
    {
      podrun_fail (err, ENOMEM, "probe", "calloc", NULL);
      free (p);
      return NULL;
    }
  for (i = 0; i < pod->n_containers; i++)
    p->servers[i].sock = -1;
  for (i = 0; i < n; i++)
    p->slots[i].fd = -1;
  /* Opened for every pod, handlers or not: a re-apply may give a container its first probe or
     hook (`replace`, docs/reapply.md).  */
  p->own_net = open ("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  p->devnull = open ("/dev/null", O_RDWR | O_CLOEXEC);
  if (p->own_net < 0 || p->devnull < 0)
    {
      podrun_fail (err, errno, "probe", "open", "/proc/self");
      free (p->servers);
      free (p);
      return NULL;
    }
  return p;
}

/* ---- exec ---- */

static int
argv_len (char **argv)
{
  int n = 0;
  while (argv[n])
    n++;
  return n;
}

/* A command's PATH when the container's environment has none, as `podrun exec` gives one.  */
static const char default_path[] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/* The arguments `podrun exec` would give `podrun-helper exec` for container C's command CMD
   against its process PID (started at START_TIME); for its probe server (SERVE), `exec-serve`
   with no command and no environment (server_env).  calloc'd (in a child, which execs or exits);
   NULL without memory.  */
static char **
exec_argv (const struct podrun_container *c, char *const *cmd, size_t n_cmd, pid_t pid, unsigned long long start_time,
           int serve)
{
  size_t max = 32 + 2 * (c->n_env + c->n_cgroups) + n_cmd, k = 0, i;
  char **argv = calloc (max + 1, sizeof *argv);
  static char proto[16], spid[24], sstart[32];
  char *user;
  int has_path = 0;
  if (!argv)
    return NULL;
  snprintf (proto, sizeof proto, "%d", PODRUN_PROTOCOL);
  snprintf (spid, sizeof spid, "%d", (int) pid);
  snprintf (sstart, sizeof sstart, "%llu", start_time);
  argv[k++] = (char *) "podrun-helper";
  argv[k++] = (char *) (serve ? "exec-serve" : "exec");
  argv[k++] = (char *) "--protocol";
  argv[k++] = proto;
  argv[k++] = (char *) "--pid";
  argv[k++] = spid;
  argv[k++] = (char *) "--start-time";
  argv[k++] = sstart;
  argv[k++] = (char *) "--cwd";
  argv[k++] = (char *) (c->cwd && c->cwd[0] == '/' ? c->cwd : "/");
  {
    size_t cap = 64 + c->n_groups * 12, n;
    user = malloc (cap);
    if (!user)
      return NULL;
    n = (size_t) snprintf (user, cap, "%u:%u", (unsigned) c->uid, (unsigned) c->gid);
    for (i = 0; i < c->n_groups; i++)
      n += (size_t) snprintf (user + n, cap - n, "%s%u", i ? "," : ":", (unsigned) c->groups[i]);
    argv[k++] = (char *) "--user";
    argv[k++] = user;
  }
  /* The container's environment (ExecSync runs with the container's process env), with a PATH
     when it has none, as `podrun exec` gives one.  */
  for (i = 0; i < c->n_env && !serve; i++)
    {
      argv[k++] = (char *) "--env";
      argv[k++] = c->env[i];
      has_path |= strncmp (c->env[i], "PATH=", 5) == 0;
    }
  if (!has_path && !serve)
    {
      argv[k++] = (char *) "--env";
      argv[k++] = (char *) default_path;
    }
  if (c->seccomp)
    {
      argv[k++] = (char *) "--seccomp";
      argv[k++] = (char *) c->seccomp;
    }
  if (c->nonewprivs)
    argv[k++] = (char *) "--no-new-privs";
  if (c->apparmor)
    {
      argv[k++] = (char *) "--apparmor";
      argv[k++] = (char *) c->apparmor;
    }
  for (i = 0; i < c->n_cgroups; i++)
    {
      argv[k++] = (char *) "--cgroup";
      argv[k++] = (char *) c->cgroups[i];
    }
  if (!serve)
    argv[k++] = (char *) "--kill-on-term";
  argv[k++] = (char *) "--";
  for (i = 0; i < n_cmd; i++)
    argv[k++] = cmd[i];
  argv[k] = NULL;
  return argv;
}

/* In the forked child: `podrun-helper exec` for container C's command, run in this copy of the
   monitor (no execve of the helper: a static binary's start-up is most of an exec probe's
   overhead).  Nothing here returns; a failure exits 126 with its reason on stderr (the run's
   output).  */
static void __attribute__ ((noreturn))
exec_child (struct podrun_probes *p, const struct podrun_container *c, char *const *cmd, size_t n_cmd, pid_t pid,
            unsigned long long start_time, int out_wr)
{
  char **argv;
  sigset_t none;
  if (dup2 (p->devnull, 0) < 0 || dup2 (out_wr, 1) < 0 || dup2 (out_wr, 2) < 0)
    _exit (126);
  /* The helper keeps the monitor's blocked SIGTERM pending until its signalfd reads it (a
     cancel before it is ready is not lost); the rest of the mask is its own to set.  */
  sigemptyset (&none);
  sigaddset (&none, SIGTERM);
  sigprocmask (SIG_SETMASK, &none, NULL);
  signal (SIGPIPE, SIG_DFL);
  /* It dies with the monitor, as the monitor's other children do.  */
  prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  argv = exec_argv (c, cmd, n_cmd, pid, start_time, 0);
  if (!argv)
    _exit (126);
  _exit (podrun_exec_main (argv_len (argv), argv));
}

/* Container C's environment for its probe server's commands (with a PATH when it has none), each
   K=V NUL-terminated, in a memfd read from its start: not on the server's command line, which
   every host user may read in /proc/PID/cmdline for as long as the container runs, nor in its
   environment, which its static C library reads at start-up while it is root on the host.  -1
   on failure.  */
static int
server_env (const struct podrun_container *c)
{
  int fd = memfd_create ("podrun-env", MFD_CLOEXEC), has_path = 0;
  size_t i;
  if (fd < 0)
    return -1;
  for (i = 0; i < c->n_env; i++)
    {
      if (podrun_write_all (fd, c->env[i], strlen (c->env[i]) + 1) < 0)
        return close (fd), -1;
      has_path |= strncmp (c->env[i], "PATH=", 5) == 0;
    }
  if ((!has_path && podrun_write_all (fd, default_path, sizeof default_path) < 0) || lseek (fd, 0, SEEK_SET) < 0)
    return close (fd), -1;
  return fd;
}

/* In the forked child: container C's probe server, a new program (`podrun-helper exec-serve`,
   this monitor's own binary) rather than this copy of the monitor, so that it holds none of the
   monitor's memory for the container's life; SOCK becomes its fd 3, the environment of its
   commands (server_env) its fd 4, and nothing else of the monitor's stays open.  */
static void __attribute__ ((noreturn)) server_child (struct podrun_probes *p, const struct podrun_container *c,
                                                     pid_t pid, unsigned long long start_time, int sock)
{
  static char *const no_env[] = { NULL };
  char **argv = exec_argv (c, NULL, 0, pid, start_time, 1);
  int fds[2] = { sock, server_env (c) };
  sigset_t none;
  if (!argv || fds[1] < 0 || dup2 (p->devnull, 0) < 0 || dup2 (p->devnull, 1) < 0 || dup2 (p->devnull, 2) < 0
      || podrun_keep_only_fds (fds, 2) < 0 || fcntl (3, F_SETFD, 0) < 0 || fcntl (4, F_SETFD, 0) < 0)
    _exit (126);
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  signal (SIGPIPE, SIG_DFL);
  prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  /* The host's /proc still: the binary the monitor runs, even if a rebuild replaced the file.  */
  execve ("/proc/self/exe", argv, no_env);
  _exit (126);
}

/* The run's output pipe OUT on the loop: the helper CHILD's (reaped by pid), or, with SEQ, the
   server's run SEQ.  */
static void
begin_exec (struct podrun_probes *p, struct slot *s, int out, pid_t child, uint32_t seq)
{
  fcntl (out, F_SETFL, O_NONBLOCK);
  s->pid = child;
  s->served = seq != 0;
  s->seq = seq;
  s->reaped = s->eof = 0;
  s->fd = out;
  s->buf = malloc (PODRUN_PROBE_OUTPUT + 1);
  s->len = 0;
  s->phase = PH_EXEC;
  if (s->buf)
    s->buf[0] = '\0';
  watch (p, s, EPOLLIN, EPOLL_CTL_ADD);
}

static int
start_helper (struct podrun_probes *p, struct slot *s, size_t i, const struct podrun_handler *hd, pid_t pid,
              unsigned long long start_time)
{
  int fds[2];
  pid_t child;
  if (pipe2 (fds, O_CLOEXEC) < 0)
    {
      char e[64];
      go_errno (errno, e, sizeof e);
      set_msg (s, "cannot run the command: pipe2: %s", e);
      return -1;
    }
  child = fork ();
  if (child == 0)
    exec_child (p, &p->pod->containers[i], hd->argv, hd->n_argv, pid, start_time, fds[1]);
  close (fds[1]);
  if (child < 0)
    {
      char e[64];
      go_errno (errno, e, sizeof e);
      set_msg (s, "cannot run the command: fork: %s", e);
      close (fds[0]);
      return -1;
    }
  begin_exec (p, s, fds[0], child, 0);
  return 0;
}

/* What the pipe holds now; EOF noted.  The output past PODRUN_PROBE_OUTPUT is read and dropped
   (the command must not block on a full pipe).  */
static void
read_output (struct podrun_probes *p, struct slot *s)
{
  char drop[4096];
  (void) p;
  while (s->fd >= 0 && !s->eof)
    {
      size_t room = s->buf && s->len < PODRUN_PROBE_OUTPUT ? PODRUN_PROBE_OUTPUT - s->len : 0;
      ssize_t n = room ? read (s->fd, s->buf + s->len, room) : read (s->fd, drop, sizeof drop);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return; /* EAGAIN */
      if (n == 0)
        {
          s->eof = 1;
          return;
        }
      if (room)
        {
          s->len += (size_t) n;
          s->buf[s->len] = '\0';
        }
    }
}

/* The helper was reaped and its output read: the result.  */
static int
exec_done (struct podrun_probes *p, struct slot *s, struct podrun_probe_result *out)
{
  int h = (int) ((size_t) (s - p->slots) % PODRUN_N_HANDLERS), code;
  read_output (p, s);
  code = WIFEXITED (s->status) ? WEXITSTATUS (s->status) : 128 + WTERMSIG (s->status);
  if (code == 0)
    set_msg (s, "%s", s->buf ? s->buf : "");
  else if (is_hook (h))
    {
      /* The CRI's error for a hook's exit (remote_runtime.go): command 'ARGV' exited with N.  */
      const struct podrun_handler *hd = handler_of (p, (size_t) (s - p->slots));
      char cmd[1024];
      size_t k, n = 0;
      cmd[0] = '\0';
      for (k = 0; k < hd->n_argv && n < sizeof cmd; k++)
        n += (size_t) snprintf (cmd + n, sizeof cmd - n, "%s%s", k ? " " : "", hd->argv[k]);
      set_msg (s, "command '%s' exited with %d: %s", cmd, code, s->buf ? s->buf : "");
    }
  else
    set_msg (s, "%s", s->buf ? s->buf : "");
  return finish (p, s, code == 0 ? SV_RESULT_SUCCESS : SV_RESULT_FAILURE, out);
}

/* ---- the probe server (struct server) ---- */

/* Ends container I's server (SIGKILL; reaped by pid later).  */
static void
server_kill (struct podrun_probes *p, size_t i)
{
  struct server *sv = &p->servers[i];
  unwatch_fd (p, &sv->sock);
  if (sv->pid > 0)
    {
      kill (sv->pid, SIGKILL);
      /* An older one not reaped yet is left to the orphan sweep.  */
      sv->old = sv->pid;
      sv->pid = 0;
    }
}

/* Container I's server for its process PID started at START: the one running, or a new one
   (any other is killed).  Its socket, or -1: the helper path.  */
static int
server_for (struct podrun_probes *p, size_t i, pid_t pid, unsigned long long start)
{
  struct server *sv = &p->servers[i];
  struct epoll_event ev = { .events = EPOLLIN, .data.u64 = ((uint64_t) p->tag << 32) | (uint32_t) (p->n + i) };
  int sp[2], on = 1;
  pid_t child;
  int same = sv->for_pid == pid && sv->for_start == start;
  if (same && sv->sock >= 0)
    return sv->sock;
  if (same && sv->failed)
    return -1;
  server_kill (p, i);
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
    return -1;
  /* The server's end is also in each command it forks until its execve, where a container that
     may ptrace could take it (pidfd_getfd): the monitor's end takes no fds (util.h), and every
     message says who sent it (server_input).  */
  if (podrun_refuse_fds (sp[0]) < 0 || setsockopt (sp[0], SOL_SOCKET, SO_PASSCRED, &on, sizeof on) < 0)
    {
      close (sp[0]);
      close (sp[1]);
      return -1;
    }
  child = fork ();
  if (child == 0)
    {
      close (sp[0]);
      server_child (p, &p->pod->containers[i], pid, start, sp[1]);
    }
  close (sp[1]);
  if (child < 0 || fcntl (sp[0], F_SETFL, O_NONBLOCK) < 0 || epoll_ctl (p->epfd, EPOLL_CTL_ADD, sp[0], &ev) < 0)
    {
      if (child > 0)
        {
          kill (child, SIGKILL);
          sv->old = child;
        }
      close (sp[0]);
      return -1;
    }
  sv->pid = child;
  sv->sock = sp[0];
  sv->for_pid = pid;
  sv->for_start = start;
  sv->failed = 0;
  return sv->sock;
}

/* Hands the run to container I's server: 0, or -1 for the helper path.  */
static int
start_served (struct podrun_probes *p, struct slot *s, size_t i, const struct podrun_handler *hd, pid_t pid,
              unsigned long long start_time)
{
  static char msg[PODRUN_SERVE_MAX];
  struct podrun_serve_msg m = { .op = PODRUN_SERVE_RUN, .argc = (uint32_t) hd->n_argv };
  char cbuf[CMSG_SPACE (sizeof (int))];
  struct iovec iov = { .iov_base = msg };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  struct cmsghdr *c;
  size_t len = sizeof m, k;
  int sock, fds[2];
  ssize_t sent;
  if (p->pod->containers[i].apparmor || hd->n_argv == 0)
    return -1;
  for (k = 0; k < hd->n_argv; k++)
    {
      size_t n = strlen (hd->argv[k]) + 1;
      if (n > sizeof msg - len)
        return -1;
      memcpy (msg + len, hd->argv[k], n);
      len += n;
    }
  if ((sock = server_for (p, i, pid, start_time)) < 0)
    return -1;
  if (pipe2 (fds, O_CLOEXEC) < 0)
    return -1;
  if (++p->seq == 0)
    p->seq = 1; /* 0 is the helper's */
  m.seq = p->seq;
  memcpy (msg, &m, sizeof m);
  iov.iov_len = len;
  memset (cbuf, 0, sizeof cbuf);
  c = CMSG_FIRSTHDR (&mh);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (c), &fds[1], sizeof (int));
  sent = sendmsg (sock, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
  close (fds[1]);
  if (sent != (ssize_t) len)
    {
      close (fds[0]);
      return -1;
    }
  begin_exec (p, s, fds[0], 0, m.seq);
  return 0;
}

static int
start_exec (struct podrun_probes *p, struct slot *s, size_t i, int h, const struct podrun_handler *hd, pid_t pid,
            unsigned long long start_time)
{
  s->run_pid = pid;
  s->run_start = start_time;
  if (!is_hook (h) && start_served (p, s, i, hd, pid, start_time) == 0)
    return 0;
  return start_helper (p, s, i, hd, pid, start_time);
}

/* Container I's server ended on its own (EOF, or reaped): its runs go to the helper path, each reported as it finishes (or at the next timer when it cannot start).  */
static void
server_gone (struct podrun_probes *p, size_t i)
{
  struct server *sv = &p->servers[i];
  size_t h;
  if (sv->sock < 0)
    return;
  unwatch_fd (p, &sv->sock);
  sv->failed = 1;
  for (h = 0; h < PODRUN_N_HANDLERS; h++)
    {
      struct slot *s = slot_of (p, i, (int) h);
      if (s->phase != PH_EXEC || !s->served)
        continue;
      end_run (p, s);
      if (start_helper (p, s, i, &p->pod->containers[i].handlers[h], s->run_pid, s->run_start) < 0)
        {
          s->phase = PH_DUE;
          s->due = SV_RESULT_ERROR;
        }
    }
}

/* A message on container I's server socket: 1 when a run finished (*OUT set).  Only the server's
   own count (SCM_CREDENTIALS): another process holding a copy of its end (a command of it
   traced before its execve) is ignored, whatever it sends, and an fd that comes is dropped.  */
static int
server_input (struct podrun_probes *p, size_t i, struct podrun_probe_result *out)
{
  struct server *sv = &p->servers[i];
  struct podrun_serve_msg m;
  union
  {
    char buf[CMSG_SPACE (sizeof (struct ucred)) + CMSG_SPACE (16 * sizeof (int))];
    struct cmsghdr align;
  } u;
  struct iovec iov = { .iov_base = &m, .iov_len = sizeof m };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
  struct cmsghdr *c;
  pid_t sender = -1;
  ssize_t n;
  size_t h;
  if (sv->sock < 0)
    return 0;
  n = recvmsg (sv->sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return 0;
  for (c = n >= 0 ? CMSG_FIRSTHDR (&mh) : NULL; c; c = CMSG_NXTHDR (&mh, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
      {
        size_t k, nfd = (c->cmsg_len - CMSG_LEN (0)) / sizeof (int);
        for (k = 0; k < nfd; k++)
          {
            int fd;
            memcpy (&fd, CMSG_DATA (c) + k * sizeof fd, sizeof fd);
            podrun_drop_fd (fd);
          }
      }
    else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS)
      {
        struct ucred cr;
        memcpy (&cr, CMSG_DATA (c), sizeof cr);
        sender = cr.pid;
      }
  /* EOF carries no sender; a message (a zero-length one too) of another process is dropped.  */
  if (n >= 0 && sender != -1 && sender != sv->pid)
    return 0;
  if (n != (ssize_t) sizeof m || sender == -1)
    {
      /* Its end (it exits with its container, or failed to get in), or not a message of it.  */
      server_gone (p, i);
      return 0;
    }
  if (m.op != PODRUN_SERVE_EXITED)
    return 0;
  for (h = 0; h < PODRUN_N_HANDLERS; h++)
    {
      struct slot *s = slot_of (p, i, (int) h);
      if (s->phase == PH_EXEC && s->served && s->seq == m.seq)
        {
          s->reaped = 1;
          s->status = m.status;
          /* Everything the command wrote before its exit is in the pipe; a background process
             of it holding the pipe open is not waited for.  */
          return exec_done (p, s, out);
        }
    }
  return 0; /* a run cancelled meanwhile */
}

/* ---- tcpSocket and httpGet ---- */

static int
parse_addr (const char *host, unsigned port, struct sockaddr_storage *ss, socklen_t *len)
{
  struct sockaddr_in *v4 = (struct sockaddr_in *) ss;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *) ss;
  char h[64];
  size_t n = strlen (host);
  memset (ss, 0, sizeof *ss);
  if (strcmp (host, "localhost") == 0)
    host = "127.0.0.1";
  if (inet_pton (AF_INET, host, &v4->sin_addr) == 1)
    {
      v4->sin_family = AF_INET;
      v4->sin_port = htons ((uint16_t) port);
      *len = sizeof *v4;
      return 0;
    }
  if (n >= 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof h)
    {
      memcpy (h, host + 1, n - 2);
      h[n - 2] = '\0';
      host = h;
    }
  if (inet_pton (AF_INET6, host, &v6->sin6_addr) == 1)
    {
      v6->sin6_family = AF_INET6;
      v6->sin6_port = htons ((uint16_t) port);
      *len = sizeof *v6;
      return 0;
    }
  return -1;
}

/* HOST:PORT as Go's net.JoinHostPort writes it.  */
static void
host_port (const char *host, unsigned port, char *buf, size_t cap)
{
  if (strchr (host, ':') && host[0] != '[')
    snprintf (buf, cap, "[%s]:%u", host, port);
  else
    snprintf (buf, cap, "%s:%u", host, port);
}

/* Go's text for an errno (syscall.Errno.Error: the C library's words, lower-case), from a table
   of what a probe's connection meets: strerror would pull gettext's locale code into the loop
   (and keep its pages resident in every pod).  */
static void
go_errno (int e, char *buf, size_t cap)
{
  static const struct
  {
    int e;
    const char *text;
  } known[] = { { ECONNREFUSED, "connection refused" },
                { ETIMEDOUT, "connection timed out" },
                { ECONNRESET, "connection reset by peer" },
                { EHOSTUNREACH, "no route to host" },
                { ENETUNREACH, "network is unreachable" },
                { EADDRNOTAVAIL, "cannot assign requested address" },
                { EPIPE, "broken pipe" },
                { EACCES, "permission denied" },
                { EPERM, "operation not permitted" },
                { EINVAL, "invalid argument" },
                { EMFILE, "too many open files" },
                { ENOMEM, "cannot allocate memory" },
                { EAGAIN, "resource temporarily unavailable" } };
  size_t k;
  for (k = 0; k < sizeof known / sizeof known[0]; k++)
    if (known[k].e == e)
      {
        snprintf (buf, cap, "%s", known[k].text);
        return;
      }
  snprintf (buf, cap, "errno %d", e);
}

/* ADDR as Go's IP.String writes it (RFC 5952: the longest run of two or more zero groups, the
   first of equal ones, as "::"; an IPv4-mapped one dotted).  Not inet_ntop: its sprintf and
   strcpy live outside the loop's layout (helper-layout.ld), and a failing probe's every run
   would keep their pages resident.  */
static void
ip_text (const struct sockaddr_storage *addr, char *buf, size_t cap)
{
  const uint8_t *b;
  int k, run = 0, best = -1, best_len = 1, n = 0;
  static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
  if (addr->ss_family != AF_INET6)
    {
      b = (const uint8_t *) &((const struct sockaddr_in *) addr)->sin_addr;
      snprintf (buf, cap, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
      return;
    }
  b = ((const struct sockaddr_in6 *) addr)->sin6_addr.s6_addr;
  if (memcmp (b, mapped, sizeof mapped) == 0)
    {
      snprintf (buf, cap, "%u.%u.%u.%u", b[12], b[13], b[14], b[15]);
      return;
    }
  for (k = 0; k < 8; k++)
    {
      run = b[2 * k] == 0 && b[2 * k + 1] == 0 ? run + 1 : 0;
      if (run > best_len)
        {
          best_len = run;
          best = k - run + 1;
        }
    }
  buf[0] = '\0';
  for (k = 0; k < 8 && n >= 0 && (size_t) n < cap; k++)
    {
      if (k == best)
        {
          n += snprintf (buf + n, cap - (size_t) n, "::");
          k += best_len - 1;
          continue;
        }
      n += snprintf (buf + n, cap - (size_t) n, "%s%x", k && k != best + best_len ? ":" : "",
                     (unsigned) (b[2 * k] << 8 | b[2 * k + 1]));
    }
}

/* What S dials, as Go's OpError names it: HOST:PORT for an address as written, the address
   a host name resolved to for a name.  */
static void
dial_target (const struct slot *s, const char *host, char *buf, size_t cap)
{
  char a[64];
  if (!s->addrs)
    {
      host_port (host, s->port, buf, cap);
      return;
    }
  ip_text (&s->addr, a, sizeof a);
  host_port (a, s->port, buf, cap);
}

/* A dial's error DIAL ("dial tcp ...") as the handler's client reports it: net.DialTimeout's
   own for tcpSocket, http.Client's `Get "URL": ...` for httpGet, grpc-go's for grpc.  */
static void
dial_failed (struct slot *s, const struct podrun_handler *hd, const char *dial)
{
  char url[2400], hp[300];
  if (hd->type == PODRUN_HANDLER_HTTP_GET)
    {
      url_of (hd, s, url, sizeof url);
      set_msg (s, "Get \"%s\": %s", url, dial);
    }
  else if (hd->type == PODRUN_HANDLER_GRPC)
    {
      host_port (hd->host, s->port, hp, sizeof hp);
      set_msg (s, "error: failed to connect service at \"%s\": %s", hp, dial);
    }
  else
    set_msg (s, "%s", dial);
}

/* A socket in the pod's network namespace, connecting to S->addr: 0, or -1 with the dial's
   error in ERR.  */
static int
open_conn (struct podrun_probes *p, struct slot *s, const char *host, char *err, size_t cap)
{
  char hp[300], e[128];
  int fd, rc, saved;
  if (s->net_pidfd >= 0 && setns (s->net_pidfd, CLONE_NEWNET) < 0)
    {
      go_errno (errno, e, sizeof e);
      dial_target (s, host, hp, sizeof hp);
      snprintf (err, cap, "dial tcp %s: setns: %s", hp, e);
      return -1;
    }
  fd = socket (s->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  saved = errno;
  if (s->net_pidfd >= 0 && setns (p->own_net, CLONE_NEWNET) < 0)
    {
      /* Cannot happen (our own namespace); never keep running in the pod's.  */
      podrun_log ("probe: cannot return to the monitor's network namespace: errno %d", errno);
      abort ();
    }
  if (fd < 0)
    {
      go_errno (saved, e, sizeof e);
      dial_target (s, host, hp, sizeof hp);
      snprintf (err, cap, "dial tcp %s: socket: %s", hp, e);
      return -1;
    }
  s->fd = fd;
  rc = connect (fd, (struct sockaddr *) &s->addr, s->addr_len);
  if (rc < 0 && errno != EINPROGRESS)
    {
      go_errno (errno, e, sizeof e);
      dial_target (s, host, hp, sizeof hp);
      snprintf (err, cap, "dial tcp %s: connect: %s", hp, e);
      close (fd);
      s->fd = -1;
      return -1;
    }
  s->phase = PH_CONNECT;
  watch (p, s, EPOLLOUT, EPOLL_CTL_ADD);
  return 0;
}

/* ---- host names ----

   A handler's host that is not an address is resolved at each run, as the kubelet's dialer
   resolves it: by the C library's getaddrinfo (/etc/hosts, then DNS, as /etc/nsswitch.conf
   says), in the monitor's own network and mount namespaces (the host's view, the kubelet's),
   never in the pod's.  getaddrinfo blocks, so it runs in a child forked for the run
   (resolve_child) that writes the addresses back over a pipe the loop watches; the child is
   SIGKILLed when the run is cancelled (a probe's timeoutSeconds) or its own limit passes (a
   hook's, RESOLVE_HOOK_MS), and reaped by pid.  The resolver's code and data are touched in the
   child only: the monitor's own pages stay what they were (docs/supervision.md).  */

/* In the forked child: HOST's addresses, or Go's words for why there are none (cgo_unix.go
   cgoLookupIPCNAME: EAI_NONAME is "no such host", EAI_SYSTEM the errno, any other the C
   library's gai_strerror), written to WR; nothing here returns.  */
static void __attribute__ ((noreturn)) resolve_child (struct podrun_probes *p, const char *host, int wr)
{
  struct resolve_reply r;
  struct addrinfo hints, *res = NULL, *ai;
  int rc;
  prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (dup2 (p->devnull, 0) < 0 || dup2 (p->devnull, 1) < 0 || dup2 (p->devnull, 2) < 0
      || podrun_keep_only_fds (&wr, 1) < 0)
    _exit (1);
  memset (&r, 0, sizeof r);
  memset (&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  errno = 0;
  rc = getaddrinfo (host, NULL, &hints, &res);
  if (rc == EAI_NONAME)
    snprintf (r.err, sizeof r.err, "no such host");
  else if (rc == EAI_SYSTEM)
    go_errno (errno ? errno : EMFILE, r.err, sizeof r.err);
  else if (rc)
    snprintf (r.err, sizeof r.err, "%s", gai_strerror (rc));
  for (ai = rc ? NULL : res; ai && r.n < MAX_ADDRS; ai = ai->ai_next)
    if (ai->ai_family == AF_INET && ai->ai_socktype == SOCK_STREAM)
      {
        r.a[r.n].family = AF_INET;
        memcpy (r.a[r.n++].addr, &((struct sockaddr_in *) ai->ai_addr)->sin_addr, 4);
      }
    else if (ai->ai_family == AF_INET6 && ai->ai_socktype == SOCK_STREAM)
      {
        r.a[r.n].family = AF_INET6;
        r.a[r.n].scope = ((struct sockaddr_in6 *) ai->ai_addr)->sin6_scope_id;
        memcpy (r.a[r.n++].addr, &((struct sockaddr_in6 *) ai->ai_addr)->sin6_addr, 16);
      }
  if (!rc && !r.n)
    snprintf (r.err, sizeof r.err, "no such host");
  _exit (write (wr, &r, sizeof r) == (ssize_t) sizeof r ? 0 : 1);
}

/* S's host name to resolve, off the loop: 0 (PH_RESOLVE), or -1 with the dial's error in ERR.  */
static int
start_resolve (struct podrun_probes *p, struct slot *s, int h, const char *host, char *err, size_t cap)
{
  int fds[2], status;
  pid_t child;
  char e[64];
  /* One of an earlier run not reaped yet: SIGKILLed, left to the orphan sweep.  */
  if (s->resolver > 0 && waitpid (s->resolver, &status, WNOHANG) == 0)
    kill (s->resolver, SIGKILL);
  s->resolver = 0;
  if (pipe2 (fds, O_CLOEXEC) < 0)
    {
      go_errno (errno, e, sizeof e);
      snprintf (err, cap, "dial tcp: lookup %s: pipe2: %s", host, e);
      return -1;
    }
  /* _Fork, not fork: fork's handlers (malloc's, stdio's, the NSS database's) would run in the
     loop at every run and keep their pages resident; the monitor is single-threaded, so no
     lock of theirs is held here.  */
  child = _Fork ();
  if (child == 0)
    {
      close (fds[0]);
      resolve_child (p, host, fds[1]);
    }
  close (fds[1]);
  if (child < 0)
    {
      go_errno (errno, e, sizeof e);
      snprintf (err, cap, "dial tcp: lookup %s: fork: %s", host, e);
      close (fds[0]);
      return -1;
    }
  s->resolver = child;
  s->resolve_until = is_hook (h) ? podrun_mono_ms () + RESOLVE_HOOK_MS : SV_NEVER; /* a probe's: its cancel */
  fcntl (fds[0], F_SETFL, O_NONBLOCK);
  s->fd = fds[0];
  s->phase = PH_RESOLVE;
  watch (p, s, EPOLLIN, EPOLL_CTL_ADD);
  return 0;
}

/* Dials S's next address of its host name, as Go's dialSerial tries them in turn: 0
   (connecting), or -1 with the first dial's error (dial_failed) when none is left.  */
static int
dial_next (struct podrun_probes *p, struct slot *s, const struct podrun_handler *hd)
{
  char e[512];
  while (s->next_addr < s->addrs->n)
    {
      const struct resolve_addr *a = &s->addrs->a[s->next_addr++];
      memset (&s->addr, 0, sizeof s->addr);
      if (a->family == AF_INET6)
        {
          struct sockaddr_in6 *v6 = (struct sockaddr_in6 *) &s->addr;
          v6->sin6_family = AF_INET6;
          v6->sin6_port = htons ((uint16_t) s->port);
          v6->sin6_scope_id = a->scope;
          memcpy (&v6->sin6_addr, a->addr, 16);
          s->addr_len = sizeof *v6;
        }
      else
        {
          struct sockaddr_in *v4 = (struct sockaddr_in *) &s->addr;
          v4->sin_family = AF_INET;
          v4->sin_port = htons ((uint16_t) s->port);
          memcpy (&v4->sin_addr, a->addr, 4);
          s->addr_len = sizeof *v4;
        }
      if (open_conn (p, s, hd->host, e, sizeof e) == 0)
        return 0;
      if (!s->dial_err)
        s->dial_err = dup_str (e);
    }
  dial_failed (s, hd, s->dial_err ? s->dial_err : "dial tcp: no suitable address found");
  return -1;
}

/* The resolver's answer on S's pipe: 1 with the result when the run ended, else 0.  */
static int
resolve_input (struct podrun_probes *p, struct slot *s, const struct podrun_handler *hd,
               struct podrun_probe_result *out)
{
  struct resolve_reply r;
  char e[512];
  ssize_t n = read (s->fd, &r, sizeof r);
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return 0;
  unwatch (p, s);
  if (n == (ssize_t) sizeof r && r.n > 0)
    {
      s->addrs = malloc (sizeof *s->addrs);
      if (!s->addrs)
        {
          set_msg (s, "out of memory");
          return finish (p, s, SV_RESULT_ERROR, out);
        }
      memcpy (s->addrs, &r, sizeof r);
      if (s->addrs->n > MAX_ADDRS)
        s->addrs->n = MAX_ADDRS;
      s->next_addr = 0;
      return dial_next (p, s, hd) < 0 ? finish (p, s, SV_RESULT_FAILURE, out) : 0;
    }
  if (n == (ssize_t) sizeof r)
    {
      r.err[sizeof r.err - 1] = '\0';
      snprintf (e, sizeof e, "dial tcp: lookup %s: %s", hd->host, r.err);
    }
  else
    snprintf (e, sizeof e, "dial tcp: lookup %s: the resolver ended without an answer", hd->host);
  dial_failed (s, hd, e);
  return finish (p, s, SV_RESULT_FAILURE, out);
}

/* S's dial of HD's host: an address at once, a host name once it is resolved.  0, or -1 with
   the message set.  */
static int
dial (struct podrun_probes *p, struct slot *s, const struct podrun_handler *hd)
{
  char e[512];
  size_t idx = (size_t) (s - p->slots);
  free (s->addrs);
  free (s->dial_err);
  s->addrs = NULL;
  s->dial_err = NULL;
  if (parse_addr (hd->host, s->port, &s->addr, &s->addr_len) == 0)
    {
      if (open_conn (p, s, hd->host, e, sizeof e) == 0)
        return 0;
    }
  else if (start_resolve (p, s, (int) (idx % PODRUN_N_HANDLERS), hd->host, e, sizeof e) == 0)
    return 0;
  dial_failed (s, hd, e);
  return -1;
}

/* Header names as Go's Header.Add canonicalises them.  */
static void
canonical (const char *in, char *out, size_t cap)
{
  size_t k;
  int up = 1;
  for (k = 0; in[k] && k + 1 < cap; k++)
    {
      char ch = in[k];
      if (up && ch >= 'a' && ch <= 'z')
        ch = (char) (ch - 'a' + 'A');
      else if (!up && ch >= 'A' && ch <= 'Z')
        ch = (char) (ch - 'A' + 'a');
      out[k] = ch;
      up = ch == '-';
    }
  out[k] = '\0';
}

/* The request for S's current target (request.go: User-Agent, Accept, the httpHeaders, a Host
   of theirs; Connection: close as with DisableKeepAlives).  */
static int
build_request (struct slot *s, const struct podrun_handler *hd, int hook)
{
  size_t cap = 512 + strlen (s->path) + strlen (hd->host), k, n = 0;
  const char *host_hdr = NULL, *ua = NULL, *accept = NULL;
  char hp[300], name[128];
  for (k = 0; k < hd->n_headers; k++)
    cap += strlen (hd->headers[k].name) + strlen (hd->headers[k].value) + 4;
  free (s->buf);
  s->buf = malloc (cap);
  if (!s->buf)
    return -1;
  for (k = 0; k < hd->n_headers; k++)
    {
      canonical (hd->headers[k].name, name, sizeof name);
      if (strcmp (name, "Host") == 0 && !host_hdr)
        host_hdr = hd->headers[k].value;
      else if (strcmp (name, "User-Agent") == 0 && !ua)
        ua = hd->headers[k].value;
      else if (strcmp (name, "Accept") == 0 && !accept)
        accept = hd->headers[k].value;
    }
  host_port (hd->host, s->port, hp, sizeof hp);
  n += (size_t) snprintf (s->buf + n, cap - n, "GET %s HTTP/1.1\r\nHost: %s\r\n", s->path, host_hdr ? host_hdr : hp);
  if (!ua)
    n += (size_t) snprintf (s->buf + n, cap - n, "User-Agent: %s/" KUBE_MINOR "\r\n",
                            hook ? "kube-lifecycle" : "kube-probe");
  if (!accept)
    n += (size_t) snprintf (s->buf + n, cap - n, "Accept: */*\r\n");
  for (k = 0; k < hd->n_headers; k++)
    {
      canonical (hd->headers[k].name, name, sizeof name);
      /* Go writes no Host line of the headers (it is the request's), and an empty User-Agent
         or Accept is no line at all.  */
      if (strcmp (name, "Host") == 0
          || ((strcmp (name, "User-Agent") == 0 || strcmp (name, "Accept") == 0) && !hd->headers[k].value[0]))
        continue;
      n += (size_t) snprintf (s->buf + n, cap - n, "%s: %s\r\n", name, hd->headers[k].value);
    }
  n += (size_t) snprintf (s->buf + n, cap - n, "Connection: close\r\n\r\n");
  s->req_len = n < cap ? n : cap - 1;
  s->sent = 0;
  return 0;
}

static void
url_of (const struct podrun_handler *hd, const struct slot *s, char *buf, size_t cap)
{
  char hp[300];
  host_port (hd->host, s->port, hp, sizeof hp);
  snprintf (buf, cap, "%s://%s%s", hd->https ? "https" : "http", hp, s->path);
}

static int
start_net (struct podrun_probes *p, struct slot *s, const struct podrun_handler *hd, int net_pidfd, int hook)
{
  if (hd->type == PODRUN_HANDLER_HTTP_GET && !s->path)
    {
      s->path = dup_str (hd->path && hd->path[0] ? hd->path : "/");
      if (!s->path)
        return -1;
    }
  /* A new connection (a redirect's too) gets a new TLS client once it connects.  */
  free (s->tls);
  s->tls = NULL;
  s->net_pidfd = net_pidfd;
  /* The request first: a host name's dial goes on after this returns.  */
  if (hd->type == PODRUN_HANDLER_HTTP_GET && build_request (s, hd, hook) < 0)
    {
      set_msg (s, "out of memory");
      return -1;
    }
  if (hd->type == PODRUN_HANDLER_GRPC)
    {
      /* The h2c call (grpc_health.c): authority HOST:PORT, the kubelet's user agent.  */
      char hp[300];
      ssize_t n;
      host_port (hd->host, s->port, hp, sizeof hp);
      s->buf = malloc (PODRUN_GRPC_REQUEST_MAX);
      n = s->buf ? podrun_grpc_request ((uint8_t *) s->buf, PODRUN_GRPC_REQUEST_MAX, hp, hd->service ? hd->service : "",
                                        "kube-probe/" KUBE_MINOR)
                 : -1;
      if (n < 0)
        {
          set_msg (s, "error: health rpc probe failed: the request does not fit");
          return -1;
        }
      s->req_len = (size_t) n;
      s->sent = 0;
    }
  return dial (p, s, hd);
}

/* The h2c answer as it comes: 1 with the result once the call ended.  */
static int
grpc_input (struct podrun_probes *p, struct slot *s, const uint8_t *data, size_t n, int eof,
            struct podrun_probe_result *out)
{
  uint8_t reply[256];
  size_t reply_len = 0;
  char text[600];
  enum podrun_grpc_result r = eof ? (enum podrun_grpc_result) s->grpc->result
                                  : podrun_grpc_feed (s->grpc, data, n, reply, sizeof reply, &reply_len);
  if (reply_len)
    send (s->fd, reply, reply_len, MSG_NOSIGNAL | MSG_DONTWAIT); /* acknowledgements: a lost one ends the call */
  if (r == PODRUN_GRPC_MORE && !eof)
    return 0;
  if (r == PODRUN_GRPC_MORE)
    {
      set_msg (s, "error: health rpc probe failed: rpc error: code = Unavailable desc = connection closed");
      return finish (p, s, SV_RESULT_FAILURE, out);
    }
  podrun_grpc_output (s->grpc, text, sizeof text);
  set_msg (s, "%s", text);
  return finish (p, s, r == PODRUN_GRPC_SERVING ? SV_RESULT_SUCCESS : SV_RESULT_FAILURE, out);
}

/* A Location of a same-host redirect, made S's next target (1), 0 when it is not followed
   (another host, another scheme), -1 when it holds a space or a control character.  */
static int
take_redirect (struct slot *s, const struct podrun_handler *hd, const char *loc, size_t len)
{
  char target[2048], host[300];
  const char *path;
  unsigned port = s->port;
  size_t k;
  if (len >= sizeof target)
    return 0;
  memcpy (target, loc, len);
  target[len] = '\0';
  /* What would be a second request line, or no URL at all: an error, as Go's url.Parse makes a
     control character one (the request line is never written with it).  */
  for (k = 0; k < len; k++)
    if ((unsigned char) target[k] <= 0x20 || target[k] == 0x7f)
      return -1;
  if (strncmp (target, "http://", 7) == 0)
    {
      const char *h = target + 7, *end = h + span_until (h, "/?#"), *colon;
      size_t hl;
      const char *hend = end;
      if (*h == '[')
        {
          const char *rb = memchr (h, ']', (size_t) (end - h));
          colon = rb && rb + 1 < end && rb[1] == ':' ? rb + 1 : NULL;
          if (rb)
            hend = colon ? colon : rb + 1;
        }
      else
        {
          colon = memchr (h, ':', (size_t) (end - h));
          if (colon)
            hend = colon;
        }
      hl = (size_t) (hend - h);
      if (hl >= sizeof host)
        return 0;
      memcpy (host, h, hl);
      host[hl] = '\0';
      if (colon)
        {
          long v = parse_num (colon + 1, (size_t) (end - colon - 1), 65535);
          port = v > 0 ? (unsigned) v : 0;
        }
      else
        port = 80;
      {
        /* Hostname only, as the kubelet's redirect checker compares (URL.Hostname).  */
        char mine[300];
        snprintf (mine, sizeof mine, "%s", hd->host);
        if (mine[0] == '[')
          {
            memmove (mine, mine + 1, strlen (mine));
            mine[span_until (mine, "]")] = '\0';
          }
        if (host[0] == '[')
          {
            memmove (host, host + 1, strlen (host));
            host[span_until (host, "]")] = '\0';
          }
        if (strlen (host) != strlen (mine) || !same_ci (host, mine, strlen (host)) || port == 0 || port > 65535)
          return 0;
      }
      path = *end ? end : "/";
    }
  else if (find (target, "://") || strncmp (target, "//", 2) == 0)
    return 0; /* another scheme or a network-path reference: not followed here */
  else if (target[0] == '/')
    path = target;
  else
    {
      /* Relative to the current path's directory.  */
      const char *q = strrchr (s->path, '/');
      size_t dl = q ? (size_t) (q - s->path) + 1 : 0, tl = strlen (target);
      char *joined = malloc (dl + tl + 1);
      if (!joined)
        return 0;
      memcpy (joined, s->path, dl);
      memcpy (joined + dl, target, tl + 1);
      free (s->path);
      s->path = joined;
      return 1;
    }
  {
    char *np = dup_str (path);
    if (!np)
      return 0;
    free (s->path);
    s->path = np;
    s->port = port;
  }
  return 1;
}

/* The header FIELD of the response head HEAD (ending at END), or NULL; *LEN its value's length.  */
static const char *
header_value (const char *head, const char *end, const char *field, size_t *len)
{
  size_t fl = strlen (field);
  const char *line = find (head, "\r\n");
  while (line && line + 2 < end)
    {
      const char *l = line + 2, *eol = find (l, "\r\n");
      if (!eol || eol > end)
        break;
      if ((size_t) (eol - l) > fl && same_ci (l, field, fl) && l[fl] == ':')
        {
          const char *v = l + fl + 1;
          while (*v == ' ' || *v == '\t')
            v++;
          *len = (size_t) (eol - v);
          while (*len && (v[*len - 1] == ' ' || v[*len - 1] == '\t'))
            (*len)--;
          return v;
        }
      line = eol;
    }
  return NULL;
}

/* The response so far in S->buf (EOF: the server closed).  1 with the result once decided.  */
static int
http_response (struct podrun_probes *p, struct slot *s, int eof, int net_pidfd, struct podrun_probe_result *out)
{
  size_t idx = (size_t) (s - p->slots);
  const struct podrun_handler *hd = handler_of (p, idx);
  int hook = is_hook ((int) (idx % PODRUN_N_HANDLERS)), code;
  char url[2400], *head_end = s->buf ? (char *) find (s->buf, "\r\n\r\n") : NULL;
  const char *body;
  size_t body_len, loc_len = 0, cl_len = 0;
  const char *loc, *clv;
  if (!head_end)
    {
      if (!eof && s->len < RESPONSE_MAX)
        return 0;
      url_of (hd, s, url, sizeof url);
      set_msg (s, "Get \"%s\": %s", url, eof ? "EOF" : "net/http: response head too long");
      return finish (p, s, SV_RESULT_FAILURE, out);
    }
  /* The status line: HTTP/D.D NNN  */
  code = strncmp (s->buf, "HTTP/", 5) == 0 && s->buf[5] >= '0' && s->buf[5] <= '9' && s->buf[6] == '.'
                 && s->buf[7] >= '0' && s->buf[7] <= '9' && s->buf[8] == ' '
             ? (int) parse_num (s->buf + 9, 3, 999)
             : -1;
  if (code < 100 || (s->buf[12] != ' ' && s->buf[12] != '\r'))
    {
      url_of (hd, s, url, sizeof url);
      set_msg (s, "Get \"%s\": net/http: malformed HTTP response", url);
      return finish (p, s, SV_RESULT_FAILURE, out);
    }
  body = head_end + 4;
  body_len = s->len - (size_t) (body - s->buf);
  loc = header_value (s->buf, head_end + 2, "Location", &loc_len);
  /* A same-host redirect is followed (as Go's client does: 301, 302, 303, 307, 308 with a
     Location), at most 10; then it is the request's error.  */
  if ((code == 301 || code == 302 || code == 303 || code == 307 || code == 308) && loc)
    {
      char saved_loc[2048];
      size_t l = loc_len < sizeof saved_loc ? loc_len : sizeof saved_loc - 1;
      memcpy (saved_loc, loc, l);
      saved_loc[l] = '\0';
      int tr = take_redirect (s, hd, saved_loc, l);
      if (tr < 0)
        {
          url_of (hd, s, url, sizeof url);
          set_msg (s, "Get \"%s\": net/url: invalid control character in URL", url);
          return finish (p, s, SV_RESULT_FAILURE, out);
        }
      if (tr)
        {
          if (++s->redirects > MAX_REDIRECTS)
            {
              url_of (hd, s, url, sizeof url);
              set_msg (s, "Get \"%s\": stopped after %d redirects", url, MAX_REDIRECTS);
              return finish (p, s, SV_RESULT_FAILURE, out);
            }
          unwatch (p, s);
          s->len = 0;
          if (start_net (p, s, hd, net_pidfd, hook) < 0)
            return finish (p, s, SV_RESULT_FAILURE, out);
          return 0;
        }
    }
  if (hook)
    {
      /* A hook's status code is not looked at (handlers.go): only a transport error fails it.  */
      set_msg (s, "%s", "");
      return finish (p, s, SV_RESULT_SUCCESS, out);
    }
  if (code >= 200 && code < 300)
    {
      set_msg (s, "%s", "");
      return finish (p, s, SV_RESULT_SUCCESS, out);
    }
  if (code < 200 || code >= 400)
    {
      set_msg (s, "HTTP probe failed with statuscode: %d", code);
      return finish (p, s, SV_RESULT_FAILURE, out);
    }
  /* 3xx not followed: a success with a warning whose message has the body (up to what is kept),
     so the body is read to its end: Content-Length, the server's close, or the cap.  */
  clv = header_value (s->buf, head_end + 2, "Content-Length", &cl_len);
  if (!eof && s->len < RESPONSE_MAX
      && !(clv && parse_num (clv, cl_len, 1L << 30) >= 0 && body_len >= (size_t) parse_num (clv, cl_len, 1L << 30)))
    return 0;
  if (body_len > PODRUN_PROBE_OUTPUT)
    body_len = PODRUN_PROBE_OUTPUT;
  set_msg (s, "Probe terminated redirects, Response body: %.*s", (int) body_len, body);
  return finish (p, s, SV_RESULT_WARNING, out);
}

/* ---- the interface ---- */

static int
failed_at_once (struct podrun_probes *p, struct slot *s, enum sv_probe_result r, struct podrun_probe_result *out)
{
  return finish (p, s, r, out);
}

int
podrun_probe_run (struct podrun_probes *p, size_t i, int h, pid_t pid, unsigned long long start_time, int net_pidfd,
                  struct podrun_probe_result *out)
{
  struct slot *s = slot_of (p, i, h);
  const struct podrun_handler *hd = &p->pod->containers[i].handlers[h];
  char hp[300];
  if (s->phase != PH_IDLE)
    podrun_probe_cancel (p, i, h); /* the machine never asks twice; a run left over goes */
  s->redirects = 0;
  s->port = hd->port;
  s->net_pidfd = net_pidfd;
  s->cut = 0;
  switch (hd->type)
    {
    case PODRUN_HANDLER_EXEC:
      if (pid <= 0)
        {
          set_msg (s, "container is not running");
          return failed_at_once (p, s, SV_RESULT_ERROR, out);
        }
      if (start_exec (p, s, i, h, hd, pid, start_time) < 0)
        return failed_at_once (p, s, SV_RESULT_ERROR, out);
      return 0;
    case PODRUN_HANDLER_TCP_SOCKET:
      if (is_hook (h))
        {
          /* The API takes it; the kubelet fails the hook when it runs (handlers.go).  */
          host_port (hd->host, hd->port, hp, sizeof hp);
          set_msg (s, "Cannot run handler: invalid handler: tcpSocket %s", hp);
          return failed_at_once (p, s, SV_RESULT_FAILURE, out);
        }
      /* fall through */
    case PODRUN_HANDLER_HTTP_GET:
      if (start_net (p, s, hd, net_pidfd, is_hook (h)) < 0)
        return failed_at_once (p, s, SV_RESULT_FAILURE, out);
      return 0;
    case PODRUN_HANDLER_SLEEP:
      s->phase = PH_SLEEP;
      s->until = podrun_mono_ms () + hd->sleep;
      set_msg (s, "%s", "");
      if (hd->sleep <= 0)
        return finish (p, s, SV_RESULT_SUCCESS, out);
      return 0;
    case PODRUN_HANDLER_GRPC:
      if (start_net (p, s, hd, net_pidfd, 0) < 0)
        return failed_at_once (p, s, SV_RESULT_FAILURE, out);
      return 0;
    case PODRUN_HANDLER_NONE:
      break;
    }
  set_msg (s, "no handler");
  return failed_at_once (p, s, SV_RESULT_ERROR, out);
}

void
podrun_probe_cancel (struct podrun_probes *p, size_t i, int h)
{
  struct slot *s = slot_of (p, i, h);
  if (s->phase == PH_EXEC && !s->reaped && s->pid > 0)
    {
      /* The helper SIGKILLs the command's group and exits; it is reaped by pid.  An older
         cancelled one still dying is SIGKILLed and left to the orphan sweep.  */
      kill (s->pid, SIGTERM);
      if (s->dying > 0)
        kill (s->dying, SIGKILL);
      s->dying = s->pid;
      s->kill_at = podrun_mono_ms () + CANCEL_KILL_MS;
    }
  if (s->phase == PH_EXEC && s->served)
    {
      struct server *sv = &p->servers[i];
      struct podrun_serve_msg m = { .op = PODRUN_SERVE_KILL, .seq = s->seq };
      /* A server not reading would be killed with its container; its result is ignored.  */
      if (sv->sock >= 0)
        (void) send (sv->sock, &m, sizeof m, MSG_NOSIGNAL | MSG_DONTWAIT);
    }
  /* A host name's dial cut short (the probe's timeout): what Go's i/o timeout would name.  */
  if (s->phase == PH_RESOLVE || (s->phase == PH_CONNECT && s->addrs))
    {
      const struct podrun_handler *hd = handler_of (p, (size_t) (s - p->slots));
      char hp[300];
      dial_target (s, hd->host, hp, sizeof hp);
      if (s->phase == PH_RESOLVE)
        set_msg (s, "dial tcp: lookup %s", hd->host);
      else
        set_msg (s, "dial tcp %s", hp);
      s->cut = 1;
    }
  s->pid = 0;
  s->served = 0;
  if (s->phase != PH_IDLE)
    end_run (p, s);
}

const char *
podrun_probe_cut_dial (const struct podrun_probes *p, size_t i, int h)
{
  const struct slot *s;
  if (!p)
    return NULL;
  s = &p->slots[i * PODRUN_N_HANDLERS + (size_t) h];
  return s->cut && s->msg ? s->msg : NULL;
}

/* HTTPS (tls_client.c): a TLS client for the connection, as the kubelet's transport has one:
   no certificate verification, SNI the probe's host (none for an address), seeded from
   getrandom.  */
static int
tls_start (struct slot *s, const struct podrun_handler *hd)
{
  uint8_t seed[32];
  s->tls = malloc (sizeof *s->tls);
  s->tls_eof = 0;
  if (!s->tls || getrandom (seed, sizeof seed, GRND_NONBLOCK) != (ssize_t) sizeof seed
      || podrun_tls_init (s->tls, hd->host, seed, sizeof seed) < 0)
    {
      set_msg (s, "tls: %s", s->tls ? podrun_tls_error (s->tls) : "out of memory");
      return -1;
    }
  return 0;
}

/* Moves ciphertext both ways as far as the socket lets it; the epoll events the client waits
   for in *WANT.  -1: the socket failed (errno).  */
static int
tls_pump (struct slot *s, uint32_t *want)
{
  for (;;)
    {
      const uint8_t *o;
      uint8_t *in;
      size_t len, cap;
      int moved = 0;
      enum podrun_tls_state st;
      while ((o = podrun_tls_out (s->tls, &len)))
        {
          ssize_t n = send (s->fd, o, len, MSG_NOSIGNAL | MSG_DONTWAIT);
          if (n < 0 && errno == EINTR)
            continue;
          if (n < 0 && errno == EAGAIN)
            break;
          if (n < 0)
            return -1;
          podrun_tls_sent (s->tls, (size_t) n);
          moved = 1;
        }
      if (!s->tls_eof && (in = podrun_tls_in (s->tls, &cap)))
        {
          ssize_t n = recv (s->fd, in, cap, MSG_DONTWAIT);
          if (n > 0)
            podrun_tls_received (s->tls, (size_t) n);
          else if (n == 0)
            {
              podrun_tls_eof (s->tls);
              s->tls_eof = 1;
            }
          else if (errno != EAGAIN && errno != EINTR)
            return -1;
          moved |= n >= 0 || errno == EINTR;
        }
      st = podrun_tls_state (s->tls);
      if (!moved || st == PODRUN_TLS_FAILED || st == PODRUN_TLS_CLOSED)
        break;
    }
  {
    unsigned w = podrun_tls_wants (s->tls);
    *want = (w & PODRUN_TLS_WANT_SEND ? EPOLLOUT : 0) | (w & PODRUN_TLS_WANT_RECV ? EPOLLIN : 0);
    if (!*want)
      *want = EPOLLIN;
  }
  return 0;
}

/* The transport error of an HTTPS run, in Go's words where it has them.  */
static int
tls_failed (struct podrun_probes *p, struct slot *s, const struct podrun_handler *hd, const char *op, int e,
            struct podrun_probe_result *out)
{
  char url[2400], es[128];
  url_of (hd, s, url, sizeof url);
  if (e)
    {
      go_errno (e, es, sizeof es);
      set_msg (s, "Get \"%s\": %s: %s", url, op, es);
    }
  else
    set_msg (s, "Get \"%s\": %s", url, podrun_tls_error (s->tls));
  return finish (p, s, SV_RESULT_FAILURE, out);
}

/* PH_SEND over TLS: the handshake, then the request; 1 with the result on a failure, 0 while
   it goes on, 2 once the request is all in the client (its records may still be leaving).  */
static int
tls_send (struct podrun_probes *p, struct slot *s, const struct podrun_handler *hd, struct podrun_probe_result *out)
{
  for (;;)
    {
      uint32_t want;
      enum podrun_tls_state st;
      if (tls_pump (s, &want) < 0)
        return tls_failed (p, s, hd, "write", errno, out);
      st = podrun_tls_state (s->tls);
      if (st == PODRUN_TLS_FAILED)
        return tls_failed (p, s, hd, NULL, 0, out);
      if (st == PODRUN_TLS_CLOSED)
        {
          char url[2400];
          url_of (hd, s, url, sizeof url);
          set_msg (s, "Get \"%s\": EOF", url);
          return finish (p, s, SV_RESULT_FAILURE, out);
        }
      if (st == PODRUN_TLS_OPEN && s->sent < s->req_len)
        {
          size_t w = podrun_tls_write (s->tls, (const uint8_t *) s->buf + s->sent, s->req_len - s->sent);
          s->sent += w;
          if (s->sent == s->req_len)
            podrun_tls_flush (s->tls);
          if (w)
            continue;
        }
      if (s->sent == s->req_len)
        {
          /* push the last records out as far as the socket takes them now */
          if (tls_pump (s, &want) < 0)
            return tls_failed (p, s, hd, "write", errno, out);
          return 2;
        }
      watch (p, s, want, EPOLL_CTL_MOD);
      return 0;
    }
}

/* PH_RECV over TLS: plaintext into the response buffer, read as http_response reads it.  */
static int
tls_recv (struct podrun_probes *p, struct slot *s, const struct podrun_handler *hd, int net_pidfd,
          struct podrun_probe_result *out)
{
  for (;;)
    {
      uint32_t want;
      size_t n, room = RESPONSE_MAX - s->len;
      char drop[2048];
      enum podrun_tls_state st;
      if (tls_pump (s, &want) < 0)
        return tls_failed (p, s, hd, "read", errno, out);
      n = room ? podrun_tls_read (s->tls, (uint8_t *) s->buf + s->len, room)
               : podrun_tls_read (s->tls, (uint8_t *) drop, sizeof drop);
      if (n)
        {
          if (room)
            {
              s->len += n;
              s->buf[s->len] = '\0';
            }
          if (http_response (p, s, 0, net_pidfd, out))
            return 1;
          if (s->phase != PH_RECV)
            return 0; /* a redirect: a new connection */
          continue;
        }
      st = podrun_tls_state (s->tls);
      if (st == PODRUN_TLS_FAILED)
        return tls_failed (p, s, hd, NULL, 0, out);
      if (st == PODRUN_TLS_CLOSED)
        return http_response (p, s, 1, net_pidfd, out);
      watch (p, s, want, EPOLL_CTL_MOD);
      return 0;
    }
}

int
podrun_probe_io (struct podrun_probes *p, uint32_t idx, uint32_t events, struct podrun_probe_result *out)
{
  struct slot *s;
  const struct podrun_handler *hd;
  int net_pidfd;
  if (idx >= p->n)
    return idx - p->n < p->pod->n_containers ? server_input (p, idx - p->n, out) : 0;
  s = &p->slots[idx];
  hd = handler_of (p, idx);
  net_pidfd = s->net_pidfd;
  switch (s->phase)
    {
    case PH_EXEC:
      read_output (p, s);
      if (s->eof)
        {
          /* The helper's output is at its end; its exit is reaped by pid (SIGCHLD).  */
          epoll_ctl (p->epfd, EPOLL_CTL_DEL, s->fd, NULL);
          if (s->reaped)
            return exec_done (p, s, out);
        }
      return 0;
    case PH_RESOLVE:
      return resolve_input (p, s, hd, out);
    case PH_CONNECT:
      {
        int e = 0;
        socklen_t l = sizeof e;
        char hp[300], es[128];
        if (getsockopt (s->fd, SOL_SOCKET, SO_ERROR, &e, &l) < 0)
          e = errno;
        if (e == 0 && !(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
          return 0;
        if (e)
          {
            char dialed[512];
            dial_target (s, hd->host, hp, sizeof hp);
            go_errno (e, es, sizeof es);
            snprintf (dialed, sizeof dialed, "dial tcp %s: connect: %s", hp, es);
            if (!s->addrs)
              {
                dial_failed (s, hd, dialed);
                return finish (p, s, SV_RESULT_FAILURE, out);
              }
            /* A host name's: its next address, the first error once none is left.  */
            unwatch (p, s);
            if (!s->dial_err)
              s->dial_err = dup_str (dialed);
            return dial_next (p, s, hd) < 0 ? finish (p, s, SV_RESULT_FAILURE, out) : 0;
          }
        if (hd->type == PODRUN_HANDLER_TCP_SOCKET)
          {
            set_msg (s, "%s", "");
            return finish (p, s, SV_RESULT_SUCCESS, out);
          }
        s->phase = PH_SEND;
        if (hd->https && tls_start (s, hd) < 0)
          return finish (p, s, SV_RESULT_FAILURE, out);
      }
      /* fall through */
    case PH_SEND:
      if (s->tls)
        {
          int r = tls_send (p, s, hd, out);
          if (r != 2)
            return r;
        }
      while (s->sent < s->req_len)
        {
          ssize_t n = send (s->fd, s->buf + s->sent, s->req_len - s->sent, MSG_NOSIGNAL | MSG_DONTWAIT);
          if (n < 0 && errno == EINTR)
            continue;
          if (n < 0 && errno == EAGAIN)
            {
              watch (p, s, EPOLLOUT, EPOLL_CTL_MOD);
              return 0;
            }
          if (n < 0)
            {
              char url[2400], es[128];
              url_of (hd, s, url, sizeof url);
              go_errno (errno, es, sizeof es);
              set_msg (s, "Get \"%s\": write: %s", url, es);
              return finish (p, s, SV_RESULT_FAILURE, out);
            }
          s->sent += (size_t) n;
        }
      free (s->buf);
      s->buf = NULL;
      s->len = 0;
      if (hd->type == PODRUN_HANDLER_GRPC)
        {
          s->grpc = malloc (sizeof *s->grpc);
          if (s->grpc)
            podrun_grpc_reader_init (s->grpc);
        }
      else
        s->buf = malloc (RESPONSE_MAX + 1);
      if (!s->buf && !s->grpc)
        {
          set_msg (s, "out of memory");
          return finish (p, s, SV_RESULT_ERROR, out);
        }
      if (s->buf)
        s->buf[0] = '\0';
      s->phase = PH_RECV;
      if (s->tls)
        return tls_recv (p, s, hd, net_pidfd, out); /* its last records may still be leaving */
      watch (p, s, EPOLLIN, EPOLL_CTL_MOD);
      return 0;
    case PH_RECV:
      if (s->tls)
        return tls_recv (p, s, hd, net_pidfd, out);
      while (s->grpc)
        {
          uint8_t in[2048];
          ssize_t n = recv (s->fd, in, sizeof in, MSG_DONTWAIT);
          if (n < 0 && errno == EINTR)
            continue;
          if (n < 0 && errno == EAGAIN)
            return 0;
          if (n <= 0)
            return grpc_input (p, s, in, 0, 1, out);
          if (grpc_input (p, s, in, (size_t) n, 0, out))
            return 1;
        }
      for (;;)
        {
          char drop[2048];
          size_t room = RESPONSE_MAX - s->len;
          ssize_t n = room ? recv (s->fd, s->buf + s->len, room, MSG_DONTWAIT)
                           : recv (s->fd, drop, sizeof drop, MSG_DONTWAIT);
          if (n < 0 && errno == EINTR)
            continue;
          if (n < 0 && errno == EAGAIN)
            return http_response (p, s, 0, net_pidfd, out);
          if (n < 0)
            {
              char url[2400], es[128];
              url_of (hd, s, url, sizeof url);
              go_errno (errno, es, sizeof es);
              set_msg (s, "Get \"%s\": read: %s", url, es);
              return finish (p, s, SV_RESULT_FAILURE, out);
            }
          if (n == 0)
            return http_response (p, s, 1, net_pidfd, out);
          if (room)
            {
              s->len += (size_t) n;
              s->buf[s->len] = '\0';
            }
          if (http_response (p, s, 0, net_pidfd, out))
            return 1;
          if (s->phase != PH_RECV)
            return 0; /* a redirect: a new connection */
        }
    default:
      return 0;
    }
}

int
podrun_probe_reaped (struct podrun_probes *p, pid_t pid, int status, struct podrun_probe_result *out)
{
  size_t k;
  if (!p || pid <= 0)
    return -1;
  for (k = 0; k < p->pod->n_containers; k++)
    {
      struct server *sv = &p->servers[k];
      if (sv->old == pid)
        {
          sv->old = 0;
          return 0;
        }
      if (sv->pid == pid)
        {
          sv->pid = 0;
          server_gone (p, k);
          return 0;
        }
    }
  for (k = 0; k < p->n; k++)
    {
      struct slot *s = &p->slots[k];
      if (s->dying == pid)
        {
          s->dying = 0;
          return 0;
        }
      if (s->resolver == pid)
        {
          /* Its answer (or none: EOF) comes on its pipe.  */
          s->resolver = 0;
          return 0;
        }
      if (s->phase == PH_EXEC && s->pid == pid && !s->reaped)
        {
          s->reaped = 1;
          s->status = status;
          s->pid = 0;
          read_output (p, s);
          /* Output a background process of the command still holds open is not waited for:
             the helper relayed what the command wrote before its exit.  */
          return exec_done (p, s, out);
        }
    }
  return -1;
}

size_t
podrun_probe_reap (struct podrun_probes *p, struct podrun_probe_result *out, size_t max)
{
  size_t k, n = 0;
  if (!p)
    return 0;
  for (k = 0; k < p->pod->n_containers; k++)
    {
      struct server *sv = &p->servers[k];
      int status;
      if (sv->old > 0 && waitpid (sv->old, &status, WNOHANG) == sv->old)
        sv->old = 0;
      if (sv->pid > 0 && waitpid (sv->pid, &status, WNOHANG) == sv->pid)
        podrun_probe_reaped (p, sv->pid, status, NULL);
    }
  for (k = 0; k < p->n && n < max; k++)
    {
      struct slot *s = &p->slots[k];
      int status;
      if (s->dying > 0 && waitpid (s->dying, &status, WNOHANG) == s->dying)
        s->dying = 0;
      if (s->resolver > 0 && waitpid (s->resolver, &status, WNOHANG) == s->resolver)
        s->resolver = 0;
      if (s->phase == PH_EXEC && s->pid > 0 && waitpid (s->pid, &status, WNOHANG) == s->pid)
        n += (size_t) (podrun_probe_reaped (p, s->pid, status, &out[n]) == 1);
    }
  return n;
}

sv_ms
podrun_probe_deadline (const struct podrun_probes *p)
{
  sv_ms t = SV_NEVER;
  size_t k;
  if (!p)
    return t;
  for (k = 0; k < p->n; k++)
    {
      const struct slot *s = &p->slots[k];
      if (s->phase == PH_SLEEP)
        t = sv_earlier (t, s->until);
      if (s->phase == PH_DUE)
        t = 0;
      if (s->phase == PH_RESOLVE)
        t = sv_earlier (t, s->resolve_until);
      if (s->dying > 0)
        t = sv_earlier (t, s->kill_at);
    }
  return t;
}

size_t
podrun_probe_timer (struct podrun_probes *p, sv_ms now, struct podrun_probe_result *out, size_t max)
{
  size_t k, n = 0;
  if (!p)
    return 0;
  for (k = 0; k < p->n && n < max; k++)
    {
      struct slot *s = &p->slots[k];
      if (s->phase == PH_SLEEP && s->until <= now)
        n += (size_t) finish (p, s, SV_RESULT_SUCCESS, &out[n]);
      else if (s->phase == PH_DUE)
        n += (size_t) finish (p, s, s->due, &out[n]);
      else if (s->phase == PH_RESOLVE && s->resolve_until <= now)
        {
          /* A hook's resolver past its limit (end_run SIGKILLs it): Go's lookup timeout.  */
          char e[512];
          snprintf (e, sizeof e, "dial tcp: lookup %s: i/o timeout", handler_of (p, k)->host);
          dial_failed (s, handler_of (p, k), e);
          n += (size_t) finish (p, s, SV_RESULT_FAILURE, &out[n]);
        }
      if (s->dying > 0 && s->kill_at <= now)
        {
          kill (s->dying, SIGKILL);
          s->kill_at = SV_NEVER;
        }
    }
  return n;
}

const char *
podrun_probe_message (const struct podrun_probes *p, size_t i, int h)
{
  const struct slot *s;
  if (!p)
    return "";
  s = &p->slots[i * PODRUN_N_HANDLERS + (size_t) h];
  return s->msg ? s->msg : "";
}

int
podrun_probe_busy (const struct podrun_probes *p)
{
  size_t k;
  if (!p)
    return 0;
  for (k = 0; k < p->n; k++)
    if (p->slots[k].dying > 0 || p->slots[k].resolver > 0 || (p->slots[k].phase == PH_EXEC && p->slots[k].pid > 0))
      return 1;
  for (k = 0; k < p->pod->n_containers; k++)
    if (p->servers[k].pid > 0 || p->servers[k].old > 0)
      return 1;
  return 0;
}

void
podrun_probe_container_ended (struct podrun_probes *p, size_t i)
{
  if (p && i < p->pod->n_containers)
    server_kill (p, i);
}
