// podrun apply -f FILE|DIR|- [-f ...] [--network NAME] [--force] [--grace-period N|--now] [--prune]
// [--watch] [--dry-run] [-o json|yaml|name] [--wait [--timeout D]]
// Loads and validates every manifest first (all problems at once, exit 2, nothing started), then
// stores the ConfigMaps, Secrets and PersistentVolumeClaims (all or none: apply-objects.ts), then
// creates, re-creates or leaves each pod under its lock (what it stops gets --grace-period or
// --now, with the live line and Ctrl-C of cli/grace-wait.ts). --prune then deletes the pods applied
// earlier from the same files or directories that they no longer define. Returns once every container runs or failed;
// with --wait, once every pod applied is Ready (or has run to completion), as `podrun wait` waits.
import { PodrunError, ManifestErrors, UsageError } from '../../util/errors';
import { forEachItem, printObjects, renderError, type ObjectFormat } from '../render';
import { gracePeriodOption, parseArgs, str, type VerbSpec } from '../args';
import type { CliContext } from '../context';
import { filenameOption, graceOptions, namespaceFrom, namespaceOptions, recursiveOption, validateModeOf, validateOption } from '../resources';
import { writeErr } from '../output';
import { finishLeftovers, syncServicesAfter } from '../sync';
import { OBJECT_KINDS, WORKLOAD_KINDS, workloadRef, type ObjectKind, type WorkloadKind } from '../../util/kinds';
import type { ConfigObject } from '../../manifest/objects';

export const spec: VerbSpec = {
  name: 'apply',
  usage: 'podrun apply -f FILE|DIR|- [-f ...] [-R] [-n NAMESPACE] [--validate strict|warn|ignore] [--network NAME|none] [--force] [--grace-period N|--now] [--prune] [--watch] [--dry-run[=client|server]] [-o json|yaml|name] [--wait [--timeout 5m]]',
  description:
    'Create or update pods, workloads (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job), Services, ConfigMaps, Secrets and PersistentVolumeClaims from manifests. Every file is checked first: any problem is reported with its file:line and field, and nothing changes. A pod whose manifest changed is updated at the smallest scope (a container restarted, or the pod re-created).',
  examples: [
    ['apply every manifest in pods/', 'podrun apply -f pods/'],
    ['apply, then wait until every pod is Ready', 'podrun apply -f pods/ --wait'],
    ['show what would change, change nothing', 'podrun apply -f pods/web.yaml --dry-run=client'],
    ['delete what was applied from pods/ earlier and is gone from it now', 'podrun apply --prune -f pods/'],
    ['apply again whenever a file changes', 'podrun apply -f pods/ --watch'],
  ],
  options: {
    ...filenameOption('the manifests (a directory: its .yaml, .yml and .json files)'),
    'dry-run': { type: 'string', arg: 'none|client|server', help: 'client or server (the same here: podrun is its own server): say what would be created, configured or left unchanged; change nothing. --dry-run alone is client', complete: ['none', 'client', 'server'] },
    ...recursiveOption,
    ...validateOption,
    ...namespaceOptions,
    output: { type: 'string', short: 'o', arg: 'json|yaml|name', help: 'print the objects applied in this format instead of a line each', complete: ['json', 'yaml', 'name'] },
    network: { type: 'string', arg: 'NAME|none', help: "the pod network new pods join (default the root's default network)" },
    wait: { type: 'boolean', help: 'return once every pod applied is Ready (or ran to completion)' },
    timeout: { type: 'string', arg: 'DURATION', help: 'how long --wait waits (default 5m)' },
    force: { type: 'boolean', help: 'delete and create again, also what has not changed or cannot be changed in place' },
    ...graceOptions,
    prune: { type: 'boolean', help: 'also delete what was applied earlier from the same files or directories and is no longer in them' },
    watch: { type: 'boolean', help: 'stay and apply again whenever a file changes (Ctrl-C ends)' },
  },
};
const USAGE = spec.usage;
/** apply --wait's default: kubectl's --timeout for wait is 30 s; a pod pulling and starting may need more. */
const APPLY_WAIT_DEFAULT = '5m';
const OUTPUTS = ['json', 'yaml', 'name'];

/** What `up` and `--watch` give apply: told the pods of the files, once applied; up's grace watch (its Ctrl-C). */
export interface ApplyHooks {
  /** The pods of the files and of their workloads (not a Job's: it runs to completion on its own), and the Jobs. */
  applied?: (pods: { namespace: string; name: string; uid: string }[], jobs: { namespace: string; name: string }[]) => void;
  watch?: import('../grace-wait').CliGraceWatch;
}

export async function run(argv: string[], ctx: CliContext, hooks: ApplyHooks = {}): Promise<number> {
  // `--dry-run` alone is kubectl's (deprecated) `--dry-run=client`
  // (and `--dry-run=true|false`, older still: client and none)
  const { values, positionals } = parseArgs(argv.map((a) => (a === '--dry-run' || a === '--dry-run=true' ? '--dry-run=client' : a === '--dry-run=false' ? '--dry-run=none' : a)), spec);
  if (values.watch) return watchApply(argv.filter((a) => a !== '--watch'), ctx, values);
  const grace = gracePeriodOption(values);
  const prune = values.prune === true;
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`, `pass manifests with -f: ${USAGE}`);
  const files = (values.filename as string[] | undefined) ?? [];
  if (!files.length) throw new UsageError('apply needs at least one -f FILE|DIR|-', `usage: ${USAGE}`);
  const output = str(values.output);
  if (output !== undefined && !OUTPUTS.includes(output))
    throw new UsageError(`-o: unknown output format '${output}'`, `use one of ${OUTPUTS.join(', ')}`);
  if (prune && files.includes('-')) throw new UsageError('--prune deletes the pods applied earlier from the same files, which stdin has not', 'apply a directory or files with --prune, e.g. podrun apply --prune -f pods/');
  const dryRunMode = str(values['dry-run']) ?? 'none';
  if (!['none', 'client', 'server'].includes(dryRunMode)) throw new UsageError(`--dry-run: unknown value '${dryRunMode}'`, 'use --dry-run=client, server or none');
  const dryRun = dryRunMode !== 'none';
  const dry = dryRunMode === 'server' ? '(server dry run)' : '(dry run)';
  const recursive = values.recursive === true;
  const namespace = values.namespace !== undefined ? namespaceFrom(values) : undefined;
  if (values.wait && dryRun) throw new UsageError('--wait waits for pods, which a dry run does not start', 'leave out --wait or --dry-run');
  if (values.timeout !== undefined && !values.wait) throw new UsageError('--timeout is the time --wait waits', 'add --wait, or leave --timeout out');
  // Checked before anything is applied: a bad --timeout changes nothing.
  const waitMs = values.wait ? (await import('./wait')).parseWaitTimeout(str(values.timeout) ?? APPLY_WAIT_DEFAULT) : undefined;
  const network = str(values.network);

  const { loadManifests, formatManifestWarning } = await import('../../manifest/load');
  const loaded = await loadManifests(files, { namespace, recursive, validate: validateModeOf(values) });
  for (const w of loaded.warnings) writeErr(formatManifestWarning(w) + '\n');
  if (loaded.errors.length) throw new ManifestErrors(loaded.errors);
  if (!loaded.pods.length && !loaded.objects.length && !loaded.workloads.length)
    throw new UsageError(
      `no objects found in ${files.join(', ')}${loaded.warnings.some((w) => w.path[w.path.length - 1] === 'kind') ? ' that podrun runs (the kinds above were skipped)' : ''}`,
      'a manifest needs `apiVersion: v1` and `kind: Pod` (or Service, ConfigMap, Secret, PersistentVolumeClaim)',
    );
  const objectName = (o: { kind: ObjectKind; metadata: { name: string } }) => `${OBJECT_KINDS[o.kind].singular}/${o.metadata.name}`;

  if (dryRun) {
    const { dryRunPlan } = await import('../../runtime/dryrun');
    const { planObjects } = await import('../../runtime/apply-objects');
    const plans: unknown[] = [];
    for (const r of planObjects(ctx.paths, loaded.objects)) {
      if (output === 'json' || output === 'yaml') plans.push(hideSecretValues(r.object));
      else ctx.out(output === 'name' ? `${objectName(r.object)}\n` : `${objectName(r.object)} ${r.action} ${dry}\n`);
    }
    const code = await forEachItem(loaded.pods, async (pod) => {
      const r = await dryRunPlan(ctx.paths, pod, loaded.objects.map((o) => o.object), network);
      if (!r.plan) throw new ManifestErrors(r.errors);
      for (const img of r.unresolvedImages)
        writeErr(`warning: pod/${r.plan.name}: image ${img} is not in the local store; the plan leaves its imageId, layers and config unresolved\n`);
      if (output === 'json' || output === 'yaml') plans.push(r.plan);
      else ctx.out(output === 'name' ? `pod/${r.plan.name}\n` : `pod/${r.plan.name} ${r.action}${r.detail ? ` (${r.detail})` : ''} ${dry}\n`);
    });
    for (const w of loaded.workloads) {
      const { nextRecord, readWorkload } = await import('../../state/workloads');
      const m = w.workload;
      const before = readWorkload(ctx.paths, m.kind, m.metadata.namespace, m.metadata.name);
      // what apply would store: the same record (a count `scale` set kept) is unchanged
      const action = !before ? 'created' : nextRecord(before, w).same ? 'unchanged' : 'configured';
      if (output === 'json' || output === 'yaml') plans.push({ apiVersion: m.apiVersion, kind: m.kind, metadata: m.metadata, spec: m.spec });
      else ctx.out(output === 'name' ? `${workloadRef(m.kind, m.metadata.name)}\n` : `${workloadRef(m.kind, m.metadata.name)} ${action} ${dry}\n`);
    }
    if (prune)
      for (const what of [...prunedWorkloads(ctx, files, loaded.workloads, recursive, namespace).map((r) => workloadRef(r.kind, r.workload)), ...pruned(ctx, files, loaded.pods, recursive, namespace).map((r) => `pod/${r.name}`)])
        ctx.out(output === 'name' ? `${what}\n` : `${what} pruned ${dry}\n`);
    if (plans.length) await printObjects(ctx, output as ObjectFormat, plans);
    return code;
  }

  if (process.getuid?.() !== 0)
    throw new PodrunError('podrun apply needs root: it creates namespaces and mounts', 'run it as root (sudo), or use --dry-run -o json to see the plan');

  // A workload change the API server would refuse changes nothing, the objects beside it neither.
  if (loaded.workloads.length) (await import('../../runtime/workload-checks')).checkImmutable(ctx.paths, loaded.workloads, values.force === true);
  // What a crash left of earlier pods' networks (addresses, rules) is released first.
  if (loaded.pods.length || loaded.workloads.length) await finishLeftovers(ctx);
  const objects: unknown[] = [];
  let waiting: import('../../state/pod-records').PodRecord[] = [];
  if (loaded.objects.length) {
    const { applyObjects } = await import('../../runtime/apply-objects');
    const applied = await applyObjects(ctx.paths, loaded.objects);
    for (const r of applied.outcomes)
      if (output === 'json' || output === 'yaml') objects.push(r.object);
      else ctx.out(output === 'name' ? `${objectName(r.object)}\n` : `${objectName(r.object)} ${r.action}\n`);
    for (const w of applied.warnings) writeErr(`warning: ${w}\n`);
    const changed = new Set(applied.outcomes.filter((o) => o.action !== 'unchanged').map((o) => `${o.object.metadata.namespace}/${o.object.kind}/${o.object.metadata.name}`));
    waiting = (await import('../../runtime/apply')).podsWaitingFor(ctx.paths, changed);
  }
  const { applyPod, podFromRecord } = await import('../../runtime/apply');
  // A pod whose container waited for an object applied now is re-created (in the files or not).
  const recreate = new Set(waiting.map((r) => r.plan.key));
  const inFiles = new Set(loaded.pods.map((p) => `${p.manifest.metadata.namespace}_${p.manifest.metadata.name}`));
  const again = waiting.filter((r) => !inFiles.has(r.plan.key)).map(podFromRecord);
  const progress = (line: string) => writeErr(line.endsWith('\n') ? line : line + '\n');
  const watch = hooks.watch ?? (await import('../grace-wait')).graceWatch();
  // One pod failing does not stop the others (kubectl apply goes on, then exits 1).
  let failed = 0;
  const appliedPods: { namespace: string; name: string; uid: string }[] = [];
  const appliedJobs: { namespace: string; name: string }[] = [];
  const code = await forEachItem([...loaded.pods, ...again], async (pod) => {
    const outcome = await applyPod(ctx.paths, pod, { progress, network, force: values.force === true, recreate: recreate.has(`${pod.manifest.metadata.namespace}_${pod.manifest.metadata.name}`), gracePeriodSeconds: grace, watch });
    // only the files' pods: one re-created because it waited for an object comes from elsewhere
    if (inFiles.has(`${outcome.namespace}_${outcome.name}`)) appliedPods.push({ namespace: outcome.namespace, name: outcome.name, uid: outcome.record.uid });
    if (output === 'json' || output === 'yaml') {
      const { computePodStatus, k8sPod, snapshotPod } = await import('../../runtime/pod-status');
      const snap = snapshotPod(outcome.record);
      objects.push(k8sPod(computePodStatus(snap), snap));
    } else ctx.out(output === 'name' ? `pod/${outcome.name}\n` : `pod/${outcome.name} ${outcome.action}${outcome.detail ? ` (${outcome.detail})` : ''}\n`);
    // the kubelet's InvalidEnvironmentVariableNames event
    if (outcome.action !== 'unchanged')
      for (const c of [...(outcome.record.plan.initContainers ?? []), ...outcome.record.plan.containers]) if (c.skippedEnv) writeErr(`warning: pod/${outcome.name}: container ${c.name}: ${c.skippedEnv}\n`);
    for (const f of outcome.failures) {
      writeErr(renderError(f));
      failed = Math.max(failed, f.exitCode);
    }
  });
  // Workloads after the pods: each runs its controller until its pods are what it asks for.
  const workloadCode = await forEachItem(loaded.workloads, async (w) => {
    const { applyWorkload } = await import('../../runtime/workloads');
    const outcome = await applyWorkload(ctx.paths, w, { progress, network, force: values.force === true, gracePeriodSeconds: grace, watch });
    // a Job's pods end on their own (and fail and are retried): --wait and up wait for the rest
    if (outcome.kind === 'Job') appliedJobs.push({ namespace: outcome.namespace, name: outcome.name });
    else appliedPods.push(...outcome.pods);
    const ref = workloadRef(outcome.kind, outcome.name);
    if (output === 'json' || output === 'yaml') {
      const { readWorkload } = await import('../../state/workloads');
      const { k8sWorkload } = await import('../workloads-view');
      const r = readWorkload(ctx.paths, outcome.kind, outcome.namespace, outcome.name);
      if (r) objects.push(k8sWorkload(ctx.paths, r));
    } else ctx.out(output === 'name' ? `${ref}\n` : `${ref} ${outcome.action}${outcome.detail ? ` (${outcome.detail})` : ''}\n`);
    for (const f of outcome.failures) {
      writeErr(renderError(f));
      failed = Math.max(failed, f.exitCode);
    }
  });
  // --prune: what the files no longer define goes, after what they do define is applied (kubectl's order).
  let pruneCode = 0;
  if (prune) {
    const { deletePodNamed } = await import('../../runtime/delete-pod');
    const warn = (e: Error) => writeErr(`warning: ${e.message}\n`);
    const say = (what: string) => (output === 'json' || output === 'yaml' ? writeErr : ctx.out)(output === 'name' ? `${what}\n` : `${what} pruned\n`);
    const { deleteWorkload } = await import('../../runtime/workloads');
    pruneCode = await forEachItem(prunedWorkloads(ctx, files, loaded.workloads, recursive, namespace), async (r) => {
      if (await deleteWorkload(ctx.paths, r.kind, r.namespace, r.workload, { gracePeriodSeconds: grace, watch, progress })) say(workloadRef(r.kind, r.workload));
    });
    pruneCode = Math.max(
      pruneCode,
      await forEachItem(pruned(ctx, files, loaded.pods, recursive, namespace), async (r) => {
        if (await deletePodNamed(ctx.paths, r.namespace, r.name, { gracePeriodSeconds: grace, warn, watch })) say(`pod/${r.name}`);
      }),
    );
  }
  // The Services' rules and every pod's names follow the pods and Services just applied.
  if (loaded.pods.length || loaded.workloads.length || prune || loaded.objects.some((o) => o.object.kind === 'Service')) await syncServicesAfter(ctx);
  if (objects.length) await printObjects(ctx, output as ObjectFormat, objects);
  hooks.applied?.(appliedPods, appliedJobs);
  const worst = Math.max(code, failed, pruneCode, workloadCode);
  if (waitMs === undefined || worst) return worst;
  // Readiness as `podrun wait --for=condition=Ready` sees it; a pod that ran to completion is done.
  const { waitForTargets } = await import('./wait');
  await waitForTargets(ctx, appliedPods, { kind: 'applied' }, waitMs, () => undefined);
  return 0;
}

/**
 * `apply --watch`: apply, then apply again whenever a manifest of the set changes, and restart or
 * exec in a container whose watched hostPath files change (cli/dev-watch.ts), until Ctrl-C, which
 * leaves the pods running (`up --watch` is the one that stops them).
 */
async function watchApply(argv: string[], ctx: CliContext, values: Record<string, unknown>): Promise<number> {
  const files = (values.filename as string[] | undefined) ?? [];
  if ((values['dry-run'] !== undefined && values['dry-run'] !== 'none') || files.includes('-') || values.output !== undefined)
    throw new UsageError('--watch applies the files again as they change: not with --dry-run, -o or stdin', 'apply a directory or files: podrun apply --watch -f pods/');
  let pods: { namespace: string; name: string; uid: string }[] = [];
  const once = async () => {
    let now: typeof pods = [];
    try {
      await run(argv, ctx, { applied: (p) => (now = p) });
    } catch (e) {
      if (!(e instanceof PodrunError)) throw e;
      writeErr(renderError(e)); // a bad file: said, nothing changed, still watching
    }
    return now;
  };
  const code = await run(argv, ctx, { applied: (p) => (pods = p) });
  if (code === 2) return code;
  const { startDevWatch } = await import('../dev-watch');
  // one SIGINT handler: on a terminal during a grace wait (a restart) Ctrl-C kills now, else it ends the watch
  const watch = (await import('../grace-wait')).graceWatch({ sigint: false });
  const tty = (require('tty') as typeof import('tty')).isatty(2);
  const w = startDevWatch({ paths: ctx.paths, files, pods, note: writeErr, out: ctx.out, reapply: once, watch });
  writeErr(`watching ${files.join(', ')} (Ctrl-C to stop watching; the pods stay)\n`);
  await new Promise<void>((r) => {
    const onInt = () => {
      if (tty && watch.waiting()) return watch.interrupt();
      process.removeListener('SIGINT', onInt);
      r();
    };
    process.on('SIGINT', onInt);
  });
  await w.close();
  return 0;
}

/** What --prune looks in: each file, or each directory's own files. */
function pruneScopes(files: string[], recursive: boolean): { abs: string; dir: boolean; recursive: boolean }[] {
  const { statSync } = require('fs') as typeof import('fs');
  const { resolve } = require('path') as typeof import('path');
  return files.map((f) => ({ abs: resolve(f), dir: statSync(f).isDirectory(), recursive }));
}

/** The pods `--prune` deletes: applied earlier from these files or directories, no longer in them (plan/prune.ts). */
function pruned(ctx: CliContext, files: string[], pods: { manifest: { metadata: { namespace: string; name: string } } }[], recursive: boolean, namespace?: string) {
  const { pruneTargets } = require('../../plan/prune') as typeof import('../../plan/prune');
  const { listPodRecords } = require('../../state/pod-records') as typeof import('../../state/pod-records');
  const scopes = pruneScopes(files, recursive);
  const keep = new Set(pods.map((p) => `${p.manifest.metadata.namespace}/${p.manifest.metadata.name}`));
  const { controllerOf } = require('../../state/workloads') as typeof import('../../state/workloads');
  // a workload's pods are its own: they go with it (prunedWorkloads), not one by one
  // with -n, only that namespace: the same files applied to another one are that one's
  const records = listPodRecords(ctx.paths, namespace)
    .filter((r) => !controllerOf(r))
    .map((r) => ({ namespace: r.plan.namespace, name: r.plan.name, sourceFile: r.sourceFile, deleting: !!r.deletionTimestamp }));
  return pruneTargets(records, scopes, keep);
}

/** The workloads `--prune` deletes (with their pods): applied earlier from these files or directories, no longer in them. */
function prunedWorkloads(ctx: CliContext, files: string[], workloads: { workload: { kind: WorkloadKind; metadata: { namespace: string; name: string } } }[], recursive: boolean, namespace?: string) {
  const { pruneTargets } = require('../../plan/prune') as typeof import('../../plan/prune');
  const { listWorkloads } = require('../../state/workloads') as typeof import('../../state/workloads');
  const scopes = pruneScopes(files, recursive);
  const keep = new Set(workloads.map((w) => `${w.workload.metadata.namespace}/${w.workload.kind}/${w.workload.metadata.name}`));
  const records = (Object.keys(WORKLOAD_KINDS) as WorkloadKind[]).flatMap((kind) =>
    listWorkloads(ctx.paths, kind, namespace).map((r) => ({ namespace: r.metadata.namespace, name: `${kind}/${r.metadata.name}`, kind, workload: r.metadata.name, sourceFile: r.sourceFile, deleting: false })),
  );
  return pruneTargets(records, scopes, keep);
}

/** A dry run never prints a Secret's values: each becomes the number of bytes it holds. */
function hideSecretValues(o: ConfigObject): ConfigObject {
  if (o.kind !== 'Secret' || !o.data) return o;
  return { ...o, data: Object.fromEntries(Object.entries(o.data).map(([k, v]) => [k, `<hidden: ${Buffer.from(v, 'base64').length} bytes>`])) };
}

