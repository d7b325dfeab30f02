// A workload's pods, and what its controller does next: the pure half of podrun's Deployment,
// ReplicaSet, StatefulSet and DaemonSet controllers (runtime/workloads.ts runs the steps until
// there is none left). Each step is what Kubernetes' controller would do seeing the same pods:
//   Deployment, RollingUpdate: new-template pods up to replicas + maxSurge, old ones deleted while
//     at least replicas - maxUnavailable stay available (deployment/rolling.go); Recreate: every
//     old pod deleted before a new one is made (recreate.go);
//   ReplicaSet: pods made or deleted to the count; a changed template replaces nothing;
//   StatefulSet: NAME-ORDINAL, made in order each once the one before is Ready (OrderedReady) or
//     all at once (Parallel), removed highest first once the pods kept are Ready; a changed template updates the pods from the
//     highest ordinal down, one at a time, each once all are Ready (podrun updates a pod in place at
//     the smallest scope, where the kubelet deletes and re-creates it), down to the partition;
//   DaemonSet: one pod (one node), replaced as a Deployment of 1 with its maxSurge/maxUnavailable.
// Pods to delete when there are too many: not available first, then the newest.
import type { PodManifest } from '../manifest/schema';
import type { DaemonSetSpec, DeploymentSpec, StatefulSetSpec, WorkloadManifest } from '../manifest/workload-schema';
import { claimNameFor, generatedPodName, randomSuffix, statefulPodName, templateHash } from '../manifest/workload-names';
import { CONTROLLED_BY_ANNOTATION } from '../util/kinds';

/** A pod of the workload as the controller sees it. */
export interface ObservedPod {
  name: string;
  /** The revision it was made from (pod-template-hash or controller-revision-hash). */
  revision?: string;
  /** Its Ready condition is True. */
  ready?: boolean;
  /** Ready for at least minReadySeconds (Kubernetes' "available"). */
  available: boolean;
  createdAt: number;
}

export interface WorkloadStep {
  create: string[];
  /** StatefulSet pods given the current template in place. */
  update: string[];
  delete: string[];
  /** Nothing left to do: the pods are the template's, as many as asked. */
  done: boolean;
}

/** The revision label the controller puts on a pod: its key and this template's value. */
export function revisionLabel(w: WorkloadManifest): { key: string; value: string } {
  const hash = templateHash(w.spec.template);
  if (w.kind === 'Deployment') return { key: 'pod-template-hash', value: hash };
  if (w.kind === 'StatefulSet') return { key: 'controller-revision-hash', value: `${w.metadata.name}-${hash}` };
  return { key: 'controller-revision-hash', value: hash };
}

/** The pod named NAME made from W's template, labelled and annotated as its controller would. */
export function podManifestFor(w: WorkloadManifest, name: string): PodManifest {
  const pod = JSON.parse(JSON.stringify(w.templatePod)) as PodManifest;
  const rev = revisionLabel(w);
  const labels: Record<string, string> = { ...pod.metadata.labels };
  if (w.kind !== 'ReplicaSet') labels[rev.key] = rev.value;
  if (w.kind === 'StatefulSet') {
    labels['statefulset.kubernetes.io/pod-name'] = name;
    labels['apps.kubernetes.io/pod-index'] = name.slice(name.lastIndexOf('-') + 1);
    // the controller names the pod's host and, with a governing Service, its subdomain
    pod.spec.hostname = name;
    const serviceName = (w.spec as StatefulSetSpec).serviceName;
    if (serviceName) pod.spec.subdomain = serviceName;
    for (const v of pod.spec.volumes ?? []) {
      const c = w.claimTemplates.find((t) => t.name === v.name);
      if (c && v.persistentVolumeClaim) v.persistentVolumeClaim.claimName = claimNameFor(c.name, name);
    }
  }
  pod.metadata = { ...pod.metadata, name, namespace: w.metadata.namespace, labels, annotations: { ...pod.metadata.annotations, [CONTROLLED_BY_ANNOTATION]: `${w.kind}/${w.metadata.name}` } };
  return pod;
}

/** A StatefulSet pod's ordinal from its name, or undefined for a name not NAME-N. */
export function ordinalOf(setName: string, podName: string): number | undefined {
  if (!podName.startsWith(`${setName}-`)) return undefined;
  const rest = podName.slice(setName.length + 1);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : undefined;
}

/** intstr.GetScaledValueFromIntOrPercent: a count, or a percentage of TOTAL rounded up or down. */
export function scaled(v: number | string | undefined, total: number, roundUp: boolean, dflt: number | string): number {
  const x = v ?? dflt;
  if (typeof x === 'number') return x;
  const pct = Number(x.slice(0, -1));
  return roundUp ? Math.ceil((pct * total) / 100) : Math.floor((pct * total) / 100);
}

const none = (): WorkloadStep => ({ create: [], update: [], delete: [], done: false });

/** Of PODS, the N to delete first: not available, then the newest. */
function deletionOrder(pods: ObservedPod[], n: number): string[] {
  return [...pods]
    .sort((a, b) => Number(a.available) - Number(b.available) || b.createdAt - a.createdAt)
    .slice(0, Math.max(0, n))
    .map((p) => p.name);
}

/**
 * The next step of W's controller, seeing PODS (not being deleted). NEWNAME names a pod to make
 * (random for a Deployment's, a ReplicaSet's, a DaemonSet's: tests pass their own).
 */
export function nextStep(w: WorkloadManifest, pods: ObservedPod[], newName: (taken: Set<string>) => string = randomName(w)): WorkloadStep {
  const taken = new Set(pods.map((p) => p.name));
  const names = (n: number) =>
    Array.from({ length: Math.max(0, n) }, () => {
      const name = newName(taken);
      taken.add(name);
      return name;
    });
  const replicas = w.spec.replicas ?? 1;
  if (w.kind === 'ReplicaSet') {
    const step = none();
    if (pods.length < replicas) step.create = names(replicas - pods.length);
    else step.delete = deletionOrder(pods, pods.length - replicas);
    step.done = pods.length === replicas;
    return step;
  }
  if (w.kind === 'StatefulSet') return statefulStep(w, pods);
  const rev = revisionLabel(w).value;
  if (w.kind === 'DaemonSet') {
    const u = (w.spec as DaemonSetSpec).updateStrategy;
    if (u.type === 'OnDelete') return { ...none(), create: names(pods.length ? 0 : 1), done: pods.length === 1, delete: deletionOrder(pods, pods.length - 1) };
    const surge = scaled(u.rollingUpdate?.maxSurge, 1, true, 0);
    const unavailable = surge > 0 ? 0 : scaled(u.rollingUpdate?.maxUnavailable, 1, true, 1);
    return rollingStep(pods, rev, 1, surge, unavailable, names);
  }
  const s = (w.spec as DeploymentSpec).strategy;
  if (s.type === 'Recreate') {
    const old = pods.filter((p) => p.revision !== rev);
    const cur = pods.filter((p) => p.revision === rev);
    if (old.length) return { ...none(), delete: old.map((p) => p.name) };
    return { ...none(), create: names(replicas - cur.length), delete: deletionOrder(cur, cur.length - replicas), done: cur.length === replicas };
  }
  const surge = scaled(s.rollingUpdate?.maxSurge, replicas, true, '25%');
  const unavailable = scaled(s.rollingUpdate?.maxUnavailable, replicas, false, '25%');
  // validation refuses both 0; a percentage of a small count can round both to 0 (Kubernetes then takes 1 unavailable)
  return rollingStep(pods, rev, replicas, surge, surge === 0 && unavailable === 0 ? 1 : unavailable, names);
}

/** deployment/rolling.go, one reconcile: scale the new pods up within the surge, the old down within availability. */
function rollingStep(pods: ObservedPod[], rev: string, replicas: number, surge: number, unavailable: number, names: (n: number) => string[]): WorkloadStep {
  const cur = pods.filter((p) => p.revision === rev);
  const old = pods.filter((p) => p.revision !== rev);
  const step = none();
  if (cur.length > replicas) {
    step.delete = deletionOrder(cur, cur.length - replicas);
    return step;
  }
  step.create = names(Math.min(replicas - cur.length, replicas + surge - pods.length));
  const minAvailable = replicas - unavailable;
  const available = pods.filter((p) => p.available).length;
  const curUnavailable = cur.filter((p) => !p.available).length;
  // first the old pods that are not available (they serve nothing), within what may go at all
  const unhealthy = old.filter((p) => !p.available);
  const cleanup = Math.min(unhealthy.length, pods.length - minAvailable - curUnavailable);
  const gone = deletionOrder(unhealthy, cleanup);
  // then available old pods, as long as minAvailable stay available
  const healthy = old.filter((p) => p.available);
  gone.push(...deletionOrder(healthy, Math.min(healthy.length, available - minAvailable)));
  step.delete = gone;
  step.done = cur.length === replicas && old.length === 0;
  return step;
}

function statefulStep(w: WorkloadManifest, pods: ObservedPod[]): WorkloadStep {
  const spec = w.spec as StatefulSetSpec;
  const name = w.metadata.name;
  const start = spec.ordinals.start;
  const replicas = spec.replicas ?? 1;
  const rev = revisionLabel(w).value;
  const ordered = spec.podManagementPolicy === 'OrderedReady';
  const byOrdinal = new Map<number, ObservedPod>();
  for (const p of pods) {
    const o = ordinalOf(name, p.name);
    if (o !== undefined) byOrdinal.set(o, p);
  }
  const wanted = (o: number) => o >= start && o < start + replicas;
  const step = none();
  // pods of no ordinal kept (scaled away, or a start moved): the highest goes first
  const condemned = [...byOrdinal.keys()].filter((o) => !wanted(o)).sort((a, b) => b - a);
  const stray = pods.filter((p) => ordinalOf(name, p.name) === undefined).map((p) => p.name);
  const missing = Array.from({ length: replicas }, (_, i) => start + i).filter((o) => !byOrdinal.has(o));
  const allAvailable = pods.every((p) => p.available);
  // a pod being scaled away may be the unhealthy one: only the pods kept must be available
  const keptAvailable = [...byOrdinal.entries()].every(([o, p]) => !wanted(o) || p.available);
  if (missing.length) {
    if (!ordered) step.create = missing.map((o) => statefulPodName(name, o));
    // OrderedReady: the lowest missing once every pod below it is Ready
    else if ([...byOrdinal.entries()].every(([o, p]) => o > missing[0] || p.available)) step.create = [statefulPodName(name, missing[0])];
  }
  if (condemned.length || stray.length) {
    if (!ordered) step.delete = [...stray, ...condemned.map((o) => statefulPodName(name, o))];
    else if (!step.create.length && keptAvailable) step.delete = [...stray, ...condemned.map((o) => statefulPodName(name, o))].slice(0, 1);
  }
  const partition = spec.updateStrategy.rollingUpdate?.partition ?? 0;
  const outdated = [...byOrdinal.entries()].filter(([o, p]) => wanted(o) && o - start >= partition && p.revision !== rev).map(([o]) => o).sort((a, b) => b - a);
  const rolling = spec.updateStrategy.type === 'RollingUpdate';
  if (rolling && outdated.length && !missing.length && !condemned.length && !stray.length && allAvailable) step.update = [statefulPodName(name, outdated[0])];
  step.done = !missing.length && !condemned.length && !stray.length && (!rolling || !outdated.length);
  return step;
}

/** A Deployment's pods: NAME-HASH-XXXXX; a ReplicaSet's and a DaemonSet's: NAME-XXXXX. */
function randomName(w: WorkloadManifest): (taken: Set<string>) => string {
  const base = w.kind === 'Deployment' ? `${w.metadata.name}-${revisionLabel(w).value}` : w.metadata.name;
  return (taken) => {
    for (;;) {
      const n = generatedPodName(base, randomSuffix());
      if (!taken.has(n)) return n;
    }
  };
}
