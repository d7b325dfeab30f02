// Containers' resources as the kubelet maps them (docs/reference/kubelet-resources.md): requests
// defaulted from limits (D2.1), the pod's QoS class (§2.2), its effective requests and limits
// with init containers and sidecars (§2.3), and the cgroup values of each container (§3.1-3.3)
// and of the pod (§3.5), plus podrun's pids limit per pod (C3.17). Pure.
import { formatQuantity, parseQuantityExact, quantityMilli, quantityValue } from '../manifest/quantity';
import type { Fail } from './plan';
import { planHugePages } from './hugepages';
import { bytesText, effective, withKinds, type Kind } from './effective';
export { bytesText } from './effective';
import { isHugePages } from '../manifest/hugepages';
import type { CgroupLimits, HostFacts } from './types';

export type QosClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

/** cpu in millicores and memory in bytes, each only where given. */
export interface ResourceAmounts {
  cpu?: number;
  memory?: number;
}

export interface ContainerResources {
  requests: ResourceAmounts;
  limits: ResourceAmounts;
}

interface ResourcesInput {
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  restartPolicy?: string;
}

/** kubelet constants (pkg/kubelet/cm/helpers_linux.go). */
export const MIN_SHARES = 2;
export const MAX_SHARES = 262144;
export const QUOTA_PERIOD_US = 100000;
export const MIN_QUOTA_US = 1000;
/** podrun's pids.max per pod (podman's 2048; a default Kubernetes node has none: C3.17). */
export const DEFAULT_POD_PIDS_LIMIT = 2048;

function amounts(list: Record<string, string | number> | undefined): ResourceAmounts {
  const out: ResourceAmounts = {};
  for (const name of ['cpu', 'memory'] as const) {
    const v = list?.[name];
    if (v === undefined) continue;
    const p = parseQuantityExact(v);
    if (!p.ok) continue; // validation reported it
    out[name] = Number(name === 'cpu' ? quantityMilli(p.q) : quantityValue(p.q));
  }
  return out;
}

/** The container's requests and limits, requests defaulted from limits (D2.1). */
export function containerResources(c: ResourcesInput): ContainerResources {
  const limits = amounts(c.resources?.limits);
  const requests = { ...limits, ...amounts(c.resources?.requests) };
  return { requests, limits };
}

/** ComputePodQOS (§2.2) over the defaulted containers: only cpu and memory, only values > 0. */
export function qosClass(all: ContainerResources[]): QosClass {
  let any = false;
  let guaranteed = true;
  for (const c of all) {
    for (const r of ['cpu', 'memory'] as const) {
      if ((c.requests[r] ?? 0) > 0 || (c.limits[r] ?? 0) > 0) any = true;
      if (!((c.limits[r] ?? 0) > 0)) guaranteed = false;
      // per-container equality is equivalent to equal sums, since requests <= limits (D2.4)
      else if ((c.requests[r] ?? 0) !== c.limits[r]) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** MilliCPUToShares (C3.1). */
export function milliCpuToShares(milli: number): number {
  if (milli === 0) return MIN_SHARES;
  return Math.min(MAX_SHARES, Math.max(MIN_SHARES, Math.floor((milli * 1024) / 1000)));
}

/** MilliCPUToQuota (C3.6): 0 = no quota. */
export function milliCpuToQuota(milli: number, period = QUOTA_PERIOD_US): number {
  if (milli === 0) return 0;
  return Math.max(MIN_QUOTA_US, Math.floor((milli * period) / 1000));
}

/** cpu.weight from shares (C3.3): runc/crun's formula for containers, the kubelet's linear one for the pod. */
export function sharesToWeight(shares: number, formula: 'container' | 'pod'): number {
  if (formula === 'pod') return shares >= MAX_SHARES ? 10000 : 1 + Math.floor(((shares - 2) * 9999) / 262142);
  if (shares <= 2) return 1;
  if (shares >= MAX_SHARES) return 10000;
  const l = Math.log2(shares);
  return Math.ceil(10 ** ((l * l + 125 * l) / 612 - 7 / 34));
}

/** A container's cgroup values (C3.1-C3.11); a limit it lacks is the pod-level one (C3.9). */
export function containerCgroupLimits(r: ContainerResources, podLimits: ResourceAmounts = {}): CgroupLimits {
  const quota = milliCpuToQuota(r.limits.cpu || podLimits.cpu || 0);
  const memory = r.limits.memory || podLimits.memory;
  return {
    cpuShares: milliCpuToShares(r.requests.cpu ?? 0),
    weightFormula: 'container',
    ...(quota ? { cpuQuotaUs: quota, cpuPeriodUs: QUOTA_PERIOD_US } : {}),
    ...(memory ? { memoryBytes: memory } : {}),
    noSwap: true,
    oomGroup: true,
  };
}

/** The containers' effective request or limit of K (§2.3). */
const aggregate = (all: { kind: Kind; r: ContainerResources }[], side: 'requests' | 'limits', k: 'cpu' | 'memory') => effective(all.map((c) => ({ kind: c.kind, v: c.r[side][k] ?? 0 })));

/** Why the host cannot enforce K (no cgroups, or no such controller); undefined: it can. */
function controllerProblem(cg: HostFacts['cgroups'], side: string, k: 'cpu' | 'memory'): string | undefined {
  if (cg.driver === 'none') return `podrun cannot enforce ${side}.${k}: no cgroups (${cg.why})`;
  if (!cg.controllers?.[k]) return `podrun cannot enforce ${side}.${k}: this host has no ${k} cgroup controller podrun can use`;
  return undefined;
}
const CONTROLLER_HINT = 'run podrun where the controller is mounted writable (cgroup v2, or a v1 hierarchy), or remove the field';

/** ComputePodQOS's pod-level branch (§2.2): the pod's own cpu and memory, the containers' ignored. */
export function podLevelQos(pod: ContainerResources): QosClass {
  const pos = (a: ResourceAmounts) => (['cpu', 'memory'] as const).filter((k) => (a[k] ?? 0) > 0);
  const req = pos(pod.requests);
  const lim = pos(pod.limits);
  if (!req.length && !lim.length) return 'BestEffort';
  const guaranteed = lim.length === 2 && req.length === lim.length && req.every((k) => pod.requests[k] === pod.limits[k]);
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/**
 * The pod-level resources (Kubernetes 1.32+), defaulted as the API server does (D2.3: with
 * pod-level limits, a request the pod lacks is the containers' aggregate, else its limit); an
 * empty `spec.resources` counts as none (podrun's choice over the upstream quirk, §2.2).
 */
export function podLevelResources(spec: { resources?: ResourcesInput['resources'] }, all: { kind: Kind; r: ContainerResources }[]): ContainerResources | undefined {
  const limits = amounts(spec.resources?.limits);
  const requests = amounts(spec.resources?.requests);
  if (!Object.keys(limits).length && !Object.keys(requests).length) return undefined;
  if (Object.keys(limits).length)
    for (const k of ['cpu', 'memory'] as const) {
      const agg = aggregate(all, 'requests', k);
      if (requests[k] === undefined && agg > 0) requests[k] = agg;
      if (requests[k] === undefined && limits[k] !== undefined) requests[k] = limits[k];
    }
  return { requests, limits };
}

/**
 * The pod cgroup's values (ResourceConfigForPod, §3.5): shares from its effective cpu request;
 * a cpu quota and a memory limit only where every container declares one (Burstable), always
 * for Guaranteed; BestEffort gets the minimum shares. Init containers come first in `all`.
 */
export function podCgroupLimits(all: { kind: Kind; r: ContainerResources }[], pidsLimit: number, pod?: ContainerResources): CgroupLimits {
  const qos = pod ? podLevelQos(pod) : qosClass(all.map((c) => c.r));
  // pod-level values replace the aggregates; a pod-level limit declares it (§3.5)
  const req = (k: 'cpu' | 'memory') => pod?.requests[k] ?? aggregate(all, 'requests', k);
  const lim = (k: 'cpu' | 'memory') => pod?.limits[k] || aggregate(all, 'limits', k);
  const declared = (k: 'cpu' | 'memory') => (pod?.limits[k] ?? 0) > 0 || all.every((c) => (c.r.limits[k] ?? 0) > 0);
  const out: CgroupLimits = { cpuShares: qos === 'BestEffort' ? MIN_SHARES : milliCpuToShares(req('cpu')), weightFormula: 'pod' };
  if (qos !== 'BestEffort' && declared('cpu')) {
    out.cpuQuotaUs = milliCpuToQuota(lim('cpu'));
    out.cpuPeriodUs = QUOTA_PERIOD_US;
  }
  if (qos !== 'BestEffort' && declared('memory')) out.memoryBytes = lim('memory');
  if (pidsLimit > 0) out.pidsMax = pidsLimit;
  return out;
}

interface SpecInput {
  containers: (ResourcesInput & { name: string })[];
  initContainers?: (ResourcesInput & { name: string })[];
  resources?: ResourcesInput['resources'];
}

/**
 * The pod's QoS class and the limits of its cgroups. A limit or request this host has no
 * controller for is an error at its field (never dropped); the pids limit is podrun's own
 * default and is only written where the pids controller is.
 */
export function planResources(
  spec: SpecInput,
  facts: Pick<HostFacts, 'cgroups' | 'podPidsLimit' | 'hugePages' | 'hugePagesUsed'>,
  fail: Fail,
): { qosClass: QosClass; limits: { pod?: CgroupLimits; containers?: Record<string, CgroupLimits> } } {
  const all = withKinds(spec).map((x) => ({ ...x, r: containerResources(x.c) }));
  const cg = facts.cgroups;
  for (const { c, at } of all)
    for (const side of ['limits', 'requests'] as const)
      for (const name of ['cpu', 'memory'] as const) {
        const problem = c.resources?.[side]?.[name] === undefined ? undefined : controllerProblem(cg, side, name);
        if (problem) fail([...at, 'resources', side, name], problem, CONTROLLER_HINT);
      }
  const pod = podLevelResources(spec, all);
  if (pod) podLevelRules(spec, pod, all, cg, fail);
  const qos = pod ? podLevelQos(pod) : qosClass(all.map((x) => x.r));
  const pages = planHugePages(spec, facts, fail);
  if (cg.driver === 'none') return { qosClass: qos, limits: {} };
  const pids = facts.podPidsLimit ?? DEFAULT_POD_PIDS_LIMIT;
  const withPages = (l: CgroupLimits, h: Record<string, number> | undefined) => (h ? { ...l, hugetlb: h } : l);
  return {
    qosClass: qos,
    limits: {
      pod: withPages(podCgroupLimits(all, pids, pod), pages?.pod),
      containers: Object.fromEntries(all.map((x) => [x.c.name, withPages(containerCgroupLimits(x.r, pod?.limits), pages?.containers[x.c.name])])),
    },
  };
}

const showAmount = (k: 'cpu' | 'memory', v: number) => (k === 'cpu' ? formatQuantity({ nanos: BigInt(v) * 1_000_000n, format: 'DecimalSI' }) : bytesText(v));

/**
 * validatePodResourceConsistency (R1.9, R1.11): the pod's request at least its containers'
 * aggregate, each regular container's limit at most the pod's; and, as for containers, the
 * controllers to enforce it.
 */
function podLevelRules(spec: SpecInput, pod: ContainerResources, all: { kind: Kind; r: ContainerResources; at: (string | number)[] }[], cg: HostFacts['cgroups'], fail: Fail): void {
  for (const k of ['cpu', 'memory'] as const) {
    for (const side of ['limits', 'requests'] as const) {
      const problem = spec.resources?.[side]?.[k] === undefined ? undefined : controllerProblem(cg, side, k);
      if (problem) fail(['spec', 'resources', side, k], problem, CONTROLLER_HINT);
    }
    const agg = aggregate(all, 'requests', k);
    const req = pod.requests[k];
    if (req !== undefined && spec.resources?.requests?.[k] !== undefined && req < agg)
      fail(['spec', 'resources', 'requests', k], `invalid value "${showAmount(k, req)}": must be greater than or equal to aggregate container requests of ${showAmount(k, agg)}`, `raise the pod's requests.${k}, or lower the containers'`);
    const lim = pod.limits[k];
    if (lim !== undefined)
      for (const c of all)
        if (c.kind === 'app' && (c.r.limits[k] ?? 0) > lim)
          fail([...c.at, 'resources', 'limits', k], `invalid value "${showAmount(k, c.r.limits[k]!)}": must be less than or equal to pod limits of ${showAmount(k, lim)}`, `lower the container's limits.${k} or raise the pod's`);
  }
}

/** The lists as the API server keeps them after defaulting (D2.1, Q1.6): canonical quantities. */
export function shownResources(c: ResourcesInput): { requests?: Record<string, string>; limits?: Record<string, string> } | undefined {
  const canon = (list: Record<string, string | number> | undefined) => {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(list ?? {})) {
      const p = parseQuantityExact(v);
      if (p.ok) out[k] = formatQuantity({ ...p.q, nanos: ((p.q.nanos + 999_999n) / 1_000_000n) * 1_000_000n }); // rounded up to milli (Q1.6)
    }
    return out;
  };
  const limits = canon(c.resources?.limits);
  const requests = { ...limits, ...canon(c.resources?.requests) };
  if (!Object.keys(limits).length && !Object.keys(requests).length) return undefined;
  return { ...(Object.keys(requests).length ? { requests } : {}), ...(Object.keys(limits).length ? { limits } : {}) };
}

/**
 * A resourceFieldRef's value (W7.3, W7.4): the container's request or limit (`containerName`,
 * else its own), an absent limit of a regular container being the pod-level limit, else the node's allocatable
 * (`facts.allocatable`: this machine's CPUs, MemTotal, the size of podrun's filesystem), an
 * absent request 0; divided by the divisor and rounded up, exactly (the kubelet uses float64).
 */
export function resourceFieldValue(
  ref: { containerName?: string; resource: string; divisor?: string | number },
  self: string,
  spec: SpecInput,
  facts: Pick<HostFacts, 'allocatable'>,
): string {
  const name = ref.containerName || self;
  const app = spec.containers.find((c) => c.name === name);
  const c: ResourcesInput = app ?? spec.initContainers?.find((x) => x.name === name) ?? {};
  const [side, what] = ref.resource.split('.') as ['requests' | 'limits', 'cpu' | 'memory' | 'ephemeral-storage' | `hugepages-${string}`];
  const raw = c.resources?.[side]?.[what] ?? (side === 'requests' ? c.resources?.limits?.[what] : undefined); // D2.1
  const parsed = raw === undefined ? undefined : parseQuantityExact(raw);
  let amount = parsed?.ok ? (what === 'cpu' ? quantityMilli(parsed.q) : quantityValue(parsed.q)) : 0n;
  // only the pod's regular containers get the node's allocatable for a missing limit (W7.4)
  if (side === 'limits' && amount === 0n && app && !isHugePages(what)) {
    const a = facts.allocatable ?? { cpuMilli: 0, memoryBytes: 0, ephemeralStorageBytes: 0 };
    const podLimit = what === 'ephemeral-storage' ? undefined : amounts(spec.resources?.limits)[what];
    amount = BigInt(podLimit || (what === 'cpu' ? a.cpuMilli : what === 'memory' ? a.memoryBytes : a.ephemeralStorageBytes));
  }
  const d = ref.divisor === undefined ? undefined : parseQuantityExact(ref.divisor);
  let divisor = d?.ok ? (what === 'cpu' ? quantityMilli(d.q) : quantityValue(d.q)) : 0n;
  if (divisor === 0n) divisor = what === 'cpu' ? 1000n : 1n; // unset or zero: 1
  return String((amount + divisor - 1n) / divisor);
}

/** The kubelet's eviction manager period (E6.1). */
export const STORAGE_CHECK_MS = 10_000;

/**
 * Local storage limits (E6.3): each container's limits.ephemeral-storage, the pod's total (the
 * §2.3 sum, when any container sets one), and whether the monitor must check at all (a disk
 * emptyDir with a sizeLimit, or any of those).
 */
export function planStorage(
  spec: SpecInput,
  hasEmptyDirLimit: boolean,
  checkMs = STORAGE_CHECK_MS,
): { storage?: { checkMs: number; podLimit?: { bytes: number; text: string } }; containers: Record<string, { bytes: number; text: string }> } {
  const bytes = (c: ResourcesInput) => {
    const v = c.resources?.limits?.['ephemeral-storage'];
    const p = v === undefined ? undefined : parseQuantityExact(v);
    return p?.ok ? Number(quantityValue(p.q)) : 0;
  };
  const list = withKinds(spec);
  const containers: Record<string, { bytes: number; text: string }> = {};
  for (const { c } of list) if (bytes(c) > 0) containers[c.name] = { bytes: bytes(c), text: bytesText(bytes(c)) };
  const any = Object.keys(containers).length > 0;
  const total = any ? effective(list.map((x) => ({ kind: x.kind, v: bytes(x.c) }))) : 0;
  if (!any && !hasEmptyDirLimit) return { containers };
  return { storage: { checkMs, ...(total > 0 ? { podLimit: { bytes: total, text: bytesText(total) } } : {}) }, containers };
}

