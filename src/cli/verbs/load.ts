// podrun load -i FILE|DIR [-q]
import { UsageError } from '../../util/errors';
import { parseArgs, str, type VerbSpec } from '../args';
import type { CliContext } from '../context';

export const spec: VerbSpec = {
  name: 'load',
  usage: 'podrun load [-i FILE|DIR|-] [-q]',
  description: 'Load images from a docker save archive, an OCI archive or an OCI layout directory (.gz too), as docker load does; without -i (or with -i -) from stdin.',
  examples: [
    ['load an archive docker save wrote', 'podrun load -i busybox.tar'],
    ['from stdin', 'podrun load < busybox.tar.gz'],
  ],
  options: {
    input: { type: 'string', short: 'i', arg: 'FILE|DIR', help: 'the archive or OCI layout directory (- or none: stdin)', complete: 'files' },
    quiet: { type: 'boolean', short: 'q', help: 'print only the image ids' },
  },
  operands: ['files'],
};
const USAGE = spec.usage;

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs(argv, spec);
  const input = str(values.input) ?? (positionals.length === 1 ? positionals[0] : '-');
  if ((values.input && positionals.length) || positionals.length > 1) throw new UsageError('load takes one input: -i FILE, DIR or - (stdin)', `usage: ${USAGE}`);
  const { openStore } = await import('../../images/store');
  const { loadArchive } = await import('../../images/archive');
  const store = openStore(ctx.paths);
  const loaded = input === '-' ? await (await import('../stdio-spool')).withStdinFile(store, 'load.tar', (tmp) => loadArchive(store, tmp)) : await loadArchive(store, input);
  for (const l of loaded) {
    if (values.quiet) ctx.out(l.record.imageId + '\n');
    else if (l.names.length) for (const n of l.names) ctx.out(`Loaded image: ${n}\n`);
    else ctx.out(`Loaded image ID: ${l.record.imageId}\n`);
  }
  return 0;
}
