// The cgroup plan and host detection, without root: where a pod's cgroups go (pure), which
// backend a host's mount table gives, and the freeze wait against a fake backend (bounded, and
// thawed again on time-out).
import { expect } from 'chai';
import { cgroupRootTag, planCgroups } from '../../src/plan/cgroup';
import type { PlannedCgroup } from '../../src/plan/types';
import { detectCgroups } from '../../src/runtime/cgroup/detect';
import type { CgroupDriver, FreezeState } from '../../src/runtime/cgroup/driver';
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
    expect(detectCgroups(PURE_V2, '')).to.deep.equal({ driver: 'v2', mounts: { unified: '/sys/fs/cgroup' } });
    expect(detectCgroups(HYBRID, '')).to.deep.equal({ driver: 'v2', mounts: { unified: '/sys/fs/cgroup/unified' } });
    expect(detectCgroups(HYBRID, 'v1')).to.deep.equal({ driver: 'v1', mounts: { freezer: '/sys/fs/cgroup/freezer' } });
    expect(detectCgroups(V1_ONLY, '')).to.deep.equal({ driver: 'v1', mounts: { freezer: '/sys/fs/cgroup/freezer' } });
    expect(detectCgroups(V1_ONLY, 'v2')).to.deep.include({ driver: 'none' });
    expect(detectCgroups(HYBRID, 'none')).to.deep.include({ driver: 'none' });
    expect(detectCgroups(HYBRID, 'v3')).to.deep.equal({ driver: 'none', why: 'PODRUN_CGROUP_DRIVER=v3 is not v2, v1 or none' });
    // read-only, or a sub-cgroup bound elsewhere (a container's view), is no hierarchy to make pods in
    expect(detectCgroups('28 24 0:26 / /sys/fs/cgroup ro,relatime - cgroup2 cgroup2 rw', '')).to.deep.include({ driver: 'none' });
    expect(detectCgroups('28 24 0:26 /user.slice /sys/fs/cgroup rw - cgroup2 cgroup2 rw', '')).to.deep.include({ driver: 'none' });
  });

  it('puts the pod at /podrun/KEY-TAG and each container below it, in every hierarchy; nothing without one', () => {
    const paths = { root: '/var/lib/podrun' };
    const tag = cgroupRootTag(paths);
    expect(tag).to.match(/^[0-9a-f]{8}$/);
    expect(cgroupRootTag({ root: '/tmp/other' })).to.not.equal(tag);
    const v1 = planCgroups({ driver: 'v1', mounts: { freezer: '/sys/fs/cgroup/freezer' } }, paths, 'default_web', ['app']);
    expect(v1.pod).to.deep.equal({ driver: 'v1', path: `/podrun/default_web-${tag}`, dirs: { freezer: `/sys/fs/cgroup/freezer/podrun/default_web-${tag}` } });
    expect(v1.containers.app.dirs).to.deep.equal({ freezer: `/sys/fs/cgroup/freezer/podrun/default_web-${tag}/app` });
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
