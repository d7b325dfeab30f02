// Everything apply creates on disk before the monitor runs: the pod dirs, the init layer, each
// container's upper/work/rootfs/log dirs, emptyDirs, hostPath checks and the hostPaths that are
// created (DirectoryOrCreate, FileOrCreate), and the pod's cgroups. Every creation is
// recorded so a failure before the monitor starts can undo exactly what this apply made.
import { everyContainer } from '../plan/containers';
import { removeTree } from '../util/remove-tree';
import { chmodSync, chownSync, mkdirSync, realpathSync, Stats, statSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';
import { ManifestError, PodrunError, SyscallError } from '../util/errors';
import { readObject, withObjectsLockSync } from '../state/objects';
import type { CreatedHostPath, PodrunNative } from '../util/native';
import { deniedHostPath } from '../manifest/rules';
import type { PlannedVolume, PodPlan } from '../plan/types';
import { createPodCgroups } from './cgroup';
import { prepareConfigVolumes } from './config-volumes';
import { createEphemeralClaims, deleteEphemeralClaims } from './ephemeral-claims';
import type { Paths } from '../util/paths';

export interface Prepared {
  /** Removes what was created, newest first. Never throws. */
  undo(): void;
}

interface Where {
  file: string;
  /** The line a field is written on, for error messages. */
  lineOf?: (path: (string | number)[]) => number;
  /** Index of each volume name in the manifest's spec.volumes (for error paths). */
  volumeIndex: (name: string) => number;
  /** podrun's state dirs, refused as hostPaths also when a symlink leads there. */
  stateDirs?: string[];
  /** What creates DirectoryOrCreate and FileOrCreate paths: the addon's, or a fake in unit tests. */
  host?: HostPathCreator;
  /** The store the config volumes' objects are read from (needed when the plan has any). */
  paths?: Paths;
}

/** The addon's calls that create a hostPath by fds and take it away again. */
export type HostPathCreator = Pick<PodrunNative, 'createHostPath' | 'removeCreatedHostPath'>;

const nativeCreator = (): HostPathCreator => (require('../util/native') as typeof import('../util/native')).native();

function statOrUndefined(p: string): Stats | undefined {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}

export function prepareDirs(plan: PodPlan, where: Where): Prepared {
  const undo: (() => void)[] = [];
  const mkdirOwned = (p: string, mode = 0o755) => {
    // Pod-owned dirs: removed whole on undo if this call created their topmost missing ancestor.
    const first = mkdirSync(p, { recursive: true, mode });
    if (first) undo.push(() => removeTree(first));
    chmodSync(p, mode); // mkdir's mode is filtered by the umask; 0777/1777 must be exact
  };
  const rollback = () => {
    for (const u of undo.reverse())
      try {
        u();
      } catch {
        /* best effort: keep undoing the rest */
      }
  };
  try {
    // The shared parents (<root>/pods, <runRoot>/pods) are never undone: other pods live there.
    mkdirSync(dirname(plan.dirs.lasting), { recursive: true, mode: 0o700 });
    mkdirSync(dirname(plan.dirs.live), { recursive: true, mode: 0o700 });
    mkdirOwned(plan.dirs.lasting, 0o700);
    mkdirOwned(plan.dirs.live, 0o700);
    const etc = join(plan.dirs.init, 'etc');
    mkdirOwned(etc);
    writeFileSync(join(etc, 'hosts'), plan.hosts, { mode: 0o644 });
    if (plan.dirs.hosts) writeFileSync(plan.dirs.hosts, plan.hosts, { mode: 0o644 });
    writeFileSync(join(etc, 'hostname'), plan.hostname + '\n', { mode: 0o644 });
    writeFileSync(join(etc, 'resolv.conf'), plan.resolvConf, { mode: 0o644 });
    mkdirOwned(plan.dirs.shm, 0o1777);
    for (const { c } of everyContainer(plan)) {
      for (const d of [c.dirs.upper, c.dirs.work, c.dirs.rootfs, c.dirs.logDir, dirname(c.dirs.stateFile)]) mkdirOwned(d);
    }
    // An ephemeral volume's claim is stored before its directory is made (the store's lock taken for it).
    if (plan.volumes.some((v) => v.claim?.ephemeral)) {
      if (!where.paths) throw new Error('prepareDirs: ephemeral claims need the paths of the object store');
      const paths = where.paths;
      createEphemeralClaims(paths, plan);
      undo.push(() => deleteEphemeralClaims(paths, plan));
    }
    for (const v of plan.volumes) {
      if (v.kind === 'emptyDir') {
        // As kubelet does: world-writable so a container running as any user can use it; with
        // fsGroup owned by that group and setgid (a Memory one gets the same as tmpfs options).
        mkdirOwned(v.source, v.mode ?? 0o777);
        if (v.fsGroup !== undefined) chownSync(v.source, 0, v.fsGroup);
      } else if (v.kind === 'claim') {
        // A claim's directory outlives the pod (its data is the claim's): never undone here
        // (an ephemeral claim's goes with its pod: deleteEphemeralClaims).
        // <root>/claims is root's alone: a claim's data (setuid files a container made among
        // it) is reached through the pod's mounts only
        mkdirSync(dirname(v.source), { recursive: true, mode: 0o700 });
        // the claim is there still (a `delete pvc` since the plan would leave a directory behind)
        const makeClaimDir = () => {
          if (where.paths && !v.claim!.ephemeral && !readObject(where.paths, 'PersistentVolumeClaim', plan.namespace, v.claim!.name))
            throw new PodrunError(`pod/${plan.name}: volume "${v.name}": persistentvolumeclaim "${v.claim!.name}" not found (deleted since the pod was planned)`, 'apply the claim again');
          if (!statOrUndefined(v.source)) {
            mkdirSync(v.source, { mode: 0o777 });
            chmodSync(v.source, v.fsGroup !== undefined ? 0o2777 : 0o777);
            if (v.fsGroup !== undefined) chownSync(v.source, 0, v.fsGroup);
          }
        };
        if (where.paths) withObjectsLockSync(where.paths, makeClaimDir);
        else makeClaimDir();
      } else if (v.kind === 'hostPath') checkHostPath(v, plan.deniedHostPaths.all, where, undo);
    }
    // Image volumes: the image's layers as a read-only overlay on the host (bound into containers)
    for (const v of plan.volumes) if (v.kind === 'image') undo.push(mountImageVolume(v));
    // The config volumes' tmpfs, written from the store (a missing object fails the apply here).
    if (plan.dirs.config) {
      if (!where.paths) throw new Error('prepareDirs: config volumes need the paths of the object store');
      const paths = where.paths;
      undo.push(prepareConfigVolumes(paths, plan));
    }
    // Last: the cgroups (nothing of them is undone by removing the pod dirs).
    undo.push(createPodCgroups(plan));
    return { undo: rollback };
  } catch (e) {
    rollback();
    throw e;
  }
}

const TYPE_TEST: Record<string, [(s: Stats) => boolean, string]> = {
  Directory: [(s) => s.isDirectory(), 'a directory'],
  File: [(s) => s.isFile(), 'a regular file'],
  Socket: [(s) => s.isSocket(), 'a UNIX socket'],
  CharDevice: [(s) => s.isCharacterDevice(), 'a character device'],
  BlockDevice: [(s) => s.isBlockDevice(), 'a block device'],
};

function checkHostPath(v: PlannedVolume, denied: string[], where: Where, undo: (() => void)[]): void {
  const type = v.hostPathType ?? '';
  const fail = (detail: string, hint: string): never => {
    const path = ['spec', 'volumes', where.volumeIndex(v.name), 'hostPath', 'path'];
    throw new ManifestError(where.file, path, detail, hint, where.lineOf?.(path));
  };
  const st = statOrUndefined(v.source);
  // Validation checked the path as written. Where it leads now is checked here too, for a clear
  // error before anything starts; the check that holds is the helper's, on the very fd it mounts
  // (a symlink swapped after this one cannot change what is mounted).
  if (st) {
    let real: string;
    try {
      real = realpathSync(v.source);
    } catch (e) {
      fail(`${v.source} cannot be resolved: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, 'point hostPath.path at a path on this machine that podrun can resolve (not through /proc)');
      return;
    }
    const denied = real !== v.source ? deniedHostPath(real, where.stateDirs ?? [], type) : undefined;
    if (denied) fail(`${v.source} leads to ${real} through a symlink, which is not allowed: ${denied.why}`, denied.hint);
  }
  if (type === '' && st && (st.isCharacterDevice() || st.isBlockDevice()))
    fail(`${v.source} is a device node; a hostPath of type "" is never one`, 'to give a pod a device, set hostPath.type to CharDevice or BlockDevice');
  if (type === 'DirectoryOrCreate' || (type === '' && !st)) {
    if (st && !st.isDirectory()) fail(`${v.source} exists but is not a directory (type ${type || '""'})`, 'point hostPath.path at a directory, or change hostPath.type');
    if (!st) createHostPath(v.source, false, type, denied, where, undo, fail);
    return;
  }
  if (type === 'FileOrCreate') {
    if (st && !st.isFile()) fail(`${v.source} exists but is not a regular file (type FileOrCreate)`, 'point hostPath.path at a file, or change hostPath.type');
    if (!st) createHostPath(v.source, true, type, denied, where, undo, fail);
    return;
  }
  if (type === '') return;
  const test = TYPE_TEST[type];
  if (!test) fail(`unknown hostPath type ${type}`, 'use Directory, DirectoryOrCreate, File, FileOrCreate, Socket, CharDevice or BlockDevice');
  if (!st)
    fail(
      `${v.source} does not exist (type ${type})`,
      type === 'Directory' ? 'create it first, or use type DirectoryOrCreate' : type === 'File' ? 'create it first, or use type FileOrCreate' : `hostPath type ${type} needs an existing ${test[1]}`,
    );
  if (!test[0](st!)) fail(`${v.source} is not ${test[1]} (type ${type})`, 'point hostPath.path at the right thing, or change hostPath.type');
}

/**
 * The missing part of a DirectoryOrCreate or FileOrCreate path, made by the addon by fds from its
 * nearest existing ancestor, checked on that fd (docs/security.md, escape 9): a
 * symlink a pod plants or swaps into a hostPath it can write decides nothing about where host
 * root creates. Undo takes away only what this apply made, while it is still empty.
 */
function createHostPath(source: string, isFile: boolean, type: string, denied: string[], where: Where, undo: (() => void)[], fail: (detail: string, hint: string) => never): void {
  const host = where.host ?? nativeCreator();
  let made: CreatedHostPath | null;
  try {
    made = host.createHostPath(source, isFile, denied);
  } catch (e) {
    if (!(e instanceof SyscallError)) throw e;
    return fail(...creationError(e, source, type, where.stateDirs ?? []));
  }
  if (made && made.made.some(Boolean)) {
    const m = made;
    undo.push(() => host.removeCreatedHostPath(m, isFile));
  }
}

function creationError(e: SyscallError, source: string, type: string, stateDirs: string[]): [string, string] {
  const at = e.path ?? source;
  if (e.syscall === 'hostpath') {
    const d = deniedHostPath(at, stateDirs, type);
    return [
      `${source} does not exist, and creating it would make ${at}${at !== source ? ' (its existing part leads there through a symlink)' : ''}, which is not allowed: ${d?.why ?? 'podrun never gives a pod /, /proc, /sys, /dev or its own state'}`,
      d?.hint ?? 'mount a specific directory, e.g. `./data` or `/srv/app`',
    ];
  }
  if (e.syscall === 'hostpath-fs')
    return [
      `${source} does not exist, and it would be created in ${at}, which is on a kernel filesystem (procfs, sysfs, cgroup and the like): podrun creates nothing there`,
      'point hostPath.path at a directory on an ordinary filesystem',
    ];
  if (e.code === 'ELOOP')
    return [
      `cannot create ${source}: ${at} is a symbolic link (one that leads nowhere, or one that appeared while podrun was creating the path), and podrun follows no symlink in the part of a hostPath it creates`,
      'remove the symlink or point hostPath.path at where it leads; if something keeps changing the path (a pod writing there), give this pod a path nothing else writes',
    ];
  if (e.code === 'ENOENT' && type === 'FileOrCreate')
    return [`cannot create ${source}: its directory ${dirname(source)} does not exist`, 'FileOrCreate creates the file but not its parent directory; create the directory first'];
  if (e.code === 'ENOTDIR') return [`cannot create ${source}: ${at} is not a directory`, 'point hostPath.path at a path below a directory'];
  return [`cannot create ${source}: ${e.syscall} ${at}: ${e.code}`, 'check that podrun can write there (a read-only or full filesystem?)'];
}

/** An image volume's overlay (overlayfs takes no fewer than two layers without an upper one: an empty one under a single layer). */
function mountImageVolume(v: PlannedVolume): () => void {
  const layers = v.image?.layerDirs;
  if (!layers?.length) throw new PodrunError(`volume "${v.name}": image ${v.image?.ref} has no layers here`, 'pull the image (podrun pull) and apply again');
  mkdirSync(v.source, { recursive: true, mode: 0o755 });
  const top = [...layers].reverse();
  if (top.length === 1) {
    const empty = join(dirname(v.source), '.empty');
    mkdirSync(empty, { recursive: true, mode: 0o755 });
    top.push(empty);
  }
  const n = (require('../util/native') as typeof import('../util/native')).native();
  n.mountLayers(v.source, top);
  return () => void n.unmount(v.source);
}
