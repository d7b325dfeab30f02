// A hostPort already taken is an apply error before anything starts, naming who holds it:
// another pod's portMappings (their DNAT rules would shadow each other), or a socket of a host
// process (which the portmap plugin's DNAT would silently take the traffic from).
import { readdirSync, readFileSync, readlinkSync } from 'fs';
import type { PlannedNetwork, PodPlan } from '../../plan/types';
import { listPodRecords } from '../../state/pod-records';
import type { Paths } from '../../util/paths';
import type { ServiceObject } from '../../manifest/service';
import { monitorRunning } from '../helper';
import { canonicalIP, isUnspecified } from '../../util/ip';

type Mapping = PlannedNetwork['portMappings'][number];

/** Two mappings take the same host port: same protocol and port, and addresses that meet (unset or 0.0.0.0 meets every one). */
export function samePort(a: Pick<Mapping, 'hostPort' | 'protocol' | 'hostIP'>, b: Pick<Mapping, 'hostPort' | 'protocol' | 'hostIP'>): boolean {
  // compared as addresses, not as text: ::ffff:0.0.0.0 is 0.0.0.0 to the plugins
  return a.hostPort === b.hostPort && a.protocol === b.protocol && (isUnspecified(a.hostIP) || isUnspecified(b.hostIP) || canonicalIP(a.hostIP!) === canonicalIP(b.hostIP!));
}

export interface HostSocket {
  protocol: 'tcp' | 'udp';
  address: string;
  port: number;
  inode: number;
}

function hexAddress(hex: string): string {
  if (hex.length === 8) {
    const n = parseInt(hex, 16);
    return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24].join('.');
  }
  // IPv6: four little-endian 32-bit words
  const words: string[] = [];
  for (let i = 0; i < 32; i += 8) {
    const w = hex.slice(i, i + 8);
    words.push(w.slice(6, 8) + w.slice(4, 6), w.slice(2, 4) + w.slice(0, 2));
  }
  return canonicalIP(words.map((w) => parseInt(w, 16).toString(16)).join(':'));
}

/** Listening TCP and bound UDP sockets of this network namespace (/proc/net/{tcp,tcp6,udp,udp6}). */
export function hostSockets(read = (f: string) => readFileSync(f, 'utf8')): HostSocket[] {
  const out: HostSocket[] = [];
  for (const [file, protocol, state] of [['tcp', 'tcp', '0A'], ['tcp6', 'tcp', '0A'], ['udp', 'udp', '07'], ['udp6', 'udp', '07']] as const) {
    let text = '';
    try {
      text = read(`/proc/net/${file}`);
    } catch {
      continue;
    }
    for (const l of text.split('\n').slice(1)) {
      const f = l.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== state) continue;
      const [addr, port] = f[1].split(':');
      out.push({ protocol, address: hexAddress(addr), port: parseInt(port, 16), inode: Number(f[9]) });
    }
  }
  return out;
}

/** The process holding socket `inode` (pid and command name), found through /proc/PID/fd as ss -p does. */
export function socketHolder(inode: number): string | undefined {
  const want = `socket:[${inode}]`;
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === want) return `process ${pid} (${readFileSync(`/proc/${pid}/comm`, 'utf8').trim()})`;
      } catch {
        /* gone meanwhile */
      }
    }
  }
  return undefined;
}

export interface PortConflict {
  mapping: Mapping;
  /** Where in the manifest: the container and its port's index. */
  holder: string;
}

/**
 * The host ports a pod takes: its network's portMappings, or with hostNetwork every port of its
 * containers (the API server defaults hostPort to containerPort there, and the scheduler counts them).
 */
export function declaredHostPorts(plan: PodPlan): Mapping[] {
  if (plan.network) return plan.network.portMappings;
  if (plan.namespaces.net !== 'host') return [];
  return [...(plan.initContainers ?? []), ...plan.containers].flatMap((c) => c.ports.map((p) => ({ hostPort: p.hostPort ?? p.containerPort, containerPort: p.containerPort, protocol: p.protocol.toLowerCase() as Mapping['protocol'], ...(p.hostIP ? { hostIP: p.hostIP } : {}) })));
}

/** The first hostPort of `plan` another pod (not the one being replaced), a Service or a host socket holds. */
export function hostPortConflict(paths: Paths, plan: PodPlan, sockets = hostSockets()): PortConflict | undefined {
  const mine = declaredHostPorts(plan);
  if (!mine.length) return undefined;
  const { listObjects } = require('../../state/objects') as typeof import('../../state/objects');
  const { serviceSettings } = require('./service-alloc') as typeof import('./service-alloc');
  // The pod being replaced goes first: the sockets it holds (its monitor's, its hostNetwork containers') are not in the way.
  const old = listPodRecords(paths).find((r) => r.plan.key === plan.key);
  return firstHolder(paths, mine, { skipPod: plan.key, own: old ? declaredHostPorts(old.plan) : [], services: listObjects(paths, 'Service') as unknown as ServiceObject[], addresses: serviceSettings(paths).nodePortAddresses, sockets });
}

/**
 * Who holds one of MINE first: a running pod (but SKIPPOD), a Service's host ports, or a host
 * socket (but those of OWN, the ports of the pod being replaced). The one place both the pods'
 * and the Services' checks go through.
 */
function firstHolder<M extends Mapping>(
  paths: Paths,
  mine: M[],
  from: { skipPod?: string; own?: Mapping[]; services: ServiceObject[]; addresses: string[]; sockets: HostSocket[] },
): { mapping: M; holder: string } | undefined {
  const hit = (theirs: Pick<Mapping, 'hostPort' | 'protocol' | 'hostIP'>) => mine.find((x) => samePort(x, theirs));
  for (const r of listPodRecords(paths)) {
    if (r.plan.key === from.skipPod || r.deletionTimestamp || !monitorRunning(r.plan.dirs.lasting)) continue;
    for (const theirs of declaredHostPorts(r.plan)) {
      const m = hit(theirs);
      if (m) return { mapping: m, holder: `pod/${r.plan.name}${inNamespace(r.plan.namespace)}` };
    }
  }
  for (const o of from.services)
    for (const theirs of serviceHostPorts(o, from.addresses)) {
      const m = hit(theirs);
      if (m) return { mapping: m, holder: `service/${o.metadata.name}${inNamespace(o.metadata.namespace)}` };
    }
  for (const s of from.sockets) {
    const theirs = { hostPort: s.port, protocol: s.protocol, hostIP: s.address };
    if ((from.own ?? []).some((o) => samePort(o, theirs))) continue;
    const m = hit(theirs);
    if (m) return { mapping: m, holder: `${socketHolder(s.inode) ?? 'a process'} listening on ${s.address.includes(':') ? `[${s.address}]` : s.address}:${s.port}` };
  }
  return undefined;
}

const inNamespace = (ns: string) => (ns !== 'default' ? ` (namespace ${ns})` : '');

/**
 * The host ports a Service takes (docs/networking.md): for NodePort and LoadBalancer Services each
 * port's nodePort, and for LoadBalancer also its port, on every NodePort address; `at` is the
 * field that asks for it.
 */
export function serviceHostPorts(s: ServiceObject, addresses: string[]): (Mapping & { at: (string | number)[] })[] {
  if (s.spec.type !== 'NodePort' && s.spec.type !== 'LoadBalancer') return [];
  const out: (Mapping & { at: (string | number)[] })[] = [];
  const hostIP = (a: string) => (a === '0.0.0.0/0' ? {} : { hostIP: a });
  s.spec.ports.forEach((p, i) => {
    if (p.protocol === 'SCTP') return;
    const protocol = p.protocol.toLowerCase() as Mapping['protocol'];
    for (const a of addresses) {
      if (p.nodePort !== undefined) out.push({ hostPort: p.nodePort, containerPort: p.port, protocol, ...hostIP(a), at: ['spec', 'ports', i, 'nodePort'] });
      if (s.spec.type === 'LoadBalancer') out.push({ hostPort: p.port, containerPort: p.port, protocol, ...hostIP(a), at: ['spec', 'ports', i, 'port'] });
    }
  });
  return out;
}

/** The first host port of SVC another Service, a running pod or a host socket holds: its field, and who. */
export function serviceHostPortConflict(paths: Paths, svc: ServiceObject, others: ServiceObject[], addresses: string[], sockets = hostSockets()): { at: (string | number)[]; mapping: Mapping; holder: string } | undefined {
  const mine = serviceHostPorts(svc, addresses);
  if (!mine.length) return undefined;
  const c = firstHolder(paths, mine, { services: others, addresses, sockets });
  return c && { at: c.mapping.at, mapping: c.mapping, holder: c.holder };
}
