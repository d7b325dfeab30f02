// Pod and container status, derived from pod.json, the files the monitor writes and whether the
// recorded processes still live (pid + start time), shaped like Kubernetes' v1 PodStatus so
// `get -o json` and kubectl-style tables come from one place.
import type { PlannedContainer } from '../plan/types';
import type { PodRecord } from '../state/pod-records';
import { isAlive, type ProcessIdentity } from '../state/proc';
import { sha256Hex } from '../util/sha256';
import { formatFailure, helper, monitorProcesses, type ContainerStateFile, type MonitorFile } from './helper';

/** What is on disk and alive for one pod right now: the input of every status computation. */
export interface PodSnapshot {
  record: PodRecord;
  monitor?: MonitorFile;
  monitorAlive: boolean;
  pauseAlive: boolean;
  containers: { plan: PlannedContainer; state?: ContainerStateFile; alive: boolean }[];
}

export function snapshotPod(record: PodRecord): PodSnapshot {
  const monitor = helper.readMonitorFile(record.plan.dirs.lasting);
  const procs = monitorProcesses(monitor);
  return {
    record,
    monitor,
    monitorAlive: isAlive(procs.monitor),
    pauseAlive: isAlive(procs.pause),
    containers: record.plan.containers.map((plan) => {
      const state = helper.readContainerState(plan);
      const id: ProcessIdentity | undefined =
        state && state.pid !== undefined && state.startTime !== undefined && state.finishedAt === undefined ? { pid: state.pid, startTime: state.startTime } : undefined;
      return { plan, state, alive: isAlive(id) };
    }),
  };
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

export interface ContainerStatus {
  name: string;
  state: ContainerState;
  ready: boolean;
  started: boolean;
  restartCount: number;
  image: string;
  imageID: string;
  containerID: string;
  /** Host pid while running (pid + start time verified). */
  pid?: number;
}

export interface PodStatus {
  phase: PodPhase;
  /** kubectl's STATUS column: Running, Completed, Error, ContainerCreating, StartError, Terminating, NotReady, ... */
  display: string;
  readyCount: number;
  total: number;
  restarts: number;
  startTime?: string;
  terminating: boolean;
  monitorAlive: boolean;
  /** Any container process, the pause process or the monitor still alive. */
  anyProcessAlive: boolean;
  containers: ContainerStatus[];
}

export function containerId(podUid: string, name: string): string {
  return sha256Hex(`${podUid}/${name}`);
}

function containerStatus(snap: PodSnapshot, i: number): ContainerStatus {
  const { plan, state, alive } = snap.containers[i];
  const base = {
    name: plan.name,
    restartCount: 0,
    image: plan.image.ref,
    imageID: plan.image.imageId ?? '',
    containerID: `podrun://${containerId(snap.record.uid, plan.name)}`,
  };
  let st: ContainerState;
  if (plan.configError) {
    // never started: the kubelet keeps such a container waiting with the reason
    st = { kind: 'waiting', reason: plan.configError.reason, message: plan.configError.message };
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
    st = { kind: 'running', startedAt: state.startedAt ?? snap.record.createdAt };
  } else if (state?.pid !== undefined) {
    // Neither the process nor its monitor is there to say how it ended (e.g. after a reboot).
    st = { kind: 'terminated', exitCode: 137, reason: 'Unknown', message: 'the monitor is gone; exit status unknown', startedAt: state.startedAt, finishedAt: state.startedAt ?? snap.record.createdAt };
  } else if (snap.monitorAlive || !snap.monitor) {
    st = { kind: 'waiting', reason: 'ContainerCreating' };
  } else {
    st = { kind: 'terminated', exitCode: 128, reason: 'Unknown', message: 'the monitor exited before starting this container', finishedAt: snap.record.createdAt };
  }
  const running = st.kind === 'running';
  return { ...base, state: st, ready: running, started: running, ...(running && alive ? { pid: state!.pid } : {}) };
}

export function computePodStatus(snap: PodSnapshot): PodStatus {
  const containers = snap.containers.map((_, i) => containerStatus(snap, i));
  const total = containers.length;
  const readyCount = containers.filter((c) => c.ready).length;
  const terminated = containers.filter((c) => c.state.kind === 'terminated');
  let phase: PodPhase;
  if (containers.some((c) => c.state.kind === 'waiting')) phase = 'Pending';
  else if (containers.some((c) => c.state.kind === 'running')) phase = 'Running';
  else if (terminated.every((c) => c.state.kind === 'terminated' && c.state.exitCode === 0)) phase = 'Succeeded';
  else phase = 'Failed';

  // kubectl's printPod: the last container with a waiting/terminated reason names the status.
  let display: string = phase;
  let hasRunning = false;
  for (let i = containers.length - 1; i >= 0; i--) {
    const s = containers[i].state;
    if (s.kind === 'waiting' && s.reason) display = s.reason;
    // Unlike kubectl, a failure shown by a later container is not hidden by an earlier Completed.
    else if (s.kind === 'terminated' && s.reason) display = s.reason === 'Completed' && display !== phase ? display : s.reason;
    else if (s.kind === 'terminated') display = s.signal ? `Signal:${s.signal}` : `ExitCode:${s.exitCode}`;
    else if (s.kind === 'running') hasRunning = true;
  }
  if (display === 'Completed' && hasRunning) display = readyCount === total ? 'Running' : 'NotReady';
  const terminating = !!snap.record.deletionTimestamp;
  if (terminating) display = 'Terminating';

  const startedTimes = containers.flatMap((c) => ('startedAt' in c.state && c.state.startedAt ? [c.state.startedAt] : []));
  return {
    phase,
    display,
    readyCount,
    total,
    restarts: 0,
    startTime: snap.record.createdAt ?? startedTimes.sort()[0],
    terminating,
    monitorAlive: snap.monitorAlive,
    anyProcessAlive: snap.monitorAlive || snap.pauseAlive || snap.containers.some((c) => c.alive),
    containers,
  };
}

/** Kubernetes v1 ContainerStatus JSON. */
export function k8sContainerStatus(c: ContainerStatus): Record<string, unknown> {
  const s = c.state;
  const state =
    s.kind === 'waiting'
      ? { waiting: { reason: s.reason, ...(s.message ? { message: s.message } : {}) } }
      : s.kind === 'running'
        ? { running: { startedAt: s.startedAt } }
        : {
            terminated: {
              exitCode: s.exitCode,
              ...(s.signal ? { signal: s.signal } : {}),
              reason: s.reason,
              ...(s.message ? { message: s.message } : {}),
              ...(s.startedAt ? { startedAt: s.startedAt } : {}),
              finishedAt: s.finishedAt,
              containerID: c.containerID,
            },
          };
  return {
    name: c.name,
    state,
    lastState: {},
    ready: c.ready,
    restartCount: c.restartCount,
    image: c.image,
    imageID: c.imageID,
    containerID: c.containerID,
    started: c.started,
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
  return {
    phase: s.phase,
    conditions: [
      cond('Initialized', true),
      cond('Ready', allReady, 'ContainersNotReady'),
      cond('ContainersReady', allReady, 'ContainersNotReady'),
      cond('PodScheduled', true),
    ],
    hostIP: snap.record.plan.hostIP,
    podIP: snap.record.plan.podIP,
    ...(snap.record.plan.podIP ? { podIPs: [{ ip: snap.record.plan.podIP }] } : {}),
    startTime: s.startTime && kubeTimestamp(s.startTime),
    containerStatuses: s.containers.map(k8sContainerStatus),
    qosClass: 'BestEffort',
  };
}

/** Kubernetes metadata times are RFC 3339 in whole seconds. */
export function kubeTimestamp(iso: string): string {
  return iso.replace(/\.\d+Z$/, 'Z');
}

/** The v1 Pod object `get -o json|yaml` prints: the applied manifest + metadata + status. */
export function k8sPod(s: PodStatus, snap: PodSnapshot): Record<string, unknown> {
  const m = snap.record.manifest;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...m.metadata,
      namespace: snap.record.plan.namespace,
      uid: snap.record.uid,
      creationTimestamp: kubeTimestamp(snap.record.createdAt),
      ...(snap.record.deletionTimestamp ? { deletionTimestamp: kubeTimestamp(snap.record.deletionTimestamp) } : {}),
    },
    spec: m.spec,
    status: k8sPodStatus(s, snap),
  };
}
