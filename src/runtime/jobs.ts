// podrun's Job controller (docs/workloads.md, "Jobs"). A Job runs over time, after every CLI has
// returned: apply stores it, runs the first round itself (so its pods are there when apply
// returns), then starts the Job's controller, a detached `podrun job-controller NS NAME` process
// that runs a round every 250 ms, under the Job's lock, until the Job is Complete or Failed (and
// its ttlSecondsAfterFinished has passed), then exits. A round looks at the Job's pods, counts each
// that ended once (the counts live in the Job's record, so a pod deleted later still counts),
// takes plan/job-pods.ts's step and does it. `delete job` stops the controller (by pid and start
// time) before it deletes the pods; a controller lost (a reboot) is started again by the next apply.
import { spawn } from 'child_process';
import { constants } from 'os';
import { join } from 'path';
import { canonicalJson } from '../util/canonical-json';
import { ConflictError, PodrunError } from '../util/errors';
import { installRoot, type Paths } from '../util/paths';
import { workloadRef } from '../util/kinds';
import type { LoadedWorkload } from '../manifest/load';
import type { JobSpec, JobStatus } from '../manifest/workload-schema';
import { jobPodFor, jobPodName, jobStep, JOB_INDEX_ANNOTATION, type ActiveJobPod } from '../plan/job-pods';
import { isAlive, readStartTime } from '../state/proc';
import { listPodRecords } from '../state/pod-records';
import { lockWorkload, nextRecord, podsOf, readWorkload, removeWorkload, writeWorkload, type WorkloadRecord } from '../state/workloads';
import { applyPod } from './apply';
import { deletePodNamed } from './delete-pod';
import { checkImmutable } from './workload-checks';
import type { ControllerOptions, WorkloadOutcome } from './workloads';

const ROUND_MS = 250;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const emptyStatus = (): JobStatus => ({ counts: { succeeded: 0, failed: 0, succeededIndexes: [] }, counted: {} });


/**
 * The Job's lock, waited for (up to a minute): the controller holds it through a round, which
 * may stop pods, and an apply or delete must not fail for that.
 */
async function lockJob(paths: Paths, namespace: string, name: string): Promise<() => void> {
  for (let waited = 0; ; waited += 100) {
    try {
      return lockWorkload(paths, 'Job', namespace, name);
    } catch (e) {
      if (!(e instanceof ConflictError) || waited >= 60_000) throw e;
      await sleep(100);
    }
  }
}

/** Stores the Job, runs its first round, and starts its controller while it is not finished (or has a TTL to wait out). */
export async function applyJob(paths: Paths, loaded: LoadedWorkload, opts: ControllerOptions = {}): Promise<WorkloadOutcome> {
  const w = loaded.workload;
  const { name, namespace } = w.metadata;
  const release = await lockJob(paths, namespace, name);
  try {
    let before = readWorkload(paths, 'Job', namespace, name);
    if (before && !opts.force) checkImmutable(paths, [loaded], false);
    if (before && opts.force) {
      // --force: the Job made again, its pods and counts gone
      await stopController(before);
      await deleteJobLocked(paths, namespace, name, opts);
      before = undefined;
    }
    const { record, same } = nextRecord(before, loaded);
    record.job ??= emptyStatus();
    if (opts.network !== undefined) record.network = opts.network;
    const r = await jobRound(paths, record, { ...opts, network: record.network });
    if (!record.job!.condition || (w.spec as JobSpec).ttlSecondsAfterFinished !== undefined) startController(paths, record);
    writeWorkload(paths, record);
    const parts = [r.created && `${r.created} pod${r.created > 1 ? 's' : ''} created`, r.deleted && `${r.deleted} deleted`].filter(Boolean);
    const pods = podsOf(listPodRecords(paths, namespace), 'Job', namespace, name).map((p) => ({ namespace, name: p.plan.name, uid: p.uid }));
    return { kind: 'Job', namespace, name, action: !before ? 'created' : same ? 'unchanged' : 'configured', detail: parts.join(', ') || undefined, pods, failures: r.failures };
  } finally {
    release();
  }
}

/**
 * A Job not finished (or waiting out its TTL) whose controller is gone (a crash, a reboot, `up`
 * stopped) gets a new one: run by the commands that tidy up (get, apply, delete, wait).
 */
export function restartLostControllers(paths: Paths): void {
  const { listWorkloads } = require('../state/workloads') as typeof import('../state/workloads');
  for (const r of listWorkloads(paths, 'Job')) {
    if ((r.job?.condition && (r.manifest.spec as JobSpec).ttlSecondsAfterFinished === undefined) || isAlive(r.job?.controller)) continue;
    let release: (() => void) | undefined;
    try {
      release = lockWorkload(paths, 'Job', r.metadata.namespace, r.metadata.name);
    } catch {
      continue; // being changed: that command starts it
    }
    try {
      const now = readWorkload(paths, 'Job', r.metadata.namespace, r.metadata.name);
      if (now && !isAlive(now.job?.controller)) {
        startController(paths, now);
        writeWorkload(paths, now);
      }
    } finally {
      release();
    }
  }
}

/** One round of the controller over RECORD (its `job` status updated; the caller writes the record). */
export async function jobRound(paths: Paths, record: WorkloadRecord, opts: ControllerOptions = {}): Promise<{ created: number; deleted: number; failures: PodrunError[]; waitMs?: number }> {
  const { computePodStatus, snapshotPod } = await import('./pod-status');
  const w = record.manifest;
  const spec = w.spec as JobSpec;
  const st = (record.job ??= emptyStatus());
  const out = { created: 0, deleted: 0, failures: [] as PodrunError[], waitMs: undefined as number | undefined };
  if (st.condition) return out;
  const { namespace, name } = w.metadata;
  const now = Date.now();
  if (spec.suspend) st.counts.startTime = undefined;
  else st.counts.startTime ??= now;
  const active: ActiveJobPod[] = [];
  const mine = podsOf(listPodRecords(paths, namespace), 'Job', namespace, name);
  for (const r of mine) {
    if (r.deletionTimestamp) continue;
    const s = computePodStatus(snapshotPod(r));
    const index = r.manifest.metadata.annotations?.[JOB_INDEX_ANNOTATION];
    if (s.phase === 'Succeeded' || s.phase === 'Failed') {
      if (st.counted[r.plan.name]) continue;
      st.counted[r.plan.name] = s.phase;
      if (s.phase === 'Failed') {
        st.counts.failed++;
        st.counts.failedSinceSuccess = (st.counts.failedSinceSuccess ?? 0) + 1;
        st.counts.lastFailureAt = now;
      } else {
        st.counts.succeeded++;
        st.counts.failedSinceSuccess = 0;
        if (index !== undefined && !st.counts.succeededIndexes.includes(Number(index))) st.counts.succeededIndexes.push(Number(index));
      }
      continue;
    }
    active.push({ name: r.plan.name, index: index === undefined ? undefined : Number(index), restarts: s.restarts });
  }
  const { RESTART_BACKOFF_ANNOTATION, parseBackoff } = await import('../manifest/supervision');
  const dev = w.templatePod.metadata.annotations?.[RESTART_BACKOFF_ANNOTATION];
  const parsed = dev === undefined ? undefined : parseBackoff(dev);
  const backoff = parsed && !('problem' in parsed) ? { initialMs: parsed.initialMs, maxMs: parsed.maxMs } : undefined;
  const step = jobStep(spec, w.templatePod.spec.restartPolicy, st.counts, active, now, backoff);
  const ref = workloadRef('Job', name);
  await Promise.all(
    step.delete.map(async (pod) => {
      await deletePodNamed(paths, namespace, pod, { gracePeriodSeconds: opts.gracePeriodSeconds, watch: opts.watch, warn: (e) => opts.progress?.(`warning: ${e.message}`) });
      out.deleted++;
      opts.progress?.(`${ref}: pod ${pod} deleted`);
    }),
  );
  // a new pod's name is none the Job ever had: counted (deleted since) or here (active, finished, going)
  const taken = new Set([...Object.keys(st.counted), ...mine.map((r) => r.plan.name)]);
  for (const index of step.create) {
    const pod = jobPodName(name, index, taken);
    taken.add(pod);
    const r = await applyPod(paths, { file: record.sourceFile, line: record.line, baseDir: record.baseDir, manifest: jobPodFor(w, record.metadata.uid, pod, index) }, opts);
    out.created++;
    opts.progress?.(`${ref}: pod ${pod} created`);
    out.failures.push(...r.failures);
  }
  if (step.finish) {
    st.condition = { ...step.finish, at: new Date(now).toISOString().replace(/\.\d+Z$/, 'Z') };
    opts.progress?.(`${ref}: ${step.finish.type === 'Complete' ? 'complete' : `failed: ${step.finish.message} (${step.finish.reason})`}`);
  }
  out.waitMs = step.waitMs;
  return out;
}

/** Starts `podrun job-controller NS NAME` in the background (its own session, output to a log), and records its identity. */
function startController(paths: Paths, record: WorkloadRecord): void {
  if (isAlive(record.job?.controller)) return;
  const { mkdirSync, openSync, closeSync } = require('fs') as typeof import('fs');
  const dir = join(paths.runRoot, 'jobs');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const log = openSync(join(dir, `${record.metadata.namespace}_${record.metadata.name}.log`), 'a', 0o600);
  try {
    const cli = join(installRoot(), 'dist', 'src', 'cli', 'start.js');
    const child = spawn(process.execPath, [cli, '--root', paths.root, '--run-root', paths.runRoot, 'job-controller', record.metadata.namespace, record.metadata.name], {
      detached: true,
      stdio: ['ignore', log, log],
    });
    child.unref();
    const startTime = child.pid ? readStartTime(child.pid) : undefined;
    if (child.pid && startTime !== undefined) record.job!.controller = { pid: child.pid, startTime };
  } finally {
    closeSync(log);
  }
}

/** The controller process's loop: rounds until the Job is finished (and its TTL passed) or gone. */
export async function runJobController(paths: Paths, namespace: string, name: string): Promise<void> {
  // SIGTERM (delete, --force, up): gone at once between rounds, after the round in one
  let stopping = false;
  let inRound = false;
  process.on('SIGTERM', () => {
    stopping = true;
    if (!inRound) process.exit(0);
  });
  const say = (l: string) => process.stderr.write(`${new Date().toISOString()} ${l}\n`);
  let uid: string | undefined;
  while (!stopping) {
    let release: (() => void) | undefined;
    try {
      release = lockWorkload(paths, 'Job', namespace, name);
    } catch (e) {
      if (!(e instanceof ConflictError)) throw e;
      await sleep(ROUND_MS); // an apply or delete of the Job is under way
      continue;
    }
    let waitMs = ROUND_MS;
    inRound = true;
    try {
      const record = readWorkload(paths, 'Job', namespace, name);
      // gone, or made again (--force) with a controller of its own
      if (!record || (uid !== undefined && record.metadata.uid !== uid)) return;
      uid = record.metadata.uid;
      if (record.job?.condition) {
        const ttl = (record.manifest.spec as JobSpec).ttlSecondsAfterFinished;
        if (ttl === undefined) return;
        const left = Date.parse(record.job.condition.at) + ttl * 1000 - Date.now();
        if (left <= 0) {
          say(`job.batch/${name}: ttlSecondsAfterFinished (${ttl}s) passed: deleting the Job`);
          await deleteJobLocked(paths, namespace, name, {});
          return;
        }
        waitMs = Math.min(left, 1000); // an apply may change the TTL meanwhile
      } else {
        const before = canonicalJson(record.job);
        try {
          const r = await jobRound(paths, record, { progress: say, network: record.network });
          for (const f of r.failures) say(f.message);
          if (r.waitMs !== undefined) waitMs = Math.min(Math.max(r.waitMs, 10), ROUND_MS * 4);
        } catch (e) {
          // a pod that could not be made (an image pull, a hostPath gone): said, tried again
          say(`round failed: ${(e as Error).message}`);
          waitMs = 2000;
        }
        if (canonicalJson(record.job) !== before) writeWorkload(paths, record);
      }
    } finally {
      inRound = false;
      release?.();
    }
    if (!stopping) await sleep(waitMs);
  }
}

/** Stops the Job's controller, deletes its pods (the finished ones too) and the Job; false when there was none. */
export async function deleteJob(paths: Paths, namespace: string, name: string, opts: ControllerOptions = {}): Promise<boolean> {
  await stopController(readWorkload(paths, 'Job', namespace, name));
  const release = await lockJob(paths, namespace, name);
  try {
    return await deleteJobLocked(paths, namespace, name, opts);
  } finally {
    release();
  }
}

/** deleteJob under the Job's lock, its controller stopped (or the controller itself, at its TTL). */
async function deleteJobLocked(paths: Paths, namespace: string, name: string, opts: ControllerOptions): Promise<boolean> {
  const pods = podsOf(listPodRecords(paths, namespace), 'Job', namespace, name);
  if (!readWorkload(paths, 'Job', namespace, name) && !pods.length) return false;
  await Promise.all(pods.map((p) => deletePodNamed(paths, namespace, p.plan.name, { gracePeriodSeconds: opts.gracePeriodSeconds, watch: opts.watch, warn: (e) => opts.progress?.(`warning: ${e.message}`) })));
  removeWorkload(paths, 'Job', namespace, name);
  return true;
}

/**
 * SIGTERM to the Job's controller (pid and start time checked): it ends after its round. A round
 * may be deleting a pod, which takes up to the pod's grace period (the template's
 * terminationGracePeriodSeconds); SIGKILL only once that and 10 s more have passed.
 */
async function stopController(record: WorkloadRecord | undefined): Promise<void> {
  const id = record?.job?.controller;
  if (!id || !isAlive(id)) return;
  const { signalProcess } = await import('./stop');
  signalProcess(id, constants.signals.SIGTERM);
  const graceMs = ((record.manifest.templatePod.spec.terminationGracePeriodSeconds ?? 30) + 10) * 1000;
  for (let waited = 0; waited < graceMs && isAlive(id); waited += 50) await sleep(50);
  if (isAlive(id)) signalProcess(id, constants.signals.SIGKILL);
  for (let i = 0; i < 40 && isAlive(id); i++) await sleep(50);
}
