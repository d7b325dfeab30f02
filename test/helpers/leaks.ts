// What a test may leak, as podrun's own objects only: mounts under the test's own directories,
// podrun processes started since a snapshot, network namespaces, the cgroups of the test root's
// pods. The rest of the host may change while tests run (another program mounting something, or
// another podrun root's pods, must not fail a test).
import { spawnSync } from 'child_process';
import { readdirSync, readFileSync, readlinkSync, rmdirSync } from 'fs';
import { join } from 'path';
import { CGROUP_PARENT, cgroupRootTag } from '../../src/plan/cgroup';
import { parseMountinfo } from '../../src/util/mountinfo';

export interface HostSnapshot {
  mounts: string[];
  pids: Set<number>;
  netns: string[];
}

export function mountPoints(): string[] {
  return parseMountinfo(readFileSync('/proc/1/mountinfo', 'utf8'))
    .map((m) => m.point)
    .sort();
}

/** Mount points at or below `dir` (the host mount table filtered to one test's directory). */
export function mountsUnder(dir: string): string[] {
  return mountPoints().filter((m) => m === dir || m.startsWith(dir.endsWith('/') ? dir : `${dir}/`));
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

/**
 * The processes of podrun under `root` alive now that were not in `before`: any whose command line
 * names the root (a monitor names its launch file), and podrun-helper or pause processes whose
 * mount namespace holds a mount under the root (a pause holds its pod's /dev/shm tmpfs). Pods of
 * other roots on the same host are not counted.
 */
export function newPodrunProcesses(before: HostSnapshot, root: string): { pid: number; cmd: string }[] {
  return newProcesses(before).filter((p) => {
    if (p.cmd.includes(root)) return true;
    try {
      const comm = readFileSync(`/proc/${p.pid}/comm`, 'utf8').trim();
      if (comm !== 'podrun-pause' && comm !== 'podrun-helper') return false;
      return readFileSync(`/proc/${p.pid}/mountinfo`, 'utf8').includes(` ${root}/`);
    } catch {
      return false;
    }
  });
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

/** Mounts added or removed under `dir` since `before`. */
export function mountsDiff(before: HostSnapshot, dir: string): { added: string[]; removed: string[] } {
  const now = mountsUnder(dir);
  const was = before.mounts.filter((m) => m === dir || m.startsWith(`${dir}/`));
  return {
    added: now.filter((m) => !before.mounts.includes(m)),
    removed: was.filter((m) => !now.includes(m)),
  };
}

/**
 * The cgroup dirs of pods under podrun root `root` that exist now, in every cgroup v2 hierarchy
 * and v1 freezer hierarchy of the host (whichever the pods used): `<mount>/podrun/<key>-<tag>`,
 * the tag naming the root (src/plan/cgroup.ts).
 */
export function podrunCgroups(root: string): string[] {
  const tag = `-${cgroupRootTag({ root })}`;
  const mounts = parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8'))
    .filter((m) => m.root === '/' && (m.fstype === 'cgroup2' || m.fstype === 'cgroup'))
    .map((m) => join(m.point, CGROUP_PARENT));
  const out: string[] = [];
  for (const m of mounts) {
    let names: string[] = [];
    try {
      names = readdirSync(m);
    } catch {
      continue; // no podrun cgroup in that hierarchy yet
    }
    for (const n of names) if (n.endsWith(tag)) out.push(join(m, n));
  }
  return out.sort();
}

/** rmdir of leaked cgroup dirs, children first, so a failed test leaves no cgroup on the host (best effort). */
export function removeCgroups(dirs: string[]): void {
  const rm = (d: string) => {
    try {
      for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) rm(join(d, e.name));
      rmdirSync(d);
    } catch {
      /* busy or gone */
    }
  };
  dirs.forEach(rm);
}

/**
 * Every process of podrun pods under `root` alive now, whatever it runs, with the pod key it
 * belongs to: a monitor names its launch file `ROOT/pods/KEY/launch` on its command line; a
 * container process lives in a mount namespace that holds its pod's mounts (its overlay has
 * `upperdir=ROOT/pods/KEY/...`); a pause process (whose root is empty, so its mount table shows
 * nothing) belongs to its parent monitor's pod or, once orphaned, to the pod `pauseKey` names
 * from its hostname (read in its UTS namespace with nsenter). Processes in this process's mount
 * namespace are judged by their command line only (the host's mount table is no evidence), and
 * `exclude` (the test's own tools) not at all.
 */
export function podProcesses(root: string, opts: { exclude?: number[]; pauseKey?: (hostname: string) => string | undefined } = {}): { pid: number; key: string; cmd: string }[] {
  const own = (() => {
    try {
      return readlinkSync('/proc/self/ns/mnt');
    } catch {
      return '';
    }
  })();
  const keyIn = (text: string) => {
    const i = text.indexOf(`${root}/pods/`);
    if (i < 0) return undefined;
    return text.slice(i + root.length + 6).split(/[/\s,]/)[0] || undefined;
  };
  /** null: not a monitor; undefined: a monitor of another root */
  const monitorKey = (pid: number): string | undefined | null => {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      return /podrun-helper monitor /.test(cmd) ? keyIn(cmd) : null;
    } catch {
      return null;
    }
  };
  const out: { pid: number; key: string; cmd: string }[] = [];
  for (const pid of pids()) {
    if (pid === process.pid || opts.exclude?.includes(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state === 'Z' || state === 'X') continue;
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 4).split(' ')[0]);
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      if (!cmd) continue; // kernel thread
      let key = monitorKey(pid) ?? undefined;
      if (!key && cmd === 'podrun-helper pause') {
        const parent = monitorKey(ppid);
        key = parent ?? undefined;
        if (parent === null && opts.pauseKey) {
          const h = spawnSync('nsenter', ['-u', '-t', String(pid), 'hostname'], { encoding: 'utf8' });
          if (h.status === 0) key = opts.pauseKey(h.stdout.trim());
        }
      } else if (!key && readlinkSync(`/proc/${pid}/ns/mnt`) !== own) key = keyIn(readFileSync(`/proc/${pid}/mountinfo`, 'utf8'));
      if (key) out.push({ pid, key, cmd });
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}
