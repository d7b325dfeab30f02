// The pod's attachment to a CNI network, planned: which network, its portMappings (the
// containers' hostPorts, as the kubelet hands them to the portmap plugin) and the stand-ins for
// the pod's addresses, which only the network's ADD gives (docs/networking.md).
import type { PodManifest } from '../manifest/schema';
import type { HostFacts, PlannedNetwork, PodPlan } from './types';
import { canonicalIP, isUnspecified } from '../util/ip';

type Fail = (path: (string | number)[], detail: string, hint: string) => void;

export const POD_IFNAME = 'eth0';

/**
 * Stand-ins that no manifest holds by chance (they carry the sandbox's random id), valid where a
 * host name is (a probe's host), and in the .invalid domain, which never resolves.
 */
export function networkTokens(containerId: string): PlannedNetwork['tokens'] {
  return { ip: `podrun-pod-ip-${containerId}.invalid`, ips: `podrun-pod-ips-${containerId}.invalid` };
}

/** status.podIP as the plan writes it: the host's with hostNetwork, the stand-in on a network, else lo's. */
export function plannedPodIP(m: PodManifest, facts: Pick<HostFacts, 'hostIP' | 'podIP' | 'network'>): string {
  if (m.spec.hostNetwork) return facts.hostIP;
  return facts.network ? networkTokens(facts.network.containerId).ip : facts.podIP;
}

/** status.podIPs (comma-separated, as the downward API gives it). */
export function plannedPodIPs(m: PodManifest, facts: Pick<HostFacts, 'hostIP' | 'podIP' | 'network'>): string {
  if (m.spec.hostNetwork) return facts.hostIP;
  return facts.network ? networkTokens(facts.network.containerId).ips : facts.podIP;
}

/** The pod's network, and its hostPorts checked: unique per protocol and address (the API server's rule), and only with a network. */
export function planNetwork(m: PodManifest, facts: Pick<HostFacts, 'network'>, fail: Fail): PlannedNetwork | undefined {
  const portMappings: PlannedNetwork['portMappings'] = [];
  const seen = new Map<string, string>();
  for (const list of ['initContainers', 'containers'] as const)
    (m.spec[list] ?? []).forEach((c, i) =>
      (c.ports ?? []).forEach((p, j) => {
        if (p.hostPort === undefined || m.spec.hostNetwork) return;
        const at = ['spec', list, i, 'ports', j, 'hostPort'];
        if (!facts.network) {
          fail(at, `hostPort ${p.hostPort} needs a pod network, and this pod has none (network "none")`, 'run it on a network (drop --network none or the podrun.dev/network: none annotation), or use hostNetwork: true');
          return;
        }
        const protocol = (p.protocol ?? 'TCP').toLowerCase() as 'tcp' | 'udp' | 'sctp';
        const key = `${protocol}/${p.hostIP && !isUnspecified(p.hostIP) ? canonicalIP(p.hostIP) : ''}/${p.hostPort}`;
        const other = seen.get(key);
        if (other) fail(at, `hostPort ${p.hostPort}/${protocol.toUpperCase()} is already used by ${other}`, 'give every hostPort of the pod its own number (per protocol and hostIP)');
        seen.set(key, `container ${c.name}`);
        // the address as the plugins read it (an IPv4-mapped one is its IPv4); unspecified is every address
        const hostIP = p.hostIP && !isUnspecified(p.hostIP) ? canonicalIP(p.hostIP) : undefined;
        portMappings.push({ hostPort: p.hostPort, containerPort: p.containerPort, protocol, ...(hostIP ? { hostIP } : {}) });
      }),
    );
  if (!facts.network) return undefined;
  return { name: facts.network.name, file: facts.network.file, containerId: facts.network.containerId, ...(facts.network.bridge ? { bridge: facts.network.bridge } : {}), ifName: POD_IFNAME, portMappings, tokens: networkTokens(facts.network.containerId) };
}

/** The plan with the network's addresses where its stand-ins were (what the monitor does to its launch). */
export function withPodAddresses(plan: PodPlan, ip: string, ips: string[]): PodPlan {
  const t = plan.network?.tokens;
  if (!t) return plan;
  // Every string of the plan, walked (never its JSON text), but the stand-ins' own record.
  const put = (s: string) => s.split(t.ips).join(ips.join(',')).split(t.ip).join(ip);
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return put(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  const { network, ...rest } = plan;
  return { ...(walk(rest) as Omit<PodPlan, 'network'>), network: { ...network!, ips } };
}

/** Whether an address in a record is still a stand-in (the pod's network never came up). */
export const isPendingAddress = (ip: string | undefined) => !!ip && ip.startsWith('podrun-pod-ip');

/**
 * What a pod on a network gets in its namespace before its interface is made: no IPv6 router
 * advertisements (the interface takes `default`'s), since the networks give IPv4 and a pod with
 * NET_RAW could otherwise send the others routes (CVE-2020-10749). Written by the pause with the
 * pod's own sysctls; one the pod sets itself wins.
 */
export function networkSysctls(network: PlannedNetwork | undefined, facts: Pick<HostFacts, 'ipv6'>, own: { name: string }[] = []): { name: string; value: string }[] {
  if (!network || !facts.ipv6) return [];
  const mine = new Set(own.map((s) => s.name.replace(/\//g, '.')));
  return ['net.ipv6.conf.all.accept_ra', 'net.ipv6.conf.default.accept_ra'].filter((n) => !mine.has(n)).map((name) => ({ name, value: '0' }));
}
