// Issue 8, "Robustness found in the same test": the pod's monitor or the apply CLI SIGKILLed at
// any moment. A monitor killed in the first milliseconds of apply must leave no process that
// `get pods` does not list and `delete` does not remove; a running pod whose monitor is killed
// stops, says why in get/describe, and comes back with the next apply; a CLI killed between
// starting the monitor and recording the pod leaves a pod that `get pods` lists and
// `delete --all` removes. The kills come from test/fixtures/c/exec-kill.c, which sees the
// monitor's execve through the kernel's process events and kills a random number of
// microseconds later. bench/escapes/monitor-kill.sh runs each scenario 100 times.
import { expect } from 'chai';
import { ChildProcess, spawn } from 'child_process';
import { chmodSync, copyFileSync, mkdirSync } from 'fs';
import { join } from 'path';
import { haveBusybox } from '../helpers/busybox';
import { isRoot, PODRUN } from '../helpers/cli';
import { podProcesses } from '../helpers/leaks';
import { isAlive, readProcStat, readStartTime } from '../../src/state/proc';
import { haveCompiler, staticProgram } from '../helpers/static-c';
import { PodSuite, podManifest, setUpSuite, sleep, tearDownSuite, until, viewPod, waitStarted, writeManifest } from './pod-helpers';

const alive = (pid: number, startTime: number | undefined) => startTime !== undefined && isAlive({ pid, startTime });

/** Bounded here; bench/escapes/monitor-kill.sh runs 100 (PODRUN_RACE_TRIALS). */
const TRIALS = Number(process.env.PODRUN_RACE_TRIALS ?? 15);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function collect(child: ChildProcess): Promise<Run> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('monitor and CLI death (integration)', function () {
  this.timeout(600_000);
  let s: PodSuite | undefined;
  let killer = '';
  const tools: number[] = [];

  before(function () {
    if (!isRoot() || !haveBusybox() || !haveCompiler()) this.skip();
    // /opt/busybox: a set-user-ID copy (as root), whose execve clears the parent-death signal
    s = setUpSuite('podrun-mdeath-', (rootfs) => {
      mkdirSync(join(rootfs, 'opt'));
      copyFileSync(join(rootfs, 'bin', 'busybox'), join(rootfs, 'opt', 'busybox'));
      chmodSync(join(rootfs, 'opt', 'busybox'), 0o4755);
    });
    killer = staticProgram('exec-kill');
  });

  after(() => tearDownSuite(s));

  // Pod names of this suite: an orphaned pause process is attributed by its hostname.
  const ours = /^(early|cli)\d+$|^md-/;
  const procs = () => podProcesses(s!.root, { exclude: tools, pauseKey: (h) => (ours.test(h) ? `default_${h}` : undefined) });
  const manifests = () => join(s!.root, 'manifests');
  const launchOf = (name: string) => `${s!.root}/pods/default_${name}/launch`;
  const listed = () => {
    const r = s!.run(['get', 'pods', '-o', 'name']);
    expect(r.code, r.stderr).to.equal(0);
    return new Set(r.stdout.split('\n').filter(Boolean).map((l) => `default_${l.replace(/^pod\//, '')}`));
  };
  /** The pod processes still there after `ms`: a process SIGKILLed with its monitor takes a moment to go. */
  const settled = async (ms: number, prefix: string) => {
    const end = Date.now() + ms;
    const mine = () => procs().filter((p) => p.key.startsWith(prefix));
    let left = mine();
    while (left.length && Date.now() < end) {
      await sleep(50);
      left = mine();
    }
    return left;
  };

  /** The processes of `list` not counted yet (by pid and start time), now counted in `seen`. */
  const fresh = <T extends { pid: number }>(list: T[], seen: Set<string>): T[] =>
    list.filter((p) => {
      const id = `${p.pid}:${readStartTime(p.pid)}`;
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    });

  /**
   * Starts exec-kill for the monitor of pod NAME, then `podrun apply -f FILE`; both run to the
   * end. `parent` kills the CLI that started the monitor; `timer` kills the CLI `delayUs` after
   * it started, wherever it is (planning, writing the record, preparing dirs, ...).
   */
  async function applyAndKill(name: string, file: string, delayUs: number, victim: 'monitor' | 'parent' | 'timer') {
    if (victim === 'timer') {
      const a = spawn(PODRUN, ['apply', '-f', file], { env: { ...process.env, PODRUN_ROOT: s!.root }, stdio: ['ignore', 'pipe', 'pipe'] });
      const t = setTimeout(() => a.kill('SIGKILL'), delayUs / 1000);
      const apply = await collect(a);
      clearTimeout(t);
      return { apply, kill: `timer +${delayUs}us: ${apply.code === null ? 'killed' : `exited ${apply.code}`}` };
    }
    const k = spawn(killer, [launchOf(name), String(delayUs), ...(victim === 'parent' ? ['parent'] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
    tools.push(k.pid!);
    const kr = collect(k);
    let out = '';
    k.stdout!.on('data', (d) => (out += d));
    await until(() => out.includes('ready\n'), 10_000);
    const a = spawn(PODRUN, ['apply', '-f', file], { env: { ...process.env, PODRUN_ROOT: s!.root }, stdio: ['ignore', 'pipe', 'pipe'] });
    const [apply, kill] = await Promise.all([collect(a), kr]);
    return { apply, kill: kill.stdout.replace('ready\n', '').trim() };
  }

  // half in the first millisecond (pause and containers being cloned), half over the whole start (~10-30 ms here)
  const delay = (i: number) => (i % 2 === 0 ? Math.floor(Math.random() * 1000) : Math.floor(Math.random() * 40_000));
  const twoContainers = (name: string, extra: Record<string, unknown> = {}) =>
    writeManifest(
      manifests(),
      `${name}.yaml`,
      podManifest(name, {
        ...extra,
        containers: [
          { name: 'a', command: ['sleep', '3600'] },
          { name: 'b', command: ['sh', '-c', 'sleep 3600 & sleep 3600'] },
        ],
      }),
    );

  it(`SIGKILL of the monitor in the first milliseconds of apply: every process left is in a listed pod, none after delete (${TRIALS} trials)`, async () => {
    const outcomes = { duringStart: 0, afterReady: 0 };
    const trialsWith = { orphans: 0, invisible: 0 };
    const invisible = new Set<string>();
    const orphans = new Set<string>();
    const notes: string[] = [];
    for (let i = 0; i < TRIALS; i++) {
      const name = `early${i}`;
      // every third pod shares its PID namespace (pause is PID 1), every third uses the host's
      const extra = i % 3 === 1 ? { shareProcessNamespace: true } : i % 3 === 2 ? { hostPID: true } : {};
      const { apply, kill } = await applyAndKill(name, twoContainers(name, extra), delay(i), 'monitor');
      outcomes[apply.code === 0 ? 'afterReady' : 'duringStart']++;
      // killed while starting the pod: apply says so (whatever the monitor managed to say first)
      if (apply.code !== 0 && !/^error: pod\/early\d+: the pod's monitor \(pid \d+\) exited while starting the pod, without a report; nothing of the pod is left$/m.test(apply.stderr))
        notes.push(`trial ${i} (${kill}): apply said: ${apply.stderr.trim()}`);
      const left = await settled(2000, 'default_early');
      const seen = listed();
      const hidden = fresh(left.filter((p) => !seen.has(p.key)), invisible);
      if (hidden.length) notes.push(`trial ${i} (${kill}): not in get pods: ${hidden.map((p) => `${p.pid} ${p.key} ${p.cmd}`).join('; ')}`);
      if (hidden.length) trialsWith.invisible++;
      const d = s!.run(['delete', 'pods', '--all', '--grace-period', '0']);
      expect(d.code, d.stderr).to.equal(0);
      const after = fresh(await settled(3000, 'default_early'), orphans);
      if (after.length) notes.push(`trial ${i} (${kill}): after delete: ${after.map((p) => `${p.pid} ${p.key} ${p.cmd}`).join('; ')}`);
      if (after.length) trialsWith.orphans++;
    }
    process.stderr.write(
      `      monitor killed early: ${TRIALS} trials (${outcomes.duringStart} while starting the pod, ${outcomes.afterReady} just after): ${orphans.size} orphans (in ${trialsWith.orphans} trials), ${invisible.size} invisible processes (in ${trialsWith.invisible} trials)\n`,
    );
    expect(notes, `${orphans.size} orphans, ${invisible.size} invisible`).to.deep.equal([]);
  });

  it(`SIGKILL of the apply CLI between starting the monitor and recording the pod: get pods lists the pod, delete --all removes it (${TRIALS} trials)`, async () => {
    const outcomes = { killed: 0, missed: 0 };
    const trialsWith = { orphans: 0, invisible: 0 };
    let running = 0;
    const invisible = new Set<string>();
    const orphans = new Set<string>();
    const notes: string[] = [];
    for (let i = 0; i < TRIALS; i++) {
      const name = `cli${i}`;
      // two in three just after the monitor's execve, one in three anywhere in the apply
      const { kill } =
        i % 3 === 2
          ? await applyAndKill(name, twoContainers(name), 40_000 + Math.floor(Math.random() * 220_000), 'timer')
          : await applyAndKill(name, twoContainers(name), Math.floor(Math.random() * 4000), 'parent');
      outcomes[kill.startsWith('killed') || kill.includes(': killed') ? 'killed' : 'missed']++;
      if (procs().some((p) => p.key === `default_${name}`)) running++;
      // the monitor carries on without the CLI: wait until it is done starting the pod
      await sleep(300);
      const left = await settled(0, 'default_cli');
      const seen = listed();
      const hiddenPods = new Set(left.filter((p) => !seen.has(p.key)).map((p) => p.key));
      const newlyHidden = [...hiddenPods].filter((k) => !invisible.has(k));
      for (const k of newlyHidden) invisible.add(k);
      if (newlyHidden.length) notes.push(`trial ${i} (${kill}): not in get pods: ${newlyHidden.join(', ')}`);
      if (newlyHidden.length) trialsWith.invisible++;
      const d = s!.run(['delete', 'pods', '--all', '--grace-period', '0']);
      expect(d.code, d.stderr).to.equal(0);
      const after = fresh(await settled(3000, 'default_cli'), orphans);
      if (after.length) notes.push(`trial ${i} (${kill}): after delete --all: ${after.map((p) => `${p.pid} ${p.key} ${p.cmd}`).join('; ')}`);
      if (after.length) trialsWith.orphans++;
    }
    process.stderr.write(
      `      CLI killed: ${TRIALS} trials (${outcomes.killed} CLIs killed, ${outcomes.missed} done first; ${running} pods ran on): ${orphans.size} orphans (in ${trialsWith.orphans} trials), ${invisible.size} invisible pods\n`,
    );
    expect(notes, `${orphans.size} orphans, ${invisible.size} invisible`).to.deep.equal([]);
  });

  it('SIGKILL of a running pod\'s monitor: its containers stop, get and describe say why, the next apply brings it back', async () => {
    const pods = [
      { name: 'md-own', extra: {} },
      { name: 'md-shared', extra: { shareProcessNamespace: true } },
      { name: 'md-host', extra: { hostPID: true } },
    ];
    const files = pods.map((p) => twoContainers(p.name, p.extra));
    for (const f of files) {
      const a = s!.run(['apply', '-f', f]);
      expect(a.code, a.stderr).to.equal(0);
    }
    const before = pods.map((p) => waitStarted(s!.root, p.name));
    for (const v of before) process.kill(v.monitorPid, 'SIGKILL');

    // Nothing of a pod but the hostPID pod's background sleep (re-parented to init) outlives its monitor.
    const mine = () => procs().filter((p) => p.key.startsWith('default_md-'));
    await until(() => mine().every((p) => p.key === 'default_md-host' && / sleep 3600$/.test(` ${p.cmd}`)), 5000).catch(() => undefined);
    const left = mine().map((p) => ({ ...p, startTime: readStartTime(p.pid) }));
    expect(left.filter((p) => p.key !== 'default_md-host').map((p) => p.cmd), 'processes outliving their monitor').to.deep.equal([]);
    for (const v of before) for (const pid of [v.pausePid, ...Object.values(v.pids)]) expect(mine().some((p) => p.pid === pid), `pid ${pid}`).to.equal(false);

    const g = s!.run(['get', 'pods']);
    expect(g.code, g.stderr).to.equal(0);
    for (const p of pods) expect(g.stdout).to.match(new RegExp(`^${p.name}\\s+0/2\\s+MonitorDied\\s+0\\s`, 'm'));
    const j = viewPod(s!.root, 'md-own').json;
    expect(j.status.phase).to.equal('Failed');
    expect(j.status.reason).to.equal('MonitorDied');
    for (const c of j.status.containerStatuses) expect(c.state.terminated).to.include({ reason: 'MonitorDied', exitCode: 137 });
    const d = s!.run(['describe', 'pod', 'md-own']);
    expect(d.code, d.stderr).to.equal(0);
    expect(d.stdout).to.match(/Reason:\s+MonitorDied/);
    expect(d.stdout).to.include(`the pod's monitor (pid ${before[0].monitorPid}) died`);
    expect(d.stdout).to.include(`podrun apply -f ${files[0]}`);
    expect(d.stdout).to.match(/Warning\s+MonitorDied/);
    // a second look says the same (the time podrun noticed is kept)
    const again = viewPod(s!.root, 'md-own').json;
    expect(again.status.containerStatuses[0].state.terminated.finishedAt).to.equal(j.status.containerStatuses[0].state.terminated.finishedAt);

    for (let i = 0; i < pods.length; i++) {
      const a = s!.run(['apply', '-f', files[i]]);
      expect(a.code, a.stderr).to.equal(0);
      expect(a.stdout).to.equal(`pod/${pods[i].name} recreated\n`);
      const v = waitStarted(s!.root, pods[i].name);
      expect(v.json.status.phase).to.equal('Running');
      expect(v.monitorPid).to.not.equal(before[i].monitorPid);
    }
    // the re-apply cleaned the dead pod's leftovers (the hostPID pod's re-parented sleep)
    expect(left.filter((p) => alive(p.pid, p.startTime)).map((p) => `${p.pid} ${p.key} ${p.cmd} ppid=${readProcStat(p.pid)?.ppid}`), 'old processes after the re-apply').to.deep.equal([]);
    expect(s!.run(['get', 'pods']).stdout).to.not.include('MonitorDied');
    const del = s!.run(['delete', 'pods', '--all', '--grace-period', '0']);
    expect(del.code, del.stderr).to.equal(0);
    expect(await settled(3000, 'default_md-')).to.deep.equal([]);
  });

  it(`SIGKILL of running pods' monitors at random moments: nothing of the pod outlives it unseen, get says MonitorDied, apply brings it back (${TRIALS} trials)`, async () => {
    const variants: [string, Record<string, unknown>][] = [
      ['own', {}],
      ['shared', { shareProcessNamespace: true }],
      ['host', { hostPID: true }],
    ];
    const notes: string[] = [];
    for (let i = 0; i < TRIALS; i++) {
      const [kind, extra] = variants[i % 3];
      const name = `run${i}-${kind}`;
      const key = `default_${name}`;
      const file = twoContainers(name, extra);
      const a = s!.run(['apply', '-f', file]);
      expect(a.code, a.stderr).to.equal(0);
      const v = waitStarted(s!.root, name);
      await sleep(Math.floor(Math.random() * 100));
      process.kill(v.monitorPid, 'SIGKILL');
      // the hostPID pod's background sleep is re-parented and runs on until delete or apply
      const stray = (p: { cmd: string }) => kind === 'host' && p.cmd === 'sleep 3600';
      await until(() => procs().filter((p) => p.key === key && !stray(p)).length === 0, 5000).catch(() => undefined);
      const left = procs()
        .filter((p) => p.key === key)
        .map((p) => ({ ...p, startTime: readStartTime(p.pid) }));
      if (left.some((p) => !stray(p))) notes.push(`trial ${i} (${kind}): outlived the monitor: ${left.map((p) => `${p.pid} ${p.cmd}`).join('; ')}`);
      const g = s!.run(['get', 'pods', name]);
      if (!new RegExp(`^${name}\\s+0/2\\s+MonitorDied\\s`, 'm').test(g.stdout)) notes.push(`trial ${i} (${kind}): get said ${g.stdout.trim()}`);
      const r = s!.run(['apply', '-f', file]);
      if (r.stdout !== `pod/${name} recreated\n`) notes.push(`trial ${i} (${kind}): apply said ${r.stdout.trim()} ${r.stderr.trim()}`);
      const w = waitStarted(s!.root, name);
      if (w.json.status.phase !== 'Running') notes.push(`trial ${i} (${kind}): after apply ${w.json.status.phase}`);
      const old = left.filter((p) => alive(p.pid, p.startTime));
      if (old.length) notes.push(`trial ${i} (${kind}): still there after the re-apply: ${old.map((p) => `${p.pid} ${p.cmd}`).join('; ')}`);
      const d = s!.run(['delete', 'pod', name, '--now']);
      expect(d.code, d.stderr).to.equal(0);
      const after = await settled(3000, key);
      if (after.length) notes.push(`trial ${i} (${kind}): after delete: ${after.map((p) => `${p.pid} ${p.cmd}`).join('; ')}`);
    }
    process.stderr.write(`      running pods' monitors killed: ${TRIALS} trials, ${notes.length} problems\n`);
    expect(notes).to.deep.equal([]);
  });

  it('a pod dir without a readable record (an apply killed right after its mkdir) is listed by get pods, explained by describe, removed by delete --all', () => {
    mkdirSync(join(s!.root, 'pods', 'default_md-bare'), { recursive: true });
    const g = s!.run(['get', 'pods']);
    expect(g.stdout).to.match(/^md-bare\s+0\/0\s+Unknown\s+0\s/m);
    expect(s!.run(['get', 'pods', '-o', 'name']).stdout).to.include('pod/md-bare\n');
    const d = s!.run(['describe', 'pod', 'md-bare']);
    expect(d.code).to.equal(1);
    expect(d.stderr).to.include('error: pod "md-bare" has no readable record');
    expect(d.stderr).to.include('podrun delete pod md-bare');
    const del = s!.run(['delete', 'pods', '--all']);
    expect(del.code, del.stderr).to.equal(0);
    expect(del.stdout).to.include('pod "md-bare" deleted');
    expect(s!.run(['get', 'pods', '-o', 'name']).stdout).to.not.include('md-bare');
  });

  it('an entrypoint that is set-user-ID outlives its monitor: get and describe say it runs unsupervised, delete kills it; with allowPrivilegeEscalation: false it does not', async () => {
    const file = writeManifest(
      manifests(),
      'md-suid.yaml',
      podManifest('md-suid', {
        securityContext: { runAsUser: 1000 },
        containers: [
          { name: 'suid', command: ['/opt/busybox', 'sleep', '3600'] },
          { name: 'nnp', command: ['/opt/busybox', 'sleep', '3600'], securityContext: { allowPrivilegeEscalation: false } },
        ],
      }),
    );
    const a = s!.run(['apply', '-f', file]);
    expect(a.code, a.stderr).to.equal(0);
    const v = waitStarted(s!.root, 'md-suid');
    const ids = Object.fromEntries(Object.entries(v.pids).map(([c, pid]) => [c, { pid, startTime: readStartTime(pid)! }]));
    process.kill(v.monitorPid, 'SIGKILL');
    await until(() => !isAlive(ids.nnp), 5000);
    await sleep(200);
    expect(isAlive(ids.suid), 'the set-user-ID entrypoint runs on').to.equal(true);

    const g = s!.run(['get', 'pods', 'md-suid']);
    expect(g.stdout).to.match(/^md-suid\s+0\/2\s+MonitorDied\s/m);
    const j = viewPod(s!.root, 'md-suid').json;
    const [suid, nnp] = j.status.containerStatuses;
    expect(suid).to.deep.include({ ready: false });
    expect(suid.state).to.have.property('running');
    expect(nnp.state.terminated).to.include({ reason: 'MonitorDied', exitCode: 137 });
    expect(j.status.message).to.include('its containers were stopped with it (nnp); still running without it, their output no longer logged and their exit not recorded: suid');
    const d = s!.run(['delete', 'pod', 'md-suid', '--now']);
    expect(d.code, d.stderr).to.equal(0);
    expect(isAlive(ids.suid), 'killed by delete').to.equal(false);
    expect(await settled(3000, 'default_md-suid')).to.deep.equal([]);
  });
});
