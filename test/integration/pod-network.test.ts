// Pod networking (issue 12) with real pods on podrun's default CNI network, every one of them in
// a network sandbox this suite made (test/helpers/net-sandbox.ts): pod IPs in status, env,
// /etc/hosts and on eth0; pod-to-pod traffic; egress masqueraded to a sandbox "outside" host;
// hostPort from the sandbox host and from another pod, and a hostPort taken by a pod or a host
// process refused before anything starts; port-forward; --network and the conflist folder; the
// subnet check; a hostNetwork pod alongside; and nothing left after delete, after SIGKILL of
// everything, and after 50 apply/delete cycles.
import { expect } from 'chai';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { isRoot } from '../helpers/cli';
import { OUTSIDE_IP, SANDBOX_HOST_IP, sandboxLeftovers, type NetSandbox } from '../helpers/net-sandbox';
import { closeNetworkSuite, openNetworkSuite, podManifest, writeManifest, sleep, until, waitFor, type PodSuite } from './pod-helpers';

const HTTPD = (port: number, extra = '') => ({ name: 'app', command: ['sh', '-c', `${extra}exec httpd -f -p ${port} -h /etc`], ports: [{ containerPort: port }] });

describe('pod networking (CNI, in a network sandbox)', function () {
  this.timeout(180_000);
  let s: PodSuite;
  let sb: NetSandbox;
  let dir = '';
  const run = (...args: string[]) => sb.podrun(s.root, args);
  const write = (file: string, text: string) => writeManifest(dir, file, text);
  const apply = (file: string, ...extra: string[]) => {
    const r = run('apply', '-f', file, ...extra);
    expect(r.code, r.stderr).to.equal(0);
    return r;
  };
  const pod = (name: string) => JSON.parse(run('get', 'pod', name, '-o', 'json').stdout);
  const exec = (name: string, ...cmd: string[]) => run('exec', name, '--', ...cmd);
  const networkRun = () => join(s.root, 'run', 'network');
  const attachments = () => {
    const ls = (d: string) => (existsSync(d) ? readdirSync(d).filter((n) => !n.startsWith('.')) : []);
    return { cache: ls(join(networkRun(), 'cache', 'results')), pins: ls(join(networkRun(), 'netns')), leases: ls(join(networkRun(), 'ipam', 'podrun')).filter((n) => /^\d/.test(n)) };
  };
  const expectClean = () => {
    expect(attachments()).to.deep.equal({ cache: [], pins: [], leases: [] });
    expect(sandboxLeftovers(sb)).to.deep.equal({ veths: [], rules: [] });
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).to.not.include(join(networkRun(), 'netns'));
  };

  before(function () {
    if (!isRoot() || !existsSync('/usr/lib/cni/bridge')) this.skip();
    ({ s, sb, dir } = openNetworkSuite('podrun-net-'));
  });
  after(() => closeNetworkSuite(s, sb));

  it('gives a pod an address on the podrun0 bridge: status, env, args, /etc/hosts, eth0, get -o wide and describe agree', () => {
    const f = write(
      'web.yaml',
      podManifest('web', {
        containers: [{ ...HTTPD(8080, 'echo "env=$POD_IP ips=$POD_IPS arg=$0" > /tmp/seen; '), args: ['$(POD_IP)'], env: [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }, { name: 'POD_IPS', valueFrom: { fieldRef: { fieldPath: 'status.podIPs' } } }, { name: 'HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } }] }],
      }),
    );
    apply(f);
    const j = pod('web');
    const ip = j.status.podIP as string;
    expect(ip).to.match(/^10\.87\.\d+\.\d+$/);
    expect(j.status.podIPs).to.deep.equal([{ ip }]);
    expect(j.status.hostIP).to.equal(SANDBOX_HOST_IP);
    waitFor(() => exec('web', 'cat', '/tmp/seen').code === 0, 20_000, 'the container to start');
    expect(exec('web', 'cat', '/tmp/seen').stdout).to.equal(`env=${ip} ips=${ip} arg=${ip}\n`);
    expect(exec('web', 'cat', '/etc/hosts').stdout).to.include(`${ip}\tweb\n`);
    expect(exec('web', 'ip', '-4', '-o', 'addr', 'show', 'eth0').stdout).to.include(`inet ${ip}/16`);
    expect(exec('web', 'sh', '-c', 'echo $HOST_IP').stdout).to.equal(`${SANDBOX_HOST_IP}\n`);
    expect(run('get', 'pods', '-o', 'wide').stdout).to.match(new RegExp(`web\\s+1/1\\s+Running\\s+0\\s+\\S+\\s+${ip.replace(/\./g, '\\.')}`));
    expect(run('describe', 'pod', 'web').stdout).to.include(`IP:               ${ip}\nIPs:\n  IP:           ${ip}\n`);
    // The monitor's probes and the sandbox host reach it at its address, as the kubelet would.
    expect(sb.run(['curl', '-s', '-m', '5', `http://${ip}:8080/hostname`]).stdout).to.equal('web\n');
  });

  it('lets two pods reach each other by pod IP, and masquerades a pod\'s traffic to the outside', async () => {
    apply(write('client.yaml', podManifest('client', { containers: [{ name: 'c', command: ['sleep', '3600'] }] })));
    const webIP = pod('web').status.podIP;
    const clientIP = pod('client').status.podIP;
    expect(clientIP).to.not.equal(webIP);
    expect(exec('client', 'wget', '-q', '-O', '-', `http://${webIP}:8080/hostname`).stdout).to.equal('web\n');
    // A server on the sandbox's "outside" host sees the sandbox host's address, not the pod's.
    const server = sb.spawn(['node', '-e', `require("http").createServer((q,r)=>r.end("from "+q.socket.remoteAddress)).listen(9000,"${OUTSIDE_IP}",()=>console.log("up"))`], { outside: true });
    try {
      await new Promise((r) => server.stdout!.once('data', r));
      const got = exec('client', 'wget', '-q', '-O', '-', `http://${OUTSIDE_IP}:9000/`);
      expect(got.stdout, got.stderr).to.equal(`from ${SANDBOX_HOST_IP}`);
    } finally {
      server.kill();
    }
    expect(sb.run(['iptables-save', '-t', 'nat']).stdout).to.match(new RegExp(`-A POSTROUTING -s ${clientIP.replace(/\./g, '\\.')}/32 .*-j CNI-`));
  });

  it('publishes a hostPort to the sandbox host (its address and 127.0.0.1) and to other pods; a taken hostPort is refused before anything starts', async () => {
    const ports = (name: string, hostPort: number) => podManifest(name, { containers: [{ ...HTTPD(8080), ports: [{ containerPort: 8080, hostPort }] }] });
    apply(write('hp.yaml', ports('hp', 18080)));
    for (const host of [SANDBOX_HOST_IP, '127.0.0.1'])
      expect(sb.run(['curl', '-s', '-m', '5', `http://${host}:18080/hostname`]).stdout, host).to.equal('hp\n');
    expect(exec('client', 'wget', '-q', '-O', '-', `http://${SANDBOX_HOST_IP}:18080/hostname`).stdout).to.equal('hp\n');

    let r = run('apply', '-f', write('hp2.yaml', ports('hp2', 18080)));
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include(`hp2.yaml:`);
    expect(r.stderr).to.include('spec.containers[0].ports[0].hostPort: hostPort 18080/TCP is taken by pod/hp');
    expect(run('get', 'pod', 'hp2').code).to.not.equal(0);

    const holder = sb.spawn(['python3', '-c', 'import socket,time; s=socket.socket(); s.bind(("127.0.0.1",18081)); s.listen(); print("up", flush=True); time.sleep(60)']);
    try {
      await new Promise((res) => holder.stdout!.once('data', res));
      r = run('apply', '-f', write('hp3.yaml', ports('hp3', 18081)));
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(new RegExp(`hostPort 18081/TCP is taken by process ${holder.pid} \\(python3\\) listening on 127\\.0\\.0\\.1:18081`));
      expect(run('get', 'pod', 'hp3').code).to.not.equal(0);
    } finally {
      holder.kill();
    }
    expect(run('delete', 'pod', 'hp').code).to.equal(0);
    expect(sb.run(['iptables-save', '-t', 'nat']).stdout).to.not.include('18080');
  });

  it('a hostIP written another way (::ffff:127.0.0.1, ::ffff:0.0.0.0) cannot take a port a host process or a pod holds (review 21)', async () => {
    const holder = sb.spawn(['python3', '-c', 'import socket,time; s=socket.socket(); s.bind(("127.0.0.1",18082)); s.listen(); print("up", flush=True); time.sleep(60)']);
    try {
      await new Promise((res) => holder.stdout!.once('data', res));
      for (const hostIP of ['::ffff:127.0.0.1', '::ffff:0.0.0.0', '0:0:0:0:0:ffff:7f00:1']) {
        const r = run('apply', '-f', write('steal.yaml', podManifest('steal', { containers: [{ ...HTTPD(8080), ports: [{ containerPort: 8080, hostPort: 18082, hostIP }] }] })));
        expect(r.code, hostIP).to.equal(1);
        expect(r.stderr, hostIP).to.include('hostPort 18082/TCP');
        expect(r.stderr, hostIP).to.include(`is taken by process ${holder.pid}`);
      }
    } finally {
      holder.kill();
    }
    expect(run('get', 'pod', 'steal').code).to.not.equal(0);
  });

  it('holds each hostPort for the pod\'s life: applies at the same time get it once, a program cannot bind it, a re-apply keeps it, hostNetwork ports count (review 21)', async () => {
    const f = (name: string, port: number) => write(`${name}.yaml`, podManifest(name, { containers: [{ ...HTTPD(8080), ports: [{ containerPort: 8080, hostPort: port }] }] }));
    const files = ['race1', 'race2', 'race3'].map((n) => f(n, 18300));
    const runs = files.map((file) => {
      const child = sb.spawnPodrun(s.root, ['apply', '-f', file]);
      let err = '';
      child.stderr!.on('data', (d) => (err += d));
      return new Promise<{ code: number | null; err: string }>((res) => child.once('exit', (code) => res({ code, err })));
    });
    const results = await Promise.all(runs);
    expect(results.filter((r) => r.code === 0).length, results.map((r) => r.err).join('\n')).to.equal(1);
    for (const r of results.filter((x) => x.code !== 0)) expect(r.err).to.match(/hostPort 18300\/TCP (.*is taken by pod\/race\d|on 0\.0\.0\.0 was taken just now)/);
    const winner = ['race1', 'race2', 'race3'].find((n) => run('get', 'pod', n).code === 0)!;
    expect(sb.run(['iptables-save', '-t', 'nat']).stdout.match(/--dport 18300 -j DNAT/g)?.length).to.equal(1);
    // A program of the host cannot take the port from under the pod.
    const bind = sb.run(['python3', '-c', 'import socket; s=socket.socket(); s.bind(("0.0.0.0",18300))']);
    expect(bind.code).to.not.equal(0);
    expect(bind.stderr).to.include('Address already in use');
    // The same pod re-applied with a change: its own port is not in its way.
    writeFileSync(join(dir, `${winner}.yaml`), readFileSync(join(dir, `${winner}.yaml`), 'utf8').replace('"terminationGracePeriodSeconds": 1', '"terminationGracePeriodSeconds": 2'));
    const again = run('apply', '-f', join(dir, `${winner}.yaml`));
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stdout).to.equal(`pod/${winner} recreated (spec.terminationGracePeriodSeconds changed)\n`);
    expect(sb.run(['curl', '-s', '-m', '5', 'http://127.0.0.1:18300/hostname']).stdout).to.equal(`${winner}\n`);
    // hostNetwork: its containers' ports are host ports, both ways.
    let r = run('apply', '-f', write('hn-clash.yaml', podManifest('hn-clash', { hostNetwork: true, containers: [{ ...HTTPD(18300) }] })));
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include(`spec.containers[0].ports[0].containerPort: hostPort 18300/TCP is taken by pod/${winner}`);
    expect(run('apply', '-f', write('hn-own.yaml', podManifest('hn-own', { hostNetwork: true, containers: [{ ...HTTPD(18301) }] }))).code).to.equal(0);
    r = run('apply', '-f', f('after-hn', 18301));
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include('hostPort 18301/TCP is taken by pod/hn-own');
    expect(run('delete', 'pod', winner, 'hn-own', '--grace-period', '0').code).to.equal(0);
  });

  it('a pod that routes 127.0.0.1 to the host cannot reach what the host binds to its loopback (the loopback guard, CVE-2020-8558)', async () => {
    // The host's loopback-only service: a UDP socket that prints where each datagram came from.
    const listener = sb.spawn(['python3', '-c', 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",19000)); print("up", flush=True)\nwhile True: print("from", s.recvfrom(100)[1][0], flush=True)']);
    let got = '';
    listener.stdout!.on('data', (d) => (got += d));
    try {
      await until(() => got.includes('up'), 10_000);
      // A privileged pod (NET_RAW with hand-built frames does the same from any default pod).
      apply(write('lo-attack.yaml', podManifest('lo-attack', { containers: [{ name: 'c', command: ['sleep', '3600'], securityContext: { privileged: true } }] })));
      const attacker = pod('lo-attack').status.podIP;
      // 127.0.0.1 is no longer the pod's own: it goes to the host by the bridge (the gateway).
      const route = exec('lo-attack', 'sh', '-c', 'echo 1 > /proc/sys/net/ipv4/conf/eth0/route_localnet && ip route del local 127.0.0.0/8 dev lo table local && ip route del local 127.0.0.1 dev lo table local && ip route add 127.0.0.1/32 via 10.87.0.1 dev eth0');
      expect(route.code, route.stderr).to.equal(0);
      // traceroute's first UDP probe goes to the base port + 1
      const send = () => exec('lo-attack', 'busybox', 'traceroute', '-n', '-m', '1', '-q', '1', '-w', '1', '-p', '18999', '127.0.0.1');
      // route_localnet is on for podrun0 once a pod has a hostPort (portmap's snat) or a NodePort
      // is published on 127.0.0.1; here for certain.
      expect(sb.run(['sh', '-c', 'echo 1 > /proc/sys/net/ipv4/conf/podrun0/route_localnet']).code).to.equal(0);
      // Control: without the guard the datagram gets there.
      expect(sb.run(['nft', 'delete', 'table', 'ip', 'podrun-guard']).code).to.equal(0);
      try {
        send();
        await until(() => got.includes(`from ${attacker}`), 5_000).catch(() => undefined);
      } finally {
        const { LOOPBACK_GUARD } = await import('../../src/plan/services');
        expect(sb.run(['nft', '-f', '-'], { input: LOOPBACK_GUARD }).code).to.equal(0);
      }
      expect(got, 'the attack path works without the guard').to.include(`from ${attacker}`);
      got = '';
      send();
      await new Promise((r) => setTimeout(r, 2000));
      expect(got, 'with the guard nothing gets there').to.equal('');
    } finally {
      listener.kill();
      run('delete', 'pod', 'lo-attack', '--grace-period', '0');
    }
  });

  it('pods take no IPv6 router advertisements (CVE-2020-10749)', () => {
    for (const k of ['all', 'default', 'eth0']) expect(exec('web', 'cat', `/proc/sys/net/ipv6/conf/${k}/accept_ra`).stdout, k).to.equal('0\n');
  });

  it('port-forward carries an HTTP request and 20 parallel connections to a pod, picks a free port for :REMOTE, and ends cleanly on Ctrl-C', async () => {
    const pf = sb.spawnPodrun(s.root, ['port-forward', 'pod/web', ':8080']);
    let out = '';
    pf.stdout!.on('data', (d) => (out += d));
    let err = '';
    pf.stderr!.on('data', (d) => (err += d));
    try {
      await until(() => /Forwarding from \[::1\]:\d+ -> 8080/.test(out), 20_000).catch(() => expect.fail(`no listener: ${out} ${err}`));
      const port = Number(/Forwarding from 127\.0\.0\.1:(\d+) -> 8080/.exec(out)![1]);
      expect(out).to.include(`Forwarding from [::1]:${port} -> 8080`);
      expect(sb.run(['curl', '-s', '-m', '5', `http://127.0.0.1:${port}/hostname`]).stdout).to.equal('web\n');
      const many = sb.run(['sh', '-c', `for i in $(seq 20); do curl -s -m 10 http://127.0.0.1:${port}/hostname & done; wait`]);
      expect(many.stdout).to.equal('web\n'.repeat(20));
      await until(() => (out.match(/Handling connection for \d+/g)?.length ?? 0) >= 21, 5_000);
      // Nothing listens on 9999 in the pod: that connection is closed with a message, the forward goes on.
      pf.kill('SIGINT');
      const code = await new Promise((res) => pf.once('exit', res));
      expect(code, err).to.equal(0);
      expect(sb.run(['curl', '-s', '-m', '2', `http://127.0.0.1:${port}/`]).code).to.not.equal(0);
    } finally {
      pf.kill('SIGKILL');
    }
  });

  it('port-forward says when nothing listens in the pod, and works for a pod without a network', async () => {
    apply(write('lo.yaml', podManifest('lo', { containers: [{ name: 'app', command: ['httpd', '-f', '-p', '127.0.0.1:8080', '-h', '/etc'] }] }, { annotations: { 'podrun.dev/network': 'none' } })));
    expect(pod('lo').status.podIP).to.equal('127.0.0.1');
    const pf = sb.spawnPodrun(s.root, ['port-forward', 'lo', '18555:8080', '18556:9999']);
    let out = '';
    let err = '';
    pf.stdout!.on('data', (d) => (out += d));
    pf.stderr!.on('data', (d) => (err += d));
    try {
      await until(() => out.includes('Forwarding from [::1]:18556 -> 9999'), 20_000);
      expect(sb.run(['curl', '-s', '-m', '5', 'http://127.0.0.1:18555/hostname']).stdout).to.equal('lo\n');
      expect(sb.run(['curl', '-s', '-m', '5', 'http://127.0.0.1:18556/']).code).to.not.equal(0);
      await until(() => err.includes('an error occurred forwarding 18556 -> 9999'), 5_000);
      expect(err).to.include('connection refused');
      // The pod goes: the forward ends with an error.
      expect(run('delete', 'pod', 'lo', '--grace-period', '0').code).to.equal(0);
      const code = await new Promise((res) => pf.once('exit', res));
      expect(code).to.equal(1);
      expect(err).to.include('lost connection to pod/lo');
    } finally {
      pf.kill('SIGKILL');
    }
  });

  it('runs a hostNetwork pod alongside, with the host\'s address, reaching pods by their IPs', () => {
    apply(write('hn.yaml', podManifest('hn', { hostNetwork: true, containers: [{ name: 'c', command: ['sleep', '3600'] }] })));
    expect(pod('hn').status.podIP).to.equal(SANDBOX_HOST_IP);
    expect(exec('hn', 'wget', '-q', '-O', '-', `http://${pod('web').status.podIP}:8080/hostname`).stdout).to.equal('web\n');
    expect(run('delete', 'pod', 'hn', '--grace-period', '0').code).to.equal(0);
  });

  it('joins a network of the CNI config folder by --network or annotation; an unknown network is an error that changes nothing', () => {
    const conf = join(s.root, 'net.d');
    mkdirSync(conf);
    writeFileSync(
      join(conf, '10-lab.conflist'),
      JSON.stringify({ cniVersion: '1.0.0', name: 'lab', plugins: [{ type: 'bridge', bridge: 'lab0', isGateway: true, ipMasq: true, ipam: { type: 'host-local', ranges: [[{ subnet: '10.99.0.0/24' }]], dataDir: join(s.root, 'run', 'lab-ipam') } }, { type: 'firewall' }] }),
    );
    const env = { PODRUN_CNI_CONF_DIR: conf };
    let r = sb.podrun(s.root, ['apply', '-f', write('lab.yaml', podManifest('lab', { containers: [{ name: 'c', command: ['sleep', '3600'] }] })), '--network', 'lab'], { env });
    expect(r.code, r.stderr).to.equal(0);
    expect(pod('lab').status.podIP).to.match(/^10\.99\.0\.\d+$/);
    r = sb.podrun(s.root, ['apply', '-f', write('nonet.yaml', podManifest('nonet', { containers: [{ name: 'c', command: ['sleep', '3600'] }] })), '--network', 'nosuch'], { env });
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include('no CNI network "nosuch"').and.include('lab');
    expect(run('get', 'pod', 'nonet').code).to.not.equal(0);
    r = sb.podrun(s.root, ['delete', 'pod', 'lab', '--grace-period', '0'], { env });
    expect(r.code, r.stderr).to.equal(0);
    expect(readdirSync(join(s.root, 'run', 'lab-ipam', 'lab')).filter((n) => /^\d/.test(n))).to.deep.equal([]);
  });

  it('refuses the default network when its subnet overlaps a route of the host, saying which', () => {
    expect(sb.run(['ip', 'route', 'add', '10.87.200.0/24', 'via', OUTSIDE_IP]).code).to.equal(0);
    try {
      const r = run('apply', '-f', write('clash.yaml', podManifest('clash', { containers: [{ name: 'c', command: ['sleep', '3600'] }] })));
      expect(r.code).to.equal(1);
      expect(r.stderr).to.include("network podrun: its subnet 10.87.0.0/16 overlaps the host's route 10.87.200.0/24 dev up0");
      expect(r.stderr).to.include('podrun.conflist');
      expect(run('get', 'pod', 'clash').code).to.not.equal(0);
    } finally {
      sb.run(['ip', 'route', 'del', '10.87.200.0/24']);
    }
  });

  it('gives a pod with hostUsers: false a network too', () => {
    apply(write('userns.yaml', podManifest('userns', { hostUsers: false, containers: [{ ...HTTPD(8080) }] })));
    const ip = pod('userns').status.podIP;
    expect(ip).to.match(/^10\.87\./);
    waitFor(() => sb.run(['curl', '-s', '-m', '2', `http://${ip}:8080/hostname`]).stdout === 'userns\n', 20_000, 'the userns pod to answer');
    expect(run('delete', 'pod', 'userns', '--grace-period', '0').code).to.equal(0);
  });

  it('releases everything on delete: no veth, rule, lease, cache entry or pinned namespace', () => {
    const r = run('delete', 'pods', '--all', '--grace-period', '0');
    expect(r.code, r.stderr).to.equal(0);
    expectClean();
  });

  it('after SIGKILL of every podrun process of two pods, the next podrun command (get pods) releases their networks', () => {
    apply(write('k1.yaml', podManifest('k1', { containers: [{ ...HTTPD(8080), ports: [{ containerPort: 8080, hostPort: 18090 }] }] })));
    apply(write('k2.yaml', podManifest('k2', { containers: [{ name: 'c', command: ['sleep', '3600'] }] })));
    const pids: number[] = [];
    for (const name of ['k1', 'k2']) {
      const m = JSON.parse(readFileSync(join(s.root, 'pods', `default_${name}`, 'monitor.json'), 'utf8'));
      process.kill(m.pid, 'SIGKILL');
      process.kill(m.pausePid, 'SIGKILL');
      pids.push(m.pid, m.pausePid);
    }
    const gone = (pid: number) => {
      try {
        return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1][0] === 'Z';
      } catch {
        return true;
      }
    };
    waitFor(() => pids.every(gone), 20_000, 'the monitors and pauses to be gone');
    expect(attachments().cache.length).to.equal(2);
    // The next podrun command releases what the dead pods held (here: get pods).
    const r = run('get', 'pods');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/k1\s+0\/1\s+MonitorDied/);
    expectClean();
    expect(run('delete', 'pods', '--all', '--grace-period', '0').code).to.equal(0);
  });

  it('after a SIGKILL of apply in the middle of its network set-up, the next command releases it', async () => {
    const f = write('mid.yaml', podManifest('mid', { containers: [{ name: 'c', command: ['sleep', '3600'] }] }));
    for (let i = 0; i < 5; i++) {
      const child = sb.spawnPodrun(s.root, ['apply', '-f', f]);
      // Killed once its cache entry exists (ADD started), at a different point each round.
      await until(() => attachments().cache.length > 0 || child.exitCode !== null, 20_000);
      await sleep(i * 15);
      child.kill('SIGKILL');
      await new Promise((res) => (child.exitCode !== null ? res(null) : child.once('exit', res)));
      // A plugin the kill left running holds the pod lock until it is done: delete waits for it.
      const d = waitFor(() => {
        const x = run('delete', 'pod', 'mid', '--ignore-not-found', '--grace-period', '0');
        return x.stderr.includes('being changed') ? undefined : x;
      }, 30_000, 'the pod lock');
      expect(d.code, d.stderr).to.equal(0);
      expectClean();
    }
  });

  it('leaves nothing after 50 apply/delete cycles', () => {
    const f = write('cycle.yaml', podManifest('cycle', { containers: [{ ...HTTPD(8080), ports: [{ containerPort: 8080, hostPort: 18100 }] }] }));
    for (let i = 0; i < 50; i++) {
      apply(f);
      const d = run('delete', 'pod', 'cycle', '--grace-period', '0');
      expect(d.code, d.stderr).to.equal(0);
    }
    expectClean();
    expect(sb.run(['ip', '-o', 'link', 'show', 'master', 'podrun0']).stdout).to.equal('');
  });
});
