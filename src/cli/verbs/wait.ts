// podrun wait --for=condition=NAME[=VALUE]|delete|jsonpath='{PATH}'[=VALUE] (pod/NAME... | pods -l SEL | pods --all) [--timeout D] [-n NS | -A]:
// kubectl wait's semantics (kubectl pkg/cmd/wait): the targets are found once, then waited for one
// after another within one timeout (default 30s; 0 checks once; negative waits a week), each
// printing `pod/NAME condition met` as it is met. A condition value is compared ignoring case
// (default True); a jsonpath value as kubectl's fmt %v text. Timeout, a pod gone while waiting for
// a condition, or no pod matching: an error and exit 1. --for=delete takes a missing pod as
// deleted, and a pod re-created under the same name (another uid) too.
import { PodrunError, UsageError } from '../../util/errors';
import { namespaceFrom, namespaceOptions, parseResourceArgs, allNamespacesOption } from '../resources';
import { parseArgs, str, type VerbSpec } from '../args';
import { requireRoot } from '../root';
import type { CliContext } from '../context';
import { writeErr } from '../output';
import { listPodRecords, podNotFound, readPodRecord, type PodRecord } from '../../state/pod-records';
import { podKey } from '../../util/paths';
import { parseDuration } from '../../util/duration';
import { podLockHeld } from '../../state/lock';
import { parseSelector, selectorMatches } from '../../util/selector';
import { findJsonPath, parseJsonPath, scalarText } from '../../util/jsonpath';
import { isWorkloadKind, type WorkloadKind } from '../../util/kinds';

export const spec: VerbSpec = {
  name: 'wait',
  usage: "podrun wait --for=condition=Ready|delete|jsonpath='{.status.phase}'=Running (pod/NAME... | pods -l SELECTOR | pods --all | job/NAME... | deployment/NAME...) [--timeout 30s] [-n NAMESPACE | -A]",
  description: 'Wait until pods (or workloads) meet a condition, or are deleted, as kubectl wait does. Exit 1 at the timeout, naming what did not.',
  examples: [
    ['wait for a pod to be Ready', 'podrun wait --for=condition=Ready pod/web'],
    ['for every pod labelled app=web, two minutes at most', 'podrun wait --for=condition=Ready pods -l app=web --timeout 2m'],
    ['for a Job to complete', 'podrun wait --for=condition=complete job/migrate'],
    ['for a pod to be gone', 'podrun wait --for=delete pod/old'],
  ],
  options: {
    ...namespaceOptions,
    ...allNamespacesOption,
    selector: { type: 'string', short: 'l', arg: 'SELECTOR', help: 'the pods with these labels' },
    all: { type: 'boolean', help: 'every pod in the namespace' },
    for: { type: 'string', arg: 'CONDITION', help: "condition=NAME[=VALUE], delete, or jsonpath='{.path}'=VALUE" },
    timeout: { type: 'string', arg: 'DURATION', help: 'how long to wait (default 30s; 0 looks once)' },
  },
  operands: ['resource-types', 'resource-names'],
  repeatLast: true,
};
const USAGE = spec.usage;
const WEEK_MS = 168 * 3_600_000;
const POLL_MS = 100;

export type WaitFor =
  | { kind: 'delete' }
  | { kind: 'condition'; name: string; value: string }
  | { kind: 'jsonpath'; path: ReturnType<typeof parseJsonPath>; value?: string; text: string }
  /** apply --wait: Ready, or run to completion (Succeeded); Failed is an error. */
  | { kind: 'applied' };

/** --for as kubectl reads it. */
export function parseWaitFor(v: string | undefined): WaitFor {
  if (v === undefined) throw new UsageError('wait needs --for', `usage: ${USAGE}`);
  if (v.toLowerCase() === 'delete') return { kind: 'delete' };
  if (v.startsWith('condition=')) {
    const [name, ...rest] = v.slice('condition='.length).split('=');
    if (!name) throw new UsageError(`--for: '${v}' names no condition`, 'e.g. --for=condition=Ready (or Ready=false)');
    return { kind: 'condition', name, value: rest.length ? rest.join('=') : 'true' };
  }
  if (v.startsWith('jsonpath=')) {
    // The expression ends at its closing brace, so that a filter's == is not the value's =.
    const body = v.slice('jsonpath='.length);
    const close = body.startsWith('{') ? body.indexOf('}') : -1;
    const parts = close >= 0 ? [body.slice(0, close + 1), ...(body.length > close + 1 ? [body.slice(close + 1)] : [])] : body.split('=');
    if (close >= 0 && parts.length === 2) {
      if (!parts[1].startsWith('=')) throw new UsageError(`--for: '${v}': after the expression comes =VALUE or nothing`, "e.g. --for=jsonpath='{.status.phase}'=Running");
      parts[1] = parts[1].slice(1);
    }
    if (parts.length > 2) throw new UsageError("jsonpath wait format must be --for=jsonpath='{.status.readyReplicas}'=3 or --for=jsonpath='{.status.readyReplicas}'");
    const value = parts.length === 2 ? parts[1].replace(/^['"]+|['"]+$/g, '') : undefined;
    if (value === '') throw new UsageError('jsonpath wait value cannot be empty', "e.g. --for=jsonpath='{.status.phase}'=Running");
    return { kind: 'jsonpath', path: parseJsonPath(parts[0]), value, text: parts[0] };
  }
  throw new UsageError(`unrecognized condition: "${v}"`, "use --for=condition=NAME[=VALUE], --for=delete or --for=jsonpath='{PATH}'[=VALUE]");
}

/** --timeout: a Go duration; 0 checks once, a negative one waits a week (kubectl). */
export function parseWaitTimeout(v: string | undefined): number {
  if (v === undefined) return 30_000;
  if (v === '0') return 0;
  if (v.startsWith('-')) {
    parseDuration(v.slice(1), '--timeout');
    return WEEK_MS;
  }
  return parseDuration(v, '--timeout');
}

/** Whether the pod object (as `get -o json` prints it) meets a condition or jsonpath wait; an error for a jsonpath that finds no single scalar. */
export function objectMeets(w: Exclude<WaitFor, { kind: 'delete' }>, obj: Record<string, unknown>): boolean {
  if (w.kind === 'applied') {
    const phase = (obj.status as { phase?: string } | undefined)?.phase;
    const name = (obj.metadata as { name?: string } | undefined)?.name;
    if (phase === 'Failed') throw new PodrunError(`pod/${name} failed: its containers ended before it was ready`, `\`podrun describe pod ${name}\` and \`podrun logs ${name}\` show why`);
    return phase === 'Succeeded' || objectMeets({ kind: 'condition', name: 'Ready', value: 'true' }, obj);
  }
  if (w.kind === 'condition') {
    const conditions = ((obj.status as { conditions?: { type?: string; status?: string }[] } | undefined)?.conditions ?? []).filter((c) => typeof c.type === 'string');
    const c = conditions.find((x) => x.type!.toLowerCase() === w.name.toLowerCase());
    return c !== undefined && typeof c.status === 'string' && c.status.toLowerCase() === w.value.toLowerCase();
  }
  const found = findJsonPath(w.path, obj);
  if (!found.length) return false;
  if (found.length > 1) throw new PodrunError(`jsonpath ${w.text}: given jsonpath expression matches more than one value`);
  if (w.value === undefined) return true;
  const text = scalarText(found[0]);
  if (text === undefined) throw new PodrunError(`jsonpath ${w.text}: jsonpath leads to a nested object or list which is not supported`);
  return text.trim() === w.value.trim();
}

/**
 * The record goes while `delete` still holds the pod lock (it removes the rest, then syncs the
 * Services): the pod is deleted once that lock is free, so that the next command (an apply of
 * the same pod) does not find it being changed.
 */
function deleteFinished(paths: CliContext['paths'], key: string): boolean {
  return !podLockHeld(paths, key); // held: the delete (or a new apply) is not done
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs(argv, spec);
  requireRoot('wait');
  const waitFor = parseWaitFor(str(values.for));
  const timeoutMs = parseWaitTimeout(str(values.timeout));
  const allNs = values['all-namespaces'] === true;
  if (allNs && values.namespace) throw new UsageError('-A and -n cannot be used together');
  const ns = namespaceFrom(values);
  const { kind, addrs } = parseResourceArgs('wait for', positionals.length ? positionals : ['pods'], ns, { required: false, usage: USAGE });
  if (isWorkloadKind(kind) && addrs.length && addrs.every((a) => a.kind === kind) && !values.selector && !values.all && !allNs) return waitForWorkloads(ctx, kind, addrs, waitFor, timeoutMs);
  if (kind !== 'Pod' || addrs.some((a) => a.kind !== 'Pod')) throw new UsageError('podrun wait waits for pods, or for workloads named one kind at a time', `usage: ${USAGE}`);
  const selector = str(values.selector) || undefined; // -l '' is no selector, as kubectl's flag
  const reqs = selector !== undefined ? parseSelector(selector) : undefined;
  if (reqs && values.all) throw new UsageError("setting 'all' parameter but found a non empty selector", 'use either --all or -l SELECTOR');
  if (allNs && addrs.length) throw new UsageError('a resource cannot be retrieved by name across all namespaces', 'name the namespace with -n NAMESPACE');
  if (addrs.length && (reqs || values.all)) throw new UsageError('name pods or select them with -l/--all, not both', `usage: ${USAGE}`);
  if (!addrs.length && !reqs && !values.all) throw new UsageError('resource(s) were provided, but no name was specified', 'name the pods (pod/NAME), or select them with -l SELECTOR or --all');

  // The targets, found once (kubectl resolves them before it waits): named, or selected now.
  const targets: WaitTarget[] = addrs.length
    ? addrs.map((a) => ({ namespace: a.namespace, name: a.name, uid: readPodRecord(ctx.paths, podKey(a.namespace, a.name))?.uid }))
    : listPodRecords(ctx.paths, allNs ? undefined : ns)
        .filter((r) => !reqs || selectorMatches(reqs, r.manifest.metadata.labels))
        .map((r) => ({ namespace: r.plan.namespace, name: r.plan.name, uid: r.uid }));
  if (!targets.length && waitFor.kind !== 'delete') throw new PodrunError('no matching resources found', `\`podrun get pods${allNs ? ' -A' : ''}\` lists the pods`);

  await waitForTargets(ctx, targets, waitFor, timeoutMs, (t) => ctx.out(`pod/${t.name} condition met\n`));
  return 0;
}

/**
 * `wait --for=condition=complete job/pi`, `--for=condition=Available deployment/web`, jsonpath or
 * delete: the workload as `get -o json` prints it, polled as pods are, in turn within one deadline.
 */
async function waitForWorkloads(ctx: CliContext, kind: WorkloadKind, addrs: { namespace: string; name: string }[], waitFor: WaitFor, timeoutMs: number): Promise<number> {
  const { readWorkload, workloadNotFound } = await import('../../state/workloads');
  const { k8sWorkload } = await import('../workloads-view');
  const { WORKLOAD_KINDS } = await import('../../util/kinds');
  const k = WORKLOAD_KINDS[kind];
  if (kind === 'Job') await (await import('../sync')).finishLeftovers(ctx); // a Job waited for needs its controller
  const deadline = Date.now() + timeoutMs;
  for (const a of addrs) {
    const first = readWorkload(ctx.paths, kind, a.namespace, a.name);
    if (!first && waitFor.kind !== 'delete') throw workloadNotFound(kind, a.namespace, a.name);
    for (;;) {
      const r = readWorkload(ctx.paths, kind, a.namespace, a.name);
      const done = waitFor.kind === 'delete' ? !r || r.metadata.uid !== first?.metadata.uid : r ? objectMeets(waitFor.kind === 'applied' ? { kind: 'condition', name: 'Ready', value: 'true' } : waitFor, k8sWorkload(ctx.paths, r)) : false;
      if (done) {
        if (first) ctx.out(`${k.singular}.${k.group}/${a.name} condition met\n`);
        break;
      }
      if (!r) throw workloadNotFound(kind, a.namespace, a.name);
      // a Job that failed will never complete (kubectl would wait out the timeout)
      const failed = r.job?.condition?.type === 'Failed' ? r.job.condition : undefined;
      if (failed && waitFor.kind === 'condition' && waitFor.name.toLowerCase() === 'complete' && waitFor.value.toLowerCase() === 'true')
        throw new PodrunError(`job.batch/${a.name} failed (${failed.reason}: ${failed.message}): it will not complete`, `\`podrun describe job ${a.name}\` and the logs of its pods show why`);
      if (timeoutMs === 0) throw new PodrunError(`condition not met for ${k.plural}/${a.name}`);
      if (Date.now() >= deadline) throw new PodrunError(`timed out waiting for the condition on ${k.plural}/${a.name}`, `\`podrun describe ${k.singular} ${a.name}\` shows why; --timeout waits longer`);
      await sleep(Math.min(POLL_MS, Math.max(1, deadline - Date.now())));
    }
  }
  return 0;
}

export type WaitTarget = { namespace: string; name: string; uid?: string };

/**
 * Waits for each target in turn (one deadline for all), calling MET as each meets WAITFOR;
 * throws at the first that cannot (timeout, a pod gone while waiting for a condition, a failed
 * pod for apply --wait). A target without a uid is one that was not there when found: for
 * --for=delete, nothing to wait for.
 */
export async function waitForTargets(ctx: Pick<CliContext, 'paths'>, targets: WaitTarget[], waitFor: WaitFor, timeoutMs: number, met: (t: WaitTarget) => void): Promise<void> {
  const { computePodStatus, k8sPod, snapshotPod } = await import('../../runtime/pod-status');
  const deadline = Date.now() + timeoutMs;
  let lastFinish = 0;
  for (const t of targets) {
    const key = podKey(t.namespace, t.name);
    if (waitFor.kind === 'delete' && t.uid === undefined) continue; // not there (kubectl ignores NotFound)
    for (;;) {
      const r: PodRecord | undefined = readPodRecord(ctx.paths, key);
      let done: boolean;
      if (waitFor.kind === 'delete') done = r ? r.uid !== t.uid : deleteFinished(ctx.paths, key);
      else {
        if (!r) throw podNotFound(t.namespace, t.name);
        const snap = snapshotPod(r);
        done = objectMeets(waitFor, k8sPod(computePodStatus(snap), snap));
      }
      if (done) {
        met(t);
        break;
      }
      // a delete cut short (its CLI gone) is finished here, once its pod is down (checked each second)
      if (waitFor.kind === 'delete' && r?.deletionTimestamp && Date.now() - lastFinish >= 1000) {
        lastFinish = Date.now();
        await (await import('../../runtime/finish-deletes')).finishInterruptedDeletes(ctx.paths, (e) => writeErr(`warning: ${e.message}\n`), key);
      }
      if (timeoutMs === 0) throw new PodrunError(`condition not met for pods/${t.name}`);
      if (Date.now() >= deadline) throw new PodrunError(`timed out waiting for the condition on pods/${t.name}`, `\`podrun describe pod ${t.name}${t.namespace === 'default' ? '' : ` -n ${t.namespace}`}\` shows why; --timeout waits longer`);
      await sleep(Math.min(POLL_MS, Math.max(1, deadline - Date.now())));
    }
  }
}
