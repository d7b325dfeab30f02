// Re-apply at the smallest scope (docs/reapply.md): what a changed manifest does to the running
// pod of the same name. Metadata only (labels, annotations) is updated in place; a change to a
// container's own fields restarts that container alone, in the same pod (same namespaces, IP,
// volumes, the other containers untouched), as the kubelet restarts a container whose spec hash
// changed; cpu and memory alone are an in-place resize (resize.ts); anything that needs new pod
// namespaces or volumes re-creates the pod, and the decision says why. Pure: the old and new
// manifests and plans in, a decision out.
import { everyContainer } from './containers';
import { APPARMOR_ANNOTATION_PREFIX } from '../manifest/apparmor';
import { NETWORK_ANNOTATION } from '../manifest/rules';
import { RESTART_BACKOFF_ANNOTATION } from '../manifest/supervision';
import type { ContainerManifest, InitContainerManifest, PodManifest } from '../manifest/schema';
import { allContainers } from '../manifest/schema';
import { comparableManifest } from './hostpath-export';
import { withPodAddresses } from './network';
import { canonicalJson } from '../util/canonical-json';
import { planResize, resizedPlan, type ContainerResize } from './resize';
import { rebaseRefTokens } from './env-refs';
import type { PlannedContainer, PlannedSupervisedContainer, PodPlan } from './types';

/** A container restarted with its new definition, and the fields of it that changed. */
export interface ContainerRestart {
  name: string;
  fields: string[];
}

export type ReapplyDecision =
  | {
      inPlace: true;
      /** The metadata fields that changed (labels, annotations, ...). */
      metadata: string[];
      restart: ContainerRestart[];
      /** The cgroup writes of changed cpu and memory (restarted containers' too, marked restart). */
      resize: ContainerResize[];
    }
  | { inPlace: false; why: string };

/** Annotations podrun reads for the whole pod: a change to one needs a new pod. */
const POD_ANNOTATIONS = [NETWORK_ANNOTATION, RESTART_BACKOFF_ANNOTATION];

type Ctr = ContainerManifest | InitContainerManifest;
type Side = { manifest: PodManifest; plan: PodPlan };

const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);
const keysOf = (...objs: (object | undefined)[]) => [...new Set(objs.flatMap((o) => Object.keys(o ?? {})))].sort();
/** The keys of A and B whose values differ. */
const changedKeys = (a: object | undefined, b: object | undefined) =>
  keysOf(a, b).filter((k) => !same((a as Record<string, unknown> | undefined)?.[k], (b as Record<string, unknown> | undefined)?.[k]));
const recreate = (why: string): ReapplyDecision => ({ inPlace: false, why });
const listed = (xs: string[]) => (xs.length > 3 ? `${xs.slice(0, 3).join(', ')}, ...` : xs.join(', '));
const hasHostPort = (c: Ctr) => (c.ports ?? []).some((p) => p.hostPort !== undefined);

/** The resources apart from cpu and memory (ephemeral-storage, hugepages): the pod's limits sum them. */
function otherResources(c: Ctr): unknown {
  const strip = (l?: Record<string, unknown>) => {
    const left = Object.entries(l ?? {}).filter(([k]) => k !== 'cpu' && k !== 'memory');
    return left.length ? Object.fromEntries(left) : undefined;
  };
  return { requests: strip(c.resources?.requests), limits: strip(c.resources?.limits), claims: c.resources?.claims };
}

/** The fields of a container that restart it when they change: everything of its own but its resources (cpu and memory resize it, the others re-create the pod). */
const restartFields = (a: Ctr, b: Ctr): string[] => changedKeys(a, b).filter((k) => k !== 'resizePolicy' && k !== 'resources');

/**
 * What applying NEXT does to the running pod of OLD: in place (metadata, containers restarted,
 * resized), or re-created and why. `force`: re-created whatever changed (`apply --force`).
 */
export function planReapply(old: Side, next: Side, opts: { force?: boolean } = {}): ReapplyDecision {
  if (opts.force) return recreate('--force');
  const a = comparableManifest(old.manifest, old.plan);
  const b = comparableManifest(next.manifest, next.plan);
  const metadata = changedKeys(a.metadata, b.metadata);
  const restarts = new Map<string, Set<string>>();
  const restart = (name: string, field: string) => (restarts.get(name) ?? restarts.set(name, new Set()).get(name)!).add(field);
  if (metadata.includes('annotations')) {
    for (const k of changedKeys(a.metadata.annotations, b.metadata.annotations)) {
      if (POD_ANNOTATIONS.includes(k)) return recreate(`metadata.annotations[${k}] changed`);
      if (!k.startsWith(APPARMOR_ANNOTATION_PREFIX)) continue;
      const name = k.slice(APPARMOR_ANNOTATION_PREFIX.length);
      const init = b.spec.initContainers?.find((c) => c.name === name);
      if (init && init.restartPolicy !== 'Always') return recreate(`metadata.annotations[${k}] changed (an init container runs once, when the pod starts)`);
      restart(name, `the annotation ${k}`);
    }
  }
  const podFields = changedKeys(a.spec, b.spec).filter((k) => k !== 'containers' && k !== 'initContainers');
  if (podFields.length) return recreate(`${listed(podFields.map((k) => `spec.${k}`))} changed`);
  for (const list of ['initContainers', 'containers'] as const) {
    const was: Ctr[] = a.spec[list] ?? [];
    const now: Ctr[] = b.spec[list] ?? [];
    if (!same(was.map((c) => c.name), now.map((c) => c.name))) return recreate(`spec.${list} changed (a container added, removed, renamed or moved)`);
    for (let i = 0; i < now.length; i++) {
      const fields = restartFields(was[i], now[i]);
      const sidecar = list === 'initContainers' && (was[i] as InitContainerManifest).restartPolicy === 'Always' && (now[i] as InitContainerManifest).restartPolicy === 'Always';
      if (list === 'initContainers' && !sidecar && (fields.length || !same(was[i].resources, now[i].resources)))
        return recreate(`spec.initContainers[${i}] (${now[i].name}) changed: an init container runs once, when the pod starts`);
      if (fields.includes('ports') && (hasHostPort(was[i]) || hasHostPort(now[i]))) return recreate(`spec.${list}[${i}].ports changed (hostPorts are the pod's)`);
      if (!same(otherResources(was[i]), otherResources(now[i]))) return recreate(`spec.${list}[${i}].resources changed (the pod's limits of ephemeral-storage and hugepages sum its containers')`);
      for (const f of fields) restart(now[i].name, f);
    }
  }
  for (const name of restarts.keys()) if (!allContainers(b.spec).some((c) => c.name === name)) restarts.delete(name); // an AppArmor annotation of no container
  // cpu and memory, of resized and of restarted containers alike: the resize rules (QoS class,
  // removals) hold for both; everything else now compares equal.
  const restarting = new Set(restarts.keys());
  const aligned: PodManifest = { ...next.manifest, metadata: old.manifest.metadata, spec: { ...next.manifest.spec } };
  const align = (c: Ctr): Ctr => {
    if (!restarting.has(c.name)) return c;
    const o = allContainers(old.manifest.spec).find((x) => x.name === c.name)!;
    return { ...o, resources: c.resources, resizePolicy: c.resizePolicy } as Ctr;
  };
  aligned.spec.containers = next.manifest.spec.containers.map(align) as ContainerManifest[];
  if (next.manifest.spec.initContainers) aligned.spec.initContainers = next.manifest.spec.initContainers.map(align) as InitContainerManifest[];
  const resize = planResize(old, { manifest: aligned, plan: next.plan }, restarting);
  if (!resize.inPlace) return recreate(resize.why ?? 'the pod changed');
  return { inPlace: true, metadata, restart: [...restarts].map(([name, f]) => ({ name, fields: [...f].sort() })), resize: resize.containers };
}

/**
 * An in-place re-apply cut short (the record's `replacing`): each container it was replacing that
 * the new plan still has is restarted with this file's definition, whatever else changed.
 */
export function withUnfinishedReplaces(d: Extract<ReapplyDecision, { inPlace: true }>, replacing: readonly string[] | undefined, next: PodPlan): Extract<ReapplyDecision, { inPlace: true }> {
  const add = (replacing ?? []).filter((n) => !d.restart.some((r) => r.name === n) && everyContainer(next).some(({ c }) => c.name === n));
  return add.length ? { ...d, restart: [...d.restart, ...add.map((name) => ({ name, fields: ['definition'] }))] } : d;
}

/** What apply says it did in place: `labels; container app restarted: env changed`. */
export function reapplyDetail(d: Extract<ReapplyDecision, { inPlace: true }>): string {
  const parts: string[] = [];
  if (d.metadata.length) parts.push(d.metadata.join(', '));
  for (const r of d.restart) parts.push(`container ${r.name} restarted: ${r.fields.join(', ')} changed`);
  for (const s of d.resize) if (!d.restart.some((r) => r.name === s.name)) parts.push(`container ${s.name} resized: ${s.resources.join(', ')}${s.restart ? ', restarted' : ''}`);
  return parts.join('; ');
}

/**
 * The plan of the pod after an in-place re-apply: NEXT's, with the running pod's identity and
 * network (its addresses, attachment) from OLD, and OLD's plan for every container not in
 * RESTARTED (they run as they were started; their env tokens moved onto NEXT's references).
 */
export function reappliedPlan(old: PodPlan, next: PodPlan, restarted: ReadonlySet<string>): PodPlan {
  const withAddresses = old.network && next.network && old.network.ips ? withPodAddresses(next, old.podIP, old.network.ips) : next;
  const plan: PodPlan = JSON.parse(JSON.stringify(withAddresses)) as PodPlan;
  plan.network = old.network;
  plan.podIP = old.podIP;
  plan.hosts = old.hosts;
  plan.resolvConf = old.resolvConf;
  const refs = [...(plan.envRefs ?? [])];
  const nonce = plan.envRefNonce ?? old.envRefNonce;
  const rebase = <T>(v: T): T => {
    if (!old.envRefs?.length) return v;
    const walk = (x: unknown): unknown =>
      typeof x === 'string' ? rebaseRefTokens(x, old.envRefs!, old.envRefNonce, refs, nonce) : Array.isArray(x) ? x.map(walk) : x && typeof x === 'object' ? Object.fromEntries(Object.entries(x).map(([k, y]) => [k, walk(y)])) : x;
    return walk(v) as T;
  };
  const keep = <C extends PlannedContainer | PlannedSupervisedContainer>(list: C[] | undefined, oldList: C[] | undefined): C[] | undefined =>
    list?.map((c) => {
      const o = oldList?.find((x) => x.name === c.name);
      return restarted.has(c.name) || !o ? c : rebase(o);
    });
  plan.containers = keep(plan.containers, old.containers)!;
  if (plan.initContainers) plan.initContainers = keep(plan.initContainers, old.initContainers);
  if (plan.supervision) plan.supervision.containers = keep(plan.supervision.containers, old.supervision?.containers)!;
  if (refs.length) [plan.envRefs, plan.envRefNonce] = [refs, nonce];
  // the kept containers' resources and cgroup limits as resized
  return resizedPlan(plan, next);
}

/** The pod's own part of a plan: what an in-place re-apply must leave as it is. */
function podPart(p: PodPlan): unknown {
  const { containers: _c, initContainers: _i, supervision, manifestHash: _h, envRefs: _r, envRefNonce: _n, cgroup, hosts: _hosts, resolvConf: _rc, volumes, ...rest } = p;
  return {
    ...rest,
    supervision: supervision && { ...supervision, containers: undefined },
    cgroup: cgroup && { ...cgroup, limits: undefined },
    // a downwardAPI volume's values follow the labels and annotations (rewritten in place)
    volumes: volumes.map((v) => (v.config ? { ...v, config: { ...v.config, sources: v.config.sources.map((s) => (s.kind === 'DownwardAPI' ? { ...s, files: s.files.map((f) => ({ ...f, value: undefined })) } : s)) } } : v)),
  };
}

/** The pod-level fields of the plans that differ (none: the in-place re-apply holds). */
export function podPlanChanges(old: PodPlan, merged: PodPlan): string[] {
  return changedKeys(podPart(old) as object, podPart(merged) as object);
}
