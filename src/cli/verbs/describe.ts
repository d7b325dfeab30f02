// podrun describe pod|configmap|secret|pvc NAME [-n NS]: kubectl-style detail: for a pod, init
// containers and containers with their state and last state, the conditions, and the events the
// pod's monitor recorded; for the other kinds, objects-view.ts.
import { isPendingAddress } from '../../plan/network';
import { hostname } from 'os';
import type { PlannedContainer, PlannedVolume, PodPlan } from '../../plan/types';
import { replaceRefTokens } from '../../plan/env-refs';
import { namespaceFrom, namespaceOptions, parseResourceArgs, type ResourceAddress } from '../resources';
import { isWorkloadKind } from '../../util/kinds';
import { findPod } from '../../state/pod-records';
import type { ContainerState, ContainerStatus } from '../../runtime/pod-status';
import { parseArgs, type VerbSpec } from '../args';
import { requireRoot } from '../root';
import type { CliContext } from '../context';
import { eventAge, podEvents } from '../pod-events';
import { forEachItem, formatTable, kubeTime } from '../render';

export const spec: VerbSpec = {
  name: 'describe',
  usage: 'podrun describe TYPE NAME... | TYPE/NAME... [-n NAMESPACE]',
  description: "Show a pod, workload or object in detail, with its events, as kubectl describe does.",
  examples: [
    ['a pod, its containers and events', 'podrun describe pod web'],
    ['a deployment', 'podrun describe deploy/web'],
  ],
  options: { ...namespaceOptions },
  operands: ['resource-types', 'resource-names'],
  repeatLast: true,
};
const USAGE = spec.usage;

function kv(map: Record<string, string> | undefined, indent: string): string {
  const e = Object.entries(map ?? {});
  if (!e.length) return '<none>';
  return e.map(([k, v], i) => `${i ? indent : ''}${k}=${v}`).join('\n');
}

/** kubectl's State: / Last State: lines. */
function stateLines(s: ContainerState, pad: string, label: string): string[] {
  const head = `${pad}${label.padEnd(16)}`;
  if (s.kind === 'running') return [`${head}Running`, `${pad}  Started:      ${kubeTime(s.startedAt)}`];
  if (s.kind === 'waiting') return [`${head}Waiting`, `${pad}  Reason:       ${s.reason}`, ...(s.message ? [`${pad}  Message:      ${s.message}`] : [])];
  return [
    `${head}Terminated`,
    `${pad}  Reason:       ${s.reason}`,
    ...(s.message ? [`${pad}  Message:      ${s.message}`] : []),
    `${pad}  Exit Code:    ${s.exitCode}`,
    ...(s.signal ? [`${pad}  Signal:       ${s.signal}`] : []),
    ...(s.startedAt ? [`${pad}  Started:      ${kubeTime(s.startedAt)}`] : []),
    `${pad}  Finished:     ${kubeTime(s.finishedAt)}`,
  ];
}

function containerLines(c: PlannedContainer, cs: ContainerStatus, L: string[], plan: Pick<PodPlan, 'envRefs' | 'envRefNonce'>): void {
  L.push(`  ${c.name}:`);
  L.push(`    Container ID:   ${cs.containerID}`);
  L.push(`    Image:          ${c.image.ref}`);
  L.push(`    Image ID:       ${c.image.imageId ?? ''}`);
  if (c.ports.length) L.push(`    Ports:          ${c.ports.map((p) => `${p.containerPort}/${p.protocol}`).join(', ')}`);
  L.push(`    Command:`);
  for (const a of c.argv) L.push(`      ${a}`);
  L.push(...stateLines(cs.state, '    ', 'State:'));
  if (cs.lastState) L.push(...stateLines(cs.lastState, '    ', 'Last State:'));
  L.push(`    Ready:          ${cs.ready ? 'True' : 'False'}`);
  L.push(`    Restart Count:  ${cs.restartCount}`);
  // kubectl's describe: each list, its names sorted, values in canonical form
  for (const [title, list] of [['Limits', c.resources?.limits], ['Requests', c.resources?.requests]] as const) {
    const names = Object.keys(list ?? {}).sort();
    if (!names.length) continue;
    L.push(`    ${title}:`);
    const w = Math.max(...names.map((n) => n.length)) + 2;
    for (const n of names) L.push(`      ${`${n}:`.padEnd(w)}${list![n]}`);
  }
  if (cs.pid !== undefined) L.push(`    Host PID:       ${cs.pid}`);
  // what the kernel confines it with, as `cat /proc/1/attr/current` shows it inside
  const aa = c.security?.appArmor;
  if (aa) L.push(`    AppArmor:       ${aa.profile ? `${aa.profile} (${aa.type})` : 'unconfined'}`);
  const env = c.env.filter((e) => !(c.image.config?.Env ?? []).includes(`${e.name}=${e.value}`));
  L.push(`    Environment:${env.length ? '' : '    <none>'}`);
  // a value from a ConfigMap or Secret (a token in the plan) is named, never shown, as kubectl does
  const refs = plan.envRefs ?? [];
  const shown = (v: string) => replaceRefTokens(v, refs, plan.envRefNonce, (r) => (r.kind === 'Secret' ? `<set to the key '${r.key}' in secret '${r.name}'>` : `<set to the key '${r.key}' of config map '${r.name}'>`));
  for (const e of env) L.push(`      ${e.name}:  ${shown(e.value)}`);
  L.push(`    Mounts:${c.mounts.length ? '' : '         <none>'}`);
  for (const mt of c.mounts) L.push(`      ${mt.mountPath} from ${mt.volume} (${mt.readOnly ? 'ro' : 'rw'}${mt.subPath ? `,path="${mt.subPath}"` : ''})`);
}

function volumeLines(v: PlannedVolume): string[] {
  if (v.kind === 'emptyDir')
    return [
      `  ${v.name}:`,
      `    Type:       EmptyDir (a temporary directory that shares a pod's lifetime)`,
      `    Medium:     ${v.tmpfs ? 'Memory' : (v.hugetlbfs?.medium ?? '')}`,
      `    SizeLimit:  ${v.tmpfs?.sizeBytes ?? v.sizeLimitBytes ?? '<unset>'}`,
    ];
  if (v.kind === 'claim')
    return [`  ${v.name}:`, `    Type:       PersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)`, `    ClaimName:  ${v.claim!.name}`, `    ReadOnly:   ${v.claim!.readOnly}`];
  if (v.kind === 'config') {
    const s = v.config!.sources;
    const one = s.length === 1 ? s[0] : undefined;
    if (one?.kind === 'ConfigMap') return [`  ${v.name}:`, `    Type:      ConfigMap (a volume populated by a ConfigMap)`, `    Name:      ${one.name}`, `    Optional:  ${one.optional}`];
    if (one?.kind === 'Secret') return [`  ${v.name}:`, `    Type:        Secret (a volume populated by a Secret)`, `    SecretName:  ${one.name}`, `    Optional:    ${one.optional}`];
    if (one?.kind === 'DownwardAPI') return [`  ${v.name}:`, `    Type:  DownwardAPI (a volume populated by information about the pod)`, `    Items: ${one.files.map((f) => f.path).join(', ')}`];
    return [
      `  ${v.name}:`,
      `    Type:                    Projected (a volume that contains injected data from multiple sources)`,
      ...s.map((x) => (x.kind === 'ConfigMap' ? `    ConfigMapName:           ${x.name}` : x.kind === 'Secret' ? `    SecretName:              ${x.name}` : x.kind === 'DownwardAPI' ? `    DownwardAPI:             true` : `    ServiceAccountToken:     none (podrun has no API server)`)),
    ];
  }
  return [
    `  ${v.name}:`,
    `    Type:          HostPath (bare host directory volume)`,
    `    Path:          ${v.source}`,
    `    HostPathType:  ${v.hostPathType ?? ''}`,
  ];
}

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs(argv, spec);
  requireRoot('describe');
  const { addrs } = parseResourceArgs('describe', positionals, namespaceFrom(values), { required: true, usage: USAGE });
  if (addrs.some((a) => a.kind !== 'Pod')) return describeObjects(ctx, addrs);
  const { computePodStatus, formatPod, k8sPodStatus, snapshotPod } = await import('../../runtime/pod-status');
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
    const ip = isPendingAddress(r.plan.podIP) ? '' : r.plan.podIP;
    L.push(`IP:               ${ip}`);
    if (ip) L.push('IPs:', ...(r.plan.network?.ips ?? [ip]).map((x) => `  IP:           ${x}`));
    const u = r.plan.userNamespace;
    if (u) L.push(`User Namespace:   uids and gids 0-${u.length - 1} are host ${u.hostId}-${u.hostId + u.length - 1}`);
    const block = (c: PlannedContainer, cs: ContainerStatus) => containerLines(c, cs, L, r.plan);
    if (r.plan.initContainers?.length) {
      L.push(`Init Containers:`);
      r.plan.initContainers.forEach((c, i) => block(c, status.initContainers[i]));
    }
    L.push(`Containers:`);
    r.plan.containers.forEach((c, i) => block(c, status.containers[i]));
    const conditions = k8sPodStatus(status, snap).conditions as { type: string; status: string }[];
    L.push(`Conditions:`);
    L.push(
      formatTable([['Type', 'Status'], ...conditions.map((c) => [c.type, c.status])])
        .trimEnd()
        .split('\n')
        .map((l) => `  ${l}`)
        .join('\n'),
    );
    L.push(`Volumes:${r.plan.volumes.length ? '' : '          <none>'}`);
    for (const v of r.plan.volumes) L.push(...volumeLines(v));
    L.push(`QoS Class:        ${r.plan.qosClass ?? 'BestEffort'}`);
    const ev = podEvents(status, snap, readEventsFile(r.plan.dirs.lasting), formatPod(snap), r.createdAt, r.deletionTimestamp);
    if (!ev.length) L.push('Events:           <none>');
    else {
      L.push('Events:');
      const now = Date.now();
      const t = formatTable([
        ['Type', 'Reason', 'Age', 'From', 'Message'],
        ['----', '------', '----', '----', '-------'],
        ...ev.map((e) => [e.type, e.reason, eventAge(e, now), 'podrun', e.message]),
      ]);
      L.push(...t.trimEnd().split('\n').map((l) => `  ${l}`));
    }
    blocks.push(L.join('\n') + '\n');
  });
  ctx.out(blocks.join('\n\n'));
  return code;
}

/** describe of ConfigMaps, Secrets and claims (and pods among them, as kubectl takes mixed TYPE/NAME). */
async function describeObjects(ctx: CliContext, addrs: ResourceAddress[]): Promise<number> {
  const { objectNotFound, readObject } = await import('../../state/objects');
  const { describeObject, describeService } = await import('../objects-view');
  const { claimUsers } = await import('../../state/claims');
  const blocks: string[] = [];
  const code = await forEachItem(addrs, async (a) => {
    if (a.kind === 'Pod') {
      const out: string[] = [];
      await run(['pod', a.name, '-n', a.namespace], { ...ctx, out: (s) => void out.push(s) });
      blocks.push(out.join(''));
      return;
    }
    if (isWorkloadKind(a.kind)) {
      const { readWorkload, workloadNotFound } = await import('../../state/workloads');
      const r = readWorkload(ctx.paths, a.kind, a.namespace, a.name);
      if (!r) throw workloadNotFound(a.kind, a.namespace, a.name);
      blocks.push((await import('../workloads-view')).describeWorkload(ctx.paths, r));
      return;
    }
    const o = readObject(ctx.paths, a.kind, a.namespace, a.name);
    if (!o) throw objectNotFound(a.kind, a.namespace, a.name);
    if (a.kind === 'Service') {
      const { currentEndpoints } = await import('../../runtime/network/services-sync');
      const e = currentEndpoints(ctx.paths).find((x) => x.service.metadata.namespace === a.namespace && x.service.metadata.name === a.name);
      blocks.push(describeService(ctx.paths, o, (e?.ports ?? []).map((p) => p.targets.map((t) => `${t.ip}:${t.port}`))));
      return;
    }
    blocks.push(describeObject(ctx.paths, o, a.kind === 'PersistentVolumeClaim' ? claimUsers(ctx.paths, a.namespace, a.name) : []));
  });
  ctx.out(blocks.join('\n\n'));
  return code;
}
