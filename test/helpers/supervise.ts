// Drives the supervision state machine (addon/src/supervise.c) through the addon's test entry
// superviseRun, with a compact event language so that tables read as timelines:
//
//   'T begin'                      the pause runs
//   'T started C' / 'T start_failed C'
//   'T exited C CODE [sig=N] [oom]'
//   'T probe C KIND RESULT'        KIND startup|liveness|readiness, RESULT success|warning|failure|error
//   'T hook C postStart|preStop ok|fail'
//   'T stop [GRACE_MS]' / 'T kill' / 'T restart C [watch]' / 'T replace C [GRACE_MS|kill]'
//   'timer'                        at the previous step's nextDeadline (which must be set), or 'T timer'
//
// and actions written back as strings: 'start a', 'signal a 15', 'probe a liveness 1000',
// 'cancel_probe a liveness', 'hook a preStop', 'cancel_hook a postStart', 'status a',
// 'pod_status', 'done', and events as 'event REASON C [details]' ('event Killing a liveness
// restart', 'event BackOff a 10000', 'event Unhealthy a Liveness failure timeout 1000').
// Every Kubernetes default lives here, in TypeScript, as the design wants: the C side has none.
import { expect } from 'chai';
import { native, type SuperviseStep } from '../../src/util/native';

export type Kind = 'init' | 'sidecar' | 'app';
export type Policy = 'Always' | 'OnFailure' | 'Never';

export interface ProbeSpec {
  delayMs: number;
  periodMs: number;
  timeoutMs: number;
  successThreshold: number;
  failureThreshold: number;
  graceMs?: number;
}

export interface CtrSpec {
  name: string;
  kind: Kind;
  restartPolicy?: Policy;
  postStart?: boolean;
  preStop?: boolean;
  stopSignal?: number;
  startupProbe?: Partial<ProbeSpec>;
  livenessProbe?: Partial<ProbeSpec>;
  readinessProbe?: Partial<ProbeSpec>;
}

export interface PodSpec {
  restartPolicy?: Policy;
  graceMs?: number;
  minGraceMs?: number;
  backoff?: { initialMs: number; maxMs: number; resetMs: number };
  containers: CtrSpec[];
}

/** The kubelet's probe defaults (R4.1), in ms. */
export function probeDefaults(p: Partial<ProbeSpec>): ProbeSpec {
  return { delayMs: 0, periodMs: 10000, timeoutMs: 1000, successThreshold: 1, failureThreshold: 3, ...p };
}

/** The config the machine gets, with Kubernetes' defaulting done as TypeScript will do it. */
export function config(spec: PodSpec): object {
  const pod = spec.restartPolicy ?? 'Always';
  return {
    restartPolicy: pod,
    graceMs: spec.graceMs ?? 30000,
    minGraceMs: spec.minGraceMs ?? 2000,
    backoff: spec.backoff ?? { initialMs: 10000, maxMs: 300000, resetMs: 600000 },
    containers: spec.containers.map((c) => ({
      name: c.name,
      kind: c.kind,
      restartPolicy: c.restartPolicy ?? (c.kind === 'sidecar' ? 'Always' : c.kind === 'init' && pod === 'Always' ? 'OnFailure' : pod),
      postStart: c.postStart ?? false,
      preStop: c.preStop ?? false,
      stopSignal: c.stopSignal ?? 15,
      ...(c.startupProbe ? { startupProbe: probeDefaults(c.startupProbe) } : {}),
      ...(c.livenessProbe ? { livenessProbe: probeDefaults(c.livenessProbe) } : {}),
      ...(c.readinessProbe ? { readinessProbe: probeDefaults(c.readinessProbe) } : {}),
    })),
  };
}

function parseEvent(line: string, lastDeadline: number): object {
  const w = line.trim().split(/\s+/);
  if (w[0] === 'timer') {
    if (lastDeadline < 0) throw new Error(`'${line}': no deadline is set`);
    return { type: 'timer', t: lastDeadline };
  }
  const t = Number(w[0]);
  if (!Number.isFinite(t)) throw new Error(`'${line}': no time`);
  const type = w[1];
  switch (type) {
    case 'begin':
    case 'timer':
      return { type, t };
    case 'stop':
      return w[2] === undefined ? { type, t } : { type, t, graceMs: Number(w[2]) };
    case 'kill': // the control socket's `kill`: a stop with no budget and no minimum
      return { type: 'stop', t, graceMs: 0, force: true };
    case 'replace': // the control socket's `replace C [GRACE] FILE` (a re-apply changed C's definition)
      if (w[3] === 'kill') return { type, t, c: w[2], force: true };
      return w[3] === undefined ? { type, t, c: w[2] } : { type, t, c: w[2], graceMs: Number(w[3]) };
    case 'restart': // the control socket's `restart C` (a resize with RestartContainer), `restart C watch` (up --watch)
      return w[3] === 'watch' ? { type, t, c: w[2], watch: true } : { type, t, c: w[2] };
    case 'started':
    case 'start_failed':
      return { type, t, c: w[2] };
    case 'exited': {
      const ev: Record<string, unknown> = { type, t, c: w[2], code: Number(w[3] ?? 0) };
      for (const x of w.slice(4)) {
        if (x === 'oom') ev.oom = true;
        else if (x.startsWith('sig=')) ev.signal = Number(x.slice(4));
        else throw new Error(`'${line}': ${x}?`);
      }
      return ev;
    }
    case 'probe':
      return { type, t, c: w[2], probe: w[3], result: w[4] };
    case 'hook':
      return { type, t, c: w[2], hook: w[3], ok: w[4] === 'ok' };
    default:
      throw new Error(`'${line}': unknown event`);
  }
}

/** An action as the tables write it. */
export function formatAction(a: SuperviseStep['actions'][number]): string {
  switch (a.type) {
    case 'start':
    case 'status':
      return `${a.type} ${a.c}`;
    case 'signal':
      return `signal ${a.c} ${a.signal}`;
    case 'probe':
      return `probe ${a.c} ${a.probe} ${a.timeoutMs}`;
    case 'cancel_probe':
      return `cancel_probe ${a.c} ${a.probe}`;
    case 'hook':
    case 'cancel_hook':
      return `${a.type} ${a.c} ${a.hook}`;
    case 'pod_status':
    case 'done':
      return a.type;
    case 'event': {
      const parts = ['event', a.reason, a.c];
      if (a.reason === 'Killing') {
        parts.push(String(a.kill));
        if (a.willRestart) parts.push('restart');
      } else if (a.reason === 'Unhealthy') {
        parts.push(String(a.probe), String(a.result));
        if (a.timeoutMs !== undefined) parts.push('timeout', String(a.timeoutMs));
      } else if (a.reason === 'ProbeWarning') parts.push(String(a.probe));
      else if (a.reason === 'BackOff') parts.push(String(a.backoffMs));
      return parts.join(' ');
    }
    default:
      return JSON.stringify(a);
  }
}

export interface Step extends SuperviseStep {
  event: string;
  /** Every action, formatted. */
  all: string[];
  /** The actions without the status writes (status C, pod_status). */
  acts: string[];
}

/** Runs SPEC through EVENTS; one Step per event. */
export function run(spec: PodSpec, events: string[]): Step[] {
  const out: Step[] = [];
  // 'timer' needs the deadline the step before left: feed one event at a time, the machine
  // rebuilt from the start each time (it is pure: the same events give the same machine).
  const parsed: object[] = [];
  let last = -1;
  for (const e of events) {
    parsed.push(parseEvent(e, last));
    const steps = native().superviseRun(JSON.stringify(config(spec)), parsed);
    const s = steps[steps.length - 1];
    const all = s.actions.map(formatAction);
    out.push({ ...s, event: e, all, acts: all.filter((x) => x !== 'pod_status' && !x.startsWith('status ')) });
    last = s.nextDeadline;
  }
  return out;
}

/**
 * A timeline table: each row an event and the exact actions it must emit (status writes left
 * out unless `withStatus`); returns the steps for further checks on the status.
 */
export function timeline(spec: PodSpec, rows: Array<[string, string[]]>, withStatus = false): Step[] {
  const steps = run(
    spec,
    rows.map((r) => r[0]),
  );
  steps.forEach((s, i) => {
    expect(withStatus ? s.all : s.acts, `row ${i}: '${rows[i][0]}'`).to.deep.equal(rows[i][1]);
  });
  return steps;
}
