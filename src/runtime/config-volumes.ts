// Writing configMap, secret, downwardAPI and projected volumes, as the kubelet does. Each pod with
// one gets a tmpfs of its own (`plan.dirs.config`, below its run dir, 0700, in the host's mount
// namespace: the kubelet mounts one per secret volume under its pod dir), so a Secret's bytes
// never reach a disk; each volume is a directory on it, bound read-only into the containers.
//
// A volume is written with the kubelet's AtomicWriter layout (pkg/volume/util/atomic_writer.go):
//   VOLUME/..2026_12_06_21_30_00.123456789/KEY   the files, in a timestamped directory
//   VOLUME/..data -> ..2026_12_06_...            swapped by rename(2): readers see old or new
//   VOLUME/KEY -> ..data/KEY                     one link per top-level name
// so re-applying a ConfigMap or Secret changes every mounted copy at once, without a restart (a
// subPath mount binds one file and keeps it, as in Kubernetes). Paths were validated (relative,
// no "..", not starting with ".."), and only podrun writes here: no container can reach the
// directory (it is bound read-only) and no name in it comes from a container. podman's
// CVE-2025-9566 wrote a volume's files through a symlink in the container's image onto the host;
// here nothing is ever written at a container's path.
import { chmodSync, chownSync, lchownSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';
import { objectData } from './object-data';
import type { PlannedVolume, PodPlan } from '../plan/types';
import { lockObjects } from '../state/objects';
import { listPodRecords } from '../state/pod-records';
import { parseMountinfo } from '../util/mountinfo';
import { isErrno, PodrunError } from '../util/errors';
import type { Paths } from '../util/paths';
import { removeTree } from '../util/remove-tree';

/** One file of a volume: relative path, bytes, mode. */
export interface PayloadFile {
  path: string;
  data: Buffer;
  mode: number;
}

const SERVICE_ACCOUNT_NOTE = 'podrun runs this pod without a Kubernetes API server: there is no service account token\n';
/** What a config volume holds now, from the store; a required object or key that is gone is an error. */
export function volumePayload(paths: Paths, namespace: string, v: PlannedVolume): PayloadFile[] {
  const cfg = v.config!;
  const files = new Map<string, PayloadFile>();
  const put = (path: string, data: Buffer, mode: number | undefined) => files.set(path, { path, data, mode: mode ?? cfg.defaultMode });
  for (const s of cfg.sources) {
    if (s.kind === 'DownwardAPI') for (const f of s.files) put(f.path, Buffer.from(f.value, 'utf8'), f.mode);
    else if (s.kind === 'ServiceAccountToken') put(s.path, Buffer.from(SERVICE_ACCOUNT_NOTE), undefined);
    else {
      const data = objectData(paths, s.kind, namespace, s.name);
      const what = `${s.kind === 'ConfigMap' ? 'configmap' : 'secret'} "${s.name}"`;
      if (!data) {
        if (s.optional) continue;
        throw new PodrunError(`volume "${v.name}": ${what} not found`, `apply the ${s.kind} (it may be in the same files as the pod), or set optional: true`);
      }
      if (!s.items) for (const [k, d] of data) put(k, d, undefined);
      else
        for (const it of s.items) {
          const d = data.get(it.key);
          if (d) put(it.path, d, it.mode);
          else if (!s.optional) throw new PodrunError(`volume "${v.name}": ${what} has no key "${it.key}"`, `add the key to the ${s.kind}, or set optional: true`);
        }
    }
  }
  return [...files.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The kubelet's `..2006_01_02_15_04_05.NNNNNNNNN` name of a payload directory. */
function timestampName(now = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const ns = p(now.getUTCMilliseconds(), 3) + p(Number(process.hrtime.bigint() % 1000000n), 6);
  return `..${now.getUTCFullYear()}_${p(now.getUTCMonth() + 1)}_${p(now.getUTCDate())}_${p(now.getUTCHours())}_${p(now.getUTCMinutes())}_${p(now.getUTCSeconds())}.${ns}`;
}

const fileMode = (mode: number, fsGroup: number | undefined) => (fsGroup !== undefined ? mode | 0o440 : mode);
/** SetVolumeOwnership's read-only masks: a file gets the group's read, a directory also setgid and search. */
const dirMode = (fsGroup: number | undefined) => (fsGroup !== undefined ? 0o2755 : 0o755);

/** The payload as the directory holds it now (paths, bytes, modes), or undefined when it differs in any file. */
function sameAsWritten(tsDir: string, payload: PayloadFile[], fsGroup: number | undefined): boolean {
  const want = new Map(payload.map((f) => [f.path, f]));
  let seen = 0;
  const walk = (rel: string): boolean => {
    for (const e of readdirSync(join(tsDir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!walk(r)) return false;
        continue;
      }
      const f = want.get(r);
      if (!f || !e.isFile()) return false;
      const st = lstatSync(join(tsDir, r));
      if ((st.mode & 0o7777) !== fileMode(f.mode, fsGroup) || (fsGroup !== undefined && st.gid !== fsGroup) || !readFileSync(join(tsDir, r)).equals(f.data)) return false;
      seen++;
    }
    return true;
  };
  try {
    return walk('') && seen === want.size;
  } catch {
    return false;
  }
}

/**
 * Writes PAYLOAD into DIR (made if missing) the AtomicWriter's way; nothing when DIR already
 * holds exactly it. Returns whether it changed anything.
 */
export function writeAtomic(dir: string, payload: PayloadFile[], fsGroup?: number): boolean {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  chmodSync(dir, dirMode(fsGroup));
  if (fsGroup !== undefined) chownSync(dir, 0, fsGroup);
  let old: string | undefined;
  try {
    old = readlinkSync(join(dir, '..data'));
  } catch (e) {
    if (!isErrno(e, 'ENOENT')) throw e;
  }
  if (old && sameAsWritten(join(dir, old), payload, fsGroup)) return false;
  const ts = timestampName();
  const tsDir = join(dir, ts);
  mkdirSync(tsDir, { mode: 0o755 });
  chmodSync(tsDir, dirMode(fsGroup));
  for (const f of payload) {
    const full = join(tsDir, f.path);
    for (let d = dirname(full); d !== tsDir && d.startsWith(tsDir); d = dirname(d)) {
      mkdirSync(d, { recursive: true, mode: 0o755 });
      chmodSync(d, dirMode(fsGroup));
      if (fsGroup !== undefined) chownSync(d, 0, fsGroup);
    }
    writeFileSync(full, f.data, { mode: 0o600, flag: 'wx' }); // wx: never through a name that is there
    if (fsGroup !== undefined) chownSync(full, 0, fsGroup);
    chmodSync(full, fileMode(f.mode, fsGroup));
  }
  if (fsGroup !== undefined) chownSync(tsDir, 0, fsGroup);
  // ..data swapped by rename: a reader sees the old payload or the new one, whole
  const tmpLink = join(dir, '..data_tmp');
  rmSync(tmpLink, { force: true });
  symlinkSync(ts, tmpLink);
  if (fsGroup !== undefined) lchownSync(tmpLink, 0, fsGroup);
  renameSync(tmpLink, join(dir, '..data'));
  // the user-visible names: one link per top-level name; links no longer in the payload go
  const top = new Set(payload.map((f) => f.path.split('/')[0]));
  for (const name of top) {
    try {
      lstatSync(join(dir, name));
    } catch {
      symlinkSync(`..data/${name}`, join(dir, name));
      if (fsGroup !== undefined) lchownSync(join(dir, name), 0, fsGroup);
    }
  }
  for (const name of readdirSync(dir)) {
    if (name.startsWith('..') || top.has(name)) continue;
    unlinkSync(join(dir, name));
  }
  if (old && old !== ts && /^\.\.\d{4}_/.test(old)) removeTree(join(dir, old));
  return true;
}

/** tmpfs size for a pod's config volumes: each object is at most 1 MiB, and a swap holds two payloads. */
export function configTmpfsBytes(plan: PodPlan): number {
  const sources = plan.volumes.reduce((n, v) => n + (v.config?.sources.length ?? 0), 0);
  return (4 * sources + 1) * 1024 * 1024;
}

type Native = Pick<import('../util/native').PodrunNative, 'mountTmpfs' | 'unmount'>;
const native = (): Native => (require('../util/native') as typeof import('../util/native')).native();

/**
 * Mounts the pod's config tmpfs (when its plan has config volumes) and writes every config
 * volume; returns the undo (unmount). An object that is gone, or a key, fails it.
 */
export function prepareConfigVolumes(paths: Paths, plan: PodPlan, ops: Native = native()): () => void {
  const dir = plan.dirs.config;
  if (!dir) return () => {};
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  ops.mountTmpfs(dir, configTmpfsBytes(plan));
  const undo = () => void ops.unmount(dir);
  const release = lockObjects(paths);
  try {
    for (const v of plan.volumes) if (v.kind === 'config') writeAtomic(v.source, volumePayload(paths, plan.namespace, v), v.fsGroup);
  } catch (e) {
    undo();
    throw e;
  } finally {
    release();
  }
  return undo;
}

/**
 * After objects of NAMESPACE changed (the store's lock held): every config volume of a pod of it
 * that projects one of them is rewritten in place, atomically; the running containers see the new
 * files without a restart. A volume whose new payload cannot be made (a key it needs is gone)
 * keeps its files, with a warning, as the kubelet keeps a mount it cannot update.
 */
export function updateMountedCopies(paths: Paths, changed: { kind: 'ConfigMap' | 'Secret'; namespace: string; name: string }[]): string[] {
  const warnings: string[] = [];
  for (const ns of new Set(changed.map((c) => c.namespace))) {
    const names = new Set(changed.filter((c) => c.namespace === ns).map((c) => `${c.kind}/${c.name}`));
    for (const r of listPodRecords(paths, ns)) {
      const dir = r.plan.dirs.config;
      if (!dir || r.deletionTimestamp || !isMountPoint(dir)) continue;
      for (const v of r.plan.volumes) {
        if (v.kind !== 'config' || !v.config!.sources.some((s) => (s.kind === 'ConfigMap' || s.kind === 'Secret') && names.has(`${s.kind}/${s.name}`))) continue;
        try {
          writeAtomic(v.source, volumePayload(paths, ns, v), v.fsGroup);
        } catch (e) {
          warnings.push(`pod/${r.plan.name}: volume "${v.name}" not updated: ${(e as Error).message.replace(/^volume "[^"]*": /, '')}`);
        }
      }
    }
  }
  return warnings;
}

/** DIR is itself a mount point in this mount namespace (the config tmpfs is mounted). */
function isMountPoint(dir: string): boolean {
  return parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8')).some((m) => m.point === dir);
}

/** Unmounts the pod's config tmpfs if it is mounted (delete, and the clean-up of a failed apply). */
export function unmountConfigVolumes(configDir: string | undefined, ops: Native = native()): void {
  if (configDir) ops.unmount(configDir);
}
