// Pod and container status computed from the files on disk plus process liveness, shaped like
// Kubernetes' v1 PodStatus so `get -o json` and kubectl-style tables come from one place.
import { constants } from 'os';
import type { PodSnapshot } from './records';
import { sha256Hex } from '../util/sha256';

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

const ERRNO_CODES = new Map(Object.entries(constants.errno).map(([k, v]) => [v as number, k]));
export const errnoCode = (n: number) => ERRNO_CODES.get(n) ?? `errno ${n}`;

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
  if (state?.finishedAt !== undefined || state?.reason !== undefined) {
    const msg = state.error
      ? `${state.error.step}: ${state.error.syscall}${state.error.path && state.error.path !== '-' ? ` ${state.error.path}` : ''}: ${errnoCode(state.error.errno)}`
      : undefined;
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

/** Something is still running that `delete` must stop first. */
export function canStop(s: PodStatus): boolean {
  return s.anyProcessAlive;
}

/** Nothing of the pod runs any more: its dirs may be removed. */
export function canRemove(s: PodStatus): boolean {
  return !s.anyProcessAlive;
}

/** A running container that `exec`/`delete` may signal. */
export function isContainerRunning(c: ContainerStatus): boolean {
  return c.state.kind === 'running' && c.pid !== undefined;
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
    hostIP: snap.record.hostIP,
    podIP: snap.record.podIP,
    ...(snap.record.podIP ? { podIPs: [{ ip: snap.record.podIP }] } : {}),
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
