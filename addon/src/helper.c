/* podrun-helper: the pod monitor, the pause process and the exec entry point, as one small
   single-threaded program so that namespace work never happens inside Node (the kernel refuses
   setns into a mount namespace from a multi-threaded process).  See docs/protocol.md.  */
#include "exec.h"
#include "launch.h"
#include "monitor.h"
#include "pause.h"

#include <stdio.h>
#include <string.h>

/* Parses and validates a launch file without starting anything, then prints what it read back
   as directives (podrun_launch_dump); a failure prints the validate record and exits 1.  */
static int
check_launch (const char *file)
{
  struct podrun_pod pod;
  podrun_err_t err;
  char rec[PATH_MAX + 128];
  if (podrun_launch_parse (file, &pod, &err) < 0)
    {
      podrun_err_format (&err, rec, sizeof rec);
      dprintf (2, "error %s", rec);
      return 1;
    }
  podrun_launch_dump (&pod, 1);
  return 0;
}

int
main (int argc, char **argv)
{
  if (argc >= 2 && strcmp (argv[1], "monitor") == 0)
    return podrun_monitor_main (argc, argv);
  if (argc == 2 && strcmp (argv[1], "pause") == 0)
    return podrun_pause_main ();
  if (argc >= 2 && strcmp (argv[1], "exec") == 0)
    return podrun_exec_main (argc, argv);
  /* A container's probe server, started by its monitor with the socket at fd 3 (exec.h).  */
  if (argc >= 2 && strcmp (argv[1], "exec-serve") == 0)
    return podrun_exec_serve (argc, argv, 3);
  if (argc == 3 && strcmp (argv[1], "check-launch") == 0)
    return check_launch (argv[2]);
  fprintf (stderr, "usage: podrun-helper monitor LAUNCH_FILE | pause | exec --protocol N --pid PID --start-time T "
                   "[...] -- CMD... | check-launch FILE\n");
  return 2;
}
