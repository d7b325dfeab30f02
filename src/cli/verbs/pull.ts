// podrun pull [-q] [--insecure] [--platform OS/ARCH[/VARIANT]] REF
import { UsageError } from '../../util/errors';
import { parseArgs, str, type VerbSpec } from '../args';
import { insecureOption } from '../resources';
import type { CliContext } from '../context';

export const spec: VerbSpec = {
  name: 'pull',
  usage: 'podrun pull [-q] [--insecure] [--platform OS/ARCH[/VARIANT]] REF',
  description: 'Pull an image from a registry into the store (layers shared with the images already there).',
  examples: [
    ['pull from a local registry', 'podrun pull localhost:5000/busybox:1.36'],
    ['another platform\'s image', 'podrun pull --platform linux/arm64 localhost:5000/app:v1'],
  ],
  options: {
    quiet: { type: 'boolean', short: 'q', help: 'print only the image id' },
    ...insecureOption,
    platform: { type: 'string', arg: 'OS/ARCH[/VARIANT]', help: "the platform to pick from a multi-platform image (default this machine's)" },
  },
};
const USAGE = spec.usage;

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs(argv, spec);
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
