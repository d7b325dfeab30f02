// AppArmor without root and without AppArmor: validation of appArmorProfile and the deprecated
// annotations, the planner's decision for every kind of host (fake facts), the spec `get -o yaml`
// shows, the exec argv, loading podrun's profile through a stand-in apparmor_parser, and the
// profile itself (compiled by a real apparmor_parser when one is given). The directive's round
// trip through the C validator is in launch-roundtrip.test.ts; real pods in
// test/integration/pod-apparmor.test.ts (which needs a kernel with AppArmor).
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { formatManifestWarning, loadManifests, type LoadedPod } from '../../src/manifest/load';
import { specWithAnnotationFields } from '../../src/manifest/apparmor';
import { planPod } from '../../src/plan/plan';
import { APPARMOR_DEFAULT_PROFILE, APPARMOR_DEFAULT_TEMPLATE, renderAppArmorDefault } from '../../src/plan/apparmor-default';
import { sha256Hex } from '../../src/util/sha256';
import type { HostAppArmor, PlannedAppArmor, PodPlan } from '../../src/plan/types';
import { findAppArmorParser, hostIncludes, loadAppArmorProfiles, parseLoadedProfiles } from '../../src/runtime/apparmor';
import { helperExecArgs } from '../../src/runtime/helper/exec-args';
import { failureHint } from '../../src/runtime/helper/failures';
import { ManifestErrors } from '../../src/util/errors';
import type { HostFacts } from '../../src/plan/types';

/** Facts of a host with AppArmor as given; the image is not needed (plans as a dry run would). */
function fakeFacts(over: Partial<HostFacts>): HostFacts {
  return {
    paths: { root: '/var/lib/podrun', runRoot: '/run/podrun' },
    uid: 'u',
    images: {},
    imageAccounts: {},
    hostDevices: [],
    cgroups: { driver: 'none', why: 'not needed here' },
    appArmor: NONE,
    pathKinds: {},
    hostResolvConf: '',
    podIP: '127.0.0.1',
    hostIP: '192.0.2.1',
    manifestDir: '/',
    nodeName: 'n',
    ...over,
  };
}

const NONE: HostAppArmor = { enabled: false, why: 'kernel', securityModules: 'lockdown,capability,landlock,bpf' };
const NO_SECURITYFS: HostAppArmor = { enabled: false, why: 'securityfs' };
const LOADED = { 'k8s-deny-write': 'enforce', 'audit-me': 'complain', 'with space': 'enforce' };
/** AppArmor with apparmor_parser installed (podrun's profile not loaded yet). */
const WITH_PARSER: HostAppArmor = { enabled: true, loaded: LOADED, parser: '/sbin/apparmor_parser' };
/** AppArmor without apparmor_parser, podrun's profile not loaded. */
const NO_PARSER: HostAppArmor = { enabled: true, loaded: LOADED };
/** AppArmor without apparmor_parser, but podrun's profile loaded already. */
const PRELOADED: HostAppArmor = { enabled: true, loaded: { ...LOADED, [APPARMOR_DEFAULT_PROFILE]: 'enforce' } };

const DEFAULT: PlannedAppArmor = { type: 'RuntimeDefault', profile: APPARMOR_DEFAULT_PROFILE };
const UNCONFINED: PlannedAppArmor = { type: 'Unconfined' };

async function load(yaml: string): Promise<{ pod?: LoadedPod; errors: string[]; warnings: string[] }> {
  const r = await loadManifests(['-'], { stdin: yaml });
  return { pod: r.pods[0], errors: r.errors.map((e) => e.message), warnings: r.warnings.map(formatManifestWarning) };
}

/** A pod: `containers` are `[name, securityContext YAML flow]`, plus pod-level YAML. */
function manifest(containers: [string, string?][], podSc = '', annotations: Record<string, string> = {}): string {
  const ann = Object.keys(annotations).length ? `  annotations:\n${Object.entries(annotations).map(([k, v]) => `    ${k}: ${JSON.stringify(v)}\n`).join('')}` : '';
  const cs = containers.map(([n, sc]) => `  - name: ${n}\n    image: busybox:1.36\n    command: [sh]\n${sc ? `    securityContext: ${sc}\n` : ''}`).join('');
  return `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n${ann}spec:\n${podSc ? `  securityContext: ${podSc}\n` : ''}  containers:\n${cs}`;
}

async function plan(yaml: string, host: HostAppArmor): Promise<{ plan?: PodPlan; errors: string[]; hints: string[] }> {
  const l = await load(yaml);
  expect(l.errors, 'validation').to.deep.equal([]);
  const r = planPod(l.pod!, fakeFacts({ appArmor: host }));
  return { plan: r.plan, errors: r.errors.map((e) => e.message), hints: r.errors.map((e) => e.hint ?? '') };
}

const profiles = (p: PodPlan | undefined) => p!.containers.map((c) => c.security.appArmor);

describe('apparmor: validation (manifest/rules.ts, as the API server validates)', () => {
  it('localhostProfile exactly with Localhost, unpadded, at most 4095 bytes, no control characters', async () => {
    const r = await load(
      manifest([
        ['a', '{appArmorProfile: {type: Localhost}}'],
        ['b', '{appArmorProfile: {type: RuntimeDefault, localhostProfile: x}}'],
        ['c', '{appArmorProfile: {type: Localhost, localhostProfile: " x"}}'],
        ['d', `{appArmorProfile: {type: Localhost, localhostProfile: ${'x'.repeat(4096)}}}`],
        ['e', '{appArmorProfile: {type: Localhost, localhostProfile: "a\\tb"}}'],
        ['f', '{appArmorProfile: {type: Localhost, localhostProfile: ""}}'],
        ['g', '{appArmorProfile: {type: runtime/default}}'],
      ], '{appArmorProfile: {type: Unconfined, localhostProfile: y}}'),
    );
    const at = (i: number) => `<stdin>:${11 + 4 * i}: spec.containers[${i}].securityContext.appArmorProfile`;
    expect(r.errors).to.deep.equal([
      '<stdin>:6: spec.securityContext.appArmorProfile.localhostProfile: can only be set when the AppArmor profile type is Localhost, not Unconfined',
      `${at(0)}.localhostProfile: must be set when the AppArmor profile type is Localhost`,
      `${at(1)}.localhostProfile: can only be set when the AppArmor profile type is Localhost, not RuntimeDefault`,
      `${at(2)}.localhostProfile: " x" must not be padded with whitespace`,
      `${at(3)}.localhostProfile: must be at most 4095 bytes`,
      `${at(4)}.localhostProfile: "a\\tb" contains a control character`,
      `${at(5)}.localhostProfile: must be set when the AppArmor profile type is Localhost`,
      `${at(6)}.type: unsupported value "runtime/default"`,
    ]);
  });

  it('the deprecated annotation: a container the pod lacks, a bad value, one disagreeing with the field that applies', async () => {
    const k = (c: string) => `container.apparmor.security.beta.kubernetes.io/${c}`;
    const r = await load(
      manifest([['a', '{appArmorProfile: {type: Localhost, localhostProfile: k8s-deny-write}}'], ['b'], ['c']], '{appArmorProfile: {type: RuntimeDefault}}', {
        [k('a')]: 'localhost/other',
        [k('b')]: 'unconfined',
        [k('c')]: 'runtime/default',
        [k('ab')]: 'runtime/default',
        [k('a2')]: 'docker-default',
      }),
    );
    const at = (c: string, line: number) => `<stdin>:${line}: metadata.annotations[${k(c)}]`;
    expect(r.errors).to.deep.equal([
      `${at('a', 6)}: the deprecated annotation says "localhost/other", but spec.containers[0].securityContext.appArmorProfile says "localhost/k8s-deny-write": the annotation and the field must match`,
      `${at('b', 7)}: the deprecated annotation says "unconfined", but spec.securityContext.appArmorProfile says "runtime/default": the annotation and the field must match`,
      `${at('ab', 9)}: the AppArmor annotation names container "ab", which the pod does not have`,
      `${at('a2', 10)}: the AppArmor annotation names container "a2", which the pod does not have`,
    ]);
    const bad = await load(manifest([['a']], '', { [k('a')]: 'docker-default' }));
    expect(bad.errors).to.deep.equal([`${at('a', 6)}: invalid AppArmor profile "docker-default"`]);
  });

  it('an annotation in use warns, as the API server does; one that matches the field that applies does not', async () => {
    const k = 'container.apparmor.security.beta.kubernetes.io/a';
    const used = await load(manifest([['a']], '', { [k]: 'localhost/k8s-deny-write' }));
    expect(used.errors).to.deep.equal([]);
    expect(used.warnings).to.deep.equal([`warning: <stdin>:6: metadata.annotations[${k}]: deprecated since v1.30; use the "appArmorProfile" field instead`]);
    const matching = await load(manifest([['a', '{appArmorProfile: {type: RuntimeDefault}}']], '', { [k]: 'runtime/default' }));
    expect(matching.errors).to.deep.equal([]);
    expect(matching.warnings).to.deep.equal([]);
    const podLevel = await load(manifest([['a']], '{appArmorProfile: {type: Unconfined}}', { [k]: 'unconfined' }));
    expect(podLevel.errors).to.deep.equal([]);
    expect(podLevel.warnings).to.deep.equal([]);
  });
});

describe('apparmor: the plan (pure, from the host facts)', () => {
  it('RuntimeDefault: podrun\'s profile where AppArmor is enabled and the profile is loaded or apparmor_parser can load it', async () => {
    const yaml = manifest([['a', '{appArmorProfile: {type: RuntimeDefault}}']]);
    expect(profiles((await plan(yaml, WITH_PARSER)).plan)).to.deep.equal([DEFAULT]);
    expect(profiles((await plan(yaml, PRELOADED)).plan)).to.deep.equal([DEFAULT]);
    expect(APPARMOR_DEFAULT_PROFILE).to.match(/^podrun-default-[0-9a-f]{12}$/);
    const r = await plan(yaml, NO_PARSER);
    expect(r.errors).to.deep.equal([
      `<stdin>:10: spec.containers[0].securityContext.appArmorProfile.type: appArmorProfile RuntimeDefault is podrun's profile ${APPARMOR_DEFAULT_PROFILE}, which is not loaded, and apparmor_parser, which would load it, is not installed`,
    ]);
    expect(r.hints[0]).to.match(/apt-get install apparmor/);
  });

  it('Localhost: a profile loaded on the host (enforce or complain, names with spaces too); one not loaded is an error at localhostProfile', async () => {
    const local = (n: string) => `{appArmorProfile: {type: Localhost, localhostProfile: "${n}"}}`;
    const ok = await plan(manifest([['a', local('k8s-deny-write')], ['b', local('audit-me')], ['c', local('with space')]]), NO_PARSER);
    expect(profiles(ok.plan)).to.deep.equal([
      { type: 'Localhost', profile: 'k8s-deny-write' },
      { type: 'Localhost', profile: 'audit-me' },
      { type: 'Localhost', profile: 'with space' },
    ]);
    const r = await plan(manifest([['a', local('k8s-allow-write')]]), WITH_PARSER);
    expect(r.errors).to.deep.equal(['<stdin>:10: spec.containers[0].securityContext.appArmorProfile.localhostProfile: AppArmor profile "k8s-allow-write" is not loaded on this host']);
    expect(r.hints[0]).to.match(/^load it with apparmor_parser first/);
  });

  it('Unconfined: nothing, on any host', async () => {
    for (const host of [NONE, NO_SECURITYFS, WITH_PARSER]) {
      const r = await plan(manifest([['a', '{appArmorProfile: {type: Unconfined}}'], ['b']], '{appArmorProfile: {type: Unconfined}}'), host);
      expect(profiles(r.plan)).to.deep.equal([UNCONFINED, UNCONFINED]);
    }
  });

  it("precedence: the container's field, then its annotation, then the pod's field (an annotation must agree with the pod's, as the API server requires)", async () => {
    const r = await plan(
      manifest([['own', '{appArmorProfile: {type: RuntimeDefault}}'], ['inherits'], ['unconfined', '{appArmorProfile: {type: Unconfined}}']], '{appArmorProfile: {type: Localhost, localhostProfile: k8s-deny-write}}'),
      WITH_PARSER,
    );
    expect(profiles(r.plan)).to.deep.equal([DEFAULT, { type: 'Localhost', profile: 'k8s-deny-write' }, UNCONFINED]);
    const k = (c: string) => `container.apparmor.security.beta.kubernetes.io/${c}`;
    const ann = await plan(
      manifest([['own', '{appArmorProfile: {type: RuntimeDefault}}'], ['annotated'], ['plain']], '', { [k('own')]: 'runtime/default', [k('annotated')]: 'localhost/audit-me' }),
      NO_PARSER,
    );
    expect(ann.errors).to.deep.equal([`<stdin>:13: spec.containers[0].securityContext.appArmorProfile.type: appArmorProfile RuntimeDefault is podrun's profile ${APPARMOR_DEFAULT_PROFILE}, which is not loaded, and apparmor_parser, which would load it, is not installed`]);
    const ok = await plan(manifest([['own', '{appArmorProfile: {type: Unconfined}}'], ['annotated'], ['plain']], '', { [k('annotated')]: 'localhost/audit-me' }), PRELOADED);
    expect(profiles(ok.plan)).to.deep.equal([UNCONFINED, { type: 'Localhost', profile: 'audit-me' }, DEFAULT]);
  });

  it("nothing named: podrun's profile where it can be used (containerd's and podman's default), else unconfined; privileged: unconfined unless Localhost", async () => {
    const yaml = manifest([['plain'], ['priv', '{privileged: true}'], ['priv-default', '{privileged: true, appArmorProfile: {type: RuntimeDefault}}'], ['priv-local', '{privileged: true, appArmorProfile: {type: Localhost, localhostProfile: audit-me}}']]);
    expect(profiles((await plan(yaml, WITH_PARSER)).plan)).to.deep.equal([DEFAULT, UNCONFINED, UNCONFINED, { type: 'Localhost', profile: 'audit-me' }]);
    expect(profiles((await plan(yaml, PRELOADED)).plan)).to.deep.equal([DEFAULT, UNCONFINED, UNCONFINED, { type: 'Localhost', profile: 'audit-me' }]);
    const plain = manifest([['plain']]);
    for (const host of [NONE, NO_SECURITYFS, NO_PARSER]) expect(profiles((await plan(plain, host)).plan), JSON.stringify(host)).to.deep.equal([UNCONFINED]);
  });

  it('on a host without AppArmor (this one): RuntimeDefault and Localhost are an error at the field, a pod-level one said once', async () => {
    const r = await plan(
      manifest([['a', '{appArmorProfile: {type: Localhost, localhostProfile: k8s-deny-write}}'], ['b'], ['c']], '{appArmorProfile: {type: RuntimeDefault}}', {
        'container.apparmor.security.beta.kubernetes.io/c': 'runtime/default',
      }),
      NONE,
    );
    const none = "needs AppArmor, and this host's kernel has none (its security modules: lockdown,capability,landlock,bpf)";
    expect(r.errors).to.deep.equal([
      `<stdin>:13: spec.containers[0].securityContext.appArmorProfile.type: appArmorProfile Localhost ${none}`,
      `<stdin>:8: spec.securityContext.appArmorProfile.type: appArmorProfile RuntimeDefault ${none}`,
      `<stdin>:6: metadata.annotations[container.apparmor.security.beta.kubernetes.io/c]: the AppArmor annotation runtime/default ${none}`,
    ]);
    expect(r.hints[0]).to.match(/use `type: Unconfined`, or run the pod on a host with AppArmor enabled/);
    const fs = await plan(manifest([['a', '{appArmorProfile: {type: RuntimeDefault}}']]), NO_SECURITYFS);
    expect(fs.errors).to.deep.equal([
      "<stdin>:10: spec.containers[0].securityContext.appArmorProfile.type: appArmorProfile RuntimeDefault needs AppArmor, which this host's kernel has enabled, but its securityfs is not mounted at /sys/kernel/security",
    ]);
  });
});

describe('apparmor: what get -o yaml shows and what exec is given', () => {
  it('an annotation shows as the container\'s field, as the API server stores it (not where the pod\'s field says the same)', async () => {
    const k = (c: string) => `container.apparmor.security.beta.kubernetes.io/${c}`;
    const l = await load(manifest([['a'], ['b'], ['c', '{runAsUser: 7}']], '', { [k('a')]: 'runtime/default', [k('c')]: 'localhost/audit-me' }));
    const m = l.pod!.manifest;
    const spec = specWithAnnotationFields(m.spec, m.metadata.annotations);
    expect(spec.containers.map((c) => c.securityContext)).to.deep.equal([
      { appArmorProfile: { type: 'RuntimeDefault' } },
      undefined,
      { runAsUser: 7, appArmorProfile: { type: 'Localhost', localhostProfile: 'audit-me' } },
    ]);
    expect(m.spec.containers[2].securityContext).to.deep.equal({ runAsUser: 7 }, 'the record is left as applied');
    const same = (await load(manifest([['a']], '{appArmorProfile: {type: RuntimeDefault}}', { [k('a')]: 'runtime/default' }))).pod!.manifest;
    expect(specWithAnnotationFields(same.spec, same.metadata.annotations)).to.equal(same.spec);
    expect(specWithAnnotationFields(m.spec, undefined)).to.equal(m.spec);
  });

  it('exec runs under the container\'s profile (--apparmor), and a record from before AppArmor under none', async () => {
    const r = await plan(manifest([['a', '{appArmorProfile: {type: Localhost, localhostProfile: "with space"}}'], ['b']]), WITH_PARSER);
    const args = (i: number) => helperExecArgs(r.plan!.containers[i], r.plan!.dirs.lasting, { uid: 0, gid: 0, groups: [] }, { pid: 9, startTime: 1 }, { tty: false, stdin: false, env: [], command: ['id'] });
    expect(args(0).slice(args(0).indexOf('--apparmor'), args(0).indexOf('--apparmor') + 2)).to.deep.equal(['--apparmor', 'with space']);
    expect(args(1)).to.include(APPARMOR_DEFAULT_PROFILE);
    const old = { ...r.plan!.containers[0], security: { ...r.plan!.containers[0].security, appArmor: undefined } };
    expect(helperExecArgs(old, r.plan!.dirs.lasting, { uid: 0, gid: 0, groups: [] }, { pid: 9, startTime: 1 }, { tty: false, stdin: false, env: [], command: ['id'] })).to.not.include('--apparmor');
  });

  it('the hints for the helper\'s apparmor step', () => {
    expect(failureHint({ step: 'apparmor', syscall: 'write', errno: 2, path: 'x' })).to.match(/not loaded/);
    expect(failureHint({ step: 'apparmor', syscall: 'write', errno: 22, path: 'x' })).to.match(/has no AppArmor enabled/);
    expect(failureHint({ step: 'apparmor', syscall: 'openat2', errno: 2, path: 'self/attr/exec' })).to.match(/has no AppArmor enabled/);
  });
});

describe("apparmor: loading podrun's profile (runtime/apparmor.ts)", () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'podrun-aa-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the loaded profiles as the kernel lists them, and finds no apparmor_parser where there is none', () => {
    expect({ ...parseLoadedProfiles('docker-default (enforce)\n/usr/bin/man (complain)\nwith space (enforce)\nsnap.x//hook (kill)\nbroken line\n') }).to.deep.equal({
      'docker-default': 'enforce',
      '/usr/bin/man': 'complain',
      'with space': 'enforce',
      'snap.x//hook': 'kill',
    });
    expect(Object.getPrototypeOf(parseLoadedProfiles('__proto__ (enforce)\n'))).to.equal(null);
    if (!existsSync('/sbin/apparmor_parser') && !existsSync('/usr/sbin/apparmor_parser')) expect(findAppArmorParser({ PATH: dir })).to.equal(undefined);
  });

  async function planned(): Promise<{ pod: LoadedPod; plan: PodPlan }> {
    const l = await load(manifest([['a', '{appArmorProfile: {type: RuntimeDefault}}'], ['b'], ['c', '{appArmorProfile: {type: Localhost, localhostProfile: audit-me}}']]));
    return { pod: l.pod!, plan: planPod(l.pod!, fakeFacts({ appArmor: WITH_PARSER })).plan! };
  }

  /** A stand-in apparmor_parser: records its argv and stdin, exits with CODE. */
  function fakeParser(code: number, say = ''): { path: string; argv: string; stdin: string } {
    const sub = mkdtempSync(join(dir, 'p-'));
    const path = join(sub, 'apparmor_parser');
    writeFileSync(path, `#!/bin/sh\necho "$@" > ${sub}/argv\ncat > ${sub}/stdin\n${say ? `echo '${say}' >&2\n` : ''}exit ${code}\n`);
    chmodSync(path, 0o755);
    return { path, argv: join(sub, 'argv'), stdin: join(sub, 'stdin') };
  }

  it('runs apparmor_parser -Kr with the profile on stdin when it is not loaded, and not when it is', async () => {
    const { pod, plan: p } = await planned();
    const f = fakeParser(0);
    loadAppArmorProfiles(pod, p, { parser: f.path, loaded: {}, includesDir: join(dir, 'none') });
    expect(readFileSync(f.argv, 'utf8')).to.equal('-Kr\n');
    const text = readFileSync(f.stdin, 'utf8');
    expect(text).to.equal(renderAppArmorDefault({ abi3: false, tunables: false, base: false }));
    expect(text).to.include(`profile ${APPARMOR_DEFAULT_PROFILE} flags=(attach_disconnected,mediate_deleted) {`);
    const again = fakeParser(0);
    loadAppArmorProfiles(pod, p, { parser: again.path, loaded: { [APPARMOR_DEFAULT_PROFILE]: 'enforce' } });
    expect(existsSync(again.argv), 'not run when loaded').to.equal(false);
  });

  it("a parser that fails, or none, is an error naming each field (or the container that gets podrun's profile by default)", async () => {
    const { pod, plan: p } = await planned();
    const errs = (o: Parameters<typeof loadAppArmorProfiles>[2]) => {
      try {
        loadAppArmorProfiles(pod, p, o);
      } catch (e) {
        expect(e).to.be.instanceOf(ManifestErrors);
        return (e as ManifestErrors).errors.map((x) => x.message.replace(/^<stdin>:\d+: /, ''));
      }
      return [];
    };
    const f = fakeParser(1, 'apparmor_parser: Unable to replace "podrun-default". Permission denied; attempted to load a profile while confined?');
    expect(errs({ parser: f.path, loaded: {} })).to.deep.equal([
      `spec.containers[0].securityContext.appArmorProfile.type: podrun's AppArmor profile ${APPARMOR_DEFAULT_PROFILE} (RuntimeDefault) could not be loaded: ${f.path} -Kr exited with 1: apparmor_parser: Unable to replace "podrun-default". Permission denied; attempted to load a profile while confined?`,
      `spec.containers[1].securityContext.appArmorProfile: container b names no AppArmor profile, so it gets podrun's ${APPARMOR_DEFAULT_PROFILE} (RuntimeDefault, as with containerd and podman), and that could not be loaded: ${f.path} -Kr exited with 1: apparmor_parser: Unable to replace "podrun-default". Permission denied; attempted to load a profile while confined?`,
    ]);
    expect(errs({ parser: null, loaded: {} })[0]).to.match(/could not be loaded: apparmor_parser is not installed \(Debian: `apt-get install apparmor`\)$/);
  });

  it('uses the includes /etc/apparmor.d has: abi 3.0, tunables/global (else @{PROC} set here), abstractions/base', () => {
    const inc = join(dir, 'apparmor.d');
    mkdirSync(join(inc, 'abi'), { recursive: true });
    mkdirSync(join(inc, 'tunables'));
    writeFileSync(join(inc, 'abi', '3.0'), '');
    writeFileSync(join(inc, 'tunables', 'global'), '');
    expect(hostIncludes(inc)).to.deep.equal({ abi3: true, tunables: true, base: false });
    expect(APPARMOR_DEFAULT_PROFILE, 'the template changed: the name is podrun-default- and the first 12 hex digits of its SHA-256').to.equal(`podrun-default-${sha256Hex(APPARMOR_DEFAULT_TEMPLATE).slice(0, 12)}`);
    const all = renderAppArmorDefault({ abi3: true, tunables: true, base: true });
    expect(all).to.match(/^abi <abi\/3\.0>,$/m).and.match(/^#include <tunables\/global>$/m).and.match(/^ {2}#include <abstractions\/base>$/m);
    expect(all).to.not.include('@{PROC}=');
    const none = renderAppArmorDefault({ abi3: false, tunables: false, base: false });
    expect(none).to.match(/^@\{PROC\}=\/proc\/$/m);
    expect(none).to.not.match(/^abi|#include/m);
    // what the profile refuses (the rules are docs/security.md's table)
    for (const rule of ['deny mount,', 'deny /sys/kernel/security/** rwklx,', 'deny @{PROC}/sysrq-trigger rwklx,', `signal (send,receive) peer=${APPARMOR_DEFAULT_PROFILE},`, `ptrace (trace,read,tracedby,readby) peer=${APPARMOR_DEFAULT_PROFILE},`])
      expect(all).to.include(rule);
    expect(all).to.not.match(/\{\{|\?(abi3|tunables|base) |!tunables /);
  });

  // A real apparmor_parser compiles the profile without loading it (-Q): the installed one, or
  // APPARMOR_PARSER=PATH (e.g. from `apt-get download apparmor; dpkg -x`) with APPARMOR_D=its etc/apparmor.d.
  it('compiles with apparmor_parser -Q, with and without the includes', function () {
    const parser = process.env.APPARMOR_PARSER ?? findAppArmorParser();
    if (!parser) {
      this.skip(); // no apparmor_parser on this host: set APPARMOR_PARSER to check the profile's syntax
      return;
    }
    const base = process.env.APPARMOR_D ?? '/etc/apparmor.d';
    for (const includes of [hostIncludes(base), { abi3: false, tunables: false, base: false }]) {
      const r = spawnSync(parser, ['-Q', '-K', '-b', base], { input: renderAppArmorDefault(includes), encoding: 'utf8' });
      expect(r.status, `${JSON.stringify(includes)}: ${r.stderr}`).to.equal(0);
    }
    const bad = spawnSync(parser, ['-Q', '-K', '-b', base], { input: renderAppArmorDefault(hostIncludes(base)).replace('deny mount,', 'deny %mount,'), encoding: 'utf8' });
    expect(bad.status, 'a broken profile is refused: the check can fail').to.not.equal(0);
  });
});
