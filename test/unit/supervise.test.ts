// The supervision state machine (addon/src/supervise.c) as tables: events in, the exact actions
// out, and the status it reports. Rule numbers (R1.3, §6.2, timeline A-D of §11) are those of
// docs/reference/kubelet-rules.md; the podrun choices are in docs/supervision.md. No root, no
// processes: the machine is pure, driven through the addon's test entry (test/helpers/supervise.ts).
import { expect } from 'chai';
import { native } from '../../src/util/native';
import { config, run, timeline, type CtrSpec, type PodSpec, type Policy } from '../helpers/supervise';

const app = (name: string, more: Partial<CtrSpec> = {}): CtrSpec => ({ name, kind: 'app', ...more });
const init = (name: string, more: Partial<CtrSpec> = {}): CtrSpec => ({ name, kind: 'init', ...more });
const sidecar = (name: string, more: Partial<CtrSpec> = {}): CtrSpec => ({ name, kind: 'sidecar', ...more });
const pod = (restartPolicy: Policy, ...containers: CtrSpec[]): PodSpec => ({ restartPolicy, containers });
const last = <T>(xs: T[]): T => xs[xs.length - 1];

describe('supervise: restart decisions (R1.2-R1.5)', () => {
  // policy, how it ends, whether it is restarted, the pod's phase when it is not
  const rows: Array<[Policy, string, boolean, string]> = [
    ['Always', '0', true, 'Running'],
    ['Always', '1', true, 'Running'],
    ['Always', '0 sig=15', true, 'Running'],
    ['OnFailure', '0', false, 'Succeeded'],
    ['OnFailure', '1', true, 'Running'],
    ['OnFailure', '0 sig=9', true, 'Running'],
    ['Never', '0', false, 'Succeeded'],
    ['Never', '1', false, 'Failed'],
    ['Never', '0 sig=9', false, 'Failed'],
  ];
  for (const [policy, end, restarted, phase] of rows) {
    it(`${policy}, exit ${end}: ${restarted ? 'restarted at once (the first restart has no back-off)' : `not restarted, the pod is ${phase}`}`, () => {
      const steps = timeline(pod(policy, app('a')), [
        ['0 begin', ['start a']],
        ['100 started a', ['event Started a']],
        [`5000 exited a ${end}`, restarted ? ['start a'] : ['done']],
      ]);
      const s = last(steps).status;
      expect(s.pod.phase).to.equal(phase);
      if (restarted) {
        expect(s.containers.a).to.include({ state: 'waiting', reason: 'ContainerCreating', restartCount: 1 });
        expect(s.containers.a.lastState).to.include({ finishedAt: 5000, instance: 0 });
      } else {
        expect(s.containers.a.state).to.equal('terminated');
        expect(s.pod.done).to.equal(true);
      }
    });
  }

  it('the terminated record: 128 + signal, the reasons Completed, Error and OOMKilled, the times of the instance', () => {
    const cases: Array<[string, number, string]> = [
      ['0', 0, 'Completed'],
      ['3', 3, 'Error'],
      ['0 sig=15', 143, 'Error'],
      ['137 oom', 137, 'OOMKilled'],
    ];
    for (const [end, code, reason] of cases) {
      const s = last(run(pod('Never', app('a')), ['0 begin', '100 started a', `900 exited a ${end}`])).status.containers.a;
      expect(s.terminated, end).to.deep.equal({
        exitCode: code,
        signal: end.includes('sig=') ? 15 : 0,
        oom: end.includes('oom'),
        reason,
        startedAt: 100,
        finishedAt: 900,
        instance: 0,
      });
      expect(s.lastState).to.equal(null);
    }
  });

  it('a start failure is a StartError (128): RunContainerError while restarted, back-off from the second', () => {
    const steps = timeline(pod('Always', app('a')), [
      ['0 begin', ['start a']],
      ['10 start_failed a', ['event Failed a', 'start a']],
      ['20 start_failed a', ['event Failed a', 'event BackOff a 10000']],
      ['timer', ['start a']],
      ['10030 started a', ['event Started a']],
    ]);
    expect(steps[1].status.containers.a).to.include({ state: 'waiting', reason: 'RunContainerError', restartCount: 1 });
    expect(steps[1].status.containers.a.lastState).to.deep.equal({
      exitCode: 128,
      signal: 0,
      oom: false,
      reason: 'StartError',
      startedAt: null,
      finishedAt: 10,
      instance: 0,
    });
    expect(steps[2].status.containers.a).to.include({ reason: 'CrashLoopBackOff', backoffMs: 10000 });
    expect(steps[3].nextDeadline).to.equal(-1);
    expect(last(steps).status.containers.a).to.include({ state: 'running', restartCount: 2 });
  });

  it('a start failure under Never ends the pod Failed with the StartError', () => {
    const steps = timeline(pod('Never', app('a')), [
      ['0 begin', ['start a']],
      ['10 start_failed a', ['event Failed a', 'done']],
    ]);
    expect(last(steps).status.containers.a.terminated).to.include({ exitCode: 128, reason: 'StartError' });
    expect(last(steps).status.pod.phase).to.equal('Failed');
  });

  it('OnFailure: restarted after exit 1, finished for good by exit 0 (Succeeded)', () => {
    const steps = timeline(pod('OnFailure', app('a')), [
      ['0 begin', ['start a']],
      ['0 started a', ['event Started a']],
      ['1000 exited a 1', ['start a']],
      ['1000 started a', ['event Started a']],
      ['2000 exited a 0', ['done']],
    ]);
    const s = last(steps).status;
    expect(s.pod.phase).to.equal('Succeeded');
    expect(s.containers.a).to.include({ state: 'terminated', restartCount: 1 });
    expect(s.containers.a.lastState).to.include({ exitCode: 1, instance: 0 });
    expect(s.containers.a.terminated).to.include({ exitCode: 0, instance: 1 });
  });

  it('an Always pod whose only container exits 0 is Running while restarting, and backs off like a crash (R1.3)', () => {
    const steps = timeline(pod('Always', app('a')), [
      ['0 begin', ['start a']],
      ['0 started a', ['event Started a']],
      ['1000 exited a 0', ['start a']],
      ['1000 started a', ['event Started a']],
      ['2000 exited a 0', ['event BackOff a 10000']],
    ]);
    expect(steps[2].status.pod.phase).to.equal('Running');
    expect(last(steps).status.pod.phase).to.equal('Running');
    expect(last(steps).status.containers.a).to.include({ state: 'waiting', reason: 'CrashLoopBackOff' });
    expect(last(steps).status.containers.a.lastState).to.include({ exitCode: 0, reason: 'Completed' });
  });
});

describe('supervise: CrashLoopBackOff (R1.3)', () => {
  it('waits 0, 10 s, 20 s, 40 s, 80 s, 160 s, 300 s, 300 s between restarts of a container that crashes at once', () => {
    const events = ['0 begin', '0 started a', '0 exited a 1'];
    // the first restart is immediate; every later exit enters back-off for d, then a timer starts it
    const waits = [10000, 20000, 40000, 80000, 160000, 300000, 300000];
    let t = 0;
    for (let i = 0; i < waits.length; i++) {
      events.push(`${t} started a`, `${t} exited a 1`, 'timer');
      t += waits[i];
    }
    const steps = run(pod('Always', app('a')), events);
    expect(steps[2].acts).to.deep.equal(['start a']);
    t = 0;
    for (let i = 0; i < waits.length; i++) {
      const exit = steps[3 + 3 * i + 1];
      const timer = steps[3 + 3 * i + 2];
      expect(exit.acts, `exit ${i + 2}`).to.deep.equal([`event BackOff a ${waits[i]}`]);
      expect(exit.nextDeadline, `exit ${i + 2}`).to.equal(t + waits[i]);
      expect(exit.status.containers.a).to.include({ state: 'waiting', reason: 'CrashLoopBackOff', backoffMs: waits[i], restartCount: i + 1 });
      expect(timer.acts, `restart ${i + 2}`).to.deep.equal(['start a']);
      expect(timer.status.containers.a.restartCount).to.equal(i + 2);
      // the message stays the one the back-off was entered with until the start succeeds
      expect(timer.status.containers.a).to.include({ reason: 'CrashLoopBackOff', backoffMs: waits[i] });
      t += waits[i];
    }
  });

  it('no restart before finishedAt + d: a timer too early does nothing', () => {
    timeline(pod('Always', app('a')), [
      ['0 begin', ['start a']],
      ['0 started a', ['event Started a']],
      ['0 exited a 1', ['start a']],
      ['0 started a', ['event Started a']],
      ['500 exited a 1', ['event BackOff a 10000']],
      ['10499 timer', []],
      ['10500 timer', ['start a']],
    ]);
  });

  it('resets when the exit comes more than resetMs after the last restart decision; exactly resetMs does not', () => {
    const base = ['0 begin', '0 started a', '1000 exited a 1', '1000 started a', '2000 exited a 1', 'timer', '12000 started a'];
    // lastUpdate = 12000 (the restart decided by the timer), d = 20 s
    const reset = run(pod('Always', app('a')), [...base, '612001 exited a 1', '612001 started a', '613000 exited a 1']);
    expect(reset[5].acts).to.deep.equal(['start a']);
    expect(reset[7].acts).to.deep.equal(['start a']); // expired: immediate, as a first crash
    expect(reset[9].acts).to.deep.equal(['event BackOff a 10000']); // and the entry starts again at 10 s
    const kept = run(pod('Always', app('a')), [...base, '612000 exited a 1']);
    expect(last(kept).acts).to.deep.equal(['event BackOff a 20000']);
    expect(last(kept).nextDeadline).to.equal(632000);
  });

  it('a container running long (more than d) before it crashes restarts at once, and d keeps doubling', () => {
    // now - finishedAt >= d only counts at the retry; an exit is always at now: so while the entry
    // is fresh (< resetMs), a crash after a long run still waits d.
    timeline(pod('Always', app('a')), [
      ['0 begin', ['start a']],
      ['0 started a', ['event Started a']],
      ['0 exited a 1', ['start a']],
      ['0 started a', ['event Started a']],
      ['300000 exited a 1', ['event BackOff a 10000']],
      ['timer', ['start a']],
      ['310000 started a', ['event Started a']],
      ['320000 exited a 1', ['event BackOff a 20000']],
    ]);
  });

  it('the back-off is data: a dev back-off of 1 s doubling to 4 s, and 0 restarting at once every time', () => {
    const fast: PodSpec = { ...pod('Always', app('a')), backoff: { initialMs: 1000, maxMs: 4000, resetMs: 60000 } };
    const evs = ['0 begin', '0 started a', '0 exited a 1'];
    for (let i = 0; i < 4; i++) evs.push(`${i * 10000} started a`, `${i * 10000} exited a 1`, 'timer');
    const steps = run(fast, evs);
    expect([4, 7, 10, 13].map((i) => steps[i].acts[0])).to.deep.equal([
      'event BackOff a 1000',
      'event BackOff a 2000',
      'event BackOff a 4000',
      'event BackOff a 4000',
    ]);
    const zero: PodSpec = { ...pod('Always', app('a')), backoff: { initialMs: 0, maxMs: 0, resetMs: 600000 } };
    const z = run(zero, ['0 begin', '0 started a', '0 exited a 1', '0 started a', '0 exited a 1', '0 started a', '0 exited a 1']);
    expect(z.slice(2).map((s) => s.acts)).to.deep.equal([['start a'], ['event Started a'], ['start a'], ['event Started a'], ['start a']]);
  });

  it('an initial delay above the cap is the cap', () => {
    const spec: PodSpec = { ...pod('Always', app('a')), backoff: { initialMs: 50000, maxMs: 20000, resetMs: 600000 } };
    const s = run(spec, ['0 begin', '0 started a', '0 exited a 1', '0 started a', '0 exited a 1']);
    expect(last(s).acts).to.deep.equal(['event BackOff a 20000']);
  });
});

describe('supervise: restart for a resize (control `restart C`, kubelet-resources.md Z9.4)', () => {
  it('kills with the stop signal and the pod grace, and starts again at once, with no back-off, even right after a crash restart', () => {
    const steps = timeline(pod('Always', app('a'), app('b')), [
      ['0 begin', ['start a', 'start b']],
      ['0 started a', ['event Started a']],
      ['0 started b', ['event Started b']],
      ['100 exited a 1', ['start a']],
      ['100 started a', ['event Started a']],
      ['200 restart a', ['event Killing a resize', 'signal a 15']],
      ['300 exited a 143 sig=15', ['start a']],
      ['300 started a', ['event Started a']],
    ]);
    expect(steps[5].nextDeadline).to.equal(30200); // SIGKILL at the pod's grace
  });

  it('ignores a container not running, an init container, and a pod that stops', () => {
    timeline(pod('Always', init('i'), app('a')), [
      ['0 begin', ['start i']],
      ['0 restart a', []],
      ['0 restart i', []],
    ]);
    timeline(pod('Always', app('a')), [
      ['0 begin', ['start a']],
      ['0 started a', ['event Started a']],
      ['10 stop', ['event Killing a stop', 'signal a 15']],
      ['20 restart a', []],
    ]);
  });

  it('starts the container again whatever its exit and the restart policy (the kubelet\'s ContainersToStart): OnFailure exiting 0, Never', () => {
    for (const policy of ['OnFailure', 'Never'] as const)
      timeline(pod(policy, app('a')), [
        ['0 begin', ['start a']],
        ['0 started a', ['event Started a']],
        ['100 restart a', ['event Killing a resize', 'signal a 15']],
        ['150 exited a 0', ['start a']],
        ['150 started a', ['event Started a']],
      ]);
  });

  it('ignores a container being killed by its liveness probe: the kill decides what follows', () => {
    timeline(pod('Never', app('a', { livenessProbe: { failureThreshold: 1 } })), [
      ['0 begin', ['start a']],
      ['0 started a', ['event Started a', 'probe a liveness 1000']],
      ['500 probe a liveness failure', ['event Unhealthy a Liveness failure', 'event Killing a liveness', 'signal a 15']],
      ['600 restart a', []],
      ['700 exited a 143 sig=15', ['done']],
    ]);
  });

  it('a sidecar is restarted as an app container is', () => {
    timeline(pod('Never', sidecar('s'), app('a')), [
      ['0 begin', ['start s']],
      ['0 started s', ['event Started s', 'start a']],
      ['0 started a', ['event Started a']],
      ['100 restart s', ['event Killing s resize', 'signal s 15']],
      ['150 exited s 143 sig=15', ['start s']],
    ]);
  });
});

describe('supervise: a restart asked by a file watch (control `restart C watch`, docs/cli/up.md)', () => {
  it('kills with the stop signal and the pod grace, says why, and starts it again at once', () => {
    const steps = timeline(pod('Always', app('a'), app('b')), [
      ['0 begin', ['start a', 'start b']],
      ['0 started a', ['event Started a']],
      ['0 started b', ['event Started b']],
      ['100 restart a watch', ['event Killing a watch', 'signal a 15']],
      ['200 exited a 0', ['start a']],
      ['200 started a', ['event Started a']],
    ]);
    expect(steps[3].nextDeadline).to.equal(30100);
    expect(last(steps).status.containers.a).to.include({ state: 'running', restartCount: 1 });
  });
});

describe('supervise: a changed definition (control `replace C FILE`, docs/reapply.md)', () => {
  it('kills a running instance with the stop signal and the pod grace, and starts the new one at once', () => {
    const steps = timeline(pod('Always', app('a'), app('b')), [
      ['0 begin', ['start a', 'start b']],
      ['0 started a', ['event Started a']],
      ['0 started b', ['event Started b']],
      ['200 replace a', ['event Killing a spec', 'signal a 15']],
      ['300 exited a 143 sig=15', ['start a']],
      ['300 started a', ['event Started a']],
    ]);
    expect(steps[3].nextDeadline).to.equal(30200); // SIGKILL at the pod's grace
    expect(last(steps).status.containers.a).to.include({ state: 'running', restartCount: 1 });
    expect(last(steps).status.containers.b).to.include({ state: 'running', restartCount: 0 });
  });

  it('starts a container waiting out its back-off at once, and the back-off starts over (the kubelet keys it by the spec hash)', () => {
    const steps = timeline(pod('Always', app('a')), [
      ['0 begin', ['start a']],
      ['0 started a', ['event Started a']],
      ['0 exited a 1', ['start a']],
      ['0 started a', ['event Started a']],
      ['0 exited a 1', ['event BackOff a 10000']],
      ['500 replace a', ['start a']],
      ['500 started a', ['event Started a']],
      ['600 exited a 1', ['start a']], // the first crash of the new definition: no back-off
    ]);
    expect(last(steps).status.containers.a).to.include({ restartCount: 3 });
  });

  it('runs the preStop hook first, as any kill does', () => {
    timeline(pod('Always', app('a', { preStop: true })), [
      ['0 begin', ['start a']],
      ['0 started a', ['event Started a']],
      ['100 replace a', ['event Killing a spec', 'hook a preStop']],
      ['200 hook a preStop ok', ['signal a 15']],
      ['250 exited a 143 sig=15', ['start a']],
    ]);
  });

  it('does nothing for a container not started yet (its first start runs the new definition), a terminated one, an init container, a pod that stops', () => {
    timeline(pod('Always', init('i'), app('a')), [
      ['0 begin', ['start i']],
      ['0 replace a', []],
      ['0 replace i', []],
    ]);
    timeline(pod('Never', app('a'), app('b')), [
      ['0 begin', ['start a', 'start b']],
      ['0 started a', ['event Started a']],
      ['0 started b', ['event Started b']],
      ['100 exited a 0', []],
      ['200 replace a', []],
    ]);
    timeline(pod('Always', app('a')), [
      ['0 begin', ['start a']],
      ['0 started a', ['event Started a']],
      ['10 stop', ['event Killing a stop', 'signal a 15']],
      ['20 replace a', []],
    ]);
  });

  it('apply --grace-period: the given grace instead of the pod\'s, still at least the minimum; 0 (`kill`): SIGKILL at once, no preStop', () => {
    const steps = timeline(pod('Always', app('a'), app('b')), [
      ['0 begin', ['start a', 'start b']],
      ['0 started a', ['event Started a']],
      ['0 started b', ['event Started b']],
      ['200 replace a 5000', ['event Killing a spec', 'signal a 15']],
      ['300 replace b 0', ['event Killing b spec', 'signal b 15']],
    ]);
    expect(steps[3].nextDeadline).to.equal(5200);
    expect(steps[4].nextDeadline).to.equal(2300); // the 2 s minimum after the signal (kubelet's minimumGracePeriodInSeconds)
    timeline(pod('Always', app('a', { preStop: true })), [
      ['0 begin', ['start a']],
      ['0 started a', ['event Started a']],
      ['100 replace a kill', ['event Killing a spec', 'signal a 9']],
      ['110 exited a 137 sig=9', ['start a']],
      ['110 started a', ['event Started a']],
      ['200 replace a', ['event Killing a spec', 'hook a preStop']], // the next kill has its own budget again
    ]);
  });

  it('a sidecar is replaced as an app container is', () => {
    timeline(pod('Never', sidecar('s'), app('a')), [
      ['0 begin', ['start s']],
      ['0 started s', ['event Started s', 'start a']],
      ['0 started a', ['event Started a']],
      ['100 replace s', ['event Killing s spec', 'signal s 15']],
      ['150 exited s 143 sig=15', ['start s']],
    ]);
  });
});

describe('supervise: liveness and startup kills and the back-off (R1.4, R4.4)', () => {
  const live = { livenessProbe: { failureThreshold: 1 } };

  it('a liveness failure kills with the stop signal; the killed instance is restarted at once, the next kill backs off (podrun: steps 1-3 on the instance just killed)', () => {
    const steps = timeline(pod('Always', app('a', live)), [
      ['0 begin', ['start a']],
      ['0 started a', ['event Started a', 'probe a liveness 1000']],
      ['500 probe a liveness failure', ['event Unhealthy a Liveness failure', 'event Killing a liveness restart', 'signal a 15']],
      ['1000 exited a 0 sig=15', ['start a']],
      ['1000 started a', ['event Started a', 'probe a liveness 1000']],
      ['1500 probe a liveness failure', ['event Unhealthy a Liveness failure', 'event Killing a liveness restart', 'signal a 15']],
      ['2000 exited a 0 sig=15', ['event BackOff a 10000']],
      ['timer', ['start a']],
    ]);
    expect(steps[2].nextDeadline).to.equal(30500); // SIGKILL at the pod's grace
    expect(steps[6].nextDeadline).to.equal(12000);
  });

  it('SIGKILL at the probe grace (terminationGracePeriodSeconds of the probe) when the container ignores the stop signal', () => {
    const steps = timeline(pod('Always', app('a', { livenessProbe: { failureThreshold: 1, graceMs: 5000 } })), [
      ['0 begin', ['start a']],
      ['0 started a', ['event Started a', 'probe a liveness 1000']],
      ['500 probe a liveness failure', ['event Unhealthy a Liveness failure', 'event Killing a liveness restart', 'signal a 15']],
      ['timer', ['signal a 9']],
      ['5600 exited a 0 sig=9', ['start a']],
    ]);
    expect(steps[3].event).to.equal('timer');
    expect(steps[2].nextDeadline).to.equal(5500);
  });

  it('the probe grace is at least min grace after the stop signal (2 s)', () => {
    const steps = run(pod('Always', app('a', { livenessProbe: { failureThreshold: 1, graceMs: 1000 } })), ['0 begin', '0 started a', '500 probe a liveness failure']);
    expect(last(steps).nextDeadline).to.equal(2500);
  });

  it('OnFailure: a liveness kill restarts even when the process exits 0 on SIGTERM (decided at kill time)', () => {
    timeline(pod('OnFailure', app('a', live)), [
      ['0 begin', ['start a']],
      ['0 started a', ['event Started a', 'probe a liveness 1000']],
      ['500 probe a liveness failure', ['event Unhealthy a Liveness failure', 'event Killing a liveness restart', 'signal a 15']],
      ['600 exited a 0', ['start a']],
    ]);
  });

  it('Never: killed without ", will be restarted", not restarted, the pod Failed', () => {
    const steps = timeline(pod('Never', app('a', live)), [
      ['0 begin', ['start a']],
      ['0 started a', ['event Started a', 'probe a liveness 1000']],
      ['500 probe a liveness failure', ['event Unhealthy a Liveness failure', 'event Killing a liveness', 'signal a 15']],
      ['600 exited a 0 sig=15', ['done']],
    ]);
    expect(last(steps).status.pod.phase).to.equal('Failed');
  });

  it('a startup failure kills as a liveness failure does, with its own message', () => {
    timeline(pod('Always', app('a', { startupProbe: { failureThreshold: 1, periodMs: 1000 } })), [
      ['0 begin', ['start a']],
      ['0 started a', ['event Started a', 'probe a startup 1000']],
      ['500 probe a startup failure', ['event Unhealthy a Startup failure', 'event Killing a startup restart', 'signal a 15']],
    ]);
  });

  it('a probe kill runs the preStop hook first, within the probe grace', () => {
    const steps = timeline(pod('Always', app('a', { preStop: true, livenessProbe: { failureThreshold: 1, graceMs: 8000 } })), [
      ['0 begin', ['start a']],
      ['0 started a', ['event Started a', 'probe a liveness 1000']],
      ['500 probe a liveness failure', ['event Unhealthy a Liveness failure', 'event Killing a liveness restart', 'hook a preStop']],
      ['timer', ['cancel_hook a preStop', 'signal a 15']],
      ['timer', ['signal a 9']],
    ]);
    expect(steps[3].event).to.equal('timer');
    expect([steps[2].nextDeadline, steps[3].nextDeadline]).to.deep.equal([8500, 10500]);
  });
});

describe('supervise: init containers (R2)', () => {
  it('run one at a time in order, each after the one before exited 0, then the app containers together', () => {
    const steps = timeline(pod('Always', init('i1'), init('i2'), app('a'), app('b')), [
      ['0 begin', ['start i1']],
      ['0 started i1', ['event Started i1']],
      ['1000 exited i1 0', ['start i2']],
      ['1000 started i2', ['event Started i2']],
      ['2000 exited i2 0', ['start a', 'start b']],
      ['2000 started a', ['event Started a']],
      ['2000 started b', ['event Started b']],
    ]);
    const s0 = steps[0].status;
    expect(s0.pod.phase).to.equal('Pending');
    expect(Object.values(s0.containers).map((c) => c.reason)).to.deep.equal(['PodInitializing', 'PodInitializing', 'PodInitializing', 'PodInitializing']);
    expect(s0.pod.conditions.Initialized).to.include({ status: 'False', reason: 'ContainersNotInitialized' });
    expect(s0.pod.conditions.Initialized.listed).to.deep.equal(['i1', 'i2']);
    expect(steps[1].status.containers.i1).to.include({ state: 'running', started: true, ready: false });
    expect(steps[2].status.containers.i1).to.include({ state: 'terminated', ready: true, started: false });
    expect(steps[2].status.pod.conditions.Initialized.listed).to.deep.equal(['i2']);
    expect(steps[4].status.pod.conditions.Initialized).to.include({ status: 'True', lastTransitionMs: 2000 });
    expect(steps[4].status.pod.phase).to.equal('Pending'); // apps waiting
    expect(last(steps).status.pod.phase).to.equal('Running');
  });

  for (const policy of ['Always', 'OnFailure'] as Policy[]) {
    it(`${policy}: a failing init container is restarted with back-off (Init:CrashLoopBackOff), the next waits`, () => {
      const steps = timeline(pod(policy, init('i1'), init('i2'), app('a')), [
        ['0 begin', ['start i1']],
        ['0 started i1', ['event Started i1']],
        ['100 exited i1 1', ['start i1']],
        ['100 started i1', ['event Started i1']],
        ['200 exited i1 1', ['event BackOff i1 10000']],
        ['timer', ['start i1']],
        ['10200 started i1', ['event Started i1']],
        ['10300 exited i1 0', ['start i2']],
      ]);
      expect(steps[4].status.containers.i1).to.include({ state: 'waiting', reason: 'CrashLoopBackOff', restartCount: 1 });
      expect(steps[4].status.containers.a.reason).to.equal('PodInitializing');
      expect(steps[4].status.pod.phase).to.equal('Pending');
      expect(last(steps).status.containers.i1).to.include({ state: 'terminated', restartCount: 2 });
    });
  }

  it('an OOM-killed init container is failed even with exit 0 (R2.2)', () => {
    timeline(pod('OnFailure', init('i1'), app('a')), [
      ['0 begin', ['start i1']],
      ['0 started i1', ['event Started i1']],
      ['100 exited i1 0 oom', ['start i1']],
    ]);
  });

  it('Never: a failing init container fails the pod and nothing else starts (timeline B)', () => {
    const steps = timeline(pod('Never', init('i1'), app('a')), [
      ['0 begin', ['start i1']],
      ['0 started i1', ['event Started i1']],
      ['100 exited i1 1', ['done']],
    ]);
    const s = last(steps).status;
    expect(s.pod.phase).to.equal('Failed');
    expect(s.containers.i1.terminated).to.include({ exitCode: 1, reason: 'Error' });
    expect(s.containers.a).to.include({ state: 'waiting', reason: 'PodInitializing' });
    expect(s.pod.conditions.Initialized).to.deep.include({ status: 'False', reason: 'ContainersNotInitialized', listed: ['i1'] });
    expect(s.pod.conditions.ContainersReady).to.include({ status: 'False', reason: 'PodFailed' });
    expect(s.pod.conditions.PodReadyToStartContainers.status).to.equal('False');
    expect(last(steps).nextDeadline).to.equal(-1);
  });

  it('Never: a failing init container stops the sidecars already running (KillPod)', () => {
    const steps = timeline(pod('Never', sidecar('s'), init('i1'), app('a')), [
      ['0 begin', ['start s']],
      ['0 started s', ['event Started s', 'start i1']],
      ['0 started i1', ['event Started i1']],
      ['100 exited i1 1', ['event Killing s stop', 'signal s 15']],
      ['200 exited s 143', ['done']],
    ]);
    expect(steps[3].status.pod.phase).to.equal('Failed');
  });

  it('a success is final: an init container that exited 0 never runs again', () => {
    const steps = run(pod('Always', init('i1'), app('a')), ['0 begin', '0 started i1', '100 exited i1 0', '100 started a', '200 exited a 1', '200 started a', '300 exited a 1', 'timer']);
    expect(steps.flatMap((s) => s.acts).filter((a) => a === 'start i1')).to.have.length(1);
    expect(last(steps).status.containers.i1.state).to.equal('terminated');
  });
});

describe('supervise: sidecars (R3)', () => {
  it('without a startup probe: started once running, then the next init container starts', () => {
    const steps = timeline(pod('Always', sidecar('s'), init('i'), app('a')), [
      ['0 begin', ['start s']],
      ['10 started s', ['event Started s', 'start i']],
      ['20 started i', ['event Started i']],
      ['100 exited i 0', ['start a']],
      ['110 started a', ['event Started a']],
    ]);
    expect(steps[1].status.containers.s).to.include({ started: true, ready: true });
    expect(steps[1].status.pod.phase).to.equal('Pending'); // the init container is pending
    expect(last(steps).status.pod.phase).to.equal('Running');
    expect(last(steps).status.pod.conditions.ContainersReady.status).to.equal('True');
  });

  it('with a startup probe: the next waits for its success; readiness counts in ContainersReady (R3.5)', () => {
    const steps = timeline(pod('Always', sidecar('s', { startupProbe: { periodMs: 1000 }, readinessProbe: { periodMs: 5000 } }), app('a')), [
      ['0 begin', ['start s']],
      ['0 started s', ['event Started s', 'probe s startup 1000']],
      ['100 probe s startup failure', ['event Unhealthy s Startup failure']],
      ['timer', ['probe s startup 1000']],
      ['1100 probe s startup success', ['probe s readiness 1000', 'start a']],
      ['1100 started a', ['event Started a']],
      ['1200 probe s readiness success', []],
    ]);
    expect(steps[1].status.containers.s).to.include({ state: 'running', started: false, ready: false });
    expect(steps[1].status.pod.phase).to.equal('Pending');
    expect(steps[1].status.pod.conditions.Initialized.listed).to.deep.equal(['s']);
    expect(steps[5].status.pod.conditions.ContainersReady.listed).to.deep.equal(['s']);
    expect(last(steps).status.pod.conditions.ContainersReady).to.include({ status: 'True', lastTransitionMs: 1200 });
  });

  it('a sidecar whose startup probe fails is killed and restarted, and the next still waits', () => {
    timeline(pod('Never', sidecar('s', { startupProbe: { failureThreshold: 1 } }), app('a')), [
      ['0 begin', ['start s']],
      ['0 started s', ['event Started s', 'probe s startup 1000']],
      ['100 probe s startup failure', ['event Unhealthy s Startup failure', 'event Killing s startup restart', 'signal s 15']],
      ['200 exited s 143', ['start s']],
      ['200 started s', ['event Started s', 'probe s startup 1000']],
      ['300 probe s startup success', ['start a']],
    ]);
  });

  it('a postStart hook of a sidecar holds the next container until it returns (R3.3)', () => {
    timeline(pod('Always', sidecar('s', { postStart: true }), app('a')), [
      ['0 begin', ['start s']],
      ['0 started s', ['event Started s', 'hook s postStart']],
      ['500 hook s postStart ok', ['start a']],
    ]);
  });

  for (const policy of ['Always', 'OnFailure', 'Never'] as Policy[])
    it(`is restarted whatever it exits with, also under ${policy} (R1.5), with back-off, beside the running apps`, () => {
      const steps = timeline(pod(policy, sidecar('s'), app('a')), [
        ['0 begin', ['start s']],
        ['0 started s', ['event Started s', 'start a']],
        ['0 started a', ['event Started a']],
        ['100 exited s 0', ['start s']],
        ['100 started s', ['event Started s']],
        ['200 exited s 1', ['event BackOff s 10000']],
        ['timer', ['start s']],
      ]);
      expect(steps[5].status.pod.phase).to.equal('Running');
      expect(steps[5].status.pod.conditions.Initialized.status).to.equal('True'); // an app has run
    });

  it('a liveness failure of a sidecar kills and restarts it under Never', () => {
    timeline(pod('Never', sidecar('s', { livenessProbe: { failureThreshold: 1 } }), app('a')), [
      ['0 begin', ['start s']],
      ['0 started s', ['event Started s', 'probe s liveness 1000', 'start a']],
      ['0 started a', ['event Started a']],
      ['500 probe s liveness failure', ['event Unhealthy s Liveness failure', 'event Killing s liveness restart', 'signal s 15']],
      ['600 exited s 143', ['start s']],
    ]);
  });

  it('OnFailure, app exits 0: the sidecars are stopped in reverse order, then done, Succeeded (timeline C, R3.6)', () => {
    const steps = timeline(pod('OnFailure', sidecar('s1'), sidecar('s2'), app('a')), [
      ['0 begin', ['start s1']],
      ['0 started s1', ['event Started s1', 'start s2']],
      ['0 started s2', ['event Started s2', 'start a']],
      ['0 started a', ['event Started a']],
      ['5000 exited a 0', ['event Killing s1 stop', 'event Killing s2 stop', 'signal s2 15']],
      ['5100 exited s2 143', ['signal s1 15']],
      ['5200 exited s1 143', ['done']],
    ]);
    expect(steps[4].status.pod).to.include({ phase: 'Running', stopping: true, deleting: false });
    const s = last(steps).status.pod;
    expect(s.phase).to.equal('Succeeded');
    expect(s.conditions.PodReadyToStartContainers).to.include({ status: 'False', lastTransitionMs: 5200 });
    expect(s.conditions.Initialized).to.include({ status: 'True', reason: 'PodCompleted' });
    expect(s.conditions.ContainersReady).to.include({ status: 'False', reason: 'PodCompleted' });
    expect(last(steps).status.containers.s1.terminated).to.include({ exitCode: 143 });
  });

  it('Never, the app fails: the sidecar stopped, no restart, Failed (the sidecar exit code is ignored, R3.7)', () => {
    const steps = timeline(pod('Never', sidecar('s'), app('a')), [
      ['0 begin', ['start s']],
      ['0 started s', ['event Started s', 'start a']],
      ['0 started a', ['event Started a']],
      ['100 exited a 2', ['event Killing s stop', 'signal s 15']],
      ['200 exited s 0', ['done']],
    ]);
    expect(last(steps).status.pod.phase).to.equal('Failed');
  });

  it('Always: apps keep the pod up; a sidecar waiting in back-off does not hold the pod Pending (R3.7)', () => {
    const steps = run(pod('Always', sidecar('s'), app('a')), ['0 begin', '0 started s', '0 started a', '100 exited s 1', '100 started s', '200 exited s 1']);
    expect(last(steps).status.pod.phase).to.equal('Running');
    expect(last(steps).status.pod.conditions.ContainersReady.listed).to.deep.equal(['s']);
  });
});

describe('supervise: probes (§4)', () => {
  const three = { livenessProbe: {}, readinessProbe: { periodMs: 5000 }, startupProbe: { periodMs: 1000 } };

  it('initial results: readiness Failure, liveness Success, startup Unknown; startup gates the other two', () => {
    const steps = timeline(pod('Always', app('a', three)), [
      ['0 begin', ['start a']],
      ['0 started a', ['event Started a', 'probe a startup 1000']],
      ['300 probe a startup failure', ['event Unhealthy a Startup failure']],
      ['timer', ['probe a startup 1000']],
      ['1200 probe a startup success', ['probe a readiness 1000']],
      ['1300 probe a readiness success', []],
      ['timer', ['probe a readiness 1000']],
      ['5100 probe a readiness success', []],
      ['timer', ['probe a liveness 1000', 'probe a readiness 1000']],
    ]);
    expect(steps[1].status.containers.a).to.include({ state: 'running', started: false, ready: false });
    expect(steps[4].status.containers.a).to.include({ started: true, ready: false });
    expect(steps[5].status.containers.a).to.include({ started: true, ready: true });
    expect(steps[4].nextDeadline).to.equal(2200); // the readiness run's timeout
    expect(steps[5].nextDeadline).to.equal(5000); // readiness ticks 0, 5000, ...; liveness 10000
    expect(steps[6].nextDeadline).to.equal(6000); // the readiness run's timeout
    expect(steps[7].nextDeadline).to.equal(10000); // liveness: its first tick once started
    expect(last(steps).nextDeadline).to.equal(11000); // both runs' timeouts; the next ticks are 15000 and 20000
  });

  it('startup: failureThreshold failures in a row kill (run by run at its period); the result puts the worker on hold', () => {
    const steps = timeline(pod('Always', app('a', { startupProbe: { periodMs: 1000, failureThreshold: 3 }, livenessProbe: {} })), [
      ['0 begin', ['start a']],
      ['0 started a', ['event Started a', 'probe a startup 1000']],
      ['100 probe a startup failure', ['event Unhealthy a Startup failure']],
      ['timer', ['probe a startup 1000']],
      ['1100 probe a startup failure', ['event Unhealthy a Startup failure']],
      ['timer', ['probe a startup 1000']],
      ['2100 probe a startup failure', ['event Unhealthy a Startup failure', 'event Killing a startup restart', 'signal a 15']],
    ]);
    expect(steps.flatMap((x) => x.acts).some((x) => x.includes('liveness'))).to.equal(false); // never started
    expect(last(steps).nextDeadline).to.equal(32100); // only the SIGKILL is left
  });

  it('ticks at startedAt + initialDelay, then every period; a run is not repeated while the container is not started', () => {
    const steps = timeline(pod('Always', app('a', { livenessProbe: { delayMs: 5000, periodMs: 3000 } })), [
      ['0 begin', ['start a']],
      ['1000 started a', ['event Started a']],
      ['timer', ['probe a liveness 1000']],
      ['6100 probe a liveness success', []],
      ['timer', ['probe a liveness 1000']],
    ]);
    expect(steps[1].nextDeadline).to.equal(6000);
    expect(steps[3].nextDeadline).to.equal(9000);
  });

  it('liveness: only failureThreshold consecutive failures kill; a success resets the run', () => {
    const a = app('a', { livenessProbe: { periodMs: 1000 } });
    const evs = ['0 begin', '0 started a'];
    const results = ['failure', 'failure', 'success', 'failure', 'failure', 'failure'];
    results.forEach((r, i) => evs.push(`${i * 1000 + 100} probe a liveness ${r}`, `${(i + 1) * 1000} timer`));
    const steps = run(pod('Always', a), evs);
    const on = (r: number) => steps[2 + 2 * r].acts;
    expect(on(0)).to.deep.equal(['event Unhealthy a Liveness failure']);
    expect(on(1)).to.deep.equal(['event Unhealthy a Liveness failure']);
    expect(on(2)).to.deep.equal([]);
    expect(on(3)).to.deep.equal(['event Unhealthy a Liveness failure']);
    expect(on(4)).to.deep.equal(['event Unhealthy a Liveness failure']);
    expect(on(5)).to.deep.equal(['event Unhealthy a Liveness failure', 'event Killing a liveness restart', 'signal a 15']);
    expect(last(steps).acts).to.deep.equal([]); // no more liveness runs once it failed (on hold)
  });

  it('readiness: ready follows runs of successThreshold / failureThreshold; it never kills', () => {
    const a = app('a', { readinessProbe: { periodMs: 1000, successThreshold: 2, failureThreshold: 2 } });
    const results = ['success', 'success', 'failure', 'success', 'failure', 'failure', 'failure'];
    const evs = ['0 begin', '0 started a'];
    results.forEach((r, i) => evs.push(`${i * 1000 + 100} probe a readiness ${r}`, `${(i + 1) * 1000} timer`));
    const steps = run(pod('Always', a), evs);
    const ready = results.map((_, i) => steps[2 + 2 * i].status.containers.a.ready);
    expect(ready).to.deep.equal([false, true, true, true, true, false, false]);
    expect(steps.flatMap((s) => s.acts).filter((x) => x.includes('Killing') || x.startsWith('signal'))).to.deep.equal([]);
    const cr = steps.map((s) => s.status.pod.conditions.Ready);
    expect(cr[2].status).to.equal('False');
    expect(cr[4]).to.include({ status: 'True', lastTransitionMs: 1100 });
    expect(cr[10]).to.include({ status: 'True', lastTransitionMs: 1100 });
    expect(cr[12]).to.include({ status: 'False', reason: 'ContainersNotReady', lastTransitionMs: 5100 });
  });

  it('readiness with a warning (an unfollowed redirect) is a success with a ProbeWarning event', () => {
    const steps = timeline(pod('Always', app('a', { readinessProbe: {} })), [
      ['0 begin', ['start a']],
      ['0 started a', ['event Started a', 'probe a readiness 1000']],
      ['100 probe a readiness warning', ['event ProbeWarning a Readiness']],
    ]);
    expect(last(steps).status.containers.a.ready).to.equal(true);
  });

  it('an error is retried at once up to 3 attempts, then reported and thrown away (no counting)', () => {
    timeline(pod('Always', app('a', { livenessProbe: { failureThreshold: 1 } })), [
      ['0 begin', ['start a']],
      ['0 started a', ['event Started a', 'probe a liveness 1000']],
      ['100 probe a liveness error', ['probe a liveness 1000']],
      ['200 probe a liveness error', ['probe a liveness 1000']],
      ['300 probe a liveness error', ['event Unhealthy a Liveness error']],
      ['timer', ['probe a liveness 1000']],
      ['10100 probe a liveness error', ['probe a liveness 1000']],
      ['10200 probe a liveness success', []],
    ]);
  });

  it('a run still going at its timeout is cancelled and counts as a failure; its late answer is ignored', () => {
    const steps = timeline(pod('Always', app('a', { livenessProbe: { failureThreshold: 2, periodMs: 3000, timeoutMs: 1000 } })), [
      ['0 begin', ['start a']],
      ['0 started a', ['event Started a', 'probe a liveness 1000']],
      ['timer', ['cancel_probe a liveness', 'event Unhealthy a Liveness failure timeout 1000']],
      ['1500 probe a liveness success', []],
      ['timer', ['probe a liveness 1000']],
      ['timer', ['cancel_probe a liveness', 'event Unhealthy a Liveness failure timeout 1000', 'event Killing a liveness restart', 'signal a 15']],
    ]);
    expect(steps[1].nextDeadline).to.equal(1000);
    expect(steps[4].nextDeadline).to.equal(4000);
  });

  it('a timeout longer than the period: the tick while a run is out is skipped', () => {
    const steps = timeline(pod('Always', app('a', { livenessProbe: { periodMs: 10000, timeoutMs: 15000 } })), [
      ['0 begin', ['start a']],
      ['0 started a', ['event Started a', 'probe a liveness 15000']],
      ['timer', []],
      ['timer', ['cancel_probe a liveness', 'event Unhealthy a Liveness failure timeout 15000']],
      ['timer', ['probe a liveness 15000']],
    ]);
    expect(steps.slice(1, 4).map((s) => s.nextDeadline)).to.deep.equal([10000, 15000, 20000]);
  });

  it('probes start only once the postStart hook has returned, and stop when the container exits', () => {
    timeline(pod('Always', app('a', { postStart: true, livenessProbe: {}, readinessProbe: {} })), [
      ['0 begin', ['start a']],
      ['0 started a', ['event Started a', 'hook a postStart']],
      ['10000 hook a postStart ok', ['probe a liveness 1000', 'probe a readiness 1000']],
      ['10100 exited a 1', ['cancel_probe a liveness', 'cancel_probe a readiness', 'start a']],
    ]);
  });

  it('a new instance starts its probes over (startup Unknown again, readiness Failure)', () => {
    const steps = timeline(pod('Always', app('a', { startupProbe: {}, readinessProbe: {} })), [
      ['0 begin', ['start a']],
      ['0 started a', ['event Started a', 'probe a startup 1000']],
      ['100 probe a startup success', ['probe a readiness 1000']],
      ['200 probe a readiness success', []],
      ['300 exited a 1', ['start a']],
      ['300 started a', ['event Started a', 'probe a startup 1000']],
    ]);
    expect(steps[3].status.containers.a).to.include({ started: true, ready: true });
    expect(last(steps).status.containers.a).to.include({ started: false, ready: false, restartCount: 1 });
  });
});

describe('supervise: lifecycle hooks (§5)', () => {
  it('postStart: running and started only once it returns; the app containers after it wait for it', () => {
    const steps = timeline(pod('Always', app('a', { postStart: true }), app('b'), app('c', { postStart: true }), app('d')), [
      ['0 begin', ['start a']],
      ['0 started a', ['event Started a', 'hook a postStart']],
      ['3000 hook a postStart ok', ['start b', 'start c']],
      ['3000 started c', ['event Started c', 'hook c postStart']],
      ['3000 started b', ['event Started b']],
      ['4000 hook c postStart ok', ['start d']],
    ]);
    expect(steps[1].status.containers.a).to.include({ state: 'waiting', reason: 'ContainerCreating', started: false });
    expect(steps[1].status.pod.phase).to.equal('Pending');
    expect(steps[2].status.containers.a).to.include({ state: 'running', startedAt: 0, started: true });
  });

  it('postStart failure: FailedPostStartHook, Killing, the preStop, the stop signal; PostStartHookError; restarted per policy with back-off', () => {
    const steps = timeline(pod('Always', app('a', { postStart: true, preStop: true })), [
      ['0 begin', ['start a']],
      ['0 started a', ['event Started a', 'hook a postStart']],
      ['1000 hook a postStart fail', ['event FailedPostStartHook a', 'event Killing a postStart', 'hook a preStop']],
      ['2000 hook a preStop ok', ['signal a 15']],
      ['2100 exited a 143', ['start a']],
      ['2100 started a', ['event Started a', 'hook a postStart']],
      ['2200 hook a postStart fail', ['event FailedPostStartHook a', 'event Killing a postStart', 'hook a preStop']],
      ['2300 hook a preStop ok', ['signal a 15']],
      ['2400 exited a 143', ['event BackOff a 10000']],
    ]);
    expect(steps[2].status.containers.a).to.include({ state: 'waiting', reason: 'PostStartHookError' });
    expect(steps[2].nextDeadline).to.equal(31000); // the pod's grace
    expect(steps[4].status.containers.a).to.include({ state: 'waiting', reason: 'PostStartHookError', restartCount: 1 });
    expect(last(steps).status.containers.a).to.include({ reason: 'CrashLoopBackOff' });
  });

  it('postStart failure under Never: not restarted; under OnFailure an exit 0 on SIGTERM is not restarted either (R1.2 on the exit code)', () => {
    const rows = (end: string, after: string[]): Array<[string, string[]]> => [
      ['0 begin', ['start a']],
      ['0 started a', ['event Started a', 'hook a postStart']],
      ['1000 hook a postStart fail', ['event FailedPostStartHook a', 'event Killing a postStart', 'signal a 15']],
      [`1100 exited a ${end}`, after],
    ];
    expect(last(timeline(pod('Never', app('a', { postStart: true })), rows('143', ['done']))).status.pod.phase).to.equal('Failed');
    expect(last(timeline(pod('OnFailure', app('a', { postStart: true })), rows('0', ['done']))).status.pod.phase).to.equal('Succeeded');
    timeline(pod('OnFailure', app('a', { postStart: true })), rows('143', ['start a']));
  });

  it('a container that exits during its postStart: the hook is cancelled, no FailedPostStartHook', () => {
    timeline(pod('Always', app('a', { postStart: true }), app('b')), [
      ['0 begin', ['start a']],
      ['0 started a', ['event Started a', 'hook a postStart']],
      ['100 exited a 1', ['cancel_hook a postStart', 'start a', 'start b']],
    ]);
  });

  it('preStop: not run when a container exits by itself', () => {
    timeline(pod('Always', app('a', { preStop: true })), [
      ['0 begin', ['start a']],
      ['0 started a', ['event Started a']],
      ['100 exited a 1', ['start a']],
    ]);
  });

  it('preStop: Killing first, the stop signal after it returns; a failure is an event and the stop goes on', () => {
    timeline(pod('Always', app('a', { preStop: true })), [
      ['0 begin', ['start a']],
      ['0 started a', ['event Started a']],
      ['1000 stop', ['event Killing a stop', 'hook a preStop']],
      ['1500 hook a preStop fail', ['event FailedPreStopHook a', 'signal a 15']],
      ['1600 exited a 143', ['done']],
    ]);
  });

  it('preStop counts against the grace: cancelled at its end, then the stop signal and SIGKILL 2 s later', () => {
    const steps = timeline(pod('Always', app('a', { preStop: true })), [
      ['0 begin', ['start a']],
      ['0 started a', ['event Started a']],
      ['1000 stop 10000', ['event Killing a stop', 'hook a preStop']],
      ['timer', ['cancel_hook a preStop', 'signal a 15']],
      ['timer', ['signal a 9']],
      ['13100 exited a 0 sig=9', ['done']],
    ]);
    expect(steps.slice(2, 5).map((s) => s.nextDeadline)).to.deep.equal([11000, 13000, -1]);
  });

  it('preStop is skipped with no grace (stop 0): the stop signal at once, SIGKILL after min grace', () => {
    const steps = timeline(pod('Always', app('a', { preStop: true })), [
      ['0 begin', ['start a']],
      ['0 started a', ['event Started a']],
      ['1000 stop 0', ['event Killing a stop', 'signal a 15']],
      ['timer', ['signal a 9']],
    ]);
    expect(steps[2].nextDeadline).to.equal(3000);
  });

  it("kill (podrun's --grace-period 0): no preStop, SIGKILL at once to every container, sidecars too; nothing left to wait for", () => {
    const steps = timeline(pod('Always', sidecar('s'), app('a', { preStop: true }), app('b')), [
      ['0 begin', ['start s']],
      ['0 started s', ['event Started s', 'start a', 'start b']],
      ['0 started a', ['event Started a']],
      ['0 started b', ['event Started b']],
      ['1000 kill', ['event Killing s stop', 'signal s 9', 'event Killing a stop', 'signal a 9', 'event Killing b stop', 'signal b 9']],
    ]);
    expect(steps[4].nextDeadline).to.equal(-1);
  });

  it('kill during a stop: the running preStop is cancelled and every container SIGKILLed at once', () => {
    timeline(pod('Always', app('a', { preStop: true }), app('b')), [
      ['0 begin', ['start a', 'start b']],
      ['0 started a', ['event Started a']],
      ['0 started b', ['event Started b']],
      ['1000 stop 30000', ['event Killing a stop', 'hook a preStop', 'event Killing b stop', 'signal b 15']],
      ['1500 kill', ['cancel_hook a preStop', 'signal a 9', 'signal b 9']],
    ]);
  });

  it('kill while a container is starting: it gets SIGKILL once it has started', () => {
    timeline(pod('Always', app('a', { preStop: true })), [
      ['0 begin', ['start a']],
      ['500 kill', []],
      ['600 started a', ['event Started a', 'event Killing a stop', 'signal a 9']],
    ]);
  });

  it('a stop signal from the config (lifecycle.stopSignal or the image), SIGKILL only once after it', () => {
    timeline(pod('Always', app('a', { stopSignal: 3 }), app('b', { stopSignal: 9 })), [
      ['0 begin', ['start a', 'start b']],
      ['0 started a', ['event Started a']],
      ['0 started b', ['event Started b']],
      ['1000 stop 5000', ['event Killing a stop', 'signal a 3', 'event Killing b stop', 'signal b 9']],
      ['timer', ['signal a 9']],
    ]);
  });
});

describe('supervise: stopping the pod (§6)', () => {
  it('every preStop starts at once; the sidecars wait for the apps and the later sidecars (timeline D)', () => {
    const spec: PodSpec = { ...pod('Always', sidecar('s1'), sidecar('s2'), app('a', { preStop: true })), graceMs: 30000 };
    const steps = timeline(spec, [
      ['0 begin', ['start s1']],
      ['0 started s1', ['event Started s1', 'start s2']],
      ['0 started s2', ['event Started s2', 'start a']],
      ['0 started a', ['event Started a']],
      ['1000 stop', ['event Killing s1 stop', 'event Killing s2 stop', 'event Killing a stop', 'hook a preStop']],
      ['6000 hook a preStop ok', ['signal a 15']],
      ['7000 exited a 143', ['signal s2 15']],
      ['8000 exited s2 143', ['signal s1 15']],
      ['9000 exited s1 143', ['done']],
    ]);
    expect(steps[4].status.pod).to.include({ deleting: true, stopping: true, phase: 'Running' });
    expect(steps[4].nextDeadline).to.equal(31000);
    expect(steps[5].nextDeadline).to.equal(31000); // a's SIGKILL: its budget is what the preStop left
    expect(last(steps).status.pod.phase).to.equal('Failed'); // a exited 143
  });

  it('when the apps use up the budget, the waiting sidecars get the stop signal at its end and SIGKILL 2 s later', () => {
    const spec: PodSpec = { ...pod('Always', sidecar('s1'), sidecar('s2'), app('a', { preStop: true })), graceMs: 30000 };
    timeline(spec, [
      ['0 begin', ['start s1']],
      ['0 started s1', ['event Started s1', 'start s2']],
      ['0 started s2', ['event Started s2', 'start a']],
      ['0 started a', ['event Started a']],
      ['1000 stop', ['event Killing s1 stop', 'event Killing s2 stop', 'event Killing a stop', 'hook a preStop']],
      ['6000 hook a preStop ok', ['signal a 15']],
      ['timer', ['signal s1 15', 'signal s2 15', 'signal a 9']],
      ['31000 exited a 0 sig=9', []],
      ['timer', ['signal s1 9', 'signal s2 9']],
      ['33000 exited s1 0 sig=9', []],
      ['33000 exited s2 0 sig=9', ['done']],
    ]);
  });

  it('without sidecars every container gets its stop signal at once', () => {
    timeline(pod('Always', app('a'), app('b')), [
      ['0 begin', ['start a', 'start b']],
      ['0 started a', ['event Started a']],
      ['0 started b', ['event Started b']],
      ['1000 stop', ['event Killing a stop', 'signal a 15', 'event Killing b stop', 'signal b 15']],
      ['1100 exited b 143', []],
      ['1200 exited a 0', ['done']],
    ]);
  });

  it('nothing restarts once stopping: an Always container exiting then stays terminated', () => {
    const steps = timeline(pod('Always', app('a'), app('b')), [
      ['0 begin', ['start a', 'start b']],
      ['0 started a', ['event Started a']],
      ['0 started b', ['event Started b']],
      ['1000 stop', ['event Killing a stop', 'signal a 15', 'event Killing b stop', 'signal b 15']],
      ['1100 exited a 1', []],
    ]);
    expect(last(steps).status.containers.a.state).to.equal('terminated');
  });

  it('stop during a back-off: the restart is cancelled, the container shows its last exit, done at once', () => {
    const steps = timeline(pod('Always', app('a')), [
      ['0 begin', ['start a']],
      ['0 started a', ['event Started a']],
      ['100 exited a 1', ['start a']],
      ['100 started a', ['event Started a']],
      ['200 exited a 1', ['event BackOff a 10000']],
      ['1000 stop', ['done']],
    ]);
    const s = last(steps);
    expect(s.nextDeadline).to.equal(-1);
    expect(s.status.containers.a).to.include({ state: 'terminated', restartCount: 1 });
    expect(s.status.pod).to.include({ phase: 'Failed', done: true, deleting: true });
  });

  it('stop during a postStart hook: the hook is cancelled, then the preStop and the stop signal', () => {
    timeline(pod('Always', app('a', { postStart: true, preStop: true })), [
      ['0 begin', ['start a']],
      ['0 started a', ['event Started a', 'hook a postStart']],
      ['500 stop', ['event Killing a stop', 'cancel_hook a postStart', 'hook a preStop']],
      ['600 hook a postStart ok', []], // too late: cancelled
      ['700 hook a preStop ok', ['signal a 15']],
      ['800 exited a 143', ['done']],
    ]);
  });

  it('stop while a container is starting: killed as soon as it has started, within the budget of the stop', () => {
    const steps = timeline(pod('Always', app('a', { postStart: true })), [
      ['0 begin', ['start a']],
      ['100 stop', []],
      ['200 started a', ['event Started a', 'event Killing a stop', 'signal a 15']],
      ['timer', ['signal a 9']],
    ]);
    expect(steps[2].nextDeadline).to.equal(30100);
  });

  it('stop while a container is starting and its start then fails: done', () => {
    timeline(pod('Always', app('a')), [
      ['0 begin', ['start a']],
      ['100 stop', []],
      ['200 start_failed a', ['event Failed a', 'done']],
    ]);
  });

  it('a second stop with less grace shortens the budgets (the least wins), never below min grace after the signal', () => {
    const steps = timeline(pod('Always', app('a')), [
      ['0 begin', ['start a']],
      ['0 started a', ['event Started a']],
      ['1000 stop 30000', ['event Killing a stop', 'signal a 15']],
      ['2000 stop 0', []],
      ['timer', ['signal a 9']],
    ]);
    expect([steps[2].nextDeadline, steps[3].nextDeadline]).to.deep.equal([31000, 3000]);
  });

  it('stop during init: the init container is killed, the apps never start, the pod ends Failed', () => {
    const steps = timeline(pod('Always', init('i'), app('a')), [
      ['0 begin', ['start i']],
      ['0 started i', ['event Started i']],
      ['1000 stop', ['event Killing i stop', 'signal i 15']],
      ['1100 exited i 143', ['done']],
    ]);
    expect(last(steps).status.pod.phase).to.equal('Failed');
    expect(last(steps).status.containers.a.reason).to.equal('PodInitializing');
  });

  it('a stop of a pod that ran to completion keeps its terminal phase (Succeeded)', () => {
    const steps = run(pod('Never', app('a')), ['0 begin', '0 started a', '100 exited a 0', '200 stop']);
    expect(steps[2].acts).to.deep.equal(['done']);
    expect(steps[3].acts).to.deep.equal([]);
    expect(last(steps).status.pod.phase).to.equal('Succeeded');
  });

  it('a readiness probe keeps running during the stop; liveness and startup stop (R3.9)', () => {
    timeline(pod('Always', app('a', { livenessProbe: { periodMs: 1000 }, readinessProbe: { periodMs: 1000 } })), [
      ['0 begin', ['start a']],
      ['0 started a', ['event Started a', 'probe a liveness 1000', 'probe a readiness 1000']],
      ['500 stop', ['event Killing a stop', 'cancel_probe a liveness', 'signal a 15']],
      ['600 probe a readiness success', []],
      ['timer', ['probe a readiness 1000']],
    ]);
  });
});

describe('supervise: phase and conditions (§8)', () => {
  it('timeline A: Always, a crash loop: Running throughout, ContainersReady and Ready False while not running, times only on change', () => {
    const steps = run(pod('Always', app('a')), ['0 begin', '100 started a', '5000 exited a 1', '5100 started a', '9000 exited a 1', 'timer', '19100 started a']);
    const phases = steps.map((s) => s.status.pod.phase);
    expect(phases).to.deep.equal(['Pending', 'Running', 'Running', 'Running', 'Running', 'Running', 'Running']);
    const cr = steps.map((s) => [s.status.pod.conditions.ContainersReady.status, s.status.pod.conditions.ContainersReady.lastTransitionMs]);
    expect(cr).to.deep.equal([
      ['False', 0],
      ['True', 100],
      ['False', 5000],
      ['True', 5100],
      ['False', 9000],
      ['False', 9000],
      ['True', 19100],
    ]);
    const ready = steps.map((s) => s.status.pod.conditions.Ready.lastTransitionMs);
    expect(ready).to.deep.equal(cr.map((x) => x[1]));
    for (const c of ['PodScheduled', 'Initialized', 'PodReadyToStartContainers'])
      expect(steps.map((s) => s.status.pod.conditions[c].lastTransitionMs), c).to.deep.equal(steps.map(() => 0));
    expect(steps[4].status.containers.a).to.include({ reason: 'CrashLoopBackOff', backoffMs: 10000, restartCount: 1 });
    expect(steps[4].status.containers.a.lastState).to.include({ exitCode: 1, reason: 'Error', startedAt: 5100, finishedAt: 9000, instance: 1 });
  });

  it('phase, Initialized and ContainersReady across situations (§8.1, §8.2)', () => {
    const rows: Array<[string, PodSpec, string[], string, string, string]> = [
      // situation, pod, events, phase, Initialized, ContainersReady
      ['nothing started', pod('Always', app('a')), ['0 begin'], 'Pending', 'True', 'False'],
      ['an init container running', pod('Always', init('i'), app('a')), ['0 begin', '0 started i'], 'Pending', 'False', 'False'],
      ['a sidecar not yet started (startup probe)', pod('Always', sidecar('s', { startupProbe: {} }), app('a')), ['0 begin', '0 started s'], 'Pending', 'False', 'False'],
      ['running, not ready', pod('Always', app('a', { readinessProbe: {} })), ['0 begin', '0 started a'], 'Running', 'True', 'False'],
      ['running and ready', pod('Always', app('a', { readinessProbe: {} })), ['0 begin', '0 started a', '1 probe a readiness success'], 'Running', 'True', 'True'],
      ['one of two apps exited 0 under OnFailure', pod('OnFailure', app('a'), app('b')), ['0 begin', '0 started a', '0 started b', '5 exited a 0'], 'Running', 'True', 'False'],
      ['all apps exited 0 under OnFailure', pod('OnFailure', app('a'), app('b')), ['0 begin', '0 started a', '0 started b', '5 exited a 0', '6 exited b 0'], 'Succeeded', 'True', 'False'],
      ['one failed under Never', pod('Never', app('a'), app('b')), ['0 begin', '0 started a', '0 started b', '5 exited a 0', '6 exited b 1'], 'Failed', 'True', 'False'],
      ['one failed, one restarting under OnFailure', pod('OnFailure', app('a'), app('b')), ['0 begin', '0 started a', '0 started b', '5 exited a 0', '6 exited b 1'], 'Running', 'True', 'False'],
      ['an init container failed under Never', pod('Never', init('i'), app('a')), ['0 begin', '0 started i', '5 exited i 1'], 'Failed', 'False', 'False'],
    ];
    for (const [what, spec, events, phase, initialized, ready] of rows) {
      const s = last(run(spec, events)).status.pod;
      expect([s.phase, s.conditions.Initialized.status, s.conditions.ContainersReady.status], what).to.deep.equal([phase, initialized, ready]);
      expect(s.conditions.Ready.status, what).to.equal(s.conditions.ContainersReady.status);
      expect(s.conditions.PodScheduled.status, what).to.equal('True');
    }
  });

  it('status and pod_status are emitted exactly when something shown changed; every container and the pod at begin', () => {
    const steps = timeline(
      pod('Always', app('a', { readinessProbe: { periodMs: 1000 } }), app('b')),
      [
        ['0 begin', ['start a', 'start b', 'status a', 'status b', 'pod_status']],
        ['0 started b', ['event Started b', 'status b', 'pod_status']],
        ['0 started a', ['event Started a', 'probe a readiness 1000', 'status a', 'pod_status']], // Pending -> Running
        ['100 probe a readiness failure', ['event Unhealthy a Readiness failure']],
        ['timer', ['probe a readiness 1000']],
        ['1100 probe a readiness success', ['status a', 'pod_status']],
      ],
      true,
    );
    expect(steps[1].status.pod.phase).to.equal('Pending'); // a still waiting
    expect(steps[2].status.pod.phase).to.equal('Running');
    expect(last(steps).status.pod.conditions.Ready).to.include({ status: 'True', lastTransitionMs: 1100 });
  });

  it('ContainersReady lists the unready sidecars and apps in spec order', () => {
    const steps = run(pod('Always', sidecar('s', { readinessProbe: {} }), app('b', { readinessProbe: {} }), app('a')), ['0 begin', '0 started s', '0 started b']);
    expect(last(steps).status.pod.conditions.ContainersReady.listed).to.deep.equal(['s', 'b', 'a']);
  });

  it('Initialized stays True once an app has run, even while a sidecar restarts', () => {
    const steps = run(pod('Always', sidecar('s', { startupProbe: {} }), app('a')), ['0 begin', '0 started s', '100 probe s startup success', '100 started a', '200 exited s 1', '200 started s']);
    expect(last(steps).status.containers.s.started).to.equal(false);
    expect(last(steps).status.pod.conditions.Initialized).to.include({ status: 'True', lastTransitionMs: 100 });
  });

  it('a deleted pod that never ran an app ends Failed (TerminatePod), PodReadyToStartContainers False', () => {
    const steps = timeline(pod('Always', init('i'), app('a')), [
      ['0 begin', ['start i']],
      ['100 started i', ['event Started i']],
      ['500 stop', ['event Killing i stop', 'signal i 15']],
      ['600 exited i 0', ['done']],
    ]);
    expect(steps[2].status.pod.phase).to.equal('Pending');
    expect(last(steps).status.pod).to.include({ phase: 'Failed', done: true });
    expect(last(steps).status.pod.conditions.PodReadyToStartContainers).to.include({ status: 'False', lastTransitionMs: 600 });
    // a stop before the pod began: nothing to stop
    const early = timeline(pod('Always', app('a')), [['0 stop', ['done']]]);
    expect(early[0].status.pod).to.include({ phase: 'Failed', begun: false, done: true });
  });
});

describe('supervise: the machine itself', () => {
  it('is refused a config that breaks the rules it relies on, naming the field', () => {
    const bad: Array<[PodSpec, RegExp]> = [
      [pod('Always', app('a'), init('i')), /init containers and sidecars come before/],
      [pod('Always', sidecar('s', { restartPolicy: 'Never' }), app('a')), /sidecar: restart policy must be Always/],
      [pod('Always', init('i', { restartPolicy: 'Always' }), app('a')), /init container: no Always/],
      [pod('Always', init('i', { livenessProbe: {} }), app('a')), /init container: no Always, lifecycle or probes/],
      [pod('Always', app('a', { livenessProbe: { successThreshold: 2 } })), /success threshold must be 1/],
      [pod('Always', app('a', { readinessProbe: { graceMs: 5000 } })), /not for readiness/],
      [pod('Always', app('a', { readinessProbe: { periodMs: 0 } })), /period and timeout > 0/],
      [pod('Always', app('a', { stopSignal: 0 })), /stop signal out of range/],
      [pod('Always', sidecar('s')), /no app container/],
    ];
    for (const [spec, re] of bad) expect(() => run(spec, ['0 begin']), re.source).to.throw(TypeError, re);
  });

  it('the test entry names what is wrong in its input', () => {
    const cfg = JSON.stringify(config(pod('Always', app('a'))));
    expect(() => native().superviseRun(cfg, [{ type: 'started', t: 0, c: 'x' }])).to.throw(TypeError, /events\[0\]\.c: no container "x"/);
    expect(() => native().superviseRun(cfg, [{ type: 'bogus', t: 0 }])).to.throw(TypeError, /events\[0\]\.type: unknown value "bogus"/);
    expect(() => native().superviseRun('{"restartPolicy":"Always"}', [])).to.throw(TypeError, /config\.graceMs: a number is required/);
    expect(() => native().superviseRun('{', [])).to.throw(SyntaxError);
  });

  it('is deterministic and ignores what does not apply: stale results, events of containers not running, a second begin', () => {
    const steps = timeline(pod('Always', app('a', { readinessProbe: {} })), [
      ['0 begin', ['start a']],
      ['0 begin', []],
      ['0 probe a readiness success', []], // nothing outstanding
      ['0 hook a preStop ok', []],
      ['0 exited a 1', ['start a']], // an exit while starting: it ran and ended
      ['10 started a', ['event Started a', 'probe a readiness 1000']],
      ['10 started a', []],
    ]);
    expect(last(steps).status.containers.a.restartCount).to.equal(1);
  });

  it('after done nothing more happens and no deadline is left', () => {
    const steps = timeline(pod('Never', app('a', { livenessProbe: {} })), [
      ['0 begin', ['start a']],
      ['0 started a', ['event Started a', 'probe a liveness 1000']],
      ['100 exited a 0', ['cancel_probe a liveness', 'done']],
      ['200 stop', []],
      ['300 timer', []],
    ]);
    expect(steps.slice(2).map((s) => s.nextDeadline)).to.deep.equal([-1, -1, -1]);
  });
});
