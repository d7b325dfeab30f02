// One pod deleted by name, as `delete pod NAME` and `apply --prune` do: under its lock, with or
// without a record (a half-created pod too); a pod another command is deleting is waited for (a
// shorter grace takes over: join-delete.ts) and then finished.
import { existsSync } from 'fs';
import { ConflictError } from '../util/errors';
import { lastingPodDir, livePodDir, podKey, type Paths } from '../util/paths';
import { readPodRecord } from '../state/pod-records';
import { withPodLock } from '../state/lock';
import { deletePodLocked, type StopOptions } from './stop';

/** Whether anything of the pod is there: a record, or a dir (a half-created pod). */
export const podExists = (paths: Paths, key: string) => !!readPodRecord(paths, key) || existsSync(lastingPodDir(paths, key)) || existsSync(livePodDir(paths, key));

/** Deletes the pod; false when there is none. */
export async function deletePodNamed(paths: Paths, namespace: string, name: string, opts: StopOptions): Promise<boolean> {
  const key = podKey(namespace, name);
  const exists = () => podExists(paths, key);
  const deleteLocked = () =>
    withPodLock(
      paths,
      key,
      async () => {
        if (!exists()) return false;
        await deletePodLocked(paths, key, opts);
        return true;
      },
      { label: name },
    );
  try {
    return await deleteLocked();
  } catch (e) {
    const record = e instanceof ConflictError ? readPodRecord(paths, key) : undefined;
    if (!record?.deletionTimestamp) throw e;
    await (await import('./join-delete')).joinDelete(paths, key, record, opts.gracePeriodSeconds, opts.watch);
    await deleteLocked();
    return true;
  }
}
