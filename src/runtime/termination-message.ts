// terminated.message as the kubelet fills it (docs/reference/kubelet-rules.md §7): the last 4096
// bytes of the instance's termination message file (`<container dir>/termination-<N>`, which the
// monitor binds at terminationMessagePath), else with FallbackToLogsOnError and a failure the
// last 80 lines (at most 2048 bytes) of its log; each message cut to the pod's share of 12 KiB.
// The files are the container's to write: read without following links, regular files only,
// from the end, never more than the limits.
import { closeSync, constants, fstatSync, openSync, readSync } from 'fs';
import { dirname, join } from 'path';
import { createLineJoiner, parseCriLine, type LogLine } from './cri-log-reader';

export const MAX_MESSAGE_BYTES = 4096;
export const MAX_LOG_LINES = 80;
export const MAX_LOG_BYTES = 2048;
export const MAX_POD_MESSAGE_BYTES = 12 * 1024;
/** How much of a log's end is read to find its last 80 lines. */
const LOG_TAIL_READ = 64 * 1024;

/** The last `max` bytes of a regular file (undefined: none there, or not a regular file). */
export function readTail(path: string, max: number): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return undefined;
    const n = Math.min(st.size, max);
    const buf = Buffer.alloc(n);
    let got = 0;
    while (got < n) {
      const r = readSync(fd, buf, got, n - got, st.size - n + got);
      if (r <= 0) break;
      got += r;
    }
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** The text of the last `maxLines` lines of a CRI log, at most `maxBytes` of its end. */
export function logTail(logFile: string, maxLines = MAX_LOG_LINES, maxBytes = MAX_LOG_BYTES): string {
  const raw = readTail(logFile, LOG_TAIL_READ);
  if (!raw || !raw.length) return '';
  let text = raw.toString('utf8');
  // The first line read may be a record's end: start at the first whole one (unless all of it is).
  const nl = text.indexOf('\n');
  if (raw.length === LOG_TAIL_READ && nl >= 0) text = text.slice(nl + 1);
  const joiner = createLineJoiner();
  const lines: LogLine[] = [];
  for (const l of text.split('\n')) {
    const r = parseCriLine(l);
    const line = r && joiner.push(r);
    if (line) lines.push(line);
  }
  lines.push(...joiner.flush());
  const out = Buffer.from(
    lines
      .slice(-maxLines)
      .map((l) => l.text + (l.complete ? '\n' : ''))
      .join(''),
  );
  return out.subarray(Math.max(0, out.length - maxBytes)).toString('utf8');
}

export interface TerminationInput {
  /** The container's state.json: its termination files are beside it. */
  stateFile: string;
  /** Its log dir (`logs/<c>`): attempt N's log is `<N>.log`. */
  logDir: string;
  policy: 'File' | 'FallbackToLogsOnError';
  instance: number;
  exitCode: number;
  /** What the runtime said (a start error), put before the text as the kubelet does. */
  runtimeMessage?: string;
  startError: boolean;
  /** How many containers the pod has (init ones too): each message gets 12 KiB / n. */
  containers: number;
}

export function terminationMessage(t: TerminationInput): string | undefined {
  const file = readTail(join(dirname(t.stateFile), `termination-${t.instance}`), MAX_MESSAGE_BYTES);
  let text = file && file.length ? file.toString('utf8') : '';
  if (!text && t.policy === 'FallbackToLogsOnError' && t.exitCode !== 0 && !t.startError) text = logTail(join(t.logDir, `${t.instance}.log`));
  const msg = t.runtimeMessage ? (text ? `${t.runtimeMessage}: ${text}` : t.runtimeMessage) : text;
  if (!msg) return undefined;
  const cap = Math.floor(MAX_POD_MESSAGE_BYTES / Math.max(1, t.containers));
  const b = Buffer.from(msg);
  return b.length > cap ? b.subarray(0, cap).toString('utf8') : msg;
}
