// podrun apply -f FILE|DIR|- [-f ...] [--dry-run] [-o json|yaml|name]
// Loads and validates every manifest first (all problems at once, exit 2, nothing started), then
// creates, re-creates or leaves each pod under its lock. Returns once every container runs or failed.
import { PodrunError, ManifestErrors, UsageError } from '../../util/errors';
import { parseArgs, str } from '../args';
import type { CliContext } from '../context';
import { writeErr } from '../output';

const USAGE = 'podrun apply -f FILE|DIR|- [-f ...] [--dry-run] [-o json|yaml|name]';
const OUTPUTS = ['json', 'yaml', 'name'];

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs(
    argv,
    {
      filename: { type: 'string', short: 'f', multiple: true },
      'dry-run': { type: 'boolean' },
      output: { type: 'string', short: 'o' },
    },
    USAGE,
  );
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`, `pass manifests with -f: ${USAGE}`);
  const files = (values.filename as string[] | undefined) ?? [];
  if (!files.length) throw new UsageError('apply needs at least one -f FILE|DIR|-', `usage: ${USAGE}`);
  const output = str(values.output);
  if (output !== undefined && !OUTPUTS.includes(output))
    throw new UsageError(`-o: unknown output format '${output}'`, `use one of ${OUTPUTS.join(', ')}`);
  const dryRun = values['dry-run'] === true;

  const { loadManifests, formatManifestWarning } = await import('../../manifest/load');
  const loaded = await loadManifests(files);
  for (const w of loaded.warnings) writeErr(formatManifestWarning(w) + '\n');
  if (loaded.errors.length) throw new ManifestErrors(loaded.errors);
  if (!loaded.pods.length) throw new UsageError(`no pods found in ${files.join(', ')}`, 'a manifest needs `apiVersion: v1` and `kind: Pod`');

  if (dryRun) {
    const { dryRunPlans } = await import('../../runtime/dryrun');
    const results = await dryRunPlans(ctx.paths, loaded.pods);
    for (const r of results)
      for (const img of r.unresolvedImages)
        writeErr(`warning: pod/${r.plan.name}: image ${img} is not in the local store; the plan leaves its imageId, layers and config unresolved\n`);
    if (output === 'json' || output === 'yaml') {
      const plans = results.map((r) => r.plan);
      const value = plans.length === 1 ? plans[0] : { kind: 'List', items: plans };
      ctx.out(output === 'json' ? JSON.stringify(value, null, 2) + '\n' : (await import('js-yaml')).dump(value, { noRefs: true, lineWidth: -1 }));
    } else for (const r of results) ctx.out(output === 'name' ? `pod/${r.plan.name}\n` : `pod/${r.plan.name} ${r.action} (dry run)\n`);
    return 0;
  }

  if (process.getuid?.() !== 0)
    throw new PodrunError('podrun apply needs root: it creates namespaces and mounts', 'run it as root (sudo), or use --dry-run -o json to see the plan');

  const { applyPod, describeFailure } = await import('../../runtime/apply');
  const progress = (line: string) => writeErr(line.endsWith('\n') ? line : line + '\n');
  let code = 0;
  const objects: unknown[] = [];
  for (const pod of loaded.pods) {
    let outcome;
    try {
      outcome = await applyPod(ctx.paths, pod, { progress });
    } catch (e) {
      // One pod failing does not stop the others (kubectl apply goes on, then exits 1).
      if (!(e instanceof PodrunError)) throw e;
      writeErr(`error: ${e.message}\n${e.hint ? `  hint: ${e.hint}\n` : ''}`);
      code = Math.max(code, e.exitCode);
      continue;
    }
    const { name } = outcome;
    if (output === 'json' || output === 'yaml') {
      const { computePodStatus, k8sPod, snapshotPod } = await import('../../state');
      const snap = snapshotPod(outcome.record);
      objects.push(k8sPod(computePodStatus(snap), snap));
    } else ctx.out(output === 'name' ? `pod/${name}\n` : `pod/${name} ${outcome.action}\n`);
    for (const f of outcome.failures) {
      const d = describeFailure(name, f);
      writeErr(`error: ${d.message}\n  hint: ${d.hint}\n`);
      code = Math.max(code, 1);
    }
  }
  if (objects.length) {
    const value = objects.length === 1 ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects };
    ctx.out(output === 'json' ? JSON.stringify(value, null, 2) + '\n' : (await import('js-yaml')).dump(value, { noRefs: true, lineWidth: -1 }));
  }
  return code;
}
