// Pod and container status, derived from pod.json, the files the monitor writes and whether the
// recorded processes still live (pid + start time), shaped like Kubernetes' v1 PodStatus so
// `get -o json` and kubectl-style tables come from one place.
import { exportedManifest, hostPathSources } from '../plan/hostpath-export';
import type { PlannedContainer } from '../plan/types';
import type { PodRecord } from '../state/pod-records';
import { noticeMonitorLoss } from '../state/monitor-loss';
import { isPendingAddress } from '../plan/network';
import { isAlive, type ProcessIdentity } from '../state/proc';
import { sha256Hex } from '../util/sha256';
import { terminationMessage } from './termination-message';
import { specWithAnnotationFields } from '../manifest/apparmor';
import { formatFailure, helper, monitorProcesses, readPodStatusFile, type ContainerStateFile, type MonitorFile, type PodStatusFile, type TerminationRecord } from './helper';

/** What is on disk and alive for one pod right now: the input of every status computation. */
export interface PodSnapshot {
  record: PodRecord;
  monitor?: MonitorFile;
  /** The monitor's status.json (protocol 8): the phase and conditions its state machine computed. */
  podStatus?: PodStatusFile;
  monitorAlive: boolean;
  pauseAlive: boolean;
  /**
   * The monitor is gone without having stopped the pod (no `stoppedAt`: SIGKILL, a crash, a
   * reboot) and no delete is under way: when podrun first noticed (state/monitor-loss.ts).
   */
  monitorLost?: { noticedAt: string };
  /** The apply that wrote the record still runs (it has not started the monitor, or is waiting for it). */
  creatorAlive: boolean;
  containers: ContainerSnapshot[];
  /** spec.initContainers (regular and sidecars), in spec order. */
  initContainers: ContainerSnapshot[];
}

export interface ContainerSnapshot {
  plan: PlannedContainer;
  state?: ContainerStateFile;
  alive: boolean;
  /** An init container with `restartPolicy: Always`. */
  sidecar?: boolean;
}

function snapshotContainer(plan: PlannedContainer, sidecar: boolean): ContainerSnapshot {
  const state = helper.readContainerState(plan);
  const id: ProcessIdentity | undefined = state && state.pid !== undefined && state.startTime !== undefined && state.finishedAt === undefined ? { pid: state.pid, startTime: state.startTime } : undefined;
  return { plan, state, alive: isAlive(id), ...(sidecar ? { sidecar } : {}) };
}

/**
 * Reads the pod's files and checks its processes. The first look that finds the monitor lost
 * records when (monitor-lost.json; the only write a look makes), so every later one says the same.
 */
export function snapshotPod(record: PodRecord): PodSnapshot {
  const monitor = helper.readMonitorFile(record.plan.dirs.lasting);
  const procs = monitorProcesses(monitor);
  const monitorAlive = isAlive(procs.monitor);
  const lost = procs.monitor && !monitorAlive && !monitor?.stoppedAt && !record.deletionTimestamp;
  return {
    record,
    monitor,
    podStatus: readPodStatusFile(record.plan.dirs.lasting),
    monitorAlive,
    pauseAlive: isAlive(procs.pause),
    ...(lost ? { monitorLost: { noticedAt: noticeMonitorLoss(record.plan.dirs.lasting, procs.monitor!).noticedAt } } : {}),
    creatorAlive: isAlive(record.creator),
    containers: record.plan.containers.map((plan) => snapshotContainer(plan, false)),
    initContainers: (record.plan.initContainers ?? []).map((plan) => snapshotContainer(plan, sidecarNames(record).has(plan.name))),
  };
}

/** The pod's native sidecars: init containers with `restartPolicy: Always`. */
function sidecarNames(record: PodRecord): Set<string> {
  return new Set((record.manifest.spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always').map((c) => c.name));
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

export type ContainerState =
  | { kind: 'waiting'; reason: string; message?: string }
  | { kind: 'running'; startedAt: string }
  | {
      kind: 'terminated';
      exitCode: number;
      signal?: number;
      reason: string;
      message?: string;
      startedAt?: string;
      finishedAt: string;
    };

export type TerminatedState = Extract<ContainerState, { kind: 'terminated' }>;

export interface ContainerStatus {
  name: string;
  state: ContainerState;
  /** The instance before this one, when it ended (Kubernetes' lastState.terminated). */
  lastState?: TerminatedState & { containerID: string };
  ready: boolean;
  started: boolean;
  /** An init container with `restartPolicy: Always`. */
  sidecar?: boolean;
  restartCount: number;
  image: string;
  imageID: string;
  containerID: string;
  /** Host pid while running (pid + start time verified). */
  pid?: number;
  /** A running container's cpu and memory as its cgroups have them (after an in-place resize too: kubelet-resources.md Z9.5). */
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}

export interface PodStatus {
  phase: PodPhase;
  /** Pod-level reason and message, as Kubernetes' PodStatus has them: `MonitorDied` (docs/runtime.md). */
  reason?: string;
  message?: string;
  /** kubectl's STATUS column: Running, Completed, Error, ContainerCreating, StartError, Terminating, NotReady, ... */
  display: string;
  readyCount: number;
  total: number;
  restarts: number;
  /** When the newest lastState ended: kubectl's RESTARTS `3 (42s ago)`. */
  lastRestartAt?: string;
  startTime?: string;
  terminating: boolean;
  monitorAlive: boolean;
  /** Any container process, the pause process or the monitor still alive. */
  anyProcessAlive: boolean;
  containers: ContainerStatus[];
  initContainers: ContainerStatus[];
}

/**
 * The id of one instance of a container: each restart is a new container, as the kubelet's are
 * (its lastState.terminated.containerID names the instance that ended). Instance 0 keeps the id
 * podrun gave before restarts existed.
 */
export function containerId(podUid: string, name: string, restartCount = 0): string {
  return sha256Hex(restartCount ? `${podUid}/${name}/${restartCount}` : `${podUid}/${name}`);
}

/** `podrun apply -f FILE` for the pod's manifest, as the pod was applied. */
export function reapplyCommand(record: PodRecord): string {
  const ns = record.plan.namespace === 'default' ? '' : ` -n ${record.plan.namespace}`;
  return record.sourceFile && record.sourceFile !== '-' ? `podrun apply -f ${record.sourceFile}` : `podrun apply -f <the manifest of pod ${record.plan.name}>${ns}`;
}

/** Go's time.Duration String() for whole milliseconds: 10s, 1m20s, 5m0s, 500ms, 1.5s. */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  const sec = `${Number.isInteger(s) ? s : s.toString()}s`;
  return h ? `${h}h${m}m${sec}` : m ? `${m}m${sec}` : sec;
}

/** format.Pod: NAME_NAMESPACE(UID), as the kubelet names a pod in messages. */
export const formatPod = (snap: PodSnapshot) => `${snap.record.plan.name}_${snap.record.plan.namespace}(${snap.record.uid})`;

/**
 * The terminated state of an instance; `message` (terminated.message: the start error and the
 * termination message, termination-message.ts) when the caller knows the container's files.
 */
function terminatedFrom(t: TerminationRecord, fallbackAt: string, message?: (t: TerminationRecord) => string | undefined): TerminatedState {
  const msg = message ? message(t) : t.error ? formatFailure(t.error) : undefined;
  return {
    kind: 'terminated',
    exitCode: t.exitCode ?? (t.reason === 'StartError' ? 128 : 0),
    ...(t.signal ? { signal: t.signal } : {}),
    reason: t.reason ?? (t.exitCode === 0 ? 'Completed' : 'Error'),
    ...(msg ? { message: msg } : {}),
    ...(t.startedAt && t.reason !== 'StartError' ? { startedAt: t.startedAt } : {}),
    finishedAt: t.finishedAt ?? t.startedAt ?? fallbackAt,
  };
}

/** terminated.message of an instance of the container: the start error and what the container left (§7). */
function messageOf(snap: PodSnapshot, plan: PlannedContainer): (t: TerminationRecord) => string | undefined {
  const sv = snap.record.plan.supervision?.containers.find((c) => c.name === plan.name);
  const containers = snap.containers.length + snap.initContainers.length;
  return (t) => {
    const runtimeMessage = t.error ? formatFailure(t.error) : undefined;
    if (!sv || t.restartCount === undefined) return runtimeMessage;
    const exitCode = t.exitCode ?? (t.reason === 'StartError' ? 128 : 0);
    return terminationMessage({ stateFile: plan.dirs.stateFile, logDir: plan.dirs.logDir, policy: sv.terminationMessage.policy, instance: t.restartCount, exitCode, runtimeMessage, startError: t.reason === 'StartError', containers });
  };
}

/**
 * PostStartHookError's message as the kubelet words it (lifecycle/handlers.go, kubelet-rules.md
 * §5.3) around what the monitor says failed: `Exec lifecycle hook ([sh -c exit 3]) for Container
 * "app" in Pod "p_default(uid)" failed - error: command 'sh -c exit 3' exited with 3: <output>`.
 */
function postStartMessage(snap: PodSnapshot, name: string, detail: string): string {
  const h = snap.record.plan.supervision?.containers.find((c) => c.name === name)?.postStart;
  const who = `for Container ${JSON.stringify(name)} in Pod ${JSON.stringify(formatPod(snap))}`;
  if (h?.type === 'exec') return `Exec lifecycle hook ([${h.command.join(' ')}]) ${who} failed - error: ${detail.replace(/\n$/, '')}`;
  if (h?.type === 'httpGet') return `HTTP lifecycle hook (${h.path}) ${who} failed - error: ${detail}`;
  return detail;
}

/** The state a supervising monitor (protocol 8) wrote, while it runs or after it stopped the pod itself. */
function supervisedState(snap: PodSnapshot, plan: PlannedContainer, state: ContainerStateFile): ContainerState {
  const name = plan.name;
  if (state.state === 'running') return { kind: 'running', startedAt: state.startedAt ?? snap.record.createdAt };
  if (state.state === 'terminated') return terminatedFrom(state, snap.record.createdAt, messageOf(snap, plan));
  const w = state.waiting ?? { reason: 'ContainerCreating' };
  const message =
    w.reason === 'CrashLoopBackOff' && w.backoffMs !== undefined
      ? `back-off ${goDuration(w.backoffMs)} restarting failed container=${name} pod=${formatPod(snap)}`
      : w.reason === 'PostStartHookError' && w.hookError !== undefined
        ? postStartMessage(snap, name, w.hookError)
        : w.error
          ? formatFailure(w.error)
          : undefined;
  return { kind: 'waiting', reason: w.reason, ...(message ? { message } : {}) };
}

/** The cpu and memory of a container's requests and limits, as its cgroups were last given them. */
function actuated(plan: PlannedContainer): Pick<ContainerStatus, 'resources'> {
  const pick = (list: Record<string, string> | undefined) => {
    const out = Object.fromEntries(Object.entries(list ?? {}).filter(([k]) => k === 'cpu' || k === 'memory'));
    return Object.keys(out).length ? out : undefined;
  };
  const requests = pick(plan.resources?.requests);
  const limits = pick(plan.resources?.limits);
  return requests || limits ? { resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } } : {};
}

function containerStatus(snap: PodSnapshot, cs: ContainerSnapshot): ContainerStatus {
  const { plan, state, alive } = cs;
  const idOf = (n: number) => `podrun://${containerId(snap.record.uid, plan.name, n)}`;
  const restartCount = state?.restartCount ?? 0;
  const base = {
    name: plan.name,
    ...(cs.sidecar ? { sidecar: true } : {}),
    restartCount,
    image: plan.image.ref,
    imageID: plan.image.imageId ?? '',
    containerID: idOf(restartCount),
  };
  const lost = snap.monitorLost;
  const monitorPid = snap.monitor?.pid;
  let st: ContainerState;
  const last = state?.lastState;
  const lastState = last ? { lastState: { ...terminatedFrom(last, snap.record.createdAt, messageOf(snap, plan)), containerID: idOf(last.restartCount ?? Math.max(0, restartCount - 1)) } } : {};
  if (plan.configError) {
    // never created: the kubelet keeps such a container waiting with the reason, never restarted
    return { ...base, restartCount: 0, containerID: '', state: { kind: 'waiting', reason: plan.configError.reason, message: plan.configError.message }, ready: false, started: false };
  } else if (state?.state !== undefined && !lost && (snap.monitorAlive || snap.monitor?.stoppedAt)) {
    st = supervisedState(snap, plan, state);
    const running = st.kind === 'running';
    return {
      ...base,
      ...lastState,
      state: st,
      ready: running && state.ready !== false,
      started: running && state.started !== false,
      ...(running && alive ? { pid: state.pid } : {}),
      ...(running ? actuated(plan) : {}),
    };
  } else if (state?.finishedAt !== undefined || state?.reason !== undefined) {
    const msg = state.error ? formatFailure(state.error) : undefined;
    st = {
      kind: 'terminated',
      exitCode: state.exitCode ?? (state.reason === 'StartError' ? 128 : 0),
      ...(state.signal ? { signal: state.signal } : {}),
      reason: state.reason ?? (state.exitCode === 0 ? 'Completed' : 'Error'),
      ...(msg ? { message: msg } : {}),
      ...(state.startedAt && state.reason !== 'StartError' ? { startedAt: state.startedAt } : {}),
      finishedAt: state.finishedAt ?? state.startedAt ?? snap.record.createdAt,
    };
  } else if (state?.pid !== undefined && (alive || snap.monitorAlive)) {
    // Dead but the monitor lives: its exit record is on the way; report running until it lands.
    // Alive without a monitor (lost): it runs unsupervised, said at the pod level.
    st = { kind: 'running', startedAt: state.startedAt ?? snap.record.createdAt };
  } else if (state?.pid !== undefined && lost) {
    // Killed with its monitor (the parent-death signal, docs/runtime.md).
    st = {
      kind: 'terminated',
      exitCode: 137,
      signal: 9,
      reason: 'MonitorDied',
      message: `the pod's monitor (pid ${monitorPid}) died; this container was stopped with it (SIGKILL)`,
      startedAt: state.startedAt,
      finishedAt: lost.noticedAt,
    };
  } else if (state?.pid !== undefined) {
    // Neither the process nor its monitor is there to say how it ended.
    st = { kind: 'terminated', exitCode: 137, reason: 'Unknown', message: 'the monitor is gone; exit status unknown', startedAt: state.startedAt, finishedAt: state.startedAt ?? snap.record.createdAt };
  } else if (snap.monitorAlive || (!snap.monitor && snap.creatorAlive)) {
    st = { kind: 'waiting', reason: 'ContainerCreating' };
  } else if (lost) {
    st = { kind: 'terminated', exitCode: 128, reason: 'MonitorDied', message: `the pod's monitor (pid ${monitorPid}) died before starting this container`, finishedAt: lost.noticedAt };
  } else if (!snap.monitor) {
    // The record is written before the monitor starts; its apply died before starting it.
    st = { kind: 'waiting', reason: 'ApplyInterrupted', message: `the podrun apply that created this pod exited before starting it; \`${reapplyCommand(snap.record)}\` creates it` };
  } else {
    st = { kind: 'terminated', exitCode: 128, reason: 'Unknown', message: 'the monitor exited before starting this container', finishedAt: snap.record.createdAt };
  }
  const running = st.kind === 'running';
  // Without its monitor a running container is not supervised (its output is not logged): not ready.
  const ready = running && !lost;
  return { ...base, ...lastState, state: st, ready, started: running, ...(running && alive ? { pid: state!.pid } : {}) };
}

export function computePodStatus(snap: PodSnapshot): PodStatus {
  const containers = snap.containers.map((c) => containerStatus(snap, c));
  const initContainers = snap.initContainers.map((c) => containerStatus(snap, c));
  const sidecars = initContainers.filter((c) => c.sidecar);
  const all = [...initContainers, ...containers];
  const terminated = containers.filter((c) => c.state.kind === 'terminated');
  let phase: PodPhase;
  const fromMonitor = snap.podStatus && !snap.monitorLost && (snap.monitorAlive || snap.monitor?.stoppedAt) ? snap.podStatus.phase : undefined;
  if (fromMonitor) phase = fromMonitor;
  else if (all.some((c) => c.state.kind === 'waiting')) phase = 'Pending';
  else if (containers.some((c) => c.state.kind === 'running')) phase = 'Running';
  else if (terminated.every((c) => c.state.kind === 'terminated' && c.state.exitCode === 0)) phase = 'Succeeded';
  else phase = 'Failed';

  const ready = containers.filter((c) => c.ready).length + sidecars.filter((c) => c.started && c.ready).length;
  const total = containers.length + sidecars.length;
  let display: string = phase;
  const init = initStatus(initContainers);
  const initialized = snap.podStatus?.conditions.find((c) => c.type === 'Initialized')?.status === 'True';
  // kubectl's printPod (kubelet-rules.md §9): the init containers' loop, then, once initialized,
  // the containers' from the last to the first, whose waiting/terminated reason names the status.
  if (init) display = init;
  if (!init || initialized) {
    let hasRunning = false;
    for (let i = containers.length - 1; i >= 0; i--) {
      const s = containers[i].state;
      if (s.kind === 'waiting' && s.reason) display = s.reason;
      // Unlike kubectl, a failure shown by a later container is not hidden by an earlier Completed.
      else if (s.kind === 'terminated' && s.reason) display = s.reason === 'Completed' && display !== phase ? display : s.reason;
      else if (s.kind === 'terminated') display = s.signal ? `Signal:${s.signal}` : `ExitCode:${s.exitCode}`;
      else if (s.kind === 'running') hasRunning = true;
    }
    if (display === 'Completed' && hasRunning) display = ready === total ? 'Running' : 'NotReady';
  }
  // kubectl shows the pod's reason when it has one (Evicted), over the containers'
  const evicted = snap.podStatus?.reason === 'Evicted' ? { reason: 'Evicted', message: snap.podStatus.message ?? '' } : undefined;
  if (evicted) display = evicted.reason;
  const lost = monitorLostStatus(snap, all);
  if (lost) display = lost.reason;
  const terminating = !!snap.record.deletionTimestamp;
  if (terminating) display = 'Terminating';

  // RESTARTS: before initialization the init containers'; after it, the sidecars' and the apps'.
  const counted = init && !initialized ? initContainers : [...sidecars, ...containers];
  const startedTimes = all.flatMap((c) => ('startedAt' in c.state && c.state.startedAt ? [c.state.startedAt] : []));
  return {
    phase,
    ...(evicted ?? {}),
    ...(lost ?? {}),
    display,
    readyCount: ready,
    total,
    restarts: counted.reduce((n, c) => n + c.restartCount, 0),
    ...lastRestart(counted),
    startTime: snap.record.createdAt ?? startedTimes.sort()[0],
    terminating,
    monitorAlive: snap.monitorAlive,
    anyProcessAlive: snap.monitorAlive || snap.pauseAlive || [...snap.initContainers, ...snap.containers].some((c) => c.alive),
    containers,
    initContainers,
  };
}

/**
 * printPod's loop over the init containers: `Init:N/M`, `Init:<reason>`, or undefined once each
 * has completed (a sidecar: started).
 */
function initStatus(inits: ContainerStatus[]): string | undefined {
  for (let i = 0; i < inits.length; i++) {
    const c = inits[i];
    const s = c.state;
    if (s.kind === 'terminated' && s.exitCode === 0) continue;
    if (c.sidecar && c.started) continue;
    if (s.kind === 'terminated') return s.reason ? `Init:${s.reason}` : s.signal ? `Init:Signal:${s.signal}` : `Init:ExitCode:${s.exitCode}`;
    if (s.kind === 'waiting' && s.reason && s.reason !== 'PodInitializing') return `Init:${s.reason}`;
    return `Init:${i}/${inits.length}`;
  }
  return undefined;
}

function lastRestart(containers: ContainerStatus[]): { lastRestartAt?: string } {
  const at = containers.flatMap((c) => (c.lastState ? [c.lastState.finishedAt] : [])).sort();
  return at.length ? { lastRestartAt: at[at.length - 1] } : {};
}

/**
 * The pod-level reason when its monitor died while something of the pod ran or was still to
 * start: which containers stopped with it and which (pdeathsig lost) still run unsupervised.
 * Undefined when the monitor lives, stopped the pod itself, or died after every container ended.
 */
function monitorLostStatus(snap: PodSnapshot, containers: ContainerStatus[]): { reason: string; message: string } | undefined {
  const lost = snap.monitorLost;
  if (!lost) return undefined;
  const stopped = containers.filter((c) => c.state.kind === 'terminated' && c.state.reason === 'MonitorDied').map((c) => c.name);
  const unsupervised = containers.filter((c) => c.state.kind === 'running').map((c) => c.name);
  if (!stopped.length && !unsupervised.length) return undefined;
  const parts = [`the pod's monitor (pid ${snap.monitor?.pid}) died (noticed ${kubeTimestamp(lost.noticedAt)})`];
  if (stopped.length) parts.push(`its containers were stopped with it (${stopped.join(', ')})`);
  if (unsupervised.length)
    parts.push(`still running without it, their output no longer logged and their exit not recorded: ${unsupervised.join(', ')} (their first process cleared its parent-death signal: it did so itself with prctl, or it is set-user-ID, set-group-ID or has file capabilities)`);
  const del = `podrun delete pod ${snap.record.plan.name}${snap.record.plan.namespace === 'default' ? '' : ` -n ${snap.record.plan.namespace}`}`;
  return { reason: 'MonitorDied', message: `${parts.join('; ')}. \`${reapplyCommand(snap.record)}\` brings the pod back; \`${del}\` removes it` };
}

/** Kubernetes v1 ContainerStateTerminated JSON. */
function terminatedJson(t: TerminatedState, containerID: string): Record<string, unknown> {
  return {
    exitCode: t.exitCode,
    ...(t.signal ? { signal: t.signal } : {}),
    reason: t.reason,
    ...(t.message ? { message: t.message } : {}),
    ...(t.startedAt ? { startedAt: kubeTimestamp(t.startedAt) } : {}),
    finishedAt: kubeTimestamp(t.finishedAt),
    containerID,
  };
}

/** Kubernetes v1 ContainerStatus JSON. */
export function k8sContainerStatus(c: ContainerStatus): Record<string, unknown> {
  const s = c.state;
  const state =
    s.kind === 'waiting'
      ? { waiting: { reason: s.reason, ...(s.message ? { message: s.message } : {}) } }
      : s.kind === 'running'
        ? { running: { startedAt: kubeTimestamp(s.startedAt) } }
        : { terminated: terminatedJson(s, c.containerID) };
  return {
    name: c.name,
    state,
    lastState: c.lastState ? { terminated: terminatedJson(c.lastState, c.lastState.containerID) } : {},
    ready: c.ready,
    restartCount: c.restartCount,
    image: c.image,
    imageID: c.imageID,
    containerID: c.containerID,
    started: c.started,
    ...(c.resources ? { allocatedResources: c.resources.requests ?? {}, resources: c.resources } : {}),
  };
}

/** Kubernetes v1 PodStatus JSON. */
export function k8sPodStatus(s: PodStatus, snap: PodSnapshot): Record<string, unknown> {
  const at = snap.record.createdAt;
  const allReady = s.readyCount === s.total;
  const cond = (type: string, ok: boolean, reason?: string) => ({
    type,
    status: ok ? 'True' : 'False',
    lastProbeTime: null,
    lastTransitionTime: kubeTimestamp(at),
    ...(ok || !reason ? {} : { reason }),
  });
  const ps = snap.podStatus && !snap.monitorLost && (snap.monitorAlive || snap.monitor?.stoppedAt) ? snap.podStatus : undefined;
  const listed = (reason: string | undefined) => (reason === 'ContainersNotInitialized' ? 'containers with incomplete status' : 'containers with unready status');
  const conditions = ps
    ? ps.conditions.map((c) => ({
        type: c.type,
        status: c.status,
        lastProbeTime: null,
        lastTransitionTime: c.lastTransitionTime ? kubeTimestamp(c.lastTransitionTime) : kubeTimestamp(at),
        ...(c.reason ? { reason: c.reason } : {}),
        ...(c.containers ? { message: `${listed(c.reason)}: [${c.containers.join(' ')}]` } : {}),
      }))
    : [cond('Initialized', true), cond('Ready', allReady, 'ContainersNotReady'), cond('ContainersReady', allReady, 'ContainersNotReady'), cond('PodScheduled', true)];
  return {
    phase: s.phase,
    ...(s.reason ? { reason: s.reason, message: s.message } : {}),
    conditions,
    hostIP: snap.record.plan.hostIP,
    // A stand-in is an address the network never gave (a start interrupted before its ADD).
    ...(isPendingAddress(snap.record.plan.podIP) ? {} : { podIP: snap.record.plan.podIP, podIPs: (snap.record.plan.network?.ips ?? [snap.record.plan.podIP]).map((ip) => ({ ip })) }),
    startTime: s.startTime && kubeTimestamp(s.startTime),
    ...(s.initContainers.length ? { initContainerStatuses: s.initContainers.map(k8sContainerStatus) } : {}),
    containerStatuses: s.containers.map(k8sContainerStatus),
    qosClass: snap.record.plan.qosClass ?? 'BestEffort',
  };
}

/** Kubernetes metadata times are RFC 3339 in whole seconds. */
export function kubeTimestamp(iso: string): string {
  return iso.replace(/\.\d+Z$/, 'Z');
}

/** The v1 Pod object `get -o json|yaml` prints: the applied manifest + metadata + status. */
export function k8sPod(s: PodStatus, snap: PodSnapshot): Record<string, unknown> {
  // Relative hostPaths as the directories the pod binds: the export re-applies from any folder.
  const m = exportedManifest(snap.record.manifest, hostPathSources(snap.record.plan));
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...m.metadata,
      namespace: snap.record.plan.namespace,
      uid: snap.record.uid,
      creationTimestamp: kubeTimestamp(snap.record.createdAt),
      ...(snap.record.deletionTimestamp ? { deletionTimestamp: kubeTimestamp(snap.record.deletionTimestamp) } : {}),
      ...(snap.record.deletionTimestamp && snap.record.deletionGracePeriodSeconds !== undefined ? { deletionGracePeriodSeconds: snap.record.deletionGracePeriodSeconds } : {}),
    },
    // as the API server stores it: a deprecated AppArmor annotation shows as the container's field
    spec: specWithAnnotationFields(m.spec, m.metadata.annotations),
    status: k8sPodStatus(s, snap),
  };
}
