/* podrun-pause: the pause process as a freestanding program (no libc), so that what podrun keeps
   running per pod stays a few KiB.  Same behaviour as `podrun-helper pause` (pause.c): block
   every signal, take them with rt_sigtimedwait, reap children (it is PID 1 with a shared PID
   namespace), exit 0 on SIGTERM/SIGINT.  Blocked signals are queued even for a namespace's
   PID 1 (kernel/signal.c sig_ignored), so no handlers are needed.  The monitor runs it from a
   sealed memfd with argv `podrun-helper pause`.  */
#include <asm/unistd.h>

#define SIG_BLOCK 0
#define SIGINT 2
#define SIGTERM 15
#define SIGCHLD 17
#define WNOHANG 1
#define PR_SET_NAME 15
#define PR_SET_DUMPABLE 4

static long
sys4 (long n, long a, long b, long c, long d)
{
  long ret;
#if defined(__x86_64__)
  register long r10 __asm__("r10") = d;
  __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
#elif defined(__aarch64__)
  register long x8 __asm__("x8") = n;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  register long x3 __asm__("x3") = d;
  __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
  ret = x0;
#else
#error "podrun-pause: add the syscall convention for this architecture"
#endif
  return ret;
}

__attribute__ ((noreturn, force_align_arg_pointer)) void
_start (void)
{
  unsigned long all = ~0UL;
  long info[16];
  /* Not dumpable: only CAP_SYS_PTRACE may look at or attach to it, not a container root that
     took the pause's uid with CAP_SETUID (security.md, the pause process).  */
  sys4 (__NR_prctl, PR_SET_DUMPABLE, 0, 0, 0);
  sys4 (__NR_rt_sigprocmask, SIG_BLOCK, (long) &all, 0, sizeof all);
  sys4 (__NR_prctl, PR_SET_NAME, (long) "podrun-pause", 0, 0);
  for (;;)
    {
      long sig = sys4 (__NR_rt_sigtimedwait, (long) &all, (long) info, 0, sizeof all);
      if (sig == SIGTERM || sig == SIGINT)
        sys4 (__NR_exit_group, 0, 0, 0, 0);
      if (sig == SIGCHLD)
        while (sys4 (__NR_wait4, -1, 0, WNOHANG, 0) > 0)
          ;
    }
}
