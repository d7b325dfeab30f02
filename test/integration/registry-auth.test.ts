// Registry authentication against Debian's real registry on 127.0.0.1: htpasswd Basic auth, and
// Bearer tokens from a token server in this process (RS256 JWTs the registry verifies against an
// x509 bundle). Checks `podrun login`, the Docker config file it writes, clear 401 messages, the
// scopes asked for, and that no secret ever shows up in output (also with --debug).
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { haveBusybox, makeBusyboxRootfs } from '../helpers/busybox';
import { podrun, tempRoot } from '../helpers/cli';
import { haveRegistry, podrunAsync, startRegistry, TestRegistry } from '../helpers/registry';
import { haveScript, inTerminal } from './pod-helpers';

type Run = (root: string, args: string[], opts?: { env?: NodeJS.ProcessEnv; input?: string }) => Promise<{ code: number | null; stdout: string; stderr: string }>;

/** Sets up a store with a busybox image and a Docker config dir holding an unrelated key. */
function fixture(registryHost: string) {
  const { root, cleanup } = tempRoot();
  const rootfs = mkdtempSync(join(tmpdir(), 'podrun-bb-'));
  const dockerConfig = mkdtempSync(join(tmpdir(), 'podrun-dockercfg-'));
  const emptyConfig = mkdtempSync(join(tmpdir(), 'podrun-dockercfg-empty-'));
  makeBusyboxRootfs(rootfs);
  const ref = `${registryHost}/test/busybox:1`;
  const imp = podrun(root, ['import', rootfs, ref], { env: { DOCKER_CONFIG: emptyConfig } });
  expect(imp.code, imp.stderr).to.equal(0);
  const configFile = join(dockerConfig, 'config.json');
  writeFileSync(configFile, JSON.stringify({ experimental: 'enabled', auths: { 'elsewhere.example': { auth: 'eDp5' } } }));
  return {
    root,
    ref,
    configFile,
    withCreds: { DOCKER_CONFIG: dockerConfig },
    anonymous: { DOCKER_CONFIG: emptyConfig },
    cleanup: () => {
      cleanup();
      for (const d of [rootfs, dockerConfig, emptyConfig]) rmSync(d, { recursive: true, force: true });
    },
  };
}

function noSecret(out: { stdout: string; stderr: string }, ...secrets: string[]): void {
  for (const s of secrets) {
    expect(out.stdout).not.to.contain(s);
    expect(out.stderr).not.to.contain(s);
  }
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

function authTests(kind: 'htpasswd' | 'token', run: Run) {
  const user = 'alice';
  const password = 'correct horse battery';
  let reg: TestRegistry;
  let fx: ReturnType<typeof fixture>;

  before(async () => {
    reg = await startRegistry(
      kind === 'htpasswd' ? { htpasswd: { [user]: password } } : { token: { users: { [user]: password, reader: 'r-pass' }, pullOnly: ['reader'] } },
    );
    fx = fixture(reg.host);
  });
  after(async () => {
    fx?.cleanup();
    await reg?.stop();
  });

  it('anonymous push and pull fail with a clear 401 message and a login hint', async () => {
    const push = await run(fx.root, ['push', fx.ref], { env: fx.anonymous });
    expect(push.code).to.equal(1);
    expect(push.stderr).to.contain('authentication required');
    expect(push.stderr).to.contain(`hint: run 'podrun login ${reg.host}' first`);
    const { root, cleanup } = tempRoot();
    try {
      const pull = await run(root, ['pull', fx.ref], { env: fx.anonymous });
      expect(pull.code).to.equal(1);
      expect(pull.stderr).to.match(/manifest .*test\/busybox:1: authentication required/);
      expect(pull.stderr).to.contain('podrun login');
    } finally {
      cleanup();
    }
  });

  it('login with a wrong password fails, writes nothing and prints no secret', async () => {
    const before = readFileSync(fx.configFile, 'utf8');
    const r = await run(fx.root, ['--debug', 'login', reg.host, '-u', user, '--password-stdin'], { env: fx.withCreds, input: 'wrong-pass\n' });
    expect(r.code).to.equal(1);
    expect(r.stderr).to.contain(`login to ${reg.host} failed`);
    expect(r.stderr).to.contain(`'${user}'`);
    noSecret(r, 'wrong-pass', b64(`${user}:wrong-pass`));
    expect(readFileSync(fx.configFile, 'utf8')).to.equal(before);
  });

  it('login stores base64 user:pass (0600, other keys kept); push and pull then work', async () => {
    const login = await run(fx.root, ['--debug', 'login', reg.host, '-u', user, '--password-stdin'], { env: fx.withCreds, input: password + '\n' });
    expect(login.code, login.stderr).to.equal(0);
    expect(login.stdout).to.contain('Login Succeeded');
    noSecret(login, password, b64(`${user}:${password}`));
    const cfg = JSON.parse(readFileSync(fx.configFile, 'utf8'));
    expect(cfg.experimental).to.equal('enabled');
    expect(cfg.auths['elsewhere.example']).to.deep.equal({ auth: 'eDp5' });
    expect(cfg.auths[reg.host]).to.deep.equal({ auth: b64(`${user}:${password}`) });
    expect(statSync(fx.configFile).mode & 0o777).to.equal(0o600);

    const push = await run(fx.root, ['--debug', 'push', fx.ref], { env: fx.withCreds });
    expect(push.code, push.stderr).to.equal(0);
    noSecret(push, password, b64(`${user}:${password}`));

    const { root, cleanup } = tempRoot();
    try {
      const pull = await run(root, ['--debug', 'pull', fx.ref], { env: fx.withCreds });
      expect(pull.code, pull.stderr).to.equal(0);
      expect(pull.stdout).to.contain(`Pulled ${fx.ref}`);
      noSecret(pull, password, b64(`${user}:${password}`));
    } finally {
      cleanup();
    }
  });

  it('login -p works with docker\'s warning; on a terminal it asks for the user and the password, and the password is not echoed', async function () {
    const p = await run(fx.root, ['login', reg.host, '-u', user, '-p', password], { env: fx.withCreds });
    expect(p.code, p.stderr).to.equal(0);
    expect(p.stderr).to.contain('WARNING! Using --password via the CLI is insecure. Use --password-stdin.');
    if (!haveScript()) this.skip();
    writeFileSync(fx.configFile, JSON.stringify({ auths: {} }));
    const t = inTerminal(fx.root, ['login', reg.host], undefined, fx.withCreds);
    const asked = async (what: string) => {
      for (let i = 0; i < 100 && !t.output().includes(what); i++) await new Promise((r) => setTimeout(r, 50));
      expect(t.output()).to.contain(what);
    };
    await asked('Username: ');
    t.type(`${user}\r`);
    await asked('Password: ');
    t.type(`${password}\r`);
    expect(await t.done).to.equal(0);
    expect(t.output()).to.contain('Login Succeeded');
    expect(t.output()).to.contain(user); // echoed as typed
    expect(t.output()).to.not.contain(password); // never echoed
    expect(JSON.parse(readFileSync(fx.configFile, 'utf8')).auths[reg.host]).to.deep.equal({ auth: b64(`${user}:${password}`) });
    const notty = podrun(fx.root, ['login', reg.host, '-u', user], { env: fx.withCreds, input: '' });
    expect([notty.code, notty.stderr.split('\n')[0]]).to.deep.equal([2, 'error: login needs a password: standard input is not a terminal to ask on']);
  });

  if (kind === 'token') {
    it('asks the token server for the right scopes, and the registry enforces them', async () => {
      const seen = reg.token!.requests;
      expect(seen.some((r) => r.user === user && r.scopes.includes('repository:test/busybox:pull,push'))).to.equal(true);
      expect(seen.some((r) => r.user === user && r.scopes.includes('repository:test/busybox:pull'))).to.equal(true);
      expect(seen.every((r) => r.service === 'podrun-test-registry')).to.equal(true);

      // `reader` gets only pull: login works, pull works, push is refused by the registry.
      const cfgDir = mkdtempSync(join(tmpdir(), 'podrun-dockercfg-reader-'));
      const env = { DOCKER_CONFIG: cfgDir };
      const { root, cleanup } = tempRoot();
      try {
        const login = await run(fx.root, ['login', reg.host, '-u', 'reader', '--password-stdin'], { env, input: 'r-pass' });
        expect(login.code, login.stderr).to.equal(0);
        const pull = await run(root, ['pull', fx.ref], { env });
        expect(pull.code, pull.stderr).to.equal(0);
        const push = await run(root, ['push', fx.ref, `${reg.host}/test/other:1`], { env });
        expect(push.code).to.equal(1);
        expect(push.stderr).to.contain("access denied for user 'reader'");
        noSecret(push, 'r-pass');
      } finally {
        cleanup();
        rmSync(cfgDir, { recursive: true, force: true });
      }
    });
  }
}

const runSync: Run = async (root, args, opts) => podrun(root, args, { env: opts?.env, input: opts?.input });

(haveRegistry() && haveBusybox() ? describe : describe.skip)('registry auth: htpasswd (Basic)', function () {
  this.timeout(300_000);
  authTests('htpasswd', runSync);
});

(haveRegistry() && haveBusybox() ? describe : describe.skip)('registry auth: Bearer tokens from a token server', function () {
  this.timeout(300_000);
  // The token server runs in this process: the CLI must run without blocking the event loop.
  authTests('token', podrunAsync);
});
