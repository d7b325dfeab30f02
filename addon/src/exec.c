/* Running a command inside a running container: join its namespaces through a pidfd (so a
   recycled pid cannot redirect us), set the command up in an intermediate process that the
   container cannot see, and clone the command into the container's PID namespace only once it
   is confined.  With --tty the helper owns a pty from the container's devpts and relays it to
   its own terminal; without, pipes (the command never holds the helper's own stdio).

     helper (host PID ns)          intermediate (host PID ns)        command (container's)
     ------                        ------------                      -------
     pidfd_open, start time check
     [read the seccomp program, open the host's /proc]
     open each --cgroup's join file (v1 tasks)
     setns(pidfd, every differing ns but pid and user)
     [tty: posix_openpt, TIOCGPTPEER; else pipes]
     fork/clone3 into the cgroup ->  stdio, join the cgroups, setns(pid),
                                     [userns], cwd, keyring, [apparmor],
                                     caps, [seccomp], groups, gid, uid,
                                     signals, [no_new_privs, seccomp]
                                     clone(CLONE_PARENT)      ------->  setsid, [tty: TIOCSCTTY]
     read the command's pid   <----  write its pid, _exit
     sync 4: read record or EOF  <------------------------------------  execve (EOF) / record
     relay the pty or the pipes, forward signals, wait for the command, exit with its status  */
#include "exec.h"
#include "cgroup.h"
#include "container.h"
#include "identity.h"
#include "protocol.h"
#include "seccomp.h"
#include "userns.h"
#include "util.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>

#define MAX_ENV 4096
#define MAX_GROUPS 64
#define MAX_CGROUPS 16

struct exec_opts
{
  uint64_t caps; /* the target's bounding set: exec gets no more than the container has */
  pid_t pid;
  unsigned long long start_time;
  int tty, stdin_open;
  int kill_on_term; /* a probe or hook run by the monitor: SIGTERM kills the command's group */
  const char *cwd;
  uid_t uid;
  gid_t gid;
  gid_t groups[MAX_GROUPS];
  size_t n_groups;
  char *env[MAX_ENV + 1];
  size_t n_env;
  char **argv;
  int nonewprivs;
  const char *seccomp; /* the container's compiled program, read before setns */
  struct sock_fprog seccomp_prog;
  const char *apparmor;             /* the container's AppArmor profile, entered at execve */
  int host_proc;                    /* the host's /proc, opened before setns (identity.h) */
  const char *cgroups[MAX_CGROUPS]; /* the container's cgroup dirs: the command joins them */
  int cgroup_fds[MAX_CGROUPS];      /* their join files (cgroup.h), opened before setns */
  int cgroup_dir;                   /* the v2 one, for clone3 CLONE_INTO_CGROUP; -1: none */
  size_t born_in;                   /* its index (n_cgroups: none) */
  size_t n_cgroups;
};

/* Environment from FD (K=V strings, each NUL-terminated, to its end), after the --env of O: the
   probe server's (probe.c server_env) and `exec --env-file`'s (values from Secrets, which a
   command line would show to every user of the host).  The buffer stays: O->env points into
   it.  */
static int
read_env_fd (int fd, struct exec_opts *o)
{
  char *buf;
  size_t len, off = 0;
  if (podrun_read_fd (fd, 4 << 20, &buf, &len) < 0)
    return -1;
  if (len > 0 && buf[len - 1] != '\0')
    return free (buf), -1;
  while (off < len)
    {
      char *kv = buf + off;
      size_t n = strlen (kv);
      if (kv[0] == '=' || strchr (kv, '=') == NULL || o->n_env >= MAX_ENV)
        return free (buf), -1;
      o->env[o->n_env++] = kv;
      off += n + 1;
    }
  o->env[o->n_env] = NULL;
  return 0;
}

static int
die (const podrun_err_t *err)
{
  dprintf (2, "podrun-helper: %s: %s%s%s: %s\n", err->step, err->syscall, err->path[0] ? " " : "", err->path,
           strerror (err->errno_));
  return err->errno_ == ENOENT && strcmp (err->step, "exec") == 0 ? 127 : 126;
}

static int
usage (const char *msg)
{
  dprintf (2,
           "podrun-helper exec: %s\nusage: podrun-helper exec --protocol N --pid PID --start-time T [--tty] [--stdin] "
           "[--cwd DIR] [--user UID:GID[:G1,G2]] [--env K=V]... [--env-file FILE] [--seccomp FILE] [--no-new-privs] "
           "[--apparmor PROFILE] "
           "[--cgroup DIR]... [--kill-on-term] -- "
           "CMD ARGS...\n",
           msg);
  return 126;
}

static int
parse_user (const char *s, struct exec_opts *o)
{
  char buf[1024], *tok, *save = NULL;
  unsigned long long v;
  int field = 0;
  if (strlen (s) >= sizeof buf)
    return -1;
  strcpy (buf, s);
  for (tok = strtok_r (buf, ":", &save); tok; tok = strtok_r (NULL, ":", &save), field++)
    {
      if (field == 0 || field == 1)
        {
          if (podrun_parse_ull (tok, 0x7fffffff, &v) < 0)
            return -1;
          if (field == 0)
            o->uid = (uid_t) v;
          else
            o->gid = (gid_t) v;
        }
      else if (field == 2)
        {
          char *g, *gsave = NULL;
          for (g = strtok_r (tok, ",", &gsave); g; g = strtok_r (NULL, ",", &gsave))
            {
              if (o->n_groups >= MAX_GROUPS || podrun_parse_ull (g, 0x7fffffff, &v) < 0)
                return -1;
              o->groups[o->n_groups++] = (gid_t) v;
            }
        }
      else
        return -1;
    }
  return field >= 2 ? 0 : -1;
}

static int
parse_args (int argc, char **argv, struct exec_opts *o, int serve)
{
  int i, have_pid = 0, have_start = 0;
  unsigned long long v;
  o->cwd = "/";
  /* The contract version first: arguments from another podrun build are refused as a whole.  */
  if (argc < 4 || strcmp (argv[2], "--protocol") != 0)
    return usage ("--protocol must come first");
  if (podrun_parse_ull (argv[3], 1000, &v) < 0 || v != PODRUN_PROTOCOL)
    {
      dprintf (2,
               "podrun-helper: this helper speaks protocol %d, the podrun that ran it protocol %s: the native "
               "build is stale; rebuild it with `npm run build:native` in the podrun folder\n",
               PODRUN_PROTOCOL, argv[3]);
      return 126;
    }
  for (i = 4; i < argc; i++)
    {
      const char *a = argv[i];
      if (strcmp (a, "--") == 0)
        {
          i++;
          break;
        }
      if (strcmp (a, "--tty") == 0)
        o->tty = 1;
      else if (strcmp (a, "--stdin") == 0)
        o->stdin_open = 1;
      else if (strcmp (a, "--no-new-privs") == 0)
        o->nonewprivs = 1;
      else if (strcmp (a, "--kill-on-term") == 0)
        o->kill_on_term = 1;
      else if (i + 1 >= argc)
        return usage ("missing value");
      else if (strcmp (a, "--pid") == 0)
        {
          if (podrun_parse_ull (argv[++i], 0x3fffffff, &v) < 0 || v == 0)
            return usage ("bad --pid");
          o->pid = (pid_t) v;
          have_pid = 1;
        }
      else if (strcmp (a, "--start-time") == 0)
        {
          if (podrun_parse_ull (argv[++i], ~0ULL, &o->start_time) < 0)
            return usage ("bad --start-time");
          have_start = 1;
        }
      else if (strcmp (a, "--cwd") == 0)
        {
          o->cwd = argv[++i];
          if (o->cwd[0] != '/')
            return usage ("--cwd must be absolute");
        }
      else if (strcmp (a, "--seccomp") == 0)
        {
          o->seccomp = argv[++i];
          if (o->seccomp[0] != '/')
            return usage ("--seccomp must be absolute");
        }
      else if (strcmp (a, "--apparmor") == 0)
        {
          o->apparmor = argv[++i];
          if (!podrun_valid_apparmor_profile (o->apparmor))
            return usage ("bad --apparmor, expected a profile name");
        }
      else if (strcmp (a, "--cgroup") == 0)
        {
          const char *dir = argv[++i];
          if (dir[0] != '/' || o->n_cgroups >= MAX_CGROUPS)
            return usage ("bad --cgroup, expected an absolute directory (at most 16)");
          o->cgroups[o->n_cgroups++] = dir;
        }
      else if (strcmp (a, "--user") == 0)
        {
          if (parse_user (argv[++i], o) < 0)
            return usage ("bad --user, expected UID:GID[:G1,G2]");
        }
      else if (strcmp (a, "--env") == 0)
        {
          char *kv = argv[++i];
          if (serve)
            return usage ("a probe server takes its environment on fd 4, not --env");
          if (strchr (kv, '=') == NULL || kv[0] == '=' || o->n_env >= MAX_ENV)
            return usage ("bad --env, expected K=V");
          o->env[o->n_env++] = kv;
        }
      else if (strcmp (a, "--env-file") == 0)
        {
          /* A file podrun wrote for this exec alone (on the pod's tmpfs): read, then removed.  */
          const char *path = argv[++i];
          int fd = path[0] == '/' && !serve ? open (path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) : -1;
          int r = fd < 0 ? -1 : read_env_fd (fd, o);
          if (fd >= 0)
            close (fd);
          if (path[0] == '/')
            unlink (path);
          if (r < 0)
            return usage ("bad --env-file, expected an absolute path to K=V strings, each NUL-terminated");
        }
      else
        return usage ("unknown option");
    }
  if (!have_pid || !have_start)
    return usage ("--pid and --start-time are required");
  if (serve != (i >= argc))
    return usage (serve ? "a probe server takes no command" : "missing command");
  o->argv = argv + i;
  o->env[o->n_env] = NULL;
  return 0;
}

/* Only namespaces that differ from ours: setns into our own user or cgroup namespace is at
   best useless, and joining the same mount namespace would still reset root and cwd.  */
static int
differing_namespaces (pid_t pid)
{
  static const struct
  {
    const char *name;
    int flag;
  } all[] = { { "mnt", CLONE_NEWNS },  { "pid", CLONE_NEWPID },       { "net", CLONE_NEWNET },  { "ipc", CLONE_NEWIPC },
              { "uts", CLONE_NEWUTS }, { "cgroup", CLONE_NEWCGROUP }, { "user", CLONE_NEWUSER } };
  int flags = 0;
  size_t i;
  for (i = 0; i < sizeof all / sizeof all[0]; i++)
    {
      char path[64];
      struct stat ours, theirs;
      snprintf (path, sizeof path, "/proc/%d/ns/%s", (int) pid, all[i].name);
      if (stat (path, &theirs) < 0)
        continue;
      snprintf (path, sizeof path, "/proc/self/ns/%s", all[i].name);
      if (stat (path, &ours) < 0 || ours.st_ino != theirs.st_ino || ours.st_dev != theirs.st_dev)
        flags |= all[i].flag;
    }
  return flags;
}

static int
read_cap_bounding (pid_t pid, uint64_t *out)
{
  char path[64], *buf = NULL, *p;
  size_t len;
  int ret = -1;
  snprintf (path, sizeof path, "/proc/%d/status", (int) pid);
  if (podrun_read_file (path, 1 << 20, &buf, &len) < 0)
    return -1;
  p = strstr (buf, "\nCapBnd:");
  if (p)
    {
      *out = strtoull (p + 8, NULL, 16);
      ret = 0;
    }
  else
    errno = EINVAL;
  free (buf);
  return ret;
}

static const char *
find_path_env (const struct exec_opts *o)
{
  size_t i;
  for (i = 0; i < o->n_env; i++)
    if (strncmp (o->env[i], "PATH=", 5) == 0)
      return o->env[i] + 5;
  return NULL;
}

static void __attribute__ ((noreturn))
child_fail (int sync_fd, int e, const char *step, const char *syscall, const char *path)
{
  podrun_err_t err;
  podrun_fail (&err, e, step, syscall, path);
  podrun_sync_fail (sync_fd, &err);
}

/* The command itself, born in the container's PID namespace already confined (the intermediate
   took the identity, put its stdio in place and installed the filter): only what a session and
   a terminal need, then execve.  */
static void __attribute__ ((noreturn)) exec_command (const struct exec_opts *o, int sync_fd)
{
  /* Its own session: it must not keep the user's terminal (the helper's controlling tty) as its
     controlling tty either, or it could push input into the user's shell with TIOCSTI.  The
     helper forwards signals.  */
  if (setsid () < 0)
    child_fail (sync_fd, errno, "tty", "setsid", NULL);
  if (o->tty && ioctl (0, TIOCSCTTY, 0) < 0)
    child_fail (sync_fd, errno, "tty", "ioctl", "TIOCSCTTY");
  /* sync 4. (command) */
  podrun_exec_path (find_path_env (o), o->argv, o->env);
  child_fail (sync_fd, errno, "exec", "execve", o->argv[0]);
}

static void
identity_of (const struct exec_opts *o, struct podrun_identity *id)
{
  id->caps = o->caps;
  id->uid = o->uid;
  id->gid = o->gid;
  id->groups = o->groups;
  id->n_groups = o->n_groups;
  id->nonewprivs = o->nonewprivs;
  id->seccomp = o->seccomp ? &o->seccomp_prog : NULL;
  id->seccomp_path = o->seccomp;
  id->apparmor = o->apparmor;
  id->host_proc = o->host_proc;
}

/* The steps the intermediate and the probe server (podrun_exec_serve) take, in this order, after
   stdio is in place: the cgroups (first: a freeze of the container's cgroup holds the process
   from here on), the container's PID namespace for its children, the pod's user namespace
   (hostUsers: false) last of the namespaces (the container's mount and PID namespaces are the
   host user namespace's, joined while this process still has its privileges there), the cwd, a
   keyring of its own, and the identity (identity.h).  Child-safe.  */
static int
confine (const struct exec_opts *o, int pidfd, int userns, podrun_err_t *err)
{
  struct podrun_identity id;
  size_t i;
  for (i = 0; i < o->n_cgroups; i++)
    if (i != o->born_in && podrun_cgroup_join_fd (o->cgroup_fds[i]) < 0)
      return podrun_fail (err, errno, "cgroup", "write", o->cgroups[i]);
  for (i = 0; i < o->n_cgroups; i++)
    close (o->cgroup_fds[i]);
  if (o->cgroup_dir >= 0)
    close (o->cgroup_dir);
  if (setns (pidfd, CLONE_NEWPID) < 0)
    return podrun_fail (err, errno, "exec", "setns", "pid");
  if (userns && podrun_userns_join (pidfd, "exec", err) < 0)
    return -1;
  if (chdir (o->cwd) < 0)
    return podrun_fail (err, errno, "cwd", "chdir", o->cwd);
  /* Not the session keyring of the user running `podrun exec`.  */
  if (podrun_new_session_keyring () < 0)
    return podrun_fail (err, errno, "keyring", "keyctl", NULL);
  identity_of (o, &id);
  /* The same steps as a container's first process (identity.h).  */
  return podrun_identity_take (&id, err);
}

/* The intermediate: a child of the helper in the HOST's PID namespace, so that no process of the
   container can see or ptrace it while it is still root with every capability, unconfined and in
   the caller's keyring (a container given SYS_PTRACE attached to such a process and wrote host
   files: docs/security.md, escape 10).  It joins the cgroups, sets the container's PID namespace
   for its children, joins the user namespace, takes the identity, installs the filter, and only
   then clones the command into the container's PID namespace as a child of the helper
   (CLONE_PARENT): its pid goes to the helper on PID_FD, and it exits.  STDIO: the command's
   0, 1 and 2 (the pty's slave, or pipes the helper relays: never the helper's own, which may
   be the user's terminal).  */
static void __attribute__ ((noreturn))
exec_intermediate (const struct exec_opts *o, int pidfd, int userns, int sync_fd, int pid_fd, const int stdio[3],
                   const int *helper_only, size_t n_helper_only)
{
  struct podrun_identity id;
  podrun_err_t err;
  size_t i;
  long command;
  for (i = 0; i < n_helper_only; i++)
    if (helper_only[i] >= 0)
      close (helper_only[i]);
  /* Here, out of the container's sight: the command never holds the helper's stdio.  */
  for (i = 0; i < 3; i++)
    if (dup2 (stdio[i], (int) i) < 0)
      child_fail (sync_fd, errno, "stdio", "dup2", NULL);
  for (i = 0; i < 3; i++)
    if (stdio[i] > 2)
      close (stdio[i]);
  if (confine (o, pidfd, userns, &err) < 0)
    podrun_sync_fail (sync_fd, &err);
  close (pidfd);
  identity_of (o, &id);
  /* The command holds stdio and the sync pipe only, until its execve too.  */
  {
    int keep[2] = { sync_fd, pid_fd };
    if (podrun_keep_only_fds (keep, 2) < 0)
      child_fail (sync_fd, errno, "exec", "close_range", NULL);
    sync_fd = keep[0];
    pid_fd = keep[1];
  }
  if (podrun_identity_seal (&id, &err) < 0)
    podrun_sync_fail (sync_fd, &err);
  /* Not dumpable until its execve, whatever the credential changes above made of it
     (fs.suid_dumpable): only CAP_SYS_PTRACE over the host's user namespace may look.  */
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    child_fail (sync_fd, errno, "exec", "prctl", "PR_SET_DUMPABLE");
  /* A plain clone (no namespace flags) as every profile that lets a shell fork allows.  */
  command = syscall (SYS_clone, CLONE_PARENT | SIGCHLD, 0, NULL, NULL, 0);
  if (command < 0)
    child_fail (sync_fd, errno, "exec", "clone", "CLONE_PARENT");
  if (command == 0)
    {
      /* Only the intermediate tells the helper the command's pid.  */
      close (pid_fd);
      exec_command (o, sync_fd);
    }
  {
    int32_t v = (int32_t) command;
    if (write (pid_fd, &v, sizeof v) != (ssize_t) sizeof v)
      {
        kill ((pid_t) command, SIGKILL);
        child_fail (sync_fd, errno, "exec", "write", NULL);
      }
  }
  _exit (0);
}

static int
status_code (int status)
{
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return WEXITSTATUS (status);
}

static void
copy_winsize (int from, int to)
{
  struct winsize ws;
  if (ioctl (from, TIOCGWINSZ, &ws) == 0)
    ioctl (to, TIOCSWINSZ, &ws);
}

/* --kill-on-term (the monitor's probes and hooks): a SIGTERM is the monitor cancelling the run
   (a probe's timeout), and the command and its process group (its own: it called setsid) are
   SIGKILLed, as containerd kills an ExecSync past its timeout.  */
static int kill_on_term;

/* Ends the helper by SIG (its default action), so the caller's shell sees what it would see of
   the command: 130 for SIGINT.  */
static void __attribute__ ((noreturn)) leave_by_signal (int sig)
{
  sigset_t one;
  signal (sig, SIG_DFL);
  sigemptyset (&one);
  sigaddset (&one, sig);
  sigprocmask (SIG_UNBLOCK, &one, NULL);
  raise (sig);
  _exit (128 + sig);
}

/* Reads the pending signals: SIGCHLD reaps CHILD (1 once it is, STATUS set), SIGINT without a pty
   ends the helper after the command got it (leave_by_signal), SIGWINCH passes
   the window size on to MASTER (a pty; -1: none), any other is forwarded to CHILD.  Called only
   until it returns 1: once reaped, the pid may be another process's.  */
static int
take_signals (int sigfd, pid_t child, int master, int *status)
{
  struct signalfd_siginfo si;
  int exited = 0;
  while (read (sigfd, &si, sizeof si) == (ssize_t) sizeof si)
    if (si.ssi_signo == SIGWINCH)
      {
        if (master >= 0)
          copy_winsize (0, master);
      }
    else if (si.ssi_signo == SIGCHLD)
      exited = exited || waitpid (child, status, WNOHANG) == child;
    else if (!exited && kill_on_term && si.ssi_signo == SIGTERM)
      {
        kill (-child, SIGKILL);
        kill (child, SIGKILL);
      }
    else if (!exited && master < 0 && !kill_on_term && si.ssi_signo == SIGINT)
      {
        /* Ctrl-C without a terminal: the command's process group (its session) gets the SIGINT,
           and podrun exec ends at once by it, as kubectl exec does, whether or not the command
           does (it may trap it).  The signalfd hands SIGINT out before a pending SIGCHLD: a
           command that has exited already is reaped and its status reported instead.  */
        if (waitpid (child, status, WNOHANG) == child)
          {
            exited = 1;
            continue;
          }
        kill (-child, SIGINT);
        kill (child, SIGINT);
        leave_by_signal (SIGINT);
      }
    else if (!exited)
      kill (child, (int) si.ssi_signo);
  return exited;
}

/* Relays the pty until the child has exited and its output is drained.  */
static int
relay_tty (const struct exec_opts *o, int master, pid_t child, int sigfd)
{
  char buf[16384];
  int in_open = o->stdin_open, status = 0, exited = 0;
  for (;;)
    {
      struct pollfd p[3] = { { .fd = master, .events = POLLIN },
                             { .fd = sigfd, .events = POLLIN },
                             { .fd = in_open ? 0 : -1, .events = POLLIN } };
      int n = poll (p, 3, exited ? 0 : -1);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break; /* exited and nothing more to read */
      if (p[0].revents)
        {
          ssize_t r = read (master, buf, sizeof buf);
          if (r <= 0 && !(r < 0 && (errno == EINTR || errno == EAGAIN)))
            break; /* EIO: every slave fd is closed */
          if (r > 0)
            podrun_write_all (1, buf, (size_t) r);
        }
      if (p[2].revents)
        {
          ssize_t r = read (0, buf, sizeof buf);
          if (r > 0)
            podrun_write_all (master, buf, (size_t) r);
          else if (r == 0 || (errno != EINTR && errno != EAGAIN))
            {
              /* A pty has no half-close: send the EOF character instead.  */
              struct termios t;
              char eof = 4;
              if (tcgetattr (master, &t) == 0)
                eof = (char) t.c_cc[VEOF];
              podrun_write_all (master, &eof, 1);
              in_open = 0;
            }
        }
      if (p[1].revents && !exited)
        exited = take_signals (sigfd, child, master, &status);
    }
  if (!exited && waitpid (child, &status, 0) < 0)
    return 126;
  return status_code (status);
}

/* Once the command is reaped, all it wrote is relayed (what its pipes held then, however slow
   the reader of the helper's output), and what arrives after for at most this long: a process
   it left in the background could write for ever.  */
#define DRAIN_AFTER_EXIT_MS 250

static long
ms_since (const struct timespec *t0)
{
  struct timespec now;
  clock_gettime (CLOCK_MONOTONIC, &now);
  return (now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Without a tty: the command's stdout and stderr are pipes relayed to the helper's 1 and 2, its
   stdin (--stdin) a pipe fed from the helper's 0, so that the command never holds the helper's
   own fds, which are the user's terminal when podrun exec runs in one (a command left in the
   background could read what the user types next), as docker and kubectl relay.  Input is
   written without blocking: a command that does not read its stdin must not stop its output.
   Signals are forwarded as with a tty.  */
static int
relay_pipes (pid_t child, int sigfd, int out_rd, int err_rd, int in_wr)
{
  static char buf[65536], in_buf[65536];
  int from[2] = { out_rd, err_rd }, status = 0, exited = 0, in_open = in_wr >= 0;
  size_t in_len = 0, in_off = 0, owed[2] = { 0, 0 }; /* bytes in each pipe when it exited */
  struct timespec exited_at;
  for (;;)
    {
      struct pollfd p[5] = { { .fd = from[0], .events = POLLIN },
                             { .fd = from[1], .events = POLLIN },
                             { .fd = sigfd, .events = POLLIN },
                             { .fd = in_open && in_len == 0 ? 0 : -1, .events = POLLIN },
                             { .fd = in_wr >= 0 && in_len > 0 ? in_wr : -1, .events = POLLOUT } };
      int n, i;
      int owing = owed[0] + owed[1] > 0;
      if (exited && !owing && ms_since (&exited_at) > DRAIN_AFTER_EXIT_MS)
        break;
      if (exited)
        p[2].fd = p[3].fd = p[4].fd = -1; /* only the output left to drain */
      n = poll (p, 5, exited && !owing ? 0 : -1);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break; /* exited and nothing more to read */
      for (i = 0; i < 2; i++)
        if (p[i].revents)
          {
            ssize_t r = read (from[i], buf, sizeof buf);
            if (r < 0 && (errno == EINTR || errno == EAGAIN))
              continue;
            owed[i] = r > 0 && (size_t) r < owed[i] ? owed[i] - (size_t) r : 0;
            /* EOF, or the user's side is gone (EPIPE): the command gets EPIPE or SIGPIPE.  */
            if (r <= 0 || podrun_write_all (i + 1, buf, (size_t) r) < 0)
              {
                close (from[i]);
                from[i] = -1;
                owed[i] = 0;
              }
          }
      if (p[3].revents)
        {
          ssize_t r = read (0, in_buf, sizeof in_buf);
          if (r > 0)
            in_len = (size_t) r, in_off = 0;
          else if (r == 0 || (errno != EINTR && errno != EAGAIN))
            in_open = 0;
        }
      if (p[4].revents & (POLLERR | POLLHUP))
        in_len = 0, in_open = 0; /* the command closed its stdin */
      else if (p[4].revents)
        {
          ssize_t w = write (in_wr, in_buf + in_off, in_len - in_off);
          if (w > 0 && (in_off += (size_t) w) == in_len)
            in_len = 0;
          else if (w < 0 && errno != EINTR && errno != EAGAIN)
            in_len = 0, in_open = 0;
        }
      /* stdin at its end, all of it written: the command sees EOF.  */
      if (in_wr >= 0 && !in_open && in_len == 0)
        {
          close (in_wr);
          in_wr = -1;
        }
      if (p[2].revents && !exited && (exited = take_signals (sigfd, child, -1, &status)))
        {
          clock_gettime (CLOCK_MONOTONIC, &exited_at);
          for (int k = 0; k < 2; k++)
            {
              int pending = 0;
              if (from[k] >= 0 && ioctl (from[k], FIONREAD, &pending) == 0 && pending > 0)
                owed[k] = (size_t) pending;
            }
        }
    }
  for (int i = 0; i < 2; i++)
    if (from[i] >= 0)
      close (from[i]);
  if (in_wr >= 0)
    close (in_wr);
  if (!exited && waitpid (child, &status, 0) < 0)
    return 126;
  return status_code (status);
}

/* How long the command may take from its clone to its execve before the helper relays anyway:
   a process holding a copy of the sync pipe (a tracer with SYS_PTRACE) must not stop it.  */
#define EXEC_WAIT_MS 10000

/* sync 4. (helper) EOF at the command's execve, or its failure record (one write, atomic); never
   blocks past EXEC_WAIT_MS, or on a pipe someone else keeps open after writing.  */
static int
await_exec (int sync_rd, podrun_err_t *err)
{
  char buf[PATH_MAX + 128];
  struct pollfd p = { .fd = sync_rd, .events = POLLIN };
  ssize_t n;
  int r;
  do
    r = poll (&p, 1, EXEC_WAIT_MS);
  while (r < 0 && errno == EINTR);
  if (r == 0)
    return 0; /* held open: the command runs, its exit tells the rest */
  do
    n = read (sync_rd, buf, sizeof buf - 1);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return podrun_fail (err, errno, "sync", "read", NULL);
  if (n == 0)
    return 0;
  buf[n] = '\0';
  if (buf[n - 1] == '\n')
    buf[n - 1] = '\0';
  if (podrun_err_parse (buf, err) < 0)
    return podrun_fail (err, EPROTO, "sync", "read", NULL);
  return -1;
}

/* Before the setup process: the container's process by pidfd (its start time checked), the
   host paths read while still in the host's mount namespace (the seccomp program, /proc, every
   cgroup's join file), its capability bounding set, and then every namespace of it that
   differs from ours but PID and user (*FLAGS says which differ).  */
static int
enter_container (struct exec_opts *o, int *pidfd, int *flags, podrun_err_t *err)
{
  unsigned long long start;
  *pidfd = podrun_pidfd_open (o->pid);
  if (*pidfd < 0)
    return podrun_fail (err, errno, "exec", "pidfd_open", NULL);
  /* The pidfd pins the process; a start time that differs means the pid was recycled.  */
  if (podrun_proc_start_time (o->pid, &start) < 0 || start != o->start_time)
    return podrun_fail (err, ESRCH, "exec", "pidfd_open", "(process start time differs: container gone)");
  /* A host path: read before joining the container's mount namespace.  */
  if (o->seccomp && podrun_seccomp_load (o->seccomp, &o->seccomp_prog, err) < 0)
    return -1;
  /* The host's /proc too: the container's could be anything its processes mounted there.  */
  o->host_proc = -1;
  if (o->apparmor && (o->host_proc = open ("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
    return podrun_fail (err, errno, "exec", "open", "/proc");
  /* Host paths too; the fds stay open in the helper (CLOEXEC) for the child to write to.  */
  for (size_t i = 0; i < o->n_cgroups; i++)
    if ((o->cgroup_fds[i] = podrun_cgroup_open_procs (o->cgroups[i], err)) < 0)
      return -1;
  /* The command is born in the v2 one (no migration, whose wait is ~20 ms), as containers are.  */
  o->cgroup_dir = -1;
  o->born_in = o->n_cgroups;
  for (size_t i = 0; i < o->n_cgroups && o->born_in == o->n_cgroups; i++)
    {
      int d = podrun_cgroup_open_v2_dir (o->cgroups[i], err);
      if (d == -1)
        return -1;
      if (d >= 0)
        o->cgroup_dir = d, o->born_in = i;
    }
  if (read_cap_bounding (o->pid, &o->caps) < 0)
    return podrun_fail (err, errno, "exec", "open", "/proc/PID/status");
  *flags = differing_namespaces (o->pid);
  /* Joining a user namespace (hostUsers: false) leaves no right to place a child in a host
     cgroup: the command then joins by the join file opened above, as on v1.  */
  if ((*flags & CLONE_NEWUSER) && o->cgroup_dir >= 0)
    {
      close (o->cgroup_dir);
      o->cgroup_dir = -1;
      o->born_in = o->n_cgroups;
    }
  /* The /proc reads above name the pid, not the pidfd: if the process died meanwhile they may
     describe a recycled pid.  Still alive now means they described it.  Every container has a
     mount namespace of its own, so sharing ours means this is not a container process.  */
  if (podrun_pidfd_send_signal (*pidfd, 0) < 0)
    return podrun_fail (err, ESRCH, "exec", "pidfd_send_signal", "(the container exited)");
  if (!(*flags & CLONE_NEWNS))
    return podrun_fail (err, EPERM, "exec", "setns", "(target shares the host mount namespace: not a container)");
  /* The pod's user namespace (hostUsers: false) last: the container's mount and PID
     namespaces are the host user namespace's, joined while this process still has its
     privileges there.  */
  /* Not the PID namespace: it would place the intermediate in it (exec_intermediate).  */
  if (setns (*pidfd, *flags & ~(CLONE_NEWUSER | CLONE_NEWPID)) < 0)
    return podrun_fail (err, errno, "exec", "setns", NULL);
  return 0;
}

int
podrun_exec_main (int argc, char **argv)
{
  static struct exec_opts o;
  cleanup_close int pidfd = -1, master = -1, slave = -1, devnull = -1, sigfd = -1, sync_rd = -1, sync_wr = -1,
                    pid_rd = -1, pid_wr = -1, out_rd = -1, out_wr = -1, err_rd = -1, err_wr = -1, in_rd = -1,
                    in_wr = -1;
  int stdio[3];
  podrun_err_t err;
  struct termios saved;
  int raw = 0, fds[2], ret, flags;
  sigset_t set;
  pid_t child, middle;

  if ((ret = parse_args (argc, argv, &o, 0)) != 0)
    return ret;
  kill_on_term = o.kill_on_term;
  /* The container must not ptrace or open /proc/PID/exe of a helper in its namespaces.  */
  prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  /* Nothing the caller left open reaches the command (a shell's `3< secret`).  */
  close_range (3, ~0U, 0);
  /* 0, 1 and 2 open, so that no fd made below takes their place.  */
  for (int i = 0; i < 3; i++)
    if (fcntl (i, F_GETFD) < 0 && open ("/dev/null", O_RDWR) != i)
      return 126;
  devnull = open ("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull < 0)
    return podrun_fail (&err, errno, "exec", "open", "/dev/null"), die (&err);

  if (enter_container (&o, &pidfd, &flags, &err) < 0)
    return die (&err);

  if (o.tty)
    {
      /* After setns the container's /dev/ptmx (-> pts/ptmx) is ours: the pty lives in its
         devpts, so `tty` inside prints /dev/pts/N.  */
      master = posix_openpt (O_RDWR | O_NOCTTY | O_CLOEXEC);
      if (master < 0)
        return podrun_fail (&err, errno, "tty", "posix_openpt", "/dev/ptmx"), die (&err);
      if (unlockpt (master) < 0)
        return podrun_fail (&err, errno, "tty", "unlockpt", "/dev/ptmx"), die (&err);
      slave = ioctl (master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
      if (slave < 0)
        return podrun_fail (&err, errno, "tty", "ioctl", "TIOCGPTPEER"), die (&err);
      if (isatty (0))
        copy_winsize (0, master);
      else if (isatty (1))
        copy_winsize (1, master);
    }

  sigemptyset (&set);
  sigaddset (&set, SIGCHLD);
  sigaddset (&set, SIGINT);
  sigaddset (&set, SIGTERM);
  sigaddset (&set, SIGHUP);
  sigaddset (&set, SIGQUIT);
  sigaddset (&set, SIGWINCH);
  sigprocmask (SIG_BLOCK, &set, NULL);
  signal (SIGPIPE, SIG_IGN);
  sigfd = signalfd (-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sigfd < 0)
    return podrun_fail (&err, errno, "exec", "signalfd", NULL), die (&err);
  if (pipe2 (fds, O_CLOEXEC) < 0)
    return podrun_fail (&err, errno, "exec", "pipe2", NULL), die (&err);
  sync_rd = fds[0];
  sync_wr = fds[1];
  if (pipe2 (fds, O_CLOEXEC) < 0)
    return podrun_fail (&err, errno, "exec", "pipe2", NULL), die (&err);
  pid_rd = fds[0];
  pid_wr = fds[1];
  if (o.tty)
    stdio[0] = stdio[1] = stdio[2] = slave;
  else
    {
      int *ends[3][2] = { { &in_rd, &in_wr }, { &out_rd, &out_wr }, { &err_rd, &err_wr } };
      for (int i = o.stdin_open ? 0 : 1; i < 3; i++)
        {
          if (pipe2 (fds, O_CLOEXEC) < 0)
            return podrun_fail (&err, errno, "exec", "pipe2", NULL), die (&err);
          *ends[i][0] = fds[0];
          *ends[i][1] = fds[1];
        }
      /* The helper's ends never block it; the command's block as pipes do.  */
      if (fcntl (out_rd, F_SETFL, O_NONBLOCK) < 0 || fcntl (err_rd, F_SETFL, O_NONBLOCK) < 0
          || (in_wr >= 0 && fcntl (in_wr, F_SETFL, O_NONBLOCK) < 0))
        return podrun_fail (&err, errno, "exec", "fcntl", NULL), die (&err);
      stdio[0] = o.stdin_open ? in_rd : devnull;
      stdio[1] = out_wr;
      stdio[2] = err_wr;
    }

  middle = o.cgroup_dir >= 0 ? podrun_clone3_into (0, NULL, o.cgroup_dir) : fork ();
  if (middle < 0)
    return podrun_fail (&err, errno, "exec", o.cgroup_dir >= 0 ? "clone3" : "fork", NULL), die (&err);
  if (middle == 0)
    {
      const int helper_only[] = { sigfd, master, sync_rd, pid_rd, out_rd, err_rd, in_wr };
      exec_intermediate (&o, pidfd, (flags & CLONE_NEWUSER) != 0, sync_wr, pid_wr, stdio, helper_only, 7);
    }
  {
    int *command_only[] = { &sync_wr, &pid_wr, &slave, &out_wr, &err_wr, &in_rd };
    for (size_t i = 0; i < sizeof command_only / sizeof command_only[0]; i++)
      if (*command_only[i] >= 0)
        {
          close (*command_only[i]);
          *command_only[i] = -1;
        }
  }
  /* The command's pid, or EOF: the intermediate failed (its record is on the sync pipe).  */
  {
    int32_t v = 0;
    ssize_t n;
    do
      n = read (pid_rd, &v, sizeof v);
    while (n < 0 && errno == EINTR);
    child = n == (ssize_t) sizeof v && v > 0 ? (pid_t) v : -1;
  }
  {
    int mst = 0;
    siginfo_t si;
    waitpid (middle, &mst, 0);
    /* Only a child of ours (CLONE_PARENT) is the command: not a pid something else wrote.  */
    memset (&si, 0, sizeof si);
    if (child > 0 && waitid (P_PID, (id_t) child, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
      child = -1;
    if (child < 0 && WIFSIGNALED (mst))
      {
        dprintf (2, "podrun-helper: exec: the setup process was killed by signal %d%s\n", WTERMSIG (mst),
                 WTERMSIG (mst) == SIGSYS
                     ? " (the container's seccomp profile refused a call podrun exec needs: clone, "
                       "setsid, capset, ioctl, dup2, write)"
                     : "");
        return WTERMSIG (mst) == SIGSYS ? 126 : 128 + WTERMSIG (mst);
      }
  }
  /* sync 4. (helper) */
  if (await_exec (sync_rd, &err) < 0)
    {
      /* Nothing of a command that failed (or whose failure another process faked) runs on.  */
      if (child > 0)
        {
          kill (child, SIGKILL);
          waitpid (child, NULL, 0);
        }
      return die (&err);
    }
  if (child < 0)
    return podrun_fail (&err, EPROTO, "exec", "read", "(no command pid)"), die (&err);

  if (!o.tty)
    {
      ret = relay_pipes (child, sigfd, out_rd, err_rd, in_wr);
      out_rd = err_rd = in_wr = -1; /* closed by the relay */
      return ret;
    }
  if (o.stdin_open && isatty (0) && tcgetattr (0, &saved) == 0)
    {
      struct termios t = saved;
      cfmakeraw (&t);
      raw = tcsetattr (0, TCSANOW, &t) == 0;
    }
  ret = relay_tty (&o, master, child, sigfd);
  if (raw)
    tcsetattr (0, TCSANOW, &saved);
  return ret;
}

/* ---- the probe server (exec.h) ---- */

struct served
{
  pid_t pid; /* 0: a free entry */
  uint32_t seq;
};

static void
serve_reply (int sock, uint32_t seq, int status)
{
  struct podrun_serve_msg m = { .op = PODRUN_SERVE_EXITED, .seq = seq, .status = status };
  /* A monitor gone or not reading: nothing to tell.  */
  (void) send (sock, &m, sizeof m, MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* The server's own fds (its socket, the container process's pidfd, its signalfd): close-on-exec,
   and closed first thing in each command it forks (serve_command).  */
static int serve_own[3] = { -1, -1, -1 };

/* The command, forked by the server in the container's PID namespace: the server's identity
   and filter are its already; its own session (the server's group is never signalled), stdout
   and stderr the run's pipe, the signals as a program expects them, then execve.  Failures say
   what `podrun-helper exec` says (die).  */
static void __attribute__ ((noreturn))
serve_command (const struct exec_opts *o, char *const *argv, int out, int devnull)
{
  sigset_t none;
  /* Before anything: from its clone to its execve a container that may ptrace can take its fds
     (pidfd_getfd), and the server's socket is the monitor's ear.  close, not close_range: a
     profile that lets a shell run allows it.  */
  for (size_t i = 0; i < sizeof serve_own / sizeof serve_own[0]; i++)
    if (serve_own[i] >= 0)
      close (serve_own[i]);
  if (setsid () < 0 || dup2 (devnull, 0) < 0 || dup2 (out, 1) < 0 || dup2 (out, 2) < 0)
    _exit (126);
  close (devnull);
  close (out);
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  signal (SIGPIPE, SIG_DFL);
  podrun_exec_path (find_path_env (o), argv, o->env);
  dprintf (2, "podrun-helper: exec: execve %s: %s\n", argv[0], strerror (errno));
  _exit (errno == ENOENT ? 127 : 126);
}

/* RUN: the command in ARGS (LEN bytes, M->argc strings), its output to OUT (closed here).  */
static void
serve_run (const struct exec_opts *o, int sock, const struct podrun_serve_msg *m, char *args, size_t len, int out,
           int devnull, struct served *runs)
{
  char *argv[256];
  size_t k, off = 0, free_at = PODRUN_SERVE_RUNS;
  pid_t pid;
  for (k = 0; k < m->argc && k < 255 && off < len; k++)
    {
      char *end = memchr (args + off, '\0', len - off);
      if (!end)
        break;
      argv[k] = args + off;
      off = (size_t) (end - args) + 1;
    }
  argv[k] = NULL;
  for (size_t i = 0; i < PODRUN_SERVE_RUNS; i++)
    if (runs[i].pid == 0)
      free_at = i;
  if (k == 0 || k != m->argc || free_at == PODRUN_SERVE_RUNS)
    {
      dprintf (out, "podrun-helper: exec: %s\n", k == 0 || k != m->argc ? "bad request" : "too many runs at once");
      close (out);
      serve_reply (sock, m->seq, 126 << 8);
      return;
    }
  /* The bare system call, not glibc's fork: its at-fork handlers (malloc's and stdio's locks) are
     nothing a single-threaded server needs, and their code would stay mapped in it.  */
  pid = (pid_t) syscall (SYS_clone, SIGCHLD, 0, NULL, NULL, 0);
  if (pid == 0)
    serve_command (o, argv, out, devnull);
  if (pid < 0)
    {
      dprintf (out, "podrun-helper: exec: fork: %s\n", strerror (errno));
      close (out);
      serve_reply (sock, m->seq, 126 << 8);
      return;
    }
  close (out);
  runs[free_at].pid = pid;
  runs[free_at].seq = m->seq;
}

/* One message from the monitor; 0 once SOCK is at its end.  */
static int
serve_message (const struct exec_opts *o, int sock, int devnull, struct served *runs)
{
  static char buf[PODRUN_SERVE_MAX];
  char cbuf[CMSG_SPACE (sizeof (int))];
  struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  struct podrun_serve_msg m;
  struct cmsghdr *c;
  int fd = -1;
  ssize_t n = recvmsg (sock, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
  if (n < 0)
    return errno == EINTR || errno == EAGAIN;
  if (n == 0)
    return 0;
  for (c = CMSG_FIRSTHDR (&mh); c; c = CMSG_NXTHDR (&mh, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN (sizeof (int)) && fd < 0)
      memcpy (&fd, CMSG_DATA (c), sizeof fd);
  if ((size_t) n < sizeof m || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
    {
      if (fd >= 0)
        close (fd);
      return 1;
    }
  memcpy (&m, buf, sizeof m);
  if (m.op == PODRUN_SERVE_RUN && fd >= 0)
    serve_run (o, sock, &m, buf + sizeof m, (size_t) n - sizeof m, fd, devnull, runs);
  else
    {
      if (fd >= 0)
        close (fd);
      for (size_t i = 0; m.op == PODRUN_SERVE_KILL && i < PODRUN_SERVE_RUNS; i++)
        if (runs[i].pid > 0 && runs[i].seq == m.seq)
          {
            kill (-runs[i].pid, SIGKILL);
            kill (runs[i].pid, SIGKILL);
          }
    }
  return 1;
}

int
podrun_exec_serve (int argc, char **argv, int sock)
{
  static struct exec_opts o;
  struct served runs[PODRUN_SERVE_RUNS];
  struct podrun_identity id;
  podrun_err_t err;
  int pidfd = -1, flags, devnull, sigfd, smaps, i;
  int keep[4];
  pid_t parent = getppid ();
  sigset_t set;

  memset (runs, 0, sizeof runs);
  if (parse_args (argc, argv, &o, 1) != 0 || o.tty || o.stdin_open || o.apparmor)
    return 126; /* AppArmor's profile is entered at an execve of the process that asked: classic only */
  prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  /* What ps and the probe benchmark know it by (its command line is the monitor's).  */
  prctl (PR_SET_NAME, "podrun-probes", 0, 0, 0);
  /* Only the socket, at 3; stdio /dev/null.  A failure below ends it: the monitor runs the
     command as `podrun-helper exec` then, which reports what failed.  */
  if (dup2 (sock, 3) < 0)
    return 126;
  sock = 3;
  /* Its commands' environment on fd 4 (probe.c server_env), read before anything else is
     opened.  */
  if (read_env_fd (4, &o) < 0)
    return 126;
  close_range (4, ~0U, 0);
  devnull = open ("/dev/null", O_RDWR | O_CLOEXEC);
  for (i = 0; i < 3; i++)
    if (devnull < 0 || dup2 (devnull, i) < 0)
      return 126;
  /* The host's smaps of this process, for the trim below (the container's /proc could show
     anything).  */
  smaps = open ("/proc/self/smaps", O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (enter_container (&o, &pidfd, &flags, &err) < 0)
    return 126;
  /* It joins the cgroups itself, so that every command it forks is born in them.  */
  if (o.cgroup_dir >= 0)
    close (o.cgroup_dir);
  o.cgroup_dir = -1;
  o.born_in = o.n_cgroups;
  if (confine (&o, pidfd, (flags & CLONE_NEWUSER) != 0, &err) < 0)
    return 126;
  /* The container's pidfd stays: its exit ends the server.  */
  keep[0] = sock;
  keep[1] = pidfd;
  keep[2] = devnull;
  keep[3] = smaps >= 0 ? smaps : devnull;
  if (podrun_keep_only_fds (keep, 4) < 0)
    return 126;
  sock = keep[0];
  pidfd = keep[1];
  devnull = keep[2];
  smaps = smaps >= 0 ? keep[3] : -1;
  identity_of (&o, &id);
  if (podrun_identity_seal (&id, &err) < 0)
    return 126;
  /* Not dumpable, whatever the credential changes made of it; and dying with the monitor (a
     credential change clears the parent-death signal), checked against a monitor already gone.  */
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 || prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid () != parent)
    return 126;
  /* The run's pipe may close before the server writes a failure into it.  */
  signal (SIGPIPE, SIG_IGN);
  sigemptyset (&set);
  sigaddset (&set, SIGCHLD);
  sigprocmask (SIG_BLOCK, &set, NULL);
  sigfd = signalfd (-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sigfd < 0)
    return 126;
  serve_own[0] = sock;
  serve_own[1] = pidfd;
  serve_own[2] = sigfd;
  /* The set-up's text (most of what it ran) no longer counts in its memory; the loop's comes
     back on its first run, as the monitor's does (util.h).  */
  podrun_trim_text_fd (smaps);
  if (smaps >= 0)
    close (smaps);
  for (;;)
    {
      struct pollfd p[3]
          = { { .fd = sock, .events = POLLIN }, { .fd = sigfd, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
      if (poll (p, 3, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          break;
        }
      if (p[1].revents)
        {
          struct signalfd_siginfo si;
          pid_t pid;
          int status;
          while (read (sigfd, &si, sizeof si) == (ssize_t) sizeof si)
            ;
          while ((pid = waitpid (-1, &status, WNOHANG)) > 0)
            for (size_t k = 0; k < PODRUN_SERVE_RUNS; k++)
              if (runs[k].pid == pid)
                {
                  serve_reply (sock, runs[k].seq, status);
                  runs[k].pid = 0;
                }
        }
      /* The container's process has exited: this instance is over.  */
      if (p[2].revents)
        break;
      if ((p[0].revents & POLLIN) && !serve_message (&o, sock, devnull, runs))
        break;
      if (!(p[0].revents & POLLIN) && (p[0].revents & (POLLHUP | POLLERR)))
        break;
    }
  for (size_t k = 0; k < PODRUN_SERVE_RUNS; k++)
    if (runs[k].pid > 0)
      {
        kill (-runs[k].pid, SIGKILL);
        kill (runs[k].pid, SIGKILL);
      }
  return 0;
}
