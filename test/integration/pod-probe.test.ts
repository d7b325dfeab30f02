// Issue 9: the monitor runs probes and lifecycle hooks (addon/src/probe.c, docs/supervision.md
// "Probes and hooks"). Real pods, busybox: exec probes in the container (passing, failing, timing
// out, their output in Unhealthy), readiness toggling READY, startup gating liveness, liveness
// restarting, tcpSocket and httpGet against servers in the pod (busybox httpd and nc), postStart
// exec and sleep, a failing postStart, preStop before the stop signal. The dev back-off keeps
// restarts short.
import { expect } from 'chai';
import { spawn, spawnSync } from 'child_process';
import { createConnection } from 'net';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { release, tmpdir } from 'os';
import { join } from 'path';
import { haveBusybox } from '../helpers/busybox';
import { isRoot, podrun, PODRUN } from '../helpers/cli';
import { haveCompiler, staticProgram } from '../helpers/static-c';
import { RUNTIME_DEFAULT_PROFILE } from '../../src/plan/seccomp-default';
import { deletePodsAndCheckLeaks, podFiles, podManifest, PodSuite, setUpSuite, sleep, waitFor, writeManifest } from './pod-helpers';

describe('probes and hooks (integration)', function () {
  this.timeout(180_000);
  let s: PodSuite | undefined;
  const pods = ['ready', 'live', 'slow', 'gate', 'tcp', 'http', 'redir', 'hdr', 'post', 'postfail', 'hookhttp', 'prestop', 'userns', 'predel', 'grpc', 'https', 'server', 'fallback', 'prekill', 'thief', 'secret'];

  before(function () {
    if (!isRoot() || !haveBusybox()) this.skip();
    s = setUpSuite('podrun-probe-');
  });
  after(() => deletePodsAndCheckLeaks(s, [], pods));

  const apply = (name: string, spec: Record<string, unknown>, backoff = '200ms-1s') => {
    const file = writeManifest(s!.root, `${name}.yaml`, podManifest(name, spec, { annotations: { 'podrun.dev/restart-backoff': backoff } }));
    const r = s!.run(['apply', '-f', file]);
    expect(r.code, r.stderr).to.equal(0);
  };
  const { dir, state, events, event } = podFiles(() => s!.root);
  const exec = (name: string, cmd: string) => {
    const r = s!.run(['exec', name, '--', 'sh', '-c', cmd]);
    expect(r.code, r.stderr).to.equal(0);
    return r.stdout;
  };
  const readyColumn = (name: string) => (s!.run(['get', 'pods']).stdout.split('\n').find((l) => l.startsWith(`${name} `)) ?? '').split(/\s+/)[1];
  const probe = (handler: Record<string, unknown>, more: Record<string, unknown> = {}) => ({ periodSeconds: 1, timeoutSeconds: 1, ...handler, ...more });
  const serve = 'mkdir -p /www && echo ok > /www/healthz && httpd -f -p 8080 -h /www';

  it('exec readiness toggles ready, READY and the conditions; a failure records Unhealthy with the output', () => {
    apply('ready', { containers: [{ name: 'app', command: ['sleep', '3600'], readinessProbe: probe({ exec: { command: ['sh', '-c', 'test -e /tmp/ready || { echo not-yet; exit 1; }'] } }) }] });
    waitFor(() => event('ready', 'Unhealthy', /^Readiness probe failed: not-yet/), 30_000, 'Unhealthy with the output');
    expect(state('ready').ready).to.equal(false);
    expect(readyColumn('ready')).to.equal('0/1');
    exec('ready', 'touch /tmp/ready');
    waitFor(() => state('ready').ready, 30_000, 'ready');
    expect(readyColumn('ready')).to.equal('1/1');
    const st = JSON.parse(s!.run(['get', 'pod', 'ready', '-o', 'json']).stdout).status;
    expect(st.conditions.find((c: any) => c.type === 'Ready').status).to.equal('True');
    expect(st.conditions.find((c: any) => c.type === 'ContainersReady').status).to.equal('True');
    expect(st.containerStatuses[0].ready).to.equal(true);
    const d = s!.run(['describe', 'pod', 'ready']);
    expect(d.stdout).to.match(/Readiness probe failed: not-yet/);
    exec('ready', 'rm /tmp/ready');
    waitFor(() => !state('ready').ready, 30_000, 'unready again');
    expect(readyColumn('ready')).to.equal('0/1');
    expect(state('ready').restartCount).to.equal(0); // readiness never kills
  });

  it('exec liveness failure restarts the container with Killing and Unhealthy', () => {
    apply('live', { containers: [{ name: 'app', command: ['sleep', '3600'], livenessProbe: probe({ exec: { command: ['sh', '-c', 'echo sick >&2; exit 1'] } }, { failureThreshold: 2 }) }] });
    waitFor(() => state('live').restartCount >= 1, 60_000, 'a liveness restart');
    expect(event('live', 'Unhealthy').message).to.equal('Liveness probe failed: sick\n');
    expect(event('live', 'Killing', /failed liveness probe/).message).to.equal('Container app failed liveness probe, will be restarted');
    expect(state('live').lastState).to.include({ exitCode: 137 });
  });

  it('an exec probe runs as the container: its user, its user namespace (hostUsers: false), its root, no more capabilities', () => {
    // Passes only as uid 1000 in a user namespace that is not the host's, seeing the container's
    // own files, with an empty effective capability set.
    const check = '[ "$(id -u)" = 1000 ] && ! grep -qE "^ +0 +0 " /proc/self/uid_map && [ -e /www ] && grep -q "^CapEff:\\s*0*$" /proc/self/status';
    apply('userns', { hostUsers: false, containers: [{ name: 'app', command: ['sleep', '3600'], securityContext: { runAsUser: 1000, runAsGroup: 1000 }, readinessProbe: probe({ exec: { command: ['sh', '-c', check] } }) }] });
    waitFor(() => state('userns').ready, 30_000, 'ready as the container');
    expect(event('userns', 'Unhealthy')).to.equal(undefined);
  });

  // The probe servers (exec.h podrun_exec_serve) among the monitor's children: comm podrun-probes.
  const servers = (name: string): number[] => {
    const mon = JSON.parse(readFileSync(join(dir(name), 'monitor.json'), 'utf8')).pid;
    return readFileSync(`/proc/${mon}/task/${mon}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number)
      .filter((p) => {
        try {
          return readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'podrun-probes';
        } catch {
          return false;
        }
      });
  };

  it("exec probes run from one probe server per container instance: what `podrun exec` sees, a new server for the restarted container's new root", () => {
    // The instance's id in its writable layer, its identity, filter, capabilities and cgroups.
    const report = 'echo "$(cat /tmp/instance) uid=$(id -u) $(grep -E "^(Seccomp|CapEff):" /proc/self/status | tr -s "\\t\\n" "  ")$(tr "\\n" " " < /proc/self/cgroup)"';
    apply('server', { containers: [{ name: 'app', command: ['sh', '-c', 'cat /proc/sys/kernel/random/uuid > /tmp/instance; exec sleep 3600'], readinessProbe: probe({ exec: { command: ['sh', '-c', `${report}; exit 1`] } }) }] });
    const first = waitFor(() => event('server', 'Unhealthy'), 30_000, 'a failed run').message as string;
    expect(first).to.equal(`Readiness probe failed: ${exec('server', report)}`);
    expect(first, first).to.match(/^Readiness probe failed: [0-9a-f-]{36} uid=0 CapEff: [0-9a-f]{16} Seccomp: 2 .*\n$/);
    const before = servers('server');
    expect(before, 'one server').to.have.length(1);
    // The container's process killed: its restart has a new root, whose runs a new server makes.
    process.kill(state('server').pid, 'SIGKILL');
    const second = waitFor(() => events('server').find((e) => e.reason === 'Unhealthy' && e.message !== first), 30_000, 'a run in the new instance').message as string;
    expect(state('server').restartCount).to.equal(1);
    expect(second).to.equal(`Readiness probe failed: ${exec('server', report)}`);
    waitFor(() => servers('server').length === 1 && servers('server')[0] !== before[0], 10_000, 'the new server alone');
    expect(existsSync(`/proc/${before[0]}`) && readFileSync(`/proc/${before[0]}/comm`, 'utf8').trim() === 'podrun-probes', 'the old server gone').to.equal(false);
  });

  it("a probe server's command line does not carry the container's environment (every host user reads /proc/PID/cmdline), its commands still get it", () => {
    const secret = `s3cret-${process.pid}-${Date.now()}`;
    apply('secret', { containers: [{ name: 'app', command: ['sleep', '3600'], env: [{ name: 'TOKEN', value: secret }], readinessProbe: probe({ exec: { command: ['sh', '-c', 'echo "$TOKEN $PATH"; exit 1'] } }) }] });
    const ev = waitFor(() => event('secret', 'Unhealthy'), 30_000, 'a failed run');
    expect(ev.message).to.equal(`Readiness probe failed: ${secret} /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n`);
    const [server] = servers('secret');
    expect(server, 'its probe server').to.be.a('number');
    expect(readFileSync(`/proc/${server}/cmdline`, 'utf8')).to.not.include(secret);
    // nor any other process's: before, the server's, for as long as the container ran
    const holders = readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(secret);
        } catch {
          return false;
        }
      });
    expect(holders).to.deep.equal([]);
  });

  it('a container whose seccomp profile stops its probe server (signalfd refused) has its exec probes run by `podrun-helper exec`', () => {
    // The default profile without signalfd: the server, confined, cannot make its loop's; the
    // container's start, the helper (unconfined until its intermediate) and the command never call it.
    const noPoll = { ...RUNTIME_DEFAULT_PROFILE, syscalls: RUNTIME_DEFAULT_PROFILE.syscalls.map((r: any) => ({ ...r, names: r.names.filter((n: string) => !/^signalfd/.test(n)) })).filter((r: any) => r.names.length) };
    mkdirSync(join(s!.root, 'seccomp'), { recursive: true });
    writeFileSync(join(s!.root, 'seccomp', 'no-signalfd.json'), JSON.stringify(noPoll));
    apply('fallback', { containers: [{ name: 'app', command: ['sleep', '3600'], securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: 'no-signalfd.json' } }, readinessProbe: probe({ exec: { command: ['sh', '-c', 'echo ran'] } }) }] });
    waitFor(() => state('fallback').ready, 30_000, 'ready through the helper');
    expect(event('fallback', 'Unhealthy')).to.equal(undefined);
    expect(servers('fallback')).to.deep.equal([]);
  });

  it("a container that may ptrace takes its probe server's socket from a command before its execve, and still cannot hold or fool the monitor (a lingering TCP socket sent in held the pod's loop)", async function () {
    // SO_PASSRIGHTS (Linux 6.16) is what refuses the fd: podrun_drop_fd cannot reach one nested in a Unix socket.
    const [major, minor] = release().split('.').map(Number);
    if (!haveCompiler() || major < 6 || (major === 6 && minor < 16)) this.skip();
    const tools = mkdtempSync(join(tmpdir(), 'podrun-thief-'));
    try {
      copyFileSync(staticProgram('serve-thief'), join(tools, 'serve-thief'));
      // A PATH of 3000 missing directories: each command of the server searches it between its
      // clone and its execve, long enough for the thief to find it named podrun-probes.
      const path = `${Array.from({ length: 3000 }, (_, i) => `/nx/d${i}`).join(':')}:/bin`;
      apply('thief', {
        volumes: [{ name: 't', hostPath: { path: tools, type: 'Directory' } }],
        containers: [
          {
            name: 'app',
            command: ['sleep', '3600'],
            env: [{ name: 'PATH', value: path }],
            securityContext: { capabilities: { add: ['SYS_PTRACE'] } },
            volumeMounts: [{ name: 't', mountPath: '/t', readOnly: true }],
            readinessProbe: probe({ exec: { command: ['sh', '-c', 'exit 1'] } }),
          },
        ],
      });
      waitFor(() => servers('thief').length === 1, 30_000, 'its probe server');
      const runs = () => event('thief', 'Unhealthy')?.count ?? 0;
      const thief = spawn(PODRUN, ['exec', 'thief', '--', '/t/serve-thief', 'hunt', '8'], { env: { ...process.env, PODRUN_ROOT: s!.root } });
      let out = '';
      thief.stdout.on('data', (b: Buffer) => (out += b.toString()));
      const done = new Promise<number>((res) => thief.on('exit', (code) => res(code ?? -1)));
      // While the thief holds its listener (until it exits), the monitor goes on running the probe.
      await sleep(4000);
      const before = runs();
      await sleep(3000);
      const after = runs();
      expect(await done, out).to.equal(0);
      expect(out, out).to.match(/^watching\n(stole \d+\n(refused EPERM|setup failed .*)\n)*seen [1-9]\d*\n$/);
      expect(after, `runs while the thief held on: ${before} -> ${after}\n${out}`).to.be.at.least(before + 2);
      // What another process sends on the server's socket (here root on the host, through its fd 3):
      // an fd refused, a message of the wrong size ignored (from the server it would end it as one).
      const [server] = servers('thief');
      const r = spawnSync(staticProgram('serve-thief'), ['send', String(server)], { encoding: 'utf8' });
      expect(r.stdout, r.stderr).to.equal('fd refused EPERM\nshort sent\n');
      const n = runs();
      waitFor(() => runs() >= n + 2, 10_000, 'two more runs');
      expect(servers('thief'), 'the same server, still serving').to.deep.equal([server]);
      expect(s!.run(['delete', 'pod', 'thief', '--now']).code).to.equal(0);
    } finally {
      rmSync(tools, { recursive: true, force: true });
    }
  });

  it('an exec probe past its timeout is killed (no process left) and fails with the timeout message', () => {
    apply('slow', { containers: [{ name: 'app', command: ['sleep', '3600'], readinessProbe: probe({ exec: { command: ['sleep', '7'] } }, { periodSeconds: 3 }) }] });
    const ev = waitFor(() => event('slow', 'Unhealthy'), 30_000, 'a timed-out run');
    expect(ev.message).to.equal('Readiness probe failed: command timed out: "sleep 7" timed out after 1s');
    // The command was SIGKILLed: no `sleep 7` lives 2 s after its timeout.
    const sleeper = () =>
      readdirSync('/proc')
        .filter((p) => /^\d+$/.test(p))
        .some((p) => {
          try {
            return readFileSync(`/proc/${p}/cmdline`, 'utf8') === 'sleep\u00007\u0000';
          } catch {
            return false;
          }
        });
    const t0 = Date.now();
    waitFor(() => Date.now() - t0 > 1500, 5000, 'a moment');
    // A new run may have started meanwhile (period 3 s): wait for a moment without one.
    waitFor(() => !sleeper(), 10_000, 'the timed-out command gone');
    // The monitor reaped its helpers: none of its children is a zombie.
    const mon = JSON.parse(readFileSync(join(dir('slow'), 'monitor.json'), 'utf8')).pid;
    const kids = readFileSync(`/proc/${mon}/task/${mon}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    for (const k of kids) expect(readFileSync(`/proc/${k}/stat`, 'utf8').split(') ')[1][0], `child ${k}`).to.not.equal('Z');
  });

  it('startup gates liveness: no liveness run until the startup probe passes, then liveness kills', () => {
    apply('gate', {
      containers: [
        {
          name: 'app',
          command: ['sleep', '3600'],
          startupProbe: probe({ exec: { command: ['test', '-e', '/tmp/up'] } }, { failureThreshold: 1000 }),
          livenessProbe: probe({ exec: { command: ['sh', '-c', 'echo dead; exit 1'] } }, { failureThreshold: 1 }),
        },
      ],
    });
    waitFor(() => event('gate', 'Unhealthy', /^Startup probe failed/), 30_000, 'startup failing');
    const t0 = Date.now();
    waitFor(() => Date.now() - t0 > 3000, 5000, '3 s');
    expect(state('gate').started).to.equal(false);
    expect(state('gate').restartCount).to.equal(0);
    expect(event('gate', 'Unhealthy', /^Liveness/)).to.equal(undefined);
    exec('gate', 'touch /tmp/up');
    waitFor(() => event('gate', 'Unhealthy', /^Liveness probe failed: dead/), 30_000, 'liveness runs once started');
    waitFor(() => state('gate').restartCount >= 1, 30_000, 'liveness restart');
  });

  it('tcpSocket: passes once a listener is up, fails on a closed port with the dial error', () => {
    apply('tcp', {
      containers: [
        {
          name: 'app',
          command: ['sh', '-c', `sleep 2; ${serve}`],
          readinessProbe: probe({ tcpSocket: { port: 8080 } }),
          livenessProbe: probe({ tcpSocket: { port: 'web' } }, { initialDelaySeconds: 4, failureThreshold: 100 }),
          ports: [{ name: 'web', containerPort: 8080 }],
        },
        { name: 'closed', command: ['sleep', '3600'], readinessProbe: probe({ tcpSocket: { port: 8081 } }) },
      ],
    });
    waitFor(() => event('tcp', 'Unhealthy', /^Readiness probe failed: dial tcp 127\.0\.0\.1:8081: connect: connection refused$/), 30_000, 'refused');
    waitFor(() => state('tcp').ready, 30_000, 'app ready over tcp');
    expect(state('tcp', 'closed').ready).to.equal(false);
    expect(readyColumn('tcp')).to.equal('1/2');
    expect(state('tcp').restartCount).to.equal(0);
  });

  it('httpGet: 200 passes, 404 fails with the status code and restarts on liveness', () => {
    apply('http', {
      containers: [
        {
          name: 'app',
          command: ['sh', '-c', serve],
          readinessProbe: probe({ httpGet: { path: '/healthz', port: 8080 } }),
          livenessProbe: probe({ httpGet: { path: '/missing', port: 8080 } }, { initialDelaySeconds: 1, failureThreshold: 2 }),
        },
      ],
    });
    waitFor(() => event('http', 'Unhealthy', /^Liveness probe failed: HTTP probe failed with statuscode: 404$/), 30_000, '404');
    waitFor(() => state('http').restartCount >= 1, 30_000, 'liveness restart');
    waitFor(() => state('http').ready, 30_000, 'ready on 200');
  });

  it('httpGet follows a same-host redirect (httpd: /sub -> /sub/) and passes without a warning', () => {
    apply('redir', { containers: [{ name: 'app', command: ['sh', '-c', 'mkdir -p /www/sub && echo ok > /www/sub/index.html && httpd -f -vv -p 8080 -h /www'], readinessProbe: probe({ httpGet: { path: '/sub', port: 8080 } }) }] });
    waitFor(() => state('redir').ready, 30_000, 'ready through the redirect');
    expect(event('redir', 'ProbeWarning')).to.equal(undefined);
    // httpd's log: the probe asked for /sub, got the 302 and asked for /sub/
    const log = readFileSync(join(dir('redir'), 'logs', 'app', '0.log'), 'utf8');
    expect(log).to.match(/url:\/sub\n[^]*response:302\n[^]*url:\/sub\/\n[^]*response:200/);
  });

  it('httpGet sends the kubelet headers and httpHeaders; an unfollowed redirect is a ProbeWarning with the body', () => {
    // nc answers each request once, saving it; the answer redirects to another host.
    const reply = 'HTTP/1.0 302 Found\\r\\nLocation: http://10.9.9.9/x\\r\\nContent-Length: 5\\r\\n\\r\\nmoved';
    apply('hdr', {
      containers: [
        {
          name: 'app',
          command: ['sh', '-c', `while true; do printf '${reply}' | nc -l -p 9090 > /tmp/req.new; mv /tmp/req.new /tmp/req; done`],
          readinessProbe: probe({ httpGet: { path: '/p?q=1', port: 9090, httpHeaders: [{ name: 'x-custom', value: 'v1' }] } }),
        },
      ],
    });
    waitFor(() => event('hdr', 'ProbeWarning'), 30_000, 'ProbeWarning');
    expect(event('hdr', 'ProbeWarning').message).to.equal('Readiness probe warning: Probe terminated redirects, Response body: moved');
    waitFor(() => state('hdr').ready, 30_000, 'a warning is a success');
    const req = exec('hdr', 'cat /tmp/req');
    expect(req).to.match(/^GET \/p\?q=1 HTTP\/1\.1\r\n/);
    expect(req).to.contain('Host: 127.0.0.1:9090\r\n');
    expect(req).to.contain('User-Agent: kube-probe/1.36\r\n');
    expect(req).to.contain('Accept: */*\r\n');
    expect(req).to.contain('X-Custom: v1\r\n');
    expect(req).to.contain('Connection: close\r\n');
  });

  /**
   * A Node server in the pod's own network namespace (nsenter into its pause's), listening on the
   * pod's loopback, where probes go (the pod IP is 127.0.0.1): nothing of it is on the host's
   * network. Resolves once it says `listening`; the caller kills it by pid.
   */
  const serveInPod = async (name: string, script: string, args: string[]) => {
    const pause = JSON.parse(readFileSync(join(dir(name), 'monitor.json'), 'utf8')).pausePid;
    const server = spawn('nsenter', [`--net=/proc/${pause}/ns/net`, '--', process.execPath, join(__dirname, '..', '..', '..', 'test', 'fixtures', script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      server.stdout!.on('data', (d) => String(d).includes('listening') && resolve());
      server.on('exit', () => reject(new Error(`${script} exited`)));
    });
    return server;
  };

  it("grpc: grpc.health.v1.Health/Check over h2c; SERVING passes, NOT_SERVING and Unimplemented fail in the kubelet's words", async () => {
    const dirs = mkdtempSync('/tmp/podrun-probe-grpc-');
    const stateFile = join(dirs, 'state');
    writeFileSync(stateFile, 'SERVING\n');
    let server: ReturnType<typeof spawn> | undefined;
    try {
      apply('grpc', { containers: [{ name: 'app', command: ['sleep', '3600'], readinessProbe: probe({ grpc: { port: 9090, service: 'web' } }) }] });
      waitFor(() => existsSync(join(dir('grpc'), 'monitor.json')) && JSON.parse(readFileSync(join(dir('grpc'), 'monitor.json'), 'utf8')).pausePid, 20_000, 'the pause');
      server = await serveInPod('grpc', join('grpc', 'health-server.js'), ['9090', stateFile, '127.0.0.1']);
      waitFor(() => state('grpc').ready, 30_000, 'ready on SERVING');
      expect(readFileSync(`${stateFile}.calls`, 'utf8').split('\n')[0]).to.equal('/grpc.health.v1.Health/Check web');
      writeFileSync(stateFile, 'NOT_SERVING\n');
      waitFor(() => !state('grpc').ready, 30_000, 'unready on NOT_SERVING');
      expect(event('grpc', 'Unhealthy', /NOT_SERVING/).message).to.equal('Readiness probe failed: service unhealthy (responded with "NOT_SERVING")');
      writeFileSync(stateFile, 'UNIMPLEMENTED\n');
      waitFor(() => event('grpc', 'Unhealthy', /does not implement/), 30_000, 'Unimplemented');
      expect(event('grpc', 'Unhealthy', /does not implement/).message).to.match(/^Readiness probe failed: error: this server does not implement the grpc health protocol \(grpc\.health\.v1\.Health\)/);
      writeFileSync(stateFile, 'SERVING\n');
      waitFor(() => state('grpc').ready, 30_000, 'ready again');
    } finally {
      server?.kill('SIGTERM');
      if (existsSync(dirs)) rmSync(dirs, { recursive: true, force: true });
    }
  });

  it('httpGet HTTPS: TLS without certificate checks (self-signed, for another name), 200-399 passes, 500 fails; plain HTTP on the port fails as Go says it', async () => {
    const dirs = mkdtempSync('/tmp/podrun-probe-https-');
    const stateFile = join(dirs, 'state');
    writeFileSync(stateFile, '200\n');
    const cert = join(dirs, 'cert.pem');
    const key = join(dirs, 'key.pem');
    // self-signed, for another name (and expired where openssl can say so): the kubelet
    // (InsecureSkipVerify) takes it, and so does podrun; test/unit/tls-client.test.ts has the rest
    const ossl = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=not-this-host.example', '-not_after', '20200101000000Z'], { encoding: 'utf8' });
    if (ossl.status !== 0) {
      // openssl < 3.2 has no -not_after: a cert valid for a day is as unverifiable here (another name, self-signed)
      const again = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=not-this-host.example'], { encoding: 'utf8' });
      expect(again.status, again.stderr).to.equal(0);
    }
    let server: ReturnType<typeof spawn> | undefined;
    try {
      apply('https', {
        containers: [
          { name: 'app', command: ['sleep', '3600'], readinessProbe: probe({ httpGet: { scheme: 'HTTPS', port: 8443, path: '/ready' } }) },
          // busybox httpd answers in plain HTTP on the port an HTTPS probe dials
          { name: 'plain', command: ['sh', '-c', serve.replace('8080', '8444')], readinessProbe: probe({ httpGet: { scheme: 'HTTPS', port: 8444, path: '/healthz' } }) },
        ],
      });
      waitFor(() => existsSync(join(dir('https'), 'monitor.json')) && JSON.parse(readFileSync(join(dir('https'), 'monitor.json'), 'utf8')).pausePid, 20_000, 'the pause');
      server = await serveInPod('https', 'https-server.js', ['8443', cert, key, stateFile]);
      waitFor(() => state('https').ready, 30_000, 'ready over HTTPS');
      // no SNI for an address, the kubelet's user agent
      expect(readFileSync(`${stateFile}.calls`, 'utf8').split('\n')[0]).to.equal('GET /ready sni=- ua=kube-probe/1.36');
      writeFileSync(stateFile, '500\n');
      waitFor(() => !state('https').ready, 30_000, 'unready on 500');
      expect(event('https', 'Unhealthy', /statuscode: 500/).message).to.equal('Readiness probe failed: HTTP probe failed with statuscode: 500');
      waitFor(() => event('https', 'Unhealthy', /HTTP response to HTTPS client/), 30_000, 'the plain HTTP server refused');
      expect(event('https', 'Unhealthy', /HTTP response to HTTPS client/).message).to.equal('Readiness probe failed: Get "https://127.0.0.1:8444/healthz": http: server gave HTTP response to HTTPS client');
      expect(state('https', 'plain').ready).to.equal(false);
    } finally {
      server?.kill('SIGTERM');
      if (existsSync(dirs)) rmSync(dirs, { recursive: true, force: true });
    }
  });

  it('postStart exec runs in the container and sleep holds the container from running until it returns', () => {
    const t0 = Date.now();
    apply('post', {
      terminationGracePeriodSeconds: 5,
      containers: [
        { name: 'app', command: ['sleep', '3600'], lifecycle: { postStart: { exec: { command: ['sh', '-c', 'echo hooked > /tmp/hook'] } } } },
        { name: 'late', command: ['sleep', '3600'], lifecycle: { postStart: { sleep: { seconds: 2 } } } },
      ],
    });
    waitFor(() => state('post').state === 'running', 30_000, 'app running');
    expect(exec('post', 'cat /tmp/hook')).to.equal('hooked\n');
    const late = waitFor(() => { const x = state('post', 'late'); return x.state === 'running' ? x : undefined; }, 30_000, 'late running');
    expect(Date.now() - t0).to.be.at.least(2000);
    expect(late.restartCount).to.equal(0);
    expect(event('post', 'FailedPostStartHook')).to.equal(undefined);
  });

  it('a failing postStart kills the container: FailedPostStartHook, Killing, a restart', () => {
    apply('postfail', { containers: [{ name: 'app', command: ['sleep', '3600'], lifecycle: { postStart: { exec: { command: ['sh', '-c', 'echo hook-out; exit 3'] } } } }] }, '2s-2s');
    waitFor(() => event('postfail', 'FailedPostStartHook'), 30_000, 'FailedPostStartHook');
    expect(event('postfail', 'FailedPostStartHook').message).to.equal('PostStartHook failed');
    expect(event('postfail', 'Killing', /^FailedPostStartHook$/)).to.not.equal(undefined);
    waitFor(() => state('postfail').restartCount >= 1, 30_000, 'restarted');
    // While it waits to be restarted: PostStartHookError with the kubelet's message.
    const w = waitFor(() => { const c = JSON.parse(s!.run(['get', 'pod', 'postfail', '-o', 'json']).stdout).status.containerStatuses[0]; return c.state.waiting?.reason === 'PostStartHookError' ? c.state.waiting : undefined; }, 30_000, 'PostStartHookError');
    expect(w.message).to.match(/^Exec lifecycle hook \(\[sh -c echo hook-out; exit 3\]\) for Container "app" in Pod "postfail_default\([^)]+\)" failed - error: command 'sh -c echo hook-out; exit 3' exited with 3: hook-out$/);
  });

  it('a postStart httpGet fails only on a transport error; a tcpSocket hook fails as the kubelet fails it', () => {
    apply('hookhttp', {
      terminationGracePeriodSeconds: 2,
      containers: [
        { name: 'app', command: ['sleep', '3600'], lifecycle: { postStart: { httpGet: { path: '/', port: 8099 } } } },
        { name: 'tcp', command: ['sleep', '3600'], lifecycle: { postStart: { tcpSocket: { port: 8099 } } } },
        // web's postStart holds the next container's start until httpd has had a second
        { name: 'web', command: ['sh', '-c', serve], lifecycle: { postStart: { sleep: { seconds: 1 } } } },
        // a 404 is no failure of a hook: any answer will do
        { name: 'ok', command: ['sleep', '3600'], lifecycle: { postStart: { httpGet: { path: '/missing', port: 8080 } } } },
      ],
    });
    waitFor(() => events('hookhttp').filter((e) => e.reason === 'FailedPostStartHook').map((e) => e.container).sort().join() === 'app,tcp', 30_000, 'both fail');
    waitFor(() => state('hookhttp', 'app').restartCount >= 1 && state('hookhttp', 'tcp').restartCount >= 1, 30_000, 'both restarted');
    const ok = waitFor(() => { const x = state('hookhttp', 'ok'); return x.state === 'running' ? x : undefined; }, 30_000, 'ok running');
    expect(ok.restartCount).to.equal(0);
    expect(events('hookhttp').filter((e) => e.reason === 'FailedPostStartHook' && (e.container === 'ok' || e.container === 'web'))).to.deep.equal([]);
  });

  it('delete runs preStop before the stop signal (through the monitor)', () => {
    // A host directory outlives the pod: the hook and the signal handler append to one file.
    const mark = mkdtempSync('/tmp/podrun-probe-mark-');
    try {
      apply('predel', {
        terminationGracePeriodSeconds: 10,
        volumes: [{ name: 'mark', hostPath: { path: mark, type: 'Directory' } }],
        containers: [
          {
            name: 'app',
            command: ['sh', '-c', 'trap "echo term >> /mark/log; exit 0" TERM; while true; do sleep 0.1; done'],
            volumeMounts: [{ name: 'mark', mountPath: '/mark' }],
            lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo pre-stop >> /mark/log; sleep 1'] } } },
          },
        ],
      });
      waitFor(() => state('predel').state === 'running', 30_000, 'running');
      const d = s!.run(['delete', 'pod', 'predel']);
      expect(d.code, d.stderr).to.equal(0);
      expect(readFileSync(join(mark, 'log'), 'utf8')).to.equal('pre-stop\nterm\n');
    } finally {
      rmSync(mark, { recursive: true, force: true });
    }
  });

  it('delete --grace-period 0 asks the monitor to kill: no preStop, SIGKILL at once, by the monitor', () => {
    const mark = mkdtempSync('/tmp/podrun-probe-mark-');
    try {
      apply('prekill', {
        terminationGracePeriodSeconds: 30,
        volumes: [{ name: 'mark', hostPath: { path: mark, type: 'Directory' } }],
        containers: [
          {
            name: 'app',
            command: ['sh', '-c', 'trap "echo term >> /mark/log; exit 0" TERM; while true; do sleep 0.1; done'],
            volumeMounts: [{ name: 'mark', mountPath: '/mark' }],
            lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo pre-stop >> /mark/log; sleep 20'] } } },
          },
        ],
      });
      waitFor(() => state('prekill').state === 'running', 30_000, 'running');
      const d = podrun(s!.root, ['delete', 'pod', 'prekill', '--grace-period', '0'], { env: { PODRUN_LOG_LEVEL: 'debug' } });
      expect(d.code, d.stderr).to.equal(0);
      expect(d.stderr, 'the monitor said ok stopped').to.not.match(/stop through the monitor/);
      expect(existsSync(join(mark, 'log')), 'neither the preStop nor the TERM trap ran').to.equal(false);
    } finally {
      rmSync(mark, { recursive: true, force: true });
    }
  });

  it('preStop runs before the stop signal (control socket stop)', async () => {
    apply('prestop', {
      terminationGracePeriodSeconds: 10,
      containers: [
        {
          name: 'app',
          command: ['sh', '-c', 'trap "echo got-term; exit 0" TERM; echo up; while true; do sleep 0.1; done'],
          lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo pre-stop > /proc/1/fd/1; sleep 1'] } } },
        },
      ],
    });
    waitFor(() => state('prestop').state === 'running', 30_000, 'running');
    const reply = await new Promise<string>((resolve, reject) => {
      const c = createConnection(join(dir('prestop'), 'control.sock'));
      let got = '';
      c.on('data', (d) => (got += d));
      c.on('error', reject);
      c.on('close', () => resolve(got));
      c.write('podrun-control 1\nstop -\n');
    });
    expect(reply).to.contain('ok stopped');
    const log = readFileSync(join(dir('prestop'), 'logs', 'app', '0.log'), 'utf8');
    const lines = log.split('\n').map((l) => l.split(' ').slice(3).join(' '));
    expect(lines.filter((l) => l === 'pre-stop' || l === 'got-term')).to.deep.equal(['pre-stop', 'got-term']);
    expect(state('prestop')).to.include({ state: 'terminated', exitCode: 0 });
  });
});
