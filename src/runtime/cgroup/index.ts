// The pod's cgroups (plan.cgroup, each container's below it): made at apply, joined by every
// container and exec process (the `cgroup` launch directive, exec's --cgroup), frozen whole by
// `commit`, thawed and removed by delete. The backend (cgroup v2 or the v1 freezer, driver.ts)
// follows from the plan; nothing here branches on it.
import { everyContainer } from '../../plan/containers';
import { closeSync, existsSync, readFileSync } from 'fs';
import { PodrunError } from '../../util/errors';
import type { PlannedCgroup, PodPlan } from '../../plan/types';
import { pauseCgroup } from '../../plan/cgroup';
import { CgroupWriteError, cgroupPids, driverFor, makeCgroupDirs, removeCgroupDirs, writeCgroupLimits, type CgroupDriver } from './driver';
export { oomEventsFile } from './driver';

export { detectCgroups } from './detect';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const missing = (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOENT';

/** How long `freeze` waits for every process to stop; PODRUN_FREEZE_TIMEOUT_MS changes it. */
export function freezeTimeoutMs(): number {
  const v = Number(process.env.PODRUN_FREEZE_TIMEOUT_MS);
  return Number.isSafeInteger(v) && v > 0 ? v : 10_000;
}

/**
 * Makes the pod's cgroup, the pause process's below it (within the pod's limits: a container
 * that may ptrace the pause must not run code outside them) and each container's, and thaws the
 * pod's: a freeze left behind by a commit that was SIGKILLed must not hold the new containers.
 * Returns the undo.
 */
export function createPodCgroups(plan: PodPlan): () => void {
  const cg = plan.cgroup;
  if (!cg) return () => undefined;
  try {
    makeCgroupDirs(cg, { parentOfMore: true });
    writeCgroupLimits(cg);
    makeCgroupDirs(pauseCgroup(cg));
    for (const { c } of everyContainer(plan))
      if (c.cgroup && !c.configError) {
        makeCgroupDirs(c.cgroup);
        writeCgroupLimits(c.cgroup);
      }
    driverFor(cg).setFrozen(cg, false);
  } catch (e) {
    try {
      removeCgroupDirs(cg);
    } catch {
      /* the first error is the one to report */
    }
    const why = e instanceof CgroupWriteError ? e.message : ((e as NodeJS.ErrnoException).code ?? String(e));
    throw new PodrunError(`pod/${plan.name}: cannot make its cgroup ${Object.values(cg.dirs).join(', ')}: ${why}`, 'podrun makes cgroups as root; PODRUN_CGROUP_DRIVER=none runs pods without them (commit then needs --pause=false)');
  }
  return () => removeCgroupDirs(cg);
}

/** Whether a freeze is asked for (or done) on the cgroup; false when it does not exist. */
export function isFrozen(cg: PlannedCgroup, driver: CgroupDriver = driverFor(cg)): boolean {
  try {
    return driver.freezeState(cg) !== 'thawed';
  } catch (e) {
    if (missing(e)) return false;
    throw e;
  }
}

/** Thaws the cgroup (synchronously: a signal handler may call it); nothing to do when it is gone. */
export function thaw(cg: PlannedCgroup, driver: CgroupDriver = driverFor(cg)): void {
  try {
    driver.setFrozen(cg, false);
  } catch (e) {
    if (!missing(e)) throw e;
  }
}

/**
 * Freezes the cgroup and everything below it and waits until the kernel says every process has
 * stopped (v2 `frozen 1` in cgroup.events, v1 freezer.state FROZEN), at most `timeoutMs`; past
 * that it thaws again and fails. The caller thaws (in a finally).
 */
export async function freeze(cg: PlannedCgroup, what: string, opts: { timeoutMs?: number; driver?: CgroupDriver } = {}): Promise<void> {
  const driver = opts.driver ?? driverFor(cg);
  const timeoutMs = opts.timeoutMs ?? freezeTimeoutMs();
  const dir = driver.freezerDir(cg);
  try {
    driver.setFrozen(cg, true);
  } catch (e) {
    if (missing(e))
      throw new PodrunError(
        `${what} has no cgroup freezer at ${dir}`,
        existsSync(dir) ? 'this kernel has no cgroup v2 freezer (Linux 5.2 or newer); commit with --pause=false' : 'its cgroup is gone (was the pod applied by an older podrun?); re-apply the pod, or commit with --pause=false',
      );
    throw e;
  }
  const start = Date.now();
  for (let n = 0; driver.freezeState(cg) !== 'frozen'; n++) {
    if (Date.now() - start >= timeoutMs) {
      thaw(cg, driver);
      throw new PodrunError(
        `${what} did not freeze within ${timeoutMs / 1000} s (${dir}): a process of it cannot be stopped, e.g. in uninterruptible sleep on a hung mount`,
        'commit with --pause=false (the layer may then mix moments of a running container), or retry once the process is unstuck',
      );
    }
    await sleep(n < 50 ? 1 : 10);
  }
}

const THAW_ON: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Runs `fn` with the cgroup frozen, and always thaws it: when `fn` ends or fails, and on SIGINT,
 * SIGTERM or SIGHUP of this process (thaw, then die of the signal as without the handler). A
 * SIGKILL cannot be caught: the freeze then stays until the next delete, exec or commit of the
 * pod finds it while the pod lock is free, and thaws it.
 */
export async function whileFrozen<T>(
  cg: PlannedCgroup,
  what: string,
  fn: () => Promise<T>,
  opts: { timeoutMs?: number; driver?: CgroupDriver; /** also run on those signals, before dying (remove a temp file) */ onSignal?: () => void } = {},
): Promise<T> {
  const driver = opts.driver ?? driverFor(cg);
  const onSignal = (sig: NodeJS.Signals) => {
    thaw(cg, driver);
    try {
      opts.onSignal?.();
    } catch {
      /* dying anyway */
    }
    for (const s of THAW_ON) process.removeListener(s, onSignal);
    process.kill(process.pid, sig);
  };
  for (const s of THAW_ON) process.on(s, onSignal);
  try {
    await freeze(cg, what, { ...opts, driver });
    return await fn();
  } finally {
    thaw(cg, driver);
    for (const s of THAW_ON) process.removeListener(s, onSignal);
  }
}

/** SIGKILL by pid through a pidfd, only while the process is still in the cgroup (pids are reused). */
function killInCgroup(cg: PlannedCgroup): (pid: number) => void {
  const native = (require('../../util/native') as typeof import('../../util/native')).native();
  return (pid) => {
    let fd: number;
    try {
      fd = native.pidfdOpen(pid);
    } catch {
      return; // gone
    }
    try {
      const inside = (p: string | undefined) => p !== undefined && (p === cg.path || p.startsWith(`${cg.path}/`));
      if (readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').some((l) => inside(l.split(':')[2]))) native.pidfdSendSignal(fd, 9);
    } catch {
      /* exited meanwhile */
    } finally {
      closeSync(fd);
    }
  };
}

/**
 * SIGKILLs every process in the cgroup and below now (`cgroup.kill` on v2; each pid through a
 * pidfd, checked to be still inside, on v1); nothing to do when it is gone. For a pod whose
 * monitor died: what outlived it is killed at once rather than after removePodCgroup's wait.
 */
export function killCgroup(cg: PlannedCgroup): void {
  const driver = driverFor(cg);
  if (!Object.values(cg.dirs).some((d) => existsSync(d))) return;
  thaw(cg, driver);
  try {
    driver.killAll(cg, killInCgroup(cg));
  } catch (e) {
    if (!missing(e)) throw e;
  }
}

/**
 * Removes the pod's cgroup dirs once no process is left in them, after the pod's processes
 * were stopped: it thaws first (a frozen v1 process cannot even die), waits for the last ones to
 * go, SIGKILLs any still there after half of `timeoutMs` (an exec'd process of a hostPID pod
 * outlives its container), and fails naming them if they will not go.
 */
export async function removePodCgroup(cg: PlannedCgroup, what: string, opts: { timeoutMs?: number } = {}): Promise<void> {
  const driver = driverFor(cg);
  if (!Object.values(cg.dirs).some((d) => existsSync(d))) return;
  thaw(cg, driver);
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const start = Date.now();
  let killed = false;
  for (let n = 0; ; n++) {
    if (cgroupPids(cg).length === 0) {
      try {
        removeCgroupDirs(cg);
        return;
      } catch (e) {
        // EBUSY for a moment after the last process exits, until the kernel has let go of it
        if ((e as NodeJS.ErrnoException).code !== 'EBUSY') throw e;
      }
    }
    const elapsed = Date.now() - start;
    if (!killed && elapsed >= timeoutMs / 2) {
      driver.killAll(cg, killInCgroup(cg));
      thaw(cg, driver);
      killed = true;
    }
    if (elapsed >= timeoutMs) {
      const pids = cgroupPids(cg);
      throw new PodrunError(
        `${what}: its cgroup ${driver.freezerDir(cg)} still has ${pids.length ? `processes ${pids.slice(0, 5).join(', ')}` : 'a busy directory'}; not removed`,
        'find them with `cat` of its cgroup.procs files, stop them, and run delete again',
      );
    }
    await sleep(n < 50 ? 2 : 20);
  }
}
