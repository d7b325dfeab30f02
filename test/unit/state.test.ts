import { expect } from 'chai';
import { spawn } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { ConflictError, NotFoundError, UsageError } from '../../src/util/errors';
import type { PodPlan } from '../../src/plan/types';
import { writeFileSync } from 'fs';
import { writeJsonAtomic } from '../../src/state/atomic';
import { isAlive, mountinfoNames, parseProcStat, readStartTime } from '../../src/state/proc';
import { noticeMonitorLoss } from '../../src/state/monitor-loss';
import { applyAction } from '../../src/runtime/apply-action';
import { lockPod, podLockHeld, withPodLock } from '../../src/state/lock';
import { findPod, imagesInUse, listPodRecords, readPodRecord, writePodRecord, type PodRecord } from '../../src/state/pod-records';
import { computePodStatus, k8sPod, type PodSnapshot } from '../../src/runtime/pod-status';
import type { ContainerStateFile } from '../../src/runtime/helper';
import { namespaceFrom, parsePodAddress, parsePodArgs } from '../../src/cli/resources';
import { testContainer, testPlan } from '../helpers/plans';

function plan(root: string, name: string, containers: string[]): PodPlan {
  const p = testPlan(root, name, { restartPolicy: 'Always' });
  return { ...p, containers: containers.map((c) => testContainer(p.dirs.lasting, c, { image: { ref: 'busybox:test', pullPolicy: 'IfNotPresent', imageId: 'sha256:abc' } })) };
}

function record(p: PodPlan): PodRecord {
  return {
    apiVersion: 'podrun/v2',
    kind: 'PodRecord',
    uid: p.uid,
    createdAt: '2026-11-28T10:00:00Z',
    manifest: { apiVersion: 'v1', kind: 'Pod', metadata: { name: p.name, namespace: 'default' }, spec: { containers: [] } } as unknown as PodRecord['manifest'],
    plan: p,
  };
}

function snap(
  states: (ContainerStateFile | undefined)[],
  opts: { alive?: boolean[]; monitorAlive?: boolean; monitor?: boolean; lost?: string; creatorAlive?: boolean } = {},
): PodSnapshot {
  const p = plan('/x', 'web', states.map((_, i) => `c${i}`));
  return {
    record: { ...record(p), sourceFile: '/pods/web.yaml' },
    monitor: opts.monitor === false ? undefined : { pid: 1, startTime: 1 },
    monitorAlive: opts.monitorAlive ?? !opts.lost,
    pauseAlive: opts.monitorAlive ?? !opts.lost,
    ...(opts.lost ? { monitorLost: { noticedAt: opts.lost } } : {}),
    creatorAlive: opts.creatorAlive ?? false,
    containers: p.containers.map((c, i) => ({ plan: c, state: states[i], alive: opts.alive?.[i] ?? false })),
    initContainers: [],
  };
}

const running = (pid = 10): ContainerStateFile => ({ pid, startTime: 5, startedAt: '2026-11-28T10:00:01Z' });
const exited = (code: number): ContainerStateFile => ({
  ...running(),
  exitCode: code,
  signal: null,
  finishedAt: '2026-11-28T10:00:02Z',
  reason: code === 0 ? 'Completed' : 'Error',
});

describe('state: process identity', () => {
  it('parses field 22 even when comm has spaces and parens', () => {
    const st = parseProcStat('42 (a) b (c) S 1 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10');
    expect(st).to.deep.equal({ state: 'S', ppid: 1, startTime: 987654 });
  });
  it('a live process matches its start time; a wrong start time or a reaped child does not', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const pid = child.pid!;
    const startTime = readStartTime(pid)!;
    expect(isAlive({ pid, startTime })).to.equal(true);
    expect(isAlive({ pid, startTime: startTime + 1 })).to.equal(false);
    const done = new Promise((r) => child.on('exit', r));
    child.kill('SIGKILL');
    await done;
    expect(isAlive({ pid, startTime })).to.equal(false);
  });
});

describe('state: records and locks', () => {
  let root: string;
  const paths = () => ({ root, runRoot: join(root, 'run') });
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'podrun-state-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('writes JSON atomically, leaving no temp files', () => {
    const f = join(root, 'a.json');
    writeJsonAtomic(f, { a: 1 });
    writeJsonAtomic(f, { a: 2 });
    expect(JSON.parse(readFileSync(f, 'utf8'))).to.deep.equal({ a: 2 });
    expect(readdirSync(root)).to.deep.equal(['a.json']);
  });

  it('finds pods by namespace and name, lists them sorted, and names a missing pod', () => {
    for (const n of ['web', 'api']) {
      const p = plan(root, n, ['c']);
      mkdirSync(p.dirs.lasting, { recursive: true });
      writePodRecord(paths(), record(p));
    }
    expect(listPodRecords(paths()).map((r) => r.plan.name)).to.deep.equal(['api', 'web']);
    expect(findPod(paths(), 'default', 'web').plan.name).to.equal('web');
    expect(() => findPod(paths(), 'default', 'nope')).to.throw(NotFoundError, 'pods "nope" not found');
    expect(() => findPod(paths(), 'dev', 'web')).to.throw(NotFoundError, 'in namespace "dev"');
  });

  it('imagesInUse names each pod once per image, however many of its containers use it', () => {
    for (const [n, cs] of [['web', ['a', 'b']], ['api', ['c']]] as const) {
      const p = plan(root, n, [...cs]);
      mkdirSync(p.dirs.lasting, { recursive: true });
      writePodRecord(paths(), record(p));
    }
    expect(imagesInUse(paths()).get('sha256:abc')).to.deep.equal(['default/api', 'default/web']);
  });

  it('a second lock on the same pod is a ConflictError; the lock file goes away on release', async () => {
    // The flock is real when the addon is built; otherwise a fake that keeps one holder per fd path.
    const held = new Set<number>();
    let ops: { flock(fd: number, op: number): boolean } | undefined;
    try {
      ops = require('../../src/util/native').native();
      if (typeof ops!.flock !== 'function') throw new Error('no flock');
    } catch {
      ops = { flock: (fd) => (held.size ? false : (held.add(fd), true)) };
    }
    const release = lockPod(paths(), 'default_web', 'web', ops);
    expect(() => lockPod(paths(), 'default_web', 'web', ops)).to.throw(ConflictError, 'pod web is being changed by another podrun command');
    const other = lockPod(paths(), 'default_api', 'api', ops);
    other();
    release();
    held.clear();
    expect(readdirSync(join(root, 'run', 'locks'))).to.deep.equal([]);
    expect(await withPodLock(paths(), 'default_web', () => 7, { ops })).to.equal(7);
    expect(existsSync(join(root, 'run', 'locks', 'pod-default_web.lock'))).to.equal(false);
  });
});

describe('state: podLockHeld', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'podrun-lockheld-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const p = () => ({ root: join(dir, 'root'), runRoot: join(dir, 'run') });

  it('sees a real holder (another open file description), creates nothing, and sees it let go', () => {
    expect(podLockHeld(p(), 'default_web')).to.equal(false);
    expect(existsSync(join(dir, 'run', 'locks'))).to.equal(false);
    const release = lockPod(p(), 'default_web', 'web');
    try {
      expect(podLockHeld(p(), 'default_web')).to.equal(true);
      expect(podLockHeld(p(), 'default_api')).to.equal(false);
    } finally {
      release();
    }
    expect(podLockHeld(p(), 'default_web')).to.equal(false);
  });

  it('a lock file nobody holds (its holder died before the unlink) is free, and stays where it was', () => {
    mkdirSync(join(dir, 'run', 'locks'), { recursive: true });
    writeFileSync(join(dir, 'run', 'locks', 'pod-default_web.lock'), '');
    expect(podLockHeld(p(), 'default_web')).to.equal(false);
    expect(existsSync(join(dir, 'run', 'locks', 'pod-default_web.lock'))).to.equal(true);
  });

  it("a lock taken while a probe holds it for a moment is tried again, not refused; a holder that stays is refused", () => {
    let busy = 3; // the probe's moment: the first tries fail
    const moment = { flock: (): boolean => busy-- <= 0 };
    lockPod(p(), 'default_web', 'web', moment)();
    const held = { flock: (): boolean => false };
    expect(() => lockPod(p(), 'default_web', 'web', held)).to.throw(ConflictError, 'pod web is being changed by another podrun command');
  });
});

describe('state: monitor death', () => {
  it('applying the same manifest again: unchanged while the monitor runs, recreated without one; another manifest configures', () => {
    const r = record(plan('/x', 'web', ['c']));
    const hash = r.plan.manifestHash;
    expect(applyAction(undefined, hash, false)).to.equal('created');
    expect(applyAction(r, hash, true)).to.equal('unchanged');
    expect(applyAction(r, hash, false)).to.equal('recreated');
    expect(applyAction(r, 'other', true)).to.equal('configured');
    expect(applyAction({ ...r, deletionTimestamp: '2026-11-28T10:01:00Z' }, hash, true)).to.equal('configured');
  });
  it('the first notice of a lost monitor is kept: later looks get the same time; another monitor gets its own', () => {
    const dir = mkdtempSync(join(tmpdir(), 'podrun-loss-'));
    try {
      const m = { pid: 42, startTime: 7 };
      const first = noticeMonitorLoss(dir, m, new Date('2026-11-28T10:05:00Z'));
      expect(first.noticedAt).to.equal('2026-11-28T10:05:00.000Z');
      expect(noticeMonitorLoss(dir, m, new Date('2026-11-28T11:00:00Z')).noticedAt).to.equal('2026-11-28T10:05:00.000Z');
      expect(noticeMonitorLoss(dir, { pid: 42, startTime: 8 }, new Date('2026-11-28T12:00:00Z')).noticedAt).to.equal('2026-11-28T12:00:00.000Z');
      expect(readdirSync(dir)).to.deep.equal(['monitor-lost.json']); // no temp file left
      // a pod dir that is gone: an unrecorded notice, no error
      expect(noticeMonitorLoss(join(dir, 'gone'), m).noticedAt).to.be.a('string');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it("a mount table names a pod dir only as a whole path: a mount point, a root, upperdir= or a lowerdir's entry", () => {
    const d = '/var/lib/podrun/pods/default_a';
    const line = (f: string) => `36 25 0:44 / / rw - overlay overlay rw,${f}\n`;
    expect(mountinfoNames(line(`lowerdir=/l1:${d}/init,upperdir=/u,workdir=/w`), [d])).to.equal(true);
    expect(mountinfoNames(line(`lowerdir=/l1,upperdir=${d}/containers/c/upper,workdir=/w`), [d])).to.equal(true);
    expect(mountinfoNames(`40 36 8:1 ${d}/volumes/v /v rw - ext4 /dev/sda1 rw\n`, [d])).to.equal(true);
    expect(mountinfoNames(line(`upperdir=/var/lib/podrun/pods/default_ab/containers/c/upper`), [d])).to.equal(false);
    expect(mountinfoNames(line(`upperdir=/x${d}/containers/c/upper`), [d])).to.equal(false);
    // mountinfo writes a space in octal: the path is matched as it is written there
    expect(mountinfoNames(line('upperdir=/r\\040oot/pods/p/u'), ['/r oot/pods/p'])).to.equal(true);
    expect(mountinfoNames(line('upperdir=/r oot/pods/p/u'), ['/r oot/pods/p'])).to.equal(false);
  });
});

describe('state: pod status', () => {
  it('all running: Running, ready 2/2, processes alive', () => {
    const s = computePodStatus(snap([running(), running()], { alive: [true, true] }));
    expect([s.phase, s.display, s.readyCount, s.total]).to.deep.equal(['Running', 'Running', 2, 2]);
    expect(s.anyProcessAlive).to.equal(true);
    expect(s.containers[0].pid).to.equal(10);
  });
  it('no state yet with a live monitor: Pending / ContainerCreating', () => {
    const s = computePodStatus(snap([undefined, running()], { alive: [false, true] }));
    expect([s.phase, s.display]).to.deep.equal(['Pending', 'ContainerCreating']);
  });
  it('all exited 0: Succeeded / Completed; one non-zero: Failed / Error', () => {
    const ok = computePodStatus(snap([exited(0), exited(0)], { monitorAlive: false }));
    expect([ok.phase, ok.display, ok.readyCount]).to.deep.equal(['Succeeded', 'Completed', 0]);
    expect(ok.anyProcessAlive).to.equal(false);
    const bad = computePodStatus(snap([exited(0), exited(3)], { monitorAlive: false }));
    expect([bad.phase, bad.display]).to.deep.equal(['Failed', 'Error']);
  });
  it('one completed, one running: NotReady (as kubectl prints it)', () => {
    const s = computePodStatus(snap([exited(0), running()], { alive: [false, true] }));
    expect([s.phase, s.display, s.readyCount]).to.deep.equal(['Running', 'NotReady', 1]);
  });
  it('StartError: terminated with reason StartError, exit code 128, and the failing step in the message', () => {
    const st: ContainerStateFile = {
      exitCode: 128,
      finishedAt: '2026-11-28T10:00:02Z',
      reason: 'StartError',
      error: { step: 'exec', syscall: 'execve', errno: 2, path: '/bin/nope' },
    };
    const s = computePodStatus(snap([running(), st], { alive: [true, false] }));
    expect(s.display).to.equal('StartError');
    const c = s.containers[1].state;
    expect(c).to.include({ kind: 'terminated', reason: 'StartError', exitCode: 128 });
    expect((c as { message: string }).message).to.equal('exec execve /bin/nope: ENOENT');
  });
  it('deletion in progress shows Terminating', () => {
    const sn = snap([running()], { alive: [true] });
    sn.record.deletionTimestamp = '2026-11-28T10:01:00Z';
    expect(computePodStatus(sn).display).to.equal('Terminating');
  });
  it('a monitor that died: the containers it took along are MonitorDied (137, SIGKILL, when noticed), the pod says why and how to bring it back', () => {
    const at = '2026-11-28T10:05:00.123Z';
    const sn = snap([running(), exited(0), undefined], { lost: at });
    const s = computePodStatus(sn);
    expect([s.phase, s.display, s.readyCount, s.reason]).to.deep.equal(['Failed', 'MonitorDied', 0, 'MonitorDied']);
    expect(s.containers[0].state).to.deep.include({ kind: 'terminated', exitCode: 137, signal: 9, reason: 'MonitorDied', finishedAt: at, startedAt: '2026-11-28T10:00:01Z' });
    expect(s.containers[1].state).to.include({ kind: 'terminated', reason: 'Completed' }); // ended before: as recorded
    expect(s.containers[2].state).to.include({ kind: 'terminated', exitCode: 128, reason: 'MonitorDied' });
    expect(s.message).to.equal(
      "the pod's monitor (pid 1) died (noticed 2026-11-28T10:05:00Z); its containers were stopped with it (c0, c2). `podrun apply -f /pods/web.yaml` brings the pod back; `podrun delete pod web` removes it",
    );
    const o = k8sPod(s, sn) as any;
    expect(o.status).to.include({ phase: 'Failed', reason: 'MonitorDied' });
    expect(o.status.containerStatuses[0].state.terminated.reason).to.equal('MonitorDied');
  });
  it('a container still alive after its monitor died runs unsupervised: running, not ready, named in the message', () => {
    const s = computePodStatus(snap([running(), running(11)], { lost: '2026-11-28T10:05:00Z', alive: [true, false] }));
    expect([s.phase, s.display, s.readyCount]).to.deep.equal(['Running', 'MonitorDied', 0]);
    expect(s.containers[0].state.kind).to.equal('running');
    expect(s.message).to.match(/stopped with it \(c1\); still running without it, .*: c0 \(their first process cleared its parent-death signal: it did so itself with prctl, or it is set-user-ID/);
  });
  it('a monitor that died after every container ended changes nothing shown', () => {
    const s = computePodStatus(snap([exited(0)], { lost: '2026-11-28T10:05:00Z' }));
    expect([s.phase, s.display, s.reason]).to.deep.equal(['Succeeded', 'Completed', undefined]);
  });
  it('a record without monitor.json: ContainerCreating while its apply runs, ApplyInterrupted once it is gone', () => {
    expect(computePodStatus(snap([undefined], { monitor: false, monitorAlive: false, creatorAlive: true })).display).to.equal('ContainerCreating');
    const s = computePodStatus(snap([undefined], { monitor: false, monitorAlive: false, creatorAlive: false }));
    expect([s.phase, s.display]).to.deep.equal(['Pending', 'ApplyInterrupted']);
    expect((s.containers[0].state as { message: string }).message).to.include('`podrun apply -f /pods/web.yaml` creates it');
  });
  it('the v1 Pod object has uid, conditions and containerStatuses', () => {
    const sn = snap([running(), exited(1)], { alive: [true, false] });
    const o = k8sPod(computePodStatus(sn), sn) as any;
    expect(o.metadata.uid).to.equal('u1');
    expect(o.status.conditions.map((c: any) => `${c.type}=${c.status}`)).to.deep.equal([
      'Initialized=True',
      'Ready=False',
      'ContainersReady=False',
      'PodScheduled=True',
    ]);
    expect(o.status.containerStatuses[0].state.running.startedAt).to.equal('2026-11-28T10:00:01Z');
    expect(o.status.containerStatuses[1].state.terminated).to.include({ exitCode: 1, reason: 'Error' });
    expect(o.status.containerStatuses[0].containerID).to.match(/^podrun:\/\/[0-9a-f]{64}$/);
  });
});

describe('state: records of podrun 0.1', () => {
  it('a podrun/v1 record reads in today\'s shape, with the settings its helper applied', () => {
    const root = mkdtempSync(join(tmpdir(), 'podrun-v1-'));
    try {
      const dir = join(root, 'pods', 'default_old');
      mkdirSync(dir, { recursive: true });
      const v1 = {
        apiVersion: 'podrun/v1',
        kind: 'PodRecord',
        uid: 'u',
        createdAt: '2026-11-28T10:00:00Z',
        manifest: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'old', namespace: 'default' }, spec: { containers: [] } },
        plan: {
          key: 'default_old',
          name: 'old',
          namespace: 'default',
          dirs: { pod: dir, run: join(root, 'run', 'pods', 'default_old'), init: join(dir, 'init'), shm: join(dir, 'shm') },
          containers: [{ name: 'app', image: { ref: 'b', imageId: 'sha256:1' }, user: { name: 'app' }, mounts: [{ volume: 'v', mountPath: '/v', readOnly: false }], dirs: { upper: '/u', work: '/w', rootfs: '/r', logDir: '/l', state: '/s.json' } }],
          specHash: 'abc',
        },
        hostIP: '192.0.2.7',
        podIP: '127.0.0.1',
      };
      writeFileSync(join(dir, 'pod.json'), JSON.stringify(v1));
      const r = readPodRecord({ root, runRoot: join(root, 'run') }, 'default_old')!;
      expect(r.apiVersion).to.equal('podrun/v2');
      expect(r.plan.dirs).to.deep.equal({ lasting: dir, live: join(root, 'run', 'pods', 'default_old'), init: join(dir, 'init'), shm: join(dir, 'shm') });
      expect(r.plan.manifestHash).to.equal('abc');
      expect([r.plan.hostIP, r.plan.podIP]).to.deep.equal(['192.0.2.7', '127.0.0.1']);
      const c = r.plan.containers[0];
      expect(c.dirs.stateFile).to.equal('/s.json');
      expect(c.user).to.equal(undefined);
      expect((c as unknown as { legacyUserRequest: unknown }).legacyUserRequest).to.deep.equal({ name: 'app' });
      expect(c.mounts[0].kind).to.equal('dir');
      expect(c.security.capabilities).to.have.length(14);
      expect(imagesInUse({ root, runRoot: join(root, 'run') }).get('sha256:1')).to.deep.equal(['default/old']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('state: pod addresses', () => {
  it('parses NAME, pod/NAME and NAME/CONTAINER', () => {
    expect(parsePodAddress('web', 'default')).to.deep.equal({ namespace: 'default', name: 'web' });
    expect(parsePodAddress('pod/web', 'dev')).to.deep.equal({ namespace: 'dev', name: 'web' });
    expect(parsePodAddress('web/app', 'default', { allowContainer: true })).to.deep.equal({ namespace: 'default', name: 'web', container: 'app' });
  });
  it('reads every pod resource form the same way in every verb', () => {
    const names = (args: string[]) => parsePodArgs('get', args, 'dev', { required: false, usage: 'u' }).map((a) => a.name);
    for (const form of [['pod', 'web'], ['pods', 'web'], ['po', 'web'], ['pod/web'], ['pods/web'], ['po/web']]) expect(names(form), form.join(' ')).to.deep.equal(['web']);
    expect(names(['pods', 'a', 'b'])).to.deep.equal(['a', 'b']);
    expect(names(['po/a', 'pod/b'])).to.deep.equal(['a', 'b']);
    expect(names(['pods'])).to.deep.equal([]);
    expect(() => names(['deployments'])).to.throw(UsageError, "unknown resource type 'deployments'");
    expect(() => names(['svc/web'])).to.throw(UsageError, "unknown resource type 'svc'");
    expect(() => parsePodArgs('delete', ['pod'], 'dev', { required: true, usage: 'u' })).to.throw(UsageError, 'name at least one pod');
    expect(parsePodAddress('po/web/app', 'default', { allowContainer: true })).to.deep.equal({ namespace: 'default', name: 'web', container: 'app' });
  });
  it('rejects bad names with a usage error', () => {
    expect(() => parsePodAddress('Web', 'default')).to.throw(UsageError, "'Web' is not a valid pod name");
    expect(() => parsePodAddress('web/app', 'default')).to.throw(UsageError);
    expect(() => namespaceFrom({ namespace: 'A_B' })).to.throw(UsageError, 'not a valid namespace');
    expect(namespaceFrom({})).to.equal('default');
  });
});
