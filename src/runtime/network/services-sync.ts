// Keeping Services current: from the stored Services and the running pods (addresses, labels,
// Ready), the nftables table (plan/services.ts) is replaced atomically and every running pod's
// managed /etc/hosts rewritten in place (it is bind-mounted: a new inode would not be seen). Run
// by apply and delete after they change pods or Services, and by a pod's monitor when its Ready
// condition changes (the launch file's `notify`), so no daemon is needed. Runs are serialized by
// a lock; a request while one runs marks the state dirty and the running one goes again.
import { spawnSync } from 'child_process';
import { isIPv4 } from 'net';
import { closeSync, constants, existsSync, ftruncateSync, mkdirSync, openSync, readSync, rmSync, writeFileSync, writeSync } from 'fs';
import { join } from 'path';
import type { ServiceObject } from '../../manifest/service';
import { isPendingAddress } from '../../plan/network';
import { serviceEndpoints, serviceHostsLines, serviceRules, NFT_TABLE, type EndpointPod, type ServiceEndpoints } from '../../plan/services';
import { everyContainer } from '../../plan/containers';
import type { PodPlan } from '../../plan/types';
import { listObjects } from '../../state/objects';
import { listPodRecords, type PodRecord } from '../../state/pod-records';
import type { Paths } from '../../util/paths';
import { native } from '../../util/native';
import { monitorRunning, readPodStatusFile } from '../helper';
import { networkRunDir } from './conflist';
import { serviceSettings } from './service-alloc';

const LOCK_EX = 2;
const LOCK_NB = 4;

/** A running pod as an endpoint candidate: only with an address others reach (a CNI network, or hostNetwork). */
export function endpointPod(r: PodRecord, ready: boolean): EndpointPod | undefined {
  const p = r.plan;
  if ((!p.network && p.namespaces.net !== 'host') || isPendingAddress(p.podIP)) return undefined;
  // The table is IPv4 (`table ip`), and a loopback address (a host without one) reaches nobody.
  if (!isIPv4(p.podIP) || p.podIP.startsWith('127.')) return undefined;
  return {
    namespace: p.namespace,
    name: p.name,
    ip: p.podIP,
    labels: r.manifest.metadata.labels ?? {},
    ready,
    hostname: p.hostname,
    ...(r.manifest.spec.subdomain ? { subdomain: r.manifest.spec.subdomain } : {}),
    ports: everyContainer(p).flatMap(({ c }) => c.ports.map((x) => ({ ...(x.name ? { name: x.name } : {}), containerPort: x.containerPort, protocol: x.protocol }))),
  };
}

interface Running {
  record: PodRecord;
  ready: boolean;
}

function runningPods(paths: Paths): Running[] {
  return listPodRecords(paths)
    .filter((r) => !r.deletionTimestamp && monitorRunning(r.plan.dirs.lasting))
    .map((record) => ({ record, ready: readPodStatusFile(record.plan.dirs.lasting)?.conditions.find((c) => c.type === 'Ready')?.status === 'True' }));
}

/** Every Service's endpoints among the running pods. */
export function currentEndpoints(paths: Paths, running = runningPods(paths)): ServiceEndpoints[] {
  const pods = running.flatMap((r) => endpointPod(r.record, r.ready) ?? []);
  const services = listObjects(paths, 'Service').map((o) => o as unknown as ServiceObject);
  return services.map((s) => serviceEndpoints(s, pods));
}

function nft(script: string): void {
  const r = spawnSync('nft', ['-f', '-'], { input: script, encoding: 'utf8', timeout: 30_000 });
  if (r.error || r.status !== 0) throw new Error(`nft: ${(r.error?.message ?? r.stderr).trim()}`);
}


/**
 * The managed hosts file of a pod: its own lines (the plan's), then the Services' names, for the
 * pods that would ask cluster DNS (dnsPolicy ClusterFirst; ClusterFirstWithHostNet with
 * hostNetwork, where ClusterFirst falls back to the host's resolver, as in Kubernetes).
 */
export function managedHosts(plan: PodPlan, endpoints: ServiceEndpoints[], dnsPolicy = 'ClusterFirst'): string {
  const hostNetwork = plan.namespaces.net === 'host';
  const clusterDns = hostNetwork ? dnsPolicy === 'ClusterFirstWithHostNet' : dnsPolicy === 'ClusterFirst' || dnsPolicy === 'ClusterFirstWithHostNet';
  const lines = clusterDns ? serviceHostsLines(plan.namespace, endpoints) : [];
  return lines.length ? `${plan.hosts}\n# Services (podrun; as cluster DNS would answer)\n${lines.join('\n')}\n` : plan.hosts;
}

/**
 * Rewrites the bind-mounted file in place (same inode), never following a link, and only when its
 * text changes: written from the start, then cut to the new length, so a reader never finds the
 * pod's own lines (a constant prefix) missing. O_NONBLOCK: a lease a container takes on its file
 * cannot hold the sync (EWOULDBLOCK: that pod is left for the next one). Returns false then.
 */
function rewriteInPlace(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'EWOULDBLOCK' && (e as NodeJS.ErrnoException).code !== 'EAGAIN'; // else: gone, or from before managed hosts files
  }
  try {
    const b = Buffer.from(text);
    const now = Buffer.alloc(b.length + 1);
    if (readSync(fd, now, 0, now.length, 0) === b.length && now.subarray(0, b.length).equals(b)) return true;
    writeSync(fd, b, 0, b.length, 0);
    ftruncateSync(fd, b.length);
    return true;
  } finally {
    closeSync(fd);
  }
}

/**
 * One sync: the table, then each running pod's hosts file. `marker` says podrun made the table
 * in this network namespace's host: without Services and without it there is nothing to undo, and
 * an apply pays no `nft` at all.
 */
function syncOnce(paths: Paths, cidr: string, addresses: string[], marker: string): void {
  const services = listObjects(paths, 'Service').length;
  if (!services && !existsSync(marker)) return;
  const running = runningPods(paths);
  const endpoints = currentEndpoints(paths, running);
  if (endpoints.length) {
    writeFileSync(marker, '');
    nft(`table ip ${NFT_TABLE}\ndelete table ip ${NFT_TABLE}\n${serviceRules(endpoints, { serviceCidr: cidr, nodePortAddresses: addresses })}`);
    if (endpoints.some((e) => e.ports.some((p) => p.port.nodePort !== undefined)) && addresses.some((a) => a.startsWith('127.'))) localnetOnBridges(running.map((r) => r.record));
  } else {
    nft(`table ip ${NFT_TABLE}\ndelete table ip ${NFT_TABLE}\n`);
    rmSync(marker, { force: true });
  }
  // A pod whose file cannot be written now (a lease on it) is left for the next sync.
  for (const r of running) if (r.record.plan.dirs.hosts) rewriteInPlace(r.record.plan.dirs.hosts, managedHosts(r.record.plan, endpoints, r.record.manifest.spec.dnsPolicy));
}

/**
 * A NodePort on 127.0.0.1 is DNATed to a pod: a packet from the loopback address may then leave
 * by the pod bridge only with route_localnet on it (the table drops what arrives there for
 * 127.0.0.0/8 without being DNATed, CVE-2020-8558).
 */
function localnetOnBridges(records: PodRecord[]): void {
  const bridges = new Set<string>();
  for (const r of records) if (r.plan.network) bridges.add(r.plan.network.bridge ?? '');
  for (const b of bridges) {
    if (!/^[A-Za-z0-9_.-]{1,15}$/.test(b)) continue;
    try {
      writeFileSync(`/proc/sys/net/ipv4/conf/${b}/route_localnet`, '1');
    } catch {
      /* no such bridge here */
    }
  }
}

/**
 * Brings the Services' rules and names up to date, with the root's stored settings. Never throws
 * for a busy lock: the holder runs again for this request.
 */
export function syncServices(paths: Paths): void {
  const { serviceCidr: cidr, nodePortAddresses: addresses } = serviceSettings(paths);
  const dir = networkRunDir(paths);
  // Nothing was ever set up and nothing is asked for: no file is touched (every apply comes here).
  if (!existsSync(join(dir, 'services.table')) && !listObjects(paths, 'Service').length) return;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const dirty = join(dir, 'services.dirty');
  writeFileSync(dirty, '');
  for (;;) {
    const fd = openSync(join(dir, 'services.lock'), 'a', 0o600);
    try {
      if (!native().flock(fd, LOCK_EX | LOCK_NB)) return; // the holder sees the mark when it is done
      rmSync(dirty, { force: true });
      syncOnce(paths, cidr, addresses, join(dir, 'services.table'));
    } finally {
      closeSync(fd); // releases the lock
    }
    if (!existsSync(dirty)) return;
  }
}
