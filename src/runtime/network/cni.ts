// podrun as a CNI runtime (https://www.cni.dev/docs/spec/, 1.0 and 1.1): network configuration
// lists, the plugins' ADD/CHECK/DEL/STATUS/GC/VERSION calls with the spec's environment and
// stdin, capability arguments (runtimeConfig) and the result chain (prevResult). What libcni's
// CNIConfig.AddNetworkList and DelNetworkList do, written from the spec (docs/networking.md).
import { spawnSync } from 'child_process';
import { isIP } from 'net';
import { accessSync, constants } from 'fs';
import { join } from 'path';
import { PodrunError } from '../../util/errors';

/** One plugin of a list: `type` names the binary in CNI_PATH; the rest is the plugin's own. */
export interface PluginConf {
  type: string;
  capabilities?: Record<string, boolean>;
  [key: string]: unknown;
}

export interface NetworkConfigList {
  cniVersion: string;
  name: string;
  plugins: PluginConf[];
  disableCheck?: boolean;
  disableGC?: boolean;
  /** Where it was read from (for messages), and its bytes as read (cached for DEL). */
  file: string;
  bytes: string;
}

/** What one attachment is called with (the spec's runtime parameters). */
export interface RuntimeConf {
  containerId: string;
  /** Path of the network namespace; '' on a DEL after the namespace is gone. */
  netns: string;
  ifName: string;
  /** CNI_ARGS, as `K=V;...` (kubelet's K8S_POD_* keys, IgnoreUnknown=1). */
  args: [string, string][];
  /** Capability arguments by name (portMappings, ...): given to the plugins that declare them. */
  capabilityArgs: Record<string, unknown>;
}

/** A plugin's result (1.0.0; older versions read the same fields). */
export interface CniResult {
  cniVersion?: string;
  interfaces?: { name: string; mac?: string; sandbox?: string }[];
  ips?: { address: string; gateway?: string; interface?: number }[];
  routes?: { dst: string; gw?: string }[];
  dns?: { nameservers?: string[]; domain?: string; search?: string[]; options?: string[] };
}

export class CniError extends PodrunError {
  constructor(
    readonly network: string,
    readonly plugin: string,
    readonly command: string,
    readonly code: number | undefined,
    msg: string,
    hint?: string,
  ) {
    super(`network ${network}: plugin ${plugin} ${command} failed${code !== undefined ? ` (CNI error ${code})` : ''}: ${msg}`, hint);
  }
}

/** Where the plugins are: CNI_PATH (colon-separated), else Debian's containernetworking-plugins. */
export function cniPath(): string[] {
  return (process.env.CNI_PATH || '/usr/lib/cni:/opt/cni/bin').split(':').filter(Boolean);
}

const PLUGIN_TYPE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const PLUGIN_TIMEOUT_MS = 60_000;

/** The plugin's executable in CNI_PATH, or a CniError saying where podrun looked. */
export function findPlugin(network: string, type: string, path = cniPath()): string {
  if (!PLUGIN_TYPE.test(type)) throw new CniError(network, JSON.stringify(type), 'lookup', undefined, 'a plugin type is a file name (letters, digits, `_.-`)');
  for (const dir of path) {
    const p = join(dir, type);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* next dir */
    }
  }
  throw new CniError(network, type, 'lookup', undefined, `no executable "${type}" in CNI_PATH (${path.join(':')})`, 'install Debian\'s containernetworking-plugins (apt-get install containernetworking-plugins), or set CNI_PATH to the folder with your plugins');
}

/** The stdin of one plugin call: its conf with the list's name and version, runtimeConfig and prevResult (libcni buildOneConfig). */
export function pluginStdin(list: Pick<NetworkConfigList, 'name' | 'cniVersion'>, plugin: PluginConf, rt: RuntimeConf, prevResult?: CniResult): string {
  const conf: Record<string, unknown> = { ...plugin, name: list.name, cniVersion: list.cniVersion };
  const runtimeConfig: Record<string, unknown> = {};
  for (const [cap, on] of Object.entries(plugin.capabilities ?? {})) if (on && rt.capabilityArgs[cap] !== undefined) runtimeConfig[cap] = rt.capabilityArgs[cap];
  if (Object.keys(runtimeConfig).length) conf.runtimeConfig = runtimeConfig;
  else delete conf.runtimeConfig;
  if (prevResult) conf.prevResult = prevResult;
  return JSON.stringify(conf);
}

/** The process environment of a plugin call: the spec's CNI_* variables and a PATH for the tools they run (iptables, ip). */
export function pluginEnv(command: string, rt: RuntimeConf, path = cniPath()): NodeJS.ProcessEnv {
  return {
    CNI_COMMAND: command,
    CNI_CONTAINERID: rt.containerId,
    CNI_NETNS: rt.netns,
    CNI_IFNAME: rt.ifName,
    CNI_ARGS: rt.args.map(([k, v]) => `${k}=${v}`).join(';'),
    CNI_PATH: path.join(':'),
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  };
}

/** Runs one plugin; its stdout parsed (undefined when empty), or a CniError with the plugin's error object. */
export function execPlugin(list: Pick<NetworkConfigList, 'name'>, type: string, command: string, stdin: string, env: NodeJS.ProcessEnv, holdFd?: number): unknown {
  const bin = findPlugin(list.name, type, (env.CNI_PATH ?? '').split(':').filter(Boolean));
  // holdFd (the pod lock) is inherited as fd 3: a plugin that outlives a killed podrun keeps the
  // pod locked until it is done, so no cleanup can run its DEL while its ADD is still going.
  const stdio: ('pipe' | number)[] = holdFd === undefined ? ['pipe', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe', holdFd];
  const r = spawnSync(bin, [], { input: stdin, env, timeout: PLUGIN_TIMEOUT_MS, maxBuffer: 4 << 20, encoding: 'utf8', stdio });
  // A plugin that answers without reading all of its stdin (VERSION) closes the pipe first: not an error.
  if (r.error && !((r.error as NodeJS.ErrnoException).code === 'EPIPE' && r.status !== null)) throw new CniError(list.name, type, command, undefined, (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT' ? `no answer within ${PLUGIN_TIMEOUT_MS / 1000} s` : r.error.message);
  const out = r.stdout.trim();
  let parsed: unknown;
  try {
    parsed = out ? JSON.parse(out) : undefined;
  } catch {
    parsed = undefined;
  }
  if (r.status !== 0) {
    const e = parsed as { code?: number; msg?: string; details?: string } | undefined;
    const msg = e?.msg ? `${e.msg}${e.details ? `: ${e.details}` : ''}` : (r.stderr.trim() || out || `exit status ${r.status ?? r.signal}`).split('\n').slice(-3).join(' ');
    throw new CniError(list.name, type, command, typeof e?.code === 'number' ? e.code : undefined, msg);
  }
  if (out && parsed === undefined) throw new CniError(list.name, type, command, undefined, `its output is not JSON: ${out.slice(0, 200)}`);
  return parsed;
}

/** ADD through the list in order, each plugin given the previous one's result; the last result. */
export function addNetworkList(list: NetworkConfigList, rt: RuntimeConf, opts: { path?: string[]; holdFd?: number; onResult?: (r: CniResult) => void } = {}): CniResult {
  let prev: CniResult | undefined;
  const env = pluginEnv('ADD', rt, opts.path ?? cniPath());
  for (const p of list.plugins) {
    const out = execPlugin(list, p.type, 'ADD', pluginStdin(list, p, rt, prev), env, opts.holdFd);
    if (out === undefined || typeof out !== 'object') throw new CniError(list.name, p.type, 'ADD', undefined, 'it printed no result');
    prev = out as CniResult;
    opts.onResult?.(prev);
  }
  return prev ?? {};
}

/**
 * DEL through the list in reverse, each plugin given the cached ADD result (the spec: DEL must
 * not fail for what is already gone, so every plugin is called; the first error is thrown after).
 */
export function delNetworkList(list: NetworkConfigList, rt: RuntimeConf, cached: CniResult | undefined, opts: { path?: string[]; holdFd?: number } = {}): void {
  const env = pluginEnv('DEL', rt, opts.path ?? cniPath());
  let first: unknown;
  for (const p of [...list.plugins].reverse()) {
    try {
      execPlugin(list, p.type, 'DEL', pluginStdin(list, p, rt, cached), env, opts.holdFd);
    } catch (e) {
      first ??= e;
    }
  }
  if (first) throw first;
}

/** CHECK through the list in order with the cached result (skipped when the list disables it or speaks a version before 0.4.0). */
export function checkNetworkList(list: NetworkConfigList, rt: RuntimeConf, cached: CniResult, path = cniPath()): void {
  if (list.disableCheck || versionBefore(list.cniVersion, '0.4.0')) return;
  const env = pluginEnv('CHECK', rt, path);
  for (const p of list.plugins) execPlugin(list, p.type, 'CHECK', pluginStdin(list, p, rt, cached), env);
}

/** The versions a plugin speaks (VERSION). */
export function pluginVersions(list: Pick<NetworkConfigList, 'name' | 'cniVersion'>, type: string, path = cniPath()): string[] {
  const env = pluginEnv('VERSION', { containerId: '', netns: '', ifName: '', args: [], capabilityArgs: {} }, path);
  const out = execPlugin(list, type, 'VERSION', JSON.stringify({ cniVersion: list.cniVersion }), env) as { supportedVersions?: unknown } | undefined;
  return Array.isArray(out?.supportedVersions) ? out!.supportedVersions.filter((v): v is string => typeof v === 'string') : [];
}

/** The list's plugins that speak 1.1.0 (STATUS and GC are 1.1 verbs). */
function speaks11(list: NetworkConfigList, path: string[]): PluginConf[] {
  if (versionBefore(list.cniVersion, '1.1.0')) return [];
  return list.plugins.filter((p) => pluginVersions(list, p.type, path).includes('1.1.0'));
}

/** STATUS (CNI 1.1): throws the first plugin's "not ready" error; a list or plugin before 1.1 is ready. */
export function statusNetworkList(list: NetworkConfigList, path = cniPath()): void {
  const env = pluginEnv('STATUS', { containerId: '', netns: '', ifName: '', args: [], capabilityArgs: {} }, path);
  for (const p of speaks11(list, path)) execPlugin(list, p.type, 'STATUS', pluginStdin(list, p, { containerId: '', netns: '', ifName: '', args: [], capabilityArgs: {} }), env);
}

/** GC (CNI 1.1): the plugins that speak it release whatever is not one of `valid` (cni.dev/valid-attachments). */
export function gcNetworkList(list: NetworkConfigList, valid: { containerID: string; ifname: string }[], path = cniPath()): void {
  if (list.disableGC) return;
  const env = pluginEnv('GC', { containerId: '', netns: '', ifName: '', args: [], capabilityArgs: {} }, path);
  for (const p of speaks11(list, path)) {
    const conf = JSON.parse(pluginStdin(list, p, { containerId: '', netns: '', ifName: '', args: [], capabilityArgs: {} })) as Record<string, unknown>;
    conf['cni.dev/valid-attachments'] = valid;
    execPlugin(list, p.type, 'GC', JSON.stringify(conf), env);
  }
}

/** a < b for dotted versions (0.3.1 < 0.4.0 < 1.0.0 < 1.1.0). */
export function versionBefore(a: string, b: string): boolean {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) < (pb[i] ?? 0);
  return false;
}

/** The pod's addresses from a result: those on interfaces in the sandbox (or without one named), IPv4 first, as the kubelet orders them. */
export function resultAddresses(r: CniResult): string[] {
  const ips = (Array.isArray(r.ips) ? r.ips : [])
    .filter((ip) => ip && typeof ip.address === 'string' && (ip.interface === undefined || r.interfaces?.[ip.interface]?.sandbox !== undefined))
    .map((ip) => ip.address.split('/')[0])
    .filter((a) => isIP(a) !== 0); // only addresses go on (into pod.json, env, the monitor)
  return [...ips.filter((a) => !a.includes(':')), ...ips.filter((a) => a.includes(':'))];
}
