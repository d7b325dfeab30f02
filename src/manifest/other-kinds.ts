// Kubernetes kinds podrun does not run, found in the same files as the pods (a repo's manifests
// hold Ingresses, RBAC, autoscalers, custom resources...): each is skipped with a warning that
// names it and says why, so that one of them never aborts the whole apply (docs/manifests.md,
// "Kinds podrun skips"). Workloads are not among them: a ReplicationController left out would be
// the very pod the user wants, so it stays an error (the workload kinds podrun runs:
// manifest/validate-workload.ts).

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
  RuntimeClass: { groups: ['node.k8s.io'], why: 'every pod runs with podrun itself' },
  Lease: { groups: ['coordination.k8s.io'], why: 'there is no API server to hold leases' },
  Event: { groups: ['', 'events.k8s.io'], why: 'podrun records its own events' },
  CSIDriver: { groups: ['storage.k8s.io'], why: "claims are bound to podrun's local storage" },
  CSINode: { groups: ['storage.k8s.io'], why: "claims are bound to podrun's local storage" },
  VolumeAttachment: { groups: ['storage.k8s.io'], why: "claims are bound to podrun's local storage" },
  CSIStorageCapacity: { groups: ['storage.k8s.io'], why: "claims are bound to podrun's local storage" },
  APIService: { groups: ['apiregistration.k8s.io'], why: 'there is no API server to extend' },
  CertificateSigningRequest: { groups: ['certificates.k8s.io'], why: 'there is no API server to sign certificates' },
  FlowSchema: { groups: ['flowcontrol.apiserver.k8s.io'], why: 'there is no API server' },
  PriorityLevelConfiguration: { groups: ['flowcontrol.apiserver.k8s.io'], why: 'there is no API server' },
  ValidatingAdmissionPolicy: { groups: ['admissionregistration.k8s.io'], why: 'there is no admission' },
  ValidatingAdmissionPolicyBinding: { groups: ['admissionregistration.k8s.io'], why: 'there is no admission' },
};

/**
 * The API groups Kubernetes itself serves; any other group is a custom resource's (installed
 * with a CRD: Gateway API's gateway.networking.k8s.io and autoscaling.k8s.io's VPA are too).
 */
const BUILT_IN_GROUPS: readonly string[] = [
  '',
  'apps',
  'batch',
  'autoscaling',
  'policy',
  'extensions',
  'networking.k8s.io',
  'rbac.authorization.k8s.io',
  'storage.k8s.io',
  'scheduling.k8s.io',
  'discovery.k8s.io',
  'apiextensions.k8s.io',
  'admissionregistration.k8s.io',
  'coordination.k8s.io',
  'node.k8s.io',
  'certificates.k8s.io',
  'events.k8s.io',
  'flowcontrol.apiserver.k8s.io',
  'apiregistration.k8s.io',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'internal.apiserver.k8s.io',
  'resource.k8s.io',
  'storagemigration.k8s.io',
];

/** Workload kinds podrun does not run yet: their pod templates are what the user wants run, so they are refused, not skipped. */
export const NOT_YET_WORKLOAD_KINDS: readonly string[] = ['ReplicationController'];

/** Every kind podrun knows by name (runs, refuses or skips): the candidates for a misspelled one. */
export const knownKinds = (run: readonly string[]): string[] => [...run, ...NOT_YET_WORKLOAD_KINDS, ...Object.keys(SKIPPED)];

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
 * Kubernetes does not serve itself (a dotted name: CRD groups have one) is a custom resource,
 * whatever it is called (Knative's serving.knative.dev `Service` too).
 */
export function skippedKind(kind: string, apiVersion: string): string | undefined {
  const group = apiGroup(apiVersion);
  if (!BUILT_IN_GROUPS.includes(group)) return group.includes('.') ? `a custom resource (${group}): podrun runs no controller for it` : undefined;
  const known = Object.prototype.hasOwnProperty.call(SKIPPED, kind) ? SKIPPED[kind] : undefined;
  return known?.groups.includes(group) ? known.why : undefined;
}
