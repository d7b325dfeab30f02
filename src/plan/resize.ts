// In-place resize (Kubernetes 1.33+, GA in 1.35; kubelet-resources.md §9): a
// re-applied manifest that differs from the running pod's only in the cpu and memory (and the
// resizePolicy) of regular containers and sidecars changes their cgroups without a new pod (Z9.2). Each container's resizePolicy
// says per resource whether the change restarts it (RestartContainer) or not (NotRequired, the
// default). What the API server or the kubelet would refuse as a resize (the QoS class changing,
// a request or limit removed, an init container's, pod-level resources) and what podrun cannot do
// in place (a resourceFieldRef reading a resized value) falls back to re-creating the pod, as any
// other change does, with the reason. Pure: the old and new manifests and plans in, a decision out.
import { comparableManifest } from './hostpath-export';
import type { PodManifest } from '../manifest/schema';
import { allContainers } from '../manifest/schema';
import type { Fail } from './plan';
import { canonicalJson } from '../util/canonical-json';
import type { CgroupLimits, PlannedContainer, PodPlan } from './types';
import { everyContainer } from './containers';

export type ResizeResource = 'cpu' | 'memory';

export interface ContainerResize {
  name: string;
  /** What changed in its requests or limits. */
  resources: ResizeResource[];
  /** A changed resource's policy is RestartContainer. */
  restart: boolean;
  old?: CgroupLimits;
  next?: CgroupLimits;
}

export type ResizeDecision = { inPlace: true; containers: ContainerResize[]; pod: { old?: CgroupLimits; next?: CgroupLimits } } | { inPlace: false; why?: string };

const RESOURCES: readonly ResizeResource[] = ['cpu', 'memory'];

/** A sidecar or regular container: the ones a resize may change (init containers never). */
const resizable = (c: { restartPolicy?: string }, init: boolean) => !init || c.restartPolicy === 'Always';

/** The manifest with the resizable containers' cpu and memory taken out: what must not differ. */
function withoutResizable(m: PodManifest): unknown {
  const copy = JSON.parse(JSON.stringify(m)) as PodManifest;
  const strip = (c: { resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> }; restartPolicy?: string }, init: boolean) => {
    if (!resizable(c, init)) return;
    delete (c as { resizePolicy?: unknown }).resizePolicy; // changed with a resize (Z9.2)
    if (!c.resources) return;
    for (const side of ['requests', 'limits'] as const) {
      const list = c.resources[side];
      if (!list) continue;
      for (const r of RESOURCES) delete list[r];
      if (!Object.keys(list).length) delete c.resources[side];
    }
    if (!Object.keys(c.resources).length) delete c.resources;
  };
  for (const c of copy.spec.containers) strip(c, false);
  for (const c of copy.spec.initContainers ?? []) strip(c, true);
  return copy;
}

const shown = (c: PlannedContainer | undefined, side: 'requests' | 'limits', r: ResizeResource) => c?.resources?.[side]?.[r];

/**
 * Whether NEXT can be applied to the pod running OLD in place, and what changes: per resized
 * container its resources, whether it restarts, and its cgroup's limits before and after; the
 * pod cgroup's likewise. `inPlace: false` without `why` is an ordinary re-create (other fields
 * changed); with `why`, a resize the rules send to a re-create.
 */
export function planResize(old: { manifest: PodManifest; plan: PodPlan }, next: { manifest: PodManifest; plan: PodPlan }, restarting: ReadonlySet<string> = new Set()): ResizeDecision {
  // hostPaths as the directories they bind: the same relative path from another folder is another
  // directory (not a resize), an export of the pod or its re-created record the same one.
  if (canonicalJson(withoutResizable(comparableManifest(old.manifest, old.plan))) !== canonicalJson(withoutResizable(comparableManifest(next.manifest, next.plan)))) return { inPlace: false };
  if (old.plan.qosClass !== next.plan.qosClass) return { inPlace: false, why: 'Pod QOS Class may not change as a result of resizing' };
  const out: ContainerResize[] = [];
  const before = new Map(everyContainer(old.plan).map((r) => [r.c.name, r.c]));
  const specOf = new Map(allContainers(next.manifest.spec).map((c) => [c.name, c]));
  for (const { c } of everyContainer(next.plan)) {
    const was = before.get(c.name);
    const changed = RESOURCES.filter((r) => (['requests', 'limits'] as const).some((side) => shown(was, side, r) !== shown(c, side, r)));
    if (!changed.length) continue;
    for (const r of changed)
      for (const side of ['requests', 'limits'] as const)
        if (shown(was, side, r) !== undefined && shown(c, side, r) === undefined) return { inPlace: false, why: `resource ${side} cannot be removed (${r} of container ${c.name})` };
    const policy = specOf.get(c.name)?.resizePolicy ?? [];
    const restart = restarting.has(c.name) || changed.some((r) => policy.find((p) => p.resourceName === r)?.restartPolicy === 'RestartContainer');
    out.push({ name: c.name, resources: changed, restart, old: was?.cgroup?.limits, next: c.cgroup?.limits });
  }
  // podrun keeps a container's environment from its start: a value read from a resized resource would be stale
  for (const c of allContainers(next.manifest.spec))
    for (const e of restarting.has(c.name) ? [] : (c.env ?? [])) {
      const ref = e.valueFrom?.resourceFieldRef;
      if (!ref) continue;
      const target = out.find((x) => x.name === (ref.containerName || c.name));
      if (target && target.resources.some((r) => ref.resource.endsWith(`.${r}`)))
        return { inPlace: false, why: `env ${e.name} of container ${c.name} reads ${ref.resource} of ${target.name} (resourceFieldRef)` };
    }
  return { inPlace: true, containers: out, pod: { old: old.plan.cgroup?.limits, next: next.plan.cgroup?.limits } };
}

/**
 * The plan of the pod after the resize: the running pod's, with the new manifest's hash, each
 * resized container's shown resources and cgroup limits, and the pod cgroup's new limits.
 */
export function resizedPlan(old: PodPlan, next: PodPlan): PodPlan {
  const plan = JSON.parse(JSON.stringify(old)) as PodPlan;
  plan.manifestHash = next.manifestHash;
  if (plan.cgroup && next.cgroup) plan.cgroup.limits = next.cgroup.limits;
  const nextOf = new Map(everyContainer(next).map((r) => [r.c.name, r.c]));
  for (const { c } of everyContainer(plan)) {
    const n = nextOf.get(c.name);
    if (!n) continue;
    if (n.resources) c.resources = n.resources;
    else delete c.resources;
    if (c.cgroup && n.cgroup) c.cgroup.limits = n.cgroup.limits;
  }
  return plan;
}

/** RestartContainer needs a restart policy that restarts (validateResizePolicy, 1.33+). */
export function resizePolicyRules(spec: PodManifest['spec'], fail: Fail): void {
  if (spec.restartPolicy !== 'Never') return;
  spec.containers.forEach((c, i) =>
    (c.resizePolicy ?? []).forEach((p, j) => {
      if (p.restartPolicy === 'RestartContainer')
        fail(['spec', 'containers', i, 'resizePolicy', j, 'restartPolicy'], "Invalid value: \"RestartContainer\": must be 'NotRequired' when pod `restartPolicy` is 'Never'", 'write NotRequired, or give the pod a restartPolicy that restarts');
    }),
  );
}
