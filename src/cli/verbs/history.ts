// podrun history IMAGE: how an image was made, layer by layer, as docker history prints it.
import { UsageError } from '../../util/errors';
import { parseArgs, type VerbSpec } from '../args';
import type { CliContext } from '../context';
import { formatTable } from '../render';

export const spec: VerbSpec = {
  name: 'history',
  usage: 'podrun history [--no-trunc] [-q] [-H=false] IMAGE',
  description: "Show an image's history, newest first: each step (CREATED BY), when, the size of the layer it made and its comment, as docker history does. The sizes are of the layers as stored (compressed where the registry sent them so).",
  examples: [
    ['how busybox:dev was made', 'podrun history busybox:dev'],
    ['the whole commands', 'podrun history --no-trunc app:v1'],
  ],
  options: {
    'no-trunc': { type: 'boolean', help: 'do not shorten the commands and the id' },
    quiet: { type: 'boolean', short: 'q', help: 'print only the image id' },
    human: { type: 'boolean', short: 'H', default: true, help: 'sizes and times for people (-H=false: bytes and RFC 3339 times)' },
  },
  operands: ['images'],
};

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs(argv, spec);
  if (positionals.length !== 1) throw new UsageError('history needs exactly one image', `usage: ${spec.usage}`);
  const { openStore } = await import('../../images/store');
  const { historyRows, humanSize, timeAgo } = await import('../../images/display');
  const { shortId } = await import('../../util/digest');
  const store = openStore(ctx.paths);
  const rec = store.get(positionals[0]);
  const { config } = await store.readImage(rec);
  const full = values['no-trunc'] === true;
  const rows = historyRows(full ? rec.imageId : shortId(rec.imageId), config.history ?? [], rec.layers.map((l) => l.size));
  if (values.quiet) {
    ctx.out(rows.map((r) => `${r.id}\n`).join(''));
    return 0;
  }
  const human = values.human !== false;
  const cut = (s: string) => (full || s.length <= 45 ? s : `${s.slice(0, 44)}…`);
  ctx.out(
    formatTable([
      ['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'],
      ...rows.map((r) => [r.id, human ? timeAgo(r.created) : (r.created ?? ''), cut(r.createdBy.replace(/\s+/g, ' ')), human ? humanSize(r.size) : String(r.size), r.comment]),
    ]),
  );
  return 0;
}
