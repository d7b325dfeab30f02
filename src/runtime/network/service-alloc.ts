// A Service's addresses, given when it is stored as the API server's allocators give them: a
// cluster IP from the service range (PODRUN_SERVICE_CIDR, default 10.96.0.0/16; the lowest free
// one, .1 kept for the `kubernetes` Service a cluster has) and, for NodePort and LoadBalancer
// Services, a nodePort per port from 30000-32767. A re-applied Service keeps what it was given;
// a clusterIP or nodePort written in the manifest must be free and in range.
import type { ServiceObject } from '../../manifest/service';
import { NODE_PORT_MAX, NODE_PORT_MIN } from '../../manifest/service';
import type { StoredObject } from '../../state/objects';
import { existsSync, mkdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { isIPv4 } from 'net';
import { writeFileAtomic } from '../../state/atomic';
import { UsageError } from '../../util/errors';
import type { Paths } from '../../util/paths';
import { DEFAULT_SUBNET, hostRoutes4, networkDir, overlappingRoute, parseCidr4 } from './conflist';

export const DEFAULT_SERVICE_CIDR = '10.96.0.0/16';

/** The service range and where NodePorts are published: one for every Service of a root, fixed while any exists. */
export interface ServiceSettings {
  serviceCidr: string;
  nodePortAddresses: string[];
}

const settingsFile = (p: Paths) => join(networkDir(p), 'services.json');
const fromEnv = (): ServiceSettings => ({
  serviceCidr: process.env.PODRUN_SERVICE_CIDR || DEFAULT_SERVICE_CIDR,
  nodePortAddresses: (process.env.PODRUN_NODEPORT_ADDRESSES || '127.0.0.1').split(',').map((s) => s.trim()).filter(Boolean),
});

/** The settings in use: those stored when the first Service was applied, else the environment's. */
export function serviceSettings(p: Paths): ServiceSettings {
  try {
    const s = JSON.parse(readFileSync(settingsFile(p), 'utf8')) as ServiceSettings;
    if (typeof s.serviceCidr === 'string' && Array.isArray(s.nodePortAddresses)) return s;
  } catch {
    /* none stored */
  }
  return fromEnv();
}

/**
 * Before Services are stored: the environment's settings, checked (an IPv4 range of /8../28 that
 * meets no host route and not the default pod subnet; NodePort addresses IPv4 or 0.0.0.0/0), are
 * stored while no Service exists; a different one while Services exist is refused (their cluster
 * IPs and the host's rules follow the stored ones).
 */
export function fixServiceSettings(p: Paths, servicesExist: boolean): ServiceSettings {
  const want = fromEnv();
  const stored = existsSync(settingsFile(p)) ? serviceSettings(p) : undefined;
  // What is stored and asked for again: nothing to check (a route added since must not refuse every re-apply).
  if (stored && stored.serviceCidr === want.serviceCidr && stored.nodePortAddresses.join(',') === want.nodePortAddresses.join(',')) return stored;
  const r = parseCidr4(want.serviceCidr);
  const bits = r ? r.mask.toString(2).replace(/0/g, '').length : 0;
  if (!r || bits < 8 || bits > 28)
    throw new UsageError(`PODRUN_SERVICE_CIDR=${want.serviceCidr} is not an IPv4 range of /8 to /28`, `e.g. ${DEFAULT_SERVICE_CIDR}`);
  const clash = overlappingRoute(want.serviceCidr, '', hostRoutes4()) ?? (overlappingRoute(want.serviceCidr, '', [{ iface: 'the pod network', dst: parseCidr4(DEFAULT_SUBNET)!.net, mask: parseCidr4(DEFAULT_SUBNET)!.mask }]) ? `${DEFAULT_SUBNET} (the pod network)` : undefined);
  if (clash) throw new UsageError(`the service range ${want.serviceCidr} overlaps ${clash}: traffic for those addresses would be taken by Services`, 'set PODRUN_SERVICE_CIDR to a range nothing else uses');
  for (const a of want.nodePortAddresses)
    if (a !== '0.0.0.0/0' && !isIPv4(a)) throw new UsageError(`PODRUN_NODEPORT_ADDRESSES: ${JSON.stringify(a)} is not an IPv4 address (or 0.0.0.0/0)`, 'e.g. 127.0.0.1 (the default) or 127.0.0.1,192.168.1.10');
  if (stored && servicesExist)
    throw new UsageError(
      `Services use the service range ${stored.serviceCidr} and NodePort addresses ${stored.nodePortAddresses.join(',')}; this apply asks for ${want.serviceCidr} and ${want.nodePortAddresses.join(',')}`,
      'delete every Service (podrun delete svc --all -A) to change them, or apply with the settings they use',
    );
  mkdirSync(networkDir(p), { recursive: true, mode: 0o755 });
  writeFileAtomic(settingsFile(p), JSON.stringify(want) + '\n', 0o644);
  return want;
}

const toIP = (n: number) => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join('.');
const fromIP = (ip: string) => {
  const p = ip.split('.').map(Number);
  return p.length === 4 && p.every((x) => Number.isInteger(x) && x >= 0 && x <= 255) ? ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0 : undefined;
};

export function inServiceRange(ip: string, cidr: string): boolean {
  const r = parseCidr4(cidr);
  const n = fromIP(ip);
  return !!r && n !== undefined && ((n & r.mask) >>> 0) === r.net;
}

export class AllocationError extends Error {
  constructor(
    readonly path: (string | number)[],
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

/** NEXT with its clusterIP and nodePorts filled in; OTHERS: every other stored Service. */
export function allocateService(next: ServiceObject, before: StoredObject | undefined, others: ServiceObject[], cidr: string): ServiceObject {
  const prev = before?.kind === 'Service' ? (before as unknown as ServiceObject) : undefined;
  const spec = { ...next.spec, ports: next.spec.ports.map((p) => ({ ...p })) };
  const taken = new Set(others.map((o) => o.spec.clusterIP).filter((ip): ip is string => !!ip && ip !== 'None'));
  const range = parseCidr4(cidr);
  if (!range) throw new AllocationError(['spec', 'clusterIP'], `PODRUN_SERVICE_CIDR ${JSON.stringify(cidr)} is not an IPv4 CIDR`, 'e.g. PODRUN_SERVICE_CIDR=10.96.0.0/16');
  if (spec.clusterIP === 'None') {
    if (prev && prev.spec.clusterIP !== 'None') throw new AllocationError(['spec', 'clusterIP'], `Invalid value: "None": field is immutable (service "${next.metadata.name}" has ${prev.spec.clusterIP})`, `\`podrun delete svc ${next.metadata.name}\` and apply again to make it headless`);
  } else if (spec.clusterIP) {
    if (prev?.spec.clusterIP && prev.spec.clusterIP !== spec.clusterIP)
      throw new AllocationError(['spec', 'clusterIP'], `Invalid value: ${JSON.stringify(spec.clusterIP)}: field is immutable (service "${next.metadata.name}" has ${prev.spec.clusterIP})`, 'leave clusterIP out, or delete the Service first');
    if (!inServiceRange(spec.clusterIP, cidr)) throw new AllocationError(['spec', 'clusterIP'], `Invalid value: ${JSON.stringify(spec.clusterIP)}: provided IP is not in the valid range. The range of valid IPs is ${cidr}`, 'leave clusterIP out: podrun allocates one');
    if (taken.has(spec.clusterIP)) throw new AllocationError(['spec', 'clusterIP'], `Invalid value: ${JSON.stringify(spec.clusterIP)}: provided IP is already allocated`, 'leave clusterIP out, or choose another');
  } else if (prev?.spec.clusterIP === 'None') {
    throw new AllocationError(['spec', 'clusterIP'], `field is immutable: service "${next.metadata.name}" is headless (clusterIP: None)`, `\`podrun delete svc ${next.metadata.name}\` and apply again`);
  } else if (prev?.spec.clusterIP) spec.clusterIP = prev.spec.clusterIP;
  else {
    const size = 2 ** (32 - (range.mask.toString(2).replace(/0/g, '').length));
    let ip: string | undefined;
    for (let i = 2; i < size - 1 && !ip; i++) if (!taken.has(toIP(range.net + i))) ip = toIP(range.net + i);
    if (!ip) throw new AllocationError(['spec', 'clusterIP'], `the service range ${cidr} is full`, 'delete Services you no longer need, or set a larger PODRUN_SERVICE_CIDR');
    spec.clusterIP = ip;
  }
  spec.clusterIPs = [spec.clusterIP!];
  if (spec.clusterIP !== 'None') {
    spec.ipFamilies = ['IPv4'];
    spec.ipFamilyPolicy = 'SingleStack';
  }
  // nodePorts: NodePort and LoadBalancer only (a ClusterIP Service has none, also after a type change)
  const usedNodePorts = new Set(others.flatMap((o) => o.spec.ports.map((p) => p.nodePort).filter((n): n is number => n !== undefined)));
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
    spec.ports.forEach((p, i) => {
      if (p.nodePort !== undefined) {
        if (usedNodePorts.has(p.nodePort)) throw new AllocationError(['spec', 'ports', i, 'nodePort'], `Invalid value: ${p.nodePort}: provided port is already allocated`, 'leave nodePort out, or choose another');
      } else {
        const kept = prev?.spec.ports.find((q) => q.nodePort !== undefined && q.port === p.port && q.protocol === p.protocol && !usedNodePorts.has(q.nodePort))?.nodePort;
        let n = kept;
        for (let c = NODE_PORT_MIN; n === undefined && c <= NODE_PORT_MAX; c++) if (!usedNodePorts.has(c) && !spec.ports.some((q) => q.nodePort === c)) n = c;
        if (n === undefined) throw new AllocationError(['spec', 'ports', i, 'nodePort'], 'no free nodePort left', 'delete NodePort Services you no longer need');
        p.nodePort = n;
      }
      usedNodePorts.add(p.nodePort!);
    });
  } else for (const p of spec.ports) delete p.nodePort;
  return { ...next, spec };
}
