// Process identity: a pid alone can be recycled, so podrun names a process by pid + start time
// (field 22 of /proc/PID/stat, in clock ticks since boot), as crun's libcrun_check_pid_valid does.
import { readdirSync, readFileSync, readlinkSync } from 'fs';
import { escapeMountinfo } from '../util/mountinfo';

export interface ProcessIdentity {
  pid: number;
  startTime: number;
}

export interface ProcStat {
  state: string;
  ppid: number;
  startTime: number;
}

/** Parses /proc/PID/stat; undefined when the process is gone. */
export function readProcStat(pid: number): ProcStat | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  return parseProcStat(text);
}

/** The comm field may contain spaces and ')', so split after the last ')'. */
export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const f = text.slice(close + 2).trim().split(' ');
  // f[0] is field 3 (state), so field N is f[N - 3].
  const startTime = Number(f[22 - 3]);
  const ppid = Number(f[4 - 3]);
  if (!f[0] || !Number.isFinite(startTime)) return undefined;
  return { state: f[0], ppid, startTime };
}

export function readStartTime(pid: number): number | undefined {
  return readProcStat(pid)?.startTime;
}

/** Alive only when the pid still names the same process (start time matches) and it is not a zombie. */
export function isAlive(id: ProcessIdentity | undefined): boolean {
  if (!id || !id.pid) return false;
  const st = readProcStat(id.pid);
  if (!st) return false;
  if (st.startTime !== id.startTime) return false;
  return st.state !== 'Z' && st.state !== 'X' && st.state !== 'x';
}

/** Whether mountinfo `text` names a path strictly below one of `dirs` (as a mount point, a root or in an option). */
export function mountinfoNames(text: string, dirs: string[]): boolean {
  for (const d of dirs) {
    const needle = `${escapeMountinfo(d.replace(/\/+$/, ''))}/`;
    for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
      // a whole path only: after a field separator, `upperdir=`, or lowerdir's `,` and `:`
      if (i === 0 || ' =,:\n'.includes(text[i - 1])) return true;
    }
  }
  return false;
}

/**
 * Every process, outside this process's mount namespace and PID 1's, whose mount namespace holds
 * a mount from below one of `dirs` (a pod's dirs): a container's overlay root (`upperdir=`),
 * its volumes. That finds a pod's processes whatever recorded them or not: a container's first
 * process that outlived its monitor, and what it started, in the host's PID namespace too. The
 * host's own mount namespaces are never judged by their mounts (a mount leaked there must not
 * make every host process a pod's). One mountinfo read per mount namespace.
 */
export function processesWithMountsUnder(dirs: string[]): ProcessIdentity[] {
  const nsOf = (pid: number | 'self') => {
    try {
      return readlinkSync(`/proc/${pid}/ns/mnt`);
    } catch {
      return undefined;
    }
  };
  const skip = new Set([nsOf('self'), nsOf(1)].filter((n): n is string => !!n));
  const byNs = new Map<string, number[]>();
  // Each pid's start time is read before its mount namespace: a pid recycled in between is then
  // named by the old start time, which the pidfd check before any signal refuses.
  const started = new Map<number, number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const pid = Number(e);
    const first = readProcStat(pid);
    if (!first || first.state === 'Z' || first.state === 'X') continue;
    started.set(pid, first.startTime);
    const ns = nsOf(pid);
    if (!ns || skip.has(ns)) continue;
    byNs.set(ns, [...(byNs.get(ns) ?? []), pid]);
  }
  const out: ProcessIdentity[] = [];
  for (const pids of byNs.values()) {
    let text: string | undefined;
    for (const pid of pids) {
      try {
        text = readFileSync(`/proc/${pid}/mountinfo`, 'utf8');
        break;
      } catch {
        /* exited: try the next one */
      }
    }
    if (text === undefined || !mountinfoNames(text, dirs)) continue;
    for (const pid of pids) out.push({ pid, startTime: started.get(pid)! });
  }
  return out;
}
