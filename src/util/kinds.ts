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

/**
 * The workload kinds podrun runs the pod template of (docs/workloads.md): kubectl's words for
 * each, and the API group (`deployment.apps/web created`). Job is not among them yet.
 */
export const WORKLOAD_KINDS = {
  Deployment: { plural: 'deployments', singular: 'deployment', short: 'deploy', group: 'apps' },
  ReplicaSet: { plural: 'replicasets', singular: 'replicaset', short: 'rs', group: 'apps' },
  StatefulSet: { plural: 'statefulsets', singular: 'statefulset', short: 'sts', group: 'apps' },
  DaemonSet: { plural: 'daemonsets', singular: 'daemonset', short: 'ds', group: 'apps' },
  Job: { plural: 'jobs', singular: 'job', short: '', group: 'batch' },
} as const;
export type WorkloadKind = keyof typeof WORKLOAD_KINDS;
export const isWorkloadKind = (k: unknown): k is WorkloadKind => typeof k === 'string' && Object.prototype.hasOwnProperty.call(WORKLOAD_KINDS, k);

/** `deployment.apps/web`: how kubectl names a workload in apply's and scale's output. */
export const workloadRef = (kind: WorkloadKind, name: string) => `${WORKLOAD_KINDS[kind].singular}.${WORKLOAD_KINDS[kind].group}/${name}`;

/** The annotation podrun puts on each pod it makes from a workload's template: `Deployment/web`. */
export const CONTROLLED_BY_ANNOTATION = 'podrun.dev/controlled-by';
