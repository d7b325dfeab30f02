// Carrying out a re-apply in place (plan/reapply.ts decides; docs/reapply.md): under the pod
// lock, with the pod's monitor running. Each container restarted gets its new definition from a
// launch file of the pod planned again (`replace NAME [GRACE] FILE` on the monitor's control socket: the
// monitor takes that container's block, kills the running instance as the kubelet does for a
// changed spec hash, and starts the new definition at once); cpu and memory are written as a
// resize writes them; a downwardAPI volume's labels and annotations are rewritten in place; the
// record takes the new manifest last, so that an apply cut short is done again by the next one.
import { rmSync } from 'fs';
import { join } from 'path';
import type { LoadedPod } from '../manifest/load';
import type { ReapplyDecision } from '../plan/reapply';
import type { PodPlan } from '../plan/types';
import { writeFileAtomic } from '../state/atomic';
import { writePodRecord, type PodRecord } from '../state/pod-records';
import { PodrunError } from '../util/errors';
import type { Paths } from '../util/paths';
import { controlRequest, controlStatus } from './control';
import { helper } from './helper';
import { withEnvValues } from './object-data';
import { resizePod } from './resize';
import { writeSeccompPrograms, type SeccompPrograms } from './seccomp';
import { graceDeadline, killContainerInstance, type GraceWait, type GraceWatch } from './stop';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const containerStates = (record: PodRecord) => controlStatus(record.plan.dirs.lasting);

/**
 * Why the containers to restart cannot be restarted in place (the pod is re-created instead), or
 * undefined: a container that terminated for good (restartPolicy Never, OnFailure after exit 0)
 * runs no new instance, and a monitor of an older podrun has no `replace`.
 */
export async function inPlaceObstacle(record: PodRecord, names: readonly string[]): Promise<string | undefined> {
  if (!names.length) return undefined;
  const s = await containerStates(record);
  if (!s) return 'its monitor does not answer on its control socket';
  if (!s.replace) return 'its monitor, of an older podrun, cannot restart a container with a new definition';
  if (s.stopping) return 'it is being stopped';
  for (const n of names) {
    const c = s.containers.find((x) => x.name === n);
    if (c?.state === 'terminated') return `container ${n} has terminated and would not run again (restartPolicy ${record.plan.restartPolicy})`;
  }
  return undefined;
}

/** Options of an in-place re-apply: apply's --grace-period/--now and its progress line. */
export interface InPlaceOptions {
  gracePeriodSeconds?: number;
  watch?: GraceWatch;
}

/** The grace period and 30 s: how long a restart may take before apply gives up waiting. */
const restartWaitMs = (graceSeconds: number) => (Math.min(graceSeconds, 24 * 3600) + 30) * 1000;

/**
 * Restarts container NAME of RECORD's pod with its definition in PLAN: the launch file written
 * (on the pod's tmpfs when it holds Secret values), `replace` asked (again while the container is
 * starting or being stopped), then waited for until the new instance runs or its start failed.
 */
async function replaceContainer(paths: Paths, record: PodRecord, plan: PodPlan, name: string, opts: InPlaceOptions): Promise<PodrunError | undefined> {
  const dir = record.plan.dirs.lasting;
  const secretEnv = plan.envRefs?.some((r) => r.kind === 'Secret') && plan.dirs.config;
  const file = secretEnv ? join(plan.dirs.config!, '.replace') : join(dir, 'replace.launch');
  let graceSeconds = opts.gracePeriodSeconds ?? record.plan.terminationGracePeriodSeconds;
  let deadline = Date.now() + restartWaitMs(graceSeconds);
  // `replace NAME GRACE FILE` (ms, or kill) only when apply was given one: an older monitor knows only the pod's
  let grace = opts.gracePeriodSeconds === undefined ? '' : opts.gracePeriodSeconds === 0 ? 'kill ' : `${graceDeadline(opts.gracePeriodSeconds, 0)} `;
  let reply: string;
  try {
    const launch = helper.encodeLaunchFile(plan.envRefs ? withEnvValues(paths, plan) : plan);
    if (secretEnv) (await import('./config-volumes')).ensureRoom(plan.dirs.config!, launch.length); // the tmpfs grows for large values
    writeFileAtomic(file, launch, 0o600, { durable: false });
    for (;;) {
      const r = await controlRequest(dir, `replace ${name} ${grace}${file}`, 5000);
      if (r.ok) {
        reply = r.text;
        break;
      }
      if (grace && r.why === 'error EINVAL replace NAME FILE') {
        grace = ''; // a monitor of the podrun before: the container gets the pod's grace period
        graceSeconds = record.plan.terminationGracePeriodSeconds;
        deadline = Date.now() + restartWaitMs(graceSeconds);
        continue;
      }
      if (!r.why.startsWith('error EBUSY') || Date.now() > deadline)
        throw new PodrunError(`pod/${record.plan.name}: its monitor did not restart container ${name} with its new definition (${r.why})`, '`podrun apply --force` re-creates the pod');
      await sleep(50);
    }
  } finally {
    // the monitor parsed the file before its reply (one holding Secret values goes at once)
    rmSync(file, { force: true });
  }
  // `ok K`: the new definition runs as instance K or later; `ok 0 pending`: it was never started
  // (the init containers run), its first start runs the new definition
  const [k, pending] = reply.split(' ');
  if (pending === 'pending') return undefined;
  const want = Number(k);
  // `pod/dev: waiting for app to stop ...`: the line names the container (and fits 80 columns)
  const wait = opts.watch?.begin(`pod/${record.plan.name}`, graceDeadline(graceSeconds, 0));
  void wait?.now.then(() => killContainerInstance(record, name, want)); // Ctrl-C: the old instance now, the new one starts at once
  try {
    return await newInstance(record, name, want, deadline, graceSeconds, wait);
  } finally {
    wait?.end();
  }
}

/** Waits until instance WANT of container NAME runs (undefined) or its start failed (the error). */
async function newInstance(record: PodRecord, name: string, want: number, deadline: number, graceSeconds: number, wait?: GraceWait): Promise<PodrunError | undefined> {
  for (;;) {
    const c = (await containerStates(record))?.containers.find((x) => x.name === name);
    if (c && c.restartCount >= want) {
      // an instance of the new definition whose start failed (it may already be started again)
      const failed = c.state === 'waiting' && (c.reason === 'RunContainerError' || (c.last?.reason === 'StartError' && c.last.restartCount >= want));
      if (failed)
        return new PodrunError(`pod/${record.plan.name}: container ${name}: its new definition did not start (${c.reason})`, `\`podrun describe pod ${record.plan.name}\` shows why; the other containers run on, and it is retried with back-off`);
      if (c.state !== 'waiting' || c.reason === 'CrashLoopBackOff') return undefined; // running, or ran: its own doing
    }
    if (c && c.restartCount < want) wait?.progress([name]);
    if (Date.now() > deadline) throw new PodrunError(`pod/${record.plan.name}: container ${name} was not running again ${restartWaitMs(graceSeconds) / 1000} s after its restart`, `\`podrun describe pod ${record.plan.name}\` shows why`);
    await sleep(25);
  }
}

/** Rewrites the pod's downwardAPI volumes whose values changed (labels, annotations), as the kubelet updates them. */
async function rewriteDownwardVolumes(paths: Paths, old: PodPlan, plan: PodPlan): Promise<void> {
  const { volumePayload, writeAtomic } = await import('./config-volumes');
  for (const v of plan.volumes) {
    if (!v.config?.sources.some((s) => s.kind === 'DownwardAPI')) continue;
    const was = old.volumes.find((x) => x.name === v.name);
    if (JSON.stringify(was?.config) === JSON.stringify(v.config)) continue;
    writeAtomic(v.source, volumePayload(paths, plan.namespace, v), v.fsGroup);
  }
}

/**
 * Applies DECISION (in place) to the running pod of EXISTING: NEXT is the pod planned again from
 * POD, PROGRAMS its seccomp programs. Returns the record after; throws when a step fails, the
 * record unchanged but for `replacing` once a replace was asked (the next apply does the rest).
 */
export async function reapplyInPlace(
  paths: Paths,
  existing: PodRecord,
  pod: LoadedPod,
  next: { plan: PodPlan; merged: PodPlan; programs: SeccompPrograms },
  decision: Extract<ReapplyDecision, { inPlace: true }>,
  opts: InPlaceOptions = {},
): Promise<{ record: PodRecord; failures: PodrunError[] }> {
  const names = new Set(decision.restart.map((r) => r.name));
  const failures: PodrunError[] = [];
  if (names.size) writeSeccompPrograms(next.programs);
  await rewriteDownwardVolumes(paths, existing.plan, next.merged);
  // The record is written last (resizePod): an apply cut short after the monitor took a definition
  // is done again by the next apply, of either file (the record's `replacing`, written right
  // before the first `replace`, after every check that could still refuse the change).
  let marked = false;
  const replace = async (name: string) => {
    if (!marked) writePodRecord(paths, { ...existing, replacing: [...new Set([...(existing.replacing ?? []), ...names])] });
    marked = true;
    const f = await replaceContainer(paths, existing, next.merged, name, opts);
    if (f) failures.push(f);
  };
  const record = await resizePod(paths, existing, pod, next.plan, decision.resize, { containers: names, plan: next.merged, replace });
  return { record, failures };
}
