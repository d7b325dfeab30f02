// Carrying out an in-place resize (plan/resize.ts decides; docs/runtime.md "In-place resize"):
// under the pod lock, with the pod's monitor running. The kubelet's order: a limit that grows is
// raised on the pod's cgroup before its containers', one that shrinks is lowered on the
// containers' first; a memory limit is lowered only where the cgroup's working set fits under it
// (else nothing is changed: the kubelet leaves such a resize in progress, podrun refuses it). A
// container whose policy restarts it is restarted by its monitor (`restart NAME`), and its lower
// memory limit written once the new instance runs. Then the record takes the new manifest (last,
// so that a resize cut short is done again by the next apply: every step can be repeated).
import { PodrunError } from '../util/errors';
import type { Paths } from '../util/paths';
import type { LoadedPod } from '../manifest/load';
import type { CgroupLimits, PlannedCgroup, PodPlan } from '../plan/types';
import { everyContainer } from '../plan/containers';
import { bytesText } from '../plan/effective';
import { resizedPlan, type ContainerResize } from '../plan/resize';
import { writePodRecord, type PodRecord } from '../state/pod-records';
import { CgroupWriteError, writeCgroupLimits } from './cgroup/driver';
import { sampleUsage } from './cgroup/usage';
import { controlRequest, controlStatus } from './control';

/** What a re-apply in place adds to a resize (runtime/reapply.ts): the containers restarted with a new definition, how, and the pod's plan after. */
export interface InPlaceRestarts {
  containers: ReadonlySet<string>;
  replace: (name: string) => Promise<void>;
  plan: PodPlan;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Only what grows (a lower or new limit waits for the shrink step); undefined: nothing grows. */
function grown(old: CgroupLimits | undefined, next: CgroupLimits | undefined): CgroupLimits | undefined {
  if (!old || !next) return undefined;
  const out: CgroupLimits = {};
  const up = (k: 'memoryBytes' | 'cpuQuotaUs') => old[k] !== undefined && next[k] !== undefined && next[k]! >= old[k]!;
  if (up('memoryBytes')) [out.memoryBytes, out.noSwap] = [next.memoryBytes, next.noSwap];
  if (up('cpuQuotaUs')) [out.cpuQuotaUs, out.cpuPeriodUs] = [next.cpuQuotaUs, next.cpuPeriodUs];
  return Object.keys(out).length ? out : undefined;
}

/** NEXT with the memory limit kept at OLD's (for a container to be restarted before it shrinks). */
const keepMemory = (next: CgroupLimits | undefined, old: CgroupLimits | undefined): CgroupLimits | undefined => (next ? { ...next, memoryBytes: old?.memoryBytes ?? next.memoryBytes } : next);

const shrinksMemory = (old: CgroupLimits | undefined, next: CgroupLimits | undefined) => next?.memoryBytes !== undefined && (old?.memoryBytes === undefined || next.memoryBytes < old.memoryBytes);

const write = (cg: PlannedCgroup | undefined, limits: CgroupLimits | undefined) => {
  if (!cg || !limits) return;
  try {
    writeCgroupLimits({ ...cg, limits });
  } catch (e) {
    if (!(e instanceof CgroupWriteError)) throw e;
    throw new PodrunError(`the resize stopped part way: ${e.message}`, 'apply the previous manifest to go back, or `podrun delete pod` and apply again to re-create the pod');
  }
};

/** Refuses a lower memory limit the cgroup already uses more than (nothing written yet). */
function checkMemoryFits(what: string, who: string, cg: PlannedCgroup | undefined, old: CgroupLimits | undefined, next: CgroupLimits | undefined): void {
  if (!cg || !shrinksMemory(old, next)) return;
  const used = sampleUsage(cg).memoryBytes;
  if (used !== undefined && used > next!.memoryBytes!)
    throw new PodrunError(
      `${what}: cannot decrease memory limits: attempting to set ${who} memory limit (${bytesText(next!.memoryBytes!)}) below current usage (${bytesText(used)}): not resized, nothing was changed`,
      "raise limits.memory, or give the container `resizePolicy: [{resourceName: memory, restartPolicy: RestartContainer}]` to restart it with the lower limit",
    );
}

/** The monitor's restart count of container NAME, from its control socket. */
async function restartCount(dir: string, name: string): Promise<{ count: number; state: string } | undefined> {
  const c = (await controlStatus(dir))?.containers.find((x) => x.name === name);
  return c ? { count: c.restartCount, state: c.state } : undefined;
}

/** Asks the monitor to restart NAME and waits (up to the grace period and 30 s) for the new instance to run. */
async function restartContainer(record: PodRecord, name: string): Promise<void> {
  const dir = record.plan.dirs.lasting;
  const before = await restartCount(dir, name);
  const r = await controlRequest(dir, `restart ${name}`, 5000);
  if (!r.ok && r.why.startsWith('error EBUSY')) return; // not running: its next start has the new limits
  if (!r.ok)
    throw new PodrunError(
      `pod/${record.plan.name}: its monitor did not restart container ${name} for the resize (${r.why.includes('unknown request') ? 'a monitor of an older podrun cannot' : r.why})`,
      `\`podrun delete pod ${record.plan.name}\` and apply again to re-create the pod`,
    );
  if (!before || before.state !== 'running') return; // not running: its next start has the new limits
  const waitS = Math.min(record.manifest.spec.terminationGracePeriodSeconds ?? 30, 24 * 3600) + 30;
  const deadline = Date.now() + waitS * 1000;
  for (;;) {
    const now = await restartCount(dir, name);
    if (now && now.count > before.count && now.state === 'running') return;
    if (Date.now() > deadline) throw new PodrunError(`pod/${record.plan.name}: container ${name} was not running again ${waitS} s after its restart for the resize`, `\`podrun describe pod ${record.plan.name}\` shows why`);
    await sleep(50);
  }
}

/**
 * Resizes the running pod of EXISTING to NEXT's resources: cgroups as the kubelet orders the
 * writes, restarts where the policy says, then the record. Throws before writing anything when a
 * memory limit would fall below what is used.
 */
export async function resizePod(paths: Paths, existing: PodRecord, pod: LoadedPod, next: PodPlan, steps: ContainerResize[], reapply?: InPlaceRestarts): Promise<PodRecord> {
  const plan = existing.plan;
  const cgOf = new Map(everyContainer(plan).map((r) => [r.c.name, r.c.cgroup]));
  const podNext = next.cgroup?.limits;
  const podOld = plan.cgroup?.limits;
  for (const s of steps) if (!s.restart) checkMemoryFits(`pod/${plan.name}`, `container "${s.name}"`, cgOf.get(s.name), s.old, s.next);
  const replaced = reapply?.containers ?? new Set<string>();
  // the containers a re-apply restarts with a new definition, those without a resize too
  const restarting = [...steps.filter((s) => s.restart || replaced.has(s.name)), ...[...replaced].filter((n) => !steps.some((s) => s.name === n)).map((name) => ({ name, restart: true, resources: [] }) as ContainerResize)];
  // with a container to restart, the pod's lower memory limit waits for it too
  const podLater = restarting.some((s) => shrinksMemory(s.old, s.next));
  if (!podLater) checkMemoryFits(`pod/${plan.name}`, 'pod', plan.cgroup, podOld, podNext);
  // grow: the pod first, then the containers
  write(plan.cgroup, grown(podOld, podNext));
  for (const s of steps) write(cgOf.get(s.name), grown(s.old, s.next));
  // shrink and the rest (shares): the containers first, then the pod
  for (const s of steps) write(cgOf.get(s.name), s.restart ? keepMemory(s.next, s.old) : s.next);
  write(plan.cgroup, podLater ? keepMemory(podNext, podOld) : podNext);
  for (const s of restarting) {
    if (replaced.has(s.name)) await reapply!.replace(s.name);
    else await restartContainer(existing, s.name);
    // the cgroup outlives the instance: what the old one charged (a Memory emptyDir's pages, page cache) may still be there
    checkMemoryFits(`pod/${plan.name}`, `container "${s.name}"`, cgOf.get(s.name), s.old, s.next);
    write(cgOf.get(s.name), s.next);
  }
  if (podLater) {
    checkMemoryFits(`pod/${plan.name}`, 'pod', plan.cgroup, podOld, podNext);
    write(plan.cgroup, podNext);
  }
  // last: a resize cut short (this process killed, a restart failed) is done again by the next apply
  const { replacing: _done, ...rest } = existing; // every replace asked has been carried out
  const record: PodRecord = { ...rest, manifest: pod.manifest, sourceFile: pod.file, plan: reapply?.plan ?? resizedPlan(plan, next) };
  writePodRecord(paths, record);
  return record;
}
