// The client side of a pod monitor's control socket (docs/protocol.md, "The control socket"):
// `podrun-control 1`, one request per connection, one reply line. delete asks the monitor to
// stop the pod, so the stop runs in Kubernetes' order (preStop hooks, the stop signal, the
// grace period, SIGKILL, sidecars last) by the process that supervises it; Node's own stop
// (stop.ts) is only the fallback for a monitor that cannot be reached.
import type { Socket } from 'net';
import { controlSocketPath } from './helper';

const HELLO = 'podrun-control 1';

export type ControlReply = { ok: true; text: string } | { ok: false; why: string };

/**
 * Sends one request and resolves with the monitor's reply line, or why there is none (no socket:
 * a monitor of an older podrun or one that is gone; it hung up; `timeoutMs` passed).
 */
export async function controlRequest(lastingDir: string, request: string, timeoutMs: number, opts: { noReply?: boolean } = {}): Promise<ControlReply> {
  const { createConnection } = require('net') as typeof import('net'); // lazily: only stop and status need it
  return new Promise((resolve) => {
    let sock: Socket | undefined;
    let buf = '';
    let helloSeen = false;
    let settled = false;
    const done = (r: ControlReply) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock?.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ ok: false, why: `no reply to "${request}" within ${timeoutMs} ms` }), timeoutMs);
    try {
      sock = createConnection({ path: controlSocketPath(lastingDir) });
    } catch (e) {
      done({ ok: false, why: (e as NodeJS.ErrnoException).code ?? String(e) });
      return;
    }
    sock.setEncoding('utf8');
    sock.on('error', (e: NodeJS.ErrnoException) => done({ ok: false, why: e.code ?? e.message }));
    sock.on('close', () => done({ ok: false, why: 'the monitor closed the connection without a reply' }));
    sock.on('data', (chunk: string) => {
      buf += chunk;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!helloSeen) {
          if (line !== HELLO) return done({ ok: false, why: `the monitor speaks "${line.slice(0, 80)}", not ${HELLO}` });
          helloSeen = true;
          // noReply: done once the request is written (the monitor acts on the line as it reads it)
          sock!.write(`${HELLO}\n${request}\n`, () => opts.noReply && done({ ok: true, text: 'sent' }));
        } else if (line.startsWith('ok')) return done({ ok: true, text: line.slice(3) });
        else return done({ ok: false, why: line.slice(0, 200) });
      }
      if (buf.length > 1 << 20) done({ ok: false, why: 'the reply is too long' });
    });
  });
}

/**
 * Sends REQUEST (a `stop`, a `kill`) and does not wait for the reply, which comes only when the
 * pod is down: the monitor acts on the line as it reads it, and a closed client does not undo it.
 */
export async function tellMonitor(lastingDir: string, request: string): Promise<void> {
  await controlRequest(lastingDir, request, 2000, { noReply: true });
}

/** One container in the monitor's `status` reply (docs/protocol.md). */
export interface ControlContainer {
  name: string;
  state: string;
  restartCount: number;
  /** Why it waits: ContainerCreating, PodInitializing, CrashLoopBackOff, RunContainerError... */
  reason?: string;
  /** lastState.terminated: its reason (StartError: a start that failed) and which instance it was. */
  last?: { reason: string; restartCount: number };
}

/** The monitor's `status` reply. */
export interface ControlStatus {
  phase: string;
  stopping: boolean;
  deleting: boolean;
  /** It takes `replace NAME FILE` (absent: a monitor of an older podrun). */
  replace?: boolean;
  containers: ControlContainer[];
}

export async function controlStatus(lastingDir: string, timeoutMs = 2000): Promise<ControlStatus | undefined> {
  const r = await controlRequest(lastingDir, 'status', timeoutMs);
  if (!r.ok) return undefined;
  try {
    return JSON.parse(r.text) as ControlStatus;
  } catch {
    return undefined;
  }
}
