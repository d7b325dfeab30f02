// A Job's pods, and what its controller does next (pkg/controller/job/job_controller.go): the pure
// half of podrun's Job controller (runtime/jobs.ts runs it over time, in a process of its own).
// Pods run to completion; each that succeeds counts toward completions, each that fails (or, under
// OnFailure, each restart of its containers) toward backoffLimit; a failed pod is replaced after
// the back-off (10 s doubled per failure up to 6 min, or the template's podrun.dev/restart-backoff).
// The Job is Complete when completions pods succeeded (Indexed: one per index; without
// completions, once one succeeded and none runs), Failed past backoffLimit or activeDeadlineSeconds,
// and then its running pods are deleted. suspend deletes them and makes none.
import type { JobCondition, JobCounts, JobSpec, WorkloadManifest } from '../manifest/workload-schema';
import type { PodManifest } from '../manifest/schema';
import { generatedPodName, randomSuffix } from '../manifest/workload-names';
import { CONTROLLED_BY_ANNOTATION } from '../util/kinds';

export const JOB_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';

/** A pod of the Job that still runs (or waits to). */
export interface ActiveJobPod {
  name: string;
  index?: number;
  /** Its containers' restarts (OnFailure counts them toward backoffLimit). */
  restarts: number;
}

export interface JobStep {
  /** Pods to make: an index each (Indexed), or undefined. */
  create: (number | undefined)[];
  delete: string[];
  finish?: JobCondition;
  /** No pod made before this many ms pass (the back-off after a failure). */
  waitMs?: number;
}

const DEFAULT_BACKOFF = { initialMs: 10_000, maxMs: 360_000 };
const MAX_CREATE = 500;

/** The back-off before the pod after FAILED failures: INITIAL doubled per failure after the first, at most MAX. */
export const jobBackoffMs = (failed: number, b = DEFAULT_BACKOFF) => (failed <= 0 ? 0 : Math.min(b.maxMs, b.initialMs * 2 ** Math.min(failed - 1, 30)));

export function jobStep(spec: JobSpec, restartPolicy: string, counts: JobCounts, active: ActiveJobPod[], now: number, backoff = DEFAULT_BACKOFF): JobStep {
  const all = active.map((p) => p.name);
  const step: JobStep = { create: [], delete: [] };
  if (spec.activeDeadlineSeconds !== undefined && counts.startTime !== undefined && now - counts.startTime >= spec.activeDeadlineSeconds * 1000)
    return { ...step, delete: all, finish: { type: 'Failed', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' } };
  const restarts = restartPolicy === 'OnFailure' ? active.reduce((n, p) => n + p.restarts, 0) : 0;
  const pastOnFailure = restartPolicy === 'OnFailure' && (spec.backoffLimit === 0 ? restarts > 0 : restarts >= spec.backoffLimit);
  if (counts.failed > spec.backoffLimit || pastOnFailure)
    return { ...step, delete: all, finish: { type: 'Failed', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' } };
  if (spec.suspend) return { ...step, delete: all };

  let wanted: number;
  let indexes: (number | undefined)[] = [];
  if (spec.completionMode === 'Indexed') {
    const total = spec.completions ?? 0;
    const done = new Set(counts.succeededIndexes);
    const running = new Set(active.map((p) => p.index));
    if (done.size >= total) return { ...step, delete: all, finish: complete() };
    const pending = Array.from({ length: total }, (_, i) => i).filter((i) => !done.has(i) && !running.has(i));
    wanted = Math.min(spec.parallelism, active.length + pending.length);
    indexes = pending;
  } else if (spec.completions !== undefined) {
    if (counts.succeeded >= spec.completions) return { ...step, delete: all, finish: complete() };
    wanted = Math.min(spec.parallelism, spec.completions - counts.succeeded);
  } else {
    // a work queue: done once one pod succeeded and the rest have ended
    if (counts.succeeded > 0 && !active.length) return { ...step, finish: complete() };
    wanted = counts.succeeded > 0 ? active.length : spec.parallelism;
  }
  if (active.length > wanted) return { ...step, delete: all.slice(wanted) }; // parallelism lowered
  const n = wanted - active.length;
  if (n <= 0) return step;
  const recent = counts.failedSinceSuccess ?? counts.failed;
  const ready = (counts.lastFailureAt ?? 0) + jobBackoffMs(recent, backoff);
  if (recent > 0 && now < ready) return { ...step, waitMs: ready - now };
  // at most MAX_CREATE a round, as the controller's burst
  step.create = spec.completionMode === 'Indexed' ? indexes.slice(0, Math.min(n, MAX_CREATE)) : Array.from({ length: Math.min(n, MAX_CREATE) }, () => undefined);
  return step;
}

const complete = (): JobCondition => ({ type: 'Complete', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' });

/** A new pod name: NAME-XXXXX, or NAME-INDEX-XXXXX for an Indexed Job's pod. */
export function jobPodName(job: string, index: number | undefined, taken: Set<string>, random: () => number = Math.random): string {
  for (;;) {
    const n = generatedPodName(index === undefined ? job : `${job}-${index}`, randomSuffix(random));
    if (!taken.has(n)) return n;
  }
}

/**
 * The Job's pod NAME: the template with the labels the Job controller adds (its uid and name),
 * and for an Indexed Job the index as an annotation, a label, the env JOB_COMPLETION_INDEX of
 * every container and the host name NAME-INDEX.
 */
export function jobPodFor(w: WorkloadManifest, uid: string, name: string, index?: number): PodManifest {
  const pod = JSON.parse(JSON.stringify(w.templatePod)) as PodManifest;
  const job = w.metadata.name;
  const labels: Record<string, string> = { ...pod.metadata.labels, 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': job, 'controller-uid': uid, 'job-name': job };
  const annotations: Record<string, string> = { ...pod.metadata.annotations, [CONTROLLED_BY_ANNOTATION]: `Job/${job}` };
  if (index !== undefined) {
    labels[JOB_INDEX_ANNOTATION] = String(index);
    annotations[JOB_INDEX_ANNOTATION] = String(index);
    for (const c of [...pod.spec.containers, ...(pod.spec.initContainers ?? [])]) c.env = [...(c.env ?? []).filter((e) => e.name !== 'JOB_COMPLETION_INDEX'), { name: 'JOB_COMPLETION_INDEX', value: String(index) }];
    pod.spec.hostname = `${job}-${index}`.slice(0, 63).replace(/-+$/, '');
  }
  pod.metadata = { ...pod.metadata, name, namespace: w.metadata.namespace, labels, annotations };
  return pod;
}
