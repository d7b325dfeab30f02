// Issue 9: a probe's or hook's httpGet.host / tcpSocket.host may be a host name, resolved at each
// run as the kubelet's dialer resolves it (addon/src/probe.c "host names", docs/supervision.md
// "Host names"). Real pods, busybox: a name /etc/hosts maps to 127.0.0.1 passes (httpGet,
// tcpSocket; Host the name:port as given; a refused dial names the address); a name that does
// not resolve fails in Go's words: no DNS server (Temporary failure in name resolution),
// NXDOMAIN (no such host), no answer (the probe's timeout ends the resolver).
//
// Network safety: a name not in /etc/hosts would be asked of the host's DNS server, on the
// internet. Every test that looks such a name up runs `podrun apply` under `unshare -n`: the
// monitor, and every resolver child it forks, are then in a network namespace of the test's own
// with only loopback (the monitor does its lookups in its own namespace, never the pod's), so no
// packet of theirs can leave the machine; the names are under `.invalid` as well (RFC 2606), and
// each test checks the monitor's namespace is not the host's. Where a DNS server is wanted it is
// test/fixtures/dns-server.js, inside that namespace, on the address /etc/resolv.conf names.
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import { existsSync, readFileSync, readlinkSync, rmSync } from 'fs';
import { join } from 'path';
import { haveBusybox } from '../helpers/busybox';
import { isRoot, PODRUN } from '../helpers/cli';
import { deletePodsAndCheckLeaks, podFiles, podManifest, PodSuite, setUpSuite, sleep, waitFor, writeManifest } from './pod-helpers';

/** A name /etc/hosts maps to 127.0.0.1 (the pod's loopback, where its servers listen) other than localhost (an address to podrun, as to the kubelet's dialer). */
export function loopbackName(hosts: string): string | undefined {
  for (const line of hosts.split('\n')) {
    const [addr, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
    const name = addr === '127.0.0.1' ? names.find((n) => n !== 'localhost' && /^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$/.test(n)) : undefined;
    if (name) return name;
  }
  return undefined;
}

/** The first nameserver of /etc/resolv.conf when it is an IPv4 address; the C library's default, 127.0.0.1, when there is none. */
export function nameserver(resolvConf: string): string | undefined {
  const ns = resolvConf
    .split('\n')
    .map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1])
    .filter((x): x is string => !!x);
  if (ns.length === 0) return '127.0.0.1';
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(ns[0]) ? ns[0] : undefined;
}

describe('probes with host names (integration)', function () {
  this.timeout(180_000);
  let s: PodSuite | undefined;
  const pods = ['names', 'nohost', 'nxdns'];
  const dnsPids: number[] = [];

  before(function () {
    if (!isRoot() || !haveBusybox()) this.skip();
    s = setUpSuite('podrun-probe-names-');
  });
  after(() => {
    for (const pid of dnsPids) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // gone already
      }
    }
    deletePodsAndCheckLeaks(s, [], pods);
  });

  const { dir, state, event } = podFiles(() => s!.root);
  const probe = (handler: Record<string, unknown>, more: Record<string, unknown> = {}) => ({ periodSeconds: 1, timeoutSeconds: 1, ...handler, ...more });
  const monitorPid = (name: string): number => waitFor(() => existsSync(join(dir(name), 'monitor.json')) && JSON.parse(readFileSync(join(dir(name), 'monitor.json'), 'utf8')).pid, 20_000, 'the monitor');
  const manifest = (name: string, spec: Record<string, unknown>) => writeManifest(s!.root, `${name}.yaml`, podManifest(name, spec, { annotations: { 'podrun.dev/restart-backoff': '200ms-1s' } }));

  /**
   * `podrun apply` in a new network namespace with only loopback (`unshare -n`), after the shell
   * SETUP there: the monitor stays in it, and so does each resolver child it forks.
   */
  const applyIsolated = (name: string, spec: Record<string, unknown>, setup = '') => {
    const file = manifest(name, spec);
    const r = spawnSync('unshare', ['-n', 'sh', '-c', `${setup}exec "$0" apply -f "$1"`, PODRUN, file], { encoding: 'utf8', env: { ...process.env, PODRUN_ROOT: s!.root }, timeout: 60_000 });
    expect(r.status, `${r.stderr}${r.error ?? ''}`).to.equal(0);
    const mon = monitorPid(name);
    expect(readlinkSync(`/proc/${mon}/ns/net`), "the monitor's network namespace").to.not.equal(readlinkSync('/proc/self/ns/net'));
    return mon;
  };

  it('httpGet and tcpSocket with a name /etc/hosts maps to 127.0.0.1 pass; Host is the name:port as given; a refused dial names the address', function () {
    const name = loopbackName(readFileSync('/etc/hosts', 'utf8'));
    if (!name) {
      console.log('      skipped: no name other than localhost maps to 127.0.0.1 in /etc/hosts');
      this.skip();
    }
    const serve = 'mkdir -p /www && echo ok > /www/healthz && httpd -f -p 8080 -h /www';
    const reply = 'HTTP/1.0 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\nok';
    const file = manifest('names', {
      containers: [
        { name: 'app', command: ['sh', '-c', serve], readinessProbe: probe({ httpGet: { host: name, path: '/healthz', port: 8080 } }) },
        { name: 'tcp', command: ['sleep', '3600'], readinessProbe: probe({ tcpSocket: { host: name, port: 8080 } }) },
        { name: 'hdr', command: ['sh', '-c', `while true; do printf '${reply}' | nc -l -p 9090 > /tmp/req.new; mv /tmp/req.new /tmp/req; done`], readinessProbe: probe({ httpGet: { host: name, path: '/p', port: 9090 } }) },
        { name: 'closed', command: ['sleep', '3600'], readinessProbe: probe({ tcpSocket: { host: name, port: 8081 } }) },
      ],
    });
    const r = s!.run(['apply', '-f', file]);
    expect(r.code, r.stderr).to.equal(0);
    for (const c of ['app', 'tcp', 'hdr']) waitFor(() => state('names', c).ready, 30_000, `${c} ready through ${name}`);
    const req = s!.run(['exec', 'names', '-c', 'hdr', '--', 'cat', '/tmp/req']);
    expect(req.code, req.stderr).to.equal(0);
    expect(req.stdout).to.match(/^GET \/p HTTP\/1\.1\r\n/);
    expect(req.stdout).to.contain(`Host: ${name}:9090\r\n`);
    // Go's dial error names the address the name resolved to
    waitFor(() => event('names', 'Unhealthy', /8081/), 30_000, 'the refused dial');
    expect(event('names', 'Unhealthy', /8081/).message).to.equal('Readiness probe failed: dial tcp 127.0.0.1:8081: connect: connection refused');
    expect(state('names', 'closed').ready).to.equal(false);
  });

  it("a name that does not resolve (no DNS server to ask: an isolated network namespace) fails the probes in Go's words", () => {
    const nowhere = 'podrun-nowhere.invalid';
    applyIsolated('nohost', {
      containers: [
        {
          name: 'app',
          command: ['sleep', '3600'],
          readinessProbe: probe({ httpGet: { host: nowhere, path: '/healthz', port: 8080 } }),
          livenessProbe: probe({ tcpSocket: { host: nowhere, port: 8080 } }, { failureThreshold: 1000 }),
        },
      ],
    });
    const lookup = `dial tcp: lookup ${nowhere}: Temporary failure in name resolution`;
    waitFor(() => event('nohost', 'Unhealthy', /^Readiness/), 30_000, 'the readiness failure');
    waitFor(() => event('nohost', 'Unhealthy', /^Liveness/), 30_000, 'the liveness failure');
    expect(event('nohost', 'Unhealthy', /^Readiness/).message).to.equal(`Readiness probe failed: Get "http://${nowhere}:8080/healthz": ${lookup}`);
    expect(event('nohost', 'Unhealthy', /^Liveness/).message).to.equal(`Liveness probe failed: ${lookup}`);
    expect(s!.run(['describe', 'pod', 'nohost']).stdout).to.contain(`Liveness probe failed: ${lookup}`);
    expect(state('nohost').ready).to.equal(false);
    expect(state('nohost').restartCount).to.equal(0);
  });

  it("NXDOMAIN is `no such host`; a lookup with no answer ends at the probe's timeout, its resolver killed (a DNS server inside the isolated namespace)", async function () {
    const ns = nameserver(readFileSync('/etc/resolv.conf', 'utf8'));
    if (!ns) {
      console.log("      skipped: /etc/resolv.conf's first nameserver is not an IPv4 address");
      this.skip();
    }
    const log = join(s!.root, 'dns.log');
    const pidFile = join(s!.root, 'dns.pid');
    rmSync(log, { force: true });
    const server = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'dns-server.js');
    const setup = [
      'ip link set lo up',
      ...(ns!.startsWith('127.') ? [] : [`ip addr add ${ns}/32 dev lo`]),
      `{ "${process.execPath}" "${server}" ${ns} "${log}" </dev/null >/dev/null 2>&1 & echo $! > "${pidFile}"; }`,
      `i=0; until grep -q listening "${log}" 2>/dev/null; do i=$((i+1)); [ $i -lt 100 ] || exit 1; sleep 0.1; done`,
      '',
    ].join(' && ');
    let mon = 0;
    try {
      mon = applyIsolated(
        'nxdns',
        {
          containers: [
            { name: 'app', command: ['sleep', '3600'], readinessProbe: probe({ httpGet: { host: 'podrun-gone.invalid', port: 8080 } }), livenessProbe: probe({ tcpSocket: { host: 'podrun-gone.invalid', port: 8080 } }, { failureThreshold: 1000 }) },
            { name: 'slow', command: ['sleep', '3600'], readinessProbe: probe({ tcpSocket: { host: 'slow.invalid', port: 8080 } }, { periodSeconds: 3 }) },
          ],
        },
        setup,
      );
    } finally {
      if (existsSync(pidFile)) dnsPids.push(Number(readFileSync(pidFile, 'utf8').trim()));
    }
    const gone = 'dial tcp: lookup podrun-gone.invalid: no such host';
    waitFor(() => event('nxdns', 'Unhealthy', /^Readiness probe failed: Get/), 30_000, 'the httpGet failure');
    expect(event('nxdns', 'Unhealthy', /^Readiness probe failed: Get/).message).to.equal(`Readiness probe failed: Get "http://podrun-gone.invalid:8080/": ${gone}`);
    waitFor(() => event('nxdns', 'Unhealthy', /^Liveness/), 30_000, 'the tcpSocket failure');
    expect(event('nxdns', 'Unhealthy', /^Liveness/).message).to.equal(`Liveness probe failed: ${gone}`);
    waitFor(() => event('nxdns', 'Unhealthy', /slow\.invalid/), 30_000, 'the timeout');
    expect(event('nxdns', 'Unhealthy', /slow\.invalid/).message).to.equal('Readiness probe failed: dial tcp: lookup slow.invalid: i/o timeout');
    // the questions came to the server in the namespace (/etc/hosts has neither name)
    const asked = readFileSync(log, 'utf8').split('\n');
    expect(asked).to.include('podrun-gone.invalid');
    expect(asked).to.include('slow.invalid');
    // No resolver outlives its probe's timeout (1 s): the C library alone would wait out its
    // own (5 s a try by default) with the slow one, every 3 s.
    const ticks = 100; // USER_HZ
    const comm = readFileSync(`/proc/${mon}/comm`, 'utf8');
    let oldest = 0;
    for (let k = 0; k < 50; k++) {
      const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
      for (const p of readFileSync(`/proc/${mon}/task/${mon}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) {
        try {
          if (readFileSync(`/proc/${p}/comm`, 'utf8') !== comm) continue;
          const start = Number(readFileSync(`/proc/${p}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[19]) / ticks;
          oldest = Math.max(oldest, uptime - start);
        } catch {
          // exited meanwhile
        }
      }
      await sleep(100);
    }
    expect(oldest, 'the oldest resolver seen, in seconds').to.be.below(1.6);
  });
});
