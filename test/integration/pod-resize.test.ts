// In-place resize on this host's real cgroups (v1 controllers here): a re-apply that changes only
// cpu and memory writes the new limits into the running containers' cgroups and the pod's, the
// processes untouched; RestartContainer restarts that container alone, with the lower limit; a
// memory limit below what is in use is refused with nothing changed; a change the rules do not
// allow in place (the QoS class) re-creates the pod, saying why.
import { expect } from 'chai';
import { readFileSync } from 'fs';
import { join } from 'path';
import { haveBusybox } from '../helpers/busybox';
import { isRoot, podrun } from '../helpers/cli';
import { detectCgroups } from '../../src/runtime/cgroup/detect';
import type { PlannedCgroup } from '../../src/plan/types';
import { deletePodsAndCheckLeaks, podManifest, PodSuite, setUpSuite, waitFor, writeManifest } from './pod-helpers';

describe('resources: in-place resize (integration)', function () {
  this.timeout(180_000);
  let s: PodSuite | undefined;
  const host = detectCgroups();

  before(function () {
    if (!isRoot() || !haveBusybox() || host.driver === 'none' || !host.controllers?.memory || !host.controllers?.cpu) this.skip();
    s = setUpSuite('podrun-resize-');
  });
  after(() => deletePodsAndCheckLeaks(s, [], ['rs']));

  const dir = () => join(s!.root, 'pods', 'default_rs');
  const plan = () => JSON.parse(readFileSync(join(dir(), 'pod.json'), 'utf8')).plan;
  const state = (c: string) => JSON.parse(readFileSync(join(dir(), 'containers', c, 'state.json'), 'utf8'));
  const v2 = (c: 'memory' | 'cpu') => host.driver !== 'none' && host.controllers?.[c] === 'unified';
  const file = (cg: PlannedCgroup, controller: 'memory' | 'cpu', name: string) => readFileSync(join(cg.dirs[cg.controllers![controller]!], name), 'utf8').trim();
  const memLimit = (cg: PlannedCgroup) => file(cg, 'memory', v2('memory') ? 'memory.max' : 'memory.limit_in_bytes');
  const cpuQuota = (cg: PlannedCgroup) => (v2('cpu') ? file(cg, 'cpu', 'cpu.max').split(' ')[0] : file(cg, 'cpu', 'cpu.cfs_quota_us'));
  const cgOf = (name: string): PlannedCgroup => [...(plan().initContainers ?? []), ...plan().containers].find((c: { name: string }) => c.name === name).cgroup;
  const MI = 2 ** 20;

  /** The pod: app (resources APP) with a memory emptyDir, and a sidecar that ends on SIGTERM whose memory policy restarts it. */
  const apply = (app: Record<string, unknown>, sideMemory = '64Mi', sideCpu?: string) =>
    podrun(s!.root, [
      'apply',
      '-f',
      writeManifest(
        s!.root,
        'rs.yaml',
        podManifest('rs', {
          terminationGracePeriodSeconds: 5,
          volumes: [{ name: 'mem', emptyDir: { medium: 'Memory' } }],
          initContainers: [
            {
              name: 'side',
              restartPolicy: 'Always',
              command: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 0.1; done'],
              resizePolicy: [{ resourceName: 'memory', restartPolicy: 'RestartContainer' }],
              resources: { limits: { memory: sideMemory, ...(sideCpu ? { cpu: sideCpu } : {}) } },
              volumeMounts: [{ name: 'mem', mountPath: '/mem' }],
            },
          ],
          containers: [{ name: 'app', command: ['sleep', '3600'], resources: app, volumeMounts: [{ name: 'mem', mountPath: '/mem' }] }],
        }),
      ),
    ]);
  const BASE = { requests: { cpu: '100m', memory: '32Mi' }, limits: { cpu: '500m', memory: '64Mi' } };
  const BIGGER = { requests: { cpu: '200m', memory: '32Mi' }, limits: { cpu: '1', memory: '128Mi' } };

  it('writes the new cpu and memory into the running containers and the pod, the processes untouched', () => {
    const r = apply(BASE);
    expect(r.code, r.stderr).to.equal(0);
    waitFor(() => state('app').state === 'running' && state('side').state === 'running', 30_000, 'running');
    const pid = state('app').pid;
    expect(memLimit(cgOf('app'))).to.equal(String(64 * MI));
    expect(cpuQuota(cgOf('app'))).to.equal('50000');
    const dry = podrun(s!.root, ['apply', '--dry-run', '-f', join(s!.root, 'rs.yaml')]);
    expect(dry.stdout).to.equal('pod/rs unchanged (dry run)\n');
    const again = apply(BIGGER);
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stdout).to.equal('pod/rs resized\n');
    expect(state('app').pid, 'not restarted').to.equal(pid);
    expect(memLimit(cgOf('app'))).to.equal(String(128 * MI));
    expect(cpuQuota(cgOf('app'))).to.equal('100000');
    expect(memLimit(plan().cgroup), 'the pod: both limits').to.equal(String(192 * MI));
    const d = podrun(s!.root, ['describe', 'pod', 'rs']).stdout;
    expect(d).to.match(/Limits:\n +cpu: +1\n +memory: +128Mi\n +Requests:\n +cpu: +200m\n +memory: +32Mi/);
    const g = JSON.parse(podrun(s!.root, ['get', 'pod', 'rs', '-o', 'json']).stdout);
    expect(g.status.containerStatuses[0].restartCount).to.equal(0);
    // what the cgroups have now (Z9.5)
    expect(g.status.containerStatuses[0].resources).to.deep.equal({ requests: { cpu: '200m', memory: '32Mi' }, limits: { cpu: '1', memory: '128Mi' } });
    expect(g.status.containerStatuses[0].allocatedResources).to.deep.equal({ cpu: '200m', memory: '32Mi' });
    expect(apply(BIGGER).stdout, 'the same manifest again').to.equal('pod/rs unchanged\n');
  });

  it('RestartContainer: restarts that container alone and lowers its limit; the others keep running', () => {
    const app = state('app').pid;
    const side = state('side').pid;
    const r = apply(BIGGER, '48Mi');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal('pod/rs resized\n');
    expect(state('side').pid).to.not.equal(side);
    expect(state('side').state).to.equal('running');
    expect(state('app').pid).to.equal(app);
    expect(memLimit(cgOf('side'))).to.equal(String(48 * MI));
    expect(memLimit(plan().cgroup)).to.equal(String(176 * MI));
    const events = JSON.parse(readFileSync(join(dir(), 'events.json'), 'utf8')).events as { reason: string; message: string }[];
    expect(events.filter((e) => e.reason === 'Killing').map((e) => e.message)).to.deep.equal(['Container side resize requires restart']);
    const g = JSON.parse(podrun(s!.root, ['get', 'pod', 'rs', '-o', 'json']).stdout);
    expect(g.status.initContainerStatuses[0].restartCount).to.equal(1);
  });

  it('refuses a memory limit below what the container uses, changing nothing', () => {
    const w = podrun(s!.root, ['exec', 'rs/app', '--', 'dd', 'if=/dev/zero', 'of=/mem/f', 'bs=1M', 'count=80']);
    expect(w.code, w.stderr).to.equal(0);
    const before = readFileSync(join(dir(), 'pod.json'), 'utf8');
    const r = apply({ ...BIGGER, limits: { cpu: '2', memory: '64Mi' } }, '48Mi');
    expect(r.code).to.not.equal(0);
    expect(r.stderr).to.match(/^error: pod\/rs: cannot decrease memory limits: attempting to set container "app" memory limit \(64Mi\) below current usage \(\S+\): not resized, nothing was changed\n {2}hint: /);
    expect(r.stderr).to.not.match(/\n\s+at /);
    expect(memLimit(cgOf('app'))).to.equal(String(128 * MI));
    expect(cpuQuota(cgOf('app')), 'the cpu change waits too').to.equal('100000');
    expect(readFileSync(join(dir(), 'pod.json'), 'utf8')).to.equal(before);
    expect(podrun(s!.root, ['exec', 'rs/app', '--', 'rm', '/mem/f']).code).to.equal(0);
  });

  it('a restarted container\'s lower limit is checked again after the restart: its cgroup still holds the old instance\'s Memory emptyDir pages (review 18)', () => {
    const up = apply(BIGGER, '128Mi');
    expect(up.code, up.stderr).to.equal(0);
    const w = podrun(s!.root, ['exec', 'rs/side', '--', 'dd', 'if=/dev/zero', 'of=/mem/side', 'bs=1M', 'count=80']);
    expect(w.code, w.stderr).to.equal(0);
    const r = apply(BIGGER, '48Mi');
    expect(r.code).to.not.equal(0);
    expect(r.stderr).to.match(/^error: pod\/rs: cannot decrease memory limits: attempting to set container "side" memory limit \(48Mi\) below current usage \(\S+\)/);
    expect(memLimit(cgOf('side')), 'the old limit kept').to.equal(String(128 * MI));
    expect(state('side').state, 'the new instance runs').to.equal('running');
    expect(podrun(s!.root, ['exec', 'rs/side', '--', 'rm', '/mem/side']).code).to.equal(0);
    const again = apply(BIGGER, '48Mi');
    expect(again.code, again.stderr).to.equal(0);
    expect(memLimit(cgOf('side'))).to.equal(String(48 * MI));
  });

  it('a change of QoS class is not a resize: the pod is re-created, and apply says why', () => {
    const pid = state('app').pid;
    const r = apply({ limits: { cpu: '1', memory: '128Mi' } }, '48Mi'); // requests = limits now: still Burstable (the sidecar)
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal('pod/rs resized\n');
    const q = apply({ limits: { cpu: '1', memory: '128Mi' } }, '48Mi', '100m'); // every container requests = limits: Guaranteed
    expect(q.code, q.stderr).to.equal(0);
    expect(q.stdout).to.equal('pod/rs recreated (Pod QOS Class may not change as a result of resizing)\n');
    waitFor(() => state('app').state === 'running', 30_000, 'running again');
    expect(state('app').pid).to.not.equal(pid);
    expect(JSON.parse(podrun(s!.root, ['get', 'pod', 'rs', '-o', 'json']).stdout).status.qosClass).to.equal('Guaranteed');
  });
});
