// Snapshots of what a test may leak: mounts (host mountinfo), processes started since, and
// network namespaces. Tests take one before and assert equality after cleanup.
import { readdirSync, readFileSync } from 'fs';

export interface HostSnapshot {
  mounts: string[];
  pids: Set<number>;
  netns: string[];
}

export function mountPoints(): string[] {
  return readFileSync('/proc/1/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ')[4])
    .sort();
}

function pids(): Set<number> {
  return new Set(readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number));
}

function netns(): string[] {
  try {
    return readdirSync('/run/netns').sort();
  } catch {
    return [];
  }
}

export function snapshot(): HostSnapshot {
  return { mounts: mountPoints(), pids: pids(), netns: netns() };
}

/** Processes alive now that were not in `before`, excluding the test's own children that exited. */
export function newProcesses(before: HostSnapshot): { pid: number; cmd: string }[] {
  const out: { pid: number; cmd: string }[] = [];
  for (const pid of pids()) {
    if (before.pids.has(pid) || pid === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state === 'Z' || state === 'X') continue;
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 4).split(' ')[0]);
      if (ppid === 2 || pid === 2) continue; // kernel threads
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      if (!cmd) continue; // kernel thread
      out.push({ pid, cmd });
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

export function mountsDiff(before: HostSnapshot): { added: string[]; removed: string[] } {
  const now = mountPoints();
  return {
    added: now.filter((m) => !before.mounts.includes(m)),
    removed: before.mounts.filter((m) => !now.includes(m)),
  };
}
