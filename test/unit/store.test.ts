// Store logic that needs no namespaces: verified blob writes, the atomic index, lookups, helpers.
// Uses the real addon for flock (built by `npm ci`).
import { expect } from 'chai';
import { spawn } from 'child_process';
import { createHash } from 'crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Readable } from 'stream';
import { parseChanges } from '../../src/images/changes';
import { humanSize, timeAgo } from '../../src/images/display';
import { chainIds, DigestMismatchError, ImageStore, openStore } from '../../src/images/store';

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const lsDir = (d: string) => (existsSync(d) ? readdirSync(d) : []);

describe('image store (unit)', () => {
  let root: string;
  let store: ImageStore;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'podrun-store-unit-'));
    store = openStore({ root, runRoot: join(root, 'run') });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const blobs = () => lsDir(join(root, 'images', 'blobs', 'sha256'));
  const temps = () => lsDir(join(root, 'images', 'tmp'));

  it('stores a blob under its sha256 and reads it back', async () => {
    const data = Buffer.from('hello layer');
    const r = await store.putBlob(Readable.from([data.subarray(0, 5), data.subarray(5)]), { digest: sha(data), size: data.length });
    expect(r).to.deep.equal({ digest: sha(data), size: data.length });
    expect(readFileSync(store.blobPath(r.digest))).to.deep.equal(data);
    expect(store.hasBlob(r.digest)).to.equal(true);
    expect(store.blobSize(r.digest)).to.equal(data.length);
    expect(temps()).to.deep.equal([]);
  });

  it('a digest mismatch leaves nothing under blobs/ and no temp file', async () => {
    const data = Buffer.from('evil bytes');
    const before = store.readIndex();
    let err: unknown;
    try {
      await store.putBlob(Readable.from([data]), { digest: sha('good bytes'), size: data.length, what: 'layer X' });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(DigestMismatchError);
    expect((err as Error).message).to.match(/layer X: content has digest sha256:[0-9a-f]{64}, expected/);
    expect(blobs()).to.deep.equal([]);
    expect(temps()).to.deep.equal([]);
    expect(store.readIndex()).to.deep.equal(before);
  });

  it('a truncated blob (fewer bytes than its size) leaves the store unchanged', async () => {
    const full = Buffer.alloc(100_000, 7);
    let err: unknown;
    try {
      await store.putBlob(Readable.from([full.subarray(0, 40_000)]), { digest: sha(full), size: full.length });
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).to.match(/got 40000 bytes, expected 100000 \(truncated\?\)/);
    expect(blobs()).to.deep.equal([]);
    expect(temps()).to.deep.equal([]);
    expect(existsSync(join(root, 'images', 'index.json'))).to.equal(false);
  });

  it('a stream that errors half way leaves nothing behind', async () => {
    async function* broken() {
      yield Buffer.alloc(1000);
      throw new Error('connection reset');
    }
    let err: unknown;
    try {
      await store.putBlob(broken(), { size: 5000 });
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).to.equal('connection reset');
    expect(blobs()).to.deep.equal([]);
    expect(temps()).to.deep.equal([]);
  });

  it('refuses more bytes than the expected size as soon as they arrive', async () => {
    let err: unknown;
    try {
      await store.putBlob(Buffer.alloc(11), { size: 10 });
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).to.match(/more data than the expected 10 bytes/);
    expect(blobs()).to.deep.equal([]);
  });

  it('recordImage refuses a manifest whose layers are missing, and the index stays as it was', async () => {
    const cfg = await store.putJson({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha('x')] } });
    const man = await store.putJson({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: cfg.digest, size: cfg.size },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha('x'), size: 1 }],
    });
    let err: unknown;
    try {
      await store.recordImage('app:1', man.digest);
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).to.match(/layer sha256:[0-9a-f]{64} of manifest .* missing/);
    expect(store.list()).to.deep.equal([]);
  });

  it('records, looks up by name, id, id prefix and digest, and tags', async () => {
    const layer = Buffer.alloc(1024);
    const l = await store.putBlob(layer);
    const cfg = await store.putJson({ created: '2026-01-01T00:00:00Z', architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [l.digest] } });
    const man = await store.putJson({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: cfg.digest, size: cfg.size },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: l.digest, size: l.size }],
    });
    const rec = await store.recordImage('app:1', man.digest);
    expect(rec.names).to.deep.equal(['docker.io/library/app:1']);
    expect(rec.imageId).to.equal(cfg.digest);
    expect(rec.size).to.equal(cfg.size + 1024);
    expect(store.lookup('docker.io/library/app:1')?.imageId).to.equal(cfg.digest);
    expect(store.lookup(cfg.digest)?.manifestDigest).to.equal(man.digest);
    expect(store.lookup(cfg.digest.slice(7, 19))?.manifestDigest).to.equal(man.digest);
    expect(store.lookup(`app@${man.digest}`)?.imageId).to.equal(cfg.digest);
    expect(store.lookup('app:2')).to.equal(undefined);
    expect(() => store.get('app:2')).to.throw(/image docker.io\/library\/app:2 not found locally/);
    await store.tag(rec, 'localhost:5000/x/app:dev');
    expect(store.lookup('localhost:5000/x/app:dev')?.names).to.deep.equal(['docker.io/library/app:1', 'localhost:5000/x/app:dev']);
  });

  it('index updates from several processes are neither lost nor ever seen half-written', async function () {
    this.timeout(60_000);
    const script = `
      const { openStore } = require(${JSON.stringify(join(__dirname, '..', '..', 'src', 'images', 'store.js'))});
      const s = openStore({ root: process.argv[1], runRoot: process.argv[1] + '/run' });
      (async () => { for (let i = 0; i < 15; i++) await s.updateIndex((ix) => { ix.names['p' + process.argv[2] + '-' + i] = 'sha256:' + '0'.repeat(64); }); })()
        .catch((e) => { console.error(e); process.exit(1); });`;
    const kids = [1, 2, 3].map((n) => spawn(process.execPath, ['-e', script, root, String(n)], { stdio: ['ignore', 'ignore', 'inherit'] }));
    const done = Promise.all(kids.map((k) => new Promise<number | null>((res) => k.on('exit', res))));
    let finished = false;
    void done.then(() => (finished = true));
    let reads = 0;
    while (!finished) {
      const p = join(root, 'images', 'index.json');
      if (existsSync(p)) {
        const ix = JSON.parse(readFileSync(p, 'utf8')); // throws on a torn write
        expect(ix.version).to.equal(1);
        reads++;
      }
      await new Promise((r) => setImmediate(r));
    }
    expect(await done).to.deep.equal([0, 0, 0]);
    expect(Object.keys(store.readIndex().names)).to.have.length(45);
    expect(reads).to.be.greaterThan(0);
    expect(temps()).to.deep.equal([]);
  });

  it('a corrupt index.json is reported with its path, never silently replaced', () => {
    const dir = join(root, 'images');
    require('fs').mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'index.json'), '{"version":1,"names":');
    expect(() => store.list()).to.throw(/index.json is not a valid image index/);
  });

  it('chain IDs follow the image-spec', () => {
    const a = sha('a');
    const b = sha('b');
    expect(chainIds([a, b])).to.deep.equal([a, sha(`${a} ${b}`)]);
    expect(chainIds([])).to.deep.equal([]);
  });
});

describe('image display helpers', () => {
  it('formats sizes like docker', () => {
    expect(humanSize(0)).to.equal('0B');
    expect(humanSize(999)).to.equal('999B');
    expect(humanSize(1_056_359)).to.equal('1.06MB');
    expect(humanSize(4_860_000_000)).to.equal('4.86GB');
  });
  it('formats ages like docker', () => {
    const now = Date.parse('2026-11-28T12:00:00Z');
    expect(timeAgo('2026-11-28T11:55:00Z', now)).to.equal('5 minutes ago');
    expect(timeAgo('2026-11-28T11:00:00Z', now)).to.equal('About an hour ago');
    expect(timeAgo('2026-11-25T12:00:00Z', now)).to.equal('3 days ago');
    expect(timeAgo(undefined, now)).to.equal('N/A');
  });
});

describe('--change instructions', () => {
  it('builds a config', () => {
    expect(
      parseChanges(['CMD ["/bin/sh"]', 'ENTRYPOINT echo hi', 'ENV A=1 B=2', 'ENV A 3', 'WORKDIR /app', 'USER 1000:1000', 'EXPOSE 80 53/udp', 'LABEL a=b', 'STOPSIGNAL SIGINT', 'VOLUME /data']),
    ).to.deep.equal({
      Cmd: ['/bin/sh'],
      Entrypoint: ['/bin/sh', '-c', 'echo hi'],
      Env: ['A=3', 'B=2'],
      WorkingDir: '/app',
      User: '1000:1000',
      ExposedPorts: { '80/tcp': {}, '53/udp': {} },
      Labels: { a: 'b' },
      StopSignal: 'SIGINT',
      Volumes: { '/data': {} },
    });
  });
  it('names the bad instruction', () => {
    expect(() => parseChanges(['RUN make'])).to.throw(/unsupported instruction RUN/);
    expect(() => parseChanges(['CMD ["a", 1]'])).to.throw(/array of strings/);
    expect(() => parseChanges(['WORKDIR app'])).to.throw(/absolute/);
  });
});
