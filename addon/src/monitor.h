#ifndef PODRUN_MONITOR_H
#define PODRUN_MONITOR_H

/* `podrun-helper monitor LAUNCH_FILE` (docs/protocol.md).  */
int podrun_monitor_main (int argc, char **argv);

#endif
