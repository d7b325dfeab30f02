// appArmorProfile as Kubernetes reads it (KEP-24 "AppArmor graduation to GA", v1.30): the field on
// the pod's and the container's securityContext (the container's wins), and the deprecated
// per-container annotation `container.apparmor.security.beta.kubernetes.io/NAME` with the values
// `runtime/default`, `localhost/PROFILE` and `unconfined` ('' meaning runtime/default). The
// kubelet applies, in this order: the container's field, the container's annotation, the pod's
// field (the API server copies an annotation into a container without a field: pkg/registry/core/
// pod/strategy.go applyAppArmorVersionSkew, pkg/api/pod/util.go ApparmorFieldForAnnotation).
// Works on raw data as well as on a validated manifest, so rules.ts and the planner share it.

export const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

export type AppArmorType = 'RuntimeDefault' | 'Localhost' | 'Unconfined';

export interface AppArmorProfileValue {
  type: AppArmorType;
  localhostProfile?: string;
}

/** Where a container's profile comes from, as a field path (for errors) and what it says. */
export interface EffectiveAppArmor {
  profile: AppArmorProfileValue;
  from: 'container' | 'annotation' | 'pod';
  /** The field (with `type` or `localhostProfile` appended by the caller), or the annotation. */
  path: (string | number)[];
}

/** The deprecated annotation's value as a field, or undefined when it names no valid profile. */
export function annotationProfile(value: string): AppArmorProfileValue | undefined {
  if (value === '' || value === 'runtime/default') return { type: 'RuntimeDefault' };
  if (value === 'unconfined') return { type: 'Unconfined' };
  if (value.startsWith('localhost/') && value.length > 'localhost/'.length) return { type: 'Localhost', localhostProfile: value.slice('localhost/'.length) };
  return undefined;
}

/** The annotation value a profile is written as (for messages). */
export function annotationValue(p: AppArmorProfileValue): string {
  return p.type === 'RuntimeDefault' ? 'runtime/default' : p.type === 'Unconfined' ? 'unconfined' : `localhost/${p.localhostProfile ?? ''}`;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A securityContext's appArmorProfile when it is well formed enough to use. */
function fieldProfile(sc: unknown): AppArmorProfileValue | undefined {
  if (!isObj(sc) || !isObj(sc.appArmorProfile)) return undefined;
  const p = sc.appArmorProfile;
  if (p.type !== 'RuntimeDefault' && p.type !== 'Localhost' && p.type !== 'Unconfined') return undefined;
  return { type: p.type, ...(typeof p.localhostProfile === 'string' ? { localhostProfile: p.localhostProfile } : {}) };
}

/** The annotation naming container NAME, if any (own keys only: the names come from the user). */
export function appArmorAnnotation(annotations: unknown, name: string): { key: string; value: string } | undefined {
  if (!isObj(annotations)) return undefined;
  const key = APPARMOR_ANNOTATION_PREFIX + name;
  const v = Object.prototype.hasOwnProperty.call(annotations, key) ? annotations[key] : undefined;
  return typeof v === 'string' ? { key, value: v } : undefined;
}

/**
 * The profile container `index` runs under as the manifest says it (before host defaults):
 * its field, else its annotation, else the pod's field; undefined when none names one.
 */
export function effectiveAppArmor(pod: unknown, index: number, list: 'containers' | 'initContainers' = 'containers'): EffectiveAppArmor | undefined {
  const spec = isObj(pod) && isObj(pod.spec) ? pod.spec : {};
  const meta = isObj(pod) && isObj(pod.metadata) ? pod.metadata : {};
  const items = spec[list];
  const c = Array.isArray(items) ? items[index] : undefined;
  if (!isObj(c)) return undefined;
  const own = fieldProfile(c.securityContext);
  if (own) return { profile: own, from: 'container', path: ['spec', list, index, 'securityContext', 'appArmorProfile'] };
  const ann = typeof c.name === 'string' ? appArmorAnnotation(meta.annotations, c.name) : undefined;
  const fromAnn = ann && annotationProfile(ann.value);
  if (ann && fromAnn) return { profile: fromAnn, from: 'annotation', path: ['metadata', 'annotations', ann.key] };
  const podLevel = fieldProfile(spec.securityContext);
  if (podLevel) return { profile: podLevel, from: 'pod', path: ['spec', 'securityContext', 'appArmorProfile'] };
  return undefined;
}

/**
 * The spec as the API server stores it: a container with no appArmorProfile of its own but an
 * annotation gets the annotation's profile as its field, unless that is the pod's profile already
 * (what `get -o yaml` shows). Returns the same object when nothing changes.
 */
type Named = { name: string; securityContext?: object };

export function specWithAnnotationFields<S extends { containers: Named[]; initContainers?: Named[]; securityContext?: object }>(spec: S, annotations: Record<string, string> | undefined): S {
  if (!annotations) return spec;
  const podLevel = fieldProfile(spec.securityContext);
  let changed = false;
  const withField = <C extends Named>(c: C): C => {
    if (fieldProfile(c.securityContext)) return c;
    const ann = appArmorAnnotation(annotations, c.name);
    const p = ann && annotationProfile(ann.value);
    if (!p || (podLevel && podLevel.type === p.type && podLevel.localhostProfile === p.localhostProfile)) return c;
    changed = true;
    return { ...c, securityContext: { ...(c.securityContext ?? {}), appArmorProfile: p } };
  };
  const containers = spec.containers.map(withField);
  const initContainers = spec.initContainers?.map(withField);
  return changed ? { ...spec, containers, ...(initContainers ? { initContainers } : {}) } : spec;
}
