// The plan: everything `apply` will do for one pod, as data. `planPod(manifest, facts)` is pure
// and golden-tested; `podrun apply --dry-run -o json` prints it; runtime/apply.ts carries it out
// and pod.json records it, so `exec` and `describe` read what the container really got.
import type { ImageConfig, PullPolicy, ResolvedImage } from '../images/types';
import type { Paths } from '../util/paths';

export type NamespaceMode = 'pod' | 'host';

/** What a mount point is made as inside the container; it must match the source. */
export type MountKind = 'dir' | 'file';

/**
 * One source of a config volume's files. The plan holds what to write (references, paths, modes,
 * the downward API's values), never a ConfigMap's or Secret's data: apply reads that from the
 * object store when it writes the volume (runtime/config-volumes.ts).
 */
export type PlannedProjection =
  | { kind: 'ConfigMap' | 'Secret'; name: string; optional: boolean; items?: { key: string; path: string; mode?: number }[] }
  | { kind: 'DownwardAPI'; files: { path: string; mode?: number; value: string }[] }
  | { kind: 'ServiceAccountToken'; path: string };

export interface PlannedVolume {
  name: string;
  /** Absolute directory (or file, for hostPath File types) that containers bind from. */
  source: string;
  /**
   * config: a configMap, secret, downwardAPI or projected volume, written by apply on the pod's
   * config tmpfs (`source` below `PodPlan.dirs.config`), always mounted read-only; claim: a
   * persistentVolumeClaim's directory.
   */
  kind: 'emptyDir' | 'hostPath' | 'config' | 'claim' | 'image';
  /** image: the image's layers (lowest first; absent in a dry run without the image), mounted read-only at `source` on the host by apply. */
  image?: { ref: string; pullPolicy: 'Always' | 'IfNotPresent' | 'Never'; imageId?: string; layerDirs?: string[] };
  config?: { sources: PlannedProjection[]; defaultMode: number };
  /** ephemeral: the claim an `ephemeral` volume's template makes for this pod alone (`<pod>-<volume>`), made and deleted with it. */
  claim?: { name: string; readOnly: boolean; ephemeral?: { labels?: Record<string, string>; annotations?: Record<string, string>; spec: Record<string, unknown> } };
  /** emptyDir medium Memory: a tmpfs mounted in the pod's mount namespace at `source`. */
  tmpfs?: { sizeBytes: number };
  /** emptyDir medium HugePages[-<size>]: hugetlbfs of that page size mounted in the pod's mount namespace at `source`. */
  hugetlbfs?: { pageSizeBytes: number; medium: string };
  /**
   * An emptyDir's mode and group, as the kubelet sets them: 0777 (any user of the pod may write),
   * or with the pod's fsGroup that group and 02777 (setgid: what is made in it gets the group).
   */
  mode?: number;
  fsGroup?: number;
  /** emptyDir sizeLimit on disk: the monitor evicts the pod once the volume holds more (E6.3). */
  sizeLimitBytes?: number;
  /** hostPath type: '', Directory, DirectoryOrCreate, File, FileOrCreate, Socket, ... */
  hostPathType?: string;
}

export interface PlannedMount {
  volume: string;
  /** Absolute, clean path inside the container. */
  mountPath: string;
  readOnly: boolean;
  /** Relative path inside the volume; resolved at mount time without leaving the volume. */
  subPath?: string;
  /** From the host facts: what the source is, so the mount point is made the same. */
  kind: MountKind;
}

export type PlannedEnv = { name: string; value: string };
/** A ConfigMap's or Secret's key a value comes from (env-refs.ts: the plan holds a token for it). */
export type PlannedEnvRef = { kind: 'ConfigMap' | 'Secret'; name: string; key: string };

/** The uid, gid and supplementary groups a container's processes (and `exec`) run as. */
export interface PlannedUser {
  uid: number;
  gid: number;
  groups: number[];
}

/** A device bound from the host's node at the same path (checked to be that type and major:minor). */
export interface PlannedDevice {
  path: string;
  type: 'c' | 'b';
  major: number;
  minor: number;
}

/** The seccomp profile a container runs under (securityContext.seccompProfile, container over pod). */
export interface PlannedSeccomp {
  /** RuntimeDefault: podrun's profile (plan/seccomp-default.ts); Unconfined: no filter; Localhost: `localhostProfile`. */
  profile: 'RuntimeDefault' | 'Unconfined' | 'Localhost';
  /** Localhost only: the profile file, absolute (the profile dir, `<root>/seccomp`, joined with the manifest's path). */
  localhostProfile?: string;
}

/**
 * The AppArmor profile a container's processes run under (securityContext.appArmorProfile, the
 * container's over its deprecated annotation over the pod's; docs/security.md, "AppArmor").
 */
export interface PlannedAppArmor {
  /**
   * RuntimeDefault: podrun's profile (plan/apparmor-default.ts), also when nothing names one on a
   * host with AppArmor, as containerd and podman do; Localhost: a profile loaded on the host;
   * Unconfined: none (also every privileged container without a Localhost profile, and every
   * container on a host without AppArmor when nothing names one).
   */
  type: 'RuntimeDefault' | 'Localhost' | 'Unconfined';
  /** The loaded profile every process of the container execs into; absent with Unconfined. */
  profile?: string;
}

/** Everything the runtime gives a container besides its image and volumes. */
export interface PlannedSecurity {
  /** The capability bounding set, kernel names (`CAP_CHOWN`); root gets exactly these. */
  capabilities: string[];
  /** Size of the container's /dev tmpfs. */
  devSizeBytes: number;
  devices: PlannedDevice[];
  /** Hidden: /dev/null over a file, an empty read-only tmpfs over a directory. */
  maskedPaths: string[];
  /** Bound read-only over themselves. */
  readonlyPaths: string[];
  /** securityContext.readOnlyRootFilesystem: the root is read-only once the mounts are made. */
  readOnlyRootFilesystem: boolean;
  /** privileged: /sys is mounted writable. */
  writableSysfs: boolean;
  /** Compiled at apply for `capabilities`, installed last before execve (and for every exec). */
  seccomp: PlannedSeccomp;
  /** no_new_privs for the process and every exec: `allowPrivilegeEscalation: false`. */
  noNewPrivileges: boolean;
  /** Set on the container's process and every exec before execve; absent in records from before AppArmor (unconfined). */
  appArmor?: PlannedAppArmor;
}

/** What a node offers pods: this machine's CPUs (x 1000), MemTotal, the size of the filesystem holding podrun's root. */
export interface NodeAllocatable {
  cpuMilli: number;
  memoryBytes: number;
  ephemeralStorageBytes: number;
}

/** The resource controllers podrun sets limits with (kubelet-resources.md §3), and v1's cpuacct (cpu usage: v2 has it in cpu.stat). */
export type CgroupController = 'memory' | 'cpu' | 'pids' | 'cpuacct' | 'hugetlb';

/** A huge page size of this host (/sys/kernel/mm/hugepages/hugepages-<N>kB) and how many pages it has reserved. */
export interface HostHugePageSize {
  /** The resource name a node advertises: `hugepages-2Mi`. */
  name: string;
  bytes: number;
  /** The size in cgroup file names: `2MB`. */
  kernelName: string;
  /** nr_hugepages: the pages reserved for this size. */
  pages: number;
}

/**
 * What a cgroup is limited to, as the kubelet maps a pod's or a container's resources
 * (kubelet-resources.md §3); the driver writes each in its hierarchy's own file.
 */
export interface CgroupLimits {
  /** v1 cpu.shares; on v2 cpu.weight from it (C3.3: `container` = runc's formula, `pod` = the kubelet's linear one). */
  cpuShares?: number;
  weightFormula?: 'container' | 'pod';
  /** CFS quota and period in µs (C3.6): v1 cpu.cfs_quota_us / cfs_period_us, v2 cpu.max. */
  cpuQuotaUs?: number;
  cpuPeriodUs?: number;
  /** memory.limit_in_bytes / memory.max. */
  memoryBytes?: number;
  /** No swap (C3.10): v1 memsw = memory (when there is a limit), v2 memory.swap.max 0. */
  noSwap?: boolean;
  /** v2 memory.oom.group 1 (C3.11): an OOM kill takes the whole container. */
  oomGroup?: boolean;
  /** hugetlb limits in bytes by the kernel's page size name (`2MB`): every size of the host, 0 unless asked for (C3.16). */
  hugetlb?: Record<string, number>;
  /** pids.max. */
  pidsMax?: number;
}

/**
 * A cgroup podrun makes (cgroupfs, as docker's `cgroupfs` driver): the pod's, and one per
 * container below it. Which backend runs it is the host's (HostFacts.cgroups); the caller never
 * branches on it (runtime/cgroup).
 */
export interface PlannedCgroup {
  /** The freezer's kind: `v2` the unified hierarchy (pure v2, or hybrid's /sys/fs/cgroup/unified); `v1` the freezer hierarchy. */
  driver: 'v2' | 'v1';
  /** Relative to each hierarchy's root: `/podrun/<namespace>_<name>-<tag>[/<container>]`. */
  path: string;
  /**
   * The directory in each hierarchy, by name: `unified` for v2; for a v1 hierarchy its
   * controllers (`freezer`, `memory`, `cpu,cpuacct`, ...). A container's process joins every one.
   */
  dirs: Record<string, string>;
  /** Which of `dirs` drives each controller (`unified`: v2 files; any other: v1); absent in records from before resources. */
  controllers?: Partial<Record<CgroupController, string>>;
  /** Written when the cgroup is made; absent: no limit. */
  limits?: CgroupLimits;
}

/**
 * The cgroup hierarchies of this host that podrun can use, found in /proc/self/mountinfo: the
 * freezer's kind (`driver`), every hierarchy's mount point, and which drives each controller
 * (a controller the v2 root offers is driven on v2, else on its v1 hierarchy: hybrid hosts).
 */
export type HostCgroups =
  | { driver: 'v2' | 'v1'; mounts: Record<string, string>; controllers?: Partial<Record<CgroupController, string>> }
  | { driver: 'none'; why: string };

export interface PlannedContainer {
  name: string;
  image: {
    /** As written in the manifest. */
    ref: string;
    pullPolicy: PullPolicy;
    /** Filled once the image is resolved (undefined in a dry run with the image absent). */
    imageId?: string;
    layerDirs?: string[];
    config?: ImageConfig;
  };
  /** Final argv: command/args merged with the image's Entrypoint/Cmd as Kubernetes does. */
  argv: string[];
  /** Final environment in order: image Env, then spec env with $(VAR) expanded. */
  env: PlannedEnv[];
  workingDir: string;
  /**
   * From securityContext, else the image's USER, with names looked up in the image's own
   * /etc/passwd and /etc/group. Undefined only in a dry run whose image is not in the store and
   * whose user needs a name looked up.
   */
  user?: PlannedUser;
  mounts: PlannedMount[];
  ports: { name?: string; containerPort: number; protocol: string; hostPort?: number; hostIP?: string }[];
  stdin: boolean;
  /** stdinOnce: the stdin goes to the first attach only, and ends with it. */
  stdinOnce?: boolean;
  tty: boolean;
  /** Signal name used to stop it (lifecycle.stopSignal, else the image's StopSignal, else SIGTERM). */
  stopSignal: string;
  security: PlannedSecurity;
  /**
   * Set when the container must not be started, as the kubelet refuses it (runAsNonRoot with a
   * root user): it is left out of the launch file and shows as waiting with this reason.
   */
  /** waitingFor: the `Kind/NAME` whose absence caused it (env-refs.ts): applying that object re-creates the pod. */
  configError?: { reason: 'CreateContainerConfigError'; message: string; waitingFor?: string };
  /** The kubelet's InvalidEnvironmentVariableNames event: envFrom keys skipped. */
  skippedEnv?: string;
  /** limits.ephemeral-storage: the pod is evicted when the container's writable layer and logs take more (kubelet-resources.md E6.3). */
  storageLimit?: { bytes: number; text: string };
  /** requests (defaulted from limits) and limits as the API server keeps them (canonical quantities); absent: none. */
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  /** The container's cgroup (below the pod's), joined before anything else; absent without cgroups (or in a record from before them). */
  cgroup?: PlannedCgroup;
  dirs: { upper: string; work: string; rootfs: string; logDir: string; stateFile: string };
}

/**
 * `hostUsers: false`: the pod's user namespace. Container uids and gids 0..length-1 are the host
 * ids hostId..hostId+length-1 (one map for both, as the kubelet makes it); the image layers and
 * the volumes are idmapped with it, so files show with the owners they have on disk.
 */
export interface PlannedUserNamespace {
  hostId: number;
  length: number;
}

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

/**
 * A probe's or lifecycle hook's action as the monitor runs it: exec in the container (argv after
 * the kubelet's $(VAR) expansion for probes), HTTP GET, a TCP connect and gRPC health check in
 * the pod's network namespace (host and port resolved), or a sleep.
 */
export type PlannedHandler =
  | { type: 'exec'; command: string[] }
  | { type: 'httpGet'; scheme: 'HTTP' | 'HTTPS'; host: string; port: number; path: string; headers: { name: string; value: string }[] }
  | { type: 'tcpSocket'; host: string; port: number }
  | { type: 'grpc'; host: string; port: number; service: string }
  | { type: 'sleep'; ms: number };

/** A probe after Kubernetes' defaulting, in ms (addon/src/supervise.h `struct sv_probe_config`). */
export interface PlannedProbe {
  delayMs: number;
  periodMs: number;
  timeoutMs: number;
  successThreshold: number;
  failureThreshold: number;
  /** The probe's terminationGracePeriodSeconds; absent: the pod's. */
  graceMs?: number;
  handler: PlannedHandler;
}

/** One container as the monitor's state machine sees it (`struct sv_container_config`). */
export interface PlannedSupervisedContainer {
  name: string;
  /** init: a regular init container; sidecar: an init container with `restartPolicy: Always`; app: spec.containers. */
  kind: 'init' | 'sidecar' | 'app';
  /** After Kubernetes' defaulting (R2.2): apps the pod's, sidecars Always, init containers OnFailure under Always. */
  restartPolicy: RestartPolicy;
  /** The signal number: lifecycle.stopSignal, else the image's StopSignal, else SIGTERM (15). */
  stopSignal: number;
  probes: { startup?: PlannedProbe; liveness?: PlannedProbe; readiness?: PlannedProbe };
  postStart?: PlannedHandler;
  preStop?: PlannedHandler;
  /** Where the container writes its termination message, and whether its log stands in for it. */
  terminationMessage: { path: string; policy: 'File' | 'FallbackToLogsOnError' };
}

/**
 * How the monitor supervises the pod (docs/supervision.md): every number of `struct sv_config`
 * after Kubernetes' defaulting, in milliseconds.
 */
export interface PlannedSupervision {
  restartPolicy: RestartPolicy;
  /** spec.terminationGracePeriodSeconds (at most a day, as `delete` waits). */
  graceMs: number;
  /** The least time from the stop signal to SIGKILL: the kubelet's 2 s. */
  minGraceMs: number;
  /**
   * CrashLoopBackOff: the kubelet's 10 s doubling to 300 s, reset after 600 s; `annotation`: the
   * pod's dev back-off that set it, else `global`: PODRUN_RESTART_BACKOFF's.
   */
  backoff: { initialMs: number; maxMs: number; resetMs: number; annotation?: string; global?: string };
  /** In the machine's order: initContainers (regular and sidecars, spec order), then containers. */
  containers: PlannedSupervisedContainer[];
}

export interface PodPlan {
  key: string;
  name: string;
  namespace: string;
  uid: string;
  hostname: string;
  /**
   * `lasting`: spec, uppers, emptyDirs, logs, exit records (under the root); `live`: what a reboot
   * may forget (under the run root); `init`: the init layer (etc/hosts, etc/hostname,
   * etc/resolv.conf); `shm`: the pod's /dev/shm mount point.
   */
  /** The keys env values come from (tokens in env, argv and probes: env-refs.ts); absent: none. */
  envRefs?: PlannedEnvRef[];
  /** The tokens' nonce (env-refs.ts), random per apply. */
  envRefNonce?: string;
  /** config: the tmpfs the config volumes (and, with Secret env, the launch file) are written on; present when the pod has either. */
  dirs: { lasting: string; live: string; init: string; shm: string; config?: string; hosts?: string };
  /** The monitor's notify command (facts.notify), for pods whose address others can reach. */
  notify?: string[];
  namespaces: { net: NamespaceMode; ipc: NamespaceMode; uts: NamespaceMode; pid: 'container' | 'pod' | 'host' };
  /** Absent: the host's user namespace (hostUsers true or unset). */
  userNamespace?: PlannedUserNamespace;
  shmSizeBytes: number;
  /** The pod's address (status.podIP) and the host's (status.hostIP); with a network, the stand-in until its ADD (`network.tokens`). */
  podIP: string;
  hostIP: string;
  /** The CNI network the pod is attached to (docs/networking.md); absent: hostNetwork, or none (only lo). */
  network?: PlannedNetwork;
  hosts: string;
  resolvConf: string;
  volumes: PlannedVolume[];
  /**
   * Host paths no hostPath may lead to: a source whose real path (taken from the opened fd by the
   * helper) is one of these, lies below one or is above one is refused. `devices` is the list for
   * CharDevice/BlockDevice hostPaths, which live in /dev.
   */
  deniedHostPaths: { all: string[]; devices: string[] };
  containers: PlannedContainer[];
  /** spec.initContainers, regular and sidecars, in spec order; absent when the pod has none. */
  initContainers?: PlannedContainer[];
  /**
   * The pod's cgroup: every container's is below it, and `commit` freezes it whole. Absent when
   * the host has no cgroup hierarchy podrun can use (then `commit` needs --pause=false).
   */
  cgroup?: PlannedCgroup;
  /**
   * The eviction manager's local storage checks (E6.1-E6.4), run by the monitor every `checkMs`:
   * present when an emptyDir on disk has a sizeLimit or a container limits ephemeral-storage.
   */
  storage?: { checkMs: number; podLimit?: { bytes: number; text: string } };
  /** status.qosClass (kubelet-resources.md §2.2); absent in records from before resources. */
  qosClass?: 'Guaranteed' | 'Burstable' | 'BestEffort';
  /** securityContext.sysctls, written in the pod's own namespaces before any container starts. */
  sysctls: { name: string; value: string }[];
  restartPolicy: RestartPolicy;
  terminationGracePeriodSeconds: number;
  /** What the monitor's state machine is given; absent in records from before supervision. */
  supervision?: PlannedSupervision;
  /** Hash of the normalised manifest: equal hash => `pod/NAME unchanged`. */
  manifestHash: string;
}

/** A pod's attachment to a CNI network (runtime/network). */
export interface PlannedNetwork {
  /** The network (conflist) name, and the file it was read from when the pod was planned. */
  name: string;
  file: string;
  /** CNI_CONTAINERID: new for every pod sandbox podrun creates. */
  containerId: string;
  ifName: string;
  /** The bridge the network's bridge plugin makes (route_localnet for NodePorts on 127.0.0.1); absent: another kind of network. */
  bridge?: string;
  /** The portmap plugin's `portMappings` capability argument (the containers' hostPorts). */
  portMappings: { hostPort: number; containerPort: number; protocol: 'tcp' | 'udp' | 'sctp'; hostIP?: string }[];
  /**
   * Stand-ins for status.podIP and status.podIPs wherever the plan holds them (env, args, probe
   * hosts, /etc/hosts) until the network's ADD has given the addresses: then podrun replaces them
   * in the plan and the monitor in its launch (the network gate, docs/protocol.md).
   */
  tokens: { ip: string; ips: string };
  /** The addresses the ADD gave (status.podIPs), once it has. */
  ips?: string[];
}

/** An image's account databases, for resolving user and group names (facts, read from its layers). */
export interface ImageAccounts {
  passwd: { name: string; uid: number; gid: number }[];
  group: { name: string; gid: number; members: string[] }[];
}

/**
 * AppArmor as this host has it (runtime/facts.ts): not there (the kernel has no AppArmor, or its
 * securityfs is not mounted), or enabled with the profiles loaded now and apparmor_parser, which
 * loads podrun's own (absent when not installed).
 */
export type HostAppArmor =
  | { enabled: false; why: 'kernel' | 'securityfs'; securityModules?: string }
  | { enabled: true; loaded: Record<string, string>; parser?: string };

/** Facts about this host and the pod's images: everything the pure planner needs to know. */
export interface HostFacts {
  paths: Paths;
  /** The pod uid to use (apply makes one; a re-apply keeps the old one). */
  uid: string;
  /** Resolved images by reference as written in the manifest; undefined when absent (dry run). */
  images: Record<string, ResolvedImage | undefined>;
  /** /etc/passwd and /etc/group of each resolved image, by reference as written. */
  imageAccounts: Record<string, ImageAccounts | undefined>;
  /**
   * What each hostPath source (and each `source/subPath` a mount names) is on the host now:
   * absent paths are left out. Keys are absolute paths as `hostPathSource` computes them.
   */
  pathKinds: Record<string, MountKind>;
  /** The cgroup hierarchies podrun can make the pod's cgroups in. */
  cgroups: HostCgroups;
  /** The host's device nodes (for privileged containers; empty when no container is). */
  hostDevices: PlannedDevice[];
  /** AppArmor on this host: what an appArmorProfile other than Unconfined needs. */
  appArmor: HostAppArmor;
  /** Contents of the host's /etc/resolv.conf, or ''. */
  hostResolvConf: string;
  /** systemd-resolved's upstream servers (/run/systemd/resolve/resolv.conf), or '': for pods on a network when the host's file names a local stub. */
  upstreamResolvConf?: string;
  /** The kernel has IPv6 (/proc/sys/net/ipv6): pods on a network get accept_ra 0. */
  ipv6?: boolean;
  /** The network the pod joins (runtime/network/conflist.ts chose it); absent: none. */
  network?: { name: string; file: string; containerId: string; bridge?: string };
  /** The command the pod's monitor runs when its Ready condition changes (runtime/network/services-sync.ts); absent: none. */
  notify?: string[];
  podIP: string;
  hostIP: string;
  /** The node's allocatable for the downward API's missing limits (W7.6); absent: 0. */
  allocatable?: NodeAllocatable;
  /** The host's huge page sizes (absent: none, or not looked up: the pod asks for none and there is no hugetlb controller). */
  hugePages?: HostHugePageSize[];
  /** The huge pages the host's other podrun pods hold, by resource name (what the kubelet's admission counts as used). */
  hugePagesUsed?: Record<string, number>;
  /** PODRUN_CGROUP_PARENT: the folder below each hierarchy's root for pods' cgroups (default /podrun). */
  cgroupParent?: string;
  /** PODRUN_STORAGE_CHECK_MS: how often the monitor checks local storage (default 10 s, the kubelet's). */
  storageCheckMs?: number;
  /** PODRUN_POD_PIDS_LIMIT: pids.max of every pod's cgroup (default 2048; 0 or less: none). */
  podPidsLimit?: number;
  /** PODRUN_RESTART_BACKOFF (checked by apply): the dev back-off of pods without the annotation. */
  restartBackoff?: string;
  /** Folder of the manifest: relative hostPath paths resolve against it. */
  manifestDir: string;
  /**
   * The ConfigMaps, Secrets and claims of the pod's namespace its volumes name, by `Kind/NAME`
   * (config-volumes.ts objectRef): each one's keys (a claim: []; null: stored but not readable
   * here, a dry run without root); one not stored is left out.
   */
  configObjects?: Record<string, string[] | null>;
  /** Hex, random per apply: what makes the plan's env tokens unforgeable (env-refs.ts). */
  envRefNonce?: string;
  /** What `spec.nodeName` reads as through a fieldRef (the host's name); '' when not given. */
  nodeName: string;
  /**
   * hostUsers: false: the range of host ids allocated to the pod (apply), or the one it would get
   * (dry run); `unavailable` says why there is none.
   */
  userNamespace?: PlannedUserNamespace | { unavailable: string };
}
