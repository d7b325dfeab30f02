// podrun get pods|configmaps|secrets|pvc [NAME...] [-n NS | -A] [-o wide|json|yaml|name]; also
// `get pod NAME` and `get cm/NAME`. Columns and AGE as kubectl prints them; json/yaml are v1
// objects (a List for several).
import { isPendingAddress } from '../../plan/network';
import { finishLeftovers } from '../sync';
import { hostname } from 'os';
import { UsageError } from '../../util/errors';
import { namespaceFrom, namespaceOptions, parseResourceArgs, type ResourceAddress, allNamespacesOption } from '../resources';
import { isWorkloadKind, type ObjectKind, type WorkloadKind } from '../../util/kinds';
import { statSync } from 'fs';
import { findPod, listPodRecords, podsWithoutRecord, type PodRecord } from '../../state/pod-records';
import { lastingPodDir } from '../../util/paths';
import { parseArgs, str, type VerbSpec } from '../args';
import { requireRoot } from '../root';
import type { CliContext } from '../context';
import { writeErr } from '../output';
import { forEachItem, formatTable, humanDuration, printObjects } from '../render';
import { parseSelector, selectorMatches } from '../../util/selector';

const dirTime = (dir: string) => {
  try {
    return statSync(dir).mtimeMs;
  } catch {
    return Date.now();
  }
};

export const spec: VerbSpec = {
  name: 'get',
  usage: 'podrun get TYPE [NAME...] | TYPE/NAME... [-l SELECTOR] [-n NAMESPACE | -A] [-o wide|json|yaml|name] [--show-labels] [--no-headers]',
  description:
    'List pods, deployments, replicasets, statefulsets, daemonsets, jobs, services, configmaps, secrets and persistentvolumeclaims, in kubectl\'s columns, or print them as Kubernetes objects (-o yaml).',
  examples: [
    ['the pods in the default namespace', 'podrun get pods'],
    ['every pod, with its IP and node', 'podrun get pods -A -o wide'],
    ['the pods labelled app=web, with their labels', 'podrun get pods -l app=web --show-labels'],
    ['one deployment as YAML', 'podrun get deploy/web -o yaml'],
  ],
  options: {
    ...namespaceOptions,
    ...allNamespacesOption,
    output: { type: 'string', short: 'o', arg: 'wide|json|yaml|name', help: 'the output format', complete: ['wide', 'json', 'yaml', 'name'] },
    selector: { type: 'string', short: 'l', arg: 'SELECTOR', help: 'only what has these labels: key=value, key!=value, key in (a,b), key, !key (comma-separated)' },
    'show-labels': { type: 'boolean', help: 'add a LABELS column' },
    'no-headers': { type: 'boolean', help: 'leave out the header line' },
  },
  operands: ['resource-types', 'resource-names'],
};
const USAGE = spec.usage;
const OUTPUTS = ['wide', 'json', 'yaml', 'name'];

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs(argv, spec);
  requireRoot('get');
  const output = str(values.output);
  if (output !== undefined && !OUTPUTS.includes(output))
    throw new UsageError(`-o: unknown output format '${output}'`, `use one of ${OUTPUTS.join(', ')}`);
  const all = values['all-namespaces'] === true;
  if (all && values.namespace) throw new UsageError('-A and -n cannot be used together');
  const ns = namespaceFrom(values);
  const { kind, addrs } = parseResourceArgs('get', positionals, ns, { required: false, usage: USAGE });
  if (all && addrs.length) throw new UsageError('-A lists every object of a type; name them with -n NAMESPACE instead');
  if (addrs.some((a) => a.kind !== kind)) throw new UsageError('get one type at a time', `e.g. 'podrun get ${positionals[0]}'`);
  const selector = str(values.selector) || undefined; // -l '' selects everything, as kubectl's
  if (selector !== undefined && addrs.length) throw new UsageError('name cannot be provided when a selector is specified', 'either name the objects or select them with -l');
  const reqs = selector !== undefined ? parseSelector(selector) : undefined;
  const table = { labels: values['show-labels'] === true, headers: values['no-headers'] !== true };
  const selected = (labels: Record<string, string> | undefined) => !reqs || selectorMatches(reqs, labels);
  if (isWorkloadKind(kind)) {
    if (kind === 'Job') await finishLeftovers(ctx); // a Job's lost controller is started again
    return getWorkloads(ctx, kind, addrs, { all, ns, output, selected, table });
  }
  if (kind !== 'Pod') return getObjects(ctx, kind, addrs, { all, ns, output, selected, table });

  await finishLeftovers(ctx);
  const { computePodStatus, k8sPod, snapshotPod } = await import('../../runtime/pod-status');
  const named = addrs.length > 0;
  let records: PodRecord[] = [];
  let code = 0;
  if (named) code = await forEachItem(addrs, (a) => void records.push(findPod(ctx.paths, a.namespace, a.name)));
  const listed = named ? [] : listPodRecords(ctx.paths, all ? undefined : ns);
  if (!named) records = listed.filter((r) => selected(r.manifest.metadata.labels));

  const views = records.map((r) => {
    const snap = snapshotPod(r);
    return { r, snap, status: computePodStatus(snap) };
  });
  // A pod dir without a readable record (an apply killed while it made it): listed, so that
  // nothing on disk is hidden; `delete` removes it.
  // (they have no labels to select by)
  const bare = named || reqs ? [] : podsWithoutRecord(ctx.paths, all ? undefined : ns, listed);

  if (output === 'json' || output === 'yaml') {
    const objs = [
      ...views.map((v) => k8sPod(v.status, v.snap)),
      ...bare.map((b) => ({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: b.name, namespace: b.namespace },
        status: { phase: 'Unknown', reason: 'NoRecord', message: 'the pod has a directory but no readable record: an apply was interrupted; `podrun delete pod` removes it' },
      })),
    ];
    if (named && addrs.length === 1 && objs.length === 0) return code;
    await printObjects(ctx, output, objs, { list: !(named && addrs.length === 1) });
    return code;
  }
  if (output === 'name') {
    ctx.out([...views.map((v) => v.r.plan.name), ...bare.map((b) => b.name)].map((n) => `pod/${n}\n`).join(''));
    return code;
  }
  if (views.length === 0 && bare.length === 0) {
    if (!named) writeErr(all ? 'No resources found\n' : `No resources found in ${ns} namespace.\n`);
    return code;
  }
  const wide = output === 'wide';
  const head = [...(all ? ['NAMESPACE'] : []), 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', ...(wide ? ['IP', 'NODE', 'CONTAINERS'] : [])];
  const node = hostname();
  const now = Date.now();
  const rows = views.map(({ r, status }) => [
    ...(all ? [r.plan.namespace] : []),
    r.plan.name,
    `${status.readyCount}/${status.total}`,
    status.display,
    status.lastRestartAt ? `${status.restarts} (${humanDuration(now - Date.parse(status.lastRestartAt))} ago)` : String(status.restarts),
    humanDuration(now - Date.parse(r.createdAt)),
    ...(wide ? [(!isPendingAddress(r.plan.podIP) && r.plan.podIP) || '<none>', node, r.plan.containers.map((c) => c.name).join(',')] : []),
  ]);
  for (const b of bare)
    rows.push([...(all ? [b.namespace] : []), b.name, '0/0', 'Unknown', '0', humanDuration(now - dirTime(lastingPodDir(ctx.paths, b.key))), ...(wide ? ['<none>', node, '<none>'] : [])]);
  ctx.out(finishTable([head, ...rows], [...views.map((v) => v.r.manifest.metadata.labels), ...bare.map(() => undefined)], table));
  return code;
}

type TableOptions = { labels: boolean; headers: boolean };

/** A table as `get` prints it: `--show-labels` adds kubectl's LABELS column (keys sorted, `<none>`), `--no-headers` drops the header. */
function finishTable(rows: string[][], labels: (Record<string, string> | undefined)[], o: TableOptions): string {
  const text = (l: Record<string, string> | undefined) => Object.keys(l ?? {}).sort().map((k) => `${k}=${l![k]}`).join(',') || '<none>';
  const withLabels = o.labels ? rows.map((r, i) => [...r, i === 0 ? 'LABELS' : text(labels[i - 1])]) : rows;
  return formatTable(withLabels).split('\n').slice(o.headers ? 0 : 1).join('\n');
}

interface ListOptions {
  all: boolean;
  ns: string;
  output?: string;
  /** -l: whether an object's labels are selected */
  selected: (labels: Record<string, string> | undefined) => boolean;
  table: TableOptions;
}

/** `get configmaps|secrets|pvc`: the same shapes as for pods. */
async function getObjects(ctx: CliContext, kind: ObjectKind, addrs: ResourceAddress[], o: ListOptions): Promise<number> {
  const { listObjects, objectNotFound, readObject } = await import('../../state/objects');
  const { OBJECT_KINDS } = await import('../../util/kinds');
  const named = addrs.length > 0;
  const found = named ? [] : listObjects(ctx.paths, kind, o.all ? undefined : o.ns).filter((x) => o.selected(x.metadata.labels));
  const code = await forEachItem(addrs, (a) => {
    const obj = readObject(ctx.paths, kind, a.namespace, a.name);
    if (!obj) throw objectNotFound(kind, a.namespace, a.name);
    found.push(obj);
  });
  if (o.output === 'json' || o.output === 'yaml') {
    if (found.length || !named) await printObjects(ctx, o.output, found, { list: !(named && addrs.length === 1) });
    return code;
  }
  if (o.output === 'name') {
    ctx.out(found.map((x) => `${OBJECT_KINDS[kind].singular}/${x.metadata.name}\n`).join(''));
    return code;
  }
  if (!found.length) {
    if (!named) writeErr(o.all ? 'No resources found\n' : `No resources found in ${o.ns} namespace.\n`);
    return code;
  }
  const { objectTable } = await import('../objects-view');
  ctx.out(finishTable(objectTable(ctx.paths, kind, found, { all: o.all, wide: o.output === 'wide' }), found.map((x) => x.metadata.labels), o.table));
  return code;
}

/** `get deployments|replicasets|statefulsets|daemonsets`: kubectl's columns, counted from the pods now. */
async function getWorkloads(ctx: CliContext, kind: WorkloadKind, addrs: ResourceAddress[], o: ListOptions): Promise<number> {
  const { listWorkloads, readWorkload, workloadNotFound } = await import('../../state/workloads');
  const { WORKLOAD_KINDS } = await import('../../util/kinds');
  const { k8sWorkload, workloadTable } = await import('../workloads-view');
  const named = addrs.length > 0;
  const found = named ? [] : listWorkloads(ctx.paths, kind, o.all ? undefined : o.ns).filter((r) => o.selected(r.metadata.labels));
  const code = await forEachItem(addrs, (a) => {
    const r = readWorkload(ctx.paths, kind, a.namespace, a.name);
    if (!r) throw workloadNotFound(kind, a.namespace, a.name);
    found.push(r);
  });
  if (o.output === 'json' || o.output === 'yaml') {
    if (found.length || !named) await printObjects(ctx, o.output, found.map((r) => k8sWorkload(ctx.paths, r)), { list: !(named && addrs.length === 1) });
    return code;
  }
  if (o.output === 'name') {
    const k = WORKLOAD_KINDS[kind];
    ctx.out(found.map((r) => `${k.singular}.${k.group}/${r.metadata.name}\n`).join(''));
    return code;
  }
  if (!found.length) {
    if (!named) writeErr(o.all ? 'No resources found\n' : `No resources found in ${o.ns} namespace.\n`);
    return code;
  }
  ctx.out(finishTable(workloadTable(ctx.paths, kind, found, { all: o.all, wide: o.output === 'wide' }), found.map((r) => r.metadata.labels), o.table));
  return code;
}
