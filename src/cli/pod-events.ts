// A pod's events, as `describe pod` and `podrun events` show them: what its monitor recorded
// (events.json: the kubelet's reasons, counts and times) and what only podrun can tell.
import type { EventsFile } from '../runtime/helper';
import type { PodSnapshot, PodStatus } from '../runtime/pod-status';
import { humanDuration } from './render';

export interface PodEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  at: string;
  /** kubectl's `(xN over AGE)`: how often the monitor saw it, since when. */
  count?: number;
  /** the container it is about, when it is about one */
  container?: string;
  firstAt?: string;
  message: string;
}

/**
 * The pod's events: those its monitor recorded (events.json, with the kubelet's reasons, counts
 * and times), plus what only podrun can tell (the monitor died, or was stopped by a signal). A
 * pod from before the supervising monitor gets events derived from its state files.
 */
export function podEvents(status: PodStatus, snap: PodSnapshot, recorded: EventsFile | undefined, podRef: string, createdAt: string, deletion: string | undefined): PodEvent[] {
  const out: PodEvent[] = [];
  if (status.reason === 'MonitorDied' && snap.monitorLost) out.push({ type: 'Warning', reason: 'MonitorDied', at: snap.monitorLost.noticedAt, message: status.message ?? '' });
  if (snap.monitor?.stoppedAt && !deletion && !recorded)
    out.push({ type: 'Normal', reason: 'Stopped', at: snap.monitor.stoppedAt, message: `The pod's monitor (pid ${snap.monitor.pid}) was sent SIGTERM and stopped every container` });
  if (recorded) {
    // BackOff's message names the pod as the kubelet formats it, which the monitor leaves to Node.
    const message = (e: EventsFile['events'][number]) => (e.reason === 'BackOff' && !e.message ? `Back-off restarting failed container ${e.container} in pod ${podRef}` : e.message);
    for (const e of recorded.events) out.push({ type: e.type, reason: e.reason, at: e.lastTimestamp, count: e.count, firstAt: e.firstTimestamp, message: message(e), ...(e.container ? { container: e.container } : {}) });
    return out.sort((a, b) => a.at.localeCompare(b.at));
  }
  for (const c of status.containers) {
    out.push({ type: 'Normal', reason: 'Created', at: createdAt, message: `Created container ${c.name}` });
    const s = c.state;
    if (s.kind === 'terminated' && s.reason === 'StartError')
      out.push({ type: 'Warning', reason: 'Failed', at: s.finishedAt, message: `Error: failed to start container "${c.name}": ${s.message ?? 'StartError'}` });
    else if (s.kind === 'running' || (s.kind === 'terminated' && s.startedAt)) {
      out.push({ type: 'Normal', reason: 'Started', at: (s as { startedAt: string }).startedAt, message: `Started container ${c.name}` });
      if (s.kind === 'terminated' && s.reason !== 'Completed')
        out.push({ type: 'Warning', reason: 'Exited', at: s.finishedAt, message: `Container ${c.name} exited: ${s.reason} (exit code ${s.exitCode})` });
    }
    if (deletion) out.push({ type: 'Normal', reason: 'Killing', at: deletion, message: `Stopping container ${c.name}` });
  }
  return out.sort((a, b) => a.at.localeCompare(b.at));
}

/** kubectl's Age column of an event: `42s`, or `5s (x3 over 2m)`. */
export function eventAge(e: PodEvent, now: number): string {
  const last = humanDuration(now - Date.parse(e.at));
  return e.count && e.count > 1 && e.firstAt ? `${last} (x${e.count} over ${humanDuration(now - Date.parse(e.firstAt))})` : last;
}

