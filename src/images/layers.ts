// Unpacking a layer blob once into layers/<chainID hex>/diff, shared by every image and container
// that has the same layer on the same parents. Keyed by chain ID (not diff ID) because whiteouts
// and opaque dirs only mean something relative to the layers below.
import { createHash } from 'crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'fs';
import { join } from 'path';
import { PassThrough, Readable, Transform } from 'stream';
import { finished, pipeline } from 'stream/promises';
import { createGunzip } from 'zlib';
import { PodrunError } from '../errors';
import { withFileLock } from './lock';
import { layerCompression } from './oci';
import type { ImageStore, LayerInfo } from './store';
import { writeFileAtomic } from './store';

type UnpackLayer = (tar: Readable, dest: string, opts: { layer: string }) => Promise<unknown>;

/** The decompressed stream of a layer blob (gzip or plain tar; zstd is refused by media type). */
export function openLayerTar(store: ImageStore, layer: { digest: string; mediaType: string }): Readable {
  const compression = layerCompression(layer.mediaType, layer.digest);
  const blob = store.openBlob(layer.digest);
  if (compression === 'none') return blob;
  const gunzip = createGunzip();
  blob.on('error', (e) => gunzip.destroy(e));
  return blob.pipe(gunzip);
}

/** sha256 of the uncompressed tar of a stored layer (its diff ID). */
export async function hashLayerTar(store: ImageStore, layer: { digest: string; mediaType: string }): Promise<string> {
  const h = createHash('sha256');
  for await (const c of openLayerTar(store, layer)) h.update(c as Buffer);
  return `sha256:${h.digest('hex')}`;
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
      const hash = createHash('sha256');
      const hasher = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          hash.update(chunk);
          cb(null, chunk);
        },
      });
      const tar = openLayerTar(store, layer);
      const feed = pipeline(tar, hasher).catch((e) => {
        throw new PodrunError(`layer ${layer.digest}: ${(e as Error).message}`, 'the blob is corrupt; remove the image and pull or load it again');
      });
      feed.catch(() => undefined);
      await unpackLayer(hasher as unknown as Readable, join(tmp, 'diff'), { layer: layer.digest });
      // The tar reader may stop at the end-of-archive blocks; hash whatever padding follows too.
      let diffId: string;
      if (!hasher.destroyed) {
        const sink = new PassThrough();
        hasher.unpipe();
        hasher.pipe(sink).resume();
        await finished(sink);
        await feed;
        diffId = `sha256:${hash.digest('hex')}`;
      } else {
        await feed.catch(() => undefined);
        diffId = await hashLayerTar(store, layer);
      }
      if (diffId !== layer.diffId)
        throw new PodrunError(
          `layer ${layer.digest}: uncompressed content has digest ${diffId} but the image config says ${layer.diffId}`,
          'the image is corrupt or was built wrongly; remove it and pull or load it again',
        );
      await writeFileAtomic(
        join(tmp, 'layer.json'),
        JSON.stringify({ chainId, diffId, parent: parentChainId ?? null, blob: layer.digest, mediaType: layer.mediaType, unpackedAt: new Date().toISOString() }) + '\n',
      );
      mkdirSync(join(store.dir, 'layers'), { recursive: true, mode: 0o700 });
      renameSync(tmp, dir);
      return diff;
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
  });
}
