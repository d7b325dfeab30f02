// Decompression bombs through the real store with the default limits: a few MiB of gzip that
// inflate to gigabytes are refused by the expansion-ratio limit (docs/layers.md, "Limits"), the
// error names the layer and the setting, and nothing of the layer stays in the store.
import { expect } from 'chai';
import { createHash } from 'crypto';
import { existsSync, readdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { gzipSync } from 'zlib';
import { loadArchive } from '../../src/images/archive';
import { MT } from '../../src/images/oci';
import { resolveImage } from '../../src/images/resolve';
import { openStore, type ImageStore } from '../../src/images/store';
import { encodeHeader } from '../../src/images/tar';
import { LayerError } from '../../src/images/unpack';
import { PodrunError } from '../../src/util/errors';
import { isRoot, tempRoot } from '../helpers/cli';
import { h, tarOf } from '../helpers/layer-tar';

const MiB = 1024 * 1024;

/**
 * `mib` MiB of zeros as gzip, made in milliseconds: one gzip member of 1 MiB of zeros, repeated
 * (gunzip reads concatenated members as one stream, RFC 1952 2.2).
 */
function gzipZeros(mib: number): Buffer[] {
  const one = gzipSync(Buffer.alloc(MiB), { level: 9 });
  return new Array<Buffer>(mib).fill(one);
}

/** Stores a one-layer image `bomb:1` whose layer blob is `gz` (a tar+gzip layer); returns the layer digest. */
async function bombImage(store: ImageStore, gz: Buffer, diffId = `sha256:${'0'.repeat(64)}`): Promise<string> {
  const layer = await store.putBlob(gz);
  const config = await store.putJson({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [diffId] } });
  const manifest = await store.putJson({
    schemaVersion: 2,
    mediaType: MT.ociManifest,
    config: { mediaType: MT.ociConfig, digest: config.digest, size: config.size },
    layers: [{ mediaType: MT.ociLayerGzip, digest: layer.digest, size: layer.size }],
  });
  await store.recordImage('bomb:1', manifest.digest);
  return layer.digest;
}

describe('unpack: gzip bombs stop at the default expansion ratio', function () {
  this.timeout(120_000);
  let t: { root: string; cleanup: () => void };
  let store: ImageStore;
  before(function () {
    if (!isRoot()) this.skip();
  });
  beforeEach(() => {
    t = tempRoot('podrun-bomb-');
    store = openStore({ root: join(t.root, 'store'), runRoot: join(t.root, 'run') });
  });
  afterEach(() => t?.cleanup());

  const entries = (d: string) => (existsSync(d) ? readdirSync(d) : []);

  async function refused(digest: string): Promise<LayerError> {
    let err: unknown;
    try {
      await resolveImage(store, 'bomb:1', { policy: 'Never' });
    } catch (e) {
      err = e;
    }
    expect(err, 'the bomb should have been refused').to.be.instanceOf(LayerError);
    const e = err as LayerError;
    expect(e.message).to.contain(`layer ${digest}: `);
    expect(e.message).to.match(/expands more than 100 times its compressed size: at least \d+ bytes from \d+ compressed, past the 536870912-byte floor \(limits\.maxRatio\)$/);
    expect(e.hint).to.contain('PODRUN_LAYER_MAX_RATIO');
    // Nothing of the refused layer stays: no layer dir, no temp dir left behind.
    expect(entries(join(store.dir, 'layers'))).to.deep.equal([]);
    expect(entries(join(store.dir, 'tmp'))).to.deep.equal([]);
    return e;
  }

  it('a 3 MiB layer whose one file claims 3 GiB is refused before any of it is written', async () => {
    const gz = Buffer.concat([gzipSync(encodeHeader(h({ name: 'zeros', size: 3 * 1024 * MiB }))), ...gzipZeros(3 * 1024), gzipSync(Buffer.alloc(1024))]);
    expect(gz.length).to.be.below(4 * MiB);
    const t0 = Date.now();
    const e = await refused(await bombImage(store, gz));
    expect(e.message).to.contain('entry "zeros": ');
    expect(Date.now() - t0).to.be.below(10_000);
  });

  it('zeros streamed after the end of the archive are refused once past 512 MiB uncompressed', async () => {
    const gz = Buffer.concat([gzipSync(await tarOf([{ name: 'small', body: 'x' }])), ...gzipZeros(700)]);
    expect(gz.length).to.be.below(MiB);
    await refused(await bombImage(store, gz));
  });

  it('a trusted layer passes once PODRUN_LAYER_MAX_RATIO is raised', async () => {
    const tar = await tarOf([{ name: 'small', body: 'x' }]);
    const gz = Buffer.concat([gzipSync(tar), ...gzipZeros(600)]);
    const diffId = createHash('sha256').update(tar);
    for (let i = 0; i < 600; i++) diffId.update(Buffer.alloc(MiB));
    await bombImage(store, gz, `sha256:${diffId.digest('hex')}`);
    const saved = process.env.PODRUN_LAYER_MAX_RATIO;
    process.env.PODRUN_LAYER_MAX_RATIO = '100000';
    try {
      const r = await resolveImage(store, 'bomb:1', { policy: 'Never' });
      expect(readdirSync(r.layerDirs[0])).to.deep.equal(['small']);
    } finally {
      if (saved === undefined) delete process.env.PODRUN_LAYER_MAX_RATIO;
      else process.env.PODRUN_LAYER_MAX_RATIO = saved;
    }
  });

  it('load: a .tar.gz archive that inflates past the ratio is refused and stores nothing', async () => {
    // A docker-archive whose legacy layer.tar is 700 MiB of zeros, gzip'ed to well under 1 MiB.
    const file = join(t.root, 'bomb.tar.gz');
    const gz = Buffer.concat([gzipSync(encodeHeader(h({ name: 'abc/layer.tar', size: 700 * MiB }))), ...gzipZeros(700), gzipSync(Buffer.alloc(1024))]);
    writeFileSync(file, gz);
    let err: unknown;
    try {
      await loadArchive(store, file);
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(PodrunError);
    const e = err as PodrunError;
    expect(e.message).to.match(new RegExp(`^${file}: expands more than 100 times its compressed size: at least \\d+ bytes from ${gz.length} compressed, past the 536870912-byte floor \\(limits\\.maxRatio\\)$`));
    expect(e.hint).to.contain('PODRUN_LAYER_MAX_RATIO');
    expect(entries(join(store.dir, 'blobs', 'sha256'))).to.deep.equal([]);
    expect(entries(join(store.dir, 'tmp'))).to.deep.equal([]);
  });
});
