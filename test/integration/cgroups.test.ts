// The pod's cgroups, for real: every container and exec process is in its container's cgroup
// below the pod's (cgroup v2 here, the v1 freezer with PODRUN_CGROUP_DRIVER=v1), delete removes
// them, and commit's freeze always ends: thawed after the commit, after SIGINT/SIGTERM of the
// CLI, and a freeze left by a SIGKILLed commit is thawed by the next exec, commit or delete.
import { expect } from 'chai';
import { spawn } from 'child_process';
import { existsSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { haveBusybox } from '../helpers/busybox';
import { isRoot, PODRUN } from '../helpers/cli';
import { podrunCgroups } from '../helpers/leaks';
import { detectCgroups } from '../../src/runtime/cgroup/detect';
import { lockPod } from '../../src/state/lock';
import { resolvePaths } from '../../src/util/paths';
import type { PlannedCgroup } from '../../src/plan/types';
import { PodSuite, podManifest, setUpSuite, tearDownSuite, viewPod, waitFor, waitStarted, writeManifest } from './pod-helpers';

const readPlan = (root: string, pod: string) => JSON.parse(readFileSync(join(root, 'pods', `default_${pod}`, 'pod.json'), 'utf8')).plan;
const cgroupOf = (pid: number, hierarchy: string) =>
  readFileSync(`/proc/${pid}/cgroup`, 'utf8')
    .split('\n')
    .find((l) => (hierarchy === 'unified' ? l.startsWith('0::') : l.split(':')[1] === hierarchy))
    ?.split(':')[2];
/** Whether the pod's cgroup is frozen as the kernel says (not only asked). */
function frozen(cg: PlannedCgroup): boolean {
  if (cg.driver === 'v2') return /^frozen 1$/m.test(readFileSync(join(cg.dirs.unified, 'cgroup.events'), 'utf8'));
  return readFileSync(join(cg.dirs.freezer, 'freezer.state'), 'utf8').trim() === 'FROZEN';
}
function freezeByHand(cg: PlannedCgroup): void {
  if (cg.driver === 'v2') writeFileSync(join(cg.dirs.unified, 'cgroup.freeze'), '1');
  else writeFileSync(join(cg.dirs.freezer, 'freezer.state'), 'FROZEN');
  waitFor(() => frozen(cg), 5000, 'the freeze');
}

/** A commit running in the background, for signalling it while it holds the pod frozen. */
function commitInBackground(root: string, args: string[]): { child: ReturnType<typeof spawn>; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> } {
  const child = spawn(PODRUN, ['commit', ...args], { env: { ...process.env, PODRUN_ROOT: root } });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr })));
  return { child, done };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function untilAsync(ok: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(1);
  }
}

for (const driver of ['v2', 'v1'] as const) {
  describe(`cgroups with the ${driver} backend (integration)`, function () {
    this.timeout(300_000);
    let s: PodSuite | undefined;
    const hierarchy = driver === 'v2' ? 'unified' : 'freezer';
    const saved = process.env.PODRUN_CGROUP_DRIVER;

    before(function () {
      const host = detectCgroups(undefined, driver);
      if (!isRoot() || !haveBusybox() || host.driver !== driver) this.skip();
      process.env.PODRUN_CGROUP_DRIVER = driver; // the CLIs the tests run inherit it
      s = setUpSuite(`podrun-cgroup-${driver}-`);
    });
    after(() => {
      if (saved === undefined) delete process.env.PODRUN_CGROUP_DRIVER;
      else process.env.PODRUN_CGROUP_DRIVER = saved;
      tearDownSuite(s);
    });

    // Where the container sees its cgroup of the freezer's hierarchy: /sys/fs/cgroup itself on a
    // pure v2 host, else /sys/fs/cgroup/<hierarchy>.
    const viewDir = (plan: { cgroup: PlannedCgroup }) => (Object.keys(plan.cgroup.dirs).length === 1 && hierarchy === 'unified' ? '/sys/fs/cgroup' : `/sys/fs/cgroup/${hierarchy}`);

    // A container with many files in its upper dir, so that a commit is frozen long enough to
    // catch it there; and a second one, which the pod-wide freeze holds too.
    const apply = (pod: string) => {
      const f = writeManifest(
        join(s!.root, 'manifests'),
        `${pod}.yaml`,
        podManifest(pod, {
          containers: [
            { name: 'files', command: ['sh', '-c', 'mkdir /many && cd /many && seq 1 10000 | xargs touch && touch /ready && exec sleep 3600'] },
            { name: 'ticker', command: ['sh', '-c', 'while :; do date +%s%N > /tick; done'] },
          ],
        }),
      );
      const r = s!.run(['apply', '-f', f]);
      expect(r.code, r.stderr).to.equal(0);
      waitFor(() => s!.run(['exec', `${pod}/files`, '--', 'test', '-f', '/ready']).code === 0, 60_000, 'the files');
      return readPlan(s!.root, pod);
    };

    it('every container and exec process is in its container cgroup below the pod cgroup, which delete removes', () => {
      const plan = apply('cg');
      expect(plan.cgroup.driver).to.equal(driver);
      // the freezer's hierarchy first, then the one of each resource controller (docs/runtime.md, "Resources")
      const host = detectCgroups(undefined, driver);
      expect(Object.keys(plan.cgroup.dirs)).to.deep.equal(host.driver === 'none' ? [] : Object.keys(host.mounts));
      expect(Object.keys(plan.cgroup.dirs)[0]).to.equal(hierarchy);
      const v = waitStarted(s!.root, 'cg');
      for (const c of plan.containers) {
        expect(c.cgroup.path).to.equal(`${plan.cgroup.path}/${c.name}`);
        expect(existsSync(c.cgroup.dirs[hierarchy])).to.equal(true);
        expect(cgroupOf(v.pids[c.name], hierarchy), c.name).to.equal(c.cgroup.path);
      }
      // the pause process in a leaf of its own below the pod's cgroup, within the pod's limits
      // (review 16: in the monitor's, a container that may ptrace it ran it past them)
      expect(cgroupOf(v.pausePid, hierarchy)).to.equal(`${plan.cgroup.path}/_pause`);
      expect(cgroupOf(v.monitorPid, hierarchy)).to.not.match(/^\/podrun\//);
      // inside, its own cgroup namespace: /proc/self/cgroup says `/`; its cgroups at /sys/fs/cgroup
      // (read-only) list the exec'd process
      const e = s!.run(['exec', 'cg/ticker', '--', 'sh', '-c', `cat /proc/self/cgroup; grep -qx $$ ${viewDir(plan)}/cgroup.procs && echo member; touch ${viewDir(plan)}/x 2>&1; true`]);
      expect(e.code, e.stderr).to.equal(0);
      expect(e.stdout.split('\n').filter((l) => /^\d+:/.test(l)).every((l) => l.endsWith(':/')), e.stdout).to.equal(true);
      expect(e.stdout).to.match(/\nmember\n.*Read-only file system/s);
      expect(podrunCgroups(s!.root)).to.deep.equal(Object.values(plan.cgroup.dirs).sort());
      expect(s!.run(['delete', 'pod', 'cg', '--now']).code).to.equal(0);
      expect(podrunCgroups(s!.root)).to.deep.equal([]);
    });

    it('with hostUsers: false too: the container and exec join their cgroups (from the host user namespace), commit freezes it', () => {
      const f = writeManifest(join(s!.root, 'manifests'), 'un.yaml', podManifest('un', { hostUsers: false, containers: [{ name: 'c', command: ['sleep', '3600'] }] }));
      const r = s!.run(['apply', '-f', f]);
      expect(r.code, r.stderr).to.equal(0);
      const plan = readPlan(s!.root, 'un');
      const v = waitStarted(s!.root, 'un');
      expect(cgroupOf(v.pids.c, hierarchy)).to.equal(plan.containers[0].cgroup.path);
      const e = s!.run(['exec', 'un/c', '--', 'sh', '-c', `cat /proc/self/uid_map; grep -qx $$ ${viewDir(plan)}/cgroup.procs && echo member`]);
      expect(e.code, e.stderr).to.equal(0);
      expect(e.stdout).to.contain('member\n');
      expect(e.stdout).to.not.match(/^\s+0\s+0\s+4294967295/m); // in the pod's user namespace
      const c = s!.run(['commit', 'un/c', 'un:1']);
      expect(c.code, c.stderr).to.equal(0);
      expect(s!.run(['delete', 'pod', 'un', '--now']).code).to.equal(0);
    });

    it('commit freezes the whole pod while it reads and thaws after; exec is refused while a commit holds it', async () => {
      const plan = apply('fz');
      // exec into a frozen pod would hang: refused while a commit holds the pod (frozen, and the
      // pod lock held), as docker refuses exec into a paused container
      freezeByHand(plan.cgroup);
      const release = lockPod(resolvePaths({ root: s!.root }), 'default_fz', 'fz');
      try {
        const e = s!.run(['exec', 'fz/ticker', '--', 'true']);
        expect(e.code).to.equal(1);
        expect(e.stderr).to.match(/pod "fz" is frozen while another podrun command \(a commit\) reads it/);
        expect(frozen(plan.cgroup)).to.equal(true);
      } finally {
        release();
      }
      expect(s!.run(['exec', 'fz/ticker', '--', 'true']).code).to.equal(0); // thawed: the lock was free
      const bg = commitInBackground(s!.root, ['fz/files', 'fz:1']);
      await untilAsync(() => frozen(plan.cgroup), 30_000, 'the commit to freeze the pod');
      // the other container is held too: its clock stands still
      const tickFile = `/proc/${viewPod(s!.root, 'fz').pids.ticker}/root/tick`;
      const tick = readFileSync(tickFile, 'utf8');
      await sleep(50);
      const still = readFileSync(tickFile, 'utf8');
      const wasFrozen = frozen(plan.cgroup);
      const r = await bg.done;
      expect(r.code, r.stderr).to.equal(0);
      if (wasFrozen) expect(still).to.equal(tick);
      expect(frozen(plan.cgroup)).to.equal(false);
      // and runs on
      waitFor(() => readFileSync(tickFile, 'utf8') !== still, 5000, 'the ticker to tick again');
      expect(s!.run(['exec', 'fz/ticker', '--', 'true']).code).to.equal(0);
    });

    for (const sig of ['SIGINT', 'SIGTERM'] as const)
      it(`${sig} of a commit while the pod is frozen: thawed, and the CLI ends by the signal`, async () => {
        const plan = readPlan(s!.root, 'fz');
        const bg = commitInBackground(s!.root, ['fz/files', `fz:${sig}`]);
        await untilAsync(() => frozen(plan.cgroup), 30_000, 'the commit to freeze the pod');
        bg.child.kill(sig);
        const r = await bg.done;
        expect(r.signal, r.stderr).to.equal(sig);
        expect(frozen(plan.cgroup)).to.equal(false);
        expect(s!.run(['exec', 'fz/ticker', '--', 'true']).code).to.equal(0);
      });

    it('SIGKILL of a commit leaves the pod frozen; the next exec, commit and delete thaw it (warning) instead of hanging', async () => {
      const plan = readPlan(s!.root, 'fz');
      const bg = commitInBackground(s!.root, ['fz/files', 'fz:killed']);
      await untilAsync(() => frozen(plan.cgroup), 30_000, 'the commit to freeze the pod');
      bg.child.kill('SIGKILL');
      await bg.done;
      expect(frozen(plan.cgroup), 'a SIGKILLed commit cannot thaw').to.equal(true);
      const e = s!.run(['exec', 'fz/ticker', '--', 'echo', 'ran']);
      expect(e.code, e.stderr).to.equal(0);
      expect(e.stdout).to.equal('ran\n');
      expect(e.stderr).to.match(/warning: pod\/fz was left frozen by a podrun commit that did not finish; thawed it/);
      freezeByHand(plan.cgroup); // what another SIGKILLed commit would leave
      const c = s!.run(['commit', '--pause=false', 'fz/ticker', 'fz:after']);
      expect(c.code, c.stderr).to.equal(0);
      expect(c.stderr).to.match(/left frozen .* thawed it/);
      expect(frozen(plan.cgroup)).to.equal(false);
      freezeByHand(plan.cgroup);
      const t = Date.now();
      const d = s!.run(['delete', 'pod', 'fz', '--grace-period', '0']);
      expect(d.code, d.stderr).to.equal(0);
      expect(Date.now() - t).to.be.lessThan(10_000);
      expect(podrunCgroups(s!.root)).to.deep.equal([]);
    });
  });
}

describe('cgroups: a pod without one (integration)', function () {
  this.timeout(120_000);
  let s: PodSuite | undefined;
  before(function () {
    if (!isRoot() || !haveBusybox()) this.skip();
    s = setUpSuite('podrun-cgroup-none-');
  });
  after(() => tearDownSuite(s));

  it('PODRUN_CGROUP_DRIVER=none: no cgroup in the plan; commit needs --pause=false and says so', () => {
    const f = writeManifest(join(s!.root, 'manifests'), 'nocg.yaml', podManifest('nocg', { containers: [{ name: 'c', command: ['sleep', '3600'] }] }));
    const r = s!.run(['apply', '-f', f], undefined);
    expect(r.code, r.stderr).to.equal(0);
    const dry = s!.run(['apply', '-f', f, '--dry-run', '-o', 'json']);
    expect(JSON.parse(dry.stdout).cgroup, 'the dry run shows the plan with the host\'s cgroup').to.have.property('path');
    // applied again without cgroups (PODRUN_CGROUP_DRIVER=none)
    expect(s!.run(['delete', 'pod', 'nocg', '--now']).code).to.equal(0);
    const env = { ...process.env, PODRUN_ROOT: s!.root, PODRUN_CGROUP_DRIVER: 'none' };
    const { spawnSync } = require('child_process') as typeof import('child_process');
    const a = spawnSync(PODRUN, ['apply', '-f', f], { env, encoding: 'utf8' });
    expect(a.status, a.stderr).to.equal(0);
    expect(readPlan(s!.root, 'nocg').cgroup).to.equal(undefined);
    expect(podrunCgroups(s!.root)).to.deep.equal([]);
    const c = s!.run(['commit', 'nocg/c', 'nocg:1']);
    expect(c.code).to.equal(1);
    expect(c.stderr).to.match(/pod\/nocg has no cgroup to freeze while committing/);
    expect(c.stderr).to.match(/commit with --pause=false/);
    expect(s!.run(['commit', '--pause=false', 'nocg/c', 'nocg:1']).code).to.equal(0);
    expect(s!.run(['delete', 'pod', 'nocg', '--now']).code).to.equal(0);
  });
});
