// Making new images from local content: `podrun import` (a rootfs dir or tar -> one-layer image)
// and `podrun commit` (an existing image + the container's changes as extra layers). Layers are
// stored gzip-compressed as OCI tar+gzip; the diff ID is the sha256 of the uncompressed tar.
import { createHash } from 'crypto';
import { createReadStream, readSync } from 'fs';
import { rm } from 'fs/promises';
import { PassThrough, Readable, Transform } from 'stream';
import { finished, pipeline } from 'stream/promises';
import { createGzip, createGunzip } from 'zlib';
import { PodrunError, UsageError } from '../util/errors';
import { openUserFile } from '../util/input';
import { Descriptor, HistoryEntry, ImageConfigFile, Manifest, MT } from './oci';
import { hostPlatform } from './platform';
import { parseTagReference } from './reference';
import type { ImageRecord, ImageStore } from './store';
import type { ImageConfig } from './types';

export interface CreateImageOptions {
  /** Reference or image id of the image to build on; none: a new base image (import). */
  base?: string;
  /** Uncompressed (or gzip-compressed) tar files, lowest first, added on top of the base. */
  layers: { path: string }[];
  /** Keys replace the base image's config keys (Env, Cmd, Entrypoint, WorkingDir, ...). */
  config?: Partial<ImageConfig>;
  /** History entry for the new layers, e.g. `Imported from /srv/rootfs` or a commit message. */
  comment?: string;
  createdBy?: string;
  author?: string;
  /** NAME[:TAG] to record the new image under. */
  tag: string;
  /** Defaults to now. */
  created?: Date;
}

function isGzipFd(fd: number): boolean {
  const b = Buffer.alloc(2);
  return readSync(fd, b, 0, 2, 0) === 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/** A tar starts with a header block whose checksum is right (or is empty: a tar of nothing). */
function checkTarHeader(first: Buffer, path: string): void {
  if (first.length === 0) return;
  const block = first.subarray(0, 512);
  if (block.length < 512) throw new PodrunError(`${path} is not a tar archive (shorter than one 512-byte block)`);
  if (block.every((b) => b === 0)) return;
  const stored = parseInt(block.subarray(148, 156).toString('latin1').replace(/\0.*$/, '').trim(), 8);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : block[i];
  if (stored !== sum)
    throw new PodrunError(`${path} is not a tar archive (bad header checksum)`, 'give a directory, a .tar or a .tar.gz file');
}

/**
 * Stores one layer tar as a gzip blob and returns its descriptor and diff ID; the tar is read once,
 * hashed uncompressed and compressed on the way into the store.
 */
export async function ingestLayerTar(store: ImageStore, path: string): Promise<{ desc: Descriptor; diffId: string }> {
  // One fd, checked to be a regular file: a device or FIFO swapped in after import's stat is refused.
  const { fd } = openUserFile(path, { accepts: 'podrun imports a root filesystem directory or a .tar/.tar.gz file' });
  const gzip = isGzipFd(fd);
  const raw = createReadStream(path, { fd, start: 0 });
  const source: Readable = gzip ? raw.pipe(createGunzip()) : raw;
  const diff = createHash('sha256');
  let firstBlock: Buffer | undefined = Buffer.alloc(0);
  const hasher = new Transform({
    transform(chunk: Buffer, _e, cb) {
      if (firstBlock !== undefined) {
        firstBlock = Buffer.concat([firstBlock, chunk]);
        if (firstBlock.length >= 512) {
          try {
            checkTarHeader(firstBlock, path);
          } catch (e) {
            return cb(e as Error);
          }
          firstBlock = undefined;
        }
      }
      diff.update(chunk);
      cb(null, chunk);
    },
    flush(cb) {
      try {
        if (firstBlock !== undefined) checkTarHeader(firstBlock, path);
        cb();
      } catch (e) {
        cb(e as Error);
      }
    },
  });
  const out = new PassThrough();
  const feeding = pipeline(source, hasher, createGzip({ level: 6 }), out);
  const [put] = await Promise.all([
    store.putBlob(out, { what: `layer from ${path}` }),
    feeding.catch((e: Error) => {
      out.destroy(e);
      throw e instanceof PodrunError ? e : new PodrunError(`reading ${path}: ${e.message}`);
    }),
  ]).finally(() => raw.destroy()); // closes the fd, also when gunzip failed before reaching its end
  return { desc: { mediaType: MT.ociLayerGzip, digest: put.digest, size: put.size }, diffId: `sha256:${diff.digest('hex')}` };
}

/** Builds, stores and names a new image; see CreateImageOptions. Returns its record. */
export async function createImage(store: ImageStore, opts: CreateImageOptions): Promise<ImageRecord> {
  const target = parseTagReference(opts.tag);
  return store.withWriteLock(async () => {
    let baseManifest: Manifest | undefined;
    let baseConfig: ImageConfigFile | undefined;
    if (opts.base) {
      const rec = store.get(opts.base);
      const img = await store.readImage(rec);
      baseManifest = img.manifest;
      baseConfig = img.config;
    }
    const added: { desc: Descriptor; diffId: string }[] = [];
    for (const l of opts.layers) added.push(await ingestLayerTar(store, l.path));
    const created = (opts.created ?? new Date()).toISOString();
    const host = hostPlatform();
    const history: HistoryEntry[] = [...(baseConfig?.history ?? [])];
    for (let i = 0; i < added.length; i++)
      history.push({
        created,
        created_by: opts.createdBy ?? (opts.base ? 'podrun commit' : 'podrun import'),
        ...(opts.comment ? { comment: opts.comment } : {}),
        ...(opts.author ? { author: opts.author } : {}),
      });
    if (!added.length) history.push({ created, created_by: opts.createdBy ?? 'podrun commit', empty_layer: true, ...(opts.comment ? { comment: opts.comment } : {}) });
    const config: ImageConfigFile = {
      ...(baseConfig ?? {}),
      created,
      ...(opts.author ? { author: opts.author } : {}),
      architecture: baseConfig?.architecture ?? host.architecture,
      os: baseConfig?.os ?? host.os,
      ...(baseConfig?.variant ?? host.variant ? { variant: baseConfig?.variant ?? host.variant } : {}),
      config: { ...(baseConfig?.config ?? {}), ...(opts.config ?? {}) },
      rootfs: { type: 'layers', diff_ids: [...(baseConfig?.rootfs.diff_ids ?? []), ...added.map((a) => a.diffId)] },
      history,
    };
    const cfg = await store.putJson(config);
    const manifest: Manifest = {
      schemaVersion: 2,
      mediaType: MT.ociManifest,
      config: { mediaType: MT.ociConfig, digest: cfg.digest, size: cfg.size },
      layers: [...(baseManifest?.layers ?? []), ...added.map((a) => a.desc)],
    };
    const man = await store.putJson(manifest);
    return store.recordImage(target, man.digest);
  });
}

/**
 * `podrun import SRC NAME:TAG`: SRC is a root filesystem directory (archived with the layer
 * writer) or a tar / tar.gz file. Returns the new image's record.
 */
export async function importRootfs(
  store: ImageStore,
  src: string,
  tag: string,
  opts: { config?: Partial<ImageConfig>; message?: string; /** how the history names SRC (`-` for stdin) */ source?: string } = {},
): Promise<ImageRecord> {
  const { statSync, createWriteStream } = require('fs') as typeof import('fs');
  parseTagReference(tag);
  let st;
  try {
    st = statSync(src);
  } catch {
    throw new UsageError(`${src}: no such file or directory`, 'give a root filesystem directory or a .tar/.tar.gz file');
  }
  const as = opts.source ?? src;
  const common = { config: opts.config, comment: opts.message ?? `Imported from ${as}`, createdBy: `podrun import ${as}`, tag };
  if (st.isFile()) return createImage(store, { ...common, layers: [{ path: src }] });
  if (!st.isDirectory()) throw new PodrunError(`${src} is neither a directory nor a file`, 'give a root filesystem directory or a .tar/.tar.gz file');
  const { writeLayerTar } = require('./layerdiff') as {
    writeLayerTar: (dir: string, out: NodeJS.WritableStream, o?: { overlayUpper?: boolean; exclude?: string[] }) => Promise<unknown>;
  };
  const tmp = store.tempPath('import.tar');
  try {
    const out = createWriteStream(tmp, { mode: 0o600 });
    await writeLayerTar(src, out);
    if (!out.writableEnded) out.end();
    await finished(out);
    return await createImage(store, { ...common, layers: [{ path: tmp }] });
  } finally {
    await rm(tmp, { force: true });
  }
}
