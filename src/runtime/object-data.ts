// The bytes of a stored ConfigMap's or Secret's keys, for what apply writes into config volumes
// and the environment (the only readers of a Secret's values besides `get -o yaml|json`).
import { decodeBase64 } from '../manifest/object-keys';
import { readObject } from '../state/objects';
import { KUBE_ROOT_CA } from '../util/kinds';
import type { Paths } from '../util/paths';
import { PodrunError } from '../util/errors';
import { MAX_EXEC_STRING_BYTES } from '../manifest/exec-limits';
import { replaceRefTokens } from '../plan/env-refs';
import type { PlannedEnvRef } from '../plan/types';

const ROOT_CA_NOTE = '# podrun runs this pod without a Kubernetes API server: there is no cluster CA\n';

const b64 = (v: string) => {
  const d = decodeBase64(v);
  return 'bytes' in d ? d.bytes : Buffer.alloc(0);
};

/** The bytes of each key of a stored ConfigMap or Secret (undefined: not stored). */
export function objectData(paths: Paths, kind: 'ConfigMap' | 'Secret', namespace: string, name: string): Map<string, Buffer> | undefined {
  const o = readObject(paths, kind, namespace, name);
  if (!o) return kind === 'ConfigMap' && name === KUBE_ROOT_CA ? new Map([['ca.crt', Buffer.from(ROOT_CA_NOTE)]]) : undefined;
  const out = new Map<string, Buffer>();
  if (o.kind === 'ConfigMap') {
    for (const [k, v] of Object.entries(o.data ?? {})) out.set(k, Buffer.from(v, 'utf8'));
    for (const [k, v] of Object.entries(o.binaryData ?? {})) out.set(k, b64(v));
  } else if (o.kind === 'Secret') for (const [k, v] of Object.entries(o.data ?? {})) out.set(k, b64(v));
  return out;
}


/**
 * PLAN with every env token (plan/env-refs.ts) replaced by the stored value, for the launch file
 * and `exec` only: never written to pod.json. A key gone since the plan was made gives ''.
 */
export function withEnvValues<T extends { namespace: string; envRefs?: PlannedEnvRef[]; envRefNonce?: string }>(paths: Paths, plan: T): T {
  const refs = plan.envRefs;
  if (!refs?.length) return plan;
  const data = new Map<string, Map<string, Buffer> | undefined>();
  const value = (r: PlannedEnvRef) => {
    const id = `${r.kind}/${r.name}`;
    if (!data.has(id)) data.set(id, objectData(paths, r.kind, plan.namespace, r.name));
    const v = data.get(id)?.get(r.key)?.toString('utf8').replace(/\0/g, '') ?? '';
    // said here, where the size is known, of the key: never with the value (the helper's refusal quotes it)
    if (Buffer.byteLength(v) > MAX_EXEC_STRING_BYTES)
      throw new PodrunError(`${r.kind === 'Secret' ? 'secret' : 'configmap'} "${r.name}" key "${r.key}" is ${Buffer.byteLength(v)} bytes: over the ${MAX_EXEC_STRING_BYTES} bytes the kernel takes in one environment variable`, `mount the ${r.kind} as a volume instead of taking the key into the environment`);
    return v;
  };
  // (volumes hold the downward API's values, never a token: they are not walked)
  const walk = (v: unknown): unknown =>
    typeof v === 'string'
      ? replaceRefTokens(v, refs, plan.envRefNonce, value)
      : Array.isArray(v)
        ? v.map(walk)
        : v && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === 'volumes' ? x : walk(x)]))
          : v;
  return walk(plan) as T;
}
