// Long stops over time (docs/cli/delete.md, "Waiting out the grace period"), with real pods whose
// container ignores SIGTERM: on a terminal the wait shows a live line and Ctrl-C kills at once; a
// second `delete --now` takes over a delete in its grace period, a plain one waits for it; a
// delete cut short (SIGKILLed, or before it asked the monitor) is finished by the next command;
// apply's --grace-period/--now reach what it stops (a re-created pod, a restarted container).
import { expect } from 'chai';
import { spawn, spawnSync } from 'child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { haveBusybox } from '../helpers/busybox';
import { isRoot, PODRUN } from '../helpers/cli';
import { haveScript, inTerminal, podManifest, podrunAsync, setUpSuite, tearDownSuite, until, viewPod, waitStarted, writeManifest, type PodSuite } from './pod-helpers';

const STUBBORN = ['sh', '-c', "trap '' TERM; echo up; while true; do sleep 0.1; done"];
const POLITE = ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 0.1; done"];

function manifest(name: string, grace: number, e: { env?: string; memory?: boolean } = {}): string {
  return podManifest(name, {
    terminationGracePeriodSeconds: grace,
    volumes: [{ name: 'data', emptyDir: e.memory ? { medium: 'Memory' } : {} }],
    containers: [
      { name: 'app', command: STUBBORN, env: [{ name: 'X', value: e.env ?? 'one' }], volumeMounts: [{ name: 'data', mountPath: '/data' }] },
      { name: 'side', command: POLITE },
    ],
  });
}

describe('waiting out grace periods: progress, Ctrl-C, takeover, cut-short deletes (real pods)', function () {
  let s: PodSuite | undefined;
  let dir = '';
  before(function () {
    if (!isRoot() || !haveBusybox() || !haveScript()) this.skip();
    s = setUpSuite('podrun-grace-');
    dir = join(s.root, 'manifests');
  });
  after(() => tearDownSuite(s));

  const up = (name: string, grace: number, e: { env?: string; memory?: boolean } = {}, ...flags: string[]) => {
    const r = s!.run(['apply', '-f', writeManifest(dir, `${name}.yaml`, manifest(name, grace, e)), ...flags]);
    expect(r.code, r.stderr).to.equal(0);
    return r;
  };
  const status = (name: string) => (s!.run(['get', 'pod', name]).stdout.split('\n')[1] ?? '').split(/\s+/)[2];
  const gone = (name: string) => s!.run(['get', 'pod', name]).code === 1 && !existsSync(join(s!.root, 'pods', `default_${name}`));

  it('on a terminal the wait shows what it waits for; Ctrl-C kills what is left at once and the delete finishes', async () => {
    up('tty', 60);
    waitStarted(s!.root, 'tty');
    const t0 = Date.now();
    const term = inTerminal(s!.root, ['delete', 'pod', 'tty']);
    await until(() => term.output().includes('waiting for app to stop'), 20_000);
    expect(term.output()).to.match(/pod\/tty: waiting for app to stop \(\d+s; SIGKILL in \d+s\) - Ctrl-C kills now/);
    term.type('\x03');
    expect(await term.done).to.equal(0);
    expect(term.output()).to.include('pod/tty: killing app now');
    expect(term.output()).to.include('pod "tty" deleted');
    expect(Date.now() - t0, 'well before the 60 s grace period').to.be.below(30_000);
    expect(gone('tty')).to.equal(true);
  });

  it('on a terminal an in-place restart\'s wait has the line too, and Ctrl-C kills the old instance now', async () => {
    up('inplace', 60);
    waitStarted(s!.root, 'inplace');
    const t0 = Date.now();
    writeManifest(dir, 'inplace.yaml', manifest('inplace', 60, { env: 'two' }));
    const term = inTerminal(s!.root, ['apply', '-f', join(dir, 'inplace.yaml')]);
    try {
      await until(() => term.output().includes('pod/inplace: waiting for app to stop'), 20_000);
      expect(term.output()).to.include('Ctrl-C kills now');
      term.type('\x03');
      expect(await term.done).to.equal(0);
      expect(term.output()).to.include('pod/inplace configured (container app restarted: env changed)');
      expect(Date.now() - t0, 'well before the 60 s grace period').to.be.below(30_000);
    } finally {
      if (term.pid) spawnSync('kill', ['-KILL', String(term.pid)]);
      expect(s!.run(['delete', 'pod', 'inplace', '--grace-period', '0']).code).to.equal(0);
    }
  });

  it('without a terminal nothing is drawn', () => {
    up('quiet', 1);
    waitStarted(s!.root, 'quiet');
    const r = s!.run(['delete', 'pod', 'quiet']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.equal('');
    expect(r.stdout).to.equal('pod "quiet" deleted\n');
  });

  it('delete --now takes over a delete waiting out a long grace period; both say deleted', async () => {
    up('take', 60);
    waitStarted(s!.root, 'take');
    const t0 = Date.now();
    const first = podrunAsync(s!.root, ['delete', 'pod', 'take']);
    await until(() => status('take') === 'Terminating', 20_000);
    const second = s!.run(['delete', 'pod', 'take', '--now']);
    expect(second.code, second.stderr).to.equal(0);
    expect(second.stdout).to.equal('pod "take" deleted\n');
    const r = await first;
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal('pod "take" deleted\n');
    expect(Date.now() - t0).to.be.below(30_000);
    expect(gone('take')).to.equal(true);
  });

  it('a second plain delete waits for the first instead of failing', async () => {
    up('twice', 3);
    waitStarted(s!.root, 'twice');
    const first = podrunAsync(s!.root, ['delete', 'pod', 'twice']);
    await until(() => status('twice') === 'Terminating', 20_000);
    const second = s!.run(['delete', 'pod', 'twice']);
    expect(second.code, second.stderr).to.equal(0);
    expect(second.stdout).to.equal('pod "twice" deleted\n');
    expect((await first).code).to.equal(0);
    expect(gone('twice')).to.equal(true);
  });

  it('a delete SIGKILLed in its grace period: Terminating while the monitor waits it out, then the next command removes the pod', async () => {
    up('cut', 3);
    waitStarted(s!.root, 'cut');
    const child = spawn(PODRUN, ['delete', 'pod', 'cut'], { env: { ...process.env, PODRUN_ROOT: s!.root }, stdio: 'ignore' });
    await until(() => status('cut') === 'Terminating', 20_000);
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    expect(status('cut')).to.equal('Terminating');
    // the monitor goes on (SIGKILL at the end of the grace period); `get` then finishes the delete
    await until(() => {
      const g = s!.run(['get', 'pods', '-o', 'name']);
      return g.code === 0 && g.stdout === '';
    }, 30_000);
    expect(gone('cut')).to.equal(true);
    expect(existsSync(join(s!.root, 'run', 'deleting', 'default_cut'))).to.equal(false);
  });

  it('a delete cut short before it asked the monitor: the next command asks, with what is left of the grace period', async () => {
    up('early', 60);
    waitStarted(s!.root, 'early');
    // what deletePodLocked has written when it is killed before its stop request
    const recordFile = join(s!.root, 'pods', 'default_early', 'pod.json');
    const rec = JSON.parse(readFileSync(recordFile, 'utf8'));
    writeFileSync(recordFile, JSON.stringify({ ...rec, deletionTimestamp: new Date().toISOString(), deletionGracePeriodSeconds: 1 }));
    mkdirSync(join(s!.root, 'run', 'deleting'), { recursive: true });
    writeFileSync(join(s!.root, 'run', 'deleting', 'default_early'), '');
    expect(status('early')).to.equal('Terminating');
    await until(() => {
      const g = s!.run(['get', 'pods', '-o', 'name']);
      return g.code === 0 && g.stdout === '';
    }, 30_000);
    expect(gone('early')).to.equal(true);
  });

  it('a stale mark (a pod not Terminating) is dropped, the pod left running; a pod that cannot be removed yet is said and does not fail `get`', async () => {
    up('stale', 1);
    waitStarted(s!.root, 'stale');
    const marks = join(s!.root, 'run', 'deleting');
    mkdirSync(marks, { recursive: true });
    writeFileSync(join(marks, 'default_stale'), '');
    expect(s!.run(['get', 'pods']).code).to.equal(0);
    expect(existsSync(join(marks, 'default_stale'))).to.equal(false);
    expect(status('stale')).to.equal('Running');

    // Terminating with no grace left, and a mount in its dir that removal refuses to go through
    const lasting = join(s!.root, 'pods', 'default_stale');
    const rec = JSON.parse(readFileSync(join(lasting, 'pod.json'), 'utf8'));
    writeFileSync(join(lasting, 'pod.json'), JSON.stringify({ ...rec, deletionTimestamp: new Date().toISOString(), deletionGracePeriodSeconds: 0 }));
    writeFileSync(join(marks, 'default_stale'), '');
    const m = join(lasting, 'held');
    mkdirSync(m);
    expect(spawnSync('mount', ['-t', 'tmpfs', 'podrun-test', m]).status).to.equal(0);
    try {
      let g = s!.run(['get', 'pods']);
      await until(() => {
        g = s!.run(['get', 'pods']);
        return g.stderr.includes('was being deleted and cannot be removed yet');
      }, 30_000);
      expect(g.code).to.equal(0);
      expect(g.stdout).to.match(/stale\s+\S+\s+Terminating/);
    } finally {
      spawnSync('umount', [m]);
    }
    const g = s!.run(['get', 'pods', '-o', 'name']);
    expect(g.code, g.stderr).to.equal(0);
    expect(g.stdout).to.equal('');
    expect(gone('stale')).to.equal(true);
  });

  it('apply --grace-period 0 restarts a changed container at once; apply --now re-creates a pod without its 60 s wait', () => {
    up('ap', 60);
    const before = waitStarted(s!.root, 'ap');
    const t0 = Date.now();
    const r = up('ap', 60, { env: 'two' }, '--grace-period', '0');
    expect(r.stdout).to.equal('pod/ap configured (container app restarted: env changed)\n');
    const after = waitStarted(s!.root, 'ap');
    expect(after.pausePid).to.equal(before.pausePid);
    expect(after.pids.side).to.equal(before.pids.side);
    const k = up('ap', 60, { env: 'two', memory: true }, '--now');
    expect(k.stdout).to.equal('pod/ap recreated (spec.volumes changed)\n');
    expect(Date.now() - t0, 'neither waited 60 s').to.be.below(30_000);
    expect(viewPod(s!.root, 'ap').pausePid).to.not.equal(before.pausePid);
    const bad = s!.run(['apply', '-f', join(dir, 'ap.yaml'), '--now', '--grace-period', '3']);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.include('--now and --grace-period cannot be used together');
  });
});

