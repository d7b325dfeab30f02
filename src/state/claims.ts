// Which pods use a PersistentVolumeClaim: read from the pods' records (their manifests' volumes),
// so `describe pvc` can say "Used By" and `delete pvc` can refuse while a pod still mounts it.
import type { Paths } from '../util/paths';
import { listPodRecords } from './pod-records';

/** Names of the pods of NAMESPACE whose volumes use claim NAME (by persistentVolumeClaim, or their ephemeral one). */
export function claimUsers(paths: Paths, namespace: string, name: string): string[] {
  return listPodRecords(paths, namespace)
    .filter((r) => r.plan.volumes.some((v) => v.kind === 'claim' && v.claim?.name === name))
    .map((r) => r.plan.name);
}
