// loadManifests over real files: every bad fixture gives exactly its expected lines, good ones
// load with Kubernetes defaults, scheduling fields warn, and hostile YAML is refused quickly.
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, relative, resolve } from 'path';
import { formatManifestWarning, loadManifests, type LoadResult } from '../../src/manifest/load';
import { renderError } from '../../src/cli/render';
import { defaultPullPolicy } from '../../src/manifest/schema';
import { parseQuantity } from '../../src/manifest/quantity';
import { suggest } from '../../src/manifest/suggest';
import { apiGroup, skippedKind } from '../../src/manifest/other-kinds';

const FIXTURES = resolve(__dirname, '..', '..', '..', 'test', 'fixtures');
const rel = (p: string) => relative(process.cwd(), p);
const lines = (r: LoadResult) => [...r.warnings.map(formatManifestWarning), ...r.errors.map((e) => renderError(e).trimEnd())].join('\n') + '\n';

describe('manifest: bad manifests (exact messages)', () => {
  const dir = join(FIXTURES, 'bad');
  const names = readdirSync(dir).filter((n) => n.endsWith('.yaml'));
  it('has at least 15 fixtures, each with an .expected file', () => {
    expect(names.length).to.be.at.least(15);
    for (const n of names) expect(readdirSync(dir)).to.include(n.replace(/\.yaml$/, '.expected'));
  });
  for (const n of names) {
    it(n, async () => {
      const file = join(dir, n);
      const expected = readFileSync(file.replace(/\.yaml$/, '.expected'), 'utf8').split('test/fixtures/bad/').join(`${rel(dir)}/`);
      const r = await loadManifests([rel(file)]);
      expect(lines(r)).to.equal(expected);
      expect(r.errors.length).to.be.greaterThan(0);
      for (const e of r.errors) {
        expect(e.exitCode).to.equal(2);
        expect(e.hint, e.message).to.be.a('string').and.not.equal('');
      }
    });
  }
});

describe('manifest: good manifests', () => {
  it('applies Kubernetes defaults', async () => {
    const r = await loadManifests([join(FIXTURES, 'good', 'minimal.yaml')]);
    expect(r.errors.map((e) => e.message)).to.deep.equal([]);
    expect(r.warnings).to.deep.equal([]);
    expect(r.pods).to.have.length(1);
    const p = r.pods[0];
    expect(p.file).to.equal(join(FIXTURES, 'good', 'minimal.yaml'));
    expect(p.line).to.equal(1);
    const m = p.manifest;
    expect(m.metadata.namespace).to.equal('default');
    expect(m.spec.restartPolicy).to.equal('Always');
    expect(m.spec.terminationGracePeriodSeconds).to.equal(30);
    expect(m.spec.dnsPolicy).to.equal('ClusterFirst');
    expect(m.spec.containers.map((c) => c.imagePullPolicy)).to.deep.equal(['Always', 'IfNotPresent', 'Always', 'IfNotPresent', 'Never']);
    expect(m.spec.containers[0].terminationMessagePath).to.equal('/dev/termination-log');
    expect(m.spec.containers[0].terminationMessagePolicy).to.equal('File');
    expect(m.spec.volumes?.[0].emptyDir).to.deep.equal({ medium: '' });
    expect(m.spec.volumes?.[1].hostPath).to.deep.equal({ path: './data', type: '' });
  });

  it('restartPolicy Always, OnFailure, Never and the default load without a warning (the monitor restarts containers)', async () => {
    const doc = (rp: string) => `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n${rp}  containers: [{name: a, image: b}]\n`;
    for (const rp of ['  restartPolicy: Always\n', '  restartPolicy: OnFailure\n', '  restartPolicy: Never\n', '']) {
      const r = await loadManifests(['-'], { stdin: doc(rp) });
      expect(r.errors).to.deep.equal([]);
      expect(r.warnings).to.deep.equal([]);
    }
  });

  it('a grace period over a day is valid Kubernetes, so it is accepted, with a warning that podrun waits a day at most', async () => {
    const doc = (g: string) => `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  terminationGracePeriodSeconds: ${g}\n  containers: [{name: a, image: b}]\n`;
    for (const g of ['86401', '9223372036854775807']) {
      const r = await loadManifests(['-'], { stdin: doc(g) });
      expect(r.errors).to.deep.equal([]);
      expect(r.warnings.map(formatManifestWarning)).to.deep.equal([
        `warning: <stdin>:5: spec.terminationGracePeriodSeconds: podrun waits at most 86400 seconds (24 h) for a pod to stop; after that its containers are killed`,
      ]);
    }
    for (const g of ['0', '86400']) expect((await loadManifests(['-'], { stdin: doc(g) })).warnings).to.deep.equal([]);
  });

  it('accepts kubectl -o yaml output silently: server fields, and the values the API server and scheduler put in every pod', async () => {
    const file = join(FIXTURES, 'good', 'kubectl-output.yaml');
    const r = await loadManifests([file]);
    expect(r.errors.map((e) => e.message)).to.deep.equal([]);
    expect(r.pods).to.have.length(1);
    expect(r.pods[0].line).to.equal(3);
    expect(r.warnings.map(formatManifestWarning)).to.deep.equal([]);
    const m = r.pods[0].manifest as Record<string, unknown> & typeof r.pods[0]['manifest'];
    expect(m).to.not.have.property('status');
    expect(m.metadata).to.not.have.property('uid');
    expect(m.spec).to.not.have.property('nodeName');
  });

  it('warns for each scheduling field whose value is not what a cluster fills in', async () => {
    const text = readFileSync(join(FIXTURES, 'good', 'kubectl-output.yaml'), 'utf8')
      .replace('priority: 0', 'priority: 5')
      .replace('schedulerName: default-scheduler', 'schedulerName: custom')
      .replace('serviceAccountName: default', 'serviceAccountName: builder')
      .replace('tolerationSeconds: 300', 'tolerationSeconds: 30');
    const r = await loadManifests(['-'], { stdin: text });
    expect(r.warnings.map((w) => `${w.line} ${w.path.join('.')}`)).to.deep.equal(['30 spec.priority', '32 spec.schedulerName', '35 spec.serviceAccountName', '37 spec.tolerations']);
    expect(formatManifestWarning(r.warnings[0])).to.equal('warning: <stdin>:30: spec.priority: scheduling field, ignored: podrun runs every pod on this machine');
  });

  it('reads a directory (*.yaml and *.yml, sorted, several documents, empty ones skipped)', async () => {
    const r = await loadManifests([join(FIXTURES, 'good', 'dir')]);
    expect(r.errors.map((e) => e.message)).to.deep.equal([]);
    expect(r.pods.map((p) => `${p.manifest.metadata.namespace}/${p.manifest.metadata.name}@${p.line}`)).to.deep.equal(['default/a@1', 'team-b/b@1', 'default/c@8']);
  });

  it('reads stdin as <stdin>', async () => {
    const text = readFileSync(join(FIXTURES, 'good', 'dir', 'a.yaml'), 'utf8');
    const r = await loadManifests(['-'], { stdin: text });
    expect(r.pods).to.have.length(1);
    expect(r.pods[0].file).to.equal('<stdin>');
    const bad = await loadManifests(['-'], { stdin: text.replace('image:', 'imgae:') });
    expect(bad.errors.map((e) => e.message)).to.deep.equal(['<stdin>:7: spec.containers[0].image: Required', '<stdin>:8: spec.containers[0].imgae: unknown field "imgae"']);
    expect(bad.errors[1].hint).to.equal('did you mean image?');
  });

  it('reports the same pod in two files, naming both', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'podrun-spec-'));
    try {
      const pod = readFileSync(join(FIXTURES, 'good', 'dir', 'a.yaml'), 'utf8');
      writeFileSync(join(tmp, 'one.yaml'), pod);
      writeFileSync(join(tmp, 'two.yaml'), `# copy\n${pod}`);
      const r = await loadManifests([join(tmp, 'one.yaml'), join(tmp, 'two.yaml')]);
      expect(r.errors.map((e) => e.message)).to.deep.equal([`${join(tmp, 'two.yaml')}:2: metadata.name: pod default/a is also defined at ${join(tmp, 'one.yaml')}:1`]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('reports a missing file and an empty directory without throwing', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'podrun-spec-'));
    try {
      const r = await loadManifests([join(tmp, 'nope.yaml'), tmp]);
      expect(r.errors.map((e) => e.message)).to.deep.equal([
        `${join(tmp, 'nope.yaml')}: (document): cannot read: ENOENT`,
        `${tmp}: (document): directory holds no *.yaml, *.yml or *.json file`,
      ]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('refuses a pod whose namespace_name would not fit a file name', async () => {
    const text = `apiVersion: v1\nkind: Pod\nmetadata: {name: ${'a'.repeat(250)}}\nspec: {containers: [{name: a, image: b}]}\n`;
    const r = await loadManifests(['-'], { stdin: text });
    expect(r.errors.map((e) => e.detail)).to.deep.equal(['pod name is too long for podrun: "default_aaaaaaaaaaaaaaaaaaaa..." is over 246 characters']);
    // the pod's lock file, `pod-<key>.lock`, must fit a file name too: 246 is the longest key
    const fits = async (n: number) => (await loadManifests(['-'], { stdin: text.replace('a'.repeat(250), 'a'.repeat(n)) })).errors.length === 0;
    expect(await fits(238)).to.equal(true);
    expect(await fits(239)).to.equal(false);
  });

  it('refuses a command, args or env string longer than the kernel takes (MAX_ARG_STRLEN), with its field path', async () => {
    const doc = (c: string) => `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: b\n${c}`;
    const max = 131071;
    // At the limit: accepted (an env string is NAME=value).
    const ok = await loadManifests(['-'], { stdin: doc(`    command: ["${'c'.repeat(max)}"]\n    args: ["${'a'.repeat(max)}"]\n    env: [{name: ENV, value: "${'v'.repeat(max - 4)}"}]\n`) });
    expect(ok.errors.map((e) => e.message)).to.deep.equal([]);
    // One byte over, and 900 KB (the adversarial test's value); bytes count, not characters (é is 2 bytes).
    const bad = await loadManifests(['-'], {
      stdin: doc(`    command: [sh, "${'c'.repeat(max + 1)}"]\n    args: [x, "${'é'.repeat(65536)}"]\n    env:\n    - {name: ENV, value: "${'v'.repeat(max - 3)}"}\n`),
    });
    const kernel = 'the kernel takes at most 131071 bytes in one (MAX_ARG_STRLEN, 131072 with its NUL)';
    expect(bad.errors.map((e) => e.message)).to.deep.equal([
      `<stdin>:8: spec.containers[0].command[1]: argument is 131072 bytes long; ${kernel}`,
      `<stdin>:9: spec.containers[0].args[1]: argument is 131072 bytes long; ${kernel}`,
      `<stdin>:11: spec.containers[0].env[0].value: environment variable (as NAME=value) is 131072 bytes long; ${kernel}`,
    ]);
    const big = await loadManifests(['-'], { stdin: doc(`    args: ["${'a'.repeat(900_000)}"]\n`) });
    expect(big.errors.map((e) => e.message)).to.deep.equal([`<stdin>:8: spec.containers[0].args[0]: argument is 900000 bytes long; ${kernel}`]);
    expect(bad.errors[0].hint).to.equal('pass large data in a file (a volume, or the image) and give its path on the command line or in the variable');
    expect(bad.errors.every((e) => e.exitCode === 2)).to.equal(true);
  });

  it('refuses a hostPath naming podrun\'s own state', async () => {
    const text = 'apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers: [{name: a, image: b}]\n  volumes:\n  - name: s\n    hostPath: {path: /srv/podrun-root/images}\n';
    const r = await loadManifests(['-'], { stdin: text, paths: { root: '/srv/podrun-root', runRoot: '/run/x' } });
    expect(r.errors.map((e) => e.message)).to.deep.equal([`<stdin>:8: spec.volumes[0].hostPath.path: hostPath "/srv/podrun-root/images" is not allowed: it holds podrun's own state (/srv/podrun-root)`]);
  });
});

describe('manifest: hostile YAML is refused fast', () => {
  const load = async (text: string) => {
    const t0 = Date.now();
    const r = await loadManifests(['-'], { stdin: text });
    return { r, ms: Date.now() - t0 };
  };

  it('billion laughs (aliases)', async () => {
    let text = 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
    for (let i = 1; i < 10; i++) text += `a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(',')}]\n`;
    const { r, ms } = await load(text);
    expect(r.errors.map((e) => e.message)).to.deep.equal(['<stdin>:1: (document): YAML anchors and aliases are not allowed (found &a0)']);
    expect(ms).to.be.below(1000);
  });

  it('an alias without an anchor', async () => {
    const { r } = await load('apiVersion: v1\nkind: *k\n');
    expect(r.errors[0].detail).to.equal('YAML anchors and aliases are not allowed');
  });

  it('deep nesting', async () => {
    const { r, ms } = await load('a: ' + '['.repeat(100000) + ']'.repeat(100000) + '\n');
    expect(r.errors).to.have.length(1);
    expect(r.errors[0].detail).to.match(/nesting deeper than/);
    expect(ms).to.be.below(1000);
  });

  it('a file over 3 MiB (the API server\'s request limit)', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'podrun-spec-'));
    try {
      writeFileSync(join(tmp, 'big.yaml'), `a: "${'x'.repeat(4 * 1024 * 1024)}"\n`);
      const r = await loadManifests([join(tmp, 'big.yaml')]);
      expect(r.errors.map((e) => e.detail)).to.deep.equal([`file is ${4 * 1024 * 1024 + 6} bytes, over the 3145728-byte limit`]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('standard input is read only up to the limit', () => {
    const script = `require(${JSON.stringify(resolve(__dirname, '..', '..', 'src', 'manifest', 'load'))}).loadManifests(['-']).then((r) => console.log(r.errors.map((e) => e.detail).join()))`;
    const r = spawnSync(process.execPath, ['-e', script], { input: Buffer.alloc(8 * 1024 * 1024, 0x61), encoding: 'utf8' });
    expect(r.stdout.trim()).to.match(/^file is \d+ bytes, over the 3145728-byte limit$/);
    expect(Number(/is (\d+) bytes/.exec(r.stdout)?.[1])).to.be.below(4 * 1024 * 1024);
  });

  it('invalid UTF-8', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'podrun-spec-'));
    try {
      writeFileSync(join(tmp, 'bin.yaml'), Buffer.from([0x61, 0x3a, 0x20, 0xff, 0xfe, 0x0a]));
      const r = await loadManifests([join(tmp, 'bin.yaml')]);
      expect(r.errors.map((e) => e.detail)).to.deep.equal(['file is not valid UTF-8']);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('a document that is a scalar', async () => {
    const { r } = await load('just text\n');
    expect(r.errors.map((e) => e.message)).to.deep.equal(['<stdin>:1: (document): a manifest must be a mapping, not a string']);
  });
});

describe('manifest: helpers', () => {
  it('suggests real field names for typos', () => {
    const fields = ['name', 'image', 'imagePullPolicy', 'command', 'args', 'env', 'workingDir', 'volumeMounts', 'ports'];
    expect(suggest('workdir', fields)).to.equal('workingDir');
    expect(suggest('volumemounts', fields)).to.equal('volumeMounts');
    expect(suggest('Image', fields)).to.equal('image');
    expect(suggest('imagePullPolcy', fields)).to.equal('imagePullPolicy');
    expect(suggest('zzzzzzzz', fields)).to.equal(undefined);
    expect(suggest('toString', ['hostIPC', 'hostPID'])).to.equal(undefined);
    expect(suggest('cmd', fields)).to.equal(undefined);
  });

  it('skips the Kubernetes kinds it does not run (their own group only) and custom resources; refuses workloads and misspellings', () => {
    const cases: [kind: string, apiVersion: string, skipped: boolean][] = [
      ['Ingress', 'networking.k8s.io/v1', true],
      ['Ingress', 'extensions/v1beta1', true],
      ['Ingress', 'v1', false], // no cluster takes it in the core group either
      ['CronJob', 'batch/v1', true],
      ['ServiceAccount', 'v1', true],
      ['ServiceAccount', 'apps/v1', false],
      ['ClusterRoleBinding', 'rbac.authorization.k8s.io/v1', true],
      ['HorizontalPodAutoscaler', 'autoscaling/v2', true],
      ['Namespace', 'v1', true],
      ['ServiceMonitor', 'monitoring.coreos.com/v1', true], // a custom resource
      ['Deployment', 'acme.example.com/v1', true], // a custom resource of that name, not apps' Deployment
      ['Deployment', 'apps/v1', false],
      ['Job', 'batch/v1', false],
      ['Widget', 'example.k8s.io/v1', true], // not a group Kubernetes serves: a CRD's
      ['HTTPRoute', 'gateway.networking.k8s.io/v1', true], // Gateway API: CRDs
      ['Service', 'serving.knative.dev/v1', true], // a custom resource called Service
      ['Widget', 'widgets/v1', false], // an undotted group no CRD may have
      ['RuntimeClass', 'node.k8s.io/v1', true],
      ['Pod', 'v1', false],
      ['Podd', 'v1', false],
      ['constructor', 'v1', false],
    ];
    for (const [kind, apiVersion, skipped] of cases) expect(skippedKind(kind, apiVersion) !== undefined, `${apiVersion} ${kind}`).to.equal(skipped);
    expect(apiGroup('networking.k8s.io/v1')).to.equal('networking.k8s.io');
    expect(apiGroup('v1')).to.equal('');
  });

  it('parses quantities as Kubernetes does', () => {
    const v = (s: string | number) => {
      const q = parseQuantity(s);
      return q.ok ? q.value : q.reason;
    };
    expect(v('64Mi')).to.equal(64 * 1024 * 1024);
    expect(v('1G')).to.equal(1e9);
    expect(v('1.5Gi')).to.equal(1.5 * 2 ** 30);
    expect(v('1e3')).to.equal(1000);
    expect(v('500m')).to.equal(1);
    expect(v(128)).to.equal(128);
    expect(v('0')).to.equal(0);
    expect(v('-1')).to.equal('must be greater than or equal to 0');
    expect(v('10XB')).to.match(/^quantities must match the regular expression/);
    expect(v('1Qi')).to.match(/^quantities must match the regular expression/);
  });

  it('defaults imagePullPolicy by tag', () => {
    expect(defaultPullPolicy('busybox')).to.equal('Always');
    expect(defaultPullPolicy('busybox:latest')).to.equal('Always');
    expect(defaultPullPolicy('localhost:5000/busybox')).to.equal('Always');
    expect(defaultPullPolicy('localhost:5000/busybox:1.36')).to.equal('IfNotPresent');
    expect(defaultPullPolicy('busybox@sha256:abc')).to.equal('IfNotPresent');
  });
});

describe('manifest: hostUsers (a user namespace per pod)', () => {
  const doc = (spec: string, sc = '') =>
    `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n${spec}  containers:\n  - name: a\n    image: b\n${sc ? `    securityContext: ${sc}\n` : ''}`;
  // [spec lines, container securityContext, the errors as `path: detail` (prefixes)]
  const table: [string, string, string[]][] = [
    ['  hostUsers: false\n', '', []],
    ['  hostUsers: true\n', '', []],
    ['', '{procMount: Unmasked}', ['spec.containers[0].securityContext.procMount: procMount Unmasked needs `hostUsers: false`']],
    ['  hostUsers: true\n', '{procMount: Unmasked}', ['spec.containers[0].securityContext.procMount: procMount Unmasked needs `hostUsers: false`']],
    ['  hostUsers: false\n', '{procMount: Unmasked}', []],
    ['  hostUsers: false\n  hostNetwork: true\n', '', ['spec.hostNetwork: hostNetwork is forbidden when `hostUsers` is false']],
    ['  hostUsers: false\n  hostPID: true\n', '', ['spec.hostPID: hostPID is forbidden when `hostUsers` is false']],
    ['  hostUsers: false\n  hostIPC: true\n', '', ['spec.hostIPC: hostIPC is forbidden when `hostUsers` is false']],
    ['  hostNetwork: true\n  hostPID: true\n  hostIPC: true\n', '', []],
    ['  hostUsers: false\n', '{privileged: true}', ['spec.containers[0].securityContext.privileged: privileged is not supported by podrun when `hostUsers` is false']],
    ['  hostUsers: false\n', '{runAsUser: 65535, runAsGroup: 65535}', []],
    ['  hostUsers: false\n', '{runAsUser: 65536}', ["spec.containers[0].securityContext.runAsUser: 65536 is outside the ids of the pod's user namespace (0-65535)"]],
    ['  hostUsers: true\n', '{runAsUser: 65536}', []],
    [
      '  hostUsers: false\n  securityContext: {runAsGroup: 70000, fsGroup: 100000, supplementalGroups: [1, 65536]}\n',
      '',
      [
        "spec.securityContext.runAsGroup: 70000 is outside the ids of the pod's user namespace",
        "spec.securityContext.fsGroup: 100000 is outside the ids of the pod's user namespace",
        "spec.securityContext.supplementalGroups[1]: 65536 is outside the ids of the pod's user namespace",
      ],
    ],
    ['  hostUsers: "no"\n', '', ['spec.hostUsers: ']],
  ];
  for (const [spec, sc, errors] of table)
    it(`${spec.trim().replace(/\n\s*/g, ', ') || '(no hostUsers)'}${sc ? ` + ${sc}` : ''}: ${errors.length ? errors.length + ' error(s)' : 'valid'}`, async () => {
      const r = await loadManifests(['-'], { stdin: doc(spec, sc) });
      const got = r.errors.map((e) => `${e.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').slice(1).replace(/\.\[/g, '[')}: ${e.detail}`);
      expect(got, got.join('\n')).to.have.length(errors.length);
      errors.forEach((want, i) => expect(got[i].startsWith(want), `${got[i]}\ndoes not start with\n${want}`).to.equal(true));
      for (const e of r.errors) expect(e.hint, e.message).to.be.a('string').and.not.equal('');
    });
});
