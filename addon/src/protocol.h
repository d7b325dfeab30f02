/* The version of the contract between podrun's TypeScript and this native build (the addon and
   podrun-helper): the launch file, the monitor's handshake, the files the monitor writes and the
   exec arguments.  Bumped on every incompatible change; src/util/native.ts expects the same
   number, so a stale build/Release is refused with a clear error (docs/protocol.md).  */
#ifndef PODRUN_PROTOCOL_H
#define PODRUN_PROTOCOL_H

#define PODRUN_PROTOCOL 10

#define PODRUN_STR_(x) #x
#define PODRUN_STR(x) PODRUN_STR_ (x)
/* The first string of a launch file.  */
#define PODRUN_LAUNCH_MAGIC "podrun-launch-v" PODRUN_STR (PODRUN_PROTOCOL)

#endif
