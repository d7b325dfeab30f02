// podrun load -i FILE|DIR [-q]
import { UsageError } from '../../util/errors';
import { parseArgs, str } from '../args';
import type { CliContext } from '../context';

const USAGE = 'podrun load -i FILE|DIR [-q]   (docker save archive, OCI archive, OCI layout directory; .gz ok)';

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs(argv, { input: { type: 'string', short: 'i' }, quiet: { type: 'boolean', short: 'q' } }, USAGE);
  const input = str(values.input) ?? (positionals.length === 1 ? positionals[0] : undefined);
  if (!input || (values.input && positionals.length)) throw new UsageError('load needs one input: -i FILE or DIR', `usage: ${USAGE}`);
  const { openStore } = await import('../../images/store');
  const { loadArchive } = await import('../../images/archive');
  const loaded = await loadArchive(openStore(ctx.paths), input);
  for (const l of loaded) {
    if (values.quiet) ctx.out(l.record.imageId + '\n');
    else if (l.names.length) for (const n of l.names) ctx.out(`Loaded image: ${n}\n`);
    else ctx.out(`Loaded image ID: ${l.record.imageId}\n`);
  }
  return 0;
}
