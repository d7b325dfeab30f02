/* The pod's supervision as a pure state machine (supervise.h, docs/supervision.md).  Rule numbers
   (R1.3, §6.2) are docs/reference/kubelet-rules.md's; "podrun choice" marks where the kubelet's
   behaviour is an accident of its sync loop and podrun picks the deterministic form.

   One step: the event's handler changes the containers and appends what is to be done
   (start, signal, probe, hook, event); then `finish` appends a status action for each container
   whose reported status changed, pod_status if the pod's did, and done once the pod is over.  */
#include "supervise.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

/* Attempts of one probe run that errors before the error is reported and the run discarded
   (the kubelet's maxProbeRetries, prober.go).  */
#define PROBE_TRIES 3

enum ctr_state
{
  ST_WAITING = 0, /* never started */
  ST_STARTING,    /* start action out, no start sync yet */
  ST_POST_START,  /* the process runs; its postStart has not returned (or it is killed before) */
  ST_RUNNING,     /* started and postStart returned: the kubelet's `running` */
  ST_EXITED
};

enum stop_cause
{
  STOP_NONE = 0,
  STOP_REQUEST,    /* a stop was asked for: deletion (R1.2, §6.4) */
  STOP_COMPLETED,  /* every app container is done for good (R3.6) */
  STOP_INIT_FAILED /* a regular init container failed under Never (R2.2) */
};

enum probe_value
{
  PV_UNKNOWN = 0,
  PV_SUCCESS,
  PV_FAILURE
};

struct worker
{
  int active; /* probes this instance: not on hold, not stopped */
  int gated;  /* liveness/readiness waiting for `started` */
  enum probe_value published, last;
  int run;     /* consecutive results equal to `last` */
  int tries;   /* errored attempts of the run outstanding */
  sv_ms base;  /* startedAt + initialDelay: the first tick; then every period */
  sv_ms next;  /* the next tick */
  sv_ms since; /* a run outstanding since; SV_NEVER: none */
};

struct ctr
{
  struct sv_container_config cfg;
  enum ctr_state st;
  int instances; /* starts issued: restartCount = instances - 1 */
  int succeeded; /* a regular init container that exited 0: final (R2.3) */
  int restart_pending;
  sv_ms restart_at;
  /* The kubelet's reasonCache: the last start failure, shown while the container is to be
     restarted, cleared when a start (postStart included) succeeds (§1.5).  */
  int has_error;
  enum sv_waiting error;
  sv_ms error_backoff; /* CrashLoopBackOff: the d its message was made with */
  sv_ms started_at;
  struct sv_termination term, prev; /* the newest exited instance, the one before */
  int started;                      /* running and past its startup probe (or has none) */
  struct worker w[SV_N_PROBES];
  enum sv_hook hook; /* running */
  /* The back-off entry (client-go flowcontrol.Backoff, R1.3).  */
  int bo_has;
  sv_ms bo_d, bo_last;
  /* A kill by podrun (§6.2).  */
  enum sv_kill kill;
  int kill_restart; /* probe kills: the restart decided at kill time (R1.4) */
  int kill_pending; /* the pod stops while this one is starting */
  int ordered;      /* a sidecar waiting for its turn (§6.3) */
  sv_ms budget_end, signal_at, sigkill_at;
  int signalled, sigkilled;
  int forced;                       /* this kill has no budget and no minimum (a replace with grace `kill`) */
  struct sv_container_status shown; /* the status last reported */
  unsigned shown_listed;            /* the conditions whose message named it, as last reported */
};

struct sv_machine
{
  struct sv_config cfg;
  size_t n, n_init; /* containers; the init containers and sidecars, first */
  int has_sidecars;
  int begun, done, shown_once;
  enum stop_cause stop;
  int forced;       /* a stop with no budget and no minimum: SIGKILL at once */
  size_t init_next; /* the init container or sidecar the pod waits for */
  size_t app_next;  /* the next app container to start */
  size_t gate;      /* an app whose postStart the later ones wait for; n: none */
  struct sv_pod_status pod;
  struct sv_action *out;
  size_t n_out, max_out;
  struct ctr c[];
};

static int
is_live (const struct ctr *c)
{
  return c->st == ST_STARTING || c->st == ST_POST_START || c->st == ST_RUNNING;
}

static sv_ms
max_ms (sv_ms a, sv_ms b)
{
  return a > b ? a : b;
}

static sv_ms
min_ms (sv_ms a, sv_ms b)
{
  return a < b ? a : b;
}

static struct sv_action *
push (struct sv_machine *m, enum sv_action_type type, size_t i)
{
  struct sv_action *a;
  if (m->n_out >= m->max_out)
    return NULL; /* cannot happen: sv_step checked the room */
  a = &m->out[m->n_out++];
  memset (a, 0, sizeof *a);
  a->type = type;
  a->container = i;
  a->timeout = SV_NEVER;
  return a;
}

static struct sv_action *
push_event (struct sv_machine *m, size_t i, enum sv_reason r)
{
  struct sv_action *a = push (m, SV_ACT_EVENT, i);
  if (a)
    a->reason = r;
  return a;
}

static void
push_signal (struct sv_machine *m, size_t i, int sig)
{
  struct sv_action *a = push (m, SV_ACT_SIGNAL, i);
  if (a)
    a->signal = sig;
}

static void
push_probe (struct sv_machine *m, size_t i, enum sv_probe_kind k, enum sv_action_type type)
{
  struct sv_action *a = push (m, type, i);
  if (!a)
    return;
  a->probe = k;
  if (type == SV_ACT_PROBE)
    a->timeout = m->c[i].cfg.probes[k].timeout;
}

static void
push_hook (struct sv_machine *m, size_t i, enum sv_hook h, enum sv_action_type type)
{
  struct sv_action *a = push (m, type, i);
  if (a)
    a->hook = h;
}

/* Status views.  */

static enum sv_waiting
default_waiting (const struct sv_machine *m)
{
  return m->n_init > 0 ? SV_WAITING_POD_INITIALIZING : SV_WAITING_CONTAINER_CREATING;
}

static void
view (const struct sv_machine *m, size_t i, struct sv_container_status *v)
{
  const struct ctr *c = &m->c[i];
  memset (v, 0, sizeof *v);
  v->restart_count = c->instances > 0 ? c->instances - 1 : 0;
  v->started_at = SV_NEVER;
  if (c->st == ST_RUNNING)
    {
      v->state = SV_STATE_RUNNING;
      v->started_at = c->started_at;
      v->last = c->term;
    }
  else if (c->st == ST_EXITED && !c->restart_pending)
    {
      v->state = SV_STATE_TERMINATED;
      v->terminated = c->term;
      v->last = c->prev;
    }
  else
    {
      /* Not started yet, being started, in its postStart, or to be restarted.  */
      v->state = SV_STATE_WAITING;
      v->waiting = c->has_error ? c->error : default_waiting (m);
      if (v->waiting == SV_WAITING_CRASH_LOOP_BACK_OFF)
        v->backoff = c->error_backoff;
      v->last = c->term;
    }
  if (c->cfg.kind == SV_KIND_INIT)
    {
      /* R2.5: ready once exited 0, started only while running.  */
      v->started = c->st == ST_RUNNING;
      v->ready = v->state == SV_STATE_TERMINATED && v->terminated.exit_code == 0;
    }
  else
    {
      v->started = c->st == ST_RUNNING && c->started;
      v->ready = v->started
                 && (!c->cfg.probes[SV_PROBE_READINESS].present || c->w[SV_PROBE_READINESS].published == PV_SUCCESS);
    }
}

static int
any_app_ran (const struct sv_machine *m)
{
  size_t i;
  for (i = m->n_init; i < m->n; i++)
    if (m->c[i].st == ST_RUNNING || m->c[i].term.has)
      return 1;
  return 0;
}

/* getPhase, §8.1 (v1.36, with the restartability of each stopped container).  */
static enum sv_phase
phase_of (const struct sv_machine *m)
{
  int pending_init = 0, failed_init_final = 0, pending_sidecar = 0;
  int running = 0, waiting = 0, stopped = 0, succeeded = 0, restartable = 0;
  struct sv_container_status v;
  size_t i;
  for (i = 0; i < m->n; i++)
    {
      view (m, i, &v);
      switch (m->c[i].cfg.kind)
        {
        case SV_KIND_INIT:
          if (v.state == SV_STATE_RUNNING || (v.state == SV_STATE_WAITING && !v.last.has))
            pending_init++;
          else if (v.state == SV_STATE_TERMINATED && v.terminated.exit_code != 0)
            failed_init_final++; /* terminated for good: it will not be restarted */
          break;
        case SV_KIND_SIDECAR:
          if (v.state == SV_STATE_RUNNING)
            {
              running++;
              if (!v.started)
                pending_sidecar++;
            }
          else if (v.state == SV_STATE_WAITING && !v.last.has)
            {
              pending_sidecar++;
              waiting++;
            }
          break;
        case SV_KIND_APP:
          if (v.state == SV_STATE_RUNNING)
            running++;
          else if (v.state == SV_STATE_TERMINATED)
            {
              stopped++;
              if (v.terminated.exit_code == 0)
                succeeded++;
            }
          else if (v.last.has)
            {
              stopped++;
              restartable++; /* waiting with a lastState: it is being restarted */
            }
          else
            waiting++;
          break;
        }
    }
  if (failed_init_final > 0)
    return SV_PHASE_FAILED;
  if (pending_init > 0 || (pending_sidecar > 0 && !any_app_ran (m)) || waiting > 0)
    return SV_PHASE_PENDING;
  if (running > 0)
    return SV_PHASE_RUNNING;
  if (stopped > 0)
    {
      if (m->stop == STOP_REQUEST && m->done)
        return stopped == succeeded ? SV_PHASE_SUCCEEDED : SV_PHASE_FAILED;
      if (restartable > 0)
        return SV_PHASE_RUNNING;
      return stopped == succeeded ? SV_PHASE_SUCCEEDED : SV_PHASE_FAILED;
    }
  return SV_PHASE_PENDING;
}

static int
is_terminal (enum sv_phase p)
{
  return p == SV_PHASE_SUCCEEDED || p == SV_PHASE_FAILED;
}

/* Whether container I is in COND's message list (only meaningful while COND is False).  */
static int
lists (const struct sv_machine *m, enum sv_condition_type cond, size_t i)
{
  struct sv_container_status v;
  const struct ctr *c = &m->c[i];
  view (m, i, &v);
  switch (cond)
    {
    case SV_COND_INITIALIZED:
      if (c->cfg.kind == SV_KIND_INIT)
        return !v.ready;
      if (c->cfg.kind == SV_KIND_SIDECAR)
        return !v.started;
      return 0;
    case SV_COND_READY:
    case SV_COND_CONTAINERS_READY:
      return c->cfg.kind != SV_KIND_INIT && !v.ready;
    default:
      return 0;
    }
}

static int
any_listed (const struct sv_machine *m, enum sv_condition_type cond)
{
  size_t i;
  for (i = 0; i < m->n; i++)
    if (lists (m, cond, i))
      return 1;
  return 0;
}

static void
set_condition (struct sv_pod_status *p, enum sv_condition_type t, int status, enum sv_condition_reason reason,
               sv_ms now)
{
  struct sv_condition *c = &p->conditions[t];
  if (c->transition == SV_NEVER || c->status != status)
    c->transition = now;
  c->status = status;
  c->reason = reason;
}

/* The pod's phase and conditions (§8.1, §8.2); a transition time moves only when its condition's
   status changes, and a terminal phase stays.  */
static void
refresh_pod (struct sv_machine *m, sv_ms now)
{
  struct sv_pod_status *p = &m->pod;
  enum sv_phase phase;
  int ok;

  p->begun = m->begun;
  p->stopping = m->stop != STOP_NONE;
  p->deleting = m->stop == STOP_REQUEST;
  p->done = m->done;
  phase = phase_of (m);
  /* A deleted pod ends in a terminal phase: the kubelet's TerminatePod makes a Pending or
     Running one Failed (status_manager.go).  */
  if (m->stop == STOP_REQUEST && m->done && !is_terminal (phase))
    phase = SV_PHASE_FAILED;
  if (!is_terminal (p->phase))
    p->phase = phase;

  set_condition (p, SV_COND_POD_READY_TO_START_CONTAINERS, m->begun && !m->done, SV_COND_REASON_NONE, now);

  if (m->n_init == 0)
    set_condition (p, SV_COND_INITIALIZED, 1, SV_COND_REASON_NONE, now);
  else if (p->phase == SV_PHASE_SUCCEEDED)
    set_condition (p, SV_COND_INITIALIZED, 1, SV_COND_REASON_POD_COMPLETED, now);
  else if (any_app_ran (m) || !any_listed (m, SV_COND_INITIALIZED))
    set_condition (p, SV_COND_INITIALIZED, 1, SV_COND_REASON_NONE, now);
  else
    set_condition (p, SV_COND_INITIALIZED, 0, SV_COND_REASON_CONTAINERS_NOT_INITIALIZED, now);

  if (p->phase == SV_PHASE_SUCCEEDED)
    set_condition (p, SV_COND_CONTAINERS_READY, 0, SV_COND_REASON_POD_COMPLETED, now);
  else if (p->phase == SV_PHASE_FAILED)
    set_condition (p, SV_COND_CONTAINERS_READY, 0, SV_COND_REASON_POD_FAILED, now);
  else
    {
      ok = !any_listed (m, SV_COND_CONTAINERS_READY);
      set_condition (p, SV_COND_CONTAINERS_READY, ok, ok ? SV_COND_REASON_NONE : SV_COND_REASON_CONTAINERS_NOT_READY,
                     now);
    }
  /* No readiness gates: Ready is ContainersReady.  */
  set_condition (p, SV_COND_READY, p->conditions[SV_COND_CONTAINERS_READY].status,
                 p->conditions[SV_COND_CONTAINERS_READY].reason, now);
  set_condition (p, SV_COND_POD_SCHEDULED, 1, SV_COND_REASON_NONE, now);
}

/* Probes (§4).  */

/* The first tick at or after T: ticks are base, base + period, ...  */
static sv_ms
tick_from (const struct sv_probe_config *pc, const struct worker *w, sv_ms t)
{
  sv_ms k;
  if (t <= w->base)
    return w->base;
  k = (t - w->base + pc->period - 1) / pc->period;
  return w->base + k * pc->period;
}

static void
run_probe (struct sv_machine *m, size_t i, enum sv_probe_kind k, sv_ms now)
{
  struct worker *w = &m->c[i].w[k];
  push_probe (m, i, k, SV_ACT_PROBE);
  w->since = now;
}

/* A tick of worker K (its `next` has come): run it unless a run is still outstanding.  */
static void
probe_tick (struct sv_machine *m, size_t i, enum sv_probe_kind k, sv_ms now)
{
  struct ctr *c = &m->c[i];
  struct worker *w = &c->w[k];
  if (w->since == SV_NEVER)
    {
      w->tries = 0;
      run_probe (m, i, k, now);
    }
  w->next = tick_from (&c->cfg.probes[k], w, now + 1);
}

/* Liveness and readiness begin once the container is started (R4.2).  podrun choice: readiness
   runs at once if its initial delay has passed, liveness at its next tick.  */
static void
ungate (struct sv_machine *m, size_t i, sv_ms now)
{
  struct ctr *c = &m->c[i];
  enum sv_probe_kind k;
  for (k = SV_PROBE_LIVENESS; k <= SV_PROBE_READINESS; k++)
    {
      struct worker *w = &c->w[k];
      if (!w->active || !w->gated)
        continue;
      w->gated = 0;
      w->next = k == SV_PROBE_READINESS && now >= w->base ? now : tick_from (&c->cfg.probes[k], w, now);
      if (w->next <= now)
        probe_tick (m, i, k, now);
    }
}

/* Stops worker K of container I, cancelling a run outstanding.  */
static void
stop_worker (struct sv_machine *m, size_t i, enum sv_probe_kind k)
{
  struct worker *w = &m->c[i].w[k];
  if (w->since != SV_NEVER)
    push_probe (m, i, k, SV_ACT_CANCEL_PROBE);
  w->since = SV_NEVER;
  w->active = 0;
  w->next = SV_NEVER;
}

static void kill_ctr (struct sv_machine *m, size_t i, enum sv_kill why, sv_ms budget_end, sv_ms now, int ordered);
static void start_ctr (struct sv_machine *m, size_t i);

/* A liveness or startup failure kills the container with the probe's grace (R4.4); whether it is
   restarted is decided now (R1.4).  */
static void
probe_kill (struct sv_machine *m, size_t i, enum sv_probe_kind k, sv_ms now)
{
  struct ctr *c = &m->c[i];
  sv_ms grace = c->cfg.probes[k].grace != SV_NEVER ? c->cfg.probes[k].grace : m->cfg.grace;
  if (c->kill != SV_KILL_NONE)
    return;
  c->kill_restart = c->cfg.kind == SV_KIND_SIDECAR || c->cfg.restart != SV_POLICY_NEVER;
  kill_ctr (m, i, k == SV_PROBE_LIVENESS ? SV_KILL_LIVENESS : SV_KILL_STARTUP, now + grace, now, 0);
}

/* A resize whose policy restarts the container (kubelet-resources.md Z9.4): a running instance
   is killed as killContainer does, with the pod's grace, and started again once it has exited,
   at once (the kubelet starts it in the same sync: no back-off). Not an init container (the API
   server refuses their resize), nothing while the pod stops, starts or the container is not
   running: its next instance runs in the resized cgroup anyway.  */
int
sv_can_restart (const struct sv_machine *m, size_t i)
{
  const struct ctr *c = i < m->n ? &m->c[i] : NULL;
  return c && !m->done && !m->stop && c->cfg.kind != SV_KIND_INIT && c->st == ST_RUNNING && c->kill == SV_KILL_NONE;
}

int
sv_can_replace (const struct sv_machine *m, size_t i)
{
  const struct ctr *c = i < m->n ? &m->c[i] : NULL;
  if (!c || c->cfg.kind == SV_KIND_INIT)
    return EINVAL;
  if (m->done || m->stop)
    return ESRCH;
  if (c->st == ST_WAITING)
    return 0;
  if (c->st == ST_EXITED)
    return c->restart_pending ? 0 : ESRCH;
  if (c->st == ST_STARTING || c->kill != SV_KILL_NONE)
    return EBUSY;
  return 0;
}

int
sv_never_started (const struct sv_machine *m, size_t i)
{
  return i < m->n && m->c[i].st == ST_WAITING;
}

void
sv_set_container_config (struct sv_machine *m, size_t i, const struct sv_container_config *cfg)
{
  if (i < m->n)
    m->c[i].cfg = *cfg;
}

/* A changed definition (R1.3: the kubelet's back-off is keyed by the container's spec hash, so a
   new definition starts with no back-off): a running instance is killed as a resize's is (preStop,
   the grace period) and the next started at once; one waiting out its back-off starts now.  */
static void
on_replace (struct sv_machine *m, size_t i, sv_ms grace, int force, sv_ms now)
{
  struct ctr *c = &m->c[i];
  if (sv_can_replace (m, i) != 0)
    return;
  c->bo_has = 0;
  if (c->st == ST_EXITED)
    {
      c->has_error = 0;
      start_ctr (m, i);
    }
  else if (c->st != ST_WAITING)
    {
      /* GRACE: `apply --grace-period` (SV_NEVER: the pod's); FORCE: `--grace-period 0`, SIGKILL
         at once and no preStop, as for the pod's forced stop.  */
      c->kill_restart = 1;
      c->forced = force;
      kill_ctr (m, i, SV_KILL_SPEC, force ? now : now + (grace == SV_NEVER ? m->cfg.grace : grace), now, 0);
    }
}

static void
on_restart (struct sv_machine *m, size_t i, int watch, sv_ms now)
{
  struct ctr *c = &m->c[i];
  if (!sv_can_restart (m, i))
    return;
  c->kill_restart = 1;
  kill_ctr (m, i, watch ? SV_KILL_WATCH : SV_KILL_RESIZE, now + m->cfg.grace, now, 0);
}

/* A result published (its run reached the threshold, R4.3 step 4).  */
static void
publish (struct sv_machine *m, size_t i, enum sv_probe_kind k, enum probe_value v, sv_ms now)
{
  struct ctr *c = &m->c[i];
  struct worker *w = &c->w[k];
  w->published = v;
  switch (k)
    {
    case SV_PROBE_STARTUP:
      /* Any startup result puts the worker on hold for this instance (R4.3 step 5).  */
      stop_worker (m, i, k);
      if (v == PV_SUCCESS)
        {
          c->started = 1;
          ungate (m, i, now);
        }
      else
        probe_kill (m, i, k, now);
      break;
    case SV_PROBE_LIVENESS:
      if (v == PV_FAILURE)
        {
          stop_worker (m, i, k);
          probe_kill (m, i, k, now);
        }
      break;
    default:
      break; /* readiness: `ready` follows it */
    }
}

static void
count_result (struct sv_machine *m, size_t i, enum sv_probe_kind k, enum probe_value v, sv_ms now)
{
  struct ctr *c = &m->c[i];
  struct worker *w = &c->w[k];
  if (w->last == v)
    w->run++;
  else
    {
      w->last = v;
      w->run = 1;
    }
  if (w->run >= (v == PV_SUCCESS ? c->cfg.probes[k].success : c->cfg.probes[k].failure))
    publish (m, i, k, v, now);
}

static void
on_probe (struct sv_machine *m, size_t i, enum sv_probe_kind k, enum sv_probe_result r, sv_ms now)
{
  struct ctr *c = &m->c[i];
  struct worker *w = &c->w[k];
  struct sv_action *a;
  if (!w->active || w->since == SV_NEVER || c->st != ST_RUNNING)
    return; /* no run outstanding: cancelled, timed out, or of an instance gone */
  w->since = SV_NEVER;
  switch (r)
    {
    case SV_RESULT_ERROR:
      /* Retried at once, then reported and thrown away: no counting (R4.3 step 3).  */
      if (++w->tries < PROBE_TRIES)
        {
          run_probe (m, i, k, now);
          return;
        }
      w->tries = 0;
      a = push_event (m, i, SV_REASON_UNHEALTHY);
      if (a)
        {
          a->probe = k;
          a->result = SV_RESULT_ERROR;
        }
      return;
    case SV_RESULT_WARNING:
    case SV_RESULT_SUCCESS:
      w->tries = 0;
      if (r == SV_RESULT_WARNING && (a = push_event (m, i, SV_REASON_PROBE_WARNING)))
        a->probe = k;
      count_result (m, i, k, PV_SUCCESS, now);
      return;
    case SV_RESULT_FAILURE:
      w->tries = 0;
      a = push_event (m, i, SV_REASON_UNHEALTHY);
      if (a)
        {
          a->probe = k;
          a->result = SV_RESULT_FAILURE;
        }
      count_result (m, i, k, PV_FAILURE, now);
      return;
    }
}

/* A run outstanding at its timeout is cancelled and counts as a failure, as an exec probe's
   timeout does (R4.5, ExecProbeTimeout); one timer serves every probe.  */
static void
probe_timeout (struct sv_machine *m, size_t i, enum sv_probe_kind k, sv_ms now)
{
  struct ctr *c = &m->c[i];
  struct worker *w = &c->w[k];
  struct sv_action *a;
  push_probe (m, i, k, SV_ACT_CANCEL_PROBE);
  w->since = SV_NEVER;
  w->tries = 0;
  a = push_event (m, i, SV_REASON_UNHEALTHY);
  if (a)
    {
      a->probe = k;
      a->result = SV_RESULT_FAILURE;
      a->timeout = c->cfg.probes[k].timeout;
    }
  count_result (m, i, k, PV_FAILURE, now);
}

/* Starting and restarting.  */

static void
start_ctr (struct sv_machine *m, size_t i)
{
  struct ctr *c = &m->c[i];
  c->st = ST_STARTING;
  c->instances++;
  c->restart_pending = 0;
  c->restart_at = SV_NEVER;
  c->kill = SV_KILL_NONE;
  c->kill_restart = c->kill_pending = c->ordered = 0;
  c->signalled = c->sigkilled = c->forced = 0;
  c->started = 0;
  push (m, SV_ACT_START, i);
}

/* The kubelet's doBackOff (R1.3) on the newest exited instance: in back-off, wait until its
   finishedAt + d; else Next (d = initial on a new or expired entry, else doubled up to max;
   lastUpdate = now) and start.  The first start of all never comes here: no entry for it.  */
static void
try_restart (struct sv_machine *m, size_t i, sv_ms now)
{
  struct ctr *c = &m->c[i];
  sv_ms ts = c->term.finished_at;
  struct sv_action *a;
  if (c->bo_has && ts - c->bo_last <= m->cfg.backoff_reset && now - ts < c->bo_d)
    {
      if (c->restart_pending && c->restart_at == ts + c->bo_d)
        return;
      c->restart_pending = 1;
      c->restart_at = ts + c->bo_d;
      c->has_error = 1;
      c->error = SV_WAITING_CRASH_LOOP_BACK_OFF;
      c->error_backoff = c->bo_d;
      a = push_event (m, i, SV_REASON_BACK_OFF);
      if (a)
        a->backoff = c->bo_d;
      return;
    }
  if (!c->bo_has || ts - c->bo_last > m->cfg.backoff_reset)
    c->bo_d = m->cfg.backoff_initial;
  else
    c->bo_d = min_ms (c->bo_d * 2, m->cfg.backoff_max);
  c->bo_has = 1;
  c->bo_last = now;
  start_ctr (m, i);
}

/* Starts what may start now: the init containers and sidecars one by one, each after the one
   before it exited 0 (R2.1) or is started (R3.2), then the app containers.  podrun choice: the app
   containers start together, except that those after one with a postStart hook wait for it to
   return, the order the kubelet's sequential start shows (§5.1).  */
static void
advance (struct sv_machine *m)
{
  if (!m->begun || m->stop)
    return;
  while (m->init_next < m->n_init)
    {
      struct ctr *c = &m->c[m->init_next];
      if (c->cfg.kind == SV_KIND_INIT ? c->succeeded : (c->st == ST_RUNNING && c->started))
        {
          m->init_next++;
          continue;
        }
      if (c->st == ST_WAITING)
        start_ctr (m, m->init_next);
      return;
    }
  while (m->app_next < m->n && m->gate == m->n)
    {
      size_t i = m->app_next++;
      if (m->c[i].st != ST_WAITING)
        continue;
      start_ctr (m, i);
      if (m->c[i].cfg.post_start)
        m->gate = i;
    }
}

/* Stopping (§6).  */

/* A sidecar's turn to get its stop signal: every app container and every later sidecar has
   exited (§6.3; those not running count as done).  */
static int
turn (const struct sv_machine *m, size_t i)
{
  size_t j;
  for (j = i + 1; j < m->n; j++)
    if ((j >= m->n_init || m->c[j].cfg.kind == SV_KIND_SIDECAR) && is_live (&m->c[j]))
      return 0;
  return 1;
}

static void
send_stop_signal (struct sv_machine *m, size_t i, sv_ms now)
{
  struct ctr *c = &m->c[i];
  int sig = m->forced || c->forced ? SIGKILL : c->cfg.stop_signal;
  push_signal (m, i, sig);
  c->signalled = 1;
  c->signal_at = now;
  /* SIGKILL at the end of the container's budget, at least min_grace after the signal (§6.2).  */
  c->sigkill_at = max_ms (c->budget_end, now + m->cfg.min_grace);
  if (sig == SIGKILL)
    c->sigkilled = 1;
}

/* The kill goes on: after the preStop, and for an ordered sidecar after its turn or its budget.  */
static void
kill_proceed (struct sv_machine *m, size_t i, sv_ms now)
{
  struct ctr *c = &m->c[i];
  if (c->kill == SV_KILL_NONE || c->signalled || c->hook == SV_HOOK_PRE_STOP || c->st == ST_STARTING)
    return;
  if (c->ordered && now < c->budget_end && !turn (m, i))
    return;
  send_stop_signal (m, i, now);
}

/* killContainer (§6.2): the Killing event, then the preStop (unless no budget), then the stop
   signal; SIGKILL at the budget's end.  Liveness and startup stop for it (R3.9, R4.3 step 5); a
   postStart still running is cancelled (podrun choice, §13.3).  */
static void
kill_ctr (struct sv_machine *m, size_t i, enum sv_kill why, sv_ms budget_end, sv_ms now, int ordered)
{
  struct ctr *c = &m->c[i];
  struct sv_action *a;
  c->kill = why;
  c->budget_end = budget_end;
  c->ordered = ordered;
  c->signalled = c->sigkilled = 0;
  a = push_event (m, i, SV_REASON_KILLING);
  if (a)
    {
      a->kill = why;
      a->will_restart = (why == SV_KILL_LIVENESS || why == SV_KILL_STARTUP) && c->kill_restart;
    }
  stop_worker (m, i, SV_PROBE_STARTUP);
  stop_worker (m, i, SV_PROBE_LIVENESS);
  if (c->hook == SV_HOOK_POST_START)
    {
      push_hook (m, i, SV_HOOK_POST_START, SV_ACT_CANCEL_HOOK);
      c->hook = SV_HOOK_NONE;
      if (m->gate == i)
        m->gate = m->n;
    }
  if (c->cfg.pre_stop && budget_end > now)
    {
      push_hook (m, i, SV_HOOK_PRE_STOP, SV_ACT_HOOK);
      c->hook = SV_HOOK_PRE_STOP;
      return;
    }
  kill_proceed (m, i, now);
}

/* The deadlines of a kill: the preStop's budget, an ordered sidecar's wait, SIGKILL.  */
static void
kill_due (struct sv_machine *m, size_t i, sv_ms now)
{
  struct ctr *c = &m->c[i];
  if (c->kill == SV_KILL_NONE || !is_live (c) || c->st == ST_STARTING)
    return;
  if (c->hook == SV_HOOK_PRE_STOP && now >= c->budget_end)
    {
      push_hook (m, i, SV_HOOK_PRE_STOP, SV_ACT_CANCEL_HOOK);
      c->hook = SV_HOOK_NONE;
    }
  if (!c->signalled && now >= c->budget_end)
    kill_proceed (m, i, now);
  if (c->signalled && !c->sigkilled && now >= c->sigkill_at)
    {
      push_signal (m, i, SIGKILL);
      c->sigkilled = 1;
    }
}

/* killPod (§6.3): every live container at once, sidecars after the app containers and the later
   sidecars; nothing restarts from now on (R1.2).  A second stop only shortens the budgets (the
   least grace wins, §6.4).  */
static void
pod_stop (struct sv_machine *m, enum stop_cause cause, sv_ms budget_end, sv_ms now)
{
  size_t i;
  int again = m->stop != STOP_NONE;
  if (!again || cause == STOP_REQUEST)
    m->stop = cause;
  for (i = 0; i < m->n; i++)
    {
      struct ctr *c = &m->c[i];
      c->restart_pending = 0;
      c->restart_at = SV_NEVER;
      if (c->st == ST_STARTING)
        {
          c->budget_end = c->kill_pending ? min_ms (c->budget_end, budget_end) : budget_end;
          c->kill_pending = 1;
        }
      else if (is_live (c) && c->kill == SV_KILL_NONE)
        kill_ctr (m, i, SV_KILL_STOP, budget_end, now, m->has_sidecars && c->cfg.kind == SV_KIND_SIDECAR);
      else if (is_live (c))
        {
          c->kill_restart = 0;
          c->budget_end = min_ms (c->budget_end, budget_end);
          if (c->signalled)
            c->sigkill_at
                = m->forced ? now : min_ms (c->sigkill_at, max_ms (c->budget_end, c->signal_at + m->cfg.min_grace));
          kill_due (m, i, now);
        }
    }
}

static void
check_apps_done (struct sv_machine *m, sv_ms now)
{
  size_t i;
  if (m->stop)
    return;
  for (i = m->n_init; i < m->n; i++)
    if (m->c[i].st != ST_EXITED || m->c[i].restart_pending)
      return;
  pod_stop (m, STOP_COMPLETED, now + m->cfg.grace, now);
}

/* After an instance ended: restart it or not (R1.2-R1.5, R2.2, R3.4), with back-off.  */
static void
after_exit (struct sv_machine *m, size_t i, sv_ms now)
{
  struct ctr *c = &m->c[i];
  int restart;
  if (m->gate == i)
    m->gate = m->n;
  if (m->stop)
    return;
  if ((c->kill == SV_KILL_RESIZE || c->kill == SV_KILL_SPEC || c->kill == SV_KILL_WATCH) && c->kill_restart)
    {
      start_ctr (m, i);
      return;
    }
  switch (c->cfg.kind)
    {
    case SV_KIND_INIT:
      if (c->term.exit_code == 0 && !c->term.oom)
        {
          c->succeeded = 1;
          return;
        }
      if (c->cfg.restart == SV_POLICY_NEVER)
        pod_stop (m, STOP_INIT_FAILED, now + m->cfg.grace, now);
      else
        try_restart (m, i, now);
      return;
    case SV_KIND_SIDECAR:
      try_restart (m, i, now);
      return;
    case SV_KIND_APP:
      if (c->kill == SV_KILL_LIVENESS || c->kill == SV_KILL_STARTUP)
        restart = c->kill_restart;
      else
        restart
            = c->cfg.restart == SV_POLICY_ALWAYS || (c->cfg.restart == SV_POLICY_ON_FAILURE && c->term.exit_code != 0);
      if (restart)
        try_restart (m, i, now);
      else
        check_apps_done (m, now);
      return;
    }
}

/* Ordered sidecars whose turn an exit may have brought.  */
static void
turns (struct sv_machine *m, sv_ms now)
{
  size_t i;
  for (i = 0; i < m->n_init; i++)
    if (m->c[i].ordered && is_live (&m->c[i]))
      kill_proceed (m, i, now);
}

static void
record_exit (struct sv_machine *m, size_t i, int exit_code, int sig, int oom, enum sv_term_reason reason,
             sv_ms started_at, sv_ms now)
{
  struct ctr *c = &m->c[i];
  enum sv_probe_kind k;
  c->prev = c->term;
  memset (&c->term, 0, sizeof c->term);
  c->term.has = 1;
  c->term.exit_code = exit_code;
  c->term.signal = sig;
  c->term.oom = oom;
  c->term.reason = reason;
  c->term.started_at = started_at;
  c->term.finished_at = now;
  c->term.instance = c->instances - 1;
  for (k = 0; k < SV_N_PROBES; k++)
    stop_worker (m, i, k);
  if (c->hook != SV_HOOK_NONE)
    {
      push_hook (m, i, c->hook, SV_ACT_CANCEL_HOOK);
      c->hook = SV_HOOK_NONE;
    }
  c->st = ST_EXITED;
  c->started = 0;
}

/* Event handlers.  */

static void
enter_running (struct sv_machine *m, size_t i, sv_ms now)
{
  struct ctr *c = &m->c[i];
  enum sv_probe_kind k;
  c->st = ST_RUNNING;
  c->has_error = 0;
  if (m->gate == i)
    m->gate = m->n;
  c->started = !c->cfg.probes[SV_PROBE_STARTUP].present;
  /* Initial results (R4.2); podrun choice: the first run at startedAt + initialDelay (or now, if
     that is past), then every period (R4.3).  */
  for (k = 0; k < SV_N_PROBES; k++)
    {
      struct worker *w = &c->w[k];
      memset (w, 0, sizeof *w);
      w->since = w->next = SV_NEVER;
      if (!c->cfg.probes[k].present)
        continue;
      w->active = 1;
      w->published = k == SV_PROBE_STARTUP ? PV_UNKNOWN : k == SV_PROBE_LIVENESS ? PV_SUCCESS : PV_FAILURE;
      w->base = c->started_at + c->cfg.probes[k].delay;
      w->gated = k != SV_PROBE_STARTUP;
    }
  if (c->w[SV_PROBE_STARTUP].active)
    {
      struct worker *w = &c->w[SV_PROBE_STARTUP];
      w->next = tick_from (&c->cfg.probes[SV_PROBE_STARTUP], w, now);
      if (w->next <= now)
        probe_tick (m, i, SV_PROBE_STARTUP, now);
    }
  if (c->started)
    ungate (m, i, now);
}

static void
on_started (struct sv_machine *m, size_t i, sv_ms now)
{
  struct ctr *c = &m->c[i];
  if (c->st != ST_STARTING)
    return;
  c->started_at = now;
  push_event (m, i, SV_REASON_STARTED);
  if (c->kill_pending)
    {
      /* The pod stops while it started: killed at once, no postStart.  */
      c->st = ST_POST_START;
      kill_ctr (m, i, SV_KILL_STOP, c->budget_end, now, m->has_sidecars && c->cfg.kind == SV_KIND_SIDECAR);
      return;
    }
  if (c->cfg.post_start)
    {
      /* R5.1: not running (nor probed, nor `started`) until the hook returns; no timeout.  */
      c->st = ST_POST_START;
      c->hook = SV_HOOK_POST_START;
      push_hook (m, i, SV_HOOK_POST_START, SV_ACT_HOOK);
      return;
    }
  enter_running (m, i, now);
}

static void
on_start_failed (struct sv_machine *m, size_t i, sv_ms now)
{
  struct ctr *c = &m->c[i];
  if (c->st != ST_STARTING)
    return;
  /* containerd's StartError, exit code 128 (§1.5); RunContainerError while it is restarted.  */
  push_event (m, i, SV_REASON_FAILED);
  record_exit (m, i, 128, 0, 0, SV_TERM_START_ERROR, SV_NEVER, now);
  c->has_error = 1;
  c->error = SV_WAITING_RUN_CONTAINER_ERROR;
  after_exit (m, i, now);
  turns (m, now);
}

static void
on_exited (struct sv_machine *m, size_t i, int code, int sig, int oom, sv_ms now)
{
  struct ctr *c = &m->c[i];
  int exit_code = sig ? 128 + sig : code;
  enum sv_term_reason reason = oom ? SV_TERM_OOM_KILLED : exit_code == 0 ? SV_TERM_COMPLETED : SV_TERM_ERROR;
  if (!is_live (c))
    return;
  if (c->st == ST_STARTING)
    c->started_at = now;
  record_exit (m, i, exit_code, sig, oom, reason, c->started_at, now);
  after_exit (m, i, now);
  turns (m, now);
}

static void
on_hook (struct sv_machine *m, size_t i, enum sv_hook h, int ok, sv_ms now)
{
  struct ctr *c = &m->c[i];
  if (h == SV_HOOK_NONE || c->hook != h || !is_live (c))
    return;
  c->hook = SV_HOOK_NONE;
  if (h == SV_HOOK_PRE_STOP)
    {
      if (!ok)
        push_event (m, i, SV_REASON_FAILED_PRE_STOP);
      kill_proceed (m, i, now);
      return;
    }
  if (ok)
    {
      enter_running (m, i, now);
      return;
    }
  /* §5.1: FailedPostStartHook, then the kill (preStop included, the pod's grace); the waiting
     reason PostStartHookError; the restart decided by R1.2 when it has exited.  */
  push_event (m, i, SV_REASON_FAILED_POST_START);
  c->has_error = 1;
  c->error = SV_WAITING_POST_START_HOOK_ERROR;
  if (m->gate == i)
    m->gate = m->n;
  kill_ctr (m, i, SV_KILL_POST_START, now + m->cfg.grace, now, 0);
}

static void
on_timer (struct sv_machine *m, sv_ms now)
{
  size_t i;
  enum sv_probe_kind k;
  for (i = 0; i < m->n; i++)
    {
      struct ctr *c = &m->c[i];
      kill_due (m, i, now);
      for (k = 0; k < SV_N_PROBES; k++)
        if (c->w[k].active && c->w[k].since != SV_NEVER && now >= c->w[k].since + c->cfg.probes[k].timeout)
          probe_timeout (m, i, k, now);
      for (k = 0; k < SV_N_PROBES; k++)
        if (c->w[k].active && !c->w[k].gated && c->w[k].next != SV_NEVER && c->w[k].next <= now)
          probe_tick (m, i, k, now);
      if (c->st == ST_EXITED && c->restart_pending && c->restart_at <= now)
        try_restart (m, i, now);
    }
}

/* The statuses that changed, the pod's, and done once every process is gone and nothing will
   start.  */
static void
finish (struct sv_machine *m, sv_ms now)
{
  struct sv_container_status v;
  struct sv_pod_status before = m->pod;
  size_t i;
  int was_done = m->done, changed;
  if (m->stop && !m->done)
    {
      for (i = 0; i < m->n && !is_live (&m->c[i]); i++)
        ;
      if (i == m->n)
        m->done = 1;
    }
  for (i = 0; i < m->n; i++)
    {
      view (m, i, &v);
      if (!m->shown_once || memcmp (&v, &m->c[i].shown, sizeof v) != 0)
        {
          memcpy (&m->c[i].shown, &v, sizeof v);
          push (m, SV_ACT_STATUS, i);
        }
    }
  refresh_pod (m, now);
  /* The pod's status includes its conditions' messages: which containers they name.  */
  changed = !m->shown_once || memcmp (&before, &m->pod, sizeof before) != 0;
  for (i = 0; i < m->n; i++)
    {
      unsigned listed = 0;
      enum sv_condition_type t;
      for (t = 0; t < SV_N_CONDITIONS; t++)
        if (sv_condition_lists (m, t, i))
          listed |= 1u << t;
      if (listed != m->c[i].shown_listed)
        changed = 1;
      m->c[i].shown_listed = listed;
    }
  if (changed)
    push (m, SV_ACT_POD_STATUS, 0);
  m->shown_once = 1;
  if (m->done && !was_done)
    push (m, SV_ACT_DONE, 0);
}

/* The interface.  */

size_t
sv_machine_size (size_t n_containers)
{
  return sizeof (struct sv_machine) + n_containers * sizeof (struct ctr);
}

size_t
sv_actions_max (const struct sv_machine *m)
{
  /* Per container and step at most: a kill (event, 2 cancelled probes, a cancelled hook, a hook
     or signal, SIGKILL), 3 probe timeouts (cancel, event), 3 runs, a probe event, an exit's
     cancels, a restart (event, start), a status; far below 32.  */
  return 32 * m->n + 8;
}

static int
check_probe (const struct sv_probe_config *p, enum sv_probe_kind k, const char **why)
{
  if (!p->present)
    return 0;
  if (p->delay < 0 || p->period <= 0 || p->timeout <= 0)
    *why = "probe: initial delay must be >= 0, period and timeout > 0";
  else if (p->success < 1 || p->failure < 1)
    *why = "probe: thresholds must be >= 1";
  else if (k != SV_PROBE_READINESS && p->success != 1)
    *why = "probe: liveness and startup success threshold must be 1";
  else if (p->grace != SV_NEVER && (p->grace <= 0 || k == SV_PROBE_READINESS))
    *why = "probe: grace must be > 0, and is not for readiness";
  else
    return 0;
  return -1;
}

int
sv_init (struct sv_machine *m, const struct sv_config *cfg, const char **why)
{
  size_t i, n = cfg->n_containers;
  int apps = 0;
  enum sv_probe_kind k;
  *why = NULL;
  if (n == 0 || !cfg->containers)
    *why = "containers: none";
  else if (cfg->grace < 0 || cfg->min_grace < 0 || cfg->backoff_initial < 0 || cfg->backoff_max < 0
           || cfg->backoff_reset < 0)
    *why = "grace, min grace and back-off must be >= 0";
  else if ((int) cfg->restart < SV_POLICY_ALWAYS || cfg->restart > SV_POLICY_NEVER)
    *why = "restart policy: unknown";
  if (*why)
    return -1;
  memset (m, 0, sv_machine_size (n));
  m->cfg = *cfg;
  m->cfg.containers = NULL;
  if (m->cfg.backoff_initial > m->cfg.backoff_max)
    m->cfg.backoff_initial = m->cfg.backoff_max;
  m->n = n;
  for (i = 0; i < n; i++)
    {
      const struct sv_container_config *cc = &cfg->containers[i];
      if (cc->kind == SV_KIND_APP)
        apps++;
      else if (apps)
        *why = "containers: init containers and sidecars come before the app containers";
      else
        m->n_init = i + 1;
      if ((int) cc->kind < SV_KIND_INIT || cc->kind > SV_KIND_APP || (int) cc->restart < SV_POLICY_ALWAYS
          || cc->restart > SV_POLICY_NEVER)
        *why = "container: unknown kind or restart policy";
      else if (cc->kind == SV_KIND_SIDECAR && cc->restart != SV_POLICY_ALWAYS)
        *why = "sidecar: restart policy must be Always";
      else if (cc->kind == SV_KIND_INIT
               && (cc->restart == SV_POLICY_ALWAYS || cc->post_start || cc->pre_stop || cc->probes[0].present
                   || cc->probes[1].present || cc->probes[2].present))
        *why = "init container: no Always, lifecycle or probes (R2.4)";
      else if (cc->stop_signal < 1 || cc->stop_signal > 64)
        *why = "container: stop signal out of range";
      for (k = 0; !*why && k < SV_N_PROBES; k++)
        check_probe (&cc->probes[k], k, why);
      if (*why)
        return -1;
      if (cc->kind == SV_KIND_SIDECAR)
        m->has_sidecars = 1;
      m->c[i].cfg = *cc;
      m->c[i].started_at = m->c[i].restart_at = SV_NEVER;
      for (k = 0; k < SV_N_PROBES; k++)
        m->c[i].w[k].since = m->c[i].w[k].next = SV_NEVER;
    }
  if (!apps)
    {
      *why = "containers: no app container";
      return -1;
    }
  m->gate = n;
  m->app_next = m->n_init;
  for (i = 0; i < SV_N_CONDITIONS; i++)
    m->pod.conditions[i].transition = SV_NEVER;
  return 0;
}

int
sv_step (struct sv_machine *m, const struct sv_event *ev, struct sv_action *out, size_t max)
{
  sv_ms now = ev->now;
  if (max < sv_actions_max (m))
    return -1;
  switch (ev->type)
    {
    case SV_EV_STARTED:
    case SV_EV_START_FAILED:
    case SV_EV_EXITED:
    case SV_EV_PROBE:
    case SV_EV_HOOK:
    case SV_EV_RESTART:
    case SV_EV_REPLACE:
      if (ev->container >= m->n)
        return -1;
      if (ev->type == SV_EV_PROBE && ((int) ev->probe < 0 || (int) ev->probe >= SV_N_PROBES))
        return -1;
      break;
    case SV_EV_BEGIN:
    case SV_EV_TIMER:
    case SV_EV_STOP:
      break;
    default:
      return -1;
    }
  m->out = out;
  m->n_out = 0;
  m->max_out = max;
  if (m->done)
    return 0;
  switch (ev->type)
    {
    case SV_EV_BEGIN:
      if (m->begun)
        return 0;
      m->begun = 1;
      break;
    case SV_EV_STARTED:
      on_started (m, ev->container, now);
      break;
    case SV_EV_START_FAILED:
      on_start_failed (m, ev->container, now);
      break;
    case SV_EV_EXITED:
      on_exited (m, ev->container, ev->code, ev->signal, ev->oom, now);
      break;
    case SV_EV_PROBE:
      on_probe (m, ev->container, ev->probe, ev->result, now);
      break;
    case SV_EV_HOOK:
      on_hook (m, ev->container, ev->hook, ev->ok, now);
      break;
    case SV_EV_TIMER:
      on_timer (m, now);
      break;
    case SV_EV_STOP:
      /* A forced stop (podrun's `--grace-period 0`, as `podman rm -f -t 0`) has no budget and no
         minimum: no preStop, SIGKILL at once, to running and to later-started instances alike.  */
      if (ev->force)
        m->forced = 1;
      pod_stop (m, STOP_REQUEST, m->forced ? now : now + (ev->grace == SV_NEVER ? m->cfg.grace : ev->grace), now);
      break;
    case SV_EV_RESTART:
      on_restart (m, ev->container, ev->watch, now);
      break;
    case SV_EV_REPLACE:
      on_replace (m, ev->container, ev->grace, ev->force, now);
      break;
    }
  advance (m);
  finish (m, now);
  return (int) m->n_out;
}

sv_ms
sv_next_deadline (const struct sv_machine *m)
{
  sv_ms d = SV_NEVER;
  size_t i;
  enum sv_probe_kind k;
  if (m->done)
    return SV_NEVER;
  for (i = 0; i < m->n; i++)
    {
      const struct ctr *c = &m->c[i];
      if (c->st == ST_EXITED && c->restart_pending)
        d = sv_earlier (d, c->restart_at);
      if (c->kill != SV_KILL_NONE && is_live (c) && c->st != ST_STARTING)
        {
          if (!c->signalled)
            d = sv_earlier (d, c->budget_end);
          else if (!c->sigkilled)
            d = sv_earlier (d, c->sigkill_at);
        }
      for (k = 0; k < SV_N_PROBES; k++)
        {
          const struct worker *w = &c->w[k];
          if (!w->active)
            continue;
          if (w->since != SV_NEVER)
            d = sv_earlier (d, w->since + c->cfg.probes[k].timeout);
          if (!w->gated)
            d = sv_earlier (d, w->next);
        }
    }
  return d;
}

void
sv_get_container_status (const struct sv_machine *m, size_t i, struct sv_container_status *out)
{
  if (i < m->n)
    view (m, i, out);
  else
    memset (out, 0, sizeof *out);
}

void
sv_get_pod_status (const struct sv_machine *m, struct sv_pod_status *out)
{
  *out = m->pod;
}

int
sv_condition_lists (const struct sv_machine *m, enum sv_condition_type cond, size_t i)
{
  if (i >= m->n || (int) cond < 0 || (int) cond >= SV_N_CONDITIONS || m->pod.conditions[cond].status)
    return 0;
  return lists (m, cond, i);
}

#define NAME(table, v) ((size_t) (v) < sizeof (table) / sizeof (table)[0] ? (table)[v] : "")

const char *
sv_reason_name (enum sv_reason r)
{
  static const char *const names[]
      = { "Started",          "Failed", "Killing", "Unhealthy", "ProbeWarning", "BackOff", "FailedPostStartHook",
          "FailedPreStopHook" };
  return NAME (names, r);
}

const char *
sv_waiting_name (enum sv_waiting w)
{
  static const char *const names[]
      = { "ContainerCreating", "PodInitializing", "CrashLoopBackOff", "PostStartHookError", "RunContainerError" };
  return NAME (names, w);
}

const char *
sv_term_reason_name (enum sv_term_reason r)
{
  static const char *const names[] = { "Completed", "Error", "OOMKilled", "StartError" };
  return NAME (names, r);
}

const char *
sv_phase_name (enum sv_phase p)
{
  static const char *const names[] = { "Pending", "Running", "Succeeded", "Failed" };
  return NAME (names, p);
}

const char *
sv_condition_name (enum sv_condition_type c)
{
  static const char *const names[]
      = { "PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled" };
  return NAME (names, c);
}

const char *
sv_condition_reason_name (enum sv_condition_reason r)
{
  static const char *const names[]
      = { "", "ContainersNotInitialized", "ContainersNotReady", "PodCompleted", "PodFailed" };
  return NAME (names, r);
}

const char *
sv_probe_name (enum sv_probe_kind k)
{
  static const char *const names[] = { "Startup", "Liveness", "Readiness" };
  return NAME (names, k);
}
