// podrun tag SOURCE TARGET: another name for an image, as docker tag does.
import { UsageError } from '../../util/errors';
import { parseArgs, type VerbSpec } from '../args';
import type { CliContext } from '../context';

export const spec: VerbSpec = {
  name: 'tag',
  usage: 'podrun tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
  description: 'Give an image another name (the same layers, nothing copied), as docker tag does; a name another image had moves to this one.',
  examples: [
    ['name a local image for a registry, then push it', 'podrun tag app:dev localhost:5000/app:v1'],
    ['by id', 'podrun tag 68eb6186cdb7 tools:latest'],
  ],
  options: {},
  operands: ['images', 'images'],
};

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { positionals } = parseArgs(argv, spec);
  if (positionals.length !== 2) throw new UsageError(`tag needs SOURCE and TARGET, got ${positionals.length} argument(s)`, `usage: ${spec.usage}`);
  const { openStore } = await import('../../images/store');
  const { parseTagReference } = await import('../../images/reference');
  const target = parseTagReference(positionals[1]); // a tag, not a digest: a digest names content
  const store = openStore(ctx.paths);
  await store.tag(store.get(positionals[0]), target);
  return 0;
}
