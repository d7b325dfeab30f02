// `podrun push REF [DEST]`: upload an image from the store to a registry. Blobs the registry
// already has (HEAD) are skipped; the others go up monolithically (POST + PUT ?digest=), a few at
// once; then the manifest is PUT with its own media type under the tag, which tags it.
import { PodrunError, UsageError } from '../util/errors';
import type { Credentials } from './auth';
import type { Descriptor } from './oci';
import { Progress, lineProgress } from './progress';
import { shortId } from '../util/digest';
import { formatReference, parseReference, Reference, repositoryOf, storeName } from './reference';
import type { RetryPolicy } from './registry';
import { repositoryScope } from './registry-auth';
import { mapLimit, registryClientFor, DEFAULT_CONCURRENCY } from './pull';
import type { ImageStore } from './store';

export interface PushOptions {
  insecure?: boolean;
  progress?: (line: string) => void;
  display?: Progress;
  credentials?: Credentials | null;
  retry?: Partial<RetryPolicy>;
  concurrency?: number;
}

export interface PushResult {
  ref: string;
  digest: string;
  size: number;
}

/**
 * Pushes the stored image `src` (a reference or image id) to `dest` (default: `src` itself).
 * Returns the pushed reference and the manifest digest the registry now serves.
 */
export async function pushImage(
  store: ImageStore,
  src: string | Reference,
  dest?: string | Reference,
  opts: PushOptions = {},
): Promise<PushResult> {
  const srcText = typeof src === 'string' ? src : formatReference(src);
  const rec = typeof src === 'string' ? store.get(src) : store.get(formatReference(src));
  let target: Reference;
  if (dest !== undefined) target = typeof dest === 'string' ? parseReference(dest) : dest;
  else if (typeof src !== 'string') target = src;
  else {
    // `podrun push 3f2a...` names an image by id: there is no repository to push to.
    const named = tryParse(srcText);
    if (!named || !rec.names.includes(storeName(parseReference(named)))) throw new UsageError(`'${srcText}' is an image id; say where to push it`, `podrun push ${srcText} REGISTRY/NAME:TAG`);
    target = parseReference(named);
  }
  if (target.digest && !target.tag && target.digest !== rec.manifestDigest)
    throw new UsageError(`cannot push image ${rec.manifestDigest} under the different digest ${target.digest}`);

  const display = opts.display ?? lineProgress(opts.progress);
  const client = registryClientFor(store, target.domain, opts);
  const repo = target.path;
  const scope = repositoryScope(repo, true);
  const name = formatReference(target);
  try {
    const { manifest, manifestBytes } = await store.readImage(rec);
    display.line(`The push refers to repository [${repositoryOf(target)}]`);
    const pushBlob = async (d: Descriptor, isLayer: boolean) => {
      const id = shortId(d.digest);
      if (await client.blobExists(repo, d.digest, scope)) {
        if (isLayer) display.layer(id, 'Layer already exists');
        return;
      }
      if (store.blobSize(d.digest) !== d.size)
        throw new PodrunError(`${isLayer ? 'layer' : 'config'} ${d.digest} of ${srcText} is missing from the store`, `pull or load the image again`);
      if (isLayer) display.layer(id, 'Preparing');
      await client.uploadBlob(
        repo,
        d.digest,
        d.size,
        () => {
          const s = store.openBlob(d.digest);
          if (isLayer) {
            let n = 0;
            s.on('data', (c: Buffer) => display.layer(id, 'Pushing', (n += c.length), d.size));
          }
          return s;
        },
        scope,
      );
      if (isLayer) display.layer(id, 'Pushed');
    };
    await mapLimit(
      [...manifest.layers.map((d) => ({ d, isLayer: true })), { d: manifest.config, isLayer: false }],
      Math.max(3, opts.concurrency ?? DEFAULT_CONCURRENCY),
      ({ d, isLayer }) => pushBlob(d, isLayer),
    );
    const reference = target.tag ?? rec.manifestDigest;
    const digest = await client.withRetry(`manifest ${name}`, () =>
      client.putManifest(repo, reference, manifestBytes, rec.manifestMediaType, scope),
    );
    if (digest !== rec.manifestDigest)
      throw new PodrunError(`the registry stored manifest ${name} as ${digest}, but it is ${rec.manifestDigest}`);
    display.line(`${reference}: digest: ${digest} size: ${manifestBytes.length}`);
    return { ref: name, digest, size: manifestBytes.length };
  } finally {
    display.done();
    client.close();
  }
}

function tryParse(s: string): string | undefined {
  try {
    return s.startsWith('sha256:') ? undefined : formatReference(parseReference(s));
  } catch {
    return undefined;
  }
}
