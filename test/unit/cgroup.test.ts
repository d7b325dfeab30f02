// The cgroup plan and host detection, without root: where a pod's cgroups go (pure), which
// backend a host's mount table gives, and the freeze wait against a fake backend (bounded, and
// thawed again on time-out).
import { expect } from 'chai';
import { cgroupRootTag, PAUSE_CGROUP, pauseCgroup, planCgroups } from '../../src/plan/cgroup';
import type { PlannedCgroup } from '../../src/plan/types';
import { detectCgroups } from '../../src/runtime/cgroup/detect';
import { makeCgroupDirs, oomEventsFile, writeCgroupLimits, type CgroupDriver, type FreezeState } from '../../src/runtime/cgroup/driver';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { freeze, isFrozen, whileFrozen } from '../../src/runtime/cgroup';

const PURE_V2 = [
  '24 30 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw',
  '28 24 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot',
].join('\n');
const HYBRID = [
  '31 24 0:26 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '40 31 0:33 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
  '41 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer',
  '42 31 0:35 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
].join('\n');
const V1_ONLY = ['41 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer', '43 31 0:36 / /sys/fs/cgroup/cpu\\040x rw - cgroup cgroup rw,cpu'].join('\n');

describe('cgroups: plan and host detection', () => {
  it('finds cgroup v2 on pure and hybrid hosts, the v1 freezer otherwise, and says why when neither', () => {
    const none = () => [];
    expect(detectCgroups(PURE_V2, '', none)).to.deep.equal({ driver: 'v2', mounts: { unified: '/sys/fs/cgroup' }, controllers: {} });
    expect(detectCgroups(HYBRID, '', none)).to.deep.equal({
      driver: 'v2',
      mounts: { unified: '/sys/fs/cgroup/unified', memory: '/sys/fs/cgroup/memory' },
      controllers: { memory: 'memory' },
    });
    expect(detectCgroups(HYBRID, 'v1', none)).to.deep.equal({ driver: 'v1', mounts: { freezer: '/sys/fs/cgroup/freezer', memory: '/sys/fs/cgroup/memory' }, controllers: { memory: 'memory' } });
    expect(detectCgroups(HYBRID, 'v2', none)).to.deep.equal({ driver: 'v2', mounts: { unified: '/sys/fs/cgroup/unified' }, controllers: {} });
    expect(detectCgroups(V1_ONLY, '', none)).to.deep.equal({ driver: 'v1', mounts: { freezer: '/sys/fs/cgroup/freezer', cpu: '/sys/fs/cgroup/cpu x' }, controllers: { cpu: 'cpu' } });
  });

  it('drives each controller where the v2 root offers it, else on its v1 hierarchy (co-mounted ones by their joint name)', () => {
    const all = (point: string) => (point === '/sys/fs/cgroup' ? ['cpuset', 'cpu', 'io', 'memory', 'pids'] : []);
    expect(detectCgroups(PURE_V2, '', all)).to.deep.equal({ driver: 'v2', mounts: { unified: '/sys/fs/cgroup' }, controllers: { memory: 'unified', cpu: 'unified', pids: 'unified' } });
    const comounted = [HYBRID, '44 31 0:37 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct', '45 31 0:38 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids'].join('\n');
    const onlyPids = (point: string) => (point === '/sys/fs/cgroup/unified' ? ['pids'] : []);
    expect(detectCgroups(comounted, '', onlyPids)).to.deep.equal({
      driver: 'v2',
      mounts: { unified: '/sys/fs/cgroup/unified', memory: '/sys/fs/cgroup/memory', 'cpu,cpuacct': '/sys/fs/cgroup/cpu,cpuacct' },
      controllers: { memory: 'memory', cpu: 'cpu,cpuacct', pids: 'unified', cpuacct: 'cpu,cpuacct' },
    });
    expect(detectCgroups(V1_ONLY, 'v2')).to.deep.include({ driver: 'none' });
    expect(detectCgroups(HYBRID, 'none')).to.deep.include({ driver: 'none' });
    expect(detectCgroups(HYBRID, 'v3')).to.deep.equal({ driver: 'none', why: 'PODRUN_CGROUP_DRIVER=v3 is not v2, v1 or none' });
    // read-only, or a sub-cgroup bound elsewhere (a container's view), is no hierarchy to make pods in
    expect(detectCgroups('28 24 0:26 / /sys/fs/cgroup ro,relatime - cgroup2 cgroup2 rw', '')).to.deep.include({ driver: 'none' });
    expect(detectCgroups('28 24 0:26 /user.slice /sys/fs/cgroup rw - cgroup2 cgroup2 rw', '')).to.deep.include({ driver: 'none' });
  });

  it('PODRUN_CGROUP_PARENT moves the pods below another folder (a delegated subtree); a bad one is a usage error', async () => {
    const { cgroupParent } = await import('../../src/runtime/cgroup/detect');
    expect(cgroupParent('/system.slice/podrun.service/pods')).to.deep.equal({ cgroupParent: '/system.slice/podrun.service/pods' });
    expect(cgroupParent(undefined)).to.deep.equal({});
    for (const bad of ['podrun', '/', '/a/../b', '/a//b', '/a/', '/a b']) expect(() => cgroupParent(bad), bad).to.throw(/PODRUN_CGROUP_PARENT=/);
    const cg = planCgroups({ driver: 'v2', mounts: { unified: '/sys/fs/cgroup' } }, { root: '/r' }, 'default_web', ['app'], {}, '/delegated/pods');
    expect(cg.pod!.path).to.equal(`/delegated/pods/default_web-${cgroupRootTag({ root: '/r' })}`);
    expect(cg.containers.app.dirs.unified).to.equal(`/sys/fs/cgroup/delegated/pods/default_web-${cgroupRootTag({ root: '/r' })}/app`);
  });

  it('puts the pod at /podrun/KEY-TAG and each container below it, in every hierarchy; nothing without one', () => {
    const paths = { root: '/var/lib/podrun' };
    const tag = cgroupRootTag(paths);
    expect(tag).to.match(/^[0-9a-f]{8}$/);
    expect(cgroupRootTag({ root: '/tmp/other' })).to.not.equal(tag);
    const v1 = planCgroups({ driver: 'v1', mounts: { freezer: '/sys/fs/cgroup/freezer' } }, paths, 'default_web', ['app']);
    expect(v1.pod).to.deep.equal({ driver: 'v1', path: `/podrun/default_web-${tag}`, dirs: { freezer: `/sys/fs/cgroup/freezer/podrun/default_web-${tag}` } });
    expect(v1.containers.app.dirs).to.deep.equal({ freezer: `/sys/fs/cgroup/freezer/podrun/default_web-${tag}/app` });
    // the pause's leaf below the pod, no limits of its own, a name no container (a DNS label) and no cgroup file (a dot) has
    expect(pauseCgroup({ ...v1.pod!, limits: { pidsMax: 64 } })).to.deep.equal({ driver: 'v1', path: `/podrun/default_web-${tag}/_pause`, dirs: { freezer: `/sys/fs/cgroup/freezer/podrun/default_web-${tag}/_pause` } });
    expect(PAUSE_CGROUP).to.not.match(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$|\./);
    expect(planCgroups({ driver: 'none', why: 'x' }, paths, 'default_web', ['app'])).to.deep.equal({ containers: {} });
    // a 253-character pod name still makes a directory name of at most 255 bytes, unique and ending in the tag
    const long = (n: string) => planCgroups({ driver: 'v2', mounts: { unified: '/c' } }, paths, `default_${n}`, []).pod!.path.split('/')[2];
    const a = long('a'.repeat(253));
    const b = long('a'.repeat(252) + 'b');
    expect(a.length).to.equal(255);
    expect(a).to.not.equal(b);
    expect(a.endsWith(`-${tag}`)).to.equal(true);
  });
});

/**
 * A recorded cgroup tree in a temporary folder: the interface files each level has (as the
 * kernel makes them), so a write to any other file fails, and every file's content after.
 */
function fakeTree(levels: string[], files: string[]): { root: string; contents: () => Record<string, string>; done: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'podrun-fake-cgroup-'));
  for (const l of levels) {
    mkdirSync(join(root, l), { recursive: true });
    for (const f of files) writeFileSync(join(root, l, f), f === 'memory.max' || f === 'cpu.max' ? 'max\n' : '');
  }
  const contents = () => {
    const out: Record<string, string> = {};
    const walk = (d: string) => {
      for (const e of readdirSync(d)) {
        const p = join(d, e);
        if (statSync(p).isDirectory()) walk(p);
        else out[p.slice(root.length)] = readFileSync(p, 'utf8');
      }
    };
    walk(root);
    return out;
  };
  return { root, contents, done: () => rmSync(root, { recursive: true, force: true }) };
}

describe('cgroups: writing limits (a recorded v2 tree; the v1 files run for real in pod-resources)', () => {
  it('v2: enables the controllers down to the pod, and writes memory.max, swap 0, oom.group, cpu.weight, cpu.max, pids.max, hugetlb (with its reservations)', () => {
    const files = ['cgroup.subtree_control', 'memory.max', 'memory.swap.max', 'memory.oom.group', 'memory.events', 'cpu.weight', 'cpu.max', 'pids.max', 'hugetlb.2MB.max', 'hugetlb.2MB.rsvd.max', 'hugetlb.1GB.max', 'hugetlb.1GB.rsvd.max'];
    const t = fakeTree(['', 'podrun', 'podrun/p', 'podrun/p/app'], files);
    try {
      const controllers = { memory: 'unified', cpu: 'unified', pids: 'unified', hugetlb: 'unified' } as const;
      const hugetlb = { '2MB': 4 * 2 ** 20, '1GB': 0 };
      const pod: PlannedCgroup = { driver: 'v2', path: '/podrun/p', dirs: { unified: join(t.root, 'podrun/p') }, controllers, limits: { cpuShares: 2048, weightFormula: 'pod', cpuQuotaUs: 200000, cpuPeriodUs: 100000, memoryBytes: 2 ** 31, pidsMax: 2048, hugetlb } };
      const app: PlannedCgroup = { driver: 'v2', path: '/podrun/p/app', dirs: { unified: join(t.root, 'podrun/p/app') }, controllers, limits: { cpuShares: 1024, weightFormula: 'container', cpuQuotaUs: 100000, cpuPeriodUs: 100000, memoryBytes: 2 ** 30, noSwap: true, oomGroup: true, hugetlb } };
      const before = t.contents();
      makeCgroupDirs(pod, { parentOfMore: true });
      writeCgroupLimits(pod);
      makeCgroupDirs(app);
      writeCgroupLimits(app);
      const after = t.contents();
      const changed = Object.fromEntries(Object.entries(after).filter(([k, v]) => before[k] !== v));
      expect(changed).to.deep.equal({
        '/cgroup.subtree_control': '+memory +cpu +pids +hugetlb',
        '/podrun/cgroup.subtree_control': '+memory +cpu +pids +hugetlb',
        '/podrun/p/cgroup.subtree_control': '+memory +cpu +pids +hugetlb',
        '/podrun/p/memory.max': String(2 ** 31),
        '/podrun/p/cpu.weight': '79',
        '/podrun/p/cpu.max': '200000 100000',
        '/podrun/p/pids.max': '2048',
        '/podrun/p/hugetlb.2MB.max': '4194304',
        '/podrun/p/hugetlb.2MB.rsvd.max': '4194304',
        '/podrun/p/hugetlb.1GB.max': '0',
        '/podrun/p/hugetlb.1GB.rsvd.max': '0',
        '/podrun/p/app/memory.max': String(2 ** 30),
        '/podrun/p/app/memory.swap.max': '0',
        '/podrun/p/app/memory.oom.group': '1',
        '/podrun/p/app/cpu.weight': '100',
        '/podrun/p/app/cpu.max': '100000 100000',
        '/podrun/p/app/hugetlb.2MB.max': '4194304',
        '/podrun/p/app/hugetlb.2MB.rsvd.max': '4194304',
        '/podrun/p/app/hugetlb.1GB.max': '0',
        '/podrun/p/app/hugetlb.1GB.rsvd.max': '0',
      });
      expect(oomEventsFile(app)).to.equal(join(t.root, 'podrun/p/app/memory.events'));
      // a level that already has them is not written again
      writeFileSync(join(t.root, 'podrun/cgroup.subtree_control'), 'cpu memory pids');
      writeFileSync(join(t.root, 'podrun/cgroup.subtree_control'), 'cpu memory pids hugetlb');
      writeFileSync(join(t.root, 'podrun/p/cgroup.subtree_control'), 'memory');
      makeCgroupDirs(pod, { parentOfMore: true });
      expect(readFileSync(join(t.root, 'podrun/cgroup.subtree_control'), 'utf8')).to.equal('cpu memory pids hugetlb');
      expect(readFileSync(join(t.root, 'podrun/p/cgroup.subtree_control'), 'utf8')).to.equal('+cpu +pids +hugetlb');
    } finally {
      t.done();
    }
  });

  it('v1: each limit in its hierarchy, memsw equal to memory (no swap), the quota after its period; the OOM count in memory.oom_control', () => {
    // an older kernel's hugetlb: no reservation files, and only they may be missing
    const t = fakeTree(['memory/podrun/p/app', 'cpu,cpuacct/podrun/p/app', 'pids/podrun/p/app', 'hugetlb/podrun/p/app'], ['memory.limit_in_bytes', 'memory.memsw.limit_in_bytes', 'memory.oom_control', 'cpu.shares', 'cpu.cfs_period_us', 'cpu.cfs_quota_us', 'pids.max', 'hugetlb.2MB.limit_in_bytes']);
    try {
      const dirs = { memory: join(t.root, 'memory/podrun/p/app'), 'cpu,cpuacct': join(t.root, 'cpu,cpuacct/podrun/p/app'), pids: join(t.root, 'pids/podrun/p/app'), hugetlb: join(t.root, 'hugetlb/podrun/p/app') };
      const app: PlannedCgroup = { driver: 'v1', path: '/podrun/p/app', dirs, controllers: { memory: 'memory', cpu: 'cpu,cpuacct', cpuacct: 'cpu,cpuacct', pids: 'pids', hugetlb: 'hugetlb' }, limits: { cpuShares: 512, weightFormula: 'container', cpuQuotaUs: 50000, cpuPeriodUs: 100000, memoryBytes: 64 * 2 ** 20, noSwap: true, oomGroup: true, hugetlb: { '2MB': 2 ** 21 } } };
      const before = t.contents();
      makeCgroupDirs(app);
      writeCgroupLimits(app);
      const changed = Object.fromEntries(Object.entries(t.contents()).filter(([k, v]) => before[k] !== v));
      expect(changed).to.deep.equal({
        '/memory/podrun/p/app/memory.limit_in_bytes': String(64 * 2 ** 20),
        '/memory/podrun/p/app/memory.memsw.limit_in_bytes': String(64 * 2 ** 20),
        '/cpu,cpuacct/podrun/p/app/cpu.shares': '512',
        '/cpu,cpuacct/podrun/p/app/cpu.cfs_period_us': '100000',
        '/cpu,cpuacct/podrun/p/app/cpu.cfs_quota_us': '50000',
        '/hugetlb/podrun/p/app/hugetlb.2MB.limit_in_bytes': '2097152',
      });
      expect(oomEventsFile(app)).to.equal(join(dirs.memory, 'memory.oom_control'));
    } finally {
      t.done();
    }
  });
});

/** A backend whose processes take `after` state reads to stop (never, with Infinity). */
function fakeDriver(after: number): CgroupDriver & { log: string[] } {
  let asked = false;
  let reads = 0;
  const log: string[] = [];
  return {
    log,
    freezerDir: () => '/fake',
    setFrozen: (_cg, on) => {
      asked = on;
      reads = 0;
      log.push(on ? 'freeze' : 'thaw');
    },
    freezeState: (): FreezeState => (!asked ? 'thawed' : ++reads > after ? 'frozen' : 'freezing'),
    killAll: () => undefined,
  };
}
const CG: PlannedCgroup = { driver: 'v2', path: '/podrun/x', dirs: { unified: '/fake' } };

describe('cgroups: freezing', () => {
  it('waits until the kernel reports the cgroup frozen, and thaws when the work is done or fails', async () => {
    const d = fakeDriver(3);
    await freeze(CG, 'pod/x', { driver: d, timeoutMs: 5000 });
    expect(isFrozen(CG, d)).to.equal(true);
    const d2 = fakeDriver(0);
    const seen: boolean[] = [];
    const e = await whileFrozen(CG, 'pod/x', async () => {
      seen.push(isFrozen(CG, d2));
      throw new Error('archive failed');
    }, { driver: d2 }).catch((err: Error) => err);
    expect((e as Error).message).to.equal('archive failed');
    expect(seen).to.deep.equal([true]);
    expect(d2.log).to.deep.equal(['freeze', 'thaw']);
    expect(isFrozen(CG, d2)).to.equal(false);
  });

  it('gives up after the time-out with a clear error, thawed again', async () => {
    const d = fakeDriver(Infinity);
    const t = Date.now();
    const e = await freeze(CG, 'pod/x', { driver: d, timeoutMs: 200 }).catch((err: Error) => err);
    expect(Date.now() - t).to.be.within(190, 2000);
    expect((e as Error).message).to.match(/^pod\/x did not freeze within 0.2 s \(\/fake\): a process of it cannot be stopped/);
    expect(d.log).to.deep.equal(['freeze', 'thaw']);
  });

  it('removes its signal handlers again', async () => {
    const before = process.listenerCount('SIGTERM');
    await whileFrozen(CG, 'pod/x', async () => expect(process.listenerCount('SIGTERM')).to.equal(before + 1), { driver: fakeDriver(0) });
    expect(process.listenerCount('SIGTERM')).to.equal(before);
  });
});
