// The content-addressed image store under <root>/images/:
//
//   blobs/sha256/<hex>        manifests, configs, layer blobs; written to tmp/, verified, fsynced, renamed
//   index.json                names -> manifest digests, and one entry per image (atomic: tmp + fsync + rename)
//   layers/<chainID hex>/     diff/ (the unpacked layer, shared read-only) + layer.json; appears by rename
//   tmp/<pid>-<random>        in-flight blobs and layer dirs; leftovers of dead processes are removed by prune
//   locks/                    flock files: index.lock, gc.lock (shared by writers, exclusive for GC), layer-*.lock
//
// Nothing unverified is ever visible under blobs/ or layers/, and index.json only ever names blobs
// that are present, so a process killed at any moment leaves the store consistent.
import { removeTree } from '../util/remove-tree';
import type * as Crypto from 'crypto';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'fs';
import type * as FsPromises from 'fs/promises';
import { join } from 'path';
import type { Readable } from 'stream';
import { ConflictError, NotFoundError, PodrunError, isErrno } from '../util/errors';
import { sha256Hex } from '../util/sha256';
import { shortId } from '../util/digest';
import { imagesDir, Paths } from '../util/paths';
import { fsyncDir, writeFileAtomic } from '../state/atomic';
import { isAlive, readStartTime } from '../state/proc';
import { imagesInUse } from '../state/pod-records';
import { withFileLock } from './lock';
import {
  checkConfig,
  checkManifest,
  Descriptor,
  ImageConfigFile,
  isIndexType,
  Manifest,
  MAX_JSON_BYTES,
  MAX_MANIFEST_BYTES,
  parseJson,
} from './oci';
import { formatReference, isSha256Digest, parseReference, Reference, repositoryOf, storeName } from './reference';

/** A layer of a stored image: the blob as stored and the digest of its uncompressed tar. */
export interface LayerInfo {
  digest: string;
  size: number;
  mediaType: string;
  diffId: string;
}

/** One image in index.json, keyed by its manifest digest. */
export interface ImageEntry {
  manifestDigest: string;
  manifestMediaType: string;
  /** Digest of the config blob: the image id. */
  imageId: string;
  configSize: number;
  /** From the config's `created` (may be absent). */
  created?: string;
  /** When this store recorded it. */
  addedAt: string;
  /** Stored bytes: config + layer blobs. */
  size: number;
  layers: LayerInfo[];
  platform?: string;
  /** `repo@sha256:...` digests it was pulled by (an index digest when pulled through one). */
  repoDigests: string[];
}

/** An image with every name that points at it (none: dangling, shown as <none>). */
export interface ImageRecord extends ImageEntry {
  names: string[];
}

interface IndexFile {
  version: 1;
  names: Record<string, string>;
  images: Record<string, ImageEntry>;
}

export interface GcResult {
  removedImages: string[];
  removedBlobs: number;
  removedLayers: number;
  removedTemp: number;
  reclaimedBytes: number;
}

/** A blob did not match the digest or size it was expected to have; nothing was stored. */
export class DigestMismatchError extends PodrunError {}

// Loaded on first use: resolving a stored image (every apply) needs neither, and they cost ~10 ms
// of start-up.
const crypto = () => require('crypto') as typeof Crypto;
const fsp = () => require('fs/promises') as typeof FsPromises;

const hexOf = (digest: string) => {
  if (!isSha256Digest(digest)) throw new PodrunError(`'${digest}' is not a sha256 digest`);
  return digest.slice('sha256:'.length);
};

/** chainID(L0) = diffID(L0); chainID(Ln) = sha256(chainID(Ln-1) + " " + diffID(Ln)) (image-spec). */
export function chainIds(diffIds: string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) out.push(out.length ? `sha256:${sha256Hex(`${out[out.length - 1]} ${d}`)}` : d);
  return out;
}



async function* chunksOf(source: Readable | AsyncIterable<Buffer> | Buffer): AsyncIterable<Buffer> {
  if (Buffer.isBuffer(source)) {
    yield source;
    return;
  }
  for await (const c of source as AsyncIterable<Buffer | string>) yield typeof c === 'string' ? Buffer.from(c) : c;
}

export class ImageStore {
  readonly dir: string;
  constructor(readonly paths: Paths) {
    this.dir = imagesDir(paths);
  }

  // ---------- paths ----------
  blobPath(digest: string): string {
    return join(this.dir, 'blobs', 'sha256', hexOf(digest));
  }
  layerDir(chainId: string): string {
    return join(this.dir, 'layers', hexOf(chainId));
  }
  private lockPath(name: string): string {
    return join(this.dir, 'locks', name);
  }
  /** A fresh temp path inside the store (same filesystem as blobs/ and layers/, so rename works). */
  tempPath(kind: string): string {
    const tmp = join(this.dir, 'tmp');
    mkdirSync(tmp, { recursive: true, mode: 0o700 });
    // pid.startTime names the writer, so prune can tell a live writer's file from a dead one's
    // even after the pid is reused.
    return join(tmp, `${selfId()}-${kind}-${crypto().randomBytes(6).toString('hex')}`);
  }

  // ---------- locks ----------
  /** Held shared by every writer (pull, import, load, unpack) and exclusively by GC (rmi, prune). */
  withWriteLock<T>(fn: () => Promise<T>): Promise<T> {
    return withFileLock(this.lockPath('gc.lock'), 'shared', fn);
  }
  private withGcLock<T>(fn: () => Promise<T>): Promise<T> {
    return withFileLock(this.lockPath('gc.lock'), 'exclusive', fn);
  }
  /**
   * Serialises work on one key (e.g. `pull docker.io/library/busybox:latest`) across processes,
   * inside the shared write lock: the second puller waits, then finds everything present.
   */
  withKeyLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return this.withWriteLock(() => withFileLock(this.lockPath(`key-${sha256Hex(key).slice(0, 32)}.lock`), 'exclusive', fn));
  }

  // ---------- blobs ----------
  hasBlob(digest: string): boolean {
    return existsSync(this.blobPath(digest));
  }
  /** Size of a stored blob, or undefined. */
  blobSize(digest: string): number | undefined {
    try {
      return statSync(this.blobPath(digest)).size;
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return undefined;
      throw e;
    }
  }
  openBlob(digest: string): Readable {
    if (!this.hasBlob(digest)) throw new NotFoundError(`blob ${digest} is not in the store (${this.dir})`);
    return createReadStream(this.blobPath(digest));
  }
  /** Reads a whole (small) blob, refusing anything larger than `maxBytes`. */
  async readBlob(digest: string, maxBytes = MAX_JSON_BYTES): Promise<Buffer> {
    const size = this.blobSize(digest);
    if (size === undefined) throw new NotFoundError(`blob ${digest} is not in the store (${this.dir})`);
    if (size > maxBytes) throw new PodrunError(`blob ${digest} is ${size} bytes, more than the ${maxBytes} allowed for JSON`);
    return readFileSync(this.blobPath(digest));
  }

  /**
   * Stores a blob from a stream or buffer. The bytes go to a temp file in the store while their
   * sha256 and size are computed; only when they match `expect` (when given) is the file fsynced and
   * renamed into blobs/. On mismatch the temp file is removed and DigestMismatchError thrown.
   * `maxBytes` caps a blob of unknown size. Returns the digest and size actually stored.
   */
  async putBlob(
    source: Readable | AsyncIterable<Buffer> | Buffer,
    expect: { digest?: string; size?: number; maxBytes?: number; what?: string } = {},
  ): Promise<{ digest: string; size: number }> {
    if (expect.digest) hexOf(expect.digest);
    const what = expect.what ?? `blob ${expect.digest ?? ''}`.trim();
    mkdirSync(join(this.dir, 'blobs', 'sha256'), { recursive: true, mode: 0o700 });
    const tmp = this.tempPath('blob');
    const fh = await fsp().open(tmp, 'wx', 0o600);
    const hash = crypto().createHash('sha256');
    let size = 0;
    let committed = false;
    try {
      try {
        for await (const chunk of chunksOf(source)) {
          size += chunk.length;
          if (expect.size !== undefined && size > expect.size)
            throw new DigestMismatchError(`${what}: more data than the expected ${expect.size} bytes; nothing was stored`);
          if (expect.maxBytes !== undefined && size > expect.maxBytes)
            throw new PodrunError(`${what}: larger than the ${expect.maxBytes} bytes allowed; nothing was stored`);
          hash.update(chunk);
          let off = 0;
          while (off < chunk.length) off += (await fh.write(chunk, off, chunk.length - off)).bytesWritten;
        }
        if (expect.size !== undefined && size !== expect.size)
          throw new DigestMismatchError(
            `${what}: got ${size} bytes, expected ${expect.size} (truncated?); nothing was stored`,
            'retry; if it persists the source is corrupt',
          );
        const digest = `sha256:${hash.digest('hex')}`;
        if (expect.digest && digest !== expect.digest)
          throw new DigestMismatchError(
            `${what}: content has digest ${digest}, expected ${expect.digest}; nothing was stored`,
            'the source sent corrupt or different content; retry, and check the registry or archive',
          );
        await fh.sync();
        await fh.close();
        const dest = this.blobPath(digest);
        await fsp().rename(tmp, dest);
        committed = true;
        fsyncDir(join(this.dir, 'blobs', 'sha256'));
        return { digest, size };
      } finally {
        if (!committed) await fh.close().catch(() => undefined);
      }
    } finally {
      if (!committed) await fsp().rm(tmp, { force: true });
    }
  }

  /** Stores a JSON document (manifest, config, index) and returns its descriptor fields. */
  async putJson(value: unknown): Promise<{ digest: string; size: number; bytes: Buffer }> {
    const bytes = Buffer.from(JSON.stringify(value));
    const r = await this.putBlob(bytes);
    return { ...r, bytes };
  }

  // ---------- index ----------
  private indexPath(): string {
    return join(this.dir, 'index.json');
  }
  readIndex(): IndexFile {
    let text: string;
    try {
      text = readFileSync(this.indexPath(), 'utf8');
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return { version: 1, names: {}, images: {} };
      if (isErrno(e, 'EACCES') || isErrno(e, 'EPERM'))
        throw new PodrunError(`cannot read ${this.indexPath()}: permission denied`, 'run podrun as root, or give --root DIR (PODRUN_ROOT) for a store you own');
      throw e;
    }
    try {
      const x = JSON.parse(text) as IndexFile;
      if (x.version !== 1 || typeof x.names !== 'object' || typeof x.images !== 'object') throw new Error('unknown layout');
      return x;
    } catch (e) {
      throw new PodrunError(
        `${this.indexPath()} is not a valid image index (${(e as Error).message})`,
        'it is only ever replaced atomically; restore it from a backup or remove the images directory',
      );
    }
  }
  /** Read-modify-write of index.json under index.lock; the write is tmp + fsync + rename. */
  async updateIndex<T>(fn: (ix: IndexFile) => T): Promise<T> {
    return withFileLock(this.lockPath('index.lock'), 'exclusive', async () => {
      const ix = this.readIndex();
      const result = fn(ix);
      await this.writeIndex(ix);
      return result;
    });
  }
  private async writeIndex(ix: IndexFile): Promise<void> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writeFileAtomic(this.indexPath(), JSON.stringify(ix, null, 1) + '\n', 0o600);
  }

  private toRecord(ix: IndexFile, e: ImageEntry): ImageRecord {
    const names = Object.entries(ix.names)
      .filter(([, d]) => d === e.manifestDigest)
      .map(([n]) => n)
      .sort();
    return { ...e, names };
  }

  /** Every image (one record each, with all its names), newest first. */
  list(): ImageRecord[] {
    const ix = this.readIndex();
    return Object.values(ix.images)
      .map((e) => this.toRecord(ix, e))
      .sort((a, b) => (b.created ?? b.addedAt).localeCompare(a.created ?? a.addedAt));
  }

  /**
   * Finds an image by reference (`busybox`, `repo@sha256:...`), by image id or manifest digest
   * (`sha256:<hex>`), or by a unique id prefix of at least 4 hex digits. Undefined when absent.
   */
  lookup(refOrId: string | Reference): ImageRecord | undefined {
    const ix = this.readIndex();
    if (typeof refOrId === 'string') {
      const s = refOrId.trim();
      const hex = s.startsWith('sha256:') ? s.slice(7) : /^[a-f0-9]{4,64}$/.test(s) ? s : undefined;
      if (hex !== undefined) {
        const hits = Object.values(ix.images).filter(
          (e) => e.imageId.slice(7).startsWith(hex) || (hex.length === 64 && e.manifestDigest.slice(7) === hex),
        );
        const ids = new Set(hits.map((h) => h.imageId));
        if (ids.size > 1)
          throw new PodrunError(`image id prefix '${s}' is ambiguous (${[...ids].map((i) => shortId(i)).join(', ')})`, 'give more digits');
        if (hits.length) return this.toRecord(ix, hits[0]);
        if (s.startsWith('sha256:')) return undefined;
        // A bare hex string can also be a repository name (e.g. `deadbeef`): fall through.
      }
    }
    let ref: Reference;
    try {
      ref = typeof refOrId === 'string' ? parseReference(refOrId) : refOrId;
    } catch (e) {
      if (typeof refOrId === 'string' && /^[a-f0-9]+$/.test(refOrId)) return undefined;
      throw e;
    }
    const md = ix.names[storeName(ref)];
    if (md && ix.images[md]) return this.toRecord(ix, ix.images[md]);
    if (ref.digest) {
      const repoDigest = `${repositoryOf(ref)}@${ref.digest}`;
      const e = Object.values(ix.images).find((x) => x.manifestDigest === ref.digest || x.repoDigests.includes(repoDigest));
      if (e) return this.toRecord(ix, e);
    }
    return undefined;
  }

  /** Like lookup, but throws NotFoundError with the pull hint. */
  get(refOrId: string): ImageRecord {
    const r = this.lookup(refOrId);
    if (r) return r;
    let shown = refOrId;
    try {
      shown = formatReference(parseReference(refOrId));
    } catch {
      /* an id */
    }
    throw new NotFoundError(`image ${shown} not found locally`, `run 'podrun pull ${refOrId}' or 'podrun images' to see what is here`);
  }

  /**
   * Records a stored manifest (and its config and layer blobs, which must be present) under `name`
   * (a reference or store name; null records it without a name). The manifest must be a single-
   * platform image manifest; pass `repoDigest` (repo@digest pulled by, possibly an index) to keep it.
   */
  async recordImage(
    name: Reference | string | null,
    manifestDigest: string,
    opts: { repoDigest?: string } = {},
  ): Promise<ImageRecord> {
    const bytes = await this.readBlob(manifestDigest, MAX_MANIFEST_BYTES);
    const raw = parseJson<Manifest>(bytes, `manifest ${manifestDigest}`);
    if (isIndexType(raw.mediaType) || Array.isArray((raw as unknown as { manifests?: unknown }).manifests))
      throw new PodrunError(`manifest ${manifestDigest} is an image index; record one of its platform manifests`);
    const m = checkManifest(raw, `manifest ${manifestDigest}`);
    const cfgBytes = await this.readBlob(m.config.digest);
    const cfg = checkConfig(parseJson<ImageConfigFile>(cfgBytes, `image config ${m.config.digest}`), `image config ${m.config.digest}`);
    if (cfg.rootfs.diff_ids.length !== m.layers.length)
      throw new PodrunError(
        `manifest ${manifestDigest} has ${m.layers.length} layers but its config lists ${cfg.rootfs.diff_ids.length} diff_ids`,
      );
    for (const l of m.layers)
      if (this.blobSize(l.digest) !== l.size)
        throw new PodrunError(`layer ${l.digest} of manifest ${manifestDigest} is missing from the store or has the wrong size`);
    const entry: ImageEntry = {
      manifestDigest,
      manifestMediaType: m.mediaType ?? 'application/vnd.oci.image.manifest.v1+json',
      imageId: m.config.digest,
      configSize: m.config.size,
      created: typeof cfg.created === 'string' ? cfg.created : undefined,
      addedAt: new Date().toISOString(),
      size: m.config.size + m.layers.reduce((a, l) => a + l.size, 0),
      layers: m.layers.map((l: Descriptor, i) => ({ digest: l.digest, size: l.size, mediaType: l.mediaType, diffId: cfg.rootfs.diff_ids[i] })),
      platform: cfg.os && cfg.architecture ? `${cfg.os}/${cfg.architecture}${cfg.variant ? `/${cfg.variant}` : ''}` : undefined,
      repoDigests: [],
    };
    const key = name === null ? undefined : typeof name === 'string' ? storeName(parseReference(name)) : storeName(name);
    return this.updateIndex((ix) => {
      const prev = ix.images[manifestDigest];
      if (prev) {
        entry.addedAt = prev.addedAt;
        entry.repoDigests = prev.repoDigests;
      }
      if (opts.repoDigest && !entry.repoDigests.includes(opts.repoDigest)) entry.repoDigests.push(opts.repoDigest);
      ix.images[manifestDigest] = entry;
      // An image that loses its last name here stays as a dangling <none> entry until rmi/prune.
      if (key) ix.names[key] = manifestDigest;
      return this.toRecord(ix, entry);
    });
  }

  /** Adds a name to an existing image (`podrun tag`-like; used by load). */
  async tag(image: ImageRecord, name: Reference | string): Promise<void> {
    const key = typeof name === 'string' ? storeName(parseReference(name)) : storeName(name);
    await this.updateIndex((ix) => {
      if (!ix.images[image.manifestDigest]) throw new NotFoundError(`image ${image.imageId} is no longer in the store`);
      ix.names[key] = image.manifestDigest;
    });
  }

  /** The parsed manifest and config of a stored image. */
  async readImage(rec: ImageEntry): Promise<{ manifest: Manifest; manifestBytes: Buffer; config: ImageConfigFile; configBytes: Buffer }> {
    const manifestBytes = await this.readBlob(rec.manifestDigest, MAX_MANIFEST_BYTES);
    const configBytes = await this.readBlob(rec.imageId);
    return {
      manifest: checkManifest(parseJson(manifestBytes, `manifest ${rec.manifestDigest}`), `manifest ${rec.manifestDigest}`),
      manifestBytes,
      config: checkConfig(parseJson(configBytes, `image config ${rec.imageId}`), `image config ${rec.imageId}`),
      configBytes,
    };
  }

  layerLockPath(chainId: string): string {
    return this.lockPath(`layer-${hexOf(chainId)}.lock`);
  }

  // ---------- removal and GC ----------
  /**
   * Removes an image reference (`podrun rmi`): a name untags just that name; an id removes every
   * name of that image. The image itself goes (and its blobs and layers, when nothing else uses
   * them) once it has no names, unless a pod uses it: then rmi refuses without `force`, and with
   * `force` the names go but the image stays, dangling, until the pod is gone and prune runs.
   */
  async removeImage(refOrId: string, force = false): Promise<{ untagged: string[]; deleted?: string }> {
    return this.withGcLock(async () => {
      const rec = this.get(refOrId);
      const users = imagesInUse(this.paths).get(rec.imageId);
      if (users && !force)
        throw new ConflictError(
          `image ${refOrId} (${shortId(rec.imageId)}) is used by pod ${users.join(', ')}`,
          `delete the pod first ('podrun delete pod ${podArgs(users[0])}'), or pass --force to remove the name anyway`,
        );
      let byName: string | undefined;
      try {
        const ref = parseReference(refOrId);
        const key = storeName(ref);
        if (this.readIndex().names[key] === rec.manifestDigest) byName = key;
      } catch {
        /* an id */
      }
      const result = await this.updateIndex((ix) => {
        const untagged = byName ? [byName] : Object.keys(ix.names).filter((n) => ix.names[n] === rec.manifestDigest);
        for (const n of untagged) delete ix.names[n];
        const left = Object.values(ix.names).includes(rec.manifestDigest);
        let deleted: string | undefined;
        if (!left && !users) {
          delete ix.images[rec.manifestDigest];
          deleted = rec.imageId;
        }
        return { untagged, deleted };
      });
      if (result.deleted) await this.collect();
      return result;
    });
  }

  /**
   * `podrun image prune`: dangling images no pod uses (with `all`, every image no pod uses),
   * unreferenced blobs and layers, and temp leftovers of dead processes.
   */
  async prune(opts: { all?: boolean } = {}): Promise<GcResult> {
    return this.withGcLock(async () => {
      const used = imagesInUse(this.paths);
      const removedImages = await this.updateIndex((ix) => {
        const named = new Set(Object.values(ix.names));
        const gone: string[] = [];
        for (const [md, e] of Object.entries(ix.images))
          if ((opts.all || !named.has(md)) && !used.has(e.imageId)) {
            for (const [n, d] of Object.entries(ix.names)) if (d === md) delete ix.names[n];
            delete ix.images[md];
            gone.push(e.imageId);
          }
        return gone;
      });
      const r = await this.collect(true);
      return { ...r, removedImages };
    });
  }

  /** Deletes blobs and layer dirs no index entry references (caller holds the GC lock). */
  private async collect(temps = false): Promise<Omit<GcResult, 'removedImages'>> {
    const ix = this.readIndex();
    const keepBlobs = new Set<string>();
    const keepLayers = new Set<string>();
    for (const e of Object.values(ix.images)) {
      keepBlobs.add(e.manifestDigest).add(e.imageId);
      for (const l of e.layers) keepBlobs.add(l.digest);
      for (const c of chainIds(e.layers.map((l) => l.diffId))) keepLayers.add(c.slice(7));
      for (const rd of e.repoDigests) keepBlobs.add(rd.slice(rd.indexOf('@') + 1));
    }
    let reclaimedBytes = 0;
    let removedBlobs = 0;
    let removedLayers = 0;
    let removedTemp = 0;
    const blobDir = join(this.dir, 'blobs', 'sha256');
    for (const hex of safeReaddir(blobDir)) {
      if (keepBlobs.has(`sha256:${hex}`)) continue;
      reclaimedBytes += duBytes(join(blobDir, hex));
      rmSync(join(blobDir, hex), { force: true });
      removedBlobs++;
    }
    const layersDir = join(this.dir, 'layers');
    for (const hex of safeReaddir(layersDir)) {
      if (keepLayers.has(hex)) continue;
      // Rename first so a half-deleted dir is never mistaken for a complete layer.
      const doomed = this.tempPath('gc');
      renameSync(join(layersDir, hex), doomed);
      reclaimedBytes += duBytes(doomed);
      removeTree(doomed);
      removedLayers++;
    }
    if (temps) {
      // Lock files are only opened under the shared GC lock, and we hold it exclusively: no one
      // holds or waits on these now, so removing them cannot split a lock in two.
      const locks = join(this.dir, 'locks');
      for (const n of safeReaddir(locks)) if (n.startsWith('layer-') || n.startsWith('key-')) rmSync(join(locks, n), { force: true });
      // index writes killed mid-way (state/atomic's temp names beside index.json); no writer runs now
      for (const n of safeReaddir(this.dir))
        if (n.startsWith('.index.json.tmp-')) {
          rmSync(join(this.dir, n), { force: true });
          removedTemp++;
        }
      const tmp = join(this.dir, 'tmp');
      for (const n of safeReaddir(tmp)) {
        const [pidText, startText] = n.split('-')[0].split('.');
        const writer = { pid: Number(pidText), startTime: Number(startText) };
        if (n.startsWith(`${selfId()}-`) && !n.includes('-gc-')) continue;
        if (writer.pid !== process.pid && isAlive(writer)) continue;
        reclaimedBytes += duBytes(join(tmp, n));
        removeTree(join(tmp, n));
        removedTemp++;
      }
    }
    return { removedBlobs, removedLayers, removedTemp, reclaimedBytes };
  }
}

/** `web` or `web -n team` for a pod shown as namespace/name. */
function podArgs(nsName: string): string {
  const [ns, name] = nsName.split('/');
  return ns === 'default' ? name : `${name} -n ${ns}`;
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return [];
    throw e;
  }
}

/** Disk usage of a file or tree in bytes (st_blocks, so sparse files and hardlinks are fair). */
export function duBytes(path: string): number {
  const seen = new Set<string>();
  const walk = (p: string): number => {
    let st;
    try {
      st = statSyncNoFollow(p);
    } catch {
      return 0;
    }
    const id = `${st.dev}:${st.ino}`;
    if (seen.has(id)) return 0;
    seen.add(id);
    let n = st.blocks * 512;
    if (st.isDirectory()) for (const c of safeReaddir(p)) n += walk(join(p, c));
    return n;
  };
  return walk(path);
}

function statSyncNoFollow(p: string) {
  return (require('fs') as typeof import('fs')).lstatSync(p);
}

/** The store of the given root. Cheap: nothing is created until the first write. */
let self: string | undefined;
/** This process as `pid.startTime`. */
function selfId(): string {
  return (self ??= `${process.pid}.${readStartTime(process.pid) ?? 0}`);
}

export function openStore(paths: Paths): ImageStore {
  return new ImageStore(paths);
}

