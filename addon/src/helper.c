/* podrun-helper: the pod monitor, the pause process and the exec entry point, as one small
   single-threaded program so that namespace work never happens inside Node (the kernel refuses
   setns into a mount namespace from a multi-threaded process).  See docs/protocol.md.  */
#include "attach.h"
#include "exec.h"
#include "launch.h"
#include "monitor.h"
#include "pause.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#endif

/* Runs this program again from a read-only, detached bind mount of its own folder, unless it
   already runs from a read-only mount.  The monitor forks every container's first process, and
   it and `exec` fork the commands they run in containers: from the fork to their execve they are
   this program, and a container that may ptrace them (CAP_SYS_PTRACE, a shared PID namespace)
   can open /proc/PID/exe, the host's podrun-helper, and chmod or (once nothing runs it) write
   it (CVE-2019-5736; review 15).  Through a read-only mount that file refuses both (EROFS).  The
   mount is never attached (open_tree OPEN_TREE_CLONE, Linux 5.2; read-only by mount_setattr,
   5.12): no mountinfo entry to leak, gone with the last process that runs from it.  Copying the
   program into a sealed memfd, as for the pause, would cost its 1 MB per pod.  PODRUN_HELPER_DIR
   keeps the folder's real path for what lies beside it (podrun-pause).  On an older kernel, or
   without the privilege, it goes on as it is.  */
static void
run_from_readonly_mount (char **argv)
{
  struct statvfs st;
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV };
  char self[PATH_MAX], *slash;
  ssize_t n;
  int tree;
  if (statvfs ("/proc/self/exe", &st) == 0 && (st.f_flag & ST_RDONLY))
    return;
  n = readlink ("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0)
    return;
  self[n] = '\0';
  slash = strrchr (self, '/');
  if (!slash || slash == self)
    return;
  *slash = '\0';
  tree = (int) syscall (SYS_open_tree, AT_FDCWD, self, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (tree < 0)
    return;
  if (syscall (SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof attr) == 0
      && setenv ("PODRUN_HELPER_DIR", self, 1) == 0)
    syscall (SYS_execveat, tree, slash + 1, argv, environ, 0);
  unsetenv ("PODRUN_HELPER_DIR");
  close (tree);
}

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
  if (argc >= 2
      && (strcmp (argv[1], "monitor") == 0 || strcmp (argv[1], "exec") == 0 || strcmp (argv[1], "exec-serve") == 0))
    run_from_readonly_mount (argv);
  if (argc >= 2 && strcmp (argv[1], "monitor") == 0)
    return podrun_monitor_main (argc, argv);
  if (argc == 2 && strcmp (argv[1], "pause") == 0)
    return podrun_pause_main ();
  if (argc >= 2 && strcmp (argv[1], "exec") == 0)
    return podrun_exec_main (argc, argv);
  /* A container's probe server, started by its monitor with the socket at fd 3 (exec.h).  */
  if (argc >= 2 && strcmp (argv[1], "exec-serve") == 0)
    return podrun_exec_serve (argc, argv, 3);
  /* `podrun attach -i`: the container's stdin from the monitor, this process's copied to it.  */
  if (argc >= 2 && strcmp (argv[1], "attach-stdin") == 0)
    return podrun_attach_stdin_main (argc, argv);
  if (argc == 3 && strcmp (argv[1], "check-launch") == 0)
    return check_launch (argv[2]);
  fprintf (stderr, "usage: podrun-helper monitor LAUNCH_FILE | pause | exec --protocol N --pid PID --start-time T "
                   "[...] -- CMD... | attach-stdin --pod-dir DIR --container NAME [--tty] | check-launch FILE\n");
  return 2;
}
