// Process identity: a pid alone can be recycled, so podrun names a process by pid + start time
// (field 22 of /proc/PID/stat, in clock ticks since boot), as crun's libcrun_check_pid_valid does.
import { readFileSync } from 'fs';

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
