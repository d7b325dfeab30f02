// podrun's validator against Kubernetes' own schema (src/manifest/k8s-schema.json, generated from
// @kubernetes/client-node by scripts/k8s-schema.mjs). On a corpus (the shipped manifests, the
// valid fixtures, the manifests in the docs) and on mutations of it:
//   - everything podrun accepts, Kubernetes accepts (no unknown field, no wrong type, nothing
//     required missing);
//   - a field podrun calls unknown is unknown to Kubernetes too (a field Kubernetes knows is at
//     most "not supported" by podrun, never "unknown");
//   - a field Kubernetes does not know, podrun refuses.
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'fs';
import { join } from 'path';
import { checkAgainstSchema, displayType, fieldAt, k8sSchema, type SchemaFinding } from '../../src/manifest/k8s-schema';
import { validateDocument } from '../../src/manifest/validate';
import { readYaml, type FieldPath } from '../../src/manifest/yaml';

const repo = join(__dirname, '..', '..', '..');
const schema = k8sSchema();
const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

interface Sample {
  where: string;
  value: Record<string, unknown>;
}

function filesUnder(dir: string, match: RegExp): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p, match) : match.test(n) ? [p] : [];
  });
}

/** Every document of the text that is one of the kinds the schema has (a List's items one by one). */
function samplesOf(text: string, where: string): Sample[] {
  const { docs } = readYaml(text);
  return docs.flatMap((d, i) => {
    const v = d.value;
    const items = isMapping(v) && v.kind === 'List' && Array.isArray(v.items) ? v.items : [v];
    return items.filter((x): x is Record<string, unknown> => isMapping(x) && typeof x.kind === 'string' && own(schema.roots, x.kind)).map((x) => ({ where: `${where}#${i}`, value: x }));
  });
}

const accepts = (value: unknown) => podrunErrors(value).length === 0;
function podrunErrors(value: unknown): { path: FieldPath; detail: string }[] {
  const doc = { line: 1, value, lineOf: () => 1 };
  return validateDocument(doc, 'm.yaml', { baseDir: '/tmp', stateDirs: [], probesAndHooks: true }).errors.map((e) => ({ path: e.path, detail: e.detail }));
}
const show = (f: SchemaFinding[]) => f.map((x) => `${x.path.join('.')}: ${x.message}`);

// The corpus: what users copy (examples/, pods/, the docs' manifests) and the valid fixtures.
const corpus: Sample[] = [
  ...['examples', 'pods', join('test', 'fixtures', 'good'), join('test', 'fixtures', 'plans'), join('test', 'fixtures', 'k8s-corpus')].flatMap((d) => filesUnder(join(repo, d), /\.ya?ml$/).flatMap((f) => samplesOf(readFileSync(f, 'utf8'), f.slice(repo.length + 1)))),
  ...[join(repo, 'README.md'), ...filesUnder(join(repo, 'docs'), /\.md$/)].flatMap((f) =>
    [...readFileSync(f, 'utf8').matchAll(/```ya?ml\n([\s\S]*?)```/g)].flatMap((m, i) => {
      try {
        return samplesOf(m[1], `${f.slice(repo.length + 1)} block ${i + 1}`);
      } catch {
        return []; // a fragment, not a whole manifest
      }
    }),
  ),
].filter((s) => accepts(s.value));

/** The schema type at each mapping of a manifest: where fields can be added. */
function mappings(value: unknown, type: string, path: FieldPath, out: { path: FieldPath; type: string }[] = []): { path: FieldPath; type: string }[] {
  if (value === null || value === undefined) return out;
  if (type.startsWith('[]')) {
    if (Array.isArray(value)) value.forEach((x, i) => mappings(x, type.slice(2), [...path, i], out));
    return out;
  }
  if (type.startsWith('map[string]')) return out;
  const model = schema.types[type];
  if (!model || !isMapping(value)) return out;
  out.push({ path, type });
  for (const [k, x] of Object.entries(value)) if (own(model.fields, k)) mappings(x, model.fields[k].type, [...path, k], out);
  return out;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
function at(root: unknown, path: FieldPath): Record<string, unknown> {
  let v = root as Record<string | number, unknown>;
  for (const p of path) v = v[p] as Record<string | number, unknown>;
  return v as Record<string, unknown>;
}
/** A value of the type that Kubernetes' decoding takes (a model's required fields aside). */
function placeholder(type: string): unknown {
  if (type.startsWith('[]')) return [];
  if (type.startsWith('map[string]')) return {};
  return ({ string: 'x', integer: 1, number: 1, boolean: true, IntOrString: 1, Quantity: '1', Object: {} } as Record<string, unknown>)[type] ?? {};
}
const samePath = (a: FieldPath, b: FieldPath) => a.length === b.length && a.every((x, i) => x === b[i]);

describe('podrun\'s validator against Kubernetes\' own schema', function () {
  this.timeout(120_000);

  it(`the schema is recorded with its source (${schema.source}, Kubernetes ${schema.kubernetes}) and has every kind podrun takes`, () => {
    expect(schema.source).to.match(/^@kubernetes\/client-node \d+\.\d+\.\d+$/);
    expect(schema.kubernetes).to.match(/^release-1\.\d+$/);
    expect(schema.enumsFrom).to.match(/^kubernetes-models \d+\.\d+\.\d+$/);
    expect(fieldAt('Pod', ['spec', 'restartPolicy'])).to.have.nested.property('field.enum').that.includes('OnFailure');
    expect(Object.keys(schema.roots).sort()).to.deep.equal(['ConfigMap', 'DaemonSet', 'Deployment', 'Job', 'PersistentVolumeClaim', 'Pod', 'ReplicaSet', 'Secret', 'Service', 'StatefulSet']);
    expect(fieldAt('Pod', ['spec', 'containers'])).to.include({ type: '[]V1Container' });
    expect(displayType('[]V1Container')).to.equal('[]Container');
    expect(displayType('map[string]V1beta1Thing')).to.equal('map[string]Thing');
  });

  it('the committed schema is what the generator writes from the pinned @kubernetes/client-node', () => {
    const r = spawnSync(process.execPath, [join(repo, 'scripts', 'k8s-schema.mjs'), '--check'], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).to.equal(0);
  });

  it('the corpus is large enough to mean something: shipped manifests, fixtures and the docs\' manifests', () => {
    expect(corpus.length).to.be.greaterThan(20);
    expect(corpus.some((s) => s.where.startsWith('examples'))).to.equal(true);
    expect(corpus.some((s) => s.where.startsWith('docs'))).to.equal(true);
    expect(new Set(corpus.map((s) => s.value.kind)).size).to.be.greaterThan(4);
  });

  it('the schema\'s own verdicts (table): unknown fields, wrong types, missing required fields, null as unset', () => {
    const pod = (spec: unknown) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec });
    const cases: [unknown, string[]][] = [
      [pod({ containers: [{ name: 'a', image: 'i' }] }), []],
      [pod({ containers: [{ name: 'a', image: 'i', workdir: '/x' }] }), ['spec.containers.0.workdir: unknown field "workdir"']],
      [pod({ containers: [{ image: 'i' }] }), ['spec.containers.0.name: required field "name" is missing']],
      [pod({ containers: [{ name: 'a', ports: [{ containerPort: '80' }] }] }), ['spec.containers.0.ports.0.containerPort: expected integer, got string "80"']],
      [pod({ containers: [{ name: 'a', resources: { limits: { cpu: 1, memory: '1Gi' } } }] }), []],
      [pod({ containers: [{ name: 'a', livenessProbe: { httpGet: { port: 'http' } } }] }), []],
      [pod({ containers: { name: 'a' } }), ['spec.containers: expected a list ([]Container), got a mapping']],
      [pod({ containers: [{ name: 'a', command: null }] }), []],
      [{ apiVersion: 'v1', kind: 'Deployment', metadata: { name: 'd' } }, ['apiVersion: a Deployment is served at apiVersion apps/v1, not "v1"']],
      [pod({ restartPolicy: 'Sometimes', containers: [{ name: 'a' }] }), ['spec.restartPolicy: unsupported value "Sometimes": Kubernetes takes one of Always, Never, OnFailure']],
    ];
    for (const [m, want] of cases) expect(show(checkAgainstSchema(m)), JSON.stringify(m)).to.deep.equal(want);
  });

  it('everything podrun accepts in the corpus, Kubernetes accepts', () => {
    const bad = corpus.flatMap((s) => show(checkAgainstSchema(s.value)).map((f) => `${s.where}: ${f}`));
    expect(bad).to.deep.equal([]);
  });

  it('mutations: a field Kubernetes does not know is refused by podrun, as unknown, at the same path', () => {
    const wrong: string[] = [];
    for (const s of corpus)
      for (const m of mappings(s.value, schema.roots[s.value.kind as string].type, [])) {
        const v = clone(s.value);
        at(v, m.path).podrunNoSuchField = 'x';
        const path = [...m.path, 'podrunNoSuchField'];
        const errs = podrunErrors(v);
        if (!errs.some((e) => samePath(e.path, path) && e.detail.startsWith('unknown field'))) wrong.push(`${s.where}: ${path.join('.')}: podrun said ${JSON.stringify(errs.map((e) => `${e.path.join('.')}: ${e.detail}`))}`);
        expect(checkAgainstSchema(v).some((f) => f.kind === 'unknown' && samePath(f.path, path))).to.equal(true);
      }
    expect(wrong).to.deep.equal([]);
  });

  it('mutations: every field Kubernetes knows, added where it belongs, is never "unknown" to podrun; and what podrun then accepts, Kubernetes accepts', () => {
    const unknownToPodrun = new Set<string>();
    const acceptedWrongly = new Set<string>();
    let tried = 0;
    const seen = new Set<string>();
    for (const s of corpus)
      for (const m of mappings(s.value, schema.roots[s.value.kind as string].type, [])) {
        const model = schema.types[m.type];
        for (const [name, f] of Object.entries(model.fields)) {
          // one try per (kind, type, field, parent shape): the corpus repeats itself a lot
          const key = `${s.value.kind}:${m.path.filter((p) => typeof p === 'string').join('.')}:${name}`;
          if (own(at(s.value, m.path), name) || seen.has(key)) continue;
          seen.add(key);
          const v = clone(s.value);
          at(v, m.path)[name] = f.enum ? f.enum[0] : placeholder(f.type);
          tried++;
          const errs = podrunErrors(v);
          const path = [...m.path, name];
          if (errs.some((e) => samePath(e.path, path) && e.detail.startsWith('unknown field'))) unknownToPodrun.add(`${m.type}.${name}`);
          if (errs.length === 0) {
            const k = checkAgainstSchema(v);
            if (k.length) acceptedWrongly.add(`${s.value.kind} ${path.join('.')}=${JSON.stringify(placeholder(f.type))}: ${show(k).join('; ')}`);
          }
        }
      }
    expect(tried).to.be.greaterThan(500);
    expect([...unknownToPodrun].sort(), 'fields Kubernetes knows that podrun calls unknown').to.deep.equal([]);
    expect([...acceptedWrongly].sort(), 'manifests podrun accepts that Kubernetes refuses').to.deep.equal([]);
  });

  it('mutations: a value outside its enum is refused by podrun', () => {
    const taken: string[] = [];
    const enumLeaves = (v: unknown, type: string, path: FieldPath, out: { path: FieldPath; values: string[] }[] = []) => {
      if (v === null || v === undefined) return out;
      if (type.startsWith('[]')) Array.isArray(v) && v.forEach((x, i) => enumLeaves(x, type.slice(2), [...path, i], out));
      else if (isMapping(v) && schema.types[type])
        for (const [k, x] of Object.entries(v)) {
          const f = schema.types[type].fields[k];
          if (!f) continue;
          if (f.enum && typeof x === 'string') out.push({ path: [...path, k], values: f.enum });
          else enumLeaves(x, f.type, [...path, k], out);
        }
      return out;
    };
    let tried = 0;
    for (const s of corpus)
      for (const leaf of enumLeaves(s.value, schema.roots[s.value.kind as string].type, [])) {
        const v = clone(s.value);
        (at(v, leaf.path.slice(0, -1)) as Record<string | number, unknown>)[leaf.path[leaf.path.length - 1]] = 'NotAValue';
        tried++;
        if (accepts(v)) taken.push(`${s.where}: ${leaf.path.join('.')}`);
      }
    expect(tried).to.be.greaterThan(20);
    expect(taken).to.deep.equal([]);
  });

  it('mutations: a value of the wrong type that podrun accepts, Kubernetes accepts too', () => {
    const acceptedWrongly: string[] = [];
    const leaves = (v: unknown, path: FieldPath, out: FieldPath[] = []): FieldPath[] => {
      if (Array.isArray(v)) v.forEach((x, i) => leaves(x, [...path, i], out));
      else if (isMapping(v)) for (const [k, x] of Object.entries(v)) leaves(x, [...path, k], out);
      else out.push(path);
      return out;
    };
    for (const s of corpus)
      for (const p of leaves(s.value, [])) {
        if (p[0] === 'apiVersion' || p[0] === 'kind') continue;
        const original = at(s.value, p.slice(0, -1))[p[p.length - 1] as string];
        for (const wrong of [{ a: 1 }, ['x'], typeof original === 'string' ? 12 : 'twelve', typeof original === 'boolean' ? 'true' : false]) {
          const v = clone(s.value);
          (at(v, p.slice(0, -1)) as Record<string | number, unknown>)[p[p.length - 1]] = wrong;
          if (accepts(v) && checkAgainstSchema(v).length) acceptedWrongly.push(`${s.where}: ${p.join('.')}=${JSON.stringify(wrong)}: ${show(checkAgainstSchema(v)).join('; ')}`);
        }
      }
    expect(acceptedWrongly).to.deep.equal([]);
  });
});
