// The HTTPS probe's TLS client (addon/src/tls_client.c, BearSSL), against real servers on
// loopback: Node's own TLS (OpenSSL) with certificates made here by the openssl CLI, plain HTTP,
// and servers that are not TLS or stop halfway. The test moves the bytes between a real TCP
// socket and the engine, whole or one byte at a time, as the monitor's loop will. Like the
// kubelet (InsecureSkipVerify), the client must accept any certificate, send the host as SNI
// unless it is an IP address, and say clearly why a connection that is not TLS failed.
import { expect } from 'chai';
import { execFileSync } from 'child_process';
import crypto from 'crypto';
import fs from 'fs';
import http from 'http';
import https from 'https';
import net from 'net';
import type { AddressInfo } from 'net';
import os from 'os';
import path from 'path';
import type tls from 'tls';
import { native } from '../../src/util/native';

interface Cert {
  key: string;
  cert: string;
}

/** A key and a self-signed certificate from the openssl CLI; `days: -1` makes it already expired. */
function makeCert(dir: string, name: string, opts: { cn: string; ec?: boolean; days?: number }): Cert {
  const key = path.join(dir, `${name}.key`);
  const crt = path.join(dir, `${name}.pem`);
  const csr = path.join(dir, `${name}.csr`);
  const alg = opts.ec ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'] : ['-newkey', 'rsa:2048'];
  execFileSync('openssl', ['req', '-new', ...alg, '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${opts.cn}`], { stdio: 'pipe' });
  // `x509 -req` takes a negative -days (req -x509 does not): notAfter is then in the past
  execFileSync('openssl', ['x509', '-req', '-in', csr, '-signkey', key, '-days', String(opts.days ?? 2), '-out', crt], { stdio: 'pipe' });
  return { key: fs.readFileSync(key, 'utf8'), cert: fs.readFileSync(crt, 'utf8') };
}

interface Served {
  port: number;
  /** The SNI each TLS connection carried (false: none). */
  names: (string | false)[];
  /** The requests' first lines. */
  requests: string[];
  /** The cipher suite each TLS connection agreed (OpenSSL's names). */
  ciphers: string[];
  close: () => Promise<void>;
}

function listen(s: net.Server): Promise<number> {
  return new Promise((r) => s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)));
}

function closer(s: net.Server, sockets: Set<net.Socket>): () => Promise<void> {
  s.on('connection', (c: net.Socket) => {
    sockets.add(c);
    c.on('close', () => sockets.delete(c));
  });
  return () =>
    new Promise<void>((r) => {
      for (const c of sockets) c.destroy();
      s.close(() => r());
    });
}

/** An HTTPS server answering every GET 200 with `body` and Connection: close. */
async function httpsServer(c: Cert, body = 'ok\n', extra: tls.SecureContextOptions = {}): Promise<Served> {
  const names: (string | false)[] = [];
  const requests: string[] = [];
  const ciphers: string[] = [];
  const s = https.createServer({ ...c, ...extra }, (req, res) => {
    requests.push(`${req.method} ${req.url} HTTP/${req.httpVersion}`);
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), connection: 'close' });
    res.end(body);
  });
  s.on('secureConnection', (t: tls.TLSSocket) => {
    names.push((t as tls.TLSSocket & { servername: string | false }).servername);
    ciphers.push(`${t.getProtocol()} ${t.getCipher().name}`);
  });
  s.on('tlsClientError', () => undefined); // the 1.3-only server's refusal
  const sockets = new Set<net.Socket>();
  const close = closer(s, sockets);
  return { port: await listen(s), names, requests, ciphers, close };
}

/** A raw TCP server: `onData` gets each connection's bytes. */
async function rawServer(onConn: (c: net.Socket) => void): Promise<Served> {
  const s = net.createServer((c) => {
    c.on('error', () => undefined);
    onConn(c);
  });
  const sockets = new Set<net.Socket>();
  const close = closer(s, sockets);
  return { port: await listen(s), names: [], requests: [], ciphers: [], close };
}

interface Outcome {
  state: string;
  gotHttp: boolean;
  error: string | null;
  cleanly: boolean;
  response: string;
  steps: number;
  /** Bytes the server sent. */
  bytesIn: number;
}

const REQUEST = 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nUser-Agent: kube-probe/1.36\r\nAccept: */*\r\nConnection: close\r\n\r\n';

/**
 * One HTTPS GET through the native client over a real socket to 127.0.0.1:`port`, with `host`
 * as the name the client is given; `bytewise`: the socket's bytes are fed one at a time.
 * Resolves when the client is closed or failed (5 s at most, then rejects).
 */
function get(port: number, host: string | null, bytewise = false): Promise<Outcome> {
  const n = native();
  const client = n.tlsClientNew(host, crypto.randomBytes(32));
  return new Promise((resolve, reject) => {
    let plaintext: Buffer | null = Buffer.from(REQUEST);
    const got: Buffer[] = [];
    let steps = 0;
    let bytesIn = 0;
    let finished = false;
    const sock = net.connect(port, '127.0.0.1');
    const timer = setTimeout(() => finish(new Error('no outcome within 5 s')), 5000);
    function finish(err: Error | null, last?: { state: string; error: string | null; cleanly: boolean; gotHttp: boolean }) {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve({ state: last!.state, gotHttp: last!.gotHttp, error: last!.error, cleanly: last!.cleanly, response: Buffer.concat(got).toString('latin1'), steps, bytesIn });
    }
    function step(input: Buffer | null, eof: boolean) {
      if (finished) return;
      const r = n.tlsClientStep(client, input, eof, plaintext);
      steps++;
      if (plaintext && r.wrote > 0) plaintext = r.wrote === plaintext.length ? null : plaintext.subarray(r.wrote);
      got.push(r.plain);
      if (input && r.took !== input.length && r.state !== 'failed') return finish(new Error(`the engine took ${r.took} of ${input.length} bytes and is ${r.state}`));
      if (r.out.length > 0 && !sock.destroyed) sock.write(r.out);
      if (r.state === 'closed' || r.state === 'failed') finish(null, r);
    }
    sock.on('connect', () => step(null, false)); // the ClientHello
    sock.on('data', (d: Buffer) => {
      bytesIn += d.length;
      if (!bytewise) return step(d, false);
      for (let i = 0; i < d.length && !finished; i++) step(d.subarray(i, i + 1), false);
    });
    sock.on('end', () => step(null, true));
    sock.on('error', (e) => finish(e));
  });
}

describe('TLS client of HTTPS probes (BearSSL, no certificate verification)', function () {
  this.timeout(60000);
  let dir: string;
  let rsa: Cert, expired: Cert, otherEc: Cert;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podrun-tls-'));
    rsa = makeCert(dir, 'rsa', { cn: 'localhost' });
    expired = makeCert(dir, 'expired', { cn: 'localhost', days: -1 });
    otherEc = makeCert(dir, 'other', { cn: 'other.example', ec: true });
    // the certificates are what the cases say, so that accepting them means something
    const x509 = (c: Cert) => new crypto.X509Certificate(c.cert);
    expect(Date.parse(x509(expired).validTo)).to.be.below(Date.now());
    expect(x509(otherEc).publicKey.asymmetricKeyType).to.equal('ec');
    expect(x509(otherEc).checkHost('localhost')).to.equal(undefined);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const accepted: [string, () => Cert, string][] = [
    ['a self-signed RSA certificate', () => rsa, 'localhost'],
    ['an expired certificate', () => expired, 'localhost'],
    ['an EC certificate for another host name', () => otherEc, 'localhost'],
  ];
  for (const [what, cert, host] of accepted)
    for (const bytewise of [false, true])
      it(`accepts ${what} and gets the HTTP response${bytewise ? ', fed byte by byte' : ''}`, async () => {
        const s = await httpsServer(cert(), 'ok\n');
        try {
          const o = await get(s.port, host, bytewise);
          expect(o.error).to.equal(null);
          expect(o.state).to.equal('closed');
          expect(o.cleanly).to.equal(true); // Node ends with close_notify
          expect(o.response).to.match(/^HTTP\/1\.1 200 OK\r\n/);
          expect(o.response).to.match(/\r\n\r\nok\n$/);
          expect(s.requests).to.deep.equal(['GET /healthz HTTP/1.1']);
          if (bytewise) expect(o.steps).to.be.at.least(o.bytesIn); // one step per byte the server sent
        } finally {
          await s.close();
        }
      });

  // Go's client defaults for TLS 1.2 (ECDHE only since Go 1.22): each kind agreed with a server
  // that allows only it; a server with RSA key exchange only is refused, as by the kubelet
  const suites: [string, () => Cert, string][] = [
    ['ECDHE-RSA-AES128-GCM-SHA256', () => rsa, 'TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256'],
    ['ECDHE-RSA-AES256-GCM-SHA384', () => rsa, 'TLSv1.2 ECDHE-RSA-AES256-GCM-SHA384'],
    ['ECDHE-RSA-CHACHA20-POLY1305', () => rsa, 'TLSv1.2 ECDHE-RSA-CHACHA20-POLY1305'],
    ['ECDHE-RSA-AES128-SHA', () => rsa, 'TLSv1.2 ECDHE-RSA-AES128-SHA'],
    ['ECDHE-ECDSA-AES256-SHA', () => otherEc, 'TLSv1.2 ECDHE-ECDSA-AES256-SHA'],
    ['ECDHE-ECDSA-CHACHA20-POLY1305', () => otherEc, 'TLSv1.2 ECDHE-ECDSA-CHACHA20-POLY1305'],
  ];
  for (const [suite, cert, agreed] of suites)
    it(`agrees ${suite} with a server that allows only it`, async () => {
      const s = await httpsServer(cert(), 'ok\n', { ciphers: suite, maxVersion: 'TLSv1.2' });
      try {
        const o = await get(s.port, 'localhost');
        expect(o.error).to.equal(null);
        expect(o.response).to.match(/\r\n\r\nok\n$/);
        expect(s.ciphers).to.deep.equal([agreed]);
      } finally {
        await s.close();
      }
    });

  it('is refused by a server with RSA key exchange only (Go\'s client offers none either)', async () => {
    const s = await httpsServer(rsa, 'ok\n', { ciphers: 'AES128-GCM-SHA256', maxVersion: 'TLSv1.2' });
    try {
      const o = await get(s.port, 'localhost');
      expect(o.state).to.equal('failed');
      expect(o.error).to.equal('remote error: tls: handshake failure');
    } finally {
      await s.close();
    }
  });

  it('sends the host name as SNI, without a trailing dot, and none for an IP address', async () => {
    const s = await httpsServer(rsa);
    try {
      for (const host of ['localhost', 'web.example.', '127.0.0.1', '::1', null]) {
        const o = await get(s.port, host);
        expect(o.state, String(host)).to.equal('closed');
      }
      expect(s.names).to.deep.equal(['localhost', 'web.example', false, false, false]);
    } finally {
      await s.close();
    }
  });

  it('reads a response of many records (64 KiB body, 16 KiB records) through the one 16 KiB buffer', async () => {
    const body = crypto.randomBytes(48 * 1024).toString('base64'); // 64 KiB of text
    const s = await httpsServer(rsa, body);
    try {
      for (const bytewise of [false, true]) {
        const o = await get(s.port, 'localhost', bytewise);
        expect(o.state).to.equal('closed');
        expect(o.response.endsWith(`\r\n\r\n${body}`)).to.equal(true);
      }
    } finally {
      await s.close();
    }
  });

  it('fails clearly against a plain HTTP server', async () => {
    const s = http.createServer((_req, res) => res.end('plain\n'));
    const port = await listen(s);
    try {
      const o = await get(port, 'localhost');
      expect(o.state).to.equal('failed');
      // Node's HTTP server answers the ClientHello with a 400: the kubelet's own message then
      expect(o.error).to.equal('http: server gave HTTP response to HTTPS client');
      expect(o.gotHttp).to.equal(true); // what a lifecycle hook's fallback to http needs to know
      expect(o.response).to.equal('');
    } finally {
      await new Promise((r) => s.close(r));
    }
  });

  it('fails clearly against a server that speaks something else (an SSH banner)', async () => {
    const s = await rawServer((c) => c.write('SSH-2.0-OpenSSH_9.2\r\n'));
    try {
      for (const bytewise of [false, true]) {
        const o = await get(s.port, 'localhost', bytewise);
        expect(o.state).to.equal('failed');
        expect(o.error).to.equal('tls: first record does not look like a TLS handshake');
        expect(o.gotHttp).to.equal(false);
      }
    } finally {
      await s.close();
    }
  });

  it('fails cleanly when the server closes mid-handshake (at once, or halfway through its flight)', async () => {
    const real = await httpsServer(rsa);
    // at once: reads the ClientHello and closes
    const atOnce = await rawServer((c) => c.once('data', () => c.end()));
    // halfway: relays the real server's first 200 bytes (a ServerHello, part of the certificate), then closes
    const halfway = await rawServer((c) => {
      const up = net.connect(real.port, '127.0.0.1');
      up.on('error', () => undefined);
      let sent = 0;
      c.on('data', (d) => up.write(d));
      up.on('data', (d: Buffer) => {
        const part = d.subarray(0, Math.max(0, 200 - sent));
        sent += part.length;
        if (part.length > 0) c.write(part);
        if (sent >= 200) {
          up.destroy();
          c.end();
        }
      });
    });
    try {
      for (const s of [atOnce, halfway])
        for (const bytewise of [false, true]) {
          const o = await get(s.port, 'localhost', bytewise);
          expect(o.state).to.equal('failed');
          expect(o.error).to.equal('tls: the server closed the connection during the handshake (EOF)');
        }
    } finally {
      await Promise.all([real.close(), atOnce.close(), halfway.close()]);
    }
  });

  it('fails with the server\'s alert against a TLS 1.3-only server (BearSSL has TLS 1.2 only)', async () => {
    const s = await httpsServer(rsa, 'ok\n', { minVersion: 'TLSv1.3' });
    try {
      const o = await get(s.port, 'localhost');
      expect(o.state).to.equal('failed');
      expect(o.error).to.equal('remote error: tls: protocol version not supported');
    } finally {
      await s.close();
    }
  });

  it('refuses a host name longer than 255 bytes, and holds ~21 KiB per connection', () => {
    expect(() => native().tlsClientNew('a'.repeat(256), crypto.randomBytes(32))).to.throw('longer than 255 bytes');
    expect(() => native().tlsClientNew('localhost', Buffer.alloc(4))).to.throw('no random seed');
    const size = native().tlsClientSize();
    expect(size).to.be.above(16709).and.below(24 * 1024);
  });
});
