// podrun login REGISTRY -u USER --password-stdin [--insecure]
// Checks the credentials against the registry's /v2/ (answering its Basic or Bearer challenge),
// then stores them in the Docker config file. The password never reaches argv, logs or errors.
import { PodrunError, UsageError } from '../../util/errors';
import { parseArgs, str, type VerbSpec } from '../args';
import { insecureOption } from '../resources';
import type { CliContext } from '../context';
import { writeErr } from '../output';

export const spec: VerbSpec = {
  name: 'login',
  usage: 'podrun login REGISTRY [-u USER] [--password-stdin | -p PASSWORD] [--insecure]',
  description:
    "Check credentials against a registry and store them in Docker's config file ($DOCKER_CONFIG/config.json or ~/.docker/config.json, mode 0600) for pull, push and the pods' image pulls. On a terminal it asks for what is missing (the password without echo), as docker login does.",
  examples: [
    ['log in on a terminal: asked for the user name and password', 'podrun login registry.example.com:5000'],
    ['in a script, the password from a file', 'podrun login registry.example.com:5000 -u me --password-stdin < pass.txt'],
  ],
  options: {
    username: { type: 'string', short: 'u', arg: 'USER', help: 'the user name' },
    'password-stdin': { type: 'boolean', help: 'read the password from stdin' },
    password: { type: 'string', short: 'p', arg: 'PASSWORD', help: 'the password (seen by every user of this machine in the process list: prefer --password-stdin)' },
    ...insecureOption,
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

/** One line from the terminal, after QUESTION (on stderr); HIDDEN: not echoed. Ctrl-C ends podrun (130). */
async function ask(question: string, hidden: boolean): Promise<string> {
  const readline = require('readline') as typeof import('readline');
  const { Writable } = require('stream') as typeof import('stream');
  let muted = false;
  const echo = new Writable({
    write(chunk: Buffer, _enc, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = readline.createInterface({ input: process.stdin, output: echo, terminal: true });
  rl.on('SIGINT', () => {
    rl.close();
    process.stderr.write('\n');
    process.exit(130);
  });
  process.stderr.write(question);
  muted = hidden;
  try {
    return await new Promise<string>((res) => rl.question('', res)); // as typed: a password may hold spaces
  } finally {
    rl.close();
    if (hidden) process.stderr.write('\n');
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs(argv, spec);
  if (positionals.length !== 1) throw new UsageError('login needs exactly one registry (host[:port])', `usage: ${USAGE}`);
  const given = str(values.password);
  if (given !== undefined && values['password-stdin']) throw new UsageError('--password and --password-stdin are mutually exclusive', 'give the password one way');
  const terminal = process.stdin.isTTY === true;
  let username = str(values.username);
  let password: string;
  if (values['password-stdin']) {
    if (!username) throw new UsageError('login needs a user name (-u USER) with --password-stdin', `usage: ${USAGE}`);
    if (terminal) throw new UsageError('--password-stdin: standard input is a terminal', 'pipe the password in: printf %s "$PASSWORD" | podrun login ...');
    password = (await readStdin()).replace(/\r?\n$/, '');
    if (!password) throw new UsageError('--password-stdin: no password on standard input');
  } else if (given !== undefined) {
    writeErr('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n'); // docker's words
    if (!username) throw new UsageError('login needs a user name (-u USER) with --password', `usage: ${USAGE}`);
    password = given;
  } else {
    if (!terminal) throw new UsageError('login needs a password: standard input is not a terminal to ask on', `give it with --password-stdin: printf %s "$PASSWORD" | ${USAGE}`);
    username ||= (await ask('Username: ', false)).trim();
    if (!username) throw new UsageError('login needs a user name');
    password = await ask('Password: ', true);
    if (!password) throw new UsageError('login needs a password');
  }
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
