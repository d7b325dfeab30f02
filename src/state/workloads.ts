// The store of workloads (Deployments, ReplicaSets, StatefulSets, DaemonSets): one JSON file per
// workload, <root>/workloads/<plural>/<namespace>_<name>.json, written atomically. A record holds
// the validated manifest (its pod template included, so that `scale` and a replaced pod need no
// file) and where it came from. Its pods are ordinary pod records that carry the annotation
// podrun.dev/controlled-by: KIND/NAME (docs/workloads.md). Changes to one workload happen under
// its lock (lockWorkload), which no pod name can share.
import { mkdirSync, unlinkSync } from 'fs';
import { dirname, join } from 'path';
import { isErrno, NotFoundError } from '../util/errors';
import { objectKey, type Paths } from '../util/paths';
import { CONTROLLED_BY_ANNOTATION, WORKLOAD_KINDS, type WorkloadKind } from '../util/kinds';
import type { JobStatus, WorkloadManifest } from '../manifest/workload-schema';
import type { LoadedWorkload } from '../manifest/load';
import { canonicalJson } from '../util/canonical-json';
import { randomUuid } from '../util/uuid';
import { readJsonIfExists, readJsonRecords, writeJsonAtomic } from './atomic';
import { lockPod } from './lock';
import type { PodRecord } from './pod-records';

export interface WorkloadRecord {
  kind: WorkloadKind;
  metadata: WorkloadManifest['metadata'] & { uid: string; creationTimestamp: string; generation: number };
  manifest: WorkloadManifest;
  /** The file applied (absolute), or '<stdin>': relative hostPaths of the template start at its folder. */
  sourceFile: string;
  line: number;
  /** The folder the template's relative hostPaths start at: the file's, or where it was applied from stdin. */
  baseDir?: string;
  /** apply --network: the network of the pods its controller makes later too (scale, a replacement, a Job's next pod). */
  network?: string;
  /** A Job's counts, condition and controller (runtime/jobs.ts). */
  job?: JobStatus;
  /**
   * A StatefulSet being updated: the manifest of the revision the update started from, which its
   * pods below the partition are made from (the controller's currentRevision); gone once every
   * pod is of the new template.
   */
  current?: WorkloadManifest;
}

const dir = (paths: Paths, kind: WorkloadKind) => join(paths.root, 'workloads', WORKLOAD_KINDS[kind].plural);
const recordPath = (paths: Paths, kind: WorkloadKind, namespace: string, name: string) => join(dir(paths, kind), `${objectKey(namespace, name)}.json`);

export function readWorkload(paths: Paths, kind: WorkloadKind, namespace: string, name: string): WorkloadRecord | undefined {
  const r = readJsonIfExists<WorkloadRecord>(recordPath(paths, kind, namespace, name));
  return r && r.kind === kind && r.metadata?.name === name && r.metadata.namespace === namespace ? r : undefined;
}

/** Every workload of KIND (of NAMESPACE), sorted by namespace, then name. */
export function listWorkloads(paths: Paths, kind: WorkloadKind, namespace?: string): WorkloadRecord[] {
  return readJsonRecords<WorkloadRecord>(dir(paths, kind), namespace, (r) => r.kind === kind && (namespace === undefined || r.metadata.namespace === namespace), (r) => [r.metadata.namespace, r.metadata.name]);
}

export function writeWorkload(paths: Paths, r: WorkloadRecord): void {
  mkdirSync(dir(paths, r.kind), { recursive: true, mode: 0o700 });
  writeJsonAtomic(recordPath(paths, r.kind, r.metadata.namespace, r.metadata.name), r, 0o600);
}

export function removeWorkload(paths: Paths, kind: WorkloadKind, namespace: string, name: string): boolean {
  try {
    unlinkSync(recordPath(paths, kind, namespace, name));
    return true;
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return false;
    throw e;
  }
}

/** One workload's lock, taken or a ConflictError (a pod's lock file: its key has upper case, which no pod name has). */
export const lockWorkload = (paths: Paths, kind: WorkloadKind, namespace: string, name: string) => lockPod(paths, `${objectKey(namespace, name)}_${kind}`, `${WORKLOAD_KINDS[kind].singular}/${name}`);

/** The record LOADED makes of the workload stored BEFORE (its uid and creation kept, the generation counted), and whether nothing changed. */
/** The annotation `rollout restart` puts on the template (kubectl's). */
export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';

/** W with its template (as written, and as the validated pod) annotated restartedAt AT. */
export function withRestartedAt(w: WorkloadManifest, at: string): WorkloadManifest {
  const stamp = (a: Record<string, string> | undefined) => ({ ...a, [RESTARTED_AT_ANNOTATION]: at });
  const template = (w.spec as { template?: { metadata?: { annotations?: Record<string, string> } } }).template ?? {};
  return {
    ...w,
    spec: { ...w.spec, template: { ...template, metadata: { ...template.metadata, annotations: stamp(template.metadata?.annotations) } } } as WorkloadManifest['spec'],
    templatePod: { ...w.templatePod, metadata: { ...w.templatePod.metadata, annotations: stamp(w.templatePod.metadata.annotations) } },
  };
}

export function nextRecord(before: WorkloadRecord | undefined, loaded: LoadedWorkload): { record: WorkloadRecord; same: boolean } {
  // replicas not written (now and before) keeps what `scale` set, as kubectl apply leaves a field
  // it never applied; a file that drops replicas goes back to the default, as kubectl's does
  let w: WorkloadManifest = loaded.workload.replicasUnset && before?.manifest.replicasUnset ? ({ ...loaded.workload, spec: { ...loaded.workload.spec, replicas: before.manifest.spec.replicas } } as WorkloadManifest) : loaded.workload;
  // so does the annotation `rollout restart` put on the template: the next apply rolls nothing again
  const restarted = before?.manifest.templatePod.metadata.annotations?.[RESTARTED_AT_ANNOTATION];
  if (restarted && w.templatePod.metadata.annotations?.[RESTARTED_AT_ANNOTATION] === undefined) w = withRestartedAt(w, restarted);
  const newTemplate = before && canonicalJson(before.manifest.spec.template) !== canonicalJson(w.spec.template);
  const current = w.kind === 'StatefulSet' && before ? (newTemplate ? (before.current ?? before.manifest) : before.current) : undefined;
  const record: WorkloadRecord = {
    kind: w.kind,
    metadata: {
      ...w.metadata,
      uid: before?.metadata.uid ?? randomUuid(),
      creationTimestamp: before?.metadata.creationTimestamp ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      generation: (before?.metadata.generation ?? 0) + (before && canonicalJson(before.manifest.spec) === canonicalJson(w.spec) ? 0 : 1),
    },
    manifest: w,
    sourceFile: loaded.file,
    line: loaded.line,
    baseDir: loaded.file === '<stdin>' ? process.cwd() : dirname(loaded.file),
    ...(before?.network !== undefined ? { network: before.network } : {}),
    ...(before?.job ? { job: before.job } : {}),
    ...(current ? { current } : {}),
  };
  return { record, same: !!before && canonicalJson(before.manifest) === canonicalJson(w) && before.sourceFile === loaded.file };
}

/** `Deployment/web`: the value of podrun.dev/controlled-by on the workload's pods. */
export const controllerRef = (kind: WorkloadKind, name: string) => `${kind}/${name}`;

/** The workload a pod record was made for, if any. */
export function controllerOf(r: PodRecord): { kind: WorkloadKind; name: string } | undefined {
  const v = r.manifest.metadata.annotations?.[CONTROLLED_BY_ANNOTATION];
  const slash = v?.indexOf('/') ?? -1;
  if (!v || slash < 0) return undefined;
  const kind = v.slice(0, slash);
  return Object.prototype.hasOwnProperty.call(WORKLOAD_KINDS, kind) ? { kind: kind as WorkloadKind, name: v.slice(slash + 1) } : undefined;
}

/** The pods of a workload among RECORDS (its namespace's). */
export const podsOf = (records: PodRecord[], kind: WorkloadKind, namespace: string, name: string) =>
  records.filter((r) => r.plan.namespace === namespace && r.manifest.metadata.annotations?.[CONTROLLED_BY_ANNOTATION] === controllerRef(kind, name));

export function workloadNotFound(kind: WorkloadKind, namespace: string, name: string): NotFoundError {
  const k = WORKLOAD_KINDS[kind];
  return new NotFoundError(
    `Error from server (NotFound): ${k.plural}.${k.group} "${name}" not found${namespace === 'default' ? '' : ` in namespace "${namespace}"`}`,
    `\`podrun get ${k.plural}${namespace === 'default' ? '' : ` -n ${namespace}`}\` lists them; \`podrun apply -f FILE\` creates one`,
  );
}
