// podrun images [-q] [-o table|json] [REPOSITORY[:TAG]]
import { UsageError } from '../../util/errors';
import { parseArgs, str, type VerbSpec } from '../args';
import type { CliContext } from '../context';
import { formatTable } from '../render';

export const spec: VerbSpec = {
  name: 'images',
  usage: 'podrun images [-q|--quiet] [-o table|json] [REPOSITORY[:TAG]]',
  description: 'List the images in the store, as docker images does.',
  examples: [
    ['every image', 'podrun images'],
    ['the ids of the busybox images', 'podrun images -q busybox'],
  ],
  options: {
    all: { type: 'boolean', short: 'a', help: "every image, also docker's intermediate ones (podrun makes none: the same list)" },
    quiet: { type: 'boolean', short: 'q', help: 'print only image ids' },
    output: { type: 'string', short: 'o', default: 'table', arg: 'table|json', help: 'the output format', complete: ['table', 'json'] },
  },
  operands: ['images'],
};

export async function run(argv: string[], ctx: CliContext, as: VerbSpec = spec): Promise<number> {
  const usage = as.usage;
  const { values, positionals } = parseArgs(argv, as);
  const output = str(values.output);
  if (output !== 'table' && output !== 'json') throw new UsageError(`-o ${output}: expected 'table' or 'json'`, `usage: ${usage}`);
  if (positionals.length > 1) throw new UsageError('images takes at most one REPOSITORY[:TAG] filter', `usage: ${usage}`);
  const { openStore } = await import('../../images/store');
  const { imageRows, humanSize, timeAgo } = await import('../../images/display');
  let rows = imageRows(openStore(ctx.paths).list());
  if (positionals[0]) {
    const { parseReference, repositoryOf } = await import('../../images/reference');
    const hasTag = /:[^/]*$/.test(positionals[0]);
    const want = parseReference(positionals[0]);
    rows = rows.filter((r) => r.repository === repositoryOf(want) && (!hasTag || r.tag === want.tag));
  }
  if (values.quiet) {
    const seen = new Set<string>();
    for (const r of rows) {
      if (seen.has(r.id)) continue;
      seen.add(r.id);
      ctx.out(r.id + '\n');
    }
    return 0;
  }
  if (output === 'json') {
    ctx.out(JSON.stringify(rows.map((r) => ({ repository: r.repository, tag: r.tag, id: r.imageId, manifestDigest: r.manifestDigest, created: r.created, size: r.size })), null, 2) + '\n');
    return 0;
  }
  ctx.out(
    formatTable([['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'], ...rows.map((r) => [r.repository, r.tag, r.id, timeAgo(r.created), humanSize(r.size)])]),
  );
  return 0;
}
