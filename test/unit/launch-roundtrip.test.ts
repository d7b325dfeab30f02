// The launch file round trip: what the TypeScript encoder writes, podrun-helper's validator
// accepts and reads back unchanged (`podrun-helper check-launch` prints what it parsed), for
// every directive the C parser knows. Without root: checking starts nothing.
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { helperPath } from '../../src/runtime/helper/binary';
import { encodeLaunchFile, launchDirectives, LAUNCH_MAGIC } from '../../src/runtime/helper/launch-file';
import { defaultSecurity } from '../../src/plan/security';
import { APPARMOR_DEFAULT_PROFILE } from '../../src/plan/apparmor-default';
import type { PlannedContainer, PlannedHandler, PlannedProbe, PlannedSupervisedContainer, PlannedSupervision, PodPlan } from '../../src/plan/types';
import { testContainer, testPlan } from '../helpers/plans';
import { loadManifests } from '../../src/manifest/load';
import { planPod, type HostFacts } from '../../src/plan/plan';
import type { ResolvedImage } from '../../src/images/types';

const ROOT = resolve(__dirname, '..', '..', '..');

/** The directive names in launch.c's table, so a directive added there must be covered here. */
function cDirectives(): string[] {
  const src = readFileSync(join(ROOT, 'addon', 'src', 'launch.c'), 'utf8');
  const table = /directives\[\] = \{([\s\S]*?)\};/.exec(src)![1];
  return [...table.matchAll(/\{\s*"([a-z]+)"/g)].map((m) => m[1]);
}

const escape = (s: string) => s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n');

const POD = '/r/pods/default_all';
const container = (name: string, over: Partial<PlannedContainer>) =>
  testContainer(POD, name, {
    image: { ref: 'busybox:1.36', pullPolicy: 'IfNotPresent', imageId: 'sha256:' + 'a'.repeat(64), layerDirs: ['/r/images/layers/1/diff', '/r/images/layers/2/diff'] },
    argv: ['sh', '-c', 'echo "tab\there"\necho done'],
    env: [{ name: 'PATH', value: '/bin' }, { name: 'MULTI', value: 'line one\nline\ttwo \\ back' }],
    workingDir: '/work dir',
    user: { uid: 1000, gid: 1000, groups: [10, 2000] },
    ...over,
  });

const probe = (handler: PlannedHandler, over: Partial<PlannedProbe> = {}): PlannedProbe => ({ delayMs: 0, periodMs: 10_000, timeoutMs: 1000, successThreshold: 1, failureThreshold: 3, handler, ...over });
const supervised = (name: string, kind: PlannedSupervisedContainer['kind'], over: Partial<PlannedSupervisedContainer> = {}): PlannedSupervisedContainer => ({
  name,
  kind,
  restartPolicy: kind === 'sidecar' ? 'Always' : 'OnFailure',
  stopSignal: 15,
  probes: {},
  terminationMessage: { path: '/dev/termination-log', policy: 'File' },
  ...over,
});

/** Init containers (a regular one and a sidecar), every probe kind and every handler type. */
const SUPERVISION: PlannedSupervision = {
  restartPolicy: 'OnFailure',
  graceMs: 30_000,
  minGraceMs: 2000,
  backoff: { initialMs: 500, maxMs: 5000, resetMs: 600_000, annotation: '500ms-5s' },
  containers: [
    supervised('i', 'init', { stopSignal: 36 }),
    supervised('s', 'sidecar', {
      probes: {
        startup: probe({ type: 'tcpSocket', host: '127.0.0.1', port: 9901 }, { periodMs: 1000, failureThreshold: 30 }),
        readiness: probe({ type: 'grpc', host: '::1', port: 9090, service: '' }),
      },
      preStop: { type: 'sleep', ms: 3000 },
    }),
    supervised('a', 'app', {
      stopSignal: 3,
      probes: {
        liveness: probe({ type: 'exec', command: ['sh', '-c', 'test -e /tmp/ok\tand\nmore \\ back'] }, { delayMs: 5000, graceMs: 7000 }),
        readiness: probe(
          { type: 'httpGet', scheme: 'HTTPS', host: 'localhost', port: 8443, path: '/healthz?full=1', headers: [{ name: 'X-Probe', value: 'a\tb c' }, { name: 'Accept', value: '' }] },
          { successThreshold: 2 },
        ),
      },
      postStart: { type: 'exec', command: ['touch', '/tmp/ok'] },
      preStop: { type: 'httpGet', scheme: 'HTTP', host: '10.0.0.2', port: 80, path: '/drain', headers: [] },
      terminationMessage: { path: '/tmp/msg', policy: 'FallbackToLogsOnError' },
    }),
    supervised('b', 'app', { probes: { startup: probe({ type: 'grpc', host: '127.0.0.1', port: 50051, service: 'shop.v1.Health' }) }, preStop: { type: 'tcpSocket', host: '127.0.0.1', port: 80 } }),
    supervised('c', 'app'),
    supervised('d', 'app'),
  ],
};

const PLAN: PodPlan = testPlan('/r', 'all', {
  hostname: 'all-host',
  // the monitor's command when Ready changes (notify), and the network gate (netgate)
  notify: ['/usr/bin/node', '/opt/podrun/dist/src/cli/start.js', 'sync-services'],
  network: { name: 'podrun', file: '/r/network/podrun.conflist', containerId: '0123456789abcdef0123456789abcdef', ifName: 'eth0', portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }, { hostPort: 5353, containerPort: 53, protocol: 'udp', hostIP: '127.0.0.1' }], tokens: { ip: 'podrun-pod-ip-0123456789abcdef0123456789abcdef.invalid', ips: 'podrun-pod-ips-0123456789abcdef0123456789abcdef.invalid' } },
  namespaces: { net: 'pod', ipc: 'pod', uts: 'host', pid: 'pod' },
  shmSizeBytes: 65536,
  // the pod's cgroup: the pause's leaf below it (pausecgroup), one dir per hierarchy
  cgroup: { driver: 'v1', path: '/podrun/default_all-1234abcd', dirs: { freezer: '/sys/fs/cgroup/freezer/podrun/default_all-1234abcd', pids: '/sys/fs/cgroup/pids/podrun/default_all-1234abcd' } },
  volumes: [
    { name: 'mem', kind: 'emptyDir', source: '/r/pods/default_all/volumes/mem', tmpfs: { sizeBytes: 1 << 20 }, mode: 0o2777, fsGroup: 2000 },
    { name: 'huge', kind: 'emptyDir', source: '/r/pods/default_all/volumes/huge', hugetlbfs: { pageSizeBytes: 2 << 20, medium: 'HugePages' }, mode: 0o777 },
    { name: 'host', kind: 'hostPath', source: '/srv/data', hostPathType: 'Directory' },
    { name: 'scratch', kind: 'emptyDir', source: '/r/pods/default_all/volumes/scratch', sizeLimitBytes: 1 << 20 },
  ],
  storage: { checkMs: 10000, podLimit: { bytes: 2 << 20, text: '2Mi' } },
  containers: [
    container('a', {
      storageLimit: { bytes: 2 << 20, text: '2Mi' },
      mounts: [
        { volume: 'mem', mountPath: '/mem', readOnly: false, kind: 'dir' },
        { volume: 'mem', mountPath: '/mem-sub', readOnly: true, subPath: 'a/b', kind: 'dir' },
        { volume: 'host', mountPath: '/etc/app.conf', readOnly: true, subPath: 'conf/app.conf', kind: 'file' },
        { volume: 'host', mountPath: '/data', readOnly: true, kind: 'dir' },
      ],
      stdin: true,
      stdinOnce: true,
      tty: true,
      cgroup: { driver: 'v2', path: '/podrun/default_all-1234abcd/a', dirs: { unified: '/sys/fs/cgroup/podrun/default_all-1234abcd/a' } },
      security: {
        ...defaultSecurity(),
        noNewPrivileges: true,
        seccomp: { profile: 'Localhost', localhostProfile: '/r/seccomp/audit.json' },
        appArmor: { type: 'Localhost', profile: 'k8s-apparmor-example-deny-write' },
      },
    }),
    container('b', {
      user: { uid: 0, gid: 0, groups: [] },
      // v1: one dir per hierarchy (the resources work adds more than the freezer)
      cgroup: {
        driver: 'v1',
        path: '/podrun/default_all-1234abcd/b',
        dirs: { freezer: '/sys/fs/cgroup/freezer/podrun/default_all-1234abcd/b', pids: '/sys/fs/cgroup/pids/podrun/default_all-1234abcd/b', memory: '/sys/fs/cgroup/memory/podrun/default_all-1234abcd/b' },
        controllers: { pids: 'pids', memory: 'memory' },
      },
      security: { ...defaultSecurity(), capabilities: [], devices: [{ path: '/dev/sda', type: 'b', major: 8, minor: 0 }], readOnlyRootFilesystem: true, writableSysfs: true },
    }),
    container('c', { security: { ...defaultSecurity(), seccomp: { profile: 'Unconfined' }, appArmor: { type: 'RuntimeDefault', profile: APPARMOR_DEFAULT_PROFILE } } }),
    // refused at create, as the kubelet: in the file with the message its starts fail with
    container('d', { configError: { reason: 'CreateContainerConfigError', message: 'container has runAsNonRoot and image will run as root (pod: "all_default(u)", container: d)' } }),
  ],
  sysctls: [{ name: 'net.ipv4.ip_local_port_range', value: '1024 65535' }],
  initContainers: [container('i', { argv: ['sh', '-c', 'echo init'] }), container('s', {})],
  restartPolicy: 'OnFailure',
  supervision: SUPERVISION,
});

/** A pod for the plan -> launch file -> parser -> sv_init path (test/fixtures/plans/supervision.yaml's shape). */
const SUPERVISED_POD = `apiVersion: v1
kind: Pod
metadata:
  name: shop
  annotations: {podrun.dev/restart-backoff: 1s-10s}
spec:
  os: {name: linux}
  initContainers:
  - {name: setup, image: b, command: [sh, -c, "echo setup"]}
  - name: proxy
    image: b
    restartPolicy: Always
    ports: [{name: admin, containerPort: 9901}]
    startupProbe: {httpGet: {port: admin, path: /ready}, periodSeconds: 1, failureThreshold: 30}
    lifecycle: {preStop: {sleep: {seconds: 3}}}
  - {name: warm, image: b}
  containers:
  - name: app
    image: b
    ports: [{name: http, containerPort: 8080}]
    livenessProbe: {exec: {command: [cat, /tmp/ok]}, terminationGracePeriodSeconds: 5}
    readinessProbe: {httpGet: {port: http, httpHeaders: [{name: X-A, value: b}]}, successThreshold: 2}
    startupProbe: {grpc: {port: 9090}}
    lifecycle:
      postStart: {exec: {command: [touch, /tmp/ok]}}
      preStop: {tcpSocket: {port: 8080}}
      stopSignal: SIGQUIT
  - name: worker
    image: b
    readinessProbe: {tcpSocket: {port: 6379}}
`;

function plannerFacts(): HostFacts {
  const image: ResolvedImage = { ref: 'b', imageId: `sha256:${'b'.repeat(64)}`, manifestDigest: `sha256:${'c'.repeat(64)}`, config: { Cmd: ['sh'], Env: ['PATH=/bin'] }, layerDirs: ['/r/images/layers/1/diff'] };
  return {
    paths: { root: '/r', runRoot: '/r/run' },
    uid: 'u1',
    images: { b: image },
    imageAccounts: {},
    pathKinds: {},
    cgroups: { driver: 'v2', mounts: { unified: '/sys/fs/cgroup' }, controllers: { memory: 'unified', cpu: 'unified', pids: 'unified' } },
    hostDevices: [],
    appArmor: { enabled: false, why: 'kernel' },
    hostResolvConf: '',
    podIP: '127.0.0.1',
    hostIP: '192.0.2.1',
    manifestDir: '/tmp',
    nodeName: 'n',
  };
}

/** hostUsers: false needs the pod's own network, IPC and UTS namespaces. */
const USERNS_PLAN: PodPlan = testPlan('/r', 'userns', {
  namespaces: { net: 'pod', ipc: 'pod', uts: 'pod', pid: 'container' },
  userNamespace: { hostId: 196608, length: 65536 },
});

describe('launch file: TypeScript encoder -> C validator round trip', () => {
  let dir = '';
  before(function () {
    try {
      helperPath();
    } catch {
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'podrun-launch-'));
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  for (const [what, plan] of [['a plan using most directives', PLAN], ['a pod with a user namespace', USERNS_PLAN]] as const)
    it(`every directive the encoder writes is accepted and read back unchanged: ${what}`, () => {
      const file = join(dir, 'launch');
      writeFileSync(file, encodeLaunchFile(plan));
      const r = spawnSync(helperPath(), ['check-launch', file], { encoding: 'utf8' });
      expect(r.stderr).to.equal('');
      expect(r.status).to.equal(0);
      const expected = launchDirectives(plan).map((d) => [d[0], ...d.slice(1).map(escape)].join('\t'));
      expect(r.stdout.split('\n').filter(Boolean)).to.deep.equal(expected);
    });

  it('userns: refused with a host namespace, host id 0, or a range past 2^32 - 1', () => {
    const cases: [Partial<PodPlan>, string][] = [
      [{ namespaces: { net: 'host', ipc: 'pod', uts: 'pod', pid: 'container' } }, 'error validate userns 22 (a host namespace with a user namespace)\n'],
      [{ namespaces: { net: 'pod', ipc: 'pod', uts: 'pod', pid: 'host' } }, 'error validate userns 22 (a host namespace with a user namespace)\n'],
      [{ userNamespace: { hostId: 0, length: 65536 } }, 'error validate userns 22 0\n'],
      [{ userNamespace: { hostId: 4294901760, length: 65536 } }, 'error validate userns 22 65536\n'],
    ];
    for (const [over, stderr] of cases) {
      const file = join(dir, 'userns');
      writeFileSync(file, encodeLaunchFile({ ...USERNS_PLAN, ...over }));
      const r = spawnSync(helperPath(), ['check-launch', file], { encoding: 'utf8' });
      expect(r.stderr, JSON.stringify(over)).to.equal(stderr);
      expect(r.status).to.equal(1);
    }
  });

  it('apparmor: a profile name with a control character, a space at either end, or over 4095 bytes is refused', () => {
    for (const bad of ['a\nb', ' x', 'x ', 'x\x7f', 'p'.repeat(4096)]) {
      const plan = testPlan('/r', 'aa', { containers: [testContainer('/r/pods/default_aa', 'app', { security: { ...defaultSecurity(), appArmor: { type: 'Localhost', profile: bad } } })] });
      const file = join(dir, 'aa');
      writeFileSync(file, encodeLaunchFile(plan));
      const r = spawnSync(helperPath(), ['check-launch', file], { encoding: 'utf8' });
      expect(r.status, JSON.stringify(bad)).to.equal(1);
      expect(r.stderr, JSON.stringify(bad)).to.match(bad.length > 4095 ? /^error validate apparmor 22 \(value longer than 4095 bytes\)\n$/ : /^error validate apparmor 22 /);
    }
    // names the kernel takes as they are: inner spaces, `//` children, namespaces
    for (const good of ['with space', 'snap.x//hook', ':ns:profile', 'p'.repeat(4095)]) {
      const plan = testPlan('/r', 'aa', { containers: [testContainer('/r/pods/default_aa', 'app', { security: { ...defaultSecurity(), appArmor: { type: 'Localhost', profile: good } } })] });
      const file = join(dir, 'aa');
      writeFileSync(file, encodeLaunchFile(plan));
      const r = spawnSync(helperPath(), ['check-launch', file], { encoding: 'utf8' });
      expect(r.stderr, good.slice(0, 20)).to.equal('');
      expect(r.stdout).to.include(`apparmor\t${good}\n`);
    }
  });

  it('the plans above use every directive the helper knows', () => {
    const used = new Set([...launchDirectives(PLAN), ...launchDirectives(USERNS_PLAN)].map((d) => d[0]));
    for (const d of cDirectives()) expect(used.has(d), `directive ${d} is not covered`).to.equal(true);
    expect(cDirectives().length).to.be.greaterThan(20);
  });

  describe('supervision directives', () => {
    const encode = (dirs: string[][]) => Buffer.from(dirs.flat().map((x) => `${x}\0`).join(''));
    const check = (dirs: string[][]) => {
      const file = join(dir, 'sv');
      writeFileSync(file, encode(dirs));
      return { file, ...spawnSync(helperPath(), ['check-launch', file], { encoding: 'utf8' }) };
    };
    /** The directives of PLAN with EDIT applied to container NAME's block (before its `end`). */
    const inBlock = (name: string, edit: (block: string[][]) => string[][]) => {
      const d = launchDirectives(PLAN);
      const start = d.findIndex((x) => x[0] === 'container' && x[1] === name);
      const end = d.findIndex((x, i) => i > start && x[0] === 'end');
      return [...d.slice(0, start + 1), ...edit(d.slice(start + 1, end)), ...d.slice(end)];
    };
    /** Replaces the DIRECTIVE of block NAME (the one for the same owner, for a probe or handler). */
    const set = (name: string, directive: string, args: string[]) => inBlock(name, (b) => b.map((x) => (x[0] === directive && (!OWNED.includes(directive) || x[1] === args[0]) ? [directive, ...args] : x)));
    const OWNED = ['probe', 'execarg', 'httpget', 'httpheader', 'tcpsocket', 'grpc', 'sleep'];
    const add = (name: string, ...extra: string[][]) => inBlock(name, (b) => [...b, ...extra]);

    it('the plan of a pod with init containers, a sidecar, probes and hooks goes through: sv_init takes what the parser builds', async () => {
      const r = await loadManifests(['-'], { stdin: SUPERVISED_POD, probesAndHooks: true });
      expect(r.errors.map((e) => e.message)).to.deep.equal([]);
      const planned = planPod(r.pods[0], plannerFacts());
      expect(planned.errors.map((e) => e.message)).to.deep.equal([]);
      const plan = planned.plan!;
      expect(plan.supervision!.containers.map((c) => c.kind)).to.deep.equal(['init', 'sidecar', 'init', 'app', 'app']);
      const file = join(dir, 'planned');
      writeFileSync(file, encodeLaunchFile(plan));
      const out = spawnSync(helperPath(), ['check-launch', file], { encoding: 'utf8' });
      expect(out.stderr).to.equal('');
      expect(out.status).to.equal(0);
      expect(out.stdout.split('\n').filter(Boolean)).to.deep.equal(launchDirectives(plan).map((d) => [d[0], ...d.slice(1).map(escape)].join('\t')));
      // the container blocks in the machine's order, each with its supervision
      expect(launchDirectives(plan).filter((d) => d[0] === 'container' || d[0] === 'kind').map((d) => d[1])).to.deep.equal(['setup', 'init', 'proxy', 'sidecar', 'warm', 'init', 'app', 'app', 'worker', 'app']);
    });

    it('a file without them is read as before (no machine); a container part without the pod part is refused', () => {
      const bare = launchDirectives({ ...PLAN, supervision: undefined, initContainers: undefined });
      expect(bare.some((d) => ['restartpolicy', 'kind', 'probe'].includes(d[0]))).to.equal(false);
      expect(check(bare).status).to.equal(0);
      const r = check(launchDirectives(PLAN).filter((d) => d[0] !== 'restartpolicy'));
      expect(r.stderr).to.equal(`error validate restartpolicy 22 ${r.file}\n`);
    });

    // What sv_init refuses (a file the encoder never writes): `validate supervise`, with its reason.
    const refusedByMachine: [string, () => string[][], string][] = [
      ['a regular init container with a probe (R2.4)', () => add('i', ['probe', 'readiness', '0', '1000', '1000', '1', '3', '-'], ['tcpsocket', 'readiness', '127.0.0.1', '80']), 'init container: no Always, lifecycle or probes (R2.4)'],
      ['a regular init container with a hook', () => add('i', ['sleep', 'preStop', '1000']), 'init container: no Always, lifecycle or probes (R2.4)'],
      ['a sidecar that is not Always', () => set('s', 'restart', ['OnFailure']), 'sidecar: restart policy must be Always'],
      ['an init container after an app container', () => set('c', 'kind', ['init']), 'containers: init containers and sidecars come before the app containers'],
      ['a probe period of 0', () => set('a', 'probe', ['liveness', '5000', '0', '1000', '1', '3', '7000']), 'probe: initial delay must be >= 0, period and timeout > 0'],
      ['a liveness success threshold of 2', () => set('a', 'probe', ['liveness', '5000', '10000', '1000', '2', '3', '7000']), 'probe: liveness and startup success threshold must be 1'],
      ['a failure threshold of 0', () => set('a', 'probe', ['liveness', '5000', '10000', '1000', '1', '0', '7000']), 'probe: thresholds must be >= 1'],
      ['a readiness probe with a grace', () => inBlock('s', (b) => b.map((x) => (x[0] === 'probe' && x[1] === 'readiness' ? [...x.slice(0, 7), '1000'] : x))), 'probe: grace must be > 0, and is not for readiness'],
    ];
    for (const [what, dirs, why] of refusedByMachine)
      it(`sv_init refuses, and so the parser: ${what}`, () => {
        const r = check(dirs());
        expect(r.stderr).to.equal(`error validate supervise 22 ${why}\n`);
        expect(r.status).to.equal(1);
      });

    // What the parser refuses itself: the directive at fault and its value.
    const refusedByParser: [string, () => string[][], string][] = [
      ['a header before its httpGet', () => add('c', ['httpheader', 'readiness', 'X-A', 'b']), 'httpheader 22 readiness'],
      ['a handler for a probe not declared', () => add('c', ['tcpsocket', 'liveness', '127.0.0.1', '80']), 'tcpsocket 22 liveness'],
      ['a probe without a handler', () => add('c', ['probe', 'liveness', '0', '10000', '1000', '1', '3', '-']), 'probe 22 liveness'],
      ['a second handler type for one probe', () => add('a', ['tcpsocket', 'liveness', '127.0.0.1', '80']), 'tcpsocket 22 liveness'],
      ['a probe declared twice', () => add('a', ['probe', 'liveness', '0', '10000', '1000', '1', '3', '-']), 'probe 22 liveness'],
      ['grpc as a hook', () => add('c', ['grpc', 'preStop', '127.0.0.1', '80', '']), 'grpc 22 preStop'],
      ['sleep as a probe', () => add('c', ['probe', 'startup', '0', '10000', '1000', '1', '3', '-'], ['sleep', 'startup', '1000']), 'sleep 22 startup'],
      ['an unknown owner', () => add('c', ['sleep', 'postStop', '1000']), 'sleep 22 postStop'],
      ['a host with a space', () => set('a', 'httpget', ['preStop', 'HTTP', '10.0.0.2 x', '80', '/drain']), 'httpget 22 10.0.0.2 x'],
      ['a path not from /', () => set('a', 'httpget', ['preStop', 'HTTP', '10.0.0.2', '80', 'drain']), 'httpget 22 drain'],
      ['a path with a newline', () => set('a', 'httpget', ['preStop', 'HTTP', '10.0.0.2', '80', '/a\nb']), 'httpget 22 /a?b'], // the record's newlines are `?`
      ['port 0', () => set('b', 'tcpsocket', ['preStop', '127.0.0.1', '0']), 'tcpsocket 22 0'],
      ['a header value with a newline', () => inBlock('a', (b) => b.map((x) => (x[0] === 'httpheader' && x[2] === 'X-Probe' ? [...x.slice(0, 3), 'v\r\nX: y'] : x))), 'httpheader 22 X-Probe'],
      ['stop signal 65', () => set('c', 'stopsignal', ['65']), 'stopsignal 22 65'],
      ['a termination file in /proc', () => set('c', 'termination', ['/proc/x', 'File']), 'termination 22 /proc/x'],
      ['an unknown kind', () => set('c', 'kind', ['ephemeral']), 'kind 22 ephemeral'],
      ['a container without its kind', () => inBlock('c', (b) => b.filter((x) => x[0] !== 'kind')), 'kind 22 c'],
    ];
    for (const [what, dirs, record] of refusedByParser)
      it(`the parser refuses ${what}`, () => {
        const r = check(dirs());
        expect(r.stderr).to.equal(`error validate ${record}\n`);
        expect(r.status).to.equal(1);
      });
  });

  it('check-launch reports a refused file as the validate record, exit 1', () => {
    const file = join(dir, 'bad');
    writeFileSync(file, Buffer.from(LAUNCH_MAGIC + '\0bogus\0'));
    const r = spawnSync(helperPath(), ['check-launch', file], { encoding: 'utf8' });
    expect(r.status).to.equal(1);
    expect(r.stderr).to.equal('error validate directive 22 bogus\n');
  });
});
