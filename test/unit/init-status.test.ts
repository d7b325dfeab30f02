// kubectl's STATUS, READY and RESTARTS for pods with init containers and sidecars (printPod,
// docs/reference/kubelet-rules.md §9), from the state a supervising monitor writes: a table of
// container states -> what `get pods` shows. And the containerID of each instance.
import { expect } from 'chai';
import type { PodPlan } from '../../src/plan/types';
import type { PodRecord } from '../../src/state/pod-records';
import { computePodStatus, containerId, k8sPodStatus, type PodSnapshot } from '../../src/runtime/pod-status';
import type { ContainerStateFile, PodStatusFile } from '../../src/runtime/helper';
import { testContainer, testPlan } from '../helpers/plans';

type S = ContainerStateFile;
const V = 8;
const T = '2026-12-03T10:00:00.000Z';
const running = (restartCount = 0, extra: Partial<S> = {}): S => ({ version: V, state: 'running', restartCount, started: true, ready: true, pid: 1, startTime: 1, startedAt: T, ...extra });
const done = (exitCode = 0, restartCount = 0): S => ({ version: V, state: 'terminated', restartCount, exitCode, reason: exitCode ? 'Error' : 'Completed', startedAt: T, finishedAt: T });
const waiting = (reason: string, restartCount = 0, last?: S): S => ({ version: V, state: 'waiting', restartCount, waiting: { reason, ...(reason === 'CrashLoopBackOff' ? { backoffMs: 10_000 } : {}) }, ...(last ? { lastState: { ...last, restartCount: restartCount - 1 } } : {}) });

interface Row {
  what: string;
  inits: [name: string, sidecar: boolean, state: S | undefined][];
  apps: (S | undefined)[];
  initialized: boolean;
  phase?: PodStatusFile['phase'];
  want: [ready: string, status: string, restarts: number];
}

function snapshot(r: Row): PodSnapshot {
  const base = testPlan('/x', 'p', { restartPolicy: 'Always' });
  const c = (n: string) => testContainer(base.dirs.lasting, n, { image: { ref: 'busybox:test', pullPolicy: 'IfNotPresent', imageId: 'sha256:abc' } });
  const plan: PodPlan = { ...base, initContainers: r.inits.map(([n]) => c(n)), containers: r.apps.map((_, i) => c(`app${i}`)) };
  const record = {
    apiVersion: 'podrun/v2',
    kind: 'PodRecord',
    uid: 'u-1',
    createdAt: T,
    manifest: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [], initContainers: r.inits.map(([name, sc]) => ({ name, ...(sc ? { restartPolicy: 'Always' } : {}) })) } },
    plan,
  } as unknown as PodRecord;
  const podStatus: PodStatusFile = { version: V, phase: r.phase ?? 'Pending', conditions: [{ type: 'Initialized', status: r.initialized ? 'True' : 'False' }] };
  return {
    record,
    monitor: { pid: 1, startTime: 1 },
    podStatus,
    monitorAlive: true,
    pauseAlive: true,
    creatorAlive: false,
    initContainers: r.inits.map(([, sidecar, state], i) => ({ plan: plan.initContainers![i], state, alive: false, ...(sidecar ? { sidecar } : {}) })),
    containers: r.apps.map((state, i) => ({ plan: plan.containers[i], state, alive: false })),
  };
}

const ROWS: Row[] = [
  { what: 'none started yet', inits: [['a', false, waiting('PodInitializing')], ['b', false, waiting('PodInitializing')]], apps: [waiting('PodInitializing')], initialized: false, want: ['0/1', 'Init:0/2', 0] },
  { what: 'the first running', inits: [['a', false, running()], ['b', false, waiting('PodInitializing')]], apps: [waiting('PodInitializing')], initialized: false, want: ['0/1', 'Init:0/2', 0] },
  { what: 'the second running', inits: [['a', false, done()], ['b', false, running()]], apps: [waiting('PodInitializing')], initialized: false, want: ['0/1', 'Init:1/2', 0] },
  { what: 'done, the app not created yet', inits: [['a', false, done()]], apps: [waiting('PodInitializing')], initialized: true, want: ['0/1', 'PodInitializing', 0] },
  { what: 'an init container exited 1', inits: [['a', false, done(1)]], apps: [waiting('PodInitializing')], initialized: false, phase: 'Failed', want: ['0/1', 'Init:Error', 0] },
  { what: 'an init container in back-off', inits: [['a', false, waiting('CrashLoopBackOff', 2, done(1))]], apps: [waiting('PodInitializing')], initialized: false, want: ['0/1', 'Init:CrashLoopBackOff', 2] },
  { what: 'a started sidecar and the running app', inits: [['a', false, done()], ['s', true, running()]], apps: [running()], initialized: true, phase: 'Running', want: ['2/2', 'Running', 0] },
  { what: 'a sidecar not started yet', inits: [['s', true, waiting('ContainerCreating')]], apps: [waiting('PodInitializing')], initialized: false, want: ['0/2', 'Init:ContainerCreating', 0] },
  // kubelet-rules.md §9: a sidecar crash-looping after initialization shows in STATUS; RESTARTS
  // after initialization counts sidecars and apps, no longer the regular init containers.
  { what: 'a sidecar crash-looping after initialization', inits: [['a', false, done(0, 4)], ['s', true, waiting('CrashLoopBackOff', 3, done(1))]], apps: [running(1)], initialized: true, phase: 'Running', want: ['1/2', 'Init:CrashLoopBackOff', 4] },
  { what: 'restarts before initialization: the init containers only', inits: [['a', false, running(5)]], apps: [waiting('PodInitializing')], initialized: false, want: ['0/1', 'Init:0/1', 5] },
  { what: 'an app in back-off after initialization', inits: [['a', false, done(0, 1)]], apps: [waiting('CrashLoopBackOff', 2, done(1))], initialized: true, phase: 'Running', want: ['0/1', 'CrashLoopBackOff', 2] },
];

describe('pod status with init containers and sidecars (printPod, kubelet-rules.md §9)', () => {
  for (const r of ROWS)
    it(r.what, () => {
      const s = computePodStatus(snapshot(r));
      expect([`${s.readyCount}/${s.total}`, s.display, s.restarts]).to.deep.equal(r.want);
    });

  it('initContainerStatuses in the v1 PodStatus, in spec order, before containerStatuses', () => {
    const snap = snapshot(ROWS[2]);
    const j = k8sPodStatus(computePodStatus(snap), snap) as { initContainerStatuses: { name: string; state: Record<string, unknown> }[] };
    expect(Object.keys(j).indexOf('initContainerStatuses')).to.be.below(Object.keys(j).indexOf('containerStatuses'));
    expect(j.initContainerStatuses.map((c) => [c.name, Object.keys(c.state)[0]])).to.deep.equal([
      ['a', 'terminated'],
      ['b', 'running'],
    ]);
  });

  it('each instance its own containerID; lastState names the one that ended; timestamps in whole seconds', () => {
    const snap = snapshot(ROWS[10]);
    const j = k8sPodStatus(computePodStatus(snap), snap) as { containerStatuses: any[] };
    const app = j.containerStatuses[0];
    expect(app.lastState.terminated.containerID).to.equal(`podrun://${containerId('u-1', 'app0', 1)}`);
    expect(containerId('u-1', 'app0', 1)).to.not.equal(containerId('u-1', 'app0', 2));
    expect(containerId('u-1', 'app0', 0)).to.not.equal(containerId('u-1', 'app0', 1));
    expect(app.lastState.terminated.finishedAt).to.equal('2026-12-03T10:00:00Z');
  });
});
