// podrun top pod [NAME...] [-n NS | -A] [--containers] [--no-headers] [--sort-by cpu|memory]
// [-o json]: CPU and memory of pods and their containers from their cgroups, as `kubectl top pod`
// prints what metrics-server computes (kubelet-resources.md §8): CPU is the rate over a window
// (two samples WINDOW apart; metrics-server uses its last two scrapes), memory the working set.
import { UsageError } from '../../util/errors';
import { namespaceFrom, namespaceOptions, parsePodArgs, allNamespacesOption } from '../resources';
import { parseArgs, str, type VerbSpec } from '../args';
import { requireRoot } from '../root';
import type { CliContext } from '../context';
import { writeErr } from '../output';
import type { PodRecord } from '../../state/pod-records';
import type { PlannedCgroup } from '../../plan/types';

export const spec: VerbSpec = {
  name: 'top',
  usage: 'podrun top pod [NAME...] [-n NAMESPACE | -A] [--containers] [--no-headers] [--sort-by cpu|memory] [--window MS] [-o json]',
  description: "Show the CPU and memory of pods (and containers), from their cgroups, as kubectl top pod does.",
  examples: [
    ['every pod in the default namespace', 'podrun top pod'],
    ['per container, the busiest first', 'podrun top pod --containers --sort-by cpu'],
  ],
  options: {
    ...namespaceOptions,
    ...allNamespacesOption,
    containers: { type: 'boolean', help: 'a line per container' },
    'no-headers': { type: 'boolean', help: 'leave out the header line' },
    'sort-by': { type: 'string', arg: 'cpu|memory', help: 'sort, highest first', complete: ['cpu', 'memory'] },
    window: { type: 'string', arg: 'MS', help: 'the CPU sampling window in milliseconds (default 1000)' },
    output: { type: 'string', short: 'o', arg: 'json', help: 'print JSON instead of a table', complete: ['json'] },
  },
  operands: [['pod'], 'pods'],
  repeatLast: true,
};
const USAGE = spec.usage;
/** The sampling window: metrics-server's shortest resolution is 10 s; a CLI waits 1 s. */
const DEFAULT_WINDOW_MS = 1000;

interface Row {
  namespace: string;
  pod: string;
  container: string;
  nanocores?: number;
  memoryBytes?: number;
}

/** T8.4: CPU rounded up to the millicore, memory rounded down to the MiB. */
export const cpuCell = (nanocores: number) => `${Math.ceil(nanocores / 1e6)}m`;
export const memoryCell = (bytes: number) => `${Math.floor(bytes / 1048576)}Mi`;

/** T8.6: kubectl's tabwriter: every cell padded to the column's widest + 3, at least 6. */
export function topTable(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(6, ...rows.map((r) => r[i].length + 3)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('')).join('\n') + '\n';
}

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs(argv, spec);
  requireRoot('top', "it reads the pods' cgroups");
  if (positionals[0] === undefined || !['pod', 'pods', 'po'].includes(positionals[0].split('/')[0]))
    throw new UsageError('podrun top shows pods: `podrun top pod [NAME]`', `usage: ${USAGE}`);
  const output = str(values.output);
  if (output !== undefined && output !== 'json') throw new UsageError(`-o ${output}: expected json`, `usage: ${USAGE}`);
  const sortBy = str(values['sort-by']);
  if (sortBy !== undefined && sortBy !== 'cpu' && sortBy !== 'memory') throw new UsageError(`--sort-by ${sortBy}: expected cpu or memory`, `usage: ${USAGE}`);
  const windowMs = values.window === undefined ? DEFAULT_WINDOW_MS : Number(str(values.window));
  if (!Number.isInteger(windowMs) || windowMs < 10 || windowMs > 60_000) throw new UsageError(`--window ${str(values.window)}: expected milliseconds from 10 to 60000`, `usage: ${USAGE}`);
  const all = values['all-namespaces'] === true;
  if (all && values.namespace) throw new UsageError('-A and -n cannot be used together');
  const ns = namespaceFrom(values);
  const addrs = parsePodArgs('top', positionals, ns, { required: false, usage: USAGE });
  if (all && addrs.length) throw new UsageError('-A lists every pod; name pods with -n NAMESPACE instead');

  const { findPod, listPodRecords } = await import('../../state/pod-records');
  const { forEachItem } = await import('../render');
  const { sampleUsage } = await import('../../runtime/cgroup/usage');
  let records: PodRecord[] = [];
  let code = 0;
  if (addrs.length) code = await forEachItem(addrs, (a) => void records.push(findPod(ctx.paths, a.namespace, a.name)));
  else records = listPodRecords(ctx.paths, all ? undefined : ns);
  if (!records.length) {
    if (!addrs.length) writeErr(all ? 'No resources found\n' : `No resources found in ${ns} namespace.\n`);
    return code;
  }
  // Only app containers, as the kubelet reports them (T8.1); sampled together, WINDOW apart.
  const targets = records.flatMap((r) => r.plan.containers.filter((c) => c.cgroup).map((c) => ({ r, name: c.name, cg: c.cgroup as PlannedCgroup })));
  const first = targets.map((t) => ({ t: process.hrtime.bigint(), s: sampleUsage(t.cg) }));
  await new Promise((res) => setTimeout(res, windowMs));
  const rows: Row[] = targets.map((t, i) => {
    const s = sampleUsage(t.cg);
    const dt = Number(process.hrtime.bigint() - first[i].t);
    const a = first[i].s.cpuNs;
    const b = s.cpuNs;
    // a counter that went back drops the point, as metrics-server does (the cgroup outlives restarts, so it never should)
    const nanocores = a !== undefined && b !== undefined && b >= a ? Math.floor(((b - a) / dt) * 1e9) : undefined;
    return { namespace: t.r.plan.namespace, pod: t.r.plan.name, container: t.name, nanocores, memoryBytes: s.memoryBytes };
  });
  const missing = rows.filter((r) => r.nanocores === undefined || r.memoryBytes === undefined);
  if (missing.length === rows.length) throw new UsageError('metrics not available yet', 'the pods have no cgroup with cpu and memory accounting here (`podrun info` shows the controllers)');

  type Item = { namespace: string; pod: string; container?: string; nanocores: number; memoryBytes: number };
  const byPod = new Map<string, Item>();
  const items: Item[] = [];
  for (const r of rows) {
    if (r.nanocores === undefined || r.memoryBytes === undefined) continue;
    if (values.containers) items.push({ namespace: r.namespace, pod: r.pod, container: r.container, nanocores: r.nanocores, memoryBytes: r.memoryBytes });
    const k = `${r.namespace}/${r.pod}`;
    const p = byPod.get(k) ?? { namespace: r.namespace, pod: r.pod, nanocores: 0, memoryBytes: 0 };
    p.nanocores += r.nanocores;
    p.memoryBytes += r.memoryBytes;
    byPod.set(k, p);
  }
  const list = values.containers ? items : [...byPod.values()];
  list.sort((x, y) =>
    sortBy === 'cpu'
      ? y.nanocores - x.nanocores
      : sortBy === 'memory'
        ? y.memoryBytes - x.memoryBytes
        : x.namespace.localeCompare(y.namespace) || x.pod.localeCompare(y.pod) || (x.container ?? '').localeCompare(y.container ?? ''),
  );
  if (output === 'json') {
    ctx.out(JSON.stringify({ windowMs, items: list.map((i) => ({ namespace: i.namespace, pod: i.pod, ...(i.container ? { container: i.container } : {}), cpuNanocores: i.nanocores, memoryWorkingSetBytes: i.memoryBytes })) }, null, 2) + '\n');
    return code;
  }
  const head = [...(all ? ['NAMESPACE'] : []), ...(values.containers ? ['POD', 'NAME'] : ['NAME']), 'CPU(cores)', 'MEMORY(bytes)'];
  const body = list.map((i) => [...(all ? [i.namespace] : []), ...(values.containers ? [i.pod, i.container!] : [i.pod]), cpuCell(i.nanocores), memoryCell(i.memoryBytes)]);
  const table = topTable([head, ...body]);
  ctx.out(values['no-headers'] ? table.slice(table.indexOf('\n') + 1) : table);
  return code;
}
