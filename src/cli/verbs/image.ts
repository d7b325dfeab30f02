// podrun image ls|rm|prune|inspect: the image management group (ls = images, rm = rmi).
import { UsageError } from '../../util/errors';
import { parseArgs } from '../args';
import type { CliContext } from '../context';

const USAGE = `podrun image COMMAND

commands:
  ls       list images (same as 'podrun images')
  rm       remove images (same as 'podrun rmi')
  prune    remove dangling images, unreferenced blobs and layers, and temp leftovers
  inspect  print images' config, manifest digest, layers and names as JSON`;

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'ls':
    case 'list':
      return (await import('./images')).run(rest, ctx, 'podrun image ls [-q] [-o table|json] [REPOSITORY[:TAG]]');
    case 'rm':
    case 'remove':
      return (await import('./rmi')).run(rest, ctx, 'podrun image rm [-f|--force] IMAGE [IMAGE...]');
    case 'prune':
      return prune(rest, ctx);
    case 'inspect':
      return inspect(rest, ctx);
    case '-h':
    case '--help':
      ctx.out(USAGE + '\n');
      return 0;
    case undefined:
      throw new UsageError('image needs a command: ls, rm, prune or inspect', "run 'podrun image --help' for details");
    default:
      throw new UsageError(`unknown image command '${sub}'`, 'use one of: ls, rm, prune, inspect');
  }
}

async function prune(argv: string[], ctx: CliContext): Promise<number> {
  const usage = 'podrun image prune [-a|--all]';
  const { values, positionals } = parseArgs(argv, { all: { type: 'boolean', short: 'a' } }, usage);
  if (positionals.length) throw new UsageError('image prune takes no arguments', `usage: ${usage}`);
  const { openStore } = await import('../../images/store');
  const { humanSize } = await import('../../images/display');
  const r = await openStore(ctx.paths).prune({ all: Boolean(values.all) });
  if (r.removedImages.length) {
    ctx.out('Deleted Images:\n');
    for (const id of r.removedImages) ctx.out(`deleted: ${id}\n`);
    ctx.out('\n');
  }
  ctx.out(`Removed ${r.removedBlobs} blob(s), ${r.removedLayers} layer dir(s), ${r.removedTemp} temp leftover(s)\n`);
  ctx.out(`Total reclaimed space: ${humanSize(r.reclaimedBytes)}\n`);
  return 0;
}

async function inspect(argv: string[], ctx: CliContext): Promise<number> {
  const usage = 'podrun image inspect IMAGE [IMAGE...]';
  const { positionals } = parseArgs(argv, {}, usage);
  if (!positionals.length) throw new UsageError('image inspect needs at least one image', `usage: ${usage}`);
  const { openStore } = await import('../../images/store');
  const { inspectDocument } = await import('../../images/display');
  const store = openStore(ctx.paths);
  const docs = [];
  for (const ref of positionals) docs.push(await inspectDocument(store, store.get(ref)));
  ctx.out(JSON.stringify(docs, null, 2) + '\n');
  return 0;
}
