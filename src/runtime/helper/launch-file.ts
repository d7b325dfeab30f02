// The launch file: the plan turned into the directive list `podrun-helper monitor` reads
// (docs/protocol.md, "The launch file"). Pure; the helper re-validates every directive and
// applies exactly what it says: every policy value comes from the plan.
import { join } from 'path';
import { PodrunError } from '../../util/errors';
import { NATIVE_PROTOCOL } from '../../util/native';
import { CAPABILITY_NUMBERS } from '../../plan/security';
import type { PlannedHandler, PlannedSupervisedContainer, PodPlan, PlannedContainer, PlannedSecurity } from '../../plan/types';
import { sha256Hex } from '../../util/sha256';
import { oomEventsFile } from '../cgroup/driver';
import { bytesText } from '../../plan/resources';
import { pauseCgroup } from '../../plan/cgroup';

export const LAUNCH_MAGIC = `podrun-launch-v${NATIVE_PROTOCOL}`;

/**
 * Where an instance of a container writes its CRI log: `<logDir>/<restartCount>.log`, as the
 * kubelet names them; the launch file gives instance 0's, the monitor derives the others (it
 * keeps the current and the previous instance's, docs/protocol.md).
 */
export const containerLogFile = (logDir: string, restartCount = 0) => join(logDir, `${restartCount}.log`);

/**
 * The compiled seccomp program a container runs under: `<lasting>/seccomp/<sha256>.bpf`, one per
 * distinct profile and capability set of the pod (apply writes it; the monitor and every exec read
 * it). Undefined for Unconfined. A pure function of the plan, so exec finds the file from pod.json.
 */
export function seccompProgramFile(lastingDir: string, s: Pick<PlannedSecurity, 'seccomp' | 'capabilities'>): string | undefined {
  const sc = s.seccomp;
  if (!sc || sc.profile === 'Unconfined') return undefined;
  const caps = [...new Set(s.capabilities)].sort();
  return join(lastingDir, 'seccomp', `${sha256Hex([sc.profile, sc.localhostProfile ?? '', caps.join(',')].join('\n'))}.bpf`);
}

/** The pause process's own program (plan/seccomp-pause.ts), one per pod. */
export const pauseSeccompProgramFile = (lastingDir: string): string => join(lastingDir, 'seccomp', 'pause.bpf');

/** `all`, `none` or the capability numbers, ascending. */
export function encodeCapabilities(names: readonly string[]): string {
  const nums = [...new Set(names.map((n) => {
    const v = CAPABILITY_NUMBERS[n];
    if (v === undefined) throw new PodrunError(`internal: unknown capability ${n} in the plan`);
    return v;
  }))].sort((a, b) => a - b);
  if (nums.length === 0) return 'none';
  return nums.join(',');
}

/** Whose handler a directive is: the probe kinds, then the hooks (launch.c `owners`). */
type Owner = 'startup' | 'liveness' | 'readiness' | 'postStart' | 'preStop';

function handlerDirectives(owner: Owner, h: PlannedHandler, d: string[][]): void {
  switch (h.type) {
    case 'exec':
      for (const a of h.command) d.push(['execarg', owner, a]);
      return;
    case 'httpGet':
      d.push(['httpget', owner, h.scheme, h.host, String(h.port), h.path]);
      for (const x of h.headers) d.push(['httpheader', owner, x.name, x.value]);
      return;
    case 'tcpSocket':
      d.push(['tcpsocket', owner, h.host, String(h.port)]);
      return;
    case 'grpc':
      d.push(['grpc', owner, h.host, String(h.port), h.service]);
      return;
    case 'sleep':
      d.push(['sleep', owner, String(h.ms)]);
      return;
  }
}

/** A container's part of the plan's supervision, in the order the helper's dump prints it. */
function supervisionDirectives(s: PlannedSupervisedContainer, d: string[][]): void {
  d.push(['kind', s.kind], ['restart', s.restartPolicy], ['stopsignal', String(s.stopSignal)]);
  d.push(['termination', s.terminationMessage.path, s.terminationMessage.policy]);
  for (const k of ['startup', 'liveness', 'readiness'] as const) {
    const p = s.probes[k];
    if (!p) continue;
    d.push(['probe', k, String(p.delayMs), String(p.periodMs), String(p.timeoutMs), String(p.successThreshold), String(p.failureThreshold), p.graceMs === undefined ? '-' : String(p.graceMs)]);
    handlerDirectives(k, p.handler, d);
  }
  if (s.postStart) handlerDirectives('postStart', s.postStart, d);
  if (s.preStop) handlerDirectives('preStop', s.preStop, d);
}

function containerDirectives(plan: PodPlan, c: PlannedContainer, d: string[][]): void {
  const volumes = new Map(plan.volumes.map((v) => [v.name, v]));
  if (!c.user) throw new PodrunError(`internal: container ${c.name} has no resolved user`);
  d.push(['container', c.name]);
  for (const l of c.image.layerDirs ?? []) d.push(['lower', l]);
  d.push(['lower', plan.dirs.init]);
  d.push(['upper', c.dirs.upper], ['work', c.dirs.work], ['rootfs', c.dirs.rootfs]);
  d.push(['log', containerLogFile(c.dirs.logDir)], ['state', c.dirs.stateFile]);
  // joined first, so a freeze of the pod's cgroup holds the container from its first step
  for (const dir of Object.values(c.cgroup?.dirs ?? {})) d.push(['cgroup', dir]);
  if (c.storageLimit) d.push(['storagelimit', String(c.storageLimit.bytes), c.storageLimit.text]);
  const oom = c.cgroup ? oomEventsFile(c.cgroup) : undefined;
  if (oom) d.push(['oomevents', oom]);
  // Its own cgroup namespace and its cgroups at /sys/fs/cgroup (docs/runtime.md, "Resources")
  if (c.cgroup?.controllers) {
    d.push(['cgroupns']);
    const dirs = Object.entries(c.cgroup.dirs);
    if (dirs.length === 1 && dirs[0][0] === 'unified') d.push(['cgroupview', '', '-']);
    else for (const [name, dir] of dirs) d.push(['cgroupview', name, name === 'unified' ? '-' : dir]);
  }
  for (const m of c.mounts) {
    const v = volumes.get(m.volume);
    if (!v) throw new PodrunError(`internal: container ${c.name} mounts unknown volume ${m.volume}`);
    const mode = m.readOnly ? 'ro' : 'rw';
    // A hostPath is resolved and checked by the helper on the fd it mounts (its type, the deny list).
    const host = v.kind === 'hostPath' ? [v.hostPathType ? HOST_TYPES[v.hostPathType] : 'any'] : [];
    const name = `${host.length ? 'host' : ''}bind${m.subPath ? 'sub' : ''}`;
    d.push([name, v.source, ...(m.subPath ? [m.subPath] : []), m.mountPath, mode, m.kind, ...host]);
  }
  // The managed /etc/hosts (Services' names, kept current), unless the container mounts its own, as the kubelet's.
  if (plan.dirs.hosts && !c.mounts.some((m) => m.mountPath === '/etc/hosts')) d.push(['bind', plan.dirs.hosts, '/etc/hosts', 'ro', 'file']);
  d.push(['cwd', c.workingDir || '/']);
  d.push(['user', String(c.user.uid), String(c.user.gid), c.user.groups.join(',')]);
  for (const e of c.env) d.push(['env', `${e.name}=${e.value}`]);
  for (const a of c.argv) d.push(['arg', a]);
  d.push(['stdin', c.stdin ? '1' : '0'], ['tty', c.tty ? '1' : '0']);
  // only when set: a launch file without it still reads in a monitor before stdinOnce
  if (c.stdinOnce) d.push(['stdinonce', '1']);
  const s = c.security;
  d.push(['caps', encodeCapabilities(s.capabilities)], ['devsize', String(s.devSizeBytes)]);
  for (const dev of s.devices) d.push(['device', dev.path, dev.type, String(dev.major), String(dev.minor)]);
  for (const p of s.maskedPaths) d.push(['maskpath', p]);
  for (const p of s.readonlyPaths) d.push(['readonlypath', p]);
  d.push(['readonlyroot', s.readOnlyRootFilesystem ? '1' : '0'], ['sysfs', s.writableSysfs ? 'rw' : 'ro']);
  d.push(['nonewprivs', s.noNewPrivileges ? '1' : '0']);
  const program = seccompProgramFile(plan.dirs.lasting, s);
  if (program) d.push(['seccomp', program]);
  // the profile the container's process execs into (its process only: exec passes it again)
  if (s.appArmor?.profile) d.push(['apparmor', s.appArmor.profile]);
  // the kubelet never creates it: the monitor fails each start, with back-off (protocol 9)
  if (c.configError) d.push(['configerror', c.configError.message.replace(/[\r\n]+/g, ' ').slice(0, 1024)]);
  // supervision (the monitor does not act on it yet: docs/supervision.md)
  if (plan.supervision) {
    const sv = plan.supervision.containers.find((x) => x.name === c.name);
    if (!sv) throw new PodrunError(`internal: container ${c.name} has no supervision in the plan`);
    supervisionDirectives(sv, d);
  }
  d.push(['end']);
}

/** hostPath.type as the helper checks it on the opened source; the *OrCreate ones exist by then. */
const HOST_TYPES: Record<string, string> = {
  '': 'any',
  Directory: 'Directory',
  DirectoryOrCreate: 'Directory',
  File: 'File',
  FileOrCreate: 'File',
  Socket: 'Socket',
  CharDevice: 'CharDevice',
  BlockDevice: 'BlockDevice',
};

export function launchDirectives(plan: PodPlan): string[][] {
  const d: string[][] = [[LAUNCH_MAGIC], ['key', plan.key], ['hostname', plan.hostname]];
  // On a CNI network the monitor waits after the pause for the addresses (the network gate).
  if (plan.network) d.push(['netgate', plan.network.tokens.ip, plan.network.tokens.ips]);
  for (const a of plan.notify ?? []) d.push(['notify', a]);
  // held by the monitor for the pod's life, so the kernel settles who has a port (protocol 10)
  // (not SCTP: a root socket of it would make the host load the sctp module for a manifest, as kube-proxy avoids)
  for (const m of plan.network?.portMappings ?? []) if (m.protocol !== 'sctp') d.push(['hostport', m.protocol, m.hostIP ?? '-', String(m.hostPort)]);
  d.push(['ns', 'net', plan.namespaces.net], ['ns', 'ipc', plan.namespaces.ipc], ['ns', 'uts', plan.namespaces.uts]);
  d.push(['ns', 'pid', plan.namespaces.pid]);
  d.push(['poddir', plan.dirs.lasting]);
  if (plan.userNamespace) d.push(['userns', String(plan.userNamespace.hostId), String(plan.userNamespace.length)]);
  for (const p of plan.deniedHostPaths.all) d.push(['denyhostpath', p]);
  for (const p of plan.deniedHostPaths.devices) d.push(['denydevicepath', p]);
  // With hostIPC the containers share the host's /dev/shm (as on Kubernetes), so no pod tmpfs.
  if (plan.namespaces.ipc === 'pod') d.push(['shm', plan.dirs.shm, String(plan.shmSizeBytes)]);
  for (const v of plan.volumes)
    if (v.kind === 'emptyDir' && (v.tmpfs || v.hugetlbfs))
      d.push([v.hugetlbfs ? 'hugetlbfs' : 'tmpfs', v.source, String(v.hugetlbfs ? v.hugetlbfs.pageSizeBytes : v.tmpfs!.sizeBytes), (v.mode ?? 0o777).toString(8).padStart(4, '0'), v.fsGroup !== undefined ? String(v.fsGroup) : '-']);
  for (const x of plan.sysctls) d.push(['sysctl', x.name, x.value]);
  d.push(['pauseseccomp', pauseSeccompProgramFile(plan.dirs.lasting)]);
  // joined first by the pause, so that what a container that may ptrace it makes it run is the pod's to bear
  if (plan.cgroup) for (const dir of Object.values(pauseCgroup(plan.cgroup).dirs)) d.push(['pausecgroup', dir]);
  const sv = plan.supervision;
  if (sv) {
    const b = sv.backoff;
    d.push(['restartpolicy', sv.restartPolicy], ['grace', String(sv.graceMs)], ['mingrace', String(sv.minGraceMs)], ['backoff', String(b.initialMs), String(b.maxMs), String(b.resetMs)]);
  }
  // The local storage checks (E6.3): every disk emptyDir (its usage counts in the pod's), with its sizeLimit
  if (plan.storage) {
    d.push(['storagecheck', String(plan.storage.checkMs)]);
    for (const v of plan.volumes)
      if (v.kind === 'emptyDir' && !v.tmpfs && !v.hugetlbfs) d.push(['emptydir', v.name, v.source, String(v.sizeLimitBytes ?? 0), v.sizeLimitBytes ? bytesText(v.sizeLimitBytes) : '-']);
    if (plan.storage.podLimit) d.push(['podstoragelimit', String(plan.storage.podLimit.bytes), plan.storage.podLimit.text]);
  }
  // Init containers first, as the state machine orders them. One the kubelet would refuse to
  // create (configError) is there too, with `configerror`: its every start fails, backed off.
  for (const c of [...(plan.initContainers ?? []), ...plan.containers]) containerDirectives(plan, c, d);
  return d;
}

/** NUL-terminated strings; a value containing NUL cannot be encoded and is refused. */
export function encodeLaunchFile(plan: PodPlan): Buffer {
  const parts: string[] = [];
  for (const dir of launchDirectives(plan))
    for (const s of dir) {
      if (s.includes('\0')) throw new PodrunError(`pod/${plan.name}: a value contains a NUL byte (directive ${dir[0]})`);
      parts.push(s);
    }
  return Buffer.from(parts.map((s) => s + '\0').join(''));
}
