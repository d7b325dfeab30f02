// podrun save -o FILE IMAGE [IMAGE...]
import { UsageError } from '../../util/errors';
import { parseArgs, str, type VerbSpec } from '../args';
import type { CliContext } from '../context';

export const spec: VerbSpec = {
  name: 'save',
  usage: 'podrun save [-o FILE|-] IMAGE [IMAGE...]',
  description: 'Save images to an OCI archive that docker load, podman load and skopeo also read; without -o (or with -o -) to stdout, as docker save does.',
  examples: [
    ['save an image', 'podrun save -o app.tar app:v1'],
    ['to stdout, compressed on the way', 'podrun save app:v1 | gzip > app.tar.gz'],
  ],
  options: { output: { type: 'string', short: 'o', arg: 'FILE', help: 'the archive to write (- or none: stdout)', complete: 'files' } },
  operands: ['images'],
  repeatLast: true,
};
const USAGE = spec.usage;

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs(argv, spec);
  const out = str(values.output);
  if (!positionals.length) throw new UsageError('save needs at least one image', `usage: ${USAGE}`);
  const { openStore } = await import('../../images/store');
  const { saveArchive } = await import('../../images/archive');
  const store = openStore(ctx.paths);
  if (out === undefined || out === '-') await (await import('../stdio-spool')).toStdout(store, 'save.tar', (tmp) => saveArchive(store, positionals, tmp));
  else await saveArchive(store, positionals, out);
  return 0;
}
