// The launch file: the plan turned into the directive list `podrun-helper monitor` reads
// (docs/protocol.md, "The launch file"). Pure; the helper re-validates every directive.
import { join } from 'path';
import { PodrunError } from '../util/errors';
import type { PodPlan } from '../plan/types';
import type { ResolvedUser } from './users';

export type MountKind = 'dir' | 'file';

export interface LaunchInputs {
  plan: PodPlan;
  /** Per container, in plan order. */
  users: ResolvedUser[];
  /** Per container, per mount (plan order): what to create as the mount point. */
  mountKinds: MountKind[][];
}

/** Where a container's CRI log goes (`logs` reads the same file). */
export const containerLogFile = (logDir: string) => join(logDir, '0.log');

export function launchDirectives(inp: LaunchInputs): string[][] {
  const { plan } = inp;
  const d: string[][] = [['podrun-launch-v1'], ['key', plan.key], ['hostname', plan.hostname]];
  d.push(['ns', 'net', plan.namespaces.net], ['ns', 'ipc', plan.namespaces.ipc], ['ns', 'uts', plan.namespaces.uts]);
  d.push(['ns', 'pid', plan.namespaces.pid]);
  d.push(['poddir', plan.dirs.lasting]);
  // With hostIPC the containers share the host's /dev/shm (as on Kubernetes), so no pod tmpfs.
  if (plan.namespaces.ipc === 'pod') d.push(['shm', plan.dirs.shm, String(plan.shmSizeBytes)]);
  for (const v of plan.volumes) if (v.kind === 'emptyDir' && v.tmpfs) d.push(['tmpfs', v.source, String(v.tmpfs.sizeBytes)]);
  const volumes = new Map(plan.volumes.map((v) => [v.name, v]));
  plan.containers.forEach((c, i) => {
    d.push(['container', c.name]);
    for (const l of c.image.layerDirs ?? []) d.push(['lower', l]);
    d.push(['lower', plan.dirs.init]);
    d.push(['upper', c.dirs.upper], ['work', c.dirs.work], ['rootfs', c.dirs.rootfs]);
    d.push(['log', containerLogFile(c.dirs.logDir)], ['state', c.dirs.stateFile]);
    c.mounts.forEach((m, j) => {
      const v = volumes.get(m.volume);
      if (!v) throw new PodrunError(`internal: container ${c.name} mounts unknown volume ${m.volume}`);
      const mode = m.readOnly ? 'ro' : 'rw';
      const kind = inp.mountKinds[i]?.[j] ?? 'dir';
      if (m.subPath) d.push(['bindsub', v.source, m.subPath, m.mountPath, mode, kind]);
      else d.push(['bind', v.source, m.mountPath, mode, kind]);
    });
    d.push(['cwd', c.workingDir || '/']);
    const u = inp.users[i];
    d.push(['user', String(u.uid), String(u.gid), u.groups.join(',')]);
    for (const e of c.env) d.push(['env', `${e.name}=${e.value}`]);
    for (const a of c.argv) d.push(['arg', a]);
    d.push(['stdin', c.stdin ? '1' : '0'], ['tty', c.tty ? '1' : '0']);
    d.push(['end']);
  });
  return d;
}

/** NUL-terminated strings; a value containing NUL cannot be encoded and is refused. */
export function encodeLaunchFile(inp: LaunchInputs): Buffer {
  const parts: string[] = [];
  for (const dir of launchDirectives(inp))
    for (const s of dir) {
      if (s.includes('\0')) throw new PodrunError(`pod/${inp.plan.name}: a value contains a NUL byte (directive ${dir[0]})`);
      parts.push(s);
    }
  return Buffer.from(parts.map((s) => s + '\0').join(''));
}
