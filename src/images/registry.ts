// An OCI distribution-spec client on node:http/https: streaming bodies, auth (Basic and Bearer
// tokens, see registry-auth.ts), bounded retries with exponential backoff for transient failures
// (connection resets, 5xx, 429 + Retry-After), redirects that never carry our Authorization to
// another host, and plain HTTP only for loopback or registries the user marked insecure.
import { createHash } from 'crypto';
import { readFileSync } from 'fs';
import * as http from 'http';
import * as https from 'https';
import { join } from 'path';
import type { Readable } from 'stream';
import { NotFoundError, PodrunError, isErrno } from '../util/errors';
import { log } from '../util/diagnostics';
import { extraCa } from './tls';
import { Credentials, readCredentials } from './auth';
import {
  Challenge,
  TokenResponse,
  basicHeader,
  parseChallenge,
  parseTokenResponse,
  scopesFor,
  tokenUrl,
} from './registry-auth';
import { MAX_MANIFEST_BYTES } from './oci';
import { MANIFEST_ACCEPT } from './registry-manifest';

/** A failure the registry reported (status, distribution error code) or a transport failure. */
export class RegistryError extends PodrunError {
  constructor(
    message: string,
    readonly status?: number,
    readonly code?: string,
    hint?: string,
  ) {
    super(message, hint);
  }
}

export interface RetryPolicy {
  /** Total tries, first one included. */
  attempts: number;
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseMs: 500, maxMs: 30_000 };

export interface RegistryClientOptions {
  /** host[:port] as written in the image reference; `docker.io` means Docker Hub. */
  registry: string;
  /** Allow plain HTTP for a non-loopback registry. */
  insecure?: boolean;
  /** Credentials to use; undefined = look them up in the Docker config file; null = anonymous. */
  credentials?: Credentials | null;
  retry?: Partial<RetryPolicy>;
  /** Idle socket timeout. */
  timeoutMs?: number;
}

export interface FetchedManifest {
  bytes: Buffer;
  digest: string;
  mediaType: string;
}

export type Body = Buffer | (() => Readable);

interface Req {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  body?: Body;
  /** The token scope this request needs (`repository:NAME:pull`). */
  scope?: string;
  /** What the request is about, for error messages: "manifest test/app:1". */
  what: string;
  /** Statuses handed back to the caller instead of being turned into errors. */
  accept?: number[];
}

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504]);

export function isTransient(e: unknown): boolean {
  if (e instanceof RegistryError) return e.status !== undefined && RETRY_STATUS.has(e.status);
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' && TRANSIENT_CODES.has(code);
}

/** Docker Hub's API host for `docker.io`; everything else is its own API host. */
export function apiHost(registry: string): string {
  return registry === 'docker.io' || registry === 'index.docker.io' ? 'registry-1.docker.io' : registry;
}

/** `localhost`, `127.0.0.0/8` and `[::1]`, with or without a port. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = hostOf(registry);
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function hostOf(hostPort: string): string {
  if (hostPort.startsWith('[')) return hostPort.slice(1, hostPort.indexOf(']'));
  const colon = hostPort.lastIndexOf(':');
  return (colon >= 0 ? hostPort.slice(0, colon) : hostPort).toLowerCase();
}

/**
 * Registries the user marked insecure (plain HTTP): `PODRUN_INSECURE_REGISTRIES` (comma or space
 * separated host[:port]) and `insecure` in `<root>/registries.json`.
 */
export function insecureRegistries(root?: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const out = (env.PODRUN_INSECURE_REGISTRIES ?? '').split(/[\s,]+/).filter(Boolean);
  if (root) {
    const file = join(root, 'registries.json');
    let text: string | undefined;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      if (!isErrno(e, 'ENOENT')) throw new PodrunError(`cannot read ${file}: ${(e as Error).message}`);
    }
    if (text !== undefined) {
      let v: unknown;
      try {
        v = JSON.parse(text);
      } catch {
        throw new PodrunError(`${file}: not valid JSON`, 'expected {"insecure": ["host:port", ...]}');
      }
      const list = (v as { insecure?: unknown })?.insecure;
      if (list !== undefined && (!Array.isArray(list) || list.some((x) => typeof x !== 'string')))
        throw new PodrunError(`${file}: insecure: expected a list of host[:port] strings`);
      out.push(...((list as string[] | undefined) ?? []));
    }
  }
  return out;
}

export function isInsecure(registry: string, opts: { insecure?: boolean; root?: string } = {}): boolean {
  return Boolean(opts.insecure) || isLoopbackRegistry(registry) || insecureRegistries(opts.root).includes(registry);
}

/** Drops query strings (signed storage URLs) before a URL goes into a log line or message. */
export function redactUrl(u: URL): string {
  return `${u.protocol}//${u.host}${u.pathname}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Retry-After in seconds or as an HTTP date, capped; undefined when absent or unparsable. */
export function retryAfterMs(header: string | string[] | undefined, maxMs: number, now = Date.now()): number | undefined {
  const v = Array.isArray(header) ? header[0] : header;
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Math.min(Number(v) * 1000, maxMs);
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.min(Math.max(0, t - now), maxMs);
}

export function backoffMs(attempt: number, p: RetryPolicy): number {
  const exp = Math.min(p.maxMs, p.baseMs * 2 ** attempt);
  return Math.round(exp / 2 + Math.random() * (exp / 2)); // jitter so parallel layers spread out
}

/** Reads a whole (small) body, refusing more than `cap` bytes. */
export async function readBody(res: Readable, cap: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of res) {
    n += (c as Buffer).length;
    if (n > cap) {
      res.destroy();
      throw new RegistryError(`${what}: larger than ${cap} bytes; refusing it`);
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

function drain(res: http.IncomingMessage): void {
  res.resume();
  res.on('error', () => undefined);
}

/** The distribution spec's `{"errors":[{"code","message"}]}` as one line, or the status text. */
function describeErrorBody(status: number, body: string): { code?: string; text: string } {
  try {
    const v = JSON.parse(body) as { errors?: { code?: string; message?: string; detail?: unknown }[] };
    const e = v.errors?.[0];
    if (e) return { code: e.code, text: [e.code, e.message].filter(Boolean).join(': ') };
  } catch {
    /* not JSON */
  }
  return { text: `HTTP ${status} ${http.STATUS_CODES[status] ?? ''}`.trim() };
}

export class RegistryClient {
  readonly registry: string;
  readonly base: URL;
  private readonly retry: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly insecure: boolean;
  private creds: Credentials | null | undefined;
  private bearer?: Challenge;
  private basic = false;
  private readonly tokens = new Map<string, TokenResponse>();
  private readonly agent: http.Agent;

  constructor(opts: RegistryClientOptions) {
    this.registry = opts.registry;
    this.insecure = Boolean(opts.insecure) || isLoopbackRegistry(opts.registry);
    this.base = new URL(`${this.insecure ? 'http' : 'https'}://${apiHost(opts.registry)}/v2/`);
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    this.creds = opts.credentials;
    const agentOpts = { keepAlive: true, maxSockets: 8 };
    this.agent = this.insecure ? new http.Agent(agentOpts) : new https.Agent({ ...agentOpts, ca: extraCa() });
  }

  /** Closes idle keep-alive sockets so the process can exit. */
  close(): void {
    this.agent.destroy();
  }

  private credentials(): Credentials | null {
    if (this.creds === undefined) this.creds = readCredentials(this.registry) ?? null;
    return this.creds;
  }

  url(path: string): URL {
    return new URL(path, this.base);
  }

  /** GET /v2/ and answer any challenge: proves the registry speaks v2 and the credentials work. */
  async ping(): Promise<void> {
    const res = await this.request({ method: 'GET', url: this.url(''), what: `registry ${this.registry}` });
    drain(res);
  }

  async getManifest(repository: string, reference: string, scope: string): Promise<FetchedManifest> {
    const what = `manifest ${this.registry}/${repository}${reference.includes(':') ? '@' : ':'}${reference}`;
    const res = await this.request({
      method: 'GET',
      url: this.url(`${repository}/manifests/${reference}`),
      headers: { Accept: MANIFEST_ACCEPT.join(', ') },
      scope,
      what,
    });
    const bytes = await readBody(res, MAX_MANIFEST_BYTES, what);
    const digest = 'sha256:' + createHash('sha256').update(bytes).digest('hex');
    // Verify: a digest reference must match exactly; a tag must match what the registry claims.
    if (reference.startsWith('sha256:') && reference !== digest)
      throw new RegistryError(`${what}: digest mismatch: received content with digest ${digest}`);
    const claimed = res.headers['docker-content-digest'];
    if (typeof claimed === 'string' && claimed.startsWith('sha256:') && claimed !== digest)
      throw new RegistryError(`${what}: digest mismatch: registry says ${claimed}, content is ${digest}`);
    let mediaType = String(res.headers['content-type'] ?? '').split(';')[0].trim();
    try {
      const mt = (JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown }).mediaType;
      if (typeof mt === 'string' && mt) mediaType = mt;
    } catch {
      throw new RegistryError(`${what}: the registry sent a manifest that is not JSON`);
    }
    return { bytes, digest, mediaType };
  }

  /** A blob's content as a stream (after redirects). The caller verifies digest and size. */
  async getBlob(repository: string, digest: string, scope: string): Promise<http.IncomingMessage> {
    return this.request({
      method: 'GET',
      url: this.url(`${repository}/blobs/${digest}`),
      scope,
      what: `blob ${digest} of ${this.registry}/${repository}`,
    });
  }

  async blobExists(repository: string, digest: string, scope: string): Promise<boolean> {
    const res = await this.request({
      method: 'HEAD',
      url: this.url(`${repository}/blobs/${digest}`),
      scope,
      what: `blob ${digest} of ${this.registry}/${repository}`,
      accept: [404],
    });
    drain(res);
    return res.statusCode === 200;
  }

  /** Monolithic upload: POST a session, PUT the whole blob with `?digest=`. Retried as a whole. */
  async uploadBlob(repository: string, digest: string, size: number, open: () => Readable, scope: string): Promise<void> {
    const what = `blob ${digest} to ${this.registry}/${repository}`;
    await this.withRetry(what, async () => {
      const start = await this.request({
        method: 'POST',
        url: this.url(`${repository}/blobs/uploads/`),
        headers: { 'Content-Length': '0' },
        body: Buffer.alloc(0),
        scope,
        what: `upload of ${what}`,
      });
      drain(start);
      const location = start.headers.location;
      if (!location) throw new RegistryError(`upload of ${what}: the registry gave no upload location`);
      const put = new URL(location, this.base);
      put.searchParams.set('digest', digest);
      const res = await this.request({
        method: 'PUT',
        url: put,
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) },
        body: open,
        scope,
        what: `upload of ${what}`,
      });
      drain(res);
    });
  }

  /** PUT a manifest under a tag or digest; returns the digest the registry computed. */
  async putManifest(repository: string, reference: string, bytes: Buffer, mediaType: string, scope: string): Promise<string> {
    const res = await this.request({
      method: 'PUT',
      url: this.url(`${repository}/manifests/${reference}`),
      headers: { 'Content-Type': mediaType, 'Content-Length': String(bytes.length) },
      body: bytes,
      scope,
      what: `manifest ${this.registry}/${repository}:${reference}`,
    });
    drain(res);
    const d = res.headers['docker-content-digest'];
    return typeof d === 'string' ? d : 'sha256:' + createHash('sha256').update(bytes).digest('hex');
  }

  /** Runs `fn` again after transient failures (bounded, exponential backoff). */
  async withRetry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (!isTransient(e) || attempt + 1 >= this.retry.attempts) throw e;
        const wait = backoffMs(attempt, this.retry);
        log().debug(`${what}: ${(e as Error).message}; retry ${attempt + 1} in ${wait} ms`);
        await sleep(wait);
      }
    }
  }

  /**
   * One logical request: auth (answering at most one 401 with a fresh token or Basic credentials),
   * transient-failure retries, redirects. Returns the response with its body unread.
   */
  async request(req: Req): Promise<http.IncomingMessage> {
    let answeredChallenge = false;
    // A streamed body can be sent only once per session; the caller retries those as a whole.
    const attempts = typeof req.body === 'function' ? 1 : this.retry.attempts;
    for (let attempt = 0; ; ) {
      const headers: Record<string, string> = { 'User-Agent': 'podrun', ...req.headers };
      const authz = await this.authorization(req.scope);
      if (authz) headers.Authorization = authz;
      let res: http.IncomingMessage;
      try {
        res = await this.send(req.method, req.url, headers, req.body);
      } catch (e) {
        if (isTransient(e) && attempt + 1 < attempts) {
          const wait = backoffMs(attempt++, this.retry);
          log().debug(`${req.what}: ${(e as Error).message}; retry in ${wait} ms`);
          await sleep(wait);
          continue;
        }
        throw this.transportError(req, e);
      }
      const status = res.statusCode ?? 0;
      if (status === 401 && !answeredChallenge) {
        drain(res);
        answeredChallenge = true;
        await this.answerChallenge(res.headers['www-authenticate'], req);
        continue;
      }
      if (RETRY_STATUS.has(status) && attempt + 1 < attempts) {
        drain(res);
        const wait = retryAfterMs(res.headers['retry-after'], this.retry.maxMs) ?? backoffMs(attempt, this.retry);
        attempt++;
        log().debug(`${req.what}: HTTP ${status}; retry in ${wait} ms`);
        await sleep(wait);
        continue;
      }
      if ((status >= 200 && status < 300) || req.accept?.includes(status)) return res;
      throw await this.statusError(req, res);
    }
  }

  private transportError(req: Req, e: unknown): Error {
    if (e instanceof PodrunError) return e;
    const code = (e as { code?: string }).code;
    const err = new RegistryError(
      `${req.what}: ${req.method} ${redactUrl(req.url)} failed: ${(e as Error).message}`,
      undefined,
      code,
      code === 'ECONNREFUSED'
        ? `is a registry listening at ${this.base.host}?`
        : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
          ? `${this.base.host} cannot be resolved: check the name and the network; offline, use 'podrun load' or 'podrun import' instead`
          : undefined,
    );
    (err as { errno?: string }).errno = code;
    return err;
  }

  private async statusError(req: Req, res: http.IncomingMessage): Promise<Error> {
    const status = res.statusCode ?? 0;
    let body = '';
    if (req.method !== 'HEAD') {
      try {
        body = (await readBody(res, 64 * 1024, req.what)).toString('utf8');
      } catch {
        /* the status is enough */
      }
    } else drain(res);
    const { code, text } = describeErrorBody(status, body);
    if (status === 401) {
      const c = this.credentials();
      return new RegistryError(
        c
          ? `${req.what}: access denied for user '${c.username}' (${text})`
          : `${req.what}: authentication required (${text})`,
        status,
        code,
        c ? `check the credentials with 'podrun login ${this.registry}'` : `run 'podrun login ${this.registry}' first`,
      );
    }
    if (status === 403) return new RegistryError(`${req.what}: forbidden (${text})`, status, code);
    if (status === 404) {
      const e = new NotFoundError(`${req.what}: not found (${text})`);
      (e as { status?: number }).status = 404;
      return e;
    }
    return new RegistryError(`${req.what}: ${req.method} ${redactUrl(req.url)}: ${text}`, status, code);
  }

  /** The Authorization header for `scope`, from what earlier challenges taught us. */
  private async authorization(scope: string | undefined): Promise<string | undefined> {
    const c = this.credentials();
    if (this.basic && c) return basicHeader(c);
    if (!this.bearer) return undefined;
    const key = scope ?? '';
    const t = this.tokens.get(key);
    if (t && t.expiresAt > Date.now()) return `Bearer ${t.token}`;
    const fresh = await this.fetchToken(this.bearer, scope);
    return `Bearer ${fresh.token}`;
  }

  private async answerChallenge(header: string | string[] | undefined, req: Req): Promise<void> {
    const challenge = parseChallenge(Array.isArray(header) ? header[0] : header);
    const creds = this.credentials();
    if (challenge?.scheme === 'basic') {
      if (!creds)
        throw new RegistryError(`${req.what}: authentication required`, 401, 'UNAUTHORIZED', `run 'podrun login ${this.registry}' first`);
      this.basic = true;
      return;
    }
    if (challenge?.scheme === 'bearer') {
      this.bearer = challenge;
      await this.fetchToken(challenge, req.scope);
      return;
    }
    throw new RegistryError(
      `${req.what}: the registry wants authentication podrun does not speak (${challenge?.scheme ?? 'no WWW-Authenticate header'})`,
      401,
    );
  }

  private async fetchToken(challenge: Challenge, scope: string | undefined): Promise<TokenResponse> {
    const url = tokenUrl(challenge, scopesFor(challenge, scope));
    const creds = this.credentials();
    const headers: Record<string, string> = { 'User-Agent': 'podrun', Accept: 'application/json' };
    if (creds) {
      // Never send a password in clear text to a non-loopback host the user did not mark insecure.
      if (url.protocol === 'http:' && !this.insecure && !isLoopbackRegistry(url.host))
        throw new RegistryError(`the token realm ${redactUrl(url)} is plain HTTP; refusing to send credentials there`);
      headers.Authorization = basicHeader(creds);
    }
    const what = `token for ${this.registry} from ${redactUrl(url)}`;
    const res = await this.withRetry(what, async () => {
      let r: http.IncomingMessage;
      try {
        r = await this.send('GET', url, headers, undefined);
      } catch (e) {
        throw this.transportError({ method: 'GET', url, what }, e);
      }
      if (RETRY_STATUS.has(r.statusCode ?? 0)) {
        drain(r);
        throw new RegistryError(`${what}: HTTP ${r.statusCode}`, r.statusCode);
      }
      return r;
    });
    const status = res.statusCode ?? 0;
    if (status === 401 || status === 403) {
      drain(res);
      throw new RegistryError(
        creds
          ? `${this.registry}: the token server rejected the credentials for user '${creds.username}'`
          : `${this.registry}: the token server requires authentication`,
        401,
        'UNAUTHORIZED',
        creds ? `check them with 'podrun login ${this.registry}'` : `run 'podrun login ${this.registry}' first`,
      );
    }
    if (status !== 200) {
      drain(res);
      throw new RegistryError(`${what}: HTTP ${status}`, status);
    }
    const t = parseTokenResponse((await readBody(res, 1024 * 1024, what)).toString('utf8'));
    this.tokens.set(scope ?? '', t);
    return t;
  }

  /** One HTTP exchange plus redirects; Authorization is dropped when a redirect leaves the origin. */
  private async send(method: string, url: URL, headers: Record<string, string>, body: Body | undefined): Promise<http.IncomingMessage> {
    let current = url;
    let hdrs = headers;
    for (let hop = 0; hop < 6; hop++) {
      const res = await this.sendOnce(method, current, hdrs, hop === 0 ? body : undefined);
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      // Uploads answer 201/202 with a Location too; only 3xx on GET/HEAD is a redirect.
      if (![301, 302, 303, 307, 308].includes(status) || !location || (method !== 'GET' && method !== 'HEAD')) {
        log().debug(`${method} ${redactUrl(current)} -> ${status}`);
        return res;
      }
      drain(res);
      const next = new URL(location, current);
      if (next.protocol !== 'http:' && next.protocol !== 'https:')
        throw new RegistryError(`redirect to unsupported URL scheme ${next.protocol}`);
      log().debug(`${method} ${redactUrl(current)} -> ${status} ${redactUrl(next)}`);
      if (next.origin !== current.origin) {
        const { Authorization: _drop, ...rest } = hdrs;
        hdrs = rest;
      }
      current = next;
    }
    throw new RegistryError(`${method} ${redactUrl(url)}: too many redirects`);
  }

  private sendOnce(method: string, url: URL, headers: Record<string, string>, body: Body | undefined): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      const tls = url.protocol === 'https:';
      // Our keep-alive agent only for our own origin; redirect targets get a one-off connection.
      const agent = url.origin === this.base.origin ? this.agent : undefined;
      const req = (tls ? https : http).request(url, { method, headers, agent, ...(tls && !agent ? { ca: extraCa() } : {}) }, resolve);
      req.setTimeout(this.timeoutMs, () => {
        const e = new Error(`no response for ${this.timeoutMs} ms`) as NodeJS.ErrnoException;
        e.code = 'ETIMEDOUT';
        req.destroy(e);
      });
      req.on('error', reject);
      if (body === undefined) req.end();
      else if (Buffer.isBuffer(body)) req.end(body);
      else {
        const src = body();
        src.on('error', (e) => req.destroy(e));
        src.pipe(req);
      }
    });
  }
}
