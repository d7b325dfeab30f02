/* The probe: a static program the tests build (gcc -static, test/helpers/probe.ts) and run inside
   a busybox container, to see what the container may do.  It makes each attempt and prints one
   line for it:

     NAME ok            the call succeeded
     NAME ERRNO         it failed with that errno (EPERM, ENOSYS, ...)
     NAME killed SIG    the process making it died of that signal

   `probe` makes every attempt, `probe NAME...` only those; `probe ids` prints `uid=N euid=N` (a
   setuid copy of the probe shows whether setuid took effect).  `--caps MASK` first (hex) limits
   the probe to those capabilities before the attempts: run so on the host, without seccomp, it
   shows what the kernel itself answers a container holding them (the tests' baseline).

   Each attempt runs in a child of its own, so one that changes the process (unshare) cannot
   change the next, and one that is killed leaves the others.  Attempts are chosen so that a call
   the kernel runs fails with another errno than seccomp's refusal (EPERM, ENOSYS for clone3)
   before any permission check, or succeeds: the argument comments say what the kernel answers
   once the filter lets the call through.

   To add an attempt: write a function returning the raw syscall's result (-1 and errno on
   failure) and add it to ATTEMPTS.  */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define KEYCTL_GET_KEYRING_ID 0
#define KEY_SPEC_THREAD_KEYRING -1
#define KEY_SPEC_PROCESS_KEYRING -2
#define UFFD_USER_MODE_ONLY 1

/* ENOKEY: no thread keyring exists and none is created.  */
static long
try_keyctl (void)
{
  return syscall (SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_THREAD_KEYRING, 0);
}

/* EINVAL: a payload over 1 MiB - 1 is refused first.  */
static long
try_add_key (void)
{
  return syscall (SYS_add_key, "user", "podrun-probe", NULL, (size_t) 1 << 20, KEY_SPEC_PROCESS_KEYRING);
}

/* ENOKEY: no such key, and no upcall without callout info.  */
static long
try_request_key (void)
{
  return syscall (SYS_request_key, "user", "podrun-probe-absent", NULL, 0);
}

/* EINVAL: no such command (before Linux 6.5, with kernel.unprivileged_bpf_disabled set, the
   kernel answers EPERM itself without CAP_BPF).  */
static long
try_bpf (void)
{
  char attr[64] = { 0 };
  return syscall (SYS_bpf, 0x7fff, attr, sizeof attr);
}

/* EINVAL: unknown flags are refused before the attribute is read.  */
static long
try_perf_event_open (void)
{
  char attr[128] = { 0 };
  return syscall (SYS_perf_event_open, attr, 0, -1, -1, ~0UL);
}

/* EINVAL: user-mode-only needs no privilege, the other flag is unknown.  */
static long
try_userfaultfd (void)
{
  return syscall (SYS_userfaultfd, UFFD_USER_MODE_ONLY | 0x40000000);
}

/* EINVAL: a ring of 0 entries.  */
static long
try_io_uring_setup (void)
{
  char params[120] = { 0 };
  return syscall (SYS_io_uring_setup, 0, params);
}

/* ok: root needs no capability for a user namespace.  */
static long
try_unshare_user (void)
{
  return syscall (SYS_unshare, CLONE_NEWUSER);
}

/* A raw clone with FLAGS whose child exits at once; 0 once it has been reaped.  */
static long
clone_and_reap (unsigned long flags)
{
  long r = syscall (SYS_clone, flags | SIGCHLD, 0, NULL, NULL, 0);
  if (r == 0)
    _exit (0);
  if (r > 0)
    waitpid ((pid_t) r, NULL, 0);
  return r < 0 ? r : 0;
}

/* ok, as unshare.  */
static long
try_clone_user (void)
{
  return clone_and_reap (CLONE_NEWUSER);
}

/* ok: a plain fork is allowed by every profile podrun ships.  */
static long
try_fork (void)
{
  return clone_and_reap (0);
}

/* ENOENT: the mount point is looked up before the capability check.  */
static long
try_mount (void)
{
  return syscall (SYS_mount, "none", "/podrun-probe-no-such-dir", "tmpfs", 0UL, NULL);
}

/* EINVAL: an empty handle is refused before the capability check (on Linux 6.18; older kernels
   check CAP_DAC_READ_SEARCH first and answer EPERM themselves).  */
static long
try_open_by_handle_at (void)
{
  struct
  {
    unsigned int bytes;
    int type;
  } handle = { 0, 0 };
  return syscall (SYS_open_by_handle_at, 999, &handle, O_RDONLY);
}

/* EINVAL: a size below the first version of struct clone_args.  */
static long
try_clone3 (void)
{
  return syscall (SYS_clone3, NULL, 0);
}

static const struct attempt
{
  const char *name;
  long (*run) (void);
} ATTEMPTS[] = {
  { "keyctl", try_keyctl },
  { "add_key", try_add_key },
  { "request_key", try_request_key },
  { "bpf", try_bpf },
  { "perf_event_open", try_perf_event_open },
  { "userfaultfd", try_userfaultfd },
  { "io_uring_setup", try_io_uring_setup },
  { "unshare-user", try_unshare_user },
  { "clone-user", try_clone_user },
  { "fork", try_fork },
  { "mount", try_mount },
  { "open_by_handle_at", try_open_by_handle_at },
  { "clone3", try_clone3 },
};

/* Keeps only the capabilities in KEEP (bounding, effective, permitted; inheritable cleared).  */
static int
limit_caps (unsigned long long keep)
{
  struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct d[2];
  int cap;
  for (cap = 0; cap < 64; cap++)
    if (!(keep & (1ULL << cap)) && prctl (PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
      return -1;
  if (syscall (SYS_capget, &h, d) < 0)
    return -1;
  d[0].effective &= (unsigned) keep;
  d[0].permitted &= (unsigned) keep;
  d[1].effective &= (unsigned) (keep >> 32);
  d[1].permitted &= (unsigned) (keep >> 32);
  d[0].inheritable = d[1].inheritable = 0;
  return (int) syscall (SYS_capset, &h, d);
}

/* The child's exit status carries the errno: 0 for success, 1..255 an errno.  */
static void
attempt (const struct attempt *a)
{
  int status;
  pid_t pid = fork ();
  if (pid < 0)
    {
      printf ("%s fork-failed %s\n", a->name, strerrorname_np (errno));
      return;
    }
  if (pid == 0)
    {
      errno = 0;
      _exit (a->run () < 0 ? (errno > 0 && errno < 256 ? errno : 255) : 0);
    }
  if (waitpid (pid, &status, 0) < 0)
    printf ("%s wait-failed %s\n", a->name, strerrorname_np (errno));
  else if (WIFSIGNALED (status))
    printf ("%s killed %s\n", a->name, sigabbrev_np (WTERMSIG (status)) ? sigabbrev_np (WTERMSIG (status)) : "?");
  else if (WEXITSTATUS (status) == 0)
    printf ("%s ok\n", a->name);
  else
    printf ("%s %s\n", a->name, strerrorname_np (WEXITSTATUS (status)) ? strerrorname_np (WEXITSTATUS (status)) : "?");
  fflush (stdout);
}

int
main (int argc, char **argv)
{
  size_t i;
  int k;
  setvbuf (stdout, NULL, _IOLBF, 0);
  if (argc >= 3 && strcmp (argv[1], "--caps") == 0)
    {
      if (limit_caps (strtoull (argv[2], NULL, 16)) < 0)
        {
          fprintf (stderr, "probe: --caps %s: %s\n", argv[2], strerror (errno));
          return 2;
        }
      argv[2] = argv[0];
      argv += 2;
      argc -= 2;
    }
  if (argc == 2 && strcmp (argv[1], "ids") == 0)
    {
      printf ("uid=%d euid=%d\n", (int) getuid (), (int) geteuid ());
      return 0;
    }
  if (argc == 1)
    for (i = 0; i < sizeof ATTEMPTS / sizeof ATTEMPTS[0]; i++)
      attempt (&ATTEMPTS[i]);
  for (k = 1; k < argc; k++)
    {
      const struct attempt *a = NULL;
      for (i = 0; i < sizeof ATTEMPTS / sizeof ATTEMPTS[0]; i++)
        if (strcmp (ATTEMPTS[i].name, argv[k]) == 0)
          a = &ATTEMPTS[i];
      if (a == NULL)
        {
          fprintf (stderr, "probe: no attempt named %s\n", argv[k]);
          return 2;
        }
      attempt (a);
    }
  return 0;
}
