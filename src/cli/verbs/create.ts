// podrun create configmap NAME | create secret generic|tls|docker-registry NAME, with kubectl's
// flags (--from-literal, --from-file [KEY=]PATH, --from-env-file, --type; --cert/--key;
// --docker-server/-username/-password/-email), --dry-run[=client|server] and -o yaml|json|name.
// The object is built as kubectl builds it (kubectl/pkg/cmd/create/create_configmap.go,
// create_secret*.go), then checked by the same validation as a manifest's and stored like
// apply's. An existing object is an error (AlreadyExists), as in kubectl.
import { readdirSync, statSync } from 'fs';
import { basename, join } from 'path';
import { ConflictError, ManifestErrors, PodrunError, UsageError } from '../../util/errors';
import { InputFileError, readUserFile } from '../../util/input';
import type { ConfigObject } from '../../manifest/objects';
import { parseArgs, str, type VerbSpec } from '../args';
import type { CliContext } from '../context';
import { printObjects, renderError } from '../render';
import { writeErr } from '../output';
import { namespaceFrom, namespaceOptions } from '../resources';

export const spec: VerbSpec = {
  name: 'create',
  usage: `podrun create configmap NAME [--from-literal KEY=VALUE] [--from-file [KEY=]PATH] [--from-env-file PATH] [--dry-run[=client]] [-o yaml|json|name] [-n NAMESPACE]
       podrun create secret generic NAME [the same flags] [--type TYPE]
       podrun create secret tls NAME --cert PATH --key PATH
       podrun create secret docker-registry NAME --docker-server SERVER --docker-username USER --docker-password PASSWORD [--docker-email EMAIL] | --from-file .dockerconfigjson=PATH`,
  description: 'Create a ConfigMap or Secret from literals and files, as kubectl create does; -o yaml --dry-run prints the manifest to keep in the repo.',
  examples: [
    ['a ConfigMap of two settings', 'podrun create configmap app-config --from-literal mode=dev --from-literal level=debug'],
    ['a ConfigMap of every file in config/', 'podrun create configmap app-files --from-file config/'],
    ['a Secret, printed as a manifest instead of stored', 'podrun create secret generic db --from-literal password=s3cret --dry-run=client -o yaml'],
    ['a TLS Secret', 'podrun create secret tls web-tls --cert tls.crt --key tls.key'],
  ],
  options: {
    ...namespaceOptions,
    'from-literal': { type: 'string', multiple: true, arg: 'KEY=VALUE', help: 'a key and its value (repeatable)' },
    'from-file': { type: 'string', multiple: true, arg: '[KEY=]PATH', help: "a file's content under its name (or KEY); a directory: each regular file in it (repeatable)", complete: 'files' },
    'from-env-file': { type: 'string', multiple: true, arg: 'PATH', help: 'KEY=VALUE lines of a file, each a key (repeatable)', complete: 'files' },
    type: { type: 'string', arg: 'TYPE', help: 'the Secret type (generic secrets; default Opaque)' },
    cert: { type: 'string', arg: 'PATH', help: 'the PEM certificate of a tls Secret', complete: 'files' },
    key: { type: 'string', arg: 'PATH', help: 'the PEM private key of a tls Secret', complete: 'files' },
    'docker-server': { type: 'string', arg: 'SERVER', help: 'the registry of a docker-registry Secret' },
    'docker-username': { type: 'string', arg: 'USER', help: 'its user name' },
    'docker-password': { type: 'string', arg: 'PASSWORD', help: 'its password' },
    'docker-email': { type: 'string', arg: 'EMAIL', help: 'its e-mail address' },
    'dry-run': { type: 'string', arg: 'none|client|server', help: 'client or server: build and check the object, store nothing (--dry-run alone is client)', complete: ['none', 'client', 'server'] },
    output: { type: 'string', short: 'o', arg: 'yaml|json|name', help: 'print the object in this format', complete: ['yaml', 'json', 'name'] },
  },
  operands: [['configmap', 'secret'], ['generic', 'tls', 'docker-registry']],
};
const USAGE = spec.usage;

const MAX = 1024 * 1024;


/** The data being gathered: text under data, bytes that are not UTF-8 under binaryData (ConfigMaps). */
class Entries {
  readonly text: Record<string, string> = {};
  readonly bytes: Record<string, Buffer> = {};
  constructor(
    private readonly kind: string,
    private readonly name: string,
  ) {}
  add(key: string, value: Buffer): void {
    if (Object.prototype.hasOwnProperty.call(this.text, key) || Object.prototype.hasOwnProperty.call(this.bytes, key))
      throw new UsageError(`cannot add key ${key}, another key by that name already exists in Data for ${this.kind} "${this.name}"`, 'give each key once (--from-file KEY=PATH names a file\'s key)');
    const text = value.toString('utf8');
    if (Buffer.from(text, 'utf8').equals(value)) this.text[key] = text;
    else this.bytes[key] = value;
  }
}

const readInput = (path: string) => {
  try {
    return readUserFile(path, MAX, { accepts: 'podrun reads the data from a regular file (or every regular file of a directory)', hint: 'name a file or a directory of files', tooLargeHint: 'a ConfigMap or Secret holds at most 1 MiB' });
  } catch (e) {
    if (e instanceof InputFileError) throw e;
    throw new UsageError(`${path}: cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, 'check the path and its permissions');
  }
};

/** --from-file [KEY=]PATH: a file under its name (or KEY), or each regular file of a directory. */
function fromFile(spec: string, into: Entries): void {
  const eq = spec.indexOf('=');
  const [key, path] = eq >= 0 ? [spec.slice(0, eq), spec.slice(eq + 1)] : [undefined, spec];
  if (key === '' || path === '') throw new UsageError(`--from-file ${spec}: key names or file paths cannot be empty`, 'write --from-file PATH or --from-file KEY=PATH');
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch (e) {
    throw new UsageError(`--from-file ${spec}: ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, 'name an existing file or directory');
  }
  if (!isDir) return into.add(key ?? basename(path), readInput(path));
  if (key !== undefined) throw new UsageError(`--from-file ${spec}: cannot give a key name for a directory path`, 'write --from-file DIR: each file becomes a key of its own name');
  for (const n of readdirSync(path).sort()) {
    const p = join(path, n);
    if (statSync(p).isFile()) into.add(n, readInput(p));
  }
}

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** --from-env-file: KEY=VALUE lines (kubectl's env_file.go: # comments and blank lines skipped, a bare KEY takes its value from the environment, values are not unquoted). */
function fromEnvFile(path: string, into: Entries): void {
  const text = readInput(path).toString('utf8').replace(/^\uFEFF/, '');
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const key = eq >= 0 ? line.slice(0, eq) : line;
    if (!ENV_NAME.test(key))
      throw new UsageError(`${path}:${i + 1}: ${JSON.stringify(key)} is not a valid key name: a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit`, 'write KEY=VALUE lines');
    if (eq >= 0) into.add(key, Buffer.from(line.slice(eq + 1), 'utf8'));
    else if (process.env[key] !== undefined) into.add(key, Buffer.from(process.env[key]!, 'utf8'));
  });
}

function fromLiteral(spec: string, into: Entries): void {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new UsageError(`--from-literal ${spec}: invalid literal source, expected key=value`, 'write --from-literal KEY=VALUE');
  into.add(spec.slice(0, eq), Buffer.from(spec.slice(eq + 1), 'utf8'));
}

function gather(values: Record<string, unknown>, kind: string, name: string): Entries {
  const e = new Entries(kind, name);
  for (const f of (values['from-file'] as string[] | undefined) ?? []) fromFile(f, e);
  for (const f of (values['from-env-file'] as string[] | undefined) ?? []) fromEnvFile(f, e);
  for (const l of (values['from-literal'] as string[] | undefined) ?? []) fromLiteral(l, e);
  return e;
}

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64');
const only = (values: Record<string, unknown>, allowed: string[], what: string) => {
  for (const k of Object.keys(values)) if (!allowed.includes(k) && !['namespace', 'dry-run', 'output'].includes(k)) throw new UsageError(`--${k} is not a flag of ${what}`, `usage: ${USAGE}`);
};

function buildSecret(sub: string, name: string, values: Record<string, unknown>): Record<string, unknown> {
  const meta = { name, namespace: namespaceFrom(values) };
  if (sub === 'generic') {
    only(values, ['from-literal', 'from-file', 'from-env-file', 'type'], 'create secret generic');
    const e = gather(values, 'Secret', name);
    const data = { ...Object.fromEntries(Object.entries(e.text).map(([k, v]) => [k, b64(v)])), ...Object.fromEntries(Object.entries(e.bytes).map(([k, v]) => [k, b64(v)])) };
    return { apiVersion: 'v1', kind: 'Secret', metadata: meta, type: str(values.type) || 'Opaque', ...(Object.keys(data).length ? { data } : {}) };
  }
  if (sub === 'tls') {
    only(values, ['cert', 'key'], 'create secret tls');
    const cert = str(values.cert), key = str(values.key);
    if (!cert || !key) throw new UsageError('create secret tls needs --cert and --key', `usage: ${USAGE}`);
    const crt = readInput(cert), k = readInput(key);
    // kubectl checks the pair with tls.X509KeyPair; podrun checks each is PEM of the right kind.
    if (!/-----BEGIN CERTIFICATE-----/.test(crt.toString('latin1'))) throw new UsageError(`--cert ${cert}: no PEM certificate in it`, 'pass the certificate chain in PEM (-----BEGIN CERTIFICATE-----)');
    if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(k.toString('latin1'))) throw new UsageError(`--key ${key}: no PEM private key in it`, 'pass the private key in PEM (-----BEGIN PRIVATE KEY-----)');
    return { apiVersion: 'v1', kind: 'Secret', metadata: meta, type: 'kubernetes.io/tls', data: { 'tls.crt': b64(crt), 'tls.key': b64(k) } };
  }
  if (sub === 'docker-registry') {
    only(values, ['from-file', 'docker-server', 'docker-username', 'docker-password', 'docker-email'], 'create secret docker-registry');
    const files = (values['from-file'] as string[] | undefined) ?? [];
    let config: Buffer;
    if (files.length) {
      const e = gather({ 'from-file': files }, 'Secret', name);
      const v = e.text['.dockerconfigjson'] ?? e.bytes['.dockerconfigjson'];
      if (v === undefined || Object.keys(e.text).length + Object.keys(e.bytes).length !== 1)
        throw new UsageError('--from-file for a docker-registry secret takes one file as .dockerconfigjson', 'write --from-file .dockerconfigjson=PATH (a ~/.docker/config.json)');
      config = Buffer.from(v);
    } else {
      const user = str(values['docker-username']), pass = str(values['docker-password']);
      if (!user || !pass) throw new UsageError('create secret docker-registry needs --docker-username and --docker-password (or --from-file .dockerconfigjson=PATH)', `usage: ${USAGE}`);
      const server = str(values['docker-server']) || 'https://index.docker.io/v1/';
      const email = str(values['docker-email']);
      const entry = { username: user, password: pass, ...(email ? { email } : {}), auth: b64(`${user}:${pass}`) };
      config = Buffer.from(JSON.stringify({ auths: { [server]: entry } }));
    }
    return { apiVersion: 'v1', kind: 'Secret', metadata: meta, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64(config) } };
  }
  throw new UsageError(`podrun create secret: unknown type '${sub}'`, 'use generic, tls or docker-registry');
}

function buildConfigMap(name: string, values: Record<string, unknown>): Record<string, unknown> {
  only(values, ['from-literal', 'from-file', 'from-env-file'], 'create configmap');
  const e = gather(values, 'ConfigMap', name);
  const binaryData = Object.fromEntries(Object.entries(e.bytes).map(([k, v]) => [k, b64(v)]));
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: namespaceFrom(values) },
    ...(Object.keys(e.text).length ? { data: e.text } : {}),
    ...(Object.keys(binaryData).length ? { binaryData } : {}),
  };
}

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  // `--dry-run` alone is kubectl's (deprecated) `--dry-run=client`.
  const args = argv.map((a) => (a === '--dry-run' ? '--dry-run=client' : a));
  const { values, positionals } = parseArgs(args, spec);
  const dryRun = str(values['dry-run']) ?? 'none';
  if (!['none', 'client', 'server'].includes(dryRun)) throw new UsageError(`--dry-run: unknown value '${dryRun}'`, 'use --dry-run=client, server or none');
  const output = str(values.output);
  if (output !== undefined && !['yaml', 'json', 'name'].includes(output)) throw new UsageError(`-o: unknown output format '${output}'`, 'use one of yaml, json, name');
  const [what, ...rest] = positionals;
  let raw: Record<string, unknown>;
  if (what === 'configmap' || what === 'cm') {
    if (rest.length !== 1) throw new UsageError('create configmap takes exactly one NAME', `usage: ${USAGE}`);
    raw = buildConfigMap(rest[0], values);
  } else if (what === 'secret') {
    if (rest.length !== 2) throw new UsageError('create secret takes a type (generic, tls, docker-registry) and exactly one NAME', `usage: ${USAGE}`);
    raw = buildSecret(rest[0], rest[1], values);
  } else throw new UsageError(what ? `podrun create: cannot create '${what}'` : 'name what to create: configmap or secret', `podrun create makes ConfigMaps and Secrets; pods come from manifests (podrun apply -f FILE). usage: ${USAGE}`);

  // The same checks as a manifest's: the errors name the field (a key, the name), not a line.
  const { validateDocument } = await import('../../manifest/validate');
  const v = validateDocument({ line: 0, value: raw, lineOf: () => 0 }, 'podrun create', { baseDir: process.cwd(), stateDirs: [] });
  if (v.errors.length) throw new ManifestErrors(v.errors);
  const object = v.objects[0].object;
  const word = object.kind === 'ConfigMap' ? 'configmap' : 'secret';
  const plural = `${word}s`;

  const { readObject, withObjectsLock, writeObject } = await import('../../state/objects');
  const exists = () => readObject(ctx.paths, object.kind, object.metadata.namespace, object.metadata.name);
  const alreadyExists = () =>
    new ConflictError(`Error from server (AlreadyExists): ${plural} "${object.metadata.name}" already exists`, `\`podrun delete ${word} ${object.metadata.name}\` first, or change it in a manifest with \`podrun apply -f FILE\``);
  let shown: ConfigObject = object;
  if (dryRun === 'server' && exists()) throw alreadyExists();
  if (dryRun === 'none') {
    if (process.getuid?.() !== 0) throw new PodrunError('podrun create needs root: the object store is owner-only', 'run it as root (sudo)');
    const { updateMountedCopies } = await import('../../runtime/config-volumes');
    shown = await withObjectsLock(ctx.paths, () => {
      if (exists()) throw alreadyExists();
      const stored = writeObject(ctx.paths, object, undefined);
      // a running pod may project it as optional: its volume gets the files now
      for (const w of updateMountedCopies(ctx.paths, [{ kind: object.kind as 'ConfigMap' | 'Secret', namespace: object.metadata.namespace, name: object.metadata.name }])) writeErr(`warning: ${w}\n`);
      return stored;
    });
  }
  if (output === 'yaml' || output === 'json') await printObjects(ctx, output, [shown]);
  else ctx.out(output === 'name' ? `${word}/${object.metadata.name}\n` : `${word}/${object.metadata.name} created${dryRun === 'none' ? '' : ` (${dryRun === 'client' ? 'dry run' : 'server dry run'})`}\n`);
  if (dryRun !== 'none') return 0;
  // a pod whose container waited for it is re-created now, as after apply
  const { applyPod, podFromRecord, podsWaitingFor } = await import('../../runtime/apply');
  let code = 0;
  for (const r of podsWaitingFor(ctx.paths, new Set([`${object.metadata.namespace}/${object.kind}/${object.metadata.name}`]))) {
    const outcome = await applyPod(ctx.paths, podFromRecord(r), { recreate: true, progress: (l) => writeErr(l.endsWith('\n') ? l : l + '\n') });
    ctx.out(`pod/${outcome.name} ${outcome.action}\n`);
    for (const f of outcome.failures) {
      writeErr(renderError(f));
      code = Math.max(code, f.exitCode);
    }
  }
  return code;
}
