// Image references, normalised the way Docker and Kubernetes do (distribution/reference):
// `busybox` -> docker.io/library/busybox:latest, `localhost:5000/team/app:dev`,
// `name@sha256:<hex>`, `name:tag@sha256:<hex>` (the digest wins when pulling).
import { UsageError } from '../util/errors';

export const DEFAULT_DOMAIN = 'docker.io';
export const DEFAULT_TAG = 'latest';

export interface Reference {
  /** Registry host[:port], e.g. docker.io, localhost:5000, [::1]:5000. */
  domain: string;
  /** Repository path inside the registry, e.g. library/busybox, team/app. */
  path: string;
  /** Tag; `latest` when neither a tag nor a digest was given. */
  tag?: string;
  /** sha256:<64 hex>. */
  digest?: string;
}

const MAX_NAME = 255;
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const HOST_LABEL = /^(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])$/;
const IPV6 = /^\[[0-9A-Fa-f:.]+\]$/;
const SHA256 = /^sha256:[a-f0-9]{64}$/;
const ANY_DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

const EXAMPLES = 'e.g. busybox, busybox:1.36, localhost:5000/team/app:dev or busybox@sha256:<64 hex digits>';

function bad(input: string, why: string): UsageError {
  return new UsageError(`invalid image reference '${input}': ${why}`, `use a reference like ${EXAMPLES}`);
}

function isDomain(part: string): boolean {
  // Docker's rule: the first component is a registry when it has a '.' or ':', is `localhost`,
  // or has upper-case letters (repository paths never do).
  return part.includes('.') || part.includes(':') || part === 'localhost' || part !== part.toLowerCase();
}

function validateDomain(input: string, domain: string): void {
  let host = domain;
  let port: string | undefined;
  if (domain.startsWith('[')) {
    const end = domain.indexOf(']');
    host = domain.slice(0, end + 1);
    const rest = domain.slice(end + 1);
    if (rest) {
      if (!rest.startsWith(':')) throw bad(input, `registry '${domain}' is not host[:port]`);
      port = rest.slice(1);
    }
    if (!IPV6.test(host)) throw bad(input, `registry '${domain}' is not a valid IPv6 address`);
  } else {
    const colon = domain.indexOf(':');
    if (colon >= 0) {
      host = domain.slice(0, colon);
      port = domain.slice(colon + 1);
    }
    if (!host.split('.').every((l) => HOST_LABEL.test(l)))
      throw bad(input, `registry host '${host}' is not a valid host name`);
  }
  if (port !== undefined && (!/^\d{1,5}$/.test(port) || Number(port) > 65535))
    throw bad(input, `registry port '${port}' must be a number from 1 to 65535`);
}

/** Parses and normalises a reference; throws UsageError naming the problem. */
export function parseReference(input: string): Reference {
  const s = input.trim();
  if (!s) throw bad(input, 'it is empty');
  if (/\s/.test(s)) throw bad(input, 'it contains white space');
  let rest = s;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!ANY_DIGEST.test(digest)) throw bad(input, `'${digest}' is not a digest (algorithm:hex)`);
    if (!digest.startsWith('sha256:')) throw bad(input, `digest algorithm '${digest.split(':')[0]}' is not supported (only sha256)`);
    if (!SHA256.test(digest)) throw bad(input, `a sha256 digest is 64 lower-case hex digits, got '${digest.slice(7)}'`);
  }
  let tag: string | undefined;
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag))
      throw bad(input, `tag '${tag}' must be 1-128 of letters, digits, '_', '.', '-' and not start with '.' or '-'`);
  }
  if (!rest) throw bad(input, 'the repository name is missing');
  let domain = DEFAULT_DOMAIN;
  let path = rest;
  const first = rest.indexOf('/');
  if (first >= 0 && isDomain(rest.slice(0, first))) {
    domain = rest.slice(0, first);
    path = rest.slice(first + 1);
    validateDomain(input, domain);
  }
  if (domain === 'index.docker.io' || domain === 'registry-1.docker.io') domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = `library/${path}`;
  if (!path) throw bad(input, 'the repository name is missing');
  if (path !== path.toLowerCase()) throw bad(input, `repository name '${path}' must be lower-case`);
  for (const c of path.split('/')) {
    if (!c) throw bad(input, `repository name '${path}' has an empty path component`);
    if (!COMPONENT.test(c))
      throw bad(input, `repository path component '${c}' may only hold a-z, 0-9 and single separators '.', '_', '__', '-'`);
  }
  if (domain.length + 1 + path.length > MAX_NAME) throw bad(input, `the name is longer than ${MAX_NAME} characters`);
  if (!tag && !digest) tag = DEFAULT_TAG;
  return digest ? (tag ? { domain, path, tag, digest } : { domain, path, digest }) : { domain, path, tag };
}

/** `docker.io/library/busybox` */
export function repositoryOf(r: Reference): string {
  return `${r.domain}/${r.path}`;
}

/** Full normalised form: domain/path[:tag][@digest]. */
export function formatReference(r: Reference): string {
  return `${repositoryOf(r)}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
}

/**
 * The name an image is recorded under in the store: `repo@digest` when pulled by digest (the tag
 * of `name:tag@digest` is informational, as in Docker), else `repo:tag`.
 */
export function storeName(r: Reference): string {
  return r.digest ? `${repositoryOf(r)}@${r.digest}` : `${repositoryOf(r)}:${r.tag ?? DEFAULT_TAG}`;
}

/** Parses a reference that must carry a tag (import/commit/tag targets), not a digest. */
export function parseTagReference(input: string): Reference {
  const r = parseReference(input);
  if (r.digest)
    throw new UsageError(
      `'${input}' has a digest; a new image needs a name and tag, e.g. myimage:1.0`,
      'the digest of a new image is computed from its content',
    );
  return r;
}

/** Splits a store name back into repository and tag/digest for display. */
export function splitStoreName(name: string): { repository: string; tag: string; digest?: string } {
  const at = name.indexOf('@');
  if (at >= 0) return { repository: name.slice(0, at), tag: '<none>', digest: name.slice(at + 1) };
  const colon = name.lastIndexOf(':');
  const slash = name.lastIndexOf('/');
  if (colon > slash) return { repository: name.slice(0, colon), tag: name.slice(colon + 1) };
  return { repository: name, tag: '<none>' };
}

export function isSha256Digest(s: string): boolean {
  return SHA256.test(s);
}
