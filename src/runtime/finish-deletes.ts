// Deletes that were cut short (the CLI killed, a second Ctrl-C, a closed terminal) are finished
// by the next podrun command: deletePodLocked (and beginDeleteLocked, for `up` and `down`) marks
// each pod it starts to delete (state/deleting-marks.ts) and deletePodLocked unmarks it when the pod is gone, so the common case (nothing marked)
// costs one readdir. The pod's monitor goes on with the stop on its own (it was asked before the
// CLI waited); what is left for the next command is the part only the CLI does: the network, the
// cgroup, the dirs. A pod still in its grace period stays Terminating, as the kubelet keeps it.
import { ConflictError } from '../util/errors';
import { lastingPodDir, type Paths } from '../util/paths';
import { readPodRecord } from '../state/pod-records';
import { isAlive } from '../state/proc';
import { markedDeletes, unmarkDeleting } from '../state/deleting-marks';
import { helper, monitorProcesses } from './helper';

/**
 * Finishes the marked deletes no other command is doing (their lock is free): a pod whose
 * monitor is gone is removed; one whose monitor lives is left stopping, asked again with what is
 * left of its grace period if the cut-short delete never got to ask. Returns the pods removed.
 */
export async function finishInterruptedDeletes(paths: Paths, warn: (e: Error) => void, only?: string): Promise<string[]> {
  const keys = markedDeletes(paths).filter((k) => only === undefined || k === only);
  if (!keys.length) return [];
  const { acquirePodLock } = await import('../state/lock');
  const { deletePodLocked } = await import('./stop');
  const done: string[] = [];
  for (const key of keys) {
    let lock;
    try {
      lock = acquirePodLock(paths, key, key);
    } catch (e) {
      if (e instanceof ConflictError) continue; // a delete or apply is at it now
      throw e;
    }
    try {
      const record = readPodRecord(paths, key);
      // A record not Terminating: the mark is stale (the delete failed before it wrote the
      // record, or an apply made the pod again since); that pod is not to be deleted.
      if (record && !record.deletionTimestamp) {
        unmarkDeleting(paths, key);
        continue;
      }
      const lasting = lastingPodDir(paths, key);
      const { monitor } = monitorProcesses(helper.readMonitorFile(lasting));
      if (monitor && isAlive(monitor)) {
        await askToStop(paths, key, lasting);
        continue;
      }
      await deletePodLocked(paths, key, { gracePeriodSeconds: 0, warn });
      done.push(key);
    } catch (e) {
      // One pod that cannot be removed (a mount left in its dir) must not fail every command.
      warn(new Error(`pod ${key.slice(key.indexOf('_') + 1)} was being deleted and cannot be removed yet: ${(e as Error).message}`));
    } finally {
      lock.release();
    }
  }
  return done;
}

/** A monitor not yet stopping (the delete was cut short before it asked): `stop` with the grace left, not waited for. */
async function askToStop(paths: Paths, key: string, lasting: string): Promise<void> {
  const { tellMonitor, controlStatus } = await import('./control');
  const st = await controlStatus(lasting, 1000);
  if (!st || st.stopping) return;
  const record = readPodRecord(paths, key);
  if (!record?.deletionTimestamp) return;
  const grace = (record.deletionGracePeriodSeconds ?? record.plan.terminationGracePeriodSeconds) * 1000;
  const left = Math.max(0, Date.parse(record.deletionTimestamp) + grace - Date.now());
  await tellMonitor(lasting, `stop ${Math.round(Math.min(left, 86_400_000))}`);
}
