// podrun load -i FILE|DIR [-q]
import { UsageError } from '../../util/errors';
import { parseArgs, str, type VerbSpec } from '../args';
import type { CliContext } from '../context';

export const spec: VerbSpec = {
  name: 'load',
  usage: 'podrun load -i FILE|DIR [-q]',
  description: 'Load images from a docker save archive, an OCI archive or an OCI layout directory (.gz too), as docker load does.',
  examples: [['load an archive docker save wrote', 'podrun load -i busybox.tar']],
  options: {
    input: { type: 'string', short: 'i', arg: 'FILE|DIR', help: 'the archive or OCI layout directory', complete: 'files' },
    quiet: { type: 'boolean', short: 'q', help: 'print only the image ids' },
  },
  operands: ['files'],
};
const USAGE = spec.usage;

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs(argv, spec);
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
