// Registry TLS with the user's extra CA certificates. bin/podrun keeps NODE_EXTRA_CA_CERTS away
// from Node's start-up (Node 20 parses the bundle on every start, ~40 ms) and the registry client
// loads it for its https connections instead. A stub registry on loopback sends a Bearer challenge
// whose token realm is HTTPS with a self-signed certificate; `podrun login` must trust it only
// with NODE_EXTRA_CA_CERTS pointing at that certificate.
import { expect } from 'chai';
import { execFileSync, spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import * as http from 'http';
import * as https from 'https';
import { AddressInfo } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { podrunAsync } from '../helpers/registry';

function listen(server: http.Server | https.Server): Promise<number> {
  return new Promise((res) => server.listen(0, '127.0.0.1', () => res((server.address() as AddressInfo).port)));
}

describe('registry TLS with NODE_EXTRA_CA_CERTS', function () {
  this.timeout(60_000);
  let dir: string;
  let registry: http.Server;
  let tokens: https.Server;
  let registryHost: string;
  let tokenRequests = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'podrun-tls-'));
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    tokens = https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
      tokenRequests++;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ token: 'tls-token', expires_in: 300 }));
    });
    const tokenPort = await listen(tokens);
    registry = http.createServer((req, res) => {
      if (req.headers.authorization === 'Bearer tls-token') {
        res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
        res.end('{}');
        return;
      }
      res.statusCode = 401;
      res.setHeader('WWW-Authenticate', `Bearer realm="https://127.0.0.1:${tokenPort}/token",service="tls-test"`);
      res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
    });
    registryHost = `127.0.0.1:${await listen(registry)}`;
  });

  after(() => {
    registry?.close();
    tokens?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const login = (env: NodeJS.ProcessEnv) =>
    podrunAsync(join(dir, 'root'), ['login', registryHost, '-u', 'me', '--password-stdin'], { input: 'secret\n', env: { DOCKER_CONFIG: join(dir, 'docker'), ...env } });

  it('trusts the token server with the certificate in NODE_EXTRA_CA_CERTS', async () => {
    tokenRequests = 0;
    const r = await login({ NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem') });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^Login Succeeded/);
    expect(tokenRequests).to.be.greaterThan(0);
  });

  it('refuses the self-signed token server without it', async () => {
    tokenRequests = 0;
    const r = await login({ NODE_EXTRA_CA_CERTS: '', PODRUN_EXTRA_CA_CERTS: '' });
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/certificate/i);
    expect(tokenRequests).to.equal(0);
  });

  it('an unreadable NODE_EXTRA_CA_CERTS is not read at start-up (no Node warning) and is ignored with a warning when needed', async () => {
    const missing = join(dir, 'missing.pem');
    // Node itself would warn on every start; the wrapper keeps the variable away from it.
    const plain = spawnSync(process.execPath, ['-e', '0'], { env: { ...process.env, NODE_EXTRA_CA_CERTS: missing }, encoding: 'utf8' });
    expect(plain.stderr).to.match(/Ignoring extra certs/);
    const r = await login({ NODE_EXTRA_CA_CERTS: missing });
    expect(r.stderr).to.not.match(/Ignoring extra certs/);
    expect(r.stderr).to.contain(`ignoring extra CA certificates from ${missing}`);
    expect(r.code).to.equal(1); // the self-signed server is still untrusted
  });
});
