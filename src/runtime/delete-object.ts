// delete of a ConfigMap, Secret or PersistentVolumeClaim. A claim's directory (its data) goes with
// it, as a dynamically provisioned volume's reclaim policy Delete does; while a pod mounts the
// claim the delete is refused (Kubernetes keeps it Terminating until the pod is gone:
// kubernetes.io/pvc-protection), so no running pod loses its data under it.
import type { ObjectKind } from '../util/kinds';
import { claimUsers } from '../state/claims';
import { claimDir, readObject, removeObject, withObjectsLock } from '../state/objects';
import { ConflictError } from '../util/errors';
import type { Paths } from '../util/paths';
import { removeTree } from '../util/remove-tree';

/** True when it was there. */
export async function deleteObject(paths: Paths, kind: ObjectKind, namespace: string, name: string): Promise<boolean> {
  return withObjectsLock(paths, () => {
    if (!readObject(paths, kind, namespace, name)) return false;
    if (kind === 'PersistentVolumeClaim') {
      const users = claimUsers(paths, namespace, name);
      if (users.length)
        throw new ConflictError(
          `persistentvolumeclaim "${name}" is used by pod${users.length > 1 ? 's' : ''} ${users.join(', ')}`,
          `delete ${users.length > 1 ? 'them' : 'it'} first (\`podrun delete pod ${users.join(' ')}\`); the claim's data goes with the claim`,
        );
      removeTree(claimDir(paths, namespace, name));
    }
    return removeObject(paths, kind, namespace, name);
  });
}
