// Re-apply at the smallest scope (plan/reapply.ts, docs/reapply.md): for each kind of change to a
// running pod's manifest, whether it is applied in place (metadata, containers restarted, resized)
// or re-creates the pod, and what apply says.
import { expect } from 'chai';
import { loadManifests } from '../../src/manifest/load';
import { planPod } from '../../src/plan/plan';
import { planReapply, podPlanChanges, reappliedPlan, reapplyDetail, withUnfinishedReplaces } from '../../src/plan/reapply';
import { fakeFacts } from './plan.test';

/** A pod with a sidecar `side`, apps `app` and `web`; EDIT changes its YAML text. */
const BASE = `apiVersion: v1
kind: Pod
metadata:
  name: p
  labels: {app: p}
spec:
  volumes: [{name: data, emptyDir: {}}]
  initContainers:
  - name: side
    image: busybox:1.36
    restartPolicy: Always
    command: [sleep, "1000"]
  containers:
  - name: app
    image: busybox:1.36
    command: [sleep, "1000"]
    env: [{name: A, value: "1"}]
    resources: {requests: {cpu: 100m, memory: 32Mi}, limits: {cpu: 500m, memory: 64Mi}}
    volumeMounts: [{name: data, mountPath: /data}]
  - name: web
    image: busybox:1.36
    command: [sleep, "1000"]
    ports: [{containerPort: 80}]
`;

/** On a pod network (hostPorts need one). */
const NETWORK = { name: 'podrun', file: '/etc/cni/net.d/podrun.conflist', containerId: 'c0ffee', bridge: 'podrun0' };

async function planned(text: string) {
  const r = await loadManifests(['-'], { stdin: text });
  expect(r.errors.map((e) => e.message)).to.deep.equal([]);
  const p = planPod(r.pods[0], fakeFacts({ network: NETWORK }));
  expect(p.errors.map((e) => e.message)).to.deep.equal([]);
  return { manifest: r.pods[0].manifest, plan: p.plan! };
}

async function decide(edit: (s: string) => string, force = false): Promise<string> {
  const next = edit(BASE);
  expect(next, 'the edit changes the text').to.not.equal(BASE);
  const d = planReapply(await planned(BASE), await planned(next), { force });
  return d.inPlace ? `in place: ${reapplyDetail(d)}` : `recreated: ${d.why}`;
}

describe('reapply: the smallest scope that honours a change', () => {
  const rows: [string, (s: string) => string, string][] = [
    ['a label', (s) => s.replace('labels: {app: p}', 'labels: {app: p, tier: dev}'), 'in place: labels'],
    ['an annotation', (s) => s.replace('labels: {app: p}', 'labels: {app: p}\n  annotations: {note: hi}'), 'in place: annotations'],
    ['env of one container', (s) => s.replace('value: "1"', 'value: "2"'), 'in place: container app restarted: env changed'],
    ['the image and the command of one container', (s) => s.replace('image: busybox:1.36\n    command: [sleep, "1000"]\n    ports', 'image: busybox:1.37\n    command: [sleep, "2000"]\n    ports'), 'in place: container web restarted: command, image changed'],
    ['a volume mount', (s) => s.replace('mountPath: /data', 'mountPath: /srv'), 'in place: container app restarted: volumeMounts changed'],
    ['a probe', (s) => s.replace('ports: [{containerPort: 80}]', 'ports: [{containerPort: 80}]\n    readinessProbe: {exec: {command: ["true"]}}'), 'in place: container web restarted: readinessProbe changed'],
    ['a sidecar\'s command', (s) => s.replace('restartPolicy: Always\n    command: [sleep, "1000"]', 'restartPolicy: Always\n    command: [sleep, "999"]'), 'in place: container side restarted: command changed'],
    ['cpu and memory alone', (s) => s.replace('cpu: 500m, memory: 64Mi', 'cpu: "1", memory: 128Mi'), 'in place: container app resized: cpu, memory'],
    ['env and memory together', (s) => s.replace('value: "1"', 'value: "2"').replace('memory: 64Mi', 'memory: 128Mi'), 'in place: container app restarted: env changed'],
    ['labels and a container', (s) => s.replace('labels: {app: p}', 'labels: {app: q}').replace('value: "1"', 'value: "2"'), 'in place: labels; container app restarted: env changed'],
    ['the AppArmor annotation of a container', (s) => s.replace('labels: {app: p}', 'labels: {app: p}\n  annotations: {container.apparmor.security.beta.kubernetes.io/web: unconfined}'), 'in place: annotations; container web restarted: the annotation container.apparmor.security.beta.kubernetes.io/web changed'],
    ['the volumes', (s) => s.replace('emptyDir: {}', 'emptyDir: {medium: Memory}'), 'recreated: spec.volumes changed'],
    ['hostname and the grace period', (s) => s.replace('  volumes:', '  hostname: box\n  terminationGracePeriodSeconds: 3\n  volumes:'), 'recreated: spec.hostname, spec.terminationGracePeriodSeconds changed'],
    ['a container added', (s) => s + '  - name: more\n    image: busybox:1.36\n', 'recreated: spec.containers changed (a container added, removed, renamed or moved)'],
    ['a container renamed', (s) => s.replace('name: web', 'name: www'), 'recreated: spec.containers changed (a container added, removed, renamed or moved)'],
    ['a hostPort', (s) => s.replace('containerPort: 80}', 'containerPort: 80, hostPort: 8080}'), "recreated: spec.containers[1].ports changed (hostPorts are the pod's)"],
    ['a containerPort without hostPorts', (s) => s.replace('containerPort: 80}', 'containerPort: 81}'), 'in place: container web restarted: ports changed'],
    ['ephemeral-storage (the pod sums it)', (s) => s.replace('memory: 32Mi}', 'memory: 32Mi, ephemeral-storage: 1Gi}'), "recreated: spec.containers[0].resources changed (the pod's limits of ephemeral-storage and hugepages sum its containers')"],
    ['the QoS class', (s) => s.replace('    resources: {requests: {cpu: 100m, memory: 32Mi}, limits: {cpu: 500m, memory: 64Mi}}\n', ''), 'recreated: Pod QOS Class may not change as a result of resizing'],
    ['podrun\'s network annotation', (s) => s.replace('labels: {app: p}', 'labels: {app: p}\n  annotations: {podrun.dev/network: none}'), 'recreated: metadata.annotations[podrun.dev/network] changed'],
    ['podrun\'s back-off annotation', (s) => s.replace('labels: {app: p}', 'labels: {app: p}\n  annotations: {podrun.dev/restart-backoff: 1s-10s}'), 'recreated: metadata.annotations[podrun.dev/restart-backoff] changed'],
  ];
  for (const [what, edit, expected] of rows) it(`${what}: ${expected}`, async () => expect(await decide(edit)).to.equal(expected));

  it('a regular init container changed: re-created (it runs once, when the pod starts)', async () => {
    const withInit = BASE.replace('  initContainers:\n', '  initContainers:\n  - name: setup\n    image: busybox:1.36\n    command: ["true"]\n');
    const d = planReapply(await planned(withInit), await planned(withInit.replace('command: ["true"]', 'command: ["false"]')));
    expect(d).to.deep.equal({ inPlace: false, why: 'spec.initContainers[0] (setup) changed: an init container runs once, when the pod starts' });
  });

  it('the AppArmor annotation of a regular init container: re-created (it runs once)', async () => {
    const withInit = BASE.replace('  initContainers:\n', '  initContainers:\n  - name: setup\n    image: busybox:1.36\n    command: ["true"]\n');
    const d = planReapply(await planned(withInit), await planned(withInit.replace('labels: {app: p}', 'labels: {app: p}\n  annotations: {container.apparmor.security.beta.kubernetes.io/setup: unconfined}')));
    expect(d.inPlace).to.equal(false);
  });

  it('--force re-creates even for a label', async () => expect(await decide((s) => s.replace('app: p}', 'app: q}'), true)).to.equal('recreated: --force'));
});

describe('reapply: an in-place re-apply cut short (the record\'s `replacing`)', () => {
  it('restarts what it was replacing with this file\'s definition, once, and only containers the pod still has', async () => {
    const base = await planned(BASE);
    const same = planReapply(base, base);
    if (!same.inPlace) throw new Error('in place expected');
    expect(reapplyDetail(withUnfinishedReplaces(same, ['web', 'gone'], base.plan))).to.equal('container web restarted: definition changed');
    const env = planReapply(base, await planned(BASE.replace('value: "1"', 'value: "2"')));
    if (!env.inPlace) throw new Error('in place expected');
    expect(reapplyDetail(withUnfinishedReplaces(env, ['app', 'web'], base.plan))).to.equal('container app restarted: env changed; container web restarted: definition changed');
    expect(withUnfinishedReplaces(env, undefined, base.plan)).to.equal(env);
  });
});

describe('reapply: the plan of the pod after an in-place re-apply', () => {
  it('takes the restarted container from the new plan, the others as they run, and the pod as it is', async () => {
    const old = await planned(BASE);
    const next = await planned(BASE.replace('value: "1"', 'value: "2"').replace('labels: {app: p}', 'labels: {app: q}'));
    const merged = reappliedPlan(old.plan, next.plan, new Set(['app']));
    expect(merged.containers.find((c) => c.name === 'app')!.env).to.deep.include({ name: 'A', value: '2' });
    expect(merged.containers.find((c) => c.name === 'web')).to.deep.equal(old.plan.containers.find((c) => c.name === 'web'));
    expect(merged.manifestHash).to.equal(next.plan.manifestHash);
    expect(podPlanChanges(old.plan, merged)).to.deep.equal([]);
  });

  it('names what of the pod differs when the plans disagree', async () => {
    const old = await planned(BASE);
    const next = await planned(BASE.replace('  volumes:', '  hostname: box\n  volumes:'));
    expect(podPlanChanges(old.plan, reappliedPlan(old.plan, next.plan, new Set()))).to.include('hostname');
  });
});
