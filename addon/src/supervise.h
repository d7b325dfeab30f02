/* The pod's supervision as a pure state machine (docs/supervision.md): events in, actions out.
   No system calls, no clock reads, no allocation and no globals: the caller gives the memory
   (sv_machine_size), every Kubernetes number arrives in the config, and the time is the `now`
   each event carries (milliseconds on one monotonic clock).  The rules are the kubelet's, as
   docs/reference/kubelet-rules.md writes them down; rule numbers (R1.3, §6.2) refer to it.  */
#ifndef PODRUN_SUPERVISE_H
#define PODRUN_SUPERVISE_H

#include <stddef.h>
#include <stdint.h>

/* A time or a duration in milliseconds; SV_NEVER: none.  */
typedef int64_t sv_ms;
#define SV_NEVER ((sv_ms) -1)

/* The earlier of two deadlines, SV_NEVER being none.  */
static inline sv_ms
sv_earlier (sv_ms a, sv_ms b)
{
  return b != SV_NEVER && (a == SV_NEVER || b < a) ? b : a;
}

enum sv_kind
{
  SV_KIND_INIT = 0, /* a regular init container */
  SV_KIND_SIDECAR,  /* initContainers[*].restartPolicy: Always */
  SV_KIND_APP       /* spec.containers */
};

enum sv_policy
{
  SV_POLICY_ALWAYS = 0,
  SV_POLICY_ON_FAILURE,
  SV_POLICY_NEVER
};

enum sv_probe_kind
{
  SV_PROBE_STARTUP = 0,
  SV_PROBE_LIVENESS,
  SV_PROBE_READINESS,
  SV_N_PROBES
};

struct sv_probe_config
{
  int present;
  sv_ms delay, period, timeout; /* initialDelaySeconds (>= 0), periodSeconds, timeoutSeconds (> 0) */
  int success, failure;         /* thresholds, >= 1 (liveness and startup success: 1) */
  sv_ms grace;                  /* terminationGracePeriodSeconds of the probe; SV_NEVER: the pod's */
};

struct sv_container_config
{
  enum sv_kind kind;
  /* After Kubernetes' defaulting (TypeScript's): apps the pod's policy, sidecars Always, regular
     init containers OnFailure under a pod's Always (R2.2), else the pod's.  */
  enum sv_policy restart;
  struct sv_probe_config probes[SV_N_PROBES];
  int post_start, pre_stop; /* has the hook */
  int stop_signal;          /* lifecycle.stopSignal, else the image's, else SIGTERM */
};

struct sv_config
{
  enum sv_policy restart; /* the pod's spec.restartPolicy */
  sv_ms grace;            /* spec.terminationGracePeriodSeconds */
  sv_ms min_grace;        /* the least time from the stop signal to SIGKILL: 2 s (§6.2 step 6) */
  sv_ms backoff_initial, backoff_max, backoff_reset; /* R1.3: 10 s, 300 s, 600 s */
  /* In spec order: initContainers (regular and sidecars interleaved), then containers.  */
  const struct sv_container_config *containers;
  size_t n_containers;
};

/* Events.  */

enum sv_event_type
{
  SV_EV_BEGIN = 0,    /* the pause runs: start the pod */
  SV_EV_STARTED,      /* container's start sync: the process runs */
  SV_EV_START_FAILED, /* its start failed (the monitor keeps the error for the messages) */
  SV_EV_EXITED,       /* code, signal, oom */
  SV_EV_PROBE,        /* probe, result */
  SV_EV_HOOK,         /* hook, ok */
  SV_EV_TIMER,        /* at sv_next_deadline or later */
  SV_EV_STOP,         /* grace (SV_NEVER: the pod's), force */
  SV_EV_RESTART,      /* container: kill and start it again at once (a resize with RestartContainer) */
  SV_EV_REPLACE       /* container: its definition changed (a re-apply); the next instance runs the new one */
};

enum sv_probe_result
{
  SV_RESULT_SUCCESS = 0,
  SV_RESULT_WARNING, /* a success with a ProbeWarning event (httpGet: an unfollowed redirect) */
  SV_RESULT_FAILURE,
  SV_RESULT_ERROR /* the probe could not run: retried, then discarded (R4.3 step 3) */
};

enum sv_hook
{
  SV_HOOK_NONE = 0,
  SV_HOOK_POST_START,
  SV_HOOK_PRE_STOP
};

struct sv_event
{
  enum sv_event_type type;
  sv_ms now;
  size_t container;
  int code, signal, oom;       /* exited: the status (signal: 0, or the signal that ended it) */
  enum sv_probe_kind probe;    /* probe */
  enum sv_probe_result result; /* probe */
  enum sv_hook hook;           /* hook */
  int ok;                      /* hook */
  sv_ms grace;                 /* stop, replace (SV_NEVER: the pod's terminationGracePeriodSeconds) */
  int force;                   /* stop, replace: SIGKILL at once, no preStop (podrun's --grace-period 0) */
  int watch;                   /* restart: asked by a file watch (SV_KILL_WATCH), not a resize */
};

/* Actions, in the order they are to be done.  */

enum sv_action_type
{
  SV_ACT_START = 0,    /* a new instance: a fresh writable layer (R1.6) */
  SV_ACT_SIGNAL,       /* signal */
  SV_ACT_PROBE,        /* probe, timeout (the machine enforces it: an answer after it is ignored) */
  SV_ACT_CANCEL_PROBE, /* probe */
  SV_ACT_HOOK,         /* hook (no timeout: the machine cancels a preStop at the end of its budget) */
  SV_ACT_CANCEL_HOOK,  /* the hook running for the container */
  SV_ACT_STATUS,       /* container's status changed (sv_container_status) */
  SV_ACT_POD_STATUS,   /* the pod's status changed (sv_pod_status) */
  SV_ACT_EVENT,        /* record a Kubernetes event: reason and what its message needs */
  SV_ACT_DONE          /* every process of the pod is gone and nothing will start: tear down */
};

enum sv_reason
{
  SV_REASON_STARTED = 0,       /* Normal, "Container started" */
  SV_REASON_FAILED,            /* Warning, "Error: <the start error>" */
  SV_REASON_KILLING,           /* Normal, kill (+ will_restart) says which message */
  SV_REASON_UNHEALTHY,         /* Warning, probe + result (+ timeout for a timed-out run) */
  SV_REASON_PROBE_WARNING,     /* Warning, "<Type> probe warning: <output>" */
  SV_REASON_BACK_OFF,          /* Warning, "Back-off restarting failed container NAME in pod POD" */
  SV_REASON_FAILED_POST_START, /* Warning, "PostStartHook failed" */
  SV_REASON_FAILED_PRE_STOP,   /* Warning, "PreStopHook failed" */
  SV_N_REASONS
};

enum sv_kill
{
  SV_KILL_NONE = 0,
  SV_KILL_STOP,       /* "Stopping container NAME": the pod is stopped (delete, R3.6, R2.2 Never) */
  SV_KILL_LIVENESS,   /* "Container NAME failed liveness probe[, will be restarted]" (sidecars: "Init container ...") */
  SV_KILL_STARTUP,    /* the same with "startup" */
  SV_KILL_POST_START, /* "FailedPostStartHook" */
  SV_KILL_RESIZE,     /* "Container NAME resize requires restart": started again at once, no back-off */
  SV_KILL_SPEC,       /* "Container NAME definition changed, will be restarted": at once, back-off reset */
  SV_KILL_WATCH       /* "Container NAME files changed, will be restarted": `up --watch`, as a resize's */
};

struct sv_action
{
  enum sv_action_type type;
  size_t container; /* all but pod_status and done */
  int signal;
  enum sv_probe_kind probe;
  sv_ms timeout; /* probe; unhealthy: the timeout a run exceeded, else SV_NEVER */
  enum sv_hook hook;
  enum sv_reason reason;
  enum sv_kill kill;           /* killing */
  int will_restart;            /* killing */
  enum sv_probe_result result; /* unhealthy: failure or error */
  sv_ms backoff;               /* back_off: the delay d */
};

/* Status, as the kubelet reports it (§1.5, §8).  */

enum sv_state
{
  SV_STATE_WAITING = 0,
  SV_STATE_RUNNING,
  SV_STATE_TERMINATED
};

enum sv_waiting
{
  SV_WAITING_CONTAINER_CREATING = 0,
  SV_WAITING_POD_INITIALIZING,
  SV_WAITING_CRASH_LOOP_BACK_OFF,   /* the message needs backoff */
  SV_WAITING_POST_START_HOOK_ERROR, /* the message is the hook's, kept by the monitor */
  SV_WAITING_RUN_CONTAINER_ERROR    /* the message is the start error's, kept by the monitor */
};

enum sv_term_reason
{
  SV_TERM_COMPLETED = 0,
  SV_TERM_ERROR,
  SV_TERM_OOM_KILLED,
  SV_TERM_START_ERROR
};

struct sv_termination
{
  int has;
  int exit_code; /* 128 + signal for a signalled process, 128 for a start error */
  int signal, oom;
  enum sv_term_reason reason;
  sv_ms started_at, finished_at; /* started_at SV_NEVER for a start error */
  int instance;                  /* which attempt: the restartCount it had (its logs, its container ID) */
};

struct sv_container_status
{
  enum sv_state state;
  enum sv_waiting waiting;          /* state waiting */
  sv_ms backoff;                    /* waiting CrashLoopBackOff: d */
  sv_ms started_at;                 /* state running: this instance's */
  struct sv_termination terminated; /* state terminated */
  struct sv_termination last;       /* lastState.terminated (has 0: none) */
  int restart_count;
  int started, ready;
};

enum sv_phase
{
  SV_PHASE_PENDING = 0,
  SV_PHASE_RUNNING,
  SV_PHASE_SUCCEEDED,
  SV_PHASE_FAILED
};

/* In the order the kubelet sets them (§8.2).  */
enum sv_condition_type
{
  SV_COND_POD_READY_TO_START_CONTAINERS = 0,
  SV_COND_INITIALIZED,
  SV_COND_READY,
  SV_COND_CONTAINERS_READY,
  SV_COND_POD_SCHEDULED,
  SV_N_CONDITIONS
};

enum sv_condition_reason
{
  SV_COND_REASON_NONE = 0,
  SV_COND_REASON_CONTAINERS_NOT_INITIALIZED, /* "containers with incomplete status: [..]" */
  SV_COND_REASON_CONTAINERS_NOT_READY,       /* "containers with unready status: [..]" */
  SV_COND_REASON_POD_COMPLETED,
  SV_COND_REASON_POD_FAILED
};

struct sv_condition
{
  int status; /* True */
  enum sv_condition_reason reason;
  sv_ms transition; /* lastTransitionTime: changed only when status changes */
};

struct sv_pod_status
{
  enum sv_phase phase;
  struct sv_condition conditions[SV_N_CONDITIONS];
  int begun;
  int stopping; /* containers are being stopped, nothing restarts */
  int deleting; /* a stop was asked for (kubectl's Terminating) */
  int done;
};

struct sv_machine;

/* The bytes a machine for N containers takes (suitably aligned memory, e.g. from malloc).  */
size_t sv_machine_size (size_t n_containers);

/* The least room sv_step needs for the actions of one event.  */
size_t sv_actions_max (const struct sv_machine *m);

/* Initialises M (sv_machine_size (CFG->n_containers) bytes) from CFG, which is copied.  0, or -1
   with *WHY naming the field that is wrong (M unusable).  */
int sv_init (struct sv_machine *m, const struct sv_config *cfg, const char **why);

/* Feeds one event; writes its actions to OUT and returns their number, or -1 (nothing changed)
   when MAX is below sv_actions_max or the event is malformed (a container out of range).  */
int sv_step (struct sv_machine *m, const struct sv_event *ev, struct sv_action *out, size_t max);

/* The earliest time a timer event is due; SV_NEVER when nothing waits on time.  */
sv_ms sv_next_deadline (const struct sv_machine *m);

void sv_get_container_status (const struct sv_machine *m, size_t i, struct sv_container_status *out);
/* Whether SV_EV_RESTART of container I would kill and start it again: a running instance of a
   regular container or sidecar, no kill of it under way (a probe's, a resize's), the pod not
   stopping.  */
int sv_can_restart (const struct sv_machine *m, size_t i);
/* What SV_EV_REPLACE of container I would do (a re-apply changed its definition, docs/reapply.md):
   0 when it is taken (a running instance is killed and the new definition started at once; one
   waiting for its back-off starts at once; one not started yet starts with it), EBUSY while an
   instance is starting or being killed (ask again), ESRCH when no instance will run again (it
   terminated for good, or the pod stops), EINVAL for a regular init container.  */
int sv_can_replace (const struct sv_machine *m, size_t i);
/* The next instances of container I run CFG (the same kind and restart policy: the caller
   checks); called between instances, when the new definition is installed.  */
/* Whether container I has never been started (no instance yet, none starting).  */
int sv_never_started (const struct sv_machine *m, size_t i);
void sv_set_container_config (struct sv_machine *m, size_t i, const struct sv_container_config *cfg);
void sv_get_pod_status (const struct sv_machine *m, struct sv_pod_status *out);

/* Whether container I is named in the message of condition COND while it is False:
   Initialized's "containers with incomplete status", ContainersReady's and Ready's
   "containers with unready status" (the monitor joins the names in spec order).  */
int sv_condition_lists (const struct sv_machine *m, enum sv_condition_type cond, size_t i);

/* Kubernetes' names of the enums (status files, events).  */
const char *sv_reason_name (enum sv_reason r);
const char *sv_waiting_name (enum sv_waiting w);
const char *sv_term_reason_name (enum sv_term_reason r);
const char *sv_phase_name (enum sv_phase p);
const char *sv_condition_name (enum sv_condition_type c);
const char *sv_condition_reason_name (enum sv_condition_reason r);
const char *sv_probe_name (enum sv_probe_kind k); /* "Startup", "Liveness", "Readiness" */

#endif
