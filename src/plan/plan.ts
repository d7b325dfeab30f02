// planPod: one validated Pod + facts about this host -> everything `apply` will do, as data.
// Pure (no fs, no clock, no randomness): the facts carry whatever had to be looked up, so the
// same input always gives the same plan and golden files can pin it down.
import { isAbsolute, join, normalize, resolve } from 'path';
import type { ResolvedImage } from '../images/types';
import { lastingPodDir, podKey, livePodDir, type Paths } from '../util/paths';
import { ManifestError } from '../util/errors';
import type { LoadedPod, PodManifest } from '../manifest/load';
import { parseQuantity } from '../manifest/quantity';
import { expand } from './expand';
import { hostsFile, resolvConf } from './etc';
import { mergeArgv, normaliseSignal, parseImageEnv, parseImageUser, type PlannedUser } from './image-config';
import type { PlannedContainer, PlannedEnv, PlannedVolume, PodPlan } from './types';
import { sha256Hex } from '../util/sha256';

export interface HostFacts {
  paths: Paths;
  /** The pod uid to use (apply makes one; a re-apply keeps the old one). */
  uid: string;
  /** Resolved images by reference as written in the manifest; undefined when absent (dry run). */
  images: Record<string, ResolvedImage | undefined>;
  /** Contents of the host's /etc/resolv.conf, or ''. */
  hostResolvConf: string;
  podIP: string;
  hostIP: string;
  /** Folder of the manifest: relative hostPath paths resolve against it. */
  manifestDir: string;
  /** What `spec.nodeName` reads as through a fieldRef (the host's name); '' when not given. */
  nodeName?: string;
}

export const SHM_SIZE_BYTES = 64 * 1024 * 1024;

export function planPod(pod: LoadedPod, facts: HostFacts): PodPlan {
  const m = pod.manifest;
  const { name, namespace } = m.metadata;
  const spec = m.spec;
  const key = podKey(namespace, name);
  const pdir = lastingPodDir(facts.paths, key);
  const hostname = spec.hostname ?? truncateHostname(name);
  const volumes = (spec.volumes ?? []).map((v) => planVolume(v, pdir, facts.manifestDir));
  return {
    key,
    name,
    namespace,
    uid: facts.uid,
    hostname,
    dirs: { lasting: pdir, live: livePodDir(facts.paths, key), init: join(pdir, 'init'), shm: join(pdir, 'shm') },
    namespaces: {
      net: spec.hostNetwork ? 'host' : 'pod',
      ipc: spec.hostIPC ? 'host' : 'pod',
      // kubelet gives a hostNetwork pod the host's UTS namespace too.
      uts: spec.hostNetwork ? 'host' : 'pod',
      pid: spec.hostPID ? 'host' : spec.shareProcessNamespace ? 'pod' : 'container',
    },
    shmSizeBytes: SHM_SIZE_BYTES,
    hosts: hostsFile({
      podIP: spec.hostNetwork ? facts.hostIP : facts.podIP,
      hostname,
      subdomain: spec.subdomain,
      namespace,
      hostAliases: spec.hostAliases,
    }),
    resolvConf: resolvConf({ dnsPolicy: spec.dnsPolicy, dnsConfig: spec.dnsConfig, hostResolvConf: facts.hostResolvConf }),
    volumes,
    containers: spec.containers.map((c, i) => planContainer(pod, i, facts, pdir)),
    restartPolicy: spec.restartPolicy,
    terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds,
    manifestHash: manifestHash(m),
  };
}

/** Kubernetes truncates a pod name used as hostname to 63 characters, then trims `-` and `.`. */
function truncateHostname(name: string): string {
  return name.length <= 63 ? name : name.slice(0, 63).replace(/[-.]+$/, '');
}

function planVolume(v: NonNullable<PodManifest['spec']['volumes']>[number], pdir: string, manifestDir: string): PlannedVolume {
  if (v.hostPath) {
    const p = v.hostPath.path;
    const abs = isAbsolute(p) ? normalize(p) : resolve(manifestDir, p);
    return { name: v.name, kind: 'hostPath', source: abs.length > 1 ? abs.replace(/\/+$/, '') : abs, hostPathType: v.hostPath.type };
  }
  const out: PlannedVolume = { name: v.name, kind: 'emptyDir', source: join(pdir, 'volumes', v.name) };
  const size = v.emptyDir?.sizeLimit !== undefined ? parseQuantity(v.emptyDir.sizeLimit) : undefined;
  if (size?.ok) out.sizeLimitBytes = size.value;
  if (v.emptyDir?.medium === 'Memory') out.tmpfs = { sizeBytes: size?.ok ? size.value : 0 };
  return out;
}

function planContainer(pod: LoadedPod, index: number, facts: HostFacts, pdir: string): PlannedContainer {
  const m = pod.manifest;
  const c = m.spec.containers[index];
  const resolved = facts.images[c.image];
  const config = resolved?.config ?? {};

  // Spec env, in order; each value may refer to variables defined before it (Kubernetes does not
  // let it see the image's Env: the kubelet does not know it).
  const specEnv = new Map<string, string>();
  for (const e of c.env ?? []) {
    const value = e.valueFrom?.fieldRef ? fieldRefValue(e.valueFrom.fieldRef.fieldPath, m, facts) : expand(e.value ?? '', (n) => specEnv.get(n));
    specEnv.set(e.name, value);
  }
  const lookup = (n: string) => specEnv.get(n);

  const argv = mergeArgv(
    c.command?.map((a) => expand(a, lookup)),
    c.args?.map((a) => expand(a, lookup)),
    config.Entrypoint,
    config.Cmd,
  );
  if (argv.length === 0 && resolved)
    throw new ManifestError(pod.file, ['spec', 'containers', index, 'command'], `container ${c.name} has no command: neither the manifest nor image ${c.image} sets one`, 'add `command: [...]` to the container', pod.line);

  const cdir = join(pdir, 'containers', c.name);
  return {
    name: c.name,
    image: {
      ref: c.image,
      pullPolicy: c.imagePullPolicy,
      ...(resolved ? { imageId: resolved.imageId, layerDirs: resolved.layerDirs, config: resolved.config } : {}),
    },
    argv,
    env: mergeEnv(parseImageEnv(config.Env), [...specEnv].map(([n, v]) => ({ name: n, value: v }))),
    workingDir: c.workingDir ?? (config.WorkingDir || '/'),
    user: planUser(m, index, config.User),
    mounts: (c.volumeMounts ?? []).map((vm) => ({
      volume: vm.name,
      mountPath: vm.mountPath,
      readOnly: vm.readOnly === true,
      ...(vm.subPath ? { subPath: vm.subPath } : {}),
    })),
    ports: (c.ports ?? []).map((p) => ({
      ...(p.name ? { name: p.name } : {}),
      containerPort: p.containerPort,
      protocol: p.protocol,
      ...(p.hostPort !== undefined ? { hostPort: p.hostPort } : {}),
      ...(p.hostIP !== undefined ? { hostIP: p.hostIP } : {}),
    })),
    stdin: c.stdin === true,
    tty: c.tty === true,
    stopSignal: normaliseSignal(config.StopSignal),
    dirs: { upper: join(cdir, 'upper'), work: join(cdir, 'work'), rootfs: join(cdir, 'rootfs'), logDir: join(pdir, 'logs', c.name), stateFile: join(cdir, 'state.json') },
  };
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

function planUser(m: PodManifest, index: number, imageUser: string | undefined): PlannedUser {
  const csc = m.spec.containers[index].securityContext;
  const psc = m.spec.securityContext;
  const runAsUser = csc?.runAsUser ?? psc?.runAsUser;
  const runAsGroup = csc?.runAsGroup ?? psc?.runAsGroup;
  const user: PlannedUser = runAsUser !== undefined ? { uid: runAsUser } : parseImageUser(imageUser);
  if (runAsGroup !== undefined) {
    user.gid = runAsGroup;
    delete user.group;
  }
  if (psc?.supplementalGroups?.length) user.supplementalGroups = [...psc.supplementalGroups];
  return user;
}

/** Downward API values (pkg/fieldpath): the paths rules.ts accepts. */
export function fieldRefValue(path: string, m: PodManifest, facts: HostFacts): string {
  const sub = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path);
  if (sub) {
    const map = (sub[1] === 'labels' ? m.metadata.labels : m.metadata.annotations) ?? {};
    return Object.prototype.hasOwnProperty.call(map, sub[2]) ? map[sub[2]] : '';
  }
  switch (path) {
    case 'metadata.name':
      return m.metadata.name;
    case 'metadata.namespace':
      return m.metadata.namespace;
    case 'metadata.uid':
      return facts.uid;
    case 'status.podIP':
    case 'status.podIPs':
      return m.spec.hostNetwork ? facts.hostIP : facts.podIP;
    case 'status.hostIP':
    case 'status.hostIPs':
      return facts.hostIP;
    case 'spec.nodeName':
      return facts.nodeName ?? '';
    case 'spec.serviceAccountName':
      return 'default';
    default:
      return '';
  }
}

/** sha256 (hex) of the manifest as canonical JSON (sorted keys): equal hash => unchanged. */
export function manifestHash(manifest: PodManifest): string {
  return sha256Hex(canonicalJson(manifest));
}

export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object')
    return `{${Object.keys(v)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}
