// The files podrun-helper's monitor writes for Node (docs/protocol.md, "Files the monitor
// writes"): `<lasting>/monitor.json` and each container's `state.json`. Both carry the native
// protocol version; a file without one is from protocol 1, whose fields are the same.
import { join } from 'path';
import { readJsonIfExists } from '../../state/atomic';
import { NATIVE_PROTOCOL } from '../../util/native';
import type { ProcessIdentity } from '../../state/proc';
import { isAlive } from '../../state/proc';
import type { FailureRecord } from './failures';

export interface MonitorFile {
  version?: number;
  pid: number;
  startTime: number;
  pausePid?: number;
  pauseStartTime?: number;
  /** Set when a SIGTERM made the monitor stop the pod and exit; absent while it runs, and when it died. */
  stoppedAt?: string;
}

/** One ended instance of a container (protocol 8's `lastState`, and the terminated state). */
export interface TerminationRecord {
  exitCode?: number;
  signal?: number | null;
  /** Completed, Error, OOMKilled, or StartError (never ran: see `error`). */
  reason?: string;
  /** Which instance it was: its log is `logs/<c>/<restartCount>.log`. */
  restartCount?: number;
  pid?: number;
  startTime?: number;
  startedAt?: string;
  finishedAt?: string;
  error?: FailureRecord;
}

export interface ContainerStateFile extends TerminationRecord {
  version?: number;
  /** Protocol 8 (the supervising monitor): the kubelet's container state; absent before. */
  state?: 'waiting' | 'running' | 'terminated';
  /** Instances started - 1; the current instance's log is `<restartCount>.log`. */
  restartCount?: number;
  started?: boolean;
  ready?: boolean;
  /** state waiting: the kubelet's reason (ContainerCreating, PodInitializing, CrashLoopBackOff, RunContainerError, ...). */
  /** hookError: with PostStartHookError, what the postStart handler's run ended with. */
  waiting?: { reason: string; backoffMs?: number; error?: FailureRecord; hookError?: string };
  lastState?: TerminationRecord;
}

/** `<lasting>/status.json` (protocol 8): the pod's phase and conditions as the monitor's machine has them. */
export interface PodStatusFile {
  version?: number;
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  stopping?: boolean;
  deleting?: boolean;
  done?: boolean;
  /** The pod's own reason and message: `Evicted` by the local storage checks (docs/runtime.md). */
  reason?: string;
  message?: string;
  conditions: { type: string; status: 'True' | 'False'; reason?: string; containers?: string[]; lastTransitionTime?: string }[];
}

/** `<lasting>/events.json` (protocol 8): the monitor's events, deduplicated with counts (bounded). */
export interface EventsFile {
  version?: number;
  events: { type: 'Normal' | 'Warning'; reason: string; container: string; message: string; backoffMs?: number; count: number; firstTimestamp: string; lastTimestamp: string }[];
}

/**
 * Versions this code reads: the current one, 1 (no version field, same fields), and 3 to 7: the
 * same files, written before protocol 4 added the `userns` directive, 5 the `cgroup` one, 6
 * `pauseseccomp` and the addon's createHostPath, 7 the `apparmor` one, 8 the supervision
 * directives, 9 `configerror` and 10 `netgate` (a pod started before an upgrade stays readable).
 */
const readable = (v: unknown) => v === undefined || v === 1 || (typeof v === 'number' && v >= 3 && v <= 9) || v === NATIVE_PROTOCOL;

function readVersioned<T extends { version?: number }>(path: string): T | undefined {
  try {
    const v = readJsonIfExists<T>(path);
    return v && readable(v.version) ? v : undefined;
  } catch {
    return undefined; // a torn write cannot happen (atomic rename); a bad file reads as unknown
  }
}

export const monitorFilePath = (lastingDir: string) => join(lastingDir, 'monitor.json');

export function readMonitorFile(lastingDir: string): MonitorFile | undefined {
  return readVersioned<MonitorFile>(monitorFilePath(lastingDir));
}

export function readContainerStateFile(path: string): ContainerStateFile | undefined {
  return readVersioned<ContainerStateFile>(path);
}

export function readPodStatusFile(lastingDir: string): PodStatusFile | undefined {
  return readVersioned<PodStatusFile>(join(lastingDir, 'status.json'));
}

export function readEventsFile(lastingDir: string): EventsFile | undefined {
  return readVersioned<EventsFile>(join(lastingDir, 'events.json'));
}

/** The control socket of the pod's monitor (protocol 8). */
export const controlSocketPath = (lastingDir: string) => join(lastingDir, 'control.sock');

/** The monitor's and the pause process's identities, as far as the file names them. */
export function monitorProcesses(m: MonitorFile | undefined): { monitor?: ProcessIdentity; pause?: ProcessIdentity } {
  if (!m) return {};
  return {
    monitor: { pid: m.pid, startTime: m.startTime },
    ...(m.pausePid && m.pauseStartTime !== undefined ? { pause: { pid: m.pausePid, startTime: m.pauseStartTime } } : {}),
  };
}

/** The identity of a container's process if it is running now (pid + start time checked). */
export function liveContainerProcess(state: ContainerStateFile | undefined): ProcessIdentity | undefined {
  if (!state || state.pid === undefined || state.startTime === undefined || state.finishedAt !== undefined) return undefined;
  if (state.state !== undefined && state.state !== 'running') return undefined;
  const id = { pid: state.pid, startTime: state.startTime };
  return isAlive(id) ? id : undefined;
}

/** Whether the monitor that `<lastingDir>/monitor.json` names runs now (pid + start time checked). */
export function monitorRunning(lastingDir: string): boolean {
  return isAlive(monitorProcesses(readMonitorFile(lastingDir)).monitor);
}
