// Atomic file writes: a reader (or a crash) sees the old file or the new one, never half of one.
// tmp file in the same dir, fsync, rename, then fsync the dir so the rename itself is durable.
// `durable: false` skips both fsyncs, for files only the next few milliseconds need (a crash of
// the machine makes them moot): atomic against a killed process, not against power loss.
import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync } from 'fs';
import { basename, dirname, join } from 'path';
import { isErrno } from '../util/errors';

export function writeFileAtomic(path: string, data: string | Buffer, mode = 0o644, opts: { durable?: boolean } = {}): void {
  const durable = opts.durable ?? true;
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  const fd = openSync(tmp, 'wx', mode);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    if (durable) fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    unlinkSync(tmp);
    throw e;
  }
  if (durable) fsyncDir(dirname(path));
}

export function writeJsonAtomic(path: string, value: unknown, mode = 0o644, opts: { durable?: boolean } = {}): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n', mode, opts);
}

/** What `durable: true` would have done for a file written with `durable: false`: fsync it and its dir. */
export function makeDurable(path: string): void {
  fsyncDir(path);
  fsyncDir(dirname(path));
}

/** fsync of a directory (or any file: opened read-only). */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Parsed JSON, or undefined when the file does not exist (ENOENT/ENOTDIR). Bad JSON throws. */
export function readJsonIfExists<T>(path: string): T | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return undefined;
    throw e;
  }
  return JSON.parse(text) as T;
}

/**
 * The records of a store folder: every DIR/NAMESPACE_NAME.json (of NAMESPACE only, when given)
 * that ACCEPT takes; none when the folder is not there. Sorted by namespace, then NAME(r).
 */
export function readJsonRecords<T>(dir: string, namespace: string | undefined, accept: (r: T) => boolean, key: (r: T) => [string, string]): T[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return [];
    throw e;
  }
  const out: T[] = [];
  for (const n of names.filter((f) => f.endsWith('.json') && !f.startsWith('.'))) {
    if (namespace !== undefined && !n.startsWith(`${namespace}_`)) continue;
    const r = readJsonIfExists<T>(join(dir, n));
    if (r && accept(r)) out.push(r);
  }
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return out.sort((a, b) => key(a)[0].localeCompare(key(b)[0]) || byName(key(a)[1], key(b)[1]));
}
