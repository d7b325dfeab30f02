// Kubernetes kinds podrun does not run, found in the same files as the pods (a repo's manifests
// hold Ingresses, RBAC, autoscalers, custom resources...): each is skipped with a warning that
// names it and says why, so that one of them never aborts the whole apply (docs/manifests.md,
// "Kinds podrun skips"). Workloads are not among them: a Deployment left out would be the very
// pod the user wants, so it stays an error until podrun runs its template.

/** Kinds podrun skips, with their API groups ('' is the core group, `v1`) and the reason. */
const SKIPPED: Record<string, { groups: readonly string[]; why: string }> = {
  Ingress: { groups: ['networking.k8s.io', 'extensions'], why: 'there is no ingress controller: reach the pods with a hostPort, a NodePort Service or `podrun port-forward`' },
  IngressClass: { groups: ['networking.k8s.io'], why: 'there is no ingress controller' },
  NetworkPolicy: { groups: ['networking.k8s.io'], why: 'network policies are not enforced: every pod reaches every other' },
  CronJob: { groups: ['batch'], why: 'there is no scheduler of jobs: run its jobTemplate.spec.template as a `kind: Pod`' },
  HorizontalPodAutoscaler: { groups: ['autoscaling'], why: 'there is no autoscaling on one machine' },
  PodDisruptionBudget: { groups: ['policy'], why: 'there are no evictions on one machine' },
  ServiceAccount: { groups: [''], why: 'there is no API server: pods get no service-account token' },
  Role: { groups: ['rbac.authorization.k8s.io'], why: 'there is no API server to authorize' },
  RoleBinding: { groups: ['rbac.authorization.k8s.io'], why: 'there is no API server to authorize' },
  ClusterRole: { groups: ['rbac.authorization.k8s.io'], why: 'there is no API server to authorize' },
  ClusterRoleBinding: { groups: ['rbac.authorization.k8s.io'], why: 'there is no API server to authorize' },
  Namespace: { groups: [''], why: 'a namespace exists as soon as a pod or object names it' },
  LimitRange: { groups: [''], why: 'there is no admission: each pod runs with its own resources' },
  ResourceQuota: { groups: [''], why: 'there is no admission: each pod runs with its own resources' },
  PriorityClass: { groups: ['scheduling.k8s.io'], why: 'there is no scheduler: every pod runs on this machine' },
  StorageClass: { groups: ['storage.k8s.io'], why: "claims are bound to podrun's local storage" },
  PersistentVolume: { groups: [''], why: "claims are bound to podrun's local storage" },
  Endpoints: { groups: [''], why: "podrun takes a Service's endpoints from its selector" },
  EndpointSlice: { groups: ['discovery.k8s.io'], why: "podrun takes a Service's endpoints from its selector" },
  CustomResourceDefinition: { groups: ['apiextensions.k8s.io'], why: 'there is no API server to serve custom resources' },
  MutatingWebhookConfiguration: { groups: ['admissionregistration.k8s.io'], why: 'there is no admission' },
  ValidatingWebhookConfiguration: { groups: ['admissionregistration.k8s.io'], why: 'there is no admission' },
  PodTemplate: { groups: [''], why: 'it runs nothing by itself' },
};

/** Workload kinds: their pod templates are what the user wants run; refused until podrun runs them. */
export const WORKLOAD_KINDS: readonly string[] = ['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicationController'];

/** Every kind podrun knows by name (runs, refuses or skips): the candidates for a misspelled one. */
export const knownKinds = (run: readonly string[]): string[] => [...run, ...WORKLOAD_KINDS, ...Object.keys(SKIPPED)];

/** For a kind podrun skips written with another group: the apiVersion group it belongs in. */
export function groupOfSkipped(kind: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(SKIPPED, kind) ? SKIPPED[kind].groups[0] : undefined;
}

/** The group of an apiVersion (`networking.k8s.io/v1` -> `networking.k8s.io`, `v1` -> ''). */
export function apiGroup(apiVersion: string): string {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/**
 * Why podrun skips an object of KIND in APIVERSION, or undefined when it does not (a kind it
 * runs or refuses, or a misspelling). A kind of Kubernetes' own in another group than its own,
 * such as `v1` `Ingress`, is not skipped: no cluster would take it either. Any kind of a group
 * that is not Kubernetes' own (a dotted name outside *.k8s.io) is a custom resource.
 */
export function skippedKind(kind: string, apiVersion: string): string | undefined {
  const group = apiGroup(apiVersion);
  const known = Object.prototype.hasOwnProperty.call(SKIPPED, kind) ? SKIPPED[kind] : undefined;
  if (known) return known.groups.includes(group) ? known.why : undefined;
  if (group.includes('.') && !group.endsWith('.k8s.io')) return `a custom resource (${group}): podrun runs no controller for it`;
  return undefined;
}
