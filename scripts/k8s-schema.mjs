// Development-time generator of src/manifest/k8s-schema.json: Kubernetes' own field tree for the
// kinds podrun takes, from @kubernetes/client-node's generated models (a devDependency, pinned).
// Each model's runtime `attributeTypeMap` gives the field names and types; its .d.ts gives the
// descriptions (JSDoc, from the OpenAPI spec) and which fields are required (no `?`). The file is
// committed with the client's version and the Kubernetes release its spec came from, so the
// validator comparison (test/unit/k8s-schema.test.ts) and `podrun explain` run offline.
//
//   node scripts/k8s-schema.mjs          # rewrites src/manifest/k8s-schema.json
//   node scripts/k8s-schema.mjs --check  # exit 1 if the committed file is not what it would write
import { readFileSync, writeFileSync } from 'fs';
import { createRequire } from 'module';
import { dirname, join } from 'path';
import { fileURLToPath } from 'url';

const require = createRequire(import.meta.url);
const ts = require('typescript');
const here = dirname(fileURLToPath(import.meta.url));
const pkgDir = dirname(require.resolve('@kubernetes/client-node/package.json'));
const modelsDir = join(pkgDir, 'dist', 'gen', 'models');
const models = await import(join(modelsDir, 'all.js'));

// The kinds podrun accepts (manifest/load.ts), with the group/version a cluster serves them at.
const ROOTS = {
  Pod: { apiVersion: 'v1', type: 'V1Pod' },
  Deployment: { apiVersion: 'apps/v1', type: 'V1Deployment' },
  ReplicaSet: { apiVersion: 'apps/v1', type: 'V1ReplicaSet' },
  StatefulSet: { apiVersion: 'apps/v1', type: 'V1StatefulSet' },
  DaemonSet: { apiVersion: 'apps/v1', type: 'V1DaemonSet' },
  Job: { apiVersion: 'batch/v1', type: 'V1Job' },
  Service: { apiVersion: 'v1', type: 'V1Service' },
  ConfigMap: { apiVersion: 'v1', type: 'V1ConfigMap' },
  Secret: { apiVersion: 'v1', type: 'V1Secret' },
  PersistentVolumeClaim: { apiVersion: 'v1', type: 'V1PersistentVolumeClaim' },
};

/** Descriptions and required fields of one model, from its .d.ts. */
function declarations(type) {
  const file = join(modelsDir, `${type}.d.ts`);
  const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const doc = (node) => {
    const tags = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
    const text = tags.map((d) => (typeof d.comment === 'string' ? d.comment : '')).join('\n').trim();
    return text.replace(/\\(['"])/g, '$1') || undefined;
  };
  let out;
  src.forEachChild((n) => {
    if (!ts.isClassDeclaration(n) || n.name?.text !== type) return;
    const fields = {};
    for (const m of n.members) {
      if (!ts.isPropertyDeclaration(m) || m.modifiers?.some((x) => x.kind === ts.SyntaxKind.StaticKeyword)) continue;
      const name = ts.isStringLiteral(m.name) ? m.name.text : m.name.getText(src);
      fields[name] = { doc: doc(m), required: !m.questionToken };
    }
    out = { doc: doc(n), fields };
  });
  if (!out) throw new Error(`${type}: no class in ${file}`);
  return out;
}

// Enum values, which client-node's models do not carry: the string-literal unions of the
// `kubernetes-models` interfaces (a devDependency too, pinned; generated from the same OpenAPI
// spec's `enum`s), found by the type's short name in the core, apps and batch groups.
const modelsPkg = dirname(require.resolve('kubernetes-models/package.json'));
const ENUM_DIRS = ['v1', join('apps', 'v1'), join('batch', 'v1')].map((d) => join(modelsPkg, d));
function enumsOf(type) {
  const short = type.replace(/^V\d+/, '');
  for (const dir of ENUM_DIRS) {
    const file = join(dir, `${short}.d.ts`);
    let text;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const src = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const out = {};
    src.forEachChild((n) => {
      if (!ts.isInterfaceDeclaration(n) || n.name.text !== `I${short}`) return;
      for (const m of n.members) {
        if (!ts.isPropertySignature(m) || !m.type || !ts.isUnionTypeNode(m.type)) continue;
        const values = m.type.types.map((t) => (ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal) ? t.literal.text : undefined));
        if (values.every((v) => v !== undefined)) out[ts.isStringLiteral(m.name) ? m.name.text : m.name.getText(src)] = values;
      }
    });
    return out;
  }
  return {};
}

/** client-node's type text as the schema's: `[]T`, `map[string]T`, a model name, or a scalar. */
function typeOf(t, format) {
  let m;
  if ((m = /^Array<(.+)>$/.exec(t))) return `[]${typeOf(m[1], '')}`;
  if ((m = /^\{ \[key: string\]: (.+); \}$/.exec(t))) return `map[string]${typeOf(m[1], '')}`;
  if (t === 'number') return format === 'double' || format === 'float' ? 'number' : 'integer';
  if (t === 'Date') return 'string'; // RFC 3339 in a manifest
  if (t === 'any' || t === 'object') return 'Object';
  return t; // string, boolean, IntOrString, or a model
}
// resource.Quantity is a string in client-node's models; a manifest may write it as a number
// (`cpu: 1`), and kubectl explain calls it Quantity. These fields hold Quantities (OpenAPI's
// `io.k8s.apimachinery.pkg.api.resource.Quantity`).
const QUANTITIES = new Set(['V1ResourceRequirements.limits', 'V1ResourceRequirements.requests', 'V1VolumeResourceRequirements.limits', 'V1VolumeResourceRequirements.requests', 'V1EmptyDirVolumeSource.sizeLimit', 'V1PersistentVolumeClaimStatus.capacity', 'V1PersistentVolumeClaimStatus.allocatedResources', 'V1ContainerStatus.allocatedResources', 'V1PodStatus.resources', 'V1PodSpec.overhead']);
const quantity = (t) => t.replace(/string$/, 'Quantity');
const modelIn = (t) => t.replace(/^(\[\]|map\[string\])+/, '');
const isModel = (t) => !['string', 'boolean', 'integer', 'number', 'Object', 'IntOrString', 'Quantity'].includes(t);

const types = {};
const queue = Object.values(ROOTS).map((r) => r.type);
while (queue.length) {
  const type = queue.shift();
  if (types[type]) continue;
  const cls = models[type];
  if (!cls?.getAttributeTypeMap) throw new Error(`${type}: not a model of @kubernetes/client-node`);
  const decl = declarations(type);
  const enums = enumsOf(type);
  const fields = {};
  for (const a of cls.getAttributeTypeMap()) {
    const t = QUANTITIES.has(`${type}.${a.baseName}`) ? quantity(typeOf(a.type, a.format)) : typeOf(a.type, a.format);
    const d = decl.fields[a.name] ?? {};
    fields[a.baseName] = { type: t, ...(d.required ? { required: true } : {}), ...(t === 'string' && enums[a.baseName] ? { enum: enums[a.baseName] } : {}), ...(a.format && !['int32', 'int64'].includes(a.format) ? { format: a.format } : {}), ...(d.doc ? { doc: d.doc } : {}) };
    if (isModel(modelIn(t))) queue.push(modelIn(t));
  }
  types[type] = { ...(decl.doc ? { doc: decl.doc } : {}), fields };
}

const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
const release = /OpenAPI spec version: (\S+)/.exec(readFileSync(join(modelsDir, 'V1Pod.d.ts'), 'utf8'))?.[1];
const sorted = Object.fromEntries(Object.keys(types).sort().map((k) => [k, types[k]]));
const enumPkg = JSON.parse(readFileSync(join(modelsPkg, 'package.json'), 'utf8'));
const out = { generatedBy: 'scripts/k8s-schema.mjs', source: `@kubernetes/client-node ${pkg.version}`, enumsFrom: `kubernetes-models ${enumPkg.version}`, kubernetes: release, roots: ROOTS, types: sorted };
const target = join(here, '..', 'src', 'manifest', 'k8s-schema.json');
const text = JSON.stringify(out) + '\n';
if (process.argv.includes('--check')) {
  const same = readFileSync(target, 'utf8') === text;
  console.log(same ? `${target}: up to date with ${out.source}` : `${target}: not what ${out.source} gives: run node scripts/k8s-schema.mjs`);
  process.exit(same ? 0 : 1);
}
writeFileSync(target, text);
console.log(`${target}: ${Object.keys(sorted).length} types, Kubernetes ${release}, from ${out.source}`);
