// podrun lint -f FILE|DIR [-R] [--for-cluster]: the manifests checked as apply checks them, and
// with --for-cluster what in them will behave differently on a real cluster (plan/cluster-lint.ts).
import { ManifestErrors, UsageError } from '../../util/errors';
import { parseArgs, type VerbSpec } from '../args';
import type { CliContext } from '../context';
import { filenameOption, recursiveOption, validateModeOf, validateOption } from '../resources';

export const spec: VerbSpec = {
  name: 'lint',
  usage: 'podrun lint -f FILE|DIR|- [-f ...] [-R] [--for-cluster]',
  description:
    "Check manifests as apply checks them, changing nothing (exit 2 with every problem at its file:line). With --for-cluster, also name what will behave differently on a real cluster: relative and host paths, podrun's annotations, images only this machine has, NodePort and LoadBalancer Services on loopback, scheduling fields ignored here; exit 1 when there is any.",
  examples: [
    ['are the manifests valid?', 'podrun lint -f pods/'],
    ['what changes when they go to a cluster', 'podrun lint --for-cluster -f pods/'],
  ],
  options: {
    ...validateOption,
    ...filenameOption('the manifests'),
    ...recursiveOption,
    'for-cluster': { type: 'boolean', help: 'also name what will behave differently on a real cluster' },
  },
};

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs(argv, spec);
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`, `pass manifests with -f: ${spec.usage}`);
  const files = (values.filename as string[] | undefined) ?? [];
  if (!files.length) throw new UsageError('lint needs at least one -f FILE|DIR|-', `usage: ${spec.usage}`);
  const { loadManifests, formatManifestWarning } = await import('../../manifest/load');
  const loaded = await loadManifests(files, { recursive: values.recursive === true, validate: validateModeOf(values) });
  const { writeErr } = await import('../output');
  for (const w of loaded.warnings) writeErr(formatManifestWarning(w) + '\n');
  if (loaded.errors.length) throw new ManifestErrors(loaded.errors);
  if (!values['for-cluster']) return 0;
  const { objectFindings, podFindings, workloadFindings } = await import('../../plan/cluster-lint');
  const local = localOnlyImages(ctx, [...loaded.pods.map((p) => p.manifest), ...loaded.workloads.map((w) => w.workload.templatePod)]);
  const found = [
    ...loaded.pods.flatMap((p) => podFindings(p.manifest, [], local).map((f) => ({ f, file: p.file, lineOf: p.lineOf, line: p.line }))),
    ...loaded.workloads.flatMap((w) => workloadFindings(w.workload, local).map((f) => ({ f, file: w.file, lineOf: w.lineOf, line: w.line }))),
    ...loaded.objects.flatMap((o) => objectFindings(o.object).map((f) => ({ f, file: o.file, lineOf: o.lineOf, line: o.line }))),
  ];
  const { formatFieldPath } = await import('../../util/errors');
  const display = (file: string) => (file.startsWith(process.cwd() + '/') ? file.slice(process.cwd().length + 1) : file);
  for (const { f, file, lineOf, line } of found) ctx.out(`${display(file)}:${lineOf?.(f.path) ?? line}: ${formatFieldPath(f.path)}: ${f.advisory ? '(note) ' : ''}${f.message}\n  hint: ${f.hint}\n`);
  return found.some((x) => !x.f.advisory) ? 1 : 0;
}

/** The images of PODS that this machine's store has only as imported or committed (no registry digest); none when the store cannot be read. */
function localOnlyImages(ctx: CliContext, pods: import('../../manifest/schema').PodManifest[]): Set<string> {
  const out = new Set<string>();
  try {
    const { openStore } = require('../../images/store') as typeof import('../../images/store');
    const store = openStore(ctx.paths);
    for (const p of pods)
      for (const c of [...(p.spec.initContainers ?? []), ...p.spec.containers]) {
        const rec = store.lookup(c.image);
        if (rec && !rec.repoDigests.length) out.add(c.image);
      }
  } catch {
    /* not root, no store: nothing known to be local */
  }
  return out;
}
