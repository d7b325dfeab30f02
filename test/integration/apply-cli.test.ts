// Issue 3, test 13 and apply's contract at the CLI: bad manifests fail with exit 2 and start
// nothing, --dry-run changes nothing, concurrent applies (different pods / the same pod), and
// re-apply (unchanged vs configured). Plus get/describe output shapes.
import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'fs';
import { load } from 'js-yaml';
import { tmpdir } from 'os';
import { join } from 'path';
import { haveBusybox } from '../helpers/busybox';
import { isRoot, podrun } from '../helpers/cli';
import { PodSuite, podManifest, podrunAsync, setUpSuite, tearDownSuite, viewPod, waitFor, waitStarted, writeManifest } from './pod-helpers';

describe('apply (CLI)', function () {
  this.timeout(180_000);

  describe('bad input (no root needed)', () => {
    let dir = '';
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'podrun-apply-bad-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));
    const root = () => join(dir, 'root');

    const cases: { name: string; yaml: string; first: (f: string) => string; count: number }[] = [
      {
        name: 'missing image and a typo, both reported',
        yaml: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\nspec:\n  containers:\n  - name: a\n    workdir: /x\n',
        first: (f) => `error: ${f}:7: spec.containers[0].image: Required`,
        count: 2,
      },
      {
        name: 'bad name, undeclared volume, relative mountPath',
        yaml: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: Web_1\nspec:\n  containers:\n  - name: a\n    image: busybox:test\n    volumeMounts:\n    - name: nope\n      mountPath: data\n',
        first: (f) => `error: ${f}:4: metadata.name: pod name "Web_1" is not a valid DNS-1123 subdomain`,
        count: 3,
      },
      {
        name: 'a 900 KB argument is refused at validation, with its field path (not late in the monitor)',
        yaml: `apiVersion: v1\nkind: Pod\nmetadata:\n  name: big\nspec:\n  containers:\n  - name: a\n    image: busybox:test\n    command: [echo, "${'x'.repeat(900_000)}"]\n`,
        first: (f) => `error: ${f}:9: spec.containers[0].command[1]: argument is 900000 bytes long; the kernel takes at most 131071 bytes in one (MAX_ARG_STRLEN, 131072 with its NUL)`,
        count: 1,
      },
      {
        name: 'a good pod next to a ReplicationController: nothing is applied',
        yaml: 'apiVersion: v1\nkind: Pod\nmetadata: {name: ok}\nspec:\n  containers: [{name: a, image: busybox:test}]\n---\napiVersion: v1\nkind: ReplicationController\n',
        first: (f) => `error: ${f}:8: kind: podrun runs Pods, Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs, Services, ConfigMaps, Secrets and PersistentVolumeClaims, not ReplicationController`,
        count: 1,
      },
      {
        name: 'a good pod next to a Deployment whose selector misses its template: nothing is applied',
        yaml: 'apiVersion: v1\nkind: Pod\nmetadata: {name: ok}\nspec:\n  containers: [{name: a, image: busybox:test}]\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: other}}\n    spec:\n      containers: [{name: a, image: busybox:test}]\n',
        first: (f) => `error: ${f}:13: spec.template.metadata.labels: \`selector\` does not match template \`labels\``,
        count: 1,
      },
    ];
    for (const c of cases)
      it(`exit 2, every problem printed, nothing created: ${c.name}`, () => {
        const f = writeManifest(dir, `${c.name.replace(/\W+/g, '-')}.yaml`, c.yaml);
        const r = podrun(root(), ['apply', '-f', f]);
        expect(r.code).to.equal(2);
        expect(r.stdout).to.equal('');
        const errs = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
        expect(errs[0]).to.equal(c.first(f));
        expect(errs.length).to.equal(c.count);
        expect(existsSync(join(root(), 'pods'))).to.equal(false);
      });

    it('usage errors exit 2', () => {
      expect(podrun(root(), ['apply']).code).to.equal(2);
      expect(podrun(root(), ['apply', '-f', join(dir, 'nope.yaml')]).code).to.equal(2);
      expect(podrun(root(), ['apply', '-f', join(dir, 'x'), '-o', 'table']).code).to.equal(2);
      expect(podrun(root(), ['get', 'ingresses']).code).to.equal(2);
    });

    it('--dry-run -o json prints the plan without the image present and changes nothing', () => {
      const f = writeManifest(dir, 'dry.yaml', podManifest('dry', { containers: [{ name: 'a', image: 'example.invalid/app:1', command: ['serve'] }] }));
      const r = podrun(root(), ['apply', '-f', f, '--dry-run', '-o', 'json']);
      expect(r.code, r.stderr).to.equal(0);
      const plan = JSON.parse(r.stdout);
      expect(plan.key).to.equal('default_dry');
      expect(plan.containers[0].argv).to.deep.equal(['serve']);
      expect(plan.containers[0].image.imageId, 'unresolved image').to.equal(undefined);
      expect(r.stderr).to.include('warning: pod/dry: image example.invalid/app:1 is not in the local store');
      expect(existsSync(join(root(), 'pods'))).to.equal(false);
      const t = podrun(root(), ['apply', '-f', f, '--dry-run']);
      expect(t.stdout).to.equal('pod/dry created (dry run)\n');
    });
    it("-n NS gives the namespace to objects that name none and refuses one that names another (kubectl's words); -R reads subdirectories; .json files are read; --dry-run=client|server", () => {
      const d = join(dir, 'tree');
      const pod = (name: string, meta: Record<string, unknown> = {}) => podManifest(name, { containers: [{ name: 'a', image: 'example.invalid/app:1', command: ['serve'] }] }, meta);
      writeManifest(d, 'top.yaml', pod('top'));
      writeManifest(d, 'side.json', pod('side'));
      writeManifest(join(d, 'sub'), 'deep.yaml', pod('deep'));
      const names = (args: string[]) => {
        const r = podrun(root(), ['apply', ...args, '--dry-run', '-o', 'name']);
        expect(r.code, r.stderr).to.equal(0);
        return r.stdout;
      };
      expect(names(['-f', d])).to.equal('pod/side\npod/top\n');
      expect(names(['-R', '-f', d])).to.equal('pod/side\npod/top\npod/deep\n');
      symlinkSync('..', join(d, 'sub', 'loop')); // a link back up is not followed
      expect(names(['-R', '-f', d])).to.equal('pod/side\npod/top\npod/deep\n');
      const plan = JSON.parse(podrun(root(), ['apply', '-f', join(d, 'top.yaml'), '-n', 'team', '--dry-run', '-o', 'json']).stdout);
      expect(plan.key).to.equal('team_top');
      const other = writeManifest(dir, 'other-ns.yaml', pod('x', { namespace: 'dev' }));
      const r = podrun(root(), ['apply', '-f', other, '-n', 'team']);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.equal(
        `error: ${other}:6: metadata.namespace: the namespace from the provided object "dev" does not match the namespace "team"\n  hint: you must pass '--namespace=dev' to perform this operation, or leave -n out\n`,
      );
      expect(podrun(root(), ['apply', '-f', join(d, 'top.yaml'), '--dry-run=server']).stdout).to.equal('pod/top created (server dry run)\n');
      expect(podrun(root(), ['apply', '-f', join(d, 'top.yaml'), '--dry-run=client']).stdout).to.equal('pod/top created (dry run)\n');
      expect(podrun(root(), ['apply', '-f', join(d, 'top.yaml'), '--dry-run=maybe']).code).to.equal(2);
      expect(existsSync(join(root(), 'pods'))).to.equal(false);
    });
    it('--validate: strict refuses a field podrun does not run, warn runs without it and names it, ignore also takes an unknown field with a warning; what isolation or data depend on is refused in every mode', () => {
      const f = writeManifest(dir, 'validate.yaml', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: val\nspec:\n  activeDeadlineSeconds: 600\n  containers:\n  - name: a\n    image: example.invalid/app:1\n    command: [serve]\n');
      const strict = podrun(root(), ['apply', '-f', f, '--dry-run']);
      expect([strict.code, strict.stderr.split('\n')[0]]).to.deep.equal([2, `error: ${f}:6: spec.activeDeadlineSeconds: not supported by podrun yet`]);
      for (const mode of ['warn', 'ignore']) {
        const r = podrun(root(), ['apply', '-f', f, '--dry-run', `--validate=${mode}`]);
        expect(r.code, r.stderr).to.equal(0);
        expect(r.stdout).to.equal('pod/val created (dry run)\n');
        expect(r.stderr).to.match(new RegExp(`^warning: ${f}:6: spec\\.activeDeadlineSeconds: not supported by podrun yet: the pod runs without it here \\(--validate=${mode}\\)`));
      }
      const typo = writeManifest(dir, 'typo.yaml', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: typo\nspec:\n  containers:\n  - name: a\n    image: example.invalid/app:1\n    command: [serve]\n    workdir: /x\n');
      expect(podrun(root(), ['apply', '-f', typo, '--dry-run', '--validate=warn']).code).to.equal(2); // a typo stays an error under warn
      const ign = podrun(root(), ['apply', '-f', typo, '--dry-run', '--validate=false']);
      expect(ign.code, ign.stderr).to.equal(0);
      expect(ign.stderr).to.include(`warning: ${typo}:10: spec.containers[0].workdir: unknown field "workdir", ignored (--validate=ignore): did you mean workingDir?`);
      // a sandbox asked for, a volume of another kind, a mount by expression: never dropped
      const guarded = writeManifest(dir, 'guarded.yaml', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: g\nspec:\n  runtimeClassName: gvisor\n  containers:\n  - name: a\n    image: example.invalid/app:1\n    command: [serve]\n    volumeMounts: [{name: n, mountPath: /n, subPathExpr: $(X)}]\n  volumes:\n  - name: n\n    nfs: {server: nfs.example, path: /x}\n');
      for (const mode of ['warn', 'ignore']) {
        const r = podrun(root(), ['apply', '-f', guarded, '--dry-run', `--validate=${mode}`]);
        expect(r.code).to.equal(2);
        for (const field of ['spec.runtimeClassName', 'spec.containers[0].volumeMounts[0].subPathExpr', 'spec.volumes[0].nfs'])
          expect(r.stderr).to.include(`${field}: not supported by podrun yet`);
        expect(r.stderr).to.include(`(--validate=${mode} does not drop it: without it the pod would run less isolated, or its data elsewhere, than it asks)`);
      }
      expect(podrun(root(), ['apply', '-f', f, '--validate=maybe']).code).to.equal(2);
    });

    it('lint: valid is exit 0, a problem exit 2; --for-cluster names what a cluster does otherwise (exit 1), and the shipped manifests have nothing', () => {
      const d = join(dir, 'lint');
      const pod = writeManifest(
        d,
        'pod.yaml',
        'apiVersion: v1\nkind: Pod\nmetadata:\n  name: lp\n  annotations:\n    podrun.dev/restart-backoff: 1s-10s\nspec:\n  nodeSelector:\n    disk: ssd\n  containers:\n  - name: a\n    image: example.invalid/app:1\n    imagePullPolicy: Never\n    command: [serve]\n    volumeMounts: [{name: src, mountPath: /src}]\n  volumes:\n  - name: src\n    hostPath: {path: ./src}\n',
      );
      mkdirSync(join(d, 'src'));
      writeManifest(d, 'svc.yaml', 'apiVersion: v1\nkind: Service\nmetadata:\n  name: ls\nspec:\n  type: NodePort\n  selector: {app: x}\n  ports: [{port: 80}]\n');
      expect(podrun(root(), ['lint', '-f', d]).code).to.equal(0);
      const r = podrun(root(), ['lint', '--for-cluster', '-f', d]);
      expect(r.code, r.stderr).to.equal(1);
      const lines = r.stdout.split('\n').filter((l) => !l.startsWith('  hint:') && l);
      expect(lines.map((l) => l.replace(/^.*?:(\d+): ([^:]+):.*$/, '$1 $2'))).to.deep.equal([
        '6 metadata.annotations[podrun.dev/restart-backoff]',
        '18 spec.volumes[0].hostPath.path',
        '13 spec.containers[0].imagePullPolicy',
        '6 spec.type',
      ]);
      expect(r.stdout).to.include(`${pod}:18: spec.volumes[0].hostPath.path: a relative hostPath (./src)`);
      expect(r.stderr).to.include(`warning: ${pod}:8: spec.nodeSelector: scheduling field, ignored`); // validation's, as every command says it
      const bad = writeManifest(dir, 'lint-bad.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: {containers: [{name: a}]}\n');
      expect(podrun(root(), ['lint', '--for-cluster', '-f', bad]).code).to.equal(2);
      const repo = join(__dirname, '..', '..', '..');
      const shipped = podrun(root(), ['lint', '--for-cluster', '-f', join(repo, 'pods'), '-f', join(repo, 'examples', 'pod.yaml')]);
      expect([shipped.code, shipped.stdout, shipped.stderr]).to.deep.equal([0, '', '']);
      expect(existsSync(join(root(), 'pods'))).to.equal(false);
    });
  });

  describe('real pods', () => {
    let s: PodSuite | undefined;
    before(function () {
      if (!isRoot() || !haveBusybox()) this.skip();
      s = setUpSuite('podrun-apply-');
    });
    after(() => tearDownSuite(s, ['default', 'team']));

    it('re-apply: unchanged says so and keeps the process; an env change restarts the container in place and says so', () => {
      const dir = join(s!.root, 'manifests');
      const spec = (v: string) => podManifest('re', { containers: [{ name: 'c', command: ['sleep', '3600'], env: [{ name: 'V', value: v }] }] });
      const f = writeManifest(dir, 're.yaml', spec('1'));
      const a = s!.run(['apply', '-f', f]);
      expect(a.code, a.stderr).to.equal(0);
      expect(a.stdout).to.equal('pod/re created\n');
      const pid1 = waitStarted(s!.root, 're').pids.c;
      const b = s!.run(['apply', '-f', f]);
      expect(b.stdout).to.equal('pod/re unchanged\n');
      expect(viewPod(s!.root, 're').pids.c).to.equal(pid1);
      writeManifest(dir, 're.yaml', spec('2'));
      const c = s!.run(['apply', '-f', f]);
      expect(c.code, c.stderr).to.equal(0);
      expect(c.stdout).to.equal('pod/re configured (container c restarted: env changed)\n');
      const v = waitStarted(s!.root, 're');
      expect(v.pids.c).to.not.equal(pid1);
      expect(v.json.spec.containers[0].env).to.deep.equal([{ name: 'V', value: '2' }]);
      const d = s!.run(['delete', '-f', f, '--grace-period', '0']);
      expect(d.code, d.stderr).to.equal(0);
      expect(d.stdout).to.equal('pod "re" deleted\n');
      expect(existsSync(join(s!.root, 'pods', 'default_re'))).to.equal(false);
    });

    it('apply -f DIR: a pod whose image is missing is named by its file, line and field; the pod beside it is created', () => {
      const dir = join(s!.root, 'missing-image');
      writeManifest(dir, 'a-ok.yaml', podManifest('img-ok', { terminationGracePeriodSeconds: 0, containers: [{ name: 'c', command: ['sleep', '3600'] }] }));
      const bad = writeManifest(dir, 'b-bad.yaml', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: img-bad\nspec:\n  containers:\n  - name: app\n    image: nothere:1\n    imagePullPolicy: Never\n');
      const r = s!.run(['apply', '-f', dir]);
      expect(r.code).to.equal(1);
      expect(r.stdout).to.equal('pod/img-ok created\n');
      expect(r.stderr).to.include(`error: ${bad}:8: spec.containers[0].image: image docker.io/library/nothere:1 not found locally and imagePullPolicy is Never\n`);
      expect(s!.run(['get', 'pod', 'img-bad']).code).to.equal(1);
      expect(s!.run(['delete', 'pod', 'img-ok', '--now']).code).to.equal(0);
    });

    it('kinds podrun does not run (an Ingress, a CronJob, a custom resource) are skipped with a warning each; the pod beside them runs', () => {
      const dir = join(s!.root, 'manifests');
      const others =
        'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web}\nspec: {rules: [{host: web.local}]}\n---\n' +
        'apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: nightly}\nspec: {schedule: "0 3 * * *", jobTemplate: {spec: {template: {spec: {restartPolicy: Never, containers: [{name: a, image: busybox:test}]}}}}}\n---\n' +
        'apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: tls}\nspec: {secretName: tls}\n---\n';
      const f = writeManifest(dir, 'mixed.yaml', others + podManifest('mixed', { containers: [{ name: 'c', command: ['sleep', '3600'] }] }));
      const r = s!.run(['apply', '-f', f]);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.equal('pod/mixed created\n');
      const warnings = r.stderr.split('\n').filter((l) => l.startsWith('warning: '));
      expect(warnings).to.deep.equal([
        `warning: ${f}:2: kind: Ingress "web" (networking.k8s.io/v1) skipped: there is no ingress controller: reach the pods with a hostPort, a NodePort Service or \`podrun port-forward\``,
        `warning: ${f}:7: kind: CronJob "nightly" (batch/v1) skipped: there is no scheduler of jobs: run its jobTemplate.spec.template as a \`kind: Pod\``,
        `warning: ${f}:12: kind: Certificate "tls" (cert-manager.io/v1) skipped: a custom resource (cert-manager.io): podrun runs no controller for it`,
      ]);
      waitStarted(s!.root, 'mixed');
      const d = s!.run(['delete', '-f', f, '--grace-period', '0']);
      expect(d.code, d.stderr).to.equal(0);
      expect(d.stdout).to.equal('pod "mixed" deleted\n');
      expect(d.stderr.split('\n').filter((l) => l.startsWith('warning: '))).to.deep.equal(warnings);
    });

    it('get -o yaml exports a relative hostPath as the directory the pod binds (with podrun.dev/hostpath-written); the export re-applied from another folder is unchanged and makes nothing there', () => {
      const repo = mkdtempSync(join(tmpdir(), 'podrun-ws-')); // outside podrun's root, which no hostPath may name
      try {
        mkdirSync(join(repo, 'pods', 'site'), { recursive: true });
        const f = writeManifest(
          join(repo, 'pods'),
          'ws.yaml',
          podManifest('ws', { containers: [{ name: 'c', command: ['sleep', '3600'], volumeMounts: [{ name: 'site', mountPath: '/site' }] }], volumes: [{ name: 'site', hostPath: { path: './site', type: 'Directory' } }] }),
        );
        const a = s!.run(['apply', '-f', f]);
        expect(a.code, a.stderr).to.equal(0);
        const pid = waitStarted(s!.root, 'ws').pids.c;
        const y = s!.run(['get', 'pod', 'ws', '-o', 'yaml']);
        expect(y.code, y.stderr).to.equal(0);
        const exported = load(y.stdout) as { metadata: { annotations?: Record<string, string> }; spec: { volumes: { hostPath: { path: string } }[] } };
        expect(exported.spec.volumes[0].hostPath.path).to.equal(join(repo, 'pods', 'site'));
        expect(exported.metadata.annotations).to.deep.equal({ 'podrun.dev/hostpath-written': '{"site":"./site"}' });
        const elsewhere = join(repo, 'elsewhere');
        const e = writeManifest(elsewhere, 'ws.yaml', y.stdout);
        const b = s!.run(['apply', '-f', e]);
        expect(b.code, b.stderr).to.equal(0);
        expect(b.stdout).to.equal('pod/ws unchanged\n');
        expect(viewPod(s!.root, 'ws').pids.c).to.equal(pid);
        expect(existsSync(join(elsewhere, 'site')), 'nothing made beside the export').to.equal(false);
        const d = s!.run(['delete', 'pod', 'ws', '--grace-period', '0']);
        expect(d.code, d.stderr).to.equal(0);
      } finally {
        s!.run(['delete', 'pod', 'ws', '--grace-period', '0', '--ignore-not-found']);
        rmSync(repo, { recursive: true, force: true });
      }
    });

    it('podrun wait: a condition once the readiness probe passes, jsonpath, -l, timeouts and --for=delete, with kubectl\'s output and exit codes', async () => {
      const dir = join(s!.root, 'manifests');
      const probe = { exec: { command: ['cat', '/tmp/ok'] }, periodSeconds: 1 };
      const f = writeManifest(dir, 'wt.yaml', podManifest('wt', { containers: [{ name: 'c', command: ['sh', '-c', 'sleep 1; touch /tmp/ok; exec sleep 3600'], readinessProbe: probe }] }, { labels: { app: 'wt' } }));
      const a = s!.run(['apply', '-f', f]);
      expect(a.code, a.stderr).to.equal(0);
      const once = s!.run(['wait', '--for=condition=Ready', 'pod/wt', '--timeout', '0']);
      expect([once.code, once.stderr.split('\n')[0]], 'not ready yet: the probe passes after 1 s').to.deep.equal([1, 'error: condition not met for pods/wt']);
      const ready = s!.run(['wait', '--for=condition=Ready', 'pod/wt', '--timeout=20s']);
      expect(ready.code, ready.stderr).to.equal(0);
      expect(ready.stdout).to.equal('pod/wt condition met\n');
      const phase = s!.run(['wait', "--for=jsonpath={.status.phase}=Running", '-l', 'app=wt']);
      expect([phase.code, phase.stdout]).to.deep.equal([0, 'pod/wt condition met\n']);
      const late = s!.run(['wait', '--for=condition=Ready=false', 'pod/wt', '--timeout=1s']);
      expect([late.code, late.stderr.split('\n')[0]]).to.deep.equal([1, 'error: timed out waiting for the condition on pods/wt']);
      const none = s!.run(['wait', '--for=condition=Ready', '-l', 'app=nothing']);
      expect([none.code, none.stderr.split('\n')[0]]).to.deep.equal([1, 'error: no matching resources found']);
      const gone = s!.run(['wait', '--for=delete', 'pod/never-was']);
      expect([gone.code, gone.stdout]).to.deep.equal([0, '']);
      const waiting = podrunAsync(s!.root, ['wait', '--for=delete', 'pod/wt', '--timeout=30s']);
      await new Promise((r) => setTimeout(r, 1500)); // the waiter has found the pod (else it would say nothing: not there)
      const d = s!.run(['delete', 'pod', 'wt', '--grace-period', '0']);
      expect(d.code, d.stderr).to.equal(0);
      const w = await waiting;
      expect([w.code, w.stdout]).to.deep.equal([0, 'pod/wt condition met\n']);
      // apply --wait returns once the pod is Ready; one that fails instead is an error, exit 1 (its
      // probe never passes: without one a running container is Ready at once, and the wait done)
      const f2 = writeManifest(dir, 'wt2.yaml', podManifest('wt2', { containers: [{ name: 'c', command: ['sh', '-c', 'sleep 1; touch /tmp/ok; exec sleep 3600'], readinessProbe: probe }] }));
      const aw = s!.run(['apply', '-f', f2, '--wait', '--timeout', '20s']);
      expect([aw.code, aw.stdout], aw.stderr).to.deep.equal([0, 'pod/wt2 created\n']);
      expect(s!.run(['wait', '--for=condition=Ready', 'pod/wt2', '--timeout', '0']).code, 'Ready when apply returned').to.equal(0);
      const f3 = writeManifest(dir, 'wt3.yaml', podManifest('wt3', { restartPolicy: 'Never', containers: [{ name: 'c', command: ['sh', '-c', 'sleep 1; exit 3'], readinessProbe: { exec: { command: ['cat', '/nonexistent'] }, periodSeconds: 1 } }] }));
      const af = s!.run(['apply', '-f', f3, '--wait', '--timeout', '20s']);
      expect([af.code, af.stderr.split('\n')[0]]).to.deep.equal([1, 'error: pod/wt3 failed: its containers ended before it was ready']);
      const bad = s!.run(['apply', '-f', f3, '--timeout', '20s']);
      expect(bad.code).to.equal(2);
      // a pod that runs to completion is done; a bad --timeout applies nothing
      const f4 = writeManifest(dir, 'wt4.yaml', podManifest('wt4', { restartPolicy: 'Never', containers: [{ name: 'c', command: ['true'] }] }));
      const soon = s!.run(['apply', '-f', f4, '--wait', '--timeout', 'soon']);
      expect([soon.code, soon.stderr.split('\n')[0]]).to.deep.equal([2, "error: --timeout: 'soon' is not a duration"]);
      expect(existsSync(join(s!.root, 'pods', 'default_wt4')), 'nothing applied').to.equal(false);
      const done = s!.run(['apply', '-f', f4, '--wait', '--timeout', '20s']);
      expect([done.code, done.stdout], done.stderr).to.deep.equal([0, 'pod/wt4 created\n']);
      for (const n of ['wt2', 'wt3', 'wt4']) expect(s!.run(['delete', 'pod', n, '--grace-period', '0']).code).to.equal(0);
    });

    it("the image's USER name is looked up in its /etc/passwd, and its STOPSIGNAL is what delete sends", () => {
      const rootfs = join(s!.root, 'src-rootfs');
      const imp = s!.run(['import', '-c', 'USER user', '-c', 'STOPSIGNAL SIGUSR1', rootfs, 'busybox:user']);
      expect(imp.code, imp.stderr).to.equal(0);
      const ghost = s!.run(['import', '-c', 'USER ghost', rootfs, 'busybox:ghost']);
      expect(ghost.code, ghost.stderr).to.equal(0);
      const dir = join(s!.root, 'manifests');
      const f = writeManifest(
        dir,
        'usr.yaml',
        podManifest('usr', {
          terminationGracePeriodSeconds: 30,
          // PID 1 ignores SIGTERM (no handler): only SIGUSR1 ends it before the grace period
          containers: [{ name: 'c', image: 'busybox:user', command: ['sh', '-c', 'trap "exit 0" USR1; while true; do sleep 0.1; done'] }],
        }),
      );
      const r = s!.run(['apply', '-f', f]);
      expect(r.code, r.stderr).to.equal(0);
      const pid = waitStarted(s!.root, 'usr').pids.c;
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      expect(status).to.match(/^Uid:\s+1000\s+1000\s+1000\s+1000$/m);
      expect(status).to.match(/^Gid:\s+1000\s+1000\s+1000\s+1000$/m);
      const t0 = Date.now();
      const d = s!.run(['delete', 'pod', 'usr']);
      expect(d.code, d.stderr).to.equal(0);
      expect(Date.now() - t0).to.be.lessThan(15_000);

      const g = writeManifest(dir, 'ghost.yaml', podManifest('ghost', { containers: [{ name: 'c', image: 'busybox:ghost', command: ['true'] }] }));
      const gr = s!.run(['apply', '-f', g]);
      expect(gr.code).to.equal(1);
      const first = gr.stderr.split('\n')[0];
      expect(first.startsWith(`error: ${g}:`), first).to.equal(true);
      expect(first).to.match(/:\d+: spec\.containers\[0\]\.image: container c: user "ghost" \(the image's USER "ghost"\) is not in the image's \/etc\/passwd \(busybox:ghost\)$/);
      expect(existsSync(join(s!.root, 'pods', 'default_ghost'))).to.equal(false);
    });

    it('exited containers: exit codes, reasons, phase and STATUS as kubectl shows them', () => {
      const dir = join(s!.root, 'manifests');
      const f = writeManifest(
        dir,
        'ended.yaml',
        podManifest('ended', {
          restartPolicy: 'Never',
          containers: [
            { name: 'ok', command: ['true'] },
            { name: 'bad', command: ['sh', '-c', 'exit 3'] },
          ],
        }),
      );
      const r = s!.run(['apply', '-f', f]);
      expect(r.code, r.stderr).to.equal(0);
      const v = waitFor(
        () => {
          const j = viewPod(s!.root, 'ended').json;
          return j.status.containerStatuses.every((c: any) => c.state.terminated) ? j : undefined;
        },
        60_000,
        'both containers to exit',
      );
      expect(v.status.phase).to.equal('Failed');
      expect(v.status.containerStatuses.map((c: any) => [c.state.terminated.exitCode, c.state.terminated.reason])).to.deep.equal([
        [0, 'Completed'],
        [3, 'Error'],
      ]);
      expect(v.status.containerStatuses[1].state.terminated.finishedAt).to.match(/^\d{4}-\d\d-\d\dT/);
      expect(s!.run(['get', 'pods']).stdout).to.match(/^ended\s+0\/2\s+Error\s+0\s+\d+s$/m);
      expect(s!.run(['describe', 'pod', 'ended']).stdout).to.match(/Reason:\s+Error\n\s+Exit Code:\s+3\n/);
      expect(s!.run(['delete', 'pod', 'ended']).code).to.equal(0);
    });

    it('10 concurrent applies of different pods all succeed', async () => {
      const dir = join(s!.root, 'many');
      const files = Array.from({ length: 10 }, (_, i) =>
        writeManifest(dir, `p${i}.yaml`, podManifest(`p${i}`, { containers: [{ name: 'c', command: ['sleep', '3600'] }] })),
      );
      const results = await Promise.all(files.map((f) => podrunAsync(s!.root, ['apply', '-f', f])));
      results.forEach((r, i) => {
        expect(r.code, r.stderr).to.equal(0);
        expect(r.stdout).to.equal(`pod/p${i} created\n`);
      });
      const g = s!.run(['get', 'pods', '-o', 'json']);
      const items = JSON.parse(g.stdout).items.filter((p: any) => /^p\d$/.test(p.metadata.name));
      expect(items.length).to.equal(10);
      expect(items.every((p: any) => p.status.phase === 'Running')).to.equal(true);
      const d = s!.run(['delete', 'pod', ...files.map((_, i) => `p${i}`), '--grace-period', '0']);
      expect(d.code, d.stderr).to.equal(0);
      expect(d.stdout.trim().split('\n').length).to.equal(10);
    });

    it('concurrent applies of the same pod: one creates it, the others report the conflict or unchanged', async () => {
      const f = writeManifest(join(s!.root, 'same'), 'same.yaml', podManifest('same', { containers: [{ name: 'c', command: ['sleep', '3600'] }] }));
      const results = await Promise.all(Array.from({ length: 5 }, () => podrunAsync(s!.root, ['apply', '-f', f])));
      const created = results.filter((r) => r.code === 0 && r.stdout === 'pod/same created\n');
      expect(created.length, results.map((r) => r.stdout + r.stderr).join('|')).to.equal(1);
      for (const r of results) {
        if (r === created[0]) continue;
        const ok =
          (r.code === 0 && r.stdout === 'pod/same unchanged\n') ||
          (r.code === 1 && r.stderr.startsWith('error: pod same is being changed by another podrun command\n'));
        expect(ok, `${r.code} ${r.stdout} ${r.stderr}`).to.equal(true);
      }
      expect(readdirSync(join(s!.root, 'pods'))).to.include('default_same');
      expect(s!.run(['delete', 'pod', 'same', '--grace-period', '0']).code).to.equal(0);
    });

    it('get and describe: kubectl-shaped table, wide, name, yaml, namespaces, not found', () => {
      const f = writeManifest(
        join(s!.root, 'show'),
        'show.yaml',
        podManifest('show', { containers: [{ name: 'app', command: ['sleep', '3600'] }, { name: 'side', command: ['sleep', '3600'] }] }, {
          namespace: 'team',
          labels: { app: 'show' },
        }),
      );
      const a = s!.run(['apply', '-f', f, '-o', 'name']);
      expect(a.code, a.stderr).to.equal(0);
      expect(a.stdout).to.equal('pod/show\n');
      const table = s!.run(['get', 'pods', '-n', 'team']).stdout.split('\n');
      expect(table[0]).to.match(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
      expect(table[1]).to.match(/^show\s+2\/2\s+Running\s+0\s+\d+s$/);
      expect(s!.run(['get', 'pods', '-A']).stdout).to.match(/^NAMESPACE\s+NAME\s+READY/);
      expect(s!.run(['get', 'pods', '-n', 'team', '-o', 'wide']).stdout.split('\n')[1]).to.match(/\s127\.0\.0\.1\s+\S+\s+app,side$/);
      const y = s!.run(['get', 'pod', 'show', '-n', 'team', '-o', 'yaml']).stdout;
      expect(y).to.match(/^apiVersion: v1\nkind: Pod\n/);
      expect(y).to.include('phase: Running');
      const nf = s!.run(['get', 'pod', 'show']);
      expect(nf.code).to.equal(1);
      expect(nf.stderr).to.include('pods "show" not found');
      const d = s!.run(['describe', 'pod', 'show', '-n', 'team']);
      expect(d.code, d.stderr).to.equal(0);
      expect(d.stdout).to.match(/^Name:\s+show\nNamespace:\s+team\n/);
      expect(d.stdout).to.match(/Labels:\s+app=show/);
      expect(d.stdout).to.match(/State:\s+Running/);
      // the monitor's events, worded as the kubelet 1.35+ does (one per container)
      expect(d.stdout.match(/Normal\s+Started\s+\S+\s+podrun\s+Container started/g)?.length).to.equal(2);
      expect(s!.run(['delete', 'pod', 'show', '-n', 'team', '--grace-period', '0']).code).to.equal(0);
    });
  });
});
