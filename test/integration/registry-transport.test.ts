// The client's HTTP behaviour against small servers on 127.0.0.1: redirects to another origin
// (object storage) never carry our Authorization, same-origin ones do; a 5xx storm ends after the
// bounded number of tries; a token that expires mid-pull is renewed by answering the 401 again.
import { expect } from 'chai';
import * as http from 'http';
import type { AddressInfo } from 'net';
import { RegistryClient } from '../../src/images/registry';

interface Seen {
  path: string;
  authorization?: string;
}

async function serve(handler: http.RequestListener): Promise<{ port: number; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const DIGEST = 'sha256:' + 'a'.repeat(64);
const creds = { username: 'alice', password: 'pa55word' };
const basic = 'Basic ' + Buffer.from('alice:pa55word').toString('base64');

describe('registry client: HTTP transport against local servers', function () {
  this.timeout(30_000);
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
  });

  it('follows a blob redirect to another host without the Authorization header', async () => {
    const storageSeen: Seen[] = [];
    const registrySeen: Seen[] = [];
    const storage = await serve((req, res) => {
      storageSeen.push({ path: req.url ?? '', authorization: req.headers.authorization });
      res.end('blob-bytes');
    });
    closers.push(storage.close);
    const registry = await serve((req, res) => {
      registrySeen.push({ path: req.url ?? '', authorization: req.headers.authorization });
      if (req.headers.authorization !== basic) {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="test"' });
        res.end();
        return;
      }
      if (req.url === `/v2/r/blobs/${DIGEST}`) {
        res.writeHead(307, { Location: `/v2/r/moved/${DIGEST}` }); // same origin: keeps auth
        res.end();
        return;
      }
      // A different port is a different origin: the token must not follow.
      res.writeHead(307, { Location: `http://127.0.0.1:${storage.port}/bucket/data?X-Signature=s3cr3t` });
      res.end();
    });
    closers.push(registry.close);
    const client = new RegistryClient({ registry: `127.0.0.1:${registry.port}`, credentials: creds });
    try {
      const res = await client.getBlob('r', DIGEST, 'repository:r:pull');
      let body = '';
      for await (const c of res) body += c;
      expect(body).to.equal('blob-bytes');
    } finally {
      client.close();
    }
    expect(registrySeen.map((s) => s.path)).to.deep.equal([`/v2/r/blobs/${DIGEST}`, `/v2/r/blobs/${DIGEST}`, `/v2/r/moved/${DIGEST}`]);
    expect(registrySeen.slice(1).every((s) => s.authorization === basic)).to.equal(true);
    expect(storageSeen).to.deep.equal([{ path: '/bucket/data?X-Signature=s3cr3t', authorization: undefined }]);
  });

  it('gives up after the bounded number of tries on persistent 503s, naming the blob', async () => {
    let hits = 0;
    const registry = await serve((_req, res) => {
      hits++;
      res.writeHead(503);
      res.end();
    });
    closers.push(registry.close);
    const client = new RegistryClient({ registry: `127.0.0.1:${registry.port}`, credentials: null, retry: { attempts: 3, baseMs: 10 } });
    try {
      const err = await client.getBlob('r', DIGEST, 'repository:r:pull').then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message).to.contain(`blob ${DIGEST} of 127.0.0.1:${registry.port}/r`);
      expect(err?.message).to.contain('503');
    } finally {
      client.close();
    }
    expect(hits).to.equal(3);
  });

  it('renews an expired Bearer token by answering the 401 again with the same scope', async () => {
    const tokenRequests: string[] = [];
    let issued = 0;
    const tokens = await serve((req, res) => {
      tokenRequests.push(new URL(req.url ?? '/', 'http://x').searchParams.getAll('scope').join(' '));
      res.end(JSON.stringify({ token: `t${++issued}`, expires_in: 3600 }));
    });
    closers.push(tokens.close);
    let valid = 't1';
    const registry = await serve((req, res) => {
      if (req.headers.authorization !== `Bearer ${valid}`) {
        res.writeHead(401, {
          'WWW-Authenticate': `Bearer realm="http://127.0.0.1:${tokens.port}/token",service="svc",scope="repository:r:pull"`,
        });
        res.end();
        return;
      }
      res.end('ok');
    });
    closers.push(registry.close);
    const client = new RegistryClient({ registry: `127.0.0.1:${registry.port}`, credentials: null });
    try {
      const read = async () => {
        let s = '';
        for await (const c of await client.getBlob('r', DIGEST, 'repository:r:pull')) s += c;
        return s;
      };
      expect(await read()).to.equal('ok');
      valid = 't2'; // the server revokes t1 (expired early)
      expect(await read()).to.equal('ok');
    } finally {
      client.close();
    }
    expect(tokenRequests).to.deep.equal(['repository:r:pull', 'repository:r:pull']);
  });
});
