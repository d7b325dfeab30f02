// podrun version [-o json|yaml]: kubectl's clientVersion shape for scripts.
import type { CliContext } from '../context';
import { parseArgs, str, type VerbSpec } from '../args';
import { UsageError } from '../../util/errors';
import { podrunVersion } from '../../util/version';

export const spec: VerbSpec = {
  name: 'version',
  usage: 'podrun version [-o json|yaml]',
  description: "Print podrun's version and Node's.",
  examples: [['for a script', 'podrun version -o json']],
  options: { output: { type: 'string', short: 'o', arg: 'json|yaml', help: "kubectl's shape: {clientVersion: {gitVersion, nodeVersion, platform}}", complete: ['json', 'yaml'] } },
};

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs(argv, spec);
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`, `usage: ${spec.usage}`);
  const output = str(values.output);
  if (output === undefined) {
    ctx.out(`podrun ${podrunVersion()}\nnode ${process.version}\n`);
    return 0;
  }
  const doc = { clientVersion: { gitVersion: `v${podrunVersion()}`, nodeVersion: process.version, platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}` } };
  if (output === 'json') ctx.out(JSON.stringify(doc, null, 2) + '\n');
  else if (output === 'yaml') ctx.out((await import('js-yaml')).dump(doc));
  else throw new UsageError(`-o: unknown output format '${output}'`, 'use json or yaml');
  return 0;
}
