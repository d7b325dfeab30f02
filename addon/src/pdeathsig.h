/* The monitor's children die with it.  The pause process and each container's first process
   are the monitor's children; each sets PR_SET_PDEATHSIG(SIGKILL) as its last step before
   execve, so a monitor that is SIGKILLed or crashes takes them along (and, as PID 1 of their PID
   namespaces, everything in those), instead of leaving processes nothing supervises and nothing
   records (docs/runtime.md, "When the monitor dies").  */
#ifndef PODRUN_PDEATHSIG_H
#define PODRUN_PDEATHSIG_H

#include "util.h"

/* In the monitor, before it clones any child: a pidfd for itself that the children inherit
   (CLOEXEC: execve closes it).  -1 with errno set.  */
int podrun_pdeathsig_prepare (void);

/* In a child of the monitor, after its last credential change (the kernel clears the setting
   when the effective or filesystem uid or gid changes) and before execve: SIGKILL when the monitor
   dies; _exit (1) at once when it already has.  -1 with ERR filled (step STEP) when prctl or
   poll fails.  Child-safe.  */
int podrun_pdeathsig_set (const char *step, podrun_err_t *err);

#endif
