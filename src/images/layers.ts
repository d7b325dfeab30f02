// Unpacking a layer blob once into layers/<chainID hex>/diff, shared by every image and container
// that has the same layer on the same parents. Keyed by chain ID (not diff ID) because whiteouts
// and opaque dirs only mean something relative to the layers below.
import { removeTree } from '../util/remove-tree';
import type * as Crypto from 'crypto';
import { existsSync, mkdirSync, renameSync } from 'fs';
import { join } from 'path';
import type * as Stream from 'stream';
import type * as Zlib from 'zlib';
import { PodrunError } from '../util/errors';
import { withFileLock } from './lock';
import { layerCompression } from './oci';
import { chainIds, type ImageEntry, type ImageStore, type LayerInfo } from './store';
import { writeFileAtomic } from '../state/atomic';

// Loaded on first use: resolving an image whose layers are unpacked already (every apply) needs none
// of them, and together they cost ~15 ms of start-up.
const crypto = () => require('crypto') as typeof Crypto;
const stream = () => require('stream') as typeof Stream;

type UnpackLayer = (tar: Stream.Readable, dest: string, opts: { layer: string; compressedBytes?: number }) => Promise<unknown>;

/** The decompressed stream of a layer blob (gzip or plain tar; zstd is refused by media type). */
export function openLayerTar(store: ImageStore, layer: { digest: string; mediaType: string }): Stream.Readable {
  const compression = layerCompression(layer.mediaType, layer.digest);
  const blob = store.openBlob(layer.digest);
  if (compression === 'none') return blob;
  const gunzip = (require('zlib') as typeof Zlib).createGunzip();
  // pipeline: an error or destroy on either side tears down both (no open blob fd left behind).
  stream().pipeline(blob, gunzip, () => undefined);
  return gunzip;
}


/**
 * Feeds `tar` to `unpack` while hashing every byte of it (one decompression pass). The unpacker may
 * stop reading at the end-of-archive blocks and close its input; the hash still covers the rest.
 */
async function unpackHashing(tar: Stream.Readable, unpack: (feed: Stream.Readable) => Promise<unknown>, what: string): Promise<string> {
  const hash = crypto().createHash('sha256');
  const feed = new (stream().PassThrough)();
  const open = () => !feed.destroyed && !feed.writableEnded;
  const drainOrClose = () =>
    new Promise<void>((res) => {
      const done = () => {
        feed.off('drain', done);
        feed.off('close', done);
        res();
      };
      feed.on('drain', done);
      feed.on('close', done);
    });
  const pump = async () => {
    try {
      for await (const chunk of tar) {
        hash.update(chunk as Buffer);
        if (open() && !feed.write(chunk)) await drainOrClose();
      }
      if (open()) feed.end();
    } catch (e) {
      const err = new PodrunError(`layer ${what}: ${(e as Error).message}`, 'the blob is corrupt; remove the image and pull or load it again');
      feed.destroy(err);
      throw err;
    }
  };
  const unpacking = unpack(feed).catch((e) => {
    tar.destroy();
    throw e;
  });
  const pumping = pump();
  const [u, p] = await Promise.allSettled([unpacking, pumping]);
  if (u.status === 'rejected') throw u.reason;
  if (p.status === 'rejected') throw p.reason;
  return `sha256:${hash.digest('hex')}`;
}

export async function ensureLayer(store: ImageStore, layer: LayerInfo, chainId: string, parentChainId?: string): Promise<string> {
  const dir = store.layerDir(chainId);
  const diff = join(dir, 'diff');
  if (existsSync(diff)) return diff;
  return withFileLock(store.layerLockPath(chainId), 'exclusive', async () => {
    // Someone else may have finished it while we waited for the lock.
    if (existsSync(diff)) return diff;
    const tmp = store.tempPath('layer');
    mkdirSync(join(tmp, 'diff'), { recursive: true, mode: 0o755 });
    try {
      const { unpackLayer } = require('./unpack') as { unpackLayer: UnpackLayer };
      // A compressed layer's blob size bounds how far it may expand (unpack.ts, limits.maxRatio).
      const compressedBytes = layerCompression(layer.mediaType, layer.digest) === 'gzip' ? layer.size : undefined;
      const diffId = await unpackHashing(openLayerTar(store, layer), (feed) => unpackLayer(feed, join(tmp, 'diff'), { layer: layer.digest, compressedBytes }), layer.digest);
      if (diffId !== layer.diffId)
        throw new PodrunError(
          `layer ${layer.digest}: uncompressed content has digest ${diffId} but the image config says ${layer.diffId}`,
          'the image is corrupt or was built wrongly; remove it and pull or load it again',
        );
      writeFileAtomic(
        join(tmp, 'layer.json'),
        JSON.stringify({ chainId, diffId, parent: parentChainId ?? null, blob: layer.digest, mediaType: layer.mediaType, unpackedAt: new Date().toISOString() }) + '\n',
      );
      mkdirSync(join(store.dir, 'layers'), { recursive: true, mode: 0o700 });
      renameSync(tmp, dir);
      return diff;
    } catch (e) {
      removeTree(tmp);
      throw e;
    }
  });
}

/** Layers unpacked at the same time by one resolve (the work is CPU-bound gunzip + syscalls). */
const UNPACK_CONCURRENCY = 3;

/**
 * Makes sure every layer of the image is unpacked under layers/<chainID>/diff and returns those
 * dirs, lowest first. Each layer is unpacked at most once across processes (per-layer lock,
 * re-checked after taking it) into a temp dir that is renamed into place only when complete.
 */
export async function ensureLayers(store: ImageStore, rec: ImageEntry): Promise<string[]> {
  const chains = chainIds(rec.layers.map((l) => l.diffId));
  return store.withWriteLock(async () => {
    // Layer dirs are independent of each other (overlay stacks them later): unpack a few at once.
    const dirs: string[] = new Array(rec.layers.length);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < rec.layers.length; i = next++) {
        try {
          dirs[i] = await ensureLayer(store, rec.layers[i], chains[i], i > 0 ? chains[i - 1] : undefined);
        } catch (e) {
          next = rec.layers.length; // no new work; the others finish what they started
          throw e;
        }
      }
    };
    const results = await Promise.allSettled(Array.from({ length: Math.min(UNPACK_CONCURRENCY, rec.layers.length) }, worker));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return dirs;
  });
}
