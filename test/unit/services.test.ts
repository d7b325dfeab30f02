// Services' pure parts (issue 12): the manifest as the API server validates and defaults it, the
// cluster IP and nodePort allocators, endpoints (selector, readiness, named targetPorts), the
// nftables table, and the names the managed /etc/hosts gives (as cluster DNS would answer).
import { expect } from 'chai';
import { loadManifests } from '../../src/manifest/load';
import type { ServiceObject } from '../../src/manifest/service';
import { serviceEndpoints, serviceHostsLines, serviceRules, type EndpointPod } from '../../src/plan/services';
import { allocateService, AllocationError, inServiceRange } from '../../src/runtime/network/service-alloc';
import { endpointPod } from '../../src/runtime/network/services-sync';

async function loadService(spec: string, name = 'web'): Promise<{ svc?: ServiceObject; errors: string[] }> {
  const r = await loadManifests(['-'], { stdin: `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n${spec}` });
  return { svc: r.objects[0]?.object as ServiceObject | undefined, errors: r.errors.map((e) => e.message.replace(/^<stdin>:\d+: /, '')) };
}

const svc = (name: string, spec: Partial<ServiceObject['spec']>, namespace = 'default'): ServiceObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace },
  spec: { type: 'ClusterIP', sessionAffinity: 'None', ports: [{ protocol: 'TCP', port: 80, targetPort: 8080 }], ...spec },
});

const pod = (name: string, over: Partial<EndpointPod> = {}): EndpointPod => ({ namespace: 'default', name, ip: `10.87.0.${name.length + 1}`, labels: { app: 'web' }, ready: true, hostname: name, ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }], ...over });

describe('services: the manifest', () => {
  it('defaults type ClusterIP, protocol TCP, targetPort = port and sessionAffinity None', async () => {
    const { svc: s, errors } = await loadService('  selector: {app: web}\n  ports: [{port: 80}]\n');
    expect(errors).to.deep.equal([]);
    expect(s!.spec).to.deep.equal({ type: 'ClusterIP', selector: { app: 'web' }, ports: [{ protocol: 'TCP', port: 80, targetPort: 80 }], sessionAffinity: 'None' });
  });

  it('refuses what the API server refuses, and what podrun cannot run, each at its field', async () => {
    const cases: [string, string[]][] = [
      ['  ports: []\n', ['spec.ports: Required value']],
      ['  ports: [{port: 80}, {port: 81}]\n', ['spec.ports[0].name: Required value', 'spec.ports[1].name: Required value']],
      ['  ports: [{name: a, port: 80}, {name: a, port: 81}]\n', ['spec.ports[1].name: Duplicate value: "a"']],
      ['  ports: [{name: a, port: 80}, {name: b, port: 80}]\n', ['spec.ports[1]: Duplicate value: port 80/TCP']],
      ['  ports: [{port: 70000}]\n', ['spec.ports[0].port: 70000 is out of range 1..65535']],
      ['  ports: [{port: 80, targetPort: "8080"}]\n', ['spec.ports[0].targetPort: targetPort "8080" is a string, and a port name needs a letter']],
      ['  ports: [{port: 80, nodePort: 30001}]\n', ["spec.ports[0].nodePort: may not be used when `type` is 'ClusterIP'"]],
      ['  type: NodePort\n  ports: [{port: 80, nodePort: 80}]\n', ['spec.ports[0].nodePort: provided port is not in the valid range. The range of valid ports is 30000-32767']],
      ['  type: ExternalName\n  externalName: db.example.com\n', ['spec.type: ExternalName Services are not supported by podrun (there is no cluster DNS to give the CNAME)']],
      ['  ports: [{port: 80}]\n  sessionAffinity: ClientIP\n', ['spec.sessionAffinity: ClientIP session affinity is not supported by podrun']],
      ['  ports: [{port: 80}]\n  externalIPs: [1.2.3.4]\n', ['spec.externalIPs: externalIPs is not supported by podrun']],
      ['  ports: [{port: 80}]\n  clusterIP: nope\n', ['spec.clusterIP: "nope" must be a valid IP address or "None"']],
      ['  type: NodePort\n  clusterIP: None\n  ports: [{port: 80}]\n', ['spec.clusterIP: may not be "None" for NodePort services']],
      ['  ports: [{port: 80}]\n  ipFamilies: [IPv6]\n', ['spec.ipFamilies: podrun gives Services IPv4 addresses only']],
      ['  ports: [{port: 80}]\n  selectr: {a: b}\n', ['spec.selectr: unknown field "selectr"']],
    ];
    for (const [spec, want] of cases) {
      const got = (await loadService(spec)).errors.map((e) => e.split('\n')[0]);
      expect(got, spec).to.deep.equal(want);
    }
    expect((await loadService('  ports: [{port: 80}]\n', '9web')).errors[0]).to.match(/^metadata.name: Service name "9web" is not a valid DNS-1035 label/);
    expect((await loadService('  clusterIP: None\n  selector: {app: db}\n')).errors).to.deep.equal([]);
  });
});

describe('services: allocation', () => {
  it('gives the lowest free cluster IP from .2, keeps it on re-apply, and refuses a taken, out-of-range or changed one', () => {
    const a = allocateService(svc('a', {}), undefined, [], '10.96.0.0/16');
    expect(a.spec.clusterIP).to.equal('10.96.0.2');
    expect(a.spec).to.deep.include({ clusterIPs: ['10.96.0.2'], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' });
    const b = allocateService(svc('b', {}), undefined, [a], '10.96.0.0/16');
    expect(b.spec.clusterIP).to.equal('10.96.0.3');
    const again = allocateService(svc('a', {}), a as never, [b], '10.96.0.0/16');
    expect(again.spec.clusterIP).to.equal('10.96.0.2');
    const refused: [ServiceObject, unknown, ServiceObject[], RegExp][] = [
      [svc('c', { clusterIP: '10.96.0.3' }), undefined, [b], /already allocated/],
      [svc('c', { clusterIP: '10.1.0.3' }), undefined, [], /not in the valid range. The range of valid IPs is 10\.96\.0\.0\/16/],
      [svc('a', { clusterIP: '10.96.0.9' }), a, [], /field is immutable/],
      [svc('a', { clusterIP: 'None' }), a, [], /field is immutable/],
    ];
    for (const [next, before, others, re] of refused) expect(() => allocateService(next, before as never, others, '10.96.0.0/16')).to.throw(AllocationError, re);
    expect(allocateService(svc('h', { clusterIP: 'None' }), undefined, [], '10.96.0.0/16').spec.clusterIP).to.equal('None');
    expect(() => allocateService(svc('z', {}), undefined, [], '10.96.0.0/31')).to.throw(/is full/);
    expect(inServiceRange('10.96.255.254', '10.96.0.0/16')).to.equal(true);
    expect(inServiceRange('10.97.0.1', '10.96.0.0/16')).to.equal(false);
  });

  it('nodePorts: from 30000 up for NodePort and LoadBalancer, kept on re-apply, a given one must be free; none for ClusterIP', () => {
    const np = allocateService(svc('n', { type: 'NodePort', ports: [{ name: 'a', protocol: 'TCP', port: 80, targetPort: 80 }, { name: 'b', protocol: 'TCP', port: 81, targetPort: 81, nodePort: 30000 }] }), undefined, [], '10.96.0.0/16');
    expect(np.spec.ports.map((p) => p.nodePort)).to.deep.equal([30001, 30000]);
    const lb = allocateService(svc('l', { type: 'LoadBalancer' }), undefined, [np], '10.96.0.0/16');
    expect(lb.spec.ports[0].nodePort).to.equal(30002);
    expect(allocateService(svc('l', { type: 'LoadBalancer' }), lb as never, [np], '10.96.0.0/16').spec.ports[0].nodePort).to.equal(30002);
    expect(() => allocateService(svc('x', { type: 'NodePort', ports: [{ protocol: 'TCP', port: 80, targetPort: 80, nodePort: 30000 }] }), undefined, [np], '10.96.0.0/16')).to.throw(/already allocated/);
    expect(allocateService(svc('l', { type: 'ClusterIP' }), lb as never, [np], '10.96.0.0/16').spec.ports[0]).to.not.have.property('nodePort');
  });
});

describe('services: endpoints, rules and names', () => {
  it('endpoints: the pods of its namespace its selector matches, ready ones (all with publishNotReadyAddresses), named targetPorts per pod', () => {
    const pods = [pod('b'), pod('a'), pod('c', { ready: false }), pod('d', { labels: { app: 'db' } }), pod('e', { namespace: 'other' }), pod('f', { ports: [] })];
    const e = serviceEndpoints(svc('web', { selector: { app: 'web' }, ports: [{ name: 'h', protocol: 'TCP', port: 80, targetPort: 'http' }, { name: 'n', protocol: 'TCP', port: 81, targetPort: 9000 }] }), pods);
    expect(e.pods.map((p) => p.name)).to.deep.equal(['a', 'b', 'f']);
    expect(e.ports[0].targets).to.deep.equal([{ ip: '10.87.0.2', port: 8080, pod: 'a' }, { ip: '10.87.0.2', port: 8080, pod: 'b' }]);
    expect(e.ports[1].targets.map((t) => `${t.pod}:${t.port}`)).to.deep.equal(['a:9000', 'b:9000', 'f:9000']);
    expect(serviceEndpoints(svc('web', { selector: { app: 'web' }, publishNotReadyAddresses: true }), pods).pods.map((p) => p.name)).to.deep.equal(['a', 'b', 'c', 'f']);
    expect(serviceEndpoints(svc('web', {}), pods).pods, 'no selector: no endpoints').to.deep.equal([]);
  });

  it('the nftables table: VIP:port to a marked, randomly balanced DNAT per endpoint; nodePorts on the chosen addresses; the service range rejected after NAT', () => {
    const a = allocateService(svc('web', { selector: { app: 'web' }, type: 'NodePort' }), undefined, [], '10.96.0.0/16');
    const e = serviceEndpoints(a, [pod('a', { ip: '10.87.0.5' }), pod('b', { ip: '10.87.0.6' })]);
    const empty = serviceEndpoints(allocateService(svc('idle', { selector: { app: 'none' } }), undefined, [a], '10.96.0.0/16'), []);
    const t = serviceRules([e, empty], { serviceCidr: '10.96.0.0/16', nodePortAddresses: ['127.0.0.1'] });
    expect(t).to.include('    ip daddr 10.96.0.2 tcp dport 80 jump svc-0-0\n');
    expect(t).to.include('    ip daddr 127.0.0.1 tcp dport 30000 jump svc-0-0\n');
    expect(t).to.include('    meta mark set meta mark | 0x4000\n    numgen random mod 2 vmap { 0 : jump svc-0-0-0, 1 : jump svc-0-0-1 }\n');
    expect(t).to.include('  chain svc-0-0-1 {\n    meta l4proto tcp dnat to 10.87.0.6:8080\n  }');
    // a Service without endpoints: its VIP is dispatched to a chain that does nothing, and the reject catches it
    expect(t).to.include('    ip daddr 10.96.0.3 tcp dport 80 jump svc-1-0\n');
    expect(t).to.include('  chain svc-1-0 {\n    comment "default/idle:80"\n  }');
    expect(t).to.include('    ip daddr 10.96.0.0/16 meta l4proto tcp reject with tcp reset\n');
    expect(t).to.include('    ip daddr 10.96.0.0/16 reject with icmp type port-unreachable\n');
    expect(t).to.include('    meta mark & 0x4000 == 0x4000 masquerade\n');
    const lb = serviceRules([serviceEndpoints(allocateService(svc('lb', { selector: { app: 'web' }, type: 'LoadBalancer' }), undefined, [], '10.96.0.0/16'), [pod('a')])], { serviceCidr: '10.96.0.0/16', nodePortAddresses: ['0.0.0.0/0'] });
    expect(lb).to.include('    fib daddr type local tcp dport 30000 jump svc-0-0\n');
    expect(lb).to.include('    fib daddr type local tcp dport 80 jump svc-0-0\n');
  });

  it('names: NAME only in the Service\'s namespace, NAME.NS and the FQDN everywhere; headless: every pod\'s address, and hostname.subdomain', () => {
    const web = serviceEndpoints(allocateService(svc('web', { selector: { app: 'web' } }), undefined, [], '10.96.0.0/16'), [pod('a')]);
    const db = serviceEndpoints(svc('db', { clusterIP: 'None', selector: { app: 'db' } }, 'data'), [
      pod('db-0', { namespace: 'data', labels: { app: 'db' }, ip: '10.87.0.20', subdomain: 'db', hostname: 'db-0' }),
      pod('db-1', { namespace: 'data', labels: { app: 'db' }, ip: '10.87.0.21' }),
    ]);
    expect(serviceHostsLines('default', [web, db])).to.deep.equal([
      '10.96.0.2\tweb.default.svc.cluster.local web.default web',
      '10.87.0.20\tdb.data.svc.cluster.local db.data',
      '10.87.0.21\tdb.data.svc.cluster.local db.data',
      '10.87.0.20\tdb-0.db.data.svc.cluster.local',
    ]);
    expect(serviceHostsLines('data', [db])).to.include('10.87.0.20\tdb-0.db.data.svc.cluster.local db-0.db');
    expect(serviceHostsLines('data', [db])[0]).to.equal('10.87.0.20\tdb.data.svc.cluster.local db.data db');
  });
});

describe('services: endpoint candidates', () => {
  it('only pods with an IPv4 address others reach: not IPv6 (the table is ip), not loopback, not a stand-in, not network none (review 22)', () => {
    const rec = (podIP: string, net: 'pod' | 'host', network = true) =>
      ({ plan: { namespace: 'default', name: 'p', podIP, hostname: 'p', namespaces: { net }, ...(network ? { network: {} } : {}), containers: [{ ports: [] }] }, manifest: { metadata: {}, spec: {} } }) as never;
    expect(endpointPod(rec('10.87.0.5', 'pod'), true)?.ip).to.equal('10.87.0.5');
    expect(endpointPod(rec('192.0.2.2', 'host', false), true)?.ip).to.equal('192.0.2.2');
    for (const [ip, net, network] of [['fd00::5', 'pod', true], ['127.0.0.1', 'host', false], ['127.0.0.1', 'pod', false], ['podrun-pod-ip-x.invalid', 'pod', true]] as const)
      expect(endpointPod(rec(ip, net, network), true), ip).to.equal(undefined);
  });
});
