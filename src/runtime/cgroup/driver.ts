// One interface over the host's cgroup backends (STYLE.md: as crun's cgroup drivers are): v2's
// unified hierarchy and v1's hierarchy per controller. Callers (apply, commit, exec, delete) use
// the functions in index.ts and never branch on the kind; everything host-specific is here.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import type { PlannedCgroup } from '../../plan/types';

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

/** Makes the cgroup's directories (and missing parents). */
export function makeCgroupDirs(cg: PlannedCgroup): void {
  for (const d of Object.values(cg.dirs)) mkdirSync(d, { recursive: true, mode: 0o755 });
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
