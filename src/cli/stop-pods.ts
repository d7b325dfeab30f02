// Stopping a set of pods together, as `up` does on Ctrl-C and `down` does: every pod's stop is
// begun first (marked, Terminating, its monitor asked: runtime/stop.ts beginDeleteLocked), so
// that their grace periods run at the same time, as compose stops its services; then each is
// deleted in turn, which waits for its own. Claims (PVCs) and hostPath data are never touched.
import { ConflictError } from '../util/errors';
import { podKey } from '../util/paths';
import type { GraceWatch } from '../runtime/stop';
import type { CliContext } from './context';
import { writeErr } from './output';
import { forEachItem } from './render';
import { syncServicesAfter } from './sync';

export interface PodName {
  namespace: string;
  name: string;
}

/** Deletes PODS (those not there are skipped), saying each deleted with SAY; returns the exit code. */
export async function stopPods(ctx: CliContext, pods: PodName[], graceSeconds: number | undefined, watch: GraceWatch, say: (pod: PodName) => void): Promise<number> {
  const { withPodLock } = await import('../state/lock');
  const { beginDeleteLocked } = await import('../runtime/stop');
  const { deletePodNamed } = await import('../runtime/delete-pod');
  for (const p of pods) {
    try {
      await withPodLock(ctx.paths, podKey(p.namespace, p.name), () => beginDeleteLocked(ctx.paths, podKey(p.namespace, p.name), graceSeconds), { label: p.name });
    } catch (e) {
      if (!(e instanceof ConflictError)) throw e; // being changed: its delete below waits for that
    }
  }
  const warn = (e: Error) => writeErr(`warning: ${e.message}\n`);
  const code = await forEachItem(pods, async (p) => {
    if (await deletePodNamed(ctx.paths, p.namespace, p.name, { gracePeriodSeconds: graceSeconds, warn, watch })) say(p);
  });
  await syncServicesAfter(ctx);
  return code;
}
