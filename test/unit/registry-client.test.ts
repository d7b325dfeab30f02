// Pure logic of the registry client: challenges, token answers, retry timing, insecure registries,
// the Docker config file, manifest classification and the progress display. No network here;
// test/integration/registry*.test.ts runs the client against a real registry.
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { decodeAuthEntry, dockerConfigPath, readCredentials, writeCredentials } from '../../src/images/auth';
import { createProgress, formatLayer, humanSize } from '../../src/images/progress';
import { shortId } from '../../src/util/digest';
import {
  apiHost,
  backoffMs,
  insecureRegistries,
  isInsecure,
  isLoopbackRegistry,
  redactUrl,
  retryAfterMs,
  isTransient,
  RegistryError,
} from '../../src/images/registry';
import { parseChallenge, parseTokenResponse, repositoryScope, scopesFor, tokenUrl } from '../../src/images/registry-auth';
import { MANIFEST_ACCEPT, parseManifest } from '../../src/images/registry-manifest';
import { mapLimit } from '../../src/images/pull';
import { normaliseRegistry } from '../../src/cli/verbs/login';

const D = (c: string) => `sha256:${c.repeat(64)}`;

describe('registry client: auth challenges', () => {
  it('parses a Bearer challenge with quoted params', () => {
    const c = parseChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"');
    expect(c).to.deep.equal({
      scheme: 'bearer',
      params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull' },
    });
  });
  it('parses Basic and unquoted params, and error=insufficient_scope', () => {
    expect(parseChallenge('Basic realm="x"')).to.deep.equal({ scheme: 'basic', params: { realm: 'x' } });
    const c = parseChallenge('Bearer realm=https://a/t, error="insufficient_scope"');
    expect(c?.params).to.deep.equal({ realm: 'https://a/t', error: 'insufficient_scope' });
    expect(parseChallenge(undefined)).to.equal(undefined);
  });
  it('builds the token URL with service and every scope', () => {
    const c = parseChallenge('Bearer realm="http://127.0.0.1:9/token",service="svc",scope="repository:x:pull"')!;
    const u = tokenUrl(c, scopesFor(c, 'repository:x:pull,push'));
    expect(u.searchParams.get('service')).to.equal('svc');
    expect(u.searchParams.getAll('scope')).to.deep.equal(['repository:x:pull,push', 'repository:x:pull']);
    expect(() => tokenUrl({ scheme: 'bearer', params: {} }, [])).to.throw(/no realm/);
    expect(() => tokenUrl({ scheme: 'bearer', params: { realm: 'file:///etc/passwd' } }, [])).to.throw(/unsupported scheme/);
  });
  it('scopes: pull, or pull,push', () => {
    expect(repositoryScope('test/busybox', false)).to.equal('repository:test/busybox:pull');
    expect(repositoryScope('test/busybox', true)).to.equal('repository:test/busybox:pull,push');
  });
  it('accepts token or access_token, and renews before expires_in', () => {
    expect(parseTokenResponse('{"token":"abc","expires_in":300}', 0)).to.deep.equal({ token: 'abc', expiresAt: 290_000 });
    expect(parseTokenResponse('{"access_token":"xyz"}', 0).token).to.equal('xyz');
    expect(() => parseTokenResponse('{}')).to.throw(/without a token/);
    expect(() => parseTokenResponse('<html>')).to.throw(/not JSON/);
  });
});

describe('registry client: transport policy', () => {
  it('plain HTTP only for loopback or registries marked insecure', () => {
    for (const r of ['localhost:5000', 'localhost', '127.0.0.1:5000', '127.1.2.3', '[::1]:5000']) expect(isLoopbackRegistry(r), r).to.equal(true);
    for (const r of ['docker.io', 'example.com:5000', '10.0.0.1:5000', '128.0.0.1', 'localhost.example.com'])
      expect(isLoopbackRegistry(r), r).to.equal(false);
    expect(isInsecure('example.com:5000', { insecure: true })).to.equal(true);
    expect(isInsecure('example.com:5000')).to.equal(false);
  });
  it('reads insecure registries from PODRUN_INSECURE_REGISTRIES and <root>/registries.json', () => {
    const root = mkdtempSync(join(tmpdir(), 'podrun-unit-'));
    try {
      expect(insecureRegistries(root, { PODRUN_INSECURE_REGISTRIES: 'a:1, b:2' })).to.deep.equal(['a:1', 'b:2']);
      writeFileSync(join(root, 'registries.json'), '{"insecure":["reg.lan:5000"]}');
      expect(insecureRegistries(root, {})).to.deep.equal(['reg.lan:5000']);
      writeFileSync(join(root, 'registries.json'), '{"insecure":"reg.lan"}');
      expect(() => insecureRegistries(root, {})).to.throw(/registries.json: insecure: expected a list/);
      writeFileSync(join(root, 'registries.json'), '{nope');
      expect(() => insecureRegistries(root, {})).to.throw(/not valid JSON/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
  it('maps docker.io to its API host', () => {
    expect(apiHost('docker.io')).to.equal('registry-1.docker.io');
    expect(apiHost('localhost:5000')).to.equal('localhost:5000');
  });
  it('Retry-After in seconds or as a date, capped', () => {
    expect(retryAfterMs('2', 30_000)).to.equal(2000);
    expect(retryAfterMs('999', 30_000)).to.equal(30_000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 30_000, 5_000)).to.equal(5_000);
    expect(retryAfterMs(undefined, 30_000)).to.equal(undefined);
    expect(retryAfterMs('soon', 30_000)).to.equal(undefined);
  });
  it('backoff grows exponentially within the cap', () => {
    const p = { attempts: 5, baseMs: 100, maxMs: 1000 };
    for (let a = 0; a < 8; a++) {
      const b = backoffMs(a, p);
      const exp = Math.min(1000, 100 * 2 ** a);
      expect(b).to.be.within(exp / 2, exp);
    }
  });
  it('classifies transient failures', () => {
    expect(isTransient(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).to.equal(true);
    expect(isTransient(new RegistryError('x', 503))).to.equal(true);
    expect(isTransient(new RegistryError('x', 429))).to.equal(true);
    expect(isTransient(new RegistryError('x', 404))).to.equal(false);
    expect(isTransient(new Error('digest mismatch'))).to.equal(false);
  });
  it('never logs query strings (signed storage URLs)', () => {
    expect(redactUrl(new URL('https://s3.example/bucket/blob?X-Amz-Signature=secret'))).to.equal('https://s3.example/bucket/blob');
  });
  it('mapLimit runs at most N at once and reports the first failure', async () => {
    let active = 0;
    let peak = 0;
    await mapLimit([1, 2, 3, 4, 5, 6, 7], 3, async () => {
      peak = Math.max(peak, ++active);
      await new Promise((r) => setTimeout(r, 5));
      active--;
    });
    expect(peak).to.equal(3);
    let started = 0;
    const err = await mapLimit([1, 2, 3, 4, 5], 1, async (i) => {
      started++;
      if (i === 2) throw new Error('boom');
    }).catch((e: Error) => e);
    expect((err as Error).message).to.equal('boom');
    expect(started).to.equal(2);
  });
});

describe('registry client: Docker config file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'podrun-dockercfg-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('honours DOCKER_CONFIG', () => {
    expect(dockerConfigPath({ DOCKER_CONFIG: '/x/y' })).to.equal('/x/y/config.json');
    expect(dockerConfigPath({ HOME: '/home/u' })).to.equal('/home/u/.docker/config.json');
  });
  it('writes auths[registry].auth atomically with mode 0600 and keeps other keys', () => {
    const file = join(dir, 'sub', 'config.json');
    mkdirSync(join(dir, 'sub'));
    writeFileSync(file, JSON.stringify({ experimental: 'enabled', auths: { 'other:1': { auth: 'b3RoZXI6eA==' } } }));
    writeCredentials('localhost:5000', { username: 'alice', password: 'p:a:ss' }, file);
    const cfg = JSON.parse(readFileSync(file, 'utf8'));
    expect(cfg.experimental).to.equal('enabled');
    expect(cfg.auths['other:1']).to.deep.equal({ auth: 'b3RoZXI6eA==' });
    expect(Buffer.from(cfg.auths['localhost:5000'].auth, 'base64').toString()).to.equal('alice:p:a:ss');
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    expect(readCredentials('localhost:5000', file)).to.deep.equal({ username: 'alice', password: 'p:a:ss' });
  });
  it('finds entries written as URLs and Docker Hub under its v1 key', () => {
    const file = join(dir, 'config.json');
    const auth = Buffer.from('bob:pw').toString('base64');
    writeFileSync(file, JSON.stringify({ auths: { 'https://reg.example:5000': { auth }, 'https://index.docker.io/v1/': { auth } } }));
    expect(readCredentials('reg.example:5000', file)?.username).to.equal('bob');
    expect(readCredentials('docker.io', file)?.username).to.equal('bob');
    expect(readCredentials('nowhere.example', file)).to.equal(undefined);
    expect(readCredentials('x', join(dir, 'missing.json'))).to.equal(undefined);
  });
  it('decodes username/password entries and rejects a broken file clearly', () => {
    expect(decodeAuthEntry({ username: 'u', password: 'p' })).to.deep.equal({ username: 'u', password: 'p' });
    expect(decodeAuthEntry({ auth: Buffer.from('nocolon').toString('base64') })).to.equal(undefined);
    const file = join(dir, 'config.json');
    writeFileSync(file, '[1,2]');
    expect(() => readCredentials('x', file)).to.throw(/is not a JSON object/);
  });
  it('login normalises registry names', () => {
    expect(normaliseRegistry('https://Reg.Example:5000/v2/')).to.equal('reg.example:5000');
    expect(normaliseRegistry('index.docker.io')).to.equal('docker.io');
  });
});

describe('registry client: manifests', () => {
  const desc = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: D('a'), size: 10 };
  it('asks for all four manifest types', () => {
    expect(MANIFEST_ACCEPT).to.include.members([
      'application/vnd.oci.image.index.v1+json',
      'application/vnd.oci.image.manifest.v1+json',
      'application/vnd.docker.distribution.manifest.list.v2+json',
      'application/vnd.docker.distribution.manifest.v2+json',
    ]);
  });
  it('tells an index from a manifest by mediaType, Content-Type or shape', () => {
    const idx = Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [desc] }));
    expect(parseManifest(idx, 'application/vnd.docker.distribution.manifest.list.v2+json', 'm').kind).to.equal('index');
    expect(parseManifest(idx, '', 'm').kind).to.equal('index');
    const man = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', config: desc, layers: [desc] }));
    const p = parseManifest(man, 'text/plain', 'm');
    expect(p.kind).to.equal('manifest');
    expect(p.mediaType).to.equal('application/vnd.docker.distribution.manifest.v2+json');
  });
  it('refuses schema 1 and bad descriptors with the manifest named', () => {
    expect(() => parseManifest(Buffer.from('{"schemaVersion":1}'), '', 'manifest of x')).to.throw(/manifest of x: Docker schema 1/);
    const bad = Buffer.from(JSON.stringify({ schemaVersion: 2, config: { ...desc, digest: 'md5:1' }, layers: [] }));
    expect(() => parseManifest(bad, 'application/vnd.oci.image.manifest.v1+json', 'manifest of x')).to.throw(/manifest of x/);
  });
});

describe('registry client: progress', () => {
  it('formats sizes like docker', () => {
    expect(humanSize(950)).to.equal('950B');
    expect(humanSize(12_300_000)).to.equal('12.3MB');
    expect(humanSize(1_500)).to.equal('1.50kB');
    expect(shortId(D('a'))).to.equal('aaaaaaaaaaaa');
  });
  it('shows bytes, total and speed for a downloading layer', () => {
    const line = formatLayer({ id: 'abc', status: 'Downloading', current: 4_500_000, total: 50_100_000, startedAt: 0, startBytes: 0 }, 1000);
    expect(line).to.equal('abc: Downloading 4.50MB/50.1MB 4.50MB/s');
  });
  it('plain mode prints one line per status change, quiet prints nothing', () => {
    const out: string[] = [];
    const p = createProgress({ mode: 'plain', write: (s) => out.push(s) });
    p.layer('a', 'Downloading', 1, 10);
    p.layer('a', 'Downloading', 5, 10);
    p.layer('a', 'Pull complete');
    p.line('Pulled x');
    expect(out).to.deep.equal(['a: Downloading\n', 'a: Pull complete\n', 'Pulled x\n']);
    const q: string[] = [];
    const qp = createProgress({ mode: 'quiet', write: (s) => q.push(s) });
    qp.layer('a', 'x');
    qp.line('y');
    expect(q).to.deep.equal([]);
  });
  it('tty mode redraws the layer block in place', () => {
    let t = 0;
    const out: string[] = [];
    const p = createProgress({ mode: 'tty', write: (s) => out.push(s), now: () => t, intervalMs: 100 });
    p.layer('a', 'Downloading', 0, 100);
    p.layer('b', 'Downloading', 0, 100);
    t = 500;
    p.layer('a', 'Downloading', 50, 100);
    p.done();
    const last = out[out.length - 1];
    expect(last.startsWith('\x1b[2A')).to.equal(true);
    expect(last).to.contain('a: Downloading 50B/100B');
    expect(last).to.contain('b: Downloading 0B/100B');
  });
});
