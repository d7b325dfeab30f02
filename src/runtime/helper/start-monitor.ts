// Starting a pod's monitor (`podrun-helper monitor LAUNCH_FILE`) and reading its handshake on
// fd 3 to EOF. The monitor is detached (own session, stdio on /dev/null): it outlives this CLI.
// It also gets the pod lock as fd 4, so that a CLI killed before the monitor has recorded itself
// leaves the pod locked rather than unfindable.
// The addon starts it (clone with CLONE_VM|CLONE_VFORK) rather than child_process, whose fork of
// the Node process and module loading cost ~20 ms of every apply.
import { close, read, writeSync } from 'fs';
import { native, staleBuildError, NATIVE_PROTOCOL } from '../../util/native';
import { helperPath } from './binary';
import { addHandshakeRecord, parseHandshakeLine, type HandshakeResult } from './handshake';

export interface StartMonitorOptions {
  timeoutMs?: number;
  onUnknown?: (line: string) => void;
  /** The pod lock's fd: the monitor holds it too until its monitor.json is written (fd 4, docs/protocol.md). */
  lockFd?: number;
  /**
   * The network gate (protocol 10): called once the pause runs, before any container starts; it
   * sets up the pod network and returns the pod's addresses, which go back to the monitor on the
   * same socket (`go IP IPS`). Throwing stops the start: the error is `gateError`.
   */
  gate?: (pause: { pid: number; startTime: number }) => { ip: string; ips: string[] };
}

export function startMonitor(launchFile: string, opts: StartMonitorOptions = {}): Promise<HandshakeResult> {
  return new Promise((resolve, reject) => {
    const helper = helperPath();
    let child: { pid: number; fd: number };
    try {
      child = native().spawnDetached(helper, [helper, 'monitor', launchFile], opts.lockFd);
    } catch (e) {
      reject(e);
      return;
    }
    const result: HandshakeResult = { monitorPid: child.pid, records: [], started: new Map(), failed: new Map(), ready: false };
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
      if (r) addHandshakeRecord(result, r);
      else opts.onUnknown?.(line);
      if (r?.kind === 'pause' && opts.gate) answerGate(child.fd, result, () => opts.gate!(r));
    };
    const buf = Buffer.alloc(4096);
    let pending = Buffer.alloc(0);
    const next = () =>
      read(child.fd, buf, 0, buf.length, null, (err, n) => {
        if (err || n === 0) {
          close(child.fd, () => undefined);
          if (!err && pending.length) take(pending.toString('utf8'));
          // A helper of another build: whatever else it said cannot be trusted to mean the same.
          // Nothing at all is a monitor that died before its first line (the caller says so).
          const silent = result.protocol === undefined && result.records.length === 0;
          if (!err && !silent && result.protocol !== NATIVE_PROTOCOL) err = staleBuildError(`podrun-helper (${helper})`, result.protocol ?? 1);
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

function answerGate(fd: number, result: HandshakeResult, gate: () => { ip: string; ips: string[] }): void {
  let answer = 'stop\n';
  try {
    const a = gate();
    answer = `go ${a.ip} ${a.ips.join(',')}\n`;
  } catch (e) {
    result.gateError = e;
  }
  try {
    writeSync(fd, answer);
  } catch {
    /* the monitor is gone: its EOF ends the handshake */
  }
}
