// Writes the tar a container's `tar cf - SRC` produced (podrun cp POD:SRC DEST) into DEST on the
// host. The archive comes from the container, so every byte of it is the container's word: a
// name with `..`, an absolute name, a symlink followed by a file "inside" it, a hard link to
// /etc/shadow, a device node. And DEST may lie in a hostPath the container writes to, so the
// container can also swap names under the extraction while it runs.
//
// What the user named is resolved once, as their shell would: DEST's parent directory is opened
// (following symlinks, created if missing, as kubectl's MkdirAll). Everything below it is reached
// one component at a time from a directory already open, as `/proc/self/fd/DIRFD/NAME` with
// O_NOFOLLOW (the walk of docs/layers.md, "Walking a tree that may change"), so no symlink is ever
// followed, whoever put it there and whenever. A file is written to a fresh name (O_CREAT|O_EXCL)
// and renamed over its own: nothing that already exists is ever opened for writing, so a device
// or FIFO planted at the name is replaced, never written to.
//
// kubectl's rules (kubectl pkg/cmd/cp `untarAll`): every name must start with SRC's own (else
// "tar contents corrupted"); a name that would land outside DEST is skipped with a warning;
// symlinks are skipped with a warning. podrun goes further: a hard link becomes one only to a file
// this copy wrote, devices and FIFOs are skipped with a warning, and permission bits are kept
// (without setuid, setgid and sticky: a copy is not an install). Owners are not (the files are the
// caller's), nor times, as kubectl.
import { closeSync, constants as C, fchmodSync, fstatSync, linkSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'fs';
import { basename } from 'path';
import type { Readable } from 'stream';
import { PodrunError } from '../util/errors';
import { readTar } from '../images/tar';

import { fdPath } from '../util/fd-path';
const code = (e: unknown) => (e as NodeJS.ErrnoException).code;

/** The archive broke kubectl's rule that every name starts with the source's. */
export class CorruptCopyError extends PodrunError {
  constructor(name: string, prefix: string) {
    super(`tar contents corrupted: ${JSON.stringify(name)} is not under ${JSON.stringify(prefix || '/')}`, "the container's tar wrote names for another path than the one asked for; nothing more was written");
  }
}

export interface ExtractOptions {
  /** The name the archive gives SRC (kubectl's prefix: SRC without leading and trailing slashes, cleaned). */
  prefix: string;
  /** Where SRC goes on the host (absolute): a new name, or an existing one it replaces (a directory: merged). */
  dest: string;
  /** dev:ino of the directories containers can write (copy-paths.ts): no symlink in them is followed on the way to DEST. */
  roots?: Map<string, string>;
  warn: (msg: string) => void;
  /**
   * A file copied to a DEST that is an existing directory goes in it under this name (SRC's own),
   * as docker cp and cp(1) put it (kubectl fails: "is a directory"). A directory is merged into it, as kubectl does.
   */
  intoDirAs?: string;
  /** Said once, after the first skipped symlink's warning: how to copy symlinks anyway. */
  symlinkHint?: string;
}

/** What was written: for the tests and the summary. */
export interface ExtractResult {
  files: number;
  dirs: number;
  skipped: number;
}

/** A name's path below DEST (kubectl's prefix stripped), or undefined when the name is outside the prefix. */
export function relativeToPrefix(name: string, prefix: string): string | undefined {
  if (prefix === '') return name.replace(/^\/+/, '');
  if (name === prefix) return '';
  if (name.startsWith(prefix + '/')) return name.slice(prefix.length + 1);
  return undefined;
}

/** dev:ino of NAME in DIRFD when it is a regular file (not followed), else undefined. */
function sameFile(dirFd: number, name: string): string | undefined {
  try {
    const st = lstatSync(fdPath(dirFd, name));
    return st.isFile() ? `${st.dev}:${st.ino}` : undefined;
  } catch {
    return undefined;
  }
}

function isSymlink(dirFd: number, name: string): boolean {
  try {
    return lstatSync(fdPath(dirFd, name)).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Directories below DEST's parent, opened one component at a time and kept open while the copy runs. */
class DirCache {
  private fds = new Map<string, number>();
  constructor(private root: number, private display: (rel: string) => string) {}

  /** The open directory at `comps` below the root, made (0755) where missing when `create`. */
  open(comps: string[], create: boolean, made?: (rel: string) => void): number {
    let fd = this.root;
    for (let i = 0; i < comps.length; i++) {
      const key = comps.slice(0, i + 1).join('/');
      const known = this.fds.get(key);
      if (known !== undefined) {
        fd = known;
        continue;
      }
      fd = this.step(fd, comps[i], key, create, made);
      this.fds.set(key, fd);
    }
    return fd;
  }

  private step(dirFd: number, name: string, key: string, create: boolean, made?: (rel: string) => void): number {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        return openSync(fdPath(dirFd, name), C.O_RDONLY | C.O_DIRECTORY | C.O_NOFOLLOW);
      } catch (e) {
        // O_DIRECTORY|O_NOFOLLOW on a symlink fails ENOTDIR (or ELOOP): lstat tells which it was
        if (code(e) === 'ELOOP' || (code(e) === 'ENOTDIR' && isSymlink(dirFd, name)))
          throw new PodrunError(`${this.display(key)} is a symbolic link: podrun cp does not write through symlinks`, 'copy to another destination, or remove the link');
        if (code(e) === 'ENOTDIR') throw new PodrunError(`${this.display(key)} exists and is not a directory`, 'copy to another destination, or remove it');
        if (code(e) !== 'ENOENT' || !create) throw e;
      }
      try {
        mkdirSync(fdPath(dirFd, name), 0o755);
        made?.(key);
      } catch (e) {
        if (code(e) !== 'EEXIST') throw e; // made meanwhile: open it
      }
    }
    throw new PodrunError(`${this.display(key)} keeps changing while podrun cp writes it`, 'stop what changes it, then copy again');
  }

  /** Between entries: a wide tree's directories are let go of now and then (reopened from the root when needed). */
  trim(): void {
    if (this.fds.size >= 256) this.closeAll();
  }

  closeAll(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }
}

/** A fresh name for a file to be renamed over its own (short whatever the name: a name may have 255 bytes). */
function tempName(): string {
  return `.podrun-cp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
}

/** The process's umask, read without setting it (process.umask() with no argument is deprecated). */
function umask(): number {
  try {
    const m = /^Umask:\s*([0-7]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? parseInt(m[1], 8) : 0o022;
  } catch {
    return 0o022;
  }
}

/** A name no file system takes, or one that would make the walk hold ever more fds: the archive is refused. */
export function nameProblem(name: string): string | undefined {
  if (name.includes('\0')) return 'has a NUL byte';
  if (Buffer.byteLength(name) > 4095) return 'is longer than a path may be (4095 bytes)';
  const comps = name.split('/');
  if (comps.length > 1024) return 'is more than 1024 directories deep';
  if (comps.some((c) => Buffer.byteLength(c) > 255)) return 'has a component longer than a name may be (255 bytes)';
  return undefined;
}

/** Extracts the archive under `dest` by kubectl's rules, safely (the header comment). */
export async function extractCopy(input: Readable, opts: ExtractOptions): Promise<ExtractResult> {
  if (['', '.', '..'].includes(basename(opts.dest))) throw new PodrunError(`${opts.dest}: name a file or directory to copy to`, 'for example ./out or /tmp/out');
  const { openDestination } = require('./copy-paths') as typeof import('./copy-paths');
  const { parent, name: top } = openDestination(opts.dest, opts.roots ?? new Map());
  const rootFd = parent.fd;
  const display = (rel: string) => `${parent.display === '/' ? '' : parent.display}/${rel}`;
  const mask = ~umask() & 0o777; // a hostile archive's 0777 is not the caller's
  const dirs = new DirCache(rootFd, display);
  const made = new Set<string>(); // directories this copy made: only their modes are set
  const written = new Map<string, string>(); // regular files this copy wrote (hard links may point at them): dev:ino
  const result: ExtractResult = { files: 0, dirs: 0, skipped: 0 };
  let hinted = false;
  const skip = (msg: string) => {
    result.skipped++;
    opts.warn(msg);
  };

  /** Where an archive name goes: its components below DEST's parent, or undefined (outside DEST). */
  let lastRel = '';
  const place = (name: string): string[] | undefined => {
    const problem = nameProblem(name);
    if (problem) throw new PodrunError(`tar contents refused: the name ${JSON.stringify(name.slice(0, 120))}${name.length > 120 ? '...' : ''} ${problem}`, 'nothing more was written; copy that tree with podrun exec ... tar instead');
    const rel = relativeToPrefix(name, opts.prefix);
    if (rel === undefined) throw new CorruptCopyError(name, opts.prefix);
    lastRel = rel;
    const comps = rel.split('/').filter((c) => c !== '' && c !== '.');
    if (comps.includes('..')) return undefined;
    return [top, ...comps];
  };

  /** Puts a new object at comps (made by `make` under a fresh name) in place of whatever is there. */
  const replace = async (comps: string[], make: (dirFd: number, tmp: string) => Promise<void> | void) => {
    const dirFd = dirs.open(comps.slice(0, -1), true, (k) => made.add(k));
    const name = comps[comps.length - 1];
    const tmp = tempName();
    try {
      await make(dirFd, tmp);
    } catch (e) {
      try {
        unlinkSync(fdPath(dirFd, tmp));
      } catch {
        /* never made */
      }
      throw e;
    }
    try {
      renameSync(fdPath(dirFd, tmp), fdPath(dirFd, name));
    } catch (e) {
      unlinkSync(fdPath(dirFd, tmp));
      if (code(e) === 'EISDIR' || code(e) === 'ENOTEMPTY' || code(e) === 'EEXIST') throw new PodrunError(`${display(comps.join('/'))} exists and is a directory`, 'copy to another destination, or remove it');
      throw e;
    }
  };

  const isDirectory = (name: string): boolean => {
    try {
      closeSync(openSync(fdPath(rootFd, name), C.O_RDONLY | C.O_DIRECTORY | C.O_NOFOLLOW));
      return true;
    } catch {
      return false;
    }
  };

  try {
    for await (const { header: h, body } of readTar(input, { drain: false })) {
      dirs.trim();
      let comps = place(h.name);
      if (comps?.length === 1 && h.type !== 'dir' && opts.intoDirAs && isDirectory(top)) comps = [top, opts.intoDirAs];
      const shown = comps ? display(comps.join('/')) : `${opts.dest}/${lastRel}`;
      if (!comps) {
        body.resume();
        skip(`warning: file ${JSON.stringify(shown)} is outside target destination, skipping`);
        continue;
      }
      const rel = comps.join('/');
      try {
        switch (h.type) {
          case 'dir': {
            const fd = dirs.open(comps, true, (k) => made.add(k));
            if (made.has(rel)) fchmodSync(fd, h.mode & mask);
            result.dirs++;
            break;
          }
          case 'file':
            await replace(comps, async (dirFd, tmp) => {
              const fd = openSync(fdPath(dirFd, tmp), C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, 0o600);
              try {
                // streamed as it arrives, never held whole: a copy may be gigabytes
                for await (const chunk of body) {
                  const b = chunk as Buffer;
                  for (let off = 0; off < b.length; ) off += writeSync(fd, b, off, b.length - off);
                }
                fchmodSync(fd, h.mode & mask);
                const st = fstatSync(fd);
                written.set(rel, `${st.dev}:${st.ino}`);
              } finally {
                closeSync(fd);
              }
            });
            result.files++;
            break;
          case 'hardlink': {
            const target = place(h.linkname);
            const targetRel = target?.join('/');
            const fromFd = target && targetRel && written.has(targetRel) ? dirs.open(target.slice(0, -1), false) : undefined;
            // the file this copy wrote, still: not whatever a container put at its name since
            if (fromFd === undefined || target === undefined || sameFile(fromFd, target[target.length - 1]) !== written.get(targetRel!)) {
              skip(`warning: skipping hard link ${JSON.stringify(shown)} -> ${JSON.stringify(h.linkname)}: its target is not a file of this copy`);
              break;
            }
            await replace(comps, (dirFd, tmp) => linkSync(fdPath(fromFd, target[target.length - 1]), fdPath(dirFd, tmp)));
            written.set(rel, written.get(targetRel!)!);
            result.files++;
            break;
          }
          case 'symlink':
            skip(`warning: skipping symlink: ${JSON.stringify(shown)} -> ${JSON.stringify(h.linkname)}${!hinted && opts.symlinkHint ? ` (${opts.symlinkHint})` : ''}`);
            hinted = true;
            break;
          default:
            skip(`warning: skipping ${h.type === 'fifo' ? 'FIFO' : 'device'} ${JSON.stringify(shown)}: podrun cp copies files and directories`);
        }
      } catch (e) {
        // what the file system said (a directory a container removed meanwhile, no space left):
        // about this entry, never a stack trace
        if (e instanceof PodrunError || !(e as NodeJS.ErrnoException).code) throw e;
        throw new PodrunError(`${shown}: ${(e as NodeJS.ErrnoException).code}: ${(e as Error).message.replace(/^\w+: /, '').replace(/, \w+ '\/proc\/self\/fd.*$/, '')}`, 'nothing more was written; check the destination, then copy again');
      }
      body.resume();
    }
  } finally {
    dirs.closeAll();
    closeSync(rootFd);
  }
  return result;
}
