// Resources as the kubelet maps them (docs/reference/kubelet-resources.md §2-3): tables.
import { expect } from 'chai';
import {
  containerCgroupLimits,
  containerResources,
  milliCpuToQuota,
  milliCpuToShares,
  planResources,
  podCgroupLimits,
  qosClass,
  sharesToWeight,
  shownResources,
} from '../../src/plan/resources';

const c = (limits?: Record<string, string | number>, requests?: Record<string, string | number>, restartPolicy?: string) => ({
  resources: { ...(limits ? { limits } : {}), ...(requests ? { requests } : {}) },
  ...(restartPolicy ? { restartPolicy } : {}),
});

describe('resources: defaulting, QoS and cgroup values (kubelet)', () => {
  it('defaults requests from limits, an explicit request (even 0) kept (D2.1); cpu in millicores rounded up, memory in bytes', () => {
    expect(containerResources(c({ cpu: '500m', memory: '64Mi' }))).to.deep.equal({ requests: { cpu: 500, memory: 67108864 }, limits: { cpu: 500, memory: 67108864 } });
    expect(containerResources(c({ cpu: 1 }, { cpu: 0 }))).to.deep.equal({ requests: { cpu: 0 }, limits: { cpu: 1000 } });
    expect(containerResources(c(undefined, { cpu: '100u', memory: '1.5' }))).to.deep.equal({ requests: { cpu: 1, memory: 2 }, limits: {} });
    expect(containerResources({})).to.deep.equal({ requests: {}, limits: {} });
  });

  it('computes the QoS class as ComputePodQOS does (§2.2)', () => {
    const q = (...cs: ReturnType<typeof c>[]) => qosClass(cs.map(containerResources));
    const rows: [string, ReturnType<typeof c>[], string][] = [
      ['no resources anywhere', [c()], 'BestEffort'],
      ['every container limits cpu and memory (requests defaulted)', [c({ cpu: 1, memory: '1Gi' }), c({ cpu: '100m', memory: '1Mi' })], 'Guaranteed'],
      ['one container without limits', [c({ cpu: 1, memory: '1Gi' }), c()], 'Burstable'],
      ['a request below its limit', [c({ cpu: 1, memory: '1Gi' }, { cpu: '500m' })], 'Burstable'],
      ['only zero requests', [c(undefined, { cpu: 0, memory: 0 })], 'BestEffort'],
      ['only a memory limit', [c({ memory: '1Gi' })], 'Burstable'],
    ];
    for (const [what, cs, qos] of rows) expect(q(...cs), what).to.equal(qos);
  });

  it('maps cpu to shares, quota and weight with the kubelet and runc numbers (C3.1, C3.3, C3.6)', () => {
    const shares: [number, number][] = [[0, 2], [1, 2], [10, 10], [100, 102], [250, 256], [1000, 1024], [2000, 2048], [300000, 262144]];
    for (const [m, s] of shares) expect(milliCpuToShares(m), `${m}m`).to.equal(s);
    const quota: [number, number][] = [[0, 0], [1, 1000], [10, 1000], [100, 10000], [1000, 100000], [1500, 150000]];
    for (const [m, q] of quota) expect(milliCpuToQuota(m), `${m}m`).to.equal(q);
    const weight: [number, number, number][] = [[2, 1, 1], [10, 4, 1], [102, 17, 4], [256, 35, 10], [512, 59, 20], [1024, 100, 39], [2048, 174, 79], [4096, 303, 157], [262144, 10000, 10000]];
    for (const [s, container, pod] of weight) {
      expect(sharesToWeight(s, 'container'), `container ${s}`).to.equal(container);
      expect(sharesToWeight(s, 'pod'), `pod ${s}`).to.equal(pod);
    }
  });

  it("gives a container its limits, no swap and the OOM group; the pod the kubelet's sums (§3.5)", () => {
    expect(containerCgroupLimits(containerResources(c({ cpu: '500m', memory: '64Mi' })))).to.deep.equal({
      cpuShares: 512,
      weightFormula: 'container',
      cpuQuotaUs: 50000,
      cpuPeriodUs: 100000,
      memoryBytes: 67108864,
      noSwap: true,
      oomGroup: true,
    });
    const pod = (...cs: [ReturnType<typeof c>, 'app' | 'init' | 'sidecar'][]) => podCgroupLimits(cs.map(([x, kind]) => ({ kind, r: containerResources(x) })), 2048);
    // Burstable: one container without a memory limit means no pod memory limit (C3.15)
    expect(pod([c({ memory: '1Gi' }), 'app'], [c(), 'app'])).to.deep.equal({ cpuShares: 2, weightFormula: 'pod', pidsMax: 2048 });
    // two limited containers: the pod's limit is their sum
    expect(pod([c({ cpu: 1, memory: '1Gi' }), 'app'], [c({ cpu: 1, memory: '1Gi' }), 'app'])).to.deep.equal({
      cpuShares: 2048,
      weightFormula: 'pod',
      cpuQuotaUs: 200000,
      cpuPeriodUs: 100000,
      memoryBytes: 2 * 2 ** 30,
      pidsMax: 2048,
    });
    // init containers and sidecars (§2.3): app 100m, sidecar 50m, init 200m -> 250m
    expect(pod([c(undefined, { cpu: '50m' }, 'Always'), 'sidecar'], [c(undefined, { cpu: '200m' }), 'init'], [c(undefined, { cpu: '100m' }), 'app']).cpuShares).to.equal(milliCpuToShares(250));
    expect(pod([c(), 'app'])).to.deep.equal({ cpuShares: 2, weightFormula: 'pod', pidsMax: 2048 });
    expect(podCgroupLimits([{ kind: 'app', r: containerResources(c()) }], 0)).to.deep.equal({ cpuShares: 2, weightFormula: 'pod' });
  });

  it('refuses a limit this host has no controller for, at its field; shows the lists as the API server keeps them', () => {
    const errors: string[] = [];
    const fail = (path: (string | number)[], detail: string) => errors.push(`${path.join('.')}: ${detail}`);
    const spec = { containers: [{ name: 'a', ...c({ memory: '64Mi' }, { cpu: '1' }) }] };
    planResources(spec, { cgroups: { driver: 'v2', mounts: { unified: '/c' }, controllers: { cpu: 'unified' } } }, fail);
    expect(errors).to.deep.equal(['spec.containers.0.resources.limits.memory: podrun cannot enforce limits.memory: this host has no memory cgroup controller podrun can use']);
    errors.length = 0;
    const r = planResources(spec, { cgroups: { driver: 'none', why: 'PODRUN_CGROUP_DRIVER=none' } }, fail);
    expect(errors).to.have.length(2);
    expect(r).to.deep.equal({ qosClass: 'Burstable', limits: {} });
    expect(shownResources(c({ cpu: '0.5', memory: '1024Mi' }))).to.deep.equal({ requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '500m', memory: '1Gi' } });
    expect(shownResources(c(undefined, { cpu: '100u' }))).to.deep.equal({ requests: { cpu: '1m' } });
    expect(shownResources({})).to.equal(undefined);
  });
});

describe('top: cells and layout as kubectl prints them (T8.4, T8.6)', () => {
  it('rounds CPU up to the millicore and memory down to the MiB; pads each column to its widest + 3, at least 6', async () => {
    const { cpuCell, memoryCell, topTable } = await import('../../src/cli/verbs/top');
    expect([cpuCell(0), cpuCell(1_200_000), cpuCell(1_000_000), cpuCell(2_500_000_000)]).to.deep.equal(['0m', '2m', '1m', '2500m']);
    expect([memoryCell(0), memoryCell(12.9 * 1048576), memoryCell(1048576)]).to.deep.equal(['0Mi', '12Mi', '1Mi']);
    expect(topTable([['NAME', 'CPU(cores)', 'MEMORY(bytes)'], ['a', '1m', '5Mi']])).to.equal('NAME   CPU(cores)   MEMORY(bytes)   \na      1m           5Mi             \n');
  });
});

describe('downward API: resourceFieldRef (W7.3, W7.4)', () => {
  it('divides the request or limit, rounding up; a missing limit of a regular container is the allocatable, a missing request 0', async () => {
    const { resourceFieldValue } = await import('../../src/plan/resources');
    const spec = {
      containers: [
        { name: 'app', resources: { limits: { cpu: '1500m', memory: '128Mi' }, requests: { cpu: '250m' } } },
        { name: 'free' },
      ],
      initContainers: [{ name: 'init' }],
    };
    const facts = { allocatable: { cpuMilli: 2000, memoryBytes: 24 * 2 ** 30, ephemeralStorageBytes: 10 ** 11 } };
    const v = (resource: string, divisor?: string, containerName?: string, self = 'app') => resourceFieldValue({ resource, ...(divisor ? { divisor } : {}), ...(containerName ? { containerName } : {}) }, self, spec, facts);
    expect(v('requests.cpu')).to.equal('1'); // 250m / 1 rounded up
    expect(v('requests.cpu', '1m')).to.equal('250');
    expect(v('limits.cpu')).to.equal('2');
    expect(v('limits.memory', '1Mi')).to.equal('128');
    expect(v('limits.memory', '1M')).to.equal('135');
    expect(v('requests.memory')).to.equal(String(128 * 2 ** 20)); // defaulted from the limit (D2.1)
    expect(v('limits.cpu', '1m', 'free')).to.equal('2000'); // the node's
    expect(v('limits.memory', '1Gi', 'free')).to.equal('24');
    expect(v('requests.cpu', '1m', 'free')).to.equal('0');
    expect(v('limits.ephemeral-storage', '1G', 'free')).to.equal('100');
    expect(v('limits.memory', undefined, 'init')).to.equal('0'); // init containers are not merged (upstream)
    expect(v('limits.cpu', '0', undefined, 'free')).to.equal('2'); // a zero divisor is 1
  });
});

describe('pod-level resources (Kubernetes 1.32+: D2.3, §2.2, §3.5, R1.9, R1.11)', () => {
  const run = async (spec: Record<string, unknown>) => {
    const { planResources } = await import('../../src/plan/resources');
    const errors: string[] = [];
    const r = planResources(spec as never, { cgroups: { driver: 'v2', mounts: { unified: '/c' }, controllers: { memory: 'unified', cpu: 'unified', pids: 'unified' } } }, (path, detail) => errors.push(`${path.join('.')}: ${detail}`));
    return { ...r, errors };
  };

  it('QoS from the pod-level values alone; pod limits defaulted into requests', async () => {
    expect((await run({ resources: { limits: { cpu: 1, memory: '1Gi' } }, containers: [{ name: 'a' }] })).qosClass).to.equal('Guaranteed');
    expect((await run({ resources: { requests: { cpu: 1 } }, containers: [{ name: 'a', resources: { limits: { cpu: 1, memory: '1Gi' } } }] })).qosClass).to.equal('Burstable');
    expect((await run({ resources: {}, containers: [{ name: 'a', resources: { limits: { cpu: 1, memory: '1Gi' } } }] })).qosClass, 'empty: as none').to.equal('Guaranteed');
  });

  it('the pod cgroup takes the pod-level values; a container without a limit gets the pod-level one', async () => {
    const r = await run({ resources: { limits: { cpu: 2, memory: '1Gi' } }, containers: [{ name: 'a', resources: { requests: { cpu: '250m' } } }, { name: 'b', resources: { limits: { memory: '256Mi' } } }] });
    expect(r.errors).to.deep.equal([]);
    // the pod's cpu request defaults to the containers' aggregate (250m), not to its limit (D2.3)
    expect(r.limits.pod).to.include({ cpuShares: 256, cpuQuotaUs: 200000, memoryBytes: 2 ** 30 });
    expect(r.limits.containers!.a).to.include({ cpuShares: 256, cpuQuotaUs: 200000, memoryBytes: 2 ** 30 });
    expect(r.limits.containers!.b).to.include({ memoryBytes: 256 * 2 ** 20 });
  });

  it('refuses a pod request below the aggregate and a container limit above the pod limit, at their fields', async () => {
    const r = await run({ resources: { requests: { memory: '100Mi' }, limits: { cpu: 1 } }, containers: [{ name: 'a', resources: { requests: { memory: '200Mi' }, limits: { cpu: 2 } } }] });
    expect(r.errors).to.deep.equal([
      'spec.containers.0.resources.limits.cpu: invalid value "2": must be less than or equal to pod limits of 1',
      'spec.resources.requests.memory: invalid value "100Mi": must be greater than or equal to aggregate container requests of 200Mi',
    ]);
  });
});

describe('huge pages (R1.10, C3.16, D2.3; the emptyDir medium)', () => {
  const SIZES = [
    { name: 'hugepages-2Mi', bytes: 2 ** 21, kernelName: '2MB', pages: 8 },
    { name: 'hugepages-1Gi', bytes: 2 ** 30, kernelName: '1GB', pages: 0 },
  ];
  const V2 = { driver: 'v2', mounts: { unified: '/c' }, controllers: { memory: 'unified', hugetlb: 'unified' } } as const;
  const run = async (spec: Record<string, unknown>, facts: Record<string, unknown> = {}) => {
    const { planResources } = await import('../../src/plan/resources');
    const errors: string[] = [];
    const r = planResources(spec as never, { cgroups: V2, hugePages: SIZES, ...facts } as never, (path, detail) => errors.push(`${path.join('.')}: ${detail}`));
    return { ...r, errors };
  };
  const mem = (extra: Record<string, string>) => ({ resources: { limits: { memory: '64Mi', ...extra } } });

  it('writes every page size of the host, 0 unless asked for; the pod the effective total (init steps as §2.3)', async () => {
    const r = await run({
      initContainers: [{ name: 'i', ...mem({ 'hugepages-2Mi': '8Mi' }) }],
      containers: [{ name: 'a', ...mem({ 'hugepages-2Mi': '4Mi' }) }, { name: 'b', ...mem({ 'hugepages-2Mi': '2Mi' }) }, { name: 'c' }],
    });
    expect(r.errors).to.deep.equal([]);
    expect(r.limits.pod!.hugetlb).to.deep.equal({ '2MB': 8 * 2 ** 20, '1GB': 0 });
    expect(r.limits.containers!.a.hugetlb).to.deep.equal({ '2MB': 4 * 2 ** 20, '1GB': 0 });
    expect(r.limits.containers!.c.hugetlb, 'a container that asked for none can fault none in').to.deep.equal({ '2MB': 0, '1GB': 0 });
    expect(r.qosClass, 'huge pages do not count for QoS').to.equal('Burstable');
    const none = await run({ containers: [{ name: 'a' }] });
    expect(none.limits.pod!.hugetlb, 'a pod that asked for none').to.deep.equal({ '2MB': 0, '1GB': 0 });
  });

  it('takes the pod-level limit, never below the containers\' aggregate; a container asking none is bounded by the pod\'s', async () => {
    const ok = await run({ resources: { limits: { 'hugepages-2Mi': '8Mi', memory: '1Gi' } }, containers: [{ name: 'a', ...mem({ 'hugepages-2Mi': '4Mi' }) }, { name: 'b' }] });
    expect(ok.errors).to.deep.equal([]);
    expect(ok.limits.pod!.hugetlb).to.deep.equal({ '2MB': 8 * 2 ** 20, '1GB': 0 });
    expect(ok.limits.containers!.a.hugetlb, 'its own limit wins').to.deep.equal({ '2MB': 4 * 2 ** 20, '1GB': 0 });
    expect(ok.limits.containers!.b.hugetlb, 'the pod-level limit').to.deep.equal({ '2MB': 8 * 2 ** 20, '1GB': 0 });
    const { hugePagesMediumSize } = await import('../../src/plan/hugepages');
    expect(hugePagesMediumSize({ resources: { limits: { 'hugepages-2Mi': '8Mi' } }, containers: [{ name: 'b' }] }, 'HugePages')).to.deep.equal({ bytes: 2 ** 21 });
    const low = await run({ resources: { limits: { 'hugepages-2Mi': '2Mi', memory: '1Gi' } }, containers: [{ name: 'a', ...mem({ 'hugepages-2Mi': '4Mi' }) }] });
    expect(low.errors).to.deep.equal(['spec.resources.limits.hugepages-2Mi: invalid value "2Mi": must be greater than or equal to aggregate container limits of 4Mi']);
  });

  it('refuses a size the host lacks, more than it has reserved (with what other pods hold), and no hugetlb controller, at the field', async () => {
    const lacks = await run({ containers: [{ name: 'a', ...mem({ 'hugepages-16Gi': '16Gi' }) }] });
    expect(lacks.errors).to.deep.equal(['spec.containers.0.resources.limits.hugepages-16Gi: this machine has no 16Gi huge pages (it has hugepages-2Mi, hugepages-1Gi)']);
    const over = await run({ containers: [{ name: 'a', ...mem({ 'hugepages-2Mi': '14Mi' }) }] }, { hugePagesUsed: { 'hugepages-2Mi': 2 ** 22 } });
    expect(over.errors).to.deep.equal(['spec.containers.0.resources.limits.hugepages-2Mi: Node didn\'t have enough resource: hugepages-2Mi, requested: 14680064, used: 4194304, capacity: 16777216']);
    expect((await run({ containers: [{ name: 'a', ...mem({ 'hugepages-2Mi': '12Mi' }) }] })).errors).to.deep.equal([]);
    const noController = await run({ containers: [{ name: 'a', ...mem({ 'hugepages-2Mi': '2Mi' }) }] }, { cgroups: { driver: 'v2', mounts: { unified: '/c' }, controllers: { memory: 'unified' } } });
    expect(noController.errors).to.deep.equal(['spec.containers.0.resources.limits.hugepages-2Mi: podrun cannot enforce hugepages-2Mi: this host has no hugetlb cgroup controller podrun can use']);
    const quiet = await run({ containers: [{ name: 'a' }] }, { cgroups: { driver: 'v2', mounts: { unified: '/c' }, controllers: { memory: 'unified' } } });
    expect(quiet.errors).to.deep.equal([]);
    expect(quiet.limits.pod!.hugetlb, 'nothing to write without the controller').to.equal(undefined);
  });

  it('a HugePages emptyDir takes the one size asked for; HugePages-<size> needs a request of it', async () => {
    const { hugePagesMediumSize } = await import('../../src/plan/hugepages');
    const one = { containers: [{ name: 'a', ...mem({ 'hugepages-2Mi': '2Mi' }) }] };
    const two = { containers: [{ name: 'a', ...mem({ 'hugepages-2Mi': '2Mi', 'hugepages-1Gi': '1Gi' }) }] };
    expect(hugePagesMediumSize(one, 'HugePages')).to.deep.equal({ bytes: 2 ** 21 });
    expect(hugePagesMediumSize(two, 'HugePages-1Gi')).to.deep.equal({ bytes: 2 ** 30 });
    expect(hugePagesMediumSize(two, 'HugePages')).to.include({ problem: 'multiple pageSizes for huge pages in a single PodSpec' });
    expect(hugePagesMediumSize(one, 'HugePages-1Gi')).to.include({ problem: 'hugePages storage requested, but there is no resource request for hugepages-1Gi' });
    expect(hugePagesMediumSize({ containers: [{ name: 'a' }] }, 'HugePages')).to.include({ problem: 'hugePages storage requested, but there is no resource request for huge pages' });
  });

  it('names sizes as a node and the kernel do', async () => {
    const { hugePagesName, hugePageSize, kernelPageSizeName } = await import('../../src/manifest/hugepages');
    expect(hugePagesName(2n ** 21n)).to.equal('hugepages-2Mi');
    expect(hugePagesName(2n ** 30n)).to.equal('hugepages-1Gi');
    expect(hugePageSize('hugepages-2048Ki')).to.equal(2n ** 21n);
    expect(hugePageSize('hugepages-x')).to.equal(undefined);
    expect(hugePageSize('HugePages-1Gi', 'HugePages-')).to.equal(2n ** 30n);
    expect([2n ** 16n, 2n ** 21n, 2n ** 30n, 2n ** 34n].map(kernelPageSizeName)).to.deep.equal(['64KB', '2MB', '1GB', '16GB']);
  });
});
