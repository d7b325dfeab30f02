#ifndef PODRUN_ATTACH_H
#define PODRUN_ATTACH_H

/* podrun-helper attach-stdin --pod-dir DIR --container NAME [--tty] (attach.c).  */
int podrun_attach_stdin_main (int argc, char **argv);

#endif
