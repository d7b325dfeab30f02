// podrun login REGISTRY -u USER --password-stdin [--insecure]
// Checks the credentials against the registry's /v2/ (answering its Basic or Bearer challenge),
// then stores them in the Docker config file. The password never reaches argv, logs or errors.
import { PodrunError, UsageError } from '../../util/errors';
import { parseArgs, str, type VerbSpec } from '../args';
import type { CliContext } from '../context';

export const spec: VerbSpec = {
  name: 'login',
  usage: 'podrun login REGISTRY -u USER --password-stdin [--insecure]',
  description: "Check credentials against a registry and store them for pull and push (in the root's auth file, readable by root only).",
  examples: [['log in to a registry, the password from a file', 'podrun login registry.example.com:5000 -u me --password-stdin < pass.txt']],
  options: {
    username: { type: 'string', short: 'u', arg: 'USER', help: 'the user name' },
    'password-stdin': { type: 'boolean', help: 'read the password from stdin' },
    insecure: { type: 'boolean', help: 'plain HTTP, or HTTPS without checking the certificate' },
  },
};
const USAGE = spec.usage;

/** `https://host:5000/v2/` -> `host:5000`; `index.docker.io` -> `docker.io`. */
export function normaliseRegistry(s: string): string {
  let r = s.trim().replace(/^[a-z]+:\/\//i, '');
  r = r.split('/')[0];
  if (!r) throw new UsageError(`'${s}' is not a registry host`, 'e.g. podrun login localhost:5000 -u me --password-stdin');
  if (r === 'index.docker.io' || r === 'registry-1.docker.io') r = 'docker.io';
  return r.toLowerCase();
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs(argv, spec);
  if (positionals.length !== 1) throw new UsageError('login needs exactly one registry (host[:port])', `usage: ${USAGE}`);
  const username = str(values.username);
  if (!username) throw new UsageError('login needs a user name (-u USER)', `usage: ${USAGE}`);
  if (!values['password-stdin'])
    throw new UsageError('login reads the password from standard input only (--password-stdin)', `e.g. printf %s "$PASSWORD" | ${USAGE}`);
  if (process.stdin.isTTY) throw new UsageError('--password-stdin: standard input is a terminal', 'pipe the password in: printf %s "$PASSWORD" | podrun login ...');
  const password = (await readStdin()).replace(/\r?\n$/, '');
  if (!password) throw new UsageError('--password-stdin: no password on standard input');
  const registry = normaliseRegistry(positionals[0]);
  const { RegistryClient, isInsecure } = await import('../../images/registry');
  const { writeCredentials, dockerConfigPath } = await import('../../images/auth');
  const client = new RegistryClient({
    registry,
    insecure: isInsecure(registry, { insecure: Boolean(values.insecure), root: ctx.paths.root }),
    credentials: { username, password },
  });
  try {
    await client.ping();
  } catch (e) {
    if (e instanceof PodrunError)
      throw new PodrunError(`login to ${registry} failed: ${e.message}`, (e as PodrunError).hint);
    throw e;
  } finally {
    client.close();
  }
  writeCredentials(registry, { username, password });
  ctx.out(`Login Succeeded (credentials stored in ${dockerConfigPath()})\n`);
  return 0;
}
