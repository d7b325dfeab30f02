// Starting a pod's monitor and reading its start-up handshake on fd 3 (docs/protocol.md).
// The monitor is detached (own session, stdio on /dev/null): it outlives this CLI. The addon
// starts it (clone with CLONE_VM|CLONE_VFORK) rather than child_process, whose fork of the Node process and module
// loading cost ~20 ms of every apply.
import { close, read } from 'fs';
import { constants } from 'os';
import { helperPath, native } from '../util/native';

export type HandshakeRecord =
  | { kind: 'pause'; pid: number; startTime: number }
  | { kind: 'started'; name: string; pid: number; startTime: number }
  | { kind: 'failed'; name: string; step: string; syscall: string; errno: number; code: string; path?: string }
  | { kind: 'ready' }
  | { kind: 'error'; step: string; syscall: string; errno: number; code: string; path?: string };

export interface HandshakeResult {
  monitorPid: number;
  records: HandshakeRecord[];
  pause?: { pid: number; startTime: number };
  started: Map<string, { pid: number; startTime: number }>;
  failed: Map<string, Extract<HandshakeRecord, { kind: 'failed' }>>;
  ready: boolean;
  error?: Extract<HandshakeRecord, { kind: 'error' }>;
}

const ERRNO_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(constants.errno).map(([name, n]) => [n as number, name]),
);

export function errnoName(n: number): string {
  return ERRNO_NAMES[n] ?? `errno ${n}`;
}

/** One fd-3 line; undefined for a line the protocol does not define (logged, not fatal). */
export function parseHandshakeLine(line: string): HandshakeRecord | undefined {
  const f = line.split(' ');
  const num = (s: string | undefined) => (s !== undefined && /^\d+$/.test(s) ? Number(s) : NaN);
  const path = (s: string | undefined) => (s === undefined || s === '-' ? undefined : s);
  switch (f[0]) {
    case 'pause':
      if (f.length === 3 && num(f[1]) > 0) return { kind: 'pause', pid: num(f[1]), startTime: num(f[2]) };
      return undefined;
    case 'started':
      if (f.length === 4 && num(f[2]) > 0) return { kind: 'started', name: f[1], pid: num(f[2]), startTime: num(f[3]) };
      return undefined;
    case 'failed':
      if (f.length >= 5) {
        const errno = num(f[4]);
        return { kind: 'failed', name: f[1], step: f[2], syscall: f[3], errno, code: errnoName(errno), path: path(f.slice(5).join(' ') || undefined) };
      }
      return undefined;
    case 'ready':
      return { kind: 'ready' };
    case 'error':
      if (f.length >= 4) {
        const errno = num(f[3]);
        return { kind: 'error', step: f[1], syscall: f[2], errno, code: errnoName(errno), path: path(f.slice(4).join(' ') || undefined) };
      }
      return undefined;
    default:
      return undefined;
  }
}

/** Spawns `podrun-helper monitor LAUNCH_FILE` and resolves at EOF on fd 3. */
export function startMonitor(launchFile: string, opts: { timeoutMs?: number; onUnknown?: (line: string) => void } = {}): Promise<HandshakeResult> {
  return new Promise((resolve, reject) => {
    const helper = helperPath();
    let child: { pid: number; fd: number };
    try {
      child = native().spawnDetached(helper, [helper, 'monitor', launchFile]);
    } catch (e) {
      reject(e);
      return;
    }
    const result: HandshakeResult = { monitorPid: child.pid, records: [], started: new Map(), failed: new Map(), ready: false };
    let text = '';
    let settled = false;
    const done = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(result);
    };
    const timeoutMs = opts.timeoutMs ?? 120_000;
    // On timeout the read stays pending until the caller stops the monitor (EOF), then closes.
    const timer = setTimeout(() => done(new Error(`the monitor (pid ${child.pid}) did not finish starting the pod within ${timeoutMs / 1000} s`)), timeoutMs);
    const take = (line: string) => {
      const r = parseHandshakeLine(line);
      if (!r) {
        opts.onUnknown?.(line);
        return;
      }
      result.records.push(r);
      if (r.kind === 'pause') result.pause = { pid: r.pid, startTime: r.startTime };
      else if (r.kind === 'started') result.started.set(r.name, { pid: r.pid, startTime: r.startTime });
      else if (r.kind === 'failed') result.failed.set(r.name, r);
      else if (r.kind === 'ready') result.ready = true;
      else if (r.kind === 'error') result.error = r;
    };
    const buf = Buffer.alloc(4096);
    let pending = Buffer.alloc(0);
    const next = () =>
      read(child.fd, buf, 0, buf.length, null, (err, n) => {
        if (err || n === 0) {
          close(child.fd, () => undefined);
          if (!err && pending.length) take(pending.toString('utf8'));
          done(err ?? undefined);
          return;
        }
        pending = Buffer.concat([pending, buf.subarray(0, n)]);
        let nl: number;
        while ((nl = pending.indexOf(10)) >= 0) {
          take(pending.subarray(0, nl).toString('utf8'));
          pending = pending.subarray(nl + 1);
        }
        next();
      });
    next();
  });
}
