// ConfigMap, Secret and PersistentVolumeClaim manifests (issue 11): key and base64 rules as the
// API server has them, stringData folded into data, objects beside pods in one file and in a
// List, duplicates across documents, and the update rules apply checks (table tests).
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { loadManifests } from '../../src/manifest/load';
import { configKey, decodeBase64, type ConfigObject } from '../../src/manifest/objects';
import { updateProblems } from '../../src/runtime/apply-objects';
import { formatFieldPath } from '../../src/util/errors';

describe('objects: keys and base64', () => {
  const keys: [string, boolean][] = [
    ['a', true],
    ['app.properties', true],
    ['KEY_NAME', true],
    ['key-name', true],
    ['.hidden', true],
    ['.', false],
    ['..', false],
    ['..data', false],
    ['a/b', false],
    ['', false],
    ['sp ace', false],
    ['k'.repeat(253), true],
    ['k'.repeat(254), false],
  ];
  for (const [k, ok] of keys) it(`key ${JSON.stringify(k.length > 20 ? `${k.slice(0, 5)}...(${k.length})` : k)} is ${ok ? 'valid' : 'refused'}`, () => expect(configKey(k) === undefined).to.equal(ok));

  const b64: [string, string | number][] = [
    ['', ''],
    ['YQ==', 'a'],
    ['YWI=', 'ab'],
    ['YWJj', 'abc'],
    ['YW\nJj', 'abc'], // Go's StdEncoding skips CR and LF
    ['YQ', 0], // no padding: Go refuses at the end of the last full quantum
    ['Y Q==', 1],
    ['YQ=a', 2],
    ['YR==', 'a'], // non-zero trailing bits: Go's StdEncoding (not Strict) takes them
    ['c2VjcmV0', 'secret'],
  ];
  for (const [input, want] of b64)
    it(`base64 ${JSON.stringify(input)} -> ${typeof want === 'string' ? JSON.stringify(want) : `error at byte ${want}`}`, () => {
      const d = decodeBase64(input);
      if (typeof want === 'string') expect('bytes' in d && d.bytes.toString('utf8')).to.equal(want);
      else expect(d).to.deep.equal({ at: want });
    });

  it('writes a map key with dots or slashes as Kubernetes does: data[app.properties]', () => {
    expect(formatFieldPath(['data', 'app.properties'])).to.equal('data[app.properties]');
    expect(formatFieldPath(['spec', 'containers', 0, 'resources', 'limits', 'example.com/gpu'])).to.equal('spec.containers[0].resources.limits[example.com/gpu]');
    expect(formatFieldPath(['data', 'LOG_LEVEL'])).to.equal('data.LOG_LEVEL');
  });
});

describe('objects: loading beside pods', () => {
  let dir = '';
  before(() => (dir = mkdtempSync(join(tmpdir(), 'podrun-objects-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    const f = join(dir, name);
    writeFileSync(f, text);
    return f;
  };
  const POD = 'apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers: [{name: a, image: busybox:test}]\n';

  it('loads a pod, a ConfigMap, a Secret and a claim from one file, in any order, with defaults', async () => {
    const f = write(
      'mixed.yaml',
      [
        'apiVersion: v1\nkind: Secret\nmetadata: {name: db}\ndata: {password: czNjcjN0}\nstringData: {username: admin, password: override}\n',
        POD,
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: dev, labels: {app: web}}\ndata: {b: "2", a: "1"}\nbinaryData: {blob: AAEC}\nimmutable: true\n',
        'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\nstatus: {phase: Bound}\n',
      ].join('---\n'),
    );
    const r = await loadManifests([f]);
    expect(r.errors.map((e) => e.message)).to.deep.equal([]);
    expect(r.pods.map((p) => p.manifest.metadata.name)).to.deep.equal(['web']);
    expect(r.objects.map((o) => [o.object.kind, o.line])).to.deep.equal([
      ['Secret', 1],
      ['ConfigMap', 13],
      ['PersistentVolumeClaim', 20],
    ]);
    const [secret, cm, pvc] = r.objects.map((o) => o.object);
    // stringData wins over data and is folded in as base64, as the API server stores it
    expect(secret).to.deep.equal({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db', namespace: 'default' },
      type: 'Opaque',
      data: { password: Buffer.from('override').toString('base64'), username: Buffer.from('admin').toString('base64') },
    });
    expect(cm).to.deep.include({ immutable: true, data: { a: '1', b: '2' }, binaryData: { blob: 'AAEC' } });
    expect(Object.keys((cm as { data: object }).data)).to.deep.equal(['a', 'b']);
    expect(cm.metadata).to.deep.equal({ name: 'cfg', namespace: 'dev', labels: { app: 'web' } });
    expect(pvc).to.deep.include({ spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeMode: 'Filesystem' } });
  });

  it('unwraps a List of mixed kinds and names each item by its index', async () => {
    const f = write('list.yaml', `apiVersion: v1\nkind: List\nitems:\n- ${POD.trimEnd().split('\n').join('\n  ')}\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: c}\n  data: {"a b": x}\n`);
    const r = await loadManifests([f]);
    expect(r.errors.map((e) => e.message)).to.deep.equal([`${f}:12: items[1].data[a b]: key "a b" is not valid: a valid config key must consist of alphanumeric characters, '-', '_' or '.'`]);
  });

  it('refuses the same object twice (by kind, namespace and name), but a ConfigMap and a pod may share a name', async () => {
    const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\n';
    const f = write('dup.yaml', [cm, POD, cm].join('---\n'));
    const r = await loadManifests([f]);
    expect(r.errors.map((e) => e.message)).to.deep.equal([`${f}:11: metadata.name: ConfigMap default/web is also defined at ${f}:1`]);
  });

  it('reads a leading-zero integer as octal, as kubectl does (YAML 1.1): defaultMode: 0644 is 420', async () => {
    const f = write('octal.yaml', `${POD}  volumes:\n  - name: c\n    configMap: {name: x, defaultMode: 0644, items: [{key: k, path: p, mode: 0400}]}\n  - name: d\n    secret: {secretName: y, defaultMode: 420}\n`);
    const r = await loadManifests([f]);
    expect(r.errors.map((e) => e.message)).to.deep.equal([]);
    const [c, d] = r.pods[0].manifest.spec.volumes!;
    expect(c.configMap).to.deep.include({ defaultMode: 0o644, items: [{ key: 'k', path: 'p', mode: 0o400 }] });
    expect(d.secret!.defaultMode).to.equal(0o644);
  });

  it("follows the API server: type \"\" is Opaque, a .dockerconfigjson must be an object and its errors never quote it, annotations hold at most 256 KiB", async () => {
    const f = write(
      'server.yaml',
      [
        'apiVersion: v1\nkind: Secret\nmetadata: {name: a}\ntype: ""\n',
        'apiVersion: v1\nkind: Secret\nmetadata: {name: b}\ntype: kubernetes.io/dockerconfigjson\nstringData: {.dockerconfigjson: "mytopsecret-not-json"}\n',
        'apiVersion: v1\nkind: Secret\nmetadata: {name: c}\ntype: kubernetes.io/dockerconfigjson\nstringData: {.dockerconfigjson: \'"just-a-string"\'}\n',
        `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: d, annotations: {big: ${'x'.repeat(300 * 1024)}}}\n`,
      ].join('---\n'),
    );
    const r = await loadManifests([f]);
    const msgs = r.errors.map((e) => e.message);
    expect(msgs.join('\n')).to.not.include('mytopsecret');
    expect(msgs).to.deep.equal([
      `${f}:6: data[.dockerconfigjson]: is not valid JSON: <secret contents redacted>`,
      `${f}:12: data[.dockerconfigjson]: must be a JSON object: <secret contents redacted>`,
      `${f}:20: metadata.annotations: Too long: must have at most 262144 bytes (these hold 307203)`,
    ]);
    expect(r.objects.map((o) => [o.object.metadata.name, (o.object as { type?: string }).type])).to.deep.equal([['a', 'Opaque']]);
  });

  it('refuses a Secret over 1 MiB and a ConfigMap whose data and binaryData hold over 1 MiB together', async () => {
    const big = Buffer.alloc(600 * 1024, 'a').toString('base64');
    const f = write('big.yaml', `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {a: ${big}, b: ${big}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: ${'x'.repeat(600 * 1024)}}\nbinaryData: {b: ${big}}\n`);
    const r = await loadManifests([f]);
    expect(r.errors.map((e) => e.message)).to.deep.equal([
      `${f}:4: data: Too long: must have at most 1048576 bytes (the data holds 1228800)`,
      `${f}:6: (document): Too long: must have at most 1048576 bytes (data and binaryData hold 1228800)`,
    ]);
  });
});

describe('objects: update rules (what apply refuses to change)', () => {
  const cm = (data: Record<string, string>, immutable?: boolean): ConfigObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, data, ...(immutable === undefined ? {} : { immutable }) });
  const secret = (type: string, data: Record<string, string>, immutable?: boolean): ConfigObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' }, type, data, ...(immutable === undefined ? {} : { immutable }) });
  const pvc = (storage: string, modes = ['ReadWriteOnce'], cls?: string): ConfigObject =>
    ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'p', namespace: 'default' }, spec: { accessModes: modes, resources: { requests: { storage } }, volumeMode: 'Filesystem', ...(cls ? { storageClassName: cls } : {}) } }) as ConfigObject;
  const cases: { name: string; before: ConfigObject; next: ConfigObject; paths: string[] }[] = [
    { name: 'a mutable ConfigMap changes freely', before: cm({ a: '1' }), next: cm({ a: '2' }), paths: [] },
    { name: 'a ConfigMap may become immutable', before: cm({ a: '1' }), next: cm({ a: '1' }, true), paths: [] },
    { name: 'an immutable ConfigMap keeps its data', before: cm({ a: '1' }, true), next: cm({ a: '2' }, true), paths: ['data'] },
    { name: 'an immutable ConfigMap stays immutable', before: cm({ a: '1' }, true), next: cm({ a: '1' }, false), paths: ['immutable'] },
    { name: 'an immutable ConfigMap: same data, labels changed', before: cm({ a: '1' }, true), next: { ...cm({ a: '1' }, true), metadata: { name: 'c', namespace: 'default', labels: { x: 'y' } } }, paths: [] },
    { name: "a Secret's type never changes", before: secret('Opaque', {}), next: secret('kubernetes.io/basic-auth', { username: 'dQ==' }), paths: ['type'] },
    { name: 'an immutable Secret keeps its data', before: secret('Opaque', { a: 'YQ==' }, true), next: secret('Opaque', { a: 'Yg==' }, true), paths: ['data'] },
    { name: 'a claim may grow', before: pvc('1Gi'), next: pvc('2Gi'), paths: [] },
    { name: 'a claim may not shrink', before: pvc('1Gi'), next: pvc('512Mi'), paths: ['spec.resources.requests.storage'] },
    { name: "a claim's access modes are fixed", before: pvc('1Gi'), next: pvc('1Gi', ['ReadWriteMany']), paths: ['spec'] },
    { name: "a claim's storage class is fixed", before: pvc('1Gi'), next: pvc('1Gi', undefined, 'fast'), paths: ['spec'] },
  ];
  for (const c of cases)
    it(c.name, () => {
      const got = updateProblems(c.before, c.next);
      expect(got.map(([p]) => p.join('.'))).to.deep.equal(c.paths);
      for (const [, message] of got) expect(message).to.match(/^(Forbidden|Invalid value)/);
    });
});
