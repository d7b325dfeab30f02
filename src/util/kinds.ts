// The kinds podrun stores beside pods and the names kubectl gives them. Dependency-free and in
// the bottom layer: every verb's argument parsing and the object store read it, and the schemas
// (zod) must not load with it.
export const OBJECT_KINDS = {
  ConfigMap: { plural: 'configmaps', singular: 'configmap', short: 'cm' },
  Secret: { plural: 'secrets', singular: 'secret', short: '' },
  PersistentVolumeClaim: { plural: 'persistentvolumeclaims', singular: 'persistentvolumeclaim', short: 'pvc' },
  Service: { plural: 'services', singular: 'service', short: 'svc' },
} as const;
export type ObjectKind = keyof typeof OBJECT_KINDS;
export const isObjectKind = (k: unknown): k is ObjectKind => typeof k === 'string' && Object.prototype.hasOwnProperty.call(OBJECT_KINDS, k);

/** kubectl's TYPE word for a kind (`pod`, `configmap`, `secret`, `persistentvolumeclaim`). */
export const kindWord = (kind: ObjectKind | 'Pod') => (kind === 'Pod' ? 'pod' : OBJECT_KINDS[kind].singular);

/** `ConfigMap/NAME`, `Secret/NAME`, `PersistentVolumeClaim/NAME`: how a pod names an object of its namespace (facts.configObjects). */
export const objectRef = (kind: ObjectKind, name: string) => `${kind}/${name}`;

/** The ConfigMap the API server publishes in every namespace (its CA bundle); podrun has none, and gives a note. */
export const KUBE_ROOT_CA = 'kube-root-ca.crt';
