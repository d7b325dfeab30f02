// A delete of a pod another command is deleting (its lock is held, its record says Terminating):
// as a second `kubectl delete` does, it waits for the pod to go, and a shorter grace period
// (`--now`, `--grace-period N`) takes over: the monitor is asked again, and a second stop only
// shortens the first (supervise.c pod_stop). The first delete then finishes its work; this one
// returns once the lock is free, and the caller deletes whatever is left under it: when the
// other command was an apply re-creating the pod, that is the pod it made (apply, then delete).
import { ConflictError } from '../util/errors';
import { podLockHeld } from '../state/lock';
import type { PodRecord } from '../state/pod-records';
import type { Paths } from '../util/paths';
import { MONITOR_STOP_MARGIN_MS, graceDeadline, type GraceWatch } from './stop';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** After the stop, what the other command may still do: remove the pod's parts, or (an apply re-creating it) start the new one. */
const AFTER_STOP_MS = 60_000;

/** How long the other delete may still take: what is left of its grace, the minimum, the monitor's margin and the rest. */
function otherDeleteLeftMs(record: PodRecord): number {
  const grace = record.deletionGracePeriodSeconds ?? record.plan.terminationGracePeriodSeconds;
  const end = graceDeadline(grace, Date.parse(record.deletionTimestamp ?? new Date().toISOString()));
  return Math.max(0, end - Date.now()) + (record.plan.supervision?.minGraceMs ?? 2000) + MONITOR_STOP_MARGIN_MS + AFTER_STOP_MS;
}

export async function joinDelete(paths: Paths, key: string, record: PodRecord, graceSeconds: number | undefined, watch?: GraceWatch): Promise<void> {
  const { tellMonitor } = await import('./control');
  // not waited for: the pod is down when the other command lets go of the lock
  const shorten = (seconds: number) => void tellMonitor(record.plan.dirs.lasting, seconds === 0 ? 'kill' : `stop ${graceDeadline(seconds, 0)}`);
  if (graceSeconds !== undefined) shorten(graceSeconds);
  const leftMs = graceSeconds !== undefined ? Math.min(otherDeleteLeftMs(record), graceDeadline(graceSeconds, 0) + MONITOR_STOP_MARGIN_MS + AFTER_STOP_MS) : otherDeleteLeftMs(record);
  const deadline = Date.now() + leftMs;
  // the line counts the other delete's grace period; LEFTMS is only when this one gives up
  const grace = graceDeadline(graceSeconds ?? record.deletionGracePeriodSeconds ?? record.plan.terminationGracePeriodSeconds, 0);
  const began = Date.parse(record.deletionTimestamp ?? '');
  const wait = watch?.begin(`pod/${record.plan.name}`, grace, Number.isFinite(began) && graceSeconds === undefined ? began : undefined);
  void wait?.now.then(() => shorten(0));
  try {
    while (podLockHeld(paths, key)) {
      if (Date.now() > deadline)
        throw new ConflictError(`pod ${record.plan.name} is still being deleted by another podrun command`, `run \`podrun delete pod ${record.plan.name} --now\` to kill it at once`);
      await sleep(50);
    }
  } finally {
    wait?.end();
  }
}
