#ifndef PODRUN_EXEC_H
#define PODRUN_EXEC_H

#include "util.h"

/* `podrun-helper exec --pid PID --start-time T [...] -- CMD ARGS...` (docs/protocol.md).  */
int podrun_exec_main (int argc, char **argv);

/* The probe server of one container instance (`podrun-helper exec-serve`, which its monitor
   starts with SOCK at fd 3 and its commands' environment at fd 4, K=V strings each
   NUL-terminated: probe.c; docs/supervision.md, "Exec probes"): the same arguments as
   podrun_exec_main without a command and without --env, the same steps into the
   container as the intermediate takes, then, confined, it forks each command it is sent straight
   into the container's PID namespace, until the container's process exits or SOCK closes.  The
   messages on SOCK (SOCK_SEQPACKET, one per packet, a struct podrun_serve_msg first):
   - RUN (monitor to server): ARGC NUL-terminated strings follow (the command), and one fd comes
     in SCM_RIGHTS: the command's stdout and stderr.  SEQ names the run.
   - KILL: SIGKILL run SEQ's process group (its timeout).
   - EXITED (server to monitor): run SEQ ended with wait STATUS.  */
int podrun_exec_serve (int argc, char **argv, int sock);

enum podrun_serve_op
{
  PODRUN_SERVE_RUN = 1,
  PODRUN_SERVE_KILL = 2,
  PODRUN_SERVE_EXITED = 3
};

struct podrun_serve_msg
{
  uint32_t op, seq;
  int32_t status;
  uint32_t argc;
};

/* The largest message, and the most runs a server holds at once (a container has three probes).  */
#define PODRUN_SERVE_MAX 65536
#define PODRUN_SERVE_RUNS 8

#endif
