// `podrun up` / `podrun down` (docs/cli/up.md), driven as a user would: in a pseudo-terminal
// (script(1)) with Ctrl-C typed, in a project folder holding pods/. up applies, waits until the
// pods are ready, follows every container's logs prefixed pod/container (what a pod prints while
// it stops too), and Ctrl-C stops the pods (a second: now) keeping the claim and the hostPath
// data; -d returns once ready; without a terminal no colour; down deletes what the files define
// except the claim.
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { haveBusybox } from '../helpers/busybox';
import { isRoot, podrun } from '../helpers/cli';
import { haveScript, inTerminal, podManifest, setUpSuite, tearDownSuite, until, writeManifest, type PodSuite } from './pod-helpers';

describe('up and down (real pods, in a terminal)', function () {
  this.timeout(240_000);
  let s: PodSuite | undefined;
  let project = '';
  // a terminal left by a failed test is ended, so its `up` does not run on into the next
  let terms: ReturnType<typeof inTerminal>[] = [];
  const terminal = (args: string[], cwd = project) => {
    const t = inTerminal(s!.root, args, cwd);
    terms.push(t);
    return t;
  };
  afterEach(() => {
    for (const t of terms) if (t.pid) spawnSync('kill', ['-KILL', String(t.pid)]);
    terms = [];
    // whatever a failed test left (a pod ignoring SIGTERM, say) does not get in the next one's way
    podrun(s!.root, ['delete', 'pods', '--all', '--now']);
  });
  before(function () {
    if (!isRoot() || !haveBusybox() || !haveScript()) this.skip();
    s = setUpSuite('podrun-up-');
    project = mkdtempSync(join(tmpdir(), 'podrun-up-project-')); // outside podrun's root: a hostPath may not reach into it
    const data = join(project, 'data');
    mkdirSync(data, { recursive: true });
    const web = podManifest('web', {
      terminationGracePeriodSeconds: 30,
      volumes: [
        { name: 'src', hostPath: { path: data, type: 'Directory' } },
        { name: 'claim', persistentVolumeClaim: { claimName: 'keep' } },
      ],
      containers: [
        {
          name: 'app',
          command: ['sh', '-c', "trap 'echo bye from app; exit 0' TERM; echo written > /src/marker; i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.5; done"],
          readinessProbe: { exec: { command: ['true'] }, periodSeconds: 1 },
          volumeMounts: [
            { name: 'src', mountPath: '/src' },
            { name: 'claim', mountPath: '/claim' },
          ],
        },
        { name: 'side', command: ['sh', '-c', "trap 'exit 0' TERM; echo side up; while true; do sleep 0.2; done"] },
      ],
    });
    const claim = JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'keep' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
    const config = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { a: '1' } });
    writeManifest(join(project, 'pods'), 'web.yaml', `${claim}\n---\n${config}\n---\n${web}`);
    writeManifest(join(project, 'pods'), 'job.yaml', podManifest('job', { restartPolicy: 'Never', containers: [{ name: 'once', command: ['sh', '-c', 'echo hello from job'] }] }));
  });
  after(() => {
    tearDownSuite(s);
    if (project) rmSync(project, { recursive: true, force: true });
  });

  const run = (args: string[]) => podrun(s!.root, args, { cwd: project });
  const podNames = () => run(['get', 'pods', '-o', 'name']).stdout.trim();

  it('up: applies, waits until ready, follows the logs prefixed; Ctrl-C stops the pods (their last words shown) and keeps the claim and hostPath data', async () => {
    const term = terminal(['up']);
    await until(() => /web\/app\s+\|\S* tick 1/.test(term.output()) && term.output().includes('hello from job'), 60_000);
    const out = term.output();
    expect(out).to.include('pod/web created');
    expect(out).to.include('pod/web ready');
    expect(out).to.match(/web\/side\s+\|\S* side up/);
    expect(out).to.match(/job\/once\s+\|\S* hello from job/);
    expect(out, 'colour on a terminal').to.match(/\x1b\[3\dm(web|job)\//);
    expect(out.split('pod/job completed').length, 'said once').to.equal(2);
    term.type('\x03');
    expect(await term.done).to.equal(0);
    const after = term.output();
    expect(after, after).to.include('stopping pod/job, pod/web (Ctrl-C again: kill now)');
    expect(after, 'what the pod prints while it stops').to.match(/web\/app\s+\|\S* bye from app/);
    expect(after).to.include('pod/web stopped');
    expect(podNames()).to.equal('');
    expect(run(['get', 'pvc', 'keep']).code, 'the claim stays').to.equal(0);
    expect(readFileSync(join(project, 'data', 'marker'), 'utf8'), 'the hostPath data stays').to.equal('written\n');
  });

  it('a second Ctrl-C while the pods stop kills them now', async () => {
    writeManifest(join(project, 'pods'), 'job.yaml', podManifest('stubborn', { terminationGracePeriodSeconds: 60, containers: [{ name: 'app', command: ['sh', '-c', "trap '' TERM; echo up; while true; do sleep 0.1; done"] }] }));
    const t0 = Date.now();
    const term = terminal(['up']);
    await until(() => /stubborn\/app\s+\|\S* up/.test(term.output()) && term.output().includes('pod/web ready'), 60_000);
    term.type('\x03');
    await until(() => term.output().includes('pod/stubborn: waiting for app to stop'), 20_000); // two quick ^C are one SIGINT
    term.type('\x03');
    expect(await term.done).to.equal(0);
    expect(term.output()).to.include('killing the pods now');
    expect(term.output()).to.include('pod/stubborn stopped');
    expect(Date.now() - t0, 'not the 60 s grace period').to.be.below(40_000);
    expect(podNames()).to.equal('');
  });

  it('a container that restarted before up began: its newest logs are shown (the oldest are gone)', async () => {
    const crash = join(s!.root, 'crash');
    writeManifest(join(crash, 'pods'), 'crash.yaml', podManifest('crash', { containers: [{ name: 'app', command: ['sh', '-c', 'echo run; exit 1'] }] }, { annotations: { 'podrun.dev/restart-backoff': '100ms-200ms' } }));
    expect(podrun(s!.root, ['apply', '-f', join(crash, 'pods')]).code).to.equal(0);
    await until(() => !existsSync(join(s!.root, 'pods', 'default_crash', 'logs', 'app', '0.log')) && podrun(s!.root, ['get', 'pod', 'crash']).stdout.includes('crash'), 60_000);
    const term = terminal(['up', '--timeout', '1s'], crash);
    await until(() => /crash\/app\s+\|\S* run/.test(term.output()), 30_000);
    term.type('\x03');
    expect(await term.done, 'stopped with Ctrl-C').to.equal(0);
    expect(term.output()).to.include('warning: pod/crash not ready after 1s');
    expect(term.output()).to.include('pod/crash stopped');
  });

  it("workloads in up: a Deployment's pods are waited for and followed, a Job runs on its own; Ctrl-C stops the pods and deletes the Job; down deletes the Deployment", async () => {
    const dir = join(s!.root, 'wl', 'pods');
    const tpl = (command: string[], policy?: string) => ({ metadata: { labels: { app: 'x' } }, spec: { ...(policy ? { restartPolicy: policy } : {}), terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'busybox:test', imagePullPolicy: 'Never', command }] } });
    writeManifest(dir, 'web.yaml', JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'wl' }, spec: { replicas: 1, selector: { matchLabels: { app: 'x' } }, template: tpl(['sh', '-c', "trap 'exit 0' TERM; echo serving; while :; do sleep 0.1; done"]) } }));
    writeManifest(dir, 'job.yaml', JSON.stringify({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'slowjob' }, spec: { template: tpl(['sh', '-c', "trap 'exit 0' TERM; while :; do sleep 0.1; done"], 'Never') } }));
    const term = inTerminal(s!.root, ['up'], join(s!.root, 'wl'));
    try {
      await until(() => /wl-\S+\/c\s+\|\S* serving/.test(term.output()), 30_000);
      expect(term.output()).to.include('job.batch/slowjob created (1 pod created)');
      term.type('\x03');
      expect(await term.done).to.equal(0);
    } finally {
      if (term.pid) spawnSync('kill', ['-KILL', String(term.pid)]);
    }
    expect(term.output()).to.include('job.batch/slowjob stopped (deleted with its pods)');
    expect(podNames()).to.equal('');
    expect(podrun(s!.root, ['get', 'job', 'slowjob']).code).to.equal(1);
    expect(podrun(s!.root, ['get', 'deploy', 'wl']).stdout).to.match(/wl\s+0\/1/);
    expect(podrun(s!.root, ['down'], { cwd: join(s!.root, 'wl') }).stdout).to.equal('deployment.apps "wl" deleted\n');
  });

  it('up -d returns once the pods are ready; down deletes what the files define but the claim; without a terminal no colour', () => {
    writeManifest(join(project, 'pods'), 'job.yaml', podManifest('job', { restartPolicy: 'Never', containers: [{ name: 'once', command: ['sh', '-c', 'echo hello from job'] }] }));
    const d = run(['up', '-d']);
    expect(d.code, d.stderr).to.equal(0);
    expect(d.stderr).to.include('pod/web ready');
    expect(d.stdout, 'no logs with -d; apply\'s lines on stderr').to.equal('');
    expect(podNames()).to.equal('pod/job\npod/web');
    const down = run(['down', '--now']);
    expect(down.code, down.stderr).to.equal(0);
    expect(down.stdout).to.equal('pod "job" deleted\npod "web" deleted\nconfigmap "settings" deleted\n');
    expect(podNames()).to.equal('');
    expect(run(['get', 'pvc', 'keep']).code).to.equal(0);
    expect(run(['down']).stdout, 'nothing left to delete').to.equal('');

    // a project of one job: up follows it to its end and exits with it, no escape codes in a pipe
    const solo = join(s!.root, 'solo');
    writeManifest(join(solo, 'pods'), 'job.yaml', podManifest('solo', { restartPolicy: 'Never', containers: [{ name: 'once', command: ['sh', '-c', 'echo one; echo two'] }] }));
    const u = podrun(s!.root, ['up'], { cwd: solo });
    expect(u.code, u.stderr).to.equal(0);
    expect(u.stdout).to.equal('solo/once | one\nsolo/once | two\n');
    expect(u.stderr).to.include('pod/solo completed');
    expect(existsSync(join(s!.root, 'pods', 'default_solo')), 'a completed pod stays until down').to.equal(true);
    expect(podrun(s!.root, ['down'], { cwd: solo }).stdout).to.equal('pod "solo" deleted\n');
    const empty = join(s!.root, 'empty');
    mkdirSync(empty);
    const none = podrun(s!.root, ['up'], { cwd: empty });
    expect(none.code).to.equal(2);
    expect(none.stderr).to.include('podrun up: no pods/ here');
  });
});
