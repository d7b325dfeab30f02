// Registry credentials in Docker's config file (`$DOCKER_CONFIG/config.json`, default
// `~/.docker/config.json`), the file every container tool reads: `auths[registry].auth` is
// base64("user:password"). We only read and write `auths`; every other key is kept as it was.
import { mkdirSync, readFileSync } from 'fs';
import { homedir } from 'os';
import { dirname, join } from 'path';
import { PodrunError, isErrno } from '../util/errors';
import { writeFileAtomic } from '../state/atomic';

export interface Credentials {
  username: string;
  password: string;
}

/** Docker Hub's historical key in config.json; `docker login` writes it for docker.io. */
const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';

export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker');
  return join(dir, 'config.json');
}

/** The keys under which `registry` may appear in `auths` (docker writes bare hosts and URLs). */
export function authKeys(registry: string): string[] {
  if (registry === 'docker.io' || registry === 'registry-1.docker.io' || registry === 'index.docker.io')
    return [DOCKER_HUB_KEY, 'docker.io', 'index.docker.io', 'registry-1.docker.io', 'https://registry-1.docker.io'];
  return [registry, `https://${registry}`, `http://${registry}`, `https://${registry}/v1/`, `https://${registry}/v2/`];
}

/** The key `podrun login` writes: the bare host[:port], Docker Hub's URL for docker.io. */
export function loginKey(registry: string): string {
  return authKeys(registry)[0];
}

function readConfig(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return {};
    throw new PodrunError(`cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    /* fall through */
  }
  throw new PodrunError(`${file} is not a JSON object`, 'fix or remove the file, then run `podrun login` again');
}

/** Decodes one `auths` entry: `auth` (base64 user:pass) or separate `username`/`password`. */
export function decodeAuthEntry(entry: unknown): Credentials | undefined {
  if (!entry || typeof entry !== 'object') return undefined;
  const e = entry as Record<string, unknown>;
  if (typeof e.auth === 'string' && e.auth) {
    const plain = Buffer.from(e.auth, 'base64').toString('utf8');
    const colon = plain.indexOf(':');
    if (colon > 0) return { username: plain.slice(0, colon), password: plain.slice(colon + 1) };
  }
  if (typeof e.username === 'string' && typeof e.password === 'string' && e.username)
    return { username: e.username, password: e.password };
  return undefined;
}

/** Credentials for `registry` from the config file, if any. Credential helpers are not supported. */
export function readCredentials(registry: string, file = dockerConfigPath()): Credentials | undefined {
  const auths = readConfig(file).auths;
  if (!auths || typeof auths !== 'object') return undefined;
  for (const key of authKeys(registry)) {
    const c = decodeAuthEntry((auths as Record<string, unknown>)[key]);
    if (c) return c;
  }
  return undefined;
}

/** Stores credentials for `registry`: atomic (temp file, fsync, rename), mode 0600, other keys kept. */
export function writeCredentials(registry: string, creds: Credentials, file = dockerConfigPath()): void {
  const config = readConfig(file);
  const auths =
    config.auths && typeof config.auths === 'object' ? { ...(config.auths as Record<string, unknown>) } : {};
  const key = loginKey(registry);
  const prev = auths[key] && typeof auths[key] === 'object' ? (auths[key] as Record<string, unknown>) : {};
  // Drop a stale username/password pair so the new `auth` is the only secret in the entry.
  const { username: _u, password: _p, ...rest } = prev;
  auths[key] = { ...rest, auth: Buffer.from(`${creds.username}:${creds.password}`).toString('base64') };
  config.auths = auths;
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileAtomic(file, JSON.stringify(config, null, '\t') + '\n', 0o600);
}


/**
 * `podrun logout`: removes REGISTRY's credentials (under every key docker writes them), every
 * other key of the file kept; false when there were none.
 */
export function removeCredentials(registry: string, file = dockerConfigPath()): boolean {
  const config = readConfig(file);
  const auths = config.auths && typeof config.auths === 'object' ? { ...(config.auths as Record<string, unknown>) } : {};
  const keys = authKeys(registry).filter((k) => Object.prototype.hasOwnProperty.call(auths, k));
  if (!keys.length) return false;
  for (const k of keys) delete auths[k];
  config.auths = auths;
  writeFileAtomic(file, JSON.stringify(config, null, '\t') + '\n', 0o600);
  return true;
}

/**
 * Credentials for `registry` from a docker config's JSON (a `kubernetes.io/dockerconfigjson`
 * Secret's `.dockerconfigjson`, or the older `.dockercfg` form, whose entries sit at the top), as
 * the kubelet matches an imagePullSecret's entries to an image's registry.
 */
export function credentialsFromConfig(json: string, registry: string): Credentials | undefined {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  const auths = (o.auths && typeof o.auths === 'object' ? o.auths : o) as Record<string, unknown>;
  for (const key of authKeys(registry)) {
    const c = decodeAuthEntry(auths[key]);
    if (c) return c;
  }
  return undefined;
}
