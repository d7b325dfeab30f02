// A corpus of hostile layer tarballs, each built here and each named after the attack it tries
// (SECURITY.md "Layers" 18–24; moby/go-archive and containerd TestBreakouts). Every one must be
// refused with a LayerError naming the layer and the entry, and a snapshot of everything around
// the target dir proves nothing was written, removed or changed outside it.
import { expect } from 'chai';
import { createHash } from 'crypto';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync, existsSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Readable } from 'stream';
import { finished } from 'stream/promises';
import { createGzip, createGunzip, gzipSync } from 'zlib';
import { createTarWriter } from '../../src/images/tar';
import { LayerError, unpackLayer, UnpackLimits } from '../../src/images/unpack';
import { h, Spec, tarOf } from '../helpers/layer-tar';

const LAYER = 'sha256:badbadbad';

/** Every path below `root` except inside `skip`, with type, mode, owner, size, mtime, content hash. */
function snapshot(root: string, skip: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (p === skip) continue;
      const st = lstatSync(p);
      const hash = st.isFile() ? createHash('sha256').update(readFileSync(p)).digest('hex') : '';
      out.push(`${p} ${st.mode.toString(8)} ${st.uid}:${st.gid} ${st.size} ${st.mtimeMs} ${st.nlink} ${hash}`);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(root);
  return out;
}

describe('unpack refuses malicious layers (nothing written outside dest)', function () {
  this.timeout(120000);
  let root: string;
  let dest: string;
  let outside: string;
  let evil: string;
  let before: string[];
  let rootStat: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'podrun-unpack-evil-'));
    dest = join(root, 'dest');
    outside = join(root, 'outside');
    evil = join(root, 'dest-evil');
    for (const d of [dest, outside, evil]) mkdirSync(d);
    writeFileSync(join(outside, 'secret'), 'secret', { mode: 0o600 });
    utimesSync(join(outside, 'secret'), 1500000000, 1500000000);
    mkdirSync(join(outside, 'sub'));
    writeFileSync(join(outside, 'sub', 'keep'), 'keep');
    before = snapshot(root, dest);
    const st = lstatSync(root);
    rootStat = `${st.mode} ${st.uid}`;
  });

  afterEach(() => {
    // The sentinel check: the tree around dest is byte-for-byte what it was.
    const after = snapshot(root, dest);
    const st = lstatSync(root);
    rmSync(root, { recursive: true, force: true });
    expect(after).to.deep.equal(before);
    expect(`${st.mode} ${st.uid}`).to.equal(rootStat);
    expect(existsSync('/pwned')).to.equal(false);
  });

  async function refuse(
    specs: Spec[] | Buffer | (() => NodeJS.ReadableStream),
    entry: RegExp | string,
    detail?: RegExp,
    limits?: Partial<UnpackLimits>,
    compressedBytes?: number,
  ): Promise<LayerError> {
    // A fresh, empty dest for every attempt (a test may try several variants).
    rmSync(dest, { recursive: true, force: true });
    mkdirSync(dest);
    const input = typeof specs === 'function' ? specs() : Readable.from([Buffer.isBuffer(specs) ? specs : await tarOf(specs)]);
    let err: unknown;
    try {
      await unpackLayer(input, dest, { layer: LAYER, limits, compressedBytes });
    } catch (e) {
      err = e;
    }
    expect(err, 'unpack should have been refused').to.be.instanceOf(LayerError);
    const e = err as LayerError;
    expect(e.message).to.contain(`layer ${LAYER}: `);
    if (typeof entry === 'string') expect(e.message).to.contain(`entry ${JSON.stringify(entry)}: `);
    else expect(e.message).to.match(entry);
    if (detail) expect(e.message).to.match(detail);
    return e;
  }

  it('../ traversal', async () => {
    await refuse([{ name: 'ok', body: 'x' }, { name: '../outside/pwned', body: 'pwned' }], '../outside/pwned', /"\.\."/);
  });

  it('../ traversal hidden behind ./ and a real dir', async () => {
    await refuse([{ name: 'd', type: 'dir' }, { name: './d/../../outside/secret', body: 'pwned' }], './d/../../outside/secret', /"\.\."/);
  });

  it('/.. absolute traversal', async () => {
    await refuse([{ name: `/../../../..${outside}/pwned`, body: 'pwned' }], `/../../../..${outside}/pwned`, /absolute/);
  });

  it('absolute name', async () => {
    await refuse([{ name: join(outside, 'secret'), body: 'pwned' }], join(outside, 'secret'), /absolute/);
  });

  it('symlink then write through it (absolute target)', async () => {
    await refuse(
      [
        { name: 'lnk', type: 'symlink', linkname: outside },
        { name: 'lnk/secret', body: 'pwned' },
      ],
      'lnk/secret',
      /parent "lnk" is a symlink/,
    );
  });

  it('symlink then write through it (relative target)', async () => {
    await refuse(
      [
        { name: 'lnk', type: 'symlink', linkname: '../outside' },
        { name: 'lnk/pwned', body: 'pwned' },
      ],
      'lnk/pwned',
      /symlink/,
    );
  });

  it('two-hop symlink chain', async () => {
    await refuse(
      [
        { name: 'd', type: 'dir' },
        { name: 'd/hop2', type: 'symlink', linkname: '../../outside' },
        { name: 'hop1', type: 'symlink', linkname: 'd/hop2' },
        { name: 'hop1/sub/keep', body: 'pwned' },
      ],
      'hop1/sub/keep',
      /symlink/,
    );
  });

  it('symlink left deep inside a real dir, then a write below it', async () => {
    await refuse(
      [
        { name: 'a/b', type: 'dir' },
        { name: 'a/b/c', type: 'symlink', linkname: '/' },
        { name: `a/b/c${outside}/pwned`, body: 'pwned' },
      ],
      `a/b/c${outside}/pwned`,
      /parent "a\/b\/c" is a symlink/,
    );
  });

  it('absolute symlink then file under it', async () => {
    await refuse(
      [
        { name: 'rootlink', type: 'symlink', linkname: '/' },
        { name: `rootlink${outside}/secret`, body: 'pwned' },
      ],
      `rootlink${outside}/secret`,
      /symlink/,
    );
  });

  it('hardlink to outside (..)', async () => {
    await refuse([{ name: 'h', type: 'hardlink', linkname: '../outside/secret' }], 'h', /hardlink target/);
  });

  it('hardlink to outside (absolute)', async () => {
    await refuse([{ name: 'h', type: 'hardlink', linkname: join(outside, 'secret') }], 'h', /hardlink target.*absolute/);
  });

  it('hardlink to a symlink pointing outside', async () => {
    await refuse(
      [
        { name: 's', type: 'symlink', linkname: join(outside, 'secret') },
        { name: 'h', type: 'hardlink', linkname: 's' },
        { name: 'h', body: 'pwned' },
      ],
      'h',
      /not an earlier regular file/,
    );
  });

  it('hardlink through a symlinked parent', async () => {
    await refuse(
      [
        { name: 'd', type: 'symlink', linkname: outside },
        { name: 'h', type: 'hardlink', linkname: 'd/secret' },
      ],
      'h',
      /not an earlier regular file/,
    );
  });

  it('hardlink to a file replaced by a symlink', async () => {
    await refuse(
      [
        { name: 'f', body: 'mine' },
        { name: 'f', type: 'symlink', linkname: join(outside, 'secret') },
        { name: 'h', type: 'hardlink', linkname: 'f' },
      ],
      'h',
      /not an earlier regular file/,
    );
  });

  it('hardlink to a missing entry', async () => {
    await refuse([{ name: 'h', type: 'hardlink', linkname: 'nothere' }], 'h', /not an earlier regular file/);
  });

  it('sibling-prefix (dest-evil) via ../', async () => {
    await refuse([{ name: '../dest-evil/pwned', body: 'pwned' }], '../dest-evil/pwned');
  });

  it('sibling-prefix (dest-evil) via symlink', async () => {
    await refuse(
      [
        { name: 'x', type: 'symlink', linkname: `${dest}-evil` },
        { name: 'x/pwned', body: 'pwned' },
      ],
      'x/pwned',
      /symlink/,
    );
    expect(readdirSync(evil)).to.deep.equal([]);
  });

  it('whiteout of ..', async () => {
    await refuse([{ name: 'sub/.wh..', body: '' }], 'sub/.wh..', /invalid whiteout/);
    await refuse([{ name: '.wh..', body: '' }], '.wh..', /invalid whiteout/);
  });

  it('invalid whiteout names (.wh., .wh..wh.x, .wh.x as a dir, .wh.. as a dir)', async () => {
    await refuse([{ name: '.wh.', body: '' }], '.wh.', /invalid whiteout/);
    await refuse([{ name: 'a/.wh..wh.evil', body: '' }], 'a/.wh..wh.evil', /whiteout/);
    await refuse([{ name: '.wh.x/y', body: '' }], '.wh.x/y', /whiteout name ".wh.x" used as a directory/);
    await refuse([{ name: 'a/.wh../b', body: '' }], 'a/.wh../b', /"\.\."|whiteout/);
  });

  it('device numbers out of range', async () => {
    await refuse([{ name: 'dev', type: 'char', devmajor: 4096, devminor: 0 }], 'dev', /device number 4096:0 out of range/);
    await refuse([{ name: 'blk', type: 'block', devmajor: 8, devminor: 1048576 }], 'blk', /out of range/);
  });

  it('dir replacing symlink', async () => {
    await refuse(
      [
        { name: 'lnk', type: 'symlink', linkname: outside },
        { name: 'lnk', type: 'dir', mode: 0o777, uid: 666 },
      ],
      'lnk',
      /directory would replace an existing symlink/,
    );
  });

  it('overlay xattrs smuggled in the tar', async () => {
    await refuse(
      [{ name: 'd', type: 'dir', xattrs: { 'trusted.overlay.redirect': Buffer.from(outside) } }],
      'd',
      /trusted\.overlay\.redirect is reserved/,
    );
  });

  it('entry count bomb', async () => {
    const specs: Spec[] = [];
    for (let i = 0; i < 300; i++) specs.push({ name: `f${i}`, body: '' });
    const e = await refuse(specs, 'f100', /100-entry cap \(limits\.maxEntries\)/, { maxEntries: 100 });
    expect(e.hint).to.contain('PODRUN_LAYER_MAX_ENTRIES');
  });

  it('decompressed-size bomb (gzip of zeros)', async () => {
    // 64 MiB of zeros compresses to ~64 KiB; the cap is 4 MiB.
    const size = 64 * 1024 * 1024;
    const gz = createGzip();
    const chunks: Buffer[] = [];
    gz.on('data', (c: Buffer) => chunks.push(c));
    const w = createTarWriter(gz);
    const zero = Buffer.alloc(1024 * 1024);
    await w.add(
      h({ name: 'zeros', size }),
      Readable.from(
        (function* () {
          for (let i = 0; i < 64; i++) yield zero;
        })(),
      ),
    );
    await w.finish();
    const compressed = Buffer.concat(chunks);
    expect(compressed.length).to.be.below(1024 * 1024);
    const e = await refuse(() => Readable.from([compressed]).pipe(createGunzip()), 'zeros', /4194304-byte uncompressed size cap \(limits\.maxBytes\)/, {
      maxBytes: 4 * 1024 * 1024,
    });
    expect(e.hint).to.contain('PODRUN_LAYER_MAX_BYTES');
    expect(existsSync(join(dest, 'zeros'))).to.equal(false);
  });

  it('decompressed-size bomb hidden behind a lying header (trailing zeros after the end marker)', async () => {
    const tar = await tarOf([{ name: 'small', body: 'x' }]);
    const padded = Buffer.concat([tar, Buffer.alloc(8 * 1024 * 1024)]);
    const gz = createGzip();
    const compressed: Buffer[] = [];
    gz.on('data', (c: Buffer) => compressed.push(c));
    gz.end(padded);
    await finished(gz);
    await refuse(() => Readable.from([Buffer.concat(compressed)]).pipe(createGunzip()), /layer sha256:badbadbad: .*cap/, undefined, { maxBytes: 1024 * 1024 });
  });

  it('expansion-ratio bomb: a declared size refused up front, before its body is written', async () => {
    // 8 MiB of zeros from well under 80 KiB of gzip: over 100x once past a 1 MiB floor.
    const gz = gzipSync(await tarOf([{ name: 'zeros', body: '\0'.repeat(8 * 1024 * 1024) }]));
    const e = await refuse(() => Readable.from([gz]).pipe(createGunzip()), 'zeros', /expands more than 100 times its compressed size: at least \d+ bytes from \d+ compressed, past the 1048576-byte floor \(limits\.maxRatio\)/, {
      ratioFloorBytes: 1024 * 1024,
    }, gz.length);
    expect(e.hint).to.contain('PODRUN_LAYER_MAX_RATIO');
    expect(existsSync(join(dest, 'zeros'))).to.equal(false);
  });

  it('expansion-ratio bomb: zeros after the end marker are counted as they come out', async () => {
    const gz = gzipSync(Buffer.concat([await tarOf([{ name: 'small', body: 'x' }]), Buffer.alloc(8 * 1024 * 1024)]));
    await refuse(() => Readable.from([gz]).pipe(createGunzip()), /layer sha256:badbadbad: .*\(limits\.maxRatio\)/, undefined, { ratioFloorBytes: 1024 * 1024 }, gz.length);
  });

  it('corrupt tar names the layer', async () => {
    const tar = await tarOf([{ name: 'a', body: 'x' }, { name: 'b', body: 'y' }]);
    tar[1024 + 3] ^= 1;
    await refuse(tar, /layer sha256:badbadbad: entry "a": corrupt tar: bad header checksum/);
  });
});
