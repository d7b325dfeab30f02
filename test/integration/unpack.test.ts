// Unpacking real layers as root: everything a layer can carry is preserved, duplicates replace,
// and OCI whiteouts become overlayfs whiteouts that really hide lower files under a real mount.
import { expect } from 'chai';
import { execFileSync } from 'child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { PassThrough, Readable } from 'stream';
import { createTarWriter } from '../../src/images/tar';
import { LayerError, resolveLimits, unpackLayer } from '../../src/images/unpack';
import { native } from '../../src/util/native';
import { h, tarStream } from '../helpers/layer-tar';
import { mountsUnder } from '../helpers/leaks';

describe('unpack', function () {
  this.timeout(120000);
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'podrun-unpack-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const fresh = (name: string) => {
    const d = join(root, name);
    mkdirSync(d);
    return d;
  };

  it('preserves hardlinks, symlinks, fifos, devices, modes, owners, mtimes and xattrs', async () => {
    const dest = fresh('layer');
    const res = await unpackLayer(
      await tarStream([
        { name: 'd', type: 'dir', mode: 0o2750, uid: 1000, gid: 1001, mtime: 1500000000 },
        { name: 'd/f', body: 'hello', mode: 0o4755, uid: 1234, gid: 5678, mtime: 1600000000.5, xattrs: { 'user.podrun': Buffer.from('yes') } },
        { name: 'd/h', type: 'hardlink', linkname: 'd/f' },
        { name: 'd/s', type: 'symlink', linkname: '/nonexistent/target', uid: 42, gid: 43, mtime: 1400000000 },
        { name: 'd/p', type: 'fifo', mode: 0o640, uid: 7 },
        { name: 'd/null', type: 'char', mode: 0o666, devmajor: 1, devminor: 3 },
        { name: 'd/loop', type: 'block', mode: 0o660, devmajor: 7, devminor: 200 },
        { name: 'tmp', type: 'dir', mode: 0o1777 },
        { name: 'implied/parent/file', body: 'x' },
        { name: './dotted', body: 'dot' },
      ]),
      dest,
      { layer: 'sha256:good' },
    );
    expect(res.entries).to.equal(10);
    expect(res.fileBytes).to.equal(9);

    const f = lstatSync(join(dest, 'd/f'));
    const hl = lstatSync(join(dest, 'd/h'));
    expect(hl.ino).to.equal(f.ino);
    expect(f.nlink).to.equal(2);
    expect(f.mode & 0o7777).to.equal(0o4755); // setuid survives the chown
    expect([f.uid, f.gid]).to.deep.equal([1234, 5678]);
    expect(f.mtimeMs).to.equal(1600000000500);
    expect(readFileSync(join(dest, 'd/h'), 'utf8')).to.equal('hello');
    expect(native().lgetxattr(join(dest, 'd/f'), 'user.podrun')?.toString()).to.equal('yes');

    const s = lstatSync(join(dest, 'd/s'));
    expect(s.isSymbolicLink()).to.equal(true);
    expect(readlinkSync(join(dest, 'd/s'))).to.equal('/nonexistent/target');
    expect([s.uid, s.gid, s.mtimeMs]).to.deep.equal([42, 43, 1400000000000]);

    const p = lstatSync(join(dest, 'd/p'));
    expect(p.isFIFO()).to.equal(true);
    expect([p.mode & 0o7777, p.uid]).to.deep.equal([0o640, 7]);

    const n = lstatSync(join(dest, 'd/null'));
    expect(n.isCharacterDevice()).to.equal(true);
    expect(n.rdev).to.equal(native().makedev(1, 3));
    const b = lstatSync(join(dest, 'd/loop'));
    expect(b.isBlockDevice()).to.equal(true);
    expect(b.rdev).to.equal(native().makedev(7, 200));

    const d = lstatSync(join(dest, 'd'));
    expect(d.mode & 0o7777).to.equal(0o2750);
    expect([d.uid, d.gid]).to.deep.equal([1000, 1001]);
    expect(d.mtimeMs, 'dir mtime fixed up after its children were created').to.equal(1500000000000);
    expect(lstatSync(join(dest, 'tmp')).mode & 0o7777).to.equal(0o1777);
    expect(lstatSync(join(dest, 'implied/parent')).mode & 0o7777).to.equal(0o755);
    expect(readFileSync(join(dest, 'dotted'), 'utf8')).to.equal('dot');
  });

  it('a later entry replaces an earlier one; a dir over a dir only updates metadata', async () => {
    const dest = fresh('layer');
    await unpackLayer(
      await tarStream([
        { name: 'a', body: 'first' },
        { name: 'a', type: 'symlink', linkname: 'elsewhere' },
        { name: 'b', type: 'symlink', linkname: 'x' },
        { name: 'b', body: 'now a file' },
        { name: 'c', type: 'dir', mode: 0o700 },
        { name: 'c/kept', body: 'kept' },
        { name: 'c', type: 'dir', mode: 0o755, uid: 9 },
        { name: 'e', type: 'dir' },
        { name: 'e/child', body: 'gone' },
        { name: 'e', body: 'file replaced the dir' },
        { name: 'f', body: 'one' },
        { name: 'g', type: 'hardlink', linkname: 'f' },
        { name: 'f', body: 'two' },
      ]),
      dest,
      { layer: 'sha256:dups' },
    );
    expect(readlinkSync(join(dest, 'a'))).to.equal('elsewhere');
    expect(readFileSync(join(dest, 'b'), 'utf8')).to.equal('now a file');
    expect(readFileSync(join(dest, 'c/kept'), 'utf8')).to.equal('kept');
    expect(lstatSync(join(dest, 'c')).mode & 0o7777).to.equal(0o755);
    expect(lstatSync(join(dest, 'c')).uid).to.equal(9);
    expect(readFileSync(join(dest, 'e'), 'utf8')).to.equal('file replaced the dir');
    expect(readFileSync(join(dest, 'g'), 'utf8')).to.equal('one'); // the old inode, as tar does
    expect(readFileSync(join(dest, 'f'), 'utf8')).to.equal('two');
  });

  it('streams a large file to disk without holding it in memory', async () => {
    const dest = fresh('big');
    const size = 192 * 1024 * 1024;
    const chunk = Buffer.alloc(1024 * 1024, 0x5a);
    const pipe = new PassThrough({ highWaterMark: 64 * 1024 });
    const w = createTarWriter(pipe);
    const writing = (async () => {
      await w.add(h({ name: 'big', size }), Readable.from((function* () {
        for (let i = 0; i < size / chunk.length; i++) yield chunk;
      })()));
      await w.finish();
    })();
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    try {
      const res = await unpackLayer(pipe, dest, { layer: 'big' });
      expect(res.fileBytes).to.equal(size);
    } finally {
      clearInterval(timer);
    }
    await writing;
    expect(lstatSync(join(dest, 'big')).size).to.equal(size);
    expect(peak - before, 'RSS growth while unpacking 192 MiB').to.be.below(64 * 1024 * 1024);
  });

  it('refuses a non-empty or missing destination', async () => {
    const dest = fresh('full');
    mkdirSync(join(dest, 'x'));
    for (const d of [dest, join(root, 'missing')]) {
      const e = await unpackLayer(await tarStream([{ name: 'a', body: '' }]), d, { layer: 'L' }).then(
        () => undefined,
        (err: Error) => err,
      );
      expect(e).to.be.instanceOf(LayerError);
      expect(e!.message).to.match(/^layer L: unpack target .* (is not empty|is not a directory)/);
    }
  });

  it('limits come from options, then PODRUN_LAYER_MAX_*, then defaults', () => {
    expect(resolveLimits({}, {})).to.deep.equal({ maxBytes: 32 * 1024 ** 3, maxEntries: 1_000_000, maxRatio: 100, ratioFloorBytes: 512 * 1024 ** 2 });
    expect(resolveLimits({}, { PODRUN_LAYER_MAX_RATIO: '1000', PODRUN_LAYER_RATIO_FLOOR_BYTES: '4096' })).to.include({ maxRatio: 1000, ratioFloorBytes: 4096 });
    expect(() => resolveLimits({}, { PODRUN_LAYER_MAX_RATIO: '0' })).to.throw(/PODRUN_LAYER_MAX_RATIO="0" is not a positive integer/);
    expect(resolveLimits({}, { PODRUN_LAYER_MAX_BYTES: '1000' }).maxBytes).to.equal(1000);
    expect(resolveLimits({ maxBytes: 5 }, { PODRUN_LAYER_MAX_BYTES: '1000' }).maxBytes).to.equal(5);
    expect(() => resolveLimits({}, { PODRUN_LAYER_MAX_ENTRIES: 'lots' })).to.throw(/PODRUN_LAYER_MAX_ENTRIES="lots" is not a positive integer/);
  });

  it('whiteouts and opaque dirs hide lower files under a real overlay mount', async () => {
    const low = fresh('low');
    const up = fresh('up');
    const mnt = fresh('mnt');
    await unpackLayer(
      await tarStream([
        { name: 'a/keep', body: 'k' },
        { name: 'a/gone', body: 'g' },
        { name: 'b/x', body: 'x' },
        { name: 'b/sub/y', body: 'y' },
        { name: 'c', body: 'c' },
        { name: 'd/deep', body: 'd' },
      ]),
      low,
      { layer: 'lower' },
    );
    await unpackLayer(
      await tarStream([
        { name: 'a/.wh.gone', body: '' },
        { name: 'b', type: 'dir' },
        { name: 'b/.wh..wh..opq', body: '' },
        { name: 'b/new', body: 'n' },
        { name: '.wh.c', body: '' },
        { name: '.wh.d', body: '' },
        { name: '.wh..wh.plnk', type: 'dir' }, // aufs bookkeeping: skipped
      ]),
      up,
      { layer: 'upper' },
    );
    const wh = lstatSync(join(up, 'a/gone'));
    expect(wh.isCharacterDevice() && wh.rdev === 0).to.equal(true);
    expect(native().lgetxattr(join(up, 'b'), 'trusted.overlay.opaque')?.toString()).to.equal('y');
    expect(readdirSync(up).sort()).to.deep.equal(['a', 'b', 'c', 'd']);

    const before = mountsUnder(root);
    // A private mount namespace: the overlay exists only for this shell and vanishes with it.
    const out = execFileSync(
      'unshare',
      ['-m', '--propagation', 'private', 'sh', '-c', `mount -t overlay overlay -o lowerdir=${up}:${low} ${mnt} && cd ${mnt} && find . | sort`],
      { encoding: 'utf8' },
    );
    expect(out.trim().split('\n')).to.deep.equal(['.', './a', './a/keep', './b', './b/new']);
    expect(mountsUnder(root)).to.deep.equal(before);
    expect(readdirSync(mnt)).to.deep.equal([]);
  });

  it('a whiteout hides lower layers only, never content of its own layer', async () => {
    const low = fresh('low');
    const up = fresh('up');
    const mnt = fresh('mnt');
    await unpackLayer(
      await tarStream([
        { name: 'a/x', body: 'lower' },
        { name: 'b/old', body: 'old' },
        { name: 'e/old', body: 'old' },
        { name: 'f', body: 'lower f' },
      ]),
      low,
      { layer: 'lower' },
    );
    await unpackLayer(
      await tarStream([
        { name: 'a/x', body: 'upper' },
        { name: 'a/.wh.x', body: '' }, // after the file: the file stays
        { name: '.wh.b', body: '' },
        { name: 'b/c', body: 'c' }, // content under a whited-out dir: an opaque dir
        { name: '.wh.e', body: '' },
        { name: 'e', type: 'dir' }, // a dir entry over the whiteout: opaque too
        { name: '.wh.f', body: '' },
        { name: '.wh.f', body: '' }, // duplicate whiteout: harmless
      ]),
      up,
      { layer: 'upper' },
    );
    expect(readFileSync(join(up, 'a/x'), 'utf8')).to.equal('upper');
    expect(native().lgetxattr(join(up, 'b'), 'trusted.overlay.opaque')?.toString()).to.equal('y');
    expect(native().lgetxattr(join(up, 'e'), 'trusted.overlay.opaque')?.toString()).to.equal('y');
    const before = mountsUnder(root);
    const out = execFileSync(
      'unshare',
      ['-m', '--propagation', 'private', 'sh', '-c', `mount -t overlay overlay -o lowerdir=${up}:${low} ${mnt} && cd ${mnt} && find . | sort && cat a/x`],
      { encoding: 'utf8' },
    );
    expect(out.trim().split('\n')).to.deep.equal(['.', './a', './a/x', './b', './b/c', './e', 'upper']);
    expect(mountsUnder(root)).to.deep.equal(before);
  });
});
