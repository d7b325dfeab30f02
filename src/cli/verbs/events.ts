// podrun events [-n NS | -A] [--for pod/NAME] [--types Warning] [-w] [-o json|yaml]: the pods'
// events as kubectl events lists them (LAST SEEN, TYPE, REASON, OBJECT, MESSAGE; oldest first).
import { UsageError } from '../../util/errors';
import { parseArgs, str, type VerbSpec } from '../args';
import type { CliContext } from '../context';
import { writeErr } from '../output';
import { formatTable, humanDuration, printObjects } from '../render';
import { requireRoot } from '../root';
import { allNamespacesOption, namespaceFrom, namespaceOptions, parsePodAddress } from '../resources';
import type { PodEvent } from '../pod-events';

export const spec: VerbSpec = {
  name: 'events',
  usage: 'podrun events [-n NAMESPACE | -A] [--for pod/NAME] [--types Normal,Warning] [-w] [-o json|yaml]',
  description: "List the pods' events (their monitors record them: Scheduled, Pulled, Created, Started, Killing, BackOff, Unhealthy, ...), oldest first, as kubectl events does; -w prints each new one as it comes.",
  examples: [
    ['every event of the namespace', 'podrun events'],
    ['the warnings of one pod', 'podrun events --for pod/web --types Warning'],
    ['follow them', 'podrun events -A -w'],
  ],
  options: {
    ...namespaceOptions,
    ...allNamespacesOption,
    for: { type: 'string', arg: 'pod/NAME', help: "only this pod's events", complete: 'pods' },
    types: { type: 'string', arg: 'TYPES', help: 'only these types: Normal, Warning (comma-separated)', complete: ['Normal', 'Warning', 'Normal,Warning'] },
    watch: { type: 'boolean', short: 'w', help: 'after the list, print each new event as it comes (until Ctrl-C)' },
    output: { type: 'string', short: 'o', arg: 'json|yaml', help: 'v1 Event objects in a List', complete: ['json', 'yaml'] },
  },
};

interface Row {
  namespace: string;
  object: string;
  uid: string;
  e: PodEvent;
}

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs(argv, spec);
  requireRoot('events');
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`, `name a pod with --for pod/NAME: ${spec.usage}`);
  const all = values['all-namespaces'] === true;
  if (all && values.namespace) throw new UsageError('-A and -n cannot be used together');
  const ns = namespaceFrom(values);
  const forPod = str(values.for) !== undefined ? parsePodAddress(str(values.for)!, ns) : undefined;
  const types = str(values.types)?.split(',').map((t) => t.trim());
  for (const t of types ?? []) if (t !== 'Normal' && t !== 'Warning') throw new UsageError(`--types: unknown event type '${t}'`, 'use Normal, Warning or both');
  const output = str(values.output);
  if (output !== undefined && output !== 'json' && output !== 'yaml') throw new UsageError(`-o: unknown output format '${output}'`, 'use json or yaml');
  const collect = async (): Promise<Row[]> => {
    const { listPodRecords } = await import('../../state/pod-records');
    const { computePodStatus, formatPod, snapshotPod } = await import('../../runtime/pod-status');
    const { readEventsFile } = await import('../../runtime/helper');
    const { podEvents } = await import('../pod-events');
    const rows: Row[] = [];
    for (const r of listPodRecords(ctx.paths, all ? undefined : forPod?.namespace ?? ns)) {
      if (forPod && r.plan.name !== forPod.name) continue;
      const snap = snapshotPod(r);
      for (const e of podEvents(computePodStatus(snap), snap, readEventsFile(r.plan.dirs.lasting), formatPod(snap), r.createdAt, r.deletionTimestamp))
        if (!types || types.includes(e.type)) rows.push({ namespace: r.plan.namespace, object: `pod/${r.plan.name}`, uid: r.uid, e });
    }
    return rows.sort((a, b) => a.e.at.localeCompare(b.e.at));
  };
  const rows = await collect();
  if (output) {
    if (values.watch) throw new UsageError('events -w prints the table as events come', 'leave -o out with -w, or -w out with -o');
    await printObjects(ctx, output, rows.map(eventObject), { list: true });
    return 0;
  }
  const head = [...(all ? ['NAMESPACE'] : []), 'LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'];
  const cells = (r: Row, now: number) => [...(all ? [r.namespace] : []), humanDuration(now - Date.parse(r.e.at)), r.e.type, r.e.reason, r.object, r.e.message];
  if (rows.length) ctx.out(formatTable([head, ...rows.map((r) => cells(r, Date.now()))]));
  else if (!values.watch) writeErr(all ? 'No events found.\n' : `No events found in ${ns} namespace.\n`);
  if (!values.watch) return 0;
  // -w: an event is new when its object, reason and last time (or count) were not seen
  const key = (r: Row) => `${r.uid}|${r.e.container ?? ''}|${r.e.reason}|${r.e.message}|${r.e.at}|${r.e.count ?? 1}`;
  const seen = new Set(rows.map(key));
  for (;;) {
    await new Promise((res) => setTimeout(res, 500));
    const now = Date.now();
    const fresh = (await collect()).filter((r) => !seen.has(key(r)));
    for (const r of fresh) seen.add(key(r));
    if (fresh.length) ctx.out(formatTable([head, ...fresh.map((r) => cells(r, now))]).split('\n').slice(1).join('\n'));
  }
}

/** A v1 Event, as the kubelet's would be for the pod. */
function eventObject(r: Row): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    // unique per pod, container, reason and time (the kubelet's names are the pod's and a time's)
    metadata: { name: `${r.object.slice(4)}.${Date.parse(r.e.at).toString(16)}${r.e.container ? `.${r.e.container}` : ''}.${r.e.reason.toLowerCase()}`, namespace: r.namespace },
    involvedObject: { apiVersion: 'v1', kind: 'Pod', name: r.object.slice(4), namespace: r.namespace, uid: r.uid, ...(r.e.container ? { fieldPath: `spec.containers{${r.e.container}}` } : {}) },
    reason: r.e.reason,
    message: r.e.message,
    type: r.e.type,
    count: r.e.count ?? 1,
    firstTimestamp: r.e.firstAt ?? r.e.at,
    lastTimestamp: r.e.at,
    source: { component: 'podrun' },
  };
}
