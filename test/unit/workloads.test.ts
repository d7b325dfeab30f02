// Workloads: validation (the template as a Pod, selector and restartPolicy rules, field policies),
// the names and labels of their pods, and the controllers' next step (plan/workload-pods.ts) as
// table tests over the pods they see.
import { expect } from 'chai';
import { formatManifestWarning, loadManifests } from '../../src/manifest/load';
import { renderError } from '../../src/cli/render';
import type { JobCounts, JobSpec, WorkloadManifest } from '../../src/manifest/workload-schema';
import { jobPodFor, jobPodName, jobStep, type ActiveJobPod, type JobStep } from '../../src/plan/job-pods';
import { generatedPodName, templateHash } from '../../src/manifest/workload-names';
import { nextStep, podManifestFor, revisionLabel, type ObservedPod, type WorkloadStep } from '../../src/plan/workload-pods';

const load = (yaml: string) => loadManifests(['-'], { stdin: yaml });
const problems = async (yaml: string) => {
  const r = await load(yaml);
  return [...r.warnings.map(formatManifestWarning), ...r.errors.map((e) => renderError(e).split('\n')[0])];
};

const deployment = (spec: string, name = 'web') => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
${spec}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: busybox:1.36, env: [{name: V, value: one}]}]
`;
const statefulSet = (spec: string) => `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
${spec}
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: busybox:1.36, volumeMounts: [{name: data, mountPath: /data}]}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`;
const daemonSet = (spec: string) => `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
${spec}
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: a, image: busybox:1.36}]
`;

async function workload(yaml: string): Promise<WorkloadManifest> {
  const r = await load(yaml);
  expect(r.errors.map((e) => e.message)).to.deep.equal([]);
  return r.workloads[0].workload;
}

describe('workloads: validation', () => {
  it('a Deployment loads with Kubernetes defaults; its template is a validated Pod', async () => {
    const w = await workload(deployment('  replicas: 3'));
    expect(w.kind).to.equal('Deployment');
    expect(w.spec.replicas).to.equal(3);
    expect((w.spec as { strategy: unknown }).strategy).to.deep.equal({ type: 'RollingUpdate' });
    expect((w.spec as { progressDeadlineSeconds: number }).progressDeadlineSeconds).to.equal(600);
    expect(w.templatePod.spec.restartPolicy).to.equal('Always');
    expect(w.templatePod.spec.containers[0].imagePullPolicy).to.equal('IfNotPresent');
  });

  const rows: [string, string, string[]][] = [
    [
      'a selector that does not select the template',
      deployment('  replicas: 1').replace('matchLabels: {app: web}', 'matchLabels: {app: other}'),
      ['error: <stdin>:8: spec.template.metadata.labels: `selector` does not match template `labels`'],
    ],
    ['an empty selector', deployment('  replicas: 1').replace('selector: {matchLabels: {app: web}}', 'selector: {}'), ['error: <stdin>:6: spec.selector: empty selector is invalid for a Deployment']],
    [
      'a template that does not restart Always',
      deployment('  replicas: 1').replace('    spec:\n      containers', '    spec:\n      restartPolicy: Never\n      containers'),
      ['error: <stdin>:10: spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'],
    ],
    ['a misspelt container field, at its path under the template', deployment('  replicas: 1').replace('image: busybox', 'imagee: busybox'), [
      'error: <stdin>:10: spec.template.spec.containers[0].imagee: unknown field "imagee"',
      'error: <stdin>:10: spec.template.spec.containers[0].image: Required',
    ]],
    ['an old API group', deployment('  replicas: 1').replace('apps/v1', 'extensions/v1beta1'), ['error: <stdin>:1: apiVersion: apiVersion extensions/v1beta1 is not supported for a Deployment']],
    ['paused', deployment('  paused: true'), ['error: <stdin>:5: spec.paused: not supported by podrun yet']],
    ['revisionHistoryLimit other than the default warns; 10 is quiet', deployment('  revisionHistoryLimit: 3'), [
      'warning: <stdin>:5: spec.revisionHistoryLimit: ignored: podrun keeps no old revisions (there is no `rollout undo`): apply the earlier file to go back',
    ]],
    ['the default revisionHistoryLimit', deployment('  revisionHistoryLimit: 10'), []],
    ['a negative replica count', deployment('  replicas: -1'), ['error: <stdin>:5: spec.replicas: must be greater than or equal to 0']],
    ['a template name and namespace are ignored, and said', deployment('  replicas: 1').replace('metadata: {labels: {app: web}}', 'metadata: {name: x, namespace: y, labels: {app: web}}'), [
      'warning: <stdin>:8: spec.template.metadata.name: ignored: each pod of a Deployment is named by it and is in its namespace',
      'warning: <stdin>:8: spec.template.metadata.namespace: ignored: each pod of a Deployment is named by it and is in its namespace',
    ]],
    ['a StatefulSet whose pods would be longer than a host name', statefulSet('  replicas: 1').replace('name: db}\nspec', `name: ${'d'.repeat(62)}}\nspec`), [
      `error: <stdin>:3: metadata.name: the StatefulSet's pod "${'d'.repeat(62)}-0" (name-ordinal, its host name) is longer than 63 characters`,
    ]],
    ['a claim template without access modes, at its path', statefulSet('  replicas: 1').replace('accessModes: [ReadWriteOnce], ', ''), [
      'error: <stdin>:14: spec.volumeClaimTemplates[0].spec.accessModes: Required',
    ]],
    ['a volume mount of a claim template is a volume of the pod', statefulSet('  replicas: 1'), []],
    ['containers indented one level too little: an unknown field of the template', deployment('  replicas: 1').replace('    spec:\n      containers', '    containers'), [
      'error: <stdin>:7: spec.template.spec: Required',
      'error: <stdin>:9: spec.template.containers: unknown field "containers"',
    ]],
    ['a DaemonSet has no replicas', daemonSet('  replicas: 2'), ['error: <stdin>:5: spec.replicas: unknown field "replicas"']],
    ['a rolling update that cannot move (both 0)', deployment('  strategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: "0%"}}'), ['error: <stdin>:5: spec.strategy.rollingUpdate.maxUnavailable: may not be 0 when `maxSurge` is 0']],
    ['a DaemonSet with maxUnavailable 0 and no surge', daemonSet('  updateStrategy: {rollingUpdate: {maxUnavailable: 0}}'), ['error: <stdin>:5: spec.updateStrategy.rollingUpdate.maxUnavailable: may not be 0 when `maxSurge` is 0']],
    ['a DaemonSet with maxSurge and the default maxUnavailable 1', daemonSet('  updateStrategy: {rollingUpdate: {maxSurge: 1}}'), ['error: <stdin>:5: spec.updateStrategy.rollingUpdate.maxSurge: may not be set when `maxUnavailable` is non-zero (it defaults to 1)']],
    ['Recreate with rollingUpdate', deployment('  strategy: {type: Recreate, rollingUpdate: {maxSurge: 1}}'), ["error: <stdin>:5: spec.strategy.rollingUpdate: may not be specified when strategy `type` is 'Recreate'"]],
    ['a percentage over 100%', deployment('  strategy: {rollingUpdate: {maxSurge: "150%"}}'), ['error: <stdin>:5: spec.strategy.rollingUpdate.maxSurge: must not be greater than 100%']],
    ['a malformed selector is an error, not a crash', deployment('  replicas: 1').replace('selector: {matchLabels: {app: web}}', 'selector: {matchLabels: {app: web}, matchExpressions: {key: tier, operator: In, values: [a]}}'), ['error: <stdin>:6: spec.selector.matchExpressions: expected a list, got a mapping']],
    ['a bad workload name is said once', deployment('  replicas: 1', 'Web'), ['error: <stdin>:3: metadata.name: Deployment name "Web" is not a valid DNS-1123 subdomain']],
    ['a ReplicationController is not run', 'apiVersion: v1\nkind: ReplicationController\nmetadata: {name: j}\n', [
      'error: <stdin>:2: kind: podrun runs Pods, Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs, Services, ConfigMaps, Secrets and PersistentVolumeClaims, not ReplicationController',
    ]],
    ["a bare pod with podrun's controlled-by annotation", 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations: {podrun.dev/controlled-by: Deployment/web}\nspec:\n  containers: [{name: a, image: busybox:1.36}]\n', [
      "error: <stdin>:5: metadata.annotations[podrun.dev/controlled-by]: this annotation is podrun's own: it marks a pod made from a workload's template",
    ]],
  ];
  for (const [what, yaml, want] of rows) it(what, async () => expect(await problems(yaml)).to.deep.equal(want));
});

describe('workloads: the pods they make', () => {
  it("a Deployment's pods: NAME-HASH-XXXXX, the template's labels and pod-template-hash, the controlled-by annotation", async () => {
    const w = await workload(deployment('  replicas: 2'));
    const step = nextStep(w, []);
    expect(step.create).to.have.length(2);
    const hash = revisionLabel(w).value;
    expect(hash).to.match(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    for (const n of step.create) expect(n).to.match(new RegExp(`^web-${hash}-[bcdfghjklmnpqrstvwxz2456789]{5}$`));
    const pod = podManifestFor(w, step.create[0]);
    expect(pod.metadata.name).to.equal(step.create[0]);
    expect(pod.metadata.labels).to.deep.equal({ app: 'web', 'pod-template-hash': hash });
    expect(pod.metadata.annotations).to.deep.equal({ 'podrun.dev/controlled-by': 'Deployment/web' });
  });

  it('the hash changes with the template, not with replicas, key order or the workload labels', async () => {
    const a = await workload(deployment('  replicas: 2'));
    const b = await workload(deployment('  replicas: 5').replace('metadata: {name: web}', 'metadata: {name: web, labels: {x: y}}'));
    const c = await workload(deployment('  replicas: 2').replace('value: one', 'value: two'));
    expect(revisionLabel(b).value).to.equal(revisionLabel(a).value);
    expect(revisionLabel(c).value).to.not.equal(revisionLabel(a).value);
    expect(templateHash({ a: 1, b: 2 })).to.equal(templateHash({ b: 2, a: 1 }));
  });

  it('a long name is cut as generateName does: at most 63 characters', () => {
    expect(generatedPodName('x'.repeat(80), 'bbbbb')).to.equal(`${'x'.repeat(58)}bbbbb`);
    expect(generatedPodName('web', 'bbbbb')).to.equal('web-bbbbb');
  });

  it("a StatefulSet's pod: host name and subdomain, its own claims, the revision and pod-name labels", async () => {
    const w = await workload(statefulSet('  replicas: 2'));
    const pod = podManifestFor(w, 'db-1');
    expect(pod.spec.hostname).to.equal('db-1');
    expect(pod.spec.subdomain).to.equal('db');
    expect(pod.spec.volumes?.find((v) => v.name === 'data')?.persistentVolumeClaim?.claimName).to.equal('data-db-1');
    expect(pod.metadata.labels).to.deep.equal({ app: 'db', 'controller-revision-hash': revisionLabel(w).value, 'statefulset.kubernetes.io/pod-name': 'db-1', 'apps.kubernetes.io/pod-index': '1' });
    expect(revisionLabel(w).value).to.match(/^db-/);
  });
});

describe('workloads: what the controller does next', () => {
  let n = 0;
  const newName = () => `new-${n++}`;
  const pod = (name: string, revision: string, available = true, createdAt = 0): ObservedPod => ({ name, revision, available, createdAt });
  const step = (s: Partial<WorkloadStep>): WorkloadStep => ({ create: [], update: [], delete: [], done: false, ...s });
  type Row = [string, string, (rev: string) => ObservedPod[], Partial<WorkloadStep>];
  const run = (rows: Row[]) => {
    for (const [what, yaml, pods, want] of rows)
      it(what, async () => {
        n = 0;
        const w = await workload(yaml);
        expect(nextStep(w, pods(revisionLabel(w).value), newName)).to.deep.equal(step(want));
      });
  };

  describe('Deployment, RollingUpdate (replicas 3: maxSurge 1, maxUnavailable 0)', () =>
    run([
      ['no pods: all three made', deployment('  replicas: 3'), () => [], { create: ['new-0', 'new-1', 'new-2'] }],
      ['three of the template: done', deployment('  replicas: 3'), (r) => [pod('a', r), pod('b', r), pod('c', r)], { done: true }],
      ['three old: one new made (the surge), none deleted', deployment('  replicas: 3'), () => [pod('a', 'old'), pod('b', 'old'), pod('c', 'old')], { create: ['new-0'] }],
      ['the new one not yet available: wait', deployment('  replicas: 3'), (r) => [pod('a', 'old'), pod('b', 'old'), pod('c', 'old'), pod('n', r, false)], {}],
      ['the new one available: the newest old goes', deployment('  replicas: 3'), (r) => [pod('a', 'old', true, 1), pod('b', 'old', true, 3), pod('c', 'old', true, 2), pod('n', r)], { delete: ['b'] }],
      ['an old pod not available waits while the new one is not available either (maxUnavailable 0)', deployment('  replicas: 3'), (r) => [pod('a', 'old'), pod('b', 'old', false), pod('c', 'old'), pod('n', r, false)], {}],
      ['then the old pod not available goes first', deployment('  replicas: 3'), (r) => [pod('a', 'old'), pod('b', 'old', false), pod('c', 'old'), pod('n', r)], { delete: ['b'] }],
      ['the last old goes once the new are available: then done on the next look', deployment('  replicas: 3'), (r) => [pod('a', 'old'), pod('n1', r), pod('n2', r), pod('n3', r)], { delete: ['a'] }],
      ['scaled down: the unavailable, then the newest go', deployment('  replicas: 1'), (r) => [pod('a', r, true, 1), pod('b', r, true, 2), pod('c', r, false, 0)], { delete: ['c', 'b'] }],
      ['replicas 0: the old pods go', deployment('  replicas: 0'), () => [pod('a', 'old')], { delete: ['a'] }],
      ['replicas 0 and no pods: done', deployment('  replicas: 0'), () => [], { done: true }],
    ]));

  describe('Deployment, other strategies', () =>
    run([
      ['maxSurge 0, maxUnavailable 1: an old one goes before a new one comes', deployment('  replicas: 2\n  strategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: 1}}'), () => [pod('a', 'old'), pod('b', 'old')], { delete: ['a'] }],
      ['maxSurge 100%: all new at once', deployment('  replicas: 2\n  strategy: {rollingUpdate: {maxSurge: "100%"}}'), () => [pod('a', 'old'), pod('b', 'old')], { create: ['new-0', 'new-1'] }],
      ['Recreate: every old pod goes first', deployment('  replicas: 2\n  strategy: {type: Recreate}'), (r) => [pod('a', 'old'), pod('b', 'old'), pod('n', r)], { delete: ['a', 'b'] }],
      ['Recreate: then the new ones', deployment('  replicas: 2\n  strategy: {type: Recreate}'), () => [], { create: ['new-0', 'new-1'] }],
    ]));

  describe('ReplicaSet: counts only, a changed template replaces nothing', () =>
    run([
      ['pods of another template: done', deployment('  replicas: 2').replace('Deployment', 'ReplicaSet'), () => [pod('a', 'x'), pod('b', 'y')], { done: true }],
      ['one short: one made', deployment('  replicas: 2').replace('Deployment', 'ReplicaSet'), () => [pod('a', 'x')], { create: ['new-0'] }],
      ['one over: the unavailable goes', deployment('  replicas: 1').replace('Deployment', 'ReplicaSet'), () => [pod('a', 'x'), pod('b', 'x', false)], { delete: ['b'] }],
    ]));

  describe('StatefulSet', () =>
    run([
      ['OrderedReady: only db-0 first', statefulSet('  replicas: 3'), () => [], { create: ['db-0'] }],
      ['OrderedReady: db-1 waits for db-0 to be ready', statefulSet('  replicas: 3'), (r) => [pod('db-0', r, false)], {}],
      ['OrderedReady: db-0 ready, db-1 made', statefulSet('  replicas: 3'), (r) => [pod('db-0', r)], { create: ['db-1'] }],
      ['Parallel: all at once', statefulSet('  replicas: 3\n  podManagementPolicy: Parallel'), () => [], { create: ['db-0', 'db-1', 'db-2'] }],
      ['scaled down: the highest ordinal goes, one at a time', statefulSet('  replicas: 1'), (r) => [pod('db-0', r), pod('db-1', r), pod('db-2', r)], { delete: ['db-2'] }],
      ['scaled down: the pod going may be the unhealthy one', statefulSet('  replicas: 2'), (r) => [pod('db-0', r), pod('db-1', r), pod('db-2', r, false)], { delete: ['db-2'] }],
      ['scaled down: not while a pod kept is not ready', statefulSet('  replicas: 1'), (r) => [pod('db-0', r, false), pod('db-1', r)], {}],
      ['ordinals.start: 1: db-1 and db-2; db-0 goes', statefulSet('  replicas: 2\n  ordinals: {start: 1}'), (r) => [pod('db-0', r), pod('db-1', r), pod('db-2', r)], { delete: ['db-0'] }],
      ['a changed template: the highest ordinal updated first', statefulSet('  replicas: 2'), () => [pod('db-0', 'old'), pod('db-1', 'old')], { update: ['db-1'] }],
      ['then the next, once all are ready', statefulSet('  replicas: 2'), (r) => [pod('db-0', 'old'), pod('db-1', r)], { update: ['db-0'] }],
      ['not while one is not ready', statefulSet('  replicas: 2'), (r) => [pod('db-0', 'old'), pod('db-1', r, false)], {}],
      ['partition 1: db-0 keeps its revision', statefulSet('  replicas: 2\n  updateStrategy: {rollingUpdate: {partition: 1}}'), (r) => [pod('db-0', 'old'), pod('db-1', r)], { done: true }],
      ['OnDelete: nothing updated', statefulSet('  replicas: 2\n  updateStrategy: {type: OnDelete}'), () => [pod('db-0', 'old'), pod('db-1', 'old')], { done: true }],
      ['the partition counts from ordinals.start', statefulSet('  replicas: 2\n  ordinals: {start: 5}\n  updateStrategy: {rollingUpdate: {partition: 1}}'), () => [pod('db-5', 'old'), pod('db-6', 'old')], { update: ['db-6'] }],
    ]));

  describe('DaemonSet: one pod', () =>
    run([
      ['none: one made', daemonSet(''), () => [], { create: ['new-0'] }],
      ['RollingUpdate (maxUnavailable 1): the old one goes first', daemonSet(''), () => [pod('a', 'old')], { delete: ['a'] }],
      ['maxSurge 1: the new one first', daemonSet('  updateStrategy: {rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}'), () => [pod('a', 'old')], { create: ['new-0'] }],
      ['OnDelete: the old one stays', daemonSet('  updateStrategy: {type: OnDelete}'), () => [pod('a', 'old')], { done: true }],
    ]));
});

describe('workloads: what a Job controller does next', () => {
  const job = (spec: string, policy = 'Never') => `apiVersion: batch/v1
kind: Job
metadata: {name: pi}
spec:
${spec}
  template:
    spec:
      restartPolicy: ${policy}
      containers: [{name: c, image: busybox:1.36}]
`;
  const counts = (c: Partial<JobCounts> = {}): JobCounts => ({ succeeded: 0, failed: 0, succeededIndexes: [], startTime: 0, ...c });
  const active = (name: string, restarts = 0, index?: number): ActiveJobPod => ({ name, restarts, index });
  const NOW = 100_000;
  const rows: [string, string, string, JobCounts, ActiveJobPod[], Partial<JobStep>][] = [
    ['neither completions nor parallelism: one pod, once', job('  backoffLimit: 6'), 'Never', counts(), [], { create: [undefined] }],
    ['it succeeded: Complete', job('  backoffLimit: 6'), 'Never', counts({ succeeded: 1 }), [], { finish: { type: 'Complete', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' } }],
    ['completions 5, parallelism 2: two at a time', job('  completions: 5\n  parallelism: 2'), 'Never', counts({ succeeded: 1 }), [active('a')], { create: [undefined] }],
    ['never more than the completions left', job('  completions: 5\n  parallelism: 3'), 'Never', counts({ succeeded: 4 }), [], { create: [undefined] }],
    ['a failure waits out the back-off (10 s after the first)', job('  completions: 1'), 'Never', counts({ failed: 1, lastFailureAt: NOW - 4000 }), [], { waitMs: 6000 }],
    ['then the next pod', job('  completions: 1'), 'Never', counts({ failed: 1, lastFailureAt: NOW - 10_000 }), [], { create: [undefined] }],
    ['the back-off doubles: 40 s after the third', job('  completions: 1'), 'Never', counts({ failed: 3, lastFailureAt: NOW - 30_000 }), [], { waitMs: 10_000 }],
    ['a success starts the back-off again: 10 s after the first failure since', job('  completions: 9\n  backoffLimit: 10'), 'Never', counts({ failed: 7, failedSinceSuccess: 1, succeeded: 3, lastFailureAt: NOW - 10_000 }), [], { create: [undefined] }],
    ['past backoffLimit: Failed, the running pods deleted', job('  completions: 2\n  parallelism: 2\n  backoffLimit: 1'), 'Never', counts({ failed: 2 }), [active('a')], { delete: ['a'], finish: { type: 'Failed', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' } }],
    ['at backoffLimit, not past it: one more try', job('  backoffLimit: 1'), 'Never', counts({ failed: 1, lastFailureAt: 0 }), [], { create: [undefined] }],
    ['OnFailure: restarts count toward backoffLimit', job('  backoffLimit: 2', 'OnFailure'), 'OnFailure', counts(), [active('a', 2)], { delete: ['a'], finish: { type: 'Failed', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' } }],
    ['OnFailure, backoffLimit 0: the first restart fails it', job('  backoffLimit: 0', 'OnFailure'), 'OnFailure', counts(), [active('a', 1)], { delete: ['a'], finish: { type: 'Failed', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' } }],
    ['activeDeadlineSeconds passed: Failed, DeadlineExceeded', job('  activeDeadlineSeconds: 60'), 'Never', counts({ startTime: NOW - 60_000 }), [active('a')], { delete: ['a'], finish: { type: 'Failed', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' } }],
    ['suspend: the pods deleted, none made', job('  suspend: true'), 'Never', counts(), [active('a')], { delete: ['a'] }],
    ['a work queue (parallelism alone): all at once', job('  parallelism: 3'), 'Never', counts(), [], { create: [undefined, undefined, undefined] }],
    ['a work queue: one succeeded, no new pods while others run', job('  parallelism: 3'), 'Never', counts({ succeeded: 1 }), [active('a')], {}],
    ['a work queue: one succeeded and none runs: Complete', job('  parallelism: 3'), 'Never', counts({ succeeded: 1 }), [], { finish: { type: 'Complete', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' } }],
    ['Indexed: the indexes neither done nor running', job('  completions: 4\n  parallelism: 2\n  completionMode: Indexed'), 'Never', counts({ succeeded: 1, succeededIndexes: [0] }), [active('a', 0, 1)], { create: [2] }],
    ['Indexed: every index done: Complete', job('  completions: 2\n  completionMode: Indexed'), 'Never', counts({ succeeded: 2, succeededIndexes: [0, 1] }), [], { finish: { type: 'Complete', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' } }],
    ['parallelism lowered: the extra pods go', job('  completions: 9\n  parallelism: 1'), 'Never', counts(), [active('a'), active('b')], { delete: ['b'] }],
  ];
  for (const [what, yaml, policy, c, pods, want] of rows)
    it(what, async () => {
      const w = await workload(yaml);
      expect(jobStep(w.spec as JobSpec, policy, c, pods, NOW)).to.deep.equal({ create: [], delete: [], ...want });
    });

  it("a Job's pod: NAME-XXXXX with the controller's labels; an Indexed one NAME-I-XXXXX with its index", async () => {
    const w = await workload(job('  completions: 2\n  completionMode: Indexed'));
    const name = jobPodName('pi', 1, new Set());
    expect(name).to.match(/^pi-1-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    const pod = jobPodFor(w, 'uid-1', name, 1);
    expect(pod.metadata.labels).to.deep.equal({ 'batch.kubernetes.io/controller-uid': 'uid-1', 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': 'uid-1', 'job-name': 'pi', 'batch.kubernetes.io/job-completion-index': '1' });
    expect(pod.spec.containers[0].env).to.deep.equal([{ name: 'JOB_COMPLETION_INDEX', value: '1' }]);
    expect(pod.spec.hostname).to.equal('pi-1');
    expect(jobPodName('pi', undefined, new Set())).to.match(/^pi-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  const bad: [string, string, string[]][] = [
    ['the default restartPolicy (Always) is refused', job('  completions: 1').replace('      restartPolicy: Never\n', ''), ['error: <stdin>:7: spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"']],
    ['Indexed needs completions', job('  completionMode: Indexed'), ['error: <stdin>:4: spec.completions: Required value: when completion mode is Indexed']],
    ['a selector without manualSelector', job('  selector: {matchLabels: {a: b}}'), ['error: <stdin>:5: spec.selector: `selector` will be auto-generated']],
    ['podFailurePolicy is refused', job('  podFailurePolicy: {rules: [{action: Ignore, onPodConditions: [{type: DisruptionTarget}]}]}'), ['error: <stdin>:5: spec.podFailurePolicy: not supported by podrun yet']],
    ['the old apiVersion', job('  completions: 1').replace('batch/v1', 'batch/v1beta1'), ['error: <stdin>:1: apiVersion: apiVersion batch/v1beta1 is not supported for a Job']],
    ['an Indexed Job of more than 100000 indexes', job('  completions: 5000000\n  completionMode: Indexed'), ['error: <stdin>:5: spec.completions: must be less than or equal to 100000 when completion mode is Indexed']],
    ['more than an int32', job('  completions: 5000000000'), ['error: <stdin>:5: spec.completions: 5000000000 is out of range (int32)']],
  ];
  for (const [what, yaml, want] of bad) it(what, async () => expect(await problems(yaml)).to.deep.equal(want));

  it('completions default to 1 when neither it nor parallelism is written', async () => {
    expect(((await workload(job('  backoffLimit: 6'))).spec as JobSpec).completions).to.equal(1);
    expect(((await workload(job('  parallelism: 2'))).spec as JobSpec).completions).to.equal(undefined);
  });
});
