// Which cgroup hierarchies this host offers podrun, read from /proc/self/mountinfo and the v2
// root's cgroup.controllers (read-only: dry runs gather it too). The freezer is cgroup v2's
// wherever a v2 hierarchy is mounted (pure v2 at /sys/fs/cgroup, or hybrid's
// /sys/fs/cgroup/unified: cgroup.freeze works there even with no controller enabled), else the
// v1 freezer hierarchy; memory, cpu, pids and hugetlb each on v2 where the root offers them, else on
// their v1 hierarchy. PODRUN_CGROUP_DRIVER=v2|v1|none picks one kind (for hosts where the choice
// must differ, and for tests of each backend).
import { readFileSync } from 'fs';
import { join } from 'path';
import { UsageError } from '../../util/errors';
import type { CgroupController, HostCgroups } from '../../plan/types';
import { parseMountinfo } from '../../util/mountinfo';


/** The resource controllers podrun looks for, in the order `podrun info` shows them. */
export const CONTROLLERS: readonly CgroupController[] = ['memory', 'cpu', 'pids', 'cpuacct', 'hugetlb'];

/** The controllers a v2 root offers (its cgroup.controllers); none when it cannot be read. */
function v2ControllersOf(point: string): string[] {
  try {
    return readFileSync(join(point, 'cgroup.controllers'), 'utf8').split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * The freezer's hierarchy, and per resource controller the hierarchy that drives it: the v2
 * root's where it offers the controller (kubelet-resources.md H4.3), else the v1 hierarchy
 * mounted with it. PODRUN_CGROUP_DRIVER=v2|v1 keeps to one kind; none turns cgroups off.
 */
export function detectCgroups(mountinfo?: string, choice = process.env.PODRUN_CGROUP_DRIVER, v2Controllers = v2ControllersOf): HostCgroups {
  let text = mountinfo;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/mountinfo', 'utf8');
    } catch {
      return { driver: 'none', why: 'cannot read /proc/self/mountinfo' };
    }
  }
  // A hierarchy podrun can make cgroups in: its root mounted (not a sub-cgroup bound somewhere), writable.
  const usable = parseMountinfo(text).filter((m) => m.root === '/' && m.options.includes('rw'));
  const v2 = usable.filter((m) => m.fstype === 'cgroup2').sort((a, b) => rank(a.point) - rank(b.point))[0];
  const v1 = usable.filter((m) => m.fstype === 'cgroup');
  const v1Controllers = (m: (typeof v1)[number]) => m.superOptions.filter((o) => o !== 'rw' && o !== 'ro' && !o.includes('='));
  const freezer = v1.find((m) => v1Controllers(m).includes('freezer'));
  if (choice && !['v2', 'v1', 'none'].includes(choice)) return { driver: 'none', why: `PODRUN_CGROUP_DRIVER=${choice} is not v2, v1 or none` };
  if (choice === 'none') return { driver: 'none', why: 'PODRUN_CGROUP_DRIVER=none' };
  const mounts: Record<string, string> = {};
  const controllers: Partial<Record<CgroupController, string>> = {};
  let driver: 'v2' | 'v1';
  if (v2 && choice !== 'v1') {
    driver = 'v2';
    mounts.unified = v2.point;
  } else if (freezer && choice !== 'v2') {
    driver = 'v1';
    mounts.freezer = freezer.point;
  } else
    return { driver: 'none', why: choice ? `no writable cgroup ${choice} hierarchy${choice === 'v1' ? ' with the freezer' : ''} is mounted` : 'no writable cgroup v2 hierarchy or v1 freezer hierarchy is mounted' };
  const offered = driver === 'v2' ? v2Controllers(v2!.point) : [];
  for (const c of CONTROLLERS) {
    if (offered.includes(c)) {
      controllers[c] = 'unified';
      continue;
    }
    const m = choice === 'v2' ? undefined : v1.find((h) => v1Controllers(h).includes(c));
    if (!m) continue;
    const key = v1Controllers(m).join(',');
    mounts[key] = m.point;
    controllers[c] = key;
  }
  return { driver, mounts, controllers };
}

/** The usual places first: pure v2, then hybrid's unified. */
function rank(point: string): number {
  return point === '/sys/fs/cgroup' ? 0 : point === '/sys/fs/cgroup/unified' ? 1 : 2;
}

/**
 * PODRUN_CGROUP_PARENT: where below each cgroup hierarchy's root the pods' cgroups go (default
 * /podrun): a delegated subtree on a systemd host, say. A clean absolute path of plain names.
 */
export function cgroupParent(v = process.env.PODRUN_CGROUP_PARENT): { cgroupParent?: string } {
  if (v === undefined || v === '') return {};
  const parts = v.split('/').slice(1);
  if (!v.startsWith('/') || v.length > 512 || parts.length === 0 || parts.some((p) => p === '' || p === '.' || p === '..' || !/^[A-Za-z0-9_@:+-][A-Za-z0-9_@:+.-]*$/.test(p)))
    throw new UsageError(`PODRUN_CGROUP_PARENT=${JSON.stringify(v)} is not a cgroup folder podrun can use`, 'give an absolute path of plain names, e.g. /podrun, or a delegated subtree such as /system.slice/podrun.service/pods');
  return { cgroupParent: v };
}
