// One interface over the host's cgroup backends (STYLE.md: as crun's cgroup drivers are): v2's
// unified hierarchy and v1's hierarchy per controller. Callers (apply, commit, exec, delete) use
// the functions in index.ts and never branch on the kind; everything host-specific is here.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import type { PlannedCgroup } from '../../plan/types';
import { sharesToWeight } from '../../plan/resources';

export type FreezeState = 'thawed' | 'freezing' | 'frozen';

export interface CgroupDriver {
  /** The directory whose freezer holds the cgroup and everything below it. */
  freezerDir(cg: PlannedCgroup): string;
  /** Asks the kernel to freeze (true) or thaw (false) it; freezing is done once freezeState says so. */
  setFrozen(cg: PlannedCgroup, frozen: boolean): void;
  /** `thawed` when no freeze is asked for; `freezing` until every process below has stopped. */
  freezeState(cg: PlannedCgroup): FreezeState;
  /** SIGKILLs every process in it and below (a frozen v1 process dies only once thawed). */
  killAll(cg: PlannedCgroup, kill: (pid: number) => void): void;
}

const read = (p: string) => readFileSync(p, 'utf8');

/** The cgroup's directories and every one below them, deepest first (the order rmdir needs). */
export function cgroupTree(cg: PlannedCgroup): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let names: string[];
    try {
      names = readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch {
      return; // gone
    }
    for (const n of names) walk(join(d, n));
    out.push(d);
  };
  for (const d of Object.values(cg.dirs)) walk(d);
  return out;
}

/** The processes in the cgroup and below, in any of its hierarchies. */
export function cgroupPids(cg: PlannedCgroup): number[] {
  const pids = new Set<number>();
  for (const d of cgroupTree(cg)) {
    let text = '';
    try {
      text = read(join(d, 'cgroup.procs'));
    } catch {
      continue;
    }
    for (const l of text.split('\n')) if (l) pids.add(Number(l));
  }
  return [...pids];
}

export const v2: CgroupDriver = {
  freezerDir: (cg) => cg.dirs.unified,
  setFrozen: (cg, frozen) => writeFileSync(join(cg.dirs.unified, 'cgroup.freeze'), frozen ? '1' : '0'),
  freezeState(cg) {
    const dir = cg.dirs.unified;
    if (read(join(dir, 'cgroup.freeze')).trim() !== '1') return 'thawed';
    return /^frozen 1$/m.test(read(join(dir, 'cgroup.events'))) ? 'frozen' : 'freezing';
  },
  killAll(cg, kill) {
    // cgroup.kill (Linux 5.14) kills the whole subtree at once, frozen or not, with no pid race.
    const file = join(cg.dirs.unified, 'cgroup.kill');
    if (existsSync(file)) writeFileSync(file, '1');
    else for (const pid of cgroupPids(cg)) kill(pid);
  },
};

export const v1: CgroupDriver = {
  freezerDir: (cg) => cg.dirs.freezer,
  setFrozen: (cg, frozen) => writeFileSync(join(cg.dirs.freezer, 'freezer.state'), frozen ? 'FROZEN' : 'THAWED'),
  freezeState(cg) {
    const s = read(join(cg.dirs.freezer, 'freezer.state')).trim();
    return s === 'THAWED' ? 'thawed' : s === 'FROZEN' ? 'frozen' : 'freezing';
  },
  killAll(cg, kill) {
    for (const pid of cgroupPids(cg)) kill(pid);
  },
};

export function driverFor(cg: PlannedCgroup): CgroupDriver {
  return cg.driver === 'v2' ? v2 : v1;
}

/**
 * Makes the cgroup's directories (and missing parents). On v2 the controllers podrun drives
 * there are enabled for the children of every level from the hierarchy's root down to this
 * cgroup (cgroup.subtree_control, kubelet-resources.md H4.4), so its own files and a child's
 * exist; none of those levels holds a process (the no-internal-processes rule, H4.5).
 */
export function makeCgroupDirs(cg: PlannedCgroup, opts: { parentOfMore?: boolean } = {}): void {
  for (const d of Object.values(cg.dirs)) mkdirSync(d, { recursive: true, mode: 0o755 });
  const v2 = Object.entries(cg.controllers ?? {}).filter(([, h]) => h === 'unified').map(([c]) => c);
  const dir = cg.dirs.unified;
  if (!v2.length || dir === undefined) return;
  const root = dir.slice(0, dir.length - cg.path.length);
  const levels = [root];
  for (const part of cg.path.split('/').filter(Boolean)) levels.push(join(levels[levels.length - 1], part));
  if (!opts.parentOfMore) levels.pop(); // a leaf enables nothing below it
  for (const level of levels) {
    const have = read(join(level, 'cgroup.subtree_control')).split(/\s+/);
    const missing = v2.filter((c) => !have.includes(c));
    if (missing.length) writeFileSync(join(level, 'cgroup.subtree_control'), missing.map((c) => `+${c}`).join(' '));
  }
}

/** A cgroup file the kernel refused a value for: its message names the file and the value. */
export class CgroupWriteError extends Error {
  constructor(
    readonly file: string,
    readonly code: string,
    value: string | number,
  ) {
    super(`cannot write ${value} to ${file}: ${code}`);
  }
}

function put(dir: string, file: string, value: string | number): void {
  try {
    writeFileSync(join(dir, file), String(value));
  } catch (e) {
    throw new CgroupWriteError(join(dir, file), (e as NodeJS.ErrnoException).code ?? String(e), value);
  }
}

/**
 * Writes the cgroup's limits, each in the file of the hierarchy that drives its controller
 * (cgroup v1 or v2, kubelet-resources.md §3.1-3.3, C3.17). Nothing for a controller the host
 * does not have: planning refused the limits it asked for there.
 */
export function writeCgroupLimits(cg: PlannedCgroup): void {
  const l = cg.limits;
  if (!l) return;
  const where = (c: 'memory' | 'cpu' | 'pids' | 'hugetlb') => {
    const h = cg.controllers?.[c];
    return h && cg.dirs[h] !== undefined ? { dir: cg.dirs[h], v2: h === 'unified' } : undefined;
  };
  const pids = where('pids');
  if (pids && l.pidsMax !== undefined) put(pids.dir, 'pids.max', l.pidsMax);
  const mem = where('memory');
  if (mem && mem.v2) {
    if (l.memoryBytes !== undefined) put(mem.dir, 'memory.max', l.memoryBytes);
    if (l.noSwap && existsSync(join(mem.dir, 'memory.swap.max'))) put(mem.dir, 'memory.swap.max', 0);
    if (l.oomGroup && existsSync(join(mem.dir, 'memory.oom.group'))) put(mem.dir, 'memory.oom.group', 1);
  } else if (mem && l.memoryBytes !== undefined) {
    // memsw = memory: no swap (C3.10); the file exists only where the kernel accounts swap. The
    // kernel keeps memory <= memsw: a limit raised (a resize) raises memsw first.
    const memsw = l.noSwap && existsSync(join(mem.dir, 'memory.memsw.limit_in_bytes'));
    const raised = memsw && l.memoryBytes > Number(read(join(mem.dir, 'memory.limit_in_bytes')));
    if (raised) put(mem.dir, 'memory.memsw.limit_in_bytes', l.memoryBytes);
    put(mem.dir, 'memory.limit_in_bytes', l.memoryBytes);
    if (memsw && !raised) put(mem.dir, 'memory.memsw.limit_in_bytes', l.memoryBytes);
  }
  const huge = where('hugetlb');
  // every page size (C3.16), and its reservation limit where the kernel has one (5.7+): with it a
  // mmap past the limit fails with ENOMEM instead of a SIGBUS at the fault
  if (huge)
    for (const [size, bytes] of Object.entries(l.hugetlb ?? {}))
      for (const file of huge.v2 ? [`hugetlb.${size}.max`, `hugetlb.${size}.rsvd.max`] : [`hugetlb.${size}.limit_in_bytes`, `hugetlb.${size}.rsvd.limit_in_bytes`])
        if (!file.includes('.rsvd.') || existsSync(join(huge.dir, file))) put(huge.dir, file, bytes);
  const cpu = where('cpu');
  if (cpu && cpu.v2) {
    if (l.cpuShares !== undefined) put(cpu.dir, 'cpu.weight', sharesToWeight(l.cpuShares, l.weightFormula ?? 'container'));
    if (l.cpuQuotaUs !== undefined) put(cpu.dir, 'cpu.max', `${l.cpuQuotaUs} ${l.cpuPeriodUs ?? 100000}`);
  } else if (cpu) {
    if (l.cpuShares !== undefined) put(cpu.dir, 'cpu.shares', l.cpuShares);
    if (l.cpuQuotaUs !== undefined) {
      put(cpu.dir, 'cpu.cfs_period_us', l.cpuPeriodUs ?? 100000);
      put(cpu.dir, 'cpu.cfs_quota_us', l.cpuQuotaUs);
    }
  }
}

/** The file whose `oom_kill N` line counts the OOM kills in the cgroup (v2 memory.events, v1 memory.oom_control). */
export function oomEventsFile(cg: PlannedCgroup): string | undefined {
  const h = cg.controllers?.memory;
  if (!h || cg.dirs[h] === undefined) return undefined;
  return join(cg.dirs[h], h === 'unified' ? 'memory.events' : 'memory.oom_control');
}

/** rmdir of the cgroup and everything below, deepest first; ENOENT is fine, EBUSY is thrown. */
export function removeCgroupDirs(cg: PlannedCgroup): void {
  for (const d of cgroupTree(cg))
    try {
      rmdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
}
