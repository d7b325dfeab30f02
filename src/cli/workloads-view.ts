// How `get` shows workloads: kubectl's columns for deployments, replicasets, statefulsets and
// daemonsets, and `-o yaml|json` as the apps/v1 object with the status its controller would
// report (replicas, readyReplicas, availableReplicas, updatedReplicas, conditions), counted from
// its pods now.
import type { Paths } from '../util/paths';
import type { WorkloadKind } from '../util/kinds';
import type { WorkloadRecord } from '../state/workloads';
import type { DeploymentSpec, JobSpec } from '../manifest/workload-schema';
import { labelSelectorText } from '../util/selector';
import { humanDuration } from './render';

interface Counts {
  desired: number;
  current: number;
  ready: number;
  available: number;
  updated: number;
}

export function counts(paths: Paths, r: WorkloadRecord, records: import('../state/pod-records').PodRecord[]): Counts {
  const { observePods } = require('../runtime/workloads') as typeof import('../runtime/workloads');
  const { revisionLabel } = require('../plan/workload-pods') as typeof import('../plan/workload-pods');
  const { pods } = observePods(paths, r.manifest, records);
  const rev = revisionLabel(r.manifest).value;
  return {
    desired: r.kind === 'DaemonSet' ? 1 : r.manifest.spec.replicas ?? 1,
    current: pods.length,
    ready: pods.filter((p) => p.ready).length,
    available: pods.filter((p) => p.available).length,
    updated: r.kind === 'ReplicaSet' ? pods.length : pods.filter((p) => p.revision === rev).length,
  };
}

/** The header and rows `get` prints for one workload kind (NAMESPACE first with -A). */
export function workloadTable(paths: Paths, kind: WorkloadKind, list: WorkloadRecord[], opts: { all: boolean; wide: boolean }): string[][] {
  const { listPodRecords } = require('../state/pod-records') as typeof import('../state/pod-records');
  const records = listPodRecords(paths);
  const now = Date.now();
  const head = (cols: string[], wide: string[]) => [...(opts.all ? ['NAMESPACE'] : []), ...cols, 'AGE', ...(opts.wide ? wide : [])];
  const containers = (r: WorkloadRecord) => r.manifest.templatePod.spec.containers;
  const wideCols = (r: WorkloadRecord, selector: boolean) =>
    opts.wide ? [containers(r).map((c) => c.name).join(','), containers(r).map((c) => c.image).join(','), ...(selector ? [labelSelectorText(r.manifest.spec.selector ?? {})] : [])] : [];
  const row = (r: WorkloadRecord, cols: string[], selector: boolean) => [...(opts.all ? [r.metadata.namespace] : []), r.metadata.name, ...cols, humanDuration(now - Date.parse(r.metadata.creationTimestamp)), ...wideCols(r, selector)];
  const rows = list.map((r) => ({ r, c: counts(paths, r, records) }));
  switch (kind) {
    case 'Deployment':
      return [head(['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE'], ['CONTAINERS', 'IMAGES', 'SELECTOR']), ...rows.map(({ r, c }) => row(r, [`${c.ready}/${c.desired}`, String(c.updated), String(c.available)], true))];
    case 'ReplicaSet':
      return [head(['NAME', 'DESIRED', 'CURRENT', 'READY'], ['CONTAINERS', 'IMAGES', 'SELECTOR']), ...rows.map(({ r, c }) => row(r, [String(c.desired), String(c.current), String(c.ready)], true))];
    case 'StatefulSet':
      return [head(['NAME', 'READY'], ['CONTAINERS', 'IMAGES']), ...rows.map(({ r, c }) => row(r, [`${c.ready}/${c.desired}`], false))];
    case 'Job':
      return [
        head(['NAME', 'STATUS', 'COMPLETIONS', 'DURATION'], ['CONTAINERS', 'IMAGES', 'SELECTOR']),
        ...list.map((r) => {
          const j = jobView(r, now);
          return [...(opts.all ? [r.metadata.namespace] : []), r.metadata.name, j.status, j.completions, j.duration, humanDuration(now - Date.parse(r.metadata.creationTimestamp)), ...(opts.wide ? [containers(r).map((c) => c.name).join(','), containers(r).map((c) => c.image).join(','), `batch.kubernetes.io/controller-uid=${r.metadata.uid}`] : [])];
        }),
      ];
    case 'DaemonSet':
      return [
        head(['NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR'], ['CONTAINERS', 'IMAGES', 'SELECTOR']),
        ...rows.map(({ r, c }) => {
          const sel = Object.entries(nodeSelector(r)).map(([k, v]) => `${k}=${v}`).join(',') || '<none>';
          return row(r, [String(c.desired), String(c.current), String(c.ready), String(c.updated), String(c.available), sel], true);
        }),
      ];
  }
}

/** The apps/v1 object `get -o yaml|json` prints: the manifest applied, its metadata, and a status from its pods. */
export function k8sWorkload(paths: Paths, r: WorkloadRecord): Record<string, unknown> {
  const { listPodRecords } = require('../state/pod-records') as typeof import('../state/pod-records');
  const records = listPodRecords(paths, r.metadata.namespace);
  if (r.kind === 'Job') return k8sJob(paths, r, records); // its status is the controller's counts
  const c = counts(paths, r, records);
  const m = r.manifest;
  const status: Record<string, unknown> = { observedGeneration: r.metadata.generation, replicas: c.current, readyReplicas: c.ready, availableReplicas: c.available };
  if (r.kind === 'DaemonSet')
    Object.assign(status, { currentNumberScheduled: c.current, desiredNumberScheduled: 1, numberReady: c.ready, numberAvailable: c.available, updatedNumberScheduled: c.updated, numberMisscheduled: 0 });
  else if (r.kind !== 'ReplicaSet') status.updatedReplicas = c.updated;
  if (r.kind === 'Deployment') {
    const s = (m.spec as DeploymentSpec).strategy;
    const { scaled } = require('../plan/workload-pods') as typeof import('../plan/workload-pods');
    const minAvailable = c.desired - (s.type === 'Recreate' ? 0 : scaled(s.rollingUpdate?.maxUnavailable, c.desired, false, '25%'));
    const done = c.updated === c.desired && c.current === c.desired;
    status.conditions = [
      { type: 'Available', status: c.available >= minAvailable ? 'True' : 'False', reason: c.available >= minAvailable ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable' },
      { type: 'Progressing', status: 'True', reason: done ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated' },
    ];
  }
  return {
    apiVersion: 'apps/v1',
    kind: r.kind,
    metadata: { ...m.metadata, uid: r.metadata.uid, creationTimestamp: r.metadata.creationTimestamp, generation: r.metadata.generation },
    spec: { ...m.spec },
    status,
  };
}

/** The template's nodeSelector as written (podrun warns and runs the pod here anyway). */
const nodeSelector = (r: WorkloadRecord) => ((r.manifest.spec.template as { spec?: { nodeSelector?: Record<string, string> } }).spec?.nodeSelector ?? {});

/** kubectl describe of a workload: its selector, replica counts, strategy, template and pods. */
export function describeWorkload(paths: Paths, r: WorkloadRecord): string {
  const { listPodRecords } = require('../state/pod-records') as typeof import('../state/pod-records');
  const { podsOf } = require('../state/workloads') as typeof import('../state/workloads');
  const records = listPodRecords(paths, r.metadata.namespace);
  const c = counts(paths, r, records);
  const m = r.manifest;
  const spec = m.spec as { strategy?: { type: string }; updateStrategy?: { type: string }; podManagementPolicy?: string; serviceName?: string };
  const kv = (k: string, v: string) => `${`${k}:`.padEnd(24)}${v}\n`;
  const map = (o: Record<string, string> | undefined) => Object.entries(o ?? {}).map(([k, v]) => `${k}=${v}`).join(', ') || '<none>';
  let out = kv('Name', r.metadata.name) + kv('Namespace', r.metadata.namespace) + kv('CreationTimestamp', r.metadata.creationTimestamp) + kv('Labels', map(m.metadata.labels)) + kv('Annotations', map(m.metadata.annotations));
  out += kv('Selector', labelSelectorText(m.spec.selector ?? { matchLabels: { 'batch.kubernetes.io/controller-uid': r.metadata.uid } }));
  if (r.kind === 'Job') {
    const j = jobView(r, Date.now());
    const js = m.spec as JobSpec;
    const st = k8sJob(paths, r, records).status as { active: number; succeeded: number; failed: number };
    out += kv('Parallelism', String(js.parallelism)) + kv('Completions', js.completions === undefined ? '<unset>' : String(js.completions)) + kv('Completion Mode', js.completionMode);
    out += kv('Status', j.status) + (r.job?.condition ? kv('Reason', `${r.job.condition.reason}: ${r.job.condition.message}`) : '');
    out += kv('Pods Statuses', `${st.active} Active / ${st.succeeded} Succeeded / ${st.failed} Failed`);
  } else out += kv('Replicas', `${c.desired} desired | ${c.updated} updated | ${c.current} total | ${c.available} available | ${c.current - c.available} unavailable`);
  if (spec.strategy) out += kv('StrategyType', spec.strategy.type);
  if (m.kind === 'Deployment') out += kv('MinReadySeconds', String((m.spec as { minReadySeconds?: number }).minReadySeconds ?? 0));
  const ru = (spec.strategy as { rollingUpdate?: { maxUnavailable?: number | string; maxSurge?: number | string } } | undefined)?.rollingUpdate;
  if (spec.strategy?.type === 'RollingUpdate') out += kv('RollingUpdateStrategy', `${ru?.maxUnavailable ?? '25%'} max unavailable, ${ru?.maxSurge ?? '25%'} max surge`);
  if (spec.updateStrategy) out += kv('Update Strategy', spec.updateStrategy.type);
  if (spec.podManagementPolicy) out += kv('Pod Management Policy', spec.podManagementPolicy);
  if (spec.serviceName) out += kv('Service Name', spec.serviceName);
  out += 'Pod Template:\n' + kv('  Labels', map(m.templatePod.metadata.labels));
  const tspec = m.templatePod.spec as { initContainers?: TemplateContainer[]; containers: TemplateContainer[]; volumes?: { name: string }[] };
  if (tspec.initContainers?.length) out += '  Init Containers:\n' + tspec.initContainers.map(templateContainerText).join('');
  out += '  Containers:\n' + tspec.containers.map(templateContainerText).join('');
  out += `  Volumes:${tspec.volumes?.length ? '\n' + tspec.volumes.map((v) => templateVolumeText(v)).join('') : '        <none>\n'}`;
  for (const t of m.claimTemplates) out += kv('Volume Claim', `${t.name} (${String((t.spec as { resources?: { requests?: { storage?: unknown } } }).resources?.requests?.storage ?? '')})`);
  const pods = podsOf(records, m.kind, r.metadata.namespace, r.metadata.name).map((p) => p.plan.name).sort();
  out += kv('Pods', pods.join(', ') || '<none>');
  return out;
}

/** A container of a workload's pod template, as the manifest has it (describe reads the template, not a pod). */
interface TemplateContainer {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  ports?: { containerPort: number; protocol?: string; hostPort?: number; name?: string }[];
  env?: { name: string; value?: string; valueFrom?: Record<string, Record<string, unknown>> }[];
  resources?: { limits?: Record<string, unknown>; requests?: Record<string, unknown> };
  livenessProbe?: TemplateProbe;
  readinessProbe?: TemplateProbe;
  startupProbe?: TemplateProbe;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean; subPath?: string }[];
}
type TemplateProbe = {
  exec?: { command?: string[] };
  httpGet?: { path?: string; port: number | string; host?: string; scheme?: string };
  tcpSocket?: { port: number | string; host?: string };
  grpc?: { port: number; service?: string };
  initialDelaySeconds?: number;
  timeoutSeconds?: number;
  periodSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
};

/** kubectl's one-line probe: `http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3`. */
export function probeText(p: TemplateProbe): string {
  const how = p.exec
    ? `exec [${(p.exec.command ?? []).join(' ')}]`
    : p.httpGet
      ? `http-get ${(p.httpGet.scheme ?? 'HTTP').toLowerCase()}://${p.httpGet.host ?? ''}:${p.httpGet.port}${p.httpGet.path ?? '/'}`
      : p.tcpSocket
        ? `tcp-socket ${p.tcpSocket.host ?? ''}:${p.tcpSocket.port}`
        : p.grpc
          ? `grpc <pod>:${p.grpc.port} ${p.grpc.service ?? ''}`.trimEnd()
          : 'unknown';
  return `${how} delay=${p.initialDelaySeconds ?? 0}s timeout=${p.timeoutSeconds ?? 1}s period=${p.periodSeconds ?? 10}s #success=${p.successThreshold ?? 1} #failure=${p.failureThreshold ?? 3}`;
}

/** A template container in kubectl describe's layout (image, ports, command, resources, probes, environment, mounts). */
function templateContainerText(ct: TemplateContainer): string {
  const L: string[] = [`   ${ct.name}:`, `    Image:      ${ct.image ?? ''}`];
  const ports = ct.ports ?? [];
  L.push(`    Port:       ${ports.length ? ports.map((p) => `${p.containerPort}/${p.protocol ?? 'TCP'}${p.name ? ` (${p.name})` : ''}`).join(', ') : '<none>'}`);
  L.push(`    Host Port:  ${ports.length ? ports.map((p) => `${p.hostPort ?? 0}/${p.protocol ?? 'TCP'}`).join(', ') : '<none>'}`);
  for (const [title, list] of [['Command', ct.command], ['Args', ct.args]] as const) if (list?.length) L.push(`    ${title}:`, ...list.map((a) => `      ${a}`));
  for (const [title, list] of [['Limits', ct.resources?.limits], ['Requests', ct.resources?.requests]] as const) {
    const names = Object.keys(list ?? {}).sort();
    if (!names.length) continue;
    const w = Math.max(...names.map((n) => n.length)) + 2;
    L.push(`    ${title}:`, ...names.map((n) => `      ${`${n}:`.padEnd(w)}${String(list![n])}`));
  }
  for (const [title, p] of [['Liveness', ct.livenessProbe], ['Readiness', ct.readinessProbe], ['Startup', ct.startupProbe]] as const) if (p) L.push(`    ${`${title}:`.padEnd(11)} ${probeText(p)}`);
  const env = ct.env ?? [];
  L.push(`    Environment:${env.length ? '' : '  <none>'}`);
  for (const e of env) {
    const from = e.valueFrom;
    const shown = from?.fieldRef
      ? ` (${String(from.fieldRef.apiVersion ?? 'v1')}:${String(from.fieldRef.fieldPath)})`
      : from?.resourceFieldRef
        ? ` (${String(from.resourceFieldRef.containerName ?? ct.name)}:${String(from.resourceFieldRef.resource)})`
        : from?.configMapKeyRef
          ? `<set to the key '${String(from.configMapKeyRef.key)}' of config map '${String(from.configMapKeyRef.name)}'>  Optional: ${from.configMapKeyRef.optional === true}`
          : from?.secretKeyRef
            ? `<set to the key '${String(from.secretKeyRef.key)}' in secret '${String(from.secretKeyRef.name)}'>  Optional: ${from.secretKeyRef.optional === true}`
            : (e.value ?? '');
    L.push(`      ${e.name}:  ${shown}`);
  }
  const mounts = ct.volumeMounts ?? [];
  L.push(`    Mounts:${mounts.length ? '' : '       <none>'}`);
  for (const mt of mounts) L.push(`      ${mt.mountPath} from ${mt.name} (${mt.readOnly ? 'ro' : 'rw'}${mt.subPath ? `,path="${mt.subPath}"` : ''})`);
  return L.join('\n') + '\n';
}

/** A template volume: its name and kind (kubectl prints each source's fields; podrun the kind and its main reference). */
function templateVolumeText(v: { name: string } & Record<string, unknown>): string {
  const kind = Object.keys(v).find((k) => k !== 'name') ?? 'emptyDir';
  const src = (v[kind] ?? {}) as Record<string, unknown>;
  const ref = src.claimName ?? src.secretName ?? src.name ?? src.path;
  return `   ${v.name}:\n    Type:  ${kind}${ref !== undefined ? ` (${String(ref)})` : ''}\n`;
}

/** kubectl's STATUS, COMPLETIONS and DURATION of a Job. */
function jobView(r: WorkloadRecord, now: number): { status: string; completions: string; duration: string } {
  const spec = r.manifest.spec as JobSpec;
  const j = r.job;
  const succeeded = j?.counts.succeeded ?? 0;
  const status = j?.condition?.type ?? (spec.suspend ? 'Suspended' : 'Running');
  const completions = spec.completions !== undefined ? `${succeeded}/${spec.completions}` : spec.parallelism > 1 ? `${succeeded}/1 of ${spec.parallelism}` : `${succeeded}/1`;
  const start = j?.counts.startTime;
  const end = j?.condition?.type === 'Complete' ? Date.parse(j.condition.at) : now; // kubectl: until completionTime, which a failed Job has none of
  return { status, completions, duration: start !== undefined ? humanDuration(Math.max(0, end - start)) : '' };
}

/** A Job as `get -o yaml` prints it: the batch/v1 object with its status (counts, conditions, active pods). */
function k8sJob(paths: Paths, r: WorkloadRecord, records: import('../state/pod-records').PodRecord[]): Record<string, unknown> {
  const { podsOf } = require('../state/workloads') as typeof import('../state/workloads');
  const j = r.job;
  const ts = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
  const active = podsOf(records, 'Job', r.metadata.namespace, r.metadata.name).filter((p) => !p.deletionTimestamp && !j?.counted[p.plan.name]).length;
  const indexes = [...(j?.counts.succeededIndexes ?? [])].sort((a, b) => a - b);
  const status: Record<string, unknown> = {
    ...(j?.counts.startTime !== undefined ? { startTime: ts(j.counts.startTime) } : {}),
    ...(j?.condition?.type === 'Complete' ? { completionTime: j.condition.at } : {}),
    active: j?.condition ? 0 : active,
    succeeded: j?.counts.succeeded ?? 0,
    failed: j?.counts.failed ?? 0,
    ...(indexes.length ? { completedIndexes: rangesText(indexes) } : {}),
    ...(j?.condition ? { conditions: [{ type: j.condition.type, status: 'True', reason: j.condition.reason, message: j.condition.message, lastProbeTime: j.condition.at, lastTransitionTime: j.condition.at }] } : {}),
  };
  const m = r.manifest;
  return {
    apiVersion: m.apiVersion,
    kind: 'Job',
    metadata: { ...m.metadata, uid: r.metadata.uid, creationTimestamp: r.metadata.creationTimestamp, generation: r.metadata.generation },
    spec: { ...m.spec, selector: m.spec.selector ?? { matchLabels: { 'batch.kubernetes.io/controller-uid': r.metadata.uid } } },
    status,
  };
}

/** `0-2,5`: the Job's completedIndexes. */
function rangesText(sorted: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    out.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return out.join(',');
}
