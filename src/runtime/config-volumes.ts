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
import { chmodSync, chownSync, existsSync, lchownSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, statfsSync, symlinkSync, unlinkSync, writeFileSync } from 'fs';
import { basename, dirname, join } from 'path';
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

/**
 * What podrun wrote into a volume last, kept at the tmpfs's root (which no container sees: each
 * binds its volume's own directory): the payload directory's name and the payload's digest. The
 * writer never reads a name back from the volume, where a container that may remount its bind
 * read-write (CAP_SYS_ADMIN with hostUsers true) could have put anything.
 */
interface VolumeState {
  ts: string;
  digest: string;
}
const stateFile = (dir: string) => join(dirname(dir), '.state', `${basename(dir)}.json`);
const stagingDir = (dir: string) => join(dirname(dir), '.staging');

function payloadDigest(payload: PayloadFile[], fsGroup: number | undefined): string {
  // node:crypto only here (it costs every CLI start-up ~8 ms: util/sha256.ts)
  const h = (require('crypto') as typeof import('crypto')).createHash('sha256').update(JSON.stringify(fsGroup ?? null));
  for (const f of payload) h.update(`\0${f.path}\0${f.mode}\0${f.data.length}\0`).update(f.data);
  return h.digest('hex');
}

function readState(dir: string): VolumeState | undefined {
  try {
    const st = JSON.parse(readFileSync(stateFile(dir), 'utf8')) as VolumeState;
    return typeof st.ts === 'string' && TS_NAME.test(st.ts) && typeof st.digest === 'string' ? st : undefined;
  } catch {
    return undefined;
  }
}

const TS_NAME = /^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.\d{9}$/;

/**
 * Writes PAYLOAD into DIR (made if missing) the AtomicWriter's way; nothing when DIR already holds
 * it. The new payload directory is built in a staging directory beside the volumes (no container
 * can reach it), then renamed into DIR, then `..data` swapped: no file is ever made through a path
 * inside the volume, and what podrun removes there (the old payload directory, links no longer in
 * the payload) it names from its own state, removed without following a symlink. Returns whether
 * it changed anything.
 */
export function writeAtomic(dir: string, payload: PayloadFile[], fsGroup?: number): boolean {
  const digest = payloadDigest(payload, fsGroup);
  const before = readState(dir);
  if (before?.digest === digest && existsSync(join(dir, before.ts))) return false;
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  chmodSync(dir, dirMode(fsGroup));
  if (fsGroup !== undefined) chownSync(dir, 0, fsGroup);
  ensureRoom(dirname(dir), payload.reduce((n, f) => n + f.data.length + 4096, 0));
  mkdirSync(stagingDir(dir), { recursive: true, mode: 0o700 });
  mkdirSync(dirname(stateFile(dir)), { recursive: true, mode: 0o700 });
  const ts = timestampName();
  const staged = join(stagingDir(dir), `${basename(dir)}${ts}`);
  try {
    mkdirSync(staged, { mode: 0o700 });
    for (const f of payload) {
      const full = join(staged, f.path);
      for (let d = dirname(full); d !== staged; d = dirname(d)) mkdirSync(d, { recursive: true, mode: 0o700 });
      writeFileSync(full, f.data, { mode: 0o600, flag: 'wx' });
      if (fsGroup !== undefined) chownSync(full, 0, fsGroup);
      chmodSync(full, fileMode(f.mode, fsGroup));
    }
    // directories last, deepest first: their modes (0755, or setgid with fsGroup) once all is in
    const dirs = new Set<string>();
    for (const f of payload) for (let d = dirname(join(staged, f.path)); d !== staged; d = dirname(d)) dirs.add(d);
    for (const d of [...dirs, staged].sort((a, b) => b.length - a.length)) {
      if (fsGroup !== undefined) chownSync(d, 0, fsGroup);
      chmodSync(d, dirMode(fsGroup));
    }
    renameSync(staged, join(dir, ts)); // a name no one else makes: the rename fails rather than replace something
  } catch (e) {
    removeTree(staged);
    throw e;
  }
  // ..data swapped by rename: a reader sees the old payload or the new one, whole
  const tmpLink = join(dir, `..data_tmp`);
  unlinkQuiet(tmpLink);
  symlinkSync(ts, tmpLink);
  if (fsGroup !== undefined) lchownSync(tmpLink, 0, fsGroup);
  renameSync(tmpLink, join(dir, '..data'));
  writeFileSync(stateFile(dir), JSON.stringify({ ts, digest } satisfies VolumeState), { mode: 0o600 });
  // the user-visible names: one link per top-level name; links no longer in the payload go
  const top = new Set(payload.map((f) => f.path.split('/')[0]));
  for (const name of top) {
    if (lstatQuiet(join(dir, name))) continue;
    symlinkSync(`..data/${name}`, join(dir, name));
    if (fsGroup !== undefined) lchownSync(join(dir, name), 0, fsGroup);
  }
  for (const name of readdirSync(dir)) {
    if (name.startsWith('..') || top.has(name)) continue;
    if (lstatQuiet(join(dir, name))?.isSymbolicLink()) unlinkQuiet(join(dir, name));
  }
  if (before && before.ts !== ts) removeTree(join(dir, before.ts));
  return true;
}

const TMPFS_MAGIC = 0x01021994;

/** The pod's config tmpfs grows when a payload would not fit (a Secret of 1 MiB mapped to many items). */
export function ensureRoom(root: string, bytes: number, ops: () => Native = native): void {
  let st: ReturnType<typeof statfsSync>;
  try {
    st = statfsSync(root);
  } catch {
    return;
  }
  if (st.type !== TMPFS_MAGIC || st.bavail * st.bsize >= bytes * 2) return;
  const used = (st.blocks - st.bfree) * st.bsize;
  ops().mountTmpfs(root, used + bytes * 2 + 1024 * 1024, true);
}

const lstatQuiet = (p: string) => {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
};
const unlinkQuiet = (p: string) => {
  try {
    unlinkSync(p);
  } catch (e) {
    if (!isErrno(e, 'ENOENT')) throw e;
  }
};

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
  const release = lockObjects(paths);
  const undo = () => void ops.unmount(dir);
  try {
    ops.mountTmpfs(dir, configTmpfsBytes(plan));
  } catch (e) {
    release();
    throw e;
  }
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
  const mounted = new Set(parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8')).map((m) => m.point));
  for (const ns of new Set(changed.map((c) => c.namespace))) {
    const names = new Set(changed.filter((c) => c.namespace === ns).map((c) => `${c.kind}/${c.name}`));
    for (const r of listPodRecords(paths, ns)) {
      const dir = r.plan.dirs.config;
      if (!dir || r.deletionTimestamp || !mounted.has(dir)) continue;
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


/** Unmounts every mount stacked on DIR (normally one): the config tmpfs, an image volume's overlay. */
export function unmountStacked(dir: string, ops: Native = native()): void {
  for (let i = 0; i < 16 && ops.unmount(dir); i++);
}
