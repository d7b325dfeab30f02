// Config volumes without a pod (issue 11): the plan's view of them (references and paths, never
// values; missing objects and keys; read-only mounts; a subPath onto a key is a file), and the
// AtomicWriter layout written into a temporary directory.
import { expect } from 'chai';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { formatMap } from '../../src/plan/config-volumes';
import { replaceRefTokens } from '../../src/plan/env-refs';
import { writeAtomic } from '../../src/runtime/config-volumes';
import { loadManifests } from '../../src/manifest/load';
import { planPod, type HostFacts } from '../../src/plan/plan';
import { resolvePaths } from '../../src/util/paths';

describe('config volumes: the plan', () => {
  let dir = '';
  before(() => (dir = mkdtempSync(join(tmpdir(), 'podrun-cfgplan-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const facts = (configObjects: HostFacts['configObjects']): HostFacts =>
    ({
      paths: resolvePaths({ root: join(dir, 'root') }),
      uid: 'uid-1',
      images: {},
      imageAccounts: {},
      pathKinds: {},
      cgroups: { driver: 'none', why: 'test' },
      hostDevices: [],
      appArmor: { enabled: false, why: 'test' },
      hostResolvConf: '',
      podIP: '127.0.0.1',
      hostIP: '10.0.0.1',
      manifestDir: dir,
      nodeName: 'node',
      configObjects,
    }) as unknown as HostFacts;

  const pod = async (volumes: unknown[], mounts: unknown[]) => {
    const { writeFileSync } = await import('fs');
    const f = join(dir, `p${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(f, JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', labels: { b: '2', a: 'x' }, annotations: { note: 'say "hi"' } }, spec: { containers: [{ name: 'c', image: 'busybox:test', command: ['true'], volumeMounts: mounts }], volumes } }));
    const r = await loadManifests([f]);
    expect(r.errors.map((e) => e.message)).to.deep.equal([]);
    return r.pods[0];
  };

  it('holds references and modes, never values; mounts read-only; a subPath onto a key is a file', async () => {
    const p = await pod(
      [
        { name: 'cfg', configMap: { name: 'app', defaultMode: 0o600 } },
        { name: 'sec', secret: { secretName: 'db', items: [{ key: 'pw', path: 'x/pw', mode: 0o400 }] } },
        { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }, { path: 'notes', fieldRef: { fieldPath: 'metadata.annotations' } }] } },
      ],
      [
        { name: 'cfg', mountPath: '/cfg' },
        { name: 'cfg', mountPath: '/one', subPath: 'k1' },
        { name: 'sec', mountPath: '/sec', readOnly: false },
        { name: 'info', mountPath: '/info' },
      ],
    );
    const r = planPod(p, facts({ 'ConfigMap/app': ['k1', 'k2'], 'Secret/db': ['pw'] }));
    expect(r.errors.map((e) => e.message)).to.deep.equal([]);
    const plan = r.plan!;
    expect(plan.dirs.config).to.equal(join(dir, 'root', 'run', 'pods', 'default_web', 'config'));
    expect(plan.volumes.map((v) => [v.name, v.kind, v.source])).to.deep.equal([
      ['cfg', 'config', join(plan.dirs.config!, 'cfg')],
      ['sec', 'config', join(plan.dirs.config!, 'sec')],
      ['info', 'config', join(plan.dirs.config!, 'info')],
    ]);
    expect(plan.volumes[0].config).to.deep.equal({ defaultMode: 0o600, sources: [{ kind: 'ConfigMap', name: 'app', optional: false }] });
    expect(plan.volumes[1].config).to.deep.equal({ defaultMode: 0o644, sources: [{ kind: 'Secret', name: 'db', optional: false, items: [{ key: 'pw', path: 'x/pw', mode: 0o400 }] }] });
    expect(plan.volumes[2].config!.sources).to.deep.equal([{ kind: 'DownwardAPI', files: [{ path: 'labels', value: 'a="x"\nb="2"' }, { path: 'notes', value: 'note="say \\"hi\\""' }] }]);
    expect(plan.containers[0].mounts.map((m) => [m.mountPath, m.readOnly, m.kind])).to.deep.equal([
      ['/cfg', true, 'dir'],
      ['/one', true, 'file'],
      ['/sec', true, 'dir'],
      ['/info', true, 'dir'],
    ]);
  });

  it('cleans item paths as the AtomicWriter does, and refuses a path that is a file and a directory, or a subPath not in the volume', async () => {
    const p = await pod(
      [{ name: 'cfg', configMap: { name: 'app', items: [{ key: 'k1', path: './x' }, { key: 'k2', path: 'd/' }, { key: 'k1', path: 'x/y' }] } }],
      [{ name: 'cfg', mountPath: '/m', subPath: 'nope' }],
    );
    expect(p.manifest.spec.volumes![0].configMap!.items!.map((i) => i.path)).to.deep.equal(['x', 'd', 'x/y']);
    const r = planPod(p, facts({ 'ConfigMap/app': ['k1', 'k2'] }));
    expect(r.errors.map((e) => `${e.path.join('.')}: ${e.detail}`)).to.deep.equal([
      'spec.volumes.0: volume "cfg": "x" would be both a file and a directory (it holds "x/y")',
      'spec.containers.0.volumeMounts.0.subPath: subPath "nope" is not in volume "cfg": a config volume holds only its files',
    ]);
  });

  it('refuses an object that is not stored and a key it lacks, unless optional; kube-root-ca.crt is always there', async () => {
    const p = await pod(
      [
        { name: 'a', configMap: { name: 'gone' } },
        { name: 'b', secret: { secretName: 'db', items: [{ key: 'nope', path: 'x' }] } },
        { name: 'c', configMap: { name: 'gone', optional: true } },
        { name: 'd', projected: { sources: [{ configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }, { secret: { name: 'db', optional: true, items: [{ key: 'nope', path: 'y' }] } }] } },
        { name: 'e', persistentVolumeClaim: { claimName: 'nope' } },
      ],
      [],
    );
    const r = planPod(p, facts({ 'Secret/db': ['pw'] }));
    expect(r.errors.map((e) => `${e.path.join('.')}: ${e.detail}`)).to.deep.equal([
      'spec.volumes.0.configMap.name: configmap "gone" not found',
      'spec.volumes.1.secret.items.0.key: secret "db" has no key "nope"',
      'spec.volumes.4.persistentVolumeClaim.claimName: persistentvolumeclaim "nope" not found',
    ]);
  });

  const envPod = async (env: unknown[], envFrom: unknown[] = []) => {
    const { writeFileSync } = await import('fs');
    const f = join(dir, `e${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(f, JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { containers: [{ name: 'c', image: 'busybox:test', command: ['echo', '$(B)'], env, envFrom }] } }));
    const r = await loadManifests([f]);
    expect(r.errors.map((e) => e.message)).to.deep.equal([]);
    return r.pods[0];
  };

  it('env from ConfigMaps and Secrets: tokens in the plan (expanded like values), env over envFrom, invalid names skipped, optional ones unset', async () => {
    const p = await envPod(
      [
        { name: 'A', valueFrom: { secretKeyRef: { name: 'db', key: 'pw' } } },
        { name: 'B', value: 'x-$(A)-y' },
        { name: 'K', value: 'mine' },
        { name: 'O', valueFrom: { configMapKeyRef: { name: 'cm', key: 'absent', optional: true } } },
      ],
      [{ configMapRef: { name: 'cm' }, prefix: '' }, { configMapRef: { name: 'gone', optional: true } }],
    );
    const r = planPod(p, facts({ 'Secret/db': ['pw'], 'ConfigMap/cm': ['K', '9bad', 'L'] }));
    expect(r.errors.map((e) => e.message)).to.deep.equal([]);
    const plan = r.plan!;
    expect(plan.envRefs).to.deep.equal([
      { kind: 'ConfigMap', name: 'cm', key: 'K' },
      { kind: 'ConfigMap', name: 'cm', key: 'L' },
      { kind: 'Secret', name: 'db', key: 'pw' },
    ]);
    const c = plan.containers[0];
    expect(c.env.map((e) => [e.name, e.value])).to.deep.equal([
      ['K', 'mine'],
      ['L', '\u00001\u0000'],
      ['A', '\u00002\u0000'],
      ['B', 'x-\u00002\u0000-y'],
    ]);
    expect(c.argv).to.deep.equal(['echo', 'x-\u00002\u0000-y']);
    expect(c.skippedEnv).to.equal('Keys [9bad] from the EnvFrom configMap default/cm were skipped since they are considered invalid environment variable names.');
    expect(c.configError).to.equal(undefined);
    // the Secret's value needs the pod's tmpfs for the launch file
    expect(plan.dirs.config).to.be.a('string');
    expect(replaceRefTokens(c.env[3].value, plan.envRefs!, plan.envRefNonce, (ref) => `<${ref.key}>`)).to.equal('x-<pw>-y');
  });

  it("an image cannot forge a token: another container's Secret stays out of its command (review 20)", async () => {
    const { writeFileSync } = await import('fs');
    const { writeObject } = await import('../../src/state/objects');
    const { withEnvValues } = await import('../../src/runtime/object-data');
    const f = join(dir, 'forge.yaml');
    writeFileSync(f, JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { containers: [{ name: 'a', image: 'busybox:test', command: ['true'], env: [{ name: 'PW', valueFrom: { secretKeyRef: { name: 's1', key: 'pw' } } }] }, { name: 'b', image: 'evil:test' }] } }));
    const p = (await loadManifests([f])).pods[0];
    const fx = facts({ 'Secret/s1': ['pw'] });
    fx.envRefNonce = '0123456789abcdef';
    fx.images['evil:test'] = { ref: 'evil:test', imageId: 'sha256:e', manifestDigest: 'sha256:m', config: { Cmd: ['echo', 'LEAK=\u00000\u0000'] }, layerDirs: ['/l'] };
    const plan = planPod(p, fx).plan!;
    writeObject(fx.paths, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's1', namespace: 'default' }, type: 'Opaque', data: { pw: Buffer.from('TOPSECRET').toString('base64') } }, undefined);
    const filled = withEnvValues(fx.paths, plan);
    expect(filled.containers[0].env.find((e) => e.name === 'PW')!.value).to.equal('TOPSECRET');
    expect(JSON.stringify(filled.containers[1])).to.not.include('TOPSECRET');
  });

  it('a missing object or key makes the container wait with the kubelet\'s message', async () => {
    const cases: [unknown[], unknown[], HostFacts['configObjects'], string, string][] = [
      [[{ name: 'A', valueFrom: { secretKeyRef: { name: 'db', key: 'pw' } } }], [], {}, 'secret "db" not found', 'Secret/db'],
      [[{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k' } } }], [], { 'ConfigMap/cm': ['x'] }, "couldn't find key k in ConfigMap default/cm", 'ConfigMap/cm'],
      [[], [{ secretRef: { name: 's' } }], {}, 'secret "s" not found', 'Secret/s'],
    ];
    for (const [env, envFrom, objs, message, waitingFor] of cases) {
      const r = planPod(await envPod(env, envFrom), facts(objs));
      expect(r.plan!.containers[0].configError).to.deep.equal({ reason: 'CreateContainerConfigError', message, waitingFor });
    }
  });

  it('an image volume: read-only mounts of the resolved layers; a subPath into it is refused', async () => {
    const p = await pod([{ name: 'art', image: { reference: 'artifact:v1' } }], [{ name: 'art', mountPath: '/m' }, { name: 'art', mountPath: '/n', subPath: 'x' }]);
    expect(p.manifest.spec.volumes![0].image).to.deep.equal({ reference: 'artifact:v1', pullPolicy: 'IfNotPresent' });
    const f = facts({});
    f.images['artifact:v1'] = { ref: 'artifact:v1', imageId: 'sha256:abc', manifestDigest: 'sha256:def', config: {}, layerDirs: ['/l/base', '/l/top'] };
    const r = planPod(p, f);
    expect(r.errors.map((e) => e.detail)).to.deep.equal(['a subPath into an image volume is not supported by podrun yet']);
    const ok = planPod(await pod([{ name: 'art', image: { reference: 'artifact:v1' } }], [{ name: 'art', mountPath: '/m' }]), f).plan!;
    expect(ok.volumes[0]).to.deep.equal({ name: 'art', kind: 'image', source: join(dir, 'root', 'run', 'pods', 'default_web', 'images', 'art'), image: { ref: 'artifact:v1', pullPolicy: 'IfNotPresent', imageId: 'sha256:abc', layerDirs: ['/l/base', '/l/top'] } });
    expect(ok.containers[0].mounts[0]).to.include({ readOnly: true, kind: 'dir' });
  });

  it("formats labels as the downward API does (sorted key=\"value\" lines)", () => {
    expect(formatMap({ z: '1', a: 'two words' })).to.equal('a="two words"\nz="1"');
    expect(formatMap(undefined)).to.equal('');
  });
});

describe('config volumes: the AtomicWriter layout', () => {
  let dir = '';
  before(() => (dir = mkdtempSync(join(tmpdir(), 'podrun-atomic-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const f = (path: string, data: string, mode = 0o644) => ({ path, data: Buffer.from(data), mode });

  it('writes a timestamped dir, swaps ..data, links each top-level name, and removes what the new payload lacks', () => {
    const v = join(dir, 'vol');
    expect(writeAtomic(v, [f('a', '1'), f('conf/b.ini', '2', 0o600)])).to.equal(true);
    const first = readlinkSync(join(v, '..data'));
    expect(first).to.match(/^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.\d{9}$/);
    expect(readdirSync(v).sort()).to.deep.equal([first, '..data', 'a', 'conf'].sort());
    expect(readlinkSync(join(v, 'a'))).to.equal('..data/a');
    expect(readFileSync(join(v, 'conf', 'b.ini'), 'utf8')).to.equal('2');
    expect(lstatSync(join(v, first, 'conf', 'b.ini')).mode & 0o777).to.equal(0o600);
    // the same payload again: nothing is written
    expect(writeAtomic(v, [f('a', '1'), f('conf/b.ini', '2', 0o600)])).to.equal(false);
    expect(readlinkSync(join(v, '..data'))).to.equal(first);
    // a change: a new dir, the old one gone, a name no longer there unlinked
    expect(writeAtomic(v, [f('a', '3')])).to.equal(true);
    const second = readlinkSync(join(v, '..data'));
    expect(second).to.not.equal(first);
    expect(readdirSync(v).sort()).to.deep.equal([second, '..data', 'a'].sort());
    expect(readFileSync(join(v, 'a'), 'utf8')).to.equal('3');
    // a mode change alone is a change too
    expect(writeAtomic(v, [f('a', '3', 0o400)])).to.equal(true);
  });

  it('never follows what a container could plant in its volume (a remounted bind): ..data, the payload directory', async () => {
    const { mkdirSync, rmSync: rm, symlinkSync, writeFileSync, existsSync, unlinkSync } = await import('fs');
    const v = join(dir, 'vols', 'planted');
    const victim = join(dir, 'victim');
    mkdirSync(victim, { recursive: true });
    writeFileSync(join(victim, 'keep'), 'host data');
    expect(writeAtomic(v, [f('a', '1')])).to.equal(true);
    const ts = readlinkSync(join(v, '..data'));
    // ..data aimed at the victim through the payload directory's name, and the directory itself a link
    unlinkSync(join(v, '..data'));
    symlinkSync(`${ts}/${'../'.repeat(12)}${victim.slice(1)}`, join(v, '..data'));
    rm(join(v, ts), { recursive: true });
    symlinkSync(victim, join(v, ts));
    expect(writeAtomic(v, [f('a', '2')])).to.equal(true);
    expect(readFileSync(join(victim, 'keep'), 'utf8')).to.equal('host data');
    expect(existsSync(join(v, ts))).to.equal(false); // the planted link was unlinked, not followed
    expect(readFileSync(join(v, 'a'), 'utf8')).to.equal('2');
    // the staging area and the state are beside the volume, where no container's bind reaches
    expect(readdirSync(join(dir, 'vols')).sort()).to.deep.equal(['.staging', '.state', 'planted']);
    expect(readdirSync(join(dir, 'vols', '.staging'))).to.deep.equal([]);
  });
});
