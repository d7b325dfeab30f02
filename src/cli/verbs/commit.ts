// podrun commit POD/CONTAINER NAME[:TAG] [-n NS] [-m MSG] [-a AUTHOR] [--change INSTR]... [--pause=false]
// Prints the new image's id. The pod is frozen while its container's changes are read (--pause,
// the default, as docker commit), then runs on; see docs/cli/commit.md.
import { UsageError } from '../../util/errors';
import { parseArgs, str } from '../args';
import type { CliContext } from '../context';
import { pickContainer } from '../../runtime/exec';
import { containerAddress, namespaceFrom, namespaceOptions } from '../resources';
import { findPod } from '../../state/pod-records';
import { writeErr } from '../output';

const USAGE = "podrun commit POD/CONTAINER NAME[:TAG] [-n NAMESPACE] [-m MESSAGE] [-a AUTHOR] [--change 'CMD [\"sh\"]']... [-p|--pause[=false]]";

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs(
    argv,
    {
      ...namespaceOptions,
      container: { type: 'string', short: 'c' },
      message: { type: 'string', short: 'm' },
      author: { type: 'string', short: 'a' },
      change: { type: 'string', multiple: true },
      pause: { type: 'boolean', short: 'p' },
    },
    USAGE,
  );
  if (positionals.length !== 2)
    throw new UsageError(`commit needs POD/CONTAINER and NAME[:TAG], got ${positionals.length} argument(s)`, `usage: ${USAGE}`);
  const [target, tag] = positionals;
  const { parseTagReference } = await import('../../images/reference');
  parseTagReference(tag);
  const addr = containerAddress(target, str(values.container), namespaceFrom(values), USAGE);
  const rec = findPod(ctx.paths, addr.namespace, addr.name);
  const { container } = pickContainer(rec, addr.container, false);
  const changes = (values.change as string[] | undefined) ?? [];
  // reject bad instructions before any work (they are applied to the base config later)
  if (changes.length) (await import('../../images/changes')).parseChanges(changes);
  const { commitContainer } = await import('../../runtime/commit');
  const img = await commitContainer(ctx.paths, rec, container, {
    tag,
    pause: values.pause !== false,
    warn: (m) => writeErr(`warning: ${m}\n`),
    message: str(values.message),
    author: str(values.author),
    changes,
    source: `${addr.name}/${container.name}`,
  });
  ctx.out(img.imageId + '\n');
  return 0;
}
