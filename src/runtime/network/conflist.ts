// Which CNI network a pod joins and its configuration list: a conflist of the CNI config folder
// (PODRUN_CNI_CONF_DIR, else /etc/cni/net.d) by name, or podrun's own default network "podrun",
// written once under podrun's root and then the user's to edit (docs/networking.md).
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import type { LoadedPod } from '../../manifest/load';
import { NETWORK_ANNOTATION } from '../../manifest/rules';
import { PodrunError, UsageError } from '../../util/errors';
import type { Paths } from '../../util/paths';
import { writeFileAtomic } from '../../state/atomic';
import { findPlugin, type NetworkConfigList, type PluginConf } from './cni';

export const DEFAULT_NETWORK = 'podrun';
export const DEFAULT_BRIDGE = 'podrun0';
export const DEFAULT_SUBNET = '10.87.0.0/16';
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export const cniConfDir = () => process.env.PODRUN_CNI_CONF_DIR || '/etc/cni/net.d';
export const networkDir = (p: Paths) => join(p.root, 'network');
export const defaultConflistPath = (p: Paths) => join(networkDir(p), `${DEFAULT_NETWORK}.conflist`);
/** The result cache and host-local's leases: on the run root, gone with a reboot as the interfaces and rules are. */
export const networkRunDir = (p: Paths) => join(p.runRoot, 'network');

/**
 * The network a pod joins, or undefined for none (hostNetwork, or `none`): the pod's
 * `podrun.dev/network` annotation, else apply's --network, else PODRUN_NETWORK, else "podrun".
 */
export function podNetworkName(pod: LoadedPod, flag?: string): string | undefined {
  if (pod.manifest.spec.hostNetwork) return undefined;
  const name = pod.manifest.metadata.annotations?.[NETWORK_ANNOTATION] ?? flag ?? (process.env.PODRUN_NETWORK || DEFAULT_NETWORK);
  if (!NAME.test(name)) throw new UsageError(`network name ${JSON.stringify(name)} is not a CNI network name`, 'a name of letters, digits and `_.-`, such as podrun, or none');
  return name === 'none' ? undefined : name;
}

/** podrun's default network: a bridge with IP masquerade, host-local addresses, portmap (hostPort) and firewall. */
export function defaultConflist(paths: Paths): object {
  return {
    cniVersion: '1.0.0',
    name: DEFAULT_NETWORK,
    plugins: [
      {
        type: 'bridge',
        bridge: DEFAULT_BRIDGE,
        isGateway: true,
        ipMasq: true,
        hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet: DEFAULT_SUBNET }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: join(networkRunDir(paths), 'ipam') },
      },
      { type: 'portmap', capabilities: { portMappings: true }, snat: true },
      { type: 'firewall' },
    ],
  };
}

function invalid(file: string, what: string): PodrunError {
  return new PodrunError(`CNI network configuration ${file}: ${what}`, 'fix the file (https://www.cni.dev/docs/spec/#configuration-format), or choose another network with --network NAME (none: no network)');
}

/** A conflist (or a single-plugin .conf, as libcni reads one) from its text, checked as far as podrun relies on it. */
export function parseConflist(file: string, bytes: string): NetworkConfigList {
  let raw: unknown;
  try {
    raw = JSON.parse(bytes);
  } catch (e) {
    throw invalid(file, `not JSON (${(e as Error).message})`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw invalid(file, 'not a JSON object');
  const o = raw as Record<string, unknown>;
  // A .conf: one plugin at the top level (libcni ConfListFromConf).
  const plugins = Array.isArray(o.plugins) ? o.plugins : typeof o.type === 'string' ? [o] : undefined;
  if (typeof o.name !== 'string' || !NAME.test(o.name)) throw invalid(file, '"name" must be a network name (letters, digits, `_.-`)');
  if (typeof o.cniVersion !== 'string' || !/^\d+\.\d+\.\d+$/.test(o.cniVersion)) throw invalid(file, '"cniVersion" must be a version such as "1.0.0"');
  if (!plugins || plugins.length === 0) throw invalid(file, '"plugins" must list at least one plugin');
  plugins.forEach((p, i) => {
    if (!p || typeof p !== 'object' || typeof (p as PluginConf).type !== 'string') throw invalid(file, `plugins[${i}] has no "type"`);
  });
  return {
    cniVersion: o.cniVersion,
    name: o.name,
    plugins: (plugins as PluginConf[]).map((p) => (p === o ? (({ name: _n, cniVersion: _v, ...rest }) => rest)(p as Record<string, unknown>) as PluginConf : p)),
    ...(o.disableCheck === true ? { disableCheck: true } : {}),
    ...(o.disableGC === true ? { disableGC: true } : {}),
    file,
    bytes,
  };
}

/** The lists of the CNI config folder, by name; the first file (in name order) wins, as libcni's. */
export function confDirLists(dir = cniConfDir()): Map<string, () => NetworkConfigList> {
  const out = new Map<string, () => NetworkConfigList>();
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return out;
  }
  for (const n of names) {
    if (!/\.(conflist|conf|json)$/.test(n)) continue;
    const file = join(dir, n);
    let bytes: string;
    try {
      bytes = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    let name: unknown;
    try {
      name = (JSON.parse(bytes) as { name?: unknown }).name;
    } catch {
      continue; // a broken file names no network; said when chosen by its file name below
    }
    if (typeof name === 'string' && !out.has(name)) out.set(name, () => parseConflist(file, bytes));
  }
  return out;
}

/**
 * The network `name`: from the CNI config folder, or podrun's default (written on first use,
 * its subnet checked against the host's routes), with every plugin's binary found.
 */
export function loadNetwork(paths: Paths, name: string, opts: { dryRun?: boolean } = {}): NetworkConfigList {
  const fromDir = confDirLists().get(name);
  let list: NetworkConfigList;
  if (fromDir) list = fromDir();
  else if (name === DEFAULT_NETWORK) {
    const file = defaultConflistPath(paths);
    const text = JSON.stringify(defaultConflist(paths), null, 2) + '\n';
    if (!existsSync(file) && !opts.dryRun) {
      mkdirSync(networkDir(paths), { recursive: true, mode: 0o755 });
      writeFileAtomic(file, text, 0o644);
    }
    list = parseConflist(file, existsSync(file) ? readFileSync(file, 'utf8') : text);
    checkSubnets(list);
  } else {
    const known = [...confDirLists().keys(), DEFAULT_NETWORK];
    throw new UsageError(`no CNI network "${name}": ${cniConfDir()} has ${known.length > 1 ? `only ${known.filter((k) => k !== DEFAULT_NETWORK).join(', ')}` : 'no network configuration'}`, `choose one of ${known.join(', ')}, or none (no network); a network is a .conflist file in ${cniConfDir()}`);
  }
  for (const p of list.plugins) findPlugin(list.name, p.type);
  return list;
}

// ---- the default network's subnet against the host's routes ----

export interface Route4 {
  iface: string;
  dst: number;
  mask: number;
}

/** /proc/net/route: IPv4 routes of this network namespace (addresses little-endian hex). */
export function hostRoutes4(text = readProcRoute()): Route4[] {
  const le = (hex: string) => {
    const n = parseInt(hex, 16) >>> 0;
    return (((n & 0xff) << 24) | ((n >>> 8 & 0xff) << 16) | ((n >>> 16 & 0xff) << 8) | (n >>> 24)) >>> 0;
  };
  return text
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 8)
    .map((f) => ({ iface: f[0], dst: le(f[1]), mask: le(f[7]) }));
}

function readProcRoute(): string {
  try {
    return readFileSync('/proc/net/route', 'utf8');
  } catch {
    return '';
  }
}

export function parseCidr4(cidr: string): { net: number; mask: number } | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) return undefined;
  const bits = Number(m[5]);
  if (bits > 32 || m.slice(1, 5).some((x) => Number(x) > 255)) return undefined;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const addr = ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
  return { net: (addr & mask) >>> 0, mask };
}

const fmt4 = (n: number) => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join('.');
const bitsOf = (mask: number) => mask.toString(2).replace(/0/g, '').length;

/** A route of another interface whose destination overlaps `cidr` (the default route aside), or undefined. */
export function overlappingRoute(cidr: string, ownIface: string, routes: Route4[]): string | undefined {
  const s = parseCidr4(cidr);
  if (!s) return undefined;
  for (const r of routes) {
    if (r.iface === ownIface || r.mask === 0) continue;
    const common = (s.mask & r.mask) >>> 0;
    if (((s.net & common) >>> 0) === ((r.dst & common) >>> 0)) return `${fmt4(r.dst)}/${bitsOf(r.mask)} dev ${r.iface}`;
  }
  return undefined;
}

/** The bridge plugin's subnets (host-local ranges) must not overlap a route of the host's: pods could not reach those hosts. */
function checkSubnets(list: NetworkConfigList): void {
  const routes = hostRoutes4();
  for (const p of list.plugins) {
    const ipam = p.ipam as { ranges?: { subnet?: string }[][] } | undefined;
    const bridge = typeof p.bridge === 'string' ? p.bridge : 'cni0';
    for (const set of ipam?.ranges ?? [])
      for (const r of set ?? []) {
        if (typeof r?.subnet !== 'string') continue;
        const clash = overlappingRoute(r.subnet, bridge, routes);
        if (clash)
          throw new PodrunError(
            `network ${list.name}: its subnet ${r.subnet} overlaps the host's route ${clash}; pods could not reach those addresses`,
            `set another subnet in ${list.file} (plugins[].ipam.ranges), or choose another network with --network NAME (none: no network)`,
          );
      }
  }
}
