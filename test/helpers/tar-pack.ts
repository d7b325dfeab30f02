// Archives built in tests: a header with defaults, and a list of entries packed into bytes with
// podrun's own writer (images/tar.ts).
import { PassThrough, type Readable } from 'stream';
import { createTarWriter, type TarHeader } from '../../src/images/tar';

export function hdr(name: string, over: Partial<TarHeader> = {}): TarHeader {
  return { name, type: 'file', mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 1700000000, linkname: '', devmajor: 0, devminor: 0, xattrs: {}, ...over };
}

export async function pack(entries: { h: TarHeader; body?: Buffer | Readable }[]): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const w = createTarWriter(out);
  for (const e of entries) await w.add(e.h, e.body);
  await w.finish();
  return Buffer.concat(chunks);
}
