// `--all` and `-l SELECTOR` of the verbs that act on many objects of a type (delete, label,
// annotate): the addresses they pick, from the records.
import { isWorkloadKind } from '../util/kinds';
import { listPodRecords, podsWithoutRecord } from '../state/pod-records';
import type { CliContext } from './context';
import type { ResourceAddress, ResourceKind } from './resources';

/** What --all or -l SELECTOR picks of KIND in NAMESPACE (undefined: every namespace, -A): delete's, label's. */
export async function selectedObjects(ctx: CliContext, kind: ResourceKind, namespace: string | undefined, selector: string | undefined, opts: { withoutRecord?: boolean } = {}): Promise<ResourceAddress[]> {
  const { parseSelector, selectorMatches } = await import('../util/selector');
  const reqs = selector !== undefined && selector !== '' ? parseSelector(selector) : undefined;
  const picked = (labels: Record<string, string> | undefined) => !reqs || selectorMatches(reqs, labels);
  if (kind === 'Pod') {
    const records = listPodRecords(ctx.paths, namespace);
    const pods = records.filter((r) => picked(r.manifest.metadata.labels)).map((r) => ({ kind: 'Pod' as const, namespace: r.plan.namespace, name: r.plan.name }));
    // delete --all: the pods without a readable record too (an apply killed while it made the pod's dir); they have no labels
    return reqs || !opts.withoutRecord ? pods : [...pods, ...podsWithoutRecord(ctx.paths, namespace, records).map((p) => ({ kind: 'Pod' as const, namespace: p.namespace, name: p.name }))];
  }
  if (isWorkloadKind(kind))
    return (await import('../state/workloads'))
      .listWorkloads(ctx.paths, kind, namespace)
      .filter((r) => picked(r.metadata.labels))
      .map((r) => ({ kind, namespace: r.metadata.namespace, name: r.metadata.name }));
  return (await import('../state/objects'))
    .listObjects(ctx.paths, kind, namespace)
    .filter((o) => picked(o.metadata.labels))
    .map((o) => ({ kind, namespace: o.metadata.namespace, name: o.metadata.name }));
}

