// One lock per pod so two podrun commands never change the same pod at once. flock with
// LOCK_NB: the loser fails at once with a ConflictError instead of queueing behind a long apply.
// The lock file is removed on release (so no state is left behind); a locker that opened the
// file before the unlink notices the inode changed and retries on the new file. apply passes the
// locked fd to the pod's monitor, which holds it (the same open file description, so the same
// flock) until its monitor.json is written: a CLI killed meanwhile leaves the pod locked until
// the monitor can be found.
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync } from 'fs';
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
      locked = ops.flock(fd, LOCK_EX | LOCK_NB);
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
 * Whether a command holds the pod's lock now. It creates nothing and takes nothing: a probe that
 * took the flock, even for a moment, would make a concurrent apply fail with a ConflictError.
 * The kernel's /proc/locks lists every flock by device and inode; where it cannot be read, a
 * non-blocking try on the file opened without create is the fallback.
 */
export function podLockHeld(paths: Pick<Paths, 'runRoot'>, key: string, ops?: FlockOps): boolean {
  const path = podLockPath(paths, key);
  let st: { dev: bigint; ino: bigint };
  try {
    st = statSync(path, { bigint: true });
  } catch {
    return false; // no lock file: free (a holder keeps its file until it lets go)
  }
  const listed = flockListed(st.dev, st.ino);
  if (listed !== undefined) return listed;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return false;
  }
  try {
    return !(ops ?? defaultOps()).flock(fd, LOCK_EX | LOCK_NB);
  } catch {
    return true; // cannot tell: held, to be safe
  } finally {
    closeSync(fd); // lets go of it if the try took it
  }
}

/** Whether /proc/locks lists a flock on DEV:INO; undefined when it cannot be read. */
function flockListed(dev: bigint, ino: bigint): boolean | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/locks', 'utf8');
  } catch {
    return undefined;
  }
  // glibc's dev_t encoding (sys/sysmacros.h); /proc/locks prints MAJOR:MINOR in hex, the inode in decimal
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  const want = `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}:${ino}`;
  return text.split('\n').some((l) => / FLOCK /.test(l) && l.split(/\s+/).includes(want));
}
