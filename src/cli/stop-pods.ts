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
export async function stopPods(ctx: CliContext, pods: PodName[], graceSeconds: number | undefined, watch: GraceWatch, say: (pod: PodName) => void | Promise<void>): Promise<number> {
  const { acquirePodLock } = await import('../state/lock');
  const { beginDeleteLocked, deletePodLocked } = await import('../runtime/stop');
  const { deletePodNamed, podExists } = await import('../runtime/delete-pod');
  const warn = (e: Error) => writeErr(`warning: ${e.message}\n`);
  // Every lock first, held to the end of each pod's delete: no other command gets in between.
  const held: { pod: PodName; release: () => void }[] = [];
  const busy: PodName[] = [];
  try {
    for (const p of pods) {
      const key = podKey(p.namespace, p.name);
      let release: () => void;
      try {
        release = acquirePodLock(ctx.paths, key, p.name).release;
      } catch (e) {
        if (!(e instanceof ConflictError)) throw e;
        busy.push(p); // being changed: deleted below as `delete` does, waiting for that
        continue;
      }
      if (!podExists(ctx.paths, key)) {
        release();
        continue;
      }
      held.push({ pod: p, release });
      await beginDeleteLocked(ctx.paths, key, graceSeconds);
    }
    let code = await forEachItem([...held], async (h) => {
      try {
        await deletePodLocked(ctx.paths, podKey(h.pod.namespace, h.pod.name), { gracePeriodSeconds: graceSeconds, warn, watch });
      } finally {
        h.release();
        held.splice(held.indexOf(h), 1);
      }
      await say(h.pod);
    });
    code = Math.max(
      code,
      await forEachItem(busy, async (p) => {
        if (await deletePodNamed(ctx.paths, p.namespace, p.name, { gracePeriodSeconds: graceSeconds, warn, watch })) await say(p);
      }),
    );
    return code;
  } finally {
    for (const h of held) h.release();
    await syncServicesAfter(ctx);
  }
}
