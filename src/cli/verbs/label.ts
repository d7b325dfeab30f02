// podrun label|annotate (TYPE NAME... | TYPE/NAME... | TYPE -l SEL | TYPE --all) KEY=VALUE... KEY-...
// [--overwrite] [-n NS]: kubectl's, on pods (in place, through apply: cli/metadata-edit.ts),
// workloads and objects.
import { UsageError } from '../../util/errors';
import { parseArgs, str, type VerbSpec } from '../args';
import type { CliContext } from '../context';
import { forEachItem } from '../render';
import { requireRoot } from '../root';
import { namespaceFrom, namespaceOptions, parseResourceArgs, type ResourceAddress } from '../resources';
import type { MetadataField } from '../metadata-edit';

function metadataSpec(verb: 'label' | 'annotate'): VerbSpec {
  const what = verb === 'label' ? 'label' : 'annotation';
  const eg = verb === 'label' ? ['tier=web', 'tier'] : ["description='the web front'", 'description'];
  return {
    name: verb,
    usage: `podrun ${verb} (TYPE NAME... | TYPE/NAME... | TYPE -l SELECTOR | TYPE --all) KEY=VALUE... KEY-... [--overwrite] [-n NAMESPACE]`,
    description: `Set or remove ${what}s of pods, workloads and objects, as kubectl ${verb} does: KEY=VALUE sets, KEY- removes, --overwrite changes a value already there. A pod's change is made in place (nothing restarts), as apply makes a file's changed ${what}s; the next apply of the file sets what the file says.`,
    examples: [
      [`set a ${what}`, `podrun ${verb} pod web ${eg[0]}`],
      [`change it`, `podrun ${verb} pod web ${eg[0].replace(/=.*/, '=other')} --overwrite`],
      [`remove it from every pod labelled app=web`, `podrun ${verb} pods -l app=web ${eg[1]}-`],
    ],
    options: {
      ...namespaceOptions,
      overwrite: { type: 'boolean', help: `change a ${what} that already has another value` },
      selector: { type: 'string', short: 'l', arg: 'SELECTOR', help: 'the objects of the type with these labels' },
      all: { type: 'boolean', help: 'every object of the type in the namespace' },
    },
    operands: ['resource-types', 'resource-names'],
    repeatLast: true,
  };
}

export const spec = metadataSpec('label');

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  return editCommand(argv, ctx, spec, 'labels', 'labeled');
}

export async function editCommand(argv: string[], ctx: CliContext, s: VerbSpec, field: MetadataField, said: 'labeled' | 'annotated'): Promise<number> {
  const { values, positionals } = parseArgs(argv, s);
  requireRoot(s.name, 'the state of pods and objects is root\'s');
  const ns = namespaceFrom(values);
  // the resources come first, then the KEY=VALUE and KEY- words
  const firstEdit = positionals.findIndex((w, i) => i > 0 && (w.includes('=') || (w.endsWith('-') && !w.includes('/'))));
  if (firstEdit < 0) throw new UsageError(`name at least one ${field === 'labels' ? 'label' : 'annotation'} to set (KEY=VALUE) or remove (KEY-)`, `usage: ${s.usage}`);
  const { editMetadata, parseEdits } = await import('../metadata-edit');
  const edit = parseEdits(positionals.slice(firstEdit), field);
  const named = positionals.slice(0, firstEdit);
  const selector = str(values.selector);
  let targets: ResourceAddress[];
  if (selector !== undefined || values.all) {
    const r = parseResourceArgs(s.name, named, ns, { required: false, usage: s.usage });
    if (r.addrs.length) throw new UsageError(`${values.all ? '--all' : '-l'} takes the objects of the type it selects; do not name any with it`);
    targets = await (await import('../select')).selectedObjects(ctx, r.kind, ns, selector);
  } else targets = parseResourceArgs(s.name, named, ns, { required: true, usage: s.usage }).addrs;
  const code = await forEachItem(targets, async (t) => ctx.out(`${await editMetadata(ctx.paths, t, field, edit, values.overwrite === true, said)}\n`));
  if (field === 'labels' && targets.some((t) => t.kind === 'Pod')) await (await import('../sync')).syncServicesAfter(ctx); // a Service's pods are picked by label
  return code;
}

export { metadataSpec };
