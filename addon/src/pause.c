/* The pause process: created by the monitor with clone3 in the pod's new namespaces, it prepares
   them (pod mount namespace, hostname, lo) and then re-executes this binary as
   `podrun-helper pause`, which only waits.  Modelled on kubernetes build/pause/linux/pause.c.  */
#include "pause.h"
#include "mounts.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/sched.h>
#include <net/if.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

static int
bring_lo_up (podrun_err_t *err)
{
  cleanup_close int s = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct ifreq ifr;
  if (s < 0)
    return podrun_fail (err, errno, "network", "socket", "lo");
  memset (&ifr, 0, sizeof ifr);
  memcpy (ifr.ifr_name, "lo", 3);
  if (ioctl (s, SIOCGIFFLAGS, &ifr) < 0)
    return podrun_fail (err, errno, "network", "ioctl", "lo");
  ifr.ifr_flags |= IFF_UP;
  if (ioctl (s, SIOCSIFFLAGS, &ifr) < 0)
    return podrun_fail (err, errno, "network", "ioctl", "lo");
  return 0;
}

/* The pod's sysctls, in its own namespaces (net.* in its network namespace, kernel.shm* in its
   IPC namespace): the plan allows only namespaced ones, so the host's values are untouched.  */
static int
set_sysctls (const struct podrun_pod *pod, podrun_err_t *err)
{
  size_t i;
  for (i = 0; i < pod->n_sysctls; i++)
    {
      char path[PATH_MAX] = "/proc/sys/";
      size_t n = strlen (path), k;
      cleanup_close int fd = -1;
      for (k = 0; pod->sysctls[i].name[k] && n < sizeof path - 1; k++)
        path[n++] = pod->sysctls[i].name[k] == '.' ? '/' : pod->sysctls[i].name[k];
      path[n] = '\0';
      fd = open (path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0)
        return podrun_fail (err, errno, "sysctl", "open", path);
      if (podrun_write_all (fd, pod->sysctls[i].value, strlen (pod->sysctls[i].value)) < 0)
        return podrun_fail (err, errno, "sysctl", "write", path);
    }
  return 0;
}

/* What a container allowed to look at the pause process (SYS_PTRACE with shareProcessNamespace)
   may find there: no host file open (stderr was monitor.log), an empty root and cwd, no
   capabilities and another user than the containers' root (65535, as Kubernetes' pause image),
   so that only a container granted SYS_PTRACE may look at all.  The pause process needs no
   privilege: it only waits and reaps, and the monitor signals it as root.  */
#define PAUSE_ID 65535
static int
seal_pause (podrun_err_t *err)
{
  cleanup_close int null = open ("/dev/null", O_RDWR | O_CLOEXEC);
  if (null < 0)
    return podrun_fail (err, errno, "pause", "open", "/dev/null");
  if (dup2 (null, 0) < 0 || dup2 (null, 1) < 0 || dup2 (null, 2) < 0)
    return podrun_fail (err, errno, "pause", "dup2", "/dev/null");
  if (podrun_enter_empty_root (err) < 0)
    return -1;
  if (podrun_limit_caps (0) < 0)
    return podrun_fail (err, errno, "pause", "prctl", "PR_CAPBSET_DROP");
  if (setgroups (0, NULL) < 0)
    return podrun_fail (err, errno, "pause", "setgroups", NULL);
  if (setresgid (PAUSE_ID, PAUSE_ID, PAUSE_ID) < 0)
    return podrun_fail (err, errno, "pause", "setresgid", NULL);
  if (setresuid (PAUSE_ID, PAUSE_ID, PAUSE_ID) < 0)
    return podrun_fail (err, errno, "pause", "setresuid", NULL);
  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return podrun_fail (err, errno, "pause", "prctl", "PR_SET_NO_NEW_PRIVS");
  return 0;
}

static void __attribute__ ((noreturn)) pause_child (const struct podrun_pod *pod, int self_exe, int sync_fd)
{
  static char *const argv[] = { "podrun-helper", "pause", NULL };
  static char *const envp[] = { NULL };
  podrun_err_t err;
  sigset_t none;

  if (podrun_mount_pod (pod, &err) < 0)
    podrun_sync_fail (sync_fd, &err);
  if (pod->uts == PODRUN_NS_POD && sethostname (pod->hostname, strlen (pod->hostname)) < 0)
    {
      podrun_fail (&err, errno, "hostname", "sethostname", pod->hostname);
      podrun_sync_fail (sync_fd, &err);
    }
  if (pod->net == PODRUN_NS_POD && bring_lo_up (&err) < 0)
    podrun_sync_fail (sync_fd, &err);
  if (set_sysctls (pod, &err) < 0)
    podrun_sync_fail (sync_fd, &err);
  if (seal_pause (&err) < 0)
    podrun_sync_fail (sync_fd, &err);
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  signal (SIGPIPE, SIG_DFL);
  /* sync 1. (child) exec closes SYNC_FD (CLOEXEC): EOF tells the monitor the pause is up.  */
  execveat (self_exe, "", argv, envp, AT_EMPTY_PATH);
  podrun_fail (&err, errno, "pause", "execveat", "/proc/self/exe");
  podrun_sync_fail (sync_fd, &err);
}

int
podrun_pause_spawn (const struct podrun_pod *pod, int self_exe, pid_t *pid, int *pidfd, podrun_err_t *err)
{
  cleanup_close int rd = -1, wr = -1;
  uint64_t flags = CLONE_NEWNS;
  int fds[2];

  if (pod->net == PODRUN_NS_POD)
    flags |= CLONE_NEWNET;
  if (pod->ipc == PODRUN_NS_POD)
    flags |= CLONE_NEWIPC;
  if (pod->uts == PODRUN_NS_POD)
    flags |= CLONE_NEWUTS;
  if (pod->pid == PODRUN_NS_POD)
    flags |= CLONE_NEWPID;
  if (pipe2 (fds, O_CLOEXEC) < 0)
    return podrun_fail (err, errno, "pause", "pipe2", NULL);
  rd = fds[0];
  wr = fds[1];
  *pid = podrun_clone3 (flags, pidfd);
  if (*pid < 0)
    return podrun_fail (err, errno, "pause", "clone3", NULL);
  if (*pid == 0)
    pause_child (pod, self_exe, wr);
  close (wr);
  wr = -1;
  /* sync 1. (monitor) */
  if (podrun_sync_wait (rd, err) < 0)
    {
      waitpid (*pid, NULL, 0);
      close (*pidfd);
      *pidfd = -1;
      return -1;
    }
  return 0;
}

static void
on_signal (int sig)
{
  (void) sig;
}

int
podrun_pause_main (void)
{
  struct sigaction sa;
  sigset_t all;
  /* As PID 1 of a PID namespace, signals without a handler are dropped; install no-op handlers
     and take them synchronously with sigwaitinfo.  */
  memset (&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction (SIGTERM, &sa, NULL);
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGCHLD, &sa, NULL);
  sigfillset (&all);
  sigprocmask (SIG_BLOCK, &all, NULL);
  prctl (PR_SET_NAME, "podrun-pause", 0, 0, 0);
  for (;;)
    {
      int sig = sigwaitinfo (&all, NULL);
      if (sig == SIGTERM || sig == SIGINT)
        return 0;
      if (sig == SIGCHLD)
        while (waitpid (-1, NULL, WNOHANG) > 0)
          ;
    }
}
