// podrun push [-q] [--insecure] REF [DEST]
import { UsageError } from '../../util/errors';
import { parseArgs, type VerbSpec } from '../args';
import { insecureOption } from '../resources';
import type { CliContext } from '../context';

export const spec: VerbSpec = {
  name: 'push',
  usage: 'podrun push [-q] [--insecure] REF [DEST]',
  description: 'Push an image from the store to a registry (blobs the registry has are not sent again).',
  examples: [
    ['push an image under its name', 'podrun push localhost:5000/app:v1'],
    ['push a local image under another name', 'podrun push app:dev localhost:5000/app:v1'],
  ],
  options: {
    quiet: { type: 'boolean', short: 'q', help: 'no progress' },
    ...insecureOption,
  },
  operands: ['images'],
};
const USAGE = spec.usage;

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs(argv, spec);
  if (positionals.length < 1 || positionals.length > 2)
    throw new UsageError(positionals.length ? `push takes REF and an optional DEST, got ${positionals.length} arguments` : 'push needs an image reference', `usage: ${USAGE}`);
  const { openStore } = await import('../../images/store');
  const { pushImage } = await import('../../images/push');
  const { createProgress } = await import('../../images/progress');
  const { parseReference } = await import('../../images/reference');
  const dest = positionals[1] !== undefined ? parseReference(positionals[1]) : undefined;
  const quiet = Boolean(values.quiet);
  const display = createProgress({ mode: quiet ? 'quiet' : process.stdout.isTTY ? 'tty' : 'plain', write: ctx.out, columns: process.stdout.columns });
  const r = await pushImage(openStore(ctx.paths), positionals[0], dest, { insecure: Boolean(values.insecure), display });
  ctx.out(quiet ? `${r.ref}@${r.digest}\n` : `Pushed ${r.ref}@${r.digest}\n`);
  return 0;
}
