// The workload kinds podrun runs (apps/v1 Deployment, ReplicaSet, StatefulSet, DaemonSet; batch/v1
// Job) as zod schemas, with Kubernetes' defaults (pkg/apis/apps/v1/defaults.go, batch/v1). The pod template is not
// typed here: validate.ts checks it as a Pod of its own (every Pod rule, paths under
// spec.template), and the claim templates as PersistentVolumeClaims.
import { z } from 'zod';
import * as names from './names';
import { metadataSchema, str } from './schema';
import type { WorkloadKind } from '../util/kinds';
import type { PodManifest } from './schema';

/** An int32 of at least MIN (Kubernetes' *int32 fields). */
const int = (min: number, hint: string) =>
  z.number().int().superRefine((v, ctx) => {
    if (v < min) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be greater than or equal to ${min}`, params: { hint } });
    else if (v > 2 ** 31 - 1) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${v} is out of range (int32)`, params: { hint } });
  });

/** An int or a percentage string, as maxSurge and maxUnavailable (`1`, `"25%"`). */
const intOrPercent = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+%$/, 'a percentage such as "25%"')]);

const requirement = z
  .object({
    key: str(names.qualifiedName),
    operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
    values: z.array(str(names.labelValue)).optional(),
  })
  .describe('LabelSelectorRequirement');

export const labelSelectorSchema = z
  .object({
    matchLabels: z.record(str(names.qualifiedName), str(names.labelValue)).optional(),
    matchExpressions: z.array(requirement).optional(),
  })
  .describe('LabelSelector');
export type LabelSelector = z.infer<typeof labelSelectorSchema>;

// Its metadata and spec are checked as a Pod's (validate-workload.ts); a field beside them
// (`containers:` indented one level too little) is an unknown field here. Required, with its own
// message.
const template = z.object({ metadata: z.record(z.unknown()).optional(), spec: z.record(z.unknown()).optional() }).describe('PodTemplateSpec').optional();
const replicas = int(0, 'use 0 or more replicas').default(1);
const minReadySeconds = int(0, 'use 0 or more seconds').default(0);

const rollingUpdate = (fields: Record<string, z.ZodTypeAny>, description: string) => z.object(fields).describe(description).optional();

const deploymentSpec = z
  .object({
    replicas,
    selector: labelSelectorSchema,
    template,
    strategy: z
      .object({
        type: z.enum(['RollingUpdate', 'Recreate']).default('RollingUpdate'),
        rollingUpdate: rollingUpdate({ maxSurge: intOrPercent.default('25%'), maxUnavailable: intOrPercent.default('25%') }, 'RollingUpdateDeployment'),
      })
      .describe('DeploymentStrategy')
      .default({}),
    minReadySeconds,
    progressDeadlineSeconds: int(1, 'use a number of seconds, e.g. 600').default(600),
  })
  .describe('DeploymentSpec');

const replicaSetSpec = z.object({ replicas, selector: labelSelectorSchema, template, minReadySeconds }).describe('ReplicaSetSpec');

const statefulSetSpec = z
  .object({
    replicas,
    selector: labelSelectorSchema,
    template,
    serviceName: z.string().optional(),
    podManagementPolicy: z.enum(['OrderedReady', 'Parallel']).default('OrderedReady'),
    updateStrategy: z
      .object({
        type: z.enum(['RollingUpdate', 'OnDelete']).default('RollingUpdate'),
        rollingUpdate: rollingUpdate({ partition: int(0, 'use an ordinal, 0 or more').default(0) }, 'RollingUpdateStatefulSetStrategy'),
      })
      .describe('StatefulSetUpdateStrategy')
      .default({}),
    volumeClaimTemplates: z.array(z.record(z.unknown())).optional(),
    persistentVolumeClaimRetentionPolicy: z
      .object({ whenDeleted: z.enum(['Retain', 'Delete']).default('Retain'), whenScaled: z.enum(['Retain', 'Delete']).default('Retain') })
      .describe('StatefulSetPersistentVolumeClaimRetentionPolicy')
      .default({}),
    ordinals: z.object({ start: int(0, 'use 0 or more').default(0) }).describe('StatefulSetOrdinals').default({}),
    minReadySeconds,
  })
  .describe('StatefulSetSpec');

const daemonSetSpec = z
  .object({
    selector: labelSelectorSchema,
    template,
    updateStrategy: z
      .object({
        type: z.enum(['RollingUpdate', 'OnDelete']).default('RollingUpdate'),
        rollingUpdate: rollingUpdate({ maxUnavailable: intOrPercent.optional(), maxSurge: intOrPercent.optional() }, 'RollingUpdateDaemonSet'),
      })
      .describe('DaemonSetUpdateStrategy')
      .default({}),
    minReadySeconds,
  })
  .describe('DaemonSetSpec');

const jobSpec = z
  .object({
    template,
    parallelism: int(0, 'use 0 or more pods at once').default(1),
    completions: int(0, 'use 0 or more completions').optional(),
    completionMode: z.enum(['NonIndexed', 'Indexed']).default('NonIndexed'),
    backoffLimit: int(0, 'use 0 or more retries').default(6),
    activeDeadlineSeconds: int(1, 'use a number of seconds, e.g. 600').optional(),
    ttlSecondsAfterFinished: int(0, 'use a number of seconds, e.g. 100').optional(),
    suspend: z.boolean().default(false),
    // the API server generates the selector unless manualSelector is true
    selector: labelSelectorSchema.optional(),
    manualSelector: z.boolean().optional(),
    podReplacementPolicy: z.enum(['TerminatingOrFailed', 'Failed']).optional(),
  })
  .describe('JobSpec');

const SPECS = { Deployment: deploymentSpec, ReplicaSet: replicaSetSpec, StatefulSet: statefulSetSpec, DaemonSet: daemonSetSpec, Job: jobSpec } as const;

/** The apiVersion of each kind: apps/v1, batch/v1 for a Job. */
export const workloadApiVersion = (kind: WorkloadKind) => (kind === 'Job' ? 'batch/v1' : 'apps/v1');

/** A workload object: its apiVersion, metadata and spec (the template untyped here). */
export function workloadSchema(kind: WorkloadKind) {
  return z
    .object({
      apiVersion: z.literal(workloadApiVersion(kind)),
      kind: z.literal(kind),
      metadata: metadataSchema(kind),
      spec: SPECS[kind],
    })
    .describe('Workload');
}

export type DeploymentSpec = z.infer<typeof deploymentSpec>;
export type StatefulSetSpec = z.infer<typeof statefulSetSpec>;
export type DaemonSetSpec = z.infer<typeof daemonSetSpec>;
export type ReplicaSetSpec = z.infer<typeof replicaSetSpec>;
export type JobSpec = z.infer<typeof jobSpec>;

/** A claim template of a StatefulSet, validated as a PersistentVolumeClaim (its name and spec). */
export interface ClaimTemplate {
  name: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  spec: Record<string, unknown>;
}

/** A validated workload, as apply stores it (state/workloads.ts) and the plan expands it (plan/workload-pods.ts). */
export interface WorkloadManifest {
  apiVersion: 'apps/v1' | 'batch/v1';
  kind: WorkloadKind;
  metadata: { name: string; namespace: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  /** The spec with Kubernetes' defaults; `template` as written. */
  spec: (DeploymentSpec | ReplicaSetSpec | StatefulSetSpec | DaemonSetSpec | JobSpec) & { replicas?: number; selector?: LabelSelector };
  /** spec.template as a validated Pod (name and namespace are the workload's until a pod is named). */
  templatePod: PodManifest;
  /** spec.volumeClaimTemplates, validated (StatefulSet). */
  claimTemplates: ClaimTemplate[];
  /** spec.replicas was not written: an apply keeps the count `scale` set. */
  replicasUnset?: boolean;
}

/** What a Job's controller has counted so far (a pod counted once, even after it is gone). */
export interface JobCounts {
  succeeded: number;
  failed: number;
  succeededIndexes: number[];
  /** ms since the epoch: when the Job (last) started running */
  startTime?: number;
  lastFailureAt?: number;
  /** Failures since the last success: what the back-off doubles by (it starts again after a success). */
  failedSinceSuccess?: number;
}

export interface JobCondition {
  type: 'Complete' | 'Failed';
  reason: string;
  message: string;
}

/** The status a Job's controller keeps in its record (runtime/jobs.ts). */
export interface JobStatus {
  counts: JobCounts;
  /** The pods counted already, by name. */
  counted: Record<string, 'Succeeded' | 'Failed'>;
  condition?: JobCondition & { at: string };
  /** The controller process (pid and start time). */
  controller?: { pid: number; startTime: number };
}
