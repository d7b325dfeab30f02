// Rules across fields, checked over the raw (possibly invalid) data so they report even when
// zod found type errors elsewhere: unique names, volume references, one volume source, hostPath
// deny list (and podrun.dev/hostpath-base, the folder relative hostPaths start from), hostPort,
// downward API paths, DNS policy, and podrun's watch.podrun.dev/CONTAINER annotations.
import { isAbsolute, normalize, resolve } from 'path';
import { HOSTPATH_BASE_ANNOTATION, hostPathBaseDir } from './hostpath-base';
import { parseWatchAction, WATCH_ANNOTATION_PREFIX } from './watch-annotation';
import type { FieldPath } from './yaml';
import { execStringProblem } from './exec-limits';
import { VOLUME_SOURCES } from './fields';
import { suggest } from './suggest';
import { annotationProfile, annotationValue, APPARMOR_ANNOTATION_PREFIX, effectiveAppArmor } from './apparmor';
import { quoted } from './names';
import { formatFieldPath } from '../util/errors';
import { pvcSpecRules } from './objects';
import { supervisionRules, type RuleContainer as SupervisedContainer } from './supervision';

/** A container as the rules see it: its data, where it is written, what it is. */
interface RuleContainer extends SupervisedContainer {
  list: 'containers' | 'initContainers';
  index: number;
}

export interface RuleContext {
  err: (path: FieldPath, detail: string, hint?: string) => void;
  /** A warning: the pod is run, and the user told. */
  warn?: (path: FieldPath, message: string) => void;
  /** Folder a relative hostPath resolves against. */
  baseDir: string;
  /** podrun's own state directories. */
  stateDirs: string[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const objects = (v: unknown): [Obj, number][] => (Array.isArray(v) ? v.map((x, i) => [x, i] as [unknown, number]).filter((p): p is [Obj, number] => isObj(p[0])) : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Host directories no pod may get, nor anything below or above them (so not `/`): kernel interfaces and devices. */
export const DENIED_HOST_PATHS = ['/proc', '/sys', '/dev'];
/** For CharDevice and BlockDevice hostPaths, which must be device nodes (the helper checks the opened node). */
export const DENIED_DEVICE_PATHS = ['/proc', '/sys'];

export const FIELD_REF_PATHS = [
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'status.podIP',
  'status.podIPs',
  'status.hostIP',
  'status.hostIPs',
  'spec.nodeName',
  'spec.serviceAccountName',
];

/** The longest `namespace_name`: 255 bytes of a file name less `pod-` and `.lock` (the pod's lock). */
export const MAX_POD_KEY = 246;

/** podrun's: the CNI network the pod joins (`none`: only lo), docs/networking.md. A real cluster ignores it. */
export const NETWORK_ANNOTATION = 'podrun.dev/network';
const NETWORK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

function networkAnnotationRule(pod: Obj, spec: Obj, ctx: RuleContext): void {
  const ann = isObj(pod.metadata) && isObj((pod.metadata as Obj).annotations) ? ((pod.metadata as Obj).annotations as Obj) : undefined;
  if (!ann || !Object.prototype.hasOwnProperty.call(ann, NETWORK_ANNOTATION)) return;
  const v = ann[NETWORK_ANNOTATION];
  const at = ['metadata', 'annotations', NETWORK_ANNOTATION];
  if (typeof v !== 'string' || !NETWORK_NAME.test(v) || v.length > 128) ctx.err(at, `${JSON.stringify(v)} is not a CNI network name`, 'write a network name of letters, digits and `_.-` (a conflist in /etc/cni/net.d, or podrun), or none');
  else if (spec.hostNetwork === true && v !== 'none') ctx.err(at, `the pod has hostNetwork: true, so it joins no network ("${v}")`, `remove the annotation or hostNetwork`);
}

export function podRules(pod: Obj, ctx: RuleContext): void {
  const meta = isObj(pod.metadata) ? pod.metadata : {};
  const name = str(meta.name);
  const namespace = str(meta.namespace) ?? 'default';
  // podrun keeps a pod under a directory named `namespace_name` and locks it with
  // `pod-namespace_name.lock`: a file name has 255 bytes.
  if (name !== undefined && name.length <= 253 && namespace.length + 1 + name.length > MAX_POD_KEY)
    ctx.err(['metadata', 'name'], `pod name is too long for podrun: "${namespace}_${name.slice(0, 20)}..." is over ${MAX_POD_KEY} characters`, 'shorten the name (or the namespace)');
  const spec = isObj(pod.spec) ? pod.spec : undefined;
  if (!spec) {
    if (pod.spec === undefined) return; // zod reports it as Required
    return;
  }
  const volumes = objects(spec.volumes);
  const volumeNames = new Set<string>();
  const hostPathCtx = { ...ctx, baseDir: hostPathBase(pod, ctx) };
  for (const [v, i] of volumes) {
    const name = str(v.name);
    if (name !== undefined) {
      if (volumeNames.has(name)) ctx.err(['spec', 'volumes', i, 'name'], `duplicate volume name "${name}"`, 'give every volume a unique name');
      volumeNames.add(name);
    }
    const sources = VOLUME_SOURCES.filter((s) => Object.prototype.hasOwnProperty.call(v, s));
    if (sources.length === 0)
      ctx.err(['spec', 'volumes', i], `volume ${name ? `"${name}" ` : ''}has no source`, 'add `emptyDir: {}` or `hostPath: {path: ...}`');
    else if (sources.length > 1)
      ctx.err(['spec', 'volumes', i, sources[1]], `volume ${name ? `"${name}" ` : ''}has more than one source (${sources.join(', ')})`, 'keep exactly one of them');
    if (isObj(v.hostPath)) hostPathRule(v.hostPath, ['spec', 'volumes', i, 'hostPath', 'path'], hostPathCtx);
    configVolumeRules(v, ['spec', 'volumes', i], spec, ctx);
    if (isObj(v.ephemeral) && isObj(v.ephemeral.volumeClaimTemplate)) {
      const t = v.ephemeral.volumeClaimTemplate;
      if (isObj(t.spec)) pvcSpecRules(t.spec, ['spec', 'volumes', i, 'ephemeral', 'volumeClaimTemplate', 'spec'], ctx.err);
      const claim = `${str(pod.metadata && (pod.metadata as Obj).name) ?? ''}-${name ?? ''}`;
      if (claim.length > 253) ctx.err(['spec', 'volumes', i, 'name'], `the ephemeral volume's claim "${claim.slice(0, 40)}..." (pod name-volume name) is longer than 253 characters`, 'shorten the pod or the volume name');
    }
  }

  seccompProfileRule(spec.securityContext, ['spec', 'securityContext'], ctx);
  appArmorProfileRule(spec.securityContext, ['spec', 'securityContext'], ctx);
  appArmorAnnotationRules(pod, spec, ruleContainers(spec), ctx);
  watchAnnotationRules(pod, ruleContainers(spec), ctx);
  networkAnnotationRule(pod, spec, ctx);
  const hostNetwork = spec.hostNetwork === true;
  const containerNames = new Set<string>();
  const containers = ruleContainers(spec);
  for (const { c, at } of containers) {
    const name = str(c.name);
    if (name !== undefined) {
      // Unique across containers and init containers (validateInitContainers' allNames).
      if (containerNames.has(name)) ctx.err(at('name'), `duplicate container name "${name}"`, 'give every container a unique name');
      containerNames.add(name);
    }

    seccompProfileRule(c.securityContext, at('securityContext'), ctx);
    appArmorProfileRule(c.securityContext, at('securityContext'), ctx);

    const mountPaths = new Set<string>();
    for (const [vm, j] of objects(c.volumeMounts)) {
      const vname = str(vm.name);
      if (vname !== undefined && !volumeNames.has(vname)) {
        const guess = suggest(vname, [...volumeNames]);
        ctx.err(at('volumeMounts', j, 'name'), `volume "${vname}" is not declared in spec.volumes`, guess ? `did you mean ${guess}?` : 'add it under spec.volumes, e.g. `- name: ' + vname + '` with `emptyDir: {}`');
      }
      const mp = str(vm.mountPath);
      if (mp !== undefined) {
        const clean = mp.length > 1 ? mp.replace(/\/+$/, '') : mp;
        if (mountPaths.has(clean)) ctx.err(at('volumeMounts', j, 'mountPath'), `mountPath "${mp}" is used twice in this container`, 'mount each volume at its own path');
        mountPaths.add(clean);
      }
    }

    const portNames = new Set<string>();
    for (const [p, j] of objects(c.ports)) {
      const pname = str(p.name);
      if (pname !== undefined) {
        if (portNames.has(pname)) ctx.err(at('ports', j, 'name'), `duplicate port name "${pname}"`, 'give every port of a container a unique name');
        portNames.add(pname);
      }
      // The API server's rule: with hostNetwork the container's port is the host's.
      if (p.hostPort !== undefined && hostNetwork && p.hostPort !== p.containerPort)
        ctx.err(at('ports', j, 'hostPort'), `hostPort ${String(p.hostPort)} must match containerPort ${String(p.containerPort)} when hostNetwork is true`, 'remove hostPort (with hostNetwork: true the container port is the host\'s), or set it to the containerPort');
    }

    // One string over MAX_ARG_STRLEN would fail only in the helper; totals are the plan's to check
    // (a manifest of at most 1 MiB cannot pass them before $(VAR) expansion).
    for (const key of ['command', 'args'] as const)
      if (Array.isArray(c[key]))
        (c[key] as unknown[]).forEach((a, k) => {
          const p = typeof a === 'string' ? execStringProblem(a, 'argument') : undefined;
          if (p) ctx.err(at(key, k), p.detail, p.hint);
        });
    for (const [ef, j] of objects(c.envFrom)) {
      const n = (isObj(ef.configMapRef) ? 1 : 0) + (isObj(ef.secretRef) ? 1 : 0);
      if (n !== 1) ctx.err(at('envFrom', j), n ? 'may not have more than one field specified at a time' : 'must specify one of: `configMapRef` or `secretRef`', 'write one of configMapRef or secretRef per entry');
    }
    for (const [e, j] of objects(c.env)) {
      const p = typeof e.name === 'string' && typeof e.value === 'string' ? execStringProblem(`${e.name}=${e.value}`, 'environment variable') : undefined;
      if (p) ctx.err(at('env', j, 'value'), p.detail, p.hint);
    }

    for (const [e, j] of objects(c.env)) {
      if (e.value !== undefined && e.valueFrom !== undefined)
        ctx.err(at('env', j, 'valueFrom'), 'may not be set together with value', 'keep either value or valueFrom');
      if (isObj(e.valueFrom)) {
        const vf = e.valueFrom;
        const given = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef', 'fileKeyRef'].filter((k) => isObj(vf[k]));
        if (given.length === 0) ctx.err(at('env', j, 'valueFrom'), 'valueFrom needs fieldRef, resourceFieldRef, configMapKeyRef or secretKeyRef', 'e.g. `valueFrom: {secretKeyRef: {name: db, key: password}}`');
        else if (given.length > 1) ctx.err(at('env', j, 'valueFrom'), `may not have more than one field specified at a time (${given.join(', ')})`, 'keep one of them');
        if (isObj(vf.resourceFieldRef) && typeof vf.resourceFieldRef.containerName === 'string') {
          const names = [...objects(spec.containers), ...objects(spec.initContainers)].map(([x]) => x.name);
          const target = vf.resourceFieldRef.containerName;
          // The kubelet fails the container's every start (CreateContainerConfigError); podrun knows at apply.
          if (!names.includes(target))
            ctx.err(at('env', j, 'valueFrom', 'resourceFieldRef', 'containerName'), `container ${JSON.stringify(target)} not found in the pod`, names.length ? `name one of: ${names.join(', ')}` : 'name a container of the pod');
        }
        if (isObj(vf.fieldRef)) {
          const fp = str(vf.fieldRef.fieldPath);
          if (fp !== undefined && !validFieldPath(fp))
            ctx.err(at('env', j, 'valueFrom', 'fieldRef', 'fieldPath'), `fieldPath "${fp}" is not supported`, `use one of: ${FIELD_REF_PATHS.join(', ')}, metadata.labels['KEY'], metadata.annotations['KEY']`);
          const av = vf.fieldRef.apiVersion;
          if (av !== undefined && av !== 'v1') ctx.err(at('env', j, 'valueFrom', 'fieldRef', 'apiVersion'), `apiVersion "${String(av)}" is not supported`, 'use `apiVersion: v1` or leave it out');
        }
      }
    }
  }

  securityRules(spec, containers, ctx);
  supervisionRules(pod, spec, containers, ctx);
  if (spec.hostPID === true && spec.shareProcessNamespace === true)
    ctx.err(['spec', 'shareProcessNamespace'], 'shareProcessNamespace and hostPID cannot both be true', 'keep one of them');
  if (spec.dnsPolicy === 'None') {
    const ns = isObj(spec.dnsConfig) && Array.isArray(spec.dnsConfig.nameservers) ? spec.dnsConfig.nameservers : [];
    if (ns.length === 0) ctx.err(['spec', 'dnsConfig'], 'dnsPolicy None needs at least one dnsConfig.nameservers entry', 'add `dnsConfig: {nameservers: [1.1.1.1]}` or use another dnsPolicy');
  }
  if (isObj(spec.dnsConfig)) dnsConfigRules(spec.dnsConfig, ctx);
}

/**
 * The containers the rules check, each with where it is written: `spec.containers`, then
 * `spec.initContainers`, which Kubernetes validates as containers too (validateContainerCommon).
 */
function ruleContainers(spec: Obj): RuleContainer[] {
  const list = (key: 'containers' | 'initContainers', kind: (c: Obj) => RuleContainer['kind']): RuleContainer[] =>
    objects(spec[key]).map(([c, i]) => ({ c, at: (...p: FieldPath): FieldPath => ['spec', key, i, ...p], kind: kind(c), list: key, index: i }));
  return [...list('containers', () => 'app'), ...list('initContainers', (c) => (c.restartPolicy === 'Always' ? 'sidecar' : 'init'))];
}

/** Kubernetes' limits (validation.go validatePodDNSConfig, from glibc's resolver): 3 servers, 32 search domains of 2048 characters. */
export const MAX_DNS_NAMESERVERS = 3;
export const MAX_DNS_SEARCHES = 32;
export const MAX_DNS_SEARCH_CHARS = 2048;

function dnsConfigRules(dns: Obj, ctx: RuleContext): void {
  if (Array.isArray(dns.nameservers) && dns.nameservers.length > MAX_DNS_NAMESERVERS)
    ctx.err(['spec', 'dnsConfig', 'nameservers'], `at most ${MAX_DNS_NAMESERVERS} nameservers are allowed`, 'keep three');
  if (!Array.isArray(dns.searches)) return;
  if (dns.searches.length > MAX_DNS_SEARCHES)
    ctx.err(['spec', 'dnsConfig', 'searches'], `must not have more than ${MAX_DNS_SEARCHES} search paths`, `keep at most ${MAX_DNS_SEARCHES}; the resolver ignores the rest`);
  const chars = dns.searches.filter((x): x is string => typeof x === 'string').join(' ').length;
  if (chars > MAX_DNS_SEARCH_CHARS)
    ctx.err(['spec', 'dnsConfig', 'searches'], `must not have more than ${MAX_DNS_SEARCH_CHARS} characters (including spaces) in the search list; this one has ${chars}`, 'keep fewer or shorter search domains');
}

/** localhostProfile exactly with `type: Localhost` (Kubernetes' validateSeccompProfileField). */
function seccompProfileRule(sc: unknown, path: FieldPath, ctx: RuleContext): void {
  if (!isObj(sc) || !isObj(sc.seccompProfile)) return;
  const sp = sc.seccompProfile;
  const at: FieldPath = [...path, 'seccompProfile', 'localhostProfile'];
  if (sp.type === 'Localhost' && sp.localhostProfile === undefined)
    ctx.err(at, 'must be set when the seccomp profile type is Localhost', "name a JSON profile in podrun's profile directory (<root>/seccomp), e.g. `localhostProfile: profiles/audit.json`");
  else if (typeof sp.type === 'string' && sp.type !== 'Localhost' && sp.localhostProfile !== undefined)
    ctx.err(at, `can only be set when the seccomp profile type is Localhost, not ${sp.type}`, 'remove localhostProfile, or set `type: Localhost`');
}

/** The longest localhostProfile Kubernetes takes (PATH_MAX - 1); the helper's limit too. */
export const MAX_APPARMOR_PROFILE = 4095;

const APPARMOR_LOADED_HINT = 'name a profile loaded on this host (`/sys/kernel/security/apparmor/profiles` lists them), e.g. `localhostProfile: k8s-apparmor-example-deny-write`';

/** localhostProfile exactly with `type: Localhost`, a name without padding (Kubernetes' validateAppArmorProfileField). */
function appArmorProfileRule(sc: unknown, path: FieldPath, ctx: RuleContext): void {
  if (!isObj(sc) || !isObj(sc.appArmorProfile)) return;
  const p = sc.appArmorProfile;
  const at: FieldPath = [...path, 'appArmorProfile', 'localhostProfile'];
  const lp = p.localhostProfile;
  if (p.type === 'Localhost') {
    if (lp === undefined || lp === '') ctx.err(at, 'must be set when the AppArmor profile type is Localhost', APPARMOR_LOADED_HINT);
    else if (typeof lp !== 'string') return; // the schema reports it
    else if (lp.trim() !== lp) ctx.err(at, `${quoted(lp)} must not be padded with whitespace`, 'write the profile name as it is loaded, without spaces around it');
    else if (/[\u0000-\u001f\u007f]/.test(lp)) ctx.err(at, `${quoted(lp)} contains a control character`, APPARMOR_LOADED_HINT);
    else if (Buffer.byteLength(lp) > MAX_APPARMOR_PROFILE) ctx.err(at, `must be at most ${MAX_APPARMOR_PROFILE} bytes`, APPARMOR_LOADED_HINT);
  } else if (typeof p.type === 'string' && lp !== undefined)
    ctx.err(at, `can only be set when the AppArmor profile type is Localhost, not ${p.type}`, 'remove localhostProfile, or set `type: Localhost`');
}

/**
 * The deprecated `container.apparmor.security.beta.kubernetes.io/NAME` annotations, as the API
 * server checks them (ValidateAppArmorPodAnnotations, and on create that an annotation and the
 * field that applies to the container agree); one in use (no field applies) warns, as the API
 * server does when it copies it into the field.
 */
function appArmorAnnotationRules(pod: Obj, spec: Obj, containers: RuleContainer[], ctx: RuleContext): void {
  const meta = isObj(pod.metadata) ? pod.metadata : {};
  if (!isObj(meta.annotations)) return;
  const names = containers.map(({ c }) => str(c.name));
  for (const [key, value] of Object.entries(meta.annotations)) {
    if (!key.startsWith(APPARMOR_ANNOTATION_PREFIX) || typeof value !== 'string') continue;
    const at: FieldPath = ['metadata', 'annotations', key];
    const name = key.slice(APPARMOR_ANNOTATION_PREFIX.length);
    const index = names.indexOf(name);
    if (index < 0) {
      const guess = suggest(name, names.filter((n): n is string => n !== undefined));
      ctx.err(at, `the AppArmor annotation names container ${quoted(name)}, which the pod does not have`, guess ? `did you mean ${APPARMOR_ANNOTATION_PREFIX}${guess}?` : 'name one of the pod\'s containers after the /, or use the container\'s securityContext.appArmorProfile');
      continue;
    }
    const p = annotationProfile(value);
    if (!p) {
      ctx.err(at, `invalid AppArmor profile ${quoted(value)}`, 'use runtime/default, localhost/PROFILE or unconfined; better, `securityContext.appArmorProfile`, which replaces this annotation');
      continue;
    }
    // The field that applies to the container (its own, else the pod's) must say the same.
    const eff = effectiveAppArmor({ metadata: {}, spec }, containers[index].index, containers[index].list);
    if (eff && (eff.profile.type !== p.type || (p.type === 'Localhost' && eff.profile.localhostProfile !== p.localhostProfile)))
      ctx.err(
        at,
        `the deprecated annotation says ${quoted(value)}, but ${formatFieldPath(eff.path)} says ${quoted(annotationValue(eff.profile))}: the annotation and the field must match`,
        'remove the annotation: the appArmorProfile field replaces it (a Kubernetes API server refuses this pod too)',
      );
    // In use (no field applies to the container): the API server's warning.
    else if (!eff) ctx.warn?.(at, 'deprecated since v1.30; use the "appArmorProfile" field instead');
  }
}

/** podrun's `watch.podrun.dev/CONTAINER` annotations (plan/watch.ts): a container of the pod, and an action. */
function watchAnnotationRules(pod: Obj, containers: RuleContainer[], ctx: RuleContext): void {
  const meta = isObj(pod.metadata) ? pod.metadata : {};
  if (!isObj(meta.annotations)) return;
  const names = containers.map(({ c }) => str(c.name)).filter((n): n is string => n !== undefined);
  for (const [key, value] of Object.entries(meta.annotations)) {
    if (!key.startsWith(WATCH_ANNOTATION_PREFIX) || typeof value !== 'string') continue;
    const at: FieldPath = ['metadata', 'annotations', key];
    const name = key.slice(WATCH_ANNOTATION_PREFIX.length);
    if (!names.includes(name)) {
      const guess = suggest(name, names);
      ctx.err(at, `the watch annotation names container ${quoted(name)}, which the pod does not have`, guess ? `did you mean ${WATCH_ANNOTATION_PREFIX}${guess}?` : "name one of the pod's containers after the /");
      continue;
    }
    const c = containers.find((x) => str(x.c.name) === name);
    if (c && c.list === 'initContainers' && c.c.restartPolicy !== 'Always') {
      ctx.err(at, `${quoted(name)} is an init container: it has run to its end before the pod's containers start, so there is nothing to restart or exec in`, 'watch a container of spec.containers, or a sidecar (an init container with restartPolicy: Always)');
      continue;
    }
    const hostPaths = new Set(objects((isObj(pod.spec) ? pod.spec : {}).volumes).filter(([v]) => isObj(v.hostPath)).map(([v]) => str(v.name)));
    if (c && !objects(c.c.volumeMounts).some(([m]) => hostPaths.has(str(m.name))))
      ctx.warn?.(at, `container ${quoted(name)} mounts no hostPath volume: there is nothing to watch`);
    const a = parseWatchAction(value);
    if ('error' in a) ctx.err(at, a.error, 'use `restart` (the container is restarted) or `exec COMMAND` (run in it with /bin/sh -c) when its hostPath files change');
  }
}

function validFieldPath(fp: string): boolean {
  return FIELD_REF_PATHS.includes(fp) || /^metadata\.(labels|annotations)\['[^']+'\]$/.test(fp);
}

/**
 * Why podrun refuses to give a pod the host directory `abs` (absolute, normalised), or undefined.
 * Used on the path as written (validation) and again on its real path at apply (symlinks).
 */
export function deniedHostPath(abs: string, stateDirs: string[], type = ''): { why: string; hint: string } | undefined {
  const clean = abs.length > 1 ? abs.replace(/\/+$/, '') : abs;
  const under = (dir: string) => clean === dir || clean.startsWith(dir === '/' ? '/' : `${dir}/`);
  if (clean === '/') return { why: 'podrun never gives a pod the whole host filesystem', hint: 'mount a specific directory, e.g. `./data` or `/srv/app`' };
  const device = type === 'CharDevice' || type === 'BlockDevice';
  for (const d of device ? DENIED_DEVICE_PATHS : DENIED_HOST_PATHS)
    if (under(d))
      return {
        why: `podrun never gives a pod ${d}${d === '/dev' ? ' (except a single device with type CharDevice or BlockDevice)' : ''}`,
        hint: 'mount a specific directory, e.g. `./data` or `/srv/app`',
      };
  for (const d of stateDirs)
    if (under(d) || d.startsWith(`${clean}/`)) return { why: `it holds podrun's own state (${d})`, hint: "mount a directory outside podrun's root" };
  return undefined;
}

function hostPathBase(pod: Obj, ctx: RuleContext): string {
  const ann = isObj(pod.metadata) && isObj((pod.metadata as Obj).annotations) ? ((pod.metadata as Obj).annotations as Obj) : undefined;
  const v = ann?.[HOSTPATH_BASE_ANNOTATION];
  if (v === undefined) return ctx.baseDir;
  const at: FieldPath = ['metadata', 'annotations', HOSTPATH_BASE_ANNOTATION];
  if (typeof v !== 'string' || v.trim() === '' || v.trim() !== v || /[\u0000-\u001f\u007f]/.test(v)) {
    ctx.err(at, `expected a folder (relative to the manifest's, e.g. ".."), got ${JSON.stringify(v)}`, 'write the folder the relative hostPath paths start from, e.g. `podrun.dev/hostpath-base: ..`');
    return ctx.baseDir;
  }
  const dir = hostPathBaseDir(ctx.baseDir, ann);
  // inside podrun's state: every path from it is (a parent of the state is fine: each hostPath is checked)
  const state = ctx.stateDirs.find((d) => dir === d || dir.startsWith(`${d}/`));
  if (state) ctx.err(at, `the folder ${dir} is not allowed: it holds podrun's own state (${state})`, "start the relative hostPaths from a folder outside podrun's root");
  return dir;
}

function hostPathRule(hp: Obj, path: FieldPath, ctx: RuleContext): void {
  const p = str(hp.path);
  if (p === undefined || p === '' || p.split('/').includes('..')) return; // the schema reports these
  const denied = deniedHostPath(isAbsolute(p) ? normalize(p) : resolve(ctx.baseDir, p), ctx.stateDirs, str(hp.type));
  if (denied) ctx.err(path, `hostPath "${p}" is not allowed: ${denied.why}`, denied.hint);
}

/**
 * The kubelet's safe sysctls (pkg/kubelet/sysctl/safe_sysctls.go): namespaced, and unable to
 * affect other pods or the host. Others are "unsafe" and refused: podrun has no
 * --allowed-unsafe-sysctls.
 */
export const SAFE_SYSCTLS = [
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
  'net.ipv4.tcp_rmem',
  'net.ipv4.tcp_wmem',
];

function securityRules(spec: Obj, containers: RuleContainer[], ctx: RuleContext): void {
  const psc = isObj(spec.securityContext) ? spec.securityContext : {};
  const seen = new Set<string>();
  for (const [x, i] of objects(psc.sysctls)) {
    const raw = str(x.name);
    if (raw === undefined) continue;
    const name = raw.replace(/\//g, '.');
    const at: FieldPath = ['spec', 'securityContext', 'sysctls', i, 'name'];
    if (seen.has(name)) ctx.err(at, `sysctl "${raw}" is set twice`, 'set each sysctl once');
    seen.add(name);
    if (!SAFE_SYSCTLS.includes(name)) {
      const guess = suggest(name, SAFE_SYSCTLS);
      ctx.err(at, `sysctl "${raw}" is not a safe sysctl`, guess ? `did you mean ${guess}?` : `podrun sets only the kubelet's safe (namespaced) sysctls: ${SAFE_SYSCTLS.join(', ')}`);
    } else if (name.startsWith('net.') && spec.hostNetwork === true)
      ctx.err(at, `sysctl "${raw}" would change the host's network namespace (hostNetwork: true)`, 'remove the sysctl or hostNetwork');
    else if (name.startsWith('kernel.shm') && spec.hostIPC === true)
      ctx.err(at, `sysctl "${raw}" would change the host's IPC namespace (hostIPC: true)`, 'remove the sysctl or hostIPC');
  }
  for (const { c, at } of containers) {
    const sc = isObj(c.securityContext) ? c.securityContext : {};
    if (sc.procMount === 'Unmasked' && spec.hostUsers !== false)
      ctx.err(at('securityContext', 'procMount'), 'procMount Unmasked needs `hostUsers: false`', 'an unmasked /proc is only given to a pod in its own user namespace, as Kubernetes requires');
  }
  if (spec.hostUsers === false) userNamespaceRules(spec, psc, containers, ctx);
}

/** How many ids a pod's user namespace maps (Kubernetes' 65536): container ids 0..65535. */
export const USERNS_IDS_PER_POD = 65536;

/**
 * `hostUsers: false`: what Kubernetes forbids with it (validateHostUsers: the host's network, PID
 * and IPC namespaces), ids outside the 65536 the pod's user namespace maps, and what podrun cannot
 * give inside one (privileged: the host's devices and every capability over the host).
 */
function userNamespaceRules(spec: Obj, psc: Obj, containers: RuleContainer[], ctx: RuleContext): void {
  const why = 'when `hostUsers` is false';
  for (const f of ['hostNetwork', 'hostPID', 'hostIPC'])
    if (spec[f] === true) ctx.err(['spec', f], `${f} is forbidden ${why}`, `a pod in its own user namespace cannot share the host's ${f.slice(4)} namespace (Kubernetes forbids it too); remove ${f} or hostUsers`);
  const idRule = (v: unknown, at: FieldPath) => {
    if (typeof v === 'number' && Number.isInteger(v) && v >= USERNS_IDS_PER_POD)
      ctx.err(at, `${v} is outside the ids of the pod's user namespace (0-${USERNS_IDS_PER_POD - 1}) ${why}`, `use an id below ${USERNS_IDS_PER_POD}: the pod's ids 0-${USERNS_IDS_PER_POD - 1} are mapped to a range of host ids of its own`);
  };
  const ids = (sc: Obj, at: FieldPath) => {
    for (const f of ['runAsUser', 'runAsGroup', 'fsGroup']) idRule(sc[f], [...at, f]);
    if (Array.isArray(sc.supplementalGroups)) sc.supplementalGroups.forEach((g, j) => idRule(g, [...at, 'supplementalGroups', j]));
  };
  ids(psc, ['spec', 'securityContext']);
  for (const { c, at } of containers) {
    const sc = isObj(c.securityContext) ? c.securityContext : {};
    ids(sc, at('securityContext'));
    if (sc.privileged === true)
      ctx.err(at('securityContext', 'privileged'), `privileged is not supported by podrun ${why}`, "a privileged container gets the host's devices and every capability over the host, which a user namespace takes away; remove privileged, or add the capabilities it needs (they apply inside the pod's user namespace)");
  }
}

/** The downward API's fields a volume file may show (validateDownwardAPIVolumeFile: metadata only). */
const VOLUME_FIELD_PATHS = ['metadata.name', 'metadata.namespace', 'metadata.uid', 'metadata.labels', 'metadata.annotations'];

/** downwardAPI and projected volumes (ValidateDownwardAPIVolumeSource, validateProjectionSources). */
function configVolumeRules(v: Obj, at: FieldPath, spec: Obj, ctx: RuleContext): void {
  const containerNames = ruleContainers(spec).map(({ c }) => str(c.name)).filter((n): n is string => n !== undefined);
  const downward = (d: Obj, path: FieldPath) => {
    for (const [item, j] of objects(d.items)) {
      const p = [...path, 'items', j];
      const n = (isObj(item.fieldRef) ? 1 : 0) + (isObj(item.resourceFieldRef) ? 1 : 0);
      if (n !== 1) ctx.err(p, n ? 'fieldRef and resourceFieldRef may not both be set' : 'one of fieldRef or resourceFieldRef is required', 'e.g. `fieldRef: {fieldPath: metadata.labels}`');
      const fp = isObj(item.fieldRef) ? str(item.fieldRef.fieldPath) : undefined;
      if (fp !== undefined && !VOLUME_FIELD_PATHS.includes(fp) && !/^metadata\.(labels|annotations)\['[^']+'\]$/.test(fp))
        ctx.err([...p, 'fieldRef', 'fieldPath'], `fieldPath "${fp}" is not supported in a volume`, `use one of: ${VOLUME_FIELD_PATHS.join(', ')}, metadata.labels['KEY'], metadata.annotations['KEY'] (status fields are for env only)`);
      if (isObj(item.resourceFieldRef)) {
        const cn = str(item.resourceFieldRef.containerName);
        if (cn === undefined) ctx.err([...p, 'resourceFieldRef', 'containerName'], 'Required', 'a volume file names the container whose resources it shows');
        else if (!containerNames.includes(cn)) ctx.err([...p, 'resourceFieldRef', 'containerName'], `container ${JSON.stringify(cn)} not found in the pod`, `name one of: ${containerNames.join(', ')}`);
      }
    }
  };
  if (isObj(v.downwardAPI)) downward(v.downwardAPI, [...at, 'downwardAPI']);
  if (!isObj(v.projected)) return;
  const seen = new Map<string, FieldPath>();
  const claim = (p: unknown, path: FieldPath) => {
    const s = str(p);
    if (s === undefined) return;
    const key = s.replace(/\/+$/, '');
    if (seen.has(key)) ctx.err(path, `conflicting duplicate paths: ${JSON.stringify(s)} is also written by ${formatFieldPath(seen.get(key)!)}`, 'give each file of a projected volume its own path');
    else seen.set(key, path);
  };
  for (const [src, k] of objects(v.projected.sources)) {
    const p = [...at, 'projected', 'sources', k];
    const kinds = ['configMap', 'secret', 'downwardAPI', 'serviceAccountToken', 'clusterTrustBundle', 'podCertificate'].filter((x) => src[x] !== undefined && src[x] !== null);
    if (kinds.length !== 1) ctx.err(p, kinds.length ? `may not have more than one source (${kinds.join(', ')})` : 'a projection needs a source', 'write one of configMap, secret, downwardAPI or serviceAccountToken per entry of sources');
    for (const x of ['configMap', 'secret'] as const) if (isObj(src[x])) for (const [item, j] of objects((src[x] as Obj).items)) claim(item.path, [...p, x, 'items', j, 'path']);
    if (isObj(src.downwardAPI)) {
      downward(src.downwardAPI, [...p, 'downwardAPI']);
      for (const [item, j] of objects(src.downwardAPI.items)) claim(item.path, [...p, 'downwardAPI', 'items', j, 'path']);
    }
    if (isObj(src.serviceAccountToken)) {
      claim(src.serviceAccountToken.path, [...p, 'serviceAccountToken', 'path']);
      ctx.warn?.([...p, 'serviceAccountToken'], 'podrun has no API server, so there is no service account token: the file holds a note saying so (a client in the pod that needs the API will fail)');
    }
  }
}
