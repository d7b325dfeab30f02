// When podrun first found a pod's monitor gone without having stopped the pod (SIGKILL, a crash):
// `<lasting>/monitor-lost.json`, written once by the first command that notices (get, describe,
// apply, ...). No podrun process is there to see the moment a monitor dies (it takes the pod's
// processes with it, docs/runtime.md), so this is the time podrun can report, and it stays the
// same for every later look. The first writer wins (link(2) of a complete temp file); a file that
// names another monitor is from an earlier pod of that name and is replaced.
import { linkSync, renameSync, unlinkSync, writeFileSync } from 'fs';
import { join } from 'path';
import { isErrno } from '../util/errors';
import { readJsonIfExists } from './atomic';
import type { ProcessIdentity } from './proc';

export interface MonitorLoss {
  version: 1;
  monitor: ProcessIdentity;
  /** RFC 3339: when a podrun command first found the monitor gone. */
  noticedAt: string;
}

export const monitorLossPath = (lastingDir: string) => join(lastingDir, 'monitor-lost.json');

function read(path: string, monitor: ProcessIdentity): MonitorLoss | undefined {
  try {
    const r = readJsonIfExists<MonitorLoss>(path);
    return r && r.version === 1 && r.monitor?.pid === monitor.pid && r.monitor?.startTime === monitor.startTime && typeof r.noticedAt === 'string' ? r : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The notice for `monitor` (recorded now if none is). Never throws: a pod dir being removed or a
 * read-only root gives an unrecorded notice of now.
 */
export function noticeMonitorLoss(lastingDir: string, monitor: ProcessIdentity, now = new Date()): MonitorLoss {
  const path = monitorLossPath(lastingDir);
  const known = read(path, monitor);
  if (known) return known;
  const mine: MonitorLoss = { version: 1, monitor: { pid: monitor.pid, startTime: monitor.startTime }, noticedAt: now.toISOString() };
  const tmp = join(lastingDir, `.monitor-lost.json.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  try {
    writeFileSync(tmp, JSON.stringify(mine) + '\n', { mode: 0o644, flag: 'wx' });
    try {
      linkSync(tmp, path);
    } catch (e) {
      if (!isErrno(e, 'EEXIST')) throw e;
      const other = read(path, monitor);
      if (other) return other; // another command noticed first
      renameSync(tmp, path); // an earlier pod's notice, or unreadable: ours replaces it
      return mine;
    }
    return mine;
  } catch {
    return mine;
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      /* renamed, or never written */
    }
  }
}
