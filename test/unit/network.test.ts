// Pod networking's pure parts (issue 12), as table tests: the CNI calls' stdin and environment as
// the spec and libcni build them, results, versions, conflists (and .conf files), the default
// subnet against the host's routes, hostPort conflicts and /proc/net parsing, resolv.conf for pods
// behind a host stub resolver, and the plan's network (tokens, hostPorts, podIP(s) everywhere).
// Plus the real plugins' VERSION and error objects (Debian's containernetworking-plugins).
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { loadManifests, type LoadedPod } from '../../src/manifest/load';
import { planPod } from '../../src/plan/plan';
import { networkTokens, withPodAddresses, isPendingAddress } from '../../src/plan/network';
import { reachableFromPods, resolvConf } from '../../src/plan/etc';
import { CniError, execPlugin, gcNetworkList, pluginEnv, pluginStdin, pluginVersions, resultAddresses, statusNetworkList, versionBefore, type RuntimeConf } from '../../src/runtime/network/cni';
import { hostRoutes4, overlappingRoute, parseCidr4, parseConflist, podNetworkName } from '../../src/runtime/network/conflist';
import { hostSockets, samePort } from '../../src/runtime/network/host-ports';
import { fakeFacts } from './plan.test';
import { canonicalIP, isUnspecified } from '../../src/util/ip';

const RT: RuntimeConf = { containerId: 'abc', netns: '/run/x', ifName: 'eth0', args: [['IgnoreUnknown', '1'], ['K8S_POD_NAME', 'web']], capabilityArgs: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }], bandwidth: { ingressRate: 1 } } };

async function load(text: string): Promise<LoadedPod> {
  const r = await loadManifests(['-'], { stdin: text });
  expect(r.errors.map((e) => e.message)).to.deep.equal([]);
  return r.pods[0];
}

const podText = (spec: string, meta = '') => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n${meta}spec:\n${spec}`;
const NET = { name: 'podrun', file: '/var/lib/podrun/network/podrun.conflist', containerId: 'c0ffee00c0ffee00c0ffee00c0ffee00' };

describe('network: CNI calls (spec, libcni)', () => {
  it('a plugin gets the list name and version, its own conf, runtimeConfig only for the capabilities it declares, and prevResult', () => {
    const list = { name: 'podrun', cniVersion: '1.0.0' };
    expect(JSON.parse(pluginStdin(list, { type: 'bridge', bridge: 'podrun0' }, RT))).to.deep.equal({ type: 'bridge', bridge: 'podrun0', name: 'podrun', cniVersion: '1.0.0' });
    const pm = JSON.parse(pluginStdin(list, { type: 'portmap', capabilities: { portMappings: true, bandwidth: false } }, RT, { ips: [{ address: '10.87.0.2/16' }] }));
    expect(pm.runtimeConfig).to.deep.equal({ portMappings: RT.capabilityArgs.portMappings });
    expect(pm.prevResult).to.deep.equal({ ips: [{ address: '10.87.0.2/16' }] });
    // A capability the runtime has no argument for: no runtimeConfig at all.
    expect(JSON.parse(pluginStdin(list, { type: 'tuning', capabilities: { mac: true } }, RT))).to.not.have.property('runtimeConfig');
  });

  it('the environment: CNI_COMMAND, CONTAINERID, NETNS, IFNAME, ARGS as K=V;K=V, CNI_PATH, and a PATH for iptables', () => {
    expect(pluginEnv('ADD', RT, ['/usr/lib/cni', '/opt/cni/bin'])).to.deep.equal({
      CNI_COMMAND: 'ADD',
      CNI_CONTAINERID: 'abc',
      CNI_NETNS: '/run/x',
      CNI_IFNAME: 'eth0',
      CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAME=web',
      CNI_PATH: '/usr/lib/cni:/opt/cni/bin',
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    });
  });

  it('versions compare as numbers; addresses come from the sandbox interfaces, IPv4 first', () => {
    const table: [string, string, boolean][] = [['0.3.1', '0.4.0', true], ['0.4.0', '0.4.0', false], ['1.0.0', '0.4.0', false], ['1.0.0', '1.1.0', true], ['0.10.0', '0.9.0', false]];
    for (const [a, b, want] of table) expect(versionBefore(a, b), `${a} < ${b}`).to.equal(want);
    const r = { interfaces: [{ name: 'podrun0' }, { name: 'veth1' }, { name: 'eth0', sandbox: '/run/x' }], ips: [{ address: 'fd00::5/64', interface: 2 }, { address: '10.87.0.1/16', interface: 0 }, { address: '10.87.0.5/16', interface: 2 }] };
    expect(resultAddresses(r)).to.deep.equal(['10.87.0.5', 'fd00::5']);
    expect(resultAddresses({ ips: [{ address: '10.1.0.9/24' }] })).to.deep.equal(['10.1.0.9']);
  });

  it('runs the real plugins: VERSION lists what bridge speaks; a refused call is a CniError with the plugin\'s code and message', function () {
    if (!existsSync('/usr/lib/cni/bridge')) this.skip();
    const list = { name: 'podrun', cniVersion: '1.0.0' };
    expect(pluginVersions(list, 'bridge')).to.include.members(['0.4.0', '1.0.0']);
    const env = pluginEnv('ADD', { ...RT, netns: '/nonexistent/netns' }, ['/usr/lib/cni']);
    expect(() => execPlugin(list, 'bridge', 'ADD', pluginStdin(list, { type: 'bridge', ipam: { type: 'host-local', subnet: '10.250.0.0/24', dataDir: '/nonexistent/ipam' } }, RT), env))
      .to.throw(CniError)
      .with.property('message')
      .that.matches(/^network podrun: plugin bridge ADD failed( \(CNI error \d+\))?: .*\/nonexistent\/netns/);
    expect(() => execPlugin(list, 'nosuch-plugin', 'ADD', '{}', env)).to.throw(CniError, /no executable "nosuch-plugin" in CNI_PATH \(\/usr\/lib\/cni\)/);
    expect(() => execPlugin(list, '../bin/sh', 'ADD', '{}', env)).to.throw(CniError, /a plugin type is a file name/);
  });
});

describe('network: CNI 1.1 STATUS and GC', () => {
  // Debian 12's plugins speak up to 1.0.0, so podrun's side of the 1.1 verbs is checked with a
  // plugin written here that speaks 1.1.0 and records what it was sent.
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'podrun-cni11-'));
    writeFileSync(
      join(dir, 'fake11'),
      `#!/bin/sh\ncase "$CNI_COMMAND" in\nVERSION) echo '{"cniVersion":"1.1.0","supportedVersions":["1.0.0","1.1.0"]}' ;;\nSTATUS) cat > "${dir}/status.in"; if [ -e "${dir}/down" ]; then echo '{"cniVersion":"1.1.0","code":50,"msg":"the plugin is not available"}'; exit 1; fi ;;\nGC) cat > "${dir}/gc.in" ;;\nesac\n`,
      { mode: 0o755 },
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const list = (v: string) => ({ cniVersion: v, name: 'lab', plugins: [{ type: 'fake11' }], file: 'x', bytes: '' });

  it('STATUS is asked of a 1.1 list and its error is the plugin\'s; a 1.0 list asks nothing', () => {
    statusNetworkList(list('1.1.0'), [dir]);
    expect(JSON.parse(readFileSync(join(dir, 'status.in'), 'utf8'))).to.deep.equal({ type: 'fake11', name: 'lab', cniVersion: '1.1.0' });
    writeFileSync(join(dir, 'down'), '');
    expect(() => statusNetworkList(list('1.1.0'), [dir])).to.throw(CniError, 'network lab: plugin fake11 STATUS failed (CNI error 50): the plugin is not available');
    rmSync(join(dir, 'status.in'));
    statusNetworkList(list('1.0.0'), [dir]);
    expect(existsSync(join(dir, 'status.in'))).to.equal(false);
    rmSync(join(dir, 'down'));
  });

  it('GC gives the plugins the attachments still valid (cni.dev/valid-attachments); disableGC stops it', () => {
    gcNetworkList(list('1.1.0'), [{ containerID: 'a'.repeat(32), ifname: 'eth0' }], [dir]);
    expect(JSON.parse(readFileSync(join(dir, 'gc.in'), 'utf8'))).to.deep.equal({ type: 'fake11', name: 'lab', cniVersion: '1.1.0', 'cni.dev/valid-attachments': [{ containerID: 'a'.repeat(32), ifname: 'eth0' }] });
    rmSync(join(dir, 'gc.in'));
    gcNetworkList({ ...list('1.1.0'), disableGC: true }, [], [dir]);
    expect(existsSync(join(dir, 'gc.in'))).to.equal(false);
  });
});

describe('network: configuration lists', () => {
  it('reads a conflist and a single-plugin .conf (as libcni), and refuses what podrun could not run, naming the file', () => {
    const list = parseConflist('/etc/cni/net.d/10-a.conflist', JSON.stringify({ cniVersion: '1.0.0', name: 'a', plugins: [{ type: 'bridge' }, { type: 'portmap', capabilities: { portMappings: true } }], disableCheck: true }));
    expect(list).to.deep.include({ name: 'a', cniVersion: '1.0.0', disableCheck: true });
    expect(list.plugins.map((p) => p.type)).to.deep.equal(['bridge', 'portmap']);
    const conf = parseConflist('/etc/cni/net.d/20-b.conf', JSON.stringify({ cniVersion: '0.4.0', name: 'b', type: 'bridge', bridge: 'b0' }));
    expect(conf.plugins).to.deep.equal([{ type: 'bridge', bridge: 'b0' }]);
    const bad: [string, RegExp][] = [
      ['{', /10-x\.conflist: not JSON/],
      ['[]', /not a JSON object/],
      ['{"cniVersion":"1.0.0","name":"a b","plugins":[{"type":"x"}]}', /"name" must be a network name/],
      ['{"cniVersion":"one","name":"a","plugins":[{"type":"x"}]}', /"cniVersion" must be a version/],
      ['{"cniVersion":"1.0.0","name":"a","plugins":[]}', /at least one plugin/],
      ['{"cniVersion":"1.0.0","name":"a","plugins":[{"bridge":"x"}]}', /plugins\[0\] has no "type"/],
    ];
    for (const [text, re] of bad) expect(() => parseConflist('/etc/cni/net.d/10-x.conflist', text), text).to.throw(re);
  });

  it('the network of a pod: its annotation, else --network, else PODRUN_NETWORK, else podrun; none and hostNetwork have none', async () => {
    const saved = process.env.PODRUN_NETWORK;
    try {
      delete process.env.PODRUN_NETWORK;
      const plain = await load(podText('  containers: [{name: a, image: b}]\n'));
      const annotated = await load(podText('  containers: [{name: a, image: b}]\n', '  annotations: {podrun.dev/network: lab}\n'));
      const host = await load(podText('  hostNetwork: true\n  containers: [{name: a, image: b}]\n'));
      expect(podNetworkName(plain)).to.equal('podrun');
      expect(podNetworkName(plain, 'other')).to.equal('other');
      expect(podNetworkName(annotated, 'other')).to.equal('lab');
      expect(podNetworkName(plain, 'none')).to.equal(undefined);
      expect(podNetworkName(host, 'other')).to.equal(undefined);
      process.env.PODRUN_NETWORK = 'none';
      expect(podNetworkName(plain)).to.equal(undefined);
      expect(podNetworkName(plain, 'x')).to.equal('x');
      expect(() => podNetworkName(plain, 'a/b')).to.throw(/not a CNI network name/);
    } finally {
      if (saved === undefined) delete process.env.PODRUN_NETWORK;
      else process.env.PODRUN_NETWORK = saved;
    }
  });

  it('the annotation is checked as the manifest is read', async () => {
    const r = await loadManifests(['-'], { stdin: podText('  containers: [{name: a, image: b}]\n', '  annotations: {podrun.dev/network: "no/such"}\n') });
    expect(r.errors.map((e) => e.message)).to.deep.equal(['<stdin>:5: metadata.annotations[podrun.dev/network]: "no/such" is not a CNI network name']);
    const h = await loadManifests(['-'], { stdin: podText('  hostNetwork: true\n  containers: [{name: a, image: b}]\n', '  annotations: {podrun.dev/network: podrun}\n') });
    expect(h.errors.map((e) => e.message)).to.deep.equal(['<stdin>:5: metadata.annotations[podrun.dev/network]: the pod has hostNetwork: true, so it joins no network ("podrun")']);
  });

  it('the default subnet against /proc/net/route: another interface\'s route that meets it clashes; the default route and its own bridge do not', () => {
    const route = [
      'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
      'eth0\t00000000\t0102000A\t0003\t0\t0\t0\t00000000\t0\t0\t0', // default via 10.0.2.1
      'eth0\t0002000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0', // 10.0.2.0/24
      'podrun0\t0000570A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0', // 10.87.0.0/16 (ours)
      'wg0\t00C8570A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0', // 10.87.200.0/24
    ].join('\n');
    const routes = hostRoutes4(route);
    expect(routes[2]).to.deep.equal({ iface: 'podrun0', dst: parseCidr4('10.87.0.0/16')!.net, mask: parseCidr4('10.87.0.0/16')!.mask });
    expect(overlappingRoute('10.87.0.0/16', 'podrun0', routes)).to.equal('10.87.200.0/24 dev wg0');
    expect(overlappingRoute('10.88.0.0/16', 'podrun0', routes)).to.equal(undefined);
    expect(overlappingRoute('10.0.0.0/8', 'podrun0', routes)).to.equal('10.0.2.0/24 dev eth0');
    expect(overlappingRoute('10.0.2.128/25', 'podrun0', routes)).to.equal('10.0.2.0/24 dev eth0');
    expect(parseCidr4('10.0.0.0/33')).to.equal(undefined);
  });
});

describe('network: hostPorts', () => {
  it('two mappings take the same port when protocol and port match and their addresses meet', () => {
    const table: [object, object, boolean][] = [
      [{ hostPort: 80, protocol: 'tcp' }, { hostPort: 80, protocol: 'tcp' }, true],
      [{ hostPort: 80, protocol: 'tcp' }, { hostPort: 80, protocol: 'udp' }, false],
      [{ hostPort: 80, protocol: 'tcp' }, { hostPort: 81, protocol: 'tcp' }, false],
      [{ hostPort: 80, protocol: 'tcp', hostIP: '127.0.0.1' }, { hostPort: 80, protocol: 'tcp', hostIP: '10.0.0.1' }, false],
      [{ hostPort: 80, protocol: 'tcp', hostIP: '127.0.0.1' }, { hostPort: 80, protocol: 'tcp' }, true],
      [{ hostPort: 80, protocol: 'tcp', hostIP: '0.0.0.0' }, { hostPort: 80, protocol: 'tcp', hostIP: '10.0.0.1' }, true],
      [{ hostPort: 80, protocol: 'tcp', hostIP: '::' }, { hostPort: 80, protocol: 'tcp', hostIP: '10.0.0.1' }, true],
    ];
    for (const [a, b, want] of table) expect(samePort(a as never, b as never), JSON.stringify([a, b])).to.equal(want);
  });

  it('reads listening TCP and bound UDP sockets from /proc/net (IPv4 and IPv6, little-endian words)', () => {
    const files: Record<string, string> = {
      '/proc/net/tcp': 'header\n   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1\n   1: 0100007F:1F91 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 4243 1\n',
      '/proc/net/tcp6': 'header\n   0: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 77 1\n',
      '/proc/net/udp': 'header\n   0: 00000000:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 88 2\n',
      '/proc/net/udp6': 'header\n   0: 0000000000000000FFFF00000100007F:0050 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 99 2\n',
    };
    expect(hostSockets((f) => files[f])).to.deep.equal([
      { protocol: 'tcp', address: '127.0.0.1', port: 8080, inode: 4242 },
      { protocol: 'tcp', address: '::', port: 80, inode: 77 },
      { protocol: 'udp', address: '0.0.0.0', port: 53, inode: 88 },
      { protocol: 'udp', address: '127.0.0.1', port: 80, inode: 99 },
    ]);
  });
});

describe('network: addresses in one written form', () => {
  it('IPv4-mapped IPv6 is its IPv4, IPv6 compressed (RFC 5952), unspecified in any spelling is any (review 21)', () => {
    const table: [string, string][] = [
      ['127.0.0.1', '127.0.0.1'],
      ['::ffff:127.0.0.1', '127.0.0.1'],
      ['::FFFF:0.0.0.0', '0.0.0.0'],
      ['0:0:0:0:0:ffff:7f00:1', '127.0.0.1'],
      ['0:0:0:0:0:0:0:1', '::1'],
      ['0:0:0:0:0:0:0:0', '::'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
      ['fe80::1%eth0', 'fe80::1'],
    ];
    for (const [a, want] of table) expect(canonicalIP(a), a).to.equal(want);
    for (const a of ['0.0.0.0', '::', '::ffff:0.0.0.0', '0:0::0', undefined]) expect(isUnspecified(a), String(a)).to.equal(true);
    expect(isUnspecified('::1')).to.equal(false);
    expect(samePort({ hostPort: 80, protocol: 'tcp', hostIP: '::ffff:127.0.0.1' }, { hostPort: 80, protocol: 'tcp', hostIP: '127.0.0.1' })).to.equal(true);
    expect(samePort({ hostPort: 80, protocol: 'tcp', hostIP: '::ffff:0.0.0.0' }, { hostPort: 80, protocol: 'tcp', hostIP: '10.0.0.1' })).to.equal(true);
  });
});

describe('network: resolv.conf for a pod on a network', () => {
  it('a nameserver on the host\'s loopback is replaced by systemd-resolved\'s upstreams, or dropped with a note; others are kept', () => {
    const stub = 'nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch lan\n';
    const upstream = 'nameserver 192.168.1.1\nnameserver 127.0.0.1\nnameserver fd00::1\n';
    expect(reachableFromPods(stub, upstream)).to.equal('nameserver 192.168.1.1\nnameserver fd00::1\nsearch lan\noptions edns0 trust-ad\n');
    expect(reachableFromPods(stub, '')).to.equal("# podrun: the host's name servers (127.0.0.53) are on its loopback, which the pod cannot reach; set spec.dnsConfig\nsearch lan\noptions edns0 trust-ad\n");
    expect(reachableFromPods('nameserver ::1\nnameserver 10.0.0.2\n', '')).to.equal('nameserver 10.0.0.2\n');
    const plain = 'nameserver 10.255.255.53\n';
    expect(reachableFromPods(plain, upstream)).to.equal(plain);
    // Through resolvConf: only for pods on a network; dnsConfig still merges on top.
    expect(resolvConf({ dnsPolicy: 'ClusterFirst', hostResolvConf: stub, podNetwork: true, upstreamResolvConf: upstream })).to.equal('nameserver 192.168.1.1\nnameserver fd00::1\nsearch lan\noptions edns0 trust-ad\n');
    expect(resolvConf({ dnsPolicy: 'ClusterFirst', hostResolvConf: stub })).to.equal(stub);
    expect(resolvConf({ dnsPolicy: 'ClusterFirst', hostResolvConf: stub, podNetwork: true, upstreamResolvConf: upstream, dnsConfig: { nameservers: ['1.1.1.1'] } })).to.equal(
      'nameserver 192.168.1.1\nnameserver fd00::1\nnameserver 1.1.1.1\nsearch lan\noptions edns0 trust-ad\n',
    );
  });
});

describe('network: the plan', () => {
  const spec = `  containers:
  - name: app
    image: busybox:1.36
    command: [sh, -c, 'echo $(POD_IP)']
    env:
    - {name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
    - {name: POD_IPS, valueFrom: {fieldRef: {fieldPath: status.podIPs}}}
    - {name: URL, value: 'http://$(POD_IP):80'}
    ports: [{containerPort: 80, hostPort: 8080}, {containerPort: 53, hostPort: 5353, protocol: UDP, hostIP: 127.0.0.1}]
    readinessProbe: {httpGet: {port: 80}}
`;

  it('on a network: the stand-ins for the pod IP everywhere it goes, the portMappings, and withPodAddresses puts the addresses in', async () => {
    const r = planPod(await load(podText(spec)), fakeFacts({ network: NET }));
    const plan = r.plan!;
    const t = networkTokens(NET.containerId);
    expect(t).to.deep.equal({ ip: `podrun-pod-ip-${NET.containerId}.invalid`, ips: `podrun-pod-ips-${NET.containerId}.invalid` });
    expect(plan.network).to.deep.equal({ ...NET, ifName: 'eth0', portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }, { hostPort: 5353, containerPort: 53, protocol: 'udp', hostIP: '127.0.0.1' }], tokens: t });
    expect(plan.podIP).to.equal(t.ip);
    expect(isPendingAddress(plan.podIP)).to.equal(true);
    const c = plan.containers[0];
    const env = (x: typeof c) => x.env.map((e) => `${e.name}=${e.value}`);
    expect(env(c)).to.include.members([`POD_IP=${t.ip}`, `POD_IPS=${t.ips}`, `URL=http://${t.ip}:80`]);
    expect(c.argv).to.deep.equal(['sh', '-c', `echo ${t.ip}`]);
    expect(plan.hosts).to.include(`${t.ip}\tweb\n`);
    const done = withPodAddresses(plan, '10.87.0.9', ['10.87.0.9', 'fd00::9']);
    // everywhere but the stand-ins' own record (a launch made from the record again needs them)
    expect(JSON.stringify({ ...done, network: undefined })).to.not.include('podrun-pod-ip');
    expect(done.network!.tokens).to.deep.equal(t);
    expect(done.podIP).to.equal('10.87.0.9');
    expect(done.network!.ips).to.deep.equal(['10.87.0.9', 'fd00::9']);
    expect(env(done.containers[0])).to.include.members(['POD_IP=10.87.0.9', 'POD_IPS=10.87.0.9,fd00::9', 'URL=http://10.87.0.9:80']);
    expect(done.hosts).to.include('10.87.0.9\tweb\n');
    expect(JSON.stringify(done.supervision)).to.include('"host":"10.87.0.9"');
    expect(plan.podIP, 'the input plan is not changed').to.equal(t.ip);
    // no router advertisements in a pod on a network, where the kernel has IPv6; the pod's own setting wins
    expect(planPod(await load(podText(spec)), fakeFacts({ network: NET, ipv6: true })).plan!.sysctls).to.deep.equal([
      { name: 'net.ipv6.conf.all.accept_ra', value: '0' },
      { name: 'net.ipv6.conf.default.accept_ra', value: '0' },
    ]);
    expect(plan.sysctls, 'no IPv6 on the host: nothing').to.deep.equal([]);
  });

  it('hostPorts: refused without a network; unique per protocol and address (the API server\'s rule)', async () => {
    const none = planPod(await load(podText(spec)), fakeFacts());
    expect(none.errors.map((e) => e.message.replace(/^<stdin>:\d+: \S+: /, ''))).to.deep.equal([
      'hostPort 8080 needs a pod network, and this pod has none (network "none")',
      'hostPort 5353 needs a pod network, and this pod has none (network "none")',
    ]);
    const dup = `  containers:\n  - {name: a, image: busybox:1.36, ports: [{containerPort: 80, hostPort: 8080}]}\n  - {name: b, image: busybox:1.36, ports: [{containerPort: 81, hostPort: 8080}, {containerPort: 82, hostPort: 8080, protocol: UDP}]}\n`;
    const r = planPod(await load(podText(dup)), fakeFacts({ network: NET }));
    expect(r.errors.map((e) => e.message)).to.deep.equal(['<stdin>:8: spec.containers[1].ports[0].hostPort: hostPort 8080/TCP is already used by container a']);
    // hostNetwork: hostPort must be the containerPort (validation), and no mapping is planned.
    const hn = planPod(await load(podText('  hostNetwork: true\n  containers:\n  - {name: a, image: busybox:1.36, ports: [{containerPort: 80, hostPort: 80}]}\n')), fakeFacts({ network: undefined }));
    expect(hn.plan!.network).to.equal(undefined);
    const bad = await loadManifests(['-'], { stdin: podText('  hostNetwork: true\n  containers:\n  - {name: a, image: b, ports: [{containerPort: 80, hostPort: 81}]}\n') });
    expect(bad.errors.map((e) => e.message)).to.deep.equal(['<stdin>:8: spec.containers[0].ports[0].hostPort: hostPort 81 must match containerPort 80 when hostNetwork is true']);
  });

  it('without a network the pod keeps lo\'s 127.0.0.1; with hostNetwork the host\'s address', async () => {
    const plain = planPod(await load(podText('  containers: [{name: a, image: busybox:1.36}]\n')), fakeFacts()).plan!;
    expect(plain.podIP).to.equal('127.0.0.1');
    expect(plain).to.not.have.property('network');
    const hn = planPod(await load(podText('  hostNetwork: true\n  containers: [{name: a, image: busybox:1.36}]\n')), fakeFacts()).plan!;
    expect(hn.podIP).to.equal('192.168.1.20');
  });
});
