// podrun down [-f FILE|DIR ...] [--grace-period N | --now]
// The other half of `up`: the pods and workloads the files define (default pods/) are stopped
// together (their grace periods run at once, with delete's live line and Ctrl-C) and deleted (a
// StatefulSet's claims stay, as with delete), then the Services,
// ConfigMaps and Secrets they define. PersistentVolumeClaims stay, with their data, as compose
// keeps its volumes: `podrun delete pvc NAME` removes one. What is not there is skipped.
import { ManifestErrors, UsageError } from '../../util/errors';
import { gracePeriodOption, parseArgs, type VerbSpec } from '../args';
import { requireRoot } from '../root';
import { filenameOption, graceOptions, validateModeOf, validateOption } from '../resources';
import type { CliContext } from '../context';
import { writeErr } from '../output';
import { forEachItem } from '../render';
import { finishLeftovers } from '../sync';
import { kindWord, workloadRef } from '../../util/kinds';

export const spec: VerbSpec = {
  name: 'down',
  usage: 'podrun down [-f FILE|DIR ...] [--grace-period N | --now]',
  description: "Stop and delete what pods/ (or -f) defines, as docker compose down does; PersistentVolumeClaims stay (their data is the user's).",
  examples: [
    ['stop what podrun up brought up from pods/', 'podrun down'],
    ['the same for another directory, at once', 'podrun down -f envs/test --now'],
  ],
  options: { ...filenameOption('the manifests (default pods/)'), ...graceOptions, ...validateOption },
};
const USAGE = spec.usage;

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs(argv, spec);
  requireRoot('down', 'it stops pods');
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`, `usage: ${USAGE}`);
  const grace = gracePeriodOption(values);
  const files = (await import('./up')).upFiles(values.filename as string[] | undefined, 'down');
  const { loadManifests, formatManifestWarning } = await import('../../manifest/load');
  const loaded = await loadManifests(files, { validate: validateModeOf(values) });
  for (const w of loaded.warnings) writeErr(formatManifestWarning(w) + '\n');
  if (loaded.errors.length) throw new ManifestErrors(loaded.errors);

  await finishLeftovers(ctx);
  const pods = loaded.pods.map((p) => ({ namespace: p.manifest.metadata.namespace, name: p.manifest.metadata.name }));
  const { stopPods } = await import('../stop-pods');
  const watch = (await import('../grace-wait')).graceWatch();
  const { deleteWorkload } = await import('../../runtime/workloads');
  const progress = (line: string) => writeErr(`${line}\n`);
  // the workloads' pods stop while the bare pods do
  const [podsCode, workloadsCode] = await Promise.all([
    stopPods(ctx, pods, grace, watch, (p) => ctx.out(`pod "${p.name}" deleted\n`)),
    forEachItem(loaded.workloads, async ({ workload: w }) => {
      if (await deleteWorkload(ctx.paths, w.kind, w.metadata.namespace, w.metadata.name, { gracePeriodSeconds: grace, watch, progress })) ctx.out(`${workloadRef(w.kind, w.metadata.name).replace('/', ' "')}" deleted\n`);
    }),
  ]);
  let code = Math.max(podsCode, workloadsCode);
  const objects = loaded.objects.filter((o) => o.object.kind !== 'PersistentVolumeClaim');
  const { deleteObject } = await import('../../runtime/delete-object');
  code = Math.max(
    code,
    await forEachItem(objects, async ({ object: o }) => {
      if (await deleteObject(ctx.paths, o.kind, o.metadata.namespace, o.metadata.name)) ctx.out(`${kindWord(o.kind)} "${o.metadata.name}" deleted\n`);
    }),
  );
  if (objects.some((o) => o.object.kind === 'Service')) await (await import('../sync')).syncServicesAfter(ctx);
  return code;
}
