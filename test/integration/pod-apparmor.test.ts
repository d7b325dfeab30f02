// appArmorProfile with real pods (docs/security.md, "AppArmor"). Two halves:
//   - on every host: what describe and `get -o yaml` say, the deprecated annotation, and on a
//     kernel without AppArmor (such as the one podrun is developed on) the clear refusal at apply;
//   - on a kernel with AppArmor (and apparmor_parser): the profile a container and every exec run
//     under, as /proc/self/attr/current shows it inside, what podrun's profile refuses, and a
//     Localhost profile loaded for the test. Registered only where the kernel has AppArmor and
//     apparmor_parser is installed (this machine's kernel has none), so that a run elsewhere
//     shows no pending test: each host runs the half it can.
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import { join } from 'path';
import { haveBusybox } from '../helpers/busybox';
import { isRoot } from '../helpers/cli';
import { APPARMOR_DEFAULT_PROFILE } from '../../src/plan/apparmor-default';
import { findAppArmorParser, hostAppArmor, hostIncludes } from '../../src/runtime/apparmor';
import { deletePodsAndCheckLeaks, logText, PodSuite, podManifest, setUpSuite, waitFor, writeManifest } from './pod-helpers';

const ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/';
/** A half of this file that does not apply to this host's kernel: not registered at all. */
const absentDescribe = (() => undefined) as unknown as Mocha.SuiteFunction;
const absentIt = (() => undefined) as unknown as Mocha.TestFunction;

describe('pod AppArmor (integration)', function () {
  this.timeout(180_000);
  let s: PodSuite | undefined;
  const pods: string[] = [];
  const host = hostAppArmor();
  const apply = (name: string, spec: Record<string, unknown>, meta: Record<string, unknown> = {}) => {
    pods.push(name);
    return s!.run(['apply', '-f', writeManifest(join(s!.root, 'm'), `${name}.yaml`, podManifest(name, spec, meta))]);
  };
  /** What the container printed up to END (CRI prefixes removed). */
  const output = (pod: string, c: string) =>
    waitFor(() => (/END/.test(logText(s!.root, pod, c)) ? logText(s!.root, pod, c) : undefined), 30_000, `${pod}/${c}'s output`)
      .split('\n')
      .map((l) => l.replace(/^\S+ \S+ [FP] /, ''))
      .join('\n');

  before(function () {
    if (!isRoot() || !haveBusybox()) this.skip();
    s = setUpSuite('podrun-apparmor-');
  });
  after(() => deletePodsAndCheckLeaks(s, [], pods));

  describe('on every host', () => {
    it('describe names the profile each container runs under; get -o yaml shows a deprecated annotation as the field, with a warning at apply', () => {
      const r = apply(
        'aa-view',
        { containers: [{ name: 'annotated', command: ['sleep', '3600'] }, { name: 'plain', command: ['sleep', '3600'] }] },
        { annotations: { [`${ANNOTATION}annotated`]: 'unconfined' } },
      );
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stderr).to.match(/warning: .*aa-view\.yaml:\d+: metadata\.annotations\[container\.apparmor\.security\.beta\.kubernetes\.io\/annotated\]: deprecated since v1\.30; use the "appArmorProfile" field instead/);
      const y = s!.run(['get', 'pod', 'aa-view', '-o', 'json']);
      expect(y.code, y.stderr).to.equal(0);
      const spec = JSON.parse(y.stdout).spec;
      expect(spec.containers[0].securityContext).to.deep.equal({ appArmorProfile: { type: 'Unconfined' } });
      expect(spec.containers[1].securityContext).to.equal(undefined);
      const d = s!.run(['describe', 'pod', 'aa-view']);
      expect(d.code, d.stderr).to.equal(0);
      // nothing named: podrun's profile where the kernel has AppArmor and it can be loaded, else none
      const usable = host.enabled && (host.parser !== undefined || APPARMOR_DEFAULT_PROFILE in host.loaded);
      expect(d.stdout.match(/^ {4}AppArmor: +(.*)$/gm)).to.deep.equal([
        '    AppArmor:       unconfined',
        `    AppArmor:       ${usable ? `${APPARMOR_DEFAULT_PROFILE} (RuntimeDefault)` : 'unconfined'}`,
      ]);
    });

    it('an annotation that disagrees with the field is refused at apply (exit 2), as the API server refuses it', () => {
      const r = apply(
        'aa-conflict',
        { containers: [{ name: 'c', command: ['true'], securityContext: { appArmorProfile: { type: 'RuntimeDefault' } } }] },
        { annotations: { [`${ANNOTATION}c`]: 'unconfined' } },
      );
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(/metadata\.annotations\[container\.apparmor\.security\.beta\.kubernetes\.io\/c\]: the deprecated annotation says "unconfined", but spec\.containers\[0\]\.securityContext\.appArmorProfile says "runtime\/default"/);
      expect(s!.run(['get', 'pods', '-o', 'name']).stdout).to.not.include('aa-conflict');
    });

    // (where the kernel has AppArmor, the half below runs instead)
    (host.enabled ? absentIt : it)('where the kernel has no AppArmor: RuntimeDefault, Localhost and the annotation are refused at apply, by field and line, and nothing is created', function () {
      const r = apply(
        'aa-none',
        {
          securityContext: { appArmorProfile: { type: 'Localhost', localhostProfile: 'k8s-apparmor-example-deny-write' } },
          containers: [
            { name: 'a', command: ['true'], securityContext: { appArmorProfile: { type: 'RuntimeDefault' } } },
            { name: 'b', command: ['true'] },
            { name: 'c', command: ['true'], securityContext: { appArmorProfile: { type: 'Unconfined' } } },
          ],
        },
      );
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(/aa-none\.yaml:\d+: spec\.containers\[0\]\.securityContext\.appArmorProfile\.type: appArmorProfile RuntimeDefault needs AppArmor, and this host's kernel has none/);
      expect(r.stderr).to.match(/aa-none\.yaml:\d+: spec\.securityContext\.appArmorProfile\.type: appArmorProfile Localhost needs AppArmor, and this host's kernel has none/);
      expect(r.stderr.match(/spec\.securityContext\.appArmorProfile/g), 'the pod-level field once').to.have.length(1);
      expect(r.stderr).to.match(/hint: use `type: Unconfined`, or run the pod on a host with AppArmor enabled/);
      expect(r.stderr).to.not.match(/at .*\.js:\d+/, 'no stack trace');
      expect(s!.run(['get', 'pods', '-o', 'name']).stdout).to.not.include('aa-none');
    });
  });

  // The kernel podrun is developed on has no AppArmor (its security modules are lockdown,
  // capability, landlock and bpf): this half exists only on a host with it, e.g. Debian or Ubuntu
  // with the apparmor package.
  (host.enabled && findAppArmorParser() ? describe : absentDescribe)('on a host whose kernel has AppArmor', function () {
    const testProfile = `podrun-test-deny-write-${process.pid}`;
    let loadedTestProfile = false;
    after(() => {
      if (loadedTestProfile) spawnSync(findAppArmorParser()!, ['-R'], { input: denyWriteProfile(testProfile), encoding: 'utf8' });
    });

    const report = 'cat /proc/self/attr/current; (mount -t tmpfs none /mnt && echo MOUNT-OK) 2>/dev/null || echo MOUNT-REFUSED; (echo h > /proc/sysrq-trigger && echo SYSRQ-OK) 2>/dev/null || echo SYSRQ-REFUSED; (touch /tmp/w && echo WRITE-OK) 2>/dev/null || echo WRITE-REFUSED; echo END; exec sleep 3600';

    it("RuntimeDefault (and nothing named): podrun's profile, in the container and in exec; it refuses mount (even with CAP_SYS_ADMIN) and /proc/sysrq-trigger", () => {
      // CAP_SYS_ADMIN and no seccomp filter: only AppArmor is left to refuse the mount
      const open = { capabilities: { add: ['SYS_ADMIN'] }, seccompProfile: { type: 'Unconfined' } };
      const r = apply('aa-default', {
        containers: [
          { name: 'explicit', command: ['sh', '-c', report], securityContext: { ...open, appArmorProfile: { type: 'RuntimeDefault' } } },
          { name: 'implicit', command: ['sh', '-c', report], securityContext: open },
          { name: 'unconfined', command: ['sh', '-c', report], securityContext: { ...open, appArmorProfile: { type: 'Unconfined' } } },
        ],
      });
      expect(r.code, r.stderr).to.equal(0);
      for (const c of ['explicit', 'implicit']) {
        const out = output('aa-default', c);
        expect(out, c).to.include(`${APPARMOR_DEFAULT_PROFILE} (enforce)`);
        expect(out, c).to.match(/MOUNT-REFUSED/).and.match(/SYSRQ-REFUSED/).and.match(/WRITE-OK/);
        const ex = s!.run(['exec', `aa-default/${c}`, '--', 'cat', '/proc/self/attr/current']);
        expect(ex.code, ex.stderr).to.equal(0);
        expect(ex.stdout.trim()).to.equal(`${APPARMOR_DEFAULT_PROFILE} (enforce)`);
      }
      const un = output('aa-default', 'unconfined');
      expect(un).to.match(/^unconfined/m).and.match(/MOUNT-OK/);
      const loaded = hostAppArmor();
      expect(loaded.enabled && loaded.loaded[APPARMOR_DEFAULT_PROFILE], "apply loaded podrun's profile").to.equal('enforce');
    });

    it('Localhost: a profile loaded with apparmor_parser confines the container and exec; one not loaded is refused at apply, naming the field', () => {
      const l = spawnSync(findAppArmorParser()!, ['-r'], { input: denyWriteProfile(testProfile), encoding: 'utf8' });
      expect(l.status, l.stderr).to.equal(0);
      loadedTestProfile = true;
      const r = apply('aa-local', { containers: [{ name: 'c', command: ['sh', '-c', report], securityContext: { appArmorProfile: { type: 'Localhost', localhostProfile: testProfile } } }] });
      expect(r.code, r.stderr).to.equal(0);
      const out = output('aa-local', 'c');
      expect(out).to.include(`${testProfile} (enforce)`);
      expect(out).to.match(/WRITE-REFUSED/);
      const ex = s!.run(['exec', 'aa-local', '--', 'sh', '-c', 'cat /proc/self/attr/current; touch /tmp/x || echo EXEC-WRITE-REFUSED']);
      expect(ex.stdout).to.include(`${testProfile} (enforce)`).and.include('EXEC-WRITE-REFUSED');
      const missing = apply('aa-missing', { containers: [{ name: 'c', command: ['true'], securityContext: { appArmorProfile: { type: 'Localhost', localhostProfile: `${testProfile}-absent` } } }] });
      expect(missing.code).to.equal(1);
      expect(missing.stderr).to.match(/aa-missing\.yaml:\d+: spec\.containers\[0\]\.securityContext\.appArmorProfile\.localhostProfile: AppArmor profile ".*-absent" is not loaded on this host/);
      expect(missing.stderr).to.match(/hint: load it with apparmor_parser first/);
    });
  });
});

/** The Kubernetes tutorial's deny-write profile (every file write refused), under NAME. */
function denyWriteProfile(name: string): string {
  const inc = hostIncludes();
  return [
    ...(inc.tunables ? ['#include <tunables/global>'] : []),
    `profile ${name} flags=(attach_disconnected) {`,
    ...(inc.base ? ['  #include <abstractions/base>'] : []),
    '  file,',
    '  signal,',
    '  deny /** w,',
    '}',
    '',
  ].join('\n');
}
