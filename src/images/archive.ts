// `podrun save` and `podrun load`: image archives other tools read and write.
//
// save writes an OCI archive (a tar of an OCI image layout: oci-layout, index.json with
// org.opencontainers.image.ref.name / io.containerd.image.name annotations, blobs/sha256/*) that
// also carries a docker-style manifest.json, so skopeo (oci-archive:) and `docker load` both take it.
//
// load reads a `docker save` archive (manifest.json; layer tars by path, legacy or OCI-style), an
// OCI archive, either possibly gzip-compressed, or an OCI layout directory. Archive entries are
// never written to disk by their names: every file body streams straight into the content store
// (verified against its name when it is blobs/sha256/<hex>), small JSON files stay in memory.
import { closeSync, createReadStream, existsSync, fstatSync, openSync, readSync, statSync, type ReadStream } from 'fs';
import { rename, rm } from 'fs/promises';
import { basename, dirname, join, posix } from 'path';
import { pipeline, type Readable } from 'stream';
import { createGunzip } from 'zlib';
import { PodrunError, UsageError } from '../util/errors';
import { openUserFile, readUserFile } from '../util/input';
import {
  checkConfig,
  checkIndex,
  checkManifest,
  Descriptor,
  ImageConfigFile,
  Index,
  isIndexType,
  layerCompression,
  Manifest,
  MAX_JSON_BYTES,
  MAX_MANIFEST_BYTES,
  MT,
  parseJson,
} from './oci';
import { pickManifest } from './platform';
import { expansionGuard } from './unpack';
import { formatReference, parseReference, repositoryOf, splitStoreName } from './reference';
import type { ImageRecord, ImageStore } from './store';

const REF_NAME = 'org.opencontainers.image.ref.name';
const CONTAINERD_NAME = 'io.containerd.image.name';
const BLOB_NAME = /^blobs\/sha256\/([a-f0-9]{64})$/;
/** What `load` reads an archive or a layout's blob from (util/input.ts refuses devices and FIFOs). */
const ARCHIVE_INPUT = { accepts: 'podrun loads an image archive from a regular file or an OCI layout directory', hint: "make one with 'podrun save', 'docker save' or 'skopeo copy'" };
const BLOB_INPUT = { accepts: 'podrun reads the blobs of an OCI layout only from regular files', hint: 'the layout is not an image layout as skopeo or umoci write it' };
/** Files kept in memory instead of the store: archive metadata, never layers. */
const META_NAME = /(^|\/)([^/]+\.json|oci-layout|repositories|VERSION|json)$/;

export interface LoadedImage {
  /** Normalised names it was recorded under (empty: loaded without a name). */
  names: string[];
  record: ImageRecord;
}

/** `docker.io/library/busybox:latest` -> `busybox:latest`, as docker writes RepoTags. */
export function familiarName(storeName: string): string {
  const { repository, tag } = splitStoreName(storeName);
  let repo = repository;
  if (repo.startsWith('docker.io/library/')) repo = repo.slice('docker.io/library/'.length);
  else if (repo.startsWith('docker.io/')) repo = repo.slice('docker.io/'.length);
  return `${repo}:${tag}`;
}

// ------------------------------------------------------------------------------------------------
// save

/** Writes an OCI archive of the given images to `out` (atomically: temp file + rename). */
export async function saveArchive(store: ImageStore, refs: string[], out: string): Promise<{ images: ImageRecord[] }> {
  if (!refs.length) throw new UsageError('save needs at least one image');
  const { createWriteStream } = require('fs') as typeof import('fs');
  const { createTarWriter } = require('./tar') as typeof import('./tar');
  const picked: { rec: ImageRecord; names: string[] }[] = [];
  for (const r of refs) {
    const rec = store.get(r);
    let names = rec.names.filter((n) => !n.includes('@'));
    try {
      const ref = parseReference(r);
      const want = `${repositoryOf(ref)}:${ref.tag}`;
      if (!ref.digest && names.includes(want)) names = [want];
    } catch {
      /* an id: every tag of the image */
    }
    const prev = picked.find((p) => p.rec.manifestDigest === rec.manifestDigest);
    if (prev) prev.names = [...new Set([...prev.names, ...names])];
    else picked.push({ rec, names });
  }
  if (!existsSync(dirname(out) || '.')) throw new UsageError(`-o ${out}: directory ${dirname(out)} does not exist`);
  const tmp = join(dirname(out), `.${basename(out)}.tmp-${process.pid}`);
  const mtime = 0;
  const hdr = (name: string, type: 'file' | 'dir', size = 0) => ({
    name,
    type,
    mode: type === 'dir' ? 0o755 : 0o644,
    uid: 0,
    gid: 0,
    size,
    mtime,
    linkname: '',
    devmajor: 0,
    devminor: 0,
    xattrs: {},
  });
  const blobs = new Map<string, number>();
  const index: Index = { schemaVersion: 2, mediaType: MT.ociIndex, manifests: [] };
  const dockerManifest: { Config: string; RepoTags: string[]; Layers: string[] }[] = [];
  for (const { rec, names } of picked) {
    const manifestSize = store.blobSize(rec.manifestDigest) ?? 0;
    blobs.set(rec.manifestDigest, manifestSize);
    blobs.set(rec.imageId, rec.configSize);
    for (const l of rec.layers) blobs.set(l.digest, l.size);
    const desc = { mediaType: rec.manifestMediaType, digest: rec.manifestDigest, size: manifestSize };
    if (!names.length) index.manifests.push(desc);
    for (const n of names)
      index.manifests.push({ ...desc, annotations: { [CONTAINERD_NAME]: n, [REF_NAME]: splitStoreName(n).tag } });
    dockerManifest.push({
      Config: `blobs/sha256/${rec.imageId.slice(7)}`,
      RepoTags: names.map(familiarName),
      Layers: rec.layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`),
    });
  }
  const file = createWriteStream(tmp, { mode: 0o644 });
  try {
    const w = createTarWriter(file);
    const json = (v: unknown) => Buffer.from(JSON.stringify(v));
    const layout = json({ imageLayoutVersion: '1.0.0' });
    await w.add(hdr('oci-layout', 'file', layout.length), layout);
    await w.add(hdr('blobs', 'dir'));
    await w.add(hdr('blobs/sha256', 'dir'));
    for (const [digest, size] of blobs) {
      if (store.blobSize(digest) !== size)
        throw new PodrunError(`blob ${digest} is missing from the store or has the wrong size`, "run 'podrun pull' for the image again");
      await w.add(hdr(`blobs/sha256/${digest.slice(7)}`, 'file', size), store.openBlob(digest));
    }
    const ix = json(index);
    await w.add(hdr('index.json', 'file', ix.length), ix);
    const dm = json(dockerManifest);
    await w.add(hdr('manifest.json', 'file', dm.length), dm);
    await w.finish();
    await rename(tmp, out);
  } catch (e) {
    file.destroy();
    await rm(tmp, { force: true });
    throw e;
  }
  return { images: picked.map((p) => p.rec) };
}

// ------------------------------------------------------------------------------------------------
// load

interface Collected {
  meta: Map<string, Buffer>;
  files: Map<string, { digest: string; size: number }>;
  links: Map<string, string>;
}

function cleanEntryName(raw: string, archive: string): string {
  const n = posix.normalize(raw.replace(/^(\.\/)+/, ''));
  if (raw.startsWith('/') || n === '..' || n.startsWith('../'))
    throw new PodrunError(`${archive}: archive entry ${JSON.stringify(raw)} points outside the archive`, 'the archive is corrupt or malicious');
  return n.replace(/\/$/, '');
}

/** The first bytes of the archive (read with pread: the stream over the same fd starts at 0). */
function isGzip(fd: number, path: string): boolean {
  const b = Buffer.alloc(4);
  const n = readSync(fd, b, 0, 4, 0);
  if (n >= 4 && b.readUInt32LE(0) === 0xfd2fb528)
    throw new PodrunError(`${path} is zstd-compressed; Node.js here has no zstd`, `decompress it first (zstd -d ${path}) and load the .tar`);
  return n >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

async function collectArchive(store: ImageStore, path: string, fd: number, raw: ReadStream): Promise<Collected> {
  const { readTar } = require('./tar') as typeof import('./tar');
  const meta = new Map<string, Buffer>();
  const files = new Map<string, { digest: string; size: number }>();
  const links = new Map<string, string>();
  // A .tar.gz archive may expand only as far as a layer may (unpack.ts, limits.maxRatio): a few
  // MiB must not become gigabytes of blobs. pipeline: an error anywhere ends all three streams.
  const input: Readable = isGzip(fd, path) ? pipeline(raw, createGunzip(), expansionGuard(fstatSync(fd).size, path), () => undefined) : raw;
  try {
    await collectEntries(store, path, readTar(input), meta, files, links);
  } catch (e) {
    const { TarFormatError } = require('./tar') as typeof import('./tar');
    if (e instanceof TarFormatError || (e as { code?: string }).code === 'Z_DATA_ERROR')
      throw new PodrunError(`${path} is not a readable archive: ${(e as Error).message}`, "give a file made by 'podrun save', 'docker save' or 'skopeo copy'");
    throw e;
  }
  return { meta, files, links };
}

async function collectEntries(
  store: ImageStore,
  path: string,
  entries: AsyncIterable<import('./tar').TarEntry>,
  meta: Collected['meta'],
  files: Collected['files'],
  links: Collected['links'],
): Promise<void> {
  let metaBytes = 0;
  for await (const { header, body } of entries) {
    const name = cleanEntryName(header.name, path);
    if (header.type === 'symlink' || header.type === 'hardlink') {
      const target = header.type === 'symlink' ? posix.join(posix.dirname(name), header.linkname) : header.linkname;
      links.set(name, cleanEntryName(target, path));
      continue;
    }
    if (header.type !== 'file') {
      body.resume();
      continue;
    }
    const blob = BLOB_NAME.exec(name);
    if (!blob && META_NAME.test(name) && header.size <= MAX_JSON_BYTES) {
      metaBytes += header.size;
      if (metaBytes > 4 * MAX_JSON_BYTES) throw new PodrunError(`${path}: more archive metadata than podrun accepts (${4 * MAX_JSON_BYTES} bytes)`);
      const chunks: Buffer[] = [];
      for await (const c of body) chunks.push(c as Buffer);
      meta.set(name, Buffer.concat(chunks));
      continue;
    }
    const what = `${path}: ${name}`;
    const put = await store.putBlob(body, { digest: blob ? `sha256:${blob[1]}` : undefined, size: header.size, what });
    files.set(name, put);
  }
}

function follow(c: Collected, name: string, archive: string): string {
  let n = name;
  for (let hops = 0; c.links.has(n); hops++) {
    if (hops > 16) throw new PodrunError(`${archive}: too many links resolving ${name}`);
    n = c.links.get(n)!;
  }
  return n;
}

async function bytesOf(store: ImageStore, c: Collected, name: string, archive: string): Promise<Buffer> {
  const n = follow(c, cleanEntryName(name, archive), archive);
  const m = c.meta.get(n);
  if (m) return m;
  const f = c.files.get(n);
  if (f) return store.readBlob(f.digest);
  throw new PodrunError(`${archive}: ${name} is referenced but not in the archive`, 'the archive is incomplete');
}

/** Loads every image of an archive file or OCI layout directory into the store. */
export async function loadArchive(store: ImageStore, path: string): Promise<LoadedImage[]> {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new UsageError(`${path}: no such file or directory`, 'give a docker save archive, an OCI archive or an OCI layout directory');
  }
  if (st.isDirectory()) return store.withWriteLock(() => loadLayoutDir(store, path));
  // The archive is read through this one fd, checked to be a regular file (not a device or FIFO).
  const { fd } = openUserFile(path, ARCHIVE_INPUT);
  const raw = createReadStream(path, { fd, start: 0 });
  try {
    return await store.withWriteLock(() => loadArchiveFile(store, path, fd, raw));
  } finally {
    raw.destroy();
  }
}

async function loadArchiveFile(store: ImageStore, path: string, fd: number, raw: ReadStream): Promise<LoadedImage[]> {
  const c = await collectArchive(store, path, fd, raw);
  const repoTagsByConfig = new Map<string, string[]>();
  const dockerManifest = c.meta.get('manifest.json');
  let docker: { Config: string; RepoTags?: string[] | null; Layers: string[] }[] | undefined;
  if (dockerManifest) {
    docker = parseJson(dockerManifest, `${path}: manifest.json`);
    if (!Array.isArray(docker)) throw new PodrunError(`${path}: manifest.json is not a list of images`);
    for (const d of docker) {
      const hex = /([a-f0-9]{64})(\.json)?$/.exec(String(d.Config))?.[1];
      if (hex) repoTagsByConfig.set(`sha256:${hex}`, d.RepoTags ?? []);
    }
  }
  if (c.meta.has('oci-layout') && c.meta.has('index.json')) {
    const index = checkIndex(parseJson(c.meta.get('index.json')!, `${path}: index.json`), `${path}: index.json`);
    return registerLayout(store, index, path, repoTagsByConfig);
  }
  if (docker) return registerDocker(store, c, docker, path);
  throw new PodrunError(
    `${path} is neither a docker save archive (manifest.json) nor an OCI archive (oci-layout + index.json)`,
    "make it with 'podrun save', 'docker save' or 'skopeo copy ... oci-archive:FILE'",
  );
}

async function loadLayoutDir(store: ImageStore, dir: string): Promise<LoadedImage[]> {
  if (!existsSync(join(dir, 'oci-layout')) || !existsSync(join(dir, 'index.json')))
    throw new PodrunError(`${dir} is not an OCI image layout (no oci-layout or index.json)`, "make one with 'skopeo copy ... oci:DIR' or 'umoci'");
  const layout = parseJson<{ imageLayoutVersion?: string }>(readLayoutJson(dir, 'oci-layout'), `${dir}/oci-layout`);
  if (!layout.imageLayoutVersion) throw new PodrunError(`${dir}/oci-layout has no imageLayoutVersion`);
  const index = checkIndex(parseJson(readLayoutJson(dir, 'index.json'), `${dir}/index.json`), `${dir}/index.json`);
  const copy = async (d: Descriptor) => {
    if (store.blobSize(d.digest) === d.size) return;
    const src = join(dir, 'blobs', 'sha256', d.digest.slice(7));
    if (!existsSync(src)) throw new PodrunError(`${dir}: blob ${d.digest} is referenced but missing`, 'the layout is incomplete');
    // putBlob stops at the descriptor's size, so a blob is bounded by what is read too.
    const { fd } = openUserFile(src, BLOB_INPUT);
    await store.putBlob(createReadStream(src, { fd }), { digest: d.digest, size: d.size, what: `${dir}: blob ${d.digest}` });
  };
  // Copy only what the index reaches: manifests (and nested indexes), configs, layers.
  const walk = async (d: Descriptor, depth: number): Promise<void> => {
    if (depth > 4) throw new PodrunError(`${dir}: image indexes nested too deeply`);
    await copy(d);
    const bytes = await store.readBlob(d.digest, MAX_MANIFEST_BYTES);
    const doc = parseJson<{ mediaType?: string; manifests?: unknown }>(bytes, `${dir}: ${d.digest}`);
    if (isIndexType(d.mediaType) || isIndexType(doc.mediaType) || Array.isArray(doc.manifests)) {
      const sub = checkIndex(doc, `${dir}: index ${d.digest}`);
      for (const m of imageManifests(sub.manifests)) await walk(m, depth + 1);
      return;
    }
    const m = checkManifest(doc, `${dir}: manifest ${d.digest}`);
    for (const l of m.layers) layerCompression(l.mediaType, l.digest);
    await copy(m.config);
    for (const l of m.layers) await copy(l);
  };
  for (const d of index.manifests) await walk(d, 0);
  return registerLayout(store, index, dir, new Map());
}

/** oci-layout or index.json of a layout dir: a regular file of at most MAX_MANIFEST_BYTES, read bounded. */
function readLayoutJson(dir: string, name: string): Buffer {
  return readUserFile(join(dir, name), MAX_MANIFEST_BYTES, {
    accepts: `podrun reads at most ${MAX_MANIFEST_BYTES} bytes of it, from a regular file`,
    hint: "an OCI image layout as 'skopeo copy ... oci:DIR' or umoci write it",
    exitCode: 1,
    tooLargeHint: 'an OCI layout\'s oci-layout and index.json are a few KiB; check that this is an image layout',
  });
}

function imageManifests(list: Descriptor[]): Descriptor[] {
  return list.filter((m) => m.platform?.os !== 'unknown' && m.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest');
}

function nameFromAnnotations(a: Record<string, string> | undefined): string | undefined {
  const full = a?.[CONTAINERD_NAME];
  if (full) return full;
  const ref = a?.[REF_NAME];
  // A bare ref.name is a tag by the OCI spec (skopeo and podman write `name:tag` there instead).
  if (ref && (ref.includes(':') || ref.includes('/'))) return ref;
  return undefined;
}

/** Records the images an OCI index names (its blobs are in the store by now). */
async function registerLayout(
  store: ImageStore,
  index: Index,
  source: string,
  repoTagsByConfig: Map<string, string[]>,
): Promise<LoadedImage[]> {
  const out: LoadedImage[] = [];
  for (const d of index.manifests) {
    let desc = d;
    const bytes = await store.readBlob(d.digest, MAX_MANIFEST_BYTES);
    const doc = parseJson<Manifest & { manifests?: Descriptor[] }>(bytes, `${source}: ${d.digest}`);
    if (isIndexType(d.mediaType) || isIndexType(doc.mediaType) || Array.isArray(doc.manifests)) {
      const sub = checkIndex(doc, `${source}: index ${d.digest}`);
      desc = pickManifest(imageManifests(sub.manifests));
    }
    const man = checkManifest(parseJson(await store.readBlob(desc.digest, MAX_MANIFEST_BYTES), `${source}: manifest ${desc.digest}`), `${source}: manifest ${desc.digest}`);
    for (const l of man.layers) layerCompression(l.mediaType, l.digest);
    const names: string[] = [];
    const annotated = nameFromAnnotations(d.annotations);
    if (annotated) names.push(annotated);
    else names.push(...(repoTagsByConfig.get(man.config.digest) ?? []));
    out.push(await record(store, desc.digest, names, source));
  }
  return mergeLoaded(out);
}

async function record(store: ImageStore, manifestDigest: string, names: string[], source: string): Promise<LoadedImage> {
  const normalised = names.map((n) => {
    try {
      return formatReference(parseReference(n));
    } catch (e) {
      throw new PodrunError(`${source}: image name ${JSON.stringify(n)} is not a valid reference (${(e as Error).message})`);
    }
  });
  let rec = await store.recordImage(normalised[0] ?? null, manifestDigest);
  for (const n of normalised.slice(1)) await store.tag(rec, n);
  if (normalised.length > 1) rec = store.lookup(normalised[0]) ?? rec;
  return { names: normalised, record: rec };
}

function mergeLoaded(list: LoadedImage[]): LoadedImage[] {
  const by = new Map<string, LoadedImage>();
  for (const l of list) {
    const prev = by.get(l.record.manifestDigest);
    if (prev) prev.names = [...new Set([...prev.names, ...l.names])];
    else by.set(l.record.manifestDigest, l);
  }
  return [...by.values()];
}

/** docker save: a config per image and its layer tars by path; builds an OCI manifest for each. */
async function registerDocker(
  store: ImageStore,
  c: Collected,
  docker: { Config: string; RepoTags?: string[] | null; Layers: string[] }[],
  source: string,
): Promise<LoadedImage[]> {
  const out: LoadedImage[] = [];
  for (const [i, d] of docker.entries()) {
    if (typeof d.Config !== 'string' || !Array.isArray(d.Layers))
      throw new PodrunError(`${source}: manifest.json[${i}] needs Config and Layers`);
    const cfgBytes = await bytesOf(store, c, d.Config, source);
    const cfgPut = await store.putBlob(cfgBytes);
    const cfg = checkConfig(parseJson<ImageConfigFile>(cfgBytes, `${source}: ${d.Config}`), `${source}: ${d.Config}`);
    if (cfg.rootfs.diff_ids.length !== d.Layers.length)
      throw new PodrunError(`${source}: manifest.json[${i}] lists ${d.Layers.length} layers but ${d.Config} has ${cfg.rootfs.diff_ids.length} diff_ids`);
    const layers: Descriptor[] = [];
    for (const [j, lp] of d.Layers.entries()) {
      const f = c.files.get(follow(c, cleanEntryName(lp, source), source));
      if (!f) throw new PodrunError(`${source}: layer ${lp} is referenced but not in the archive`, 'the archive is incomplete');
      const compressed = blobIsGzip(store, f.digest, `${source}: ${lp}`);
      if (!compressed && f.digest !== cfg.rootfs.diff_ids[j])
        throw new PodrunError(`${source}: layer ${lp} has digest ${f.digest} but the config's diff_ids[${j}] is ${cfg.rootfs.diff_ids[j]}`, 'the archive is corrupt');
      layers.push({ mediaType: compressed ? MT.ociLayerGzip : MT.ociLayer, digest: f.digest, size: f.size });
    }
    const manifest: Manifest = {
      schemaVersion: 2,
      mediaType: MT.ociManifest,
      config: { mediaType: MT.ociConfig, digest: cfgPut.digest, size: cfgPut.size },
      layers,
    };
    const m = await store.putJson(manifest);
    out.push(await record(store, m.digest, d.RepoTags ?? [], source));
  }
  return mergeLoaded(out);
}

function blobIsGzip(store: ImageStore, digest: string, what: string): boolean {
  const fd = openSync(store.blobPath(digest), 'r');
  try {
    const b = Buffer.alloc(4);
    const n = readSync(fd, b, 0, 4, 0);
    if (n >= 4 && b.readUInt32LE(0) === 0xfd2fb528)
      throw new PodrunError(`${what}: zstd-compressed layer; Node.js here has no zstd`, 'save the image with gzip or uncompressed layers');
    return n >= 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}
