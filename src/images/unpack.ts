// Unpacks one uncompressed layer tar into a fresh, empty directory, refusing anything that could
// write outside it (SECURITY.md "Layers" 18–24). The safety argument: `dest` is new and we are
// its only writer, so a path component we lstat'ed as a real directory stays one until we replace
// it ourselves (the caches below are invalidated when we do). Nothing is ever opened through a
// symlink: files are created with O_EXCL|O_NOFOLLOW under verified parents, and symlinks,
// devices and hardlinks are created as the last component only. OCI whiteouts become overlayfs
// whiteouts, so an unpacked layer can be used directly as an overlay lowerdir.
import {
  closeSync,
  constants as C,
  fchmodSync,
  fchownSync,
  futimesSync,
  lchownSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readdirSync,
  rmSync,
  Stats,
  symlinkSync,
  chmodSync,
  writeSync,
} from 'fs';
import { join } from 'path';
import { Readable, Transform } from 'stream';
import { PodrunError, SyscallError, isErrno } from '../util/errors';
import { log } from '../util/diagnostics';
import type { PodrunNative } from '../util/native';
import { readTar, TarFormatError, TarHeader } from './tar';

export interface UnpackLimits {
  /** Cap on the uncompressed tar stream, in bytes. */
  maxBytes: number;
  /** Cap on the number of entries. */
  maxEntries: number;
  /**
   * Cap on uncompressed / compressed bytes of a compressed layer, checked once more than
   * `ratioFloorBytes` have come out (a decompression bomb; real layers compress 2-10x).
   */
  maxRatio: number;
  /** Uncompressed bytes below which any ratio is fine (small layers of zeros or text compress well). */
  ratioFloorBytes: number;
}

// docs/layers.md "Limits" says why these numbers.
export const DEFAULT_UNPACK_LIMITS: UnpackLimits = { maxBytes: 32 * 1024 ** 3, maxEntries: 1_000_000, maxRatio: 100, ratioFloorBytes: 512 * 1024 ** 2 };

/** Env overrides for the defaults, so a user can raise a cap without a code change. */
export const LIMIT_ENV = {
  maxBytes: 'PODRUN_LAYER_MAX_BYTES',
  maxEntries: 'PODRUN_LAYER_MAX_ENTRIES',
  maxRatio: 'PODRUN_LAYER_MAX_RATIO',
  ratioFloorBytes: 'PODRUN_LAYER_RATIO_FLOOR_BYTES',
} as const;

/** A layer that cannot be unpacked safely or at all; names the layer and the entry. */
export class LayerError extends PodrunError {
  constructor(
    readonly layer: string,
    readonly entry: string | undefined,
    readonly detail: string,
    hint?: string,
  ) {
    super(`layer ${layer}: ${entry !== undefined ? `entry ${JSON.stringify(entry)}: ` : ''}${detail}`, hint);
  }
}

export interface UnpackResult {
  entries: number;
  /** Uncompressed tar bytes read (what `maxBytes` caps). */
  bytes: number;
  /** Sum of regular file sizes written. */
  fileBytes: number;
}

export const WHITEOUT_PREFIX = '.wh.';
export const WHITEOUT_OPAQUE = '.wh..wh..opq';
/** aufs bookkeeping entries some old images carry; meaningless for overlay, skipped as docker does. */
const AUFS_META = new Set(['.wh..wh.plnk', '.wh..wh.aufs', '.wh..wh.orph']);
export const OVERLAY_OPAQUE_XATTR = 'trusted.overlay.opaque';

// Linux dev_t as the kernel encodes it for mknod: 12-bit major, 20-bit minor.
const MAX_MAJOR = 4095;
const MAX_MINOR = 1048575;

export function resolveLimits(partial?: Partial<UnpackLimits>, env: NodeJS.ProcessEnv = process.env): UnpackLimits {
  const fromEnv = (k: keyof UnpackLimits): number | undefined => {
    const raw = env[LIMIT_ENV[k]];
    if (raw === undefined || raw === '') return undefined;
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n <= 0)
      throw new PodrunError(`${LIMIT_ENV[k]}=${JSON.stringify(raw)} is not a positive integer`, `e.g. ${LIMIT_ENV[k]}=${DEFAULT_UNPACK_LIMITS[k]}`);
    return n;
  };
  const pick = (k: keyof UnpackLimits) => partial?.[k] ?? fromEnv(k) ?? DEFAULT_UNPACK_LIMITS[k];
  return { maxBytes: pick('maxBytes'), maxEntries: pick('maxEntries'), maxRatio: pick('maxRatio'), ratioFloorBytes: pick('ratioFloorBytes') };
}

/**
 * Why `uncompressed` bytes out of `compressed` bytes are too many, or undefined: past the floor,
 * more than `maxRatio` times the compressed size. `compressed` is the whole blob's size, so the
 * ratio so far only grows: a stream refused here would be refused at its end too.
 */
export function expansionProblem(uncompressed: number, compressed: number | undefined, limits: UnpackLimits): { detail: string; hint: string } | undefined {
  if (compressed === undefined || uncompressed <= limits.ratioFloorBytes || uncompressed <= limits.maxRatio * compressed) return undefined;
  return {
    detail:
      `expands more than ${limits.maxRatio} times its compressed size: at least ${uncompressed} bytes from ${compressed} compressed, ` +
      `past the ${limits.ratioFloorBytes}-byte floor (limits.maxRatio)`,
    hint: `this looks like a decompression bomb; if the image is trusted, raise it with ${LIMIT_ENV.maxRatio}=<n> (or ${LIMIT_ENV.ratioFloorBytes}=<bytes>)`,
  };
}

/**
 * Passes a decompressed stream through, failing it with a PodrunError naming `what` as soon as it
 * has expanded past the ratio limit (`podrun load` of a .tar.gz archive; layers check inside
 * unpackLayer, where the error names the entry too).
 */
export function expansionGuard(compressedBytes: number, what: string, limits: UnpackLimits = resolveLimits()): Transform {
  let out = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      out += chunk.length;
      const p = expansionProblem(out, compressedBytes, limits);
      if (p) cb(new PodrunError(`${what}: ${p.detail}`, p.hint));
      else cb(null, chunk);
    },
  });
}

/**
 * Splits an archive name into safe components: `./` and empty parts dropped, absolute names,
 * `..` and NUL rejected. Returns [] for the root itself ("." or "./"). Throws a plain message.
 */
export function safeComponents(name: string): string[] {
  if (name.includes('\0')) throw new Error('name contains a NUL byte');
  if (name.startsWith('/')) throw new Error('absolute path names are not allowed in a layer');
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new Error('path contains a ".." component');
  return parts;
}

/** The whiteout a basename denotes, or undefined when it is an ordinary name. Throws if invalid. */
export function parseWhiteout(base: string): { opaque: true } | { hides: string } | { skip: true } | undefined {
  if (!base.startsWith(WHITEOUT_PREFIX)) return undefined;
  if (base === WHITEOUT_OPAQUE) return { opaque: true };
  if (AUFS_META.has(base)) return { skip: true };
  const hides = base.slice(WHITEOUT_PREFIX.length);
  if (hides.startsWith(WHITEOUT_PREFIX)) throw new Error(`unknown whiteout meta entry ${JSON.stringify(base)}`);
  if (hides === '' || hides === '.' || hides === '..' || hides.includes('/'))
    throw new Error(`invalid whiteout name ${JSON.stringify(base)}`);
  return { hides };
}

function isWhiteout(st: Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

function lstatOrNull(p: string): Stats | null {
  try {
    return lstatSync(p);
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return null;
    throw e;
  }
}

/** Unpacks an *uncompressed* layer tar into `dest` (must exist and be empty). OCI whiteouts become overlayfs whiteouts. */
export async function unpackLayer(
  tar: NodeJS.ReadableStream,
  dest: string,
  opts: {
    layer: string;
    limits?: Partial<UnpackLimits>;
    native?: PodrunNative;
    /** Size of the compressed blob `tar` is inflated from (none: not compressed, no ratio check). */
    compressedBytes?: number;
  },
): Promise<UnpackResult> {
  const layer = opts.layer;
  const limits = resolveLimits(opts.limits);
  let nativeOps = opts.native;
  const nat = (): PodrunNative => {
    if (!nativeOps) {
      nativeOps = (require('../util/native') as typeof import('../util/native')).native();
    }
    return nativeOps;
  };

  const destStat = lstatOrNull(dest);
  if (!destStat || !destStat.isDirectory())
    throw new LayerError(layer, undefined, `unpack target ${dest} is not a directory`);
  if (readdirSync(dest).length) throw new LayerError(layer, undefined, `unpack target ${dest} is not empty`);

  let current: string | undefined; // entry being processed, for error messages
  let tarBytes = 0;
  const capError = (what: string) =>
    new LayerError(
      layer,
      current,
      `layer exceeds the ${what === 'bytes' ? `${limits.maxBytes}-byte uncompressed size` : `${limits.maxEntries}-entry`} cap (limits.${what === 'bytes' ? 'maxBytes' : 'maxEntries'})`,
      `if the image is trusted, raise it with ${what === 'bytes' ? LIMIT_ENV.maxBytes : LIMIT_ENV.maxEntries}=<n>`,
    );
  const checkRatio = (uncompressed: number) => {
    const p = expansionProblem(uncompressed, opts.compressedBytes, limits);
    if (p) throw new LayerError(layer, current, p.detail, p.hint);
  };
  // Counts every byte of the uncompressed stream (headers, padding, trailing data after the end
  // marker too), so a decompression bomb stops at the caps whatever shape it has.
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of tar as AsyncIterable<Buffer | string>) {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      tarBytes += b.length;
      if (tarBytes > limits.maxBytes) throw capError('bytes');
      checkRatio(tarBytes);
      yield b;
    }
  }

  const realDirs = new Set<string>(['']); // relative paths lstat'ed (or made) as real directories
  const regularFiles = new Set<string>(); // regular files created by this layer: hardlink targets
  const dirTimes = new Map<string, number>(); // dir mtimes, applied at the end
  let entries = 0;
  let fileBytes = 0;

  const fail = (detail: string, hint?: string): never => {
    throw new LayerError(layer, current, detail, hint);
  };
  const abs = (rel: string) => (rel ? join(dest, rel) : dest);

  /** Forget everything known at or below `rel`, before it is removed or replaced. */
  const forget = (rel: string) => {
    for (const set of [realDirs, regularFiles])
      for (const k of set) if (k === rel || k.startsWith(`${rel}/`)) set.delete(k);
    for (const k of dirTimes.keys()) if (k === rel || k.startsWith(`${rel}/`)) dirTimes.delete(k);
  };

  /** Every parent must be a real directory (never a symlink); missing ones are made 0755 as tar does. */
  const ensureParents = (parts: string[]): string => {
    let rel = '';
    for (const comp of parts) {
      if (comp.startsWith(WHITEOUT_PREFIX)) fail(`whiteout name ${JSON.stringify(comp)} used as a directory`);
      rel = rel ? `${rel}/${comp}` : comp;
      if (realDirs.has(rel)) continue;
      const st = lstatOrNull(abs(rel));
      if (!st) mkdirSync(abs(rel), 0o755);
      else if (isWhiteout(st)) replaceWhiteoutWithDir(rel, 0o755);
      else if (st.isSymbolicLink()) fail(`parent ${JSON.stringify(rel)} is a symlink; refusing to write through it`);
      else if (!st.isDirectory()) fail(`parent ${JSON.stringify(rel)} is not a directory`);
      realDirs.add(rel);
    }
    return rel;
  };

  /**
   * A whiteout applies only to lower layers (OCI image-spec layer.md): when this layer also has
   * content at that path, the path is present with *only* this layer's content, i.e. an opaque dir.
   */
  const replaceWhiteoutWithDir = (rel: string, mode: number) => {
    rmSync(abs(rel));
    mkdirSync(abs(rel), mode);
    nat().lsetxattr(abs(rel), OVERLAY_OPAQUE_XATTR, Buffer.from('y'));
  };

  /** Makes room for a new non-directory at `rel` (a later entry replaces an earlier one, as tar does). */
  const clear = (rel: string, st: Stats | null) => {
    if (!st) return;
    forget(rel);
    rmSync(abs(rel), { recursive: st.isDirectory(), force: true });
  };

  const applyXattrs = (path: string, h: TarHeader) => {
    for (const [key, value] of Object.entries(h.xattrs)) {
      if (key.includes('\0') || key === '') fail(`xattr name ${JSON.stringify(key)} is invalid`);
      if (key.startsWith('trusted.overlay.'))
        fail(`xattr ${key} is reserved for overlayfs; a layer may not set it`, 'whiteouts are expressed as .wh. entries');
      try {
        nat().lsetxattr(path, key, value);
      } catch (e) {
        // Not every filesystem (or symlinks, for user.*) takes every namespace: docker warns too.
        if (isErrno(e, 'ENOTSUP') || isErrno(e, 'EOPNOTSUPP') || isErrno(e, 'EPERM')) {
          log().warn(`layer ${layer}: entry ${JSON.stringify(h.name)}: xattr ${key} not set (${(e as SyscallError).code})`);
        } else throw e;
      }
    }
  };

  const mknod = (path: string, h: TarHeader, ifmt: number) => {
    let dev = 0;
    if (h.type === 'char' || h.type === 'block') {
      if (!(h.devmajor >= 0 && h.devmajor <= MAX_MAJOR && h.devminor >= 0 && h.devminor <= MAX_MINOR))
        fail(`device number ${h.devmajor}:${h.devminor} out of range (major 0..${MAX_MAJOR}, minor 0..${MAX_MINOR})`);
      dev = nat().makedev(h.devmajor, h.devminor);
    }
    nat().mknod(path, ifmt | (h.mode & 0o7777), dev);
  };

  const finishMeta = (path: string, h: TarHeader, isLink: boolean) => {
    // chown first: it clears setuid/setgid and security.capability, so mode and xattrs come after.
    lchownSync(path, h.uid, h.gid);
    if (!isLink) chmodSync(path, h.mode & 0o7777);
    applyXattrs(path, h);
    lutimesSync(path, h.mtime, h.mtime);
  };

  async function writeFile(path: string, h: TarHeader, body: Readable): Promise<void> {
    const fd = openSync(path, C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, 0o600);
    try {
      // Synchronous writes of each chunk as it arrives: still streaming (one chunk in memory), but
      // without a thread-pool round trip per chunk, which dominates for layers of small files.
      for await (const chunk of body as AsyncIterable<Buffer>) {
        for (let off = 0; off < chunk.length; ) off += writeSync(fd, chunk, off);
      }
      fchownSync(fd, h.uid, h.gid);
      fchmodSync(fd, h.mode & 0o7777);
      applyXattrs(path, h);
      futimesSync(fd, h.mtime, h.mtime);
    } finally {
      closeSync(fd);
    }
    fileBytes += h.size;
  }

  async function unpackEntry(h: TarHeader, body: Readable): Promise<void> {
    let parts: string[];
    try {
      parts = safeComponents(h.name);
    } catch (e) {
      return fail((e as Error).message);
    }
    if (parts.length === 0) return; // "." itself: dest belongs to the store, as in docker
    const base = parts[parts.length - 1];
    const parentRel = ensureParents(parts.slice(0, -1));
    const rel = parentRel ? `${parentRel}/${base}` : base;

    let wh: ReturnType<typeof parseWhiteout>;
    try {
      wh = parseWhiteout(base);
    } catch (e) {
      return fail((e as Error).message);
    }
    if (wh) {
      body.resume();
      if ('skip' in wh) return;
      if ('opaque' in wh) {
        nat().lsetxattr(abs(parentRel), OVERLAY_OPAQUE_XATTR, Buffer.from('y'));
        return;
      }
      const target = parentRel ? `${parentRel}/${wh.hides}` : wh.hides;
      // Something this layer already put there stays: the whiteout hides lower layers only.
      if (lstatOrNull(abs(target))) return;
      // overlayfs whiteout: a character device 0/0.
      nat().mknod(abs(target), C.S_IFCHR, nat().makedev(0, 0));
      lchownSync(abs(target), h.uid, h.gid);
      return;
    }

    const path = abs(rel);
    const existing = lstatOrNull(path);
    if (h.type === 'dir') {
      body.resume();
      if (existing && isWhiteout(existing)) replaceWhiteoutWithDir(rel, 0o700);
      else if (existing && !existing.isDirectory())
        fail(`a directory would replace an existing ${existing.isSymbolicLink() ? 'symlink' : 'non-directory'} from an earlier entry`);
      if (!lstatOrNull(path)) mkdirSync(path, 0o700);
      realDirs.add(rel);
      lchownSync(path, h.uid, h.gid);
      chmodSync(path, h.mode & 0o7777);
      applyXattrs(path, h);
      dirTimes.set(rel, h.mtime);
      return;
    }

    if (h.type === 'hardlink') {
      body.resume();
      let targetParts: string[];
      try {
        targetParts = safeComponents(h.linkname);
      } catch (e) {
        return fail(`hardlink target ${JSON.stringify(h.linkname)}: ${(e as Error).message}`);
      }
      const targetRel = targetParts.join('/');
      if (!regularFiles.has(targetRel))
        fail(`hardlink target ${JSON.stringify(h.linkname)} is not an earlier regular file in this layer`);
      const tst = lstatOrNull(abs(targetRel));
      if (!tst || !tst.isFile()) fail(`hardlink target ${JSON.stringify(h.linkname)} is not a regular file`);
      if (targetRel === rel) return; // a link to itself: nothing to do
      clear(rel, existing);
      // link(2) without AT_SYMLINK_FOLLOW never follows; metadata is the target inode's.
      linkSync(abs(targetRel), path);
      regularFiles.add(rel);
      return;
    }

    clear(rel, existing);
    switch (h.type) {
      case 'file':
        await writeFile(path, h, body);
        regularFiles.add(rel);
        return;
      case 'symlink':
        body.resume();
        // The target may point anywhere: it is resolved inside the container at run time, and
        // unpack never follows it (parents are checked with lstat).
        if (h.linkname.includes('\0')) fail('symlink target contains a NUL byte');
        symlinkSync(h.linkname, path);
        finishMeta(path, h, true);
        return;
      case 'char':
        body.resume();
        mknod(path, h, C.S_IFCHR);
        finishMeta(path, h, false);
        return;
      case 'block':
        body.resume();
        mknod(path, h, C.S_IFBLK);
        finishMeta(path, h, false);
        return;
      case 'fifo':
        body.resume();
        mknod(path, h, C.S_IFIFO);
        finishMeta(path, h, false);
        return;
    }
  }

  try {
    for await (const { header, body } of readTar(Readable.from(counted()))) {
      current = header.name;
      if (++entries > limits.maxEntries) throw capError('entries');
      if (tarBytes + header.size > limits.maxBytes) throw capError('bytes');
      checkRatio(tarBytes + header.size);
      await unpackEntry(header, body);
    }
    current = undefined;
    // Creating children bumped directory mtimes: set them last (any order: utimes on a dir does
    // not touch its parent).
    for (const [rel, mtime] of dirTimes) {
      current = rel;
      lutimesSync(abs(rel), mtime, mtime);
    }
  } catch (e) {
    if (e instanceof LayerError) throw e;
    if (e instanceof TarFormatError) throw new LayerError(layer, current, e.message.replace(/^tar: /, 'corrupt tar: '), e.hint);
    if (e instanceof SyscallError || typeof (e as NodeJS.ErrnoException)?.code === 'string')
      throw new LayerError(layer, current, (e as Error).message);
    throw e;
  }
  return { entries, bytes: tarBytes, fileBytes };
}
