/* podrun-helper: the pod monitor, the pause process and the exec entry point, as one small
   single-threaded program so that namespace work never happens inside Node (the kernel refuses
   setns into a mount namespace from a multi-threaded process).  See docs/protocol.md.  */
#include "exec.h"
#include "monitor.h"
#include "pause.h"

#include <stdio.h>
#include <string.h>

int
main (int argc, char **argv)
{
  if (argc >= 2 && strcmp (argv[1], "monitor") == 0)
    return podrun_monitor_main (argc, argv);
  if (argc == 2 && strcmp (argv[1], "pause") == 0)
    return podrun_pause_main ();
  if (argc >= 2 && strcmp (argv[1], "exec") == 0)
    return podrun_exec_main (argc, argv);
  fprintf (stderr, "usage: podrun-helper monitor LAUNCH_FILE | pause | exec --pid PID --start-time T [...] -- CMD...\n");
  return 2;
}
