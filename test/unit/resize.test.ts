// In-place resize (plan/resize.ts, kubelet-resources.md §9): which re-applies change only cpu
// and memory of running containers, what restarts, and what goes back to re-creating the pod.
import { expect } from 'chai';
import { loadManifests } from '../../src/manifest/load';
import { planPod } from '../../src/plan/plan';
import { planResize, resizedPlan } from '../../src/plan/resize';
import { fakeFacts } from './plan.test';
import { exportedManifest, hostPathSources } from '../../src/plan/hostpath-export';

/** A pod of an app and a sidecar, with the app's resources, the sidecar's and extra spec lines as given. */
function podText(app: string, opts: { side?: string; extra?: string; env?: string; policy?: string } = {}): string {
  return [
    'apiVersion: v1',
    'kind: Pod',
    'metadata: {name: p}',
    'spec:',
    ...(opts.extra ? [opts.extra] : []),
    '  initContainers:',
    '  - name: side',
    '    image: busybox:1.36',
    '    restartPolicy: Always',
    `    resources: ${opts.side ?? '{limits: {memory: 64Mi}}'}`,
    '  containers:',
    '  - name: app',
    '    image: busybox:1.36',
    `    resources: ${app}`,
    ...(opts.policy ? [`    resizePolicy: ${opts.policy}`] : []),
    ...(opts.env ? [`    env: ${opts.env}`] : []),
  ].join('\n');
}

async function planned(text: string, manifestDir?: string) {
  const r = await loadManifests(['-'], { stdin: text });
  expect(r.errors.map((e) => e.message)).to.deep.equal([]);
  const p = planPod(r.pods[0], fakeFacts(manifestDir ? { manifestDir } : {}));
  expect(p.errors.map((e) => e.message)).to.deep.equal([]);
  return { manifest: r.pods[0].manifest, plan: p.plan! };
}

const BASE = '{requests: {cpu: 100m, memory: 32Mi}, limits: {cpu: 500m, memory: 64Mi}}';

describe('resize: what a re-apply changes in place (§9)', () => {
  it('cpu and memory of a container: in place, no restart by default; the cgroup limits before and after', async () => {
    const d = planResize(await planned(podText(BASE)), await planned(podText('{requests: {cpu: 200m, memory: 32Mi}, limits: {cpu: "1", memory: 128Mi}}')));
    expect(d.inPlace).to.equal(true);
    if (!d.inPlace) return;
    expect(d.containers.map((c) => [c.name, c.resources, c.restart])).to.deep.equal([['app', ['cpu', 'memory'], false]]);
    expect(d.containers[0].old).to.include({ cpuQuotaUs: 50000, memoryBytes: 64 * 2 ** 20, cpuShares: 102 });
    expect(d.containers[0].next).to.include({ cpuQuotaUs: 100000, memoryBytes: 128 * 2 ** 20, cpuShares: 204 });
    expect(d.pod.next).to.include({ memoryBytes: 192 * 2 ** 20 });
  });

  it('the same relative hostPath from another folder names another directory: a re-create, not a resize', async () => {
    const vol = '  volumes: [{name: d, hostPath: {path: ./site}}]';
    const bigger = '{requests: {cpu: 200m, memory: 32Mi}, limits: {cpu: "1", memory: 128Mi}}';
    expect(planResize(await planned(podText(BASE, { extra: vol }), '/a/pods'), await planned(podText(bigger, { extra: vol }), '/a/pods')).inPlace).to.equal(true);
    expect(planResize(await planned(podText(BASE, { extra: vol }), '/a/pods'), await planned(podText(bigger, { extra: vol }), '/b/pods'))).to.deep.equal({ inPlace: false });
    // its export (absolute path, podrun.dev/hostpath-written) with the change applied from elsewhere: a resize still
    const old = await planned(podText(BASE, { extra: vol }), '/a/pods');
    const exported = exportedManifest((await planned(podText(bigger, { extra: vol }), '/a/pods')).manifest, hostPathSources(old.plan));
    const next = await planned(podText(bigger, { extra: `  volumes: [{name: d, hostPath: {path: /a/pods/site}}]` }), '/elsewhere');
    expect(planResize(old, { manifest: exported, plan: next.plan }).inPlace).to.equal(true);
  });

  it("restarts where a changed resource's policy says RestartContainer, and only then", async () => {
    const policy = '[{resourceName: memory, restartPolicy: RestartContainer}]';
    const mem = planResize(await planned(podText(BASE, { policy })), await planned(podText('{requests: {cpu: 100m, memory: 32Mi}, limits: {cpu: 500m, memory: 48Mi}}', { policy })));
    expect(mem.inPlace && mem.containers.map((c) => c.restart)).to.deep.equal([true]);
    const cpu = planResize(await planned(podText(BASE, { policy })), await planned(podText('{requests: {cpu: 100m, memory: 32Mi}, limits: {cpu: 700m, memory: 64Mi}}', { policy })));
    expect(cpu.inPlace && cpu.containers.map((c) => c.restart)).to.deep.equal([false]);
    const changed = planResize(await planned(podText(BASE)), await planned(podText('{requests: {cpu: 100m, memory: 32Mi}, limits: {cpu: 500m, memory: 48Mi}}', { policy })));
    expect(changed.inPlace && changed.containers.map((c) => c.restart), 'the policy changes with the resize, and the new one applies (Z9.2)').to.deep.equal([true]);
    const side = planResize(await planned(podText(BASE)), await planned(podText(BASE, { side: '{limits: {memory: 96Mi}}' })));
    expect(side.inPlace && side.containers.map((c) => c.name)).to.deep.equal(['side']);
  });

  it('goes back to re-creating: other fields (no reason), the QoS class, a removed limit, a resourceFieldRef reading it, pod-level resources', async () => {
    const old = await planned(podText(BASE));
    expect(planResize(old, await planned(podText(BASE, { env: '[{name: A, value: b}]' })))).to.deep.equal({ inPlace: false });
    expect(planResize(old, await planned(podText(BASE, { side: '{limits: {memory: 64Mi, ephemeral-storage: 1Gi}}' })))).to.deep.equal({ inPlace: false });
    const g = '{limits: {cpu: 500m, memory: 64Mi}}';
    expect(planResize(await planned(podText(g, { side: '{limits: {cpu: 100m, memory: 64Mi}}' })), await planned(podText(BASE, { side: '{limits: {cpu: 100m, memory: 64Mi}}' })))).to.deep.equal({
      inPlace: false,
      why: 'Pod QOS Class may not change as a result of resizing',
    });
    expect(planResize(old, await planned(podText('{requests: {cpu: 100m, memory: 32Mi}, limits: {memory: 64Mi}}')))).to.deep.equal({ inPlace: false, why: 'resource limits cannot be removed (cpu of container app)' });
    const env = '[{name: MEM, valueFrom: {resourceFieldRef: {resource: limits.memory}}}]';
    expect(planResize(await planned(podText(BASE, { env })), await planned(podText('{requests: {cpu: 100m, memory: 32Mi}, limits: {cpu: 500m, memory: 96Mi}}', { env })))).to.deep.equal({
      inPlace: false,
      why: 'env MEM of container app reads limits.memory of app (resourceFieldRef)',
    });
    expect((await planResize(await planned(podText(BASE, { env })), await planned(podText('{requests: {cpu: 100m, memory: 32Mi}, limits: {cpu: 600m, memory: 64Mi}}', { env })))).inPlace, 'cpu does not touch a memory reference').to.equal(true);
    expect(planResize(old, await planned(podText(BASE, { extra: '  resources: {limits: {cpu: "2"}}' }))).inPlace).to.equal(false);
  });

  it("the record's plan after a resize: the running pod's, with the new limits, shown resources and manifest hash", async () => {
    const old = await planned(podText(BASE));
    const next = await planned(podText('{requests: {cpu: 200m, memory: 32Mi}, limits: {cpu: "1", memory: 128Mi}}'));
    const p = resizedPlan(old.plan, next.plan);
    expect(p.manifestHash).to.equal(next.plan.manifestHash);
    expect(p.containers[0].resources).to.deep.equal({ requests: { cpu: '200m', memory: '32Mi' }, limits: { cpu: '1', memory: '128Mi' } });
    expect(p.containers[0].cgroup!.limits).to.deep.equal(next.plan.containers[0].cgroup!.limits);
    expect(p.cgroup!.limits).to.deep.equal(next.plan.cgroup!.limits);
    expect(p.uid).to.equal(old.plan.uid);
  });

  it('validates resizePolicy as the API server does (Z9.1)', async () => {
    const errors = async (text: string) => {
      const r = await loadManifests(['-'], { stdin: text });
      const strip = (m: string) => m.replace(/^<stdin>:\d+: /, '');
      if (r.errors.length) return r.errors.map((e) => strip(e.message)).sort();
      return planPod(r.pods[0], fakeFacts()).errors.map((e) => strip(e.message));
    };
    expect(await errors(podText(BASE, { policy: '[{resourceName: cpu, restartPolicy: Sometimes}, {resourceName: cpu, restartPolicy: NotRequired}, {resourceName: gpu, restartPolicy: NotRequired}]' }))).to.deep.equal([
      'spec.containers[0].resizePolicy[0].restartPolicy: Unsupported value: "Sometimes": supported values: "NotRequired", "RestartContainer"',
      'spec.containers[0].resizePolicy[1].resourceName: Duplicate value: "cpu"',
      'spec.containers[0].resizePolicy[2].resourceName: Unsupported value: "gpu": supported values: "cpu", "memory"',
    ]);
    const init = podText(BASE).replace('    restartPolicy: Always\n', '    resizePolicy: [{resourceName: cpu, restartPolicy: RestartContainer}]\n');
    expect(await errors(init)).to.deep.equal(["spec.initContainers[0].resizePolicy[0].restartPolicy: Invalid value: \"RestartContainer\": must not be set to 'RestartContainer' for non-sidecar initContainers"]);
    expect(await errors(podText(BASE, { extra: '  restartPolicy: Never', policy: '[{resourceName: memory, restartPolicy: RestartContainer}]' }))).to.deep.equal([
      "spec.containers[0].resizePolicy[0].restartPolicy: Invalid value: \"RestartContainer\": must be 'NotRequired' when pod `restartPolicy` is 'Never'",
    ]);
  });
});
