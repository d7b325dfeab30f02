// podrun image ls|rm|prune|inspect: the image management group (ls = images, rm = rmi).
import { UsageError } from '../../util/errors';
import { parseArgs, renderHelp, type VerbSpec } from '../args';
import { spec as imagesSpec } from './images';
import { spec as rmiSpec } from './rmi';
import type { CliContext } from '../context';

const pruneSpec: VerbSpec = {
  name: 'image prune',
  usage: 'podrun image prune [-a|--all] [-f|--force]',
  description:
    'Remove dangling images (no name, no pod uses them), blobs and layers no image references, and leftovers of interrupted pulls. On a terminal it asks first, as docker does, unless -f; in a script it does not ask.',
  examples: [
    ['reclaim the space', 'podrun image prune'],
    ['without the question, also the named images no pod uses', 'podrun image prune -a -f'],
  ],
  options: {
    all: { type: 'boolean', short: 'a', help: 'every image no pod uses, named or not' },
    force: { type: 'boolean', short: 'f', help: 'do not ask' },
  },
};

const inspectSpec: VerbSpec = {
  name: 'image inspect',
  usage: 'podrun image inspect IMAGE [IMAGE...]',
  description: "Print images' config, manifest digest, layers and names as JSON, as docker image inspect does.",
  examples: [['one image', 'podrun image inspect busybox:dev']],
  options: {},
  operands: ['images'],
  repeatLast: true,
};

const lsSpec: VerbSpec = { ...imagesSpec, name: 'image ls', usage: 'podrun image ls [-q] [-o table|json] [REPOSITORY[:TAG]]', description: "List images (the same as 'podrun images')." };
const rmSpec: VerbSpec = { ...rmiSpec, name: 'image rm', usage: 'podrun image rm [-f|--force] IMAGE [IMAGE...]', description: "Remove images (the same as 'podrun rmi')." };

export const spec: VerbSpec = {
  name: 'image',
  usage: 'podrun image ls|rm|prune|inspect [ARGS...]',
  description: 'Manage the images in the store.',
  examples: [
    ['list them', 'podrun image ls'],
    ['reclaim the space of what nothing uses', 'podrun image prune'],
  ],
  options: {},
  subcommands: { ls: lsSpec, rm: rmSpec, prune: pruneSpec, inspect: inspectSpec },
};

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'ls':
    case 'list':
      return (await import('./images')).run(rest, ctx, lsSpec);
    case 'rm':
    case 'remove':
      return (await import('./rmi')).run(rest, ctx, rmSpec);
    case 'prune':
      return prune(rest, ctx);
    case 'inspect':
      return inspect(rest, ctx);
    case '-h':
    case '--help':
      ctx.out(renderHelp(spec) + '\n');
      return 0;
    case undefined:
      throw new UsageError('image needs a command: ls, rm, prune or inspect', "run 'podrun image --help' for details");
    default:
      throw new UsageError(`unknown image command '${sub}'`, 'use one of: ls, rm, prune, inspect');
  }
}

async function prune(argv: string[], ctx: CliContext): Promise<number> {
  const usage = pruneSpec.usage;
  const { values, positionals } = parseArgs(argv, pruneSpec);
  if (positionals.length) throw new UsageError('image prune takes no arguments', `usage: ${usage}`);
  if (!values.force && process.stdin.isTTY && process.stderr.isTTY && !(await confirm(values.all ? 'WARNING! This will remove all images without at least one container associated to them.' : 'WARNING! This will remove all dangling images.'))) return 0;
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

/** docker's question: `Are you sure you want to continue? [y/N]`, on the terminal. */
async function confirm(warning: string): Promise<boolean> {
  const readline = require('readline') as typeof import('readline');
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    const answer = await new Promise<string>((res) => {
      rl.on('SIGINT', () => res(''));
      rl.question(`${warning}\nAre you sure you want to continue? [y/N] `, res);
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

async function inspect(argv: string[], ctx: CliContext): Promise<number> {
  const usage = inspectSpec.usage;
  const { positionals } = parseArgs(argv, inspectSpec);
  if (!positionals.length) throw new UsageError('image inspect needs at least one image', `usage: ${usage}`);
  const { openStore } = await import('../../images/store');
  const { inspectDocument } = await import('../../images/display');
  const store = openStore(ctx.paths);
  const docs = [];
  for (const ref of positionals) docs.push(await inspectDocument(store, store.get(ref)));
  ctx.out(JSON.stringify(docs, null, 2) + '\n');
  return 0;
}
