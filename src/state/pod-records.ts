// Pod records: `<root>/pods/<key>/pod.json`, written by apply (durably) and by delete (the
// deletion timestamp). What the monitor writes beside it is the helper's contract
// (runtime/helper/state-files.ts). A record holds the manifest as applied and the plan it was
// carried out with, so later commands read what the pod really got.
import { existsSync, readdirSync } from 'fs';
import { join } from 'path';
import { NotFoundError } from '../util/errors';
import { Paths, lastingPodDir, podKey } from '../util/paths';
import type { PodManifest } from '../manifest/schema';
import type { PodPlan } from '../plan/types';
import { makeDurable, readJsonIfExists, writeJsonAtomic } from './atomic';
import type { ProcessIdentity } from './proc';

export const POD_RECORD_VERSION = 'podrun/v2';

export interface PodRecord {
  apiVersion: typeof POD_RECORD_VERSION;
  kind: 'PodRecord';
  uid: string;
  createdAt: string;
  sourceFile?: string;
  manifest: PodManifest;
  plan: PodPlan;
  /** Set when `delete` starts: the pod shows as Terminating until it is gone. */
  deletionTimestamp?: string;
  /** The grace period that delete gave the pod (Kubernetes' metadata.deletionGracePeriodSeconds). */
  deletionGracePeriodSeconds?: number;
  /**
   * The containers an in-place re-apply is giving new definitions (runtime/reapply.ts), written
   * before the first `replace`: one cut short leaves them here, and the next apply restarts them
   * with its file's (whichever file: the monitor may run either definition by then).
   */
  replacing?: string[];
  /**
   * The `podrun apply` that wrote the record, which it does before it starts the pod's monitor:
   * while it lives and no monitor.json exists yet the pod is being created; once it is gone, the
   * apply was interrupted before the monitor started (runtime/pod-status.ts).
   */
  creator?: ProcessIdentity;
}

export const podRecordPath = (paths: Paths, key: string) => join(lastingPodDir(paths, key), 'pod.json');

type Json = Record<string, unknown>;

/** What the v1 helper applied to every container (its built-in defaults), for records it made. */
const V1_SECURITY = {
  capabilities: ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_NET_RAW', 'CAP_SYS_CHROOT', 'CAP_MKNOD', 'CAP_AUDIT_WRITE', 'CAP_SETFCAP'],
  devSizeBytes: 64 * 1024 * 1024,
  devices: [
    { path: '/dev/null', type: 'c', major: 1, minor: 3 },
    { path: '/dev/zero', type: 'c', major: 1, minor: 5 },
    { path: '/dev/full', type: 'c', major: 1, minor: 7 },
    { path: '/dev/random', type: 'c', major: 1, minor: 8 },
    { path: '/dev/urandom', type: 'c', major: 1, minor: 9 },
    { path: '/dev/tty', type: 'c', major: 5, minor: 0 },
  ],
  maskedPaths: ['/proc/asound', '/proc/acpi', '/proc/interrupts', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap'],
  readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
  readOnlyRootFilesystem: false,
  writableSysfs: false,
};

/**
 * A record written by podrun 0.1 (`podrun/v1`) in today's shape: renamed fields, and the security
 * settings its helper applied. Its users were resolved at start and not recorded: `user` stays
 * unset and what the manifest asked for is kept as `legacyUserRequest`, which exec resolves
 * against the image as podrun 0.1 did.
 */
export function upgradeV1Record(r: Json): PodRecord {
  const plan = (r.plan ?? {}) as Json;
  const dirs = (plan.dirs ?? {}) as Json;
  const containers = ((plan.containers ?? []) as Json[]).map((c) => {
    const cd = (c.dirs ?? {}) as Json;
    const { user: request, ...rest } = c;
    return {
      ...rest,
      legacyUserRequest: request,
      mounts: ((c.mounts as Json[]) ?? []).map((m) => ({ kind: 'dir', ...m })),
      security: JSON.parse(JSON.stringify(V1_SECURITY)),
      dirs: { upper: cd.upper, work: cd.work, rootfs: cd.rootfs, logDir: cd.logDir, stateFile: cd.state },
    };
  });
  const { specHash, ...planRest } = plan;
  const { hostIP, podIP, ...rest } = r;
  return {
    ...(rest as unknown as PodRecord),
    apiVersion: POD_RECORD_VERSION,
    plan: {
      ...(planRest as unknown as PodPlan),
      podIP: (podIP as string) ?? '127.0.0.1',
      deniedHostPaths: { all: [], devices: [] }, // checked in Node then, and only at the start
      sysctls: [],
      hostIP: (hostIP as string) ?? '',
      dirs: { lasting: dirs.pod as string, live: dirs.run as string, init: dirs.init as string, shm: dirs.shm as string },
      containers: containers as unknown as PodPlan['containers'],
      manifestHash: specHash as string,
    },
  };
}

export function readPodRecord(paths: Paths, key: string): PodRecord | undefined {
  let r: Json | undefined;
  try {
    r = readJsonIfExists<Json>(podRecordPath(paths, key));
    if (!r || r.kind !== 'PodRecord') return undefined;
    if (r.apiVersion === POD_RECORD_VERSION) return r as unknown as PodRecord;
    if (r.apiVersion === 'podrun/v1') return upgradeV1Record(r);
  } catch {
    /* unreadable record: treated like a half-created pod (delete still cleans it) */
  }
  return undefined;
}

/** `durable: false` for apply's first write, made durable (fsyncPodRecord) while the monitor starts. */
export function writePodRecord(paths: Paths, record: PodRecord, opts: { durable?: boolean } = {}): void {
  writeJsonAtomic(podRecordPath(paths, record.plan.key), record, 0o644, opts);
}

export function fsyncPodRecord(paths: Paths, key: string): void {
  makeDurable(podRecordPath(paths, key));
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

/** The record of pod NAME in NAMESPACE, or a NotFoundError naming it (or saying it has no record). */
export function findPod(paths: Paths, namespace: string, name: string): PodRecord {
  const key = podKey(namespace, name);
  const r = readPodRecord(paths, key);
  if (!r && existsSync(lastingPodDir(paths, key)))
    throw new NotFoundError(
      `pod "${name}" has no readable record (${podRecordPath(paths, key)}): an apply was interrupted before writing it`,
      `\`podrun delete pod ${name}${namespace === 'default' ? '' : ` -n ${namespace}`}\` removes what it left; \`podrun apply -f FILE\` creates the pod`,
    );
  if (!r) throw podNotFound(namespace, name);
  return r;
}

/**
 * Pods with a dir but no readable record (an apply killed while it made the dir), of one
 * namespace or all; `known`: records already read (not read again).
 */
export function podsWithoutRecord(paths: Paths, namespace?: string, known: PodRecord[] = []): { namespace: string; name: string; key: string }[] {
  const have = new Set(known.map((r) => r.plan.key));
  return listPodKeys(paths)
    .map((key) => ({ key, namespace: key.slice(0, key.indexOf('_')), name: key.slice(key.indexOf('_') + 1) }))
    .filter((p) => (namespace === undefined || p.namespace === namespace) && !have.has(p.key) && !readPodRecord(paths, p.key));
}

/** Image ids that pods use (their plans name them), each with the pods (`namespace/name`) using it. */
export function imagesInUse(paths: Paths): Map<string, string[]> {
  const used = new Map<string, string[]>();
  for (const key of listPodKeys(paths)) {
    const r = readPodRecord(paths, key);
    if (!r) continue;
    const pod = key.replace('_', '/');
    // each pod once per image, however many of its containers and image volumes use it
    const ids = [...(r.plan.initContainers ?? []), ...r.plan.containers, ...(r.plan.volumes ?? [])].map((x) => x.image?.imageId);
    for (const id of new Set(ids)) if (typeof id === 'string') used.set(id, [...(used.get(id) ?? []), pod]);
  }
  return used;
}
