// Supervision fields of a manifest (docs/supervision.md): init containers and native sidecars,
// probes, lifecycle hooks, the stop signal, and podrun's dev back-off annotation. The API
// server's rules for them (Kubernetes v1.36 pkg/apis/core/validation/validation.go:
// validateInitContainers, validateContainers, validateProbe and its liveness/readiness/startup
// wrappers, validateHandler, validateHTTPGetAction, validateSleepAction, validateLifecycle,
// validateStopSignal; docs/reference/kubelet-rules.md §2-§6), checked over the raw data as
// rules.ts does, plus podrun's own where it resolves at apply what the kubelet finds at run time
// (a named port). The schema's part (types, ranges, formats) is in schema.ts.
import type { FieldPath } from './yaml';
import type { RuleContext } from './rules';
import { quoted } from './names';
import { suggest } from './suggest';
import { execStringProblem } from './exec-limits';

/**
 * The switch: whether podrun runs probes and the postStart/preStop hooks. Init containers, native
 * sidecars, restarts and `lifecycle.stopSignal` always run (the monitor's state machine). With it
 * on, the monitor runs exec, tcpSocket, httpGet (HTTP and HTTPS), gRPC and sleep handlers
 * (addon/src/probe.c), a `host` that is a host name too (resolved at each run, as the kubelet's
 * dialer resolves it), and validation refuses none of them. Off, every probe and hook is refused
 * as "not supported by podrun yet" (refusedHandlers). Validation takes it as an option
 * (ValidateOptions.probesAndHooks), so tests run both ways.
 */
export const PROBES_AND_HOOKS = true;

const PROBE_HINT = 'podrun does not run probes yet; remove the probe';
const HOOK_HINT = 'podrun does not run postStart and preStop hooks yet; remove the hook (lifecycle.stopSignal is supported)';

/**
 * What validation refuses, over the raw manifest. With the switch off: every probe and every
 * postStart/preStop hook of a container or init container, each once and nothing about its
 * insides. On: nothing (every handler kind runs; a `host`'s syntax is the schema's,
 * names.hostOrAddress).
 */
export function refusedHandlers(pod: unknown, on = PROBES_AND_HOOKS): { path: FieldPath; hint: string }[] {
  const spec = isObj(pod) && isObj(pod.spec) ? pod.spec : {};
  const out: { path: FieldPath; hint: string }[] = [];
  if (on) return out;
  for (const list of ['initContainers', 'containers'] as const) {
    if (!Array.isArray(spec[list])) continue;
    (spec[list] as unknown[]).forEach((c, i) => {
      if (!isObj(c)) return;
      for (const f of PROBE_FIELDS) if (has(c, f)) out.push({ path: ['spec', list, i, f], hint: PROBE_HINT });
      if (isObj(c.lifecycle)) for (const h of ['postStart', 'preStop']) if (has(c.lifecycle, h)) out.push({ path: ['spec', list, i, 'lifecycle', h], hint: HOOK_HINT });
    });
  }
  return out;
}

/**
 * podrun's dev back-off: `podrun.dev/restart-backoff: "1s-10s"` makes the pod's restarts wait
 * 1 s doubling to 10 s instead of the kubelet's 10 s doubling to 300 s (docs/supervision.md,
 * "Back-off").
 */
export const RESTART_BACKOFF_ANNOTATION = 'podrun.dev/restart-backoff';

/** The longest any part of the dev back-off may be: a day. */
export const MAX_BACKOFF_MS = 24 * 60 * 60 * 1000;

export interface DevBackoff {
  initialMs: number;
  maxMs: number;
  /** Absent: the kubelet's 600 s. */
  resetMs?: number;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `500ms`, `1s`, `1.5s`, `2m`, `1h`, `0` -> milliseconds (whole), or undefined. */
export function parseDuration(v: string): number | undefined {
  if (v === '0') return 0;
  const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)$/.exec(v);
  if (!m) return undefined;
  const ms = Number(m[1]) * UNITS[m[2]];
  return Number.isFinite(ms) && Number.isInteger(ms) ? ms : undefined;
}

const BACKOFF_HINT = `write \`${RESTART_BACKOFF_ANNOTATION}: "INITIAL-MAX"\` or "INITIAL-MAX-RESET" with durations such as 500ms, 1s or 2m, e.g. "1s-10s"; "0" restarts at once`;

/**
 * The annotation's value: `D` (a flat back-off; `0` restarts at once), `INITIAL-MAX` or
 * `INITIAL-MAX-RESET`, each a duration; or the problem with it.
 */
export function parseBackoff(v: string): DevBackoff | { problem: { detail: string; hint: string } } {
  const parts = v.trim().split('-');
  const ms = parts.map(parseDuration);
  const bad = (detail: string) => ({ problem: { detail, hint: BACKOFF_HINT } });
  if (parts.length > 3) return bad(`${quoted(v)} has more than three durations`);
  const at = ms.findIndex((x) => x === undefined);
  if (at >= 0) return bad(`${quoted(parts[at])} in ${quoted(v)} is not a duration`);
  const [initialMs, maxMs = initialMs, resetMs] = ms as number[];
  const over = ms.findIndex((x) => (x as number) > MAX_BACKOFF_MS);
  if (over >= 0) return bad(`${quoted(parts[over])} is longer than a day`);
  if (initialMs > maxMs) return bad(`the initial delay ${parts[0]} is longer than the longest, ${parts[1]}`);
  return { initialMs, maxMs, ...(resetMs !== undefined ? { resetMs } : {}) };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const has = (o: Obj, k: string) => Object.prototype.hasOwnProperty.call(o, k) && o[k] !== undefined && o[k] !== null;

export const PROBE_FIELDS = ['startupProbe', 'livenessProbe', 'readinessProbe'] as const;
const PROBE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'];
// Kubernetes' commonHandler order: what validateHandler calls the second of two handlers.
const HOOK_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'sleep'];

/** A container as the rules see it: where it is written, and what it is. */
export interface RuleContainer {
  c: Obj;
  at: (...p: FieldPath) => FieldPath;
  kind: 'init' | 'sidecar' | 'app';
}

/** The rules for the supervision fields of every container and the pod's annotations. */
export function supervisionRules(pod: Obj, spec: Obj, containers: RuleContainer[], ctx: RuleContext): void {
  const grace = typeof spec.terminationGracePeriodSeconds === 'number' ? spec.terminationGracePeriodSeconds : spec.terminationGracePeriodSeconds === undefined ? 30 : undefined;
  const osName = isObj(spec.os) ? spec.os.name : undefined;
  for (const rc of containers) {
    const { c, at, kind } = rc;
    // podrun binds a file of its own there for each attempt (kubelet-rules.md §7), as a volume.
    const tmp = c.terminationMessagePath;
    if (typeof tmp === 'string' && (tmp === '/' || /^\/(proc|sys)(\/|$)/.test(tmp)))
      ctx.err(at('terminationMessagePath'), `terminationMessagePath ${quoted(tmp)} is ${tmp === '/' ? 'the root' : 'inside /proc or /sys'}`, 'podrun mounts the termination message file there: use a path such as /dev/termination-log (the default) or /tmp/termination-log');
    if (kind === 'init') {
      // validateInitContainers' default branch: a regular init container runs to completion.
      for (const f of ['lifecycle', ...PROBE_FIELDS])
        if (has(c, f))
          ctx.err(at(f), 'may not be set for init containers without restartPolicy=Always', 'an init container runs to completion before the app containers start; add `restartPolicy: Always` to make it a sidecar, or remove the field');
      continue;
    }
    for (const f of PROBE_FIELDS) if (isObj(c[f])) probeRules(c[f] as Obj, f, rc, ctx);
    if (isObj(c.lifecycle)) {
      const lc = c.lifecycle;
      for (const hook of ['postStart', 'preStop'] as const) if (isObj(lc[hook])) hookRules(lc[hook] as Obj, hook, grace, rc, ctx);
      if (typeof lc.stopSignal === 'string' && (osName === undefined || osName === null || osName === ''))
        ctx.err(at('lifecycle', 'stopSignal'), 'may not be set for containers with empty `spec.os.name`', 'add `os: {name: linux}` to the pod spec, as Kubernetes requires for a stop signal');
    }
  }
  const meta = isObj(pod.metadata) ? pod.metadata : {};
  if (isObj(meta.annotations) && Object.prototype.hasOwnProperty.call(meta.annotations, RESTART_BACKOFF_ANNOTATION)) {
    const v = meta.annotations[RESTART_BACKOFF_ANNOTATION];
    if (typeof v === 'string') {
      const b = parseBackoff(v);
      if ('problem' in b) ctx.err(['metadata', 'annotations', RESTART_BACKOFF_ANNOTATION], b.problem.detail, b.problem.hint);
    }
  }
}

/** Exactly one handler (validateHandler): the second one named is the error, as Kubernetes reports it. */
function oneHandler(h: Obj, path: FieldPath, kinds: string[], hint: string, ctx: RuleContext): string | undefined {
  const set = kinds.filter((k) => has(h, k));
  if (set.length === 0) ctx.err(path, 'must specify a handler type', hint);
  for (const k of set.slice(1)) ctx.err([...path, k], 'may not specify more than 1 handler type', `keep one of ${set.join(', ')}`);
  return set[0];
}

function probeRules(p: Obj, field: (typeof PROBE_FIELDS)[number], rc: RuleContainer, ctx: RuleContext): void {
  const at = (...x: FieldPath) => rc.at(field, ...x);
  const handler = oneHandler(
    p,
    at(),
    PROBE_HANDLERS,
    'add one of `exec: {command: [cat, /tmp/healthy]}`, `httpGet: {path: /healthz, port: 8080}`, `tcpSocket: {port: 8080}` or `grpc: {port: 9090}`',
    ctx,
  );
  // successThreshold 0 is defaulted to 1 (SetDefaults_Probe), so only another number is wrong.
  if (field !== 'readinessProbe' && typeof p.successThreshold === 'number' && p.successThreshold !== 0 && p.successThreshold !== 1)
    ctx.err(at('successThreshold'), 'must be 1', `a ${field === 'livenessProbe' ? 'liveness' : 'startup'} probe passes on one success: leave successThreshold out or set it to 1`);
  if (has(p, 'terminationGracePeriodSeconds')) {
    const g = p.terminationGracePeriodSeconds;
    if (field === 'readinessProbe')
      ctx.err(at('terminationGracePeriodSeconds'), 'must not be set for readinessProbes', 'a readiness probe never kills the container: remove terminationGracePeriodSeconds');
    else if (typeof g === 'number' && Number.isInteger(g) && g <= 0)
      ctx.err(at('terminationGracePeriodSeconds'), 'must be greater than 0', "leave it out to use the pod's terminationGracePeriodSeconds");
  }
  if (handler === 'httpGet' || handler === 'tcpSocket') portRule(p[handler], at(handler, 'port'), rc, ctx);
  if (handler === 'exec') execRule(p.exec, at('exec', 'command'), ctx);
}

/** Each string of an exec action's command goes through execve in the container, as `command` does (rules.ts). */
function execRule(exec: unknown, path: FieldPath, ctx: RuleContext): void {
  if (!isObj(exec) || !Array.isArray(exec.command)) return;
  exec.command.forEach((a, k) => {
    const p = typeof a === 'string' ? execStringProblem(a, 'argument') : undefined;
    if (p) ctx.err([...path, k], p.detail, p.hint);
  });
}

function hookRules(h: Obj, hook: 'postStart' | 'preStop', grace: number | undefined, rc: RuleContainer, ctx: RuleContext): void {
  const at = (...x: FieldPath) => rc.at('lifecycle', hook, ...x);
  const handler = oneHandler(h, at(), HOOK_HANDLERS, 'add one of `exec: {command: [...]}`, `httpGet: {path: /stop, port: 8080}` or `sleep: {seconds: 5}`', ctx);
  if (handler === 'httpGet' || handler === 'tcpSocket') portRule(h[handler], at(handler, 'port'), rc, ctx);
  if (handler === 'exec') execRule(h.exec, at('exec', 'command'), ctx);
  if (handler === 'tcpSocket')
    // types.go: "Deprecated. TCPSocket is NOT supported as a LifecycleHandler and kept for backward
    // compatibility"; the kubelet fails it when it runs (lifecycle/handlers.go, kubelet-rules.md §5.3).
    ctx.warn?.(
      at('tcpSocket'),
      `tcpSocket is not a working lifecycle handler: Kubernetes accepts it but the kubelet fails the hook when it runs, and podrun does the same${hook === 'postStart' ? ' (the container is then killed and restarted: FailedPostStartHook)' : ' (FailedPreStopHook; the container is stopped as usual)'}; use exec, httpGet or sleep`,
    );
  if (handler === 'sleep' && isObj(h.sleep)) {
    const s = h.sleep.seconds;
    // validateSleepAction with PodLifecycleSleepActionAllowZero (GA 1.34): 0..grace.
    if (typeof s === 'number' && Number.isInteger(s) && grace !== undefined && (s < 0 || s > grace))
      ctx.err(at('sleep', 'seconds'), `must be non-negative and less than terminationGracePeriodSeconds (${grace})`, "sleep at most the pod's grace period, or raise terminationGracePeriodSeconds");
  }
}

/**
 * A named port must be one of the container's own `ports` (findPortByName): the kubelet finds out
 * at run time, when every run of the probe errors (`strconv.Atoi: parsing "http"`) or the hook
 * fails; podrun resolves the name at apply, so it says so there.
 */
function portRule(action: unknown, path: FieldPath, rc: RuleContainer, ctx: RuleContext): void {
  if (!isObj(action) || typeof action.port !== 'string') return;
  const name = action.port;
  if (/^[0-9]+$/.test(name)) return; // the schema reports it
  const ports = Array.isArray(rc.c.ports) ? rc.c.ports.filter(isObj) : [];
  const names = ports.map((p) => p.name).filter((n): n is string => typeof n === 'string');
  if (names.includes(name)) return;
  const guess = suggest(name, names);
  ctx.err(
    path,
    `port ${quoted(name)} is not the name of a port of this container`,
    guess ? `did you mean ${guess}?` : `add \`ports: [{name: ${name}, containerPort: 8080}]\` to the container, or give the port by number`,
  );
}
