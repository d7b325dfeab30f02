// podrun get pods [NAME...] [-n NS | -A] [-o wide|json|yaml|name]; also `get pod NAME`.
// Columns and AGE as kubectl prints them; json/yaml are v1 Pod objects (a List for several).
import { hostname } from 'os';
import { PodrunError, UsageError } from '../../util/errors';
import { namespaceFrom, namespaceOptions, parsePodAddress } from '../../state/address';
import { findPod, listPodRecords, PodRecord } from '../../state/records';
import { parseArgs, str } from '../args';
import type { CliContext } from '../context';
import { writeErr } from '../output';

const USAGE = 'podrun get pods [NAME...] [-n NAMESPACE | -A] [-o wide|json|yaml|name]';
const OUTPUTS = ['wide', 'json', 'yaml', 'name'];

/** kubectl's HumanDuration (k8s.io/apimachinery/pkg/util/duration). */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 0) return '0s';
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  if (h < 24 * 8) return h % 24 === 0 ? `${Math.floor(h / 24)}d` : `${Math.floor(h / 24)}d${h % 24}h`;
  const d = Math.floor(h / 24);
  if (h < 24 * 365 * 2) return `${d}d`;
  const y = Math.floor(d / 365);
  if (h < 24 * 365 * 8) return d % 365 === 0 ? `${y}y` : `${y}y${d % 365}d`;
  return `${y}y`;
}

/** Left-aligned columns separated by three spaces, as kubectl's tabwriter prints them. */
export function formatTable(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] + 3))).join('').trimEnd() + '\n').join('');
}

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs(
    argv,
    { ...namespaceOptions, 'all-namespaces': { type: 'boolean', short: 'A' }, output: { type: 'string', short: 'o' } },
    USAGE,
  );
  const output = str(values.output);
  if (output !== undefined && !OUTPUTS.includes(output))
    throw new UsageError(`-o: unknown output format '${output}'`, `use one of ${OUTPUTS.join(', ')}`);
  let args = positionals;
  const kind = args[0];
  if (kind === undefined) throw new UsageError('name what to get: pods', `usage: ${USAGE}`);
  if (kind.startsWith('pod/') || kind.startsWith('pods/')) args = args.slice(0);
  else if (kind === 'pod' || kind === 'pods' || kind === 'po') args = args.slice(1);
  else throw new UsageError(`podrun get: unknown resource type '${kind}'`, "podrun lists pods: 'podrun get pods'");
  const all = values['all-namespaces'] === true;
  if (all && values.namespace) throw new UsageError('-A and -n cannot be used together');
  if (all && args.length) throw new UsageError('-A lists every pod; name pods with -n NAMESPACE instead');
  const ns = namespaceFrom(values);

  const { computePodStatus, k8sPod, snapshotPod } = await import('../../state');
  let records: PodRecord[];
  let code = 0;
  const named = args.length > 0;
  if (named) {
    records = [];
    for (const a of args) {
      const addr = parsePodAddress(a, ns);
      try {
        records.push(findPod(ctx.paths, addr.namespace, addr.name));
      } catch (e) {
        if (!(e instanceof PodrunError)) throw e;
        writeErr(`error: ${e.message}\n`);
        code = 1;
      }
    }
  } else records = listPodRecords(ctx.paths, all ? undefined : ns);

  const views = records.map((r) => {
    const snap = snapshotPod(r);
    return { r, snap, status: computePodStatus(snap) };
  });

  if (output === 'json' || output === 'yaml') {
    const objs = views.map((v) => k8sPod(v.status, v.snap));
    if (named && args.length === 1 && objs.length === 0) return code;
    const value = named && args.length === 1 ? objs[0] : { apiVersion: 'v1', kind: 'List', items: objs, metadata: { resourceVersion: '' } };
    ctx.out(output === 'json' ? JSON.stringify(value, null, 4) + '\n' : (await import('js-yaml')).dump(value, { noRefs: true, lineWidth: -1 }));
    return code;
  }
  if (output === 'name') {
    ctx.out(views.map((v) => `pod/${v.r.plan.name}\n`).join(''));
    return code;
  }
  if (views.length === 0) {
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
    String(status.restarts),
    humanDuration(now - Date.parse(r.createdAt)),
    ...(wide ? [r.podIP ?? '<none>', node, r.plan.containers.map((c) => c.name).join(',')] : []),
  ]);
  ctx.out(formatTable([head, ...rows]));
  return code;
}
