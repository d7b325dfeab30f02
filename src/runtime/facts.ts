// Facts for the pure planner: the only host reads that planning depends on, gathered in one
// step before it (read-only, so `apply --dry-run` gathers them too). What is learned here is
// recorded in the plan, so later commands (exec, describe) never look it up again.
import { hostPathBaseDir } from '../manifest/hostpath-base';
import { closeSync, constants, existsSync, fstatSync, lstatSync, openSync, readdirSync, readFileSync, statfsSync, statSync } from 'fs';
import { availableParallelism, hostname, networkInterfaces } from 'os';
import { dirname, join } from 'path';
import type { ResolvedImage } from '../images/types';
import type { LoadedPod } from '../manifest/load';
import { objectKeys } from '../manifest/object-keys';
import type { ConfigObject } from '../manifest/objects';
import { referencedObjects } from '../plan/config-volumes';
import { readObject } from '../state/objects';
import { randomUuid } from '../util/uuid';
import { allContainers } from '../manifest/schema';
import { hostPathSource } from '../plan/hostpath-export';
import type { HostFacts, HostHugePageSize, ImageAccounts, MountKind, NodeAllocatable, PlannedDevice } from '../plan/types';
import { hugePagesName, isHugePages, kernelPageSizeName } from '../manifest/hugepages';
import { listPodRecords } from '../state/pod-records';
import { parseGroup, parsePasswd } from '../plan/users';
import { lastingPodDir, podKey, type Paths } from '../util/paths';
import { PodrunError, UsageError } from '../util/errors';
import { USERNS_IDS_PER_POD } from '../manifest/rules';
import { isAlive } from '../state/proc';
import type { UserNamespacePool, UsernsHostOps } from '../state/userns';
import { cgroupParent, detectCgroups } from './cgroup/detect';
import { helper, monitorProcesses } from './helper';
import { hostAppArmor } from './apparmor';
import { parseBackoff, RESTART_BACKOFF_ANNOTATION } from '../manifest/supervision';
import { DEFAULT_BRIDGE, hostRoutes4 } from './network/conflist';
import { notifyCommand } from './network/notify';

/**
 * The node's IP as the kubelet picks it: the IPv4 address of the interface the default route
 * leaves by, else the first non-loopback IPv4 address (never a pod bridge's), else 127.0.0.1.
 */
export function hostIPv4(): string {
  const ifaces = networkInterfaces();
  const dflt = hostRoutes4().find((r) => r.dst === 0 && r.mask === 0)?.iface;
  const v4 = (name: string) => (ifaces[name] ?? []).find((a) => a.family === 'IPv4' && !a.internal)?.address;
  if (dflt && v4(dflt)) return v4(dflt)!;
  for (const name of Object.keys(ifaces)) if (name !== DEFAULT_BRIDGE && v4(name)) return v4(name)!;
  return '127.0.0.1';
}

/**
 * A pod without hostNetwork has only `lo` in its network namespace, so its address is
 * 127.0.0.1 (that is what its hostname maps to in /etc/hosts and what status.podIP says).
 */
export function podIPFor(hostNetwork: boolean, hostIP: string): string {
  return hostNetwork ? hostIP : '127.0.0.1';
}

export function hostResolvConf(file = '/etc/resolv.conf'): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/**
 * The file `rel` (e.g. etc/passwd) from the topmost layer that has it, lowest-first `layers`.
 * A whiteout (overlay char device 0:0 or an OCI `.wh.` file) above hides lower copies. The file is
 * opened with O_NOFOLLOW and must be a regular file, so a symlink in an image cannot make podrun
 * read a host file.
 */
export function readImageFile(layers: readonly string[], rel: string): string | undefined {
  const slash = rel.lastIndexOf('/');
  const dir = rel.slice(0, slash + 1);
  const base = rel.slice(slash + 1);
  for (let i = layers.length - 1; i >= 0; i--) {
    const p = join(layers[i], rel);
    try {
      lstatSync(join(layers[i], dir, `.wh.${base}`));
      return undefined;
    } catch {
      /* no OCI whiteout */
    }
    let fd: number;
    try {
      const st = lstatSync(p);
      if (st.isCharacterDevice() && st.rdev === 0) return undefined; // overlay whiteout
      if (!st.isFile()) continue;
      fd = openSync(p, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch {
      continue;
    }
    try {
      if (!fstatSync(fd).isFile()) return undefined;
      return readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  }
  return undefined;
}

/** An image's /etc/passwd and /etc/group, parsed. */
export function imageAccounts(layers: readonly string[]): ImageAccounts {
  return { passwd: parsePasswd(readImageFile(layers, 'etc/passwd') ?? ''), group: parseGroup(readImageFile(layers, 'etc/group') ?? '') };
}

function kindOf(p: string, follow: boolean): MountKind | undefined {
  try {
    const st = follow ? statSync(p) : lstatSync(p);
    if (!follow && st.isSymbolicLink()) return undefined;
    return st.isDirectory() ? 'dir' : 'file';
  } catch {
    return undefined;
  }
}

/**
 * What each hostPath source is (following symlinks, as the helper opens it), and each
 * `source/subPath` a mount names: walked without following symlinks, since the helper resolves a
 * subPath beneath its volume (a symlink there resolves, or is refused, inside).
 */
export function hostPathKinds(pod: LoadedPod, manifestDir: string): Record<string, MountKind> {
  const out: Record<string, MountKind> = {};
  const sources = new Map<string, string>();
  for (const v of pod.manifest.spec.volumes ?? []) {
    if (!v.hostPath) continue;
    const src = hostPathSource(v.hostPath.path, manifestDir);
    sources.set(v.name, src);
    const k = kindOf(src, true);
    if (k) out[src] = k;
  }
  for (const c of allContainers(pod.manifest.spec))
    for (const m of c.volumeMounts ?? []) {
      const src = sources.get(m.name);
      if (!src || !m.subPath) continue;
      let p = src;
      let kind: MountKind | undefined = 'dir';
      for (const part of m.subPath.split('/').filter((s) => s && s !== '.')) {
        p = join(p, part);
        if (kind !== 'dir') break;
        kind = kindOf(p, false);
      }
      if (kind) out[join(src, m.subPath)] = kind;
    }
  return out;
}

/** What below /dev a container gets of its own (or not at all): filesystems, and ptmx (its devpts's). */
const NOT_DEVICES = new Set(['/dev/pts', '/dev/shm', '/dev/mqueue', '/dev/hugepages', '/dev/ptmx']);

/** Every character and block device node under /dev (what a privileged container gets). */
export function hostDevices(dir = '/dev'): PlannedDevice[] {
  const out: PlannedDevice[] = [];
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return out;
  }
  for (const n of names) {
    const p = join(dir, n);
    if (NOT_DEVICES.has(p)) continue;
    let st;
    try {
      st = lstatSync(p, { bigint: false });
    } catch {
      continue;
    }
    if (st.isDirectory()) out.push(...hostDevices(p));
    else if (st.isCharacterDevice() || st.isBlockDevice())
      out.push({ path: p, type: st.isCharacterDevice() ? 'c' : 'b', major: Math.floor(st.rdev / 256) & 0xfff, minor: (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00) });
  }
  return out;
}

/** The kubelet's default: every id from 65536 on, in slots of 65536 (the last slot ends below 2^32 - 65536). */
export const DEFAULT_USERNS_FIRST = USERNS_IDS_PER_POD;
export const DEFAULT_USERNS_COUNT = 65534;

function subidRanges(text: string): { user: string; start: number; length: number }[] {
  const out: { user: string; start: number; length: number }[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*([^:#\s]+):(\d+):(\d+)\s*$/.exec(line);
    if (m) out.push({ user: m[1], start: Number(m[2]), length: Number(m[3]) });
  }
  return out;
}

function readOr(path: string, read: (p: string) => string): string {
  try {
    return read(path);
  } catch {
    return '';
  }
}

/**
 * Where pods with `hostUsers: false` get their host ids (docs/security.md, "User namespaces"):
 * `PODRUN_USERNS_RANGE=FIRST:LENGTH`; else the subordinate ids of a user named `podrun` when
 * /etc/subuid and /etc/subgid give it the same range (the kubelet does this for a `kubelet`
 * user); else the kubelet's default, every id from 65536 on, skipping the ranges /etc/subuid and
 * /etc/subgid give other users (their rootless containers use them). FIRST and LENGTH must be
 * multiples of 65536, and FIRST at least 65536: host root's ids are never a pod's.
 */
export function userNamespacePool(env: NodeJS.ProcessEnv = process.env, read: (p: string) => string = (p) => readFileSync(p, 'utf8')): UserNamespacePool {
  const L = USERNS_IDS_PER_POD;
  const check = (first: number, length: number, source: string, hint: string): UserNamespacePool => {
    if (!Number.isSafeInteger(first) || !Number.isSafeInteger(length) || first % L !== 0 || length % L !== 0 || first < L || length < L || first + length > 2 ** 32 - L)
      throw new PodrunError(`${source}: the range ${first}:${length} is not usable for user namespaces: FIRST and LENGTH must be multiples of ${L}, FIRST at least ${L}, and FIRST+LENGTH at most ${2 ** 32 - L}`, hint);
    return { first, length: L, count: length / L, excluded: [], source };
  };
  const fromEnv = env.PODRUN_USERNS_RANGE;
  if (fromEnv !== undefined && fromEnv !== '') {
    const m = /^(\d+):(\d+)$/.exec(fromEnv.trim());
    if (!m) throw new PodrunError(`PODRUN_USERNS_RANGE=${fromEnv}: expected FIRST:LENGTH, e.g. 1048576:6553600`, 'FIRST and LENGTH are host ids, multiples of 65536');
    return check(Number(m[1]), Number(m[2]), 'PODRUN_USERNS_RANGE', 'e.g. PODRUN_USERNS_RANGE=1048576:6553600 (100 pods)');
  }
  const uids = subidRanges(readOr('/etc/subuid', read));
  const gids = subidRanges(readOr('/etc/subgid', read));
  const u = uids.find((r) => r.user === 'podrun');
  const g = gids.find((r) => r.user === 'podrun');
  if (u && g) {
    if (u.start !== g.start || u.length !== g.length)
      throw new PodrunError(`/etc/subuid and /etc/subgid give the user podrun different ranges (${u.start}:${u.length} and ${g.start}:${g.length})`, 'give it the same range in both: a pod maps its uids and gids alike');
    return check(u.start, u.length, 'the podrun user in /etc/subuid and /etc/subgid', 'fix the podrun lines of /etc/subuid and /etc/subgid');
  }
  const excluded = [...uids, ...gids].filter((r) => r.user !== 'podrun').map((r) => ({ start: r.start, length: r.length }));
  return { first: DEFAULT_USERNS_FIRST, length: L, count: DEFAULT_USERNS_COUNT, excluded, source: 'the default range' };
}

/**
 * The inode of the user namespace pod `key`'s pause process is in, while it runs: how the
 * allocation tells the pod's own live namespace (a re-apply, a rebuilt registry) from another one
 * using its ids. Checked by pid and start time on both sides of the stat.
 */
export function podUserNamespace(paths: Paths, key: string): number | undefined {
  const pause = monitorProcesses(helper.readMonitorFile(lastingPodDir(paths, key))).pause;
  if (!isAlive(pause)) return undefined;
  let ino: number;
  try {
    ino = statSync(`/proc/${pause!.pid}/ns/user`).ino;
  } catch {
    return undefined;
  }
  return isAlive(pause) ? ino : undefined;
}

/** What state/userns.ts asks the runtime: which live namespace is a pod's own. */
export const usernsHostOps: UsernsHostOps = { podNamespace: podUserNamespace };

/**
 * Folder a pod's relative hostPath paths resolve against: the manifest's (the cwd for stdin),
 * moved by its `podrun.dev/hostpath-base` annotation.
 */
export function manifestDirOf(pod: LoadedPod): string {
  return hostPathBaseDir(pod.baseDir ?? (pod.file === '<stdin>' ? process.cwd() : dirname(pod.file)), pod.manifest.metadata.annotations);
}

/** Everything planPod needs to know about this host and the pod's images. */
export function gatherFacts(
  paths: Paths,
  pod: LoadedPod,
  images: Record<string, ResolvedImage | undefined>,
  uid: string,
  userNamespace?: HostFacts['userNamespace'],
  pending: ConfigObject[] = [],
  network?: HostFacts['network'],
): HostFacts {
  const hostIP = hostIPv4();
  const manifestDir = manifestDirOf(pod);
  const accounts: Record<string, ImageAccounts | undefined> = {};
  for (const [ref, img] of Object.entries(images)) accounts[ref] = img ? imageAccounts(img.layerDirs) : undefined;
  return {
    paths,
    uid,
    images,
    imageAccounts: accounts,
    pathKinds: hostPathKinds(pod, manifestDir),
    cgroups: detectCgroups(),
    hostDevices: allContainers(pod.manifest.spec).some((c) => c.securityContext?.privileged) ? hostDevices() : [],
    appArmor: hostAppArmor(),
    hostResolvConf: hostResolvConf(),
    ...(network ? { network, upstreamResolvConf: hostResolvConf('/run/systemd/resolve/resolv.conf'), ipv6: existsSync('/proc/sys/net/ipv6/conf/default/accept_ra') } : {}),
    notify: notifyCommand(paths),
    nodeName: hostname(),
    hostIP,
    podIP: podIPFor(pod.manifest.spec.hostNetwork === true, hostIP),
    ...restartBackoff(),
    ...podPidsLimit(),
    ...cgroupParent(),
    ...storageCheckMs(),
    ...(needsAllocatable(pod.manifest.spec) ? { allocatable: nodeAllocatable(paths.root) } : {}),
    ...configObjectFacts(paths, pod, pending),
    envRefNonce: randomUuid().replace(/-/g, ''),
    ...hugePageFacts(paths, pod),
    manifestDir,
    ...(userNamespace ? { userNamespace } : {}),
  };
}

/** The host's huge page sizes and reserved pages (/sys/kernel/mm/hugepages/hugepages-<N>kB), smallest first. */
export function hostHugePages(dir = '/sys/kernel/mm/hugepages'): HostHugePageSize[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return []; // no hugetlb in this kernel
  }
  const out: HostHugePageSize[] = [];
  for (const n of names) {
    const kb = /^hugepages-(\d+)kB$/.exec(n)?.[1];
    if (!kb) continue;
    const bytes = BigInt(kb) * 1024n;
    let pages = 0;
    try {
      pages = Number(readFileSync(join(dir, n, 'nr_hugepages'), 'utf8').trim()) || 0;
    } catch {
      /* unreadable: none */
    }
    out.push({ name: hugePagesName(bytes), bytes: Number(bytes), kernelName: kernelPageSizeName(bytes), pages });
  }
  return out.sort((a, b) => a.bytes - b.bytes);
}

/**
 * The host's page sizes (every pod's cgroups get a hugetlb limit for each), and when the pod asks
 * for huge pages, what the other pods podrun has hold (their pod cgroups' limits).
 */
function hugePageFacts(paths: Paths, pod: LoadedPod): Pick<HostFacts, 'hugePages' | 'hugePagesUsed'> {
  const hugePages = hostHugePages();
  const spec = pod.manifest.spec;
  const asks = [spec, ...allContainers(spec)].some((c) => Object.keys({ ...c.resources?.limits, ...c.resources?.requests }).some(isHugePages));
  if (!asks) return { hugePages };
  const key = podKey(pod.manifest.metadata.namespace, pod.manifest.metadata.name);
  const used: Record<string, number> = {};
  for (const r of listPodRecords(paths)) {
    if (r.plan.key === key) continue; // its own pages come back with the re-apply
    for (const [kernel, bytes] of Object.entries(r.plan.cgroup?.limits?.hugetlb ?? {})) {
      const size = hugePages.find((s) => s.kernelName === kernel);
      if (size && bytes > 0) used[size.name] = (used[size.name] ?? 0) + bytes;
    }
  }
  return { hugePages, hugePagesUsed: used };
}

/** The node's allocatable as podrun counts it (kubelet-resources.md W7.6): no reservations. */
export function nodeAllocatable(root: string): NodeAllocatable {
  const mem = /^MemTotal:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'));
  let disk = 0;
  try {
    const st = statfsSync(root);
    disk = st.blocks * st.bsize;
  } catch {
    /* not made yet: 0 */
  }
  return { cpuMilli: availableParallelism() * 1000, memoryBytes: mem ? Number(mem[1]) * 1024 : 0, ephemeralStorageBytes: disk };
}

/** PODRUN_STORAGE_CHECK_MS: the local storage check period (default the kubelet's 10 s; tests shorten it). */
export function storageCheckMs(v = process.env.PODRUN_STORAGE_CHECK_MS): { storageCheckMs?: number } {
  if (v === undefined || v === '') return {};
  if (!/^[0-9]+$/.test(v) || Number(v) < 100 || Number(v) > 86_400_000)
    throw new UsageError(`PODRUN_STORAGE_CHECK_MS=${JSON.stringify(v)} is not a period podrun takes`, 'give milliseconds from 100 to 86400000, e.g. 10000 (the kubelet\'s)');
  return { storageCheckMs: Number(v) };
}

/**
 * PODRUN_POD_PIDS_LIMIT: pids.max of each pod this apply creates (default 2048, podman's; 0 or
 * a negative number: no limit, as a Kubernetes node's default). A bad value stops the apply.
 */
export function podPidsLimit(v = process.env.PODRUN_POD_PIDS_LIMIT): { podPidsLimit?: number } {
  if (v === undefined || v === '') return {};
  if (!/^-?[0-9]+$/.test(v) || !Number.isSafeInteger(Number(v)))
    throw new UsageError(`PODRUN_POD_PIDS_LIMIT=${JSON.stringify(v)} is not a whole number`, 'set it to the most processes a pod may have, e.g. 4096, or 0 for no limit');
  return { podPidsLimit: Number(v) };
}

/**
 * PODRUN_RESTART_BACKOFF: the dev back-off for every pod this apply creates (a pod's own
 * annotation wins), in the annotation's syntax. A bad value stops the apply before anything is
 * made, naming the variable.
 */
export function restartBackoff(v = process.env.PODRUN_RESTART_BACKOFF): { restartBackoff?: string } {
  if (v === undefined || v === '') return {};
  const b = parseBackoff(v);
  if ('problem' in b) throw new UsageError(`PODRUN_RESTART_BACKOFF=${JSON.stringify(v)}: ${b.problem.detail}`, b.problem.hint.replace(`\`${RESTART_BACKOFF_ANNOTATION}: "INITIAL-MAX"\``, 'PODRUN_RESTART_BACKOFF=INITIAL-MAX'));
  return { restartBackoff: v };
}

/**
 * The keys of each ConfigMap, Secret and claim the pod's volumes name, from the store (PENDING:
 * objects a dry run would store first). Never their values.
 */
export function configObjectFacts(paths: Paths, pod: LoadedPod, pending: ConfigObject[] = []): { configObjects?: Record<string, string[] | null> } {
  const refs = referencedObjects(pod.manifest.spec);
  if (!refs.length) return {};
  const ns = pod.manifest.metadata.namespace;
  const out: Record<string, string[] | null> = {};
  for (const ref of refs) {
    const [kind, name] = ref.split('/') as ['ConfigMap' | 'Secret' | 'PersistentVolumeClaim', string];
    let o: ConfigObject | undefined = pending.find((p) => p.kind === kind && p.metadata.namespace === ns && p.metadata.name === name);
    try {
      o ??= readObject(paths, kind, ns, name);
    } catch {
      out[ref] = null; // there but not readable here (a dry run without root)
      continue;
    }
    if (o) out[ref] = objectKeys(o);
  }
  return { configObjects: out };
}

/** A resourceFieldRef in env or in a downwardAPI (or projected) volume: the node's allocatable may be its value (W7.4). */
function needsAllocatable(spec: LoadedPod['manifest']['spec']): boolean {
  const volumeFiles = (spec.volumes ?? []).flatMap((v) => [...(v.downwardAPI?.items ?? []), ...(v.projected?.sources ?? []).flatMap((s) => s.downwardAPI?.items ?? [])]);
  return allContainers(spec).some((c) => c.env?.some((e) => e.valueFrom?.resourceFieldRef)) || volumeFiles.some((f) => f.resourceFieldRef);
}
