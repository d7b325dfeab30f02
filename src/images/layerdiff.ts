// Writes a directory (a rootfs, or an overlayfs upperdir after a container ran) as a layer tar.
// The walk is depth-first with each directory's names in byte order, and no header carries
// anything that varies between runs (no atime/ctime, no uname/gname lookups, mtime in whole
// seconds as docker writes it), so the same tree always gives the same digest.
import { BigIntStats, closeSync, constants as C, createReadStream, lstatSync, openSync, readdirSync, readlinkSync, readSync } from 'fs';
import { join } from 'path';
import { PodrunError } from '../util/errors';
import type { PodrunNative } from '../util/native';
import { createTarWriter, TarHeader } from './tar';
import { OVERLAY_OPAQUE_XATTR, WHITEOUT_OPAQUE, WHITEOUT_PREFIX } from './unpack';

const SMALL_FILE = 64 * 1024;

export interface LayerTarOptions {
  /** Translate overlayfs whiteouts (0/0 char devices, opaque dirs) into OCI `.wh.` entries. */
  overlayUpper?: boolean;
  /** Container paths ('/etc/hosts') left out entirely, with everything below them. */
  exclude?: string[];
  native?: PodrunNative;
}

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
  let nativeOps = opts.native;
  const nat = (): PodrunNative => {
    if (!nativeOps) {
      nativeOps = (require('../util/native') as typeof import('../util/native')).native();
    }
    return nativeOps;
  };
  const excluded = new Set(
    (opts.exclude ?? []).map((p) => {
      const rel = p.split('/').filter((c) => c && c !== '.').join('/');
      if (!rel || rel.split('/').includes('..'))
        throw new PodrunError(`layer diff: exclude path ${JSON.stringify(p)} must be an absolute container path below /`);
      return rel;
    }),
  );
  const root = lstatSync(dir);
  if (!root.isDirectory()) throw new PodrunError(`layer diff: ${dir} is not a directory`);

  const writer = createTarWriter(out);
  const firstLink = new Map<string, string>(); // "dev:ino" -> first archived name
  const xattrsOf = (path: string): Record<string, Buffer> => {
    const out: Record<string, Buffer> = {};
    for (const name of nat().llistxattr(path).sort()) {
      if (skipXattr(name)) continue;
      const v = nat().lgetxattr(path, name);
      if (v) out[name] = v;
    }
    return out;
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

  async function walk(relDir: string): Promise<void> {
    const names = readdirSync(relDir ? join(dir, relDir) : dir).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const name of names) {
      const rel = relDir ? `${relDir}/${name}` : name;
      if (excluded.has(rel)) continue;
      const path = join(dir, rel);
      const st = lstatSync(path, { bigint: true });
      const mode = Number(st.mode);
      const fmt = mode & C.S_IFMT;

      if (opts.overlayUpper && fmt === C.S_IFCHR && st.rdev === 0n) {
        // overlayfs whiteout -> OCI `.wh.NAME` (docker writes an empty regular file).
        await writer.add(marker(relDir ? `${relDir}/${WHITEOUT_PREFIX}${name}` : `${WHITEOUT_PREFIX}${name}`, st));
        continue;
      }
      if (name.startsWith(WHITEOUT_PREFIX))
        throw new PodrunError(`layer diff: ${path}: a file named ${name} would read as a whiteout in the layer`, 'rename or remove it before committing');

      const h = base(rel, st);
      if (opts.overlayUpper) {
        for (const x of ['trusted.overlay.redirect', 'trusted.overlay.metacopy'])
          if (nat().lgetxattr(path, x) !== null)
            throw new PodrunError(
              `layer diff: ${path} has ${x}; overlay redirect_dir/metacopy upper dirs cannot be diffed`,
              'mount overlay with redirect_dir=off,metacopy=off',
            );
      }
      h.xattrs = xattrsOf(path);
      switch (fmt) {
        case C.S_IFDIR: {
          h.type = 'dir';
          await writer.add(h);
          if (opts.overlayUpper && nat().lgetxattr(path, OVERLAY_OPAQUE_XATTR)?.toString() === 'y')
            await writer.add(marker(`${rel}/${WHITEOUT_OPAQUE}`, st));
          await walk(rel);
          break;
        }
        case C.S_IFREG: {
          const key = `${st.dev}:${st.ino}`;
          const first = st.nlink > 1n ? firstLink.get(key) : undefined;
          if (first) {
            await writer.add({ ...h, type: 'hardlink', linkname: first, xattrs: {} });
            break;
          }
          if (st.nlink > 1n) firstLink.set(key, rel);
          h.size = Number(st.size);
          if (h.size === 0) {
            await writer.add(h);
            break;
          }
          const fd = openSync(path, C.O_RDONLY | C.O_NOFOLLOW);
          if (h.size <= SMALL_FILE) {
            // One read, no stream: most files in a rootfs are small, and a stream per file costs
            // several thread-pool round trips. Bounded by SMALL_FILE, like one stream chunk.
            let buf: Buffer;
            try {
              buf = Buffer.allocUnsafe(h.size);
              let got = 0;
              for (let n = 1; got < h.size && n > 0; got += n) n = readSync(fd, buf, got, h.size - got, null);
              if (got < h.size) buf = buf.subarray(0, got); // shrank meanwhile: add() reports it
            } finally {
              closeSync(fd);
            }
            await writer.add(h, buf);
            break;
          }
          const body = createReadStream('', { fd, highWaterMark: 64 * 1024 });
          try {
            await writer.add(h, body);
          } finally {
            body.destroy(); // closes fd if add() failed before reading to the end
          }
          break;
        }
        case C.S_IFLNK:
          h.type = 'symlink';
          h.linkname = readlinkSync(path);
          await writer.add(h);
          break;
        case C.S_IFCHR:
        case C.S_IFBLK: {
          h.type = fmt === C.S_IFCHR ? 'char' : 'block';
          const { major, minor } = devNumbers(st.rdev);
          h.devmajor = major;
          h.devminor = minor;
          await writer.add(h);
          break;
        }
        case C.S_IFIFO:
          h.type = 'fifo';
          await writer.add(h);
          break;
        default:
          // Sockets belong to a running process, not to an image (docker skips them too).
          break;
      }
    }
  }

  await walk('');
  await writer.finish();
}
