// `apply --dry-run`: the plan each pod would get, computed without changing anything and without
// root. Images are looked up read-only in the store; an absent one stays unresolved in the plan.
import { join } from 'path';
import type { ResolvedImage } from '../images/types';
import type { Paths } from '../util/paths';
import type { PodPlan } from '../plan/types';
import type { LoadedPod } from '../manifest/load';
import { PodManifest, readPodRecord } from '../state/records';
import { ApplyAction, hostFacts, manifestName } from './apply';
import { randomUuid } from '../util/uuid';

export interface DryRunResult {
  action: ApplyAction;
  plan: PodPlan;
  unresolvedImages: string[];
}

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

export async function dryRunPlans(paths: Paths, pods: LoadedPod[]): Promise<DryRunResult[]> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { planPod, manifestHash } = require('../plan/plan') as {
    planPod(pod: LoadedPod, facts: Record<string, unknown>): PodPlan;
    manifestHash(m: unknown): string;
  };
  const out: DryRunResult[] = [];
  for (const pod of pods) {
    const m = pod.manifest as unknown as PodManifest;
    const { key } = manifestName(m);
    const images: Record<string, ResolvedImage> = {};
    const unresolved: string[] = [];
    for (const c of m.spec.containers as { image: string }[]) {
      if (c.image in images || unresolved.includes(c.image)) continue;
      const r = await lookupImage(paths, c.image);
      if (r) images[c.image] = r;
      else unresolved.push(c.image);
    }
    const existing = readPodRecord(paths, key);
    const hash = manifestHash(pod.manifest);
    const action: ApplyAction = !existing ? 'created' : existing.plan.manifestHash === hash ? 'unchanged' : 'configured';
    const plan = planPod(pod, hostFacts(paths, pod, images, existing?.uid ?? randomUuid()));
    out.push({ action, plan, unresolvedImages: unresolved });
  }
  return out;
}
