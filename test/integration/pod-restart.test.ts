// Issue 9, phase 1: the monitor runs the state machine. A container that exits is restarted by
// the pod's restartPolicy with CrashLoopBackOff's growing delays (the dev back-off annotation
// keeps them to milliseconds), each attempt with a fresh writable layer and its own log; `get`
// shows RESTARTS and the waiting reason, `logs -p` the previous attempt. Real pods, as root.
import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { haveBusybox } from '../helpers/busybox';
import { isRoot } from '../helpers/cli';
import { deletePodsAndCheckLeaks, podManifest, PodSuite, setUpSuite, waitFor, writeManifest } from './pod-helpers';

describe('restarts (integration)', function () {
  this.timeout(120_000);
  let s: PodSuite | undefined;
  const pods = ['crash', 'onfail', 'never', 'term'];

  before(function () {
    if (!isRoot() || !haveBusybox()) this.skip();
    s = setUpSuite('podrun-restart-', () => {});
  });
  after(() => deletePodsAndCheckLeaks(s, [], pods));

  const apply = (name: string, spec: Record<string, unknown>, backoff: string) => {
    const file = writeManifest(s!.root, `${name}.yaml`, podManifest(name, spec, { annotations: { 'podrun.dev/restart-backoff': backoff } }));
    const r = s!.run(['apply', '-f', file]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.not.contain('does not restart');
  };
  const state = (name: string, c: string) => JSON.parse(readFileSync(join(s!.root, 'pods', `default_${name}`, 'containers', c, 'state.json'), 'utf8'));
  const status = (name: string) => JSON.parse(s!.run(['get', 'pod', name, '-o', 'json']).stdout).status;

  it('Always: a crashing container is restarted with growing delays, CrashLoopBackOff and RESTARTS in get, a fresh layer per attempt, logs -p', () => {
    // Each attempt writes into its root and says whether it saw the last one's file.
    apply('crash', { restartPolicy: 'Always', containers: [{ name: 'app', command: ['sh', '-c', 'if [ -e /seen ]; then echo stale; fi; echo run > /seen; echo attempt; exit 3'] }] }, '200ms-1600ms');
    const st = waitFor(() => { const x = state('crash', 'app'); return x.restartCount >= 4 && x.state === 'waiting' ? x : undefined; }, 60_000, '4 restarts');
    expect(st.waiting.reason).to.equal('CrashLoopBackOff');
    expect(st.lastState).to.include({ exitCode: 3, reason: 'Error' });
    const c = status('crash').containerStatuses[0];
    expect(c.restartCount).to.be.at.least(4);
    expect(c.lastState.terminated).to.include({ exitCode: 3, reason: 'Error' });
    if (c.state.waiting) expect(c.state.waiting.message).to.match(/^back-off \d+(\.\d+)?m?s restarting failed container=app pod=crash_default\(/);
    const table = s!.run(['get', 'pods']).stdout;
    expect(table).to.match(/crash\s+0\/1\s+(CrashLoopBackOff|Error|Running)\s+\d+ \(\d+s ago\)/);
    // The delays grow: the events file's BackOff count and the gaps between attempts.
    const ev = JSON.parse(readFileSync(join(s!.root, 'pods', 'default_crash', 'events.json'), 'utf8')).events;
    expect(ev.map((e: any) => e.reason)).to.include.members(['Created', 'Started', 'BackOff']);
    expect(ev.find((e: any) => e.reason === 'BackOff').backoffMs).to.be.at.least(400);
    // Logs: the current and the previous attempt are kept, never older ones; no stale file.
    const logs = readdirSync(join(s!.root, 'pods', 'default_crash', 'logs', 'app')).sort();
    expect(logs.length).to.equal(2);
    const cur = s!.run(['logs', 'crash']);
    expect(cur.code, cur.stderr).to.equal(0);
    expect(cur.stdout).to.equal('attempt\n');
    const prev = s!.run(['logs', '-p', 'crash']);
    expect(prev.code, prev.stderr).to.equal(0);
    expect(prev.stdout).to.equal('attempt\n');
    // One writable layer on disk: the dead ones are removed in the background.
    waitFor(() => readdirSync(join(s!.root, 'pods', 'default_crash', 'containers', 'app')).every((e) => !e.includes('.dead-')), 10_000, 'old layers removed');
  });

  it('OnFailure restarts a failure but not a success; Never restarts nothing and the pod ends Failed', () => {
    apply('onfail', { restartPolicy: 'OnFailure', containers: [{ name: 'app', command: ['sh', '-c', 'if [ -e /tmp/x ]; then exit 0; fi; touch /tmp/x; exit 1'] }, { name: 'ok', command: ['true'] }] }, '0');
    // /tmp is in the writable layer: a fresh layer means the second attempt fails too, forever.
    waitFor(() => state('onfail', 'app').restartCount >= 2, 30_000, 'OnFailure restarts');
    const ok = waitFor(() => { const x = state('onfail', 'ok'); return x.state === 'terminated' ? x : undefined; }, 30_000, 'ok ends');
    expect(ok).to.include({ restartCount: 0, exitCode: 0, reason: 'Completed' });
    apply('never', { restartPolicy: 'Never', containers: [{ name: 'app', command: ['sh', '-c', 'exit 2'] }] }, '0');
    const st = waitFor(() => { const x = state('never', 'app'); return x.state === 'terminated' ? x : undefined; }, 30_000, 'never ends');
    expect(st).to.include({ restartCount: 0, exitCode: 2, reason: 'Error' });
    const ps = waitFor(() => { const x = status('never'); return x.phase === 'Failed' ? x : undefined; }, 30_000, 'phase Failed');
    expect(ps.containerStatuses[0].restartCount).to.equal(0);
    // Done: the monitor tore the pod down and recorded it.
    waitFor(() => JSON.parse(readFileSync(join(s!.root, 'pods', 'default_never', 'monitor.json'), 'utf8')).stoppedAt, 30_000, 'stoppedAt');
    expect(existsSync(join(s!.root, 'pods', 'default_never', 'control.sock'))).to.equal(false);
  });

  it('terminated.message: the termination file (any user, a read-only root, a path of its own), a fresh one per attempt, FallbackToLogsOnError', () => {
    const msg = (c: any) => c.state.terminated?.message;
    apply(
      'term',
      {
        restartPolicy: 'OnFailure',
        containers: [
          // each attempt says whether it found the last one's message: a fresh file each time
          { name: 'file', command: ['sh', '-c', 'test -s /dev/termination-log && echo stale >> /dev/termination-log; echo "bye from $(id -u)" >> /dev/termination-log; test -e /tmp/again && exit 0; touch /tmp/again; exit 1'] },
          { name: 'user', securityContext: { runAsUser: 1000, readOnlyRootFilesystem: true }, terminationMessagePath: '/var/run/msg', command: ['sh', '-c', 'echo custom > /var/run/msg'] },
          { name: 'logs', terminationMessagePolicy: 'FallbackToLogsOnError', command: ['sh', '-c', 'i=0; while [ $i -lt 100 ]; do i=$((i+1)); echo line $i; done; exit 2'] },
          { name: 'quiet', terminationMessagePolicy: 'FallbackToLogsOnError', command: ['sh', '-c', 'echo not a message; exit 0'] },
        ],
      },
      '100ms-200ms',
    );
    const cs = waitFor(() => { const x = status('term').containerStatuses; return x[0].lastState.terminated?.message && msg(x[1]) && x[2].lastState.terminated && x[3].state.terminated ? x : undefined; }, 30_000, 'messages');
    // /tmp is in the writable layer, which is fresh too: so `file` fails every time, and never
    // finds the last attempt's message (it would say "stale")
    expect(cs[0].lastState.terminated.message).to.equal('bye from 0\n');
    expect(msg(cs[1])).to.equal('custom\n');
    const fallback = (cs[2].state.terminated ?? cs[2].lastState.terminated).message as string;
    expect(fallback.split('\n').slice(0, -1)).to.deep.equal(Array.from({ length: 80 }, (_, k) => `line ${k + 21}`));
    expect(msg(cs[3]), 'exit 0: the log is never used').to.equal(undefined);
    const table = s!.run(['describe', 'pod', 'term']).stdout;
    expect(table).to.contain('Message:      custom');
  });
});
