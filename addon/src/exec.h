#ifndef PODRUN_EXEC_H
#define PODRUN_EXEC_H

/* `podrun-helper exec --pid PID --start-time T [...] -- CMD ARGS...` (docs/protocol.md).  */
int podrun_exec_main (int argc, char **argv);

#endif
