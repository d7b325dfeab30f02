/* The pause process: created by the monitor with clone3 in the pod's new namespaces, it prepares
   them (pod mount namespace, hostname, lo) and then re-executes this binary as
   `podrun-helper pause`, which only waits.  Modelled on kubernetes build/pause/linux/pause.c.  */
#include "pause.h"
#include "cgroup.h"
#include "mounts.h"
#include "pdeathsig.h"
#include "seccomp.h"
#include "userns.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/sched.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
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
#define PAUSE_MEMORY_LIMIT (32UL << 20)
static int
seal_pause (int root_fd, podrun_err_t *err)
{
  cleanup_close int null = open ("/dev/null", O_RDWR | O_CLOEXEC);
  if (null < 0)
    return podrun_fail (err, errno, "pause", "open", "/dev/null");
  if (dup2 (null, 0) < 0 || dup2 (null, 1) < 0 || dup2 (null, 2) < 0)
    return podrun_fail (err, errno, "pause", "dup2", "/dev/null");
  if ((root_fd >= 0 ? podrun_enter_root (root_fd, err) : podrun_enter_empty_root (err)) < 0)
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
  /* A container that may ptrace the pause can make it map memory (its filter allows mmap for
     the static-glibc fallback), and the pause is outside the pod's cgroup: bound it.  Only
     lowered, never above the hard limit.  */
  {
    static const int res[] = { RLIMIT_AS, RLIMIT_DATA };
    size_t i;
    for (i = 0; i < 2; i++)
      {
        struct rlimit rl;
        if (getrlimit (res[i], &rl) < 0)
          return podrun_fail (err, errno, "pause", "getrlimit", NULL);
        if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max > PAUSE_MEMORY_LIMIT)
          rl.rlim_max = PAUSE_MEMORY_LIMIT;
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit (res[i], &rl) < 0)
          return podrun_fail (err, errno, "pause", "setrlimit", NULL);
      }
  }
  return 0;
}

/* hostUsers: false.  The pod mount namespace (and a pod PID namespace) were made by clone3 and
   stay the host user namespace's, so only podrun, as host root, ever changes a mount in them.
   Now the user namespace, with the network, IPC and UTS namespaces it owns (created first in
   one unshare, so it owns the others): the monitor writes its maps (sync 0u), then this process
   becomes the pod's root.  ROOT_FD: the empty root, made while it still could.  */
static int
enter_user_namespace (const int userns_sync[2], int *root_fd, podrun_err_t *err)
{
  char go = 0;
  *root_fd = podrun_empty_root (err);
  if (*root_fd < 0)
    return -1;
  if (unshare (CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS) < 0)
    return podrun_fail (err, errno, "userns", "unshare", NULL);
  /* sync 0u. (pause) ask for the maps, wait for them  */
  if (write (userns_sync[1], "u", 1) != 1)
    return podrun_fail (err, errno, "userns", "write", NULL);
  if (read (userns_sync[0], &go, 1) != 1 || go != 'g')
    return podrun_fail (err, EPROTO, "userns", "read", NULL);
  if (setresgid (0, 0, 0) < 0)
    return podrun_fail (err, errno, "userns", "setresgid", NULL);
  if (setresuid (0, 0, 0) < 0)
    return podrun_fail (err, errno, "userns", "setresuid", NULL);
  return 0;
}

static void __attribute__ ((noreturn))
pause_child (const struct podrun_pod *pod, int self_exe, int sync_fd, const int userns_sync[2], size_t born_in)
{
  static char *const argv[] = { "podrun-helper", "pause", NULL };
  static char *const envp[] = { NULL };
  podrun_err_t err;
  sigset_t none;
  int root_fd = -1;
  size_t i;

  /* First, while the host's cgroup mounts are in sight: its leaf below the pod's cgroup.  A
     container that may ptrace the pause can make it run anything its filter allows, a busy loop
     to begin with; in the monitor's cgroups that ran past the pod's cpu limit (review 16).  */
  for (i = 0; i < pod->n_pause_cgroups; i++)
    if (i != born_in && podrun_cgroup_join (pod->pause_cgroups[i], &err) < 0)
      podrun_sync_fail (sync_fd, &err);
  if (podrun_mount_pod (pod, &err) < 0)
    podrun_sync_fail (sync_fd, &err);
  if (pod->pid == PODRUN_NS_POD && podrun_mount_pod_proc (pod, &err) < 0)
    podrun_sync_fail (sync_fd, &err);
  if (pod->userns_len && enter_user_namespace (userns_sync, &root_fd, &err) < 0)
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
  if (seal_pause (root_fd, &err) < 0)
    podrun_sync_fail (sync_fd, &err);
  /* After seal_pause's setresuid, which clears it; the pause program (sealed memfd, no_new_privs)
     keeps it across execve: the pause dies with the monitor, and with it a pod PID namespace.  */
  if (podrun_pdeathsig_set ("pause", &err) < 0)
    podrun_sync_fail (sync_fd, &err);
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  signal (SIGPIPE, SIG_DFL);
  /* Last: a container that may ptrace the pause can make it run any system call, so the pause
     keeps only its own (plan/seccomp-pause.ts); no_new_privs is set (seal_pause).  */
  if (podrun_seccomp_install (&pod->pause_prog) < 0)
    {
      podrun_fail (&err, errno, "seccomp", "seccomp", pod->pause_seccomp);
      podrun_sync_fail (sync_fd, &err);
    }
  /* sync 1. (child) exec closes SYNC_FD (CLOEXEC): EOF tells the monitor the pause is up.  */
  execveat (self_exe, "", argv, envp, AT_EMPTY_PATH);
  podrun_fail (&err, errno, "pause", "execveat", "/proc/self/exe");
  podrun_sync_fail (sync_fd, &err);
}

/* sync 0u. (monitor) The pause has unshared its user namespace: write the maps, let it go on.
   EOF instead: it failed before (its record follows on the sync pipe).  */
static int
map_pause (pid_t pid, const struct podrun_pod *pod, int ready_rd, int go_wr, podrun_err_t *err)
{
  char c;
  ssize_t n;
  do
    n = read (ready_rd, &c, 1);
  while (n < 0 && errno == EINTR);
  if (n != 1)
    return 1;
  if (podrun_userns_write_maps (pid, pod, err) < 0)
    return -1;
  if (write (go_wr, "g", 1) != 1)
    return podrun_fail (err, errno, "userns", "write", NULL);
  return 0;
}

int
podrun_pause_spawn (const struct podrun_pod *pod, int self_exe, pid_t *pid, int *pidfd, int *userns_fd,
                    podrun_err_t *err)
{
  cleanup_close int rd = -1, wr = -1;
  /* userns: [0] the monitor's ends (ready rd, go wr), [1] the pause's (go rd, ready wr)  */
  int ready[2] = { -1, -1 }, go[2] = { -1, -1 }, child_ends[2], ret;
  cleanup_close int cgroup_dir = -1;
  size_t born_in = 0;
  uint64_t flags = CLONE_NEWNS;
  int fds[2];

  *userns_fd = -1;
  /* With a user namespace the pause unshares net/ipc/uts itself, owned by it.  */
  if (pod->net == PODRUN_NS_POD && !pod->userns_len)
    flags |= CLONE_NEWNET;
  if (pod->ipc == PODRUN_NS_POD && !pod->userns_len)
    flags |= CLONE_NEWIPC;
  if (pod->uts == PODRUN_NS_POD && !pod->userns_len)
    flags |= CLONE_NEWUTS;
  if (pod->pid == PODRUN_NS_POD)
    flags |= CLONE_NEWPID;
  if (pipe2 (fds, O_CLOEXEC) < 0)
    return podrun_fail (err, errno, "pause", "pipe2", NULL);
  rd = fds[0];
  wr = fds[1];
  if (pod->userns_len && (pipe2 (ready, O_CLOEXEC) < 0 || pipe2 (go, O_CLOEXEC) < 0))
    {
      ret = podrun_fail (err, errno, "pause", "pipe2", NULL);
      goto out;
    }
  child_ends[0] = go[0];
  child_ends[1] = ready[1];
  /* Born in its v2 leaf (CLONE_INTO_CGROUP): a migration there waits an RCU grace period, ~10 ms
     of every apply on a pure v2 host; only the v1 ones are joined by writing.  */
  for (born_in = 0; born_in < pod->n_pause_cgroups; born_in++)
    {
      cgroup_dir = podrun_cgroup_open_v2_dir (pod->pause_cgroups[born_in], err);
      if (cgroup_dir == -1)
        {
          ret = -1;
          goto out;
        }
      if (cgroup_dir >= 0)
        break;
    }
  *pid = podrun_clone3_into (flags, pidfd, cgroup_dir);
  if (*pid < 0)
    {
      ret = podrun_fail (err, errno, "pause", "clone3", NULL);
      goto out;
    }
  if (*pid == 0)
    {
      /* Not the monitor's ends: its exit must show as EOF here.  */
      if (pod->userns_len)
        {
          close (ready[0]);
          close (go[1]);
        }
      pause_child (pod, self_exe, wr, child_ends, born_in);
    }
  close (wr);
  wr = -1;
  ret = 0;
  if (pod->userns_len)
    {
      close (go[0]);
      close (ready[1]);
      go[0] = ready[1] = -1;
      ret = map_pause (*pid, pod, ready[0], go[1], err);
      close (go[1]);
      go[1] = -1;
      if (ret < 0)
        kill (*pid, SIGKILL);
    }
  /* sync 1. (monitor) */
  if (ret < 0 || podrun_sync_wait (rd, err) < 0)
    ret = -1;
  if (ret == 0 && pod->userns_len)
    {
      *userns_fd = podrun_userns_open (*pid, *pidfd, err);
      if (*userns_fd < 0)
        {
          kill (*pid, SIGKILL);
          ret = -1;
        }
    }
  if (ret < 0)
    {
      waitpid (*pid, NULL, 0);
      close (*pidfd);
      *pidfd = -1;
    }
out:
  {
    int *all[] = { &ready[0], &ready[1], &go[0], &go[1] };
    size_t i;
    for (i = 0; i < 4; i++)
      if (*all[i] >= 0)
        close (*all[i]);
  }
  return ret < 0 ? -1 : 0;
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
  prctl (PR_SET_DUMPABLE, 0, 0, 0, 0); /* as pause-tiny.c */
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
