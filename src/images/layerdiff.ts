// Writes a directory (a rootfs, or an overlayfs upperdir after a container ran) as a layer tar.
// The walk is depth-first with each directory's names in byte order, and no header carries
// anything that varies between runs (no atime/ctime, no uname/gname lookups, mtime in whole
// seconds as docker writes it), so the same tree always gives the same digest.
//
// The tree may belong to a running container that changes it while it is read (`podrun commit
// --pause=false`, or a process the freezer does not hold), so it is walked by file descriptors
// and never by path (docs/security.md, escape 2): every step opens one name relative to the
// directory already open, as `/proc/self/fd/DIRFD/NAME` (the magic link is the opened directory
// itself, wherever it has moved, and NAME is a single component opened with O_PATH|O_NOFOLLOW, so
// a symlink is opened as itself and never followed). What is archived is what that fd names:
// its fstat gives the header, a directory is listed and a regular file read through a reopen of
// that same fd (`/proc/self/fd/FD`, O_NONBLOCK|O_NOCTTY: a FIFO or device swapped in can neither
// block nor be opened, since only a regular file is reopened), xattrs are read from the opened
// object (f*xattr; a symlink's, device's or FIFO's, which cannot be opened, by NAME in the opened
// directory without following it), and a symlink's target from its own fd (readlinkat(fd, "")).
// A symlink swapped in for a directory is therefore archived as a symlink, and nothing outside
// the tree is ever reached. Without the freezer the result may mix moments (a name seen before a
// swap, its neighbour after); it never holds anything from outside the tree.
import { BigIntStats, closeSync, constants as C, createReadStream, fstatSync, openSync, readdirSync, readSync } from 'fs';
import { PodrunError } from '../util/errors';
import type { PodrunNative } from '../util/native';
import { createTarWriter, TarHeader } from './tar';
import { LIMIT_ENV, OVERLAY_OPAQUE_XATTR, resolveLimits, WHITEOUT_OPAQUE, WHITEOUT_PREFIX } from './unpack';

import { fdPath, O_PATH } from '../util/fd-path';

/** The tree changed under the walk in a way that cannot be archived as one moment. */
export class TreeChangedError extends PodrunError {
  constructor(what: string, purpose: TarPurpose = COMMIT_PURPOSE) {
    super(`${purpose.label}: ${what} changed while ${purpose.doing}`, purpose.changedHint);
  }
}

/** What the walk is for, as its messages say it: a commit's layer diff, or `podrun cp`'s archive. */
export interface TarPurpose {
  label: string;
  doing: string;
  changedHint: string;
  /** Plain files, not a layer (podrun cp): a `.wh.` name is an ordinary one, and no layer cap applies. */
  files?: boolean;
}
const COMMIT_PURPOSE: TarPurpose = { label: 'layer diff', doing: 'committing', changedHint: 'commit with --pause (the default) so the container cannot change its files meanwhile, or retry' };
const SMALL_FILE = 64 * 1024;

export interface LayerTarOptions {
  /** Translate overlayfs whiteouts (0/0 char devices, opaque dirs) into OCI `.wh.` entries. */
  overlayUpper?: boolean;
  /** Container paths ('/etc/hosts') left out entirely, with everything below them. */
  exclude?: string[];
  native?: PodrunNative;
  /** The most file bytes the layer may hold; default the unpack cap (PODRUN_LAYER_MAX_BYTES). */
  maxBytes?: number;
  /**
   * Only this entry of `dir` (a file, or a tree walked as any other), archived under the name `as`:
   * what `tar -C DIR -cf - NAME` writes, renamed (podrun cp). Default: everything in `dir`.
   */
  only?: { name: string; as: string };
  purpose?: TarPurpose;
  /** `dir` already open (O_RDONLY|O_DIRECTORY; the walk takes and closes it): a directory found by a walk of its own (podrun cp's). */
  dirFd?: number;
}

/** What the layer diff needs of the addon. */
type NativeOps = Pick<PodrunNative, 'lgetxattr' | 'llistxattr' | 'fgetxattr' | 'flistxattr' | 'readlinkFd'>;

/** xattrs that describe the host, not the image: never copied into a layer. */
function skipXattr(name: string): boolean {
  return name.startsWith('trusted.overlay.') || name.startsWith('system.') || name === 'security.selinux';
}

function devNumbers(rdev: bigint): { major: number; minor: number } {
  // glibc's gnu_dev_major/minor encoding of a 64-bit dev_t.
  const major = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
  const minor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
  return { major, minor };
}

/** Writes `dir` as a layer tar to `out` (and ends `out`), entries sorted for a reproducible digest. */
export async function writeLayerTar(dir: string, out: NodeJS.WritableStream, opts: LayerTarOptions = {}): Promise<void> {
  const purpose = opts.purpose ?? COMMIT_PURPOSE;
  const label = purpose.label;
  let nativeOps: NativeOps | undefined = opts.native;
  const nat = (): NativeOps => {
    if (!nativeOps) {
      nativeOps = (require('../util/native') as typeof import('../util/native')).native();
    }
    return nativeOps;
  };
  const excluded = new Set(
    (opts.exclude ?? []).map((p) => {
      const rel = p.split('/').filter((c) => c && c !== '.').join('/');
      if (!rel || rel.split('/').includes('..'))
        throw new PodrunError(`${label}: exclude path ${JSON.stringify(p)} must be an absolute container path below /`);
      return rel;
    }),
  );
  let rootFd: number;
  try {
    rootFd = opts.dirFd ?? openSync(dir, C.O_RDONLY | C.O_DIRECTORY | C.O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR' || code === 'ELOOP') throw new PodrunError(`${label}: ${dir} is not a directory`);
    throw e;
  }

  const writer = createTarWriter(out);
  // A layer podrun would not unpack is not worth writing: a sparse 1 TiB file would fill the disk.
  const maxBytes = opts.maxBytes ?? (purpose.files ? Infinity : resolveLimits().maxBytes);
  let bytes = 0;
  const firstLink = new Map<string, string>(); // "dev:ino" -> first archived name
  /** The xattrs of an opened object (fd), or of NAME in an opened directory (symlinks, devices). */
  const xattrsOf = (at: { fd: number } | { dirFd: number; name: string }): Record<string, Buffer> => {
    const o: Record<string, Buffer> = {};
    const names = 'fd' in at ? nat().flistxattr(at.fd) : nat().llistxattr(fdPath(at.dirFd, at.name));
    for (const name of names.sort()) {
      if (skipXattr(name)) continue;
      // a pax record is `SCHILY.xattr.NAME=VALUE\n`: NAME with `=` or a newline would read as another
      if (/[=\n]/.test(name)) throw new PodrunError(`${label}: ${dir}: an extended attribute named ${JSON.stringify(name)} cannot be written to a layer`, `remove it (setfattr -x) before ${purpose.doing}`);
      const v = 'fd' in at ? nat().fgetxattr(at.fd, name) : nat().lgetxattr(fdPath(at.dirFd, at.name), name);
      if (v) o[name] = v;
    }
    return o;
  };
  const base = (rel: string, st: BigIntStats): TarHeader => ({
    name: rel,
    type: 'file',
    mode: Number(st.mode) & 0o7777,
    uid: Number(st.uid),
    gid: Number(st.gid),
    size: 0,
    mtime: Number(st.mtimeMs / 1000n),
    linkname: '',
    devmajor: 0,
    devminor: 0,
    xattrs: {},
  });
  const marker = (name: string, st: BigIntStats): TarHeader => ({ ...base(name, st), mode: 0, uid: 0, gid: 0 });
  const overlayRefuse = (rel: string, x: string) =>
    new PodrunError(
      `${label}: ${dir}/${rel} has ${x}; overlay redirect_dir/metacopy upper dirs cannot be diffed`,
      'mount overlay with redirect_dir=off,metacopy=off',
    );
  const sameObject = (a: BigIntStats, b: BigIntStats) => a.ino === b.ino && a.dev === b.dev;

  /** The names in the opened directory DIRFD, in byte order; a name that is not UTF-8 is refused. */
  const namesIn = (dirFd: number, relDir: string): string[] => {
    const raw = readdirSync(fdPath(dirFd), { encoding: 'buffer' }).sort(Buffer.compare);
    return raw.map((b) => {
      const name = b.toString('utf8');
      if (!Buffer.from(name, 'utf8').equals(b))
        throw new PodrunError(`${label}: ${dir}/${relDir ? relDir + '/' : ''}${name}: the file name is not valid UTF-8`, `rename it before ${purpose.doing}`);
      return name;
    });
  };

  async function addRegular(h: TarHeader, st: BigIntStats, pathFd: number, rel: string): Promise<void> {
    const key = `${st.dev}:${st.ino}`;
    const first = st.nlink > 1n ? firstLink.get(key) : undefined;
    if (first) {
      await writer.add({ ...h, type: 'hardlink', linkname: first, xattrs: {} });
      return;
    }
    // The O_PATH fd names a regular file; reopening it gives that very file, whatever the name
    // now is. O_NONBLOCK|O_NOCTTY are belt and braces: nothing but a regular file is reopened.
    const fd = openSync(fdPath(pathFd), C.O_RDONLY | C.O_NONBLOCK | C.O_NOCTTY);
    let streaming = false;
    try {
      const now = fstatSync(fd, { bigint: true });
      if (!sameObject(now, st) || (Number(now.mode) & C.S_IFMT) !== C.S_IFREG) throw new TreeChangedError(`${dir}/${rel}`, purpose);
      if (opts.overlayUpper && nat().fgetxattr(fd, 'trusted.overlay.metacopy') !== null) throw overlayRefuse(rel, 'trusted.overlay.metacopy');
      h.xattrs = xattrsOf({ fd });
      if (st.nlink > 1n) firstLink.set(key, rel);
      h.size = Number(now.size);
      bytes += h.size;
      if (bytes > maxBytes)
        throw new PodrunError(
          `${label}: ${dir}/${rel}: the layer would hold more than ${maxBytes} bytes of files (this one is ${h.size}${now.blocks * 512n < now.size / 2n ? ', mostly holes' : ''})`,
          `remove it before ${purpose.doing}, or raise ${LIMIT_ENV.maxBytes}=<bytes> (the same cap unpacking a layer has)`,
        );
      if (h.size === 0) {
        await writer.add(h);
        return;
      }
      if (h.size <= SMALL_FILE) {
        // One read, no stream: most files in a rootfs are small, and a stream per file costs
        // several thread-pool round trips. Bounded by SMALL_FILE, like one stream chunk.
        let buf = Buffer.allocUnsafe(h.size);
        let got = 0;
        for (let n = 1; got < h.size && n > 0; got += n) n = readSync(fd, buf, got, h.size - got, null);
        // Shrank while read (a live container, --pause=false): the entry is what was read, as a
        // layer of such a commit is of several moments anyway; the header is not written yet.
        if (got < h.size) buf = buf.subarray(0, got);
        await writer.add({ ...h, size: got }, buf);
        return;
      }
      streaming = true;
      const body = createReadStream('', { fd, highWaterMark: 64 * 1024 });
      try {
        await writer.add(h, body);
      } finally {
        body.destroy(); // closes fd if add() failed before reading to the end
      }
    } finally {
      if (!streaming) closeSync(fd);
    }
  }

  async function walk(dirFd: number, relDir: string, top = false): Promise<void> {
    const only = top ? opts.only : undefined;
    for (const name of only ? [only.name] : namesIn(dirFd, relDir)) {
      const rel = only ? only.as : relDir ? `${relDir}/${name}` : name;
      if (excluded.has(rel)) continue;
      let pathFd: number;
      try {
        pathFd = openSync(fdPath(dirFd, name), O_PATH | C.O_NOFOLLOW);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // removed since the listing: as if before
        throw e;
      }
      let below: number | undefined;
      try {
        below = await entry(dirFd, relDir, name, rel, pathFd);
      } finally {
        closeSync(pathFd);
      }
      // One fd per level of the tree: the O_PATH one is closed before going down.
      if (below !== undefined)
        try {
          await walk(below, rel);
        } finally {
          closeSync(below);
        }
    }
  }

  /** Archives one entry; for a directory, returns the open fd to walk below it (the caller closes it). */
  async function entry(dirFd: number, relDir: string, name: string, rel: string, pathFd: number): Promise<number | undefined> {
    // Longer than PATH_MAX, no runtime could unpack the entry (and the walk would hold ever more fds).
    if (Buffer.byteLength(rel) >= 4096)
      throw new PodrunError(`${label}: ${dir}/${rel.slice(0, 80)}...: a path of ${Buffer.byteLength(rel)} bytes, longer than a path may be (4095)`, `remove or shorten that tree before ${purpose.doing}`);
    const st = fstatSync(pathFd, { bigint: true });
    const fmt = Number(st.mode) & C.S_IFMT;

    if (opts.overlayUpper && fmt === C.S_IFCHR && st.rdev === 0n) {
      // overlayfs whiteout -> OCI `.wh.NAME` (docker writes an empty regular file).
      await writer.add(marker(relDir ? `${relDir}/${WHITEOUT_PREFIX}${name}` : `${WHITEOUT_PREFIX}${name}`, st));
      return;
    }
    if (!purpose.files && name.startsWith(WHITEOUT_PREFIX))
      throw new PodrunError(`${label}: ${dir}/${rel}: a file named ${name} would read as a whiteout in the layer`, `rename or remove it before ${purpose.doing}`);

    const h = base(rel, st);
    switch (fmt) {
      case C.S_IFDIR: {
        // A real fd on the same directory (O_PATH fds have no xattrs); the walk goes on below it.
        let fd: number;
        try {
          fd = openSync(fdPath(pathFd), C.O_RDONLY | C.O_DIRECTORY);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'EMFILE')
            throw new PodrunError(`${label}: ${dir}/${rel.slice(0, 80)}...: the tree is too deep for this process's open-file limit`, `raise \`ulimit -n\`, or remove that tree before ${purpose.doing}`);
          throw e;
        }
        try {
          if (!sameObject(fstatSync(fd, { bigint: true }), st)) throw new TreeChangedError(`${dir}/${rel}`, purpose);
          if (opts.overlayUpper && nat().fgetxattr(fd, 'trusted.overlay.redirect') !== null) throw overlayRefuse(rel, 'trusted.overlay.redirect');
          h.type = 'dir';
          h.xattrs = xattrsOf({ fd });
          await writer.add(h);
          if (opts.overlayUpper && nat().fgetxattr(fd, OVERLAY_OPAQUE_XATTR)?.toString() === 'y') await writer.add(marker(`${rel}/${WHITEOUT_OPAQUE}`, st));
        } catch (e) {
          closeSync(fd);
          throw e;
        }
        return fd;
      }
      case C.S_IFREG:
        await addRegular(h, st, pathFd, rel);
        break;
      case C.S_IFLNK:
        h.type = 'symlink';
        h.linkname = nat().readlinkFd(pathFd);
        h.xattrs = xattrsOf({ dirFd, name });
        await writer.add(h);
        break;
      case C.S_IFCHR:
      case C.S_IFBLK: {
        h.type = fmt === C.S_IFCHR ? 'char' : 'block';
        const { major, minor } = devNumbers(st.rdev);
        h.devmajor = major;
        h.devminor = minor;
        h.xattrs = xattrsOf({ dirFd, name });
        await writer.add(h);
        break;
      }
      case C.S_IFIFO:
        h.type = 'fifo';
        h.xattrs = xattrsOf({ dirFd, name });
        await writer.add(h);
        break;
      default:
        // Sockets belong to a running process, not to an image (docker skips them too).
        break;
    }
  }

  try {
    await walk(rootFd, '', true);
  } finally {
    closeSync(rootFd);
  }
  await writer.finish();
}
