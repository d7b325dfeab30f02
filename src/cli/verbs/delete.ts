// podrun delete pod|configmap|secret|pvc NAME... | delete -f FILE|DIR [--grace-period N] [--now]
// [-n NS] [--ignore-not-found] [--all]. A pod: stop signal, grace period, SIGKILL, then the
// monitor and every dir of the pod. An object: its stored file (a claim also its directory,
// refused while a pod uses it). -f deletes the pods first, then the objects. Idempotent. On a
// terminal the grace wait shows a live line, and Ctrl-C during it kills at once (cli/grace-wait.ts);
// a pod another command is deleting is waited for, and --now/--grace-period shortens its wait.
import { ManifestErrors, PodrunError, UsageError } from '../../util/errors';
import { allNamespacesOption, namespaceFrom, namespaceOptions, parseResourceArgs, type ResourceAddress, filenameOption, graceOptions, validateModeOf, validateOption } from '../resources';
import { podNotFound, readPodRecord } from '../../state/pod-records';
import { controllerOf } from '../../state/workloads';
import { podKey } from '../../util/paths';
import { gracePeriodOption, parseArgs, str, type VerbSpec } from '../args';
import { requireRoot } from '../root';
import { writeErr } from '../output';
import { finishLeftovers, syncServicesAfter } from '../sync';
import { selectedObjects } from '../select';
import type { CliContext } from '../context';
import { forEachItem, renderError } from '../render';
import { isWorkloadKind, kindWord, workloadRef, type WorkloadKind } from '../../util/kinds';

export const spec: VerbSpec = {
  name: 'delete',
  usage: 'podrun delete TYPE NAME... | TYPE/NAME... | -f FILE|DIR|- | TYPE (--all | -l SELECTOR) [-n NAMESPACE | -A] [--grace-period N | --now | --force] [--ignore-not-found]',
  description:
    'Stop and remove pods and workloads (each pod gets its grace period: SIGTERM, then SIGKILL), and remove Services, ConfigMaps, Secrets and PersistentVolumeClaims. A StatefulSet\'s claims stay unless its retention policy says Delete.',
  examples: [
    ['delete a pod, giving it its terminationGracePeriodSeconds', 'podrun delete pod web'],
    ['delete at once', 'podrun delete pod web --now'],
    ['delete what the files define', 'podrun delete -f pods/'],
    ['delete every pod in namespace dev', 'podrun delete pods --all -n dev'],
    ['delete the pods labelled app=web, in every namespace', 'podrun delete pods -l app=web -A'],
    ['kill at once, without the grace period', 'podrun delete pod web --force'],
    ['delete a deployment and its pods', 'podrun delete deploy/web'],
  ],
  options: {
    ...validateOption,
    ...namespaceOptions,
    ...filenameOption('delete what these manifests define'),
    ...graceOptions,
    'ignore-not-found': { type: 'boolean', help: 'what is not there is not an error' },
    recursive: { type: 'boolean', short: 'R', help: "with -f, a directory's subdirectories too" },
    all: { type: 'boolean', help: 'every object of the type in the namespace' },
    selector: { type: 'string', short: 'l', arg: 'SELECTOR', help: 'the objects of the type with these labels (key=value, key!=value, key in (a,b), key, !key)' },
    ...allNamespacesOption,
    force: { type: 'boolean', help: "kill the pods' containers at once (SIGKILL), without their grace period (kubectl's --force: --grace-period 0)" },
  },
  operands: ['resource-types', 'resource-names'],
  repeatLast: true,
};
const USAGE = spec.usage;

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs(argv, spec);
  requireRoot('delete', 'it stops pods');
  const ns = namespaceFrom(values);
  const grace = graceWithForce(values);
  const files = (values.filename as string[] | undefined) ?? [];
  const selector = str(values.selector);
  const everyNs = values['all-namespaces'] === true;
  if (everyNs && values.namespace) throw new UsageError('-A and -n cannot be used together');
  if (everyNs && !values.all && selector === undefined) throw new UsageError('-A deletes in every namespace what --all or -l selects', 'e.g. podrun delete pods --all -A');

  let targets: ResourceAddress[] = [];
  if (files.length) {
    if (positionals.length || values.all || selector !== undefined) throw new UsageError('give either -f FILE or names (or --all, -l), not both', `usage: ${USAGE}`);
    const { loadManifests, formatManifestWarning } = await import('../../manifest/load');
    const loaded = await loadManifests(files, { ...(values.namespace !== undefined ? { namespace: ns } : {}), recursive: values.recursive === true, validate: validateModeOf(values) });
    for (const w of loaded.warnings) writeErr(formatManifestWarning(w) + '\n');
    if (loaded.errors.length) throw new ManifestErrors(loaded.errors);
    // Workloads and pods first: a claim cannot go while its pod still mounts it.
    targets = [
      ...loaded.workloads.map((w) => ({ kind: w.workload.kind, namespace: w.workload.metadata.namespace, name: w.workload.metadata.name })),
      ...loaded.pods.map((p) => ({ kind: 'Pod' as const, namespace: p.manifest.metadata.namespace, name: p.manifest.metadata.name })),
      ...loaded.objects.map((o) => ({ kind: o.object.kind, namespace: o.object.metadata.namespace, name: o.object.metadata.name })),
    ];
  } else if (values.all || selector !== undefined) {
    if (values.all && selector !== undefined) throw new UsageError('--all and -l cannot be used together', '--all deletes every object of the type; -l those with the labels');
    const kind = positionals.length ? parseResourceArgs('delete', positionals, ns, { required: false, usage: USAGE }) : { kind: 'Pod' as const, addrs: [] };
    if (kind.addrs.length) throw new UsageError(`${values.all ? '--all' : '-l'} deletes the objects of the type it selects; do not name any with it`);
    targets = await selectedObjects(ctx, kind.kind, everyNs ? undefined : ns, selector, { withoutRecord: true });
  } else targets = parseResourceArgs('delete', positionals, ns, { required: true, usage: USAGE }).addrs;
  if (grace === 0 && values.force) writeErr("warning: Immediate deletion does not wait for the pods' processes to stop on their own: they are killed at once (SIGKILL).\n");

  const { deletePodNamed } = await import('../../runtime/delete-pod');
  const warn = (e: Error) => writeErr(`warning: ${e.message}\n`);
  const watch = (await import('../grace-wait')).graceWatch();
  if (targets.some((t) => t.kind === 'Pod')) await finishLeftovers(ctx);
  // A pod of a workload that is not itself deleted here is replaced, as its controller would.
  const replace = new Map<string, { kind: WorkloadKind; namespace: string; name: string }>();
  const goes = new Set(targets.map((t) => `${t.kind}/${t.namespace}/${t.name}`));
  const progress = (line: string) => writeErr(`${line}\n`);
  const one = async (t: ResourceAddress) => {
    if (isWorkloadKind(t.kind)) {
      const { deleteWorkload } = await import('../../runtime/workloads');
      if (await deleteWorkload(ctx.paths, t.kind, t.namespace, t.name, { gracePeriodSeconds: grace, watch, progress })) return `${workloadRef(t.kind, t.name).replace('/', ' "')}" deleted\n`;
      if (!values['ignore-not-found']) throw (await import('../../state/workloads')).workloadNotFound(t.kind, t.namespace, t.name);
      return undefined;
    }
    if (t.kind !== 'Pod') {
      const { deleteObject } = await import('../../runtime/delete-object');
      if (await deleteObject(ctx.paths, t.kind, t.namespace, t.name)) return `${kindWord(t.kind)} "${t.name}" deleted\n`;
      if (!values['ignore-not-found']) throw (await import('../../state/objects')).objectNotFound(t.kind, t.namespace, t.name);
      return undefined;
    }
    const record = readPodRecord(ctx.paths, podKey(t.namespace, t.name));
    const owner = record && controllerOf(record);
    if (owner && !goes.has(`${owner.kind}/${t.namespace}/${owner.name}`)) replace.set(`${owner.kind}/${t.namespace}/${owner.name}`, { ...owner, namespace: t.namespace });
    const found = await deletePodNamed(ctx.paths, t.namespace, t.name, { gracePeriodSeconds: grace, warn, watch });
    if (found) return `pod "${t.name}" deleted\n`;
    if (!values['ignore-not-found']) throw podNotFound(t.namespace, t.name);
  };
  // The pods' grace periods run at once, as a cluster's kubelet stops them (each its own lock);
  // workloads and objects go one after another, objects (a claim) after every pod.
  const code = await forEachInOrder(targets, one, (t) => t.kind === 'Pod', (t) => t.kind !== 'Pod' && !isWorkloadKind(t.kind), ctx.out);
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

/** kubectl's --force: --grace-period 0 unless one is given; --force with --now is a contradiction. */
function graceWithForce(values: Record<string, unknown>): number | undefined {
  const grace = gracePeriodOption(values);
  if (!values.force) return grace;
  if (values.now) throw new UsageError('--now and --force cannot be used together', '--now gives each pod 1 s; --force kills at once');
  return grace ?? 0;
}

/**
 * Runs ONE for every target, those CONCURRENT says at once and the others one after another in
 * their place (those AFTERALL says once every concurrent one is done), and prints what each says in the targets' order as soon as it and those before it
 * are done; a PodrunError is printed in its place (forEachItem's contract: the worst exit code).
 */
async function forEachInOrder<T>(
  items: T[],
  one: (t: T) => Promise<string | undefined>,
  concurrent: (t: T) => boolean,
  afterAll: (t: T) => boolean,
  out: (s: string) => void,
): Promise<number> {
  type Done = { said?: string; error?: unknown };
  const settle = (p: Promise<string | undefined>): Promise<Done> => p.then((said) => ({ said }), (error: unknown) => ({ error }));
  const early = new Map<number, Promise<Done>>();
  items.forEach((t, i) => {
    if (concurrent(t)) early.set(i, settle(one(t)));
  });
  let code = 0;
  for (let i = 0; i < items.length; i++) {
    // an object (a claim) only once every pod is gone: one named after it may still mount it
    if (!early.has(i) && afterAll(items[i])) await Promise.all(early.values());
    const d = await (early.get(i) ?? settle(one(items[i])));
    if (d.error !== undefined) {
      if (!(d.error instanceof PodrunError)) throw d.error;
      writeErr(renderError(d.error));
      code = Math.max(code, d.error.exitCode);
    } else if (d.said) out(d.said);
  }
  return code;
}
