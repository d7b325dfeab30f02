// planPod is pure: golden plans pin down its whole output, focused tests the Kubernetes rules
// behind argv, env, $(VAR) and users. UPDATE_GOLDEN=1 rewrites the .plan.json files.
import { exportedManifest, HOSTPATH_WRITTEN_ANNOTATION } from '../../src/plan/hostpath-export';
import { expect } from 'chai';
import { readdirSync, readFileSync, writeFileSync } from 'fs';
import { join, resolve } from 'path';
import { loadManifests, type LoadedPod } from '../../src/manifest/load';
import { planPod as planOrErrors, manifestHash, type HostFacts } from '../../src/plan/plan';
import type { PodPlan } from '../../src/plan/types';
import { expand } from '../../src/plan/expand';
import { mergeArgv, normaliseSignal } from '../../src/plan/image-config';
import { parseImageUser, parsePasswd, parseGroup } from '../../src/plan/users';
import { resolvConf } from '../../src/plan/etc';
import type { ResolvedImage } from '../../src/images/types';
import { ManifestError, PlanError } from '../../src/util/errors';

const FIXTURES = resolve(__dirname, '..', '..', '..', 'test', 'fixtures');

const layer = (n: number) => `/var/lib/podrun/images/layers/sha256:${String(n).repeat(64)}/fs`;

const BUSYBOX: ResolvedImage = {
  ref: 'docker.io/library/busybox:1.36',
  imageId: `sha256:${'b'.repeat(64)}`,
  manifestDigest: `sha256:${'c'.repeat(64)}`,
  config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOME=/root'], Cmd: ['sh'] },
  layerDirs: [layer(1)],
};

const NGINX: ResolvedImage = {
  ref: 'registry.local:5000/tools/nginx:1.27',
  imageId: `sha256:${'d'.repeat(64)}`,
  manifestDigest: `sha256:${'e'.repeat(64)}`,
  config: {
    Env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'NGINX_VERSION=1.27.0'],
    Entrypoint: ['/docker-entrypoint.sh'],
    Cmd: ['nginx', '-g', 'daemon off;'],
    WorkingDir: '/srv',
    User: 'nginx:www-data',
    StopSignal: 'QUIT',
  },
  layerDirs: [layer(2), layer(3)],
};

const NGINX_ACCOUNTS = {
  passwd: parsePasswd('root:x:0:0::/root:/bin/sh\nnginx:x:101:101::/var/cache/nginx:/sbin/nologin\n'),
  group: parseGroup('root:x:0:\nnginx:x:101:\nwww-data:x:33:nginx\nadm:x:4:nginx\n'),
};

export function fakeFacts(over: Partial<HostFacts> = {}): HostFacts {
  return {
    paths: { root: '/var/lib/podrun', runRoot: '/run/podrun' },
    uid: '6f1c3e0a-0000-4000-8000-000000000001',
    images: { 'busybox:1.36': BUSYBOX, 'registry.local:5000/tools/nginx:1.27': NGINX },
    imageAccounts: { 'busybox:1.36': { passwd: parsePasswd('root:x:0:0::/root:/bin/sh\n'), group: [] }, 'registry.local:5000/tools/nginx:1.27': NGINX_ACCOUNTS },
    pathKinds: {},
    cgroups: { driver: 'v2', mounts: { unified: '/sys/fs/cgroup' }, controllers: { memory: 'unified', cpu: 'unified', pids: 'unified' } },
    hostDevices: [{ path: '/dev/null', type: 'c', major: 1, minor: 3 }, { path: '/dev/sda', type: 'b', major: 8, minor: 0 }],
    appArmor: { enabled: false, why: 'kernel' },
    hostResolvConf: 'nameserver 192.168.1.1\nsearch home.arpa\noptions timeout:2\n',
    podIP: '127.0.0.1',
    hostIP: '192.168.1.20',
    manifestDir: '/home/dev/project/pods',
    nodeName: 'devbox',
    userNamespace: { hostId: 131072, length: 65536 },
    ...over,
  };
}

/** The plan, failing the test on planning errors. */
function planPod(pod: LoadedPod, facts: HostFacts): PodPlan {
  const r = planOrErrors(pod, facts);
  expect(r.errors.map((e) => e.message)).to.deep.equal([]);
  return r.plan!;
}

async function loadOne(file: string): Promise<LoadedPod> {
  // with the SUPERVISION switch on: supervision.yaml has init containers, probes and hooks
  const r = await loadManifests([file], { probesAndHooks: true });
  expect(r.errors.map((e) => e.message)).to.deep.equal([]);
  expect(r.pods).to.have.length(1);
  return r.pods[0];
}

async function loadText(text: string): Promise<LoadedPod> {
  const r = await loadManifests(['-'], { stdin: text });
  expect(r.errors.map((e) => e.message)).to.deep.equal([]);
  return r.pods[0];
}

describe('plan: golden plans', () => {
  const dir = join(FIXTURES, 'plans');
  for (const n of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
    it(n, async () => {
      const plan = planPod(await loadOne(join(dir, n)), fakeFacts());
      const text = JSON.stringify(plan, null, 2) + '\n';
      const golden = join(dir, n.replace(/\.yaml$/, '.plan.json'));
      if (process.env.UPDATE_GOLDEN) writeFileSync(golden, text);
      expect(text).to.equal(readFileSync(golden, 'utf8'));
    });
  }
});

describe('plan: rules', () => {
  const pod = (containers: string, extra = '') =>
    loadText(`apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n${extra}  containers:\n${containers}`);

  it('hostUsers: false: the plan holds the range from the facts; without it, none', async () => {
    const c = '  - {name: app, image: "busybox:1.36", command: [sh]}\n';
    expect(planPod(await pod(c, '  hostUsers: false\n'), fakeFacts()).userNamespace).to.deep.equal({ hostId: 131072, length: 65536 });
    expect(planPod(await pod(c, '  hostUsers: true\n'), fakeFacts()).userNamespace).to.equal(undefined);
    expect(planPod(await pod(c), fakeFacts())).to.not.have.property('userNamespace');
  });

  it('hostUsers: false with no range left is an error at spec.hostUsers saying why', async () => {
    const p = await pod('  - {name: app, image: "busybox:1.36", command: [sh]}\n', '  hostUsers: false\n');
    const r = planOrErrors(p, fakeFacts({ userNamespace: { unavailable: 'all 2 ranges of 65536 host ids from 65536 (PODRUN_USERNS_RANGE) are taken: 2 by pods' } }));
    expect(r.errors.map((e) => e.message)).to.deep.equal(['<stdin>:5: spec.hostUsers: no user namespace for the pod: all 2 ranges of 65536 host ids from 65536 (PODRUN_USERNS_RANGE) are taken: 2 by pods']);
    expect(r.errors[0].hint).to.match(/delete a pod with `hostUsers: false`/);
  });

  it("hostUsers: false: an image user outside the pod's 65536 ids is an error naming the image", async () => {
    const p = await pod('  - {name: app, image: "busybox:1.36", command: [sh]}\n', '  hostUsers: false\n');
    const facts = fakeFacts({ images: { 'busybox:1.36': { ...BUSYBOX, config: { ...BUSYBOX.config, User: '70000:5' } } } });
    const r = planOrErrors(p, facts);
    expect(r.errors.map((e) => e.message)).to.deep.equal([
      "<stdin>:7: spec.containers[0].image: container app: the user 70000:5 (groups none) from image busybox:1.36 has ids outside the pod's user namespace (0-65535): 70000",
    ]);
    // the same image in the host's user namespace is fine
    expect(planOrErrors(await pod('  - {name: app, image: "busybox:1.36", command: [sh]}\n'), facts).errors).to.deep.equal([]);
  });

  it('is pure: same input, same plan; facts untouched', async () => {
    const p = await loadOne(join(FIXTURES, 'plans', 'two-containers.yaml'));
    const facts = fakeFacts();
    const before = JSON.stringify(facts);
    expect(planPod(p, facts)).to.deep.equal(planPod(p, fakeFacts()));
    expect(JSON.stringify(facts)).to.equal(before);
  });

  it('argv: command replaces Entrypoint and drops Cmd; args replace Cmd', () => {
    expect(mergeArgv(undefined, undefined, ['/ep'], ['cmd', 'x'])).to.deep.equal(['/ep', 'cmd', 'x']);
    expect(mergeArgv(['run'], undefined, ['/ep'], ['cmd'])).to.deep.equal(['run']);
    expect(mergeArgv(undefined, ['a1'], ['/ep'], ['cmd'])).to.deep.equal(['/ep', 'a1']);
    expect(mergeArgv(['run'], ['a1'], ['/ep'], ['cmd'])).to.deep.equal(['run', 'a1']);
    expect(mergeArgv([], [], null, ['sh'])).to.deep.equal(['sh']);
  });

  it('a container with no command anywhere is an error naming it', async () => {
    const p = await pod('  - {name: app, image: "busybox:1.36"}\n');
    const facts = fakeFacts({ images: { 'busybox:1.36': { ...BUSYBOX, config: {} } } });
    const r = planOrErrors(p, facts);
    expect(r.plan).to.equal(undefined);
    expect(r.errors).to.have.length(1);
    expect(r.errors[0]).to.be.instanceOf(ManifestError);
    expect(r.errors[0].message).to.include('spec.containers[0].command: container app has no command');
    // In a dry run without the image the argv is simply what the manifest says.
    expect(planPod(p, fakeFacts({ images: {} })).containers[0].argv).to.deep.equal([]);
  });

  it('$(VAR) expansion as Kubernetes does it', () => {
    const vars: Record<string, string> = { A: 'a', B: 'b' };
    const x = (s: string) => expand(s, (n) => vars[n]);
    expect(x('$(A)-$(B)')).to.equal('a-b');
    expect(x('$(C)')).to.equal('$(C)');
    expect(x('$$(A)')).to.equal('$(A)');
    expect(x('$$$(A)')).to.equal('$a');
    expect(x('$A $')).to.equal('$A $');
    expect(x('$(A')).to.equal('$(A');
    expect(x('x$()y')).to.equal('x$()y');
    expect(x('')).to.equal('');
  });

  it('env: image Env first, spec env replaces by name in place, refers only to earlier spec vars', async () => {
    const p = await pod(
      '  - name: app\n    image: "busybox:1.36"\n    command: [echo, "$(B)", "$(HOME)"]\n    env:\n    - {name: B, value: "$(A)"}\n    - {name: A, value: x}\n    - {name: HOME, value: /home/app}\n    - {name: C, value: "$(A)$(HOME)"}\n    - {name: A, value: y}\n',
    );
    const c = planPod(p, fakeFacts()).containers[0];
    expect(c.env).to.deep.equal([
      { name: 'PATH', value: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' },
      { name: 'HOME', value: '/home/app' },
      { name: 'B', value: '$(A)' },
      { name: 'A', value: 'y' },
      { name: 'C', value: 'x/home/app' },
    ]);
    expect(c.argv).to.deep.equal(['echo', '$(A)', '/home/app']);
  });

  it('user: container securityContext over pod, else the image USER forms', async () => {
    expect(parseImageUser('')).to.deep.equal({});
    expect(parseImageUser('1000')).to.deep.equal({ uid: 1000 });
    expect(parseImageUser('1000:50')).to.deep.equal({ uid: 1000, gid: 50 });
    expect(parseImageUser('app')).to.deep.equal({ name: 'app' });
    expect(parseImageUser('app:staff')).to.deep.equal({ name: 'app', group: 'staff' });
    expect(parseImageUser('app:50')).to.deep.equal({ name: 'app', gid: 50 });
    const p = await pod(
      '  - {name: a, image: "registry.local:5000/tools/nginx:1.27"}\n  - {name: b, image: "registry.local:5000/tools/nginx:1.27", securityContext: {runAsUser: 7}}\n',
      '  securityContext: {runAsGroup: 9}\n',
    );
    const [a, b] = planPod(p, fakeFacts()).containers;
    // nginx from the image's own /etc/passwd (uid 101), its groups from /etc/group; the pod's runAsGroup wins.
    expect(a.user).to.deep.equal({ uid: 101, gid: 9, groups: [33, 4] });
    expect(b.user).to.deep.equal({ uid: 7, gid: 9, groups: [] });
  });

  it('user: every name the image does not define is reported at once, with the field', async () => {
    const p = await pod('  - {name: a, image: "registry.local:5000/tools/nginx:1.27"}\n  - {name: b, image: "registry.local:5000/tools/nginx:1.27"}\n');
    const r = planOrErrors(p, fakeFacts({ imageAccounts: { 'registry.local:5000/tools/nginx:1.27': { passwd: [], group: [] } } }));
    expect(r.errors.map((e) => e.message)).to.deep.equal([
      '<stdin>:6: spec.containers[0].image: container a: user "nginx" (the image\'s USER "nginx:www-data") is not in the image\'s /etc/passwd (registry.local:5000/tools/nginx:1.27)',
      '<stdin>:7: spec.containers[1].image: container b: user "nginx" (the image\'s USER "nginx:www-data") is not in the image\'s /etc/passwd (registry.local:5000/tools/nginx:1.27)',
    ]);
  });

  it('security: the defaults are plan data (capabilities, /dev, masked and read-only paths)', async () => {
    const c = planPod(await pod('  - {name: a, image: "busybox:1.36"}\n'), fakeFacts()).containers[0];
    expect(c.security.capabilities).to.include('CAP_CHOWN').and.to.have.length(11);
    expect(c.security.devices.map((d) => d.path)).to.deep.equal(['/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty']);
    expect(c.security.devSizeBytes).to.equal(64 << 20);
    expect(c.security.maskedPaths).to.include('/proc/kcore');
    expect(c.security.readonlyPaths).to.include('/proc/sys');
  });

  it('mounts: the kind of each mount point comes from the host facts', async () => {
    const p = await pod(
      '  - name: a\n    image: "busybox:1.36"\n    volumeMounts:\n    - {name: f, mountPath: /f}\n    - {name: d, mountPath: /d}\n    - {name: d, mountPath: /s, subPath: conf/x.ini}\n    - {name: d, mountPath: /n, subPath: new}\n    - {name: e, mountPath: /e}\n',
      '  volumes:\n  - {name: f, hostPath: {path: /srv/file, type: FileOrCreate}}\n  - {name: d, hostPath: {path: /srv/dir}}\n  - {name: e, emptyDir: {}}\n',
    );
    const kinds = planPod(p, fakeFacts({ pathKinds: { '/srv/dir': 'dir', '/srv/dir/conf/x.ini': 'file' } })).containers[0].mounts.map((m) => m.kind);
    expect(kinds).to.deep.equal(['file', 'dir', 'file', 'dir', 'dir']);
  });

  it('stop signal names', () => {
    expect(normaliseSignal(undefined)).to.equal('SIGTERM');
    expect(normaliseSignal('QUIT')).to.equal('SIGQUIT');
    expect(normaliseSignal('sigint')).to.equal('SIGINT');
    expect(normaliseSignal('9')).to.equal('SIGKILL');
    expect(normaliseSignal('NOPE')).to.equal('SIGTERM');
  });

  it('resolv.conf: host file for ClusterFirst, a comment when the host has none', () => {
    expect(resolvConf({ dnsPolicy: 'ClusterFirst', hostResolvConf: 'nameserver 10.0.0.1' })).to.equal('nameserver 10.0.0.1\n');
    expect(resolvConf({ dnsPolicy: 'Default', hostResolvConf: '' })).to.match(/^# podrun: the host has no \/etc\/resolv.conf/);
    expect(resolvConf({ dnsPolicy: 'None', hostResolvConf: 'nameserver 10.0.0.1\n', dnsConfig: { nameservers: ['1.1.1.1'] } })).to.equal('nameserver 1.1.1.1\n');
  });

  it('resolv.conf: never emits a value holding a newline, whatever it is given (robust by construction)', () => {
    // Validation refuses these; the writer must not depend on that.
    const inject = 'x\nnameserver 6.6.6.6';
    for (const dnsConfig of [{ options: [{ name: inject }] }, { options: [{ name: 'ndots', value: inject }] }, { searches: [inject] }, { nameservers: [inject] }])
      expect(() => resolvConf({ dnsPolicy: 'None', hostResolvConf: '', dnsConfig })).to.throw(/is not one resolv.conf word/);
    // The host's file is split into words on whitespace and control characters alike (CRLF too).
    const host = 'nameserver 10.0.0.1\r\nsearch a.example\u0001b.example\r\noptions ndots:2\u000btimeout:1\r\n';
    const out = resolvConf({ dnsPolicy: 'ClusterFirst', hostResolvConf: host, dnsConfig: { options: [{ name: 'attempts', value: '3' }] } });
    expect(out).to.equal('nameserver 10.0.0.1\nsearch a.example b.example\noptions ndots:2 timeout:1 attempts:3\n');
    expect(out.split('\n').filter((l) => l.startsWith('nameserver'))).to.deep.equal(['nameserver 10.0.0.1']);
  });

  it('relative hostPath resolves against the manifest folder', async () => {
    const p = await pod('  - {name: a, image: "busybox:1.36"}\n', '  volumes:\n  - {name: d, hostPath: {path: shared/data}}\n');
    expect(planPod(p, fakeFacts({ manifestDir: '/repo/pods' })).volumes[0].source).to.equal('/repo/pods/shared/data');
  });

  it('manifestHash ignores key order and changes with the spec', async () => {
    const a = await loadText('apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a, image: b}]}\n');
    const b = await loadText('kind: Pod\nspec: {containers: [{image: b, name: a}]}\nmetadata: {name: p}\napiVersion: v1\n');
    const c = await loadText('apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a, image: c}]}\n');
    expect(manifestHash(a.manifest, '/r')).to.match(/^[0-9a-f]{64}$/);
    expect(manifestHash(a.manifest, '/r')).to.equal(manifestHash(b.manifest, '/r'));
    expect(manifestHash(a.manifest, '/r')).to.not.equal(manifestHash(c.manifest, '/r'));
  });

  it('manifestHash takes a relative hostPath as the directory it names; an export (absolute path, podrun.dev/hostpath-written) hashes as the file it came from', async () => {
    const rel = await loadText('apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: b}]\n  volumes: [{name: d, hostPath: {path: ./site}}]\n');
    const exported = exportedManifest(rel.manifest, new Map([['d', '/repo/pods/site']]));
    expect(exported.spec.volumes?.[0].hostPath?.path).to.equal('/repo/pods/site');
    expect(exported.metadata.annotations).to.deep.equal({ [HOSTPATH_WRITTEN_ANNOTATION]: '{"d":"./site"}' });
    expect(rel.manifest.spec.volumes?.[0].hostPath?.path, 'the record is not changed').to.equal('./site');
    expect(manifestHash(rel.manifest, '/repo/pods')).to.equal(manifestHash(exported, '/elsewhere'));
    expect(manifestHash(rel.manifest, '/repo/pods'), 'the same file from another folder names another directory').to.not.equal(manifestHash(rel.manifest, '/other/pods'));
    // the file's own annotations are kept through the export; an empty map hashes as none
    for (const ann of ['{a: "1"}', '{}']) {
      const withAnn = await loadText(`apiVersion: v1\nkind: Pod\nmetadata: {name: p, annotations: ${ann}}\nspec:\n  containers: [{name: a, image: b}]\n  volumes: [{name: d, hostPath: {path: ./site}}]\n`);
      const ex = exportedManifest(withAnn.manifest, new Map([['d', '/repo/pods/site']]));
      expect(ex.metadata.annotations?.[HOSTPATH_WRITTEN_ANNOTATION]).to.equal('{"d":"./site"}');
      if (ann !== '{}') expect(ex.metadata.annotations?.a).to.equal('1');
      expect(manifestHash(withAnn.manifest, '/repo/pods'), ann).to.equal(manifestHash(ex, '/x'));
    }
    // no source for a volume (not planned): left as written, and no annotation claims otherwise
    expect(exportedManifest(rel.manifest, new Map())).to.equal(rel.manifest);
    // a pod without relative hostPaths is exported and hashed as it was written
    const abs = await loadText('apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: b}]\n  volumes: [{name: d, hostPath: {path: /srv}}]\n');
    expect(exportedManifest(abs.manifest, new Map([['d', '/srv']]))).to.equal(abs.manifest);
    expect(manifestHash(abs.manifest, '/a')).to.equal(manifestHash(abs.manifest, '/b'));
  });
});

describe('plan: command line and environment size (execve and the launch file)', () => {
  const kernel = 'the kernel takes at most 131071 bytes in one (MAX_ARG_STRLEN, 131072 with its NUL)';
  const pod = (containers: string) => loadText(`apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n${containers}`);
  const container = (name: string, body: string) => `  - name: ${name}\n    image: "busybox:1.36"\n${body}`;
  const messages = (r: ReturnType<typeof planOrErrors>) => r.errors.map((e) => e.message);

  it('a value that $(VAR) expansion makes longer than MAX_ARG_STRLEN is a PlanError naming its field', async () => {
    const x = 'x'.repeat(70_000);
    const p = await pod(container('a', `    command: [sh, "$(A)$(A)"]\n    env:\n    - {name: A, value: ${x}}\n    - {name: B, value: "$(A)$(A)"}\n`));
    const r = planOrErrors(p, fakeFacts());
    expect(r.plan).to.equal(undefined);
    expect(messages(r)).to.deep.equal([
      `<stdin>:11: spec.containers[0].env[1].value: environment variable (as NAME=value) is at least 140002 bytes long after $(VAR) expansion; ${kernel}`,
      `<stdin>:8: spec.containers[0].command[1]: argument is at least 140000 bytes long after $(VAR) expansion; ${kernel}`,
    ]);
    expect(r.errors.every((e) => e instanceof PlanError && e.exitCode === 1)).to.equal(true);
  });

  it('variables that double at every step stop at the limit, quickly, instead of growing without end', async () => {
    let env = '    - {name: V0, value: ' + 'x'.repeat(1000) + '}\n';
    for (let i = 1; i < 40; i++) env += `    - {name: V${i}, value: "$(V${i - 1})$(V${i - 1})"}\n`;
    const p = await pod(container('a', `    command: [sh]\n    env:\n${env}`));
    const t0 = Date.now();
    const r = planOrErrors(p, fakeFacts());
    expect(Date.now() - t0).to.be.below(2000);
    // V7 is 128000 bytes, V8 would be 256000: refused, and so left undefined: V9 is the literal
    // "$(V8)$(V8)", which doubles again until V23 is too long, and so on.
    expect(messages(r)).to.deep.equal(
      [[18, 8, 256003], [33, 23, 163844], [48, 38, 196612]].map(
        ([line, i, n]) => `<stdin>:${line}: spec.containers[0].env[${i}].value: environment variable (as NAME=value) is at least ${n} bytes long after $(VAR) expansion; ${kernel}`,
      ),
    );
  });

  it('a container past 1 MiB of argv + env is refused, counting the image\'s Env and its expanded args', async () => {
    const args = Array(11).fill('"$(A)"').join(', ');
    const p = await pod(container('a', `    command: [sh]\n    args: [${args}]\n    env: [{name: A, value: ${'y'.repeat(100_000)}}]\n`));
    const r = planOrErrors(p, fakeFacts());
    expect(messages(r)).to.deep.equal([
      `<stdin>:6: spec.containers[0]: the container's command, arguments and environment come to at least 1100016 bytes (each string with its NUL), over podrun's limit of 1048576 per container`,
    ]);
    // Just under the limit with the manifest alone, over it with the image's Env.
    const near = Array(10).fill('"$(A)"').join(', ');
    const big = { ...BUSYBOX, config: { ...BUSYBOX.config, Env: ['PATH=/bin', `IMG=${'z'.repeat(100_000)}`] } };
    const q = await pod(container('a', `    command: [sh]\n    args: [${near}]\n    env: [{name: A, value: ${'y'.repeat(90_000)}}]\n`));
    expect(planOrErrors(q, fakeFacts()).errors).to.deep.equal([]);
    expect(messages(planOrErrors(q, fakeFacts({ images: { 'busybox:1.36': big } })))).to.deep.equal([
      `<stdin>:6: spec.containers[0]: the container's command, arguments and environment come to at least 1090031 bytes (each string with its NUL), over podrun's limit of 1048576 per container`,
    ]);
  });

  it('an image Entrypoint, Cmd or Env entry over MAX_ARG_STRLEN names the image', async () => {
    const huge = 'z'.repeat(131_068);
    const image = { ...BUSYBOX, config: { Env: [`BIG=${huge}`], Entrypoint: [`/${huge}xyz`], Cmd: ['sh', huge + 'abcd'] } };
    const r = planOrErrors(await pod(container('a', '')), fakeFacts({ images: { 'busybox:1.36': image } }));
    expect(messages(r)).to.deep.equal([
      `<stdin>:7: spec.containers[0].image: image busybox:1.36: argument is 131072 bytes long; ${kernel}`,
      `<stdin>:7: spec.containers[0].image: image busybox:1.36: argument is 131072 bytes long; ${kernel}`,
      `<stdin>:7: spec.containers[0].image: image busybox:1.36: environment variable (as NAME=value) is 131072 bytes long; ${kernel}`,
    ]);
    // The manifest's own command replaces the Entrypoint, and its env replaces the variable.
    const ok = planOrErrors(await pod(container('a', `    command: [sh]\n    env: [{name: BIG, value: small}]\n`)), fakeFacts({ images: { 'busybox:1.36': image } }));
    expect(messages(ok)).to.deep.equal([]);
  });

  it('a pod past 3 MiB of argv + env across its containers is refused (the launch file holds 4 MiB)', async () => {
    const args = Array(9).fill('"$(A)"').join(', ');
    const one = (n: string) => container(n, `    command: [sh]\n    args: [${args}]\n    env: [{name: A, value: ${'y'.repeat(100_000)}}]\n`);
    const r = planOrErrors(await pod(['a', 'b', 'c', 'd'].map(one).join('')), fakeFacts());
    expect(messages(r)).to.deep.equal([
      `<stdin>:5: spec.containers: the containers' commands, arguments and environments come to at least 4000368 bytes (each string with its NUL), over podrun's limit of 3145728 per pod`,
    ]);
  });
});

