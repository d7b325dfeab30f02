// seccomp without root: the default profile as data (what it refuses, what capabilities open), the
// addon's compiler (libseccomp; conditions evaluated as moby does, errors by JSON path), apply's
// compile step (one program per distinct profile and capability set, Localhost profiles read
// with bounds and refused by manifest field), and the failure hints. Behaviour in real
// containers: test/integration/pod-seccomp.test.ts.
import { expect } from 'chai';
import { execFileSync } from 'child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { loadManifests } from '../../src/manifest/load';
import { RUNTIME_DEFAULT_PROFILE, type SeccompProfile, type SeccompRule } from '../../src/plan/seccomp-default';
import { PAUSE_SECCOMP_PROFILE } from '../../src/plan/seccomp-pause';
import { DEFAULT_CAPABILITIES } from '../../src/plan/security';
import { planPod } from '../../src/plan/plan';
import type { HostFacts, PodPlan } from '../../src/plan/types';
import { failureHint } from '../../src/runtime/helper/failures';
import { pauseSeccompProgramFile, seccompProgramFile } from '../../src/runtime/helper/launch-file';
import { compileSeccompPrograms, MAX_PROFILE_BYTES } from '../../src/runtime/seccomp';
import { ManifestErrors } from '../../src/util/errors';
import { native } from '../../src/util/native';

const allowRules = (name: string) => RUNTIME_DEFAULT_PROFILE.syscalls.filter((r) => r.action === 'SCMP_ACT_ALLOW' && r.names.includes(name));

describe('seccomp: the RuntimeDefault profile (data)', () => {
  it("refuses the keyring, BPF, perf, userfaultfd and io_uring calls for the default capabilities, as moby's", () => {
    for (const n of ['keyctl', 'add_key', 'request_key', 'userfaultfd', 'io_uring_setup', 'io_uring_enter', 'io_uring_register', 'kexec_load', 'pivot_root', 'swapon', 'open_tree_attr'])
      expect(allowRules(n), n).to.deep.equal([]);
    // only with a capability: a rule that includes it, and no unconditional one
    const gated: Record<string, string[]> = {
      bpf: ['CAP_SYS_ADMIN', 'CAP_BPF'],
      perf_event_open: ['CAP_SYS_ADMIN', 'CAP_PERFMON'],
      unshare: ['CAP_SYS_ADMIN'],
      setns: ['CAP_SYS_ADMIN'],
      mount: ['CAP_SYS_ADMIN'],
      umount2: ['CAP_SYS_ADMIN'],
      open_by_handle_at: ['CAP_DAC_READ_SEARCH'],
      chroot: ['CAP_SYS_CHROOT'],
      reboot: ['CAP_SYS_BOOT'],
      init_module: ['CAP_SYS_MODULE'],
      kcmp: ['CAP_SYS_PTRACE'],
      clock_settime: ['CAP_SYS_TIME'],
    };
    for (const [n, caps] of Object.entries(gated)) expect(allowRules(n).map((r) => r.includes?.caps?.[0]), n).to.have.members(caps);
  });

  it('clone: only without namespace flags unless CAP_SYS_ADMIN; clone3: ENOSYS unless CAP_SYS_ADMIN, so libc falls back', () => {
    const plain = allowRules('clone').filter((r) => r.args);
    expect(plain.map((r) => r.args![0].value)).to.deep.equal([0x7e020000, 0x7e020000]);
    expect(plain.every((r) => r.excludes?.caps?.includes('CAP_SYS_ADMIN'))).to.equal(true);
    const clone3 = RUNTIME_DEFAULT_PROFILE.syscalls.filter((r) => r.names.includes('clone3') && r.action !== 'SCMP_ACT_ALLOW');
    expect(clone3).to.have.length(1);
    expect(clone3[0]).to.include({ action: 'SCMP_ACT_ERRNO', errnoRet: 38 });
    expect(clone3[0].excludes).to.deep.equal({ caps: ['CAP_SYS_ADMIN'] });
  });

  it('refuses EPERM by default; socket for every family but AF_ALG (38) and AF_VSOCK (40); x86_64 covers i386 and x32', () => {
    expect(RUNTIME_DEFAULT_PROFILE).to.include({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 1 });
    expect(allowRules('socket').map((r) => r.args)).to.deep.equal([
      [{ index: 0, value: 38, op: 'SCMP_CMP_LT' }],
      [{ index: 0, value: 39, op: 'SCMP_CMP_EQ' }],
      [{ index: 0, value: 40, op: 'SCMP_CMP_GT' }],
    ]);
    expect(RUNTIME_DEFAULT_PROFILE.archMap![0]).to.deep.equal({ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] });
    const unconditional = RUNTIME_DEFAULT_PROFILE.syscalls.filter((r) => r.action === 'SCMP_ACT_ALLOW' && !r.args && !r.includes && !r.excludes);
    const names = unconditional.flatMap((r) => r.names);
    expect(new Set(names).size, 'listed once').to.equal(names.length);
    expect(names).to.have.length(361);
    // what podrun itself calls after installing the filter (container.c) is allowed
    for (const n of ['setgroups', 'setgid', 'setuid', 'rt_sigprocmask', 'rt_sigaction', 'close_range', 'execve', 'write', 'exit_group']) expect(names, n).to.include(n);
  });
});

describe('seccomp: compiling a profile (addon, libseccomp)', () => {
  const compile = (p: unknown, caps: string[] = [...DEFAULT_CAPABILITIES]) => native().compileSeccomp(typeof p === 'string' ? p : JSON.stringify(p), caps);
  const base: SeccompProfile = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' }] };
  const withRule = (rule: SeccompRule | Record<string, unknown>) => ({ ...base, syscalls: [...base.syscalls, rule] });

  it('compiles the default profile to classic BPF within the kernel limit, once per capability set', () => {
    const r = compile(RUNTIME_DEFAULT_PROFILE);
    expect(r.program.length % 8).to.equal(0);
    expect(r.program.length / 8).to.be.within(100, 4096);
    const names = new Set(RUNTIME_DEFAULT_PROFILE.syscalls.flatMap((x) => x.names));
    for (const n of r.skipped) expect(names.has(n), n).to.equal(true);
    expect(compile(RUNTIME_DEFAULT_PROFILE).program.equals(r.program), 'deterministic').to.equal(true);
    expect(compile(RUNTIME_DEFAULT_PROFILE, [...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN']).program.equals(r.program)).to.equal(false);
  });

  it("compiles the pause process's profile: small, with no capability, every name known but the other architecture's", () => {
    const r = compile(PAUSE_SECCOMP_PROFILE, []);
    expect(r.program.length / 8).to.be.within(10, 200);
    // arch_prctl and readlink exist on x86_64, not on arm64
    if (process.arch === 'x64') expect(r.skipped).to.deep.equal([]);
    else for (const n of r.skipped) expect(['arch_prctl', 'readlink']).to.include(n);
  });

  it("evaluates includes and excludes as moby does: capabilities in the bounding set, the host's architecture, the kernel", () => {
    const same = (rule: Record<string, unknown>, caps?: string[]) => compile(withRule({ names: ['keyctl'], action: 'SCMP_ACT_ALLOW', ...rule }), caps).program.equals(compile(base, caps).program);
    expect(same({}), 'an unconditional rule adds to the program').to.equal(false);
    expect(same({ includes: { caps: ['CAP_SYS_ADMIN'] } })).to.equal(true);
    expect(same({ includes: { caps: ['CAP_SYS_ADMIN'] } }, ['CAP_SYS_ADMIN'])).to.equal(false);
    expect(same({ includes: { caps: ['CAP_SYS_ADMIN', 'CAP_BPF'] } }, ['CAP_SYS_ADMIN']), 'includes needs every capability').to.equal(true);
    expect(same({ excludes: { caps: ['CAP_KILL', 'CAP_BPF'] } }), 'excludes needs any one').to.equal(true);
    expect(same({ includes: { arches: ['arm64'] } })).to.equal(process.arch === 'x64');
    expect(same({ excludes: { arches: ['amd64'] } })).to.equal(process.arch === 'x64');
    expect(same({ includes: { minKernel: '99.0' } })).to.equal(true);
    expect(same({ includes: { minKernel: '3.0' } })).to.equal(false);
    // redundant with the default action: nothing to add (libseccomp would refuse it)
    expect(same({ action: 'SCMP_ACT_ERRNO' })).to.equal(true);
  });

  it('skips syscall names libseccomp does not know, and ORs conditions on one argument as runc does', () => {
    const r = compile(withRule({ names: ['podrun_no_such_call', 'keyctl'], action: 'SCMP_ACT_ALLOW' }));
    expect(r.skipped).to.deep.equal(['podrun_no_such_call']);
    const two = { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }, { index: 0, value: 2, op: 'SCMP_CMP_EQ' }] };
    expect(compile(withRule(two)).program.length).to.be.greaterThan(compile(base).program.length);
    // the deprecated `name`, errnoRet, masked comparisons, a deny list
    expect(() => compile(withRule({ name: 'keyctl', action: 'SCMP_ACT_ERRNO', errnoRet: 13 }))).to.not.throw();
    expect(() => compile(withRule({ names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] }))).to.not.throw();
    expect(() => compile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['keyctl'], action: 'SCMP_ACT_KILL_PROCESS' }] })).to.not.throw();
    expect(() => compile({ defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'], syscalls: [] })).to.not.throw();
  });

  it('refuses a bad profile with a TypeError naming the JSON field', () => {
    const cases: [unknown, string][] = [
      ['{', 'not valid JSON: '],
      ['[]', 'a profile is a JSON object with defaultAction and syscalls'],
      [{ syscalls: [] }, 'defaultAction: Required'],
      [{ defaultAction: 'SCMP_ACT_ALOW', syscalls: [] }, 'defaultAction: unknown action "SCMP_ACT_ALOW" (use SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_TRAP, SCMP_ACT_TRACE or SCMP_ACT_LOG)'],
      [{ defaultAction: 'SCMP_ACT_ALLOW', defaultErrnoRet: 1, syscalls: [] }, 'defaultErrnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take one'],
      [{ defaultAction: 'SCMP_ACT_NOTIFY', syscalls: [] }, 'defaultAction: SCMP_ACT_NOTIFY is not supported: podrun runs no seccomp agent'],
      [{ ...base, sycalls: [] }, 'sycalls: unknown field'],
      [{ ...base, flags: ['SECCOMP_FILTER_FLAG_LOG'] }, 'flags: filter flags are not supported by podrun'],
      [{ ...base, listenerPath: '/run/agent.sock' }, 'listenerPath: seccomp agents are not supported by podrun'],
      [{ ...base, architectures: ['SCMP_ARCH_PDP11'] }, 'architectures[0]: unknown architecture "SCMP_ARCH_PDP11"'],
      [{ ...base, architectures: ['SCMP_ARCH_X86'], archMap: [] }, 'archMap: give either architectures or archMap'],
      [{ ...base, archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X99'] }] }, process.arch === 'x64' ? 'archMap[0].subArchitectures[0]: unknown architecture "SCMP_ARCH_X99"' : ''],
      [{ ...base, syscalls: {} }, 'syscalls: expected a list'],
      [withRule({ action: 'SCMP_ACT_ALLOW' }), 'syscalls[1].names: Required'],
      [withRule({ names: 'keyctl', action: 'SCMP_ACT_ALLOW' }), 'syscalls[1].names: expected a list of strings'],
      [withRule({ names: ['keyctl', 7], action: 'SCMP_ACT_ALLOW' }), 'syscalls[1].names[1]: expected a string'],
      [withRule({ names: ['keyctl'], action: 'SCMP_ACT_ALLOW', errnoRet: 1 }), 'syscalls[1].errnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take one'],
      [withRule({ names: ['keyctl'], action: 'SCMP_ACT_ERRNO', errnoRet: -1 }), 'syscalls[1].errnoRet: expected an integer from 0 to 4095'],
      [withRule({ names: ['keyctl'], action: 'SCMP_ACT_ALLOW', args: [{ index: 6, value: 0, op: 'SCMP_CMP_EQ' }] }), 'syscalls[1].args[0].index: expected an integer from 0 to 5'],
      [withRule({ names: ['keyctl'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0, op: 'SCMP_CMP_SAME' }] }), 'syscalls[1].args[0].op: unknown operator "SCMP_CMP_SAME"'],
      [withRule({ names: ['keyctl'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, op: 'SCMP_CMP_EQ' }] }), 'syscalls[1].args[0].value: Required'],
      [withRule({ names: ['keyctl'], action: 'SCMP_ACT_ALLOW', includes: { capabilities: [] } }), 'syscalls[1].includes.capabilities: unknown field'],
      [withRule({ names: ['keyctl'], action: 'SCMP_ACT_ALLOW', excludes: { minKernel: '5' } }), 'syscalls[1].excludes.minKernel: expected "MAJOR.MINOR", e.g. "4.8"'],
      [withRule({ names: ['keyctl'], name: 'keyctl', action: 'SCMP_ACT_ALLOW' }), 'syscalls[1].name: give either name or names'],
    ];
    for (const [profile, message] of cases) {
      if (!message) continue;
      let err: unknown;
      try {
        compile(profile);
      } catch (e) {
        err = e;
      }
      expect(err, message).to.be.instanceOf(TypeError);
      expect((err as Error).message.startsWith(message), `${(err as Error).message} / ${message}`).to.equal(true);
      expect((err as { field?: string }).field).to.equal(message.startsWith('not valid') || message.startsWith('a profile') ? '' : message.slice(0, message.indexOf(':')));
    }
  });
});

describe('seccomp: compiling at apply (runtime/seccomp.ts)', () => {
  let root = '';
  let outside = '';
  const counted: string[][] = [];
  const fake = (profile: string, caps: string[]) => {
    counted.push(caps);
    return native().compileSeccomp(profile, caps);
  };

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'podrun-seccomp-root-'));
    outside = mkdtempSync(join(tmpdir(), 'podrun-seccomp-outside-'));
    mkdirSync(join(root, 'seccomp', 'sub'), { recursive: true });
    writeFileSync(join(root, 'seccomp', 'sub', 'ok.json'), JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [] }));
    writeFileSync(join(root, 'seccomp', 'bad.json'), '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "ALLOW"}]}');
    writeFileSync(join(root, 'seccomp', 'huge.json'), Buffer.alloc(MAX_PROFILE_BYTES + 1, 0x20));
    writeFileSync(join(outside, 'p.json'), JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [] }));
    symlinkSync(join(outside, 'p.json'), join(root, 'seccomp', 'link.json'));
    symlinkSync('sub/ok.json', join(root, 'seccomp', 'inside.json'));
    execFileSync('mkfifo', [join(root, 'seccomp', 'fifo.json')]);
  });
  after(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  async function planned(yaml: string): Promise<{ pod: Awaited<ReturnType<typeof loadManifests>>['pods'][number]; plan: PodPlan }> {
    const r = await loadManifests(['-'], { stdin: yaml });
    expect(r.errors.map((e) => e.message)).to.deep.equal([]);
    const facts: HostFacts = {
      paths: { root, runRoot: join(root, 'run') },
      uid: 'u',
      images: {},
      imageAccounts: {},
      hostDevices: [],
      cgroups: { driver: 'none', why: 'not needed here' },
      appArmor: { enabled: false, why: 'kernel' },
      pathKinds: {},
      hostResolvConf: '',
      podIP: '127.0.0.1',
      hostIP: '192.0.2.1',
      manifestDir: root,
      nodeName: 'n',
    };
    const p = planPod(r.pods[0], facts);
    return { pod: r.pods[0], plan: p.plan! };
  }
  const pod = (containers: string, podSc = '') =>
    planned(`apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n${podSc}  containers:\n${containers}`);
  const c = (name: string, sc = '') => `  - name: ${name}\n    image: busybox:1.36\n${sc ? `    securityContext: ${sc}\n` : ''}`;

  it('compiles each distinct profile and capability set once, plus the pause process\'s own; Unconfined needs none', async () => {
    const { pod: p, plan } = await pod(
      c('a') + c('b') + c('c', '{seccompProfile: {type: Unconfined}}') + c('d', '{seccompProfile: {type: Localhost, localhostProfile: sub/ok.json}}') + c('e', '{seccompProfile: {type: Localhost, localhostProfile: sub/ok.json}}'),
    );
    counted.length = 0;
    const programs = compileSeccompPrograms({ root, runRoot: join(root, 'run') }, p, plan, fake);
    expect(counted).to.have.length(3);
    expect([...programs.keys()].sort()).to.deep.equal(
      [seccompProgramFile(plan.dirs.lasting, plan.containers[0].security), seccompProgramFile(plan.dirs.lasting, plan.containers[3].security), pauseSeccompProgramFile(plan.dirs.lasting)].sort(),
    );
    expect(seccompProgramFile(plan.dirs.lasting, plan.containers[1].security)).to.equal(seccompProgramFile(plan.dirs.lasting, plan.containers[0].security));
    expect(seccompProgramFile(plan.dirs.lasting, plan.containers[2].security)).to.equal(undefined);
    for (const b of programs.values()) expect(b.length % 8).to.equal(0);
  });

  it('refuses a Localhost profile that is missing, leads out, is too large, is not a regular file or does not compile: every one, by field', async () => {
    const local = (f: string) => `{seccompProfile: {type: Localhost, localhostProfile: ${f}}}`;
    const { pod: p, plan } = await pod(
      c('missing', local('nope.json')) + c('link', local('link.json')) + c('huge', local('huge.json')) + c('fifo', local('fifo.json')) + c('dir', local('sub')) + c('bad', local('bad.json')) + c('inside', local('inside.json')),
    );
    const dir = join(root, 'seccomp');
    let err: unknown;
    try {
      compileSeccompPrograms({ root, runRoot: join(root, 'run') }, p, plan, fake);
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(ManifestErrors);
    const at = (i: number) => `<stdin>: spec.containers[${i}].securityContext.seccompProfile.localhostProfile: seccomp profile ${dir}/`;
    expect((err as ManifestErrors).errors.map((e) => e.message.replace(/^<stdin>:\d+:/, '<stdin>:'))).to.deep.equal([
      `${at(0)}nope.json does not exist`,
      `${at(1)}link.json leads to ${outside}/p.json, outside ${dir}`,
      `${at(2)}huge.json is larger than 1 MiB`,
      `${at(3)}fifo.json is not a regular file`,
      `${at(4)}sub is not a regular file`,
      `${at(5)}bad.json: syscalls[0].action: unknown action "ALLOW" (use SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_TRAP, SCMP_ACT_TRACE or SCMP_ACT_LOG)`,
    ]);
    expect((err as ManifestErrors).exitCode).to.equal(1);
  });

  it('names the pod securityContext when the profile comes from there', async () => {
    const { pod: p, plan } = await pod(c('a'), '  securityContext: {seccompProfile: {type: Localhost, localhostProfile: nope.json}}\n');
    expect(() => compileSeccompPrograms({ root, runRoot: join(root, 'run') }, p, plan, fake)).to.throw(ManifestErrors, /spec\.securityContext\.seccompProfile\.localhostProfile: seccomp profile .*nope\.json does not exist/);
  });

  it('hints: a refused filter, a missing program, a profile refusing what podrun calls before execve', () => {
    expect(failureHint({ step: 'seccomp', syscall: 'seccomp', errno: 22, path: '/x.bpf' })).to.match(/the kernel refused the compiled seccomp filter/);
    expect(failureHint({ step: 'seccomp', syscall: 'read', errno: 2, path: '/x.bpf' })).to.match(/missing or damaged: apply the pod again/);
    expect(failureHint({ step: 'user', syscall: 'setuid', errno: 1 })).to.match(/a Localhost seccomp profile must allow/);
    expect(failureHint({ step: 'user', syscall: 'setuid', errno: 22 })).to.match(/^check securityContext.runAsUser/);
  });
});

describe('seccomp: compiled programs kept (runtime/seccomp-cache.ts)', () => {
  it('compiles each profile and capability set once, again after a corrupt file; at most 64 kept', async () => {
    const { cachedCompile, seccompCacheDir } = await import('../../src/runtime/seccomp-cache');
    const { mkdtempSync, readdirSync, rmSync, writeFileSync } = await import('fs');
    const { tmpdir } = await import('os');
    const { join } = await import('path');
    const root = mkdtempSync(join(tmpdir(), 'podrun-seccomp-cache-'));
    try {
      const calls: string[] = [];
      const compile = (text: string, caps: string[]) => {
        calls.push(`${text}|${caps.join(',')}`);
        return { program: Buffer.alloc(16, text.length), skipped: ['x'] };
      };
      const c = cachedCompile({ root }, compile);
      const a = c('{"a":1}', ['CHOWN']);
      expect(c('{"a":1}', ['CHOWN'])).to.deep.equal(a);
      expect(a).to.deep.equal({ program: Buffer.alloc(16, 7), skipped: ['x'] });
      c('{"a":1}', ['CHOWN', 'KILL']);
      expect(calls).to.deep.equal(['{"a":1}|CHOWN', '{"a":1}|CHOWN,KILL']);
      const dir = seccompCacheDir({ root });
      for (const f of readdirSync(dir)) writeFileSync(join(dir, f), '{"program":"AAA=","skipped":[]}'); // 2 bytes: no program
      c('{"a":1}', ['CHOWN']);
      expect(calls).to.have.length(3);
      for (let i = 0; i < 70; i++) c(`{"n":${i}}`, []);
      expect(readdirSync(dir).filter((f) => f.endsWith('.json')).length).to.equal(64);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
