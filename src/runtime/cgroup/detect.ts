// Which cgroup hierarchies this host offers podrun, read from /proc/self/mountinfo (read-only:
// dry runs gather it too). cgroup v2 wherever a v2 hierarchy is mounted (pure v2 at
// /sys/fs/cgroup, or hybrid's /sys/fs/cgroup/unified: cgroup.freeze works there even with no
// controller enabled), else the v1 freezer hierarchy. PODRUN_CGROUP_DRIVER=v2|v1|none picks one
// (for hosts where the choice must differ, and for tests of each backend).
import { readFileSync } from 'fs';
import type { HostCgroups } from '../../plan/types';
import { parseMountinfo } from '../../util/mountinfo';


export function detectCgroups(mountinfo?: string, choice = process.env.PODRUN_CGROUP_DRIVER): HostCgroups {
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
  const freezer = usable.find((m) => m.fstype === 'cgroup' && m.superOptions.includes('freezer'));
  if (choice && !['v2', 'v1', 'none'].includes(choice)) return { driver: 'none', why: `PODRUN_CGROUP_DRIVER=${choice} is not v2, v1 or none` };
  if (choice === 'none') return { driver: 'none', why: 'PODRUN_CGROUP_DRIVER=none' };
  if (v2 && choice !== 'v1') return { driver: 'v2', mounts: { unified: v2.point } };
  if (freezer && choice !== 'v2') return { driver: 'v1', mounts: { freezer: freezer.point } };
  return { driver: 'none', why: choice ? `no writable cgroup ${choice} hierarchy${choice === 'v1' ? ' with the freezer' : ''} is mounted` : 'no writable cgroup v2 hierarchy or v1 freezer hierarchy is mounted' };
}

/** The usual places first: pure v2, then hybrid's unified. */
function rank(point: string): number {
  return point === '/sys/fs/cgroup' ? 0 : point === '/sys/fs/cgroup/unified' ? 1 : 2;
}
