// ConfigMaps, Secrets and PersistentVolumeClaims at the CLI (issue 11): apply beside pods
// (created/configured/unchanged), an immutable change refused with nothing changed, get/describe
// in kubectl's shapes, delete by name and by file, `create configmap|secret` with kubectl's flags,
// and the store: owner-only, and a Secret's value never printed by get's table or describe.
import { expect } from 'chai';
import { spawn } from 'child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'fs';
import { join } from 'path';
import { isRoot, PODRUN, podrun, tempRoot } from '../helpers/cli';

const FILE = `apiVersion: v1
kind: ConfigMap
metadata:
  name: app
  labels: {tier: web}
data:
  LOG_LEVEL: debug
  app.properties: |
    a=1
---
apiVersion: v1
kind: Secret
metadata:
  name: db
stringData:
  password: hunter2-sekrit
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
`;

describe('ConfigMaps, Secrets and claims (CLI)', function () {
  this.timeout(60_000);
  let t: ReturnType<typeof tempRoot>;
  let file = '';
  const run = (...args: string[]) => podrun(t.root, args);
  before(function () {
    if (!isRoot()) this.skip();
    t = tempRoot('podrun-objects-');
    file = join(t.root, 'objects.yaml');
    writeFileSync(file, FILE);
  });
  after(() => t?.cleanup());

  it('apply creates each object, then says unchanged, then configured for the one that changed', () => {
    let r = run('apply', '-f', file);
    expect(r.stderr).to.equal('');
    expect(r.stdout).to.equal('configmap/app created\nsecret/db created\npersistentvolumeclaim/data created\n');
    expect(r.code).to.equal(0);
    r = run('apply', '-f', file);
    expect(r.stdout).to.equal('configmap/app unchanged\nsecret/db unchanged\npersistentvolumeclaim/data unchanged\n');
    writeFileSync(file, FILE.replace('LOG_LEVEL: debug', 'LOG_LEVEL: info'));
    r = run('apply', '-f', file);
    expect(r.stdout).to.equal('configmap/app configured\nsecret/db unchanged\npersistentvolumeclaim/data unchanged\n');
    expect(JSON.parse(run('get', 'cm', 'app', '-o', 'json').stdout)).to.deep.include({ data: { 'LOG_LEVEL': 'info', 'app.properties': 'a=1\n' } });
  });

  it('stores objects owner-only, and get/describe never print a Secret value', () => {
    const dir = join(t.root, 'objects');
    expect(statSync(dir).mode & 0o777).to.equal(0o700);
    for (const kind of readdirSync(dir)) {
      expect(statSync(join(dir, kind)).mode & 0o777, kind).to.equal(0o700);
      for (const f of readdirSync(join(dir, kind))) expect(statSync(join(dir, kind, f)).mode & 0o777, f).to.equal(0o600);
    }
    const secret = Buffer.from('hunter2-sekrit').toString('base64');
    for (const args of [['get', 'secrets'], ['get', 'secret', 'db', '-o', 'wide'], ['describe', 'secret', 'db'], ['apply', '-f', file, '--dry-run', '-o', 'yaml']]) {
      const r = run(...args);
      expect(r.code, args.join(' ')).to.equal(0);
      expect(r.stdout + r.stderr, args.join(' ')).to.not.include('hunter2').and.not.include(secret);
    }
    expect(run('describe', 'secret', 'db').stdout).to.include('password:  14 bytes');
    // -o yaml is the object, as kubectl prints it
    expect(run('get', 'secret', 'db', '-o', 'yaml').stdout).to.include(`password: ${secret}`);
  });

  it('get prints kubectl columns; -A adds NAMESPACE; -o name; TYPE/NAME', () => {
    expect(run('get', 'cm').stdout).to.match(/^NAME   DATA   AGE\napp    2      \d+s\n$/);
    expect(run('get', 'secrets').stdout).to.match(/^NAME   TYPE     DATA   AGE\ndb     Opaque   1      \d+s\n$/);
    expect(run('get', 'pvc').stdout).to.match(/^NAME   STATUS    VOLUME   CAPACITY   ACCESS MODES   STORAGECLASS   VOLUMEATTRIBUTESCLASS   AGE\ndata   Pending +<unset> +<unset> +\d+s\n$/);
    expect(run('get', 'configmaps', '-A').stdout).to.match(/^NAMESPACE   NAME   DATA   AGE\ndefault     app    2 /);
    expect(run('get', 'cm/app', '-o', 'name').stdout).to.equal('configmap/app\n');
    expect(run('get', 'cm', '-n', 'other').stderr).to.equal('No resources found in other namespace.\n');
    const r = run('get', 'configmap', 'nope');
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include('Error from server (NotFound): configmaps "nope" not found');
    const u = run('get', 'ingresses');
    expect(u.code).to.equal(2);
    expect(u.stderr).to.include("unknown resource type 'ingresses'");
  });

  it('describe shows the data of a ConfigMap and the state of a claim', () => {
    const cm = run('describe', 'configmap', 'app').stdout;
    expect(cm).to.match(/^Name: +app\nNamespace: +default\nLabels: +tier=web\nAnnotations: +<none>\n\nData\n====\n/);
    expect(cm).to.include('LOG_LEVEL:\n----\ninfo\n');
    const pvc = run('describe', 'pvc', 'data').stdout;
    expect(pvc).to.match(/Status: +Pending\n/);
    expect(pvc).to.include('WaitForFirstConsumer');
  });

  it('an immutable ConfigMap refuses a change to its data, and nothing else in the file is applied', () => {
    const f = join(t.root, 'frozen.yaml');
    const doc = (v: string, other: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\ndata: {v: "${other}"}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: frozen}\nimmutable: true\ndata:\n  v: "${v}"\n`;
    writeFileSync(f, doc('1', 'a'));
    expect(run('apply', '-f', f).code).to.equal(0);
    writeFileSync(f, doc('2', 'b'));
    const r = run('apply', '-f', f);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.equal('');
    expect(r.stderr).to.include(`error: ${f}:10: data: Forbidden: field is immutable when \`immutable\` is set (configmap "frozen" was applied with immutable: true)`);
    expect(JSON.parse(run('get', 'cm', 'other', '-o', 'json').stdout).data).to.deep.equal({ v: 'a' });
    expect(JSON.parse(run('get', 'cm', 'frozen', '-o', 'json').stdout).data).to.deep.equal({ v: '1' });
    expect(run('delete', 'cm', 'frozen', 'other').stdout).to.equal('configmap "frozen" deleted\nconfigmap "other" deleted\n');
  });

  it('create configmap and secret take kubectl\'s flags; an existing name is AlreadyExists', () => {
    const d = join(t.root, 'in');
    require('fs').mkdirSync(d);
    writeFileSync(join(d, 'a.conf'), 'x=1\n');
    writeFileSync(join(t.root, 'bin'), Buffer.from([0xff, 0x00, 0xfe]));
    writeFileSync(join(t.root, 'env'), '# comment\nA=1\n\nB=two words\n');
    let r = run('create', 'configmap', 'made', '--from-file', d, `--from-file=blob=${join(t.root, 'bin')}`, '--from-env-file', join(t.root, 'env'), '--from-literal', 'k=v');
    expect(r.stderr).to.equal('');
    expect(r.stdout).to.equal('configmap/made created\n');
    const made = JSON.parse(run('get', 'cm', 'made', '-o', 'json').stdout);
    expect(made.data).to.deep.equal({ A: '1', B: 'two words', 'a.conf': 'x=1\n', k: 'v' });
    expect(made.binaryData).to.deep.equal({ blob: Buffer.from([0xff, 0x00, 0xfe]).toString('base64') });
    r = run('create', 'configmap', 'made', '--from-literal', 'k=v');
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include('Error from server (AlreadyExists): configmaps "made" already exists');
    r = run('create', 'configmap', 'bad', '--from-literal', 'a/b=1');
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include('data[a/b]: key "a/b" is not valid');
    r = run('create', 'secret', 'docker-registry', 'reg', '--docker-server', 'registry.test:5000', '--docker-username', 'u', '--docker-password', 'p');
    expect(r.stdout).to.equal('secret/reg created\n');
    const reg = JSON.parse(run('get', 'secret', 'reg', '-o', 'json').stdout);
    expect(reg.type).to.equal('kubernetes.io/dockerconfigjson');
    expect(JSON.parse(Buffer.from(reg.data['.dockerconfigjson'], 'base64').toString())).to.deep.equal({ auths: { 'registry.test:5000': { username: 'u', password: 'p', auth: Buffer.from('u:p').toString('base64') } } });
    // --dry-run=client -o yaml writes the manifest and stores nothing (kubectl's idiom for making one)
    r = run('create', 'secret', 'generic', 'gen', '--from-literal', 'token=abc', '--dry-run=client', '-o', 'yaml');
    expect(r.stdout).to.equal(`apiVersion: v1\nkind: Secret\nmetadata:\n  name: gen\n  namespace: default\ntype: Opaque\ndata:\n  token: ${Buffer.from('abc').toString('base64')}\n`);
    expect(run('get', 'secret', 'gen').code).to.equal(1);
    expect(run('delete', 'cm/made', 'secret/reg').code).to.equal(0);
  });

  it('delete -f removes what the file holds; --ignore-not-found', () => {
    const r = run('delete', '-f', file);
    expect(r.stdout).to.equal('configmap "app" deleted\nsecret "db" deleted\npersistentvolumeclaim "data" deleted\n');
    expect(run('delete', '-f', file).code).to.equal(1);
    expect(run('delete', '-f', file, '--ignore-not-found').code).to.equal(0);
    for (const kind of readdirSync(join(t.root, 'objects'))) expect(readdirSync(join(t.root, 'objects', kind)), kind).to.deep.equal([]);
    expect(readFileSync(file, 'utf8')).to.include('kind: Secret');
  });

  it('a name of 253 characters is stored, listed, read and deleted (its file name is hashed)', () => {
    const name = `${'a'.repeat(62)}.${'b'.repeat(62)}.${'c'.repeat(62)}.${'d'.repeat(62)}`.slice(0, 253);
    const f = join(t.root, 'long.yaml');
    writeFileSync(f, `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: first}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\ndata: {k: v}\n`);
    const r = run('apply', '-f', f);
    expect(r.stderr).to.equal('');
    expect(r.stdout).to.equal(`configmap/first created\nconfigmap/${name} created\n`);
    expect(run('get', 'cm', '-o', 'name').stdout).to.equal(`configmap/${name}\nconfigmap/first\n`);
    expect(JSON.parse(run('get', 'cm', name, '-o', 'json').stdout).data).to.deep.equal({ k: 'v' });
    expect(run('delete', '-f', f).code).to.equal(0);
  });

  it("get -o jsonpath and custom-columns, --sort-by and --field-selector, as kubectl's", () => {
    const cms = ['zeta', 'alpha', 'mid'].map((n, i) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `o-${n}`, labels: { set: 'out' } }, data: { n: String(3 - i) } })).join('\n---\n');
    const f = join(t.root, 'out.yaml');
    writeFileSync(f, cms);
    expect(run('apply', '-f', f).code).to.equal(0);
    const sel = ['-l', 'set=out'];
    expect(run('get', 'cm', ...sel, '-o', 'jsonpath={.items[*].metadata.name}').stdout).to.equal('o-alpha o-mid o-zeta');
    expect(run('get', 'cm', ...sel, '-o', `jsonpath='{range .items[*]}{.metadata.name}={.data.n}{"\\n"}{end}'`).stdout).to.equal('o-alpha=2\no-mid=1\no-zeta=3\n');
    expect(run('get', 'cm', 'o-mid', '-o', 'jsonpath={.data.n}').stdout).to.equal('1');
    expect(run('get', 'cm', ...sel, '--sort-by', '{.data.n}', '-o', 'name').stdout).to.equal('configmap/o-mid\nconfigmap/o-alpha\nconfigmap/o-zeta\n');
    expect(run('get', 'cm', ...sel, '--sort-by', '.metadata.name', '-o', 'custom-columns=NAME:.metadata.name,N:.data.n,NONE:.data.x').stdout).to.equal(
      'NAME      N   NONE\no-alpha   2   <none>\no-mid     1   <none>\no-zeta    3   <none>\n',
    );
    expect(run('get', 'cm', '--field-selector', 'metadata.name=o-zeta', '-o', 'name').stdout).to.equal('configmap/o-zeta\n');
    expect(run('get', 'cm', ...sel, '--field-selector', 'metadata.name!=o-zeta', '--no-headers', '-o', 'custom-columns=N:.metadata.name').stdout).to.equal('o-alpha\no-mid\n');
    const bad = run('get', 'cm', '--field-selector', 'status.phase=x');
    expect([bad.code, bad.stderr.split('\n')[0]]).to.deep.equal([2, 'error: field label not supported: status.phase']);
    expect(run('get', 'cm', '-o', 'jsonpath={range .items[*]}').code).to.equal(2);
    expect(run('get', 'cm', '-o', 'custom-columns=NAME').code).to.equal(2);
    expect(run('delete', '-f', f).code).to.equal(0);
  });

  it('get -w: the table, then a row each time an object changes (not as its AGE ticks), and its last row when it goes', async () => {
    const f = join(t.root, 'w.yaml');
    const cm = (v: string) => writeFileSync(f, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'watched', labels: { set: 'w' } }, data: Object.fromEntries(v.split(',').map((k) => [k, '1'])) }));
    cm('a');
    expect(run('apply', '-f', f).code).to.equal(0);
    const child = spawn(PODRUN, ['get', 'cm', '-l', 'set=w', '-w'], { env: { ...process.env, PODRUN_ROOT: t.root } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const rows = () => out.split('\n').filter(Boolean);
    const wait = async (n: number) => {
      for (let i = 0; i < 100 && rows().length < n; i++) await new Promise((r) => setTimeout(r, 100));
      expect(rows(), out).to.have.length(n);
    };
    try {
      await wait(2);
      expect(rows()[0].split(/\s+/)).to.deep.equal(['NAME', 'DATA', 'AGE']);
      expect(rows()[1]).to.match(/^watched +1 +\d+s$/);
      await new Promise((r) => setTimeout(r, 2200)); // AGE ticks: no new row
      expect(rows()).to.have.length(2);
      cm('a,b');
      expect(run('apply', '-f', f).code).to.equal(0);
      await wait(3);
      expect(rows()[2]).to.match(/^watched +2 +\d+s$/);
      expect(run('delete', '-f', f).code).to.equal(0);
      await wait(4);
      expect(rows()[3]).to.match(/^watched +2 +\d+s$/);
    } finally {
      child.kill('SIGINT');
    }
  });

  it("diff -f: nothing (exit 0) for what is applied, kubectl's -u diff (exit 1) for a change or a new object, a Secret's values masked", () => {
    const f = join(t.root, 'diff.yaml');
    const doc = (v: string, pw: string) =>
      [
        JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dcm' }, data: { v } }),
        JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'dsec' }, stringData: { pw } }),
      ].join('\n---\n');
    writeFileSync(f, doc('one', 's3cret'));
    expect(run('apply', '-f', f).code).to.equal(0);
    const same = run('diff', '-f', f);
    expect([same.code, same.stdout]).to.deep.equal([0, '']);
    writeFileSync(f, doc('two', 'other') + '\n---\n' + JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dnew' }, data: { n: '1' } }));
    const d = run('diff', '-f', f);
    expect(d.code, d.stderr).to.equal(1);
    expect(d.stdout).to.match(/^diff -u -N LIVE\/v1\.ConfigMap\.default\.dcm MERGED\/v1\.ConfigMap\.default\.dcm\n/m);
    expect(d.stdout).to.include('-  v: one\n+  v: two\n');
    expect(d.stdout).to.include('-  pw: \'*** (before)\'\n+  pw: \'*** (after)\'\n');
    expect(d.stdout).to.not.include('s3cret');
    expect(d.stdout).to.not.include(Buffer.from('other').toString('base64'));
    expect(d.stdout).to.match(/\+\+\+ MERGED\/v1\.ConfigMap\.default\.dnew[^\n]*\n@@ -0,0 \+1,\d+ @@/);
    expect(run('get', 'cm', 'dcm', '-o', 'jsonpath={.data.v}').stdout).to.equal('one'); // nothing changed
    writeFileSync(f, doc('one', 's3cret'));
    expect(run('delete', '-f', f).code).to.equal(0);
  });
});
