// One lock per pod so two podrun commands never change the same pod at once. flock with
// LOCK_NB: the loser fails at once with a ConflictError instead of queueing behind a long apply.
// The lock file is removed on release (so no state is left behind); a locker that opened the
// file before the unlink notices the inode changed and retries on the new file. apply passes the
// locked fd to the pod's monitor, which holds it (the same open file description, so the same
// flock) until its monitor.json is written: a CLI killed meanwhile leaves the pod locked until
// the monitor can be found.
import { closeSync, fstatSync, mkdirSync, openSync, statSync, unlinkSync } from 'fs';
import { join } from 'path';
import { ConflictError } from '../util/errors';
import { Paths } from '../util/paths';

export interface FlockOps {
  flock(fd: number, op: number): boolean;
}

const LOCK_EX = 2;
const LOCK_NB = 4;

export const podLockPath = (paths: Pick<Paths, 'runRoot'>, key: string) => join(paths.runRoot, 'locks', `pod-${key}.lock`);

function defaultOps(): FlockOps {
  return (require('../util/native') as typeof import('../util/native')).native();
}

/** A held pod lock: `fd` is the locked file, which apply hands to the pod's monitor (docs/runtime.md, "Locks"). */
export interface PodLock {
  fd: number;
  release(): void;
}

/**
 * LOCK_EX|LOCK_NB, tried again for up to ~50 ms: a podLockHeld probe holds the flock for a few
 * microseconds, and an apply must not fail for that. A real holder (an apply, a delete) holds it
 * for far longer, and the loser still fails at once in human terms.
 */
function tryFlock(fd: number, ops: FlockOps): boolean {
  for (let i = 0; ; i++) {
    if (ops.flock(fd, LOCK_EX | LOCK_NB)) return true;
    if (i >= 10) return false;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
  }
}

/** Takes the lock or throws ConflictError; returns the release function. */
export function lockPod(paths: Paths, key: string, label: string, ops: FlockOps = defaultOps()): () => void {
  return acquirePodLock(paths, key, label, ops).release;
}

/** Takes the lock or throws ConflictError. */
export function acquirePodLock(paths: Paths, key: string, label: string, ops: FlockOps = defaultOps()): PodLock {
  const path = podLockPath(paths, key);
  mkdirSync(join(paths.runRoot, 'locks'), { recursive: true, mode: 0o700 });
  for (let attempt = 0; attempt < 100; attempt++) {
    const fd = openSync(path, 'a', 0o600);
    let locked = false;
    try {
      locked = tryFlock(fd, ops);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
    if (!locked) {
      closeSync(fd);
      throw new ConflictError(
        `${label.includes('/') ? label : `pod ${label}`} is being changed by another podrun command`,
        'wait for that command to finish, then run this one again',
      );
    }
    let same = false;
    try {
      same = statSync(path).ino === fstatSync(fd).ino;
    } catch {
      same = false;
    }
    if (same) {
      return {
        fd,
        release: () => {
          try {
            unlinkSync(path);
          } catch {
            /* already gone */
          }
          closeSync(fd);
        },
      };
    }
    closeSync(fd); // the previous holder removed it; lock the new file instead
  }
  throw new ConflictError(`pod ${label} is being changed by another podrun command`);
}

export async function withPodLock<T>(
  paths: Paths,
  key: string,
  fn: (lock: PodLock) => Promise<T> | T,
  opts: { label?: string; ops?: FlockOps } = {},
): Promise<T> {
  const lock = acquirePodLock(paths, key, opts.label ?? key.slice(key.indexOf('_') + 1), opts.ops);
  try {
    return await fn(lock);
  } finally {
    lock.release();
  }
}

/**
 * Whether a command holds the pod's lock now: a non-blocking try on the file, opened without
 * create and never unlinked (so nothing is left or taken from a next command's path). The try
 * holds the flock for a moment; acquirePodLock retries for that moment, so a probe never makes
 * an apply fail. (/proc/locks cannot answer it: it names btrfs' and some overlays' files by
 * another device than stat does, and hides a lock whose taker is outside this pid namespace.)
 */
export function podLockHeld(paths: Pick<Paths, 'runRoot'>, key: string, ops: FlockOps = defaultOps()): boolean {
  let fd: number;
  try {
    fd = openSync(podLockPath(paths, key), 'r');
  } catch {
    return false; // no lock file: free (a holder keeps its file until it lets go)
  }
  try {
    return !ops.flock(fd, LOCK_EX | LOCK_NB);
  } catch {
    return true; // cannot tell: held, to be safe
  } finally {
    closeSync(fd); // lets go of it if the try took it
  }
}
