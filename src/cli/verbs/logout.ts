// podrun logout REGISTRY: removes the credentials `podrun login` stored, as docker logout does.
import { UsageError } from '../../util/errors';
import { parseArgs, type VerbSpec } from '../args';
import type { CliContext } from '../context';
import { writeErr } from '../output';

export const spec: VerbSpec = {
  name: 'logout',
  usage: 'podrun logout REGISTRY',
  description: "Remove a registry's credentials from Docker's config file ($DOCKER_CONFIG/config.json or ~/.docker/config.json), as docker logout does; the file's other keys are kept.",
  examples: [['forget the credentials of a registry', 'podrun logout registry.example.com:5000']],
  options: {},
};

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { positionals } = parseArgs(argv, spec);
  if (positionals.length !== 1) throw new UsageError('logout needs exactly one registry (host[:port])', `usage: ${spec.usage}`);
  const { normaliseRegistry } = await import('./login');
  const { removeCredentials } = await import('../../images/auth');
  const registry = normaliseRegistry(positionals[0]);
  if (removeCredentials(registry)) ctx.out(`Removing login credentials for ${registry}\n`);
  else writeErr(`Not logged in to ${registry}\n`); // docker's words; not an error
  return 0;
}
