// Pure parts of the runtime, without root: the launch file, the fd-3 handshake parser, user
// lookup in image layers, host path kinds, and the kubectl-style duration.
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { PodrunError } from '../../src/util/errors';
import type { PodPlan } from '../../src/plan/types';
import { encodeLaunchFile, launchDirectives, LAUNCH_MAGIC, seccompProgramFile } from '../../src/runtime/helper/launch-file';
import { parseHandshakeLine, type ContainerFailure } from '../../src/runtime/helper/handshake';
import { formatFailure } from '../../src/runtime/helper/failures';
import { hostPathKinds, imageAccounts, readImageFile } from '../../src/runtime/facts';
import { resolveUser, type UserRequest } from '../../src/plan/users';
import { containerFailure } from '../../src/runtime/apply';
import { humanDuration } from '../../src/cli/render';
import { graceDeadline, signalNumber } from '../../src/runtime/stop';
import { defaultSecurity } from '../../src/plan/security';
import type { LoadedPod } from '../../src/manifest/load';

const plan: PodPlan = {
  key: 'default_web',
  name: 'web',
  namespace: 'default',
  uid: 'u',
  hostname: 'web',
  dirs: { lasting: '/r/pods/default_web', live: '/r/run/pods/default_web', init: '/r/pods/default_web/init', shm: '/r/pods/default_web/shm' },
  namespaces: { net: 'pod', ipc: 'pod', uts: 'pod', pid: 'pod' },
  shmSizeBytes: 65536,
  podIP: '127.0.0.1',
  hostIP: '192.0.2.1',
  hosts: '',
  resolvConf: '',
  volumes: [
    { name: 'data', kind: 'emptyDir', source: '/r/pods/default_web/volumes/data' },
    { name: 'mem', kind: 'emptyDir', source: '/r/pods/default_web/volumes/mem', tmpfs: { sizeBytes: 1024 } },
    { name: 'host', kind: 'hostPath', source: '/srv/h', hostPathType: 'DirectoryOrCreate' },
  ],
  deniedHostPaths: { all: ['/proc', '/r'], devices: ['/r'] },
  sysctls: [{ name: 'net.ipv4.tcp_syncookies', value: '1' }],
  containers: [
    {
      name: 'app',
      image: { ref: 'busybox', pullPolicy: 'Never', imageId: 'sha256:x', layerDirs: ['/l/0', '/l/1'] },
      argv: ['sh', '-c', 'echo hi'],
      env: [{ name: 'A', value: 'b=c' }],
      workingDir: '/srv',
      user: { uid: 1000, gid: 1000, groups: [10, 20] },
      mounts: [
        { volume: 'data', mountPath: '/data', readOnly: false, kind: 'dir' },
        { volume: 'mem', mountPath: '/m', readOnly: true, subPath: 'sub/dir', kind: 'file' },
        { volume: 'host', mountPath: '/h', readOnly: false, kind: 'dir' },
        { volume: 'host', mountPath: '/hs', readOnly: true, subPath: 'x', kind: 'dir' },
      ],
      ports: [],
      stdin: false,
      tty: true,
      stopSignal: 'SIGTERM',
      security: {
        ...defaultSecurity(),
        capabilities: ['CAP_KILL', 'CAP_CHOWN'],
        devices: [{ path: '/dev/null', type: 'c', major: 1, minor: 3 }],
        maskedPaths: ['/proc/kcore'],
        readonlyPaths: ['/proc/sys'],
        noNewPrivileges: true,
      },
      dirs: { upper: '/c/upper', work: '/c/work', rootfs: '/c/rootfs', logDir: '/c/logs', stateFile: '/c/state.json' },
    },
  ],
  restartPolicy: 'Never',
  terminationGracePeriodSeconds: 30,
  manifestHash: 'h',
};

describe('runtime: launch file', () => {
  it('lists pod directives, then each container with lowers (init last), mounts, user, env, argv and its policy', () => {
    const d = launchDirectives(plan);
    expect(d).to.deep.equal([
      [LAUNCH_MAGIC],
      ['key', 'default_web'],
      ['hostname', 'web'],
      ['ns', 'net', 'pod'],
      ['ns', 'ipc', 'pod'],
      ['ns', 'uts', 'pod'],
      ['ns', 'pid', 'pod'],
      ['poddir', '/r/pods/default_web'],
      ['denyhostpath', '/proc'],
      ['denyhostpath', '/r'],
      ['denydevicepath', '/r'],
      ['shm', '/r/pods/default_web/shm', '65536'],
      ['tmpfs', '/r/pods/default_web/volumes/mem', '1024', '0777', '-'],
      ['sysctl', 'net.ipv4.tcp_syncookies', '1'],
      ['pauseseccomp', '/r/pods/default_web/seccomp/pause.bpf'],
      ['container', 'app'],
      ['lower', '/l/0'],
      ['lower', '/l/1'],
      ['lower', '/r/pods/default_web/init'],
      ['upper', '/c/upper'],
      ['work', '/c/work'],
      ['rootfs', '/c/rootfs'],
      ['log', '/c/logs/0.log'],
      ['state', '/c/state.json'],
      ['bind', '/r/pods/default_web/volumes/data', '/data', 'rw', 'dir'],
      ['bindsub', '/r/pods/default_web/volumes/mem', 'sub/dir', '/m', 'ro', 'file'],
      ['hostbind', '/srv/h', '/h', 'rw', 'dir', 'Directory'],
      ['hostbindsub', '/srv/h', 'x', '/hs', 'ro', 'dir', 'Directory'],
      ['cwd', '/srv'],
      ['user', '1000', '1000', '10,20'],
      ['env', 'A=b=c'],
      ['arg', 'sh'],
      ['arg', '-c'],
      ['arg', 'echo hi'],
      ['stdin', '0'],
      ['tty', '1'],
      ['caps', '0,5'],
      ['devsize', String(64 << 20)],
      ['device', '/dev/null', 'c', '1', '3'],
      ['maskpath', '/proc/kcore'],
      ['readonlypath', '/proc/sys'],
      ['readonlyroot', '0'],
      ['sysfs', 'ro'],
      ['nonewprivs', '1'],
      ['seccomp', seccompProgramFile('/r/pods/default_web', plan.containers[0].security)!],
      ['end'],
    ]);
    expect(d[d.length - 2][1]).to.match(/^\/r\/pods\/default_web\/seccomp\/[0-9a-f]{64}\.bpf$/);
    // Unconfined: no program, so no directive
    const unconfined = { ...plan, containers: [{ ...plan.containers[0], security: { ...plan.containers[0].security, seccomp: { profile: 'Unconfined' as const } } }] };
    expect(launchDirectives(unconfined).map((x) => x[0])).to.not.include('seccomp');
  });
  it('encodes NUL-terminated strings and refuses a NUL inside a value', () => {
    const buf = encodeLaunchFile(plan);
    expect(buf.toString().startsWith(`${LAUNCH_MAGIC}\0key\0default_web\0`)).to.equal(true);
    expect(buf[buf.length - 1]).to.equal(0);
    const bad = { ...plan, containers: [{ ...plan.containers[0], argv: ['a\0b'] }] };
    expect(() => encodeLaunchFile(bad)).to.throw(PodrunError, 'NUL');
    const unknownCap = { ...plan, containers: [{ ...plan.containers[0], security: { ...plan.containers[0].security, capabilities: ['CAP_NOPE'] } }] };
    expect(() => encodeLaunchFile(unknownCap)).to.throw(PodrunError, 'CAP_NOPE');
  });
});

describe('runtime: monitor handshake', () => {
  it('parses every record of docs/protocol.md', () => {
    expect(parseHandshakeLine('podrun-helper 3')).to.deep.equal({ kind: 'hello', protocol: 3 });
    expect(parseHandshakeLine('pause 10 200')).to.deep.equal({ kind: 'pause', pid: 10, startTime: 200 });
    expect(parseHandshakeLine('started app 11 201')).to.deep.equal({ kind: 'started', name: 'app', pid: 11, startTime: 201 });
    expect(parseHandshakeLine('failed app exec execve 2 /bin/x')).to.deep.equal({
      kind: 'failed',
      name: 'app',
      step: 'exec',
      syscall: 'execve',
      errno: 2,
      path: '/bin/x',
    });
    expect(parseHandshakeLine('failed app cwd chdir 13 -')).to.include({ errno: 13, path: undefined });
    expect(parseHandshakeLine('ready')).to.deep.equal({ kind: 'ready' });
    expect(parseHandshakeLine('error pause clone3 1 -')).to.include({ kind: 'error', step: 'pause', errno: 1 });
    expect(formatFailure(parseHandshakeLine('error pause clone3 1 -') as ContainerFailure)).to.equal('pause clone3: EPERM');
    expect(parseHandshakeLine('bogus 1')).to.equal(undefined);
    expect(parseHandshakeLine('pause x y')).to.equal(undefined);
  });
  it('turns a failure into the user-facing message and hint', () => {
    const f = parseHandshakeLine('failed app exec execve 2 nosuch') as ContainerFailure;
    const d = containerFailure('web', f);
    expect(d.message).to.equal('pod/web: container app: exec execve nosuch: ENOENT');
    expect(d.hint).to.match(/^command not found: check the container's command\/args/);
  });
});

describe('runtime: users from the image', () => {
  let dir: string;
  let lower: string;
  let upper: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'podrun-users-'));
    lower = join(dir, 'l0');
    upper = join(dir, 'l1');
    mkdirSync(join(lower, 'etc'), { recursive: true });
    mkdirSync(join(upper, 'etc'), { recursive: true });
    writeFileSync(join(lower, 'etc', 'passwd'), 'root:x:0:0::/root:/bin/sh\nold:x:5:5::/:/bin/sh\n');
    writeFileSync(join(upper, 'etc', 'passwd'), 'root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n');
    writeFileSync(join(upper, 'etc', 'group'), 'root:x:0:\napp:x:1001:\nstaff:x:50:app,other\nwheel:x:10:root\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const resolve = (req: UserRequest, layers: string[]) => resolveUser(req, imageAccounts(layers));

  it('reads the topmost layer that has the file', () => {
    expect(readImageFile([lower, upper], 'etc/passwd')).to.include('app:x:1000');
    expect(readImageFile([lower], 'etc/passwd')).to.include('old:x:5');
    expect(readImageFile([lower], 'etc/group')).to.equal(undefined);
  });
  it('never follows a symlink out of the image', () => {
    const evil = join(dir, 'evil');
    mkdirSync(join(evil, 'etc'), { recursive: true });
    symlinkSync('/etc/shadow', join(evil, 'etc', 'passwd'));
    expect(readImageFile([lower, evil], 'etc/passwd')).to.include('old:x:5');
  });
  it('resolves names, primary and supplementary groups; numeric ids need no entry', () => {
    expect(resolve({ name: 'app' }, [lower, upper])).to.deep.equal({ user: { uid: 1000, gid: 1001, groups: [50] } });
    expect(resolve({ name: 'app', group: 'staff' }, [lower, upper])).to.deep.equal({ user: { uid: 1000, gid: 50, groups: [] } });
    expect(resolve({ uid: 4242 }, [lower, upper])).to.deep.equal({ user: { uid: 4242, gid: 0, groups: [] } });
    expect(resolve({}, [lower, upper])).to.deep.equal({ user: { uid: 0, gid: 0, groups: [10] } });
    expect(resolve({ uid: 1000, supplementalGroups: [7] }, [lower, upper])).to.deep.equal({ user: { uid: 1000, gid: 1001, groups: [50, 7] } });
    // without the image (a dry run): numeric requests resolve, names cannot
    expect(resolveUser({ uid: 5, gid: 6 }, undefined)).to.deep.equal({ user: { uid: 5, gid: 6, groups: [] } });
    expect(resolveUser({ name: 'app' }, undefined)).to.deep.equal({ unknown: true });
  });
  it('a missing name is reported with its kind (the planner turns it into a field error)', () => {
    expect(resolve({ name: 'ghost' }, [lower, upper])).to.deep.equal({ missing: { kind: 'user', name: 'ghost' } });
    expect(resolve({ uid: 0, group: 'nogroup' }, [lower, upper])).to.deep.equal({ missing: { kind: 'group', name: 'nogroup' } });
  });
});

describe('runtime: small helpers', () => {
  it('humanDuration matches kubectl', () => {
    const s = 1000;
    expect([5 * s, 119 * s, 150 * s, 600 * s, 3 * 3600 * s + 60 * s, 30 * 3600 * s, 50 * 3600 * s].map(humanDuration)).to.deep.equal([
      '5s',
      '119s',
      '2m30s',
      '10m',
      '3h1m',
      '30h',
      '2d2h',
    ]);
  });
  it('signal names map to numbers', () => {
    expect(signalNumber('SIGTERM')).to.equal(15);
    expect(signalNumber('KILL')).to.equal(9);
    expect(signalNumber('SIGQUIT')).to.equal(3);
  });
  it('the grace period ends at most a day after the stop signal, whatever the number', () => {
    expect(graceDeadline(30, 1000)).to.equal(31_000);
    expect(graceDeadline(0, 1000)).to.equal(1000);
    for (const g of [86400, 86401, 2 ** 63, 1e20, Number.MAX_VALUE, Infinity]) expect(graceDeadline(g, 0)).to.equal(86_400_000);
    for (const g of [-1, NaN]) expect(graceDeadline(g, 5)).to.equal(5);
    expect(graceDeadline(2 ** 63, 0, 2)).to.equal(2000);
  });
});

describe('runtime: prepareDirs', () => {
  const { prepareDirs } = require('../../src/runtime/prepare') as typeof import('../../src/runtime/prepare');
  const fs = require('fs') as typeof import('fs');
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'podrun-prepare-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function planIn(root: string, volumes: PodPlan['volumes'], mounts: PodPlan['containers'][0]['mounts']): PodPlan {
    const pod = join(root, 'pods', 'default_web');
    const c = join(pod, 'containers', 'app');
    return {
      ...plan,
      hosts: '127.0.0.1\tweb\n',
      resolvConf: 'nameserver 1.1.1.1\n',
      dirs: { lasting: pod, live: join(root, 'run', 'pods', 'default_web'), init: join(pod, 'init'), shm: join(pod, 'shm') },
      volumes,
      containers: [
        {
          ...plan.containers[0],
          mounts,
          dirs: { upper: join(c, 'upper'), work: join(c, 'work'), rootfs: join(c, 'rootfs'), logDir: join(pod, 'logs', 'app'), stateFile: join(c, 'state.json') },
        },
      ],
    };
  }

  it('host facts: the kind of each hostPath and subPath, without following symlinks below the volume', () => {
    const host = join(dir, 'host');
    fs.mkdirSync(join(host, 'conf'), { recursive: true });
    fs.writeFileSync(join(host, 'file'), 'x');
    fs.writeFileSync(join(host, 'conf', 'x.ini'), 'x');
    fs.symlinkSync('/etc', join(host, 'link'));
    const pod = {
      file: join(dir, 'web.yaml'),
      line: 1,
      manifest: {
        spec: {
          volumes: [
            { name: 'f', hostPath: { path: join(host, 'file'), type: '' } },
            { name: 'd', hostPath: { path: 'host', type: '' } },
            { name: 'gone', hostPath: { path: join(host, 'nope'), type: '' } },
          ],
          containers: [{ volumeMounts: [{ name: 'd', subPath: 'conf/x.ini' }, { name: 'd', subPath: 'link/passwd' }, { name: 'd', subPath: 'new/dir' }] }],
        },
      },
    } as unknown as LoadedPod;
    expect(hostPathKinds(pod, dir)).to.deep.equal({ [join(host, 'file')]: 'file', [host]: 'dir', [join(host, 'conf', 'x.ini')]: 'file' });
  });

  it('makes the init layer and exact modes; undo removes only what it made', () => {
    const host = join(dir, 'host');
    fs.mkdirSync(host);
    fs.writeFileSync(join(host, 'file'), 'x');
    const p = planIn(
      join(dir, 'root'),
      [
        { name: 'e', kind: 'emptyDir', source: join(dir, 'root', 'pods', 'default_web', 'volumes', 'e') },
        { name: 'f', kind: 'hostPath', source: join(host, 'file'), hostPathType: 'File' },
        { name: 'n', kind: 'hostPath', source: join(host, 'new', 'deep'), hostPathType: 'DirectoryOrCreate' },
      ],
      [
        { volume: 'e', mountPath: '/e', readOnly: false, kind: 'dir' },
        { volume: 'f', mountPath: '/f', readOnly: true, kind: 'file' },
        { volume: 'e', mountPath: '/s', readOnly: false, subPath: 'a/b', kind: 'dir' },
      ],
    );
    const prep = prepareDirs(p, { file: 'web.yaml', volumeIndex: (n) => ['e', 'f', 'n'].indexOf(n) });
    expect(fs.readFileSync(join(p.dirs.init, 'etc', 'hosts'), 'utf8')).to.equal('127.0.0.1\tweb\n');
    expect(fs.readFileSync(join(p.dirs.init, 'etc', 'hostname'), 'utf8')).to.equal('web\n');
    expect(fs.readFileSync(join(p.dirs.init, 'etc', 'resolv.conf'), 'utf8')).to.equal('nameserver 1.1.1.1\n');
    expect(fs.statSync(p.dirs.lasting).mode & 0o7777).to.equal(0o700);
    expect(fs.statSync(p.volumes[0].source).mode & 0o7777).to.equal(0o777);
    expect(fs.statSync(p.dirs.shm).mode & 0o7777).to.equal(0o1777);
    // a missing subPath is left to the helper, which creates it beneath the volume with openat2
    expect(fs.existsSync(join(p.volumes[0].source, 'a'))).to.equal(false);
    expect(fs.statSync(join(host, 'new', 'deep')).isDirectory()).to.equal(true);
    for (const d of Object.values(p.containers[0].dirs).filter((x) => !x.endsWith('.json'))) expect(fs.existsSync(d), d).to.equal(true);
    prep.undo();
    expect(fs.existsSync(p.dirs.lasting)).to.equal(false);
    expect(fs.existsSync(p.dirs.live)).to.equal(false);
    expect(fs.existsSync(join(host, 'new'))).to.equal(false);
    expect(fs.readdirSync(host)).to.deep.equal(['file']);
    expect(fs.readdirSync(join(dir, 'root', 'pods'))).to.deep.equal([]);
  });

  it('DirectoryOrCreate and FileOrCreate: the kubelet\'s modes whatever the umask, through a symlink in the existing part; undo keeps what is no longer as made', () => {
    const host = join(dir, 'host');
    const elsewhere = join(dir, 'elsewhere');
    fs.mkdirSync(host);
    fs.mkdirSync(elsewhere);
    // a symlink in the part that exists is followed, as Kubernetes follows it
    fs.symlinkSync(elsewhere, join(host, 'link'));
    const vols: PodPlan['volumes'] = [
      { name: 'd', kind: 'hostPath', source: join(host, 'link', 'a', 'b'), hostPathType: 'DirectoryOrCreate' },
      { name: 'f', kind: 'hostPath', source: join(host, 'link', 'file'), hostPathType: 'FileOrCreate' },
      { name: 'u', kind: 'hostPath', source: join(host, 'untyped'), hostPathType: '' },
      { name: 'k', kind: 'hostPath', source: join(host, 'kept', 'inner'), hostPathType: 'DirectoryOrCreate' },
    ];
    const old = process.umask(0o077);
    let prep: ReturnType<typeof prepareDirs>;
    try {
      prep = prepareDirs(planIn(join(dir, 'root'), vols, []), { file: 'web.yaml', volumeIndex: (n) => vols.findIndex((v) => v.name === n) });
    } finally {
      process.umask(old);
    }
    const mode = (p: string) => fs.statSync(p).mode & 0o7777;
    expect([mode(join(elsewhere, 'a')), mode(join(elsewhere, 'a', 'b')), mode(join(host, 'untyped')), mode(join(host, 'kept', 'inner'))]).to.deep.equal([0o755, 0o755, 0o755, 0o755]);
    expect(fs.statSync(join(elsewhere, 'file')).isFile()).to.equal(true);
    expect(mode(join(elsewhere, 'file'))).to.equal(0o644);
    // what a container wrote meanwhile stays, and so does every directory holding it
    fs.writeFileSync(join(host, 'kept', 'inner', 'data'), 'x');
    prep.undo();
    expect(fs.readdirSync(elsewhere)).to.deep.equal([]);
    expect(fs.readdirSync(host).sort()).to.deep.equal(['kept', 'link']);
    expect(fs.readdirSync(join(host, 'kept', 'inner'))).to.deep.equal(['data']);
  });

  it('undo leaves a created file that got content, and a path swapped since', () => {
    const host = join(dir, 'host');
    fs.mkdirSync(host);
    const vols: PodPlan['volumes'] = [
      { name: 'f', kind: 'hostPath', source: join(host, 'file'), hostPathType: 'FileOrCreate' },
      { name: 'd', kind: 'hostPath', source: join(host, 'a', 'b'), hostPathType: 'DirectoryOrCreate' },
    ];
    const prep = prepareDirs(planIn(join(dir, 'root'), vols, []), { file: 'web.yaml', volumeIndex: (n) => vols.findIndex((v) => v.name === n) });
    fs.writeFileSync(join(host, 'file'), 'written by the pod');
    // a/b replaced by another empty directory of the same name: not the one apply made (made
    // first, so that it cannot get the inode number of the one it replaces)
    fs.mkdirSync(join(host, 'a', 'other'));
    fs.rmdirSync(join(host, 'a', 'b'));
    fs.renameSync(join(host, 'a', 'other'), join(host, 'a', 'b'));
    prep.undo();
    expect(fs.readFileSync(join(host, 'file'), 'utf8')).to.equal('written by the pod');
    expect(fs.readdirSync(join(host, 'a'))).to.deep.equal(['b']);
  });

  it('creation refused at the field, nothing made: into podrun\'s state through a symlink, a symlink leading nowhere, FileOrCreate without its directory', () => {
    const host = join(dir, 'host');
    const state = join(dir, 'state');
    fs.mkdirSync(host);
    fs.mkdirSync(state);
    fs.symlinkSync(state, join(host, 'tostate'));
    fs.symlinkSync(join(dir, 'nowhere'), join(host, 'dangling'));
    fs.writeFileSync(join(host, 'afile'), '');
    const cases: [string, string, RegExp][] = [
      [join(host, 'tostate', 'new', 'deep'), 'DirectoryOrCreate', new RegExp(`does not exist, and creating it would make ${state}/new/deep \\(its existing part leads there through a symlink\\), which is not allowed: it holds podrun's own state`)],
      [join(host, 'tostate', 'file'), 'FileOrCreate', /which is not allowed: it holds podrun's own state/],
      [join(host, 'tostate', 'any'), '', /which is not allowed: it holds podrun's own state/],
      [join(host, 'dangling'), 'DirectoryOrCreate', /dangling is a symbolic link \(one that leads nowhere/],
      [join(host, 'dangling'), 'FileOrCreate', /dangling is a symbolic link \(one that leads nowhere/],
      [join(host, 'missing', 'file'), 'FileOrCreate', /its directory .*missing does not exist/],
      [join(host, 'afile', 'a', 'b'), 'DirectoryOrCreate', new RegExp(`cannot create .*: ${host}/afile is not a directory`)],
    ];
    for (const [source, type, why] of cases) {
      const p = { ...planIn(join(dir, 'root'), [{ name: 'v', kind: 'hostPath', source, hostPathType: type }], []), deniedHostPaths: { all: ['/proc', state], devices: [state] } };
      expect(() => prepareDirs(p, { file: 'web.yaml', volumeIndex: () => 0, stateDirs: [state] }), `${source} ${type}`)
        .to.throw(PodrunError, why)
        .with.property('message')
        .that.matches(/^web\.yaml: spec\.volumes\[0\]\.hostPath\.path: /);
    }
    expect(fs.readdirSync(state)).to.deep.equal([]);
    expect(fs.readdirSync(host).sort()).to.deep.equal(['afile', 'dangling', 'tostate']);
    expect(fs.existsSync(join(dir, 'nowhere'))).to.equal(false);
    expect(fs.readdirSync(join(dir, 'root', 'pods'))).to.deep.equal([]);
  });

  it('a failed hostPath check names spec.volumes[i].hostPath.path and leaves nothing behind', () => {
    const p = planIn(join(dir, 'root'), [{ name: 'd', kind: 'hostPath', source: join(dir, 'nope'), hostPathType: 'Directory' }], []);
    expect(() => prepareDirs(p, { file: 'web.yaml', volumeIndex: () => 0 })).to.throw(
      'web.yaml: spec.volumes[0].hostPath.path: ' + join(dir, 'nope') + ' does not exist (type Directory)',
    );
    expect(fs.readdirSync(join(dir, 'root', 'pods'))).to.deep.equal([]);
  });
});
