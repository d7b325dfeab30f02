// `podrun pull`: resolve a reference at its registry (index -> this platform's manifest), stream
// the config and layer blobs into the store in parallel (each verified by the store's putBlob
// against digest and size before it becomes visible), then record the manifest under the name
// and unpack the layers. Blobs already present are skipped; transient failures are retried.
import { PodrunError } from '../util/errors';
import type { Credentials } from './auth';
import { Descriptor, layerCompression, MT } from './oci';
import { hostPlatform, pickManifest } from './platform';
import { Progress, lineProgress } from './progress';
import { shortId } from '../util/digest';
import { formatReference, Reference, repositoryOf, storeName } from './reference';
import { FetchedManifest, isInsecure, RegistryClient, RetryPolicy } from './registry';
import { repositoryScope } from './registry-auth';
import { parseManifest } from './registry-manifest';
import type { ImageRecord, ImageStore } from './store';
import { ensureLayers } from './layers';
import type { Platform } from './oci';

export interface PullOptions {
  /** Allow plain HTTP to this registry (loopback registries always may). */
  insecure?: boolean;
  /** Plain progress lines; ignored when `display` is given. */
  progress?: (line: string) => void;
  /** The platform to pick from a multi-arch index; default: this machine's. */
  platform?: Platform;
  /** A richer progress display (the CLI's TTY renderer). */
  display?: Progress;
  /** Credentials to use instead of the Docker config file's (null: anonymous). */
  credentials?: Credentials | null;
  retry?: Partial<RetryPolicy>;
  /** Parallel blob downloads (at least 3 by default). */
  concurrency?: number;
}

export const DEFAULT_CONCURRENCY = 4;

/** Runs `fn` over `items`, at most `limit` at once; stops starting new ones after a failure. */
export async function mapLimit<T>(items: T[], limit: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { e: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const i = next++;
      try {
        await fn(items[i], i);
      } catch (e) {
        failure ??= { e };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.e;
}

/** Counts bytes flowing through for the progress display. */
async function* counting(src: AsyncIterable<Buffer>, onBytes: (n: number) => void): AsyncIterable<Buffer> {
  let n = 0;
  for await (const c of src) {
    n += c.length;
    onBytes(n);
    yield c;
  }
}

export function registryClientFor(
  store: ImageStore,
  registry: string,
  opts: { insecure?: boolean; credentials?: Credentials | null; retry?: Partial<RetryPolicy> },
): RegistryClient {
  return new RegistryClient({
    registry,
    insecure: isInsecure(registry, { insecure: opts.insecure, root: store.paths.root }),
    credentials: opts.credentials,
    retry: opts.retry,
  });
}

export async function pullImage(store: ImageStore, ref: Reference, opts: PullOptions = {}): Promise<ImageRecord> {
  const display = opts.display ?? lineProgress(opts.progress);
  const client = registryClientFor(store, ref.domain, opts);
  const name = formatReference(ref);
  try {
    // One puller per name at a time; a second one waits, then finds the blobs present.
    return await store.withKeyLock(`pull ${storeName(ref)}`, () => pullLocked(store, client, ref, name, display, opts));
  } finally {
    display.done();
    client.close();
  }
}

async function pullLocked(
  store: ImageStore,
  client: RegistryClient,
  ref: Reference,
  name: string,
  display: Progress,
  opts: PullOptions,
): Promise<ImageRecord> {
  const repo = ref.path;
  const scope = repositoryScope(repo, false);
  display.line(`${ref.digest ?? ref.tag}: Pulling from ${repositoryOf(ref)}`);

  const top = await client.getManifest(repo, ref.digest ?? ref.tag ?? 'latest', scope);
  let parsed = parseManifest(top.bytes, top.mediaType, `manifest of ${name}`);
  let image: FetchedManifest = top;
  if (parsed.kind === 'index') {
    const want = opts.platform ?? hostPlatform();
    const desc = pickIndexEntry(parsed.index.manifests, want, name);
    image = await client.getManifest(repo, desc.digest, scope);
    if (image.bytes.length !== desc.size)
      throw new PodrunError(`manifest ${desc.digest} of ${name}: ${image.bytes.length} bytes, the index says ${desc.size}`);
    parsed = parseManifest(image.bytes, image.mediaType, `manifest ${desc.digest} of ${name}`);
    if (parsed.kind !== 'manifest') throw new PodrunError(`manifest ${desc.digest} of ${name}: an index inside an index is not supported`);
  }
  const manifest = parsed.manifest;
  // Refuse layers we cannot unpack (zstd, unknown types) before downloading anything.
  for (const l of manifest.layers) layerCompression(l.mediaType, l.digest);

  const fetched = new Set<string>();
  const fetchBlob = async (d: Descriptor, isLayer: boolean) => {
    const id = shortId(d.digest);
    if (store.blobSize(d.digest) === d.size) {
      if (isLayer) display.layer(id, 'Already exists');
      return;
    }
    fetched.add(d.digest);
    const what = `${isLayer ? 'layer' : 'config'} ${d.digest} of ${name}`;
    await client.withRetry(what, async () => {
      if (isLayer) display.layer(id, 'Downloading', 0, d.size);
      const res = await client.getBlob(repo, d.digest, scope);
      const body = isLayer ? counting(res, (n) => display.layer(id, 'Downloading', n, d.size)) : res;
      await store.putBlob(body, { digest: d.digest, size: d.size, what });
    });
    if (isLayer) display.layer(id, 'Download complete');
  };
  for (const l of manifest.layers) if (store.blobSize(l.digest) !== l.size) display.layer(shortId(l.digest), 'Pulling fs layer');
  await mapLimit(
    [{ d: manifest.config, isLayer: false }, ...manifest.layers.map((d) => ({ d, isLayer: true }))],
    Math.max(3, opts.concurrency ?? DEFAULT_CONCURRENCY),
    ({ d, isLayer }) => fetchBlob(d, isLayer),
  );

  // Manifests last, so the store never names an image whose blobs are missing.
  await store.putBlob(image.bytes, { digest: image.digest, size: image.bytes.length, what: `manifest of ${name}` });
  if (image !== top) await store.putBlob(top.bytes, { digest: top.digest, size: top.bytes.length, what: `index of ${name}` });
  const rec = await store.recordImage(ref, image.digest, { repoDigest: `${repositoryOf(ref)}@${top.digest}` });
  for (const l of manifest.layers) if (fetched.has(l.digest)) display.layer(shortId(l.digest), 'Extracting');
  await ensureLayers(store, rec);
  for (const l of manifest.layers) if (fetched.has(l.digest)) display.layer(shortId(l.digest), 'Pull complete');
  display.line(`Digest: ${top.digest}`);
  display.line(fetched.size ? `Pulled ${name}` : `Pulled ${name} (image is up to date)`);
  return rec;
}

function pickIndexEntry(manifests: Descriptor[], want: Platform, name: string): Descriptor {
  // Attestations and nested indexes are not images for this machine.
  const images = manifests.filter(
    (m) => (m.mediaType === MT.ociManifest || m.mediaType === MT.dockerManifest) && m.platform?.os !== 'unknown',
  );
  try {
    return pickManifest(images, want);
  } catch (e) {
    if (e instanceof PodrunError) throw new PodrunError(`${name}: ${e.message}`, e.hint);
    throw e;
  }
}
