// Huge pages as the kubelet gives them (kubelet-resources.md R1.10, C3.16, §2.3): each container
// and the pod get a hugetlb limit for every page size the host has, 0 unless asked for (a pod
// that did not ask cannot fault one in); the pod's is its pod-level limit, else the containers'
// effective total; a container that asks none of a size the pod-level resources give is bounded
// by the pod's limit (its own limit, where it has one, wins). A size the host does not have, or more pages than it has left for pods, is an
// error at the field, as the scheduler and the kubelet's admission would refuse the pod. The
// emptyDir media HugePages and HugePages-<size> mount hugetlbfs of the size the pod asked for
// (the emptyDir plugin's getPageSizeMountOption). Pure.
import { HUGEPAGES_MEDIUM, hugePageSize, hugePagesName, isHugePages, pageSizeText } from '../manifest/hugepages';
import { parseQuantityExact, quantityValue } from '../manifest/quantity';
import type { Fail } from './plan';
import { bytesText, effective, withKinds } from './effective';
import type { HostFacts, HostHugePageSize } from './types';

interface Input {
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  restartPolicy?: string;
  name: string;
}
interface SpecInput {
  containers: Input[];
  initContainers?: Input[];
  resources?: Input['resources'];
  volumes?: { emptyDir?: { medium?: string } | null }[];
}

/** Bytes per huge page resource name of a list (validation has checked the names and values). */
function pagesOf(list: Record<string, string | number> | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, v] of Object.entries(list ?? {})) {
    if (!isHugePages(name)) continue;
    const p = parseQuantityExact(v);
    if (p.ok) out.set(name, Number(quantityValue(p.q)));
  }
  return out;
}

/** A container's huge pages: its limits, else its requests (they are equal, R1.5). */
const containerPages = (c: Input) => new Map([...pagesOf(c.resources?.requests), ...pagesOf(c.resources?.limits)]);
/** The pod-level huge pages, the same way. */
const podPages = (spec: SpecInput) => containerPages({ name: '', resources: spec.resources });

/** hugetlb values by the kernel's size name: every size of the host, 0 unless in PAGES. */
function hugetlbValues(sizes: readonly HostHugePageSize[], pages: Map<string, number>): Record<string, number> {
  return Object.fromEntries(sizes.map((s) => [s.kernelName, pages.get(s.name) ?? 0]));
}

export interface PlannedHugePages {
  /** hugetlb of the pod's cgroup and of each container's, by kernel size name (`2MB`). */
  pod: Record<string, number>;
  containers: Record<string, Record<string, number>>;
}

/**
 * The huge page limits of the pod's cgroups; undefined where there is nothing to write (no
 * hugetlb controller and nothing asked). Problems go to FAIL at their fields.
 */
export function planHugePages(spec: SpecInput, facts: Pick<HostFacts, 'cgroups' | 'hugePages' | 'hugePagesUsed'>, fail: Fail): PlannedHugePages | undefined {
  const sizes = facts.hugePages ?? [];
  const cg = facts.cgroups;
  const controller = cg.driver !== 'none' && cg.controllers?.hugetlb !== undefined;
  const list = withKinds(spec).map((x) => ({ ...x, pages: containerPages(x.c) }));
  const podLimits = pagesOf(spec.resources?.limits);
  const podRequests = pagesOf(spec.resources?.requests);
  const asked = new Map<string, (string | number)[]>(); // each name asked for, and where first
  for (const x of list) for (const name of x.pages.keys()) if (!asked.has(name)) asked.set(name, [...x.at, 'resources', x.c.resources?.limits?.[name] !== undefined ? 'limits' : 'requests', name]);
  for (const name of new Set([...podLimits.keys(), ...podRequests.keys()])) if (!asked.has(name)) asked.set(name, ['spec', 'resources', podLimits.has(name) ? 'limits' : 'requests', name]);
  if (!asked.size && !controller) return undefined;
  const total = new Map<string, number>();
  for (const [name, at] of asked) {
    const size = sizes.find((s) => s.name === name);
    if (!size) {
      fail(at, `this machine has no ${pageSizeText(name)} huge pages (it has ${sizes.length ? sizes.map((s) => s.name).join(', ') : 'no huge page sizes'})`, sizes.length ? `ask for ${sizes.map((s) => s.name).join(' or ')}` : 'this kernel offers no huge pages; remove the field');
      continue;
    }
    if (!controller) {
      fail(at, `podrun cannot enforce ${name}: ${cg.driver === 'none' ? `no cgroups (${cg.why})` : 'this host has no hugetlb cgroup controller podrun can use'}`, 'run podrun where the hugetlb controller is mounted (cgroup v2, or a v1 hierarchy), or remove the field');
      continue;
    }
    const agg = effective(list.map((x) => ({ kind: x.kind, v: x.pages.get(name) ?? 0 })));
    const podLimit = podLimits.get(name) ?? podRequests.get(name);
    if (podLimit !== undefined && podLimit < agg)
      fail(['spec', 'resources', 'limits', name], `invalid value "${bytesText(podLimit)}": must be greater than or equal to aggregate container limits of ${bytesText(agg)}`, `raise the pod's limits.${name}, or lower the containers'`);
    const want = podLimit ?? agg; // defaultHugePagePodLimits (D2.3): the aggregate
    total.set(name, want);
    const used = facts.hugePagesUsed?.[name] ?? 0;
    const capacity = size.pages * size.bytes;
    if (want + used > capacity)
      fail(
        at,
        `Node didn't have enough resource: ${name}, requested: ${want}, used: ${used}, capacity: ${capacity}`,
        `reserve more pages (echo N > /sys/kernel/mm/hugepages/hugepages-${size.bytes / 1024}kB/nr_hugepages)${used ? ', or delete a pod that holds some' : ''}, or ask for fewer`,
      );
  }
  if (!controller) return undefined;
  const podLevel = podPages(spec);
  return {
    pod: hugetlbValues(sizes, total),
    containers: Object.fromEntries(list.map((x) => [x.c.name, hugetlbValues(sizes, new Map([...podLevel, ...x.pages]))])),
  };
}

/**
 * The page size in bytes of a HugePages emptyDir (getPageSizeMountOption): HugePages-<size>
 * needs a request of that size; HugePages the one size the pod asks for. Else a problem.
 */
export function hugePagesMediumSize(spec: SpecInput, medium: string): { bytes: number } | { problem: string; hint: string } {
  const asked = new Set<string>(podPages(spec).keys());
  for (const { c } of withKinds(spec)) for (const name of containerPages(c).keys()) asked.add(name);
  if (medium !== HUGEPAGES_MEDIUM) {
    const size = hugePageSize(medium, `${HUGEPAGES_MEDIUM}-`)!;
    if (asked.has(hugePagesName(size))) return { bytes: Number(size) };
    return { problem: `hugePages storage requested, but there is no resource request for ${hugePagesName(size)}`, hint: `add ${hugePagesName(size)} to a container's resources` };
  }
  if (asked.size === 1) return { bytes: Number(hugePageSize([...asked][0])!) };
  if (asked.size === 0) return { problem: 'hugePages storage requested, but there is no resource request for huge pages', hint: 'add hugepages-<size> to a container\'s resources' };
  return { problem: 'multiple pageSizes for huge pages in a single PodSpec', hint: `name the size in the medium, e.g. ${HUGEPAGES_MEDIUM}-${pageSizeText([...asked].sort()[0])}` };
}
