// Where a pod's cgroups go: `/podrun/<namespace>_<name>-<tag>` in every hierarchy the host
// offers podrun (HostFacts.cgroups), and one directory per container below it (container names
// are DNS labels: never a cgroup's own file name, which all have a dot). The tag is a hash of
// podrun's root (PODRUN_ROOT), so pods of the same name in two roots on one host never share a
// cgroup, and a leak check can tell one root's from another's. Pure.
import { join } from 'path';
import type { Paths } from '../util/paths';
import { sha256Hex } from '../util/sha256';
import type { CgroupLimits, HostCgroups, PlannedCgroup } from './types';

/** The folder below each hierarchy's root that holds every podrun pod's cgroup (PODRUN_CGROUP_PARENT changes it). */
export const CGROUP_PARENT = '/podrun';

/**
 * The pause process's cgroup below the pod's: a leaf of its own (cgroup v2 keeps processes out of
 * a cgroup that enables controllers for its children) with no limits but the pod's, as the
 * kubelet's pause container sits in the pod's cgroup. Not a DNS label (`_`), so never a
 * container's name, and no dot, so never a cgroup's own file.
 */
export const PAUSE_CGROUP = '_pause';

/** The pause process's cgroup (PAUSE_CGROUP) below the pod's cgroup POD. */
export function pauseCgroup(pod: PlannedCgroup): PlannedCgroup {
  const dirs: Record<string, string> = {};
  for (const [name, dir] of Object.entries(pod.dirs)) dirs[name] = join(dir, PAUSE_CGROUP);
  return { driver: pod.driver, path: `${pod.path}/${PAUSE_CGROUP}`, dirs, ...(pod.controllers ? { controllers: pod.controllers } : {}) };
}

/** The 8 hex digits that name a podrun root in its pods' cgroup names. */
export const cgroupRootTag = (paths: Pick<Paths, 'root'>) => sha256Hex(paths.root).slice(0, 8);

function at(cgroups: Extract<HostCgroups, { mounts: unknown }>, path: string, limits?: CgroupLimits): PlannedCgroup {
  const dirs: Record<string, string> = {};
  for (const [name, mount] of Object.entries(cgroups.mounts)) dirs[name] = join(mount, path);
  return { driver: cgroups.driver, path, dirs, ...(cgroups.controllers ? { controllers: cgroups.controllers } : {}), ...(limits ? { limits } : {}) };
}

/**
 * A directory name is at most 255 bytes (NAME_MAX). Validation keeps keys to 246 bytes (the pod
 * lock's file name), so this always fits; a longer key (from elsewhere) ends in 64 bits of a hash
 * of the whole, too many to find a colliding pair by search.
 */
function cgroupName(key: string, tag: string): string {
  const full = `${key}-${tag}`;
  return full.length <= 255 ? full : `${key.slice(0, 229)}-${sha256Hex(key).slice(0, 16)}-${tag}`;
}

/**
 * The pod's cgroup and each container's, with the limits to write (plan/resources.ts); none when
 * the host has no hierarchy podrun can use.
 */
export function planCgroups(
  cgroups: HostCgroups,
  paths: Pick<Paths, 'root'>,
  key: string,
  containers: readonly string[],
  limits: { pod?: CgroupLimits; containers?: Record<string, CgroupLimits> } = {},
  parent = CGROUP_PARENT,
): { pod?: PlannedCgroup; containers: Record<string, PlannedCgroup> } {
  if (cgroups.driver === 'none') return { containers: {} };
  const podPath = `${parent}/${cgroupName(key, cgroupRootTag(paths))}`;
  return {
    pod: at(cgroups, podPath, limits.pod),
    containers: Object.fromEntries(containers.map((c) => [c, at(cgroups, `${podPath}/${c}`, limits.containers?.[c])])),
  };
}
