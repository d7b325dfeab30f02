// The runtime's one entry point into the images: a reference and a pull policy in, the unpacked
// layer dirs and the config out. It sits above the store, the puller and the layer unpacker, so
// none of them calls back into another (the store only stores).
import { log } from '../util/diagnostics';
import { shortId } from '../util/digest';
import { NotFoundError } from '../util/errors';
import { ensureLayers } from './layers';
import { formatReference, parseReference, type Reference } from './reference';
import type { ImageRecord, ImageStore } from './store';
import type { ResolvedImage, ResolveOptions } from './types';

export async function resolveImage(store: ImageStore, refText: string, opts: ResolveOptions): Promise<ResolvedImage> {
  const ref = parseReference(refText);
  const name = formatReference(ref);
  let rec = opts.policy === 'Always' ? undefined : store.lookup(ref);
  if (!rec) {
    if (opts.policy === 'Never')
      throw new NotFoundError(
        `image ${name} not found locally and imagePullPolicy is Never`,
        `run 'podrun pull ${refText}' or 'podrun import DIR ${refText}' first, or change imagePullPolicy`,
      );
    rec = await pull(store, ref, opts);
  }
  const layerDirs = await ensureLayers(store, rec);
  const { config } = await store.readImage(rec);
  return { ref: name, imageId: rec.imageId, manifestDigest: rec.manifestDigest, config: config.config ?? {}, layerDirs };
}

async function pull(store: ImageStore, ref: Reference, opts: ResolveOptions): Promise<ImageRecord> {
  // Loaded only when a pull is needed: the registry client is most of the image code.
  const { pullImage } = require('./pull') as typeof import('./pull');
  try {
    const credentials = opts.credentialsFor?.(ref.domain);
    return await pullImage(store, ref, { insecure: opts.insecure, progress: opts.progress, ...(credentials ? { credentials } : {}) });
  } catch (e) {
    // With policy Always an image that exists locally still runs when the registry is unreachable
    // (offline machines, images made by `podrun import`); the failure is logged, not fatal.
    const local = opts.policy === 'Always' ? store.lookup(ref) : undefined;
    if (!local) throw e;
    log().warn(`pull of ${formatReference(ref)} failed (${(e as Error).message}); using the local image ${shortId(local.imageId)}`);
    return local;
  }
}
