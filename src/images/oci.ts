// The OCI / Docker image formats the store reads and writes (image-spec v1.1, Docker schema 2).
import { PodrunError } from '../util/errors';
import type { ImageConfig } from './types';

export const MT = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  ociLayerNdGzip: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  ociLayerNd: 'application/vnd.oci.image.layer.nondistributable.v1.tar',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerLayerForeign: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
} as const;

/** Manifests bigger than this are refused (containerd's MaxManifestSize). */
export const MAX_MANIFEST_BYTES = 4 << 20;
/** Image configs / archive JSON bigger than this are refused (CVE-2023-25153). */
export const MAX_JSON_BYTES = 20 << 20;

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: Platform;
  urls?: string[];
}

export interface Manifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface Index {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  comment?: string;
  empty_layer?: boolean;
  author?: string;
}

/** The whole image config blob (the image id is its digest). */
export interface ImageConfigFile {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  variant?: string;
  config?: ImageConfig;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: HistoryEntry[];
  [k: string]: unknown;
}

export const isIndexType = (mt: string | undefined) => mt === MT.ociIndex || mt === MT.dockerList;
export const isManifestType = (mt: string | undefined) => mt === MT.ociManifest || mt === MT.dockerManifest;

export type LayerCompression = 'gzip' | 'none';

/** How a layer blob is compressed, from its media type; zstd and unknown types are refused clearly. */
export function layerCompression(mediaType: string, digest: string): LayerCompression {
  switch (mediaType) {
    case MT.ociLayerGzip:
    case MT.ociLayerNdGzip:
    case MT.dockerLayerGzip:
    case MT.dockerLayerForeign:
      return 'gzip';
    case MT.ociLayer:
    case MT.ociLayerNd:
    case 'application/vnd.docker.image.rootfs.diff.tar':
      return 'none';
    default:
      if (mediaType.endsWith('+zstd') || mediaType.endsWith('.zstd'))
        throw new PodrunError(
          `layer ${digest} has media type ${mediaType}: zstd layers are not supported by this Node.js (no zstd in zlib)`,
          'use an image with gzip layers (e.g. rebuild or re-push with gzip compression)',
        );
      throw new PodrunError(`layer ${digest} has an unsupported media type ${mediaType}`, 'podrun reads tar and tar+gzip layers');
  }
}

/** Parses JSON from a blob and checks the basic shape; `what` names it in errors. */
export function parseJson<T>(buf: Buffer, what: string): T {
  try {
    return JSON.parse(buf.toString('utf8')) as T;
  } catch (e) {
    throw new PodrunError(`${what} is not valid JSON: ${(e as Error).message}`);
  }
}

export function checkManifest(m: unknown, what: string): Manifest {
  const x = m as Manifest;
  if (!x || typeof x !== 'object' || x.schemaVersion !== 2 || !x.config || !Array.isArray(x.layers))
    throw new PodrunError(`${what} is not an image manifest (schemaVersion 2 with config and layers)`);
  for (const d of [x.config, ...x.layers]) checkDescriptor(d, what);
  return x;
}

export function checkIndex(m: unknown, what: string): Index {
  const x = m as Index;
  if (!x || typeof x !== 'object' || x.schemaVersion !== 2 || !Array.isArray(x.manifests))
    throw new PodrunError(`${what} is not an image index (schemaVersion 2 with manifests)`);
  for (const d of x.manifests) checkDescriptor(d, what);
  return x;
}

export function checkDescriptor(d: Descriptor, what: string): void {
  if (!d || typeof d.digest !== 'string' || !/^sha256:[a-f0-9]{64}$/.test(d.digest))
    throw new PodrunError(`${what}: descriptor with a missing or non-sha256 digest (${JSON.stringify(d?.digest)})`);
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0)
    throw new PodrunError(`${what}: descriptor ${d.digest} has an invalid size`);
}

export function checkConfig(c: unknown, what: string): ImageConfigFile {
  const x = c as ImageConfigFile;
  if (!x || typeof x !== 'object' || !x.rootfs || !Array.isArray(x.rootfs.diff_ids))
    throw new PodrunError(`${what} is not an image config (rootfs.diff_ids missing)`);
  for (const d of x.rootfs.diff_ids)
    if (typeof d !== 'string' || !/^sha256:[a-f0-9]{64}$/.test(d)) throw new PodrunError(`${what}: invalid diff_id ${JSON.stringify(d)}`);
  return x;
}
