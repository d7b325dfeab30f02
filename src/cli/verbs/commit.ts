// podrun commit POD/CONTAINER NAME[:TAG] [-n NS] [-m MSG] [-a AUTHOR] [--change INSTR]... [--pause=false]
// Prints the new image's id. The pod is frozen while its container's changes are read (--pause,
// the default, as docker commit), then runs on; see docs/cli/commit.md.
import { UsageError } from '../../util/errors';
import { parseArgs, str, type VerbSpec } from '../args';
import { requireRoot } from '../root';
import type { CliContext } from '../context';
import { pickContainer } from '../../runtime/exec';
import { containerAddress, namespaceFrom, namespaceOptions } from '../resources';
import { findPod } from '../../state/pod-records';
import { writeErr } from '../output';

export const spec: VerbSpec = {
  name: 'commit',
  usage: "podrun commit POD/CONTAINER NAME[:TAG] [-n NAMESPACE] [-m MESSAGE] [-a AUTHOR] [--change 'CMD [\"sh\"]']... [-p|--pause[=false]]",
  description: "Make an image from a container's changes: its writable layer on top of its image, as docker commit does.",
  examples: [
    ['save what was installed in the app container of pod dev', 'podrun commit dev/app dev-tools:v2 -m "apk add git"'],
    ['set the new image\'s command', "podrun commit dev/app dev-tools:v2 --change 'CMD [\"sh\"]'"],
  ],
  options: {
    ...namespaceOptions,
    container: { type: 'string', short: 'c', arg: 'CONTAINER', help: 'the container (instead of POD/CONTAINER)', complete: 'containers' },
    message: { type: 'string', short: 'm', arg: 'MESSAGE', help: "the commit message (the image history's comment)" },
    author: { type: 'string', short: 'a', arg: 'AUTHOR', help: 'the author recorded in the image' },
    change: { type: 'string', multiple: true, arg: 'INSTRUCTION', help: 'a Dockerfile instruction applied to the config: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, WORKDIR, VOLUME, STOPSIGNAL (repeatable)' },
    pause: { type: 'boolean', short: 'p', help: "freeze the container while its layer is read (default true; --pause=false doesn't)" },
  },
  operands: ['pods', 'images'],
};
const USAGE = spec.usage;

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs(argv, spec);
  requireRoot('commit', "it reads the container's layers");
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
