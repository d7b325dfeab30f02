// One YAML document -> validated Pods and the objects beside them (ConfigMap, Secret,
// PersistentVolumeClaim; a `kind: List` holds several) plus warnings and errors.
// Three passes, all always run so every problem is reported at once:
//   1. field policy walk: unknown, unsupported and scheduling-only fields (fields.ts);
//   2. zod: types, enums, formats, defaults (schema.ts);
//   3. rules across fields over the raw data (rules.ts).
import { z } from 'zod';
import { ManifestError } from '../util/errors';
import { podSchema, type PodManifest } from './schema';
import { MAX_GRACE_SECONDS } from './grace';
import { PROBES_AND_HOOKS, refusedHandlers } from './supervision';
import { FIELD_POLICIES, knownNames } from './fields';
import { suggest } from './suggest';
import { podRules, type RuleContext } from './rules';
import { groupOfSkipped, skippedKind, knownKinds, NOT_YET_WORKLOAD_KINDS } from './other-kinds';
import { CONTROLLED_BY_ANNOTATION, isWorkloadKind, OBJECT_KINDS, WORKLOAD_KINDS, type WorkloadKind } from '../util/kinds';
import { validateWorkload, type ValidateTools } from './validate-workload';
import type { WorkloadManifest } from './workload-schema';
import { isObjectKind, normalizeObject, objectRules, objectSchema, type ConfigObject, type ObjectKind } from './objects';
import type { ManifestWarning } from './load';
import type { FieldPath, YamlDocument } from './yaml';

export interface ValidatedDocument {
  manifests: { pod: PodManifest; line: number; lineOf: (path: FieldPath) => number }[];
  objects: { object: ConfigObject; line: number; lineOf: (path: FieldPath) => number }[];
  workloads: { workload: WorkloadManifest; line: number; lineOf: (path: FieldPath) => number }[];
  warnings: ManifestWarning[];
  errors: ManifestError[];
}

export interface ValidateOptions {
  /** Folder relative hostPath paths resolve against. */
  baseDir: string;
  /** Directories hostPath may never name (podrun's own state). */
  stateDirs: string[];
  /**
   * Probes and postStart/preStop hooks: false refuses them all, true takes every handler kind
   * (also those the monitor has no mechanism for: validation's and the plan's tests), absent is
   * the PROBES_AND_HOOKS switch (on: refusing none, refusedHandlers).
   */
  probesAndHooks?: boolean;
  /**
   * kubectl's --validate: `strict` (the default) refuses a field podrun does not run; `warn` takes
   * the manifest without it, with a warning naming it; `ignore` takes it silently and an unknown
   * field with a warning (the API server drops both).
   */
  validate?: ValidateMode;
}

export type ValidateMode = 'strict' | 'warn' | 'ignore';

/** The document's --validate mode while validateDocument runs (it is synchronous: set, walked, reset). */
let validateMode: ValidateMode = 'strict';

// Keys come from the user: never let `constructor` or `__proto__` match through the prototype.
const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function validateDocument(doc: YamlDocument, file: string, opts: ValidateOptions): ValidatedDocument {
  validateMode = opts.validate ?? 'strict';
  try {
    return validateDocumentIn(doc, file, opts);
  } finally {
    validateMode = 'strict';
  }
}

function validateDocumentIn(doc: YamlDocument, file: string, opts: ValidateOptions): ValidatedDocument {
  const out: ValidatedDocument = { manifests: [], objects: [], workloads: [], warnings: [], errors: [] };
  const err = (path: FieldPath, detail: string, hint?: string) => out.errors.push(new ManifestError(file, path, detail, hint, doc.lineOf(path)));
  const value = doc.value;
  if (!isObject(value)) {
    err([], `a manifest must be a mapping, not ${describe(value)}`, 'start the document with `apiVersion: v1` and `kind: Pod`');
    return out;
  }
  if (value.kind === 'List' && value.apiVersion === 'v1') {
    if (!Array.isArray(value.items)) {
      err(['items'], 'a List needs an items array', 'put the pods under `items:`');
      return out;
    }
    value.items.forEach((item, i) => validateItem(item, ['items', i], file, doc, opts, out));
  } else validateItem(value, [], file, doc, opts, out);
  // Report in file order; the sort is stable, so problems on one line keep their pass order.
  out.errors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  out.warnings.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return out;
}

const KINDS_TEXT = 'Pods, Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs, Services, ConfigMaps, Secrets and PersistentVolumeClaims';
const MAX_ANNOTATION_BYTES = 256 * 1024;

/** Reporting of problems at paths below PREFIX (an item of a List, or the document). */
function reporters(prefix: FieldPath, file: string, doc: YamlDocument, out: ValidatedDocument): { err: Err; warn: Warn } {
  return {
    err: (path, detail, hint) => {
      const full = [...prefix, ...path];
      out.errors.push(new ManifestError(file, full, detail, hint, doc.lineOf(full)));
    },
    warn: (path, message) => {
      const full = [...prefix, ...path];
      out.warnings.push({ file, line: doc.lineOf(full), path: full, message });
    },
  };
}

/** One object of a document (or of a List's items), by its kind. */
function validateItem(value: unknown, prefix: FieldPath, file: string, doc: YamlDocument, opts: ValidateOptions, out: ValidatedDocument): void {
  const reportErr = reporters(prefix, file, doc, out).err;
  if (!isObject(value)) {
    reportErr([], `a manifest must be a mapping, not ${describe(value)}`, 'start the document with `apiVersion: v1` and `kind: Pod`');
    return;
  }
  // First: a custom resource may be called Service or Pod (Knative's is).
  const why = typeof value.kind === 'string' && typeof value.apiVersion === 'string' ? skippedKind(value.kind, value.apiVersion) : undefined;
  if (why) {
    const meta = isObject(value.metadata) ? value.metadata : {};
    const name = typeof meta.name === 'string' ? ` "${meta.name}"` : '';
    reporters(prefix, file, doc, out).warn(['kind'], `${String(value.kind)}${name} (${String(value.apiVersion)}) skipped: ${why}`);
    return;
  }
  if (value.kind === 'Pod') return validatePod(value, prefix, file, doc, opts, out);
  if (isObjectKind(value.kind)) return validateObject(value.kind, value, prefix, file, doc, out);
  if (isWorkloadKind(value.kind)) return validateWorkloadItem(value.kind, value, prefix, file, doc, opts, out);
  if (value.kind === undefined) return reportErr(['kind'], 'Required', 'add `kind: Pod` (or Service, ConfigMap, Secret, PersistentVolumeClaim)');
  const kind = String(value.kind);
  if (NOT_YET_WORKLOAD_KINDS.includes(kind)) return reportErr(['kind'], `podrun runs ${KINDS_TEXT}, not ${kind}`, 'write it as a Deployment (`apiVersion: apps/v1`, `kind: Deployment`) with the same template and `selector: {matchLabels: ...}`');
  const close = suggest(kind, knownKinds(['Pod', 'List', ...Object.keys(OBJECT_KINDS), ...Object.keys(WORKLOAD_KINDS)]));
  const group = groupOfSkipped(kind);
  const hint =
    group !== undefined
      ? `kind ${kind} belongs to the API group ${group || 'core (`apiVersion: v1`)'}: correct its apiVersion (podrun then skips it with a warning)`
      : close && close !== kind
        ? `did you mean \`kind: ${close}\`?`
        : 'write the workload as `apiVersion: v1`, `kind: Pod`';
  reportErr(['kind'], `podrun runs ${KINDS_TEXT}, not ${kind}`, hint);
}

/** ValidateAnnotations: keys and values together at most 256 KiB (pods and objects alike). */
function annotationsRule(value: Record<string, unknown>, err: Err): void {
  const meta = isObject(value.metadata) ? value.metadata : {};
  if (!isObject(meta.annotations)) return;
  const size = Object.entries(meta.annotations).reduce((n, [k, v]) => n + Buffer.byteLength(k) + (typeof v === 'string' ? Buffer.byteLength(v) : 0), 0);
  if (size > MAX_ANNOTATION_BYTES) err(['metadata', 'annotations'], `Too long: must have at most ${MAX_ANNOTATION_BYTES} bytes (these hold ${size})`, 'keep large data in a ConfigMap, not in annotations');
}

/** A ConfigMap, Secret or PersistentVolumeClaim: the same three passes as a pod's. */
function validateObject(kind: ObjectKind, value: Record<string, unknown>, prefix: FieldPath, file: string, doc: YamlDocument, out: ValidatedDocument): void {
  const before = out.errors.length;
  const { err, warn } = reporters(prefix, file, doc, out);
  annotationsRule(value, err);
  if (value.apiVersion !== 'v1') err(['apiVersion'], value.apiVersion === undefined ? 'Required' : `apiVersion ${String(value.apiVersion)} is not supported for a ${kind}`, 'use `apiVersion: v1`');
  const schema = objectSchema(kind);
  walkFields(schema, value, [], err, warn);
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    for (const issue of parsed.error.issues) if (!(issue.path.length === 1 && (issue.path[0] === 'apiVersion' || issue.path[0] === 'kind'))) zodIssue(issue, err);
  objectRules(kind, value, err);
  if (parsed.success && out.errors.length === before) out.objects.push({ object: normalizeObject(parsed.data as Record<string, unknown>), line: doc.lineOf([...prefix, 'apiVersion']), lineOf: (path) => doc.lineOf([...prefix, ...path]) });
}

/** A workload: its own fields here, its template as a Pod and its claim templates as claims (validate-workload.ts). */
function validateWorkloadItem(kind: WorkloadKind, value: Record<string, unknown>, prefix: FieldPath, file: string, doc: YamlDocument, opts: ValidateOptions, out: ValidatedDocument): void {
  // The template's pod and claims are checked into a scratch result that shares the problem lists.
  const scratch = (): ValidatedDocument => ({ manifests: [], objects: [], workloads: [], warnings: out.warnings, errors: out.errors });
  const tools: ValidateTools = {
    reporters: (at) => reporters([...prefix, ...at], file, doc, out),
    annotationsRule,
    walkFields,
    zodIssue,
    pod: (v, at) => {
      const s = scratch();
      validatePod(v, [...prefix, ...at], file, doc, opts, s);
      return s.manifests[0]?.pod;
    },
    claim: (v, at) => {
      const s = scratch();
      validateObject('PersistentVolumeClaim', v, [...prefix, ...at], file, doc, s);
      return s.objects[0]?.object;
    },
    errors: () => out.errors,
    warnings: () => out.warnings,
  };
  const workload = validateWorkload(kind, value, prefix, doc, tools);
  if (workload) out.workloads.push({ workload, line: doc.lineOf([...prefix, 'apiVersion']), lineOf: (path) => doc.lineOf([...prefix, ...path]) });
}

function validatePod(value: Record<string, unknown>, prefix: FieldPath, file: string, doc: YamlDocument, opts: ValidateOptions, out: ValidatedDocument): void {
  const before = out.errors.length;
  const { err: reportErr, warn: reportWarn } = reporters(prefix, file, doc, out);
  annotationsRule(value, reportErr);
  if (value.apiVersion !== 'v1') {
    reportErr(['apiVersion'], value.apiVersion === undefined ? 'Required' : `apiVersion ${String(value.apiVersion)} is not supported for a Pod`, 'use `apiVersion: v1`');
  }
  const schema = podSchema();
  // Off, each probe and hook is one error and nothing under it is reported; on (the default)
  // and with the option true, none (every handler kind runs, a host name too).
  const refused = opts.probesAndHooks === true ? [] : refusedHandlers(value, opts.probesAndHooks ?? PROBES_AND_HOOKS);
  for (const r of refused) reportErr(r.path, 'not supported by podrun yet', r.hint);
  const under = (path: FieldPath) => refused.some((r) => r.path.length <= path.length && r.path.every((k, i) => k === path[i]));
  const err = (path: FieldPath, detail: string, hint?: string) => {
    if (!under(path)) reportErr(path, detail, hint);
  };
  const warn = (path: FieldPath, message: string) => {
    if (!under(path)) reportWarn(path, message);
  };
  walkFields(schema, value, [], err, warn);
  const annotations = isObject(value.metadata) && isObject(value.metadata.annotations) ? value.metadata.annotations : {};
  if (own(annotations, CONTROLLED_BY_ANNOTATION))
    err(['metadata', 'annotations', CONTROLLED_BY_ANNOTATION], "this annotation is podrun's own: it marks a pod made from a workload's template", 'apply the workload (Deployment, StatefulSet, ...) instead, or remove the annotation');
  const grace = isObject(value.spec) ? value.spec.terminationGracePeriodSeconds : undefined;
  if (typeof grace === 'number' && Number.isInteger(grace) && grace > MAX_GRACE_SECONDS && grace <= 2 ** 63)
    warn(['spec', 'terminationGracePeriodSeconds'], `podrun waits at most ${MAX_GRACE_SECONDS} seconds (24 h) for a pod to stop; after that its containers are killed`);
  const parsed = schema.safeParse(value);
  // apiVersion and kind were reported above, with better words than zod's literal check.
  if (!parsed.success)
    for (const issue of parsed.error.issues) if (!(issue.path.length === 1 && (issue.path[0] === 'apiVersion' || issue.path[0] === 'kind'))) zodIssue(issue, err);
  const ctx: RuleContext = { err, warn, baseDir: opts.baseDir, stateDirs: opts.stateDirs };
  podRules(value, ctx);
  if (parsed.success && out.errors.length === before) out.manifests.push({ pod: parsed.data as PodManifest, line: doc.lineOf([...prefix, 'apiVersion']), lineOf: (path) => doc.lineOf([...prefix, ...path]) });
}

type Err = (path: FieldPath, detail: string, hint?: string) => void;
type Warn = (path: FieldPath, message: string) => void;

/** Unwraps optional/default/effects wrappers down to the object, array or leaf schema. */
function unwrap(s: z.ZodTypeAny): z.ZodTypeAny {
  for (;;) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap();
    else if (s instanceof z.ZodDefault) s = s.removeDefault();
    else if (s instanceof z.ZodEffects) s = s.innerType();
    else if (s instanceof z.ZodLazy) s = s.schema;
    else return s;
  }
}

function walkFields(schema: z.ZodTypeAny, value: unknown, path: FieldPath, err: Err, warn: Warn): void {
  const s = unwrap(schema);
  if (s instanceof z.ZodArray) {
    if (Array.isArray(value)) value.forEach((v, i) => walkFields(s.element, v, [...path, i], err, warn));
    return;
  }
  if (!(s instanceof z.ZodObject) || !isObject(value)) return;
  const shape = s.shape as Record<string, z.ZodTypeAny>;
  const policy = s.description ? FIELD_POLICIES[s.description] : undefined;
  for (const [key, v] of Object.entries(value)) {
    const p = [...path, key];
    if (own(shape, key)) walkFields(shape[key], v, p, err, warn);
    else if (policy?.ignored?.includes(key)) asKubernetesTakes(s.description!, key, v, p, err);
    else if (policy?.warn && own(policy.warn, key)) {
      if (!(policy.quiet && own(policy.quiet, key) && policy.quiet[key](v))) warn(p, policy.warn[key]);
      asKubernetesTakes(s.description!, key, v, p, err);
    }
    else if (policy?.unsupported && own(policy.unsupported, key)) {
      const u = policy.unsupported[key];
      const hint = u.hint ?? 'remove the field; docs/manifests.md lists what podrun runs';
      if (u.allow?.(v)) {
        asKubernetesTakes(s.description!, key, v, p, err);
        continue;
      }
      // --validate=warn|ignore drop only what changes behaviour, never isolation or where data goes
      if (validateMode === 'strict' || !u.droppable) err(p, 'not supported by podrun yet', validateMode === 'strict' || u.droppable ? hint : `${hint} (--validate=${validateMode} does not drop it: without it the pod would run less isolated, or its data elsewhere, than it asks)`);
      else warn(p, `not supported by podrun yet: the pod runs without it here (--validate=${validateMode}); on a cluster it is honoured. ${hint}`);
    } else if (key === '<<') err(p, 'YAML merge keys (<<) are not allowed', 'write the merged fields out in full');
    else {
      const candidates = [...Object.keys(shape), ...knownNames(policy)];
      const guess = suggest(key, candidates);
      // --validate=ignore: the API server drops an unknown field (and says so as a warning)
      if (validateMode === 'ignore') warn(p, `unknown field "${key}", ignored (--validate=ignore)${guess ? `: did you mean ${guess}?` : ''}`);
      else err(p, `unknown field "${key}"`, guess ? `did you mean ${guess}?` : `the fields here are: ${Object.keys(shape).join(', ')}`);
    }
  }
}

/**
 * A field podrun takes without modelling it (ignored, warned about, or allowed as a no-op value)
 * must still hold what a cluster takes: checked against Kubernetes' own schema (k8s-schema.ts),
 * loaded only when such a field is there.
 */
function asKubernetesTakes(parent: string, key: string, v: unknown, p: FieldPath, err: Err): void {
  const { checkFieldValue } = require('./k8s-schema') as typeof import('./k8s-schema');
  for (const f of checkFieldValue(parent, key, v)) err([...p, ...f.path], f.kind === 'unknown' ? f.message : `${f.message}, which Kubernetes refuses`, f.kind === 'unknown' ? 'remove it: Kubernetes does not know it' : 'fix the value, or remove the field (podrun does not use it)');
}

const REQUIRED_HINTS: Record<string, string> = {
  image: 'every container needs an image, e.g. `image: docker.io/library/busybox:1.36`',
  name: 'add a name: lower-case letters, digits and "-", e.g. `name: web`',
  containers: 'a pod needs at least one container under spec.containers',
  metadata: 'add `metadata:` with a `name:`',
  spec: 'add `spec:` with `containers:`',
  mountPath: 'add the absolute path inside the container, e.g. `mountPath: /data`',
  containerPort: 'add the port number, e.g. `containerPort: 8080`',
  path: 'add the path on this machine, e.g. `path: ./data`',
  fieldPath: 'add the field to read, e.g. `fieldPath: metadata.name`',
  ip: 'add the IP address, e.g. `ip: 127.0.0.1`',
  command: 'give the command to run, e.g. `command: [cat, /tmp/healthy]`',
  seconds: 'add how long to sleep, e.g. `seconds: 5`',
  accessModes: 'add how pods may mount the claim, e.g. `accessModes: [ReadWriteOnce]`',
  requests: 'add the size the claim asks for, e.g. `requests: {storage: 1Gi}`',
  storage: 'add the size the claim asks for, e.g. `storage: 1Gi`',
  resources: 'add the size the claim asks for, e.g. `resources: {requests: {storage: 1Gi}}`',
  selector: "select the pod template's labels, e.g. `selector: {matchLabels: {app: web}}`",
};

function zodIssue(issue: z.ZodIssue, err: Err): void {
  const path = issue.path;
  const last = String(path[path.length - 1] ?? '');
  switch (issue.code) {
    case 'invalid_type':
      if (issue.received === 'undefined') err(path, 'Required', own(REQUIRED_HINTS, last) ? REQUIRED_HINTS[last] : 'add the field');
      else err(path, `expected ${article(issue.expected)}, got ${article(issue.received)}`, typeHint(issue.expected));
      return;
    case 'invalid_enum_value':
      err(path, `unsupported value ${JSON.stringify(issue.received)}`, `use one of: ${issue.options.map((o) => (o === '' ? '""' : String(o))).join(', ')}`);
      return;
    case 'invalid_literal':
      err(path, `must be ${JSON.stringify(issue.expected)}`, `write \`${last}: ${String(issue.expected)}\``);
      return;
    case 'invalid_union':
      err(path, 'expected a quantity', 'write a quantity such as `64Mi`, `1Gi` or `500M`');
      return;
    case 'too_small':
      if (issue.type === 'array') err(path, issue.message, own(REQUIRED_HINTS, last) ? REQUIRED_HINTS[last] : 'add at least one entry');
      else err(path, `must be at least ${String(issue.minimum)}`, 'use a non-negative number');
      return;
    case 'custom':
      err(path, issue.message, (issue.params as { hint?: string } | undefined)?.hint);
      return;
    default:
      err(path, issue.message.replace(/^Expected integer, received float$/, 'expected an integer'), 'see docs/manifests.md for the field');
  }
}

function article(t: string): string {
  if (t === 'array') return 'a list';
  if (t === 'object') return 'a mapping';
  if (t === 'null') return 'null';
  if (t === 'integer') return 'an integer';
  return /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}

function typeHint(t: string): string {
  switch (t) {
    case 'string':
      return 'quote the value, e.g. "8080" or "true"';
    case 'number':
      return 'write a number without quotes';
    case 'boolean':
      return 'write true or false without quotes (`yes` and `no` are text in YAML 1.2)';
    case 'array':
      return 'write a list: one `- item` per line, or [a, b]';
    case 'object':
      return 'write a mapping of `key: value` lines';
    default:
      return 'see docs/manifests.md for the field';
  }
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  return `a ${typeof v}`;
}
