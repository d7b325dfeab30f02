// `--watch` (docs/cli/up.md, "Watch") with real pods: a file changed under a hostPath restarts the
// container whose `watch.podrun.dev/NAME: restart` annotation asks for it, or runs its `exec`
// command in it (output prefixed); ignored paths (.podrunignore, node_modules) do nothing; a
// changed manifest is applied again at the smallest scope; `apply --watch` leaves the pods
// running when it stops; a bad annotation is refused with its line.
import { expect } from 'chai';
import { spawn } from 'child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { haveBusybox } from '../helpers/busybox';
import { isRoot, podrun, PODRUN } from '../helpers/cli';
import { haveScript, inTerminal, setUpSuite, sleep, tearDownSuite, until, viewPod, type PodSuite } from './pod-helpers';

function manifest(src: string, env: string, annotations: Record<string, string>): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'dev', annotations },
    spec: {
      terminationGracePeriodSeconds: 5,
      volumes: [{ name: 'src', hostPath: { path: src, type: 'Directory' } }],
      containers: [
        { name: 'app', image: 'busybox:test', imagePullPolicy: 'Never', env: [{ name: 'X', value: env }], command: ['sh', '-c', "trap 'exit 0' TERM; echo start X=$X; while true; do sleep 0.1; done"], volumeMounts: [{ name: 'src', mountPath: '/src' }] },
        { name: 'side', image: 'busybox:test', imagePullPolicy: 'Never', command: ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 0.1; done"], volumeMounts: [{ name: 'src', mountPath: '/src' }] },
      ],
    },
  });
}

describe('--watch: hostPath files restart or exec in a container, manifests are applied again (real pods)', function () {
  this.timeout(240_000);
  let s: PodSuite | undefined;
  let project = '';
  let src = '';
  const annotations = { 'watch.podrun.dev/app': 'restart', 'watch.podrun.dev/side': 'exec echo rebuilt; cat /src/main.txt' };
  before(function () {
    if (!isRoot() || !haveBusybox() || !haveScript()) this.skip();
    s = setUpSuite('podrun-watch-');
    project = mkdtempSync(join(tmpdir(), 'podrun-watch-project-'));
    src = join(project, 'src');
    mkdirSync(join(src, 'node_modules'), { recursive: true });
    mkdirSync(join(project, 'pods'));
    writeFileSync(join(src, '.podrunignore'), '# scratch files\n*.tmp\n');
    writeFileSync(join(project, 'pods', 'dev.yaml'), manifest(src, 'one', annotations));
  });
  after(() => {
    try {
      tearDownSuite(s);
    } finally {
      if (project) rmSync(project, { recursive: true, force: true }); // also when the leak check fails
    }
  });

  const restarts = () => viewPod(s!.root, 'dev').json.status.containerStatuses.find((c: any) => c.name === 'app').restartCount;

  it('up --watch: a source file restarts app and runs side\'s command; ignored files do nothing; a manifest change re-applies', async () => {
    const term = inTerminal(s!.root, ['up', '--watch'], project);
    await until(() => /dev\/app\s+\|\S* start X=one/.test(term.output()), 60_000);
    writeFileSync(join(src, 'main.txt'), 'v1\n');
    await until(() => term.output().includes('watch: pod/dev container app restarted (main.txt changed)'), 20_000);
    await until(() => /dev\/side exec \| v1/.test(term.output()), 20_000);
    expect(term.output()).to.include('dev/side exec | rebuilt');
    await until(() => restarts() === 1, 20_000);
    expect(s!.run(['describe', 'pod', 'dev']).stdout).to.include('Container app files changed, will be restarted');

    // ignored: the .podrunignore pattern and node_modules (after the quiet second that follows a restart)
    await sleep(1500);
    const before = term.output().length;
    writeFileSync(join(src, 'scratch.tmp'), 'x');
    writeFileSync(join(src, 'node_modules', 'dep.js'), 'x');
    await sleep(1500);
    expect(term.output().slice(before)).to.not.include('watch:');
    expect(restarts()).to.equal(1);
    // and a file that is not ignored still is seen
    writeFileSync(join(src, 'other.txt'), 'x');
    await until(() => term.output().slice(before).includes('watch: pod/dev container app restarted (other.txt changed)'), 20_000);
    await until(() => restarts() === 2, 20_000);

    writeFileSync(join(project, 'pods', 'dev.yaml'), manifest(src, 'two', annotations));
    await until(() => term.output().includes('pod/dev configured (container app restarted: env changed)'), 30_000);
    await until(() => /dev\/app\s+\|\S* start X=two/.test(term.output()), 30_000);
    term.type('\x03');
    expect(await term.done).to.equal(0);
    expect(term.output()).to.include('pod/dev stopped');
    expect(s!.run(['get', 'pods', '-o', 'name']).stdout).to.equal('');
  });

  it('apply --watch (no terminal, --root): restarts and execs on a change, in this root\'s pod; Ctrl-C stops watching and leaves the pod running', async () => {
    writeFileSync(join(project, 'pods', 'dev.yaml'), manifest(src, 'one', { 'watch.podrun.dev/app': 'restart', 'watch.podrun.dev/side': 'exec cat /src/main.txt' }));
    // the root given as a flag, the environment naming another: the exec must reach this root's pod
    const child = spawn(PODRUN, ['--root', s!.root, 'apply', '--watch', '-f', join(project, 'pods')], { env: { ...process.env, PODRUN_ROOT: join(project, 'no-such-root') } });
    let err = '';
    let out = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => (out += d));
    const done = new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    let exited: number | null | undefined;
    void done.then((c) => (exited = c));
    // on a time-out, say what the watcher printed and whether it still runs (a CI run once met 60 s of nothing)
    const seen = () => `exit: ${exited === undefined ? 'still running' : exited}\nstderr: ${err}\nstdout: ${out}\npods: ${s!.run(['get', 'pods']).stdout}`;
    try {
      await until(() => err.includes('watching'), 60_000, seen);
      writeFileSync(join(src, 'main.txt'), 'v2\n');
      await until(() => err.includes('watch: pod/dev container app restarted (main.txt changed)'), 20_000, seen);
      await until(() => out.includes('dev/side exec | v2'), 20_000, seen);
    } catch (e) {
      if (exited === undefined) child.kill('SIGKILL'); // ours, by pid: the after-hook must not meet it
      await done;
      throw e;
    }
    child.kill('SIGINT');
    expect(await done).to.equal(0);
    expect(viewPod(s!.root, 'dev').json.status.phase).to.equal('Running');
    expect(s!.run(['delete', 'pod', 'dev', '--now']).code).to.equal(0);
  });

  it('an annotation naming no container, or no action, is refused with its line', () => {
    const bad = join(project, 'bad.yaml');
    writeFileSync(bad, `apiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\n  annotations:\n    watch.podrun.dev/ap: restart\n    watch.podrun.dev/app: reload\n    watch.podrun.dev/setup: restart\nspec:\n  initContainers:\n  - name: setup\n    image: busybox:test\n  containers:\n  - name: app\n    image: busybox:test\n`);
    const r = podrun(s!.root, ['apply', '-f', bad]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include('bad.yaml:6: metadata.annotations[watch.podrun.dev/ap]: the watch annotation names container "ap", which the pod does not have');
    expect(r.stderr).to.include('did you mean watch.podrun.dev/app?');
    expect(r.stderr).to.include('bad.yaml:7: metadata.annotations[watch.podrun.dev/app]: "reload" is not a watch action');
    expect(r.stderr).to.include('bad.yaml:8: metadata.annotations[watch.podrun.dev/setup]: "setup" is an init container');
  });
});
