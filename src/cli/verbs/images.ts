// podrun images [-q] [-o table|json] [REPOSITORY[:TAG]]
import { UsageError } from '../../util/errors';
import { parseArgs, str } from '../args';
import type { CliContext } from '../context';
import { formatTable } from '../render';

export const USAGE = 'podrun images [-q|--quiet] [-o table|json] [REPOSITORY[:TAG]]';

export async function run(argv: string[], ctx: CliContext, usage = USAGE): Promise<number> {
  const { values, positionals } = parseArgs(
    argv,
    { quiet: { type: 'boolean', short: 'q' }, output: { type: 'string', short: 'o', default: 'table' } },
    usage,
  );
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
