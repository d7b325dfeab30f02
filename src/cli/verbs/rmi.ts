// podrun rmi [-f|--force] REF|ID...
import { UsageError } from '../../util/errors';
import { parseArgs } from '../args';
import type { CliContext } from '../context';
import { forEachItem } from '../render';

export const USAGE = 'podrun rmi [-f|--force] IMAGE [IMAGE...]';

export async function run(argv: string[], ctx: CliContext, usage = USAGE): Promise<number> {
  const { values, positionals } = parseArgs(argv, { force: { type: 'boolean', short: 'f' } }, usage);
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
