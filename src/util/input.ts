// Reading files the user names (manifests, image archives, OCI layout dirs): only regular files,
// and never more bytes than the caller's cap, counted as they are read (SECURITY.md "Found in
// podrun itself": `apply -f /dev/zero` once used 7-8 GB because the cap looked at stat's size,
// which is 0 for a device or a FIFO).
//
// The decision is made on the opened fd (fstat), so a path swapped between a check and the open
// cannot get past it. The open itself uses O_NONBLOCK: opening a FIFO for reading otherwise
// blocks until a writer comes, and a writer that never writes would hang podrun forever. A path
// that stat already shows to be no regular file is refused before it is opened at all, because
// opening a device node can itself do something (a tape rewinds, a watchdog arms).
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'fs';
import { PodrunError } from './errors';

/** A user-named file that podrun will not read: not a regular file, or over a cap. */
export class InputFileError extends PodrunError {
  constructor(
    readonly file: string,
    readonly detail: string,
    hint?: string,
    exitCode = 1,
  ) {
    super(`${file}: ${detail}`, hint);
    this.exitCode = exitCode;
  }
}

export interface InputFileOptions {
  /** Ends the "not a regular file" message: what podrun reads and from where, with its cap. */
  accepts: string;
  hint?: string;
  /** Exit code for a file that is not a regular file (default 2: bad input, nothing changed). */
  exitCode?: number;
}

/** `a character device`, `a FIFO`, ... for what fstat or stat found. */
export function fileKind(st: Stats): string {
  if (st.isFile()) return 'a regular file';
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function notRegular(path: string, st: Stats, o: InputFileOptions): InputFileError {
  return new InputFileError(path, `not a regular file (${fileKind(st)}); ${o.accepts}`, o.hint, o.exitCode ?? 2);
}

/**
 * Opens a file the user named for reading, following symlinks, and returns the fd and its fstat.
 * Throws InputFileError for anything but a regular file; errno errors (ENOENT, EACCES) as they are.
 */
export function openUserFile(path: string, o: InputFileOptions): { fd: number; stat: Stats } {
  const pre = statSync(path);
  if (!pre.isFile()) throw notRegular(path, pre, o);
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw notRegular(path, stat, o);
    return { fd, stat };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/**
 * Reads `fd` from its current offset to its end, but never more than `maxBytes + 1` bytes (one
 * over says "too large" without reading on). Memory is bounded by what was read, whatever the
 * fd is: a pipe on stdin, or a regular file that grows while it is read.
 */
export function readBounded(fd: number, maxBytes: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, maxBytes + 1));
  while (total <= maxBytes) {
    let n: number;
    try {
      n = readSync(fd, chunk, 0, Math.min(chunk.length, maxBytes + 1 - total), null);
    } catch (e) {
      // A non-blocking stdin (a terminal or pipe set so by another process) has no data yet.
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      if ((e as NodeJS.ErrnoException).code === 'EOF') break;
      throw e;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(chunk.subarray(0, n)));
    total += n;
  }
  return Buffer.concat(chunks, total);
}

/** `file is N bytes, over the MAX-byte limit`: the words every size refusal uses. */
export function overLimit(size: number | undefined, maxBytes: number): string {
  return size === undefined ? `file is over the ${maxBytes}-byte limit` : `file is ${size} bytes, over the ${maxBytes}-byte limit`;
}

/**
 * Reads a whole regular file the user named, refusing one over `maxBytes`: up front by fstat's
 * size, and again by the bytes read (the file may grow after the fstat).
 */
export function readUserFile(path: string, maxBytes: number, o: InputFileOptions & { tooLargeHint?: string }): Buffer {
  const { fd, stat } = openUserFile(path, o);
  try {
    if (stat.size > maxBytes) throw new InputFileError(path, overLimit(stat.size, maxBytes), o.tooLargeHint);
    const bytes = readBounded(fd, maxBytes);
    if (bytes.length > maxBytes) throw new InputFileError(path, overLimit(undefined, maxBytes), o.tooLargeHint);
    return bytes;
  } finally {
    closeSync(fd);
  }
}
