// Carrying out one pod's plan: the only place in podrun where a pod comes into being.
// Order matters: validate and resolve everything that can fail without effects first, then
// create dirs (undone on failure) and the launch file, start the monitor, write pod.json while it
// starts the pod, then wait for its handshake. A crash at any point leaves something `delete`
// finds by name (the pod dir, monitor.json).
import { existsSync } from 'fs';
import { hostname } from 'os';
import { dirname, join } from 'path';
import { PodrunError } from '../util/errors';
import { randomUuid } from '../util/uuid';
import type { ResolvedImage } from '../images/types';
import { Paths, lastingPodDir, podKey, livePodDir } from '../util/paths';
import type { PodPlan } from '../plan/types';
import { stateDirs, type LoadedPod } from '../manifest/load';
import { writeFileAtomic } from '../state/atomic';
import { withPodLock } from '../state/lock';
import { PodManifest, PodRecord, readPodRecord, writePodRecord } from '../state/records';
import { hostIPv4, hostResolvConf, podIPFor } from './facts';
import { encodeLaunchFile } from './launch';
import { HandshakeRecord, startMonitor } from './monitor';
import { prepareDirs } from './prepare';
import { deletePodLocked, removePodDirs, stopPod } from './stop';
import { ResolvedUser, resolveUser } from './users';

export type ApplyAction = 'created' | 'configured' | 'unchanged';

export type ContainerFailure = Extract<HandshakeRecord, { kind: 'failed' }>;

export interface ApplyOutcome {
  namespace: string;
  name: string;
  action: ApplyAction;
  record: PodRecord;
  /** Containers that could not start (the pod is left for get/describe/delete). */
  failures: ContainerFailure[];
}

export interface ApplyOptions {
  /** Pull progress lines (stderr). */
  progress?: (line: string) => void;
  /** Injected for tests; default: the image store under `paths`. */
  resolveImage?: (ref: string, policy: 'Always' | 'IfNotPresent' | 'Never') => Promise<ResolvedImage>;
}

interface PlanModule {
  planPod(pod: LoadedPod, facts: Record<string, unknown>): PodPlan;
  manifestHash(manifest: unknown): string;
}
// eslint-disable-next-line @typescript-eslint/no-var-requires
const planModule = (): PlanModule => require('../plan/plan') as PlanModule;

function defaultResolver(paths: Paths, progress?: (line: string) => void) {
  let store: { resolveImage(ref: string, o: { policy: 'Always' | 'IfNotPresent' | 'Never'; progress?: (l: string) => void }): Promise<ResolvedImage> } | undefined;
  return (ref: string, policy: 'Always' | 'IfNotPresent' | 'Never') => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    store ??= (require('../images/store') as { openStore(p: Paths): NonNullable<typeof store> }).openStore(paths);
    return store.resolveImage(ref, { policy, progress });
  };
}

export function manifestName(m: PodManifest): { namespace: string; name: string; key: string } {
  const namespace = m.metadata.namespace ?? 'default';
  return { namespace, name: m.metadata.name, key: podKey(namespace, m.metadata.name) };
}

/** Host facts for planning; images maps each manifest image ref to what the store resolved. */
export function hostFacts(paths: Paths, pod: LoadedPod, images: Record<string, ResolvedImage>, uid: string): Record<string, unknown> {
  const hostIP = hostIPv4();
  const m = pod.manifest as unknown as PodManifest;
  return {
    paths,
    uid,
    images,
    hostResolvConf: hostResolvConf() ?? '',
    nodeName: hostname(),
    hostIP,
    podIP: podIPFor(m.spec.hostNetwork === true, hostIP),
    manifestDir: pod.file === '<stdin>' ? process.cwd() : dirname(pod.file),
  };
}

/** Creates, re-creates or leaves one pod, under its lock. */
export async function applyPod(paths: Paths, pod: LoadedPod, opts: ApplyOptions = {}): Promise<ApplyOutcome> {
  const m = pod.manifest as unknown as PodManifest;
  const { namespace, name, key } = manifestName(m);
  const { manifestHash } = planModule();
  const hash = manifestHash(pod.manifest);
  return withPodLock(
    paths,
    key,
    async () => {
      const existing = readPodRecord(paths, key);
      if (existing && existing.plan.manifestHash === hash && !existing.deletionTimestamp)
        return { namespace, name, action: 'unchanged' as const, record: existing, failures: [] };
      // Resolve images before touching the old pod: a pull failure must leave it running.
      const images = await resolveImages(pod, paths, opts);
      let action: ApplyAction = 'created';
      if (existing || existsSync(lastingPodDir(paths, key)) || existsSync(livePodDir(paths, key))) {
        await deletePodLocked(paths, key);
        if (existing) action = 'configured';
      }
      const { record, failures } = await createPod(paths, pod, images, existing?.uid);
      return { namespace, name, action, record, failures };
    },
    { label: name },
  );
}

async function resolveImages(pod: LoadedPod, paths: Paths, opts: ApplyOptions): Promise<Record<string, ResolvedImage>> {
  const resolve = opts.resolveImage ?? defaultResolver(paths, opts.progress);
  const images: Record<string, ResolvedImage> = {};
  const containers = (pod.manifest as unknown as PodManifest).spec.containers as { image: string; imagePullPolicy?: string }[];
  for (const c of containers) {
    if (images[c.image]) continue;
    const policy = (c.imagePullPolicy ?? (/:latest$|^[^:@]*$/.test(c.image) ? 'Always' : 'IfNotPresent')) as 'Always' | 'IfNotPresent' | 'Never';
    images[c.image] = await resolve(c.image, policy);
  }
  return images;
}

function podLevelError(name: string, r: { step: string; syscall: string; code: string; path?: string }): PodrunError {
  return new PodrunError(
    `pod/${name}: ${r.step} ${r.syscall}${r.path ? ` ${r.path}` : ''}: ${r.code}`,
    r.code === 'EPERM' ? 'podrun needs root (CAP_SYS_ADMIN) to create namespaces' : 'run with --log-level debug and see <root>/pods/<key>/monitor.log',
  );
}

async function createPod(
  paths: Paths,
  pod: LoadedPod,
  images: Record<string, ResolvedImage>,
  keepUid?: string,
): Promise<{ record: PodRecord; failures: ContainerFailure[] }> {
  const m = pod.manifest as unknown as PodManifest;
  const { planPod } = planModule();
  // A re-applied pod keeps its uid (the planner's contract), so logs/annotations keyed by it stay.
  const uid = keepUid ?? randomUuid();
  const facts = hostFacts(paths, pod, images, uid);
  const plan = planPod(pod, facts);
  if (plan.dirs.lasting !== lastingPodDir(paths, plan.key)) throw new PodrunError(`internal: plan puts pod ${plan.key} at ${plan.dirs.lasting}, not ${lastingPodDir(paths, plan.key)}`);

  // Effect-free checks first: user names come from the image, not the host.
  const users: ResolvedUser[] = plan.containers.map((c) =>
    resolveUser(c.user, c.image.layerDirs ?? [], { pod: plan.name, container: c.name, image: c.image.ref }),
  );
  const volumeNames = ((m.spec.volumes ?? []) as { name: string }[]).map((v) => v.name);
  const prepared = prepareDirs(plan, { file: pod.file, volumeIndex: (n) => volumeNames.indexOf(n), stateDirs: stateDirs(paths) });

  const record: PodRecord = {
    apiVersion: 'podrun/v1',
    kind: 'PodRecord',
    uid,
    createdAt: new Date().toISOString(),
    sourceFile: pod.file,
    manifest: m,
    plan,
    hostIP: facts.hostIP as string,
    podIP: facts.podIP as string,
  };
  const launchFile = join(plan.dirs.lasting, 'launch');
  try {
    // Read by the monitor at once and by nothing after: no fsync.
    writeFileAtomic(launchFile, encodeLaunchFile({ plan, users, mountKinds: prepared.mountKinds }), 0o600, { durable: false });
  } catch (e) {
    prepared.undo();
    throw e;
  }

  // The monitor starts the pod on the other core while this process writes the record (a durable
  // write, ~3 ms). A pod without pod.json is still found and removed by name (monitor.json).
  const handshake = startMonitor(launchFile);
  let failure: unknown;
  try {
    writePodRecord(paths, record);
  } catch (e) {
    failure = e;
  }
  let hs;
  try {
    hs = await handshake;
  } catch (e) {
    failure ??= new PodrunError(`pod/${plan.name}: could not start the pod monitor: ${(e as Error).message}`);
  }
  if (failure || !hs) {
    // The monitor may have got far enough to write monitor.json: stop whatever it started.
    await stopPod(record, plan.dirs.lasting, { gracePeriodSeconds: 0 });
    removePodDirs(paths, plan.key, record);
    prepared.undo();
    throw failure;
  }
  if (hs.error || (!hs.ready && hs.started.size === 0 && hs.failed.size === 0)) {
    // A pod-level failure: the monitor cleans up and exits; make sure, then roll back.
    await stopPod(record, plan.dirs.lasting, { gracePeriodSeconds: 0 });
    removePodDirs(paths, plan.key, record);
    prepared.undo();
    if (hs.error) throw podLevelError(plan.name, hs.error);
    throw new PodrunError(`pod/${plan.name}: the monitor exited during start-up without a report`, 'see the pod monitor log with --log-level debug');
  }
  return { record, failures: [...hs.failed.values()] };
}

/** `pod/NAME: container C: <step> <syscall> <path>: <code>` plus a hint for the usual causes. */
export function describeFailure(name: string, f: ContainerFailure): { message: string; hint: string } {
  const message = `pod/${name}: container ${f.name}: ${f.step} ${f.syscall}${f.path ? ` ${f.path}` : ''}: ${f.code}`;
  let hint = `the container was not started; \`podrun describe pod ${name}\` shows it, \`podrun delete pod ${name}\` removes the pod`;
  if (f.syscall.startsWith('exec') && f.code === 'ENOENT') hint = `command not found: check the container's command/args and that the image has it in PATH; ${hint}`;
  else if (f.syscall.startsWith('exec') && f.code === 'EACCES') hint = `the command is not executable: check command/args and file modes in the image; ${hint}`;
  else if (f.step === 'cwd') hint = `check workingDir; ${hint}`;
  else if (f.step === 'rootfs' && f.code === 'EINVAL')
    hint = `overlay refused the layers: upper and work dirs must be on the same filesystem (not tmpfs or overlay) and the layer count within the kernel's limit; ${hint}`;
  else if (f.step === 'volume' && (f.code === 'EXDEV' || f.code === 'ELOOP')) hint = `the subPath leads out of its volume (a symlink); ${hint}`;
  else if (f.step === 'volume') hint = `check the volume's source and the mountPath; ${hint}`;
  else if (f.step === 'user') hint = `check securityContext.runAsUser/runAsGroup and the image's USER; ${hint}`;
  return { message, hint };
}
