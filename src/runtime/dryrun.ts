// `apply --dry-run`: the plan each pod would get, computed without changing anything and without
// root. Images are looked up read-only in the store; an absent one stays unresolved in the plan.
import { join } from 'path';
import type { ResolvedImage } from '../images/types';
import type { LoadedPod } from '../manifest/load';
import type { ConfigObject } from '../manifest/objects';
import { podImages } from '../manifest/schema';
import { manifestHash, planPod } from '../plan/plan';
import type { PodPlan } from '../plan/types';
import { readPodRecord } from '../state/pod-records';
import type { ManifestError } from '../util/errors';
import { podKey, type Paths } from '../util/paths';
import { randomUuid } from '../util/uuid';
import { applyAction, type ApplyAction } from './apply-action';
import { planReapply, reapplyDetail, withUnfinishedReplaces } from '../plan/reapply';
import { gatherFacts, manifestDirOf, userNamespacePool, usernsHostOps } from './facts';
import { monitorRunning } from './helper';
import { peekUserNamespace } from '../state/userns';

export type DryRunResult = { action: ApplyAction; detail?: string; plan: PodPlan; unresolvedImages: string[] } | { plan?: undefined; errors: ManifestError[] };

async function lookupImage(paths: Paths, ref: string): Promise<ResolvedImage | undefined> {
  try {
    const { openStore, chainIds } = await import('../images/store');
    const store = openStore(paths);
    const rec = store.lookup(ref);
    if (!rec) return undefined;
    const { config } = await store.readImage(rec);
    const layerDirs = chainIds(rec.layers.map((l) => l.diffId)).map((c) => join(store.layerDir(c), 'diff'));
    return { ref, imageId: rec.imageId, manifestDigest: rec.manifestDigest, config: config.config ?? {}, layerDirs };
  } catch {
    return undefined; // no store yet, unreadable without root, bad reference: unresolved
  }
}

/** PENDING: the objects the same apply would store first (their keys count as stored). */
export async function dryRunPlan(paths: Paths, pod: LoadedPod, pending: ConfigObject[] = [], networkFlag?: string): Promise<DryRunResult> {
  const m = pod.manifest;
  const images: Record<string, ResolvedImage | undefined> = {};
  const unresolved: string[] = [];
  for (const { ref } of podImages(m.spec)) {
    if (ref in images) continue;
    images[ref] = await lookupImage(paths, ref);
    if (!images[ref]) unresolved.push(ref);
  }
  const key = podKey(m.metadata.namespace, m.metadata.name);
  const existing = readPodRecord(paths, key);
  // The range the pod has, or the one apply would give it now.
  const userNamespace = m.spec.hostUsers === false ? peekUserNamespace(paths, key, userNamespacePool(), usernsHostOps) : undefined;
  // The network as apply would choose and check it; the addresses are the ADD's (stand-ins here).
  const { loadNetwork, podNetworkName } = require('./network/conflist') as typeof import('./network/conflist');
  const netName = podNetworkName(pod, networkFlag);
  const net = netName === undefined ? undefined : loadNetwork(paths, netName, { dryRun: true });
  const attach = net && { name: net.name, file: net.file, containerId: 'dry-run' };
  const r = planPod(pod, gatherFacts(paths, pod, images, existing?.uid ?? randomUuid(), userNamespace, pending, attach));
  if (!r.plan) return r;
  const running = !!existing && monitorRunning(existing.plan.dirs.lasting);
  let action = applyAction(existing, manifestHash(m, manifestDirOf(pod)), running);
  let detail: string | undefined;
  if (existing && running && action === 'configured' && !existing.deletionTimestamp) {
    // the rules alone (what only the running pod shows, apply finds out)
    const rules = planReapply(existing, { manifest: m, plan: r.plan });
    const d = rules.inPlace ? withUnfinishedReplaces(rules, existing.replacing, r.plan) : rules;
    if (!d.inPlace) [action, detail] = ['recreated', d.why];
    else if (!d.metadata.length && !d.restart.length && d.resize.length) action = 'resized';
    else detail = reapplyDetail(d) || undefined;
  } else if (existing && action === 'configured') action = 'recreated';
  return { action, detail, plan: r.plan, unresolvedImages: unresolved };
}
