import { expect } from 'chai';
import { execFileSync } from 'child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, symlinkSync, linkSync, utimesSync, createReadStream } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { PassThrough, Readable } from 'stream';
import { createTarWriter, encodeHeader, readTar, TarFormatError, TarHeader } from '../../src/images/tar';
import { hdr, pack } from '../helpers/tar-pack';


async function unpackAll(input: Buffer | NodeJS.ReadableStream): Promise<{ h: TarHeader; body: Buffer }[]> {
  const res: { h: TarHeader; body: Buffer }[] = [];
  const stream = Buffer.isBuffer(input) ? Readable.from([input]) : input;
  for await (const { header, body } of readTar(stream)) {
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(c as Buffer);
    res.push({ h: header, body: Buffer.concat(chunks) });
  }
  return res;
}

/** Feeds the archive in small odd-sized chunks, to exercise header/body boundaries. */
function dribble(buf: Buffer, size = 97): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) parts.push(buf.subarray(i, i + size));
  return Readable.from(parts);
}

describe('tar reader/writer', () => {
  it('round-trips every entry type and field, including pax-only ones', async () => {
    const long100 = `${'d'.repeat(60)}/${'f'.repeat(70)}`; // fits ustar via prefix
    const long300 = `${'a'.repeat(120)}/${'b'.repeat(120)}/${'c'.repeat(70)}`; // needs pax
    const bigName = 'x'.repeat(180); // single component > 100: pax
    const uni = 'données/ünïcödé-日本語.txt';
    const entries: { h: TarHeader; body?: Buffer }[] = [
      { h: hdr('dir', { type: 'dir', mode: 0o1777 }) },
      { h: hdr('dir/file', { size: 5, mode: 0o4755, uid: 1000, gid: 1001, uname: 'u', gname: 'g' }), body: Buffer.from('hello') },
      { h: hdr(long100, { size: 1, mtime: 1700000000.5 }), body: Buffer.from('1') },
      { h: hdr(long300, { size: 3 }), body: Buffer.from('300') },
      { h: hdr(bigName) },
      { h: hdr(uni, { size: 4 }), body: Buffer.from('utf8') },
      { h: hdr('bigid', { uid: 4_000_000_000, gid: 3_000_000 }) },
      { h: hdr('frac', { mtime: 1700000000.123456789 }) },
      { h: hdr('old', { mtime: -5 }) },
      { h: hdr('xattr', { xattrs: { 'user.comment': Buffer.from('hi'), 'security.capability': Buffer.from([1, 0, 0, 2, 0x20, 0, 0, 0]) } }) },
      { h: hdr('hard', { type: 'hardlink', linkname: 'dir/file' }) },
      { h: hdr('sym', { type: 'symlink', linkname: '../../etc/passwd' }) },
      { h: hdr('longsym', { type: 'symlink', linkname: `/${'t'.repeat(200)}` }) },
      { h: hdr('unisym', { type: 'symlink', linkname: 'ziel-ü' }) },
      { h: hdr('fifo', { type: 'fifo', mode: 0o600 }) },
      { h: hdr('null', { type: 'char', mode: 0o666, devmajor: 1, devminor: 3 }) },
      { h: hdr('sda', { type: 'block', mode: 0o660, devmajor: 8, devminor: 1048575 }) },
      { h: hdr('longuser', { uname: 'n'.repeat(40), gname: 'grüppe' }) },
    ];
    const buf = await pack(entries);
    expect(buf.length % 512).to.equal(0);
    for (const input of [Readable.from([buf]), dribble(buf), dribble(buf, 512), dribble(buf, 4096)]) {
      const got = await unpackAll(input);
      expect(got.map((g) => g.h.name)).to.deep.equal(entries.map((e) => e.h.name));
      for (let i = 0; i < entries.length; i++) {
        const want = { uname: undefined, gname: undefined, ...entries[i].h };
        const h = got[i].h;
        expect({ ...h, uname: h.uname, gname: h.gname }, want.name).to.deep.equal({ ...want, uname: want.uname || undefined, gname: want.gname || undefined });
        expect(got[i].body.toString()).to.equal((entries[i].body ?? Buffer.alloc(0)).toString());
      }
    }
  });

  it('streams a large body without buffering it', async function () {
    this.timeout(120000);
    const size = 256 * 1024 * 1024;
    const chunk = Buffer.alloc(1024 * 1024, 7);
    const src = Readable.from(
      (function* () {
        for (let i = 0; i < size / chunk.length; i++) yield chunk;
      })(),
    );
    const pipe = new PassThrough({ highWaterMark: 64 * 1024 });
    const w = createTarWriter(pipe);
    const writing = (async () => {
      await w.add(hdr('big', { size }), src);
      await w.add(hdr('after', { size: 2 }), Buffer.from('ok'));
      await w.finish();
    })();
    const before = process.memoryUsage().rss;
    let peak = before;
    let seen = 0;
    const names: string[] = [];
    for await (const { header, body } of readTar(pipe)) {
      names.push(header.name);
      for await (const c of body) {
        seen += (c as Buffer).length;
        peak = Math.max(peak, process.memoryUsage().rss);
      }
    }
    await writing;
    expect(names).to.deep.equal(['big', 'after']);
    expect(seen).to.equal(size + 2);
    expect(peak - before, 'RSS growth while streaming 256 MiB').to.be.below(96 * 1024 * 1024);
  });

  it('skips bodies the consumer did not read', async () => {
    const buf = await pack([
      { h: hdr('a', { size: 70000 }), body: Buffer.alloc(70000, 1) },
      { h: hdr('b', { size: 3 }), body: Buffer.from('bbb') },
      { h: hdr('c', { size: 1000 }), body: Buffer.alloc(1000, 2) },
    ]);
    const names: string[] = [];
    let bBody = '';
    for await (const { header, body } of readTar(dribble(buf, 333))) {
      names.push(header.name);
      if (header.name === 'b') for await (const c of body) bBody += c.toString();
      else if (header.name === 'c') body.resume();
    }
    expect(names).to.deep.equal(['a', 'b', 'c']);
    expect(bBody).to.equal('bbb');
  });

  it('rejects a corrupt header checksum with the offset', async () => {
    const buf = await pack([
      { h: hdr('a', { size: 3 }), body: Buffer.from('aaa') },
      { h: hdr('b', { size: 3 }), body: Buffer.from('bbb') },
    ]);
    buf[1024 + 10] ^= 0x55; // inside the second header's name
    try {
      await unpackAll(buf);
      expect.fail('should have thrown');
    } catch (e) {
      expect(e).to.be.instanceOf(TarFormatError);
      expect((e as Error).message).to.match(/bad header checksum at offset 1024/);
    }
  });

  it('rejects input that is not a tar at all', async () => {
    const e = await unpackAll(Buffer.alloc(1024, 'x')).then(
      () => undefined,
      (err: Error) => err,
    );
    expect(e?.message).to.match(/checksum.*not a tar/);
  });

  it('rejects a truncated archive (mid body and mid header)', async () => {
    const buf = await pack([{ h: hdr('file', { size: 2000 }), body: Buffer.alloc(2000, 1) }]);
    for (const cut of [512 + 1000, 300]) {
      const e = await unpackAll(buf.subarray(0, cut)).then(
        () => undefined,
        (err: Error) => err,
      );
      expect(e, `cut at ${cut}`).to.be.instanceOf(TarFormatError);
      expect(e!.message).to.match(/truncated archive/);
    }
  });

  it('reads pax xattrs in SCHILY and LIBARCHIVE form, skips global headers, honours GNU L/K', async () => {
    const paxBlock = (flag: string, data: Buffer): Buffer => {
      const h = encodeHeader(hdr('PaxHeaders/x', { size: data.length }));
      h.write(flag, 156, 1, 'latin1');
      h.fill(0x20, 148, 156);
      let sum = 0;
      for (const b of h) sum += b;
      h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
      const pad = Buffer.alloc((512 - (data.length % 512)) % 512);
      return Buffer.concat([h, data, pad]);
    };
    const rec = (k: string, v: string) => {
      const body = ` ${k}=${v}\n`;
      let len = body.length + 1;
      while (String(len).length + body.length !== len) len = String(len).length + body.length;
      return `${len}${body}`;
    };
    const longName = `gnu/${'n'.repeat(300)}`;
    const longLink = `target/${'l'.repeat(300)}`;
    const buf = Buffer.concat([
      paxBlock('g', Buffer.from(rec('comment', 'global, ignored'))),
      paxBlock('x', Buffer.from(rec('LIBARCHIVE.xattr.user.a%3Db', Buffer.from('v\0al').toString('base64')) + rec('mtime', '12.75'))),
      encodeHeader(hdr('short')),
      paxBlock('L', Buffer.from(`${longName}\0`)),
      paxBlock('K', Buffer.from(`${longLink}\0`)),
      encodeHeader(hdr('ignored', { type: 'symlink', linkname: 'ignored' })),
      Buffer.alloc(1024),
    ]);
    const got = await unpackAll(buf);
    expect(got.map((g) => g.h.name)).to.deep.equal(['short', longName]);
    expect(got[0].h.xattrs['user.a=b'].toString()).to.equal('v\0al');
    expect(got[0].h.mtime).to.equal(12.75);
    expect(got[1].h.linkname).to.equal(longLink);
    expect(got[1].h.type).to.equal('symlink');
  });

  it('caps the extended headers buffered in front of one entry', async () => {
    const withBigXattr = (key: string) => encodeHeader(hdr('f', { xattrs: { [key]: Buffer.alloc(600 * 1024, 1) } }));
    const paxOnly = (b: Buffer) => b.subarray(0, b.length - 512); // drop the ustar block
    const one = await unpackAll(Buffer.concat([withBigXattr('user.a'), Buffer.alloc(1024)]));
    expect(one[0].h.xattrs['user.a'].length).to.equal(600 * 1024);
    const two = Buffer.concat([paxOnly(withBigXattr('user.a')), withBigXattr('user.b'), Buffer.alloc(1024)]);
    const e = await unpackAll(two).then(
      () => undefined,
      (err: Error) => err,
    );
    expect(e).to.be.instanceOf(TarFormatError);
    expect(e!.message).to.match(/extended headers of \d+ bytes .* exceed the 1048576-byte cap/);
  });

  it('interoperates with GNU tar in both directions', async function () {
    const tmp = mkdtempSync(join(tmpdir(), 'podrun-tar-'));
    try {
      const src = join(tmp, 'src');
      const deep = join(src, 'a'.repeat(120), 'b'.repeat(150));
      mkdirSync(deep, { recursive: true });
      writeFileSync(join(deep, 'ü'.repeat(60)), 'x'.repeat(70000));
      writeFileSync(join(src, 'f'), 'hi');
      linkSync(join(src, 'f'), join(src, 'h'));
      symlinkSync('/etc/passwd', join(src, 's'));
      utimesSync(join(src, 'f'), 1700000000, 1700000000);
      const seen: Record<string, string[]> = {};
      for (const fmt of ['gnu', 'posix']) {
        const file = join(tmp, `${fmt}.tar`);
        execFileSync('tar', [`--format=${fmt}`, '--sort=name', '-C', src, '-cf', file, '.']);
        const got = await unpackAll(createReadStream(file));
        seen[fmt] = got.map((g) => `${g.h.type}:${g.h.name}:${g.h.size}:${g.h.linkname}`);
        const big = got.find((g) => g.h.name.endsWith('ü'.repeat(60)));
        expect(big?.body.length, fmt).to.equal(70000);
        expect(got.find((g) => g.h.name === './f')?.h.mtime).to.equal(1700000000);
      }
      expect(seen.gnu).to.deep.equal(seen.posix);
      expect(seen.gnu).to.include('symlink:./s:0:/etc/passwd');
      expect(seen.gnu).to.include('hardlink:./h:0:./f');

      // Our output, listed and extracted by GNU tar.
      const ours = await pack([
        { h: hdr(`${'p'.repeat(150)}/${'q'.repeat(150)}`, { size: 2, uid: 3_000_000 }), body: Buffer.from('ok') },
        { h: hdr('uni-ö', { mtime: 1700000000.25 }) },
      ]);
      const file = join(tmp, 'ours.tar');
      writeFileSync(file, ours);
      const listing = execFileSync('tar', ['--numeric-owner', '-tvf', file], { encoding: 'utf8' });
      expect(listing).to.contain('3000000/0');
      expect(listing).to.contain('q'.repeat(150));
      expect(listing).to.contain('uni-ö');
      const out = join(tmp, 'out');
      mkdirSync(out);
      execFileSync('tar', ['-xf', file, '-C', out]);
      expect(execFileSync('cat', [join(out, 'p'.repeat(150), 'q'.repeat(150))], { encoding: 'utf8' })).to.equal('ok');
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('writer refuses a body whose length differs from the header', async () => {
    // A Buffer body is checked before anything is written: the archive stays usable.
    const chunks: Buffer[] = [];
    const ok = new PassThrough();
    ok.on('data', (c: Buffer) => chunks.push(c));
    const w0 = createTarWriter(ok);
    const e0 = await w0.add(hdr('y', { size: 1 }), Buffer.from('long')).then(
      () => undefined,
      (err: Error) => err,
    );
    expect(e0?.message).to.match(/"y" is longer than its header size 1/);
    await w0.add(hdr('z', { size: 1 }), Buffer.from('z'));
    await w0.finish();
    const names: string[] = [];
    for await (const { header, body } of readTar(Readable.from([Buffer.concat(chunks)]))) {
      names.push(header.name);
      body.resume();
    }
    expect(names).to.deep.equal(['z']);

    // A stream body found short after its header went out: the output fails too, so a reader
    // of the pipe sees an error instead of waiting forever.
    const out = new PassThrough();
    const reading = (async () => {
      for await (const { body } of readTar(out)) body.resume();
    })();
    const w = createTarWriter(out);
    const e = await w.add(hdr('x', { size: 10 }), Readable.from([Buffer.from('short')])).then(
      () => undefined,
      (err: Error) => err,
    );
    expect(e?.message).to.match(/"x" is shorter than its header size 10/);
    const readErr = await reading.then(
      () => undefined,
      (err: Error) => err,
    );
    expect(readErr?.message).to.match(/shorter/);
    const e2 = await w.add(hdr('later'), Buffer.alloc(0)).then(
      () => undefined,
      (err: Error) => err,
    );
    expect(e2).to.equal(e);
  });

  it('writer uses plain ustar when everything fits (no pax header)', () => {
    expect(encodeHeader(hdr('bin/sh', { type: 'symlink', linkname: 'busybox' })).length).to.equal(512);
    expect(encodeHeader(hdr(`${'d'.repeat(100)}/${'f'.repeat(100)}`)).length).to.equal(512);
    expect(encodeHeader(hdr('f', { mtime: 1.5 })).length).to.be.above(512);
  });
});
