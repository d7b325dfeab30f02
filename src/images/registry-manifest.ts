// What the client asks registries for and how it tells an index from an image manifest. The
// formats themselves live in oci.ts (H2's), platform selection in platform.ts.
import { PodrunError } from '../util/errors';
import { checkIndex, checkManifest, Index, isIndexType, isManifestType, Manifest, MT, parseJson } from './oci';

/** Sent on every manifest GET; Debian's registry serves OCI manifests only when asked for them. */
export const MANIFEST_ACCEPT = [MT.ociIndex, MT.ociManifest, MT.dockerList, MT.dockerManifest];

const SCHEMA1 = ['application/vnd.docker.distribution.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v1+prettyjws'];

export type ParsedManifest =
  | { kind: 'index'; index: Index; mediaType: string }
  | { kind: 'manifest'; manifest: Manifest; mediaType: string };

/**
 * Parses manifest bytes into an index or an image manifest; `what` names it in errors. The media
 * type is the manifest's own `mediaType`, else the Content-Type, else guessed from its shape.
 */
export function parseManifest(bytes: Buffer, contentType: string, what: string): ParsedManifest {
  const v = parseJson<Record<string, unknown>>(bytes, what);
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new PodrunError(`${what} is not a JSON object`);
  const own = typeof v.mediaType === 'string' ? v.mediaType : undefined;
  if (v.schemaVersion === 1 || SCHEMA1.includes(own ?? contentType))
    throw new PodrunError(`${what}: Docker schema 1 manifests are not supported`, 'push the image again with a current tool (schema 2 or OCI)');
  const mt = own ?? contentType;
  if (isIndexType(mt) || (!isManifestType(mt) && Array.isArray(v.manifests)))
    return { kind: 'index', index: checkIndex(v, what), mediaType: isIndexType(mt) ? mt : MT.ociIndex };
  if (!isManifestType(mt) && !(v.config && Array.isArray(v.layers)))
    throw new PodrunError(`${what}: unsupported manifest media type ${mt || '(none)'}`);
  return { kind: 'manifest', manifest: checkManifest(v, what), mediaType: isManifestType(mt) ? mt : MT.ociManifest };
}
