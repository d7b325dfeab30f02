// What a container gets from the runtime besides its image and volumes, as plan data: the
// capability bounding set, the /dev inventory and size, the /proc and /sys paths that are hidden
// or read-only, whether its root and /sys are writable, the seccomp profile and no_new_privs.
// podrun-helper applies exactly this and decides nothing (docs/protocol.md, docs/security.md).
// The defaults: podman's capability set (containers/common pkg/config default_capabilities),
// moby's masked and read-only paths and the OCI default devices (daemon/pkg/oci/defaults.go),
// which containerd and podman share, and podman's seccomp default (RuntimeDefault when the
// manifest names no profile).
import { posix } from 'path';
import type { PodManifest } from '../manifest/schema';
import { CAPABILITY_NUMBERS, capabilityName } from '../util/capabilities';
import { seccompProfileDir, type Paths } from '../util/paths';
import type { HostFacts, PlannedDevice, PlannedSeccomp, PlannedSecurity } from './types';

export { CAPABILITY_NUMBERS } from '../util/capabilities';

/**
 * podman's default bounding set (11 capabilities). Docker adds NET_RAW, MKNOD and AUDIT_WRITE
 * (14): NET_RAW lets a container forge packets on the pod network, MKNOD make device nodes (see
 * docs/security.md, the device planted through a hostPath), AUDIT_WRITE write to the host's audit
 * log. Add them with `securityContext.capabilities.add` where a workload needs them.
 */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_NET_BIND_SERVICE',
  'CAP_SETFCAP',
  'CAP_SETGID',
  'CAP_SETPCAP',
  'CAP_SETUID',
  'CAP_SYS_CHROOT',
];

/** The OCI default devices (runtime-spec config-linux.md "Default Devices"). */
export const DEFAULT_DEVICES: readonly PlannedDevice[] = [
  { path: '/dev/null', type: 'c', major: 1, minor: 3 },
  { path: '/dev/zero', type: 'c', major: 1, minor: 5 },
  { path: '/dev/full', type: 'c', major: 1, minor: 7 },
  { path: '/dev/random', type: 'c', major: 1, minor: 8 },
  { path: '/dev/urandom', type: 'c', major: 1, minor: 9 },
  { path: '/dev/tty', type: 'c', major: 5, minor: 0 },
];

/** The /dev tmpfs size moby and podman use (65536k). */
export const DEV_SIZE_BYTES = 64 * 1024 * 1024;

/** Host information and knobs root in a container must neither read nor write. */
export const DEFAULT_MASKED_PATHS: readonly string[] = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/interrupts',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];

export const DEFAULT_READONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/**
 * The capability set from the default and `capabilities.add/drop`, as containerd computes it:
 * `drop: [ALL]` starts from nothing and `add: [ALL]` from everything, then the named ones are
 * added, then the named ones dropped.
 */
export function capabilitySet(privileged: boolean, add: readonly string[] = [], drop: readonly string[] = []): string[] {
  const all = Object.keys(CAPABILITY_NUMBERS);
  if (privileged) return all;
  let set = new Set<string>(add.includes('ALL') ? all : drop.includes('ALL') ? [] : DEFAULT_CAPABILITIES);
  for (const a of add) if (a !== 'ALL') set.add(capabilityName(a) ?? a);
  const dropped = new Set(drop.filter((d) => d !== 'ALL').map((d) => capabilityName(d) ?? d));
  set = new Set([...set].filter((c) => !dropped.has(c)));
  return all.filter((c) => set.has(c)); // kernel order
}

/** What a container with no securityContext gets. */
export function defaultSecurity(): PlannedSecurity {
  return {
    capabilities: [...DEFAULT_CAPABILITIES],
    devSizeBytes: DEV_SIZE_BYTES,
    devices: DEFAULT_DEVICES.map((d) => ({ ...d })),
    maskedPaths: [...DEFAULT_MASKED_PATHS],
    readonlyPaths: [...DEFAULT_READONLY_PATHS],
    readOnlyRootFilesystem: false,
    writableSysfs: false,
    seccomp: { profile: 'RuntimeDefault' },
    noNewPrivileges: false,
    appArmor: { type: 'Unconfined' },
  };
}

type ContainerList = 'containers' | 'initContainers';

const containerOf = (m: PodManifest, index: number, list: ContainerList) => (list === 'containers' ? m.spec.containers[index] : (m.spec.initContainers ?? [])[index]);

/** The security settings of container `index` of `list`: the container's securityContext over the pod's. */
export function planSecurity(m: PodManifest, index: number, facts: Pick<HostFacts, 'hostDevices' | 'paths'>, list: ContainerList = 'containers'): PlannedSecurity {
  const sc = containerOf(m, index, list).securityContext ?? {};
  const privileged = sc.privileged === true;
  // Unmasked: /proc as the kernel shows it (Kubernetes allows it only with hostUsers: false)
  const unmasked = sc.procMount === 'Unmasked';
  const keep = (paths: readonly string[]) => (privileged ? [] : paths.filter((p) => !(unmasked && p.startsWith('/proc/'))));
  return {
    capabilities: capabilitySet(privileged, sc.capabilities?.add, sc.capabilities?.drop),
    devSizeBytes: DEV_SIZE_BYTES,
    // privileged: every device the host has, as docker and podman give it
    devices: (privileged ? facts.hostDevices : DEFAULT_DEVICES).map((d) => ({ ...d })),
    maskedPaths: keep(DEFAULT_MASKED_PATHS),
    readonlyPaths: keep(DEFAULT_READONLY_PATHS),
    readOnlyRootFilesystem: sc.readOnlyRootFilesystem === true,
    writableSysfs: privileged,
    // a privileged container runs without a filter, as the kubelet and podman run it
    seccomp: privileged ? { profile: 'Unconfined' } : planSeccomp(m, index, facts.paths, list),
    // Kubernetes semantics: only an explicit `false` sets no_new_privs, so setuid programs work
    // otherwise (kubelet's AddNoNewPrivileges).
    noNewPrivileges: sc.allowPrivilegeEscalation === false,
  };
}

/** The securityContext field a container's seccompProfile comes from: its own, else the pod's. */
export function seccompProfileField(m: PodManifest, index: number, list: ContainerList = 'containers'): (string | number)[] {
  return containerOf(m, index, list).securityContext?.seccompProfile
    ? ['spec', list, index, 'securityContext', 'seccompProfile']
    : ['spec', 'securityContext', 'seccompProfile'];
}

function planSeccomp(m: PodManifest, index: number, paths: Paths, list: ContainerList): PlannedSeccomp {
  const sp = containerOf(m, index, list).securityContext?.seccompProfile ?? m.spec.securityContext?.seccompProfile;
  // No profile named: RuntimeDefault, as podman does (the kubelet's --seccomp-default).
  if (!sp) return { profile: 'RuntimeDefault' };
  // Validation made localhostProfile relative and without `..` (manifest/rules.ts).
  if (sp.type === 'Localhost') return { profile: 'Localhost', localhostProfile: posix.join(seccompProfileDir(paths), sp.localhostProfile ?? '') };
  return { profile: sp.type };
}
