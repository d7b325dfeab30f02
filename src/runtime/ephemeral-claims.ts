// Generic ephemeral volumes (KEP-1698): the PersistentVolumeClaim an `ephemeral` volume's template
// describes, named <pod>-<volume>, owned by the pod (ownerReferences, as the ephemeral volume
// controller makes it), created with the pod and deleted with it, data and all. A claim of that
// name that another pod or the user made is not taken over: the apply fails, as the kubelet refuses
// to start such a pod ("PVC ... was not created for pod ...").
import type { PvcObject } from '../manifest/objects';
import type { PodPlan } from '../plan/types';
import { readObject, removeObject, withObjectsLockSync, writeObject, type StoredObject } from '../state/objects';
import { PodrunError } from '../util/errors';
import type { Paths } from '../util/paths';
import { removeTree } from '../util/remove-tree';

const owned = (o: StoredObject | undefined, plan: PodPlan) =>
  ((o?.metadata as { ownerReferences?: { kind: string; uid: string }[] } | undefined)?.ownerReferences ?? []).some((r) => r.kind === 'Pod' && r.uid === plan.uid);

/** Stores the pod's ephemeral claims (before its volumes are made); a name someone else holds is an error. */
export function createEphemeralClaims(paths: Paths, plan: PodPlan): void {
  const claims = plan.volumes.filter((v) => v.claim?.ephemeral);
  if (!claims.length) return;
  withObjectsLockSync(paths, () => {
    for (const v of claims) {
      const c = v.claim!;
      const before = readObject(paths, 'PersistentVolumeClaim', plan.namespace, c.name);
      if (before && !owned(before, plan))
        throw new PodrunError(
          `pod/${plan.name}: volume "${v.name}": persistentvolumeclaim "${c.name}" was not created for pod ${plan.namespace}/${plan.name} (pod is not owner)`,
          `an ephemeral volume's claim is named <pod>-<volume>: rename the volume, or \`podrun delete pvc ${c.name}\` if it is no longer needed`,
        );
      if (before) continue;
      const claim = {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: {
          name: c.name,
          namespace: plan.namespace,
          ...(c.ephemeral!.labels ? { labels: c.ephemeral!.labels } : {}),
          ...(c.ephemeral!.annotations ? { annotations: c.ephemeral!.annotations } : {}),
          ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: plan.name, uid: plan.uid, controller: true, blockOwnerDeletion: true }],
        },
        spec: c.ephemeral!.spec,
      } as unknown as PvcObject;
      writeObject(paths, claim, undefined);
    }
  });
}

/** Deletes the pod's ephemeral claims and their data (delete, and a failed apply's clean-up). */
export function deleteEphemeralClaims(paths: Paths, plan: PodPlan): void {
  const claims = plan.volumes.filter((v) => v.claim?.ephemeral);
  if (!claims.length) return;
  withObjectsLockSync(paths, () => {
    for (const v of claims) {
      if (!owned(readObject(paths, 'PersistentVolumeClaim', plan.namespace, v.claim!.name), plan)) continue;
      removeTree(v.source);
      removeObject(paths, 'PersistentVolumeClaim', plan.namespace, v.claim!.name);
    }
  });
}
