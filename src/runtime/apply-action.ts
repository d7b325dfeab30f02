// What applying a manifest does to the pod of the same name, shared by apply and its dry run.
import type { PodRecord } from '../state/pod-records';

/**
 * `recreated`: same manifest, but no monitor runs the pod any more (it died, or its apply was
 * interrupted); `resized`: only cpu and memory changed, applied in place (plan/resize.ts).
 */
export type ApplyAction = 'created' | 'configured' | 'unchanged' | 'recreated' | 'resized';

/**
 * `unchanged` when the pod was applied from an equal manifest, is not being deleted and its
 * monitor runs (`running`); the same manifest without a monitor is `recreated`, as kubelet
 * recreates a pod's sandbox.
 */
export function applyAction(existing: PodRecord | undefined, manifestHash: string, running: boolean): ApplyAction {
  if (!existing) return 'created';
  if (existing.plan.manifestHash !== manifestHash || existing.deletionTimestamp || existing.replacing?.length) return 'configured';
  return running ? 'unchanged' : 'recreated';
}
