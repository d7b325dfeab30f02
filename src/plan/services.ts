// Services, computed (pure): which pods back each Service (its endpoints, as the EndpointSlice
// controller picks them), the kernel NAT rules that carry VIP:port to them (an nftables table, as
// kube-proxy's nftables mode writes one), and the names every pod resolves through its managed
// /etc/hosts (as cluster DNS would answer them). docs/networking.md, "Services".
import type { ServiceObject, ServicePort } from '../manifest/service';

export interface EndpointPod {
  namespace: string;
  name: string;
  /** The pod's address; pods without one others can reach (network none, not attached yet) are not here. */
  ip: string;
  labels: Record<string, string>;
  ready: boolean;
  hostname: string;
  subdomain?: string;
  ports: { name?: string; containerPort: number; protocol: string }[];
}

export interface EndpointTarget {
  ip: string;
  port: number;
  pod: string;
}

export interface ServiceEndpoints {
  service: ServiceObject;
  /** Per Service port, the pods' addresses and target ports, in pod name order. */
  ports: { port: ServicePort; targets: EndpointTarget[] }[];
  /** The pods selected (ready, or all with publishNotReadyAddresses), for headless names. */
  pods: EndpointPod[];
}

const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

/** A Service's endpoints among PODS: selected by its selector in its namespace, ready (or published anyway), its targetPort resolved per pod. */
export function serviceEndpoints(svc: ServiceObject, pods: EndpointPod[]): ServiceEndpoints {
  const selector = svc.spec.selector ?? {};
  // No selector: endpoints are someone else's to write (an Endpoints object); podrun has none.
  const chosen = Object.keys(selector).length
    ? pods
        .filter((p) => p.namespace === svc.metadata.namespace && matches(selector, p.labels) && (p.ready || svc.spec.publishNotReadyAddresses === true))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    : [];
  const ports = svc.spec.ports.map((port) => ({
    port,
    targets: chosen.flatMap((p): EndpointTarget[] => {
      const target = typeof port.targetPort === 'number' ? port.targetPort : p.ports.find((c) => c.name === port.targetPort && c.protocol === port.protocol)?.containerPort;
      return target === undefined ? [] : [{ ip: p.ip, port: target, pod: p.name }];
    }),
  }));
  return { service: svc, ports, pods: chosen };
}

/** The mark service traffic carries to be masqueraded on its way out (kube-proxy's 0x4000; portmap uses 0x2000). */
export const MASQ_MARK = 0x4000;
export const NFT_TABLE = 'podrun-services';

export interface RuleOptions {
  serviceCidr: string;
  /** Where NodePort and LoadBalancer ports are published: host addresses (default only 127.0.0.1). */
  nodePortAddresses: string[];
}

const proto = (p: string) => p.toLowerCase();

/**
 * The whole nftables table for SERVICES, replaced atomically in one `nft -f` (delete and
 * re-create): VIP:port (and nodePorts on the chosen host addresses) jump to a per-port chain that
 * marks the packet for masquerade and picks an endpoint at random (numgen), which DNATs to the
 * pod. Whatever still goes to the service range after NAT (no endpoint, a port the Service does
 * not have) is rejected, so it never leaves the host. (The loopback guard is LOOPBACK_GUARD's.)
 */
export function serviceRules(services: ServiceEndpoints[], opts: RuleOptions): string {
  const chains: string[] = [];
  const dispatch: string[] = [];
  const nodePorts: string[] = [];
  services.forEach((s, i) => {
    s.ports.forEach((p, j) => {
      const chain = `svc-${i}-${j}`;
      const name = `${s.service.metadata.namespace}/${s.service.metadata.name}:${p.port.name ?? p.port.port}`;
      const body = [`    comment "${name}"`];
      if (p.targets.length) {
        body.push(`    meta mark set meta mark | 0x${MASQ_MARK.toString(16)}`);
        const picks = p.targets.map((t, k) => `${k} : jump ${chain}-${k}`);
        body.push(p.targets.length === 1 ? `    jump ${chain}-0` : `    numgen random mod ${p.targets.length} vmap { ${picks.join(', ')} }`);
        p.targets.forEach((t, k) => chains.push(`  chain ${chain}-${k} {\n    meta l4proto ${proto(p.port.protocol)} dnat to ${t.ip}:${t.port}\n  }`));
      }
      chains.push(`  chain ${chain} {\n${body.join('\n')}\n  }`);
      if (s.service.spec.clusterIP && s.service.spec.clusterIP !== 'None') dispatch.push(`    ip daddr ${s.service.spec.clusterIP} ${proto(p.port.protocol)} dport ${p.port.port} jump ${chain}`);
      // NodePort and LoadBalancer: the nodePort on the host's chosen addresses; LoadBalancer also
      // its port there (the host is its load balancer, as k3s's servicelb makes it).
      const onHost = (port: number) => {
        for (const a of opts.nodePortAddresses) nodePorts.push(`    ${a === '0.0.0.0/0' ? 'fib daddr type local' : `ip daddr ${a}`} ${proto(p.port.protocol)} dport ${port} jump ${chain}`);
      };
      if (p.port.nodePort !== undefined) onHost(p.port.nodePort);
      if (s.service.spec.type === 'LoadBalancer') onHost(p.port.port);
    });
  });
  const lines = [
    `table ip ${NFT_TABLE} {`,
    '  chain services {',
    ...dispatch,
    ...nodePorts,
    '  }',
    '  chain prerouting {',
    '    type nat hook prerouting priority dstnat; policy accept;',
    '    jump services',
    '  }',
    '  chain output {',
    '    type nat hook output priority -100; policy accept;',
    '    jump services',
    '  }',
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    `    meta mark & 0x${MASQ_MARK.toString(16)} == 0x${MASQ_MARK.toString(16)} masquerade`,
    '  }',
    // Refused as kube-proxy refuses a Service without endpoints: a TCP reset, else port unreachable.
    '  chain filter-output {',
    '    type filter hook output priority filter; policy accept;',
    `    ip daddr ${opts.serviceCidr} meta l4proto tcp reject with tcp reset`,
    `    ip daddr ${opts.serviceCidr} reject with icmp type port-unreachable`,
    '  }',
    '  chain filter-forward {',
    '    type filter hook forward priority filter; policy accept;',
    `    ip daddr ${opts.serviceCidr} meta l4proto tcp reject with tcp reset`,
    `    ip daddr ${opts.serviceCidr} reject with icmp type port-unreachable`,
    '  }',
    ...chains,
    '}',
  ];
  return lines.join('\n') + '\n';
}

/** What podrun's managed /etc/hosts adds for a pod in NAMESPACE: one line per name, as cluster DNS answers them. */
export function serviceHostsLines(namespace: string, services: ServiceEndpoints[], domain = 'cluster.local'): string[] {
  const out: string[] = [];
  for (const s of services) {
    const { name, namespace: ns } = s.service.metadata;
    const fqdn = `${name}.${ns}.svc.${domain}`;
    // The short names resolve through the search path in a cluster (ns.svc.cluster.local first):
    // NAME only within the Service's namespace, NAME.NS everywhere.
    const names = ns === namespace ? [fqdn, `${name}.${ns}`, name] : [fqdn, `${name}.${ns}`];
    if (s.service.spec.clusterIP && s.service.spec.clusterIP !== 'None') out.push(`${s.service.spec.clusterIP}\t${names.join(' ')}`);
    else {
      // Headless: the Service's name is every selected pod's address; a pod whose subdomain is
      // the Service's name also gets hostname.NAME.NS.svc.cluster.local.
      for (const p of s.pods) out.push(`${p.ip}\t${names.join(' ')}`);
      for (const p of s.pods) if (p.subdomain === name) out.push(`${p.ip}\t${p.hostname}.${fqdn}${ns === namespace ? ` ${p.hostname}.${name}` : ''}`);
    }
  }
  return out;
}

export const GUARD_TABLE = 'podrun-guard';

/**
 * Always there once a pod has a network: packets for 127.0.0.0/8 that arrive by any interface
 * but lo are dropped unless podrun's or portmap's NAT sent them there. The pod bridge has
 * route_localnet on (portmap's snat, NodePorts on 127.0.0.1), which would otherwise let a pod reach
 * services the host binds to its loopback only (CVE-2020-8558; kube-proxy's rule).
 */
export const LOOPBACK_GUARD = `table ip ${GUARD_TABLE}
delete table ip ${GUARD_TABLE}
table ip ${GUARD_TABLE} {
  chain input {
    type filter hook input priority filter; policy accept;
    iifname != "lo" ip daddr 127.0.0.0/8 ct status & dnat == 0 drop
  }
}
`;
