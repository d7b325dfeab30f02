// Removing a directory tree that someone else filled (a container's upper dir, an emptyDir, an
// unpacked layer): as deep and as wide as they made it. Node's rmSync recurses (its stack ends
// near 2000 levels) and builds whole paths (ENAMETOOLONG past PATH_MAX), so a container could
// make its pod impossible to delete. This walks with one open directory at a time and short
// paths through /proc/self/fd/N/NAME (single-component lookups in the opened directory, never
// following a symlink), climbing back by `..` checked against the inode it came from, as fts
// does; its memory is the names still to visit along the current path. It stays on the tree's
// filesystem: a mount below is an error (removing through it would delete what it shows).
import { BigIntStats, closeSync, constants as C, fstatSync, lstatSync, openSync, readdirSync, rmdirSync, unlinkSync } from 'fs';
import { PodrunError } from './errors';

import { fdPath } from './fd-path';
const same = (a: BigIntStats, b: BigIntStats) => a.dev === b.dev && a.ino === b.ino;
const gone = (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOENT';

interface Level {
  /** This directory's name in its parent. */
  name: string;
  /** Its parent, to check the climb back by `..`. */
  parent: BigIntStats;
  /** The names of this directory still to visit. */
  pending: string[];
}

/** Removes `path` and everything below it (nothing when it does not exist); `rm -rf` without the limits. */
export function removeTree(path: string): void {
  let top: BigIntStats;
  try {
    top = lstatSync(path, { bigint: true });
  } catch (e) {
    if (gone(e)) return;
    throw e;
  }
  if (!top.isDirectory()) {
    unlinkSync(path);
    return;
  }
  let fd = openSync(path, C.O_RDONLY | C.O_DIRECTORY | C.O_NOFOLLOW);
  try {
    let here = fstatSync(fd, { bigint: true });
    if (!same(here, top)) throw new PodrunError(`${path} changed while it was being removed`, 'run the command again');
    const stack: Level[] = [];
    let pending = readdirSync(fdPath(fd));
    for (;;) {
      const name = pending.pop();
      if (name !== undefined) {
        let st: BigIntStats;
        try {
          st = lstatSync(fdPath(fd, name), { bigint: true });
        } catch (e) {
          if (gone(e)) continue;
          throw e;
        }
        if (st.dev !== top.dev) throw new PodrunError(`cannot remove ${path}: something is mounted below it (${name})`, 'unmount it first');
        if (!st.isDirectory()) {
          try {
            unlinkSync(fdPath(fd, name));
          } catch (e) {
            if (!gone(e)) throw e;
          }
          continue;
        }
        const child = openSync(fdPath(fd, name), C.O_RDONLY | C.O_DIRECTORY | C.O_NOFOLLOW);
        const childSt = fstatSync(child, { bigint: true });
        if (!same(childSt, st)) {
          closeSync(child);
          throw new PodrunError(`${path} changed while it was being removed`, 'run the command again');
        }
        stack.push({ name, parent: here, pending });
        closeSync(fd);
        fd = child;
        here = childSt;
        pending = readdirSync(fdPath(fd));
        continue;
      }
      // This directory is empty now: back to its parent, then remove it there.
      const level = stack.pop();
      if (!level) break;
      const parent = openSync(fdPath(fd, '..'), C.O_RDONLY | C.O_DIRECTORY);
      const parentSt = fstatSync(parent, { bigint: true });
      closeSync(fd);
      fd = parent;
      if (!same(parentSt, level.parent)) throw new PodrunError(`${path} changed while it was being removed`, 'run the command again');
      here = parentSt;
      rmdirSync(fdPath(fd, level.name));
      pending = level.pending;
    }
  } finally {
    closeSync(fd);
  }
  rmdirSync(path);
}
