// A Deployment, ReplicaSet, StatefulSet or DaemonSet (apps/v1), or a Job (batch/v1): the same three passes as a pod's
// over the workload's own fields, then its pod template checked as a Pod (every Pod rule; the
// problems at their paths under spec.template) and a StatefulSet's claim templates as
// PersistentVolumeClaims, then what Kubernetes checks across them (pkg/apis/apps/validation): the
// selector selects the template's labels, the template restarts Always (a Job's OnFailure or
// Never, its selector generated). docs/workloads.md.
import type { z } from 'zod';
import type { ManifestError } from '../util/errors';
import type { WorkloadKind } from '../util/kinds';
import type { FieldPath, YamlDocument } from './yaml';
import type { ManifestWarning } from './load';
import type { PodManifest } from './schema';
import type { ConfigObject } from './objects';
import { workloadApiVersion, workloadSchema, type ClaimTemplate, type LabelSelector, type WorkloadManifest } from './workload-schema';
import { labelSelectorMatches } from '../util/selector';
import { generatedPodName, statefulPodName, claimNameFor } from './workload-names';
import * as names from './names';

type Err = (path: FieldPath, detail: string, hint?: string) => void;
type Warn = (path: FieldPath, message: string) => void;

/** What validate.ts lends: its passes, run on the workload and on the template as a Pod. */
export interface ValidateTools {
  reporters(prefix: FieldPath): { err: Err; warn: Warn };
  annotationsRule(value: Record<string, unknown>, err: Err): void;
  walkFields(schema: z.ZodTypeAny, value: unknown, path: FieldPath, err: Err, warn: Warn): void;
  zodIssue(issue: z.ZodIssue, err: Err): void;
  /** Validates VALUE as a Pod at PREFIX; the pod, or undefined with its problems reported. */
  pod(value: Record<string, unknown>, prefix: FieldPath): PodManifest | undefined;
  /** Validates VALUE as a PersistentVolumeClaim at PREFIX. */
  claim(value: Record<string, unknown>, prefix: FieldPath): ConfigObject | undefined;
  errors(): ManifestError[];
  warnings(): ManifestWarning[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function validateWorkload(kind: WorkloadKind, value: Record<string, unknown>, prefix: FieldPath, doc: YamlDocument, t: ValidateTools): WorkloadManifest | undefined {
  const before = t.errors().length;
  const { err } = t.reporters(prefix);
  const { warn } = t.reporters(prefix);
  t.annotationsRule(value, err);
  const apiVersion = workloadApiVersion(kind);
  if (value.apiVersion !== apiVersion)
    err(['apiVersion'], value.apiVersion === undefined ? 'Required' : `apiVersion ${String(value.apiVersion)} is not supported for a ${kind}`, `use \`apiVersion: ${apiVersion}\`${kind === 'Job' ? '' : ' (the older extensions and apps/v1beta groups are gone from Kubernetes)'}`);
  const schema = workloadSchema(kind);
  t.walkFields(schema, value, [], err, warn);
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    for (const issue of parsed.error.issues) if (!(issue.path.length === 1 && (issue.path[0] === 'apiVersion' || issue.path[0] === 'kind'))) t.zodIssue(issue, err);

  const meta = isObject(value.metadata) ? value.metadata : {};
  const spec = isObject(value.spec) ? value.spec : {};
  const name = typeof meta.name === 'string' ? meta.name : '';
  const namespace = typeof meta.namespace === 'string' ? meta.namespace : 'default';
  if (kind === 'StatefulSet' && name) {
    // Its pods are NAME-ORDINAL and take that as their host name: a DNS label.
    const last = statefulPodName(name, numberOr(spec.replicas, 1) - 1 + numberOr(isObject(spec.ordinals) ? spec.ordinals.start : 0, 0));
    if (last.length > 63) err(['metadata', 'name'], `the StatefulSet's pod "${last}" (name-ordinal, its host name) is longer than 63 characters`, 'shorten the name');
  }
  if (kind === 'Job') jobRules(spec, name, err);
  const claims = kind === 'StatefulSet' ? claimTemplates(spec.volumeClaimTemplates, name, namespace, t) : [];
  const parsedSpec = parsed.success ? (parsed.data as { spec: Record<string, unknown> }).spec : undefined;
  if (parsedSpec) strategyRules(kind, parsedSpec, err);
  // the pod template's name: the workload's first pod's, or a stand-in when the workload's name is itself wrong (reported once)
  const podBase = name && !names.dns1123Subdomain(name) ? name : 'workload';
  const pod = isObject(value.spec) ? templatePod(kind, spec, parsedSpec?.selector as LabelSelector | undefined, podBase, namespace, claims, t, err, warn) : undefined;
  if (!parsed.success || !pod || t.errors().length !== before) return undefined;
  const data = parsed.data as { metadata: WorkloadManifest['metadata']; spec: WorkloadManifest['spec'] };
  // batch/v1 defaults: neither completions nor parallelism written is one pod to run once; parallelism alone is a work queue
  if (kind === 'Job' && spec.completions === undefined && spec.parallelism === undefined) (data.spec as { completions?: number }).completions = 1;
  return { apiVersion, kind, metadata: data.metadata, spec: data.spec, templatePod: pod, claimTemplates: claims, ...(kind !== 'Job' && kind !== 'DaemonSet' && spec.replicas === undefined ? { replicasUnset: true } : {}) };
}

/** pkg/apis/apps/validation: a rolling update must move (maxSurge and maxUnavailable not both 0), percentages at most 100%. */
function strategyRules(kind: WorkloadKind, spec: Record<string, unknown>, err: Err): void {
  const at = kind === 'Deployment' ? ['spec', 'strategy'] : ['spec', 'updateStrategy'];
  const s = (kind === 'Deployment' ? spec.strategy : kind === 'DaemonSet' ? spec.updateStrategy : undefined) as { type?: string; rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string } } | undefined;
  if (!s) return;
  if (s.type !== 'RollingUpdate' && s.rollingUpdate !== undefined) return err([...at, 'rollingUpdate'], `may not be specified when strategy \`type\` is '${String(s.type)}'`, 'leave rollingUpdate out, or use `type: RollingUpdate`');
  const ru = s.rollingUpdate ?? {};
  const zero = (v: number | string | undefined, dflt: number | string) => String(v ?? dflt).replace('%', '') === '0';
  for (const k of ['maxSurge', 'maxUnavailable'] as const) {
    const v = ru[k];
    if (typeof v === 'string' && Number(v.slice(0, -1)) > 100) err([...at, 'rollingUpdate', k], 'must not be greater than 100%', 'use at most "100%"');
  }
  // Deployment defaults 25%/25%; DaemonSet 0/1
  const surgeZero = zero(ru.maxSurge, kind === 'Deployment' ? '25%' : 0);
  const unavailableZero = zero(ru.maxUnavailable, kind === 'Deployment' ? '25%' : 1);
  if (s.type === 'RollingUpdate' && surgeZero && unavailableZero) err([...at, 'rollingUpdate', 'maxUnavailable'], 'may not be 0 when `maxSurge` is 0', 'let one pod be unavailable (`maxUnavailable: 1`) or one extra (`maxSurge: 1`)');
  if (kind === 'DaemonSet' && s.type === 'RollingUpdate' && !surgeZero && !unavailableZero) err([...at, 'rollingUpdate', 'maxSurge'], 'may not be set when `maxUnavailable` is non-zero (it defaults to 1)', 'with `maxSurge: 1` write `maxUnavailable: 0`');
}

/** pkg/apis/batch/validation: a Job's pods carry job-name=NAME (a label value); Indexed needs completions. */
function jobRules(spec: Record<string, unknown>, name: string, err: Err): void {
  if (name.length > 63) err(['metadata', 'name'], `must be no more than 63 characters (its pods carry the label job-name: ${name.slice(0, 20)}...)`, 'shorten the name');
  if (spec.completionMode === 'Indexed' && spec.completions === undefined) err(['spec', 'completions'], 'Required value: when completion mode is Indexed', 'give the number of indexes, e.g. `completions: 3`');
  // the API server's limits for an Indexed Job
  if (spec.completionMode === 'Indexed')
    for (const k of ['completions', 'parallelism'] as const) if (typeof spec[k] === 'number' && (spec[k] as number) > 100_000) err(['spec', k], 'must be less than or equal to 100000 when completion mode is Indexed', 'use at most 100000');
  if (spec.selector !== undefined && spec.manualSelector !== true)
    err(['spec', 'selector'], '`selector` will be auto-generated', 'leave spec.selector out (the Job selects its pods by its uid), or set `manualSelector: true`');
}

const numberOr = (v: unknown, d: number) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : d);

/** spec.template checked as a Pod named as the workload's first pod will be; the claim templates' volumes added. */
function templatePod(kind: WorkloadKind, spec: Record<string, unknown>, selector: LabelSelector | undefined, name: string, namespace: string, claims: ClaimTemplate[], t: ValidateTools, err: Err, warn: Warn): PodManifest | undefined {
  const at: FieldPath = ['spec', 'template'];
  if (spec.template === undefined) return err(at, 'Required', 'add the pod template: `template:` with `metadata: {labels: ...}` and a `spec:` with containers'), undefined;
  if (!isObject(spec.template)) return err(at, 'expected a mapping', 'write the pod template as a mapping with metadata and spec'), undefined;
  const tpl = spec.template;
  const tmeta = isObject(tpl.metadata) ? { ...tpl.metadata } : {};
  for (const k of ['name', 'namespace'] as const)
    if (tmeta[k] !== undefined) {
      warn([...at, 'metadata', k], `ignored: each pod of a ${kind} is named by it and is in its namespace`);
      delete tmeta[k];
    }
  const labels = isObject(tmeta.labels) ? (tmeta.labels as Record<string, string>) : {};
  // Kubernetes: a workload must select its own pods, or it would make them forever.
  // the selector as parsed (a malformed one is reported by the schema, not matched here)
  if (selector && (kind !== 'Job' || spec.manualSelector === true)) {
    const empty = !Object.keys(selector.matchLabels ?? {}).length && !(selector.matchExpressions ?? []).length;
    if (empty) err(['spec', 'selector'], `empty selector is invalid for a ${kind}`, 'select the template\'s labels, e.g. `selector: {matchLabels: {app: web}}`');
    else if (!labelSelectorMatches(selector, labels)) err([...at, 'metadata', 'labels'], '`selector` does not match template `labels`', 'give the template every label spec.selector.matchLabels names (and matchExpressions asks for)');
  }
  const podSpec = isObject(tpl.spec) ? { ...tpl.spec } : tpl.spec;
  if (isObject(podSpec)) {
    const policy = podSpec.restartPolicy ?? 'Always';
    if (kind === 'Job') {
      if (policy !== 'OnFailure' && policy !== 'Never')
        err([...at, 'spec', 'restartPolicy'], `Unsupported value: ${JSON.stringify(policy)}: supported values: "OnFailure", "Never"`, "a Job's pods run to completion: write `restartPolicy: Never` (a failed pod is replaced) or `OnFailure` (its container restarts)");
    } else if (policy !== 'Always') err([...at, 'spec', 'restartPolicy'], `Unsupported value: ${JSON.stringify(policy)}: supported values: "Always"`, `a ${kind}'s pods always restart; a pod that runs to completion is a Job's (or a \`kind: Pod\` with restartPolicy ${String(policy)})`);
    if (claims.length) {
      // A claim template's volume takes the place of the template's volume of that name (as the
      // controller does), at its index (so problems of the others keep their paths); the rest go last.
      const claimVolume = (c: ClaimTemplate) => ({ name: c.name, persistentVolumeClaim: { claimName: claimNameFor(c.name, firstPod(kind, spec, name)) } });
      const own = Array.isArray(podSpec.volumes) ? podSpec.volumes.map((v) => (isObject(v) ? claims.find((c) => c.name === v.name) : undefined) ?? v) : [];
      podSpec.volumes = [...own.map((v) => (claims.includes(v as ClaimTemplate) ? claimVolume(v as ClaimTemplate) : v)), ...claims.filter((c) => !own.includes(c)).map(claimVolume)];
    }
  }
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { ...tmeta, name: firstPod(kind, spec, name), namespace }, spec: podSpec };
  return t.pod(pod, at);
}

const firstPod = (kind: WorkloadKind, spec: Record<string, unknown>, name: string) =>
  kind === 'StatefulSet'
    ? statefulPodName(name, numberOr(isObject(spec.ordinals) ? spec.ordinals.start : 0, 0))
    : generatedPodName(kind === 'Deployment' ? `${name}-bbbbbbbbbb` : kind === 'Job' && spec.completionMode === 'Indexed' ? `${name}-0` : name, 'bbbbb');

/** spec.volumeClaimTemplates: each a PersistentVolumeClaim (apiVersion and kind optional), named per pod CLAIM-POD. */
function claimTemplates(v: unknown, name: string, namespace: string, t: ValidateTools): ClaimTemplate[] {
  if (!Array.isArray(v)) return [];
  const out: ClaimTemplate[] = [];
  v.forEach((c, i) => {
    const at: FieldPath = ['spec', 'volumeClaimTemplates', i];
    if (!isObject(c)) return;
    const meta = isObject(c.metadata) ? c.metadata : {};
    const claim = t.claim({ ...c, apiVersion: c.apiVersion ?? 'v1', kind: c.kind ?? 'PersistentVolumeClaim', metadata: { ...meta, namespace } }, at);
    // a bad claim is reported; its name still makes a volume of the template's pod (no second error there)
    if (!claim) return void (typeof meta.name === 'string' && out.push({ name: meta.name, spec: {} }));
    const full = claimNameFor(claim.metadata.name, statefulPodName(name, 0));
    if (full.length > 253) t.reporters(at).err(['metadata', 'name'], `the claim "${full.slice(0, 40)}..." (claim-pod) is longer than 253 characters`, 'shorten the claim or the StatefulSet name');
    out.push({ name: claim.metadata.name, labels: claim.metadata.labels, annotations: claim.metadata.annotations, spec: (claim as unknown as { spec: Record<string, unknown> }).spec });
  });
  return out;
}
