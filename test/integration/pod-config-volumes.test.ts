// Issue 11: configMap, secret, downwardAPI, projected and persistentVolumeClaim volumes in real
// pods: items, modes and fsGroup seen with stat inside, the AtomicWriter layout, a ConfigMap
// change seen inside without a restart, a Secret's bytes nowhere on disk but the owner-only store
// (and its tmpfs), claims outliving their pods, missing objects refused before anything starts,
// and escapes through a symlink in the image (podman's CVE-2025-9566) or through item paths.
import { expect } from 'chai';
import { spawn } from 'child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { haveBusybox } from '../helpers/busybox';
import { isRoot, PODRUN } from '../helpers/cli';
import { mountsUnder } from '../helpers/leaks';
import { logText, until, PodSuite, podManifest, podSuiteFiles, setUpSuite, tearDownSuite, viewPod, waitFor, writeManifest } from './pod-helpers';

const SECRET = 'hunter2-sekrit-value';

const objects = (level: string) => `apiVersion: v1
kind: ConfigMap
metadata: {name: app}
data:
  LOG_LEVEL: ${level}
  app.properties: "a=1\\n"
binaryData:
  blob: AAEC
---
apiVersion: v1
kind: Secret
metadata: {name: db}
stringData: {password: ${SECRET}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
`;

describe('pod config volumes (integration)', function () {
  this.timeout(180_000);
  let s: PodSuite | undefined;
  let host = '';
  let dir = '';
  const exec = (pod: string, script: string) => {
    const r = s!.run(['exec', pod, '--', 'sh', '-c', script]);
    expect(r.code, r.stderr).to.equal(0);
    return r.stdout;
  };
  const apply = (file: string) => {
    const r = s!.run(['apply', '-f', file]);
    expect(r.code, r.stderr).to.equal(0);
    return r;
  };

  before(function () {
    if (!isRoot() || !haveBusybox()) this.skip();
    host = mkdtempSync(join(tmpdir(), 'podrun-cve-target-'));
    // The image has a symlink where a config volume will be mounted, pointing at a path that is
    // also on the host (and in the image): the volume's files must land inside the container, and
    // the host's directory must stay empty.
    s = setUpSuite('podrun-config-vol-', (rootfs) => {
      podSuiteFiles(rootfs);
      symlinkSync(host, join(rootfs, 'etc', 'linked'));
      mkdirSync(join(rootfs, host), { recursive: true });
    });
    // the manifests (which hold the Secret) outside the store, as a user's repo is
    dir = join(host + '-manifests');
    mkdirSync(dir);
  });
  after(() => {
    try {
      s?.run(['delete', '-f', join(dir, 'objects.yaml'), '--ignore-not-found']);
      tearDownSuite(s);
    } finally {
      if (host) rmSync(host, { recursive: true, force: true });
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });

  const WEB = () =>
    podManifest(
      'web',
      {
        securityContext: { fsGroup: 2000 },
        containers: [
          {
            name: 'app',
            command: ['sleep', '3600'],
            resources: { limits: { cpu: '500m', memory: '64Mi' } },
            volumeMounts: [
              { name: 'cfg', mountPath: '/etc/cfg' },
              { name: 'sec', mountPath: '/etc/sec' },
              { name: 'cfg', mountPath: '/etc/one.conf', subPath: 'app.properties' },
              { name: 'info', mountPath: '/etc/info' },
              { name: 'all', mountPath: '/etc/all' },
              { name: 'data', mountPath: '/data' },
              { name: 'cfg', mountPath: '/etc/linked' },
            ],
          },
        ],
        volumes: [
          { name: 'cfg', configMap: { name: 'app' } },
          { name: 'sec', secret: { secretName: 'db', defaultMode: 0o400, items: [{ key: 'password', path: 'db/pw' }] } },
          {
            name: 'info',
            downwardAPI: {
              items: [
                { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
                { path: 'name', fieldRef: { fieldPath: 'metadata.name' }, mode: 0o600 },
                { path: 'mem', resourceFieldRef: { containerName: 'app', resource: 'limits.memory', divisor: '1Mi' } },
              ],
            },
          },
          {
            name: 'all',
            projected: {
              sources: [
                { configMap: { name: 'app', items: [{ key: 'LOG_LEVEL', path: 'level' }] } },
                { secret: { name: 'db' } },
                { configMap: { name: 'absent', optional: true } },
                { serviceAccountToken: { path: 'token' } },
              ],
            },
          },
          { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
        ],
      },
      { labels: { app: 'web', tier: 'front' } },
    );

  it('a pod naming a ConfigMap that is not there is refused before anything starts', () => {
    const f = writeManifest(dir, 'alone.yaml', WEB());
    const r = s!.run(['apply', '-f', f]);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include('spec.volumes[0].configMap.name: configmap "app" not found');
    expect(r.stderr).to.include('spec.volumes[4].persistentVolumeClaim.claimName: persistentvolumeclaim "data" not found');
    expect(existsSync(join(s!.root, 'pods', 'default_web'))).to.equal(false);
  });

  it('mounts each kind read-only with its items, modes and fsGroup, in the kubelet layout', () => {
    writeManifest(dir, 'objects.yaml', objects('debug'));
    const f = writeManifest(dir, 'web.yaml', WEB());
    const r = s!.run(['apply', '-f', join(dir, 'objects.yaml'), '-f', f]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal('configmap/app created\nsecret/db created\npersistentvolumeclaim/data created\npod/web created\n');
    expect(r.stderr).to.include('serviceAccountToken: podrun has no API server');
    const out = exec(
      'web',
      [
        'cat /etc/cfg/LOG_LEVEL /etc/one.conf /etc/sec/db/pw; echo',
        'stat -L -c "%n %a %U:%g" /etc/cfg/LOG_LEVEL /etc/sec/db/pw /etc/info/name /etc/all/level',
        'stat -c "%F" /etc/cfg/LOG_LEVEL; readlink /etc/cfg/..data | grep -c "^\\.\\.[0-9][0-9][0-9][0-9]_"',
        'od -An -tx1 /etc/cfg/blob',
        'cat /etc/info/labels; echo; cat /etc/info/name /etc/info/mem; echo',
        'cat /etc/all/level /etc/all/password; echo; cat /etc/all/token; ls /etc/all',
        'touch /etc/cfg/new 2>&1 || true',
      ].join('; '),
    );
    expect(out).to.include(`debuga=1\n${SECRET}\n`);
    // defaultMode 0400 with fsGroup: the group's read added, group 2000 (SetVolumeOwnership)
    expect(out).to.include('/etc/cfg/LOG_LEVEL 644 root:2000\n/etc/sec/db/pw 440 root:2000\n/etc/info/name 640 root:2000\n/etc/all/level 644 root:2000\n');
    expect(out).to.include('symbolic link\n1\n');
    expect(out).to.include(' 00 01 02\n');
    expect(out).to.include('app="web"\ntier="front"\nweb64\n');
    expect(out).to.include(`debug${SECRET}\npodrun runs this pod without a Kubernetes API server`);
    expect(out).to.match(/level\npassword\ntoken\n/);
    expect(out).to.include('Read-only file system');
  });

  it('a symlink in the image where a config volume goes is followed inside the container, never onto the host (CVE-2025-9566)', () => {
    expect(readdirSync(host)).to.deep.equal([]);
    const out = exec('web', `cat /etc/linked/LOG_LEVEL; echo; cat ${host}/LOG_LEVEL`);
    expect(out).to.equal('debug\ndebug');
    expect(readdirSync(host)).to.deep.equal([]);
  });

  it("a ConfigMap's change is in every mounted copy when apply returns, without a restart; a subPath mount keeps its file", () => {
    const before = viewPod(s!.root, 'web').pids.app;
    writeManifest(dir, 'objects.yaml', objects('info').replace('a=1', 'a=2'));
    const r = apply(join(dir, 'objects.yaml'));
    expect(r.stdout).to.equal('configmap/app configured\nsecret/db unchanged\npersistentvolumeclaim/data unchanged\n');
    expect(exec('web', 'cat /etc/cfg/LOG_LEVEL /etc/all/level; echo; cat /etc/cfg/app.properties /etc/one.conf; ls -a /etc/cfg | grep -c "^\\.\\.2"')).to.equal('infoinfo\na=2\na=1\n1\n');
    expect(viewPod(s!.root, 'web').pids.app).to.equal(before);
    expect(JSON.parse(s!.run(['get', 'pod', 'web', '-o', 'json']).stdout).status.containerStatuses[0].restartCount).to.equal(0);
  });

  it('an optional ConfigMap created later appears in the running pod\'s projected volume', () => {
    expect(exec('web', 'ls /etc/all')).to.equal('level\npassword\ntoken\n');
    const r = s!.run(['create', 'configmap', 'absent', '--from-literal', 'extra=1']);
    expect(r.code, r.stderr).to.equal(0);
    expect(exec('web', 'ls /etc/all; cat /etc/all/extra')).to.equal('extra\nlevel\npassword\ntoken\n1');
    expect(s!.run(['delete', 'cm', 'absent']).code).to.equal(0);
  });

  it("a Secret's bytes are on no disk: only in the owner-only store and the pod's tmpfs", () => {
    const needles = [Buffer.from(SECRET), Buffer.from(Buffer.from(SECRET).toString('base64'))];
    const found: string[] = [];
    const rootDev = statSync(s!.root).dev;
    const walk = (d: string) => {
      for (const e of readdirSync(d)) {
        const p = join(d, e);
        const st = lstatSync(p);
        if (st.dev !== rootDev) continue; // another filesystem mounted below (the config tmpfs, overlays)
        if (st.isDirectory()) walk(p);
        else if (st.isFile() && st.size < 64 * 1024 * 1024) {
          const b = readFileSync(p);
          if (needles.some((n) => b.includes(n))) found.push(p.slice(s!.root.length));
        }
      }
    };
    walk(s!.root);
    expect(found).to.deep.equal(['/objects/secrets/default_db.json']);
    const tmpfs = mountsUnder(s!.root).filter((m) => m.endsWith('/config'));
    expect(tmpfs).to.deep.equal([join(s!.root, 'run', 'pods', 'default_web', 'config')]);
  });

  it('a claim keeps its data across the pod being deleted and applied again; delete pvc waits for its pods', () => {
    exec('web', 'echo kept > /data/f');
    expect(s!.run(['get', 'pvc', 'data']).stdout).to.match(/data +Bound +pvc-[0-9a-f-]+ +1Gi +RWO /);
    const busy = s!.run(['delete', 'pvc', 'data']);
    expect(busy.code).to.equal(1);
    expect(busy.stderr).to.include('persistentvolumeclaim "data" is used by pod web');
    expect(s!.run(['delete', 'pod', 'web', '--now']).code).to.equal(0);
    expect(mountsUnder(s!.root)).to.deep.equal([]);
    apply(join(dir, 'web.yaml'));
    expect(exec('web', 'cat /data/f')).to.equal('kept\n');
    expect(s!.run(['delete', 'pod', 'web', '--now']).code).to.equal(0);
    expect(s!.run(['delete', 'pvc', 'data']).stdout).to.equal('persistentvolumeclaim "data" deleted\n');
    expect(readdirSync(join(s!.root, 'claims'))).to.deep.equal([]);
  });

  it('env from a ConfigMap and a Secret: the container waits (CreateContainerConfigError) until they are applied, then the pod is re-created with them', async () => {
    const pod = podManifest('envp', {
      containers: [
        {
          name: 'app',
          command: ['sh', '-c', 'echo "PASS=$PASS URL=$URL LEVEL=$LEVEL CFG=$CFG_LOG_LEVEL OPT=${OPT-unset} ARG=$0"; exec sleep 3600', '$(PASS)'],
          envFrom: [{ configMapRef: { name: 'envcfg' }, prefix: 'CFG_' }, { secretRef: { name: 'envsec' } }],
          env: [
            { name: 'PASS', valueFrom: { secretKeyRef: { name: 'envsec', key: 'password' } } },
            { name: 'URL', value: 'postgres://u:$(PASS)@db' },
            { name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'envcfg', key: 'LOG_LEVEL' } } },
            { name: 'OPT', valueFrom: { configMapKeyRef: { name: 'envcfg', key: 'nope', optional: true } } },
          ],
        },
      ],
    });
    const pf = writeManifest(dir, 'envp.yaml', pod);
    let r = s!.run(['apply', '-f', pf]);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.equal('pod/envp created\n');
    expect(r.stderr).to.include('container app: CreateContainerConfigError: configmap "envcfg" not found');
    expect(s!.run(['get', 'pod', 'envp']).stdout).to.match(/envp +0\/1 +CreateContainerConfigError /);
    const objs = writeManifest(dir, 'envobjs.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: envcfg}\ndata: {LOG_LEVEL: debug}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: envsec}\nstringData: {password: ${SECRET}, 9lives: cat}\n`);
    r = s!.run(['apply', '-f', objs]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal('configmap/envcfg created\nsecret/envsec created\npod/envp recreated\n');
    expect(r.stderr).to.include('Keys [9lives] from the EnvFrom secret default/envsec were skipped since they are considered invalid environment variable names.');
    const line = waitFor(() => /PASS=.*/.exec(logText(s!.root, 'envp', 'app'))?.[0], 30_000, 'the container output');
    expect(line).to.equal(`PASS=${SECRET} URL=postgres://u:${SECRET}@db LEVEL=debug CFG=debug OPT=unset ARG=${SECRET}`);
    // The launch file with the Secret's values is gone once the monitor has read it (review 20 b).
    const rec = JSON.parse(readFileSync(join(s!.root, 'pods', 'default_envp', 'pod.json'), 'utf8'));
    expect(readdirSync(rec.plan.dirs.config)).to.not.include('.launch');
    // exec gets the container's environment; the helper's command line never holds the value
    const probe = spawn(PODRUN, ['exec', 'envp', '--', 'sh', '-c', 'echo "$PASS"; sleep 2'], { env: { ...process.env, PODRUN_ROOT: s!.root } });
    let out = '';
    probe.stdout.on('data', (d) => (out += d));
    const cmdlines = () =>
      readdirSync('/proc')
        .filter((p) => /^\d+$/.test(p))
        .map((p) => {
          try {
            return readFileSync(`/proc/${p}/cmdline`, 'utf8');
          } catch {
            return '';
          }
        });
    await until(() => out.includes(SECRET), 20_000);
    expect(out).to.include(SECRET);
    expect(cmdlines().filter((c) => c.includes(SECRET))).to.deep.equal([]);
    probe.kill('SIGTERM');
    // the plan in pod.json holds tokens, not values; describe names the key
    expect(readFileSync(join(s!.root, 'pods', 'default_envp', 'pod.json'), 'utf8')).to.not.include(SECRET);
    expect(s!.run(['describe', 'pod', 'envp']).stdout).to.include("PASS:  <set to the key 'password' in secret 'envsec'>");
    expect(s!.run(['delete', 'pod', 'envp', '--now']).code).to.equal(0);
    expect(s!.run(['delete', '-f', objs]).code).to.equal(0);
    // `create` is applying too: a container waiting for the Secret it makes starts
    const late = writeManifest(dir, 'late.yaml', podManifest('late', { containers: [{ name: 'app', command: ['sh', '-c', 'echo "K=$K"; exec sleep 3600'], env: [{ name: 'K', valueFrom: { secretKeyRef: { name: 'late', key: 'k' } } }] }] }));
    expect(s!.run(['apply', '-f', late]).code).to.equal(1);
    const c = s!.run(['create', 'secret', 'generic', 'late', '--from-literal', 'k=v1']);
    expect(c.code, c.stderr).to.equal(0);
    expect(c.stdout).to.equal('secret/late created\npod/late recreated\n');
    expect(waitFor(() => /K=.*/.exec(logText(s!.root, 'late', 'app'))?.[0], 30_000, 'the container output')).to.equal('K=v1');
    expect(s!.run(['delete', 'pod', 'late', '--now']).code).to.equal(0);
    expect(s!.run(['delete', 'secret', 'late']).code).to.equal(0);
  });

  it('a pod exported from a cluster (kubectl get pod -o yaml, with its kube-api-access volume) applies with one warning', () => {
    const file = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'good', 'exported-pod.yaml');
    const r = s!.run(['apply', '-f', file]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal('pod/web created\n');
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('warning: '));
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.match(/spec\.volumes\[0\]\.projected\.sources\[0\]\.serviceAccountToken: podrun has no API server/);
    const out = exec('web', 'cd /var/run/secrets/kubernetes.io/serviceaccount && ls && cat namespace && echo && head -c 40 ca.crt && echo && head -c 40 token');
    expect(out).to.equal('ca.crt\nnamespace\ntoken\ndefault\n# podrun runs this pod without a Kuberne\npodrun runs this pod without a Kubernete');
    expect(s!.run(['delete', 'pod', 'web', '--now']).code).to.equal(0);
  });

  it('a Secret near 1 MiB mapped to several files updates again and again (the tmpfs grows; a failed write leaves nothing)', () => {
    const big = (c: string) => Buffer.alloc(900 * 1024, c).toString('base64');
    const objs = (c: string) => `apiVersion: v1\nkind: Secret\nmetadata: {name: big}\ndata: {blob: ${big(c)}}\n`;
    const of = writeManifest(dir, 'big.yaml', objs('a'));
    apply(of);
    const pf = writeManifest(dir, 'bigpod.yaml', podManifest('bigp', { containers: [{ name: 'app', command: ['sleep', '3600'], volumeMounts: [{ name: 's', mountPath: '/s' }] }], volumes: [{ name: 's', secret: { secretName: 'big', items: [1, 2, 3, 4, 5, 6, 7, 8].map((i) => ({ key: 'blob', path: `f${i}` })) } }] }));
    apply(pf);
    for (const c of ['b', 'c', 'd']) {
      writeManifest(dir, 'big.yaml', objs(c));
      const r = apply(of);
      expect(r.stderr, r.stderr).to.equal('');
      expect(exec('bigp', 'head -c 3 /s/f8; ls -a /s | grep -c "^\\.\\.2"')).to.equal(`${c.repeat(3)}1\n`);
    }
    expect(s!.run(['delete', 'pod', 'bigp', '--now']).code).to.equal(0);
    expect(s!.run(['delete', 'secret', 'big']).code).to.equal(0);
  });

  it('an ephemeral volume gets a claim <pod>-<volume> of its own, deleted with the pod; one the pod does not own is not taken over', () => {
    const eph = (name: string) =>
      podManifest(name, {
        containers: [{ name: 'app', command: ['sleep', '3600'], volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }] }],
        volumes: [{ name: 'scratch', ephemeral: { volumeClaimTemplate: { metadata: { labels: { type: 'scratch' } }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } } } }],
      });
    apply(writeManifest(dir, 'eph.yaml', eph('eph')));
    exec('eph', 'echo x > /scratch/f');
    expect(s!.run(['get', 'pvc', 'eph-scratch']).stdout).to.match(/eph-scratch +Bound +pvc-/);
    const claim = JSON.parse(s!.run(['get', 'pvc', 'eph-scratch', '-o', 'json']).stdout);
    expect(claim.metadata.ownerReferences).to.deep.equal([{ apiVersion: 'v1', kind: 'Pod', name: 'eph', uid: viewPod(s!.root, 'eph').json.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(claim.metadata.labels).to.deep.equal({ type: 'scratch' });
    expect(s!.run(['delete', 'pod', 'eph', '--now']).code).to.equal(0);
    expect(s!.run(['get', 'pvc', 'eph-scratch']).code).to.equal(1);
    expect(readdirSync(join(s!.root, 'claims'))).to.deep.equal([]);
    // a claim of that name made by the user: the pod does not take it over
    const mine = writeManifest(dir, 'mine.yaml', 'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: eph-scratch}\nspec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n');
    apply(mine);
    const r = s!.run(['apply', '-f', join(dir, 'eph.yaml')]);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include('persistentvolumeclaim "eph-scratch" was not created for pod default/eph (pod is not owner)');
    expect(s!.run(['get', 'pvc', 'eph-scratch']).code).to.equal(0);
    expect(s!.run(['delete', 'pvc', 'eph-scratch']).code).to.equal(0);
  });

  it("image volumes: an image's layers read-only and noexec at the mountPath, the image kept while in use, the overlay gone with the pod", () => {
    const art = join(host + '-artifact');
    mkdirSync(art);
    require('fs').writeFileSync(join(art, 'weights.bin'), 'model-weights\n');
    const imp = s!.run(['import', art, 'artifact:v1']);
    expect(imp.code, imp.stderr).to.equal(0);
    rmSync(art, { recursive: true });
    apply(
      writeManifest(
        dir,
        'imgp.yaml',
        podManifest('imgp', {
          containers: [{ name: 'app', command: ['sleep', '3600'], volumeMounts: [{ name: 'art', mountPath: '/models' }, { name: 'bb', mountPath: '/bb', readOnly: false }] }],
          volumes: [
            { name: 'art', image: { reference: 'artifact:v1', pullPolicy: 'Never' } },
            { name: 'bb', image: { reference: 'busybox:test', pullPolicy: 'Never' } },
          ],
        }),
      ),
    );
    const out = exec('imgp', 'cat /models/weights.bin; test -x /bb/bin/busybox && echo listed; touch /models/x 2>&1; /bb/bin/busybox true 2>&1; echo "exec $?"; grep " /models " /proc/mounts | cut -d" " -f4 | cut -d, -f1-4');
    expect(out).to.match(/^model-weights\nlisted\ntouch: \/models\/x: Read-only file system\n.*Permission denied\nexec 126\nro,nosuid,nodev,noexec\n$/s);
    const rmi = s!.run(['rmi', 'artifact:v1']);
    expect(rmi.code).to.equal(1);
    expect(rmi.stderr).to.include('is used by pod default/imgp');
    expect(mountsUnder(s!.root).filter((m) => m.includes('/images/'))).to.have.length(2);
    expect(s!.run(['delete', 'pod', 'imgp', '--now']).code).to.equal(0);
    expect(mountsUnder(s!.root)).to.deep.equal([]);
    expect(s!.run(['rmi', 'artifact:v1']).code).to.equal(0);
  });
});
