// Reading the CRI log files the monitor writes (`TS stream F|P text`, docs/protocol.md): parse,
// join partial records into lines, apply --since/--tail, and follow a growing file. Pure parsing
// is separate from file access so the parser is unit-tested without root or pods.
import { closeSync, fstatSync, openSync, readSync, statSync, watch } from 'fs';

export type LogStream = 'stdout' | 'stderr';

/** One record of a CRI log file. */
export interface CriRecord {
  time: string;
  stream: LogStream;
  /** `P`: the text continues in the next record of the same stream. */
  partial: boolean;
  text: string;
}

/** A line as the user sees it: partial records joined; `complete` is false for a final line without newline. */
export interface LogLine {
  /** Time of the line's first record (RFC3339Nano as written by the monitor). */
  time: string;
  stream: LogStream;
  text: string;
  complete: boolean;
}

/** Parses `2026-11-28T10:00:00.123456789Z stdout F text`; undefined for a malformed line. */
export function parseCriLine(line: string): CriRecord | undefined {
  const a = line.indexOf(' ');
  const b = a < 0 ? -1 : line.indexOf(' ', a + 1);
  if (b < 0) return undefined;
  const c = line.indexOf(' ', b + 1);
  const time = line.slice(0, a);
  const stream = line.slice(a + 1, b);
  // Tags are `:`-separated and the first one is P or F (CRI spec); a record with empty text may end at the tag.
  const tags = c < 0 ? line.slice(b + 1) : line.slice(b + 1, c);
  const text = c < 0 ? '' : line.slice(c + 1);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const tag = tags.split(':')[0];
  if (tag !== 'P' && tag !== 'F') return undefined;
  if (timeToNanos(time) === undefined) return undefined;
  return { time, stream, partial: tag === 'P', text };
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|z|[+-]\d{2}:\d{2})$/;

/** Nanoseconds since the epoch of an RFC3339(Nano) time, or undefined if it is not one. */
export function timeToNanos(ts: string): bigint | undefined {
  const m = RFC3339.exec(ts);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  let ms = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s);
  if (Number.isNaN(ms)) return undefined;
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1;
    ms -= sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  }
  return BigInt(ms) * 1_000_000n + BigInt((frac ?? '').padEnd(9, '0') || '0');
}

/**
 * Joins partial records: P records of one stream are held until that stream's F record. The two
 * streams are independent (the monitor may interleave stdout and stderr records).
 */
export function createLineJoiner(): { push(r: CriRecord): LogLine | undefined; flush(): LogLine[] } {
  const pending: Partial<Record<LogStream, { time: string; parts: string[] }>> = {};
  return {
    push(r) {
      const p = pending[r.stream];
      if (r.partial) {
        if (p) p.parts.push(r.text);
        else pending[r.stream] = { time: r.time, parts: [r.text] };
        return undefined;
      }
      if (!p) return { time: r.time, stream: r.stream, text: r.text, complete: true };
      delete pending[r.stream];
      return { time: p.time, stream: r.stream, text: p.parts.join('') + r.text, complete: true };
    },
    /** The lines still waiting for their end (the container ended mid-line). */
    flush() {
      const out: LogLine[] = [];
      for (const stream of ['stdout', 'stderr'] as const) {
        const p = pending[stream];
        if (p) out.push({ time: p.time, stream, text: p.parts.join(''), complete: false });
        delete pending[stream];
      }
      return out.sort((x, y) => (x.time < y.time ? -1 : x.time > y.time ? 1 : 0));
    },
  };
}

export interface LogFilter {
  /** Keep only the last N lines (N >= 0); undefined = all. */
  tail?: number;
  /** Keep only lines at or after this time (ns since the epoch). */
  sinceNanos?: bigint;
}

/** Applies --since then --tail to lines in file order. */
export function filterLines(lines: LogLine[], f: LogFilter): LogLine[] {
  let out = lines;
  if (f.sinceNanos !== undefined) {
    const since = f.sinceNanos;
    out = out.filter((l) => (timeToNanos(l.time) ?? 0n) >= since);
  }
  if (f.tail !== undefined) out = f.tail === 0 ? [] : out.slice(-f.tail);
  return out;
}

/** What `podrun logs` prints for one line; kubectl prints both streams to stdout. */
export function formatLine(l: LogLine, timestamps: boolean): string {
  return (timestamps ? `${l.time} ` : '') + l.text + (l.complete ? '\n' : '');
}

/**
 * Incremental reader of one log file: each `read()` returns the complete lines appended since the
 * last call. It notices truncation (size below what was read) and starts over; on a rotation or
 * replacement (a new inode at the path) it reads the old file and the rotated ones to their end,
 * then the new one from its beginning.
 */
export interface LogFileReader {
  read(): LogLine[];
  /** Lines left waiting for their end; call when the writer is known to be done. */
  flush(): LogLine[];
  close(): void;
}

/**
 * FOLLOWREPLACED (`up`'s log view) says whether a file at the path that is neither the open one
 * nor a rotation still kept is to be read on: false when the pod was made again (the caller opens
 * the new file itself; the open one is read to its end and then nothing more), true when only
 * the rotations outran the reader (more than the monitor keeps written between two reads).
 */
export function openLogFile(path: string, opts: { followReplaced?: () => boolean } = {}): LogFileReader {
  let fd = -1;
  let replaced = false;
  let ino = -1;
  let offset = 0;
  let rest: Buffer = Buffer.alloc(0);
  let joiner = createLineJoiner();
  const buf = Buffer.allocUnsafe(256 * 1024);

  const reset = () => {
    offset = 0;
    rest = Buffer.alloc(0);
    joiner = createLineJoiner();
  };
  // Complete lines from `fd` at `offset` to its end, appended to `out`.
  const drain = (out: LogLine[]) => {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, offset);
      if (n <= 0) break;
      offset += n;
      const chunk = rest.length ? Buffer.concat([rest, buf.subarray(0, n)]) : buf.subarray(0, n);
      let start = 0;
      for (let nl = chunk.indexOf(10, start); nl >= 0; nl = chunk.indexOf(10, start)) {
        const r = parseCriLine(chunk.toString('utf8', start, nl));
        const l = r && joiner.push(r);
        if (l) out.push(l);
        start = nl + 1;
      }
      rest = Buffer.from(chunk.subarray(start)); // copy: `buf` is reused
    }
  };
  const openIno = (p: string): { fd: number; ino: number } | undefined => {
    try {
      const f = openSync(p, 'r');
      return { fd: f, ino: fstatSync(f).ino };
    } catch {
      return undefined;
    }
  };
  // The file at `path` is another than the one open: rotated (renamed to path.1, the older ones
  // moved up, as the monitor's rotate_log does) or replaced. The open one is read to its end
  // first, then the rotated files written after it (path.N-1 ... path.1, found by inode: each is
  // opened before any is read, so a rotation meanwhile neither skips nor repeats one), then the
  // new file; the line joiner carries on, as a long line may span a rotation (review 17).
  const rotate = (out: LogLine[]) => {
    drain(out);
    const cur = openIno(path);
    if (!cur) return;
    const rotated: { fd: number; ino: number }[] = [];
    for (let j = 1; j <= 9; j++) {
      const r = openIno(`${path}.${j}`);
      if (!r) break;
      rotated.push(r);
    }
    const at = rotated.findIndex((r) => r.ino === ino);
    if (at < 0 && opts.followReplaced && !opts.followReplaced()) {
      for (const r of [...rotated, cur]) closeSync(r.fd);
      replaced = true;
      return;
    }
    const newer = at < 0 ? [] : rotated.slice(0, at).reverse().filter((r) => r.ino !== cur.ino);
    for (const r of rotated) if (!newer.includes(r)) closeSync(r.fd);
    closeSync(fd);
    for (const r of [...newer, cur]) {
      fd = r.fd;
      ino = r.ino;
      offset = 0;
      rest = Buffer.alloc(0);
      if (r !== cur) {
        drain(out);
        closeSync(fd);
      }
    }
  };

  return {
    read() {
      const out: LogLine[] = [];
      let st;
      try {
        st = statSync(path);
      } catch {
        st = undefined; // removed, or between a rotation's rename and its new file
      }
      if (replaced) return out;
      if (fd < 0) {
        if (!st) return out;
        const r = openIno(path);
        if (!r) return out;
        fd = r.fd;
        ino = r.ino;
        reset();
      } else if (st && st.ino !== ino) rotate(out);
      if (fstatSync(fd).size < offset) reset(); // truncated
      drain(out);
      return out;
    },
    flush() {
      return joiner.flush();
    },
    close() {
      if (fd >= 0) closeSync(fd);
      fd = -1;
    },
  };
}

/**
 * Resolves after the file changes or `ms` passes, whichever is first. fs.watch (inotify) gives
 * prompt wake-ups; the timeout is the fallback where inotify is unavailable or the file was
 * replaced, and also the cadence at which callers re-check whether the container ended.
 */
export function waitForChange(path: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    let w: ReturnType<typeof watch> | undefined;
    const done = () => {
      clearTimeout(t);
      w?.close();
      resolve();
    };
    const t = setTimeout(done, ms);
    try {
      w = watch(path, { persistent: false }, done);
      w.on('error', done);
    } catch {
      /* polling only */
    }
  });
}
