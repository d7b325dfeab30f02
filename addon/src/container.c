/* Starting one container.  The monitor (single-threaded, host namespaces) clones a child that
   joins the pause process's namespaces through its pidfd, copies the pod mount namespace, sets
   up the root filesystem and execs.  The child does syscalls only; every failure goes back as a
   `STEP SYSCALL ERRNO PATH` record over a CLOEXEC socket, and EOF means execve succeeded.

     monitor                                   child
     -------                                   -----
     socketpair (sync), pipes, log file
     clone3(CLONE_PIDFD [|NEWPID])  ------->   join the cgroups (v1 tasks), setsid
                                               setns(pause pidfd, NEWNS|NEWNET|NEWIPC|NEWUTS
                                                                  [|NEWPID: pod, children only])
                                               unshare(NEWNS), rootfs, pivot_root
                                               cwd
     sync 2a (tty 1): receive the pty master <-- open /dev/ptmx (the container's devpts), send it
                                               [apparmor], caps, [seccomp], user
       not pod PID ns:                         pdeathsig, signals, close_range
                                               [no_new_privs, seccomp]
     sync 2: read record or EOF   <-------     execve (EOF) / record + _exit(1)
       pod PID ns (start_in_pod_pidns):        close all but stdio and sync, signals,
                                               [no_new_privs, seccomp]
                                               clone(CLONE_PARENT) ---> setsid, [TIOCSCTTY]
     sync 2p: read `pid PID`      <-------     write `pid PID`, _exit(0)
     sync 2: read record or EOF   <---------------------------------   execve (EOF) / record
*/
#include "container.h"
#include "cgroup.h"
#include "identity.h"
#include "mounts.h"
#include "pdeathsig.h"
#include "seccomp.h"
#include "userns.h"

#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct child_fds
{
  int sync, in, out, err;
  int tty; /* 1: open a pty in the container's devpts, send the master over SYNC */
  unsigned ns_flags;
  int shared_pid; /* 1: a pod PID namespace; this child is the intermediate (start_in_pod_pidns) */
  const char *path_env;
  size_t born_in; /* the cgroup dir clone3 placed the child in (CLONE_INTO_CGROUP); n: none */
};

void
podrun_exec_path (const char *path_env, char *const *argv, char *const *envp)
{
  char buf[PATH_MAX];
  const char *p = path_env ? path_env : DEFAULT_PATH;
  int saw_eacces = 0;

  if (strchr (argv[0], '/'))
    {
      execve (argv[0], argv, envp);
      return;
    }
  for (;;)
    {
      const char *end = strchr (p, ':');
      size_t len = end ? (size_t) (end - p) : strlen (p);
      buf[0] = '\0';
      if (len == 0)
        podrun_strlcat (buf, sizeof buf, ".");
      else if (len < sizeof buf)
        {
          memcpy (buf, p, len);
          buf[len] = '\0';
        }
      if (podrun_strlcat (buf, sizeof buf, "/") >= 0 && podrun_strlcat (buf, sizeof buf, argv[0]) >= 0)
        {
          execve (buf, argv, envp);
          if (errno == EACCES)
            saw_eacces = 1;
          else if (errno != ENOENT && errno != ENOTDIR)
            return;
        }
      if (end == NULL)
        break;
      p = end + 1;
    }
  errno = saw_eacces ? EACCES : ENOENT;
}

static void __attribute__ ((noreturn))
fail (int sync_fd, int e, const char *step, const char *syscall, const char *path)
{
  podrun_err_t err;
  podrun_fail (&err, e, step, syscall, path);
  podrun_sync_fail (sync_fd, &err);
}

static int
send_fd (int sock, int fd)
{
  char byte = 'T';
  struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } u;
  struct msghdr msg;
  struct cmsghdr *cm;
  memset (&msg, 0, sizeof msg);
  memset (&u, 0, sizeof u);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = u.buf;
  msg.msg_controllen = sizeof u.buf;
  cm = CMSG_FIRSTHDR (&msg);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (cm), &fd, sizeof fd);
  return sendmsg (sock, &msg, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

/* The pty comes from the container's own devpts (after pivot_root /dev/ptmx is its
   pts/ptmx), so `tty` inside names a device the container can see.  */
static int
open_container_pty (int sync_fd)
{
  int master, slave, unlock = 0;
  master = open ("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0)
    fail (sync_fd, errno, "tty", "open", "/dev/ptmx");
  if (ioctl (master, TIOCSPTLCK, &unlock) < 0)
    fail (sync_fd, errno, "tty", "ioctl", "TIOCSPTLCK");
  slave = ioctl (master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0)
    fail (sync_fd, errno, "tty", "ioctl", "TIOCGPTPEER");
  /* sync 2a. (child) */
  if (send_fd (sync_fd, master) < 0)
    fail (sync_fd, errno, "tty", "sendmsg", NULL);
  close (master);
  return slave;
}

/* /dev/console names the container's terminal, as runc and podman make it with a tty: a bind
   mount of the pty's slave over a file made in the container's own /dev tmpfs.  */
static void
bind_console (int slave, int sync_fd)
{
  cleanup_close int dev = open ("/dev", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  cleanup_close int file = -1, tree = -1;
  if (dev < 0)
    fail (sync_fd, errno, "console", "open", "/dev");
  file = openat (dev, "console", O_CREAT | O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (file < 0)
    fail (sync_fd, errno, "console", "openat", "/dev/console");
  tree = open_tree (slave, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
  if (tree < 0)
    fail (sync_fd, errno, "console", "open_tree", "/dev/console");
  if (move_mount (tree, "", file, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    fail (sync_fd, errno, "console", "move_mount", "/dev/console");
}

/* A pod PID namespace: siblings see every process in it, and one given SYS_PTRACE could attach
   to this one while it is root with every capability, unconfined and holding the monitor's fds
   (docs/security.md, escape 11).  So this process, the intermediate, was set up in the host's
   PID namespace with only the pod's as its children's; now that it has the identity, it keeps
   only stdio and the sync socket, installs the filter, and clones the container's process into
   the pod's PID namespace as a child of the monitor (CLONE_PARENT).  Its pid goes to the monitor
   on the sync socket (sync 2p); the process needs no parent-death signal: the monitor's death
   kills the pause, and with it every process of its PID namespace.  */
static void __attribute__ ((noreturn))
start_in_pod_pidns (const struct podrun_container *c, const struct child_fds *f, const struct podrun_identity *id)
{
  podrun_err_t err;
  char msg[32];
  int sync_fd = f->sync;
  long pid;
  if (podrun_keep_only_fds (&sync_fd, 1) < 0)
    fail (f->sync, errno, "start", "close_range", NULL);
  /* Until its execve the container's process is a copy of the monitor: only a tracer with
     CAP_SYS_PTRACE over the host's user namespace may look at it (execve makes it dumpable).  */
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    fail (sync_fd, errno, "start", "prctl", "PR_SET_DUMPABLE");
  if (podrun_identity_seal (id, &err) < 0)
    podrun_sync_fail (sync_fd, &err);
  /* A plain clone (no namespace flags), as every profile that lets a shell fork allows.  */
  pid = syscall (SYS_clone, CLONE_PARENT | SIGCHLD, 0, NULL, NULL, 0);
  if (pid < 0)
    fail (sync_fd, errno, "start", "clone", "CLONE_PARENT");
  if (pid == 0)
    {
      char go = 0;
      if (setsid () < 0)
        fail (sync_fd, errno, "session", "setsid", NULL);
      if (f->tty && ioctl (0, TIOCSCTTY, 0) < 0)
        fail (sync_fd, errno, "stdio", "ioctl", "TIOCSCTTY");
      /* sync 2g. (container) Only once the monitor holds this pid (else EOF: it gave up).  */
      if (read (sync_fd, &go, 1) != 1 || go != 'g')
        _exit (1);
      /* sync 2e. Now only execve is left: EOF before this means the process died on the way.  */
      if (write (sync_fd, "e", 1) != 1)
        _exit (1);
      /* sync 2. (container) EOF on the sync socket at execve.  */
      podrun_exec_path (f->path_env, c->argv, c->env);
      fail (sync_fd, errno, "exec", "execve", c->argv[0]);
    }
  /* sync 2p. (intermediate) */
  memcpy (msg, "pid ", 4);
  msg[4 + podrun_fmt_ulong (msg + 4, (unsigned long long) pid)] = '\0';
  if (write (sync_fd, msg, strlen (msg)) < 0)
    {
      kill ((pid_t) pid, SIGKILL);
      fail (sync_fd, errno, "start", "write", NULL);
    }
  _exit (0);
}

static void __attribute__ ((noreturn)) container_child (const struct podrun_pod *pod, const struct podrun_container *c,
                                                        const struct podrun_spawn_ctx *ctx, const struct child_fds *f)
{
  podrun_err_t err;
  struct podrun_identity id;
  int rootfd, cwdfd, userns_fd = ctx->userns_fd;
  size_t i;

  /* First, still in the host's mount namespace where the cgroup dirs are: whatever the child
     does next, a freeze of the pod's cgroup holds it.  */
  for (i = 0; i < c->n_cgroups; i++)
    if (i != f->born_in && podrun_cgroup_join (c->cgroups[i], &err) < 0)
      podrun_sync_fail (f->sync, &err);
  if (setsid () < 0)
    fail (f->sync, errno, "session", "setsid", NULL);
  if (setns (ctx->pause_pidfd, (int) f->ns_flags) < 0)
    fail (f->sync, errno, "namespaces", "setns", NULL);
  /* Our own copy of the pod mount namespace: it has the pod's shm and tmpfs mounts, and what we
     mount next is seen by no one else.  */
  if (unshare (CLONE_NEWNS) < 0)
    fail (f->sync, errno, "mount-namespace", "unshare", NULL);
  /* Its own cgroup namespace, rooted at the cgroups it joined first (launch.h cgroupns).  */
  if (c->cgroupns && unshare (CLONE_NEWCGROUP) < 0)
    fail (f->sync, errno, "cgroup-namespace", "unshare", NULL);
  /* Not the session keyring of the CLI that started the pod (a login session's keys).  */
  if (podrun_new_session_keyring () < 0)
    fail (f->sync, errno, "keyring", "keyctl", NULL);
  /* hostUsers: false: what is made in the root from here on is the pod root's (userns.h).  */
  if (userns_fd >= 0)
    {
      if (podrun_userns_setup_creds (&err) < 0)
        podrun_sync_fail (f->sync, &err);
      podrun_userns_fsids (pod->userns_host);
    }
  if (podrun_mount_container (pod, c, userns_fd, &err) < 0)
    podrun_sync_fail (f->sync, &err);

  rootfd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    fail (f->sync, errno, "cwd", "open", "/");
  cwdfd = podrun_mkdir_beneath (rootfd, c->cwd, 0, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS, "cwd", &err);
  if (cwdfd < 0)
    podrun_sync_fail (f->sync, &err);
  if (fchdir (cwdfd) < 0)
    fail (f->sync, errno, "cwd", "fchdir", c->cwd);
  /* readOnlyRootFilesystem: now that every mount point and the cwd exist, the root alone (not
     the mounts on it: /proc, /dev, volumes) becomes read-only; writes fail with EROFS.  */
  if (c->readonly_root)
    {
      struct mount_attr attr;
      memset (&attr, 0, sizeof attr);
      attr.attr_set = MOUNT_ATTR_RDONLY;
      if (mount_setattr (rootfd, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
        fail (f->sync, errno, "rootfs", "mount_setattr", "/");
    }

  if (f->tty)
    {
      int slave = open_container_pty (f->sync);
      bind_console (slave, f->sync);
      if (dup2 (slave, 0) < 0 || dup2 (slave, 1) < 0 || dup2 (slave, 2) < 0)
        fail (f->sync, errno, "stdio", "dup2", NULL);
    }
  else if (dup2 (f->in, 0) < 0 || dup2 (f->out, 1) < 0 || dup2 (f->err, 2) < 0)
    fail (f->sync, errno, "stdio", "dup2", NULL);
  if (f->tty && !f->shared_pid && ioctl (0, TIOCSCTTY, 0) < 0)
    fail (f->sync, errno, "stdio", "ioctl", "TIOCSCTTY");

  /* Every mount is made: give up the host's privileges.  Joining the user namespace gives a
     full bounding set again, so it comes before the caps are limited.  */
  if (userns_fd >= 0 && podrun_userns_join (userns_fd, "user", &err) < 0)
    podrun_sync_fail (f->sync, &err);
  id.caps = c->caps;
  id.uid = c->uid;
  id.gid = c->gid;
  id.groups = c->groups;
  id.n_groups = c->n_groups;
  id.nonewprivs = c->nonewprivs;
  id.seccomp = c->seccomp ? &c->seccomp_prog : NULL;
  id.seccomp_path = c->seccomp;
  id.apparmor = c->apparmor;
  id.host_proc = ctx->host_proc;
  if (podrun_identity_take (&id, &err) < 0)
    podrun_sync_fail (f->sync, &err);
  if (f->shared_pid)
    start_in_pod_pidns (c, f, &id);
  /* After the last credential change (which clears it): this process, PID 1 of the container's
     PID namespace (or in the host's), dies with the monitor.  An entrypoint that is set-user-ID,
     set-group-ID or has file capabilities loses it at execve (docs/runtime.md).  */
  if (podrun_pdeathsig_set ("pdeathsig", &err) < 0)
    podrun_sync_fail (f->sync, &err);

  if (podrun_identity_seal (&id, &err) < 0)
    podrun_sync_fail (f->sync, &err);

  /* sync 2. (child) EOF on the sync pipe at execve.  */
  podrun_exec_path (f->path_env, c->argv, c->env);
  fail (f->sync, errno, "exec", "execve", c->argv[0]);
}

static const char *
find_path_env (const struct podrun_container *c)
{
  size_t i;
  for (i = 0; i < c->n_env; i++)
    if (strncmp (c->env[i], "PATH=", 5) == 0)
      return c->env[i] + 5;
  return NULL;
}

static struct podrun_log_stream *
new_stream (int fd, int log_fd, const char *name)
{
  /* Not calloc: its 16 KiB buffer stays untouched (not resident) until output comes.  */
  struct podrun_log_stream *s = malloc (sizeof *s);
  if (s == NULL)
    return NULL;
  s->len = 0;
  s->written = 0;
  s->fd = fd;
  s->log_fd = log_fd;
  s->name = name;
  return s;
}

/* What recv_sync and take_sync return besides a message's length (0: EOF) and -1 (ERR set).  */
#define SYNC_NONE -2 /* nothing from the sender now: step again when the socket or the process says so */
#define SYNC_MORE -3 /* MAX_DROPPED foreign messages dropped, more may be queued (recv_sync only) */
#define SYNC_GONE -4 /* the watched process exited and nothing of it is queued */

/* The sync socket takes no more fds once the last fd of the start came (util.h; an fd that
   comes with a dropped message before that, or on a kernel before Linux 6.16, is dropped with
   podrun_drop_fd).  */
static void
refuse_fds (int sock)
{
  if (podrun_refuse_fds (sock) < 0)
    podrun_log ("setsockopt SO_PASSRIGHTS on a sync socket: errno %d", errno);
}

/* One message of the sync socket sent by FROM (its host pid, from the kernel's SCM_CREDENTIALS:
   SO_PASSCRED is set on the monitor's end), without blocking: an fd (SCM_RIGHTS) into *FD,
   else its text into TEXT (NUL ended, without the newline); 0 is EOF, which carries no sender.
   A message of another process (a tracer holding a copy of the child's end) is dropped, a
   zero-length one too (recvmsg returns 0 for it as for EOF): it cannot fake a start, its
   failure or the end of its sender; past MAX_DROPPED of them in one call, SYNC_MORE (a flood
   does not hold the monitor, which steps the start again before it waits).  P->dropped counts
   them (logged once per start).  */
#define MAX_DROPPED 64
static ssize_t
recv_sync (struct podrun_spawn_pending *p, pid_t from, int *fd, char *text, size_t cap, podrun_err_t *err)
{
  int sock = p->sync_rd, dropped;
  for (dropped = 0; dropped < MAX_DROPPED; dropped++)
    {
      struct iovec iov = { .iov_base = text, .iov_len = cap - 1 };
      union
      {
        char buf[CMSG_SPACE (sizeof (int)) + CMSG_SPACE (sizeof (struct ucred))];
        struct cmsghdr align;
      } u;
      struct msghdr msg;
      struct cmsghdr *cm;
      pid_t sender = -1;
      ssize_t n;
      *fd = -1;
      memset (&msg, 0, sizeof msg);
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = u.buf;
      msg.msg_controllen = sizeof u.buf;
      do
        n = recvmsg (sock, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
      while (n < 0 && errno == EINTR);
      if (n < 0 && errno == EAGAIN)
        return SYNC_NONE;
      /* A peer that exits with our message unread (the `g` of sync 2g) resets the socket: its end.  */
      if (n < 0 && errno == ECONNRESET)
        n = 0;
      if (n < 0)
        return podrun_fail (err, errno, "sync", "recvmsg", NULL);
      for (cm = CMSG_FIRSTHDR (&msg); cm; cm = CMSG_NXTHDR (&msg, cm))
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
          memcpy (fd, CMSG_DATA (cm), sizeof *fd);
        else if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_CREDENTIALS)
          {
            struct ucred cr;
            memcpy (&cr, CMSG_DATA (cm), sizeof cr);
            sender = cr.pid;
          }
      if (n > 0 ? sender != from : sender != -1)
        {
          if (*fd >= 0)
            podrun_drop_fd (*fd);
          *fd = -1;
          if (p->dropped++ == 0)
            podrun_log ("sync: a message (%zd bytes) from pid %d, not from %d: dropped", n, (int) sender, (int) from);
          continue;
        }
      text[n] = '\0';
      if (n > 0 && text[n - 1] == '\n')
        text[n - 1] = '\0';
      return n;
    }
  return SYNC_MORE;
}

/* Whether the process of PIDFD has ended (its pidfd is readable then).  */
static int
process_ended (int pidfd)
{
  struct pollfd p = { .fd = pidfd, .events = POLLIN };
  return poll (&p, 1, 0) > 0;
}

/* The next message from FROM if there is one, never waiting: while WATCH (FROM's pidfd, or a
   process that must live while FROM's message is due) lives, SYNC_NONE; once it ended, what it
   sent before (a message is queued before its sender's exit is seen) or SYNC_GONE, only once
   the socket was read empty.  SYNC_NONE with P->again set: foreign messages may still hide
   FROM's, step again at once.  With FD NULL no fd may come: one is EPROTO.  */
static ssize_t
take_sync (struct podrun_spawn_pending *p, pid_t from, int watch, int *fd, char *text, size_t cap, podrun_err_t *err)
{
  int got_fd = -1;
  ssize_t n = recv_sync (p, from, &got_fd, text, cap, err);
  if (n == SYNC_NONE && process_ended (watch))
    {
      n = recv_sync (p, from, &got_fd, text, cap, err);
      if (n == SYNC_NONE)
        n = SYNC_GONE;
    }
  if (n == SYNC_MORE)
    {
      p->again = 1;
      n = SYNC_NONE;
    }
  if (fd)
    *fd = got_fd;
  else if (got_fd >= 0)
    {
      podrun_drop_fd (got_fd);
      return podrun_fail (err, EPROTO, "start", "recvmsg", NULL);
    }
  return n;
}

/* A failure record, or EPROTO for anything else.  */
static int
sync_record (const char *text, const char *step, podrun_err_t *err)
{
  if (text[0] == '\0' || podrun_err_parse (text, err) < 0)
    return podrun_fail (err, EPROTO, step, "recvmsg", NULL);
  return -1;
}

/* sync 2a. (monitor) The pty master from CHILD (PIDFD), or its failure record.  Like every stage
   of a start: 1 done, 0 while its message is still to come, -1 failed (ERR set).  */
static int
recv_pty_master (struct podrun_spawn_pending *p, pid_t child, int pidfd, int *master, podrun_err_t *err)
{
  char text[PATH_MAX + 128];
  ssize_t n = take_sync (p, child, pidfd, master, text, sizeof text, err);
  if (n == SYNC_NONE)
    return 0;
  if (n == -1)
    return -1;
  if (n == SYNC_GONE)
    return podrun_fail (err, EPROTO, "tty", "recvmsg", "(the setup process ended)");
  if (*master >= 0)
    {
      refuse_fds (p->sync_rd); /* the last fd of the start */
      return 1;
    }
  return sync_record (text, "tty", err);
}

/* A setup process (PIDFD, our child) that ended before its execve without a record: `start
   killed ERRNO signal SIG` when a signal killed it (ENOSYS for SIGSYS: a seccomp profile's kill),
   else EPROTO with WHY.  */
static int
died_record (int pidfd, const char *why, podrun_err_t *err)
{
  siginfo_t si;
  memset (&si, 0, sizeof si);
  if (waitid (P_PIDFD, (id_t) pidfd, &si, WEXITED | WNOHANG | WNOWAIT) == 0
      && (si.si_code == CLD_KILLED || si.si_code == CLD_DUMPED))
    {
      char what[24] = "signal ";
      what[7 + podrun_fmt_ulong (what + 7, (unsigned long long) si.si_status)] = '\0';
      return podrun_fail (err, si.si_status == SIGSYS ? ENOSYS : EINTR, "start", "killed", what);
    }
  return podrun_fail (err, EPROTO, "start", "recvmsg", why);
}

/* EOF or SYNC_GONE (N) where a message was due: how the process of PIDFD ended, once it has
   (0 until then: its fds close just before it can be waited for; its SIGCHLD steps again).  */
static int
ended_early (ssize_t n, int pidfd, const char *why, podrun_err_t *err)
{
  if (n == 0 && !process_ended (pidfd))
    return 0;
  return died_record (pidfd, why, err);
}

/* sync 2p. (monitor) The container's pid from the intermediate (INTERMEDIATE): a child of ours,
   its pidfd into *PIDFD; or the failure record; or how the intermediate died without one (a
   seccomp profile refusing a call it makes after its filter: SIGSYS).  */
static int
recv_container_pid (struct podrun_spawn_pending *p, pid_t intermediate, int intermediate_fd, pid_t *pid, int *pidfd,
                    podrun_err_t *err)
{
  char text[PATH_MAX + 128];
  const char *end;
  unsigned long long num;
  siginfo_t si;
  long v;
  /* Watching the intermediate: its child holds the socket too, so its death is no EOF.  */
  ssize_t n = take_sync (p, intermediate, intermediate_fd, NULL, text, sizeof text, err);
  if (n == SYNC_NONE)
    return 0;
  if (n == -1)
    return -1;
  if (n == 0 || n == SYNC_GONE)
    return ended_early (n, intermediate_fd, "(no container pid)", err);
  if (strncmp (text, "pid ", 4) != 0)
    return sync_record (text, "start", err);
  end = podrun_scan_ull (text + 4, &num);
  if (end == NULL || *end || num == 0 || num > INT_MAX)
    return podrun_fail (err, EPROTO, "start", "recvmsg", text);
  v = (long) num;
  /* Only a child of ours (CLONE_PARENT) is the container: unreaped, its pid cannot be reused.  */
  memset (&si, 0, sizeof si);
  if (waitid (P_PID, (id_t) v, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
    return podrun_fail (err, errno, "start", "waitid", text);
  *pidfd = podrun_pidfd_open ((pid_t) v);
  if (*pidfd < 0)
    return podrun_fail (err, errno, "start", "pidfd_open", text);
  *pid = (pid_t) v;
  return 1;
}

void
podrun_spawn_pending_close (struct podrun_spawn_pending *p)
{
  int *fds[] = { &p->sync_rd, &p->log_fd, &p->out_rd, &p->err_rd, &p->in_wr };
  size_t i;
  for (i = 0; i < sizeof fds / sizeof fds[0]; i++)
    if (*fds[i] >= 0)
      {
        close (*fds[i]);
        *fds[i] = -1;
      }
}

int
podrun_container_begin (const struct podrun_pod *pod, struct podrun_container *c, const struct podrun_spawn_ctx *ctx,
                        struct podrun_spawn_pending *pending, podrun_err_t *err)
{
  cleanup_close int sync_rd = -1, sync_wr = -1, log_fd = -1, cgroup_dir = -1;
  cleanup_close int out_rd = -1, out_wr = -1, err_rd = -1, err_wr = -1, in_rd = -1, in_wr = -1;
  struct child_fds f;
  uint64_t clone_flags = 0;
  int fds[2], pidfd = -1;
  pid_t pid;

  memset (&f, 0, sizeof f);
  log_fd = open (c->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
  if (log_fd < 0)
    return podrun_fail (err, errno, "log", "open", c->log);
  /* SEQPACKET: one failure record per message, the pty master as SCM_RIGHTS, EOF at exec.  */
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
    return podrun_fail (err, errno, "sync", "socketpair", NULL);
  sync_rd = fds[0];
  sync_wr = fds[1];
  /* Each message says who sent it (recv_sync).  */
  {
    int on = 1;
    if (setsockopt (sync_rd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) < 0)
      return podrun_fail (err, errno, "sync", "setsockopt", "SO_PASSCRED");
  }
  if (c->tty)
    f.tty = 1;
  else
    {
      /* No fd is due on it (a tty's pty master is: refused once it came, recv_pty_master).  */
      refuse_fds (sync_rd);
      if (pipe2 (fds, O_CLOEXEC) < 0)
        return podrun_fail (err, errno, "stdio", "pipe2", NULL);
      out_rd = fds[0];
      out_wr = fds[1];
      if (pipe2 (fds, O_CLOEXEC) < 0)
        return podrun_fail (err, errno, "stdio", "pipe2", NULL);
      err_rd = fds[0];
      err_wr = fds[1];
      f.out = out_wr;
      f.err = err_wr;
      f.in = ctx->devnull;
      if (c->stdin_open)
        {
          /* The monitor keeps the write end: the container sees an open, idle stdin, as with
             `stdin: true` and nothing attached.  */
          if (pipe2 (fds, O_CLOEXEC) < 0)
            return podrun_fail (err, errno, "stdio", "pipe2", NULL);
          in_rd = fds[0];
          in_wr = fds[1];
          f.in = in_rd;
        }
    }
  f.sync = sync_wr;
  f.path_env = find_path_env (c);
  f.ns_flags = CLONE_NEWNS;
  if (pod->net == PODRUN_NS_POD)
    f.ns_flags |= CLONE_NEWNET;
  if (pod->ipc == PODRUN_NS_POD)
    f.ns_flags |= CLONE_NEWIPC;
  if (pod->uts == PODRUN_NS_POD)
    f.ns_flags |= CLONE_NEWUTS;
  /* The pod's PID namespace for the intermediate's child only: it stays in the host's.  */
  if (pod->pid == PODRUN_NS_POD)
    {
      f.ns_flags |= CLONE_NEWPID;
      f.shared_pid = 1;
    }
  if (pod->pid == PODRUN_NS_CONTAINER)
    clone_flags |= CLONE_NEWPID;

  /* Born in its v2 cgroup, as crun does: no migration (and its wait) in the child.  */
  f.born_in = c->n_cgroups;
  for (size_t i = 0; i < c->n_cgroups && cgroup_dir < 0; i++)
    if ((cgroup_dir = podrun_cgroup_open_v2_dir (c->cgroups[i], err)) >= 0)
      f.born_in = i;
    else if (cgroup_dir == -1)
      return -1;
  pid = podrun_clone3_into (clone_flags, &pidfd, cgroup_dir);
  if (pid == 0)
    container_child (pod, c, ctx, &f);
  if (pid < 0)
    return podrun_fail (err, errno, "clone", "clone3", NULL);

  close (sync_wr);
  sync_wr = -1;
  close (out_wr);
  out_wr = -1;
  close (err_wr);
  err_wr = -1;
  close (in_rd);
  in_rd = -1;

  c->pid = pid;
  c->pidfd = pidfd;
  /* The child sets itself up while the monitor starts the next one; finish waits for it.  */
  pending->sync_rd = sync_rd;
  pending->log_fd = log_fd;
  pending->out_rd = out_rd;
  pending->err_rd = err_rd;
  pending->in_wr = in_wr;
  pending->shared_pid = f.shared_pid;
  pending->intermediate = 0;
  pending->exec_deadline = 0;
  pending->said_e = 0;
  pending->again = 0;
  pending->dropped = 0;
  /* The monitor reads each sync message as it arrives (podrun_container_step), never blocking.  */
  if (fcntl (sync_rd, F_SETFL, O_NONBLOCK) < 0)
    podrun_log ("fcntl O_NONBLOCK on a sync socket: errno %d", errno);
  sync_rd = log_fd = out_rd = err_rd = in_wr = -1;
  return 0;
}

/* C's pid and pidfd were the intermediate's: from here on they are the container's, and the
   intermediate's pid goes to P->intermediate (the caller reaps it by pid).  */
static int
take_container_pid (struct podrun_container *c, struct podrun_spawn_pending *p, podrun_err_t *err)
{
  pid_t pid;
  int pidfd;
  int rc = recv_container_pid (p, c->pid, c->pidfd, &pid, &pidfd, err);
  if (rc <= 0)
    return rc;
  close (c->pidfd);
  p->intermediate = c->pid;
  c->pid = pid;
  c->pidfd = pidfd;
  p->shared_pid = 0; /* sync 2p is done */
  return 1;
}

/* How long a container process that holds its pid may take to reach execve (sync 2e and EOF):
   it only reads a byte, writes one and execs.  A process that another held back (a tracer with
   SYS_PTRACE) must not hold the monitor.  */
#define EXEC_WAIT_MS 10000

/* sync 2e, 2. (monitor) After the `g` (sync 2g): EOF after `e` is its execve; a record, how it
   died before `e` (a seccomp profile refusing setsid or ioctl: SIGSYS), or no `e` within
   EXEC_WAIT_MS is a failure.  `e` and the deadline passed: started (another holds the socket).  */
static int
step_container_exec (struct podrun_container *c, struct podrun_spawn_pending *p, podrun_err_t *err)
{
  char text[PATH_MAX + 128];
  for (;;)
    {
      ssize_t n = take_sync (p, c->pid, c->pidfd, NULL, text, sizeof text, err);
      if (n == -1)
        return -1;
      if (n == SYNC_NONE && podrun_mono_ms () < p->exec_deadline)
        return 0;
      if (n == SYNC_NONE && !p->said_e)
        return podrun_fail (err, ETIMEDOUT, "start", "poll", "(the container's process did not reach execve)");
      if (n == SYNC_NONE || ((n == 0 || n == SYNC_GONE) && p->said_e))
        return 1;
      if (n == 0 || n == SYNC_GONE)
        return ended_early (n, c->pidfd, "(the container's process ended before execve)", err);
      if (p->said_e || strcmp (text, "e") != 0)
        return sync_record (text, "exec", err);
      p->said_e = 1;
    }
}

/* sync 2. (monitor) A process that is the container's from its clone: EOF is its execve (or its
   end before one, reaped as its exit), a message its failure record.  */
static int
step_container_eof (struct podrun_container *c, struct podrun_spawn_pending *p, podrun_err_t *err)
{
  char text[PATH_MAX + 128];
  ssize_t n = take_sync (p, c->pid, c->pidfd, NULL, text, sizeof text, err);
  if (n == SYNC_NONE)
    return 0;
  if (n == -1)
    return -1;
  if (n == 0 || n == SYNC_GONE)
    return 1;
  return sync_record (text, "sync", err);
}

int
podrun_container_step (struct podrun_container *c, struct podrun_spawn_pending *p, podrun_err_t *err)
{
  int rc;
  /* sync 2a, 2p, 2g, 2e, 2. (monitor): each stage once its message is there, never waiting for
     one; a stage that returns 0 has read the socket empty (the caller's epoll may be edge
     triggered) or waits for a process's end (its SIGCHLD) or the exec deadline, unless it sets
     P->again (foreign messages still queued).  */
  p->again = 0;
  if (c->tty && p->out_rd < 0 && (rc = recv_pty_master (p, c->pid, c->pidfd, &p->out_rd, err)) <= 0)
    goto unfinished;
  if (p->shared_pid)
    {
      if ((rc = take_container_pid (c, p, err)) <= 0)
        goto unfinished;
      /* sync 2g.  A process already gone (EPIPE: a profile killed it before it waited) is told
         by the next stage, from how it ended.  */
      if (send (p->sync_rd, "g", 1, MSG_NOSIGNAL) != 1 && errno != EPIPE && errno != ECONNRESET)
        {
          rc = podrun_fail (err, errno, "start", "write", NULL);
          goto unfinished;
        }
      p->exec_deadline = podrun_mono_ms () + EXEC_WAIT_MS;
    }
  rc = p->exec_deadline ? step_container_exec (c, p, err) : step_container_eof (c, p, err);
  if (rc <= 0)
    goto unfinished;
  if (fcntl (p->out_rd, F_SETFL, O_NONBLOCK) < 0 || (p->err_rd >= 0 && fcntl (p->err_rd, F_SETFL, O_NONBLOCK) < 0))
    {
      rc = podrun_fail (err, errno, "stdio", "fcntl", NULL);
      goto unfinished;
    }
  c->out = new_stream (p->out_rd, p->log_fd, "stdout");
  c->err = p->err_rd >= 0 ? new_stream (p->err_rd, p->log_fd, "stderr") : NULL;
  if (c->out == NULL || (p->err_rd >= 0 && c->err == NULL))
    {
      free (c->out); /* the fds stay P's: closed below */
      free (c->err);
      c->out = c->err = NULL;
      rc = podrun_fail (err, ENOMEM, "log", "calloc", NULL);
      goto unfinished;
    }
  p->out_rd = p->err_rd = p->log_fd = -1; /* owned by the streams now */
  /* never written by the monitor; non-blocking so that an attach's writes to a container that
     does not read wait in its poll, where a SIGTERM still ends it (attach.c)  */
  if (p->in_wr >= 0 && fcntl (p->in_wr, F_SETFL, O_NONBLOCK) < 0)
    {
      rc = podrun_fail (err, errno, "stdio", "fcntl", NULL);
      goto unfinished;
    }
  c->stdin_fd = p->in_wr;
  c->stdin_taken = 0; /* a new instance, a new stdin */
  p->in_wr = -1;
  c->status = PODRUN_CTR_RUNNING;
  podrun_spawn_pending_close (p);
  return 1;
unfinished:
  if (rc == 0)
    return 0;
  /* It never ran, and nothing of it may: a process held back, or one whose start another
     process faked a failure for, is killed.  Its exit is reaped by pid like any child.  */
  c->status = PODRUN_CTR_START_ERROR;
  podrun_pidfd_send_signal (c->pidfd, SIGKILL);
  close (c->pidfd);
  c->pidfd = -1;
  podrun_spawn_pending_close (p);
  return -1;
}
