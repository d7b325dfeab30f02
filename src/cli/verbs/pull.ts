// podrun pull [-q] [--insecure] [--platform OS/ARCH[/VARIANT]] REF
import { UsageError } from '../../util/errors';
import { parseArgs, str } from '../args';
import type { CliContext } from '../context';

const USAGE = 'podrun pull [-q] [--insecure] [--platform OS/ARCH[/VARIANT]] REF';

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs(
    argv,
    { quiet: { type: 'boolean', short: 'q' }, insecure: { type: 'boolean' }, platform: { type: 'string' } },
    USAGE,
  );
  if (positionals.length !== 1)
    throw new UsageError(positionals.length ? `pull takes one image reference, got ${positionals.length}` : 'pull needs an image reference', `usage: ${USAGE}`);
  const { parseReference, formatReference } = await import('../../images/reference');
  const { parsePlatform } = await import('../../images/platform');
  const { openStore } = await import('../../images/store');
  const { pullImage } = await import('../../images/pull');
  const { createProgress } = await import('../../images/progress');
  const ref = parseReference(positionals[0]);
  const platformText = str(values.platform);
  let platform;
  try {
    platform = platformText ? parsePlatform(platformText) : undefined;
  } catch (e) {
    throw new UsageError(`--platform: ${(e as Error).message}`, (e as UsageError).hint);
  }
  const quiet = Boolean(values.quiet);
  const display = createProgress({ mode: quiet ? 'quiet' : process.stdout.isTTY ? 'tty' : 'plain', write: ctx.out, columns: process.stdout.columns });
  await pullImage(openStore(ctx.paths), ref, { insecure: Boolean(values.insecure), platform, display });
  // Like `docker pull -q`: only the reference, for scripts.
  if (quiet) ctx.out(formatReference(ref) + '\n');
  return 0;
}
