// podrun explain TYPE[.FIELD...]: a kind's fields as kubectl explain prints them (KIND, VERSION,
// FIELD, DESCRIPTION, FIELDS; `--recursive` the whole tree), from Kubernetes' own schema
// (manifest/k8s-schema.json, offline), and for each field podrun does not run, what podrun does
// with it instead (manifest/fields.ts): the one place to look before taking a manifest elsewhere.
import { UsageError } from '../../util/errors';
import { parseArgs, type VerbSpec } from '../args';
import type { CliContext } from '../context';

export const spec: VerbSpec = {
  name: 'explain',
  usage: 'podrun explain TYPE[.FIELD]... [--recursive] [--api-version=GROUP/VERSION]',
  description:
    "Describe a kind's fields as kubectl explain does, from Kubernetes' own schema (offline), and say for each field podrun does not run what it does with it instead (ignored, a warning, refused).",
  examples: [
    ['the fields of a pod spec', 'podrun explain pods.spec'],
    ["one field of a container", 'podrun explain pod.spec.containers.livenessProbe'],
    ["a Deployment's whole tree, names and types", 'podrun explain deploy --recursive'],
  ],
  options: {
    recursive: { type: 'boolean', help: 'print every field below, names and types only' },
    'api-version': { type: 'string', arg: 'GROUP/VERSION', help: "the kind's API version (podrun knows one per kind: v1, apps/v1, batch/v1)" },
  },
  operands: ['resource-types'],
};

const WIDTH = 80;

/** kubectl's wrapping: words to WIDTH, each line indented. */
function wrap(text: string, indent: number): string {
  const pad = ' '.repeat(indent);
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(/\s+/).filter(Boolean)) {
      if (line && pad.length + line.length + 1 + word.length > WIDTH) {
        out.push(pad + line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    out.push(pad + line);
  }
  return out.join('\n').replace(/\s+$/, '') + '\n';
}

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs(argv, spec);
  if (positionals.length !== 1) throw new UsageError(positionals.length ? `unexpected argument '${positionals[1]}'` : 'you must specify the type of resource to explain', `usage: ${spec.usage}; 'podrun explain pods' to start`);
  const { resourceKind } = await import('../resources');
  const { displayType, fieldAt, k8sSchema } = await import('../../manifest/k8s-schema');
  const schema = k8sSchema();
  const [word, ...path] = positionals[0].split('.');
  const kind = resourceKind(word);
  if (!kind || !Object.prototype.hasOwnProperty.call(schema.roots, kind))
    throw new UsageError(`the server doesn't have a resource type "${word}"`, `podrun knows: ${Object.keys(schema.roots).map((k) => k.toLowerCase() + 's').join(', ')}`);
  const root = schema.roots[kind];
  const apiVersion = values['api-version'] as string | undefined;
  if (apiVersion !== undefined && apiVersion !== root.apiVersion) throw new UsageError(`couldn't find resource for "${kind}" in ${apiVersion}`, `podrun's ${kind} is ${root.apiVersion}`);
  const found = fieldAt(kind, path, schema);
  if ('missing' in found) {
    const { suggest } = await import('../../manifest/suggest');
    const guess = suggest(found.missing, found.known);
    throw new UsageError(`field "${found.missing}" does not exist`, guess ? `did you mean ${[word, ...found.at, guess].join('.')}?` : `the fields of ${[word, ...found.at].join('.')} are: ${found.known.join(', ')}`);
  }
  const policy = await podrunPolicy();
  const slash = root.apiVersion.indexOf('/');
  let out = slash > 0 ? `GROUP:      ${root.apiVersion.slice(0, slash)}\n` : '';
  out += `KIND:       ${kind}\nVERSION:    ${root.apiVersion.slice(slash + 1)}\n\n`;
  if (found.field) out += `FIELD: ${path[path.length - 1]} <${displayType(found.type)}>${found.field.required ? ' -required-' : ''}\n\n`;
  const doc = found.field?.doc ?? found.model?.doc;
  if (doc) out += `DESCRIPTION:\n${wrap(doc, 4)}    \n`;
  if (found.field && path.length) {
    const parentType = (fieldAt(kind, path.slice(0, -1), schema) as { type: string }).type.replace(/^(\[\]|map\[string\])+/, '');
    const note = policy(parentType, path[path.length - 1]);
    if (note) out += `PODRUN:\n${wrap(note, 4)}\n`;
  }
  if (found.model) {
    out += 'FIELDS:\n';
    const model = found.model;
    const parent = found.type.replace(/^(\[\]|map\[string\])+/, '');
    if (values.recursive) {
      const seen = new Set<string>();
      const tree = (type: string, depth: number): string => {
        const m = schema.types[type];
        if (!m || seen.has(type)) return ''; // a type met again above (JSONSchemaProps-like recursion)
        seen.add(type);
        let s = '';
        for (const [name, f] of Object.entries(m.fields)) {
          s += `${'  '.repeat(depth)}${name}\t<${displayType(f.type)}>${f.required ? ' -required-' : ''}\n`;
          s += tree(f.type.replace(/^(\[\]|map\[string\])+/, ''), depth + 1);
        }
        seen.delete(type);
        return s;
      };
      out += tree(parent, 1);
    } else
      for (const [name, f] of Object.entries(model.fields)) {
        out += `  ${name}\t<${displayType(f.type)}>${f.required ? ' -required-' : ''}\n`;
        const d = f.doc ?? schema.types[f.type.replace(/^(\[\]|map\[string\])+/, '')]?.doc;
        if (d) out += wrap(d, 4);
        const note = policy(parent, name);
        if (note) out += wrap(`podrun: ${note}`, 4);
        out += '\n';
      }
  }
  ctx.out(out.replace(/\n+$/, '\n'));
  return 0;
}

/** What podrun does with a field it does not run (manifest/fields.ts), by the schema's type name (V1PodSpec: PodSpec). */
async function podrunPolicy(): Promise<(type: string, field: string) => string | undefined> {
  const { FIELD_POLICIES } = await import('../../manifest/fields');
  const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
  return (type, field) => {
    const name = type.replace(/^V\d+/, '');
    const p = own(FIELD_POLICIES, name) ? FIELD_POLICIES[name] : ['V1Deployment', 'V1StatefulSet', 'V1DaemonSet', 'V1ReplicaSet', 'V1Job'].includes(type) ? FIELD_POLICIES.Workload : undefined;
    if (!p) return undefined;
    if (p.ignored?.includes(field)) return 'ignored: set by a cluster (kubectl get -o yaml writes it); podrun takes it and does not use it';
    if (p.warn && own(p.warn, field)) return `${p.warn[field]} (a warning when set)`;
    if (p.unsupported && own(p.unsupported, field)) {
      const u = p.unsupported[field];
      return `not supported yet: refused${u.allow ? ' unless it changes nothing' : ''}${u.droppable ? ' (--validate=warn runs the pod without it)' : ''}${u.hint ? `; ${u.hint}` : ''}`;
    }
    return undefined;
  };
}
