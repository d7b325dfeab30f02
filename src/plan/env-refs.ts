// Environment variables from ConfigMaps and Secrets (configMapKeyRef, secretKeyRef, envFrom) in
// the plan. The plan, which pod.json keeps, never holds their values: each is a token,
// `\0NnNONCE\0` (N indexes PodPlan.envRefs, NONCE is PodPlan.envRefNonce, random per apply),
// that $(VAR) expansion carries like any value, and that apply replaces with the stored value
// only where the value is needed: in the launch file (on the pod's tmpfs) and in what `podrun
// exec` gives the helper. The nonce makes a token unforgeable: an image's Cmd or Env (which no
// schema checks for NUL) could otherwise name another container's Secret by its index (review 20).
import type { PodManifest } from '../manifest/schema';
import { objectRef } from '../util/kinds';
import type { HostFacts, PlannedEnvRef } from './types';

const tokenOf = (i: number, nonce: string | undefined) => `\u0000${i}${nonce ? `n${nonce}` : ''}\u0000`;
const tokenPattern = (nonce: string | undefined) => new RegExp(`\u0000(\\d+)${nonce ? `n${nonce}` : ''}\u0000`, 'g');

/** The references a pod's containers take values from, and the token of each. */
export class EnvRefs {
  readonly list: PlannedEnvRef[] = [];
  /** NONCE: hex, from the facts (absent: short tokens, for tests). */
  constructor(readonly nonce?: string) {}
  token(ref: PlannedEnvRef): string {
    let i = this.list.findIndex((r) => r.kind === ref.kind && r.name === ref.name && r.key === ref.key);
    if (i < 0) i = this.list.push(ref) - 1;
    return tokenOf(i, this.nonce);
  }
}

/** Whether S holds the token of ref I (of a plan whose nonce is NONCE). */
export const hasRefToken = (s: string, i: number, nonce: string | undefined) => s.includes(tokenOf(i, nonce));

/** S with every token of this plan (its NONCE) replaced by VALUE(ref); anything else is left as it is. */
export function replaceRefTokens(s: string, refs: readonly PlannedEnvRef[], nonce: string | undefined, value: (ref: PlannedEnvRef) => string): string {
  return s.includes('\u0000') ? s.replace(tokenPattern(nonce), (whole, i: string) => (refs[Number(i)] ? value(refs[Number(i)]) : whole)) : s;
}

/**
 * S with the tokens of another plan (its REFS and NONCE) turned into tokens of the list INTO
 * (extended where it lacks a reference) under INTO_NONCE: a container kept from the running pod
 * joins the plan of a re-apply (plan/reapply.ts).
 */
export function rebaseRefTokens(s: string, refs: readonly PlannedEnvRef[], nonce: string | undefined, into: PlannedEnvRef[], intoNonce: string | undefined): string {
  return replaceRefTokens(s, refs, nonce, (ref) => {
    let i = into.findIndex((r) => r.kind === ref.kind && r.name === ref.name && r.key === ref.key);
    if (i < 0) i = into.push(ref) - 1;
    return tokenOf(i, intoNonce);
  });
}

/** The kubelet's messages for a reference it cannot resolve (makeEnvironmentVariables). */
const notFound = (kind: 'ConfigMap' | 'Secret', name: string) => `${kind === 'ConfigMap' ? 'configmap' : 'secret'} "${name}" not found`;
const noKey = (kind: 'ConfigMap' | 'Secret', ns: string, name: string, key: string) => `couldn't find key ${key} in ${kind} ${ns}/${name}`;

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

export interface EnvFromResult {
  /** name -> value (tokens), in order. */
  vars: Map<string, string>;
  /** The first reference that cannot be resolved: the container waits (CreateContainerConfigError). */
  configError?: { message: string; waitingFor: string };
  /** kubelet's InvalidEnvironmentVariableNames event, when envFrom keys were skipped. */
  skipped?: string;
}

type Container = { envFrom?: PodManifest['spec']['containers'][number]['envFrom'] };

/** envFrom's variables (before env's, which override them), as the kubelet builds them. */
export function envFromVars(c: Container, ns: string, facts: HostFacts, refs: EnvRefs): EnvFromResult {
  const out: EnvFromResult = { vars: new Map() };
  const skipped: string[] = [];
  for (const ef of c.envFrom ?? []) {
    const kind = ef.configMapRef ? 'ConfigMap' : 'Secret';
    const src = (ef.configMapRef ?? ef.secretRef)!;
    const keys = facts.configObjects?.[objectRef(kind, src.name)];
    if (keys === undefined) {
      if (!src.optional) out.configError ??= { message: notFound(kind, src.name), waitingFor: objectRef(kind, src.name) };
      continue;
    }
    const bad: string[] = [];
    for (const key of keys ?? []) {
      const name = (ef.prefix ?? '') + key;
      if (!ENV_NAME.test(name)) bad.push(name);
      else out.vars.set(name, refs.token({ kind, name: src.name, key }));
    }
    if (bad.length) skipped.push(`Keys [${bad.join(', ')}] from the EnvFrom ${kind === 'ConfigMap' ? 'configMap' : 'secret'} ${ns}/${src.name} were skipped since they are considered invalid environment variable names.`);
  }
  if (skipped.length) out.skipped = skipped.join(' ');
  return out;
}

/**
 * One env entry's configMapKeyRef or secretKeyRef: its token, `undefined` when an optional one is
 * missing (the variable is not set), or the error that makes the container wait.
 */
export function keyRefValue(
  sel: { kind: 'ConfigMap' | 'Secret'; name: string; key: string; optional?: boolean },
  ns: string,
  facts: HostFacts,
  refs: EnvRefs,
): { value?: string; configError?: { message: string; waitingFor: string } } {
  const keys = facts.configObjects?.[objectRef(sel.kind, sel.name)];
  if (keys === undefined) return sel.optional ? {} : { configError: { message: notFound(sel.kind, sel.name), waitingFor: objectRef(sel.kind, sel.name) } };
  if (keys !== null && !keys.includes(sel.key)) return sel.optional ? {} : { configError: { message: noKey(sel.kind, ns, sel.name, sel.key), waitingFor: objectRef(sel.kind, sel.name) } };
  return { value: refs.token({ kind: sel.kind, name: sel.name, key: sel.key }) };
}
