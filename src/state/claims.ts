// Which pods use a PersistentVolumeClaim: read from the pods' records (their manifests' volumes),
// so `describe pvc` can say "Used By" and `delete pvc` can refuse while a pod still mounts it.
import type { Paths } from '../util/paths';
import { listPodRecords } from './pod-records';

/** Names of the pods of NAMESPACE whose volumes name claim NAME (directly or as an ephemeral one's). */
export function claimUsers(paths: Paths, namespace: string, name: string): string[] {
  return listPodRecords(paths, namespace)
    .filter((r) => (r.manifest.spec.volumes ?? []).some((v) => (v as { persistentVolumeClaim?: { claimName?: string } }).persistentVolumeClaim?.claimName === name))
    .map((r) => r.plan.name);
}
