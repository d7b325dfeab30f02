// Issue 9: init containers, native sidecars and the stop through the monitor, with real pods.
// Init containers run one after the other to completion before the app containers, while
// `apply` has long returned; a failing one is retried by the pod's policy (Init:CrashLoopBackOff)
// or fails the pod (Init:Error, Never). A sidecar starts before the apps, restarts on exit, and
// stops after them. delete asks the monitor over its control socket, also during a back-off.
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'fs';
import { tmpdir } from 'os';
import { createConnection } from 'net';
import { join } from 'path';
import { haveBusybox } from '../helpers/busybox';
import { isRoot } from '../helpers/cli';
import { deletePodsAndCheckLeaks, podManifest, PodSuite, setUpSuite, waitFor, writeManifest } from './pod-helpers';

/** One exchange on a control socket, as a client other than podrun would do it. */
function control(sock: string, lines: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const c = createConnection({ path: sock });
    let buf = '';
    c.setEncoding('utf8');
    c.on('connect', () => c.write(lines.map((l) => `${l}\n`).join('')));
    c.on('data', (d: string) => (buf += d));
    c.on('error', reject);
    c.on('close', () => resolve(buf.split('\n').filter(Boolean)));
    setTimeout(() => c.destroy(), 3000);
  });
}

describe('init containers, sidecars and stopping through the monitor (integration)', function () {
  this.timeout(180_000);
  let s: PodSuite | undefined;
  const pods = ['ordered', 'initfail', 'initnever', 'side', 'backoff', 'ctl', 'kubelet', 'cfgerr'];
  let out = '';

  before(function () {
    if (!isRoot() || !haveBusybox()) this.skip();
    s = setUpSuite('podrun-init-', () => {});
    out = mkdtempSync(join(tmpdir(), 'podrun-init-out-')); // a hostPath may not lie in podrun's root
  });
  after(() => {
    deletePodsAndCheckLeaks(s, [], pods);
    if (out) rmSync(out, { recursive: true, force: true });
  });

  const apply = (name: string, spec: Record<string, unknown>, backoff?: string) => {
    const meta = backoff === undefined ? {} : { annotations: { 'podrun.dev/restart-backoff': backoff } };
    const file = writeManifest(s!.root, `${name}.yaml`, podManifest(name, spec, meta));
    const r = s!.run(['apply', '-f', file]);
    expect(r.code, r.stderr).to.equal(0);
    return r;
  };
  const status = (name: string) => JSON.parse(s!.run(['get', 'pod', name, '-o', 'json']).stdout).status;
  const column = (name: string) => s!.run(['get', 'pod', name]).stdout.split('\n')[1].trim().split(/\s{2,}/);
  const hostOut = { name: 'out', hostPath: { path: '', type: 'Directory' } };
  const outVolume = () => [{ ...hostOut, hostPath: { path: out, type: 'Directory' } }];
  const mountOut = [{ name: 'out', mountPath: '/out' }];
  const lines = (f: string) => {
    try {
      return readFileSync(join(out, f), 'utf8').trim().split('\n').filter(Boolean);
    } catch {
      return [];
    }
  };

  it('run in order to completion before the app; apply returns while the first still runs; get shows Init:N/M, then Running', () => {
    const step = (n: string, secs: number) => ({ name: n, command: ['sh', '-c', `echo ${n} >> /out/ordered; sleep ${secs}`], volumeMounts: mountOut });
    const t0 = Date.now();
    apply('ordered', {
      initContainers: [step('first', 2), step('second', 1)],
      containers: [{ name: 'app', command: ['sh', '-c', 'echo app >> /out/ordered; exec sleep 1000'], volumeMounts: mountOut }],
      volumes: outVolume(),
    });
    expect(Date.now() - t0, 'apply waits for no init container').to.be.below(1800);
    const [, ready0, st0] = column('ordered');
    expect([ready0, st0]).to.deep.equal(['0/1', 'Init:0/2']);
    waitFor(() => column('ordered')[2] === 'Init:1/2', 20_000, 'Init:1/2');
    waitFor(() => column('ordered')[2] === 'Running', 20_000, 'Running');
    expect(lines('ordered')).to.deep.equal(['first', 'second', 'app']);
    const st = status('ordered');
    expect(st.initContainerStatuses.map((c: any) => [c.name, c.state.terminated?.reason, c.state.terminated?.exitCode])).to.deep.equal([
      ['first', 'Completed', 0],
      ['second', 'Completed', 0],
    ]);
    expect(st.conditions.find((c: any) => c.type === 'Initialized').status).to.equal('True');
    // logs and describe know init containers by name
    expect(s!.run(['logs', 'ordered', '-c', 'first']).code).to.equal(0);
    const d = s!.run(['describe', 'pod', 'ordered']).stdout;
    expect(d).to.match(/Init Containers:\n {2}first:/);
    expect(d).to.match(/Initialized\s+True/);
  });

  it('a failing init container: Init:CrashLoopBackOff under Always (the app never starts), Init:Error and phase Failed under Never', () => {
    const bad = { name: 'bad', command: ['sh', '-c', 'echo failing; exit 3'] };
    const app = { name: 'app', command: ['sh', '-c', 'echo started > /out/initfail-app; exec sleep 1000'], volumeMounts: mountOut };
    apply('initfail', { restartPolicy: 'Always', initContainers: [bad], containers: [app], volumes: outVolume() }, '300ms-600ms');
    apply('initnever', { restartPolicy: 'Never', initContainers: [bad], containers: [{ name: 'app', command: ['true'] }] }, '0');
    waitFor(() => status('initfail').initContainerStatuses[0].restartCount >= 3, 30_000, 'init restarts');
    waitFor(() => column('initfail')[2] === 'Init:CrashLoopBackOff', 10_000, 'Init:CrashLoopBackOff');
    const f = status('initfail');
    expect(f.phase).to.equal('Pending');
    expect(f.containerStatuses[0].state.waiting.reason).to.equal('PodInitializing');
    expect(f.initContainerStatuses[0].lastState.terminated).to.include({ exitCode: 3, reason: 'Error' });
    expect(lines('initfail-app')).to.deep.equal([]);
    expect(s!.run(['logs', 'initfail', '-c', 'bad', '-p']).stdout).to.equal('failing\n');
    waitFor(() => status('initnever').phase === 'Failed', 30_000, 'phase Failed');
    expect(column('initnever')[2]).to.equal('Init:Error');
    expect(status('initnever').initContainerStatuses[0].restartCount).to.equal(0);
  });

  it('a sidecar starts before the app, restarts on exit without touching the app, and stops after it on delete', () => {
    // The sidecar exits once (its first attempt), then runs; each traps its stop signal.
    const trap = (who: string) => `trap 'echo ${who}-stopped >> /out/side; exit 0' TERM; echo ${who}-started >> /out/side; while :; do sleep 0.1; done`;
    apply(
      'side',
      {
        terminationGracePeriodSeconds: 10,
        initContainers: [{ name: 'proxy', restartPolicy: 'Always', command: ['sh', '-c', `if [ ! -e /out/side-once ]; then touch /out/side-once; echo proxy-exit >> /out/side; exit 1; fi; ${trap('proxy')}`], volumeMounts: mountOut }],
        containers: [{ name: 'app', command: ['sh', '-c', trap('app')], volumeMounts: mountOut }],
        volumes: outVolume(),
      },
      '200ms',
    );
    waitFor(() => lines('side').includes('app-started') && lines('side').includes('proxy-started'), 30_000, 'both running');
    const st = waitFor(() => { const x = status('side'); return x.initContainerStatuses[0].state.running && x.containerStatuses[0].state.running ? x : undefined; }, 20_000, 'running');
    // The sidecar is started (it has no startupProbe) once its process runs, and the app starts
    // then: the sidecar's first words, its exit and its restart all race the app's start, as on
    // a kubelet. Only the sidecar's own order is fixed.
    const seen = lines('side');
    expect(seen.filter((l) => l.startsWith('proxy-'))).to.deep.equal(['proxy-exit', 'proxy-started']);
    expect(seen.filter((l) => l.startsWith('app-'))).to.deep.equal(['app-started']);
    expect(st.initContainerStatuses[0].restartCount).to.equal(1);
    // the restart is a new container, as the kubelet's: a new id, the old one in lastState
    const proxy = st.initContainerStatuses[0];
    expect(proxy.containerID).to.not.equal(proxy.lastState.terminated.containerID);
    expect(st.containerStatuses[0].restartCount).to.equal(0);
    expect(column('side').slice(1, 3)).to.deep.equal(['2/2', 'Running']);
    const t0 = Date.now();
    const del = s!.run(['delete', 'pod', 'side']);
    expect(del.code, del.stderr).to.equal(0);
    expect(Date.now() - t0, 'both honour SIGTERM: no grace period waited out').to.be.below(8000);
    const order = lines('side').filter((l) => l.endsWith('-stopped'));
    expect(order).to.deep.equal(['app-stopped', 'proxy-stopped']);
  });

  it('delete during a back-off returns at once, through the monitor, and each attempt has its own containerID', () => {
    apply('backoff', { containers: [{ name: 'app', command: ['sh', '-c', 'exit 1'] }] }, '30s');
    const st = waitFor(() => { const x = status('backoff').containerStatuses[0]; return x.state.waiting?.reason === 'CrashLoopBackOff' ? x : undefined; }, 30_000, 'CrashLoopBackOff');
    expect(st.lastState.terminated.containerID).to.match(/^podrun:\/\/[0-9a-f]{64}$/);
    const t0 = Date.now();
    const del = s!.run(['delete', 'pod', 'backoff', '--log-level', 'debug']);
    expect(del.code, del.stderr).to.equal(0);
    expect(del.stderr).to.not.contain('stopping it from here');
    expect(Date.now() - t0).to.be.below(5000);
  });

  it('the control socket: owner-only, versioned, status and refused requests', async () => {
    apply('ctl', { terminationGracePeriodSeconds: 1, containers: [{ name: 'app', command: ['sleep', '1000'] }] });
    const sock = join(s!.root, 'pods', 'default_ctl', 'control.sock');
    waitFor(() => status('ctl').containerStatuses[0].state.running, 20_000, 'running');
    expect(statSync(sock).mode & 0o777).to.equal(0o600);
    const ok = await control(sock, ['podrun-control 1', 'status']);
    expect(ok[0]).to.equal('podrun-control 1');
    const st = JSON.parse(ok[1].replace(/^ok /, ''));
    expect(st).to.include({ phase: 'Running', stopping: false });
    expect(st.containers[0]).to.include({ name: 'app', state: 'running', restartCount: 0 });
    expect((await control(sock, ['podrun-control 2', 'status']))[1]).to.match(/^error EPROTO/);
    expect((await control(sock, ['podrun-control 1', 'stop soon']))[1]).to.match(/^error EINVAL/);
    expect((await control(sock, ['podrun-control 1', 'restart everything']))[1]).to.equal('error ENOENT no such container');
    // a restart (a resize's) while one is under way is refused, not an ok the machine ignores
    // (review 18): sleep as its namespace's PID 1 ignores SIGTERM, so the first kill waits its grace
    expect((await control(sock, ['podrun-control 1', 'restart app']))[1]).to.equal('ok');
    expect((await control(sock, ['podrun-control 1', 'restart app']))[1]).to.equal('error EBUSY not running');
    waitFor(() => status('ctl').containerStatuses[0].restartCount === 1 && status('ctl').containerStatuses[0].state.running, 20_000, 'started again');
    expect((await control(sock, ['podrun-control 1', 'frobnicate']))[1]).to.match(/^error EINVAL unknown request/);
    // another user cannot even connect (the socket is 0600 in a 0700 dir)
    const js = `require('net').createConnection(${JSON.stringify(sock)}).on('error', (e) => console.log(e.code)).on('data', (d) => console.log('got ' + d))`;
    const other = spawnSync('setpriv', ['--reuid', '65534', '--regid', '65534', '--clear-groups', process.execPath, '-e', js], { encoding: 'utf8', timeout: 10_000 });
    expect(other.stdout.trim(), other.stderr).to.equal('EACCES');
    expect(status('ctl').containerStatuses[0].state.running, 'still running after the bad clients').to.not.equal(undefined);
  });

  it("the kubelet's own back-off: the first restart at once, the second after 10 s", () => {
    apply('kubelet', { containers: [{ name: 'app', command: ['sh', '-c', 'cut -d" " -f1 /proc/uptime >> /out/kubelet; exit 1'], volumeMounts: mountOut }], volumes: outVolume() });
    const st = waitFor(() => { const x = status('kubelet').containerStatuses[0]; return x.state.waiting?.reason === 'CrashLoopBackOff' ? x : undefined; }, 20_000, 'CrashLoopBackOff');
    expect(st.state.waiting.message).to.match(/^back-off 10s restarting failed container=app pod=kubelet_default\(/);
    waitFor(() => lines('kubelet').length >= 3, 20_000, 'the third attempt');
    const [a, b, c] = lines('kubelet').map((x) => Math.round(Number(x) * 1000));
    expect(b - a, 'kubelet-rules.md R1.3: 0, 10 s, 20 s, ...').to.be.below(2_000);
    expect(c - b).to.be.within(9_900, 12_500);
  });

  it('a container the kubelet refuses to create (runAsNonRoot as root) beside a sidecar: waiting CreateContainerConfigError, the sidecar runs', () => {
    const file = writeManifest(
      s!.root,
      'cfgerr.yaml',
      podManifest('cfgerr', {
        initContainers: [{ name: 'side', restartPolicy: 'Always', command: ['sleep', '1000'] }],
        containers: [{ name: 'app', securityContext: { runAsNonRoot: true }, command: ['sleep', '1000'] }],
      }),
    );
    const r = s!.run(['apply', '-f', file]);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.contain('container app: CreateContainerConfigError: container has runAsNonRoot and image will run as root');
    expect(r.stderr).to.not.contain('podrun bug');
    const st = waitFor(() => { const x = status('cfgerr'); return x.initContainerStatuses[0].state.running ? x : undefined; }, 20_000, 'the sidecar running');
    expect(st.containerStatuses[0].state.waiting.reason).to.equal('CreateContainerConfigError');
    expect(st.containerStatuses[0].restartCount).to.equal(0);
    expect(column('cfgerr').slice(1, 4)).to.deep.equal(['1/2', 'CreateContainerConfigError', '0']);
    const d = s!.run(['describe', 'pod', 'cfgerr']).stdout;
    expect(d).to.match(/Warning\s+Failed\s+.*Error: container has runAsNonRoot and image will run as root/);
  });
});
