// podrun delete pod|configmap|secret|pvc NAME... | delete -f FILE|DIR [--grace-period N] [--now]
// [-n NS] [--ignore-not-found] [--all]. A pod: stop signal, grace period, SIGKILL, then the
// monitor and every dir of the pod. An object: its stored file (a claim also its directory,
// refused while a pod uses it). -f deletes the pods first, then the objects. Idempotent. On a
// terminal the grace wait shows a live line, and Ctrl-C during it kills at once (cli/grace-wait.ts);
// a pod another command is deleting is waited for, and --now/--grace-period shortens its wait.
import { ManifestErrors, UsageError } from '../../util/errors';
import { namespaceFrom, namespaceOptions, parseResourceArgs, type ResourceAddress, filenameOption, graceOptions } from '../resources';
import { listPodRecords, podNotFound, podsWithoutRecord, readPodRecord } from '../../state/pod-records';
import { controllerOf } from '../../state/workloads';
import { podKey } from '../../util/paths';
import { gracePeriodOption, parseArgs, type VerbSpec } from '../args';
import { requireRoot } from '../root';
import { writeErr } from '../output';
import { finishLeftovers, syncServicesAfter } from '../sync';
import type { CliContext } from '../context';
import { forEachItem, renderError } from '../render';
import { isWorkloadKind, kindWord, workloadRef, type WorkloadKind } from '../../util/kinds';

export const spec: VerbSpec = {
  name: 'delete',
  usage: 'podrun delete TYPE NAME... | TYPE/NAME... | -f FILE|DIR|- [--grace-period N|--now] [-n NAMESPACE] [--ignore-not-found] [--all]',
  description:
    'Stop and remove pods and workloads (each pod gets its grace period: SIGTERM, then SIGKILL), and remove Services, ConfigMaps, Secrets and PersistentVolumeClaims. A StatefulSet\'s claims stay unless its retention policy says Delete.',
  examples: [
    ['delete a pod, giving it its terminationGracePeriodSeconds', 'podrun delete pod web'],
    ['delete at once', 'podrun delete pod web --now'],
    ['delete what the files define', 'podrun delete -f pods/'],
    ['delete every pod in namespace dev', 'podrun delete pods --all -n dev'],
    ['delete a deployment and its pods', 'podrun delete deploy/web'],
  ],
  options: {
    ...namespaceOptions,
    ...filenameOption('delete what these manifests define'),
    ...graceOptions,
    'ignore-not-found': { type: 'boolean', help: 'what is not there is not an error' },
    all: { type: 'boolean', help: 'every object of the type in the namespace' },
  },
  operands: ['resource-types', 'resource-names'],
  repeatLast: true,
};
const USAGE = spec.usage;

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs(argv, spec);
  requireRoot('delete', 'it stops pods');
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
    // Workloads and pods first: a claim cannot go while its pod still mounts it.
    targets = [
      ...loaded.workloads.map((w) => ({ kind: w.workload.kind, namespace: w.workload.metadata.namespace, name: w.workload.metadata.name })),
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
    } else if (isWorkloadKind(kind.kind)) {
      const workloadKind = kind.kind;
      targets = (await import('../../state/workloads')).listWorkloads(ctx.paths, workloadKind, ns).map((r) => ({ kind: workloadKind, namespace: ns, name: r.metadata.name }));
    } else {
      const objectKind = kind.kind;
      const { listObjects } = await import('../../state/objects');
      targets = listObjects(ctx.paths, objectKind, ns).map((o) => ({ kind: objectKind, namespace: ns, name: o.metadata.name }));
    }
  } else targets = parseResourceArgs('delete', positionals, ns, { required: true, usage: USAGE }).addrs;

  const { deletePodNamed } = await import('../../runtime/delete-pod');
  const warn = (e: Error) => writeErr(`warning: ${e.message}\n`);
  const watch = (await import('../grace-wait')).graceWatch();
  if (targets.some((t) => t.kind === 'Pod')) await finishLeftovers(ctx);
  // A pod of a workload that is not itself deleted here is replaced, as its controller would.
  const replace = new Map<string, { kind: WorkloadKind; namespace: string; name: string }>();
  const goes = new Set(targets.map((t) => `${t.kind}/${t.namespace}/${t.name}`));
  const progress = (line: string) => writeErr(`${line}\n`);
  const code = await forEachItem(targets, async (t) => {
    if (isWorkloadKind(t.kind)) {
      const { deleteWorkload } = await import('../../runtime/workloads');
      if (await deleteWorkload(ctx.paths, t.kind, t.namespace, t.name, { gracePeriodSeconds: grace, watch, progress })) ctx.out(`${workloadRef(t.kind, t.name).replace('/', ' "')}" deleted\n`);
      else if (!values['ignore-not-found']) throw (await import('../../state/workloads')).workloadNotFound(t.kind, t.namespace, t.name);
      return;
    }
    if (t.kind !== 'Pod') {
      const { deleteObject } = await import('../../runtime/delete-object');
      if (await deleteObject(ctx.paths, t.kind, t.namespace, t.name)) ctx.out(`${kindWord(t.kind)} "${t.name}" deleted\n`);
      else if (!values['ignore-not-found']) throw (await import('../../state/objects')).objectNotFound(t.kind, t.namespace, t.name);
      return;
    }
    const record = readPodRecord(ctx.paths, podKey(t.namespace, t.name));
    const owner = record && controllerOf(record);
    if (owner && !goes.has(`${owner.kind}/${t.namespace}/${owner.name}`)) replace.set(`${owner.kind}/${t.namespace}/${owner.name}`, { ...owner, namespace: t.namespace });
    const found = await deletePodNamed(ctx.paths, t.namespace, t.name, { gracePeriodSeconds: grace, warn, watch });
    if (found) ctx.out(`pod "${t.name}" deleted\n`);
    else if (!values['ignore-not-found']) throw podNotFound(t.namespace, t.name);
  });
  let replaced = 0;
  if (replace.size) {
    const { reconcileStored } = await import('../../runtime/workloads');
    replaced = await forEachItem([...replace.values()], async (w) => {
      const r = await reconcileStored(ctx.paths, w.kind, w.namespace, w.name, { progress, watch, gracePeriodSeconds: grace, oneStep: true });
      for (const f of r?.failures ?? []) writeErr(renderError(f));
      if (r?.failures.length) throw r.failures[0];
    });
  }
  // Deleted pods and Services leave the Services' rules and the pods' names.
  if (targets.some((t) => t.kind === 'Pod' || t.kind === 'Service' || isWorkloadKind(t.kind))) await syncServicesAfter(ctx);
  return Math.max(code, replaced);
}
