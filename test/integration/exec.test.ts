// Issue 3, test 6: `podrun exec` joins a running container (mounts, PID namespace, env, cwd) and
// returns the command's exit status, with and without a terminal. Real pods, as root.
import { expect } from 'chai';
import { spawn, spawnSync } from 'child_process';
import { appendFileSync, closeSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';
import { helperPath } from '../../src/runtime/helper/binary';
import { haveBusybox } from '../helpers/busybox';
import { isRoot, podrun, PODRUN } from '../helpers/cli';
import { deletePodsAndCheckLeaks, PodSuite, setUpSuite, until, waitFor } from './pod-helpers';

const waitForAsync = (ok: () => boolean) => until(ok, 30_000);

const MARKER = 'only-in-the-image-6f1c';

describe('exec (integration)', function () {
  this.timeout(120_000);
  let s: PodSuite | undefined;
  let root = '';
  let manifest = '';

  before(function () {
    if (!isRoot() || !haveBusybox()) this.skip();
    let rootfs = '';
    s = setUpSuite('podrun-exec-', (dir) => {
      rootfs = dir;
      writeFileSync(join(rootfs, 'etc', 'marker'), MARKER + '\n');
      mkdirSync(join(rootfs, 'srv'));
      appendFileSync(join(rootfs, 'etc', 'group'), 'extra:x:2000:user\n');
    });
    root = s.root;
    // the same rootfs with `USER user`: a name resolved from the image's /etc/passwd
    const impUser = podrun(root, ['import', '-c', 'USER user', rootfs, 'busybox:user']);
    expect(impUser.code, impUser.stderr).to.equal(0);
    manifest = join(root, 'ex.yaml');
    writeFileSync(
      manifest,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'ex' },
        spec: {
          restartPolicy: 'Never',
          terminationGracePeriodSeconds: 1,
          volumes: [{ name: 'data', emptyDir: {} }],
          containers: [
            {
              name: 'app',
              image: 'busybox:test',
              imagePullPolicy: 'Never',
              command: ['sh', '-c', 'echo from-the-volume > /data/v; exec sleep 3600'],
              env: [{ name: 'SPEC_ENV', value: 'from-the-spec' }],
              workingDir: '/srv',
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
            },
            { name: 'done', image: 'busybox:test', imagePullPolicy: 'Never', command: ['true'] },
            { name: 'asuser', image: 'busybox:user', imagePullPolicy: 'Never', command: ['sleep', '3600'] },
          ],
        },
      }),
    );
    const r = podrun(root, ['apply', '-f', manifest]);
    expect(r.code, r.stderr).to.equal(0);
    // the volume file is written by the container's first command: wait for it
    waitFor(() => podrun(root, ['exec', 'ex/app', '--', 'test', '-f', '/data/v']).code === 0, 20_000, 'volume file');
    waitFor(() => /"exitCode":\s*0/.test(podrun(root, ['get', 'pod', 'ex', '-o', 'json']).stdout), 20_000, 'done exits');
  });

  after(() => deletePodsAndCheckLeaks(s, ['ex']));

  it('returns the exit status of the command', () => {
    expect(podrun(root, ['exec', 'ex/app', '--', 'sh', '-c', 'exit 3']).code).to.equal(3);
    expect(podrun(root, ['exec', 'ex/app', '--', 'true']).code).to.equal(0);
    // a command that does not exist: 127, as docker/kubectl exec
    const r = podrun(root, ['exec', 'ex/app', '--', 'no-such-command']);
    expect(r.code).to.equal(127);
  });

  it("sees the container's files, volumes and PID 1", () => {
    expect(podrun(root, ['exec', 'ex/app', '--', 'cat', '/etc/marker']).stdout).to.equal(MARKER + '\n');
    expect(podrun(root, ['exec', 'ex/app', '--', 'cat', '/data/v']).stdout).to.equal('from-the-volume\n');
    expect(podrun(root, ['exec', 'ex/app', '--', 'cat', '/proc/1/cmdline']).stdout).to.equal('sleep\u00003600\u0000');
    // the host's files are not visible
    expect(podrun(root, ['exec', 'ex/app', '--', 'test', '-e', PODRUN]).code).to.equal(1);
  });

  it('uses the container env, -e overrides, its workingDir and -w', () => {
    const r = podrun(root, ['exec', '-e', 'EXTRA=x=1', 'ex/app', '--', 'sh', '-c', 'echo "$SPEC_ENV $EXTRA $(pwd)"']);
    expect(r.stdout).to.equal('from-the-spec x=1 /srv\n');
    expect(podrun(root, ['exec', '-e', 'SPEC_ENV=over', 'ex/app', '--', 'sh', '-c', 'echo $SPEC_ENV']).stdout).to.equal('over\n');
    expect(podrun(root, ['exec', '-w', '/tmp', 'ex/app', '--', 'pwd']).stdout).to.equal('/tmp\n');
    expect(podrun(root, ['exec', 'ex', '-c', 'app', '--', 'id', '-u']).stdout).to.equal('0\n');
  });

  it("runs as the container's user, with its groups from the image", () => {
    expect(podrun(root, ['exec', 'ex/asuser', '--', 'id']).stdout).to.equal('uid=1000(user) gid=1000(user) groups=2000(extra)\n');
    // the same identity as the container's own process
    const status = podrun(root, ['exec', 'ex/asuser', '--', 'cat', '/proc/1/status']).stdout;
    expect(status).to.match(/^Uid:\s+1000\s+1000/m);
    expect(status).to.match(/^Groups:\s+2000\s*$/m);
  });

  it('passes stdin only with -i', () => {
    expect(podrun(root, ['exec', '-i', 'ex/app', '--', 'cat'], { input: 'piped\n' }).stdout).to.equal('piped\n');
    expect(podrun(root, ['exec', 'ex/app', '--', 'cat'], { input: 'piped\n' }).stdout).to.equal('');
  });

  it('POD alone takes the first container and says so', () => {
    const r = podrun(root, ['exec', 'ex', '--', 'cat', '/data/v']);
    expect(r.stdout).to.equal('from-the-volume\n');
    expect(r.stderr).to.contain('Defaulted container "app" out of: app, done, asuser');
  });

  it('-t without a terminal warns and runs without one', () => {
    const r = podrun(root, ['exec', '-t', 'ex/app', '--', 'sh', '-c', 'tty; exit 4']);
    expect(r.code).to.equal(4);
    expect(r.stderr).to.contain('Unable to use a TTY - input is not a terminal or the right kind of file');
    expect(r.stdout).to.equal('not a tty\n');
  });

  it('-t under a terminal gives the command a pty with the window size', function () {
    if (spawnSync('script', ['--version']).status !== 0) this.skip();
    const inner = `stty rows 33 cols 77; ${PODRUN} exec -t ex/app -- sh -c 'tty; stty size; exit 4'`;
    const r = spawnSync('script', ['-qec', inner, '/dev/null'], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, PODRUN_ROOT: root },
    });
    expect(r.status, r.stderr + r.stdout).to.equal(4);
    const out = r.stdout.replace(/\r/g, '');
    expect(out).to.match(/^\/dev\/pts\/\d+$/m);
    expect(out).to.match(/^33 77$/m);
  });

  it('-t passes window size changes on', function () {
    if (spawnSync('script', ['--version']).status !== 0) this.skip();
    // podrun runs in the background of a shell on script's pty (stdin explicitly the tty), the
    // shell resizes the terminal and signals the group, as a terminal emulator would.
    const pr = `${PODRUN} exec -t ex/app -- sh -c "stty size; sleep 2; stty size" </dev/tty`;
    const inner = `stty rows 20 cols 50; sh -c '${pr} & sleep 1; stty rows 31 cols 101; kill -WINCH 0; wait $!'`;
    const r = spawnSync('script', ['-qec', inner, '/dev/null'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, PODRUN_ROOT: root } });
    expect(r.status, r.stderr + r.stdout).to.equal(0);
    expect(r.stdout.replace(/\r/g, '')).to.equal('20 50\n31 101\n');
  });

  it('-it: Ctrl-C typed at the terminal reaches the command (raw mode)', async function () {
    if (spawnSync('script', ['--version']).status !== 0) this.skip();
    const child = spawn('script', ['-qec', `${PODRUN} exec -it ex/app -- sleep 30`, '/dev/null'], {
      env: { ...process.env, PODRUN_ROOT: root },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 2000)); // the helper has the terminal in raw mode by now
    child.stdin!.write('\x03');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await exited;
    clearTimeout(timer);
    expect(code).to.equal(130); // sleep killed by SIGINT
    expect(Date.now() - t0).to.be.lessThan(15_000);
  });

  it('without -t, Ctrl-C (SIGINT) ends podrun exec at once by SIGINT, as kubectl exec, also when the command traps it; the command gets it', async () => {
    const child = spawn(PODRUN, ['exec', 'ex/app', '--', 'sh', '-c', "trap 'echo got-int; exit 7' INT; echo ready; while :; do sleep 0.1; done"], { env: { ...process.env, PODRUN_ROOT: root } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((r) => child.once('exit', (c, sig) => r([c, sig])));
    await until(() => out.includes('ready'), 20_000);
    child.kill('SIGINT'); // the process is podrun-helper by now (exec replaced the CLI)
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const [code, signal] = await exited;
    clearTimeout(timer);
    expect([code, signal]).to.deep.equal([null, 'SIGINT']); // before: it waited for the command, whatever it did with the signal
    // the command had its SIGINT: its trap ran (and ended it), nothing of it is left running
    await until(() => !podrun(root, ['exec', 'ex/app', '--', 'ps', '-o', 'args']).stdout.includes('while'), 10_000);
    // a pipeline: every process of the command's group gets it, none is left behind
    const pipe = spawn(PODRUN, ['exec', 'ex/app', '--', 'sh', '-c', 'echo ready; sleep 1000 | cat'], { env: { ...process.env, PODRUN_ROOT: root } });
    let said = '';
    pipe.stdout.on('data', (d) => (said += d));
    const gone = new Promise<NodeJS.Signals | null>((r) => pipe.once('exit', (_c, sig) => r(sig)));
    await until(() => said.includes('ready') && podrun(root, ['exec', 'ex/app', '--', 'ps', '-o', 'args']).stdout.includes('sleep 1000'), 20_000);
    pipe.kill('SIGINT');
    expect(await gone).to.equal('SIGINT');
    await until(() => !podrun(root, ['exec', 'ex/app', '--', 'ps', '-o', 'args']).stdout.includes('sleep 1000'), 10_000);
  });

  it('without -t under a terminal the command gets pipes, never the terminal (a command left in the background could read what the user typed next)', function () {
    if (spawnSync('script', ['--version']).status !== 0) this.skip();
    const check = `for f in 0 1 2; do [ -t $f ] && echo "tty $f"; done; for f in 0 1 2; do readlink /proc/self/fd/$f; done; exit 3`;
    for (const i of ['', '-i ']) {
      const r = spawnSync('script', ['-qec', `${PODRUN} exec ${i}ex/app -- sh -c '${check}'`, '/dev/null'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, PODRUN_ROOT: root } });
      expect(r.status, r.stderr + r.stdout).to.equal(3);
      // before the fix: "tty 1", "tty 2" and /dev/pts/N (with -i "tty 0" too): the user's terminal
      expect(r.stdout.replace(/\r/g, ''), i).to.match(i ? /^pipe:\[\d+\]\npipe:\[\d+\]\npipe:\[\d+\]\n$/ : /^\/dev\/null\npipe:\[\d+\]\npipe:\[\d+\]\n$/);
    }
  });

  it('relays stdout and stderr apart, and stdin to its end, through its pipes (5 MiB each way)', () => {
    const big = Buffer.alloc(5 << 20, 'x');
    const r = spawnSync(PODRUN, ['exec', '-i', 'ex/app', '--', 'sh', '-c', 'cat; echo err >&2'], { input: big, env: { ...process.env, PODRUN_ROOT: root }, maxBuffer: 64 << 20 });
    expect(r.status, String(r.stderr)).to.equal(0);
    expect(r.stdout.length).to.equal(big.length);
    expect(String(r.stderr)).to.equal('err\n');
    // a command that never reads its stdin still gets its output out and its exit status back
    const w = spawnSync(PODRUN, ['exec', '-i', 'ex/app', '--', 'sh', '-c', 'head -c 3000000 /dev/zero; exit 5'], { input: big, env: { ...process.env, PODRUN_ROOT: root }, maxBuffer: 64 << 20 });
    expect(w.status, String(w.stderr)).to.equal(5);
    expect(w.stdout.length).to.equal(3000000);
  });

  it("holds none of the caller's fds or environment, nor does the pod's monitor (a SYS_PTRACE container read them from the command before its execve)", async () => {
    const secretFile = join(root, 'caller-secret');
    writeFileSync(secretFile, 'caller-secret\n');
    const fd = openSync(secretFile, 'r');
    try {
      const child = spawn(PODRUN, ['exec', 'ex/app', '--', 'sh', '-c', 'readlink /proc/$$/fd/3 || echo none; sleep 1'], {
        stdio: ['ignore', 'pipe', 'pipe', fd],
        env: { ...process.env, PODRUN_ROOT: root, CALLER_TOKEN: 'caller-token-9d2' },
      });
      let out = '';
      child.stdout!.on('data', (d) => (out += d));
      const done = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
      await waitForAsync(() => out.length > 0);
      // the CLI became podrun-helper (execve): its environment and fds, while the command runs
      const environ = readFileSync(`/proc/${child.pid}/environ`, 'utf8').split('\0').filter(Boolean);
      const fds = readdirSync(`/proc/${child.pid}/fd`).map((n) => readlinkSync(`/proc/${child.pid}/fd/${n}`));
      expect(await done).to.equal(0);
      expect(out).to.equal('none\n'); // before: the caller's file
      // PATH, and the helper's own folder (helper.c: it runs from a read-only mount of it)
      const own = (e: string) => e.startsWith('PATH=') || e === `PODRUN_HELPER_DIR=${dirname(helperPath())}`;
      expect(environ.every(own), environ.join(' ')).to.equal(true); // before: CALLER_TOKEN=...
      expect(fds).to.not.include(secretFile);
    } finally {
      closeSync(fd);
    }
    const monitor = JSON.parse(readFileSync(join(root, 'pods', 'default_ex', 'monitor.json'), 'utf8')).pid;
    const menv = readFileSync(`/proc/${monitor}/environ`, 'utf8').split('\0').filter(Boolean);
    expect(menv.every((e) => e.startsWith('PATH=') || e === `PODRUN_HELPER_DIR=${dirname(helperPath())}`), menv.join(' ')).to.equal(true); // before: the environment of apply's caller
  });

  it('refuses clearly when the container is not running or does not exist', () => {
    const r = podrun(root, ['exec', 'ex/done', '--', 'true']);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/container "done" in pod "ex" is not running \(exited with code 0/);
    const n = podrun(root, ['exec', 'ex/nope', '--', 'true']);
    expect(n.code).to.equal(2); // bad input, as docs/cli/exec.md says
    expect(n.stderr).to.contain('container "nope" is not in pod "ex"');
    expect(podrun(root, ['exec', 'nopod', '--', 'true']).stderr).to.match(/pods "nopod" not found/);
    expect(podrun(root, ['exec', 'ex/app']).code).to.equal(2); // no command
  });
});
