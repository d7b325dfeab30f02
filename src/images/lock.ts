// File locks for the image store: flock through the addon, polled with LOCK_NB so that waiting
// never blocks Node's event loop and two async tasks in one process cannot deadlock each other
// (each takes its own open file description, so flock excludes them like separate processes).
// The kernel drops a flock when its holder dies, so a SIGKILLed pull never leaves a stale lock.
import { closeSync, mkdirSync, openSync } from 'fs';
import { dirname } from 'path';
import { PodrunError } from '../util/errors';
import { LOCK_EX, LOCK_NB, LOCK_SH, LOCK_UN, native } from '../util/native';

export type LockMode = 'shared' | 'exclusive';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Takes the lock, runs `fn`, releases it (also on error). */
export async function withFileLock<T>(path: string, mode: LockMode, fn: () => Promise<T>): Promise<T> {
  const release = await acquire(path, mode);
  try {
    return await fn();
  } finally {
    release();
  }
}

export async function acquire(path: string, mode: LockMode): Promise<() => void> {
  let fd: number;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    fd = openSync(path, 'a', 0o600);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
      throw new PodrunError(`cannot open lock file ${path}: ${code}`, 'the image store needs root, or a --root DIR (PODRUN_ROOT) you can write');
    throw e;
  }
  const n = native();
  const op = (mode === 'shared' ? LOCK_SH : LOCK_EX) | LOCK_NB;
  try {
    let wait = 5;
    while (!n.flock(fd, op)) {
      await sleep(wait);
      wait = Math.min(wait * 2, 100);
    }
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    try {
      n.flock(fd, LOCK_UN);
    } finally {
      closeSync(fd);
    }
  };
}
