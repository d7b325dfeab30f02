// podrun save -o FILE IMAGE [IMAGE...]
import { UsageError } from '../../util/errors';
import { parseArgs, str } from '../args';
import type { CliContext } from '../context';

const USAGE = 'podrun save -o FILE IMAGE [IMAGE...]   (writes an OCI archive that docker load and skopeo also read)';

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs(argv, { output: { type: 'string', short: 'o' } }, USAGE);
  const out = str(values.output);
  if (!out) throw new UsageError('save needs -o FILE', `usage: ${USAGE}`);
  if (!positionals.length) throw new UsageError('save needs at least one image', `usage: ${USAGE}`);
  const { openStore } = await import('../../images/store');
  const { saveArchive } = await import('../../images/archive');
  await saveArchive(openStore(ctx.paths), positionals, out);
  return 0;
}
