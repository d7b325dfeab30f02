// Streaming tar reader and writer: ustar, POSIX pax (path, linkpath, size, uid, gid, mtime with
// fractions, uname, gname, SCHILY/LIBARCHIVE xattrs), GNU long names (L/K), global pax (skipped).
// Bodies are never buffered: layers can be gigabytes, so the reader hands out each body as a
// Readable that pulls from the archive on demand, and the writer streams bodies with backpressure.
// Only pax and GNU long-name payloads are held in memory, and those are capped (MAX_META_BYTES).
import { EventEmitter, once } from 'events';
import { Readable } from 'stream';
import { finished } from 'stream/promises';
import { PodrunError } from '../util/errors';

export type TarEntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo';

export interface TarHeader {
  /** Path inside the archive as written (no trailing slash; the reader strips it). */
  name: string;
  type: TarEntryType;
  /** Permission bits incl. setuid/setgid/sticky (masked to 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  /** Body length; 0 for every type but 'file'. */
  size: number;
  /** Seconds since the epoch, may be fractional (pax). */
  mtime: number;
  /** Target of a symlink or hardlink, '' otherwise. */
  linkname: string;
  devmajor: number;
  devminor: number;
  uname?: string;
  gname?: string;
  xattrs: Record<string, Buffer>;
}

export interface TarEntry {
  header: TarHeader;
  body: Readable;
}

/** The archive itself is malformed (checksum, truncation, unsupported feature). */
export class TarFormatError extends PodrunError {}

const BLOCK = 512;
/** Cap on pax and GNU long-name payloads, the only data the reader buffers (Go uses 1 MiB too). */
export const MAX_META_BYTES = 1 << 20;
const CHUNK = 64 * 1024;
const BATCH = 64 * 1024;

const TYPE_FLAGS: Record<TarEntryType, string> = {
  file: '0',
  hardlink: '1',
  symlink: '2',
  char: '3',
  block: '4',
  dir: '5',
  fifo: '6',
};

function flagToType(flag: string): TarEntryType | undefined {
  switch (flag) {
    case '0':
    case '\0':
    case '7': // contiguous file: a regular file everywhere that matters
      return 'file';
    case '1':
      return 'hardlink';
    case '2':
      return 'symlink';
    case '3':
      return 'char';
    case '4':
      return 'block';
    case '5':
      return 'dir';
    case '6':
      return 'fifo';
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Reader

/** Pull-based byte source over a stream's async iterator; keeps at most one upstream chunk. */
class ByteSource {
  private chunks: Buffer[] = [];
  private length = 0;
  private done = false;
  /** Bytes handed out so far: used for error offsets. */
  offset = 0;
  private readonly it: AsyncIterator<string | Buffer>;

  constructor(input: NodeJS.ReadableStream) {
    this.it = (input as AsyncIterable<string | Buffer>)[Symbol.asyncIterator]();
  }

  private async pull(): Promise<boolean> {
    if (this.done) return false;
    const r = await this.it.next();
    if (r.done) {
      this.done = true;
      return false;
    }
    const b = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
    if (b.length) {
      this.chunks.push(b);
      this.length += b.length;
    }
    return true;
  }

  /** Exactly n bytes, or fewer only at end of input. */
  async readUpTo(n: number): Promise<Buffer> {
    while (this.length < n && (await this.pull()));
    return this.take(Math.min(n, this.length));
  }

  /** Between 1 and max bytes without copying more than needed; empty only at end of input. */
  async readSome(max: number): Promise<Buffer> {
    while (this.length === 0 && (await this.pull()));
    if (this.length === 0) return Buffer.alloc(0);
    const first = this.chunks[0];
    if (first.length <= max) {
      this.chunks.shift();
      this.length -= first.length;
      this.offset += first.length;
      return first;
    }
    return this.take(max);
  }

  async skip(n: number): Promise<number> {
    let left = n;
    while (left > 0) {
      const b = await this.readSome(Math.min(left, CHUNK));
      if (!b.length) break;
      left -= b.length;
    }
    return n - left;
  }

  /** Drains the rest of the input so upstream pipelines (hashing, gunzip) see their end. */
  async drain(): Promise<void> {
    this.chunks = [];
    this.length = 0;
    while (await this.pull()) {
      this.offset += this.length;
      this.chunks = [];
      this.length = 0;
    }
  }

  async close(): Promise<void> {
    if (!this.done && this.it.return) await this.it.return();
    this.done = true;
  }

  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0];
      const want = n - filled;
      if (c.length <= want) {
        c.copy(out, filled);
        filled += c.length;
        this.chunks.shift();
      } else {
        c.copy(out, filled, 0, want);
        this.chunks[0] = c.subarray(want);
        filled += want;
      }
    }
    this.length -= n;
    this.offset += n;
    return out;
  }
}

function cstr(buf: Buffer, off: number, len: number): Buffer {
  const field = buf.subarray(off, off + len);
  const nul = field.indexOf(0);
  return nul < 0 ? field : field.subarray(0, nul);
}

function str(buf: Buffer, off: number, len: number): string {
  return cstr(buf, off, len).toString('utf8');
}

/** Octal (with NUL/space padding) or GNU base-256 (high bit set) numeric field. */
function num(buf: Buffer, off: number, len: number, field: string, at: number): number {
  const f = buf.subarray(off, off + len);
  if (f[0] & 0x80) {
    if (f[0] === 0xff) throw new TarFormatError(`tar: negative ${field} in header at offset ${at}`);
    let v = BigInt(f[0] & 0x7f);
    for (let i = 1; i < f.length; i++) v = (v << 8n) | BigInt(f[i]);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new TarFormatError(`tar: ${field} too large in header at offset ${at}`);
    return Number(v);
  }
  const s = f.toString('latin1').replace(/\0.*$/s, '').trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new TarFormatError(`tar: invalid ${field} field ${JSON.stringify(s)} in header at offset ${at}`);
  const v = parseInt(s, 8);
  if (!Number.isSafeInteger(v)) throw new TarFormatError(`tar: ${field} too large in header at offset ${at}`);
  return v;
}

function checksumOk(block: Buffer): boolean {
  const stored = block.subarray(148, 156).toString('latin1').replace(/\0.*$/s, '').trim();
  if (!/^[0-7]+$/.test(stored)) return false;
  const want = parseInt(stored, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i];
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return want === unsigned || want === signed;
}

function isZero(block: Buffer): boolean {
  for (let i = 0; i < block.length; i++) if (block[i] !== 0) return false;
  return true;
}

interface PaxValues {
  [key: string]: Buffer;
}

/** `<len> <key>=<value>\n` records; values stay Buffers because SCHILY xattrs are binary. */
export function parsePax(buf: Buffer, at: number): PaxValues {
  const out: PaxValues = {};
  let pos = 0;
  while (pos < buf.length) {
    if (buf[pos] === 0) break; // some writers pad with NULs
    const sp = buf.indexOf(0x20, pos);
    const lenStr = sp < 0 ? '' : buf.subarray(pos, sp).toString('latin1');
    const len = /^[0-9]+$/.test(lenStr) ? parseInt(lenStr, 10) : NaN;
    if (!(len > sp - pos + 1) || pos + len > buf.length || buf[pos + len - 1] !== 0x0a)
      throw new TarFormatError(`tar: malformed pax record in extended header at offset ${at}`);
    const rec = buf.subarray(sp + 1, pos + len - 1);
    const eq = rec.indexOf(0x3d);
    if (eq <= 0) throw new TarFormatError(`tar: malformed pax record in extended header at offset ${at}`);
    out[rec.subarray(0, eq).toString('utf8')] = Buffer.from(rec.subarray(eq + 1));
    pos += len;
  }
  return out;
}

function paxNumber(v: Buffer, key: string, at: number, allowFraction = false): number {
  const s = v.toString('latin1');
  const re = allowFraction ? /^-?[0-9]+(\.[0-9]+)?$/ : /^[0-9]+$/;
  if (!re.test(s)) throw new TarFormatError(`tar: invalid pax ${key}=${JSON.stringify(s)} in header at offset ${at}`);
  const n = Number(s);
  if (!Number.isFinite(n) || (!allowFraction && !Number.isSafeInteger(n)))
    throw new TarFormatError(`tar: pax ${key} out of range in header at offset ${at}`);
  return n;
}

function applyPax(h: TarHeader, pax: PaxValues, at: number): void {
  for (const [key, v] of Object.entries(pax)) {
    // An empty value deletes the field (POSIX): keep what the ustar header says.
    if (v.length === 0) continue;
    if (key === 'path') h.name = v.toString('utf8');
    else if (key === 'linkpath') h.linkname = v.toString('utf8');
    else if (key === 'size') h.size = paxNumber(v, key, at);
    else if (key === 'uid') h.uid = paxNumber(v, key, at);
    else if (key === 'gid') h.gid = paxNumber(v, key, at);
    else if (key === 'mtime') h.mtime = paxNumber(v, key, at, true);
    else if (key === 'uname') h.uname = v.toString('utf8');
    else if (key === 'gname') h.gname = v.toString('utf8');
    else if (key === 'SCHILY.devmajor') h.devmajor = paxNumber(v, key, at);
    else if (key === 'SCHILY.devminor') h.devminor = paxNumber(v, key, at);
    else if (key.startsWith('SCHILY.xattr.')) h.xattrs[key.slice('SCHILY.xattr.'.length)] = v;
    else if (key.startsWith('LIBARCHIVE.xattr.'))
      // libarchive URL-encodes the name and base64-encodes the value.
      h.xattrs[decodeURIComponent(key.slice('LIBARCHIVE.xattr.'.length))] = Buffer.from(v.toString('latin1'), 'base64');
    else if (key.startsWith('GNU.sparse.'))
      throw new TarFormatError(`tar: GNU sparse files are not supported (header at offset ${at})`, 'repack the layer without --sparse');
    // atime, ctime, comment, charset, hdrcharset, other vendor keys: not needed for layers.
  }
}

/**
 * Yields entries in order (`drain: false`: ends at the end-of-archive blocks, reading nothing
 * after them); each body must be fully consumed (or `.resume()`d) before asking for
 * the next. If a body was left unread, asking for the next entry destroys it and skips its bytes.
 */
export async function* readTar(input: NodeJS.ReadableStream, opts: { drain?: boolean } = {}): AsyncGenerator<TarEntry, void, undefined> {
  const src = new ByteSource(input);
  let pax: PaxValues | undefined;
  let longName: string | undefined;
  let longLink: string | undefined;
  let index = 0;
  let metaBytes = 0;
  let current: Readable | undefined;
  try {
    for (;;) {
      const at = src.offset;
      const block = await src.readUpTo(BLOCK);
      if (block.length === 0) {
        // EOF on a block boundary without the zero blocks: accepted, as GNU tar and Go do.
        if (pax || longName || longLink) throw new TarFormatError(`tar: truncated archive: extended header at offset ${at} has no entry`);
        return;
      }
      if (block.length < BLOCK) throw new TarFormatError(`tar: truncated archive: partial header at offset ${at}`);
      if (isZero(block)) {
        // what follows the end is read away (a layer's stream must be consumed to its digest),
        // unless the caller says it is no business of its (podrun cp: a container's tar could
        // write for ever after it)
        if (opts.drain !== false) await src.drain();
        return;
      }
      if (!checksumOk(block))
        throw new TarFormatError(
          `tar: bad header checksum at offset ${at} (entry #${index + 1}): the archive is corrupt or not a tar`,
        );

      const flag = String.fromCharCode(block[156]);
      const rawSize = num(block, 124, 12, 'size', at);

      if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
        // One cap for all extended headers in front of an entry: many small pax headers with
        // distinct keys would otherwise pile up in memory.
        metaBytes += rawSize;
        if (metaBytes > MAX_META_BYTES)
          throw new TarFormatError(`tar: extended headers of ${metaBytes} bytes before offset ${at + BLOCK + rawSize} exceed the ${MAX_META_BYTES}-byte cap`);
        const data = await src.readUpTo(rawSize);
        if (data.length < rawSize) throw new TarFormatError(`tar: truncated archive: extended header at offset ${at}`);
        if ((await src.skip(padding(rawSize))) < padding(rawSize))
          throw new TarFormatError(`tar: truncated archive: extended header at offset ${at}`);
        if (flag === 'x') pax = { ...(pax ?? {}), ...parsePax(data, at) };
        else if (flag === 'g') parsePax(data, at); // validated, then ignored: layers do not rely on it
        else if (flag === 'L') longName = cstr(data, 0, data.length).toString('utf8');
        else longLink = cstr(data, 0, data.length).toString('utf8');
        continue;
      }

      let type = flagToType(flag);
      if (!type)
        throw new TarFormatError(
          `tar: unsupported entry type ${JSON.stringify(flag)} in header at offset ${at}`,
          'only files, dirs, symlinks, hardlinks, devices and fifos are supported',
        );
      const magic = block.subarray(257, 263).toString('latin1');
      let name = str(block, 0, 100);
      if (magic === 'ustar\0') {
        const prefix = str(block, 345, 155);
        if (prefix) name = `${prefix}/${name}`;
      }
      const h: TarHeader = {
        name,
        type,
        mode: num(block, 100, 8, 'mode', at) & 0o7777,
        uid: num(block, 108, 8, 'uid', at),
        gid: num(block, 116, 8, 'gid', at),
        size: rawSize,
        mtime: num(block, 136, 12, 'mtime', at),
        linkname: str(block, 157, 100),
        devmajor: 0,
        devminor: 0,
        xattrs: {},
      };
      if (magic.startsWith('ustar')) {
        const uname = str(block, 265, 32);
        const gname = str(block, 297, 32);
        if (uname) h.uname = uname;
        if (gname) h.gname = gname;
        if (type === 'char' || type === 'block') {
          h.devmajor = num(block, 329, 8, 'devmajor', at);
          h.devminor = num(block, 337, 8, 'devminor', at);
        }
      }
      if (longName !== undefined) h.name = longName;
      if (longLink !== undefined) h.linkname = longLink;
      if (pax) applyPax(h, pax, at);
      pax = longName = longLink = undefined;
      metaBytes = 0;

      // Old (v7) archives mark directories only with a trailing slash.
      if (type === 'file' && flag !== '7' && h.name.endsWith('/')) type = h.type = 'dir';
      if (h.name.length > 1) h.name = h.name.replace(/\/+$/, '') || '/';
      // Header-only types carry no data whatever their size field says (as Go's archive/tar).
      const dataSize = type === 'file' ? h.size : 0;
      if (type !== 'file') h.size = 0;
      index++;

      const body = bodyStream(src, dataSize, h.name, at);
      current = body.stream;
      yield { header: h, body: body.stream };
      await body.finish();
      if ((await src.skip(padding(dataSize))) < padding(dataSize))
        throw new TarFormatError(`tar: truncated archive: ${JSON.stringify(h.name)} (header at offset ${at}) ends early`);
    }
  } finally {
    // A consumer that stops early (break, throw) must not leave a body waiting on the source.
    if (current && !current.readableEnded && !current.destroyed) current.destroy();
    await src.close();
  }
}

function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

function bodyStream(src: ByteSource, size: number, name: string, at: number): { stream: Readable; finish(): Promise<void> } {
  let remaining = size;
  let inflight: Promise<void> | undefined;
  let abandoned = false;
  let failure: Error | undefined;
  const truncated = () => new TarFormatError(`tar: truncated archive: ${JSON.stringify(name)} (header at offset ${at}) ends early`);
  const stream = new Readable({
    highWaterMark: CHUNK,
    read() {
      if (abandoned || inflight) return;
      if (remaining === 0) {
        this.push(null);
        return;
      }
      inflight = src.readSome(Math.min(remaining, CHUNK)).then(
        (chunk) => {
          inflight = undefined;
          if (abandoned) return;
          if (chunk.length === 0) {
            failure = truncated();
            this.destroy(failure);
            return;
          }
          remaining -= chunk.length;
          const more = this.push(chunk);
          if (remaining === 0) this.push(null);
          else if (more) this.read(0);
        },
        (e: Error) => {
          inflight = undefined;
          failure = e;
          this.destroy(e);
        },
      );
    },
  });
  return {
    stream,
    async finish() {
      while (inflight) await inflight;
      if (failure) throw failure;
      abandoned = true;
      if (remaining > 0) {
        if (!stream.destroyed) stream.destroy();
        const skipped = await src.skip(remaining);
        if (skipped < remaining) throw truncated();
        remaining = 0;
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Writer

export interface TarWriter {
  add(header: TarHeader, body?: Buffer | Readable): Promise<void>;
  /** Writes the two zero blocks and (unless `end: false`) ends `out`, resolving once it finished. */
  finish(): Promise<void>;
}

const MAX_OCTAL_7 = 0o7777777; // 8-byte fields: uid, gid, mode, devmajor, devminor
const MAX_OCTAL_11 = 0o77777777777; // 12-byte fields: size, mtime

function isAscii(s: string): boolean {
  return /^[\x01-\x7f]*$/.test(s);
}

function writeStr(block: Buffer, off: number, len: number, s: string): void {
  block.write(s, off, len, 'utf8');
}

function writeOctal(block: Buffer, off: number, len: number, v: number): void {
  block.write(v.toString(8).padStart(len - 1, '0') + '\0', off, len, 'latin1');
}

/** ustar prefix/name split at a '/', or undefined if the path does not fit. */
function splitUstar(name: string): { prefix: string; name: string } | undefined {
  if (Buffer.byteLength(name) <= 100) return { prefix: '', name };
  if (Buffer.byteLength(name) > 256) return undefined;
  for (let i = name.length - 1; i > 0; i--) {
    if (name[i] !== '/') continue;
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest.length > 0) return { prefix, name: rest };
    if (Buffer.byteLength(rest) > 100) return undefined;
  }
  return undefined;
}

function paxRecord(key: string, value: Buffer | string): Buffer {
  const kv = Buffer.concat([Buffer.from(` ${key}=`), Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8'), Buffer.from('\n')]);
  // The length prefix counts itself, so iterate until it is stable.
  let len = kv.length + 1;
  while (String(len).length + kv.length !== len) len = String(len).length + kv.length;
  return Buffer.concat([Buffer.from(String(len)), kv]);
}

export function formatMtime(mtime: number): string {
  if (Number.isInteger(mtime)) return String(mtime);
  const s = String(mtime);
  return /e/i.test(s) ? mtime.toFixed(9).replace(/0+$/, '') : s;
}

function validateHeader(h: TarHeader): void {
  const bad = (what: string) => new PodrunError(`tar: cannot write ${JSON.stringify(h.name)}: ${what}`);
  if (!h.name || h.name.includes('\0')) throw bad('empty name or NUL in name');
  if (h.linkname.includes('\0')) throw bad('NUL in link name');
  if (!TYPE_FLAGS[h.type]) throw bad(`unknown type ${JSON.stringify(h.type)}`);
  for (const [k, v] of [['uid', h.uid], ['gid', h.gid], ['size', h.size]] as const)
    if (!Number.isSafeInteger(v) || v < 0) throw bad(`${k} must be a non-negative integer, got ${v}`);
  if (!Number.isFinite(h.mtime)) throw bad(`mtime must be a finite number, got ${h.mtime}`);
  if (h.devmajor > MAX_OCTAL_7 || h.devminor > MAX_OCTAL_7 || h.devmajor < 0 || h.devminor < 0)
    throw bad('device numbers must be 0..2097151');
  if (h.type !== 'file' && h.size !== 0) throw bad(`a ${h.type} entry has no body, size must be 0`);
}

/** The header blocks (pax extended header first, when needed) for one entry. */
export function encodeHeader(h: TarHeader): Buffer {
  validateHeader(h);
  const records: Buffer[] = [];
  const name = h.type === 'dir' && !h.name.endsWith('/') ? `${h.name}/` : h.name;
  let split = isAscii(name) ? splitUstar(name) : undefined;
  if (!split) {
    records.push(paxRecord('path', name));
    split = { prefix: '', name: asciiTruncate(name, 100) };
  }
  let linkname = h.linkname;
  if (!isAscii(linkname) || Buffer.byteLength(linkname) > 100) {
    records.push(paxRecord('linkpath', linkname));
    linkname = asciiTruncate(linkname, 100);
  }
  const numeric = (key: string, v: number, max: number) => {
    if (v <= max) return v;
    records.push(paxRecord(key, String(v)));
    return 0;
  };
  const size = numeric('size', h.size, MAX_OCTAL_11);
  const uid = numeric('uid', h.uid, MAX_OCTAL_7);
  const gid = numeric('gid', h.gid, MAX_OCTAL_7);
  let mtime = Math.floor(h.mtime);
  if (!Number.isInteger(h.mtime) || h.mtime < 0 || h.mtime > MAX_OCTAL_11) {
    records.push(paxRecord('mtime', formatMtime(h.mtime)));
    mtime = Math.min(Math.max(mtime, 0), MAX_OCTAL_11);
  }
  const names: Record<'uname' | 'gname', string> = { uname: h.uname ?? '', gname: h.gname ?? '' };
  for (const k of ['uname', 'gname'] as const) {
    if (!isAscii(names[k]) || names[k].length > 32) {
      records.push(paxRecord(k, names[k]));
      names[k] = '';
    }
  }
  for (const key of Object.keys(h.xattrs).sort()) records.push(paxRecord(`SCHILY.xattr.${key}`, h.xattrs[key]));

  const block = Buffer.alloc(BLOCK);
  writeStr(block, 0, 100, split.name);
  writeOctal(block, 100, 8, h.mode & 0o7777);
  writeOctal(block, 108, 8, uid);
  writeOctal(block, 116, 8, gid);
  writeOctal(block, 124, 12, size);
  writeOctal(block, 136, 12, mtime);
  block.write(TYPE_FLAGS[h.type], 156, 1, 'latin1');
  writeStr(block, 157, 100, linkname);
  block.write('ustar\x0000', 257, 8, 'latin1');
  writeStr(block, 265, 32, names.uname);
  writeStr(block, 297, 32, names.gname);
  if (h.type === 'char' || h.type === 'block') {
    writeOctal(block, 329, 8, h.devmajor);
    writeOctal(block, 337, 8, h.devminor);
  }
  writeStr(block, 345, 155, split.prefix);
  setChecksum(block);
  if (!records.length) return block;

  const data = Buffer.concat(records);
  const paxName = asciiTruncate(paxHeaderName(name), 100);
  const ph = Buffer.alloc(BLOCK);
  writeStr(ph, 0, 100, paxName);
  writeOctal(ph, 100, 8, 0o644);
  writeOctal(ph, 108, 8, 0);
  writeOctal(ph, 116, 8, 0);
  writeOctal(ph, 124, 12, data.length);
  writeOctal(ph, 136, 12, mtime);
  ph.write('x', 156, 1, 'latin1');
  ph.write('ustar\x0000', 257, 8, 'latin1');
  setChecksum(ph);
  return Buffer.concat([ph, data, Buffer.alloc(padding(data.length)), block]);
}

/** `dir/PaxHeaders.0/base`, as Go and GNU tar name them; readers ignore it. */
function paxHeaderName(name: string): string {
  const trimmed = name.replace(/\/+$/, '');
  const slash = trimmed.lastIndexOf('/');
  return slash < 0 ? `PaxHeaders.0/${trimmed}` : `${trimmed.slice(0, slash)}/PaxHeaders.0/${trimmed.slice(slash + 1)}`;
}

function asciiTruncate(s: string, max: number): string {
  return s.replace(/[^\x01-\x7f]/g, '_').slice(0, max);
}

function setChecksum(block: Buffer): void {
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += block[i];
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
}

/** Writes to `out` with backpressure; uses pax headers when a field does not fit ustar. */
export function createTarWriter(out: NodeJS.WritableStream, opts: { end?: boolean } = {}): TarWriter {
  let failed: Error | undefined;
  let finished_ = false;
  // A persistent listener: an error while nobody awaits must not crash the process.
  (out as EventEmitter).on('error', (e: Error) => (failed ??= e));
  // add() and finish() are serialised so concurrent callers cannot interleave entries.
  let queue: Promise<void> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = queue.then(fn);
    queue = p.then(
      () => undefined,
      () => undefined,
    );
    return p;
  };

  /** 'drain', or an error if `out` errors or closes first (a destroyed stream never drains). */
  async function drained(): Promise<void> {
    const ac = new AbortController();
    try {
      await Promise.race([
        once(out as EventEmitter, 'drain', { signal: ac.signal }),
        once(out as EventEmitter, 'close', { signal: ac.signal }).then(() => {
          throw failed ?? new PodrunError('tar: the output stream closed before the archive was complete');
        }),
      ]);
    } finally {
      ac.abort();
    }
  }

  // Small writes (headers, padding, small bodies) are batched into one out.write() of up to
  // BATCH bytes: a layer of many small files otherwise costs one syscall round trip per piece.
  let pending: Buffer[] = [];
  let pendingLen = 0;
  async function flush(): Promise<void> {
    if (failed) throw failed;
    if (!pendingLen) return;
    const buf = pending.length === 1 ? pending[0] : Buffer.concat(pending, pendingLen);
    pending = [];
    pendingLen = 0;
    if (!out.write(buf)) await drained();
    if (failed) throw failed;
  }
  async function write(buf: Buffer): Promise<void> {
    if (failed) throw failed;
    if (!buf.length) return;
    if (buf.length >= BATCH) {
      await flush();
      pending = [buf];
      pendingLen = buf.length;
      return flush();
    }
    // Copy: a caller (or a stream) may reuse the buffer it gave us once write() resolves.
    pending.push(Buffer.from(buf));
    pendingLen += buf.length;
    if (pendingLen >= BATCH) await flush();
  }

  async function add(header: TarHeader, body?: Buffer | Readable): Promise<void> {
    if (finished_) throw new PodrunError('tar: add() after finish()');
    if (failed) throw failed;
    // Checks that need no I/O come first, so a refused entry leaves the archive consistent.
    const encoded = encodeHeader(header);
    if (Buffer.isBuffer(body) && body.length !== header.size) throw sizeMismatch(header, body.length);
    if (!body && header.size !== 0) throw sizeMismatch(header, 0);
    try {
      await addEntry(header, encoded, body);
    } catch (e) {
      // A half-written entry makes the archive unusable: fail the output too, so whoever reads
      // it (a pipe, a hash, an upload) sees an error instead of waiting for more.
      failed ??= e as Error;
      (out as unknown as { destroy?(e: Error): void }).destroy?.(e as Error);
      throw e;
    }
  }

  async function addEntry(header: TarHeader, encoded: Buffer, body?: Buffer | Readable): Promise<void> {
    await write(encoded);
    let written = 0;
    if (Buffer.isBuffer(body)) {
      written = body.length;
      await write(body);
    } else if (body) {
      for await (const chunk of body as AsyncIterable<Buffer | string>) {
        const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        written += b.length;
        if (written > header.size) {
          body.destroy();
          throw sizeMismatch(header, written);
        }
        await write(b);
      }
      if (written !== header.size) throw sizeMismatch(header, written);
    }
    await write(Buffer.alloc(padding(written)));
  }

  async function finish(): Promise<void> {
    if (finished_) return;
    finished_ = true;
    await write(Buffer.alloc(2 * BLOCK));
    await flush();
    if (opts.end === false) return;
    out.end();
    await finished(out, { readable: false });
    if (failed) throw failed;
  }

  return { add: (h, b) => serial(() => add(h, b)), finish: () => serial(finish) };
}

function sizeMismatch(h: TarHeader, got: number): PodrunError {
  return new PodrunError(
    `tar: body of ${JSON.stringify(h.name)} is ${got > h.size ? 'longer' : 'shorter'} than its header size ${h.size} (got ${got}${got > h.size ? '+' : ''} bytes)`,
    'the file changed while it was being archived',
  );
}
