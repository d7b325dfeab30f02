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
import type { PlannedContainer, PodPlan } from '../../src/plan/types';
import { testContainer, testPlan } from '../helpers/plans';

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

const PLAN: PodPlan = testPlan('/r', 'all', {
  hostname: 'all-host',
  namespaces: { net: 'pod', ipc: 'pod', uts: 'host', pid: 'pod' },
  shmSizeBytes: 65536,
  volumes: [
    { name: 'mem', kind: 'emptyDir', source: '/r/pods/default_all/volumes/mem', tmpfs: { sizeBytes: 1 << 20 }, mode: 0o2777, fsGroup: 2000 },
    { name: 'host', kind: 'hostPath', source: '/srv/data', hostPathType: 'Directory' },
  ],
  containers: [
    container('a', {
      mounts: [
        { volume: 'mem', mountPath: '/mem', readOnly: false, kind: 'dir' },
        { volume: 'mem', mountPath: '/mem-sub', readOnly: true, subPath: 'a/b', kind: 'dir' },
        { volume: 'host', mountPath: '/etc/app.conf', readOnly: true, subPath: 'conf/app.conf', kind: 'file' },
        { volume: 'host', mountPath: '/data', readOnly: true, kind: 'dir' },
      ],
      stdin: true,
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
      cgroup: { driver: 'v1', path: '/podrun/default_all-1234abcd/b', dirs: { freezer: '/sys/fs/cgroup/freezer/podrun/default_all-1234abcd/b', pids: '/sys/fs/cgroup/pids/podrun/default_all-1234abcd/b' } },
      security: { ...defaultSecurity(), capabilities: [], devices: [{ path: '/dev/sda', type: 'b', major: 8, minor: 0 }], readOnlyRootFilesystem: true, writableSysfs: true },
    }),
    container('c', { security: { ...defaultSecurity(), seccomp: { profile: 'Unconfined' }, appArmor: { type: 'RuntimeDefault', profile: APPARMOR_DEFAULT_PROFILE } } }),
  ],
  sysctls: [{ name: 'net.ipv4.ip_local_port_range', value: '1024 65535' }],
});

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

  it('check-launch reports a refused file as the validate record, exit 1', () => {
    const file = join(dir, 'bad');
    writeFileSync(file, Buffer.from(LAUNCH_MAGIC + '\0bogus\0'));
    const r = spawnSync(helperPath(), ['check-launch', file], { encoding: 'utf8' });
    expect(r.status).to.equal(1);
    expect(r.stderr).to.equal('error validate directive 22 bogus\n');
  });
});
