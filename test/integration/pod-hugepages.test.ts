// Huge pages on this host's real hugetlb controller (cgroup v2's here, hybrid): the test reserves
// a few 2 MiB pages for itself (vm.nr_hugepages, put back after), and a pod gets the hugetlb
// limits the kubelet writes: what it asked for, 0 for every other size and for a pod that asked
// for none; a mapping within the limit works, past it fails; a HugePages emptyDir is hugetlbfs of
// that size; a pod asking for more than the host has reserved is refused, nothing made.
import { expect } from 'chai';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { haveBusybox } from '../helpers/busybox';
import { isRoot, podrun } from '../helpers/cli';
import { haveCompiler, staticProgram } from '../helpers/static-c';
import { detectCgroups } from '../../src/runtime/cgroup/detect';
import type { PlannedCgroup } from '../../src/plan/types';
import { deletePodsAndCheckLeaks, podManifest, PodSuite, setUpSuite, waitFor, writeManifest } from './pod-helpers';

const NR = '/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages';
const PAGE = 2 ** 21;

describe('resources: huge pages (integration)', function () {
  this.timeout(120_000);
  let s: PodSuite | undefined;
  let tools: string | undefined;
  let reserved: string | undefined; // nr_hugepages before the test
  const pods = ['huge', 'nohuge', 'toomany'];
  const host = detectCgroups();

  before(function () {
    if (!isRoot() || !haveBusybox() || !haveCompiler() || host.driver === 'none' || !host.controllers?.hugetlb || !existsSync(NR)) {
      console.log(`      (skipped: needs root, busybox, gcc, the hugetlb controller and 2 MiB pages; controller: ${host.driver === 'none' ? 'none' : (host.controllers?.hugetlb ?? 'none')})`);
      this.skip();
    }
    reserved = readFileSync(NR, 'utf8').trim();
    writeFileSync(NR, String(Number(reserved) + 4));
    if (Number(readFileSync(NR, 'utf8')) < Number(reserved) + 4) {
      writeFileSync(NR, reserved);
      console.log('      (skipped: the kernel could not reserve 4 more 2 MiB pages)');
      this.skip();
    }
    console.log(`      (hugetlb on ${host.controllers.hugetlb === 'unified' ? 'cgroup v2' : 'cgroup v1'}; ${Number(reserved) + 4} pages of 2 MiB reserved for the test)`);
    s = setUpSuite('podrun-hugepages-');
    tools = mkdtempSync(join(tmpdir(), 'podrun-hugemap-'));
    copyFileSync(staticProgram('hugemap'), join(tools, 'hugemap'));
  });
  after(() => {
    try {
      deletePodsAndCheckLeaks(s, [], pods);
    } finally {
      if (tools) rmSync(tools, { recursive: true, force: true });
      if (reserved !== undefined) writeFileSync(NR, reserved);
    }
  });

  const apply = (name: string, spec: Record<string, unknown>) => podrun(s!.root, ['apply', '-f', writeManifest(s!.root, `${name}.yaml`, podManifest(name, spec))]);
  const dir = (name: string) => join(s!.root, 'pods', `default_${name}`);
  const plan = (name: string) => JSON.parse(readFileSync(join(dir(name), 'pod.json'), 'utf8')).plan;
  const running = (name: string) => waitFor(() => JSON.parse(readFileSync(join(dir(name), 'containers', 'app', 'state.json'), 'utf8')).state === 'running', 30_000, `${name} running`);
  const limit = (cg: PlannedCgroup, size: string) => {
    const v2 = cg.controllers!.hugetlb === 'unified';
    return readFileSync(join(cg.dirs[cg.controllers!.hugetlb!], v2 ? `hugetlb.${size}.max` : `hugetlb.${size}.limit_in_bytes`), 'utf8').trim();
  };
  const otherSizes = () => Object.keys(plan('huge').cgroup.limits.hugetlb).filter((k) => k !== '2MB');
  const container = (extra: Record<string, unknown>) => ({
    name: 'app',
    command: ['sleep', '3600'],
    volumeMounts: [{ name: 't', mountPath: '/t', readOnly: true }, ...((extra.volumeMounts as unknown[]) ?? [])],
    ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== 'volumeMounts')),
  });
  const toolVolume = () => ({ name: 't', hostPath: { path: tools!, type: 'Directory' } });
  const exec = (name: string, cmd: string) => podrun(s!.root, ['exec', `${name}/app`, '--', 'sh', '-c', cmd]);

  it('gives the container and the pod the pages asked for and 0 of every other size; a map within works, past it fails; the HugePages emptyDir is hugetlbfs', () => {
    const r = apply('huge', {
      volumes: [toolVolume(), { name: 'hp', emptyDir: { medium: 'HugePages' } }],
      containers: [
        container({
          resources: { limits: { memory: '64Mi', 'hugepages-2Mi': '4Mi' } },
          env: [{ name: 'HP', valueFrom: { resourceFieldRef: { resource: 'requests.hugepages-2Mi', divisor: '1Mi' } } }],
          volumeMounts: [{ name: 'hp', mountPath: '/hp' }],
        }),
      ],
    });
    expect(r.code, r.stderr).to.equal(0);
    running('huge');
    const p = plan('huge');
    expect(limit(p.cgroup, '2MB')).to.equal(String(4 * 2 ** 20));
    expect(limit(p.containers[0].cgroup, '2MB')).to.equal(String(4 * 2 ** 20));
    for (const size of otherSizes()) expect(limit(p.containers[0].cgroup, size), size).to.equal('0');
    expect(exec('huge', 'echo $HP').stdout.trim()).to.equal('4');
    expect(exec('huge', '/t/hugemap 4194304').stdout).to.equal('mapped 4194304\n');
    // past the limit: ENOMEM at mmap with the reservation limit (5.7+), else SIGBUS at the fault
    const over = exec('huge', `/t/hugemap ${3 * PAGE}`);
    expect(over.stdout).to.not.match(/^mapped/);
    expect(over.code).to.not.equal(0);
    const mount = exec('huge', 'grep " /hp " /proc/self/mounts').stdout;
    expect(mount).to.match(/^\S+ \/hp hugetlbfs \S*pagesize=2M/);
    // the volume's pages count in the container's limit
    expect(exec('huge', `/t/hugemap ${2 * PAGE} /hp/a`).stdout).to.equal(`mapped ${2 * PAGE}\n`);
    expect(exec('huge', `/t/hugemap ${3 * PAGE} /hp/b`).stdout).to.not.match(/^mapped/);
    expect(podrun(s!.root, ['describe', 'pod', 'huge']).stdout).to.match(/Limits:\n +hugepages-2Mi: +4Mi\n +memory: +64Mi/);
  });

  it('a pod that asked for none can map none; one asking for more than the host has left is refused, nothing made', () => {
    const r = apply('nohuge', { volumes: [toolVolume()], containers: [container({ resources: { limits: { memory: '64Mi' } } })] });
    expect(r.code, r.stderr).to.equal(0);
    running('nohuge');
    expect(limit(plan('nohuge').cgroup, '2MB')).to.equal('0');
    expect(exec('nohuge', `/t/hugemap ${PAGE}`).stdout).to.not.match(/^mapped/);
    // 'huge' holds 4Mi of the reserved pages
    const total = Number(readFileSync(NR, 'utf8')) * PAGE;
    const t = apply('toomany', { containers: [container({ resources: { limits: { memory: '64Mi', 'hugepages-2Mi': `${total / 2 ** 20 - 2}Mi` } } })], volumes: [toolVolume()] });
    expect(t.code).to.not.equal(0);
    expect(t.stderr).to.contain(`spec.containers[0].resources.limits.hugepages-2Mi: Node didn't have enough resource: hugepages-2Mi, requested: ${total - PAGE}, used: ${4 * 2 ** 20}, capacity: ${total}`);
    expect(t.stderr).to.not.match(/\n\s+at /);
    expect(existsSync(dir('toomany'))).to.equal(false);
  });
});
