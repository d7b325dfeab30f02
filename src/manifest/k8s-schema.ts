// Kubernetes' own verdict on a manifest, offline: the field tree of k8s-schema.json (generated at
// development time from @kubernetes/client-node's models by scripts/k8s-schema.mjs, with the
// Kubernetes release it came from). What a cluster's strict field validation would say: a field
// it does not know, a value of the wrong type or outside its enum, a required field missing. The
// API server's semantic checks are not in the tree (podrun's validator checks those it runs).
// Used by the validator comparison (test/unit/k8s-schema.test.ts), lint --for-cluster and explain.
import type { FieldPath } from './yaml';

export interface SchemaField {
  /** `string`, `integer`, `number`, `boolean`, `IntOrString`, `Quantity`, `Object`, a model (`V1Container`), `[]T` or `map[string]T`. */
  type: string;
  required?: true;
  /** The values a string field takes (from kubernetes-models' unions of the same spec's enums). */
  enum?: string[];
  format?: string;
  doc?: string;
}

export interface SchemaType {
  doc?: string;
  fields: Record<string, SchemaField>;
}

export interface K8sSchema {
  source: string;
  enumsFrom: string;
  kubernetes: string;
  roots: Record<string, { apiVersion: string; type: string }>;
  types: Record<string, SchemaType>;
}

export interface SchemaFinding {
  path: FieldPath;
  kind: 'unknown' | 'type' | 'required' | 'enum';
  message: string;
}

let loaded: K8sSchema | undefined;
/** The committed tree (src/manifest/k8s-schema.json), read on first use: 236 KB kept out of the CLI bundle. */
export function k8sSchema(): K8sSchema {
  if (loaded) return loaded;
  const { readFileSync } = require('fs') as typeof import('fs');
  const { join } = require('path') as typeof import('path');
  const { installRoot } = require('../util/paths') as typeof import('../util/paths');
  return (loaded = JSON.parse(readFileSync(join(installRoot(), 'src', 'manifest', 'k8s-schema.json'), 'utf8')) as K8sSchema);
}

const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** kubectl explain's name for a type: `[]Container`, `map[string]string`, `Object` for a model field. */
export function displayType(t: string): string {
  return t.replace(/(^|\]|string\])(?:Core|Apps|Batch)?V\d+(?:alpha\d+|beta\d+)?([A-Z]\w*)/, '$1$2');
}

function describeValue(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (isMapping(v)) return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** Whether a scalar type takes the value, as the API server's JSON decoding does. */
function scalarTakes(type: string, v: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    case 'IntOrString':
      return typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v));
    case 'Quantity':
      return typeof v === 'string' || typeof v === 'number';
    default:
      return true; // Object: anything
  }
}

/**
 * Kubernetes' findings for the value of field KEY of the model podrun calls PARENT (`PodSpec`:
 * V1PodSpec), paths below the field. For the fields podrun takes without modelling them (what
 * kubectl get -o yaml adds, the scheduling fields it ignores): their values must still be what a
 * cluster takes. An unknown parent (podrun's own grouping, as `Workload`) has no findings.
 */
export function checkFieldValue(parent: string, key: string, value: unknown, schema: K8sSchema = k8sSchema()): SchemaFinding[] {
  const model = own(schema.types, `V1${parent}`) ? schema.types[`V1${parent}`] : undefined;
  if (!model || !own(model.fields, key)) return [];
  return walkValue(value, model.fields[key].type, [], schema, model.fields[key].enum);
}

/** Kubernetes' findings for one manifest (a Pod, Deployment, ... as podrun takes them); none means a cluster takes its shape. */
export function checkAgainstSchema(manifest: unknown, schema: K8sSchema = k8sSchema()): SchemaFinding[] {
  const out: SchemaFinding[] = [];
  if (!isMapping(manifest)) return [{ path: [], kind: 'type', message: `a manifest is a mapping, not ${describeValue(manifest)}` }];
  const kind = typeof manifest.kind === 'string' ? manifest.kind : '';
  const root = own(schema.roots, kind) ? schema.roots[kind] : undefined;
  if (!root) return [{ path: ['kind'], kind: 'type', message: `kind ${JSON.stringify(manifest.kind)} is none of ${Object.keys(schema.roots).join(', ')}` }];
  if (manifest.apiVersion !== root.apiVersion) out.push({ path: ['apiVersion'], kind: 'type', message: `a ${kind} is served at apiVersion ${root.apiVersion}, not ${JSON.stringify(manifest.apiVersion)}` });

  out.push(...walkValue(manifest, root.type, [], schema));
  return out;
}

/** The findings for VALUE as a TYPE, at PATH. */
function walkValue(value: unknown, type: string, at: FieldPath, schema: K8sSchema, values?: string[]): SchemaFinding[] {
  const out: SchemaFinding[] = [];
  const walk = (v: unknown, type: string, path: FieldPath, values?: string[]): void => {
    if (v === null) return; // null is unset, in JSON and in YAML
    if (type.startsWith('[]')) {
      if (!Array.isArray(v)) return void out.push({ path, kind: 'type', message: `expected a list (${displayType(type)}), got ${describeValue(v)}` });
      v.forEach((x, i) => walk(x, type.slice(2), [...path, i]));
      return;
    }
    if (type.startsWith('map[string]')) {
      if (!isMapping(v)) return void out.push({ path, kind: 'type', message: `expected a mapping (${displayType(type)}), got ${describeValue(v)}` });
      for (const [k, x] of Object.entries(v)) walk(x, type.slice('map[string]'.length), [...path, k]);
      return;
    }
    const model = own(schema.types, type) ? schema.types[type] : undefined;
    if (!model) {
      if (!scalarTakes(type, v)) out.push({ path, kind: 'type', message: `expected ${type}, got ${describeValue(v)}` });
      else if (values && !values.includes(v as string)) out.push({ path, kind: 'enum', message: `unsupported value ${JSON.stringify(v)}: Kubernetes takes one of ${values.join(', ')}` });
      return;
    }
    if (!isMapping(v)) return void out.push({ path, kind: 'type', message: `expected a mapping (${displayType(type)}), got ${describeValue(v)}` });
    for (const [k, x] of Object.entries(v)) {
      if (!own(model.fields, k)) out.push({ path: [...path, k], kind: 'unknown', message: `unknown field "${k}"` });
      else walk(x, model.fields[k].type, [...path, k], model.fields[k].enum);
    }
    // a status is the system's to write, reset when an object is created: nothing in it is required of a manifest
    if (!path.includes('status')) for (const [k, f] of Object.entries(model.fields)) if (f.required && (!own(v, k) || v[k] === null)) out.push({ path: [...path, k], kind: 'required', message: `required field "${k}" is missing` });
  };
  walk(value, type, at, values);
  return out;
}

/** The field at a dotted path below a kind (`pods.spec.containers`): explain's lookup. */
export function fieldAt(kind: string, path: string[], schema: K8sSchema = k8sSchema()): { type: string; field?: SchemaField; model?: SchemaType; at: string[] } | { missing: string; at: string[]; known: string[] } {
  const root = schema.roots[kind];
  let type = root.type;
  let field: SchemaField | undefined;
  const at: string[] = [];
  for (const name of path) {
    const model = schema.types[type.replace(/^(\[\]|map\[string\])+/, '')];
    if (!model || !own(model.fields, name)) return { missing: name, at, known: model ? Object.keys(model.fields) : [] };
    field = model.fields[name];
    type = field.type;
    at.push(name);
  }
  const inner = type.replace(/^(\[\]|map\[string\])+/, '');
  return { type, field, model: own(schema.types, inner) ? schema.types[inner] : undefined, at };
}
