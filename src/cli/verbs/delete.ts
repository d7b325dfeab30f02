// podrun delete pod|configmap|secret|pvc NAME... | delete -f FILE|DIR [--grace-period N] [--now]
// [-n NS] [--ignore-not-found] [--all]. A pod: stop signal, grace period, SIGKILL, then the
// monitor and every dir of the pod. An object: its stored file (a claim also its directory,
// refused while a pod uses it). -f deletes the pods first, then the objects. Idempotent. On a
// terminal the grace wait shows a live line, and Ctrl-C during it kills at once (cli/grace-wait.ts);
// a pod another command is deleting is waited for, and --now/--grace-period shortens its wait.
import { ManifestErrors, UsageError } from '../../util/errors';
import { namespaceFrom, namespaceOptions, parseResourceArgs, type ResourceAddress } from '../resources';
import { listPodRecords, podNotFound, podsWithoutRecord } from '../../state/pod-records';
import { gracePeriodOption, parseArgs } from '../args';
import { writeErr } from '../output';
import { finishLeftovers, syncServicesAfter } from '../sync';
import type { CliContext } from '../context';
import { forEachItem } from '../render';
import { kindWord } from '../../util/kinds';

const USAGE =
  'podrun delete pod|configmap|secret|pvc NAME... | podrun delete -f FILE|DIR|- [--grace-period N] [--now] [-n NAMESPACE] [--ignore-not-found] [--all]';

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs(
    argv,
    {
      ...namespaceOptions,
      filename: { type: 'string', short: 'f', multiple: true },
      'grace-period': { type: 'string' },
      now: { type: 'boolean' },
      'ignore-not-found': { type: 'boolean' },
      all: { type: 'boolean' },
    },
    USAGE,
  );
  const ns = namespaceFrom(values);
  const grace = gracePeriodOption(values);
  const files = (values.filename as string[] | undefined) ?? [];

  let targets: ResourceAddress[] = [];
  if (files.length) {
    if (positionals.length) throw new UsageError('give either -f FILE or names, not both', `usage: ${USAGE}`);
    const { loadManifests, formatManifestWarning } = await import('../../manifest/load');
    const loaded = await loadManifests(files);
    for (const w of loaded.warnings) writeErr(formatManifestWarning(w) + '\n');
    if (loaded.errors.length) throw new ManifestErrors(loaded.errors);
    // Pods first: a claim cannot go while its pod still mounts it.
    targets = [
      ...loaded.pods.map((p) => ({ kind: 'Pod' as const, namespace: p.manifest.metadata.namespace, name: p.manifest.metadata.name })),
      ...loaded.objects.map((o) => ({ kind: o.object.kind, namespace: o.object.metadata.namespace, name: o.object.metadata.name })),
    ];
  } else if (values.all) {
    const kind = positionals.length ? parseResourceArgs('delete', positionals, ns, { required: false, usage: USAGE }) : { kind: 'Pod' as const, addrs: [] };
    if (kind.addrs.length) throw new UsageError('--all deletes every object of the type in the namespace; do not name any with it');
    if (kind.kind === 'Pod') {
      // Pods without a readable record too (an apply killed while it made the pod's dir).
      const records = listPodRecords(ctx.paths, ns);
      targets = [...records.map((r) => ({ kind: 'Pod' as const, namespace: ns, name: r.plan.name })), ...podsWithoutRecord(ctx.paths, ns, records).map((p) => ({ kind: 'Pod' as const, ...p }))];
    } else {
      const { listObjects } = await import('../../state/objects');
      targets = listObjects(ctx.paths, kind.kind, ns).map((o) => ({ kind: kind.kind, namespace: ns, name: o.metadata.name }));
    }
  } else targets = parseResourceArgs('delete', positionals, ns, { required: true, usage: USAGE }).addrs;

  const { deletePodNamed } = await import('../../runtime/delete-pod');
  const warn = (e: Error) => writeErr(`warning: ${e.message}\n`);
  const watch = (await import('../grace-wait')).graceWatch();
  if (targets.some((t) => t.kind === 'Pod')) await finishLeftovers(ctx);
  const code = await forEachItem(targets, async (t) => {
    if (t.kind !== 'Pod') {
      const { deleteObject } = await import('../../runtime/delete-object');
      if (await deleteObject(ctx.paths, t.kind, t.namespace, t.name)) ctx.out(`${kindWord(t.kind)} "${t.name}" deleted\n`);
      else if (!values['ignore-not-found']) throw (await import('../../state/objects')).objectNotFound(t.kind, t.namespace, t.name);
      return;
    }
    const found = await deletePodNamed(ctx.paths, t.namespace, t.name, { gracePeriodSeconds: grace, warn, watch });
    if (found) ctx.out(`pod "${t.name}" deleted\n`);
    else if (!values['ignore-not-found']) throw podNotFound(t.namespace, t.name);
  });
  // Deleted pods and Services leave the Services' rules and the pods' names.
  if (targets.some((t) => t.kind === 'Pod' || t.kind === 'Service')) await syncServicesAfter(ctx);
  return code;
}
