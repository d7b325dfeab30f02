// The ranges of host ids given to pods with `hostUsers: false` (docs/security.md, "User
// namespaces"), as the kubelet's userns manager hands them out: each pod gets one slot of 65536
// ids, slots never overlap, a pod keeps its slot while it exists (a re-apply too) and delete frees
// it.
//
// Host ids are a host-wide resource, so the allocation is too: one registry for every podrun root
// on the machine, `/run/podrun/userns/allocations.json` (PODRUN_USERNS_DIR moves it), changed only
// under the flock of `lock` beside it, held for one read-modify-write. A slot is in use when
//  - the registry gives it to a pod of any root: this is what covers the time between a slot
//    being handed out and the pod's monitor writing its uid_map, which no look at the kernel can
//    see (two roots allocating at the same instant would otherwise both take the lowest free one);
//  - or a live user namespace on the host maps any of its ids (the kernel's truth: another root's
//    pod whatever the registry says, podman, other runtimes, anything);
//  - or /etc/subuid or /etc/subgid gives it to another user (the pool's `excluded`).
// The registry lives in /run as the kubelet keeps its map in memory: after a reboot no user
// namespace is left, and each pod's range is in its record (pod.json, `plan.userNamespace`), so
// the first allocation of a root adds that root's pods from their records (the kubelet reads its
// pod dirs on start). A registry that is lost or unreadable is rebuilt the same way, with a
// warning; running pods of roots not read yet stay safe through the scan of the kernel.
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, unlinkSync } from 'fs';
import { join } from 'path';
import type { PlannedUserNamespace } from '../plan/types';
import { isErrno } from '../util/errors';
import { lastingPodDir, usernsHostDir, type Paths } from '../util/paths';
import { writeJsonAtomic } from './atomic';
import { podLockHeld, type FlockOps } from './lock';
import { listPodKeys, readPodRecord } from './pod-records';

/** Where ranges come from: slots of `length` ids in [first, first + count * length). */
export interface UserNamespacePool {
  first: number;
  /** Ids per pod (65536). */
  length: number;
  /** Number of slots. */
  count: number;
  /** Host id ranges no slot may overlap (other users' /etc/subuid and /etc/subgid ranges). */
  excluded: IdRange[];
  /** Where the pool was configured, for messages. */
  source: string;
}

export interface IdRange {
  start: number;
  length: number;
}

/** A user namespace some process on the host is in: its inode, one of its pids, its maps in host ids. */
export interface LiveUserNamespace {
  ino: number;
  pid: number;
  uid: IdRange[];
  gid: IdRange[];
}

/** What the allocation needs from the host; tests pass fakes. */
export interface UsernsHost extends FlockOps {
  /** The user namespaces of the host's processes, but the caller's own (scanUserNamespaces). */
  scan(): LiveUserNamespace[];
  /** The inode of the user namespace pod `key` of root `paths` is in now (its pause runs), if any. */
  podNamespace(paths: Paths, key: string): number | undefined;
  warn(message: string): void;
}

interface PodSlot {
  uid: string;
  hostId: number;
  length: number;
}

interface Registry {
  version: 1;
  /** Every root whose pods are in the registry, with their slots. */
  roots: Record<string, { runRoot: string; pods: Record<string, PodSlot> }>;
}

export const usernsRegistryPath = (paths: Paths) => join(usernsHostDir(paths), 'allocations.json');
const lockPath = (paths: Paths) => join(usernsHostDir(paths), 'lock');

const LOCK_EX = 2;

function defaultHost(): UsernsHost {
  return {
    flock: (fd, op) => (require('../util/native') as typeof import('../util/native')).native().flock(fd, op),
    scan: () => scanUserNamespaces(),
    podNamespace: () => undefined, // callers that allocate say (UsernsHostOps)
    warn: (m) => (require('../util/diagnostics') as typeof import('../util/diagnostics')).log().warn(m),
  };
}

// ---------------------------------------------------------------------------------------------
// The kernel's view: /proc/PID/uid_map and gid_map of every user namespace that has a process.

/** `inside outside count` lines; the outside ids are the reader's (the host's, for podrun). */
export function parseIdMap(text: string): IdRange[] {
  const out: IdRange[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length !== 3) continue;
    const [start, length] = [Number(f[1]), Number(f[2])];
    if (Number.isSafeInteger(start) && Number.isSafeInteger(length) && length > 0) out.push({ start, length });
  }
  return out;
}

const nsInode = (link: string) => {
  const m = /^user:\[(\d+)\]$/.exec(link);
  return m ? Number(m[1]) : undefined;
};

/**
 * Every user namespace a process of this PID namespace is in, once each (by the inode
 * /proc/PID/ns/user names), with its maps in host ids; the caller's own namespace (the initial one:
 * its map is the identity) is left out, and so is a process that exits while it is read. A
 * namespace whose maps are not written yet maps nothing. One readlink per process and two small
 * reads per namespace (docs/security.md has the cost).
 */
export function scanUserNamespaces(proc = '/proc'): LiveUserNamespace[] {
  let self: number | undefined;
  try {
    self = nsInode(readlinkSync(join(proc, 'self', 'ns', 'user')));
  } catch {
    self = undefined;
  }
  const seen = new Set<number>();
  const out: LiveUserNamespace[] = [];
  let names: string[];
  try {
    names = readdirSync(proc);
  } catch {
    return out;
  }
  for (const name of names) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue; // not a pid
    let ino: number | undefined;
    try {
      ino = nsInode(readlinkSync(`${proc}/${name}/ns/user`));
    } catch {
      continue; // gone, or a kernel thread
    }
    if (ino === undefined || ino === self || seen.has(ino)) continue;
    let uid: IdRange[], gid: IdRange[];
    try {
      uid = parseIdMap(readFileSync(`${proc}/${name}/uid_map`, 'latin1'));
      gid = parseIdMap(readFileSync(`${proc}/${name}/gid_map`, 'latin1'));
    } catch {
      continue; // exited meanwhile: another process of the namespace may still be read
    }
    seen.add(ino);
    const identity = (r: IdRange[]) => r.length === 1 && r[0].start === 0 && r[0].length === 4294967295;
    if (identity(uid) && identity(gid)) continue; // a namespace mapping the whole of the host's
    out.push({ ino, pid: Number(name), uid, gid });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The slot choice, pure.

const overlaps = (a: IdRange, b: IdRange) => a.start < b.start + b.length && b.start < a.start + a.length;

/** The host ranges a live namespace uses: its uid and its gid map (podrun maps both alike). */
const liveRanges = (ns: LiveUserNamespace) => [...ns.uid, ...ns.gid];

/**
 * The lowest slot of `pool` that overlaps no range in `recorded` (the registry's), `live` (mapped
 * by running user namespaces) or `pool.excluded`; else why there is none, counting the slots each
 * kind of use takes (in that order).
 */
export function chooseSlot(pool: UserNamespacePool, taken: { recorded: IdRange[]; live: IdRange[] }): { hostId: number } | { unavailable: string } {
  const all = [...taken.recorded, ...taken.live, ...pool.excluded].filter((r) => r.length > 0).sort((a, b) => a.start - b.start);
  const end = pool.first + pool.count * pool.length;
  let hostId = pool.first;
  for (const r of all) {
    if (hostId >= end) break;
    if (r.start >= hostId + pool.length) break; // sorted: this slot is free
    const rEnd = r.start + r.length;
    // r overlaps this slot (or lies before it): the next candidate is the first slot after it
    if (rEnd > hostId) hostId = pool.first + Math.ceil((rEnd - pool.first) / pool.length) * pool.length;
  }
  if (hostId < end) return { hostId };
  let byPods = 0;
  let byLive = 0;
  for (let i = 0; i < pool.count; i++) {
    const slot = { start: pool.first + i * pool.length, length: pool.length };
    if (taken.recorded.some((r) => overlaps(slot, r))) byPods++;
    else if (taken.live.some((r) => overlaps(slot, r))) byLive++;
  }
  const byExcluded = pool.count - byPods - byLive;
  return {
    unavailable:
      `all ${pool.count} ranges of ${pool.length} host ids from ${pool.first} (${pool.source}) are taken: ${byPods} by pods` +
      (byLive ? `, ${byLive} by other user namespaces running on the host` : '') +
      (byExcluded ? `, the others overlap /etc/subuid or /etc/subgid ranges of other users` : ''),
  };
}

// ---------------------------------------------------------------------------------------------
// The registry.

const isSlot = (v: unknown): v is PodSlot => {
  const s = v as PodSlot;
  return !!s && typeof s === 'object' && typeof s.uid === 'string' && Number.isSafeInteger(s.hostId) && Number.isSafeInteger(s.length) && s.length > 0;
};

/** The registry as read, or why it is not usable. */
function parseRegistry(text: string): Registry | { bad: string } {
  let v: Registry;
  try {
    v = JSON.parse(text) as Registry;
  } catch (e) {
    return { bad: `not JSON (${(e as Error).message})` };
  }
  if (!v || typeof v !== 'object' || v.version !== 1 || !v.roots || typeof v.roots !== 'object') return { bad: 'not a version 1 registry' };
  for (const [root, r] of Object.entries(v.roots))
    if (!r || typeof r.runRoot !== 'string' || !r.pods || typeof r.pods !== 'object' || !Object.values(r.pods).every(isSlot)) return { bad: `a bad entry for ${root}` };
  return v;
}

/** The registry; `lost` says why it was rebuilt (unreadable, or gone while its lock file stayed). */
function readRegistry(paths: Paths, lockExisted: boolean): { reg: Registry; lost?: string } {
  const empty = (): Registry => ({ version: 1, roots: {} });
  let text: string;
  try {
    text = readFileSync(usernsRegistryPath(paths), 'utf8');
  } catch (e) {
    if (!isErrno(e, 'ENOENT')) return { reg: empty(), lost: `could not be read (${(e as Error).message})` };
    return lockExisted ? { reg: empty(), lost: 'was missing' } : { reg: empty() };
  }
  const r = parseRegistry(text);
  return 'bad' in r ? { reg: empty(), lost: `could not be read (${r.bad})` } : { reg: r };
}

/** Reads without the lock (and without a warning): for the dry run, release's first look and describe. */
function peekRegistry(paths: Paths): Registry {
  try {
    return readRegistry(paths, false).reg;
  } catch {
    return { version: 1, roots: {} };
  }
}

function withRegistry<T>(paths: Paths, host: UsernsHost, fn: (reg: Registry, lost: string | undefined) => { result: T; changed: boolean }): T {
  const dir = usernsHostDir(paths);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const lockExisted = existsSync(lockPath(paths));
  const fd = openSync(lockPath(paths), 'a', 0o600);
  try {
    host.flock(fd, LOCK_EX /* short, so waiting is fine */);
    const { reg, lost } = readRegistry(paths, lockExisted);
    const { result, changed } = fn(reg, lost);
    if (changed) writeJsonAtomic(usernsRegistryPath(paths), reg, 0o600);
    return result;
  } finally {
    closeSync(fd); // releases the flock
  }
}

/** Every slot the registry gives to a pod, of any root. */
const slotsOf = (reg: Registry): IdRange[] => Object.values(reg.roots).flatMap((r) => Object.values(r.pods).map((s) => ({ start: s.hostId, length: s.length })));

/**
 * A live namespace other than pod `key`'s own that uses ids of `range`, or undefined. The pod's
 * own is the one its pause is in (asked only when something overlaps: one stat).
 */
function foreignUse(range: IdRange, live: LiveUserNamespace[], own: () => number | undefined): LiveUserNamespace | undefined {
  const users = live.filter((ns) => liveRanges(ns).some((r) => overlaps(r, range)));
  if (!users.length) return undefined;
  const mine = own();
  return users.find((ns) => ns.ino !== mine);
}

/**
 * The first allocation of a root (since the registry was made: after a reboot, or a loss) adds
 * that root's pods from their records, as the kubelet reads its pod dirs when it starts: a range
 * is kept when no other pod in the registry has it and no namespace but the pod's own uses it.
 * Returns how many were added, or undefined when the root was there already.
 */
function adoptRoot(reg: Registry, paths: Paths, live: LiveUserNamespace[], host: UsernsHost, mutate: boolean): number | undefined {
  if (reg.roots[paths.root]) return undefined;
  const pods: Record<string, PodSlot> = {};
  reg.roots[paths.root] = { runRoot: paths.runRoot, pods };
  let added = 0;
  for (const key of listPodKeys(paths)) {
    const r = readPodRecord(paths, key);
    const u = r?.plan.userNamespace;
    if (!r || !u) continue;
    const range = { start: u.hostId, length: u.length };
    if (slotsOf(reg).some((s) => overlaps(s, range))) continue;
    if (foreignUse(range, live, () => host.podNamespace(paths, key))) continue;
    pods[key] = { uid: r.uid, hostId: u.hostId, length: u.length };
    added++;
  }
  // What podrun before the host-wide registry kept per root: its pods are in their records.
  if (mutate)
    for (const old of [join(paths.root, 'userns.json'), join(paths.runRoot, 'locks', 'userns.lock')])
      try {
        unlinkSync(old);
      } catch {
        /* not there */
      }
  return added;
}

/**
 * Entries left by an apply that died before it made its pod (no pod dir, and nobody holds the
 * pod lock: an apply under way does) and those of roots that are gone: their slots are free again.
 */
function reclaimStale(reg: Registry, paths: Paths, except: string, host: FlockOps): boolean {
  let changed = false;
  for (const [root, r] of Object.entries(reg.roots)) {
    if (root !== paths.root && !existsSync(root)) {
      delete reg.roots[root];
      changed = true;
      continue;
    }
    for (const key of Object.keys(r.pods)) {
      if ((root === paths.root && key === except) || existsSync(lastingPodDir({ root, runRoot: r.runRoot }, key))) continue;
      if (podLockHeld({ runRoot: r.runRoot }, key, host)) continue;
      delete r.pods[key];
      changed = true;
    }
  }
  return changed;
}

const describeUse = (ns: LiveUserNamespace) => `the user namespace of process ${ns.pid} (uid_map ${ns.uid.map((r) => `${r.start}+${r.length}`).join(',') || 'empty'})`;

type Reserved = { range: PlannedUserNamespace; fresh: boolean } | { unavailable: string };

/**
 * The allocation for pod `key` of `paths` in `reg`, changed in place: under the lock (`mutate`,
 * reserve) or on a copy read without it (peek, which touches nothing else either).
 */
function allocate(reg: Registry, paths: Paths, key: string, podUid: string, pool: UserNamespacePool, host: UsernsHost, opts: { mutate: boolean; lost?: string }): { result: Reserved; changed: boolean } {
  const live = host.scan();
  const added = adoptRoot(reg, paths, live, host, opts.mutate);
  if (opts.lost)
    host.warn(
      `${usernsRegistryPath(paths)} ${opts.lost}: rebuilt from the pod records of ${paths.root} (${added ?? 0} ranges) and the user namespaces running on the host; other podrun roots' pods are added when those roots next allocate`,
    );
  let changed = added !== undefined || opts.lost !== undefined;
  const here = reg.roots[paths.root];
  if (here.runRoot !== paths.runRoot) {
    here.runRoot = paths.runRoot; // where its pod locks are, for reclaimStale
    changed = true;
  }
  const pods = here.pods;
  const mine = pods[key];
  if (mine && mine.length === pool.length) {
    const range = { start: mine.hostId, length: mine.length };
    const clash = foreignUse(range, live, () => host.podNamespace(paths, key));
    if (!clash) return { result: { range: { hostId: mine.hostId, length: mine.length }, fresh: false }, changed };
    host.warn(`pod ${key}: its host ids ${mine.hostId}-${mine.hostId + mine.length - 1} are used by ${describeUse(clash)} too; it gets another range`);
  }
  if (mine) {
    delete pods[key];
    changed = true;
  }
  if (opts.mutate && reclaimStale(reg, paths, key, host)) changed = true;
  const r = chooseSlot(pool, { recorded: slotsOf(reg), live: live.flatMap(liveRanges) });
  if ('unavailable' in r) return { result: r, changed };
  pods[key] = { uid: podUid, hostId: r.hostId, length: pool.length };
  return { result: { range: { hostId: r.hostId, length: pool.length }, fresh: true }, changed: true };
}

/** What the caller must say (which namespace is a pod's own is the helper's to know); the rest has defaults. */
export type UsernsHostOps = Pick<UsernsHost, 'podNamespace'> & Partial<UsernsHost>;

/** The range pod `key` has, or a new one recorded for it (fresh: true); `unavailable` when none is left. */
export function reserveUserNamespace(paths: Paths, key: string, podUid: string, pool: UserNamespacePool, host: UsernsHostOps): Reserved {
  const h = { ...defaultHost(), ...host };
  return withRegistry(paths, h, (reg, lost) => allocate(reg, paths, key, podUid, pool, h, { mutate: true, lost }));
}

/** What reserveUserNamespace would give, changing nothing (`apply --dry-run`; no lock, no root needed). */
export function peekUserNamespace(paths: Paths, key: string, pool: UserNamespacePool, host: UsernsHostOps): PlannedUserNamespace | { unavailable: string } {
  const h = { ...defaultHost(), ...host, warn: () => undefined };
  const { result } = allocate(peekRegistry(paths), paths, key, '', pool, h, { mutate: false });
  return 'unavailable' in result ? result : result.range;
}

/** Frees pod `key`'s range (nothing when it has none). */
export function releaseUserNamespace(paths: Paths, key: string, host: Partial<UsernsHost> = {}): void {
  if (!peekRegistry(paths).roots[paths.root]?.pods[key]) return;
  // A registry found lost here is left for the next reservation to rebuild (and say so).
  withRegistry(paths, { ...defaultHost(), ...host }, (reg) => {
    const pods = reg.roots[paths.root]?.pods;
    const had = !!pods && key in pods;
    if (had) delete pods[key];
    return { result: undefined, changed: had };
  });
}

/** Every allocation of this root, by pod key (for tests and `describe`). */
export function userNamespaceAllocations(paths: Paths): Record<string, PlannedUserNamespace> {
  const out: Record<string, PlannedUserNamespace> = {};
  for (const [k, v] of Object.entries(peekRegistry(paths).roots[paths.root]?.pods ?? {})) out[k] = { hostId: v.hostId, length: v.length };
  return out;
}
