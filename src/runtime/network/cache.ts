// The result cache, as libcni keeps it (`<cacheDir>/results/<network>-<containerID>-<ifName>`,
// kind cniCacheV1): the list's bytes, the runtime arguments and the ADD result, so that DEL runs
// the configuration the pod was set up with even after the conflist changed, and a crash leaves a
// record the next podrun command can undo. Written before ADD (no result yet) so that a kill during
// ADD leaves one too.
import { readdirSync, readFileSync, unlinkSync } from 'fs';
import { join } from 'path';
import { writeFileAtomic } from '../../state/atomic';
import type { Paths } from '../../util/paths';
import { mkdirSync } from 'fs';
import type { CniResult, RuntimeConf } from './cni';
import { networkRunDir } from './conflist';

export interface CacheEntry {
  kind: 'cniCacheV1';
  containerId: string;
  /** base64 of the list's bytes */
  config: string;
  ifName: string;
  networkName: string;
  netns?: string;
  cniArgs: [string, string][];
  capabilityArgs: Record<string, unknown>;
  result?: CniResult;
  /** podrun's: which pod this attachment is for (its key) and the list's file. */
  podrun: { pod: string; file: string };
}

const resultsDir = (p: Paths) => join(networkRunDir(p), 'cache', 'results');
export const cacheFile = (p: Paths, network: string, containerId: string, ifName: string) => join(resultsDir(p), `${network}-${containerId}-${ifName}`);

export function writeCacheEntry(p: Paths, e: CacheEntry): void {
  mkdirSync(resultsDir(p), { recursive: true, mode: 0o700 });
  // Not fsynced: it is for undoing after a crash of podrun, and a reboot takes what it names along.
  writeFileAtomic(cacheFile(p, e.networkName, e.containerId, e.ifName), JSON.stringify(e), 0o600, { durable: false });
}

export function readCacheEntry(file: string): CacheEntry | undefined {
  try {
    const e = JSON.parse(readFileSync(file, 'utf8')) as CacheEntry;
    // Its names become paths podrun unmounts and removes: only what podrun itself writes is taken.
    const ok =
      e.kind === 'cniCacheV1' &&
      typeof e.containerId === 'string' && /^[0-9a-f]{32}$/.test(e.containerId) &&
      typeof e.networkName === 'string' && /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(e.networkName) &&
      typeof e.ifName === 'string' && /^[a-zA-Z0-9_.-]{1,15}$/.test(e.ifName) &&
      typeof e.config === 'string' && !!e.podrun && typeof e.podrun.pod === 'string' && !e.podrun.pod.includes('/');
    return ok ? e : undefined;
  } catch {
    return undefined;
  }
}

export function removeCacheEntry(p: Paths, e: Pick<CacheEntry, 'networkName' | 'containerId' | 'ifName'>): void {
  try {
    unlinkSync(cacheFile(p, e.networkName, e.containerId, e.ifName));
  } catch {
    /* already gone */
  }
}

/** Every cache entry (unreadable ones left out), with its file. */
export function listCacheEntries(p: Paths): { file: string; entry: CacheEntry }[] {
  let names: string[];
  try {
    names = readdirSync(resultsDir(p));
  } catch {
    return [];
  }
  return names.filter((n) => !n.startsWith('.')).flatMap((n) => {
    const file = join(resultsDir(p), n);
    const entry = readCacheEntry(file);
    return entry ? [{ file, entry }] : [];
  });
}

export const runtimeConfOf = (e: CacheEntry, netns: string): RuntimeConf => ({ containerId: e.containerId, netns, ifName: e.ifName, args: e.cniArgs, capabilityArgs: e.capabilityArgs });
