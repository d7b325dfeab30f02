// podrun cp's extraction of a container's tar on the host (runtime/copy-extract.ts), with archives
// a hostile container could write: names outside DEST, symlinks to host files and files "below"
// them, hard links to host files, devices; and a DEST whose names were swapped for symlinks,
// FIFOs and devices before the copy. Nothing may be written outside DEST, nothing through a link.
import { expect } from 'chai';
import { execFileSync } from 'child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Readable } from 'stream';
import { hdr, pack as packBytes } from '../helpers/tar-pack';
import { CorruptCopyError, extractCopy, nameProblem, relativeToPrefix } from '../../src/runtime/copy-extract';
import { PodrunError } from '../../src/util/errors';
import { parseFileSpec, remotePrefix } from '../../src/cli/verbs/cp';

const file = (name: string, text: string, mode = 0o644) => ({ h: hdr(name, { size: Buffer.byteLength(text), mode }), body: Buffer.from(text) });

const tar = async (entries: Parameters<typeof packBytes>[0]): Promise<Readable> => Readable.from([await packBytes(entries)]);

describe('podrun cp: file specs and prefixes (kubectl cp\'s rules)', () => {
  const specs: [string, unknown][] = [
    ['./local/file', { local: true, path: './local/file' }],
    ['dev:/tmp/x', { local: false, pod: 'dev', path: '/tmp/x' }],
    ['team/dev:/tmp/x', { local: false, namespace: 'team', pod: 'dev', path: '/tmp/x' }],
    ['dev:', { local: false, pod: 'dev', path: '' }],
  ];
  for (const [arg, want] of specs) it(`${arg}`, () => expect(parseFileSpec(arg)).to.deep.equal(want));
  for (const bad of [':x', 'a/b/c:x', '/dev:x']) it(`${bad} is refused with kubectl's message`, () => expect(() => parseFileSpec(bad)).to.throw('filespec must match the canonical format'));

  const prefixes: [string, string][] = [
    ['/tmp/foo', 'tmp/foo'],
    ['/tmp/foo/', 'tmp/foo'],
    ['tmp//foo/./bar', 'tmp/foo/bar'],
    ['/../../etc', 'etc'],
    ['./x', 'x'],
    ['/', ''],
  ];
  for (const [p, want] of prefixes) it(`remote ${p} -> archive prefix ${JSON.stringify(want)}`, () => expect(remotePrefix(p)).to.equal(want));
  it('a name belongs to the prefix only as itself or below it (tmp/foobar is not under tmp/foo)', () => {
    expect(relativeToPrefix('tmp/foo', 'tmp/foo')).to.equal('');
    expect(relativeToPrefix('tmp/foo/a/b', 'tmp/foo')).to.equal('a/b');
    expect(relativeToPrefix('tmp/foobar', 'tmp/foo')).to.equal(undefined);
    expect(relativeToPrefix('etc/x', '')).to.equal('etc/x');
  });
});

describe('podrun cp: extracting a container\'s tar on the host', () => {
  let dir = '';
  let warnings: string[] = [];
  const warn = (m: string) => warnings.push(m);
  let umaskWas = 0;
  before(() => (umaskWas = process.umask(0o022)));
  after(() => process.umask(umaskWas));
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'podrun-cp-unit-'));
    warnings = [];
    mkdirSync(join(dir, 'victim'));
    writeFileSync(join(dir, 'victim', 'secret'), 'host data\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const victimUntouched = () => {
    expect(readdirSync(join(dir, 'victim'))).to.deep.equal(['secret']);
    expect(readFileSync(join(dir, 'victim', 'secret'), 'utf8')).to.equal('host data\n');
  };

  it('a tree: directories, files with their permission bits (no setuid/setgid/sticky, under the umask), hard links within the copy', async () => {
    const archive = await tar([
      { h: hdr('data', { type: 'dir', mode: 0o750 }) },
      file('data/a.txt', 'hi\n', 0o4751),
      { h: hdr('data/sub', { type: 'dir', mode: 0o1777 }) },
      file('data/sub/b', 'deep\n', 0o600),
      { h: hdr('data/hard', { type: 'hardlink', linkname: 'data/a.txt' }) },
    ]);
    const r = await extractCopy(archive, { prefix: 'data', dest: join(dir, 'out'), warn });
    expect(r).to.deep.equal({ files: 3, dirs: 2, skipped: 0 });
    expect(statSync(join(dir, 'out')).mode & 0o7777).to.equal(0o750);
    expect(statSync(join(dir, 'out', 'sub')).mode & 0o7777).to.equal(0o755); // 01777 from the archive, under umask 022
    expect(statSync(join(dir, 'out', 'a.txt')).mode & 0o7777).to.equal(0o751);
    expect(readFileSync(join(dir, 'out', 'sub', 'b'), 'utf8')).to.equal('deep\n');
    expect(statSync(join(dir, 'out', 'hard')).ino).to.equal(statSync(join(dir, 'out', 'a.txt')).ino);
    expect(warnings).to.deep.equal([]);
    // no temporary names left behind
    expect(readdirSync(join(dir, 'out')).sort()).to.deep.equal(['a.txt', 'hard', 'sub']);
  });

  it('names outside DEST are skipped with kubectl\'s warning; a symlink is skipped, and a file "below" it lands in a real directory', async () => {
    const archive = await tar([
      { h: hdr('data', { type: 'dir' }) },
      file('data/../../victim/secret', 'overwritten'),
      file('data/x/../../../victim/new', 'planted'),
      { h: hdr('data/link', { type: 'symlink', linkname: join(dir, 'victim') }) },
      file('data/link/secret', 'through the link'),
      { h: hdr('data/hard', { type: 'hardlink', linkname: 'data/../../victim/secret' }) },
    ]);
    const r = await extractCopy(archive, { prefix: 'data', dest: join(dir, 'out'), warn, symlinkHint: 'consider using tar' });
    victimUntouched();
    expect(lstatSync(join(dir, 'out', 'link')).isDirectory()).to.equal(true);
    expect(readFileSync(join(dir, 'out', 'link', 'secret'), 'utf8')).to.equal('through the link');
    expect(r.skipped).to.equal(4);
    expect(warnings[0]).to.match(/^warning: file ".*\/out\/\.\.\/\.\.\/victim\/secret" is outside target destination, skipping$/);
    expect(warnings[2]).to.equal(`warning: skipping symlink: "${join(dir, 'out', 'link')}" -> "${join(dir, 'victim')}" (consider using tar)`);
    expect(warnings[3]).to.include('skipping hard link');
  });

  it('a hard link to a host file the archive did not write is skipped (an absolute or outside name never becomes a link)', async () => {
    const archive = await tar([{ h: hdr('data', { type: 'dir' }) }, { h: hdr('data/h', { type: 'hardlink', linkname: 'data/../victim/secret' }) }, { h: hdr('data/h2', { type: 'hardlink', linkname: 'data/nothere' }) }]);
    await extractCopy(archive, { prefix: 'data', dest: join(dir, 'out'), warn });
    expect(existsSync(join(dir, 'out', 'h'))).to.equal(false);
    expect(existsSync(join(dir, 'out', 'h2'))).to.equal(false);
    expect(warnings).to.have.length(2);
  });

  it('a name outside the source\'s prefix: "tar contents corrupted", as kubectl', async () => {
    const archive = await tar([{ h: hdr('data', { type: 'dir' }) }, file('etc/shadow', 'x')]);
    let err: unknown;
    await extractCopy(archive, { prefix: 'data', dest: join(dir, 'out'), warn }).catch((e) => (err = e));
    expect(err).to.be.instanceOf(CorruptCopyError);
    expect((err as Error).message).to.equal('tar contents corrupted: "etc/shadow" is not under "data"');
    expect(existsSync(join(dir, 'etc'))).to.equal(false);
  });

  it('devices and FIFOs are skipped', async () => {
    const archive = await tar([{ h: hdr('data', { type: 'dir' }) }, { h: hdr('data/sda', { type: 'block', devmajor: 8, devminor: 0 }) }, { h: hdr('data/p', { type: 'fifo' }) }]);
    await extractCopy(archive, { prefix: 'data', dest: join(dir, 'out'), warn });
    expect(readdirSync(join(dir, 'out'))).to.deep.equal([]);
    expect(warnings).to.deep.equal([`warning: skipping device "${join(dir, 'out', 'sda')}": podrun cp copies files and directories`, `warning: skipping FIFO "${join(dir, 'out', 'p')}": podrun cp copies files and directories`]);
  });

  it('DEST holding a symlink (planted by a container sharing it): refused, nothing written through it', async () => {
    mkdirSync(join(dir, 'out'));
    symlinkSync(join(dir, 'victim'), join(dir, 'out', 'sub'));
    const archive = await tar([{ h: hdr('data', { type: 'dir' }) }, { h: hdr('data/sub', { type: 'dir' }) }, file('data/sub/secret', 'overwritten')]);
    let err: unknown;
    await extractCopy(archive, { prefix: 'data', dest: join(dir, 'out'), warn }).catch((e) => (err = e));
    expect((err as Error).message).to.equal(`${join(dir, 'out', 'sub')} is a symbolic link: podrun cp does not write through symlinks`);
    victimUntouched();
  });

  it('a file over a symlink, a FIFO or another file at its name replaces the name; the link\'s target and the FIFO are never opened', async () => {
    mkdirSync(join(dir, 'out'));
    symlinkSync(join(dir, 'victim', 'secret'), join(dir, 'out', 'a'));
    execFileSync('mkfifo', [join(dir, 'out', 'p')]); // opened for writing, it would block the copy for ever
    writeFileSync(join(dir, 'out', 'old'), 'old');
    const archive = await tar([{ h: hdr('data', { type: 'dir' }) }, file('data/a', 'A'), file('data/p', 'P'), file('data/old', 'new')]);
    await extractCopy(archive, { prefix: 'data', dest: join(dir, 'out'), warn });
    victimUntouched();
    for (const [n, want] of [['a', 'A'], ['p', 'P'], ['old', 'new']]) {
      expect(lstatSync(join(dir, 'out', n)).isFile(), n).to.equal(true);
      expect(readFileSync(join(dir, 'out', n), 'utf8')).to.equal(want);
    }
  });

  it('a file to an existing directory goes in it under its own name; a directory is merged into it (kubectl)', async () => {
    mkdirSync(join(dir, 'out'));
    writeFileSync(join(dir, 'out', 'kept'), 'mine');
    await extractCopy(await tar([file('etc/hosts', 'h')]), { prefix: 'etc/hosts', dest: join(dir, 'out'), warn, intoDirAs: 'hosts' });
    expect(readFileSync(join(dir, 'out', 'hosts'), 'utf8')).to.equal('h');
    await extractCopy(await tar([{ h: hdr('etc', { type: 'dir', mode: 0o700 }) }, file('etc/passwd', 'p')]), { prefix: 'etc', dest: join(dir, 'out'), warn, intoDirAs: 'etc' });
    expect(readdirSync(join(dir, 'out')).sort()).to.deep.equal(['hosts', 'kept', 'passwd']);
    expect(statSync(join(dir, 'out')).mode & 0o777).to.not.equal(0o700); // an existing directory keeps its mode
  });

  it("DEST's missing parents are made, as kubectl's MkdirAll", async () => {
    await extractCopy(await tar([file('f', 'x')]), { prefix: 'f', dest: join(dir, 'a', 'b', 'f'), warn });
    expect(readFileSync(join(dir, 'a', 'b', 'f'), 'utf8')).to.equal('x');
  });
});

describe('podrun cp: what a hostile archive or destination cannot do (review 56)', () => {
  let dir = '';
  let warnings: string[] = [];
  const warn = (m: string) => warnings.push(m);
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'podrun-cp-unit2-'));
    warnings = [];
    mkdirSync(join(dir, 'victim'));
    writeFileSync(join(dir, 'victim', 'secret'), 'host data\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const refused = async (entries: Parameters<typeof packBytes>[0], dest = join(dir, 'out')) => {
    let err: unknown;
    await extractCopy(await tar(entries), { prefix: 'data', dest, warn }).catch((e) => (err = e));
    return err as Error & { hint?: string };
  };

  it('names no file system takes are refused as the archive\'s fault, not a stack trace: a NUL, a component over 255 bytes, over 4095 bytes, over 1024 levels', async () => {
    expect(nameProblem('data/a\0b')).to.equal('has a NUL byte'); // (podrun's own tar writer cannot write one; a pax record can)
    expect(nameProblem(`data/${'x'.repeat(255)}`)).to.equal(undefined);
    const cases: [string, string][] = [
      [`data/${'x'.repeat(256)}`, 'has a component longer than a name may be (255 bytes)'],
      [`data/${'d/'.repeat(2100)}f`, 'is longer than a path may be (4095 bytes)'],
      [`data/${'d/'.repeat(1030)}f`, 'is more than 1024 directories deep'],
    ];
    for (const [name, why] of cases) {
      const err = await refused([{ h: hdr('data', { type: 'dir' }) }, file(name, 'x')]);
      expect(err, name.slice(0, 20)).to.be.instanceOf(PodrunError);
      expect(err.message).to.match(/^tar contents refused: the name ".*"(\.\.\.)? /);
      expect(err.message).to.include(why);
    }
  });

  it('a legal 255-byte name (85 CJK characters) is written: the temporary name does not grow with it', async () => {
    const name = '漢'.repeat(85);
    expect(Buffer.byteLength(name)).to.equal(255);
    await extractCopy(await tar([{ h: hdr('data', { type: 'dir' }) }, file(`data/${name}`, 'ok')]), { prefix: 'data', dest: join(dir, 'out'), warn });
    expect(readFileSync(join(dir, 'out', name), 'utf8')).to.equal('ok');
  });

  it('a file system error on the way (a directory removed meanwhile) is a message about that entry', async () => {
    const err = await refused([{ h: hdr('data', { type: 'dir' }) }, file('data/f', 'x')], join(dir, 'victim', 'secret', 'out'));
    expect(err).to.be.instanceOf(PodrunError);
    expect(err.message).to.equal(`${join(dir, 'victim', 'secret')} is not a directory`);
  });

  it('the archive ends at its end blocks: what a container writes after them is never read (a copy cannot be held open)', async () => {
    const archive = await packBytes([{ h: hdr('data', { type: 'dir' }) }, file('data/f', 'x')]);
    let pulled = 0;
    const endless = Readable.from(
      (async function* () {
        yield archive;
        for (;;) {
          pulled++;
          yield Buffer.alloc(65536, 1); // never ends
        }
      })(),
    );
    await extractCopy(endless, { prefix: 'data', dest: join(dir, 'out'), warn });
    endless.destroy();
    expect(readFileSync(join(dir, 'out', 'f'), 'utf8')).to.equal('x');
    expect(pulled).to.be.below(4);
  });

  it('a hard link to a file of the copy that was swapped for a symlink meanwhile is not made (checked by inode, not by name)', async () => {
    const first = await packBytes([{ h: hdr('data', { type: 'dir' }) }, file('data/a', 'mine')]);
    const rest = (await packBytes([{ h: hdr('data/b', { type: 'hardlink', linkname: 'data/a' }) }])).subarray(0);
    // the swap happens between the entries, as a container sharing DEST could do it
    const swapping = Readable.from(
      (async function* () {
        yield first.subarray(0, first.length - 1024); // without the end blocks
        for (let i = 0; i < 200 && !existsSync(join(dir, 'out', 'a')); i++) await new Promise((r) => setTimeout(r, 10));
        rmSync(join(dir, 'out', 'a'));
        symlinkSync(join(dir, 'victim', 'secret'), join(dir, 'out', 'a'));
        yield rest;
      })(),
    );
    await extractCopy(swapping, { prefix: 'data', dest: join(dir, 'out'), warn });
    expect(existsSync(join(dir, 'out', 'b'))).to.equal(false);
    expect(warnings.join('\n')).to.include('skipping hard link');
  });

  it("DEST's parents: the user's own symlinks are followed; one inside a directory a container can write is refused", async () => {
    const shared = join(dir, 'shared');
    mkdirSync(shared);
    symlinkSync(join(dir, 'victim'), join(shared, 'snap')); // as a container would plant it
    symlinkSync(shared, join(dir, 'mylink')); // the user's own
    const roots = new Map([[`${statSync(shared).dev}:${statSync(shared).ino}`, 'volume "src" of pod default/dev']]);
    let err: unknown;
    await extractCopy(await tar([{ h: hdr('data', { type: 'dir' }) }, file('data/evil.conf', 'owned')]), { prefix: 'data', dest: join(dir, 'mylink', 'snap', 'etc'), roots, warn }).catch((e) => (err = e));
    expect((err as Error).message).to.equal(`${shared}/snap is a symbolic link inside volume "src" of pod default/dev: podrun cp does not follow it (a container may have made it)`);
    expect(readdirSync(join(dir, 'victim'))).to.deep.equal(['secret']);
    // through the user's link, to a real directory inside the volume: fine
    await extractCopy(await tar([{ h: hdr('data', { type: 'dir' }) }, file('data/ok', 'ok')]), { prefix: 'data', dest: join(dir, 'mylink', 'out'), roots, warn });
    expect(readFileSync(join(shared, 'out', 'ok'), 'utf8')).to.equal('ok');
  });

  it("DEST as the user's own symlink to a directory: a file goes in it, a tree merges into it (cp(1)'s and kubectl's)", async () => {
    mkdirSync(join(dir, 'real'));
    symlinkSync(join(dir, 'real'), join(dir, 'link'));
    await extractCopy(await tar([file('etc/hosts', 'h')]), { prefix: 'etc/hosts', dest: join(dir, 'link'), warn, intoDirAs: 'hosts' });
    expect(lstatSync(join(dir, 'link')).isSymbolicLink()).to.equal(true);
    expect(readFileSync(join(dir, 'real', 'hosts'), 'utf8')).to.equal('h');
    await extractCopy(await tar([{ h: hdr('etc', { type: 'dir' }) }, file('etc/passwd', 'p')]), { prefix: 'etc', dest: join(dir, 'link'), warn });
    expect(readdirSync(join(dir, 'real')).sort()).to.deep.equal(['hosts', 'passwd']);
  });
});
