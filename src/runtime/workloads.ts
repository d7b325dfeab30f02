// podrun's workload controllers (docs/workloads.md): apply stores a Deployment, ReplicaSet,
// StatefulSet or DaemonSet, then runs its controller until its pods are what the template and
// replicas ask for: each round looks at the pods, takes plan/workload-pods.ts's next step (pods to
// make, update in place, delete), and does it; a round with nothing to do waits for readiness.
// There is no controller process: the command that changes a workload (apply, scale, delete of
// one of its pods) runs it to the end, under the workload's lock, and a rollout it leaves (Ctrl-C,
// a pod never Ready before the progress deadline) is where the next apply goes on from.
import { ManifestError, ManifestErrors, PodrunError } from '../util/errors';
import { CONTROLLED_BY_ANNOTATION, workloadRef, type WorkloadKind } from '../util/kinds';
import type { Paths } from '../util/paths';
import type { LoadedWorkload } from '../manifest/load';
import type { WorkloadManifest } from '../manifest/workload-schema';
import type { StatefulSetSpec, DeploymentSpec } from '../manifest/workload-schema';
import { immutableChange, immutableError } from './workload-checks';
import { claimNameFor } from '../manifest/workload-names';
import { nextStep, ordinalOf, podManifestFor, revisionLabel, type ObservedPod } from '../plan/workload-pods';
import { listPodRecords, type PodRecord } from '../state/pod-records';
import { lockWorkload, nextRecord, podsOf, readWorkload, removeWorkload, withRestartedAt, writeWorkload, type WorkloadRecord } from '../state/workloads';
import { applyPod, type ApplyOptions } from './apply';
import { deletePodNamed } from './delete-pod';

export interface WorkloadOutcome {
  kind: WorkloadKind;
  namespace: string;
  name: string;
  action: 'created' | 'configured' | 'unchanged';
  /** What the controller did: `2 pods created, 1 deleted`. */
  detail?: string;
  /** The workload's pods once it is done (apply --wait and up wait for these). */
  pods: { namespace: string; name: string; uid: string }[];
  failures: PodrunError[];
}

export interface ControllerOptions extends ApplyOptions {
  /** A line per pod made, updated or deleted, and per wait (stderr). */
  progress?: (line: string) => void;
  /** A poll of the pods while waiting for readiness (tests: shorter). */
  pollMs?: number;
  /** One step and return, never waiting for readiness (after `delete pod` of one of its pods). */
  oneStep?: boolean;
  /** The line of a field of the pod template, for its pods' problems (apply has the file; scale does not). */
  templateLineOf?: (path: (string | number)[]) => number;
}

/**
 * The manifest a pod is made from: the workload's, but a StatefulSet pod below its partition
 * from the revision the update started from (record.current), as the controller keeps it.
 */
function templateFor(record: WorkloadRecord, pod: string): WorkloadManifest {
  const w = record.manifest;
  if (w.kind !== 'StatefulSet' || !record.current) return w;
  const spec = w.spec as StatefulSetSpec;
  const ordinal = ordinalOf(w.metadata.name, pod);
  // OnDelete: a pod deleted is made of the new revision (that is how OnDelete rolls out); the partition counts from ordinals.start
  const partition = spec.updateStrategy.type === 'OnDelete' ? 0 : spec.updateStrategy.rollingUpdate?.partition ?? 0;
  return ordinal !== undefined && ordinal - spec.ordinals.start < partition ? { ...w, spec: { ...w.spec, template: record.current.spec.template }, templatePod: record.current.templatePod } : w;
}

const POLL_MS = 200;
const DEFAULT_DEADLINE_S = 600;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Stores the workload and runs its controller until done. */
export async function applyWorkload(paths: Paths, loaded: LoadedWorkload, opts: ControllerOptions = {}): Promise<WorkloadOutcome> {
  const w = loaded.workload;
  if (w.kind === 'Job') return (await import('./jobs')).applyJob(paths, loaded, opts); // runs over time, in a process of its own
  const { name, namespace } = w.metadata;
  const release = lockWorkload(paths, w.kind, namespace, name);
  try {
    const before = readWorkload(paths, w.kind, namespace, name);
    const frozen = before && immutableChange(before.manifest, w);
    if (frozen && !opts.force) throw immutableError(w, frozen);
    const { record, same: unchanged } = nextRecord(before, loaded);
    if (opts.network !== undefined) record.network = opts.network;
    const same = unchanged && before?.network === record.network;
    if (frozen) delete record.current;
    if (!same) writeWorkload(paths, record);
    if (opts.force) for (const p of podsOf(listPodRecords(paths, namespace), w.kind, namespace, name)) await deletePod(paths, record, p.plan.name, opts);
    const lineOf = loaded.lineOf;
    let r;
    try {
      r = await reconcile(paths, record, { ...opts, templateLineOf: lineOf && ((p) => lineOf(['spec', 'template', ...p])) });
    } catch (e) {
      // a pod the template makes is refused before anything of it is made (a hostPath that is not
      // there...): the file is wrong, so the workload is left as it was (a new one not stored)
      if (e instanceof ManifestErrors || e instanceof ManifestError) {
        if (!before) removeWorkload(paths, w.kind, namespace, name);
        else if (!same) writeWorkload(paths, before);
        // said at the template's field, as the line is: spec.template.spec.containers[0].image
        throw e instanceof ManifestErrors ? new ManifestErrors(e.errors.map(underTemplate)) : underTemplate(e);
      }
      throw e;
    }
    return { kind: w.kind, namespace, name, action: !before ? 'created' : same ? 'unchanged' : 'configured', ...r };
  } finally {
    release();
  }
}

/** A pod's error (its path from the pod's `spec`) at the workload's template field. */
function underTemplate(e: ManifestError): ManifestError {
  if (e.path[0] !== 'spec') return e;
  const Same = e.constructor as new (...a: ConstructorParameters<typeof ManifestError>) => ManifestError;
  const moved = new Same(e.file, ['spec', 'template', ...e.path], e.detail, e.hint, e.line);
  moved.exitCode = e.exitCode;
  return moved;
}

/** `podrun scale`: the workload's replicas set to N (kept until the next apply of its file), then its controller run. */
export async function scaleWorkload(paths: Paths, kind: WorkloadKind, namespace: string, name: string, replicas: number, opts: ControllerOptions = {}): Promise<Omit<WorkloadOutcome, 'action'> & { changed: boolean } | undefined> {
  const release = lockWorkload(paths, kind, namespace, name);
  try {
    const record = readWorkload(paths, kind, namespace, name);
    if (!record) return undefined;
    const changed = (record.manifest.spec.replicas ?? 1) !== replicas;
    if (changed) {
      record.manifest = { ...record.manifest, spec: { ...record.manifest.spec, replicas } };
      record.metadata.generation += 1;
      writeWorkload(paths, record);
    }
    return { kind, namespace, name, changed, ...(await reconcile(paths, record, opts)) };
  } finally {
    release();
  }
}

/**
 * `rollout restart`: the template gets kubectl's `kubectl.kubernetes.io/restartedAt` annotation,
 * so it is a new revision and its controller replaces every pod, as after a changed file (a
 * Deployment one at a time behind readiness, a StatefulSet from the highest ordinal).
 */
export async function restartWorkload(paths: Paths, kind: WorkloadKind, namespace: string, name: string, at: string, opts: ControllerOptions = {}) {
  const release = lockWorkload(paths, kind, namespace, name);
  try {
    const record = readWorkload(paths, kind, namespace, name);
    if (!record) return undefined;
    record.manifest = withRestartedAt(record.manifest, at);
    record.metadata.generation += 1;
    writeWorkload(paths, record);
    return await reconcile(paths, record, opts);
  } finally {
    release();
  }
}

/** Runs the controller of a stored workload again (a pod of it was deleted): its pods made up. */
export async function reconcileStored(paths: Paths, kind: WorkloadKind, namespace: string, name: string, opts: ControllerOptions = {}) {
  if (kind === 'Job') return undefined; // its controller process makes up a pod deleted, if the Job still wants one
  const release = lockWorkload(paths, kind, namespace, name);
  try {
    const record = readWorkload(paths, kind, namespace, name);
    return record ? await reconcile(paths, record, opts) : undefined;
  } finally {
    release();
  }
}

/**
 * Deletes the workload and its pods (all stopping at once, as the garbage collector's cascade);
 * a StatefulSet's claims stay unless its retention policy says Delete. False when there was none.
 */
export async function deleteWorkload(paths: Paths, kind: WorkloadKind, namespace: string, name: string, opts: ControllerOptions = {}): Promise<boolean> {
  if (kind === 'Job') return (await import('./jobs')).deleteJob(paths, namespace, name, opts);
  const release = lockWorkload(paths, kind, namespace, name);
  try {
    const record = readWorkload(paths, kind, namespace, name);
    const pods = podsOf(listPodRecords(paths, namespace), kind, namespace, name);
    if (!record && !pods.length) return false;
    await Promise.all(pods.map((p) => deletePodNamed(paths, namespace, p.plan.name, { gracePeriodSeconds: opts.gracePeriodSeconds, watch: opts.watch, warn: (e) => opts.progress?.(`warning: ${e.message}`) })));
    if (record?.kind === 'StatefulSet' && (record.manifest.spec as StatefulSetSpec).persistentVolumeClaimRetentionPolicy.whenDeleted === 'Delete') await deleteSetClaims(paths, record);
    removeWorkload(paths, kind, namespace, name);
    return true;
  } finally {
    release();
  }
}

/** The workload's pods as its controller sees them (those being deleted are gone already). */
export function observePods(paths: Paths, w: WorkloadManifest, records = listPodRecords(paths, w.metadata.namespace)): { records: PodRecord[]; pods: ObservedPod[] } {
  const { computePodStatus, k8sPod, snapshotPod } = require('./pod-status') as typeof import('./pod-status');
  const mine = podsOf(records, w.kind, w.metadata.namespace, w.metadata.name).filter((r) => !r.deletionTimestamp);
  const key = revisionLabel(w).key;
  const minReadyMs = ((w.spec as { minReadySeconds?: number }).minReadySeconds ?? 0) * 1000;
  const now = Date.now();
  const pods = mine.map((r) => {
    const snap = snapshotPod(r);
    const conditions = ((k8sPod(computePodStatus(snap), snap).status as { conditions?: { type: string; status: string; lastTransitionTime?: string }[] }).conditions ?? []);
    const ready = conditions.find((c) => c.type === 'Ready');
    const since = ready?.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : now;
    const isReady = ready?.status === 'True';
    return { name: r.plan.name, revision: r.manifest.metadata.labels?.[key], ready: isReady, available: isReady && now - since >= minReadyMs, createdAt: Date.parse(r.createdAt) };
  });
  return { records: mine, pods };
}

/** The controller's rounds, until a step is done or a pod cannot start (its failure returned). */
async function reconcile(paths: Paths, record: WorkloadRecord, given: ControllerOptions): Promise<Omit<WorkloadOutcome, 'kind' | 'namespace' | 'name' | 'action'>> {
  const opts = { ...given, network: given.network ?? record.network };
  const w = record.manifest;
  const ref = workloadRef(w.kind, w.metadata.name);
  const counts = { created: 0, updated: 0, deleted: 0 };
  const failures: PodrunError[] = [];
  const deadlineS = w.kind === 'Deployment' ? (w.spec as DeploymentSpec).progressDeadlineSeconds : DEFAULT_DEADLINE_S;
  let progressAt = Date.now();
  let waitingSaid = '';
  const stopping: Promise<void>[] = [];
  const going = new Set<string>();
  try {
    for (;;) {
      // pods being stopped in the background are gone for the controller at once
      const pods = observePods(paths, w).pods.filter((p) => !going.has(p.name));
      const step = nextStep(w, pods);
      const acts = step.create.length + step.update.length + step.delete.length;
      if (!acts) {
        if (step.done) break;
        const waitingFor = pods.filter((p) => !p.available).map((p) => p.name);
        const said = `${ref}: waiting for ${waitingFor.length ? `pod${waitingFor.length > 1 ? 's' : ''} ${waitingFor.join(', ')} to be ready` : 'its pods'}`;
        if (opts.oneStep) break; // delete of one of its pods: the replacement made, no waiting for it
        if (said !== waitingSaid) opts.progress?.(`${said} (Ctrl-C leaves the rollout where it is; the next apply goes on)`);
        waitingSaid = said;
        if (Date.now() - progressAt > deadlineS * 1000)
          throw new PodrunError(`${ref} exceeded its progress deadline (${deadlineS}s): ${waitingFor.join(', ') || 'its pods'} did not become ready`, `\`podrun describe pod ${waitingFor[0] ?? ''}\` and \`podrun logs\` show why; fix the template and apply again`);
        await sleep(opts.pollMs ?? POLL_MS);
        continue;
      }
      progressAt = Date.now();
      waitingSaid = '';
      // up first, then down (rolling.go's order); the pods going stop together
      for (const [name, verb] of [...step.create.map((n) => [n, 'created'] as const), ...step.update.map((n) => [n, 'updated'] as const)]) {
        if (w.kind === 'StatefulSet') ensureClaims(paths, record, name);
        const out = await applyPod(paths, { file: record.sourceFile, line: record.line, lineOf: opts.templateLineOf, baseDir: record.baseDir, manifest: podManifestFor(templateFor(record, name), name) }, opts);
        counts[verb]++;
        opts.progress?.(`${ref}: pod ${name} ${verb === 'updated' ? `updated${out.detail ? ` (${out.detail})` : ''}` : 'created'}`);
        failures.push(...out.failures);
      }
      const deletes = step.delete.map(async (name) => {
        await deletePod(paths, record, name, opts);
        if (w.kind === 'StatefulSet' && (w.spec as StatefulSetSpec).persistentVolumeClaimRetentionPolicy.whenScaled === 'Delete') await deleteClaims(paths, record, name);
        counts.deleted++;
        opts.progress?.(`${ref}: pod ${name} deleted`);
      });
      for (const name of step.delete) {
        going.add(name);
        opts.progress?.(`${ref}: pod ${name} stopping`);
      }
      // A Deployment's or ReplicaSet's next step does not wait for an old pod to finish stopping
      // (a terminating pod counts no more, as on a cluster); a StatefulSet's and a DaemonSet's do
      // (the ordinal or the node is free only once it is gone).
      if (w.kind === 'Deployment' || w.kind === 'ReplicaSet') stopping.push(...deletes);
      else await Promise.all(deletes);
      if (failures.length) break; // a pod that cannot start: said, and the rollout stops there
      if (opts.oneStep) break;
    }
  } finally {
    // the command returns once the old pods it stopped are gone
    await Promise.all(stopping);
  }
  // a StatefulSet whose every pod is of the new template has no older revision to keep
  if (record.current && w.kind === 'StatefulSet' && observePods(paths, w).pods.every((p) => p.revision === revisionLabel(w).value)) {
    delete record.current;
    writeWorkload(paths, record);
  }
  const parts = [counts.created && `${counts.created} pod${counts.created > 1 ? 's' : ''} created`, counts.updated && `${counts.updated} updated`, counts.deleted && `${counts.deleted} deleted`].filter(Boolean);
  const pods = observePods(paths, w).records.map((r) => ({ namespace: r.plan.namespace, name: r.plan.name, uid: r.uid }));
  return { detail: parts.length ? parts.join(', ') : undefined, pods, failures };
}

const deletePod = (paths: Paths, record: WorkloadRecord, name: string, opts: ControllerOptions) =>
  deletePodNamed(paths, record.metadata.namespace, name, { gracePeriodSeconds: opts.gracePeriodSeconds, watch: opts.watch, warn: (e) => opts.progress?.(`warning: ${e.message}`) });

/** A StatefulSet pod's claims from the templates, made when missing (never changed: a claim's spec is the user's once made). */
function ensureClaims(paths: Paths, record: WorkloadRecord, pod: string): void {
  const { readObject, withObjectsLockSync, writeObject } = require('../state/objects') as typeof import('../state/objects');
  const w = record.manifest;
  const matchLabels = (w.spec as StatefulSetSpec).selector.matchLabels ?? {};
  withObjectsLockSync(paths, () => {
    for (const t of w.claimTemplates) {
      const name = claimNameFor(t.name, pod);
      if (readObject(paths, 'PersistentVolumeClaim', w.metadata.namespace, name)) continue;
      const claim = {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        // marked as the set's, so only claims it made are deleted with it (Kubernetes: an ownerReference)
        metadata: { name, namespace: w.metadata.namespace, labels: { ...t.labels, ...matchLabels }, annotations: { ...t.annotations, [CONTROLLED_BY_ANNOTATION]: workloadMark(w) } },
        spec: t.spec,
      };
      writeObject(paths, claim as unknown as import('../manifest/objects').ConfigObject, undefined);
    }
  });
}

/** Every claim the set made (CLAIM-NAME-N, marked as its own), those of pods scaled away earlier too. */
async function deleteSetClaims(paths: Paths, record: WorkloadRecord): Promise<void> {
  const { listObjects } = await import('../state/objects');
  const mine = listObjects(paths, 'PersistentVolumeClaim', record.metadata.namespace).filter((o) => madeBy(o, record));
  await deleteMarkedClaims(paths, record, mine.map((o) => o.metadata.name));
}

/** The claims of POD's templates the set made: a claim the user made under that name stays. */
async function deleteClaims(paths: Paths, record: WorkloadRecord, pod: string): Promise<void> {
  await deleteMarkedClaims(paths, record, record.manifest.claimTemplates.map((t) => claimNameFor(t.name, pod)));
}

async function deleteMarkedClaims(paths: Paths, record: WorkloadRecord, names: string[]): Promise<void> {
  const { readObject } = await import('../state/objects');
  const { deleteObject } = await import('./delete-object');
  for (const name of names) {
    const o = readObject(paths, 'PersistentVolumeClaim', record.metadata.namespace, name);
    if (o && madeBy(o, record)) await deleteObject(paths, 'PersistentVolumeClaim', record.metadata.namespace, name);
  }
}

const workloadMark = (w: { kind: string; metadata: { name: string } }) => `${w.kind}/${w.metadata.name}`;
const madeBy = (o: { metadata: { annotations?: Record<string, string> } }, record: WorkloadRecord) => o.metadata.annotations?.[CONTROLLED_BY_ANNOTATION] === workloadMark(record.manifest);
