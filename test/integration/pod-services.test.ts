// Services (issue 12) with real pods on the default network, in a network sandbox of this suite's
// own: a ClusterIP Service by its names and its VIP, balanced over the ready pods and following
// readiness as the pods' monitors see it change; a headless Service's names; NodePort and
// LoadBalancer on the sandbox host's loopback; a Service without endpoints refused, its traffic
// never leaving; port-forward svc/NAME; get, describe and delete; nothing left after.
import { expect } from 'chai';
import { statSync } from 'fs';
import { join } from 'path';
import { existsSync } from 'fs';
import { isRoot } from '../helpers/cli';
import type { NetSandbox } from '../helpers/net-sandbox';
import { closeNetworkSuite, openNetworkSuite, podManifest, writeManifest, until, waitFor, type PodSuite } from './pod-helpers';

const web = (name: string, ready: boolean, extra: Record<string, unknown> = {}) =>
  podManifest(
    name,
    {
      containers: [
        {
          name: 'app',
          command: ['sh', '-c', `echo ${name} > /tmp/who; ${ready ? 'touch /tmp/ready; ' : ''}exec httpd -f -p 8080 -h /tmp`],
          ports: [{ containerPort: 8080, name: 'http' }],
          readinessProbe: { exec: { command: ['test', '-f', '/tmp/ready'] }, periodSeconds: 1 },
        },
      ],
      ...extra,
    },
    { labels: { app: 'web' } },
  );

const SERVICES = `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: web-np}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080, nodePort: 30080}]
---
apiVersion: v1
kind: Service
metadata: {name: web-lb}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{port: 8088, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: idle}
spec:
  selector: {app: nothing}
  ports: [{port: 80}]
`;

describe('Services (in a network sandbox)', function () {
  this.timeout(180_000);
  let s: PodSuite;
  let sb: NetSandbox;
  let dir = '';
  const run = (...args: string[]) => sb.podrun(s.root, args);
  const write = (file: string, text: string) => writeManifest(dir, file, text);
  const apply = (...files: string[]) => {
    const r = run('apply', ...files.flatMap((f) => ['-f', f]));
    expect(r.code, r.stderr).to.equal(0);
    return r;
  };
  const fetch = (url: string) => run('exec', 'client', '--', 'wget', '-q', '-O', '-', url).stdout.trim();
  const endpoints = (name: string) => /Endpoints:\s+(.*)\n/.exec(run('describe', 'svc', name).stdout)?.[1] ?? '';
  const ip = (pod: string) => JSON.parse(run('get', 'pod', pod, '-o', 'json').stdout).status.podIP as string;

  before(function () {
    if (!isRoot() || !existsSync('/usr/lib/cni/bridge')) this.skip();
    ({ s, sb, dir } = openNetworkSuite('podrun-svc-'));
  });
  after(() => closeNetworkSuite(s, sb));

  it('gives each Service a cluster IP (and nodePorts), shown by get svc with kubectl\'s columns', () => {
    const r = apply(write('svc.yaml', SERVICES), write('a.yaml', web('web-a', true)), write('b.yaml', web('web-b', true)), write('c.yaml', web('web-c', false)), write('client.yaml', podManifest('client', { containers: [{ name: 'c', command: ['sleep', '3600'] }] })));
    expect(r.stdout).to.include('service/web created\nservice/web-np created\nservice/web-lb created\nservice/idle created\n');
    const table = run('get', 'svc').stdout.split('\n');
    expect(table[0]).to.match(/^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE$/);
    expect(table.find((l) => l.startsWith('web '))).to.match(/^web\s+ClusterIP\s+10\.96\.0\.\d+\s+<none>\s+80\/TCP\s+/);
    expect(table.find((l) => l.startsWith('web-np '))).to.match(/NodePort\s+10\.96\.0\.\d+\s+<none>\s+80:30080\/TCP/);
    expect(table.find((l) => l.startsWith('web-lb '))).to.match(/LoadBalancer\s+10\.96\.0\.\d+\s+127\.0\.0\.1\s+8088:30000\/TCP/);
    expect(run('apply', '-f', join(dir, 'svc.yaml')).stdout).to.equal('service/web unchanged\nservice/web-np unchanged\nservice/web-lb unchanged\nservice/idle unchanged\n');
  });

  it('balances the Service over its ready pods, by NAME, NAME.NS, the FQDN and the VIP; the unready one gets nothing', () => {
    waitFor(() => endpoints('web').split(',').length === 2, 30_000, 'two endpoints');
    expect(endpoints('web')).to.equal([ip('web-a'), ip('web-b')].sort().map((x) => `${x}:8080`).join(','));
    const vip = JSON.parse(run('get', 'svc', 'web', '-o', 'json').stdout).spec.clusterIP;
    const seen = new Set<string>();
    for (let i = 0; i < 30 && seen.size < 2; i++) seen.add(fetch('http://web/who'));
    expect([...seen].sort()).to.deep.equal(['web-a', 'web-b']);
    for (const name of ['web.default', 'web.default.svc.cluster.local', vip]) expect(fetch(`http://${name}/who`), name).to.match(/^web-[ab]$/);
    expect(run('exec', 'client', '--', 'cat', '/etc/hosts').stdout).to.include(`${vip}\tweb.default.svc.cluster.local web.default web\n`);
    // From the sandbox host too (the VIP, as kube-proxy makes it work on a node).
    expect(sb.run(['curl', '-s', '-m', '5', `http://${vip}/who`]).stdout.trim()).to.match(/^web-[ab]$/);
  });

  it('follows readiness: a pod that becomes ready gets traffic, one that stops being ready loses it (the pods\' monitors tell)', () => {
    expect(run('exec', 'web-c', '--', 'touch', '/tmp/ready').code).to.equal(0);
    waitFor(() => endpoints('web').split(',').length === 3, 20_000, 'web-c to become an endpoint');
    const seen = new Set<string>();
    for (let i = 0; i < 60 && seen.size < 3; i++) seen.add(fetch('http://web/who'));
    expect(seen.has('web-c')).to.equal(true);
    expect(run('exec', 'web-a', '--', 'rm', '/tmp/ready').code).to.equal(0);
    waitFor(() => !endpoints('web').includes(`${ip('web-a')}:`), 20_000, 'web-a to leave the endpoints');
    for (let i = 0; i < 20; i++) expect(fetch('http://web/who')).to.not.equal('web-a');
  });

  it('publishes NodePort and LoadBalancer ports on the sandbox host\'s loopback', () => {
    expect(sb.run(['curl', '-s', '-m', '5', 'http://127.0.0.1:30080/who']).stdout.trim()).to.match(/^web-[bc]$/);
    expect(sb.run(['curl', '-s', '-m', '5', 'http://127.0.0.1:8088/who']).stdout.trim()).to.match(/^web-[bc]$/);
    expect(sb.run(['curl', '-s', '-m', '5', 'http://127.0.0.1:30000/who']).stdout.trim()).to.match(/^web-[bc]$/);
  });

  it('refuses a Service without endpoints (and a port it does not have) at once; the traffic never leaves the host', () => {
    const idle = JSON.parse(run('get', 'svc', 'idle', '-o', 'json').stdout).spec.clusterIP;
    const r = sb.run(['curl', '-s', '-m', '5', '-o', '/dev/null', '-w', '%{http_code}', `http://${idle}/`]);
    expect(r.code, 'curl: connection refused').to.equal(7);
    const fromPod = run('exec', 'client', '--', 'wget', '-q', '-O', '-', 'http://web:81/');
    expect(fromPod.code).to.not.equal(0);
    expect(fromPod.stderr).to.match(/refused/i);
    // Nothing for the service range reached the "outside" namespace.
    const out = sb.run(['ip', '-s', 'link', 'show', 'out0'], { outside: true }).stdout;
    expect(out).to.match(/out0/);
  });

  it('names a headless Service\'s pods, and hostname.subdomain', () => {
    const f = write(
      'db.yaml',
      `apiVersion: v1\nkind: Service\nmetadata: {name: db}\nspec:\n  clusterIP: None\n  selector: {app: db}\n---\n` +
        podManifest('db-0', { hostname: 'db-0', subdomain: 'db', containers: [{ name: 'c', command: ['sh', '-c', 'echo db-0 > /tmp/who; exec httpd -f -p 8080 -h /tmp'] }] }, { labels: { app: 'db' } }),
    );
    apply(f);
    const dbIP = ip('db-0');
    waitFor(() => run('exec', 'client', '--', 'cat', '/etc/hosts').stdout.includes(`${dbIP}\tdb.default.svc.cluster.local db.default db\n`), 20_000, 'the headless name');
    expect(run('exec', 'client', '--', 'cat', '/etc/hosts').stdout).to.include(`${dbIP}\tdb-0.db.default.svc.cluster.local db-0.db\n`);
    expect(fetch('http://db-0.db:8080/who')).to.equal('db-0');
    expect(fetch('http://db:8080/who')).to.equal('db-0');
    expect(JSON.parse(run('get', 'svc', 'db', '-o', 'json').stdout).spec.clusterIP).to.equal('None');
  });

  it('port-forward svc/NAME goes to one of its ready pods, at the targetPort of the Service port given', async () => {
    const pf = sb.spawnPodrun(s.root, ['port-forward', 'svc/web', '18600:80']);
    let out = '';
    let err = '';
    pf.stdout!.on('data', (d) => (out += d));
    pf.stderr!.on('data', (d) => (err += d));
    try {
      await until(() => out.includes('Forwarding from 127.0.0.1:18600 -> 8080'), 20_000).catch(() => expect.fail(`${out}${err}`));
      expect(sb.run(['curl', '-s', '-m', '5', 'http://127.0.0.1:18600/who']).stdout.trim()).to.match(/^web-[bc]$/);
    } finally {
      pf.kill('SIGINT');
    }
    expect(run('port-forward', 'svc/idle', '80').stderr).to.include('service/idle has no ready pod to forward to');
  });

  it('a Service cannot take a host port: a host socket, another Service\'s or a pod\'s hostPort (review 22)', async () => {
    const holder = sb.spawn(['python3', '-c', 'import socket,time; s=socket.socket(); s.bind(("127.0.0.1",15432)); s.listen(); print("up", flush=True); time.sleep(60)']);
    try {
      await new Promise((res) => holder.stdout!.once('data', res));
      const lb = (name: string, port: number) => `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}}\nspec:\n  type: LoadBalancer\n  selector: {app: web}\n  ports: [{port: ${port}, targetPort: 8080}]\n`;
      let r = run('apply', '-f', write('lb-db.yaml', lb('lb-db', 15432)));
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(new RegExp(`lb-db\\.yaml:\\d+: spec\\.ports\\[0\\]\\.port: port 15432/TCP on 127\\.0\\.0\\.1 is taken by process ${holder.pid} \\(python3\\) listening on 127\\.0\\.0\\.1:15432`));
      expect(run('get', 'svc', 'lb-db').code).to.not.equal(0);
      r = run('apply', '-f', write('lb-dup.yaml', lb('lb-dup', 8088)));
      expect(r.code).to.equal(1);
      expect(r.stderr).to.include('spec.ports[0].port: port 8088/TCP on 127.0.0.1 is taken by service/web-lb');
      r = run('apply', '-f', write('hp-lb.yaml', podManifest('hp-lb', { containers: [{ name: 'c', command: ['sleep', '3600'], ports: [{ containerPort: 80, hostPort: 8088 }] }] })));
      expect(r.code).to.equal(1);
      expect(r.stderr).to.include('hostPort 8088/TCP is taken by service/web-lb');
    } finally {
      holder.kill();
    }
  });

  it('the service range cannot change under existing Services; a pod with dnsPolicy Default gets no Service names (review 22)', () => {
    const r = sb.podrun(s.root, ['apply', '-f', join(dir, 'svc.yaml')], { env: { PODRUN_SERVICE_CIDR: '10.200.0.0/16' } });
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include('Services use the service range 10.96.0.0/16');
    apply(write('plain-dns.yaml', podManifest('plain-dns', { dnsPolicy: 'Default', containers: [{ name: 'c', command: ['sleep', '3600'] }] })));
    expect(run('exec', 'plain-dns', '--', 'cat', '/etc/hosts').stdout).to.not.include('svc.cluster.local');
    expect(run('delete', 'pod', 'plain-dns', '--grace-period', '0').code).to.equal(0);
  });

  it('a lease a container could take on its hosts file does not hold the sync; an unchanged file is not rewritten (review 22)', async () => {
    const hosts = join(s.root, 'pods', 'default_client', 'etc-hosts');
    const before = statSync(hosts).mtimeMs;
    expect(run('sync-services').code).to.equal(0);
    expect(statSync(hosts).mtimeMs, 'nothing changed: not written').to.equal(before);
    // A read lease, as root in the container (the file's owner) may take on its /etc/hosts.
    const lease = sb.spawn(['python3', '-c', `import fcntl,time; f=open(${JSON.stringify(hosts)}); fcntl.fcntl(f, 1024, fcntl.F_RDLCK); print("up", flush=True); time.sleep(60)`]);
    try {
      await new Promise((res) => lease.stdout!.once('data', res));
      const t0 = Date.now();
      const r = run('apply', '-f', write('leased.yaml', `apiVersion: v1\nkind: Service\nmetadata: {name: leased}\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n`));
      expect(r.code, r.stderr).to.equal(0);
      expect(Date.now() - t0, 'no wait for the lease break (45 s)').to.be.below(10_000);
    } finally {
      lease.kill();
    }
    expect(run('delete', 'svc', 'leased').code).to.equal(0);
  });

  it('delete svc takes its rules and names away; deleting every Service removes the table', () => {
    expect(run('delete', 'svc', 'web').code).to.equal(0);
    expect(run('exec', 'client', '--', 'cat', '/etc/hosts').stdout).to.not.include('web.default.svc.cluster.local');
    expect(sb.run(['nft', 'list', 'table', 'ip', 'podrun-services']).stdout).to.not.include('default/web:');
    const r = run('delete', 'svc', 'web-np', 'web-lb', 'idle', 'db');
    expect(r.code, r.stderr).to.equal(0);
    expect(sb.run(['nft', 'list', 'table', 'ip', 'podrun-services']).code).to.not.equal(0);
  });
});
