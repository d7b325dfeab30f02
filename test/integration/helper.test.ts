// podrun-helper for real, without the CLI: launch files written by hand (docs/protocol.md), the
// monitor spawned detached with the handshake pipe on fd 3, containers observed from the host
// (/proc/PID/ns, /proc/1/mountinfo) and from inside with `podrun-helper exec`.
import { expect } from 'chai';
import { spawn, spawnSync } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmdirSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { haveBusybox, makeBusyboxRootfs } from '../helpers/busybox';
import { isRoot } from '../helpers/cli';
import { mountPoints } from '../helpers/leaks';
import { detectCgroups } from '../../src/runtime/cgroup/detect';
import { helperPath } from '../../src/runtime/helper/binary';
import { encodeCapabilities, LAUNCH_MAGIC } from '../../src/runtime/helper/launch-file';
import { DEFAULT_CAPABILITIES, defaultSecurity } from '../../src/plan/security';
import { RUNTIME_DEFAULT_PROFILE } from '../../src/plan/seccomp-default';
import { PAUSE_SECCOMP_PROFILE } from '../../src/plan/seccomp-pause';
import { native, NATIVE_PROTOCOL } from '../../src/util/native';

/** The policy directives every container block carries: the plan's defaults. */
function policyDirectives(): string[][] {
  const s = defaultSecurity();
  return [
    ['caps', encodeCapabilities(s.capabilities)],
    ['devsize', String(s.devSizeBytes)],
    ...s.devices.map((d) => ['device', d.path, d.type, String(d.major), String(d.minor)]),
    ...s.maskedPaths.map((p) => ['maskpath', p]),
    ...s.readonlyPaths.map((p) => ['readonlypath', p]),
    ['nonewprivs', '0'],
  ];
}

interface Handshake {
  /** The helper's protocol (sync 0); `lines` holds the records after it. */
  protocol?: number;
  lines: string[];
  pause?: { pid: number; startTime: number };
  started: Map<string, { pid: number; startTime: number }>;
  failed: Map<string, string>;
  ready: boolean;
}

interface ContainerOpts {
  name: string;
  args: string[];
  env?: string[];
  binds?: string[][]; // full directive, e.g. ['bind', src, dst, 'rw', 'dir']
  extraLowers?: string[];
  cwd?: string;
  user?: [string, string, string];
  tty?: boolean;
  stdin?: boolean;
  /** Directives after the policy ones, e.g. ['seccomp', FILE]. */
  extra?: string[][];
}

interface PodOpts {
  pid?: 'container' | 'pod' | 'host';
  ipc?: 'pod' | 'host';
  noShm?: boolean;
  containers: ContainerOpts[];
  tmpfs?: string[];
  /** The pause's seccomp program; default: the real one, compiled into the pod dir. */
  pauseSeccomp?: string;
}

interface Pod {
  dir: string;
  hs: Handshake;
  state(name: string): any;
  log(name: string): string;
  monitor(): { pid: number; startTime: number; pausePid: number; pauseStartTime: number; stoppedAt?: string };
}

const PATH_ENV = 'PATH=/bin';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function startTime(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const st = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return st !== 'Z' && st !== 'X';
  } catch {
    return false;
  }
}

async function waitFor<T>(fn: () => T | undefined | false, what: string, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function encode(directives: string[][]): Buffer {
  return Buffer.from(directives.flat().map((s) => s + '\0').join(''));
}

function runMonitor(launch: string): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const child = spawn(helperPath(), ['monitor', launch], { detached: true, stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
    const hs: Handshake = { lines: [], started: new Map(), failed: new Map(), ready: false };
    let buf = '';
    const fd3 = child.stdio[3] as NodeJS.ReadableStream;
    fd3.setEncoding('utf8');
    fd3.on('data', (d: string) => (buf += d));
    fd3.on('error', reject);
    fd3.on('end', () => {
      child.unref();
      for (const line of buf.split('\n').filter(Boolean)) {
        const f = line.split(' ');
        if (f[0] === 'podrun-helper') {
          hs.protocol = Number(f[1]);
          continue;
        }
        hs.lines.push(line);
        if (f[0] === 'pause') hs.pause = { pid: Number(f[1]), startTime: Number(f[2]) };
        else if (f[0] === 'started') hs.started.set(f[1], { pid: Number(f[2]), startTime: Number(f[3]) });
        else if (f[0] === 'failed') hs.failed.set(f[1], f.slice(2).join(' '));
        else if (f[0] === 'ready') hs.ready = true;
      }
      resolve(hs);
    });
  });
}

function exec(pod: Pod, name: string, cmd: string[], extra: string[] = []) {
  const s = pod.hs.started.get(name);
  if (!s) throw new Error(`${name} did not start: ${pod.hs.lines.join(' | ')}`);
  const r = spawnSync(
    helperPath(),
    ['exec', '--protocol', String(NATIVE_PROTOCOL), '--pid', String(s.pid), '--start-time', String(s.startTime), '--env', PATH_ENV, ...extra, '--', ...cmd],
    { encoding: 'utf8', timeout: 20_000 },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('podrun-helper (monitor, pause, exec)', function () {
  this.timeout(60_000);
  let base = '';
  let layer = '';
  const pods: Pod[] = [];
  let seq = 0;

  before(function () {
    if (!isRoot() || !haveBusybox()) this.skip();
    base = mkdtempSync(join(tmpdir(), 'podrun-helper-'));
    layer = makeBusyboxRootfs(join(base, 'layer'));
  });

  async function stop(pod: Pod) {
    const m = pod.monitor();
    // Only our monitor: the pid must still be that process.
    if (alive(m.pid) && startTime(m.pid) === m.startTime) process.kill(m.pid, 'SIGTERM');
    await waitFor(() => !alive(m.pid), `monitor ${m.pid} to exit`);
    const i = pods.indexOf(pod);
    if (i >= 0) pods.splice(i, 1);
  }

  after(async function () {
    for (const p of [...pods]) await stop(p);
    if (base) {
      expect(mountPoints().filter((m) => m.startsWith(base)), 'mounts left under the test dir').to.deep.equal([]);
      rmSync(base, { recursive: true, force: true });
    }
  });

  async function startPod(opts: PodOpts): Promise<Pod> {
    const dir = join(base, `pod${++seq}`);
    const init = join(dir, 'init');
    mkdirSync(join(init, 'etc'), { recursive: true });
    writeFileSync(join(init, 'etc', 'hostname'), 'hostname-file\n');
    mkdirSync(join(dir, 'shm'), { recursive: true });
    const d: string[][] = [[LAUNCH_MAGIC], ['key', `default_pod${seq}`], ['hostname', `pod${seq}`]];
    d.push(['ns', 'net', 'pod'], ['ns', 'ipc', opts.ipc ?? 'pod'], ['ns', 'uts', 'pod'], ['ns', 'pid', opts.pid ?? 'container']);
    d.push(['poddir', dir]);
    let pauseProgram = opts.pauseSeccomp;
    if (pauseProgram === undefined) {
      pauseProgram = join(dir, 'pause.bpf');
      writeFileSync(pauseProgram, native().compileSeccomp(JSON.stringify(PAUSE_SECCOMP_PROFILE), []).program);
    }
    d.push(['pauseseccomp', pauseProgram]);
    if (!opts.noShm) d.push(['shm', join(dir, 'shm'), String(64 << 20)]);
    for (const t of opts.tmpfs ?? []) {
      mkdirSync(t, { recursive: true });
      d.push(['tmpfs', t, String(8 << 20), '0777', '-']);
    }
    // Supervision as the plan writes it for a pod under Never with a short grace: no restarts.
    d.push(['restartpolicy', 'Never'], ['grace', '1000'], ['mingrace', '2000'], ['backoff', '10000', '300000', '600000']);
    for (const c of opts.containers) {
      const cd = join(dir, 'c', c.name);
      for (const s of ['upper', 'work', 'rootfs']) mkdirSync(join(cd, s), { recursive: true });
      d.push(['container', c.name]);
      for (const l of [layer, ...(c.extraLowers ?? []), init]) d.push(['lower', l]);
      d.push(['upper', join(cd, 'upper')], ['work', join(cd, 'work')], ['rootfs', join(cd, 'rootfs')]);
      d.push(['log', join(cd, '0.log')], ['state', join(cd, 'state.json')]);
      for (const b of c.binds ?? []) d.push(b);
      d.push(['cwd', c.cwd ?? '/'], ['user', ...(c.user ?? ['0', '0', ''])]);
      for (const e of [PATH_ENV, ...(c.env ?? [])]) d.push(['env', e]);
      for (const a of c.args) d.push(['arg', a]);
      d.push(['stdin', c.stdin ? '1' : '0'], ['tty', c.tty ? '1' : '0'], ...policyDirectives(), ...(c.extra ?? []));
      d.push(['kind', 'app'], ['restart', 'Never'], ['stopsignal', '15'], ['termination', '/dev/termination-log', 'File'], ['end']);
    }
    const launch = join(dir, 'launch');
    writeFileSync(launch, encode(d));
    const hs = await runMonitor(launch);
    expect(hs.protocol, 'the handshake starts with the protocol version').to.equal(NATIVE_PROTOCOL);
    const pod: Pod = {
      dir,
      hs,
      state: (n) => JSON.parse(readFileSync(join(dir, 'c', n, 'state.json'), 'utf8')),
      log: (n) => (existsSync(join(dir, 'c', n, '0.log')) ? readFileSync(join(dir, 'c', n, '0.log'), 'utf8') : ''),
      monitor: () => JSON.parse(readFileSync(join(dir, 'monitor.json'), 'utf8')),
    };
    if (hs.pause) pods.push(pod);
    return pod;
  }

  const SLEEP = ['sleep', '3600'];

  it('shares the pause net/ipc/uts namespaces, gives each container its own mount namespace, shows no mount on the host', async () => {
    const mem = join(base, 'mem1');
    const pod = await startPod({
      pid: 'pod',
      tmpfs: [mem],
      containers: [
        { name: 'a', args: SLEEP, binds: [['bind', mem, '/mem', 'rw', 'dir']] },
        { name: 'b', args: SLEEP, binds: [['bind', mem, '/mem', 'rw', 'dir']] },
      ],
    });
    expect(pod.hs.lines).to.have.length(4);
    expect(pod.hs.ready, pod.hs.lines.join('|')).to.equal(true);
    const pause = pod.hs.pause!.pid;
    const a = pod.hs.started.get('a')!.pid;
    const b = pod.hs.started.get('b')!.pid;
    const ns = (pid: number, n: string) => readlinkSync(`/proc/${pid}/ns/${n}`);
    for (const n of ['net', 'ipc', 'uts']) {
      expect(ns(a, n), n).to.equal(ns(pause, n));
      expect(ns(b, n), n).to.equal(ns(pause, n));
      expect(ns(pause, n), n).to.not.equal(ns(process.pid, n));
    }
    expect(ns(a, 'mnt')).to.not.equal(ns(b, 'mnt'));
    expect(ns(a, 'mnt')).to.not.equal(ns(pause, 'mnt'));
    expect(readFileSync(`/proc/${pause}/cmdline`, 'utf8')).to.equal('podrun-helper\0pause\0');

    // Nothing of the pod's (overlay, shm, tmpfs, binds) in the host's mount table.
    expect(readFileSync('/proc/1/mountinfo', 'utf8')).to.not.include(pod.dir);
    expect(readFileSync('/proc/1/mountinfo', 'utf8')).to.not.include(mem);
    // The container does see its overlay root and /sys read-only.
    const mi = readFileSync(`/proc/${a}/mountinfo`, 'utf8').split('\n');
    expect(mi.find((l) => l.split(' ')[4] === '/')).to.match(/ - overlay /);
    expect(mi.find((l) => l.split(' ')[4] === '/sys')).to.match(/ ro,/);

    // Shared PID namespace: pause is PID 1 and the other container's process is visible.
    const ps = exec(pod, 'a', ['ps', '-o', 'pid,args']);
    expect(ps.code, ps.stderr).to.equal(0);
    expect(ps.stdout).to.match(/^\s*1\s+.*podrun-helper pause/m);
    expect(ps.stdout.match(/sleep 3600/g)).to.have.length(2);

    // /dev/shm is one tmpfs for the pod, and so is a Memory emptyDir.
    expect(exec(pod, 'a', ['sh', '-c', 'echo shm-ok > /dev/shm/x && echo mem-ok > /mem/y']).code).to.equal(0);
    const seen = exec(pod, 'b', ['cat', '/dev/shm/x', '/mem/y']);
    expect(seen.stdout).to.equal('shm-ok\nmem-ok\n');
    expect(existsSync(join(pod.dir, 'shm', 'x')), 'shm write reached the host dir').to.equal(false);

    // Hostname from the launch file, lo up (IFF_UP = 0x1), and only lo.
    expect(exec(pod, 'b', ['hostname']).stdout).to.equal(`pod${seq}\n`);
    const flags = exec(pod, 'b', ['cat', '/sys/class/net/lo/flags']).stdout.trim();
    expect(Number(flags) & 1, `lo flags ${flags}`).to.equal(1);
    expect(exec(pod, 'b', ['ls', '/sys/class/net']).stdout.trim()).to.equal('lo');

    await stop(pod);
    expect(alive(pause) || alive(a) || alive(b)).to.equal(false);
    // SIGTERM to the monitor is a graceful stop: the stop signal ends `sleep` (not PID 1 here).
    expect(pod.state('a')).to.include({ exitCode: 143, signal: 15, reason: 'Error' });
    expect(pod.state('b').finishedAt).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  });

  it('reads each seccomp program before the clone, refuses a missing, torn or invalid one (step seccomp), installs a good one, also in exec', async () => {
    const sdir = join(base, 'seccomp');
    mkdirSync(sdir, { recursive: true });
    const good = join(sdir, 'good.bpf');
    writeFileSync(good, native().compileSeccomp(JSON.stringify(RUNTIME_DEFAULT_PROFILE), [...DEFAULT_CAPABILITIES]).program);
    writeFileSync(join(sdir, 'torn.bpf'), Buffer.alloc(12));
    // one instruction with an opcode classic BPF does not have: the kernel refuses the program
    writeFileSync(join(sdir, 'invalid.bpf'), Buffer.from([0xff, 0xff, 0, 0, 0, 0, 0, 0]));
    const status = ['sh', '-c', 'grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status; exec sleep 3600'];
    const pod = await startPod({
      containers: [
        { name: 'missing', args: SLEEP, extra: [['seccomp', join(sdir, 'missing.bpf')]] },
        { name: 'torn', args: SLEEP, extra: [['seccomp', join(sdir, 'torn.bpf')]] },
        { name: 'invalid', args: SLEEP, extra: [['seccomp', join(sdir, 'invalid.bpf')]] },
        { name: 'good', args: status, extra: [['seccomp', good]] },
        // the same file twice: read once, shared; installed last, after no_new_privs
        { name: 'good-nnp', args: status, user: ['1000', '1000', ''], extra: [['nonewprivs', '1'], ['seccomp', good]] },
      ],
    });
    expect(pod.hs.failed.get('missing')).to.equal(`seccomp read 2 ${join(sdir, 'missing.bpf')}`);
    expect(pod.hs.failed.get('torn')).to.equal(`seccomp read 22 ${join(sdir, 'torn.bpf')}`);
    expect(pod.hs.failed.get('invalid')).to.equal(`seccomp seccomp 22 ${join(sdir, 'invalid.bpf')}`);
    expect(pod.state('invalid').error).to.deep.equal({ step: 'seccomp', syscall: 'seccomp', errno: 22, path: join(sdir, 'invalid.bpf') });
    await waitFor(() => pod.log('good').includes('Seccomp:') && pod.log('good-nnp').includes('Seccomp:'), 'status lines');
    expect(pod.log('good')).to.match(/NoNewPrivs:\t0\n.*Seccomp:\t2\n/s);
    expect(pod.log('good-nnp')).to.match(/NoNewPrivs:\t1\n.*Seccomp:\t2\n/s);
    const unshare = ['sh', '-c', 'unshare -U true && echo unshared || echo refused'];
    expect(exec(pod, 'good', unshare).stdout).to.equal('unshared\n'); // exec without --seccomp: unconfined
    const confined = exec(pod, 'good', unshare, ['--seccomp', good]);
    expect(confined.stdout).to.equal('refused\n');
    const nnp = exec(pod, 'good', ['grep', '-E', '^(Seccomp|NoNewPrivs):', '/proc/self/status'], ['--seccomp', good, '--no-new-privs', '--user', '1000:1000']);
    expect(nnp.stdout).to.match(/NoNewPrivs:\t1\nSeccomp:\t2\n/);
    const gone = exec(pod, 'good', ['true'], ['--seccomp', join(sdir, 'missing.bpf')]);
    expect(gone.code).to.equal(126);
    expect(gone.stderr).to.equal(`podrun-helper: seccomp: read ${join(sdir, 'missing.bpf')}: No such file or directory\n`);
    await stop(pod);
  });

  it("runs the pause under its own seccomp program; a missing one fails the pod before anything starts (step seccomp)", async () => {
    const pod = await startPod({ pid: 'pod', containers: [{ name: 'c', args: ['sh', '-c', 'grep ^Seccomp: /proc/1/status; exec sleep 3600'] }] });
    await waitFor(() => pod.log('c').includes('Seccomp:'), 'the status line');
    expect(pod.log('c')).to.match(/Seccomp:\t2\n/);
    await stop(pod);
    const missing = join(base, 'no-such-pause.bpf');
    const bad = await startPod({ pauseSeccomp: missing, containers: [{ name: 'c', args: SLEEP }] });
    expect(bad.hs.pause).to.equal(undefined);
    expect(bad.hs.lines).to.deep.equal([`error seccomp read 2 ${missing}`]);
  });

  it('apparmor: the container and exec write "exec PROFILE" to their attr file before execve; a kernel that refuses it fails the start (step apparmor)', async () => {
    // This host's kernel may have AppArmor or not: without it the write is refused with EINVAL
    // (no security module takes the command), with it a profile that is not loaded with ENOENT.
    const appArmor = existsSync('/sys/module/apparmor/parameters/enabled') && readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').trim() === 'Y';
    const errno = appArmor ? 2 : 22;
    const absent = 'podrun-test-not-loaded';
    const pod = await startPod({
      containers: [
        { name: 'root', args: SLEEP, extra: [['apparmor', absent]] },
        // a non-root user and no_new_privs: the step comes first, while the child still is root
        { name: 'user-nnp', args: SLEEP, user: ['1000', '1000', ''], extra: [['nonewprivs', '1'], ['apparmor', absent]] },
        { name: 'none', args: SLEEP },
      ],
    });
    expect(pod.hs.failed.get('root')).to.equal(`apparmor write ${errno} ${absent}`);
    expect(pod.hs.failed.get('user-nnp')).to.equal(`apparmor write ${errno} ${absent}`);
    expect(pod.state('root').error).to.deep.equal({ step: 'apparmor', syscall: 'write', errno, path: absent });
    expect(pod.hs.started.has('none')).to.equal(true);
    const ex = exec(pod, 'none', ['true'], ['--apparmor', absent]);
    expect(ex.code).to.equal(126);
    expect(ex.stderr).to.equal(`podrun-helper: apparmor: write ${absent}: ${appArmor ? 'No such file or directory' : 'Invalid argument'}\n`);
    expect(exec(pod, 'none', ['true'], ['--apparmor', ' padded']).stderr).to.match(/bad --apparmor/);
    expect(exec(pod, 'none', ['true']).code).to.equal(0);
    await stop(pod);
  });

  it('joins each `cgroup` dir first (the container) and --cgroup (exec); a dir that is no cgroup is refused (cgroup fstatfs EXDEV)', async function () {
    const mount = detectCgroups(undefined, 'v2');
    if (mount.driver !== 'v2') this.skip();
    const cg = join(mount.mounts.unified, 'podrun', `helper-test-${process.pid}`);
    for (const d of ['a', 'x']) mkdirSync(join(cg, d), { recursive: true });
    try {
      const self = ['sh', '-c', 'grep ^0:: /proc/self/cgroup; exec sleep 3600'];
      const pod = await startPod({
        containers: [
          { name: 'in', args: self, extra: [['cgroup', join(cg, 'a')]] },
          { name: 'notcg', args: SLEEP, extra: [['cgroup', base]] },
          { name: 'nodir', args: SLEEP, extra: [['cgroup', join(cg, 'missing')]] },
        ],
      });
      expect(pod.hs.failed.get('notcg')).to.equal(`cgroup fstatfs 18 ${base}`);
      expect(pod.hs.failed.get('nodir')).to.equal(`cgroup open 2 ${join(cg, 'missing')}`);
      await waitFor(() => pod.log('in').includes('0::'), 'the cgroup line');
      expect(pod.log('in')).to.contain(`0::/podrun/helper-test-${process.pid}/a\n`);
      const e = exec(pod, 'in', ['grep', '^0::', '/proc/self/cgroup'], ['--cgroup', join(cg, 'x')]);
      expect(e.stdout).to.equal(`0::/podrun/helper-test-${process.pid}/x\n`);
      const bad = exec(pod, 'in', ['true'], ['--cgroup', base]);
      expect(bad.code).to.equal(126);
      expect(bad.stderr).to.equal(`podrun-helper: cgroup: fstatfs ${base}: Invalid cross-device link\n`);
      await stop(pod);
    } finally {
      for (const d of ['a', 'x', ''])
        try {
          rmdirSync(join(cg, d));
        } catch {
          /* a process is still in it: the test failed anyway */
        }
    }
  });

  it('gives each container its own PID namespace by default (the command is PID 1)', async () => {
    const pod = await startPod({ containers: [{ name: 'solo', args: ['sh', '-c', 'echo pid=$$; exec sleep 3600'] }] });
    await waitFor(() => pod.log('solo').includes('pid='), 'first log line');
    expect(pod.log('solo')).to.include('stdout F pid=1\n');
    const ps = exec(pod, 'solo', ['ps', '-o', 'pid,args']);
    expect(ps.stdout).to.match(/^\s*1\s+sleep 3600/m);
    expect(ps.stdout).to.not.include('pause');
    await stop(pod);
  });

  it('writes CRI logs with stream names and F/P tags, exit records, and StartError for a failed exec', async () => {
    const long = 20000;
    const pod = await startPod({
      containers: [
        {
          name: 'talk',
          args: ['sh', '-c', `echo out1; echo err1 >&2; head -c ${long} /dev/zero | tr '\\0' a; echo; printf tail; exit 3`],
        },
        { name: 'bad', args: ['/nonexistent'] },
        { name: 'ok', args: ['true'] },
      ],
    });
    expect(pod.hs.ready).to.equal(true);
    expect(pod.hs.failed.get('bad')).to.equal('exec execve 2 /nonexistent');
    expect(pod.state('bad')).to.deep.include({ reason: 'StartError', exitCode: 128 });
    expect(pod.state('bad').error).to.deep.equal({ step: 'exec', syscall: 'execve', errno: 2, path: '/nonexistent' });

    const st = await waitFor(() => (pod.state('talk').finishedAt ? pod.state('talk') : undefined), 'talk to exit');
    expect(st).to.include({ exitCode: 3, signal: null, reason: 'Error', pid: pod.hs.started.get('talk')!.pid });
    expect(st.startedAt).to.match(/Z$/);
    const okState = await waitFor(() => (pod.state('ok').finishedAt ? pod.state('ok') : undefined), 'ok to exit');
    expect(okState).to.include({ exitCode: 0, reason: 'Completed' });

    const lines = pod.log('talk').split('\n').filter(Boolean);
    const parsed = lines.map((l) => {
      const m = /^(\S+) (stdout|stderr) ([FP]) (.*)$/.exec(l);
      expect(m, l.slice(0, 80)).to.not.equal(null);
      return { ts: m![1], stream: m![2], tag: m![3], text: m![4] };
    });
    for (const p of parsed) expect(p.ts).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    expect(parsed.find((p) => p.text === 'out1')).to.include({ stream: 'stdout', tag: 'F' });
    expect(parsed.find((p) => p.text === 'err1')).to.include({ stream: 'stderr', tag: 'F' });
    const big = parsed.filter((p) => /^a+$/.test(p.text));
    expect(big.map((p) => p.tag)).to.deep.equal(['P', 'F']);
    expect(big.map((p) => p.text.length).reduce((x, y) => x + y)).to.equal(long);
    // Streams are read independently, so only the order within one stream is meaningful.
    const out = parsed.filter((p) => p.stream === 'stdout');
    expect(out[out.length - 1]).to.include({ tag: 'P', text: 'tail' });

    // Under Never, once every container has ended nothing will start (the machine's `done`): the
    // monitor tears the sandbox down itself, records stoppedAt and exits.
    await waitFor(() => pod.monitor().stoppedAt, 'stoppedAt');
    await waitFor(() => !alive(pod.monitor().pid) || undefined, 'the monitor to exit');
    expect(alive(pod.monitor().pausePid)).to.equal(false);
    await stop(pod);
  });

  it('gives a tty container a pty from its own devpts, bound at /dev/console, and keeps stdin open with stdin 1', async () => {
    const pod = await startPod({
      containers: [
        { name: 't', tty: true, args: ['sh', '-c', 'tty; [ -t 0 ] && echo stdin-tty; [ /dev/console -ef /dev/pts/0 ] && echo console-is-tty; exec sleep 3600'] },
        { name: 'in', stdin: true, args: ['sh', '-c', 'cat; echo stdin-closed'] },
        { name: 'noin', args: ['sh', '-c', 'cat; echo stdin-null'] },
      ],
    });
    expect(pod.hs.started.size, pod.hs.lines.join('|')).to.equal(3);
    await waitFor(() => pod.log('t').includes('stdin-tty'), 'tty output');
    expect(pod.log('t')).to.match(/ stdout F \/dev\/pts\/0\r\n.* stdout F stdin-tty\r\n.* stdout F console-is-tty\r\n/s);
    await waitFor(() => pod.log('noin').includes('stdin-null'), '/dev/null stdin to end cat');
    await sleep(300);
    expect(pod.log('in')).to.equal('');
    expect(pod.state('in').finishedAt).to.equal(undefined);
    await stop(pod);
  });

  it('binds volumes rw and ro, keeps subPath inside the volume and image symlinks inside the root', async () => {
    const vol = join(base, 'vol');
    mkdirSync(join(vol, 'real'), { recursive: true });
    writeFileSync(join(vol, 'real', 'f'), 'in-volume\n');
    symlinkSync('/etc', join(vol, 'sub'));
    const linkLayer = join(base, 'linklayer');
    mkdirSync(linkLayer, { recursive: true });
    symlinkSync('/etc', join(linkLayer, 'data'));
    const pod = await startPod({
      containers: [
        {
          name: 'v',
          args: SLEEP,
          extraLowers: [linkLayer],
          binds: [
            ['bind', vol, '/rw', 'rw', 'dir'],
            ['bind', vol, '/ro', 'ro', 'dir'],
            ['bindsub', vol, 'real', '/deep/sub', 'rw', 'dir'],
            ['bind', vol, '/data', 'rw', 'dir'],
          ],
        },
        { name: 'escape', args: SLEEP, binds: [['bindsub', vol, 'sub', '/x', 'ro', 'dir']] },
      ],
    });
    expect(pod.hs.started.has('v'), pod.hs.lines.join('|')).to.equal(true);
    expect(pod.hs.failed.get('escape')).to.match(/^volume openat2 18 sub$/); // EXDEV

    expect(exec(pod, 'v', ['sh', '-c', 'echo w > /rw/written']).code).to.equal(0);
    expect(readFileSync(join(vol, 'written'), 'utf8')).to.equal('w\n');
    const ro = exec(pod, 'v', ['sh', '-c', 'echo w > /ro/nope']);
    expect(ro.code).to.not.equal(0);
    expect(ro.stderr).to.match(/Read-only file system/);
    expect(exec(pod, 'v', ['cat', '/deep/sub/f']).stdout).to.equal('in-volume\n');

    // /data -> /etc in the image: the bind lands on the container's /etc, never the host's.
    expect(exec(pod, 'v', ['sh', '-c', 'echo m > /data/podrun-marker && cat /etc/podrun-marker']).stdout).to.equal('m\n');
    expect(existsSync('/etc/podrun-marker')).to.equal(false);
    expect(readFileSync(join(vol, 'podrun-marker'), 'utf8')).to.equal('m\n');
    expect(readFileSync('/proc/1/mountinfo', 'utf8')).to.not.include(vol);
    await stop(pod);
  });

  it('exec joins the mount and PID namespaces, propagates the exit status and allocates a pty with --tty', async () => {
    const pod = await startPod({ containers: [{ name: 'x', args: SLEEP, cwd: '/work/dir' }] });
    writeFileSync(join(pod.dir, 'c', 'x', 'upper', 'only-in-x'), 'x\n');
    expect(exec(pod, 'x', ['cat', '/only-in-x']).stdout).to.equal('x\n');
    expect(exec(pod, 'x', ['cat', '/proc/1/cmdline']).stdout).to.equal('sleep\x003600\x00');
    expect(exec(pod, 'x', ['pwd'], ['--cwd', '/work/dir']).stdout).to.equal('/work/dir\n');
    expect(exec(pod, 'x', ['sh', '-c', 'exit 7']).code).to.equal(7);
    expect(exec(pod, 'x', ['sh', '-c', 'kill -TERM $$']).code).to.equal(128 + 15);
    expect(exec(pod, 'x', ['id', '-u'], ['--user', '1000:1000']).stdout).to.equal('1000\n');

    // The default capability set (podman's 11) for the container and for what exec runs in it.
    const caps = (txt: string, f: string) => new RegExp(`^${f}:\\s*(\\S+)$`, 'm').exec(txt)![1];
    const main = readFileSync(`/proc/${pod.hs.started.get('x')!.pid}/status`, 'utf8');
    expect(caps(main, 'CapEff')).to.equal('00000000800405fb');
    expect(caps(main, 'CapBnd')).to.equal('00000000800405fb');
    expect(caps(main, 'CapAmb')).to.equal('0000000000000000');
    const inExec = exec(pod, 'x', ['cat', '/proc/self/status']).stdout;
    expect(caps(inExec, 'CapEff')).to.equal('00000000800405fb');
    expect(caps(exec(pod, 'x', ['cat', '/proc/self/status'], ['--user', '1000:1000']).stdout, 'CapEff')).to.equal('0000000000000000');
    expect(exec(pod, 'x', ['mount', '-t', 'tmpfs', 'none', '/mnt']).code).to.not.equal(0);

    // Masked and read-only /proc and /sys paths, as Docker does.
    expect(exec(pod, 'x', ['wc', '-c', '/proc/timer_list']).stdout.trim()).to.match(/^0 /);
    expect(exec(pod, 'x', ['ls', '-A', '/proc/acpi', '/sys/firmware']).stdout).to.equal('/proc/acpi:\n\n/sys/firmware:\n');
    if (existsSync('/proc/sysrq-trigger'))
      expect(exec(pod, 'x', ['sh', '-c', 'echo h > /proc/sysrq-trigger']).stderr).to.match(/Read-only file system/);
    expect(exec(pod, 'x', ['sh', '-c', 'echo 1 > /proc/sys/kernel/printk_ratelimit']).stderr).to.match(/Read-only file system/);
    const missing = exec(pod, 'x', ['no-such-command']);
    expect(missing.code).to.equal(127);
    expect(missing.stderr).to.match(/^podrun-helper: exec: execve no-such-command: No such file or directory/);

    const tty = exec(pod, 'x', ['sh', '-c', 'tty; [ -t 0 ] && [ -t 1 ] && echo both-tty'], ['--tty']);
    expect(tty.code, tty.stderr).to.equal(0);
    expect(tty.stdout.replace(/\r/g, '')).to.equal('/dev/pts/0\nboth-tty\n');
    const plain = exec(pod, 'x', ['sh', '-c', '[ -t 1 ] || echo not-a-tty']);
    expect(plain.stdout).to.equal('not-a-tty\n');

    // A wrong start time means the pid was recycled: refused, nothing run.
    const s = pod.hs.started.get('x')!;
    const stale = spawnSync(helperPath(), ['exec', '--protocol', String(NATIVE_PROTOCOL), '--pid', String(s.pid), '--start-time', String(s.startTime + 1), '--', 'true'], {
      encoding: 'utf8',
    });
    expect(stale.status).to.equal(126);
    expect(stale.stderr).to.match(/No such process/);
    await stop(pod);
  });

  it('with the host PID namespace, adopts orphans as subreaper and kills them at stop', async () => {
    const pod = await startPod({ pid: 'host', containers: [{ name: 'h', args: ['sh', '-c', '(sleep 3601 &) ; exec sleep 3602'] }] });
    const main = pod.hs.started.get('h')!.pid;
    expect(readlinkSync(`/proc/${main}/ns/pid`)).to.equal(readlinkSync('/proc/self/ns/pid'));
    const m = pod.monitor();
    // The subshell exits at once, so its `sleep 3601` is re-parented to the monitor.
    const orphan = await waitFor(() => {
      const kids = readFileSync(`/proc/${m.pid}/task/${m.pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
      return kids.find((k) => k !== main && k !== m.pausePid && readFileSync(`/proc/${k}/cmdline`, 'utf8').startsWith('sleep\x003601'));
    }, 'orphan adopted by the monitor');
    await stop(pod);
    expect(alive(orphan), `orphan ${orphan}`).to.equal(false);
    expect(alive(main)).to.equal(false);
  });

  it('with the host IPC namespace and no shm directive, /dev/shm is the host\'s', async () => {
    const pod = await startPod({ ipc: 'host', noShm: true, containers: [{ name: 'i', args: SLEEP }] });
    expect(readlinkSync(`/proc/${pod.hs.started.get('i')!.pid}/ns/ipc`)).to.equal(readlinkSync('/proc/self/ns/ipc'));
    const name = `podrun-helper-test-${process.pid}`;
    try {
      expect(exec(pod, 'i', ['sh', '-c', `echo host-shm > /dev/shm/${name}`]).code).to.equal(0);
      expect(readFileSync(`/dev/shm/${name}`, 'utf8')).to.equal('host-shm\n');
    } finally {
      rmSync(`/dev/shm/${name}`, { force: true });
    }
    await stop(pod);
  });

  it('reaps everything and writes final states on SIGTERM, leaving no process or mount behind', async () => {
    const pod = await startPod({
      pid: 'pod',
      containers: [
        { name: 'p1', args: ['sh', '-c', 'sleep 3600 & sleep 3600'] },
        { name: 'p2', args: SLEEP },
      ],
    });
    const m = pod.monitor();
    expect(m.pausePid).to.equal(pod.hs.pause!.pid);
    expect(m.pauseStartTime).to.equal(pod.hs.pause!.startTime);
    expect(m.startTime).to.equal(startTime(m.pid));
    // A background child in the container: gone too once the pod's PID namespace ends.
    const kids = await waitFor(() => {
      const ps = exec(pod, 'p1', ['sh', '-c', 'ps -o pid,args | grep -c "sleep 3600"']).stdout.trim();
      return Number(ps) >= 3 ? ps : undefined;
    }, 'background sleep');
    expect(Number(kids)).to.be.at.least(3);
    const pids = [m.pid, m.pausePid, pod.hs.started.get('p1')!.pid, pod.hs.started.get('p2')!.pid];
    await stop(pod);
    for (const p of pids) expect(alive(p), `pid ${p}`).to.equal(false);
    for (const n of ['p1', 'p2']) expect(pod.state(n)).to.include({ exitCode: 143, reason: 'Error' }); // the stop signal
    expect(readFileSync(join(pod.dir, 'monitor.log'), 'utf8')).to.match(/stopped\n$/);
    expect(mountPoints().filter((x) => x.startsWith(base))).to.deep.equal([]);
  });
});
