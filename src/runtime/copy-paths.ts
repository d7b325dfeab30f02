// The host paths `podrun cp` names, resolved as the shell would (the user's own symlinks are
// followed), except inside a directory a container can write: a hostPath, emptyDir or claim
// directory of any pod. A symlink there may be the container's (planted ahead, or swapped in
// while podrun resolves), and following it is moby's CVE-2018-15664: a copy out of a pod written
// over a host file, a copy in that reads one. So the path is walked one component at a time from
// `/`, by fds (`/proc/self/fd/DIRFD/NAME`, O_PATH|O_NOFOLLOW), symlinks followed by hand, and a
// symlink met inside such a directory is refused. What the walk ends on is an open directory:
// nothing is looked up by path again.
import { closeSync, constants as C, fstatSync, mkdirSync, openSync, readlinkSync } from 'fs';
import type { Paths } from '../util/paths';
import { NotFoundError, PodrunError } from '../util/errors';

import { fdPath, O_PATH } from '../util/fd-path';
const code = (e: unknown) => (e as NodeJS.ErrnoException).code;
const key = (st: { dev: number; ino: number }) => `${st.dev}:${st.ino}`;

/** dev:ino of every directory a container of any pod can write to (hostPath, emptyDir and claim sources). */
export function containerWritableRoots(paths: Paths): Map<string, string> {
  const { listPodRecords } = require('../state/pod-records') as typeof import('../state/pod-records');
  const roots = new Map<string, string>();
  for (const r of listPodRecords(paths))
    for (const v of r.plan.volumes ?? []) {
      if (v.kind !== 'hostPath' && v.kind !== 'emptyDir' && v.kind !== 'claim') continue;
      try {
        const st = fstatOf(v.source);
        if (st) roots.set(key(st), `volume "${v.name}" of pod ${r.plan.namespace}/${r.plan.name}`);
      } catch {
        /* gone: nothing to guard */
      }
    }
  return roots;
}

function fstatOf(path: string): { dev: number; ino: number } | undefined {
  let fd: number;
  try {
    fd = openSync(path, C.O_RDONLY | C.O_DIRECTORY);
  } catch {
    return undefined; // a hostPath file, or gone: nothing below it to resolve through
  }
  try {
    return fstatSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Where a copy out of a pod goes: the open directory DEST is in, and DEST's name there. DEST
 * itself, when it is the user's own symlink (not inside a container's directory) to a
 * directory, is that directory (cp(1)'s and kubectl's reading): its parent and its own name.
 */
export function openDestination(abs: string, roots: Map<string, string>): { parent: OpenedDir; name: string } {
  const { basename, dirname } = require('path') as typeof import('path');
  const name = basename(abs);
  const parent = openDirSafely(dirname(abs), roots, true);
  let isLink: boolean;
  try {
    const fd = openSync(fdPath(parent.fd, name), O_PATH | C.O_NOFOLLOW);
    try {
      isLink = fstatSync(fd).isSymbolicLink();
    } finally {
      closeSync(fd);
    }
  } catch {
    return { parent, name }; // not there yet
  }
  if (!isLink || parent.volume) return { parent, name };
  let dir: OpenedDir;
  try {
    dir = openDirSafely(abs, roots, false);
  } catch (e) {
    // a link to no directory: replaced, as any other name; one that leads through a container's symlink: said
    if (e instanceof NotFoundError || (e instanceof PodrunError && / is not a directory$/.test(e.message))) return { parent, name };
    closeSync(parent.fd);
    throw e;
  }
  closeSync(parent.fd);
  try {
    const real = readlinkSync(fdPath(dir.fd));
    if (real === '/' || !real.startsWith('/') || real.endsWith(' (deleted)')) throw new PodrunError(`${abs}: the directory it names is gone or is /`, 'copy to another destination');
    return { parent: openDirSafely(dirname(real), roots, false), name: basename(real) };
  } finally {
    closeSync(dir.fd);
  }
}

/** An open directory a walk ended on: its fd (the caller closes it), how to name it, and whether a container can write in it. */
export interface OpenedDir {
  fd: number;
  display: string;
  /** The volume a container can write it through (below one), for messages; undefined on the host's own ground. */
  volume?: string;
}

/**
 * Opens the directory ABS (absolute) names, by the rules above; `create`: missing directories are
 * made (0755, kubectl's MkdirAll), in a container's directory too (made by podrun, they are no
 * container's symlinks).
 */
export function openDirSafely(abs: string, roots: Map<string, string>, create: boolean): OpenedDir {
  const queue = abs.split('/').filter((c) => c !== '' && c !== '.');
  // the stack of directories walked through (for `..`), each with the volume it is inside of
  const stack: { fd: number; name: string; volume?: string }[] = [];
  const push = (fd: number, name: string, parentVolume?: string) => {
    let st;
    try {
      st = fstatSync(fd);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
    stack.push({ fd, name, volume: parentVolume ?? roots.get(key(st)) });
  };
  push(openSync('/', C.O_RDONLY | C.O_DIRECTORY), '');
  const display = () => '/' + stack.slice(1).map((d) => d.name).join('/');
  const closeAll = () => stack.forEach((d) => closeSync(d.fd));
  let links = 0;
  let made = 0; // directories made on the way: one that keeps vanishing (a container removing it) is given up on
  try {
    while (queue.length) {
      const name = queue.shift()!;
      const top = stack[stack.length - 1];
      if (name === '..') {
        if (stack.length > 1) closeSync(stack.pop()!.fd);
        continue;
      }
      let pathFd: number;
      try {
        pathFd = openSync(fdPath(top.fd, name), O_PATH | C.O_NOFOLLOW);
      } catch (e) {
        if (code(e) !== 'ENOENT') throw e;
        if (!create) throw new NotFoundError(`${display()}/${name}: no such file or directory`, 'check the path');
        if (++made > queue.length + 64) throw new PodrunError(`${display()}/${name} keeps vanishing while podrun cp makes it`, 'stop what removes it, then copy again');
        try {
          mkdirSync(fdPath(top.fd, name), 0o755);
        } catch (m) {
          if (code(m) !== 'EEXIST') throw m;
        }
        queue.unshift(name); // opened (and checked) again, as anything else
        continue;
      }
      try {
        const st = fstatSync(pathFd);
        if (st.isSymbolicLink()) {
          if (top.volume)
            throw new PodrunError(
              `${display()}/${name} is a symbolic link inside ${top.volume}: podrun cp does not follow it (a container may have made it)`,
              'name the real path instead, or copy to a directory no container can write',
            );
          if (++links > 40) throw new PodrunError(`${abs}: too many levels of symbolic links`);
          const target = readlinkSync(fdPath(top.fd, name));
          queue.unshift(...target.split('/').filter((c) => c !== '' && c !== '.'));
          if (target.startsWith('/')) while (stack.length > 1) closeSync(stack.pop()!.fd);
          continue;
        }
        if (!st.isDirectory()) throw new PodrunError(`${display()}/${name} is not a directory`, 'check the path');
        push(openSync(fdPath(pathFd), C.O_RDONLY | C.O_DIRECTORY), name, top.volume);
      } finally {
        closeSync(pathFd);
      }
    }
  } catch (e) {
    closeAll();
    throw e;
  }
  const shown = display();
  const last = stack.pop()!;
  stack.forEach((d) => closeSync(d.fd));
  return { fd: last.fd, display: shown, volume: last.volume };
}
