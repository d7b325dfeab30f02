// The plan's supervision section, table by table: Kubernetes' defaulting of every number the
// monitor's state machine is given (struct sv_config), in ms; restart policies per kind (R2.2);
// the stop signal; the back-off (the kubelet's or the dev annotation's); the handlers as the
// monitor will run them; and init containers planned as containers. The golden
// test/fixtures/plans/supervision.plan.json pins down a whole pod.
import { expect } from 'chai';
import { loadManifests, type LoadedPod } from '../../src/manifest/load';
import { planPod, type HostFacts } from '../../src/plan/plan';
import { containerRestartPolicy, KUBELET_BACKOFF, MIN_GRACE_MS, planSupervision } from '../../src/plan/supervision';
import { restartBackoff } from '../../src/runtime/facts';
import { UsageError } from '../../src/util/errors';
import type { PlannedSupervision, PodPlan, RestartPolicy } from '../../src/plan/types';
import type { ImageConfig, ResolvedImage } from '../../src/images/types';

const image = (ref: string, config: ImageConfig): ResolvedImage => ({ ref, imageId: `sha256:${'b'.repeat(64)}`, manifestDigest: `sha256:${'c'.repeat(64)}`, config, layerDirs: ['/l/1'] });

function facts(over: Partial<HostFacts> = {}): HostFacts {
  return {
    paths: { root: '/var/lib/podrun', runRoot: '/run/podrun' },
    uid: 'u1',
    images: { b: image('b', { Cmd: ['sh'] }), quit: image('quit', { Cmd: ['sh'], StopSignal: 'SIGQUIT' }), rt: image('rt', { Cmd: ['sh'], StopSignal: 'RTMIN+2' }), bad: image('bad', { Cmd: ['sh'], StopSignal: 'NOPE' }), num: image('num', { Cmd: ['sh'], StopSignal: '9' }) },
    imageAccounts: {},
    pathKinds: {},
    cgroups: { driver: 'v2', mounts: { unified: '/sys/fs/cgroup' }, controllers: { memory: 'unified', cpu: 'unified', pids: 'unified' } },
    hostDevices: [],
    appArmor: { enabled: false, why: 'kernel' },
    hostResolvConf: '',
    podIP: '127.0.0.1',
    hostIP: '192.168.1.20',
    manifestDir: '/tmp',
    nodeName: 'n',
    ...over,
  };
}

async function load(spec: string, meta = ''): Promise<LoadedPod> {
  const r = await loadManifests(['-'], { stdin: `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n${meta}spec:\n${spec}`, probesAndHooks: true });
  expect(r.errors.map((e) => e.message)).to.deep.equal([]);
  return r.pods[0];
}

async function plan(spec: string, meta = '', f = facts()): Promise<PodPlan> {
  const r = planPod(await load(spec, meta), f);
  expect(r.errors.map((e) => e.message)).to.deep.equal([]);
  return r.plan!;
}

const sv = async (spec: string, meta = '', f = facts()): Promise<PlannedSupervision> => (await plan(spec, meta, f)).supervision!;
const one = (probe: string) => `  containers:\n  - name: app\n    image: b\n    ports: [{name: http, containerPort: 8080}]\n    env: [{name: F, value: /tmp/ok}, {name: N, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]\n${probe}`;

describe('supervision plan: numbers after Kubernetes defaulting, in ms', () => {
  it('probe defaults (SetDefaults_Probe): period 10 s, timeout 1 s, success 1, failure 3, delay 0; 0 is the default too', async () => {
    const rows: [string, object][] = [
      ['{}', { delayMs: 0, periodMs: 10_000, timeoutMs: 1000, successThreshold: 1, failureThreshold: 3 }],
      ['{initialDelaySeconds: 0, periodSeconds: 0, timeoutSeconds: 0, successThreshold: 0, failureThreshold: 0}', { delayMs: 0, periodMs: 10_000, timeoutMs: 1000, successThreshold: 1, failureThreshold: 3 }],
      ['{initialDelaySeconds: 7, periodSeconds: 2, timeoutSeconds: 3, successThreshold: 4, failureThreshold: 5}', { delayMs: 7000, periodMs: 2000, timeoutMs: 3000, successThreshold: 4, failureThreshold: 5 }],
      ['{periodSeconds: 2147483647}', { delayMs: 0, periodMs: 2_147_483_647_000, timeoutMs: 1000, successThreshold: 1, failureThreshold: 3 }],
    ];
    for (const [fields, want] of rows) {
      const s = await sv(one(`    readinessProbe: {tcpSocket: {port: 80}, ${fields.slice(1, -1)}}\n`));
      const { handler, ...numbers } = s.containers[0].probes.readiness!;
      expect(numbers, fields).to.deep.equal(want);
      expect(handler).to.deep.equal({ type: 'tcpSocket', host: '127.0.0.1', port: 80 });
    }
  });

  it("grace: the pod's in ms (at most a day, as delete waits); a probe's own, or absent for the pod's; min grace 2 s", async () => {
    const rows: [string, number][] = [
      ['', 30_000],
      ['  terminationGracePeriodSeconds: 0\n', 0],
      ['  terminationGracePeriodSeconds: 7\n', 7000],
      ['  terminationGracePeriodSeconds: 9223372036854775807\n', 86_400_000],
    ];
    for (const [g, ms] of rows) {
      const s = await sv(`${g}${one('')}`);
      expect([s.graceMs, s.minGraceMs], g).to.deep.equal([ms, MIN_GRACE_MS]);
    }
    const s = await sv(one('    livenessProbe: {tcpSocket: {port: 80}, terminationGracePeriodSeconds: 90}\n    startupProbe: {tcpSocket: {port: 80}, terminationGracePeriodSeconds: 100000}\n    readinessProbe: {tcpSocket: {port: 80}}\n'));
    expect(s.containers[0].probes.liveness!.graceMs).to.equal(90_000);
    expect(s.containers[0].probes.startup!.graceMs).to.equal(86_400_000);
    expect(s.containers[0].probes.readiness).to.not.have.property('graceMs');
  });

  it("back-off: the kubelet's 10 s / 300 s / 600 s, or podrun.dev/restart-backoff's", async () => {
    expect((await sv(one(''))).backoff).to.deep.equal(KUBELET_BACKOFF);
    expect(KUBELET_BACKOFF).to.deep.equal({ initialMs: 10_000, maxMs: 300_000, resetMs: 600_000 });
    const rows: [string, PlannedSupervision['backoff']][] = [
      ['0', { initialMs: 0, maxMs: 0, resetMs: 600_000, annotation: '0' }],
      ['1s-10s', { initialMs: 1000, maxMs: 10_000, resetMs: 600_000, annotation: '1s-10s' }],
      ['100ms-1s-30s', { initialMs: 100, maxMs: 1000, resetMs: 30_000, annotation: '100ms-1s-30s' }],
    ];
    for (const [v, want] of rows) expect((await sv(one(''), `  annotations: {podrun.dev/restart-backoff: "${v}"}\n`)).backoff, v).to.deep.equal(want);
  });

  it('back-off set globally (PODRUN_RESTART_BACKOFF, a fact of the apply): for pods without the annotation, which wins', async () => {
    const global = facts({ restartBackoff: '500ms-2s' });
    expect((await plan(one(''), '', global)).supervision!.backoff).to.deep.equal({ initialMs: 500, maxMs: 2000, resetMs: 600_000, global: '500ms-2s' });
    expect((await plan(one(''), '  annotations: {podrun.dev/restart-backoff: "1s"}\n', global)).supervision!.backoff).to.deep.equal({ initialMs: 1000, maxMs: 1000, resetMs: 600_000, annotation: '1s' });
    expect(restartBackoff(undefined)).to.deep.equal({});
    expect(restartBackoff('')).to.deep.equal({});
    expect(restartBackoff('0')).to.deep.equal({ restartBackoff: '0' });
    expect(() => restartBackoff('fast')).to.throw(UsageError, /PODRUN_RESTART_BACKOFF="fast": "fast" in "fast" is not a duration/);
  });
});

describe('supervision plan: containers', () => {
  it('restart policy per kind under each pod policy (R2.2): apps the pod\'s, sidecars Always, init containers OnFailure under Always', () => {
    const rows: [RestartPolicy, Record<'init' | 'sidecar' | 'app', RestartPolicy>][] = [
      ['Always', { init: 'OnFailure', sidecar: 'Always', app: 'Always' }],
      ['OnFailure', { init: 'OnFailure', sidecar: 'Always', app: 'OnFailure' }],
      ['Never', { init: 'Never', sidecar: 'Always', app: 'Never' }],
    ];
    for (const [pod, want] of rows) for (const kind of ['init', 'sidecar', 'app'] as const) expect(containerRestartPolicy(pod, kind), `${pod} ${kind}`).to.equal(want[kind]);
  });

  it('order and kinds: initContainers in spec order (regular and sidecars interleaved), then containers', async () => {
    const s = await sv(`  restartPolicy: Never
  initContainers:
  - {name: i1, image: b}
  - {name: s1, image: b, restartPolicy: Always}
  - {name: i2, image: b}
  - {name: s2, image: b, restartPolicy: Always}
  containers:
  - {name: a1, image: b}
  - {name: a2, image: b}
`);
    expect(s.restartPolicy).to.equal('Never');
    expect(s.containers.map((c) => `${c.name}:${c.kind}:${c.restartPolicy}`)).to.deep.equal(['i1:init:Never', 's1:sidecar:Always', 'i2:init:Never', 's2:sidecar:Always', 'a1:app:Never', 'a2:app:Never']);
  });

  it('stop signal: lifecycle.stopSignal, else the image StopSignal as containerd reads it, else SIGTERM', async () => {
    const s = await sv(`  os: {name: linux}
  containers:
  - {name: own, image: quit, lifecycle: {stopSignal: SIGRTMAX-1}}
  - {name: image, image: quit}
  - {name: rt, image: rt}
  - {name: number, image: num}
  - {name: unknown, image: bad}
  - {name: none, image: b}
`);
    expect(s.containers.map((c) => [c.name, c.stopSignal])).to.deep.equal([
      ['own', 63],
      ['image', 3],
      ['rt', 36],
      ['number', 9],
      ['unknown', 15],
      ['none', 15],
    ]);
    // the container's own record says the same, by name (Node's stop path and describe use it)
    const p = await plan(`  os: {name: linux}\n  containers:\n  - {name: own, image: quit, lifecycle: {stopSignal: SIGRTMAX-1}}\n  - {name: rt, image: rt}\n`);
    expect(p.containers.map((c) => c.stopSignal)).to.deep.equal(['SIGRTMAX-1', 'SIGRTMIN+2']);
  });

  it('the termination message path and policy, defaulted', async () => {
    const s = await sv(`  containers:\n  - {name: a, image: b}\n  - {name: c, image: b, terminationMessagePath: /tmp/msg, terminationMessagePolicy: FallbackToLogsOnError}\n`);
    expect(s.containers.map((c) => c.terminationMessage)).to.deep.equal([
      { path: '/dev/termination-log', policy: 'File' },
      { path: '/tmp/msg', policy: 'FallbackToLogsOnError' },
    ]);
  });

  it('init containers are planned as containers (dirs, cgroup, user, security), in plan.initContainers; absent without them', async () => {
    const p = await plan(`  initContainers:\n  - {name: setup, image: b, securityContext: {runAsUser: 7, allowPrivilegeEscalation: false}}\n  containers:\n  - {name: app, image: b}\n`);
    const [i] = p.initContainers!;
    expect(i.name).to.equal('setup');
    expect(i.dirs.upper).to.equal('/var/lib/podrun/pods/default_p/containers/setup/upper');
    expect(i.cgroup!.path).to.equal(p.containers[0].cgroup!.path.replace(/app$/, 'setup'));
    expect(i.user).to.deep.equal({ uid: 7, gid: 0, groups: [] });
    expect(i.security.noNewPrivileges).to.equal(true);
    expect(p.containers.map((c) => c.name)).to.deep.equal(['app']);
    expect(await plan(one(''))).to.not.have.property('initContainers');
  });

  it("an init container's problems are reported at its own field path", async () => {
    const r = await loadManifests(['-'], { stdin: `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostUsers: false\n  initContainers:\n  - {name: setup, image: b, securityContext: {runAsUser: 70000}}\n  containers:\n  - {name: app, image: b}\n`, probesAndHooks: true });
    expect(r.errors.map((e) => e.message)).to.deep.equal(["<stdin>:7: spec.initContainers[0].securityContext.runAsUser: 70000 is outside the ids of the pod's user namespace (0-65535) when `hostUsers` is false"]);
    const r2 = planPod(await load(`  initContainers:\n  - {name: setup, image: nope}\n  containers:\n  - {name: app, image: b}\n`), facts({ images: { b: image('b', { Cmd: ['sh'] }), nope: image('nope', {}) } }));
    expect(r2.errors.map((e) => e.message)).to.deep.equal(['<stdin>:7: spec.initContainers[0].command: container setup has no command: neither the manifest nor image nope sets one']);
  });
});

describe('supervision plan: handlers as the monitor runs them', () => {
  it('httpGet: named port resolved, host the pod IP unless given, path "/" by default and made absolute, headers kept', async () => {
    const s = await sv(
      one(`    livenessProbe: {httpGet: {port: http}}
    readinessProbe: {httpGet: {port: 81, host: 10.0.0.9, scheme: HTTPS, path: "ready?x=1", httpHeaders: [{name: Host, value: example.com}, {name: Accept, value: ""}]}}
`),
    );
    expect(s.containers[0].probes.liveness!.handler).to.deep.equal({ type: 'httpGet', scheme: 'HTTP', host: '127.0.0.1', port: 8080, path: '/', headers: [] });
    expect(s.containers[0].probes.readiness!.handler).to.deep.equal({
      type: 'httpGet',
      scheme: 'HTTPS',
      host: '10.0.0.9',
      port: 81,
      path: '/ready?x=1',
      headers: [
        { name: 'Host', value: 'example.com' },
        { name: 'Accept', value: '' },
      ],
    });
  });

  it("hostNetwork: the pod's IP is the host's, so an unnamed host is it", async () => {
    const s = await sv(`  hostNetwork: true\n${one('    readinessProbe: {grpc: {port: 9090}}\n    livenessProbe: {tcpSocket: {port: http}}\n')}`);
    expect(s.containers[0].probes.readiness!.handler).to.deep.equal({ type: 'grpc', host: '192.168.1.20', port: 9090, service: '' });
    expect(s.containers[0].probes.liveness!.handler).to.deep.equal({ type: 'tcpSocket', host: '192.168.1.20', port: 8080 });
  });

  it("exec: a probe's command gets $(VAR) from the static env only (a valueFrom variable is empty); a hook's is run as written", async () => {
    const s = await sv(
      one(`    livenessProbe: {exec: {command: [cat, "$(F)", "$(N)x", "$(MISSING)", "$$(F)"]}}
    lifecycle:
      postStart: {exec: {command: [touch, "$(F)"]}}
      preStop: {sleep: {seconds: 4}}
`),
    );
    const c = s.containers[0];
    expect(c.probes.liveness!.handler).to.deep.equal({ type: 'exec', command: ['cat', '/tmp/ok', 'x', '$(MISSING)', '$(F)'] });
    expect(c.postStart).to.deep.equal({ type: 'exec', command: ['touch', '$(F)'] });
    expect(c.preStop).to.deep.equal({ type: 'sleep', ms: 4000 });
  });

  it('a tcpSocket hook is carried as one (the monitor fails it, as the kubelet does)', async () => {
    const s = await sv(one('    lifecycle: {preStop: {tcpSocket: {port: http}}}\n'));
    expect(s.containers[0].preStop).to.deep.equal({ type: 'tcpSocket', host: '127.0.0.1', port: 8080 });
  });

  it("an exec probe's command after $(VAR) expansion has the container's limits: each string, and the whole with the environment", async () => {
    const a = 'a'.repeat(100_000);
    const many = Array.from({ length: 12 }, () => '"$(A)"').join(', ');
    const r = planPod(await load(`  containers:\n  - name: app\n    image: b\n    env: [{name: A, value: ${a}}]\n    livenessProbe: {exec: {command: ["$(A)$(A)", ${many}]}}\n    lifecycle: {postStart: {exec: {command: ["$(A)$(A)"]}}}\n`), facts());
    expect(r.errors.map((e) => e.message)).to.deep.equal([
      '<stdin>:10: spec.containers[0].livenessProbe.exec.command[0]: argument is at least 200000 bytes long after $(VAR) expansion; the kernel takes at most 131071 bytes in one (MAX_ARG_STRLEN, 131072 with its NUL)',
      "<stdin>:10: spec.containers[0].livenessProbe.exec.command: the container's command, arguments and environment come to at least 1500016 bytes (each string with its NUL), over podrun's limit of 1048576 per container",
    ]);
  });
});

describe('supervision plan: planSupervision is pure', () => {
  it('gives the same section for the same manifest, whatever else the facts hold', async () => {
    const pod = await load(one('    readinessProbe: {httpGet: {port: http}}\n'));
    const a = planSupervision(pod.manifest, { podIP: '127.0.0.1', imageConfig: () => undefined });
    const b = planSupervision(pod.manifest, { podIP: '127.0.0.1', imageConfig: () => undefined });
    expect(a).to.deep.equal(b);
    expect(a.containers[0].stopSignal).to.equal(15);
  });
});
