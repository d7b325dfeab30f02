/* The mechanism of probes and lifecycle hooks (docs/supervision.md, "Probes and hooks"): the
   monitor's state machine decides when a handler runs and what its result means; this runs it,
   never blocking the monitor's loop.

   - exec: the command runs as `podrun exec` runs one (the container's namespaces, root, cgroups,
     user, capabilities, seccomp, AppArmor and no_new_privs); its stdout and stderr in one pipe on
     the loop, the first PODRUN_PROBE_OUTPUT bytes kept.  A probe's command is forked by the
     container's probe server (exec.h podrun_exec_serve: one per container instance, started at
     its first exec probe, ended with it), which reports its exit; a cancel (the probe's timeout)
     asks the server to SIGKILL the command's process group.  A hook's command (once per start),
     a container with an AppArmor profile, and an instance whose server could not start or died
     take `podrun-helper exec --kill-on-term` forked by the monitor, reaped by pid, SIGTERMed on
     cancel (it then SIGKILLs the command and its process group).
   - tcpSocket, httpGet: a non-blocking socket created in the pod's network namespace (the
     monitor enters it for the socket() call only) and driven on the loop.  A host name is
     resolved at each run, as the kubelet's dialer resolves it, by getaddrinfo in a short-lived
     child forked for the run (the monitor's own namespaces: the host's /etc/hosts and DNS),
     whose answer comes back on a pipe the loop watches; its addresses are dialled in turn.
   - sleep: a deadline.
   Results come back as podrun_probe_result, which the monitor feeds to the machine.  */
#ifndef PODRUN_PROBE_H
#define PODRUN_PROBE_H

#include "launch.h"

/* The most of a run's output (exec) or response body (httpGet) kept for its messages: the
   kubelet keeps 10 KiB of each, and an event's message holds less.  */
#define PODRUN_PROBE_OUTPUT 4096

struct podrun_probes;

struct podrun_probe_result
{
  size_t container;
  int handler;                 /* enum sv_probe_kind, or PODRUN_HANDLER_POST_START / _PRE_STOP */
  enum sv_probe_result result; /* a probe's */
  int ok;                      /* a hook's */
};

/* The runner for POD's handlers; its fds are watched on EPFD with data (TAG << 32 | slot).  NULL
   with ERR set on failure.  */
struct podrun_probes *podrun_probes_new (const struct podrun_pod *pod, int epfd, uint32_t tag, podrun_err_t *err);

/* Runs container I's handler H once, against its process PID (started at START_TIME) and in
   the network namespace of NET_PIDFD's process (-1: the monitor's own).  1 when it finished at
   once (*OUT set), else 0.  */
int podrun_probe_run (struct podrun_probes *p, size_t i, int h, pid_t pid, unsigned long long start_time, int net_pidfd,
                      struct podrun_probe_result *out);

/* Stops container I's run of handler H, if any: no result will come.  */
void podrun_probe_cancel (struct podrun_probes *p, size_t i, int h);

/* The loop saw EVENTS on slot IDX's fd.  1 when the run finished (*OUT set).  */
int podrun_probe_io (struct podrun_probes *p, uint32_t idx, uint32_t events, struct podrun_probe_result *out);

/* PID was reaped with STATUS: -1 when it is none of ours, 1 when a run finished (*OUT set), else
   0.  */
int podrun_probe_reaped (struct podrun_probes *p, pid_t pid, int status, struct podrun_probe_result *out);

/* Reaps, by pid, the runs' processes that have exited; up to MAX finished runs in OUT.  */
size_t podrun_probe_reap (struct podrun_probes *p, struct podrun_probe_result *out, size_t max);

/* The earliest deadline of the runner (sleep hooks, a cancelled helper's SIGKILL); SV_NEVER.  */
sv_ms podrun_probe_deadline (const struct podrun_probes *p);

/* Does what is due at NOW; up to MAX finished runs in OUT.  */
size_t podrun_probe_timer (struct podrun_probes *p, sv_ms now, struct podrun_probe_result *out, size_t max);

/* The last finished run's message of container I's handler H (its output, or what failed), "".  */
const char *podrun_probe_message (const struct podrun_probes *p, size_t i, int h);

/* What the last cancel of container I's handler H cut short when it was dialling a host name,
   as Go's dial error names it ("dial tcp: lookup NAME" while resolving, "dial tcp ADDR:PORT"
   while connecting to an address of it); NULL otherwise.  */
const char *podrun_probe_cut_dial (const struct podrun_probes *p, size_t i, int h);

/* Container I's process has exited: its probe server goes (SIGKILL, reaped by pid).  */
void podrun_probe_container_ended (struct podrun_probes *p, size_t i);
/* Whether a process of the runner is still alive (the monitor waits for them before it ends).  */
int podrun_probe_busy (const struct podrun_probes *p);

/* Go's time.Duration.String of MS (1s, 1.5s, 500ms, 1m30s), as the kubelet's messages write it.  */
void podrun_go_duration (sv_ms ms, char *buf, size_t cap);

#endif
