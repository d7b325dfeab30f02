// The ranges of host ids given to pods with `hostUsers: false` (docs/security.md, "User
// namespaces"), as the kubelet's userns manager hands them out: each pod gets one slot of 65536
// ids, slots never overlap, a pod keeps its slot while it exists (a re-apply too) and delete frees
// it. The allocation is one file, `<root>/userns.json`, changed only under
// `<runRoot>/locks/userns.lock` (flock, held for the read-modify-write only).
import { closeSync, existsSync, mkdirSync, openSync } from 'fs';
import { join } from 'path';
import { lastingPodDir, type Paths } from '../util/paths';
import type { PlannedUserNamespace } from '../plan/types';
import { readJsonIfExists, writeJsonAtomic } from './atomic';
import { lockPod, type FlockOps } from './lock';

/** Where ranges come from: slots of `length` ids in [first, first + count * length). */
export interface UserNamespacePool {
  first: number;
  /** Ids per pod (65536). */
  length: number;
  /** Number of slots. */
  count: number;
  /** Host id ranges no slot may overlap (other users' /etc/subuid and /etc/subgid ranges). */
  excluded: { start: number; length: number }[];
  /** Where the pool was configured, for messages. */
  source: string;
}

interface Allocations {
  version: 1;
  pods: Record<string, { uid: string; hostId: number; length: number }>;
}

export const usernsStatePath = (paths: Paths) => join(paths.root, 'userns.json');
const lockPath = (paths: Paths) => join(paths.runRoot, 'locks', 'userns.lock');

function defaultOps(): FlockOps {
  return (require('../util/native') as typeof import('../util/native')).native();
}

function withAllocations<T>(paths: Paths, fn: (a: Allocations) => { result: T; changed: boolean }, ops: FlockOps): T {
  mkdirSync(join(paths.runRoot, 'locks'), { recursive: true, mode: 0o700 });
  mkdirSync(paths.root, { recursive: true, mode: 0o700 });
  const fd = openSync(lockPath(paths), 'a', 0o600);
  try {
    ops.flock(fd, 2 /* LOCK_EX: short, so waiting is fine */);
    const a = readAllocations(paths);
    const { result, changed } = fn(a);
    if (changed) writeJsonAtomic(usernsStatePath(paths), a, 0o600);
    return result;
  } finally {
    closeSync(fd); // releases the flock
  }
}

function readAllocations(paths: Paths): Allocations {
  const a = readJsonIfExists<Allocations>(usernsStatePath(paths));
  return a && a.version === 1 && typeof a.pods === 'object' && a.pods ? a : { version: 1, pods: {} };
}

const overlaps = (a: number, alen: number, b: number, blen: number) => a < b + blen && b < a + alen;

/**
 * An entry whose pod has no directory and whose pod lock nobody holds was left by an apply that
 * died before it made the pod: its slot is free again. An apply under way holds its pod lock.
 */
function reclaimStale(paths: Paths, a: Allocations, except: string, ops: FlockOps): boolean {
  let changed = false;
  for (const key of Object.keys(a.pods)) {
    if (key === except || existsSync(lastingPodDir(paths, key))) continue;
    let release: (() => void) | undefined;
    try {
      release = lockPod(paths, key, key, ops);
    } catch {
      continue; // being applied or deleted right now
    }
    try {
      if (!existsSync(lastingPodDir(paths, key))) {
        delete a.pods[key];
        changed = true;
      }
    } finally {
      release();
    }
  }
  return changed;
}

function pick(a: Allocations, pool: UserNamespacePool): PlannedUserNamespace | { unavailable: string } {
  const taken = Object.values(a.pods);
  for (let i = 0; i < pool.count; i++) {
    const hostId = pool.first + i * pool.length;
    if (taken.some((t) => overlaps(hostId, pool.length, t.hostId, t.length))) continue;
    if (pool.excluded.some((x) => overlaps(hostId, pool.length, x.start, x.length))) continue;
    return { hostId, length: pool.length };
  }
  return {
    unavailable: `all ${pool.count} ranges of ${pool.length} host ids from ${pool.first} (${pool.source}) are taken: ${taken.length} by pods${pool.excluded.length ? `, the others overlap /etc/subuid or /etc/subgid ranges of other users` : ''}`,
  };
}

/** The range pod `key` has, or a new one recorded for it (fresh: true); `unavailable` when none is left. */
export function reserveUserNamespace(
  paths: Paths,
  key: string,
  podUid: string,
  pool: UserNamespacePool,
  ops: FlockOps = defaultOps(),
): { range: PlannedUserNamespace; fresh: boolean } | { unavailable: string } {
  return withAllocations<{ range: PlannedUserNamespace; fresh: boolean } | { unavailable: string }>(
    paths,
    (a) => {
      const mine = a.pods[key];
      if (mine && mine.length === pool.length) return { result: { range: { hostId: mine.hostId, length: mine.length }, fresh: false }, changed: false };
      const changed = reclaimStale(paths, a, key, ops);
      if (mine) delete a.pods[key];
      const r = pick(a, pool);
      if ('unavailable' in r) return { result: r, changed: changed || !!mine };
      a.pods[key] = { uid: podUid, hostId: r.hostId, length: r.length };
      return { result: { range: r, fresh: true }, changed: true };
    },
    ops,
  );
}

/** What reserveUserNamespace would give, changing nothing (`apply --dry-run`). */
export function peekUserNamespace(paths: Paths, key: string, pool: UserNamespacePool): PlannedUserNamespace | { unavailable: string } {
  const a = readAllocations(paths);
  const mine = a.pods[key];
  if (mine && mine.length === pool.length) return { hostId: mine.hostId, length: mine.length };
  delete a.pods[key];
  return pick(a, pool);
}

/** Frees pod `key`'s range (nothing when it has none). */
export function releaseUserNamespace(paths: Paths, key: string, ops: FlockOps = defaultOps()): void {
  if (!readAllocations(paths).pods[key]) return;
  withAllocations(
    paths,
    (a) => {
      const had = key in a.pods;
      delete a.pods[key];
      return { result: undefined, changed: had };
    },
    ops,
  );
}

/** Every allocation, by pod key (for tests and `describe`). */
export function userNamespaceAllocations(paths: Paths): Record<string, PlannedUserNamespace> {
  const out: Record<string, PlannedUserNamespace> = {};
  for (const [k, v] of Object.entries(readAllocations(paths).pods)) out[k] = { hostId: v.hostId, length: v.length };
  return out;
}
