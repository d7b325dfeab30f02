// Carrying out one pod's plan: the only place in podrun where a pod comes into being.
// Order matters: resolve images, plan, compile the seccomp profiles and load podrun's AppArmor
// profile when a container needs it (everything that can fail without touching a pod) first,
// then write pod.json (before anything of the pod can run, so `get pods` lists it and `delete`
// finds it whenever this process dies), create dirs (all undone on failure), the seccomp
// programs and the launch file, start the monitor (handing it the pod lock
// until its monitor.json names it), make pod.json durable while it starts the pod, then wait for
// its handshake (docs/runtime.md, "apply, step by step").
import { everyContainer, findContainer } from '../plan/containers';
import { removeTree } from '../util/remove-tree';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';
import { ConflictError, ManifestError, ManifestErrors, PlanError, PodrunError } from '../util/errors';
import { randomUuid } from '../util/uuid';
import type { ResolvedImage, ResolveOptions, PullPolicy } from '../images/types';
import { Paths, lastingPodDir, podKey, livePodDir } from '../util/paths';
import { stateDirs, type LoadedPod, type PodManifest } from '../manifest/load';
import { podImages } from '../manifest/schema';
import { manifestHash, planPod } from '../plan/plan';
import { exportedManifest, hostPathSources } from '../plan/hostpath-export';
import type { PodPlan } from '../plan/types';
import { writeFileAtomic } from '../state/atomic';
import { native } from '../util/native';
import { withPodLock } from '../state/lock';
import { fsyncPodRecord, listPodRecords, PodRecord, POD_RECORD_VERSION, readPodRecord, writePodRecord } from '../state/pod-records';
import { readStartTime } from '../state/proc';
import { applyAction, type ApplyAction } from './apply-action';
import { gatherFacts, manifestDirOf, userNamespacePool, usernsHostOps } from './facts';
import { releaseUserNamespace, reserveUserNamespace } from '../state/userns';
import type { HostFacts } from '../plan/types';
import { helper, HelperFailure, monitorRunning, type ContainerFailure } from './helper';
import { prepareDirs } from './prepare';
import { withEnvValues } from './object-data';
import { ensureRoom } from './config-volumes';
import { loadAppArmorProfiles } from './apparmor';
import { compileSeccompPrograms, writeSeccompPrograms, type SeccompPrograms } from './seccomp';
import { cachedCompile } from './seccomp-cache';
import { deletePodLocked, removePodDirs, stopPod, type GraceWatch } from './stop';
import { unmarkDeleting } from '../state/deleting-marks';
import { removePodCgroup } from './cgroup';
import { planReapply, withUnfinishedReplaces, podPlanChanges, reappliedPlan, reapplyDetail, type ReapplyDecision } from '../plan/reapply';
import { inPlaceObstacle, reapplyInPlace } from './reapply';
import type { NetworkConfigList } from './network/cni';
import { setUpPodNetwork, tearDownPodNetwork } from './network/pod-network';
import { withPodAddresses } from '../plan/network';


export interface ApplyOutcome {
  namespace: string;
  name: string;
  action: ApplyAction;
  /** What was done, in words: `labels; container app restarted: env changed`, or why the pod was re-created. */
  detail?: string;
  record: PodRecord;
  /** Containers that could not start (the pod is left for get/describe/delete), as errors to show. */
  failures: PodrunError[];
}

export type { ApplyAction } from './apply-action';

export type ImageResolver = (ref: string, policy: PullPolicy) => Promise<ResolvedImage>;

export interface ApplyOptions {
  /** Pull progress lines (stderr). */
  progress?: (line: string) => void;
  /** Injected for tests; default: the image store under `paths`. */
  resolveImage?: ImageResolver;
  /** Re-create the pod even when its manifest is unchanged (a container waited for an object that is now there). */
  recreate?: boolean;
  /** `apply --force`: re-create the pod whatever changed, unchanged too. */
  force?: boolean;
  /** `--network NAME`: the CNI network of pods that name none (docs/networking.md); `none`: only lo. */
  network?: string;
  /** `--grace-period`/`--now`: the grace of what the apply stops (the old pod, a restarted container); default the pod's. */
  gracePeriodSeconds?: number;
  /** The CLI's progress line and Ctrl-C during those stops. */
  watch?: GraceWatch;
  /** `label`/`annotate`: change the running pod in place or not at all (never re-create it); what changes, for the error. */
  inPlaceOnly?: string;
}

function storeResolver(paths: Paths, pod: LoadedPod, progress?: (line: string) => void): ImageResolver {
  let store: import('../images/store').ImageStore | undefined;
  return (ref, policy) => {
    // The image code is loaded only when a pod is really created (not for `unchanged`).
    const { openStore } = require('../images/store') as typeof import('../images/store');
    const { resolveImage } = require('../images/resolve') as typeof import('../images/resolve');
    store ??= openStore(paths);
    return resolveImage(store, ref, { policy, progress, ...pullSecretCredentials(paths, pod, progress) });
  };
}

/**
 * The pod's imagePullSecrets, as the kubelet uses them: each `kubernetes.io/dockerconfigjson` (or
 * `dockercfg`) Secret in order, the first whose entries match the image's registry; none matching,
 * the credentials of `podrun login`. A Secret that is not there is said, and skipped (the
 * kubelet's FailedToRetrieveImagePullSecret).
 */
function pullSecretCredentials(paths: Paths, pod: LoadedPod, progress?: (line: string) => void): Pick<ResolveOptions, 'credentialsFor'> {
  const names = (pod.manifest.spec.imagePullSecrets ?? []).map((s) => s.name).filter((n): n is string => !!n);
  if (!names.length) return {};
  const { credentialsFromConfig } = require('../images/auth') as typeof import('../images/auth');
  const { objectData } = require('./object-data') as typeof import('./object-data');
  const ns = pod.manifest.metadata.namespace;
  const configs: string[] = [];
  for (const n of names) {
    const data = objectData(paths, 'Secret', ns, n);
    const json = data?.get('.dockerconfigjson') ?? data?.get('.dockercfg');
    if (json) configs.push(json.toString('utf8'));
    else progress?.(`warning: pod/${pod.manifest.metadata.name}: imagePullSecrets: secret "${n}" ${data ? 'holds no .dockerconfigjson' : 'not found'}: pulling with the credentials of \`podrun login\``);
  }
  return { credentialsFor: (registry) => configs.map((c) => credentialsFromConfig(c, registry)).find((c) => c) };
}

export function manifestName(m: PodManifest): { namespace: string; name: string; key: string } {
  const namespace = m.metadata.namespace;
  return { namespace, name: m.metadata.name, key: podKey(namespace, m.metadata.name) };
}

/**
 * A pod to apply again from its record (re-created for an object it waited for): its hostPaths
 * as the directories it binds, whatever the current folder (a pod from stdin has no other).
 */
export function podFromRecord(r: PodRecord): LoadedPod {
  return { file: r.sourceFile ?? '<record>', line: 1, manifest: exportedManifest(r.manifest, hostPathSources(r.plan)) };
}

/** Creates, re-creates or leaves one pod, under its lock. */
export async function applyPod(paths: Paths, pod: LoadedPod, opts: ApplyOptions = {}): Promise<ApplyOutcome> {
  const { namespace, name, key } = manifestName(pod.manifest);
  const hash = manifestHash(pod.manifest, manifestDirOf(pod));
  return withPodLock(
    paths,
    key,
    async (lock) => {
      const existing = readPodRecord(paths, key);
      // The same manifest again: nothing to do while its monitor runs; without one (it died, or
      // an apply was interrupted) the pod is made again, leftovers removed first.
      let again = existing && applyAction(existing, hash, monitorRunning(existing.plan.dirs.lasting));
      if (again === 'unchanged' && (opts.recreate || opts.force)) again = 'recreated';
      // label/annotate of a pod without a monitor (ended, or died): the same manifest would be made again
      if (opts.inPlaceOnly && again === 'recreated') again = 'configured';
      if (existing && again === 'unchanged') {
        // the same pod from another file: the record says where it comes from now (apply --prune goes by it)
        if (existing.sourceFile !== pod.file && pod.file.startsWith('/')) {
          const moved = { ...existing, sourceFile: pod.file };
          writePodRecord(paths, moved);
          return { namespace, name, action: 'unchanged' as const, record: moved, failures: [] };
        }
        return { namespace, name, action: 'unchanged' as const, record: existing, failures: [] };
      }
      // Resolve images and plan before touching the old pod: a pull failure or a problem the
      // images reveal must leave it running.
      const images = await resolveImages(pod, opts.resolveImage ?? storeResolver(paths, pod, opts.progress));
      const uid = existing?.uid ?? randomUuid(); // a re-applied pod keeps its uid
      // hostUsers: false: the pod's range of host ids, kept across a re-apply (docs/security.md).
      let reserved: { fresh: boolean } | undefined;
      let userNamespace: HostFacts['userNamespace'];
      if (pod.manifest.spec.hostUsers === false) {
        const r = reserveUserNamespace(paths, key, uid, userNamespacePool(), usernsHostOps);
        if ('unavailable' in r) userNamespace = r;
        else [userNamespace, reserved] = [r.range, r];
      }
      let planned: ReturnType<typeof planPod>;
      let programs: SeccompPrograms;
      let network: NetworkConfigList | undefined;
      try {
        network = podNetwork(paths, pod, opts.network);
        const attach = network && { name: network.name, file: network.file, containerId: randomUuid().replace(/-/g, ''), ...bridgeOf(network) };
        planned = planPod(pod, gatherFacts(paths, pod, images, uid, userNamespace, [], attach));
        if (!planned.plan) throw new ManifestErrors(planned.errors);
        checkHostPorts(paths, pod, planned.plan);
        // Localhost profiles are read and every profile compiled now: a bad one leaves the old pod.
        programs = compileSeccompPrograms(paths, pod, planned.plan, cachedCompile(paths, native().compileSeccomp));
        // podrun's AppArmor profile into the kernel when a container needs it and it is not there.
        loadAppArmorProfiles(pod, planned.plan);
      } catch (e) {
        if (reserved?.fresh) releaseUserNamespace(paths, key);
        throw e;
      }
      // A running pod changed: what can be is applied in place (plan/reapply.ts), else it is re-created and said why.
      let why: string | undefined = opts.force && existing ? '--force' : undefined;
      if (existing && again === 'configured' && !existing.deletionTimestamp && monitorRunning(existing.plan.dirs.lasting)) {
        const inPlace = await tryInPlace(paths, existing, pod, planned.plan, programs, opts);
        if ('record' in inPlace) {
          const resizeOnly = !inPlace.decision.metadata.length && !inPlace.decision.restart.length && inPlace.decision.resize.length > 0;
          return { namespace, name, action: resizeOnly ? ('resized' as const) : ('configured' as const), detail: resizeOnly ? undefined : reapplyDetail(inPlace.decision) || undefined, record: inPlace.record, failures: inPlace.failures };
        }
        why = inPlace.why;
      }
      if (opts.inPlaceOnly) {
        if (reserved?.fresh) releaseUserNamespace(paths, key);
        const state = !existing ? 'it is not there' : existing.deletionTimestamp ? 'it is being deleted' : !monitorRunning(existing.plan.dirs.lasting) ? 'its monitor is not running (it ended, or died)' : (why ?? 'it would be re-created');
        throw new ConflictError(`pod/${name}: its ${opts.inPlaceOnly} cannot change in place: ${state}; nothing was changed`, `\`podrun describe pod ${name}\` says why; \`podrun apply -f FILE\` with the ${opts.inPlaceOnly} in the file makes the pod again`);
      }
      let action: ApplyAction = 'created';
      if (existing || existsSync(lastingPodDir(paths, key)) || existsSync(livePodDir(paths, key))) {
        await deletePodLocked(paths, key, { keepUserNamespace: reserved !== undefined, gracePeriodSeconds: opts.gracePeriodSeconds, watch: opts.watch });
        if (again) action = again === 'configured' ? 'recreated' : again;
      }
      let created: Awaited<ReturnType<typeof createPod>>;
      unmarkDeleting(paths, key); // a mark a failed delete left is not this new pod's
      try {
        created = await createPod(paths, pod, planned.plan, programs, lock.fd, network);
      } catch (e) {
        if (reserved) releaseUserNamespace(paths, key);
        throw e;
      }
      const { record, failures } = created;
      return { namespace, name, action, ...(action === 'recreated' && why ? { detail: why } : {}), record, failures };
    },
    { label: name },
  );
}

/**
 * The in-place re-apply of a running pod, carried out, or why the pod is re-created instead: the
 * rules' decision, then what only the plans show (a pod-level part that would differ) and the
 * monitor's state (a container that would not run again).
 */
async function tryInPlace(
  paths: Paths,
  existing: PodRecord,
  pod: LoadedPod,
  plan: PodPlan,
  programs: SeccompPrograms,
  opts: ApplyOptions,
): Promise<{ record: PodRecord; failures: PodrunError[]; decision: Extract<ReapplyDecision, { inPlace: true }> } | { why: string }> {
  const rules = planReapply(existing, { manifest: pod.manifest, plan }, { force: opts.force });
  if (!rules.inPlace) return { why: rules.why };
  const decision = withUnfinishedReplaces(rules, existing.replacing, plan);
  const names = decision.restart.map((r) => r.name);
  const merged = reappliedPlan(existing.plan, plan, new Set(names));
  const changes = podPlanChanges(existing.plan, merged);
  if (changes.length) return { why: `the pod's ${changes.join(', ')} would change` };
  const obstacle = await inPlaceObstacle(existing, names);
  if (obstacle) return { why: obstacle };
  return { ...(await reapplyInPlace(paths, existing, pod, { plan, merged, programs }, decision, { gracePeriodSeconds: opts.gracePeriodSeconds, watch: opts.watch })), decision };
}

async function resolveImages(pod: LoadedPod, resolve: ImageResolver): Promise<Record<string, ResolvedImage>> {
  const images: Record<string, ResolvedImage> = {};
  for (const i of podImages(pod.manifest.spec)) {
    try {
      images[i.ref] ??= await resolve(i.ref, i.policy);
    } catch (e) {
      throw e instanceof PodrunError && !(e instanceof ManifestError) ? imageError(pod, i.ref, e) : e;
    }
  }
  return images;
}

/**
 * A pull that failed, said at the field that names the image (`pods/web.yaml:8:
 * spec.containers[0].image: ...`): in `apply -f dir/` the registry's words alone name no pod.
 */
function imageError(pod: LoadedPod, ref: string, e: PodrunError): PlanError {
  const spec = pod.manifest.spec;
  const at = (list: { image?: string }[] | undefined, field: string) => (list ?? []).findIndex((c) => c.image === ref) >= 0 ? ['spec', field, (list ?? []).findIndex((c) => c.image === ref), 'image'] : undefined;
  const volume = (spec.volumes ?? []).findIndex((v) => v.image?.reference === ref);
  const path = at(spec.initContainers, 'initContainers') ?? at(spec.containers, 'containers') ?? (volume >= 0 ? ['spec', 'volumes', volume, 'image', 'reference'] : ['spec']);
  const err = new PlanError(pod.file, path, e.message, e.hint, pod.lineOf?.(path) ?? pod.line);
  err.exitCode = e.exitCode;
  return err;
}

async function createPod(paths: Paths, pod: LoadedPod, plan: PodPlan, programs: SeccompPrograms, lockFd: number, network?: NetworkConfigList): Promise<{ record: PodRecord; failures: PodrunError[] }> {
  if (plan.dirs.lasting !== lastingPodDir(paths, plan.key))
    throw new PodrunError(`internal: plan puts pod ${plan.key} at ${plan.dirs.lasting}, not ${lastingPodDir(paths, plan.key)}`);
  const record: PodRecord = {
    apiVersion: POD_RECORD_VERSION,
    kind: 'PodRecord',
    uid: plan.uid,
    createdAt: new Date().toISOString(),
    sourceFile: pod.file,
    manifest: pod.manifest,
    plan,
    creator: { pid: process.pid, startTime: readStartTime(process.pid) ?? 0 },
  };
  // The record comes first, before any process of the pod can exist: `get pods` lists the pod
  // and `delete` finds it from here on, whenever this process is killed. Not fsynced yet (that
  // overlaps with the monitor's start below); atomic already.
  mkdirSync(dirname(plan.dirs.lasting), { recursive: true, mode: 0o700 });
  mkdirSync(plan.dirs.lasting, { mode: 0o700 });
  const unrecord = () => removeTree(plan.dirs.lasting);
  let prepared: ReturnType<typeof prepareDirs>;
  try {
    writePodRecord(paths, record, { durable: false });
    const volumeNames = (pod.manifest.spec.volumes ?? []).map((v) => v.name);
    prepared = prepareDirs(plan, { file: pod.file, lineOf: pod.lineOf, volumeIndex: (n) => volumeNames.indexOf(n), stateDirs: stateDirs(paths), paths });
  } catch (e) {
    unrecord();
    throw e;
  }
  const undo = () => {
    prepared.undo();
    unrecord();
  };

  // With values from Secrets the launch file holds them: it goes on the pod's tmpfs, not the disk.
  const secretEnv = plan.envRefs?.some((r) => r.kind === 'Secret') && plan.dirs.config;
  const launchFile = secretEnv ? join(plan.dirs.config!, '.launch') : join(plan.dirs.lasting, 'launch');
  try {
    writeSeccompPrograms(programs);
    // Read by the monitor at once and by nothing after: no fsync.
    const launch = helper.encodeLaunchFile(plan.envRefs ? withEnvValues(paths, plan) : plan);
    if (secretEnv) ensureRoom(plan.dirs.config!, launch.length); // the tmpfs grows for large values
    writeFileAtomic(launchFile, launch, 0o600, { durable: false });
  } catch (e) {
    undo();
    throw e;
  }

  // The monitor gets the pod lock too and keeps it until its monitor.json names it; it starts the
  // pod on the other core while this process makes the record durable (~3 ms).
  // On a network: once the pause runs, ADD in its namespace, then the addresses go where the
  // plan's stand-ins are (pod.json, /etc/hosts) and to the monitor, before any container starts.
  const gate = network
    ? (pause: { pid: number }) => {
        const { ip, ips } = setUpPodNetwork(paths, plan, network, pause.pid, lockFd);
        record.plan = withPodAddresses(plan, ip, ips);
        writeFileSync(join(plan.dirs.init, 'etc', 'hosts'), record.plan.hosts, { mode: 0o644 });
        if (plan.dirs.hosts) writeFileSync(plan.dirs.hosts, record.plan.hosts, { mode: 0o644 });
        writePodRecord(paths, record, { durable: false });
        return { ip, ips };
      }
    : undefined;
  const handshake = helper.startMonitor(launchFile, { lockFd, gate });
  let failure: unknown;
  try {
    fsyncPodRecord(paths, plan.key);
  } catch (e) {
    failure = e;
  }
  const hs = await handshake.catch((e: unknown) => {
    failure ??= e instanceof PodrunError ? e : new PodrunError(`pod/${plan.name}: could not start the pod monitor: ${(e as Error).message}`);
    return undefined;
  });
  // No `ready`: a pod-level error, or the monitor died while starting the pod.
  // The monitor read its launch file before its first record: one holding Secret values goes now,
  // rather than staying on the pod's tmpfs for the pod's life.
  if (secretEnv) rmSync(launchFile, { force: true });
  if (hs?.gateError) failure ??= hs.gateError;
  if (failure || !hs || hs.error || !hs.ready) {
    // The monitor may have got far enough to start processes: stop whatever it started, then
    // roll back (a pod-level failure makes the monitor clean up and exit; this makes sure).
    await stopPod(record, plan.dirs.lasting, { gracePeriodSeconds: 0 });
    tearDownPodNetwork(paths, record.plan);
    if (plan.cgroup) await removePodCgroup(plan.cgroup, `pod/${plan.name}`).catch(() => undefined); // undo below tries again
    removePodDirs(paths, plan.key, record);
    undo();
    if (failure) throw failure;
    // Another pod or program bound a hostPort between the check and the monitor's bind.
    if (hs?.error?.step === 'hostport' && hs.error.errno === 98) {
      const f = (hs.error.path ?? '').split(':'); // PROTO:ADDR:PORT, ADDR maybe IPv6
      throw new PodrunError(
        `pod/${plan.name}: hostPort ${f[f.length - 1]}/${(f[0] ?? '').toUpperCase()} on ${f.slice(1, -1).join(':')} was taken just now (by a pod starting at the same time, or a program); nothing of the pod is left`,
        'choose another hostPort, or stop what holds it; `podrun get pods -o wide` shows the pods',
      );
    }
    if (hs?.error) throw new HelperFailure(`pod/${plan.name}`, hs.error, 'run with --log-level debug and see <root>/pods/<key>/monitor.log');
    throw new PodrunError(
      `pod/${plan.name}: the pod's monitor (pid ${hs?.monitorPid}) exited while starting the pod, without a report; nothing of the pod is left`,
      'it was killed or crashed: run the apply again; with --log-level debug podrun says more',
    );
  }
  const refused = everyContainer(plan).flatMap(({ c }) =>
    c.configError
      ? [
          new PodrunError(
            `pod/${plan.name}: container ${c.name}: ${c.configError.reason}: ${c.configError.message}`,
            c.configError.waitingFor
              ? `the container waits: apply the ${c.configError.waitingFor.split('/')[0]} (podrun then re-creates the pod), or mark the reference optional: true`
              : `set securityContext.runAsUser to a non-zero uid, or use an image whose USER is not root; \`podrun describe pod ${plan.name}\` shows the container`,
          ),
        ]
      : [],
  );
  // A configError container's start fails by design (said above, once).
  const failed = [...hs.failed.values()].filter((f) => !findContainer(plan, f.name)?.c.configError);
  return { record, failures: [...refused, ...failed.map((f) => idmapFailure(pod, plan, f) ?? containerFailure(plan.name, f))] };
}

/**
 * hostUsers: false needs every volume idmapped; a filesystem without idmapped mounts refuses it
 * (`volume mount_setattr EINVAL <mountPath>`): said of the volume, at its field in the manifest.
 */
function idmapFailure(pod: LoadedPod, plan: PodPlan, f: ContainerFailure): PodrunError | undefined {
  if (!plan.userNamespace || f.step !== 'volume' || f.syscall !== 'mount_setattr' || f.errno !== 22) return undefined;
  const c = findContainer(plan, f.name)?.c;
  const mount = c?.mounts.find((m) => m.mountPath === f.path);
  const index = (pod.manifest.spec.volumes ?? []).findIndex((v) => v.name === mount?.volume);
  const v = plan.volumes.find((x) => x.name === mount?.volume);
  if (!c || !mount || !v || index < 0) return undefined;
  const path = ['spec', 'volumes', index, v.kind];
  return new PlanError(
    pod.file,
    path,
    `volume "${v.name}" (${v.kind} ${v.source}, mounted by container ${c.name} at ${mount.mountPath}): its filesystem does not support idmapped mounts, which \`hostUsers: false\` needs; the container was not started`,
    `put the volume on a filesystem with idmapped mounts (ext4, xfs, btrfs, tmpfs, vfat, overlay), or run the pod with hostUsers: true; \`podrun delete pod ${plan.name}\` removes the pod`,
    pod.lineOf?.(path) ?? pod.line,
  );
}

/** `pod/NAME: container C: <step> <syscall> <path>: <code>` plus the hint for the usual causes. */
export function containerFailure(podName: string, f: ContainerFailure): HelperFailure {
  return new HelperFailure(
    `pod/${podName}: container ${f.name}`,
    f,
    `the container was not started; \`podrun describe pod ${podName}\` shows it, \`podrun delete pod ${podName}\` removes the pod`,
  );
}

/**
 * Pods with a container waiting (CreateContainerConfigError) for one of CHANGED (`NS/Kind/NAME`):
 * the kubelet starts such a container once the object is there; podrun re-creates its pod.
 */
export function podsWaitingFor(paths: Paths, changed: Set<string>): PodRecord[] {
  if (!changed.size) return [];
  return listPodRecords(paths).filter((r) => !r.deletionTimestamp && everyContainer(r.plan).some(({ c }) => c.configError?.waitingFor && changed.has(`${r.plan.namespace}/${c.configError.waitingFor}`)));
}

/** The bridge a network's bridge plugin makes (cni0 when it names none, as the plugin's default). */
function bridgeOf(list: NetworkConfigList): { bridge?: string } {
  const b = list.plugins.find((p) => p.type === 'bridge');
  return b ? { bridge: typeof b.bridge === 'string' ? b.bridge : 'cni0' } : {};
}

/** The pod's CNI network, loaded and checked (plugins there, the default's subnet free), or undefined for none. */
function podNetwork(paths: Paths, pod: LoadedPod, flag?: string): NetworkConfigList | undefined {
  const { podNetworkName, loadNetwork } = require('./network/conflist') as typeof import('./network/conflist');
  const name = podNetworkName(pod, flag);
  return name === undefined ? undefined : loadNetwork(paths, name);
}

/** A hostPort another pod or a host process holds: an error at its field, before anything of the pod starts. */
function checkHostPorts(paths: Paths, pod: LoadedPod, plan: PodPlan): void {
  if (!plan.network?.portMappings.length && plan.namespaces.net !== 'host') return;
  const { hostPortConflict } = require('./network/host-ports') as typeof import('./network/host-ports');
  const c = hostPortConflict(paths, plan);
  if (!c) return;
  let path: (string | number)[] = ['spec'];
  for (const list of ['initContainers', 'containers'] as const)
    (pod.manifest.spec[list] ?? []).forEach((ctr, i) =>
      (ctr.ports ?? []).forEach((p, j) => {
        if ((p.hostPort ?? p.containerPort) === c.mapping.hostPort && (p.protocol ?? 'TCP').toLowerCase() === c.mapping.protocol) path = ['spec', list, i, 'ports', j, p.hostPort !== undefined ? 'hostPort' : 'containerPort'];
      }),
    );
  throw new PlanError(
    pod.file,
    path,
    `hostPort ${c.mapping.hostPort}/${c.mapping.protocol.toUpperCase()}${c.mapping.hostIP ? ` on ${c.mapping.hostIP}` : ''} is taken by ${c.holder}`,
    'choose another hostPort, or stop what holds it; nothing of the pod was started',
    pod.lineOf?.(path) ?? pod.line,
  );
}