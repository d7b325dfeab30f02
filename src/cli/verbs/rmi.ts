// podrun rmi [-f|--force] REF|ID...
import { UsageError } from '../../util/errors';
import { parseArgs, type VerbSpec } from '../args';
import type { CliContext } from '../context';
import { forEachItem } from '../render';

export const spec: VerbSpec = {
  name: 'rmi',
  usage: 'podrun rmi [-f|--force] IMAGE [IMAGE...]',
  description: 'Remove images (by name, name:tag or id), as docker rmi does; an image a pod uses stays unless -f.',
  examples: [['remove an image', 'podrun rmi busybox:dev']],
  options: { force: { type: 'boolean', short: 'f', help: 'remove it even if pods use it, and every name of an id' } },
  operands: ['images'],
  repeatLast: true,
};

export async function run(argv: string[], ctx: CliContext, as: VerbSpec = spec): Promise<number> {
  const usage = as.usage;
  const { values, positionals } = parseArgs(argv, as);
  if (!positionals.length) throw new UsageError('rmi needs at least one image (name, name:tag or id)', `usage: ${usage}`);
  const { openStore } = await import('../../images/store');
  const store = openStore(ctx.paths);
  // Every image is tried, as docker does.
  return forEachItem(positionals, async (ref) => {
    const r = await store.removeImage(ref, Boolean(values.force));
    for (const n of r.untagged) ctx.out(`Untagged: ${n}\n`);
    if (r.deleted) ctx.out(`Deleted: ${r.deleted}\n`);
  });
}
