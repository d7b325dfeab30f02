// Issue 3, test 9: delete puts the host back as it was before apply (mounts, processes, state
// dirs), honours the grace period, and is idempotent: a dead monitor, a half-created pod, a pod
// whose container never started.
import { expect } from 'chai';
import { execFileSync, spawnSync } from 'child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { haveBusybox } from '../helpers/busybox';
import { isRoot, PODRUN } from '../helpers/cli';
import { mountPoints } from '../helpers/leaks';
import { deletePodLocked } from '../../src/runtime/stop';
import { readPodRecord } from '../../src/state/pod-records';
import { withPodLock } from '../../src/state/lock';
import { podKey, resolvePaths } from '../../src/util/paths';
import { PodSuite, podManifest, podrunAsync, setUpSuite, tearDownSuite, until, viewPod, waitFor, waitStarted, writeManifest } from './pod-helpers';

const alive = (pid: number) => {
  try {
    const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\S+ \(.*\) [ZX]/.test(st);
  } catch {
    return false;
  }
};
const ls = (p: string) => (existsSync(p) ? readdirSync(p).sort() : []);

describe('pod delete (integration)', function () {
  this.timeout(120_000);
  let s: PodSuite | undefined;

  before(function () {
    if (!isRoot() || !haveBusybox()) this.skip();
    s = setUpSuite('podrun-pod-del-');
  });

  after(() => tearDownSuite(s, ['default', 'team']));

  it('9. leaves mountinfo, the process table and the state dirs as they were before apply', () => {
    // Other suites on this machine may mount and unmount meanwhile: compare what concerns podrun's
    // paths (the pod's rootfs, volumes and shm all live under the root) plus /dev/shm.
    const ours = () => mountPoints().filter((m) => m.startsWith(s!.root) || m.startsWith('/dev/shm/'));
    const mountsBefore = ours();
    const stateBefore = { pods: ls(join(s!.root, 'pods')), runPods: ls(join(s!.root, 'run', 'pods')), locks: ls(join(s!.root, 'run', 'locks')) };
    const m = writeManifest(
      join(s!.root, 'manifests'),
      'del.yaml',
      podManifest(
        'del',
        {
          terminationGracePeriodSeconds: 20,
          volumes: [
            { name: 'scratch', emptyDir: {} },
            { name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '8Mi' } },
          ],
          containers: [
            // exits promptly on SIGTERM: delete must not wait out the 20 s grace period
            { name: 'polite', command: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 0.1; done'], volumeMounts: [{ name: 'scratch', mountPath: '/s' }] },
            { name: 'mem', command: ['sh', '-c', 'echo x > /m/f; trap "exit 0" TERM; while true; do sleep 0.1; done'], volumeMounts: [{ name: 'mem', mountPath: '/m' }] },
          ],
        },
        { labels: { app: 'del' } },
      ),
    );
    const r = s!.run(['apply', '-f', m]);
    expect(r.code, r.stderr).to.equal(0);
    const v = waitStarted(s!.root, 'del');
    const pids = [v.monitorPid, v.pausePid, ...Object.values(v.pids)];
    expect(pids.every(alive)).to.equal(true);
    // the Memory emptyDir is a tmpfs inside the pod, not on the host
    waitFor(() => readFileSync(`/proc/${v.pids.mem}/mountinfo`, 'utf8').split('\n').some((l) => l.split(' ')[4] === '/m' && l.includes(' - tmpfs ')), 60_000, 'tmpfs at /m');
    expect(ours()).to.deep.equal(mountsBefore);

    const t0 = Date.now();
    const d = s!.run(['delete', 'pod', 'del']);
    expect(d.code, d.stderr).to.equal(0);
    expect(d.stdout).to.equal('pod "del" deleted\n');
    expect(Date.now() - t0).to.be.lessThan(15_000); // well under the 20 s grace period
    expect(pids.filter(alive)).to.deep.equal([]);
    expect(ours()).to.deep.equal(mountsBefore);
    expect({ pods: ls(join(s!.root, 'pods')), runPods: ls(join(s!.root, 'run', 'pods')), locks: ls(join(s!.root, 'run', 'locks')) }).to.deep.equal(stateBefore);
    const g = s!.run(['get', 'pod', 'del']);
    expect(g.code).to.equal(1);
    expect(g.stderr).to.include('pods "del" not found');
  });

  it('a container that ignores SIGTERM is killed after --grace-period', () => {
    const m = writeManifest(join(s!.root, 'manifests'), 'stubborn.yaml', podManifest('stubborn', { containers: [{ name: 'c', command: ['sleep', '3600'] }] }));
    expect(s!.run(['apply', '-f', m]).code).to.equal(0);
    const v = waitStarted(s!.root, 'stubborn');
    const t0 = Date.now();
    const d = s!.run(['delete', 'pod', 'stubborn', '--grace-period', '2']);
    const took = Date.now() - t0;
    expect(d.code, d.stderr).to.equal(0);
    expect(took).to.be.within(1900, 25_000);
    expect(alive(v.pids.c)).to.equal(false);
  });

  it('the largest valid grace period (2^63-1 s) is waited only up to the cap, then SIGKILL', async () => {
    // Written out as YAML: 9223372036854775807 has no exact JavaScript number.
    const m = writeManifest(
      join(s!.root, 'manifests'),
      'forever.yaml',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: forever}\nspec:\n  terminationGracePeriodSeconds: 9223372036854775807\n  containers:\n  - {name: c, image: busybox:test, command: [sleep, "3600"]}\n',
    );
    const a = s!.run(['apply', '-f', m]);
    expect(a.code, a.stderr).to.equal(0);
    const v = waitStarted(s!.root, 'forever');
    const paths = resolvePaths({ root: s!.root });
    const key = podKey('default', 'forever');
    expect(readPodRecord(paths, key)?.plan.terminationGracePeriodSeconds).to.equal(2 ** 63);
    // The cap is a day (MAX_GRACE_SECONDS); a test cannot wait that long, so it lowers it.
    const t0 = Date.now();
    await withPodLock(paths, key, () => deletePodLocked(paths, key, { maxGraceSeconds: 2 }));
    expect(Date.now() - t0).to.be.within(1900, 25_000);
    expect(alive(v.pids.c)).to.equal(false);
    expect(readPodRecord(paths, key)).to.equal(undefined);
  });

  it('delete --all stops the pods at once (their grace periods overlap); -l picks by label, -A every namespace; --force kills without the grace period', async () => {
    const dir = join(s!.root, 'manifests');
    // PID 1 that ignores SIGTERM: each pod takes its whole grace period
    const stubborn = (name: string, ns: string, labels: Record<string, string>, grace: number) =>
      writeManifest(dir, `${ns}-${name}.yaml`, podManifest(name, { terminationGracePeriodSeconds: grace, containers: [{ name: 'c', command: ['sh', '-c', "trap '' TERM; while :; do sleep 0.1; done"] }] }, { namespace: ns, labels }));
    for (const [n, ns, app] of [['a', 'default', 'x'], ['b', 'default', 'x'], ['c', 'default', 'y'], ['d', 'team', 'x']] as const) {
      const r = s!.run(['apply', '-f', stubborn(n, ns, { app }, 4)]);
      expect(r.code, r.stderr).to.equal(0);
    }
    const pods = (ns: string[]) =>
      ns.flatMap((n) => (JSON.parse(s!.run(['get', 'pods', '-n', n, '-o', 'json']).stdout).items as { metadata: { name: string; deletionTimestamp?: string } }[]).map((p) => p.metadata));
    // -l app=x -A: a, b and d, all terminating at the same time while the delete waits
    const del = podrunAsync(s!.root, ['delete', 'pods', '-l', 'app=x', '-A']);
    await until(() => pods(['default', 'team']).filter((p) => p.deletionTimestamp).length === 3, 3500);
    const r = await del;
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal('pod "a" deleted\npod "b" deleted\npod "d" deleted\n');
    expect(pods(['default', 'team']).map((p) => p.name)).to.deep.equal(['c']);
    // --force: no grace period (30 s would outlast the timeout), with kubectl's warning
    expect(s!.run(['apply', '-f', stubborn('e', 'default', {}, 30)]).code).to.equal(0);
    const forced = spawnSync(PODRUN, ['delete', 'pods', '--all', '--force'], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, PODRUN_ROOT: s!.root } });
    expect(forced.status, forced.stderr).to.equal(0);
    expect(forced.stderr).to.include('warning: Immediate deletion does not wait');
    expect(forced.stdout).to.equal('pod "c" deleted\npod "e" deleted\n');
    expect(s!.run(['delete', 'pods', '-A']).stderr).to.include('-A deletes in every namespace what --all or -l selects');
  });

  it('works when the monitor is already dead, for half-created pods, and with --ignore-not-found', () => {
    const m = writeManifest(join(s!.root, 'manifests'), 'orphan.yaml', podManifest('orphan', { containers: [{ name: 'c', command: ['sleep', '3600'] }] }));
    expect(s!.run(['apply', '-f', m]).code).to.equal(0);
    const v = waitStarted(s!.root, 'orphan');
    process.kill(v.monitorPid, 'SIGKILL');
    waitFor(() => !alive(v.monitorPid), 5000, 'monitor to die');
    const d = s!.run(['delete', 'pod', 'orphan', '--grace-period', '0']);
    expect(d.code, d.stderr).to.equal(0);
    expect([v.pausePid, v.pids.c].filter(alive)).to.deep.equal([]);
    expect(existsSync(join(s!.root, 'pods', 'default_orphan'))).to.equal(false);

    // a pod dir without pod.json (a crash right after mkdir)
    mkdirSync(join(s!.root, 'pods', 'default_half', 'containers'), { recursive: true });
    const h = s!.run(['delete', 'pod', 'half']);
    expect(h.code, h.stderr).to.equal(0);
    expect(existsSync(join(s!.root, 'pods', 'default_half'))).to.equal(false);

    const n = s!.run(['delete', 'pod', 'half']);
    expect(n.code).to.equal(1);
    expect(n.stderr.split('\n')[0]).to.equal('Error from server (NotFound): pods "half" not found');
    expect(s!.run(['delete', 'pod', 'half', '--ignore-not-found']).code).to.equal(0);
  });

  it('a container that fails to start: apply exits 1 naming it, get shows StartError, delete removes the pod', () => {
    const m = writeManifest(
      join(s!.root, 'manifests'),
      'broken.yaml',
      // Never: the failed start stays StartError (under Always it is retried with back-off)
      podManifest('broken', {
        restartPolicy: 'Never',
        containers: [
          { name: 'ok', command: ['sleep', '3600'] },
          { name: 'bad', command: ['no-such-command'] },
        ],
      }),
    );
    const r = s!.run(['apply', '-f', m]);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.equal('pod/broken created\n');
    expect(r.stderr.split('\n')[0]).to.match(/^error: pod\/broken: container bad: \S+ \S+ no-such-command: ENOENT$/);
    expect(r.stderr).to.include('check the container\'s command/args');
    const g = s!.run(['get', 'pods']);
    expect(g.stdout).to.match(/^broken\s+1\/2\s+StartError\s+0\s+\d+s$/m);
    const j = viewPod(s!.root, 'broken').json;
    expect(j.status.containerStatuses[1].state.terminated).to.include({ reason: 'StartError', exitCode: 128 });
    expect(j.status.phase).to.equal('Running');
    const d = s!.run(['delete', 'pod', 'broken', '--now']);
    expect(d.code, d.stderr).to.equal(0);
    expect(ls(join(s!.root, 'pods'))).to.deep.equal([]);
    execFileSync('true');
  });
});
