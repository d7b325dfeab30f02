// podrun get pods|configmaps|secrets|pvc [NAME...] [-n NS | -A] [-o wide|json|yaml|name]; also
// `get pod NAME` and `get cm/NAME`. Columns and AGE as kubectl prints them; json/yaml are v1
// objects (a List for several).
import { isPendingAddress } from '../../plan/network';
import { finishLeftovers } from '../sync';
import { hostname } from 'os';
import { UsageError } from '../../util/errors';
import { namespaceFrom, namespaceOptions, parseResourceArgs, type ResourceAddress, type ResourceKind, allNamespacesOption } from '../resources';
import { isWorkloadKind, kindWord, OBJECT_KINDS, WORKLOAD_KINDS, type ObjectKind, type WorkloadKind } from '../../util/kinds';
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
  usage: "podrun get TYPE[,TYPE...] [NAME...] | TYPE/NAME... | all [-l SELECTOR] [--field-selector SEL] [-n NAMESPACE | -A] [-o wide|json|yaml|name|jsonpath=TEMPLATE|custom-columns=SPEC] [--sort-by PATH] [--show-labels] [--no-headers]",
  description:
    'List pods, deployments, replicasets, statefulsets, daemonsets, jobs, services, configmaps, secrets and persistentvolumeclaims, in kubectl\'s columns, or print them as Kubernetes objects (-o yaml).',
  examples: [
    ['the pods in the default namespace', 'podrun get pods'],
    ['every pod, with its IP and node', 'podrun get pods -A -o wide'],
    ['the pods labelled app=web, with their labels', 'podrun get pods -l app=web --show-labels'],
    ['one deployment as YAML', 'podrun get deploy/web -o yaml'],
    ['the names and IPs of the running pods, oldest first', "podrun get pods --field-selector status.phase=Running --sort-by .metadata.creationTimestamp -o custom-columns=NAME:.metadata.name,IP:.status.podIP"],
    ['every pod name, one a line', "podrun get pods -o jsonpath='{range .items[*]}{.metadata.name}{\"\\n\"}{end}'"],
  ],
  options: {
    ...namespaceOptions,
    ...allNamespacesOption,
    output: { type: 'string', short: 'o', arg: 'FORMAT', help: "wide, json, yaml, name, jsonpath=TEMPLATE or custom-columns=HEADER:PATH,... (kubectl's)", complete: ['wide', 'json', 'yaml', 'name', 'jsonpath=', 'custom-columns='] },
    'sort-by': { type: 'string', arg: 'PATH', help: "order by this field (a JSONPath: .metadata.name, '{.status.startTime}')" },
    'field-selector': { type: 'string', arg: 'SELECTOR', help: 'only what has these field values: metadata.name=web, status.phase!=Running (comma-separated)' },
    selector: { type: 'string', short: 'l', arg: 'SELECTOR', help: 'only what has these labels: key=value, key!=value, key in (a,b), key, !key (comma-separated)' },
    'show-labels': { type: 'boolean', help: 'add a LABELS column' },
    'no-headers': { type: 'boolean', help: 'leave out the header line' },
    watch: { type: 'boolean', short: 'w', help: 'after the table, print each row again as it changes (until Ctrl-C)' },
    'watch-only': { type: 'boolean', help: 'only the changes, without the table first' },
  },
  operands: ['resource-types', 'resource-names'],
  repeatLast: true,
};
const USAGE = spec.usage;
const OUTPUTS = ['wide', 'json', 'yaml', 'name'];

/** kubectl's `get all`: the kinds that run (not ConfigMaps, Secrets, claims), in its order. */
const ALL_KINDS: ResourceKind[] = ['Pod', 'Service', 'DaemonSet', 'Deployment', 'ReplicaSet', 'StatefulSet', 'Job'];

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs(argv, spec);
  requireRoot('get');
  const output = str(values.output);
  const template = output?.match(/^jsonpath=(.*)$/s)?.[1];
  const columns = output?.match(/^custom-columns=(.*)$/s)?.[1];
  if (output !== undefined && !OUTPUTS.includes(output) && template === undefined && columns === undefined)
    throw new UsageError(`-o: unknown output format '${output}'`, `use one of ${OUTPUTS.join(', ')}, jsonpath=TEMPLATE or custom-columns=SPEC`);
  // checked before anything is read: a bad template or column says so at once
  const { parseTemplate, renderTemplate } = await import('../../util/jsonpath-template');
  const templateNodes = template !== undefined ? parseTemplate(unquote(template)) : undefined;
  const columnSpec = columns !== undefined ? parseColumns(columns) : undefined;
  const sortBy = str(values['sort-by']);
  const { findJsonPath, parseJsonPath } = await import('../../util/jsonpath');
  const sortPath = sortBy !== undefined ? parseJsonPath(sortBy) : undefined;
  const all = values['all-namespaces'] === true;
  if (all && values.namespace) throw new UsageError('-A and -n cannot be used together');
  const ns = namespaceFrom(values);
  const groups = requestedKinds(positionals, ns);
  const addrs = groups.flatMap((g) => g.addrs);
  if (all && addrs.length) throw new UsageError('-A lists every object of a type; name them with -n NAMESPACE instead');
  const selector = str(values.selector) || undefined; // -l '' selects everything, as kubectl's
  if (selector !== undefined && addrs.length) throw new UsageError('name cannot be provided when a selector is specified', 'either name the objects or select them with -l');
  const reqs = selector !== undefined ? parseSelector(selector) : undefined;
  const o: ListOptions = { all, ns, output, selected: (labels) => !reqs || selectorMatches(reqs, labels), selecting: reqs !== undefined };
  const table = { labels: values['show-labels'] === true, headers: values['no-headers'] !== true };
  if (groups.some((g) => g.kind === 'Pod' || g.kind === 'Job')) await finishLeftovers(ctx); // a Job's lost controller is started again

  // Each kind found on its own; then printed together, as kubectl prints `get all` or `get po,svc`.
  const several = groups.length > 1;
  const fieldText = str(values['field-selector']);
  const collect = async () => {
    let code = 0;
    const found: Array<{ view: KindView; items: unknown[] }> = [];
    for (const g of groups) {
      const view = await kindView(ctx, g.kind);
      const r = await view.find(g.addrs, o);
      code = Math.max(code, r.code);
      let items = r.items;
      // --field-selector and --sort-by look at the objects as -o json shows them
      if (fieldText !== undefined || sortPath) {
        const { fieldsMatch, parseFieldSelector } = await import('../../util/field-selector');
        const reqs = fieldText !== undefined ? parseFieldSelector(fieldText, g.kind, view.plural) : [];
        const objects = view.objects(items);
        let pairs = items.map((item, i) => ({ item, key: sortPath ? findJsonPath(sortPath, objects[i])[0] : undefined, object: objects[i] })).filter((p) => fieldsMatch(reqs, p.object));
        if (sortPath) pairs = sortedBy(pairs);
        items = pairs.map((p) => p.item);
      }
      found.push({ view, items });
    }
    return { found, code };
  };
  /** A kind's table rows (header first); with several kinds each name says its type: pod/web, deployment.apps/web. */
  const tableOf = (f: { view: KindView; items: unknown[] }) => {
    const rows = f.view.table(f.items, { all, wide: output === 'wide' });
    const name = rows[0].indexOf('NAME');
    if (several) for (const row of rows.slice(1)) row[name] = `${f.view.type}/${row[name]}`;
    return rows;
  };
  if (values.watch || values['watch-only']) {
    if (output !== undefined && output !== 'wide' && output !== 'name') throw new UsageError('--watch prints the table (or -o wide, -o name) as objects change', 'leave -o out, or use podrun wait for a condition');
    return watchGet(ctx, collect, tableOf, { name: output === 'name', only: values['watch-only'] === true, table, labels: table.labels });
  }
  const { found, code } = await collect();
  const named = addrs.length > 0;
  const single = named && addrs.length === 1 && !several;
  if (templateNodes) {
    const objects = found.flatMap((f) => f.view.objects(f.items));
    if (single && !objects.length) return code;
    ctx.out(renderTemplate(templateNodes, single ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects, metadata: { resourceVersion: '' } }));
    return code;
  }
  if (columnSpec) {
    const objects = found.flatMap((f) => f.view.objects(f.items));
    if (!objects.length) {
      if (!named) writeErr(all ? 'No resources found\n' : `No resources found in ${ns} namespace.\n`);
      return code;
    }
    const cell = (o: unknown, path: ReturnType<typeof parseJsonPath>) => {
      const vs = findJsonPath(path, o);
      return vs.length ? vs.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(',') : '<none>';
    };
    const rows = [columnSpec.map((c) => c.header), ...objects.map((o) => columnSpec.map((c) => cell(o, c.path)))];
    ctx.out(formatTable(rows).split('\n').slice(table.headers ? 0 : 1).join('\n'));
    return code;
  }
  if (output === 'json' || output === 'yaml') {
    const objects = found.flatMap((f) => f.view.objects(f.items));
    if (single) {
      if (objects.length) await printObjects(ctx, output, objects);
    } else await printObjects(ctx, output, objects, { list: true });
    return code;
  }
  if (output === 'name') {
    ctx.out(found.flatMap((f) => f.view.names(f.items).map((n) => `${f.view.type}/${n}\n`)).join(''));
    return code;
  }
  const tables = found.filter((f) => f.items.length).map((f) => finishTable(tableOf(f), f.view.labels(f.items), table));
  if (!tables.length) {
    if (!named) writeErr(all ? 'No resources found\n' : `No resources found in ${ns} namespace.\n`);
    return code;
  }
  ctx.out(tables.join('\n'));
  return code;
}

/**
 * `get -w`: the table, then each row again when it changes (a new object, another status, one
 * gone: its last row), as kubectl's watch prints them; polled every 500 ms until Ctrl-C. Rows keep
 * the first table's column widths. --watch-only: only the changes.
 */
async function watchGet(
  ctx: CliContext,
  collect: () => Promise<{ found: Array<{ view: KindView; items: unknown[] }> }>,
  tableOf: (f: { view: KindView; items: unknown[] }) => string[][],
  o: { name: boolean; only: boolean; table: TableOptions; labels: boolean },
): Promise<number> {
  // an object's row is printed when the object changes (as -o json shows it), not when its AGE ticks
  let seen = new Map<string, { sig: string; row: string }>();
  let widths: number[] | undefined;
  const line = (cells: string[]) => {
    widths = cells.map((c, i) => Math.max(widths?.[i] ?? 0, c.length));
    return cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths![i] + 3))).join('').trimEnd() + '\n';
  };
  for (let first = true; ; first = false) {
    const { found } = await collect();
    const now = new Map<string, { sig: string; row: string }>();
    let out = '';
    for (const f of found) {
      const names = f.view.names(f.items);
      const objects = f.view.objects(f.items);
      const sigs = objects.map((x) => JSON.stringify(x));
      if (o.name) {
        // keyed by namespace too: -A may list two objects of one name
        names.forEach((n, i) => now.set(`${f.view.type}/${(objects[i] as { metadata?: { namespace?: string } }).metadata?.namespace ?? ''}/${n}`, { sig: sigs[i], row: `${f.view.type}/${n}\n` }));
        continue;
      }
      const labels = f.view.labels(f.items);
      const cells = tableOf(f).map((r, i) => (o.labels ? [...r, i === 0 ? 'LABELS' : labelsText(labels[i - 1])] : r));
      if (!widths) cells.forEach((r) => (widths = r.map((c, i) => Math.max(widths?.[i] ?? 0, c.length))));
      if (first && !o.only && o.table.headers && names.length) out += line(cells[0]);
      // keyed by kind, first column (the namespace with -A) and name
      cells.slice(1).forEach((r, i) => now.set(`${f.view.type}/${r[0]}/${names[i]}`, { sig: sigs[i], row: line(r) }));
    }
    if (first && o.only) seen = now;
    for (const [k, v] of now) if (seen.get(k)?.sig !== v.sig) out += v.row;
    for (const [k, v] of seen) if (!now.has(k)) out += v.row; // gone: its last row, as kubectl prints a DELETED event
    if (out) ctx.out(out);
    seen = now;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** kubectl takes `-o jsonpath='{...}'` with the quotes kept when a shell did not take them. */
const unquote = (t: string) => (/^'.*'$|^".*"$/s.test(t) ? t.slice(1, -1) : t);

/** `NAME:.metadata.name,IP:{.status.podIP}`: kubectl's custom-columns. */
function parseColumns(spec: string): Array<{ header: string; path: ReturnType<typeof import('../../util/jsonpath').parseJsonPath> }> {
  const { parseJsonPath } = require('../../util/jsonpath') as typeof import('../../util/jsonpath');
  return unquote(spec)
    .split(',')
    .map((part) => {
      const colon = part.indexOf(':');
      if (colon <= 0 || colon === part.length - 1) throw new UsageError(`custom-columns: '${part}' is not HEADER:PATH`, 'e.g. -o custom-columns=NAME:.metadata.name,IP:.status.podIP');
      return { header: part.slice(0, colon), path: parseJsonPath(part.slice(colon + 1)) };
    });
}

/** --sort-by's order: numbers as numbers, times and text as text (RFC 3339 sorts as text); a missing value first, as kubectl. */
function sortedBy<T extends { key: unknown }>(pairs: T[]): T[] {
  const rank = (v: unknown) => (v === undefined || v === null ? 0 : typeof v === 'number' ? 1 : 2);
  return [...pairs].sort((a, b) => {
    const d = rank(a.key) - rank(b.key);
    if (d || rank(a.key) === 0) return d;
    if (typeof a.key === 'number' && typeof b.key === 'number') return a.key - b.key;
    const x = typeof a.key === 'string' ? a.key : JSON.stringify(a.key);
    const y = typeof b.key === 'string' ? b.key : JSON.stringify(b.key);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

const typeWordOf = (k: ResourceKind) => (isWorkloadKind(k) ? WORKLOAD_KINDS[k].singular : kindWord(k));

/** The kinds and names asked for: `pods`, `po,svc [NAME...]`, `all`, `pod/a svc/b` (grouped by kind, in the order given). */
function requestedKinds(positionals: string[], ns: string): Array<{ kind: ResourceKind; addrs: ResourceAddress[] }> {
  if (!positionals.length) parseResourceArgs('get', positionals, ns, { required: false, usage: USAGE }); // names the types
  const first = positionals[0];
  if (!first.includes('/') && (first.includes(',') || first === 'all')) {
    const words = first.split(',').flatMap((w) => (w === 'all' ? ALL_KINDS.map(typeWordOf) : [w]));
    const kinds: ResourceKind[] = [];
    for (const w of words) {
      const { kind } = parseResourceArgs('get', [w], ns, { required: false, usage: USAGE });
      if (!kinds.includes(kind)) kinds.push(kind);
    }
    return kinds.map((kind) => ({ kind, addrs: parseResourceArgs('get', [typeWordOf(kind), ...positionals.slice(1)], ns, { required: false, usage: USAGE }).addrs }));
  }
  const { kind, addrs } = parseResourceArgs('get', positionals, ns, { required: false, usage: USAGE });
  if (!addrs.length) return [{ kind, addrs }];
  const groups: Array<{ kind: ResourceKind; addrs: ResourceAddress[] }> = [];
  for (const a of addrs) {
    const g = groups.find((x) => x.kind === a.kind);
    if (g) g.addrs.push(a);
    else groups.push({ kind: a.kind, addrs: [a] });
  }
  return groups;
}

type TableOptions = { labels: boolean; headers: boolean };

/** kubectl's LABELS cell: keys sorted, `k=v,...`, `<none>`. */
const labelsText = (l: Record<string, string> | undefined) =>
  Object.keys(l ?? {})
    .sort()
    .map((k) => `${k}=${l![k]}`)
    .join(',') || '<none>';

/** A table as `get` prints it: `--show-labels` adds kubectl's LABELS column (keys sorted, `<none>`), `--no-headers` drops the header. */
function finishTable(rows: string[][], labels: (Record<string, string> | undefined)[], o: TableOptions): string {
  const withLabels = o.labels ? rows.map((r, i) => [...r, i === 0 ? 'LABELS' : labelsText(labels[i - 1])]) : rows;
  return formatTable(withLabels).split('\n').slice(o.headers ? 0 : 1).join('\n');
}

interface ListOptions {
  all: boolean;
  ns: string;
  output?: string;
  /** -l: whether an object's labels are selected */
  selected: (labels: Record<string, string> | undefined) => boolean;
  selecting: boolean;
}

/**
 * What `get` needs of one kind: its TYPE word as kubectl prints it before a name, the objects
 * named (each not found said on its own) or listed, and how they look as objects, names and rows.
 */
interface KindView {
  type: string;
  /** kubectl's resource name (`pods`, `deployments`): in --field-selector's error */
  plural: string;
  find(addrs: ResourceAddress[], o: ListOptions): Promise<{ items: unknown[]; code: number }>;
  objects(items: unknown[]): unknown[];
  names(items: unknown[]): string[];
  table(items: unknown[], o: { all: boolean; wide: boolean }): string[][];
  labels(items: unknown[]): (Record<string, string> | undefined)[];
}

async function kindView(ctx: CliContext, kind: ResourceKind): Promise<KindView> {
  if (kind === 'Pod') return podView(ctx);
  if (isWorkloadKind(kind)) return workloadView(ctx, kind);
  return objectView(ctx, kind);
}

/** Named: each found or said not found (forEachItem); else every one of the namespace (or -A) that -l selects. */
async function findEach<T>(addrs: ResourceAddress[], read: (a: ResourceAddress) => T, list: () => T[]): Promise<{ items: unknown[]; code: number }> {
  if (!addrs.length) return { items: list(), code: 0 };
  const items: T[] = [];
  const code = await forEachItem(addrs, (a) => void items.push(read(a)));
  return { items, code };
}

/** Pods, and the pod dirs without a readable record (an apply killed while it made it): listed, so that nothing on disk is hidden; `delete` removes them. */
async function podView(ctx: CliContext): Promise<KindView> {
  const { computePodStatus, k8sPod, snapshotPod } = await import('../../runtime/pod-status');
  type Item = { r: PodRecord; snap: ReturnType<typeof snapshotPod>; status: ReturnType<typeof computePodStatus> } | { bare: { namespace: string; name: string; key: string } };
  const view = (r: PodRecord): Item => {
    const snap = snapshotPod(r);
    return { r, snap, status: computePodStatus(snap) };
  };
  const node = hostname();
  return {
    type: 'pod',
    plural: 'pods',
    async find(addrs, o) {
      if (addrs.length) return findEach(addrs, (a) => view(findPod(ctx.paths, a.namespace, a.name)), () => []);
      const listed = listPodRecords(ctx.paths, o.all ? undefined : o.ns);
      // (a bare pod has no labels to select by)
      const bare = o.selecting ? [] : podsWithoutRecord(ctx.paths, o.all ? undefined : o.ns, listed);
      return { items: [...listed.filter((r) => o.selected(r.manifest.metadata.labels)).map(view), ...bare.map((b) => ({ bare: b }))], code: 0 };
    },
    objects: (items) =>
      (items as Item[]).map((v) =>
        'bare' in v
          ? {
              apiVersion: 'v1',
              kind: 'Pod',
              metadata: { name: v.bare.name, namespace: v.bare.namespace },
              status: { phase: 'Unknown', reason: 'NoRecord', message: 'the pod has a directory but no readable record: an apply was interrupted; `podrun delete pod` removes it' },
            }
          : k8sPod(v.status, v.snap),
      ),
    names: (items) => (items as Item[]).map((v) => ('bare' in v ? v.bare.name : v.r.plan.name)),
    labels: (items) => (items as Item[]).map((v) => ('bare' in v ? undefined : v.r.manifest.metadata.labels)),
    table(items, { all, wide }) {
      const now = Date.now();
      const head = [...(all ? ['NAMESPACE'] : []), 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', ...(wide ? ['IP', 'NODE', 'CONTAINERS'] : [])];
      const rows = (items as Item[]).map((v) => {
        if ('bare' in v) return [...(all ? [v.bare.namespace] : []), v.bare.name, '0/0', 'Unknown', '0', humanDuration(now - dirTime(lastingPodDir(ctx.paths, v.bare.key))), ...(wide ? ['<none>', node, '<none>'] : [])];
        const { r, status } = v;
        return [
          ...(all ? [r.plan.namespace] : []),
          r.plan.name,
          `${status.readyCount}/${status.total}`,
          status.display,
          status.lastRestartAt ? `${status.restarts} (${humanDuration(now - Date.parse(status.lastRestartAt))} ago)` : String(status.restarts),
          humanDuration(now - Date.parse(r.createdAt)),
          ...(wide ? [(!isPendingAddress(r.plan.podIP) && r.plan.podIP) || '<none>', node, r.plan.containers.map((c) => c.name).join(',')] : []),
        ];
      });
      return [head, ...rows];
    },
  };
}

/** ConfigMaps, Secrets, claims, Services: the same shapes as pods. */
async function objectView(ctx: CliContext, kind: ObjectKind): Promise<KindView> {
  const { listObjects, objectNotFound, readObject } = await import('../../state/objects');
  const { objectTable } = await import('../objects-view');
  type Item = NonNullable<ReturnType<typeof readObject>>;
  return {
    type: OBJECT_KINDS[kind].singular,
    plural: OBJECT_KINDS[kind].plural,
    find: (addrs, o) =>
      findEach(
        addrs,
        (a) => readObject(ctx.paths, kind, a.namespace, a.name) ?? (() => { throw objectNotFound(kind, a.namespace, a.name); })(),
        () => listObjects(ctx.paths, kind, o.all ? undefined : o.ns).filter((x) => o.selected(x.metadata.labels)),
      ),
    objects: (items) => items,
    names: (items) => (items as Item[]).map((x) => x.metadata.name),
    labels: (items) => (items as Item[]).map((x) => x.metadata.labels),
    table: (items, o) => objectTable(ctx.paths, kind, items as Item[], o),
  };
}

/** Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs: kubectl's columns, counted from the pods now. */
async function workloadView(ctx: CliContext, kind: WorkloadKind): Promise<KindView> {
  const { listWorkloads, readWorkload, workloadNotFound } = await import('../../state/workloads');
  const { k8sWorkload, workloadTable } = await import('../workloads-view');
  type Item = NonNullable<ReturnType<typeof readWorkload>>;
  const k = WORKLOAD_KINDS[kind];
  return {
    type: `${k.singular}.${k.group}`,
    plural: k.plural,
    find: (addrs, o) =>
      findEach(
        addrs,
        (a) => readWorkload(ctx.paths, kind, a.namespace, a.name) ?? (() => { throw workloadNotFound(kind, a.namespace, a.name); })(),
        () => listWorkloads(ctx.paths, kind, o.all ? undefined : o.ns).filter((r) => o.selected(r.metadata.labels)),
      ),
    objects: (items) => (items as Item[]).map((r) => k8sWorkload(ctx.paths, r)),
    names: (items) => (items as Item[]).map((r) => r.metadata.name),
    labels: (items) => (items as Item[]).map((r) => r.metadata.labels),
    table: (items, o) => workloadTable(ctx.paths, kind, items as Item[], o),
  };
}
