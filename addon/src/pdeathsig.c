/* PR_SET_PDEATHSIG with the race check (pdeathsig.h).  A monitor that died between cloning a
   child and the child's prctl sends no signal, so the child checks afterwards.  getppid () cannot
   tell: a child in a new PID namespace sees 0 as its parent either way.  The monitor's pidfd
   can: it polls readable once the monitor has exited (zombie or reaped), wherever the child is.
   prctl(2): the setting survives execve except of a set-user-ID, set-group-ID or
   file-capability program (AT_SECURE), and a credential change clears it.  */
#include "pdeathsig.h"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>

static int monitor_pidfd = -1;

int
podrun_pdeathsig_prepare (void)
{
  if (monitor_pidfd < 0)
    monitor_pidfd = podrun_pidfd_open (getpid ());
  return monitor_pidfd < 0 ? -1 : 0;
}

int
podrun_pdeathsig_set (const char *step, podrun_err_t *err)
{
  struct pollfd p = { .fd = monitor_pidfd, .events = POLLIN };
  int n, sig = 0;
  if (monitor_pidfd < 0)
    return podrun_fail (err, EBADF, step, "pidfd_open", NULL);
  if (prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
    return podrun_fail (err, errno, step, "prctl", "PR_SET_PDEATHSIG");
  /* Read back: a seccomp profile answering prctl with 0 without running it must not leave the
     container untied (SIG stays 0 when the get is faked too).  */
  errno = 0;
  if (prctl (PR_GET_PDEATHSIG, &sig, 0, 0, 0) < 0 || sig != SIGKILL)
    return podrun_fail (err, errno ? errno : EPERM, step, "prctl", "PR_GET_PDEATHSIG");
  /* The exiting monitor reads its children's setting and then marks itself exited, under the
     tasklist lock (a full barrier); this store must be visible before the load of that mark, or
     both could miss each other (store buffering).  */
  __atomic_thread_fence (__ATOMIC_SEQ_CST);
  do
    n = poll (&p, 1, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return podrun_fail (err, errno, step, "poll", "monitor pidfd");
  if (n > 0)
    _exit (1); /* the monitor is gone: nobody to report to, nothing to run for */
  return 0;
}
