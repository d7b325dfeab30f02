// What applying a manifest does to the pod of the same name, shared by apply and its dry run.
import type { PodRecord } from '../state/pod-records';

export type ApplyAction = 'created' | 'configured' | 'unchanged';

/** `unchanged` when the pod was applied from an equal manifest and is not being deleted. */
export function applyAction(existing: PodRecord | undefined, manifestHash: string): ApplyAction {
  if (!existing) return 'created';
  return existing.plan.manifestHash === manifestHash && !existing.deletionTimestamp ? 'unchanged' : 'configured';
}
