// A pod's network attachment over its life: ADD against the pause's network namespace once it
// exists and before any container starts (the monitor's network gate), DEL on delete and on every
// failure path, and the leftovers of a crash (a cache entry whose pod is gone) undone by the next
// podrun command that changes pods (docs/networking.md).
import { Buffer } from 'buffer';
import { spawnSync } from 'child_process';
import { lstatSync, mkdirSync, rmSync, statSync } from 'fs';
import { dirname, join } from 'path';
import { native } from '../../util/native';
import type { PlannedNetwork, PodPlan } from '../../plan/types';
import { PodrunError } from '../../util/errors';
import type { Paths } from '../../util/paths';
import { acquirePodLock } from '../../state/lock';
import { readPodRecord } from '../../state/pod-records';
import { monitorRunning } from '../helper';
import { addNetworkList, delNetworkList, gcNetworkList, resultAddresses, statusNetworkList, type CniResult, type NetworkConfigList, type RuntimeConf } from './cni';
import { listCacheEntries, readCacheEntry, cacheFile, removeCacheEntry, runtimeConfOf, writeCacheEntry, type CacheEntry } from './cache';
import { networkRunDir, parseConflist } from './conflist';
import { LOOPBACK_GUARD } from '../../plan/services';

/** CNI_ARGS as the kubelet passes them (K8S_POD_*), with IgnoreUnknown so that plugins that know none of them accept them. */
export function podCniArgs(plan: Pick<PodPlan, 'namespace' | 'name' | 'uid'>, net: PlannedNetwork): [string, string][] {
  return [
    ['IgnoreUnknown', '1'],
    ['K8S_POD_NAMESPACE', plan.namespace],
    ['K8S_POD_NAME', plan.name],
    ['K8S_POD_INFRA_CONTAINER_ID', net.containerId],
    ['K8S_POD_UID', plan.uid],
  ];
}

function runtimeConf(plan: PodPlan, net: PlannedNetwork, netns: string): RuntimeConf {
  return { containerId: net.containerId, netns, ifName: net.ifName, args: podCniArgs(plan, net), capabilityArgs: net.portMappings.length ? { portMappings: net.portMappings } : {} };
}

/**
 * ADD of the pod's network in the network namespace of its pause process (`pid`, the monitor's
 * child, which waits at the gate: the pid cannot be reused meanwhile). The cache entry is written
 * first, so that a kill during ADD leaves something to undo; a failed ADD is undone at once.
 */
export function setUpPodNetwork(paths: Paths, plan: PodPlan, list: NetworkConfigList, pausePid: number, lockFd?: number): { ip: string; ips: string[] } {
  const net = plan.network!;
  // Pinned first: the cache names the pin, so whatever happens next, a DEL finds the namespace.
  const pin = netnsPin(paths, net.containerId);
  ownDir(dirname(pin));
  native().pinNetns(pausePid, pin);
  const rt = runtimeConf(plan, net, pin);
  const entry: CacheEntry = {
    kind: 'cniCacheV1',
    containerId: net.containerId,
    config: Buffer.from(list.bytes).toString('base64'),
    ifName: net.ifName,
    networkName: list.name,
    netns: rt.netns,
    cniArgs: rt.args,
    capabilityArgs: rt.capabilityArgs,
    podrun: { pod: plan.key, file: list.file },
  };
  writeCacheEntry(paths, entry);
  guardLoopback();
  let ips: string[];
  // CNI 1.1: a network whose plugins say they are not ready refuses the pod (a 1.0 list: nothing to ask).
  try {
    statusNetworkList(list);
  } catch (e) {
    undo(paths, entry, lockFd);
    throw e;
  }
  try {
    // Each plugin's result is cached as it comes: a DEL after a kill has the addresses to remove rules for.
    const result = addNetworkList(list, rt, { holdFd: lockFd, onResult: (r) => writeCacheEntry(paths, { ...entry, result: r }) });
    ips = resultAddresses(result);
    if (!ips.length) throw new PodrunError(`network ${list.name}: its plugins gave pod/${plan.name} no address`, `check the IPAM section of ${list.file}`);
    writeCacheEntry(paths, { ...entry, result });
  } catch (e) {
    try {
      undo(paths, readCacheEntry(cacheFile(paths, list.name, net.containerId, net.ifName)) ?? entry, lockFd);
    } catch {
      /* the entry stays: the next podrun command tries again */
    }
    throw e;
  }
  return { ip: ips[0], ips };
}

/** The loopback guard (plan/services.ts LOOPBACK_GUARD), made again before every attachment. */
function guardLoopback(): void {
  const r = spawnSync('nft', ['-f', '-'], { input: LOOPBACK_GUARD, encoding: 'utf8', timeout: 30_000 });
  if (r.error || r.status !== 0)
    throw new PodrunError(`the loopback guard could not be set: nft: ${(r.error?.message ?? r.stderr).trim()}`, 'install nftables (apt-get install nftables): podrun needs nft for pod networks');
}

/** A directory of podrun's: made 0700, or, when there, a real directory of root's that no one else may write. */
function ownDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  if (!st.isDirectory() || st.uid !== 0 || (st.mode & 0o022) !== 0)
    throw new PodrunError(`${dir} is not a directory only root may write (uid ${st.uid}, mode ${(st.mode & 0o7777).toString(8)})`, 'remove it (podrun makes it again), or point PODRUN_RUNROOT at a directory of root\'s');
}

/** Where a sandbox's network namespace is pinned (a bind mount on an empty file). */
export const netnsPin = (paths: Paths, containerId: string) => join(networkRunDir(paths), 'netns', containerId);

/** DEL in the pinned namespace (or none, when the pin is gone), then the pin and the entry go: in that order, so a failed DEL can be retried. */
function undo(paths: Paths, e: CacheEntry, lockFd?: number): void {
  const list = parseConflist(e.podrun.file, Buffer.from(e.config, 'base64').toString('utf8'));
  const pin = netnsPin(paths, e.containerId);
  const pinned = isMountPoint(pin);
  const result = e.result?.ips?.length ? e.result : pinned ? addressesIn(pin, e.ifName) ?? e.result : e.result;
  delNetworkList(list, runtimeConfOf(e, pinned ? pin : ''), result, { holdFd: lockFd });
  if (pinned) native().unmount(pin);
  rmSync(pin, { force: true });
  removeCacheEntry(paths, e);
}

/**
 * A result read back from the namespace, for a DEL whose ADD was killed before its result was
 * cached: the interface's addresses (the firewall plugin removes its rules only for the addresses
 * of the prevResult it is given).
 */
function addressesIn(pin: string, ifName: string): CniResult | undefined {
  const r = spawnSync('nsenter', [`--net=${pin}`, 'ip', '-j', 'addr', 'show', 'dev', ifName], { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) return undefined;
  try {
    const [link] = JSON.parse(r.stdout) as { addr_info?: { family: string; local: string; prefixlen: number; scope: string }[] }[];
    const ips = (link?.addr_info ?? []).filter((a) => a.scope === 'global').map((a) => ({ address: `${a.local}/${a.prefixlen}`, interface: 0 }));
    return ips.length ? { cniVersion: '1.0.0', interfaces: [{ name: ifName, sandbox: pin }], ips } : undefined;
  } catch {
    return undefined;
  }
}

function isMountPoint(path: string): boolean {
  try {
    return statSync(path).dev !== statSync(dirname(path)).dev;
  } catch {
    return false;
  }
}

/**
 * DEL of the pod's attachment from its cache entry (the configuration it was added with), in
 * its pinned namespace (the pause is gone by now; the pin keeps the namespace, so the plugins
 * find the interface and the addresses whose rules they remove). Nothing cached: nothing to do. A failure keeps the entry,
 * for the next podrun command to try again, and is returned to be said.
 */
export function tearDownPodNetwork(paths: Paths, plan: Pick<PodPlan, 'network' | 'name'> | undefined): PodrunError | undefined {
  const net = plan?.network;
  if (!net) return undefined;
  const e = readCacheEntry(cacheFile(paths, net.name, net.containerId, net.ifName));
  if (!e) return undefined;
  try {
    undo(paths, e);
    return undefined;
  } catch (err) {
    return new PodrunError(`pod/${plan!.name}: the network ${net.name} could not be released: ${(err as Error).message}`, 'podrun tries again on its next apply or delete; `podrun get pods` shows the pod meanwhile');
  }
}

/**
 * Attachments whose pod is gone (SIGKILL of every podrun process, a crash): the entry's pod has
 * no record, a record of another sandbox, or no running monitor. Each is undone under its pod's
 * lock, so that an apply of that pod cannot be racing; a pod being changed just now is left for
 * later. Returns what could not be undone.
 */
export function releaseStaleAttachments(paths: Paths): PodrunError[] {
  const problems: PodrunError[] = [];
  for (const { entry } of listCacheEntries(paths)) {
    let release: (() => void) | undefined;
    try {
      release = acquirePodLock(paths, entry.podrun.pod, entry.podrun.pod).release;
    } catch {
      continue; // being changed: that command owns it
    }
    try {
      const r = readPodRecord(paths, entry.podrun.pod);
      const live = r?.plan.network?.containerId === entry.containerId && monitorRunning(r.plan.dirs.lasting);
      if (!live) undo(paths, entry);
    } catch (e) {
      problems.push(new PodrunError(`network ${entry.networkName}: a leftover attachment (${entry.containerId.slice(0, 12)}) could not be released: ${(e as Error).message}`));
    } finally {
      release();
    }
  }
  // CNI 1.1's GC: each network's plugins release what none of its attachments still holds.
  const live = new Map<string, { list: NetworkConfigList; valid: { containerID: string; ifname: string }[] }>();
  for (const { entry } of listCacheEntries(paths)) {
    const g = live.get(entry.networkName) ?? { list: parseConflist(entry.podrun.file, Buffer.from(entry.config, 'base64').toString('utf8')), valid: [] };
    g.valid.push({ containerID: entry.containerId, ifname: entry.ifName });
    live.set(entry.networkName, g);
  }
  for (const g of live.values())
    try {
      gcNetworkList(g.list, g.valid);
    } catch (e) {
      problems.push(new PodrunError(`network ${g.list.name}: GC: ${(e as Error).message}`));
    }
  return problems;
}
