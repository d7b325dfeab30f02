// Layer tarballs built in memory for the unpack suites: an entry is a partial tar header plus an
// optional body (its size is the body's), written with podrun's own tar writer.
import { PassThrough, Readable } from 'stream';
import { createTarWriter, TarHeader } from '../../src/images/tar';

export type Spec = Partial<TarHeader> & { name: string; body?: string };

/** The full header of `s`: a root-owned 0644 file with a fixed mtime unless `s` says otherwise. */
export function h(s: Spec): TarHeader {
  return {
    type: 'file',
    mode: 0o644,
    uid: 0,
    gid: 0,
    mtime: 1700000000,
    linkname: '',
    devmajor: 0,
    devminor: 0,
    xattrs: {},
    ...s,
    size: s.body !== undefined ? Buffer.byteLength(s.body) : (s.size ?? 0),
  };
}

/** The whole tarball of `specs`, in order. */
export async function tarOf(specs: Spec[]): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const w = createTarWriter(out);
  for (const s of specs) await w.add(h(s), s.body !== undefined ? Buffer.from(s.body) : undefined);
  await w.finish();
  return Buffer.concat(chunks);
}

/** The tarball of `specs` as a stream, as unpackLayer reads it. */
export async function tarStream(specs: Spec[]): Promise<Readable> {
  return Readable.from([await tarOf(specs)]);
}
