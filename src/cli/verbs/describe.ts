// podrun describe pod NAME [-n NS]: kubectl-style detail, with the events the pod's monitor keeps
// (events.json, protocol 8: deduplicated with counts), or for a pod without that file events
// derived from the state files (Created/Started/Failed/Killing from pod.json and state.json).
import { hostname } from 'os';
import type { PlannedVolume } from '../../plan/types';
import { namespaceFrom, namespaceOptions, parsePodArgs } from '../resources';
import { findPod } from '../../state/pod-records';
import type { ContainerStatus, PodSnapshot, PodStatus } from '../../runtime/pod-status';
import type { EventsFile } from '../../runtime/helper';
import { parseArgs } from '../args';
import type { CliContext } from '../context';
import { forEachItem, formatTable, humanDuration, kubeTime } from '../render';

const USAGE = 'podrun describe pod NAME [-n NAMESPACE]';

function kv(map: Record<string, string> | undefined, indent: string): string {
  const e = Object.entries(map ?? {});
  if (!e.length) return '<none>';
  return e.map(([k, v], i) => `${i ? indent : ''}${k}=${v}`).join('\n');
}

interface Event {
  type: 'Normal' | 'Warning';
  reason: string;
  at: string;
  message: string;
  /** The monitor's: how many times, since when (kubectl's `10s (x3 over 1m)`). */
  count?: number;
  first?: string;
}

/** The monitor's events (events.json); BackOff's message names the pod, which only Node knows. */
function monitorEvents(file: EventsFile, pod: string): Event[] {
  return file.events.map((e) => ({
    type: e.type,
    reason: e.reason,
    at: e.lastTimestamp,
    first: e.firstTimestamp,
    count: e.count,
    message: e.reason === 'BackOff' && !e.message ? `Back-off restarting failed container ${e.container} in pod ${pod}` : e.message,
  }));
}

function events(status: PodStatus, snap: PodSnapshot, createdAt: string, deletion: string | undefined, file: EventsFile | undefined, pod: string): Event[] {
  const out: Event[] = [];
  if (file) out.push(...monitorEvents(file, pod));
  if (status.reason === 'MonitorDied' && snap.monitorLost) out.push({ type: 'Warning', reason: 'MonitorDied', at: snap.monitorLost.noticedAt, message: status.message ?? '' });
  if (snap.monitor?.stoppedAt && !deletion)
    out.push({ type: 'Normal', reason: 'Stopped', at: snap.monitor.stoppedAt, message: `The pod's monitor (pid ${snap.monitor.pid}) was sent SIGTERM and stopped every container` });
  for (const c of file ? [] : status.containers) {
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

function stateLines(c: ContainerStatus, pad: string): string[] {
  const s = c.state;
  if (s.kind === 'running') return [`${pad}State:          Running`, `${pad}  Started:      ${kubeTime(s.startedAt)}`];
  if (s.kind === 'waiting') return [`${pad}State:          Waiting`, `${pad}  Reason:       ${s.reason}`, ...(s.message ? [`${pad}  Message:      ${s.message}`] : [])];
  return [
    `${pad}State:          Terminated`,
    `${pad}  Reason:       ${s.reason}`,
    ...(s.message ? [`${pad}  Message:      ${s.message}`] : []),
    `${pad}  Exit Code:    ${s.exitCode}`,
    ...(s.signal ? [`${pad}  Signal:       ${s.signal}`] : []),
    ...(s.startedAt ? [`${pad}  Started:      ${kubeTime(s.startedAt)}`] : []),
    `${pad}  Finished:     ${kubeTime(s.finishedAt)}`,
  ];
}

function volumeLines(v: PlannedVolume): string[] {
  if (v.kind === 'emptyDir')
    return [
      `  ${v.name}:`,
      `    Type:       EmptyDir (a temporary directory that shares a pod's lifetime)`,
      `    Medium:     ${v.tmpfs ? 'Memory' : ''}`,
      `    SizeLimit:  ${v.tmpfs?.sizeBytes ?? v.sizeLimitBytes ?? '<unset>'}`,
    ];
  return [
    `  ${v.name}:`,
    `    Type:          HostPath (bare host directory volume)`,
    `    Path:          ${v.source}`,
    `    HostPathType:  ${v.hostPathType ?? ''}`,
  ];
}

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs(argv, { ...namespaceOptions }, USAGE);
  const addrs = parsePodArgs('describe', positionals, namespaceFrom(values), { required: true, usage: USAGE });
  const { computePodStatus, snapshotPod, formatPod } = await import('../../runtime/pod-status');
  const { readEventsFile } = await import('../../runtime/helper');
  const blocks: string[] = [];
  const code = await forEachItem(addrs, (addr) => {
    const r = findPod(ctx.paths, addr.namespace, addr.name);
    const snap = snapshotPod(r);
    const status = computePodStatus(snap);
    const m = r.manifest;
    const L: string[] = [];
    L.push(`Name:             ${r.plan.name}`);
    L.push(`Namespace:        ${r.plan.namespace}`);
    L.push(`Priority:         0`);
    L.push(`Node:             ${hostname()}/${r.plan.hostIP}`);
    L.push(`Start Time:       ${kubeTime(r.createdAt)}`);
    L.push(`Labels:           ${kv(m.metadata.labels, '                  ')}`);
    L.push(`Annotations:      ${kv(m.metadata.annotations, '                  ')}`);
    L.push(`Status:           ${status.terminating ? 'Terminating' : status.phase}`);
    if (status.reason && !status.terminating) {
      L.push(`Reason:           ${status.reason}`);
      L.push(`Message:          ${status.message ?? ''}`);
    }
    if (r.deletionTimestamp) L.push(`Termination Grace Period:  ${r.plan.terminationGracePeriodSeconds}s`);
    L.push(`IP:               ${r.plan.podIP}`);
    const u = r.plan.userNamespace;
    if (u) L.push(`User Namespace:   uids and gids 0-${u.length - 1} are host ${u.hostId}-${u.hostId + u.length - 1}`);
    L.push(`Containers:`);
    r.plan.containers.forEach((c, i) => {
      const cs = status.containers[i];
      L.push(`  ${c.name}:`);
      L.push(`    Container ID:   ${cs.containerID}`);
      L.push(`    Image:          ${c.image.ref}`);
      L.push(`    Image ID:       ${c.image.imageId ?? ''}`);
      if (c.ports.length) L.push(`    Ports:          ${c.ports.map((p) => `${p.containerPort}/${p.protocol}`).join(', ')}`);
      L.push(`    Command:`);
      for (const a2 of c.argv) L.push(`      ${a2}`);
      L.push(...stateLines(cs, '    '));
      L.push(`    Ready:          ${cs.ready ? 'True' : 'False'}`);
      L.push(`    Restart Count:  ${cs.restartCount}`);
      if (cs.pid !== undefined) L.push(`    Host PID:       ${cs.pid}`);
      // what the kernel confines it with, as `cat /proc/1/attr/current` shows it inside
      const aa = c.security?.appArmor;
      if (aa) L.push(`    AppArmor:       ${aa.profile ? `${aa.profile} (${aa.type})` : 'unconfined'}`);
      const env = c.env.filter((e) => !(c.image.config?.Env ?? []).includes(`${e.name}=${e.value}`));
      L.push(`    Environment:${env.length ? '' : '    <none>'}`);
      for (const e of env) L.push(`      ${e.name}:  ${e.value}`);
      L.push(`    Mounts:${c.mounts.length ? '' : '         <none>'}`);
      for (const mt of c.mounts) L.push(`      ${mt.mountPath} from ${mt.volume} (${mt.readOnly ? 'ro' : 'rw'}${mt.subPath ? `,path="${mt.subPath}"` : ''})`);
    });
    const ready = status.readyCount === status.total ? 'True' : 'False';
    L.push(`Conditions:`);
    L.push(
      formatTable([
        ['Type', 'Status'],
        ['Initialized', 'True'],
        ['Ready', ready],
        ['ContainersReady', ready],
        ['PodScheduled', 'True'],
      ])
        .trimEnd()
        .split('\n')
        .map((l) => `  ${l}`)
        .join('\n'),
    );
    L.push(`Volumes:${r.plan.volumes.length ? '' : '          <none>'}`);
    for (const v of r.plan.volumes) L.push(...volumeLines(v));
    L.push(`QoS Class:        BestEffort`);
    const ev = events(status, snap, r.createdAt, r.deletionTimestamp, readEventsFile(r.plan.dirs.lasting), formatPod(snap));
    if (!ev.length) L.push('Events:           <none>');
    else {
      L.push('Events:');
      const now = Date.now();
      const t = formatTable([
        ['Type', 'Reason', 'Age', 'From', 'Message'],
        ['----', '------', '----', '----', '-------'],
        ...ev.map((e) => [
          e.type,
          e.reason,
          e.count && e.count > 1 && e.first ? `${humanDuration(now - Date.parse(e.at))} (x${e.count} over ${humanDuration(now - Date.parse(e.first))})` : humanDuration(now - Date.parse(e.at)),
          'podrun',
          e.message.replace(/\n$/, ''),
        ]),
      ]);
      L.push(...t.trimEnd().split('\n').map((l) => `  ${l}`));
    }
    blocks.push(L.join('\n') + '\n');
  });
  ctx.out(blocks.join('\n\n'));
  return code;
}
