// podrun import [-m MSG] [-c 'INSTRUCTION'...] ROOTFS_DIR|ROOTFS.tar[.gz] NAME[:TAG]
import { UsageError } from '../../util/errors';
import { parseArgs, str } from '../args';
import type { CliContext } from '../context';

const USAGE = "podrun import [-q] [-m MESSAGE] [-c 'CMD [\"sh\"]']... ROOTFS_DIR|ROOTFS.tar[.gz] NAME[:TAG]";

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs(
    argv,
    {
      message: { type: 'string', short: 'm' },
      change: { type: 'string', short: 'c', multiple: true },
      quiet: { type: 'boolean', short: 'q' },
    },
    USAGE,
  );
  if (positionals.length !== 2)
    throw new UsageError(`import needs a source and a NAME[:TAG], got ${positionals.length} argument(s)`, `usage: ${USAGE}`);
  const [src, tag] = positionals;
  const { parseTagReference } = await import('../../images/reference');
  parseTagReference(tag);
  const { parseChanges } = await import('../../images/changes');
  const config = parseChanges((values.change as string[] | undefined) ?? []);
  const { openStore } = await import('../../images/store');
  const { importRootfs } = await import('../../images/create');
  const rec = await importRootfs(openStore(ctx.paths), src, tag, { config, message: str(values.message) });
  ctx.out(rec.imageId + '\n');
  return 0;
}
