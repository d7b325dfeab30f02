// Stopping and removing a pod: a live monitor is asked to stop it over its control socket (in
// Kubernetes' order: control.ts); without one, the stop signal via pidfd (after the start-time
// check), grace period, SIGKILL from here; then the monitor, the pause, leftovers, the pod's dirs.
// Idempotent: whatever is already gone is skipped, so it also cleans up half-created pods and
// pods whose monitor died.
import { everyContainer } from '../plan/containers';
import { removeTree } from '../util/remove-tree';
import { closeSync, existsSync, readdirSync, readFileSync, rmSync } from 'fs';
import { constants } from 'os';
import { dirname, join } from 'path';
import { MAX_GRACE_SECONDS } from '../manifest/grace';
import { parseSignal } from '../manifest/signals';
import { PodrunError } from '../util/errors';
import { Paths, lastingPodDir, livePodDir } from '../util/paths';
import { isAlive, processesWithMountsUnder, ProcessIdentity, readStartTime } from '../state/proc';
import { PodRecord, readPodRecord, writePodRecord } from '../state/pod-records';
import { planCgroups } from '../plan/cgroup';
import type { PlannedCgroup } from '../plan/types';
import { releaseUserNamespace } from '../state/userns';
import { logEnabled, log } from '../util/diagnostics';
import { parseMountinfo } from '../util/mountinfo';
import { unmountStacked } from './config-volumes';
import { deleteEphemeralClaims } from './ephemeral-claims';
import { markDeleting, unmarkDeleting } from '../state/deleting-marks';
import { helper, liveContainerProcess, monitorProcesses } from './helper';
import { detectCgroups, killCgroup, removePodCgroup, thaw } from './cgroup';
import type { ControlReply } from './control';
import { tearDownPodNetwork } from './network/pod-network';
import { cgroupParent } from './cgroup/detect';

export interface SignalOps {
  pidfdOpen(pid: number): number;
  pidfdSendSignal(pidfd: number, signal: number): void;
}

function defaultOps(): SignalOps {
  return (require('../util/native') as typeof import('../util/native')).native();
}

export function signalNumber(name: string): number {
  // Kubernetes' names (SIGRTMIN+1 too) and numbers, as the plan writes them (manifest/signals.ts)
  return parseSignal(name) ?? constants.signals.SIGTERM;
}

/**
 * Sends `sig` to the process only if it is still the one named by pid + start time. The pidfd
 * pins the pid, so the start-time check after opening it cannot race with pid reuse.
 * Returns false when the process is already gone.
 */
export function signalProcess(id: ProcessIdentity, sig: number, ops: SignalOps = defaultOps()): boolean {
  let fd: number;
  try {
    fd = ops.pidfdOpen(id.pid);
  } catch {
    return false; // ESRCH: gone
  }
  try {
    if (readStartTime(id.pid) !== id.startTime) return false;
    ops.pidfdSendSignal(fd, sig);
    return true;
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls /proc (a read of a few µs) every millisecond for the first 50 ms, where nearly every
 * process that honours its stop signal is gone, then backs off to every 50 ms.
 */
async function waitGone(ids: ProcessIdentity[], deadline: number, cutShort?: () => boolean): Promise<ProcessIdentity[]> {
  const start = Date.now();
  for (;;) {
    const left = ids.filter((id) => isAlive(id));
    if (left.length === 0 || Date.now() >= deadline || cutShort?.()) return left;
    const interval = Date.now() - start < 50 ? 1 : 50;
    await sleep(Math.min(interval, Math.max(1, deadline - Date.now())));
  }
}

/** One graceful wait a stop is in (runtime/stop.ts, reapply.ts): what the CLI shows and how Ctrl-C cuts it short. */
export interface GraceWait {
  /** Resolves when the user asks to stop waiting (Ctrl-C): what still runs is killed at once. */
  now: Promise<void>;
  /** Told, about every 250 ms, which containers are still running. */
  progress(running: string[]): void;
  end(): void;
}

/** The CLI's side of the grace waits of one command (cli/grace-wait.ts). */
export interface GraceWatch {
  /** A graceful stop of WHAT (`pod/dev`: the line names its running containers) began at STARTEDAT (default now), SIGKILL due GRACEMS after; Ctrl-C cuts it short (`now`). */
  begin(what: string, graceMs: number, startedAt?: number): GraceWait;
}

export interface StopOptions {
  /** Seconds; undefined = the pod's terminationGracePeriodSeconds. 0 = SIGKILL at once. */
  gracePeriodSeconds?: number;
  ops?: SignalOps;
  /** How long to wait for the monitor to flush and exit after SIGTERM before SIGKILLing it. */
  monitorTimeoutMs?: number;
  /** The longest grace period waited; default MAX_GRACE_SECONDS (a day). */
  maxGraceSeconds?: number;
  /** deletePodLocked: keep the pod's user namespace range (a re-apply gives it to the new pod). */
  keepUserNamespace?: boolean;
  /** deletePodLocked: told what could not be released (the pod's network), which the next podrun command retries. */
  warn?: (e: Error) => void;
  /** The CLI's progress line and Ctrl-C during the grace period. */
  watch?: GraceWatch;
}

/**
 * When the grace period ends: `graceSeconds` after `now`, but never later than `maxSeconds` after
 * it. A valid int64 grace period (2^63-1 s, or a bigger number an older podrun recorded, or
 * Infinity) would otherwise keep `delete` waiting forever for a container that ignores its stop
 * signal. The waits themselves are short polls (waitGone), so no timer ever gets a delay past
 * Node's 2^31-1 ms, where setTimeout fires at once.
 */
export function graceDeadline(graceSeconds: number, now: number, maxSeconds = MAX_GRACE_SECONDS): number {
  const seconds = graceSeconds > 0 ? Math.min(graceSeconds, maxSeconds) : 0; // NaN: kill now
  return now + seconds * 1000;
}

/**
 * The pod's cgroup: as its record says, else where this podrun puts it for that key (a pod
 * whose CLI died before pod.json was written, or recorded by a podrun without cgroups).
 */
export function podCgroup(paths: Paths, key: string, record?: PodRecord): PlannedCgroup | undefined {
  return record?.plan.cgroup ?? planCgroups(detectCgroups(), paths, key, [], {}, cgroupParent().cgroupParent).pod;
}

/** How long after the grace period a stop through the monitor may take before Node takes over. */
export const MONITOR_STOP_MARGIN_MS = 15_000;

/**
 * Asks the pod's monitor to stop the pod and waits for its `ok stopped`: true when it said so.
 * Grace 0 kills at once, as podrun's `--grace-period 0` always has (the kubelet's machine would
 * still wait its minimum 2 s): the monitor's `kill` request (SIGKILL, no preStop). A monitor that
 * does not know `kill` (an older podrun's) gets `stop 0`, and once it is stopping (so nothing
 * restarts) the containers are SIGKILLed from here.
 */
async function stopThroughMonitor(
  record: PodRecord,
  graceSeconds: number,
  live: (r: PodRecord) => { id: ProcessIdentity }[],
  opts: StopOptions,
  ops: SignalOps,
): Promise<boolean> {
  const { controlRequest, controlStatus } = await import('./control');
  const lasting = record.plan.dirs.lasting;
  const graceMs = graceDeadline(graceSeconds, 0, opts.maxGraceSeconds);
  const timeoutMs = graceMs + (record.plan.supervision?.minGraceMs ?? 2000) + MONITOR_STOP_MARGIN_MS;
  let r = graceMs === 0 ? await controlRequest(lasting, 'kill', timeoutMs) : undefined;
  if (!r || (!r.ok && r.why.startsWith('error EINVAL unknown request'))) {
    const reply = controlRequest(lasting, `stop ${graceMs}`, timeoutMs);
    if (graceMs === 0) {
      for (let i = 0; i < 100 && !(await controlStatus(lasting))?.stopping; i++) await sleep(10);
      for (const c of live(record)) signalProcess(c.id, constants.signals.SIGKILL, ops);
      r = await reply;
    } else r = await watchedStop(record, graceMs, reply, opts.watch);
  }
  if (!r.ok && logEnabled('debug')) log().debug(`stop through the monitor of ${record.plan.name}: ${r.why}; stopping it from here`);
  return r.ok;
}

/**
 * Waits for REPLY (the monitor's `ok stopped`) with the CLI's progress line fed from `status`
 * every 250 ms; Ctrl-C (`now`) asks the monitor to `kill` what still runs (a second stop only
 * shortens the first: the monitor's reply to both comes once the pod is down).
 */
async function watchedStop(record: PodRecord, graceMs: number, reply: Promise<ControlReply>, watch?: GraceWatch): Promise<ControlReply> {
  if (!watch) return reply;
  const { controlRequest, controlStatus } = await import('./control');
  const lasting = record.plan.dirs.lasting;
  // the stop began when the pod was marked Terminating (`up` and `down` begin every pod's at once)
  const began = record.deletionTimestamp ? Date.parse(record.deletionTimestamp) : NaN;
  const wait = watch.begin(`pod/${record.plan.name}`, graceMs, Number.isFinite(began) && began <= Date.now() ? began : undefined);
  let done = false;
  void wait.now.then(async () => {
    if (done) return;
    const r = await controlRequest(lasting, 'kill', 10_000 + MONITOR_STOP_MARGIN_MS);
    // a monitor before `kill`: the shortest stop it knows (SIGKILL after its minimum)
    if (!done && !r.ok && r.why.startsWith('error EINVAL unknown request')) void controlRequest(lasting, 'stop 0', 10_000 + MONITOR_STOP_MARGIN_MS);
  });
  // One timer at a time, cleared at the end: a pending one would keep the process alive after the reply.
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    const st = done ? undefined : await controlStatus(lasting, 1000);
    if (st && !done) wait.progress(st.containers.filter((c) => c.state === 'running').map((c) => c.name));
    if (!done) timer = setTimeout(() => void tick(), 250);
  };
  timer = setTimeout(() => void tick(), 250);
  try {
    return await reply;
  } finally {
    done = true;
    clearTimeout(timer);
    wait.end();
  }
}

/**
 * Stops every process of the pod. Call with the pod lock held, and with the pod thawed (a freeze
 * left by a SIGKILLed commit would keep its processes from handling their stop signal):
 * deletePodLocked thaws it first.
 */
export async function stopPod(record: PodRecord | undefined, pod: string, opts: StopOptions = {}): Promise<void> {
  const ops = opts.ops ?? defaultOps();
  const grace = opts.gracePeriodSeconds ?? record?.plan.terminationGracePeriodSeconds ?? 30;
  const { monitor, pause } = monitorProcesses(helper.readMonitorFile(record ? record.plan.dirs.lasting : pod));
  const liveContainers = (r: PodRecord) =>
    everyContainer(r.plan).flatMap(({ c }) => {
      const id = liveContainerProcess(helper.readContainerState(c));
      return id ? [{ id, stopSignal: c.stopSignal }] : [];
    });

  // A live monitor stops the pod itself, in Kubernetes' order; Node's stop is the fallback.
  const byMonitor = !!record && !!monitor && isAlive(monitor) && (await stopThroughMonitor(record, grace, liveContainers, opts, ops));
  if (byMonitor) await waitGone([monitor!], Date.now() + (opts.monitorTimeoutMs ?? 10_000));
  else if (record) {
    const running = liveContainers(record).map((c) => ({ id: c.id, sig: grace > 0 ? signalNumber(c.stopSignal) : constants.signals.SIGKILL }));
    for (const r of running) signalProcess(r.id, r.sig, ops);
    const deadline = graceDeadline(grace, Date.now(), opts.maxGraceSeconds);
    const wait = running.length && deadline > Date.now() ? opts.watch?.begin(`pod/${record.plan.name}`, deadline - Date.now()) : undefined;
    let cut = false;
    void wait?.now.then(() => (cut = true));
    const left = await waitGone(
      running.map((r) => r.id),
      deadline,
      () => cut,
    );
    wait?.end();
    for (const id of left) signalProcess(id, constants.signals.SIGKILL, ops);
    await waitGone(left, Date.now() + 5000);
  }

  if (monitor && isAlive(monitor)) {
    signalProcess(monitor, constants.signals.SIGTERM, ops);
    const left = await waitGone([monitor], Date.now() + (opts.monitorTimeoutMs ?? 10_000));
    if (left.length) signalProcess(monitor, constants.signals.SIGKILL, ops);
    await waitGone(left, Date.now() + 5000);
  }
  // Without its monitor (crashed, or SIGKILLed above) the pause process would linger.
  if (pause && isAlive(pause)) {
    signalProcess(pause, constants.signals.SIGKILL, ops);
    await waitGone([pause], Date.now() + 5000);
  }
  // A container the monitor never reported (it died mid-start) may still run: kill it too.
  if (record) for (const c of liveContainers(record)) signalProcess(c.id, constants.signals.SIGKILL, ops);
  // Whatever no file names: found by the pod's mounts in its mount namespace (docs/runtime.md,
  // "When the monitor dies"). A monitor that stopped the pod itself (stoppedAt) had every
  // process of it in its tree, as their parent or subreaper, and killed them all; what is
  // outside that tree is an `exec` into a container in the host's PID namespace.
  const after = helper.readMonitorFile(record ? record.plan.dirs.lasting : pod);
  const stoppedCleanly = !!monitor && after?.stoppedAt !== undefined && after.pid === monitor.pid && after.startTime === monitor.startTime;
  if (!stoppedCleanly || !record || record.plan.namespaces?.pid === 'host') {
    // Exact where the pod has a cgroup (every container and exec process joins its own first);
    // the mounts find the rest (no cgroups on the host, or a process that left its cgroup).
    if (record?.plan.cgroup) killCgroup(record.plan.cgroup);
    await killLeftovers([...new Set([pod, ...(record ? [record.plan.dirs.lasting, record.plan.dirs.live] : [])])], ops);
  }
}

/**
 * SIGKILLs every process whose mount namespace holds a mount from the pod's dirs, until none is
 * left: a container's first process whose parent-death signal an entrypoint with set-user-ID or
 * file capabilities cleared, one the monitor had not recorded yet, or what a container in the
 * host's PID namespace started and left behind when its monitor died. Each is named by pid +
 * start time and signalled through a pidfd. Rounds, since one may fork while it is being killed.
 */
export async function killLeftovers(dirs: string[], ops: SignalOps = defaultOps(), rounds = 20): Promise<number> {
  let killed = 0;
  for (let i = 0; i < rounds; i++) {
    const left = processesWithMountsUnder(dirs);
    if (logEnabled('debug')) log().debug(`leftover processes of ${dirs.join(' ')}: ${left.map((p) => p.pid).join(' ') || 'none'}`);
    if (left.length === 0) break;
    for (const id of left) if (signalProcess(id, constants.signals.SIGKILL, ops)) killed++;
    await waitGone(left, Date.now() + 5000);
  }
  return killed;
}

const mountPoints = () => parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8')).map((m) => m.point);
/** Of POINTS, those at or below `dir`. */
const under = (points: string[], dir: string) => points.filter((p) => p === dir || p.startsWith(dir + '/'));

/**
 * Removes the pod's lasting and run dirs; pod.json goes last so an interrupted delete can be
 * retried by name. Refuses while anything is mounted below them: removing through a bind mount
 * would delete hostPath data.
 */
export function removePodDirs(paths: Paths, key: string, record?: PodRecord): void {
  const dirs = [...new Set([lastingPodDir(paths, key), livePodDir(paths, key), ...(record ? [record.plan.dirs.lasting, record.plan.dirs.live] : [])])];
  // The mounts podrun itself makes in the host's namespace, found by their fixed places (a pod
  // without a readable record loses them too): the config volumes' tmpfs, the image volumes' overlays.
  const live = livePodDir(paths, key);
  const before = mountPoints();
  const configs = new Set([join(live, 'config'), ...(record?.plan.dirs.config ? [record.plan.dirs.config] : [])]);
  for (const m of new Set(before)) if (configs.has(m) || dirname(m) === join(live, 'images')) unmountStacked(m);
  const after = mountPoints();
  for (const d of dirs) {
    const m = under(after, d);
    if (m.length)
      throw new PodrunError(
        `pod dir ${d} still has mounts (${m.slice(0, 3).join(', ')}); not removing it`,
        'unmount them (umount -l PATH) and run delete again',
      );
  }
  for (const d of dirs) {
    if (!existsSync(d)) continue;
    for (const e of readdirSync(d)) if (e !== 'pod.json') removeTree(join(d, e));
    // retried: a `get` may be writing monitor-lost.json into it just now
    rmSync(d, { recursive: true, force: true, maxRetries: 3, retryDelay: 10 }); // pod.json (and a monitor-lost.json being written)
  }
}

/**
 * A delete's first step: the pod marked (a delete cut short from here on is finished by the next
 * command: finish-deletes.ts), then Terminating in its record. Returns the record.
 */
function markPodDeleting(paths: Paths, key: string, record: PodRecord | undefined, graceSeconds: number | undefined): PodRecord | undefined {
  markDeleting(paths, key);
  if (record && !record.deletionTimestamp) {
    record.deletionTimestamp = new Date().toISOString();
    record.deletionGracePeriodSeconds = graceSeconds ?? record.plan.terminationGracePeriodSeconds;
    try {
      writePodRecord(paths, record);
    } catch {
      /* the pod dir may be half gone; deleting goes on */
    }
  }
  return record;
}

/**
 * Starts a delete without waiting for it (lock held by the caller): marked, Terminating, and the
 * monitor asked to stop. `up` starts every pod's at once, so that their grace periods run
 * together; each deletePodLocked after it then waits for its pod (a second stop with the same
 * grace changes nothing).
 */
export async function beginDeleteLocked(paths: Paths, key: string, graceSeconds?: number): Promise<void> {
  const record = readPodRecord(paths, key);
  if (!record) return; // a half-created pod: its delete does it all
  const cg = podCgroup(paths, key, record);
  if (cg) thaw(cg); // a frozen process cannot handle its stop signal
  markPodDeleting(paths, key, record, graceSeconds);
  if (!isAlive(monitorProcesses(helper.readMonitorFile(record.plan.dirs.lasting)).monitor)) return;
  const grace = graceDeadline(graceSeconds ?? record.plan.terminationGracePeriodSeconds, 0);
  await (await import('./control')).tellMonitor(record.plan.dirs.lasting, grace === 0 ? 'kill' : `stop ${grace}`);
}

/**
 * SIGKILLs the running instance of container NAME if it is older than instance OLDERTHAN (Ctrl-C
 * during its restart's grace wait): the monitor sees it end and starts the next at once. Named
 * by pid and start time, through a pidfd.
 */
export function killContainerInstance(record: PodRecord, name: string, olderThan: number, ops: SignalOps = defaultOps()): void {
  const c = everyContainer(record.plan).find(({ c }) => c.name === name)?.c;
  const st = c && helper.readContainerState(c);
  // only an instance older than OLDERTHAN (the new one's restartCount): it may have started just now
  const id = st && (st.restartCount ?? 0) < olderThan ? liveContainerProcess(st) : undefined;
  if (id) signalProcess(id, constants.signals.SIGKILL, ops);
}

/** The whole delete of one pod (lock held by the caller). Works with or without a record. */
export async function deletePodLocked(paths: Paths, key: string, opts: StopOptions = {}): Promise<void> {
  const record = readPodRecord(paths, key);
  const cg = podCgroup(paths, key, record);
  if (cg) thaw(cg); // before the stop signals: a frozen process cannot handle one
  // Marked right before the stop: what fails earlier leaves the pod as it was.
  markPodDeleting(paths, key, record, opts.gracePeriodSeconds);
  await stopPod(record, lastingPodDir(paths, key), opts);
  // Its pause is gone, and with it the namespace: DEL releases the address and the rules.
  const netProblem = tearDownPodNetwork(paths, record?.plan);
  if (netProblem) opts.warn?.(netProblem);
  if (cg) await removePodCgroup(cg, `pod/${key.slice(key.indexOf('_') + 1)}`);
  removePodDirs(paths, key, record);
  if (record) deleteEphemeralClaims(paths, record.plan);
  // Its processes are gone, and with them every file they could still write as those ids.
  if (!opts.keepUserNamespace) releaseUserNamespace(paths, key);
  unmarkDeleting(paths, key);
}
