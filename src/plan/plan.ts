// planPod: one validated Pod + facts about this host -> everything `apply` will do, as data.
// Pure (no fs, no clock, no randomness): the facts carry whatever had to be looked up, so the
// same input always gives the same plan and golden files can pin it down. Every problem the
// facts reveal (an image without a command, a user the image does not define) is returned,
// all at once, as a ManifestError naming the field.
import { join, posix } from 'path';
import { lastingPodDir, podKey, livePodDir } from '../util/paths';
import { PlanError, type ManifestError } from '../util/errors';
import type { LoadedPod, PodManifest } from '../manifest/load';
import type { ContainerManifest, InitContainerManifest } from '../manifest/schema';
import { execBytes, execStringProblem, execTotalProblem, MAX_ARG_STRLEN } from '../manifest/exec-limits';
import { parseQuantity } from '../manifest/quantity';
import { DENIED_DEVICE_PATHS, DENIED_HOST_PATHS } from '../manifest/rules';
import { stateDirs } from '../manifest/load';
import { expand } from './expand';
import { hostsFile, resolvConf } from './etc';
import { networkSysctls, planNetwork, plannedPodIP } from './network';
import { mergeArgv, normaliseSignal, parseImageEnv } from './image-config';
import { planCgroups } from './cgroup';
import { planResources, planStorage, resourceFieldValue, shownResources } from './resources';
import { hugePagesMediumSize } from './hugepages';
import { resizePolicyRules } from './resize';
import { HUGEPAGES_MEDIUM } from '../manifest/hugepages';
import { planSecurity } from './security';
import { configFiles, planConfigVolume } from './config-volumes';
import { EnvRefs, envFromVars, keyRefValue } from './env-refs';
import { fieldRefValue } from './downward';

export { fieldRefValue } from './downward';
import { planAppArmor } from './apparmor';
import { planSupervision } from './supervision';
import { parseImageUser, resolveUser, type UserRequest } from './users';
import type { HostFacts, MountKind, PlannedAppArmor, PlannedContainer, PlannedEnv, PlannedSupervisedContainer, PlannedUser, PlannedVolume, PodPlan } from './types';
import { sha256Hex } from '../util/sha256';
import { canonicalJson } from '../util/canonical-json';
import { hashedManifest, hostPathSource } from './hostpath-export';

export type { HostFacts } from './types';

export const SHM_SIZE_BYTES = 64 * 1024 * 1024;

export type PlanResult = { plan: PodPlan; errors: [] } | { plan?: undefined; errors: ManifestError[] };

export function planPod(pod: LoadedPod, facts: HostFacts): PlanResult {
  const m = pod.manifest;
  const { name, namespace } = m.metadata;
  const spec = m.spec;
  const key = podKey(namespace, name);
  const pdir = lastingPodDir(facts.paths, key);
  const hostname = spec.hostname ?? truncateHostname(name);
  const errors: ManifestError[] = [];
  const once = new Set<string>();
  const fail: Fail = (path, detail, hint, sayOnce) => {
    // A pod-level setting wrong for every container is said once.
    const id = JSON.stringify([path, detail]);
    if (sayOnce && once.has(id)) return;
    if (sayOnce) once.add(id);
    errors.push(new PlanError(pod.file, path, detail, hint, pod.lineOf?.(path) ?? pod.line));
  };
  const configDir = join(livePodDir(facts.paths, key), 'config');
  const volumes = (spec.volumes ?? []).map((v, i) => planConfigVolume(v, i, m, facts, configDir, fail) ?? planVolume(v, pdir, facts.manifestDir, spec.securityContext?.fsGroup));
  for (const v of volumes) if (v.kind === 'config' && spec.securityContext?.fsGroup !== undefined) v.fsGroup = spec.securityContext.fsGroup;
  (spec.volumes ?? []).forEach((v, i) => {
    const medium = v.emptyDir?.medium ?? '';
    if (!medium.startsWith(HUGEPAGES_MEDIUM)) return;
    const size = hugePagesMediumSize(spec, medium);
    if ('problem' in size) fail(['spec', 'volumes', i, 'emptyDir', 'medium'], size.problem, size.hint);
    else volumes[i].hugetlbfs = { pageSizeBytes: size.bytes, medium };
  });
  const refs = new EnvRefs(facts.envRefNonce);
  const containers = spec.containers.map((_, i) => planContainer(pod, { list: 'containers', index: i }, facts, pdir, volumes, refs, fail));
  const initContainers = (spec.initContainers ?? []).map((_, i) => planContainer(pod, { list: 'initContainers', index: i }, facts, pdir, volumes, refs, fail));
  const all = [...initContainers, ...containers];
  let userNamespace: PodPlan['userNamespace'];
  if (spec.hostUsers === false) {
    const u = facts.userNamespace;
    if (!u || 'unavailable' in u)
      fail(['spec', 'hostUsers'], `no user namespace for the pod: ${u ? u.unavailable : 'no range of host ids was allocated'}`, 'delete a pod with `hostUsers: false` to free its range, or set the range podrun allocates from (docs/security.md, "User namespaces")');
    else userNamespace = { hostId: u.hostId, length: u.length };
  }
  if (userNamespace) checkUserNamespaceIds(pod, containers, userNamespace.length, fail, 'containers');
  if (userNamespace) checkUserNamespaceIds(pod, initContainers, userNamespace.length, fail, 'initContainers');
  const supervision = planSupervision(m, { podIP: plannedPodIP(m, facts), imageConfig: (ref) => facts.images[ref]?.config, globalBackoff: facts.restartBackoff });
  checkHandlerExec(m, supervision.containers, all, fail);
  // The launch file holds the exec probes' and hooks' commands too.
  const handlerBytes = supervision.containers.reduce((n, c) => n + handlerExecBytes(c), 0);
  const podTotal = execTotalProblem(
    all.reduce((n, c) => n + containerExecBytes(c), handlerBytes),
    'pod',
  );
  if (podTotal && !errors.length) fail(['spec', 'containers'], podTotal.detail, podTotal.hint ?? '');
  const resources = planResources(spec, facts, fail);
  resizePolicyRules(spec, fail);
  const network = planNetwork(m, facts, fail);
  if (errors.length) return { errors };
  const cgroups = planCgroups(facts.cgroups, facts.paths, key, all.map((c) => c.name), resources.limits, facts.cgroupParent);
  const storage = planStorage(spec, volumes.some((v) => v.kind === 'emptyDir' && !v.tmpfs && !v.hugetlbfs && (v.sizeLimitBytes ?? 0) > 0), facts.storageCheckMs);
  const specOf = new Map([...(spec.initContainers ?? []), ...spec.containers].map((x) => [x.name, x]));
  for (const c of all) {
    const shown = shownResources(specOf.get(c.name)!);
    if (shown) c.resources = shown;
    if (storage.containers[c.name]) c.storageLimit = storage.containers[c.name];
  }
  for (const c of all) if (cgroups.containers[c.name]) c.cgroup = cgroups.containers[c.name];
  const plan: PodPlan = {
    key,
    name,
    namespace,
    uid: facts.uid,
    hostname,
    dirs: { lasting: pdir, live: livePodDir(facts.paths, key), init: join(pdir, 'init'), shm: join(pdir, 'shm'), hosts: join(pdir, 'etc-hosts'), ...(volumes.some((v) => v.kind === 'config') || refs.list.some((r) => r.kind === 'Secret') ? { config: configDir } : {}) },
    ...(refs.list.length ? { envRefs: refs.list, ...(facts.envRefNonce ? { envRefNonce: facts.envRefNonce } : {}) } : {}),
    namespaces: {
      net: spec.hostNetwork ? 'host' : 'pod',
      ipc: spec.hostIPC ? 'host' : 'pod',
      // kubelet gives a hostNetwork pod the host's UTS namespace too.
      uts: spec.hostNetwork ? 'host' : 'pod',
      pid: spec.hostPID ? 'host' : spec.shareProcessNamespace ? 'pod' : 'container',
    },
    ...(userNamespace ? { userNamespace } : {}),
    shmSizeBytes: SHM_SIZE_BYTES,
    podIP: plannedPodIP(m, facts),
    hostIP: facts.hostIP,
    ...(network ? { network } : {}),
    // Pods others can reach tell the host's Services when their Ready condition changes.
    ...(facts.notify && (network || spec.hostNetwork) ? { notify: facts.notify } : {}),
    hosts: hostsFile({
      podIP: plannedPodIP(m, facts),
      hostname,
      subdomain: spec.subdomain,
      namespace,
      hostAliases: spec.hostAliases,
    }),
    resolvConf: resolvConf({ dnsPolicy: spec.dnsPolicy, dnsConfig: spec.dnsConfig, hostResolvConf: facts.hostResolvConf, ...(network ? { podNetwork: true, upstreamResolvConf: facts.upstreamResolvConf } : {}) }),
    volumes,
    deniedHostPaths: { all: [...DENIED_HOST_PATHS, ...stateDirs(facts.paths)], devices: [...DENIED_DEVICE_PATHS, ...stateDirs(facts.paths)] },
    containers,
    ...(initContainers.length ? { initContainers } : {}),
    ...(cgroups.pod ? { cgroup: cgroups.pod } : {}),
    qosClass: resources.qosClass,
    ...(storage.storage ? { storage: storage.storage } : {}),
    // `/` separates like `.` (Kubernetes accepts both); the helper writes below /proc/sys
    sysctls: [...(spec.securityContext?.sysctls ?? []).map((x) => ({ name: x.name.replace(/\//g, '.'), value: x.value })), ...networkSysctls(network, facts, spec.securityContext?.sysctls)],
    restartPolicy: spec.restartPolicy,
    terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds,
    supervision,
    manifestHash: manifestHash(m, facts.manifestDir),
  };
  return { plan, errors: [] };
}

/**
 * A user the image names (USER, its /etc/passwd and /etc/group) outside the ids the pod's user
 * namespace maps cannot be set inside it; the manifest's own ids were checked by validation.
 */
function checkUserNamespaceIds(pod: LoadedPod, containers: PlannedContainer[], length: number, fail: Fail, list: ContainerList): void {
  containers.forEach((c, i) => {
    if (!c.user) return;
    const out = [c.user.uid, c.user.gid, ...c.user.groups].filter((id) => id >= length);
    if (out.length)
      fail(
        ['spec', list, i, 'image'],
        `container ${c.name}: the user ${c.user.uid}:${c.user.gid} (groups ${c.user.groups.join(',') || 'none'}) from image ${c.image.ref} has ids outside the pod's user namespace (0-${length - 1}): ${out.join(', ')}`,
        'set securityContext.runAsUser/runAsGroup below 65536 (and supplementalGroupsPolicy: Strict to leave out the image\'s groups)',
      );
  });
}

/** Kubernetes truncates a pod name used as hostname to 63 characters, then trims `-` and `.`. */
function truncateHostname(name: string): string {
  return name.length <= 63 ? name : name.slice(0, 63).replace(/[-.]+$/, '');
}

function planVolume(v: NonNullable<PodManifest['spec']['volumes']>[number], pdir: string, manifestDir: string, fsGroup: number | undefined): PlannedVolume {
  if (v.hostPath) return { name: v.name, kind: 'hostPath', source: hostPathSource(v.hostPath.path, manifestDir), hostPathType: v.hostPath.type };
  const out: PlannedVolume = { name: v.name, kind: 'emptyDir', source: join(pdir, 'volumes', v.name) };
  const size = v.emptyDir?.sizeLimit !== undefined ? parseQuantity(v.emptyDir.sizeLimit) : undefined;
  if (size?.ok) out.sizeLimitBytes = size.value;
  if (v.emptyDir?.medium === 'Memory') out.tmpfs = { sizeBytes: size?.ok ? size.value : 0 };
  // fsGroup applies to volumes whose ownership the kubelet manages (emptyDir), never a hostPath
  out.mode = fsGroup !== undefined ? 0o2777 : 0o777;
  if (fsGroup !== undefined) out.fsGroup = fsGroup;
  return out;
}

/** Reports a problem; `sayOnce`: only the first time this path and detail come up. */
export type Fail = (path: (string | number)[], detail: string, hint: string, sayOnce?: boolean) => void;

type ContainerList = 'containers' | 'initContainers';
/** Which container of the manifest: `spec.containers[i]` or `spec.initContainers[i]`. */
interface ContainerRef {
  list: ContainerList;
  index: number;
}

function manifestContainer(m: PodManifest, ref: ContainerRef): ContainerManifest | InitContainerManifest {
  return ref.list === 'containers' ? m.spec.containers[ref.index] : (m.spec.initContainers ?? [])[ref.index];
}

function appArmorOf(m: PodManifest, ref: ContainerRef, facts: HostFacts, fail: Fail): PlannedAppArmor {
  const r = planAppArmor(m, ref.index, facts.appArmor, ref.list);
  if ('appArmor' in r) return r.appArmor;
  fail(r.problem.path, r.problem.detail, r.problem.hint, true);
  return { type: 'Unconfined' };
}

function planContainer(pod: LoadedPod, ref: ContainerRef, facts: HostFacts, pdir: string, volumes: PlannedVolume[], refs: EnvRefs, fail: Fail): PlannedContainer {
  const m = pod.manifest;
  const c = manifestContainer(m, ref);
  const resolved = facts.images[c.image];
  const config = resolved?.config ?? {};

  const at = (...p: (string | number)[]) => ['spec', ref.list, ref.index, ...p];
  // What execve will get, counted while expanding: $(VAR) can make a value (and the whole) grow
  // past what the kernel and the launch file take (manifest/exec-limits.ts), and counting as we
  // go keeps the work bounded too. Past the container's limit nothing more is expanded.
  let specBytes = 0;
  let overTotal = false;
  const counted = (s: string) => {
    specBytes += execBytes(s);
    const p = overTotal ? undefined : execTotalProblem(specBytes, 'container');
    if (p) {
      overTotal = true;
      fail(at(), p.detail, p.hint ?? '');
    }
  };
  const note = (raw: string | undefined, value: string) => (raw !== undefined && raw !== value ? ' after $(VAR) expansion' : '');

  // Spec env, in order; each value may refer to variables defined before it (Kubernetes does not
  // let it see the image's Env: the kubelet does not know it). A value refused for its size is
  // not defined, so later references to it stay as written instead of growing further.
  // envFrom first; env's own entries override it (ConfigMap and Secret values are tokens: env-refs.ts)
  const ns = m.metadata.namespace;
  const fromEnv = envFromVars(c, ns, facts, refs);
  let refError = fromEnv.configError;
  const specEnv = new Map<string, string>(fromEnv.vars);
  (c.env ?? []).forEach((e, j) => {
    if (overTotal) return;
    const vf = e.valueFrom;
    const sel = vf?.configMapKeyRef ? { kind: 'ConfigMap' as const, ...vf.configMapKeyRef } : vf?.secretKeyRef ? { kind: 'Secret' as const, ...vf.secretKeyRef } : undefined;
    if (sel) {
      const r = keyRefValue(sel, ns, facts, refs);
      if (r.configError) refError ??= r.configError;
      if (r.value !== undefined) specEnv.set(e.name, r.value);
      return; // an optional one that is missing is not set at all
    }
    const value = e.valueFrom?.fieldRef
      ? fieldRefValue(e.valueFrom.fieldRef.fieldPath, m, facts)
      : e.valueFrom?.resourceFieldRef
        ? resourceFieldValue(e.valueFrom.resourceFieldRef, c.name, m.spec, facts)
        : expand(e.value ?? '', (n) => specEnv.get(n), MAX_ARG_STRLEN);
    const p = execStringProblem(`${e.name}=${value}`, 'environment variable', note(e.value, value));
    if (p) return fail(at('env', j, e.valueFrom ? 'valueFrom' : 'value'), p.detail, p.hint ?? '');
    counted(`${e.name}=${value}`);
    specEnv.set(e.name, value);
  });
  const lookup = (n: string) => specEnv.get(n);
  const expandArgs = (key: 'command' | 'args') =>
    c[key]?.map((raw, k) => {
      if (overTotal) return raw;
      const value = expand(raw, lookup, MAX_ARG_STRLEN);
      const p = execStringProblem(value, 'argument', note(raw, value));
      if (p) fail(at(key, k), p.detail, p.hint ?? '');
      else counted(value);
      return value;
    });

  const argv = mergeArgv(expandArgs('command'), expandArgs('args'), config.Entrypoint, config.Cmd);
  if (argv.length === 0 && resolved)
    fail(at('command'), `container ${c.name} has no command: neither the manifest nor image ${c.image} sets one`, 'add `command: [...]` to the container');
  const env = mergeEnv(parseImageEnv(config.Env), [...specEnv].map(([n, v]) => ({ name: n, value: v })));
  if (!overTotal) checkImageExec(c, config, specEnv, argv, env, at, fail);

  const byName = new Map(volumes.map((v) => [v.name, v]));
  (c.volumeMounts ?? []).forEach((vm, j) => {
    const v = byName.get(vm.name);
    if (v?.kind === 'image' && vm.subPath) fail(at('volumeMounts', j, 'subPath'), 'a subPath into an image volume is not supported by podrun yet', 'mount the whole image volume');
    else if (v && vm.subPath && configSubPathMissing(v, vm.subPath, facts))
      fail(at('volumeMounts', j, 'subPath'), `subPath "${vm.subPath}" is not in volume "${vm.name}": a config volume holds only its files`, `name one of: ${configFiles(v, facts).join(', ') || '(none)'}`);
  });
  const cdir = join(pdir, 'containers', c.name);
  return {
    name: c.name,
    image: {
      ref: c.image,
      pullPolicy: c.imagePullPolicy,
      ...(resolved ? { imageId: resolved.imageId, layerDirs: resolved.layerDirs, config: resolved.config } : {}),
    },
    argv,
    env,
    workingDir: c.workingDir ?? (config.WorkingDir || '/'),
    ...withRefError(planUser(pod, ref, config.User, facts, fail), refError),
    ...(fromEnv.skipped ? { skippedEnv: fromEnv.skipped } : {}),
    mounts: (c.volumeMounts ?? []).map((vm) => ({
      volume: vm.name,
      mountPath: vm.mountPath,
      // config volumes are always read-only (the kubelet's), a claim with readOnly too
      readOnly: vm.readOnly === true || byName.get(vm.name)?.kind === 'config' || byName.get(vm.name)?.kind === 'image' || byName.get(vm.name)?.claim?.readOnly === true,
      ...(vm.subPath ? { subPath: vm.subPath } : {}),
      kind: mountKind(byName.get(vm.name), vm.subPath, facts),
    })),
    ports: (c.ports ?? []).map((p) => ({
      ...(p.name ? { name: p.name } : {}),
      containerPort: p.containerPort,
      protocol: p.protocol,
      ...(p.hostPort !== undefined ? { hostPort: p.hostPort } : {}),
      ...(p.hostIP !== undefined ? { hostIP: p.hostIP } : {}),
    })),
    stdin: c.stdin === true,
    ...(c.stdinOnce === true ? { stdinOnce: true } : {}),
    tty: c.tty === true,
    stopSignal: c.lifecycle?.stopSignal ?? normaliseSignal(config.StopSignal),
    security: { ...planSecurity(m, ref.index, facts, ref.list), appArmor: appArmorOf(m, ref, facts, fail) },
    dirs: { upper: join(cdir, 'upper'), work: join(cdir, 'work'), rootfs: join(cdir, 'rootfs'), logDir: join(pdir, 'logs', c.name), stateFile: join(cdir, 'state.json') },
  };
}

/**
 * The final argv and env against the limits: the image's Entrypoint, Cmd and Env entries that
 * the container keeps (the manifest's own were checked while expanding), then the whole.
 */
function checkImageExec(
  c: ContainerManifest | InitContainerManifest,
  config: { Entrypoint?: string[] | null; Cmd?: string[] | null; Env?: string[] },
  specEnv: Map<string, string>,
  argv: string[],
  env: PlannedEnv[],
  at: (...p: (string | number)[]) => (string | number)[],
  fail: Fail,
): void {
  const fromImage = `image ${c.image}: `;
  const hasCommand = !!c.command?.length;
  const kept = [...(hasCommand ? [] : (config.Entrypoint ?? [])), ...(hasCommand || c.args?.length ? [] : (config.Cmd ?? []))];
  const problems = [
    ...kept.map((a) => execStringProblem(a, 'argument')),
    ...env.filter((e) => !specEnv.has(e.name)).map((e) => execStringProblem(`${e.name}=${e.value}`, 'environment variable')),
  ];
  for (const p of problems) if (p) fail(at('image'), fromImage + p.detail, p.hint ?? '');
  const total = execTotalProblem(containerExecBytes({ argv, env }), 'container');
  if (total) fail(at(), total.detail, total.hint ?? '');
}

/**
 * An exec probe or hook runs its command in the container with the container's environment:
 * each string (after the probe's $(VAR) expansion) and the whole have the container's limits.
 */
function checkHandlerExec(m: PodManifest, supervised: PlannedSupervisedContainer[], planned: PlannedContainer[], fail: Fail): void {
  const nInit = (m.spec.initContainers ?? []).length;
  supervised.forEach((sc, k) => {
    const base = k < nInit ? ['spec', 'initContainers', k] : ['spec', 'containers', k - nInit];
    const envBytes = planned[k].env.reduce((n, e) => n + execBytes(`${e.name}=${e.value}`), 0);
    const handlers: [(string | number)[], PlannedSupervisedContainer['postStart']][] = [
      [['startupProbe'], sc.probes.startup?.handler],
      [['livenessProbe'], sc.probes.liveness?.handler],
      [['readinessProbe'], sc.probes.readiness?.handler],
      [['lifecycle', 'postStart'], sc.postStart],
      [['lifecycle', 'preStop'], sc.preStop],
    ];
    for (const [field, h] of handlers) {
      if (h?.type !== 'exec') continue;
      const at = [...base, ...field, 'exec', 'command'];
      let bytes = envBytes;
      h.command.forEach((a, j) => {
        const p = execStringProblem(a, 'argument', field[0] === 'lifecycle' ? '' : ' after $(VAR) expansion');
        if (p) fail([...at, j], p.detail, p.hint ?? '');
        bytes += execBytes(a);
      });
      const total = execTotalProblem(bytes, 'container');
      if (total) fail(at, total.detail, total.hint ?? '');
    }
  });
}

/** What the exec probes' and hooks' commands of a container take in the launch file. */
function handlerExecBytes(c: PlannedSupervisedContainer): number {
  const handlers = [c.probes.startup?.handler, c.probes.liveness?.handler, c.probes.readiness?.handler, c.postStart, c.preStop];
  return handlers.reduce((n, h) => n + (h?.type === 'exec' ? h.command.reduce((k, a) => k + execBytes(a), 0) : 0), 0);
}

/** What a container's argv and env cost execve (each string with its NUL). */
function containerExecBytes(c: { argv: string[]; env: PlannedEnv[] }): number {
  return c.argv.reduce((n, a) => n + execBytes(a), 0) + c.env.reduce((n, e) => n + execBytes(`${e.name}=${e.value}`), 0);
}

/**
 * What a mount point is made as. A subPath that does not exist yet is a directory: the helper
 * creates it beneath the volume (as the kubelet does); a hostPath that `apply` creates is what
 * its type says.
 */
function mountKind(v: PlannedVolume | undefined, subPath: string | undefined, facts: HostFacts): MountKind {
  if (!v || v.kind === 'emptyDir' || v.kind === 'claim') return 'dir';
  if (v.kind === 'image') return 'dir';
  if (v.kind === 'config') return subPath && configFiles(v, facts).includes(subPath.replace(/\/+$/, '')) ? 'file' : 'dir';
  if (subPath) return facts.pathKinds[join(v.source, subPath)] ?? 'dir';
  return facts.pathKinds[v.source] ?? (v.hostPathType === 'File' || v.hostPathType === 'FileOrCreate' ? 'file' : 'dir');
}

/** A reference that cannot be resolved makes the container wait, as a runAsNonRoot refusal does (the first one found says why). */
function withRefError(u: ReturnType<typeof planUser>, refError: { message: string; waitingFor: string } | undefined): ReturnType<typeof planUser> {
  if (u.configError || !refError) return u;
  return { ...u, configError: { reason: 'CreateContainerConfigError', message: refError.message, waitingFor: refError.waitingFor } };
}

/**
 * A subPath into a config volume must be one of its files or directories: the helper would make a
 * missing one in podrun's tmpfs, where it would stay in the way of every update. False when the
 * volume's files are not known here (a dry run without root).
 */
function configSubPathMissing(v: PlannedVolume, subPath: string, facts: HostFacts): boolean {
  if (v.kind !== 'config') return false;
  if (v.config!.sources.some((s) => (s.kind === 'ConfigMap' || s.kind === 'Secret') && !s.items && facts.configObjects?.[`${s.kind}/${s.name}`] === null)) return false;
  const want = posix.normalize(subPath).replace(/\/+$/, '');
  return !configFiles(v, facts).some((f) => f === want || f.startsWith(`${want}/`));
}

/** Image Env, then spec env: a later value for a name replaces the earlier one in its place. */
function mergeEnv(image: PlannedEnv[], spec: PlannedEnv[]): PlannedEnv[] {
  const out: PlannedEnv[] = [];
  const at = new Map<string, number>();
  for (const e of [...image, ...spec]) {
    const i = at.get(e.name);
    if (i === undefined) {
      at.set(e.name, out.length);
      out.push({ name: e.name, value: e.value });
    } else out[i] = { name: e.name, value: e.value };
  }
  return out;
}

function planUser(pod: LoadedPod, ref: ContainerRef, imageUser: string | undefined, facts: HostFacts, fail: Fail): { user?: PlannedUser; configError?: PlannedContainer['configError'] } {
  const m = pod.manifest;
  const c = manifestContainer(m, ref);
  const csc = c.securityContext;
  const psc = m.spec.securityContext;
  const runAsUser = csc?.runAsUser ?? psc?.runAsUser;
  const runAsGroup = csc?.runAsGroup ?? psc?.runAsGroup;
  const req: UserRequest = runAsUser !== undefined ? { uid: runAsUser } : parseImageUser(imageUser);
  if (runAsGroup !== undefined) {
    req.gid = runAsGroup;
    delete req.group;
  }
  // fsGroup is added to every process's groups, as the kubelet does.
  const extra = [...(psc?.supplementalGroups ?? []), ...(psc?.fsGroup !== undefined ? [psc.fsGroup] : [])];
  if (extra.length) req.supplementalGroups = [...new Set(extra)];
  // Strict: only what the pod says, not the groups the image's /etc/group gives the user.
  if (psc?.supplementalGroupsPolicy === 'Strict') req.imageGroups = false;
  const r = resolveUser(req, facts.imageAccounts[c.image]);
  if ('user' in r) {
    const runAsNonRoot = csc?.runAsNonRoot ?? psc?.runAsNonRoot;
    if (runAsNonRoot && r.user.uid === 0)
      // The kubelet's words (pkg/kubelet/kuberuntime/security_context_others.go verifyRunAsNonRoot).
      return {
        user: r.user,
        configError: {
          reason: 'CreateContainerConfigError',
          message: `container has runAsNonRoot and image will run as root (pod: "${m.metadata.name}_${m.metadata.namespace}(${facts.uid})", container: ${c.name})`,
        },
      };
    return { user: r.user };
  }
  if ('missing' in r) {
    const file = r.missing.kind === 'user' ? '/etc/passwd' : '/etc/group';
    fail(
      ['spec', ref.list, ref.index, 'image'],
      `container ${c.name}: ${r.missing.kind} "${r.missing.name}" (the image's USER ${JSON.stringify(imageUser ?? '')}) is not in the image's ${file} (${c.image})`,
      `set a numeric securityContext.runAs${r.missing.kind === 'user' ? 'User' : 'Group'}, or use an image that defines that ${r.missing.kind}`,
    );
  }
  return {};
}

/** sha256 (hex) of the manifest as canonical JSON (sorted keys): equal hash => unchanged. */
/** Of the manifest after defaults, relative hostPaths as the directories they name (hostpath-export.ts). */
export function manifestHash(manifest: PodManifest, manifestDir: string): string {
  return sha256Hex(canonicalJson(hashedManifest(manifest, manifestDir)));
}

