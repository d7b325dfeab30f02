// The monitor's start-up handshake on fd 3 (docs/protocol.md, "Monitor start-up handshake"):
// one record per line, then EOF. Pure parsing; start-monitor.ts reads the pipe.
import type { FailureRecord } from './failures';

export type HandshakeRecord =
  | { kind: 'hello'; protocol: number }
  | { kind: 'pause'; pid: number; startTime: number }
  | { kind: 'started'; name: string; pid: number; startTime: number }
  | ({ kind: 'failed'; name: string } & FailureRecord)
  | { kind: 'ready' }
  | ({ kind: 'error' } & FailureRecord);

export type ContainerFailure = Extract<HandshakeRecord, { kind: 'failed' }>;
export type PodFailure = Extract<HandshakeRecord, { kind: 'error' }>;

export interface HandshakeResult {
  monitorPid: number;
  /** The helper's protocol version (sync 0); undefined when it sent none (a build before versioning). */
  protocol?: number;
  records: HandshakeRecord[];
  pause?: { pid: number; startTime: number };
  started: Map<string, { pid: number; startTime: number }>;
  failed: Map<string, ContainerFailure>;
  ready: boolean;
  error?: PodFailure;
  /** What the network gate threw (start-monitor.ts): the monitor was told to stop. */
  gateError?: unknown;
}

const num = (s: string | undefined) => (s !== undefined && /^\d+$/.test(s) ? Number(s) : NaN);
const pathOf = (rest: string[]) => {
  const p = rest.join(' ');
  return p === '' || p === '-' ? undefined : p;
};

/** One fd-3 line; undefined for a line the protocol does not define (logged, not fatal). */
export function parseHandshakeLine(line: string): HandshakeRecord | undefined {
  const f = line.split(' ');
  switch (f[0]) {
    case 'podrun-helper':
      return f.length === 2 && num(f[1]) > 0 ? { kind: 'hello', protocol: num(f[1]) } : undefined;
    case 'pause':
      return f.length === 3 && num(f[1]) > 0 ? { kind: 'pause', pid: num(f[1]), startTime: num(f[2]) } : undefined;
    case 'started':
      return f.length === 4 && num(f[2]) > 0 ? { kind: 'started', name: f[1], pid: num(f[2]), startTime: num(f[3]) } : undefined;
    case 'failed':
      return f.length >= 5 ? { kind: 'failed', name: f[1], step: f[2], syscall: f[3], errno: num(f[4]), path: pathOf(f.slice(5)) } : undefined;
    case 'ready':
      return { kind: 'ready' };
    case 'error':
      return f.length >= 4 ? { kind: 'error', step: f[1], syscall: f[2], errno: num(f[3]), path: pathOf(f.slice(4)) } : undefined;
    default:
      return undefined;
  }
}

/** Folds records into a result, in order. */
export function addHandshakeRecord(result: HandshakeResult, r: HandshakeRecord): void {
  result.records.push(r);
  if (r.kind === 'hello') result.protocol = r.protocol;
  else if (r.kind === 'pause') result.pause = { pid: r.pid, startTime: r.startTime };
  else if (r.kind === 'started') result.started.set(r.name, { pid: r.pid, startTime: r.startTime });
  else if (r.kind === 'failed') result.failed.set(r.name, r);
  else if (r.kind === 'ready') result.ready = true;
  else result.error = r;
}
