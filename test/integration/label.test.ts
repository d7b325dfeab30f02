// podrun label and annotate (kubectl's) on a real pod, a Deployment and a ConfigMap: set, change
// with --overwrite, remove with KEY-, -l; a pod's labels change in place (same process, the
// downward API file rewritten), as apply changes a file's labels.
import { expect } from 'chai';
import { spawn } from 'child_process';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { haveBusybox } from '../helpers/busybox';
import { isRoot, PODRUN } from '../helpers/cli';
import { podManifest, setUpSuite, tearDownSuite, until, viewPod, waitStarted, writeManifest, type PodSuite } from './pod-helpers';

describe('label and annotate (real pods)', function () {
  let s: PodSuite | undefined;
  before(function () {
    if (!isRoot() || !haveBusybox()) this.skip();
    s = setUpSuite('podrun-label-');
  });
  after(() => tearDownSuite(s));
  const run = (args: string[]) => {
    const r = s!.run(args);
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).to.equal(0);
    return r;
  };

  it('a pod: set, refuse a change without --overwrite, change, remove; in place, the downward API file follows; not labeled when nothing changes', async () => {
    const pod = podManifest(
      'web',
      {
        terminationGracePeriodSeconds: 0,
        containers: [{ name: 'c', command: ['sleep', '3600'], volumeMounts: [{ name: 'meta', mountPath: '/meta' }] }],
        volumes: [{ name: 'meta', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } }],
      },
      { labels: { app: 'web' } },
    );
    run(['apply', '-f', writeManifest(join(s!.root, 'm'), 'web.yaml', pod)]);
    const pid = waitStarted(s!.root, 'web').pids.c;
    expect(run(['label', 'pod', 'web', 'tier=front']).stdout).to.equal('pod/web labeled\n');
    expect(run(['get', 'pod', 'web', '--show-labels']).stdout).to.match(/app=web,tier=front\n$/);
    await until(() => run(['exec', 'web', '--', 'cat', '/meta/labels']).stdout.includes('tier="front"'), 10_000);
    const refused = s!.run(['label', 'pod/web', 'tier=back']);
    expect([refused.code, refused.stderr]).to.deep.equal([2, "error: 'tier' already has a value (front), and --overwrite is false\n  hint: add --overwrite to change it\n"]);
    expect(run(['label', 'pod/web', 'tier=back', '--overwrite']).stdout).to.equal('pod/web labeled\n');
    expect(run(['label', 'pods', '-l', 'app=web', 'tier-']).stdout).to.equal('pod/web labeled\n');
    expect(run(['label', 'pod', 'web', 'app=web']).stdout).to.equal('pod/web not labeled\n');
    expect(JSON.parse(run(['get', 'pod', 'web', '-o', 'json']).stdout).metadata.labels).to.deep.equal({ app: 'web' });
    expect(viewPod(s!.root, 'web').pids.c).to.equal(pid); // nothing restarted
    expect(run(['annotate', 'pod', 'web', 'note=hello world']).stdout).to.equal('pod/web annotated\n');
    expect(JSON.parse(run(['get', 'pod', 'web', '-o', 'json']).stdout).metadata.annotations).to.include({ note: 'hello world' });
    const bad = s!.run(['label', 'pod', 'web', 'bad key=x']);
    expect(bad.code).to.equal(2);
    expect(s!.run(['label', 'pod', 'nothere', 'a=b']).stderr.split('\n')[0]).to.equal('Error from server (NotFound): pods "nothere" not found');
    run(['delete', 'pod', 'web', '--now']);
  });

  it('a pod that has ended (or lost its monitor) is refused, never made again: its data and its run stay', async () => {
    const pod = podManifest('done', { restartPolicy: 'Never', terminationGracePeriodSeconds: 0, containers: [{ name: 'c', command: ['sh', '-c', 'echo ran >> /data/runs'], volumeMounts: [{ name: 'd', mountPath: '/data' }] }], volumes: [{ name: 'd', emptyDir: {} }] });
    run(['apply', '-f', writeManifest(join(s!.root, 'm'), 'done.yaml', pod)]);
    await until(() => JSON.parse(run(['get', 'pod', 'done', '-o', 'json']).stdout).status.phase === 'Succeeded', 15_000);
    const before = JSON.parse(run(['get', 'pod', 'done', '-o', 'json']).stdout).metadata;
    // the pod's monitor has stopped with it: no in-place change is possible
    await until(() => s!.run(['label', 'pod', 'done', 'x=1']).code !== 0, 10_000);
    const r = s!.run(['label', 'pod', 'done', 'x=1']);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/^error: pod\/done: its labels cannot change in place: its monitor is not running/);
    const after = JSON.parse(run(['get', 'pod', 'done', '-o', 'json']).stdout);
    expect([after.metadata.uid, after.metadata.creationTimestamp, after.metadata.labels, after.status.phase]).to.deep.equal([before.uid, before.creationTimestamp, before.labels, 'Succeeded']);
    run(['delete', 'pod', 'done', '--now']);
  });

  it('a Deployment and a ConfigMap: their records change, the template and the data do not', () => {
    const cm = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { a: '1' } });
    run(['apply', '-f', writeManifest(join(s!.root, 'm'), 'cm.yaml', cm)]);
    expect(run(['label', 'cm/settings', 'team=dev']).stdout).to.equal('configmap/settings labeled\n');
    expect(run(['annotate', 'configmap', 'settings', 'owner=me']).stdout).to.equal('configmap/settings annotated\n');
    const got = JSON.parse(run(['get', 'cm', 'settings', '-o', 'json']).stdout);
    expect([got.metadata.labels, got.metadata.annotations.owner, got.data]).to.deep.equal([{ team: 'dev' }, 'me', { a: '1' }]);
    run(['delete', 'cm', 'settings']);
    const dep = JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api' }, spec: { replicas: 0, selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'c', image: 'busybox:test', imagePullPolicy: 'Never', command: ['sleep', '3600'] }] } } } });
    run(['apply', '-f', writeManifest(join(s!.root, 'm'), 'dep.yaml', dep)]);
    expect(run(['label', 'deploy/api', 'team=dev']).stdout).to.equal('deployment.apps/api labeled\n');
    const d = JSON.parse(run(['get', 'deploy', 'api', '-o', 'json']).stdout);
    expect([d.metadata.labels, d.spec.template.metadata.labels]).to.deep.equal([{ team: 'dev' }, { app: 'api' }]);
    run(['delete', 'deploy', 'api']);
  });

  it("events: kubectl's columns, oldest first; --for, --types, -o json; -w prints the new ones as they come", async () => {
    const mk = (name: string) => writeManifest(join(s!.root, 'm'), `${name}.yaml`, podManifest(name, { terminationGracePeriodSeconds: 0, containers: [{ name: 'c', command: ['sleep', '3600'] }] }));
    run(['apply', '-f', mk('ev1')]);
    await until(() => run(['events', '--for', 'pod/ev1']).stdout.includes('Started'), 10_000);
    const out = run(['events', '--for', 'pod/ev1']).stdout.split('\n').filter(Boolean);
    expect(out[0].split(/\s{2,}/)).to.deep.equal(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
    expect(out.slice(1).map((l) => l.split(/\s{2,}/).slice(1, 4).join(' '))).to.include.members(['Normal Created pod/ev1', 'Normal Started pod/ev1']);
    const none = s!.run(['events', '--for', 'pod/ev1', '--types', 'Warning']);
    expect([none.stdout, none.stderr]).to.deep.equal(['', 'No events found in default namespace.\n']);
    const list = JSON.parse(run(['events', '--for', 'pod/ev1', '-o', 'json']).stdout);
    expect(list.kind).to.equal('List');
    expect(list.items[0]).to.include({ apiVersion: 'v1', kind: 'Event', type: 'Normal' });
    expect(list.items[0].involvedObject).to.include({ kind: 'Pod', name: 'ev1' });
    const child = spawn(PODRUN, ['events', '-w'], { env: { ...process.env, PODRUN_ROOT: s!.root } });
    let said = '';
    child.stdout.on('data', (d) => (said += d));
    try {
      await until(() => said.includes('pod/ev1'), 10_000);
      run(['apply', '-f', mk('ev2')]);
      await until(() => /Started +pod\/ev2/.test(said), 15_000);
      expect(said.split('\n').filter((l) => l.startsWith('LAST SEEN'))).to.have.length(1); // the header once
    } finally {
      child.kill('SIGINT');
    }
    run(['delete', 'pods', 'ev1', 'ev2', '--now']);
  });

  it('diff -f of a pod: nothing while its file is what runs; a changed env shows as a -u diff, exit 1; a scaled Deployment keeps its count', () => {
    const outside = mkdtempSync(join(tmpdir(), 'podrun-dp-')); // a relative hostPath: beside the file, outside podrun's state
    const f = (v: string) => writeManifest(outside, 'dp.yaml', podManifest('dp', { terminationGracePeriodSeconds: 0, containers: [{ name: 'c', command: ['sleep', '3600'], env: [{ name: 'V', value: v }], volumeMounts: [{ name: 'h', mountPath: '/h' }] }], volumes: [{ name: 'h', hostPath: { path: '.', type: 'Directory' } }] }));
    run(['apply', '-f', f('1')]);
    const same = s!.run(['diff', '-f', f('1')]);
    expect([same.code, same.stdout]).to.deep.equal([0, '']);
    const d = s!.run(['diff', '-f', f('2')]);
    expect(d.code).to.equal(1);
    expect(d.stdout).to.match(/^diff -u -N LIVE\/v1\.Pod\.default\.dp MERGED\/v1\.Pod\.default\.dp\n/);
    expect(d.stdout).to.match(/\n- +value: '1'\n\+ +value: '2'\n/);
    run(['delete', 'pod', 'dp', '--now']);
    rmSync(outside, { recursive: true, force: true });
    const dep = writeManifest(join(s!.root, 'm'), 'dd.yaml', JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'dd' }, spec: { selector: { matchLabels: { app: 'dd' } }, template: { metadata: { labels: { app: 'dd' } }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'busybox:test', imagePullPolicy: 'Never', command: ['sleep', '3600'] }] } } } }));
    run(['apply', '-f', dep]);
    run(['scale', 'deploy/dd', '--replicas', '0']);
    expect(s!.run(['diff', '-f', dep]).code).to.equal(0); // the file writes no replicas: apply keeps 0
    run(['delete', 'deploy', 'dd']);
  });
});
