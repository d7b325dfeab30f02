// How logs/exec/commit pick their container and what exec hands to podrun-helper; no root needed.
import { expect } from 'chai';
import type { PlannedContainer, PodPlan } from '../../src/plan/types';
import type { PodRecord } from '../../src/state/pod-records';
import { pickContainer } from '../../src/runtime/exec';
import { execEnv, helperExecArgs } from '../../src/runtime/helper/exec-args';
import { seccompProgramFile } from '../../src/runtime/helper/launch-file';
import { containerAddress } from '../../src/cli/resources';
import { testContainer } from '../helpers/plans';
import { NATIVE_PROTOCOL } from '../../src/util/native';

const container = (name: string, extra: Partial<PlannedContainer> = {}) =>
  testContainer('/p', name, {
    image: { ref: 'busybox:test', pullPolicy: 'Never' },
    env: [
      { name: 'PATH', value: '/bin' },
      { name: 'A', value: '1' },
    ],
    workingDir: '/srv',
    user: { uid: 1000, gid: 1001, groups: [] },
    ...extra,
  });

function record(names: string[], annotations?: Record<string, string>) {
  const plan = { name: 'web', namespace: 'default', containers: names.map((n) => container(n)) } as unknown as PodPlan;
  return { manifest: { metadata: { name: 'web', annotations }, spec: { containers: [] } }, plan } as unknown as Pick<PodRecord, 'manifest' | 'plan'>;
}

describe('logs/exec: container addressing', () => {
  it('reads POD, POD/CONTAINER and -c', () => {
    expect(containerAddress('web', undefined, 'dev', 'u')).to.deep.equal({ namespace: 'dev', name: 'web' });
    expect(containerAddress('web/app', undefined, 'default', 'u')).to.include({ name: 'web', container: 'app' });
    expect(containerAddress('web', 'app', 'default', 'u')).to.include({ container: 'app' });
    expect(containerAddress('web/app', 'app', 'default', 'u')).to.include({ container: 'app' });
    expect(() => containerAddress('web/app', 'db', 'default', 'u')).to.throw(/different containers/);
    expect(() => containerAddress(undefined, undefined, 'default', 'u')).to.throw(/pod name is required/);
    expect(() => containerAddress('Web', undefined, 'default', 'u')).to.throw(/not a valid pod name/);
  });

  it('picks the named container, the annotated default, or the first (exec) / an error listing them (logs)', () => {
    expect(pickContainer(record(['a', 'b']), 'b', false).container.name).to.equal('b');
    expect(() => pickContainer(record(['a', 'b']), 'c', true)).to.throw(/container "c" is not in pod "web"/);
    const ann = record(['a', 'b'], { 'kubectl.kubernetes.io/default-container': 'b' });
    expect(pickContainer(ann, undefined, false)).to.deep.equal({ container: ann.plan.containers[1] });
    expect(pickContainer(record(['only']), undefined, false).container.name).to.equal('only');
    expect(() => pickContainer(record(['a', 'b']), undefined, false)).to.throw(/several containers: a, b/);
    const d = pickContainer(record(['a', 'b']), undefined, true);
    expect(d.container.name).to.equal('a');
    expect(d.defaulted).to.equal('Defaulted container "a" out of: a, b');
  });
});

describe('exec: helper arguments (the plan\'s user, never resolved again)', () => {
  const proc = { pid: 42, startTime: 777 };

  it('passes identity, cwd, user and the planned env with -e overrides', () => {
    const c = container('app');
    const args = helperExecArgs(c, '/p', c.user!, proc, { tty: false, stdin: false, env: ['A=2', 'B=x=y'], command: ['sh', '-c', 'exit 3'] });
    expect(args).to.deep.equal([
      'exec', '--protocol', String(NATIVE_PROTOCOL), '--pid', '42', '--start-time', '777', '--cwd', '/srv', '--user', '1000:1001',
      '--env', 'PATH=/bin', '--env', 'A=2', '--env', 'B=x=y', '--seccomp', seccompProgramFile('/p', c.security)!, '--', 'sh', '-c', 'exit 3',
    ]);
  });

  it("runs the command under the container's seccomp program and no_new_privs", () => {
    const c = container('app');
    const program = seccompProgramFile('/p', c.security)!;
    expect(program).to.match(/^\/p\/seccomp\/[0-9a-f]{64}\.bpf$/);
    expect(helperExecArgs(c, '/p', c.user!, proc, { tty: false, stdin: false, env: [], command: ['true'] })).to.not.include('--no-new-privs');
    const nnp = container('app', { security: { ...c.security, noNewPrivileges: true } });
    expect(helperExecArgs(nnp, '/p', nnp.user!, proc, { tty: false, stdin: false, env: [], command: ['true'] }).slice(-5)).to.deep.equal([
      '--seccomp', program, '--no-new-privs', '--', 'true',
    ]);
    // one program per profile and capability set: the same for another container of the pod
    expect(seccompProgramFile('/p', container('other').security)).to.equal(program);
    expect(seccompProgramFile('/p', { ...c.security, capabilities: ['CAP_KILL'] })).to.not.equal(program);
    expect(seccompProgramFile('/p', { ...c.security, seccomp: { profile: 'Localhost', localhostProfile: '/r/seccomp/a.json' } })).to.not.equal(program);
    const unconfined = container('app', { security: { ...c.security, seccomp: { profile: 'Unconfined' } } });
    expect(helperExecArgs(unconfined, '/p', unconfined.user!, proc, { tty: false, stdin: false, env: [], command: ['true'] })).to.not.include('--seccomp');
    // a record from before protocol 3 planned neither
    const legacy = container('app', { security: { ...c.security, seccomp: undefined, noNewPrivileges: undefined } as unknown as PlannedContainer['security'] });
    const args = helperExecArgs(legacy, '/p', legacy.user!, proc, { tty: false, stdin: false, env: [], command: ['true'] });
    expect(args).to.not.include('--seccomp');
    expect(args).to.not.include('--no-new-privs');
  });

  it("joins the command to the container's cgroup, in every hierarchy it is in (none in a record from before cgroups)", () => {
    const cg = { driver: 'v1' as const, path: '/podrun/default_p-12345678/app', dirs: { freezer: '/sys/fs/cgroup/freezer/podrun/default_p-12345678/app', pids: '/sys/fs/cgroup/pids/podrun/default_p-12345678/app' } };
    const c = container('app', { cgroup: cg });
    expect(helperExecArgs(c, '/p', c.user!, proc, { tty: false, stdin: false, env: [], command: ['true'] }).slice(-6)).to.deep.equal([
      '--cgroup', cg.dirs.freezer, '--cgroup', cg.dirs.pids, '--', 'true',
    ]);
    expect(helperExecArgs(container('app'), '/p', c.user!, proc, { tty: false, stdin: false, env: [], command: ['true'] })).to.not.include('--cgroup');
  });

  it('adds --tty/--stdin, TERM for a terminal, a default PATH, -w, and root when no user is planned', () => {
    const c = container('app', { env: [], user: { uid: 0, gid: 0, groups: [] }, workingDir: '' });
    const args = helperExecArgs(c, '/p', c.user!, proc, { tty: true, stdin: true, workdir: '/tmp', env: [], command: ['true'] });
    expect(args.slice(7, 13)).to.deep.equal(['--tty', '--stdin', '--cwd', '/tmp', '--user', '0:0']);
    expect(execEnv(c, [], true)).to.deep.equal(['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm']);
    expect(helperExecArgs(c, '/p', c.user!, proc, { tty: false, stdin: false, env: [], command: ['true'] })).to.include('/');
    const grouped = container('app', { user: { uid: 5, gid: 6, groups: [7, 8] } });
    expect(helperExecArgs(grouped, '/p', grouped.user!, proc, { tty: false, stdin: false, env: [], command: ['true'] })).to.include('5:6:7,8');
  });

  it('rejects bad input clearly', () => {
    const c = container('app');
    expect(() => helperExecArgs(c, '/p', c.user!, proc, { tty: false, stdin: false, env: [], command: [] })).to.throw(/no command given/);
    expect(() => helperExecArgs(c, '/p', c.user!, proc, { tty: false, stdin: false, env: ['=x'], command: ['true'] })).to.throw(/NAME=value/);
    expect(() => helperExecArgs(c, '/p', c.user!, proc, { tty: false, stdin: false, env: ['NOEQ'], command: ['true'] })).to.throw(/NAME=value/);
    expect(() => helperExecArgs(c, '/p', c.user!, proc, { tty: false, stdin: false, workdir: 'rel', env: [], command: ['true'] })).to.throw(/absolute/);
  });
});
