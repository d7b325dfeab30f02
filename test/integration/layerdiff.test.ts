// writeLayerTar on real trees: a plain dir round-trips through unpack with the same bytes and
// metadata and the same digest every time; an overlayfs upperdir produced by a real overlay mount
// turns into OCI whiteouts that reproduce the same view when stacked again.
import { expect } from 'chai';
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import {
  chmodSync,
  chownSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { PassThrough, Readable, Writable } from 'stream';
import { writeLayerTar } from '../../src/images/layerdiff';
import { readTar, TarHeader } from '../../src/images/tar';
import { unpackLayer } from '../../src/images/unpack';
import { native } from '../../src/util/native';
import { removeTree } from '../../src/util/remove-tree';
import { mountsUnder } from '../helpers/leaks';

async function layerBytes(dir: string, opts?: Parameters<typeof writeLayerTar>[2]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const out = new Writable({
    highWaterMark: 16 * 1024,
    write(c: Buffer, _e, cb) {
      chunks.push(c);
      setImmediate(cb); // a slow consumer, so backpressure is exercised
    },
  });
  await writeLayerTar(dir, out, opts);
  return Buffer.concat(chunks);
}

async function entries(tar: Buffer): Promise<{ h: TarHeader; body: Buffer }[]> {
  const res: { h: TarHeader; body: Buffer }[] = [];
  for await (const { header, body } of readTar(Readable.from([tar]))) {
    const c: Buffer[] = [];
    for await (const b of body) c.push(b as Buffer);
    res.push({ h: header, body: Buffer.concat(c) });
  }
  return res;
}

/** type, mode, owner, mtime (seconds), size, content/target, xattrs of every path below dir. */
function describeTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const p = join(dir, r);
      const st = lstatSync(p);
      let what = '';
      if (st.isFile()) what = createHash('sha256').update(readFileSync(p)).digest('hex');
      else if (st.isSymbolicLink()) what = readlinkSync(p);
      else if (st.isCharacterDevice() || st.isBlockDevice()) what = String(st.rdev);
      const xattrs = native()
        .llistxattr(p)
        .sort()
        .map((x) => `${x}=${native().lgetxattr(p, x)?.toString('hex')}`)
        .join(',');
      const mtime = st.isDirectory() ? '' : Math.floor(st.mtimeMs / 1000); // dir mtimes are checked separately
      out.push(`${r} ${st.mode.toString(8)} ${st.uid}:${st.gid} ${mtime} ${st.nlink} ${what} ${xattrs}`);
      if (st.isDirectory()) walk(r);
    }
  };
  walk('');
  return out;
}

describe('layerdiff', function () {
  this.timeout(120000);
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'podrun-layerdiff-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('writes a dir as a sorted, reproducible layer that unpacks to the same tree', async () => {
    const src = join(root, 'src');
    for (const d of ['bin', 'etc', 'usr/lib', 'tmp', 'a-b', 'a']) mkdirSync(join(src, d), { recursive: true });
    writeFileSync(join(src, 'bin/tool'), Buffer.alloc(3 * 1024 * 1024 + 17, 0xab));
    chownSync(join(src, 'bin/tool'), 1000, 2000);
    chmodSync(join(src, 'bin/tool'), 0o4755); // after chown, which clears setuid
    linkSync(join(src, 'bin/tool'), join(src, 'usr/lib/tool-link'));
    symlinkSync('tool', join(src, 'bin/alias'));
    symlinkSync('/dangling/abs', join(src, 'etc/dangling'));
    writeFileSync(join(src, 'etc/hosts'), '127.0.0.1 container\n');
    writeFileSync(join(src, 'etc/hostname'), 'container\n');
    writeFileSync(join(src, 'etc/resolv.conf'), 'nameserver 1.1.1.1\n');
    writeFileSync(join(src, 'etc/os-release'), 'ID=podrun\n');
    writeFileSync(join(src, 'a/z'), '');
    writeFileSync(join(src, 'a-b/y'), 'y');
    native().lsetxattr(join(src, 'etc/os-release'), 'user.origin', Buffer.from('test'));
    native().mknod(join(src, 'etc/fifo'), 0o010600, 0);
    native().mknod(join(src, 'etc/null'), 0o020666, native().makedev(1, 3));
    chmodSync(join(src, 'tmp'), 0o1777);
    utimesSync(join(src, 'etc/os-release'), 1600000000.75, 1600000000.75);
    utimesSync(join(src, 'etc'), 1500000000, 1500000000);
    const exclude = ['/etc/hosts', '/etc/hostname', '/etc/resolv.conf'];

    const tar1 = await layerBytes(src, { exclude });
    const tar2 = await layerBytes(src, { exclude });
    const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(digest(tar1)).to.equal(digest(tar2));

    const got = await entries(tar1);
    const names = got.map((e) => e.h.name);
    expect(names).to.deep.equal([
      'a', 'a/z', 'a-b', 'a-b/y', 'bin', 'bin/alias', 'bin/tool',
      'etc', 'etc/dangling', 'etc/fifo', 'etc/null', 'etc/os-release',
      'tmp', 'usr', 'usr/lib', 'usr/lib/tool-link',
    ]);
    const byName = new Map(got.map((e) => [e.h.name, e]));
    expect(byName.get('bin/tool')!.h).to.include({ type: 'file', mode: 0o4755, uid: 1000, gid: 2000, size: 3 * 1024 * 1024 + 17 });
    expect(byName.get('bin/tool')!.body.equals(readFileSync(join(src, 'bin/tool')))).to.equal(true);
    expect(byName.get('usr/lib/tool-link')!.h).to.include({ type: 'hardlink', linkname: 'bin/tool' });
    expect(byName.get('etc/dangling')!.h).to.include({ type: 'symlink', linkname: '/dangling/abs' });
    expect(byName.get('etc/null')!.h).to.include({ type: 'char', devmajor: 1, devminor: 3 });
    expect(byName.get('etc/fifo')!.h.type).to.equal('fifo');
    expect(byName.get('etc/os-release')!.h.mtime).to.equal(1600000000); // whole seconds, as docker
    expect(byName.get('etc/os-release')!.h.xattrs['user.origin']?.toString()).to.equal('test');
    expect(byName.get('etc')!.h.mtime).to.equal(1500000000);

    // Unpacked again, it is the same tree (minus the excluded files).
    const back = join(root, 'back');
    mkdirSync(back);
    await unpackLayer(Readable.from([tar1]), back, { layer: 'roundtrip' });
    for (const p of exclude) rmSync(join(src, p));
    expect(describeTree(back)).to.deep.equal(describeTree(src));
    expect(lstatSync(join(back, 'etc')).mtimeMs).to.equal(1500000000000);
  });

  it('walks by fds: a symlink to a directory outside the tree is archived as itself and never followed; no fd is left open', async () => {
    const src = join(root, 'src');
    const outside = join(root, 'outside');
    mkdirSync(join(src, 'x', 'dir'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(outside, 'shadow'), 'host-secret\n');
    writeFileSync(join(src, 'x', 'dir', 'shadow'), 'own\n');
    symlinkSync(outside, join(src, 'x', 'link'));
    const fds = () => readdirSync('/proc/self/fd').length;
    const before = fds();
    const got = await entries(await layerBytes(src));
    expect(fds()).to.equal(before);
    expect(got.map((e) => [e.h.name, e.h.type, e.h.linkname])).to.deep.equal([
      ['x', 'dir', ''],
      ['x/dir', 'dir', ''],
      ['x/dir/shadow', 'file', ''],
      ['x/link', 'symlink', outside],
    ]);
    expect(got.some((e) => e.body.includes('host-secret'))).to.equal(false);
  });

  it('refuses a file name that is not UTF-8, naming the file, and closes what it opened', async () => {
    const src = join(root, 'src');
    mkdirSync(join(src, 'd'), { recursive: true });
    writeFileSync(Buffer.concat([Buffer.from(join(src, 'd', 'bad')), Buffer.from([0xff])]), 'x');
    const before = readdirSync('/proc/self/fd').length;
    const e = await layerBytes(src).then(
      () => undefined,
      (err: Error) => err,
    );
    expect(e?.message).to.match(/d\/bad.*: the file name is not valid UTF-8/);
    expect(readdirSync('/proc/self/fd').length).to.equal(before);
  });

  it('refuses a layer over its byte cap (a sparse file), a path longer than PATH_MAX and an xattr name a pax record cannot hold, naming each, with one fd per level', async () => {
    const src = join(root, 'src');
    mkdirSync(src);
    const fail = (opts?: Parameters<typeof writeLayerTar>[2]) =>
      layerBytes(src, opts).then(
        () => undefined,
        (err: Error) => err,
      );
    execFileSync('truncate', ['-s', '1T', join(src, 'sparse')]);
    expect((await fail({ maxBytes: 1024 ** 3 }))?.message).to.match(/sparse: the layer would hold more than 1073741824 bytes of files \(this one is 1099511627776, mostly holes\)/);
    rmSync(join(src, 'sparse'));
    // 1400 levels of `dd/`: 4200 bytes of path
    const cwd = process.cwd();
    try {
      process.chdir(src);
      for (let i = 0; i < 1400; i++) {
        mkdirSync('dd');
        process.chdir('dd');
      }
    } finally {
      process.chdir(cwd);
    }
    const before = readdirSync('/proc/self/fd').length;
    expect((await fail())?.message).to.match(/a path of 4\d{3} bytes, longer than a path may be/);
    expect(readdirSync('/proc/self/fd').length).to.equal(before);
    removeTree(join(src, 'dd'));
    writeFileSync(join(src, 'x'), 'x');
    native().lsetxattr(join(src, 'x'), 'user.a=b', Buffer.from('v'));
    expect((await fail())?.message).to.match(/an extended attribute named "user.a=b" cannot be written/);
  });

  it('refuses a file whose name would read as a whiteout', async () => {
    const src = join(root, 'src');
    mkdirSync(src);
    writeFileSync(join(src, '.wh.sneaky'), '');
    const e = await layerBytes(src).then(
      () => undefined,
      (err: Error) => err,
    );
    expect(e?.message).to.match(/\.wh\.sneaky would read as a whiteout/);
  });

  it('translates a real overlay upperdir into .wh. entries and an opaque marker', async () => {
    const lower = join(root, 'lower');
    const upper = join(root, 'upper');
    const work = join(root, 'work');
    const mnt = join(root, 'mnt');
    for (const d of [lower, upper, work, mnt]) mkdirSync(d);
    const lowerSrc = join(root, 'lower-src');
    for (const d of ['a', 'b/sub', 'd', 'etc']) mkdirSync(join(lowerSrc, d), { recursive: true });
    for (const f of ['a/keep', 'a/gone', 'b/x', 'b/sub/y', 'c', 'd/f', 'etc/passwd']) writeFileSync(join(lowerSrc, f), f);
    // The lower layer goes through our own tar + unpack, as a pulled image would.
    await unpackLayer(Readable.from([await layerBytes(lowerSrc)]), lower, { layer: 'lower' });

    const before = mountsUnder(root);
    const script = [
      `mount -t overlay overlay -o lowerdir=${lower},upperdir=${upper},workdir=${work} ${mnt}`,
      `cd ${mnt}`,
      'rm a/gone c',
      'echo changed > a/keep',
      'rm -r b && mkdir b && echo n > b/new',
      'rm -r d',
      'echo 127.0.0.1 me > etc/hosts',
      'echo new > fresh',
    ].join(' && ');
    execFileSync('unshare', ['-m', '--propagation', 'private', 'sh', '-ec', script]);
    expect(mountsUnder(root)).to.deep.equal(before);

    const tar = await layerBytes(upper, { overlayUpper: true, exclude: ['/etc/hosts'] });
    const got = await entries(tar);
    const names = got.map((e) => e.h.name);
    // Sorted by the names in the upperdir, so a whiteout sits where the file it hides would.
    expect(names).to.deep.equal(['a', 'a/.wh.gone', 'a/keep', 'b', 'b/.wh..wh..opq', 'b/new', '.wh.c', '.wh.d', 'etc', 'fresh']);
    for (const e of got) expect(Object.keys(e.h.xattrs).filter((x) => x.startsWith('trusted.overlay.'))).to.deep.equal([]);
    expect(got.find((e) => e.h.name === 'a/.wh.gone')!.h).to.include({ type: 'file', size: 0 });
    expect(got.find((e) => e.h.name === 'a/keep')!.body.toString()).to.equal('changed\n');

    // Stacking the diff on the lower layer again gives the same view the container saw.
    const diff = join(root, 'diff');
    mkdirSync(diff);
    await unpackLayer(Readable.from([tar]), diff, { layer: 'diff' });
    const view = execFileSync(
      'unshare',
      ['-m', '--propagation', 'private', 'sh', '-ec', `mount -t overlay overlay -o lowerdir=${diff}:${lower} ${mnt} && cd ${mnt} && find . | sort`],
      { encoding: 'utf8' },
    );
    expect(view.trim().split('\n')).to.deep.equal(['.', './a', './a/keep', './b', './b/new', './etc', './etc/passwd', './fresh']);
    expect(mountsUnder(root)).to.deep.equal(before);
  });

  it('ends the output stream and honours backpressure on a pipe', async () => {
    const src = join(root, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'f'), Buffer.alloc(1024 * 1024, 1));
    const pipe = new PassThrough({ highWaterMark: 1024 });
    const writing = writeLayerTar(src, pipe);
    const got = await entries(Buffer.concat(await pipe.toArray()));
    await writing;
    expect(got.map((e) => [e.h.name, e.body.length])).to.deep.equal([['f', 1024 * 1024]]);
  });
});
