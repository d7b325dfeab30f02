// The files of a pod's init layer: /etc/hosts and /etc/resolv.conf, as kubelet writes them.
import { isResolvWord } from '../manifest/names';

export interface HostsInput {
  podIP: string;
  hostname: string;
  subdomain?: string;
  namespace: string;
  hostAliases?: { ip: string; hostnames?: string[] }[];
}

/** kubelet's managed hosts file (pkg/kubelet/kubelet_pods.go managedHostsFileContent). */
export function hostsFile(h: HostsInput): string {
  const lines = [
    '# Kubernetes-managed hosts file (written by podrun).',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
    h.subdomain
      ? `${h.podIP}\t${h.hostname}.${h.subdomain}.${h.namespace}.svc.cluster.local\t${h.hostname}`
      : `${h.podIP}\t${h.hostname}`,
  ];
  const aliases = (h.hostAliases ?? []).filter((a) => a.hostnames && a.hostnames.length > 0);
  if (aliases.length) {
    lines.push('', '# Entries added by HostAliases.');
    for (const a of aliases) lines.push(`${a.ip}\t${a.hostnames!.join('\t')}`);
  }
  return lines.join('\n') + '\n';
}

export interface DnsInput {
  dnsPolicy: string;
  dnsConfig?: { nameservers?: string[]; searches?: string[]; options?: { name: string; value?: string }[] };
  hostResolvConf: string;
  /** The pod has its own network: a nameserver on the host's loopback is not reachable from it. */
  podNetwork?: boolean;
  /** systemd-resolved's upstreams, for a host whose file names its local stub (127.0.0.53). */
  upstreamResolvConf?: string;
}

interface Resolv {
  nameservers: string[];
  searches: string[];
  options: { name: string; value?: string }[];
}

// What separates words: whitespace, and control characters, which no word may hold (isResolvWord).
const SEPARATORS = /[\s\u0000-\u001f\u007f-\u009f]+/u;

function parseResolvConf(text: string): Resolv {
  const r: Resolv = { nameservers: [], searches: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '');
    const [word, ...rest] = line.split(SEPARATORS).filter(Boolean);
    if (word === 'nameserver' && rest[0]) r.nameservers.push(rest[0]);
    // The last search/domain line wins, as in resolv.conf(5).
    else if (word === 'search' || word === 'domain') r.searches = rest;
    else if (word === 'options')
      for (const o of rest) {
        const colon = o.indexOf(':');
        r.options.push(colon < 0 ? { name: o } : { name: o.slice(0, colon), value: o.slice(colon + 1) });
      }
  }
  return r;
}

const uniq = (xs: string[]) => [...new Set(xs)];

/**
 * There is no cluster DNS, so ClusterFirst behaves like Default: the host's resolv.conf.
 * dnsConfig is merged on top as kubelet does (nameservers and searches appended and
 * de-duplicated, options overridden by name); dnsPolicy None uses dnsConfig alone.
 */
export function resolvConf(d: DnsInput): string {
  const cfg = d.dnsConfig;
  const host = d.podNetwork ? reachableFromPods(d.hostResolvConf, d.upstreamResolvConf ?? '') : d.hostResolvConf;
  if (host !== d.hostResolvConf) return resolvConf({ ...d, hostResolvConf: host, podNetwork: false });
  if (d.dnsPolicy !== 'None' && !cfg) {
    if (d.hostResolvConf.trim() === '') return '# podrun: the host has no /etc/resolv.conf; set spec.dnsConfig to add name servers\n';
    return d.hostResolvConf.endsWith('\n') ? d.hostResolvConf : `${d.hostResolvConf}\n`;
  }
  const base = d.dnsPolicy === 'None' ? { nameservers: [], searches: [], options: [] } : parseResolvConf(d.hostResolvConf);
  const nameservers = uniq([...base.nameservers, ...(cfg?.nameservers ?? [])]).slice(0, 3);
  const searches = uniq([...base.searches, ...(cfg?.searches ?? [])]).slice(0, 32);
  const options = new Map<string, string | undefined>();
  for (const o of [...base.options, ...(cfg?.options ?? [])]) options.set(o.name, o.value);
  const lines: string[] = [];
  for (const n of nameservers) lines.push(line('nameserver', [n]));
  if (searches.length) lines.push(line('search', searches));
  if (options.size) lines.push(line('options', [...options].map(([k, v]) => (v === undefined ? k : `${k}:${v}`))));
  if (lines.length === 0) return '# podrun: no name servers configured\n';
  return lines.join('\n') + '\n';
}

const isLoopback = (ip: string) => /^127\./.test(ip) || ip === '::1' || ip === '0:0:0:0:0:0:0:1';

/**
 * The host's resolv.conf for a pod with its own network namespace: a nameserver on the host's
 * loopback (systemd-resolved's 127.0.0.53, dnsmasq's 127.0.0.1) answers only the host, so it is
 * replaced by the upstreams systemd-resolved names (what the kubelet's --resolv-conf is set to on
 * such hosts), or dropped. The file unchanged when it names none.
 */
export function reachableFromPods(host: string, upstream: string): string {
  const r = parseResolvConf(host);
  if (!r.nameservers.some(isLoopback)) return host;
  const up = parseResolvConf(upstream).nameservers.filter((n) => !isLoopback(n));
  const nameservers = uniq([...r.nameservers.filter((n) => !isLoopback(n)), ...up]).slice(0, 3);
  const lines = nameservers.map((n) => line('nameserver', [n]));
  if (r.searches.length) lines.push(line('search', r.searches));
  if (r.options.length) lines.push(line('options', r.options.map((o) => (o.value === undefined ? o.name : `${o.name}:${o.value}`))));
  if (!nameservers.length) lines.unshift(`# podrun: the host's name servers (${r.nameservers.join(', ')}) are on its loopback, which the pod cannot reach; set spec.dnsConfig`);
  return lines.join('\n') + '\n';
}

/**
 * One resolv.conf line of single words. Validation (manifest/names.ts resolvWord, IPs, DNS
 * subdomains) keeps whitespace out of every dnsConfig value, and the host's file is split into
 * words; a value that still is no single word would add a line of its own (a `nameserver` an
 * attacker chose), so it is a bug, and nothing is written.
 */
function line(keyword: string, words: string[]): string {
  for (const w of words) if (!isResolvWord(w)) throw new Error(`resolv.conf: ${JSON.stringify(w)} is not one resolv.conf word (${keyword})`);
  return `${keyword} ${words.join(' ')}`;
}
