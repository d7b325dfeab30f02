// A real distribution registry (Debian's docker-registry) on 127.0.0.1 for tests, with optional
// htpasswd Basic auth or Bearer token auth backed by a token server running in this Node process,
// plus a flaky HTTP proxy that injects connection resets and 503s. Everything binds loopback only.
import { ChildProcess, execFileSync, spawn } from 'child_process';
import { createHash, generateKeyPairSync, KeyObject, randomBytes, sign } from 'crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import * as http from 'http';
import * as net from 'net';
import { tmpdir } from 'os';
import { join } from 'path';

export const REGISTRY_BIN = '/usr/bin/docker-registry';
export const haveRegistry = () => existsSync(REGISTRY_BIN);

export interface TokenServer {
  url: string;
  port: number;
  /** Every request the token server saw: scopes asked for and the user (if Basic creds came). */
  requests: { scopes: string[]; user?: string; service?: string }[];
  stop(): Promise<void>;
}

export interface TestRegistry {
  /** host:port, e.g. 127.0.0.1:41234 */
  host: string;
  port: number;
  /** The registry's storage root (docker/registry/v2/... lives under it). */
  storage: string;
  token?: TokenServer;
  /** Path of a blob's data file inside the registry's storage. */
  blobDataPath(digest: string): string;
  stop(): Promise<void>;
}

export interface RegistryOptions {
  /** htpasswd users (bcrypt via `htpasswd -Bbn`). */
  htpasswd?: Record<string, string>;
  /** Bearer token auth: users the token server accepts, and whether anonymous gets pull. */
  token?: { users: Record<string, string>; anonymousPull?: boolean; pullOnly?: string[] };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function b64url(b: Buffer | string): string {
  return Buffer.from(b).toString('base64url');
}

/** libtrust's key id: sha256 of the DER SubjectPublicKeyInfo, first 240 bits, base32, 4-char groups. */
export function libtrustKeyId(pub: KeyObject): string {
  const der = pub.export({ type: 'spki', format: 'der' });
  const sum = createHash('sha256').update(der).digest().subarray(0, 30);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of sum) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out.match(/.{1,4}/g)!.join(':');
}

/** A JWT the registry accepts: RS256, `kid` per libtrust, access claims for the granted actions. */
export function makeToken(
  key: KeyObject,
  kid: string,
  claims: { issuer: string; service: string; subject: string; access: { type: string; name: string; actions: string[] }[] },
): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { typ: 'JWT', alg: 'RS256', kid };
  const body = {
    iss: claims.issuer,
    sub: claims.subject,
    aud: claims.service,
    exp: now + 300,
    nbf: now - 10,
    iat: now,
    jti: randomBytes(8).toString('hex'),
    access: claims.access,
  };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(body))}`;
  return `${input}.${b64url(sign('sha256', Buffer.from(input), key))}`;
}

async function startTokenServer(
  dir: string,
  opts: NonNullable<RegistryOptions['token']>,
  service: string,
  issuer: string,
): Promise<TokenServer & { certFile: string }> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyFile = join(dir, 'token.key');
  const certFile = join(dir, 'token.crt');
  writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  // The registry wants its trusted keys as an x509 bundle.
  execFileSync('openssl', ['req', '-x509', '-new', '-key', keyFile, '-subj', '/CN=podrun-test-token', '-days', '1', '-out', certFile], {
    stdio: 'pipe',
  });
  const kid = libtrustKeyId(publicKey);
  const requests: TokenServer['requests'] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const scopes = url.searchParams.getAll('scope');
    let user: string | undefined;
    const authz = req.headers.authorization;
    if (authz?.startsWith('Basic ')) {
      const plain = Buffer.from(authz.slice(6), 'base64').toString('utf8');
      const i = plain.indexOf(':');
      const [u, p] = [plain.slice(0, i), plain.slice(i + 1)];
      if (opts.users[u] !== p) {
        requests.push({ scopes, user: u, service: url.searchParams.get('service') ?? undefined });
        res.writeHead(401, { 'Content-Type': 'application/json' });
        res.end('{"details":"bad credentials"}');
        return;
      }
      user = u;
    }
    requests.push({ scopes, user, service: url.searchParams.get('service') ?? undefined });
    // Grant what was asked, within policy: users get pull+push, anonymous only pull (if allowed).
    const access: { type: string; name: string; actions: string[] }[] = [];
    for (const s of scopes) {
      const [type, name, actions] = [s.slice(0, s.indexOf(':')), s.slice(s.indexOf(':') + 1, s.lastIndexOf(':')), s.slice(s.lastIndexOf(':') + 1)];
      const may = (a: string) =>
        user ? a === 'pull' || (a === 'push' && !opts.pullOnly?.includes(user)) : opts.anonymousPull === true && a === 'pull';
      const allowed = actions.split(',').filter(may);
      if (allowed.length) access.push({ type, name, actions: allowed });
    }
    const token = makeToken(privateKey, kid, { issuer, service, subject: user ?? '', access });
    res.writeHead(200, { 'Content-Type': 'application/json' });
    // `access_token` like an OAuth2 server; the client accepts either name.
    res.end(JSON.stringify({ access_token: token, expires_in: 300 }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/token`,
    port,
    requests,
    certFile,
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export async function startRegistry(opts: RegistryOptions = {}): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'podrun-registry-'));
  const storage = join(dir, 'storage');
  mkdirSync(storage);
  const port = await freePort();
  let auth = '';
  let token: (TokenServer & { certFile: string }) | undefined;
  if (opts.htpasswd) {
    const file = join(dir, 'htpasswd');
    const lines = Object.entries(opts.htpasswd).map(([u, p]) => execFileSync('htpasswd', ['-Bbn', u, p], { encoding: 'utf8' }).trim());
    writeFileSync(file, lines.join('\n') + '\n');
    auth = `auth:\n  htpasswd:\n    realm: podrun-test\n    path: ${file}\n`;
  } else if (opts.token) {
    const service = 'podrun-test-registry';
    const issuer = 'podrun-test-issuer';
    token = await startTokenServer(dir, opts.token, service, issuer);
    auth = `auth:\n  token:\n    realm: ${token.url}\n    service: ${service}\n    issuer: ${issuer}\n    rootcertbundle: ${token.certFile}\n`;
  }
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    `version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${storage}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:${port}
  secret: ${randomBytes(16).toString('hex')}
${auth}`,
  );
  const child: ChildProcess = spawn(REGISTRY_BIN, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const cleanup = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      process.kill(child.pid, 'SIGTERM');
      const t = setTimeout(() => child.pid && child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    await token?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitReady(port, child, () => stderr);
  } catch (e) {
    await cleanup();
    throw e;
  }
  return {
    host: `127.0.0.1:${port}`,
    port,
    storage,
    token,
    blobDataPath: (digest: string) => {
      const hex = digest.replace(/^sha256:/, '');
      return join(storage, 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
    },
    stop: cleanup,
  };
}

async function waitReady(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}: ${stderr()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/v2/', timeout: 1000 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200 || res.statusCode === 401);
      });
      req.on('error', () => resolve(false));
      req.on('timeout', () => req.destroy());
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`docker-registry did not answer on 127.0.0.1:${port}: ${stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `cut`: forward the status and headers and half the body, then reset the connection. */
export type Fault = 'reset' | '503' | '429' | 'cut';

export interface FlakyProxy {
  host: string;
  /** Requests seen, as "METHOD path". */
  log: string[];
  stop(): Promise<void>;
}

/**
 * An HTTP proxy to `target` (host:port on loopback) that answers the first request matching
 * `match` with `fault` (a reset connection, a 503, or a 429 with Retry-After: 1), `times` times.
 */
export async function startFlakyProxy(target: string, match: RegExp, fault: Fault, times = 1): Promise<FlakyProxy> {
  const [thost, tport] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  const log: string[] = [];
  let left = times;
  const server = http.createServer((req, res) => {
    log.push(`${req.method} ${req.url}`);
    let faulty = false;
    if (left > 0 && match.test(req.url ?? '')) {
      left--;
      faulty = true;
    }
    const cut = faulty && fault === 'cut';
    if (faulty && !cut) {
      if (fault === 'reset') {
        req.socket.destroy();
        return;
      }
      res.writeHead(fault === '503' ? 503 : 429, fault === '429' ? { 'Retry-After': '1' } : {});
      res.end();
      return;
    }
    const up = http.request({ host: thost, port: tport, method: req.method, path: req.url, headers: req.headers }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      if (!cut) {
        ur.pipe(res);
        return;
      }
      const half = Math.floor(Number(ur.headers['content-length'] ?? 0) / 2);
      let sent = 0;
      ur.on('data', (c: Buffer) => {
        if (sent >= half) return;
        const part = c.subarray(0, half - sent);
        sent += part.length;
        res.write(part);
        if (sent >= half) {
          ur.destroy();
          setTimeout(() => req.socket.destroy(), 50);
        }
      });
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    log,
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/**
 * Runs the real CLI without blocking this process's event loop (spawnSync would starve the token
 * server and proxies that run in the test process).
 */
export function podrunAsync(
  root: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { PODRUN } = require('./cli') as typeof import('./cli');
  return new Promise((resolve, reject) => {
    const child = spawn(PODRUN, args, {
      env: { ...process.env, PODRUN_ROOT: root, ...(opts.env ?? {}) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.pid && process.kill(child.pid, 'SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin!.end(opts.input ?? '');
  });
}
