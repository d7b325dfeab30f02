// Pod records on disk: `<root>/pods/<key>/pod.json` (written by apply before the monitor starts),
// `monitor.json` and each container's `state.json` (written by the monitor). See docs/protocol.md.
import { readdirSync } from 'fs';
import { join } from 'path';
import { NotFoundError } from '../util/errors';
import { Paths, lastingPodDir, podKey } from '../util/paths';
import type { PlannedContainer, PodPlan } from '../plan/types';
import { readJsonIfExists, writeJsonAtomic } from './atomic';
import { isAlive, ProcessIdentity } from './proc';

/** A Kubernetes object as plain JSON (the applied manifest, after defaults). */
export type PodManifest = {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [k: string]: unknown };
  spec: Record<string, unknown> & { containers: Record<string, unknown>[] };
  [k: string]: unknown;
};

export interface PodRecord {
  apiVersion: 'podrun/v1';
  kind: 'PodRecord';
  uid: string;
  createdAt: string;
  sourceFile?: string;
  manifest: PodManifest;
  plan: PodPlan;
  hostIP?: string;
  podIP?: string;
  /** Set when `delete` starts: the pod shows as Terminating until it is gone. */
  deletionTimestamp?: string;
}

/** `<poddir>/monitor.json`, written by the monitor. */
export interface MonitorInfo {
  pid: number;
  startTime: number;
  pausePid?: number;
  pauseStartTime?: number;
}

/** A container's `state.json`, written by the monitor. */
export interface ContainerStateFile {
  pid?: number;
  startTime?: number;
  startedAt?: string;
  exitCode?: number;
  signal?: number | null;
  finishedAt?: string;
  reason?: string;
  error?: { step: string; syscall: string; errno: number; path?: string };
}

export const podRecordPath = (paths: Paths, key: string) => join(lastingPodDir(paths, key), 'pod.json');

export function readPodRecord(paths: Paths, key: string): PodRecord | undefined {
  try {
    return readJsonIfExists<PodRecord>(podRecordPath(paths, key));
  } catch {
    return undefined; // unreadable record: treated like a half-created pod (delete still cleans it)
  }
}

export function writePodRecord(paths: Paths, record: PodRecord): void {
  writeJsonAtomic(podRecordPath(paths, record.plan.key), record);
}

/** Keys of every pod dir, including half-created ones without a readable pod.json. */
export function listPodKeys(paths: Paths): string[] {
  try {
    return readdirSync(join(paths.root, 'pods'), { withFileTypes: true })
      .filter((d) => d.isDirectory() && d.name.includes('_'))
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
}

/** Every readable pod record, optionally of one namespace, sorted by namespace then name. */
export function listPodRecords(paths: Paths, namespace?: string): PodRecord[] {
  const out: PodRecord[] = [];
  for (const key of listPodKeys(paths)) {
    const r = readPodRecord(paths, key);
    if (r && (namespace === undefined || r.plan.namespace === namespace)) out.push(r);
  }
  return out.sort((a, b) => a.plan.namespace.localeCompare(b.plan.namespace) || a.plan.name.localeCompare(b.plan.name));
}

export function podNotFound(namespace: string, name: string): NotFoundError {
  return new NotFoundError(
    `Error from server (NotFound): pods "${name}" not found${namespace === 'default' ? '' : ` in namespace "${namespace}"`}`,
    `\`podrun get pods${namespace === 'default' ? '' : ` -n ${namespace}`}\` lists the pods${namespace === 'default' ? '' : ' in that namespace'}; other namespaces: \`podrun get pods -A\``,
  );
}

/** The record of pod NAME in NAMESPACE, or a NotFoundError naming it. */
export function findPod(paths: Paths, namespace: string, name: string): PodRecord {
  const r = readPodRecord(paths, podKey(namespace, name));
  if (!r) throw podNotFound(namespace, name);
  return r;
}

export function readMonitorInfo(plan: PodPlan): MonitorInfo | undefined {
  try {
    return readJsonIfExists<MonitorInfo>(join(plan.dirs.lasting, 'monitor.json'));
  } catch {
    return undefined;
  }
}

export function readContainerState(c: PlannedContainer): ContainerStateFile | undefined {
  try {
    return readJsonIfExists<ContainerStateFile>(c.dirs.stateFile);
  } catch {
    return undefined; // a torn write cannot happen (atomic rename); a bad file reads as unknown
  }
}

/** What is on disk and alive for one pod right now: the input of every status computation. */
export interface PodSnapshot {
  record: PodRecord;
  monitor?: MonitorInfo;
  monitorAlive: boolean;
  pauseAlive: boolean;
  containers: { plan: PlannedContainer; state?: ContainerStateFile; alive: boolean }[];
}

export function snapshotPod(record: PodRecord): PodSnapshot {
  const monitor = readMonitorInfo(record.plan);
  const pause: ProcessIdentity | undefined =
    monitor?.pausePid && monitor.pauseStartTime !== undefined ? { pid: monitor.pausePid, startTime: monitor.pauseStartTime } : undefined;
  return {
    record,
    monitor,
    monitorAlive: isAlive(monitor),
    pauseAlive: isAlive(pause),
    containers: record.plan.containers.map((plan) => {
      const state = readContainerState(plan);
      const alive =
        !!state && state.pid !== undefined && state.startTime !== undefined && state.finishedAt === undefined
          ? isAlive({ pid: state.pid, startTime: state.startTime })
          : false;
      return { plan, state, alive };
    }),
  };
}

/** The identity of a container's process if it is running now (pid + start time checked). */
export function liveContainerProcess(state: ContainerStateFile | undefined): ProcessIdentity | undefined {
  if (!state || state.pid === undefined || state.startTime === undefined || state.finishedAt !== undefined) return undefined;
  const id = { pid: state.pid, startTime: state.startTime };
  return isAlive(id) ? id : undefined;
}
