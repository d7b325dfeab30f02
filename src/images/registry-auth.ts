// Registry authentication: parse `WWW-Authenticate` challenges and answer them, either with HTTP
// Basic (htpasswd registries) or with the Bearer token dance of the distribution spec: GET the
// challenge's realm with service + scope (Basic credentials when we have them), use the returned
// `token` / `access_token` as `Authorization: Bearer`. Tokens are cached per scope until expiry.
import { PodrunError } from '../util/errors';
import type { Credentials } from './auth';

export interface Challenge {
  scheme: string; // lower-case: 'bearer' | 'basic' | ...
  params: Record<string, string>;
}

/** Parses `Bearer realm="https://x/token",service="reg",scope="repository:a/b:pull"` (and Basic). */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (!header) return undefined;
  const m = /^\s*([A-Za-z]+)\s*(.*)$/.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /([A-Za-z_][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*(?:,|$)/g;
  let p: RegExpExecArray | null;
  while ((p = re.exec(m[2])) !== null) {
    if (p[0] === '') break;
    params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3];
  }
  return { scheme: m[1].toLowerCase(), params };
}

/** `repository:NAME:pull` or `repository:NAME:pull,push`. */
export function repositoryScope(repository: string, push: boolean): string {
  return `repository:${repository}:${push ? 'pull,push' : 'pull'}`;
}

export function basicHeader(c: Credentials): string {
  return 'Basic ' + Buffer.from(`${c.username}:${c.password}`).toString('base64');
}

export interface TokenResponse {
  token: string;
  /** ms since epoch after which we fetch a new one. */
  expiresAt: number;
}

/** Extracts the token from a token server's JSON answer (`token`, or OAuth2's `access_token`). */
export function parseTokenResponse(body: string, now = Date.now()): TokenResponse {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(body) as Record<string, unknown>;
  } catch {
    throw new PodrunError('the token server answered with something that is not JSON');
  }
  const token = typeof v.token === 'string' && v.token ? v.token : typeof v.access_token === 'string' ? v.access_token : '';
  if (!token) throw new PodrunError('the token server answered without a token');
  // The spec's default lifetime is 60 s; renew a little early.
  const secs = typeof v.expires_in === 'number' && v.expires_in > 0 ? v.expires_in : 60;
  return { token, expiresAt: now + Math.max(1, secs - 10) * 1000 };
}

/** The realm URL with `service` and each `scope` as query parameters. */
export function tokenUrl(challenge: Challenge, scopes: string[]): URL {
  const realm = challenge.params.realm;
  if (!realm) throw new PodrunError('the registry asked for a Bearer token but named no realm');
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw new PodrunError(`the registry's token realm is not a URL: ${realm}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new PodrunError(`the registry's token realm has an unsupported scheme: ${url.protocol}`);
  if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
  for (const s of scopes) url.searchParams.append('scope', s);
  return url;
}

/** The scopes to ask for: ours, plus the one the challenge names if it differs. */
export function scopesFor(challenge: Challenge, wanted: string | undefined): string[] {
  const out: string[] = [];
  if (wanted) out.push(wanted);
  const c = challenge.params.scope;
  if (c) for (const s of c.split(' ')) if (s && !out.includes(s)) out.push(s);
  return out;
}
