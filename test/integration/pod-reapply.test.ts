// Re-apply at the smallest scope (docs/reapply.md), with real pods: a label is changed in place
// (nothing restarts), an env change restarts that container alone in the same pod (its pause, the
// other containers, the emptyDir's data unchanged), a new volume re-creates the pod and says why,
// --force re-creates an unchanged pod, and a container's broken new definition is said while the
// others run on.
import { expect } from 'chai';
import { haveBusybox } from '../helpers/busybox';
import { isRoot } from '../helpers/cli';
import { containerFile, podManifest, setUpSuite, tearDownSuite, viewPod, waitFor, waitStarted, writeManifest, type PodSuite } from './pod-helpers';
import { join } from 'path';
import { readFileSync, writeFileSync } from 'fs';

type Edit = { labels?: Record<string, string>; envB?: string; memory?: boolean; commandC?: string[]; probeC?: boolean };

function manifest(e: Edit = {}): string {
  return podManifest(
    'ra',
    {
      volumes: [{ name: 'data', emptyDir: e.memory ? { medium: 'Memory' } : {} }],
      containers: [
        { name: 'a', command: ['sh', '-c', 'echo $$ > /data/a-started; exec sleep 3600'], volumeMounts: [{ name: 'data', mountPath: '/data' }] },
        { name: 'b', command: ['sh', '-c', 'echo "$X" > /data/b-env; exec sleep 3600'], env: [{ name: 'X', value: e.envB ?? 'one' }], volumeMounts: [{ name: 'data', mountPath: '/data' }] },
        { name: 'c', command: e.commandC ?? ['sleep', '3600'], ...(e.probeC ? { readinessProbe: { exec: { command: ['test', '-d', '/'] }, periodSeconds: 1 } } : {}) },
      ],
    },
    { labels: e.labels ?? { app: 'ra' } },
  );
}

describe('re-apply at the smallest scope (real pods)', function () {
  let s: PodSuite | undefined;
  let file = '';
  before(function () {
    if (!isRoot() || !haveBusybox()) this.skip();
    s = setUpSuite('podrun-reapply-');
    file = join(s.root, 'manifests', 'ra.yaml');
  });
  after(() => tearDownSuite(s));

  const apply = (e: Edit, ...flags: string[]) => {
    writeManifest(join(s!.root, 'manifests'), 'ra.yaml', manifest(e));
    return s!.run(['apply', '-f', file, ...flags]);
  };
  const started = (v: ReturnType<typeof viewPod>) => Object.fromEntries(v.json.status.containerStatuses.map((c: any) => [c.name, `${c.restartCount}@${c.state.running?.startedAt}`]));

  it('a label: updated in place, nothing restarts; `get` shows it', () => {
    const r = apply({});
    expect(r.code, r.stderr).to.equal(0);
    const before = waitStarted(s!.root, 'ra');
    const l = apply({ labels: { app: 'ra', tier: 'dev' } });
    expect(l.code, l.stderr).to.equal(0);
    expect(l.stdout).to.equal('pod/ra configured (labels)\n');
    const after = viewPod(s!.root, 'ra');
    expect(after.json.metadata.labels).to.deep.equal({ app: 'ra', tier: 'dev' });
    expect(after.pids).to.deep.equal(before.pids);
    expect(after.pausePid).to.equal(before.pausePid);
  });

  it('env of one container: it alone restarts, in the same pod; the emptyDir and the others are untouched', () => {
    const before = waitStarted(s!.root, 'ra');
    const marker = containerFile(before.pids.a, '/data/a-started');
    const r = apply({ labels: { app: 'ra', tier: 'dev' }, envB: 'two' });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal('pod/ra configured (container b restarted: env changed)\n');
    const after = waitStarted(s!.root, 'ra');
    expect(after.pausePid, 'the same pod').to.equal(before.pausePid);
    expect(after.json.status.podIP).to.equal(before.json.status.podIP);
    expect(after.json.metadata.uid).to.equal(before.json.metadata.uid);
    expect(after.pids.a).to.equal(before.pids.a);
    expect(after.pids.c).to.equal(before.pids.c);
    expect(after.pids.b).to.not.equal(before.pids.b);
    expect(started(after).a).to.equal(started(before).a);
    expect(started(after).c).to.equal(started(before).c);
    expect(after.json.status.containerStatuses.find((c: any) => c.name === 'b').restartCount).to.equal(1);
    expect(containerFile(after.pids.a, '/data/a-started'), 'the emptyDir keeps its data').to.equal(marker);
    waitFor(() => containerFile(after.pids.b, '/data/b-env') === 'two\n' || undefined, 10_000, 'the new env');
    expect(s!.run(['exec', 'ra/b', '--', 'sh', '-c', 'echo $X']).stdout).to.equal('two\n');
    // the event says why, as the kubelet's does
    expect(s!.run(['describe', 'pod', 'ra']).stdout).to.include('Container b definition changed, will be restarted');
    expect(apply({ labels: { app: 'ra', tier: 'dev' }, envB: 'two' }).stdout).to.equal('pod/ra unchanged\n');
  });

  it('a new definition that cannot start is said; the other containers run on and the record has it', () => {
    const before = waitStarted(s!.root, 'ra');
    const r = apply({ labels: { app: 'ra', tier: 'dev' }, envB: 'two', commandC: ['/no/such/program'] });
    expect(r.code).to.equal(1);
    expect(r.stdout).to.equal('pod/ra configured (container c restarted: command changed)\n');
    expect(r.stderr).to.include('container c: its new definition did not start');
    const after = viewPod(s!.root, 'ra');
    expect(after.pids.a).to.equal(before.pids.a);
    expect(after.json.spec.containers[2].command).to.deep.equal(['/no/such/program']);
    // fixed: started at once (the back-off of the new definition starts over)
    const f = apply({ labels: { app: 'ra', tier: 'dev' }, envB: 'two' });
    expect(f.code, f.stderr).to.equal(0);
    expect(f.stdout).to.equal('pod/ra configured (container c restarted: command changed)\n');
    expect(waitStarted(s!.root, 'ra').json.status.containerStatuses.find((c: any) => c.name === 'c').state.running).to.not.equal(undefined);
  });

  it('a first probe, added to a pod that had none, runs (the monitor opened what probes need)', () => {
    const r = apply({ labels: { app: 'ra', tier: 'dev' }, envB: 'two', probeC: true });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal('pod/ra configured (container c restarted: readinessProbe changed)\n');
    const w = s!.run(['wait', '--for=condition=Ready', 'pod/ra', '--timeout', '30s']);
    expect(w.code, w.stderr).to.equal(0);
    const back = apply({ labels: { app: 'ra', tier: 'dev' }, envB: 'two' });
    expect(back.stdout).to.equal('pod/ra configured (container c restarted: readinessProbe changed)\n');
  });

  it('an apply cut short while it replaced a container: the next apply (here of the file it was applying) restarts it with that file\'s definition', () => {
    const before = waitStarted(s!.root, 'ra');
    // what reapplyInPlace writes before its first `replace`, as a killed apply leaves it
    const recordFile = join(s!.root, 'pods', 'default_ra', 'pod.json');
    const rec = JSON.parse(readFileSync(recordFile, 'utf8'));
    writeFileSync(recordFile, JSON.stringify({ ...rec, replacing: ['b'] }));
    const r = apply({ labels: { app: 'ra', tier: 'dev' }, envB: 'two' });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal('pod/ra configured (container b restarted: definition changed)\n');
    const after = waitStarted(s!.root, 'ra');
    expect(after.pids.b).to.not.equal(before.pids.b);
    expect(after.pids.a).to.equal(before.pids.a);
    expect(JSON.parse(readFileSync(recordFile, 'utf8')).replacing, 'done').to.equal(undefined);
    expect(apply({ labels: { app: 'ra', tier: 'dev' }, envB: 'two' }).stdout).to.equal('pod/ra unchanged\n');
  });

  it('a change to the volumes re-creates the pod and says why; --force re-creates an unchanged one', () => {
    const before = waitStarted(s!.root, 'ra');
    const r = apply({ labels: { app: 'ra', tier: 'dev' }, envB: 'two', memory: true });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal('pod/ra recreated (spec.volumes changed)\n');
    const after = waitStarted(s!.root, 'ra');
    expect(after.pausePid).to.not.equal(before.pausePid);
    const d = s!.run(['apply', '-f', file, '--dry-run']);
    expect(d.stdout).to.equal('pod/ra unchanged (dry run)\n');
    const f = s!.run(['apply', '-f', file, '--force']);
    expect(f.code, f.stderr).to.equal(0);
    expect(f.stdout).to.equal('pod/ra recreated (--force)\n');
    expect(waitStarted(s!.root, 'ra').pausePid).to.not.equal(after.pausePid);
    const del = s!.run(['delete', 'pod', 'ra', '--grace-period', '0']);
    expect(del.code, del.stderr).to.equal(0);
  });
});
