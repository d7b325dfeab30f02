// Kubernetes fields podrun knows but does not run. A field is never dropped silently:
// scheduling-only fields warn (they have no meaning on one machine), fields that would change
// what runs are errors, and a name that is not a Kubernetes field at all is an error with a
// suggestion. `ignored` fields are what `kubectl get -o yaml` adds (uid, status, ...).
// Probes and the postStart/preStop hooks are fields of the schema, refused while the monitor does
// not run them by the PROBES_AND_HOOKS switch (manifest/supervision.ts), not here.

export interface UnsupportedField {
  hint?: string;
  /** Values that change nothing and are accepted silently (e.g. `resources: {}` from kubectl). */
  allow?: (v: unknown) => boolean;
  /**
   * `apply --validate=warn|ignore` may run the pod without it (with a warning): running without
   * it changes what the pod does, never how isolated it is or where its data goes. A field
   * without this (a sandbox's runtimeClassName, subPathExpr, a volume of another kind) is refused
   * in every mode.
   */
  droppable?: true;
}

export interface FieldPolicy {
  ignored?: string[];
  warn?: Record<string, string>;
  /**
   * Values of `warn` fields taken silently: what the API server and the scheduler put in every
   * pod (`kubectl get pod -o yaml` of a pod from a cluster has them all), so an exported pod
   * applies with only the warnings that matter.
   */
  quiet?: Record<string, (v: unknown) => boolean>;
  unsupported?: Record<string, UnsupportedField>;
}

const isEmpty = (v: unknown): boolean =>
  v === null || v === undefined || (typeof v === 'object' && Object.values(v as object).every((x) => isEmpty(x)));

const SCHEDULING = 'scheduling field, ignored: podrun runs every pod on this machine';

/** The tolerations the DefaultTolerationSeconds admission plugin adds to every pod (one or both). */
function isDefaultTolerations(v: unknown): boolean {
  const DEFAULT = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'];
  return (
    Array.isArray(v) &&
    v.length > 0 &&
    v.length <= 2 &&
    v.every((t) => {
      const o = (t ?? {}) as Record<string, unknown>;
      const extra = Object.keys(o).filter((k) => !['key', 'operator', 'effect', 'tolerationSeconds'].includes(k));
      return extra.length === 0 && DEFAULT.includes(o.key as string) && o.operator === 'Exists' && o.effect === 'NoExecute' && o.tolerationSeconds === 300;
    })
  );
}

const VOLUME_HINT = 'podrun supports emptyDir, hostPath, configMap, secret, downwardAPI, projected, persistentVolumeClaim, ephemeral and image volumes; use a hostPath for files from this machine';

const UNSUPPORTED_VOLUME_TYPES = [
  'nfs', 'csi',
  'iscsi', 'awsElasticBlockStore', 'gcePersistentDisk', 'azureDisk', 'azureFile', 'cephfs', 'cinder', 'fc',
  'flexVolume', 'flocker', 'gitRepo', 'glusterfs', 'photonPersistentDisk', 'portworxVolume', 'quobyte', 'rbd',
  'scaleIO', 'storageos', 'vsphereVolume',
];

export const VOLUME_SOURCES = ['emptyDir', 'hostPath', 'configMap', 'secret', 'downwardAPI', 'projected', 'persistentVolumeClaim', 'ephemeral', 'image', ...UNSUPPORTED_VOLUME_TYPES];

const HISTORY = 'ignored: podrun keeps no old revisions (there is no `rollout undo`): apply the earlier file to go back';

const CLAIM_HINT = 'podrun gives every claim a directory of its own; remove the field';

export const FIELD_POLICIES: Record<string, FieldPolicy> = {
  Pod: { ignored: ['status'] },
  // Workloads (docs/workloads.md): what `kubectl get deploy -o yaml` adds is taken; history is not kept.
  Workload: { ignored: ['status'] },
  DeploymentSpec: {
    warn: { revisionHistoryLimit: HISTORY },
    quiet: { revisionHistoryLimit: (v) => v === 10 },
    unsupported: { paused: { hint: 'podrun rolls a changed template out when it is applied: remove `paused`, and apply when the template is ready', allow: (v) => v === false, droppable: true } },
  },
  StatefulSetSpec: { warn: { revisionHistoryLimit: HISTORY }, quiet: { revisionHistoryLimit: (v) => v === 10 } },
  DaemonSetSpec: { warn: { revisionHistoryLimit: HISTORY }, quiet: { revisionHistoryLimit: (v) => v === 10 } },
  JobSpec: {
    unsupported: Object.fromEntries(
      ['podFailurePolicy', 'successPolicy', 'backoffLimitPerIndex', 'maxFailedIndexes', 'managedBy'].map((k) => [k, { hint: 'podrun counts failures against backoffLimit only: remove the field (docs/workloads.md, "Jobs")', allow: (v: unknown) => isEmpty(v), droppable: true as const }]),
    ),
  },
  RollingUpdateStatefulSetStrategy: { warn: { maxUnavailable: 'ignored: podrun updates a StatefulSet one pod at a time (maxUnavailable 1, as without the alpha feature)' }, quiet: { maxUnavailable: (v) => v === 1 } },
  PersistentVolumeClaim: { ignored: ['status'] },
  Service: { ignored: ['status'] },
  ServiceSpec: {
    // only with sessionAffinity ClientIP, which podrun refuses (the API server forbids it with None)
    unsupported: { sessionAffinityConfig: { hint: 'podrun balances Services without session affinity (sessionAffinity: None): remove sessionAffinityConfig' } },
  },
  PersistentVolumeClaimSpec: {
    unsupported: Object.fromEntries(['selector', 'volumeName', 'dataSource', 'dataSourceRef', 'volumeAttributesClassName'].map((k) => [k, { hint: CLAIM_HINT, allow: (v: unknown) => isEmpty(v) || v === '' }])),
  },
  ObjectMeta: {
    ignored: ['uid', 'creationTimestamp', 'resourceVersion', 'generation', 'managedFields', 'selfLink', 'ownerReferences', 'finalizers', 'deletionTimestamp', 'deletionGracePeriodSeconds'],
    unsupported: { generateName: { hint: 'podrun needs a fixed name: set metadata.name instead' } },
  },
  PodSpec: {
    warn: {
      nodeName: SCHEDULING,
      nodeSelector: SCHEDULING,
      affinity: SCHEDULING,
      tolerations: SCHEDULING,
      priorityClassName: SCHEDULING,
      priority: SCHEDULING,
      schedulerName: SCHEDULING,
      topologySpreadConstraints: SCHEDULING,
      schedulingGates: SCHEDULING,
      schedulingGroup: SCHEDULING,
      preemptionPolicy: SCHEDULING,
      readinessGates: 'ignored: podrun has no readiness conditions from outside the pod',
      overhead: SCHEDULING,
      serviceAccountName: 'ignored: podrun has no API server, so no service account token is mounted',
      serviceAccount: 'ignored: podrun has no API server, so no service account token is mounted',
      automountServiceAccountToken: 'ignored: podrun has no API server, so no service account token is mounted',
      enableServiceLinks: 'ignored: podrun has no Services, so no service environment variables are set',
    },
    quiet: {
      nodeName: () => true, // the scheduler's pick: there is one node here
      enableServiceLinks: (v) => v === true,
      preemptionPolicy: (v) => v === 'PreemptLowerPriority',
      priority: (v) => v === 0,
      schedulerName: (v) => v === 'default-scheduler',
      serviceAccount: (v) => v === 'default',
      serviceAccountName: (v) => v === 'default',
      tolerations: isDefaultTolerations,
    },
    unsupported: {
      ephemeralContainers: { allow: (v) => Array.isArray(v) && v.length === 0, droppable: true },
      runtimeClassName: {},
      activeDeadlineSeconds: { droppable: true },
      setHostnameAsFQDN: { allow: (v) => v === false, droppable: true },
      os: { hint: 'podrun runs Linux pods only', allow: (v) => isEmpty(v) || (typeof v === 'object' && (v as { name?: unknown }).name === 'linux') },
      resourceClaims: { allow: (v) => Array.isArray(v) && v.length === 0 },
      hostnameOverride: { droppable: true },
    },
  },
  Container: {
    unsupported: {
      volumeDevices: { allow: (v) => Array.isArray(v) && v.length === 0 },
      // Kubernetes 1.35+ (ContainerRestartRules, KEP-5307): podrun follows the pod's policy only
      // (kubelet-rules.md §13.10). An init container's `restartPolicy: Always`
      // (a sidecar) is a field of InitContainerSchema, so this is only ever a regular container's.
      restartPolicy: { hint: "podrun restarts a container by the pod's restartPolicy; a container-level restartPolicy (Kubernetes 1.35+) is not supported yet: set restartPolicy on the pod spec", droppable: true },
      restartPolicyRules: { hint: "podrun restarts a container by the pod's restartPolicy; restartPolicyRules (Kubernetes 1.35+) are not supported yet: remove them", allow: (v) => Array.isArray(v) && v.length === 0, droppable: true },
    },
  },
  SecurityContext: {
    unsupported: Object.fromEntries(
      ['seLinuxOptions', 'windowsOptions'].map(
        (k) => [k, { hint: k === 'seLinuxOptions' ? 'podrun runs without SELinux; remove the field' : 'podrun runs Linux pods only' }],
      ),
    ),
  },
  PodSecurityContext: {
    unsupported: Object.fromEntries(
      ['seLinuxOptions', 'windowsOptions', 'seLinuxChangePolicy'].map(
        (k) => [k, { hint: k.startsWith('seLinux') ? 'podrun runs without SELinux; remove the field' : 'podrun runs Linux pods only' }],
      ),
    ),
  },
  EnvVarSource: {
    unsupported: {
      fileKeyRef: { hint: 'use value' },
    },
  },
  VolumeMount: {
    unsupported: {
      subPathExpr: { hint: 'use subPath with a fixed path' },
      mountPropagation: { hint: 'podrun mounts volumes private; remove the field', allow: (v) => v === 'None', droppable: true }, // private: stricter
      recursiveReadOnly: { allow: (v) => v === 'Disabled', droppable: true }, // podrun's readOnly is recursive already
    },
  },
  Volume: {
    unsupported: Object.fromEntries(UNSUPPORTED_VOLUME_TYPES.map((k) => [k, { hint: VOLUME_HINT }])),
  },
  VolumeProjection: {
    unsupported: {
      clusterTrustBundle: { hint: 'podrun has no ClusterTrustBundles; project a ConfigMap with the bundle instead' },
      podCertificate: { hint: 'podrun has no certificate signer; project a Secret with the certificate instead' },
    },
  },
};

/** Every name a field policy knows for an object, for suggestions. */
export function knownNames(policy: FieldPolicy | undefined): string[] {
  if (!policy) return [];
  return [...(policy.ignored ?? []), ...Object.keys(policy.warn ?? {}), ...Object.keys(policy.unsupported ?? {})];
}
