// The user namespace allocation (state/userns.ts) and where its ranges come from
// (runtime/facts.ts userNamespacePool), without root: temporary roots, a temporary host-wide
// registry dir, a fake /proc, and fake flock and scan (plus real ones where the test is about them).
import { expect } from 'chai';
import { spawn } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import {
  chooseSlot,
  parseIdMap,
  peekUserNamespace,
  releaseUserNamespace,
  reserveUserNamespace,
  scanUserNamespaces,
  userNamespaceAllocations,
  type LiveUserNamespace,
  type UsernsHostOps,
  type UserNamespacePool,
} from '../../src/state/userns';
import { userNamespacePool } from '../../src/runtime/facts';
import { resolvePaths, usernsHostDir, type Paths } from '../../src/util/paths';
import { stateDirs } from '../../src/manifest/load';
import { lockPod } from '../../src/state/lock';

const L = 65536;
const pool = (count: number, excluded: UserNamespacePool['excluded'] = [], first = L): UserNamespacePool => ({ first, length: L, count, excluded, source: 'test' });
const slot = (i: number) => L + i * L; // host id of slot i of pool()
const ns = (ino: number, start: number, length = L, gid = [{ start, length }]): LiveUserNamespace => ({ ino, pid: 1000 + ino, uid: [{ start, length }], gid });

describe('user namespaces: the slot choice (pure)', () => {
  const cases: { name: string; pool: UserNamespacePool; recorded?: [number, number][]; live?: [number, number][]; want: number | RegExp }[] = [
    { name: 'nothing taken: the first slot', pool: pool(4), want: slot(0) },
    { name: 'recorded slots are skipped', pool: pool(4), recorded: [[slot(0), L], [slot(1), L]], want: slot(2) },
    { name: 'a hole between recorded slots is used', pool: pool(4), recorded: [[slot(0), L], [slot(2), L]], want: slot(1) },
    { name: 'a live map of a few ids inside a slot takes the whole slot', pool: pool(4), live: [[slot(0) + 1000, 10]], want: slot(1) },
    { name: 'a live map spanning slots takes each it touches', pool: pool(4), live: [[slot(0) + 100, L + 1]], want: slot(2) },
    { name: 'a live map ending exactly at a slot boundary leaves the next slot', pool: pool(4), live: [[slot(0), L]], want: slot(1) },
    { name: 'a live map starting one id before a slot takes the slot before it only', pool: pool(4), live: [[slot(1) - 1, 1]], want: slot(1) },
    { name: 'ranges outside the pool do not matter', pool: pool(2, [], 10 * L), recorded: [[L, L]], live: [[0, 1000], [20 * L, L]], want: 10 * L },
    { name: 'recorded, live and excluded together', pool: pool(5, [{ start: slot(1) + 5, length: 3 }]), recorded: [[slot(0), L]], live: [[slot(2), 2 * L]], want: slot(4) },
    { name: 'unsorted input', pool: pool(5), recorded: [[slot(3), L], [slot(0), L]], live: [[slot(1), L], [slot(2) + 7, 1]], want: slot(4) },
    { name: 'full by pods', pool: pool(2), recorded: [[slot(0), L], [slot(1), L]], want: /^all 2 ranges of 65536 host ids from 65536 \(test\) are taken: 2 by pods$/ },
    {
      name: 'full by pods, live namespaces and other users',
      pool: pool(3, [{ start: slot(2), length: 10 }]),
      recorded: [[slot(0), L]],
      live: [[slot(1) + 3, 1]],
      want: /^all 3 ranges of 65536 host ids from 65536 \(test\) are taken: 1 by pods, 1 by other user namespaces running on the host, the others overlap \/etc\/subuid or \/etc\/subgid ranges of other users$/,
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const r = chooseSlot(c.pool, { recorded: (c.recorded ?? []).map(([start, length]) => ({ start, length })), live: (c.live ?? []).map(([start, length]) => ({ start, length })) });
      if (typeof c.want === 'number') expect(r).to.deep.equal({ hostId: c.want });
      else expect('unavailable' in r && r.unavailable).to.match(c.want);
    });

  it('the first slot found overlaps nothing, for random inputs (checked against a slot-by-slot search)', () => {
    let seed = 42;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let t = 0; t < 500; t++) {
      const p = pool(1 + rnd(12));
      const r = (k: number) => Array.from({ length: k }, () => ({ start: rnd(16 * L), length: 1 + rnd(2 * L) }));
      const taken = { recorded: r(rnd(4)), live: r(rnd(4)) };
      const all = [...taken.recorded, ...taken.live];
      let want: number | undefined;
      for (let i = 0; i < p.count && want === undefined; i++) if (!all.some((x) => x.start < slot(i) + L && slot(i) < x.start + x.length)) want = slot(i);
      const got = chooseSlot(p, taken);
      expect('hostId' in got ? got.hostId : undefined, JSON.stringify({ p, taken })).to.equal(want);
    }
  });
});

describe('user namespaces: the scan of /proc', () => {
  let proc = '';
  beforeEach(() => (proc = mkdtempSync(join(tmpdir(), 'podrun-userns-proc-'))));
  afterEach(() => rmSync(proc, { recursive: true, force: true }));
  /** A fake /proc/PID: its ns/user link and, unless undefined, its maps. */
  const pid = (p: string, ino: number, uid?: string, gid = uid) => {
    mkdirSync(join(proc, p, 'ns'), { recursive: true });
    symlinkSync(`user:[${ino}]`, join(proc, p, 'ns', 'user'));
    if (uid !== undefined) writeFileSync(join(proc, p, 'uid_map'), uid);
    if (gid !== undefined) writeFileSync(join(proc, p, 'gid_map'), gid);
  };

  it('parses id maps: outside ranges, several lines, junk left out', () => {
    expect(parseIdMap('         0     131072      65536\n')).to.deep.equal([{ start: 131072, length: 65536 }]);
    expect(parseIdMap('0 1000 1\n1 100000 65536\nbad line\n')).to.deep.equal([{ start: 1000, length: 1 }, { start: 100000, length: 65536 }]);
    expect(parseIdMap('')).to.deep.equal([]);
  });

  it("one entry per namespace, the caller's own and the whole-host identity left out, a vanished process skipped", () => {
    pid('self', 1);
    pid('1', 1, '0 0 4294967295\n'); // the initial namespace, as the caller
    pid('7', 9, '0 0 4294967295\n'); // another namespace with the identity map (nothing to skip for)
    pid('10', 2, '0 131072 65536\n', '0 196608 65536\n');
    pid('11', 2, '0 999 1\n'); // same namespace: not read again
    pid('20', 3); // exited between its readlink and its maps
    pid('21', 3, '0 262144 65536\n'); // ...another process of it is read
    pid('30', 4, ''); // maps not written yet: maps nothing
    mkdirSync(join(proc, 'sys')); // not a pid
    const got = scanUserNamespaces(proc).sort((a, b) => a.ino - b.ino);
    expect(got).to.deep.equal([
      { ino: 2, pid: 10, uid: [{ start: 131072, length: 65536 }], gid: [{ start: 196608, length: 65536 }] },
      { ino: 3, pid: 21, uid: [{ start: 262144, length: 65536 }], gid: [{ start: 262144, length: 65536 }] },
      { ino: 4, pid: 30, uid: [], gid: [] },
    ]);
  });

  it('the real /proc: this process is in the initial namespace, so it is not listed', () => {
    const self = Number(/\[(\d+)\]/.exec(require('fs').readlinkSync('/proc/self/ns/user'))![1]);
    expect(scanUserNamespaces().map((n) => n.ino)).to.not.include(self);
  });
});

describe('user namespaces: the host-wide registry', () => {
  let dir = '';
  let live: LiveUserNamespace[] = [];
  let warnings: string[] = [];
  const own: Record<string, number> = {}; // `${root}:${key}` -> the inode of the pod's namespace
  const host: UsernsHostOps = {
    flock: () => true,
    scan: () => live,
    podNamespace: (p, key) => own[`${p.root}:${key}`],
    warn: (m) => warnings.push(m),
  };
  const rootPaths = (name: string): Paths => ({ root: join(dir, name), runRoot: join(dir, name, 'run'), usernsDir: join(dir, 'host') });
  const [A, B] = [() => rootPaths('a'), () => rootPaths('b')];
  /** A pod that exists: its directory is there (an entry without one may be reclaimed). */
  const made = (p: Paths, ...keys: string[]) => keys.forEach((k) => mkdirSync(join(p.root, 'pods', k), { recursive: true }));
  /** A pod record as apply writes it (only what the rebuild reads). */
  const recorded = (p: Paths, key: string, hostId: number) => {
    made(p, key);
    writeFileSync(join(p.root, 'pods', key, 'pod.json'), JSON.stringify({ apiVersion: 'podrun/v2', kind: 'PodRecord', uid: `u-${key}`, plan: { key, userNamespace: { hostId, length: L } } }));
  };
  const registry = () => join(dir, 'host', 'allocations.json');
  const reserve = (p: Paths, key: string, n = 4, h: UsernsHostOps = host) => reserveUserNamespace(p, key, `u-${key}`, pool(n), h);
  const hostIdOf = (r: ReturnType<typeof reserve>) => ('range' in r ? r.range.hostId : r.unavailable);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'podrun-userns-unit-'));
    mkdirSync(A().root);
    mkdirSync(B().root);
    live = [];
    warnings = [];
    for (const k of Object.keys(own)) delete own[k];
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('gives each pod the lowest free slot, disjoint, recorded host-wide by root; the same pod keeps its slot', () => {
    made(A(), 'default_a', 'default_b');
    expect(reserve(A(), 'default_a')).to.deep.equal({ range: { hostId: slot(0), length: L }, fresh: true });
    expect(reserve(A(), 'default_b')).to.deep.equal({ range: { hostId: slot(1), length: L }, fresh: true });
    expect(reserve(A(), 'default_a')).to.deep.equal({ range: { hostId: slot(0), length: L }, fresh: false });
    expect(JSON.parse(readFileSync(registry(), 'utf8'))).to.deep.equal({
      version: 1,
      roots: { [A().root]: { runRoot: A().runRoot, pods: { default_a: { uid: 'u-default_a', hostId: slot(0), length: L }, default_b: { uid: 'u-default_b', hostId: slot(1), length: L } } } },
    });
    expect(warnings).to.deep.equal([]);
  });

  it('two roots share it: a pod of one never gets a slot a pod of the other has, mapped yet or not', () => {
    made(A(), 'default_web');
    made(B(), 'default_web');
    // nothing is live: root A's pod is allocated but its monitor has not written the maps
    expect(hostIdOf(reserve(A(), 'default_web'))).to.equal(slot(0));
    expect(hostIdOf(reserve(B(), 'default_web'))).to.equal(slot(1));
    expect(userNamespaceAllocations(A())).to.deep.equal({ default_web: { hostId: slot(0), length: L } });
    expect(userNamespaceAllocations(B())).to.deep.equal({ default_web: { hostId: slot(1), length: L } });
    releaseUserNamespace(A(), 'default_web', host);
    expect(userNamespaceAllocations(B())).to.have.keys('default_web');
    expect(hostIdOf(reserve(B(), 'default_other'))).to.equal(slot(0));
  });

  it('slots that live user namespaces map are never given, whatever the registry says', () => {
    made(A(), 'default_a', 'default_b');
    live = [ns(1, slot(0)), ns(2, slot(1) + 500, 1), ns(3, 5 * L, 1, [{ start: slot(2), length: 1 }])]; // the last: by its gid map only
    expect(hostIdOf(reserve(A(), 'default_a'))).to.equal(slot(3));
    expect(reserve(A(), 'default_b')).to.deep.equal({ unavailable: 'all 4 ranges of 65536 host ids from 65536 (test) are taken: 1 by pods, 3 by other user namespaces running on the host' });
  });

  it("a pod keeps its slot while its own namespace maps it (a re-apply); another namespace on it moves the pod, saying so", () => {
    made(A(), 'default_a');
    expect(hostIdOf(reserve(A(), 'default_a'))).to.equal(slot(0));
    live = [ns(7, slot(0))];
    own[`${A().root}:default_a`] = 7;
    expect(reserve(A(), 'default_a')).to.deep.equal({ range: { hostId: slot(0), length: L }, fresh: false });
    expect(peekUserNamespace(A(), 'default_a', pool(4), host)).to.deep.equal({ hostId: slot(0), length: L });
    delete own[`${A().root}:default_a`]; // its pause is gone, and something else maps those ids now
    expect(reserve(A(), 'default_a')).to.deep.equal({ range: { hostId: slot(1), length: L }, fresh: true });
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.match(/^pod default_a: its host ids 65536-131071 are used by the user namespace of process 1007 \(uid_map 65536\+65536\) too; it gets another range$/);
  });

  it('a corrupt registry is rebuilt from the pod records and the live namespaces, with a warning', () => {
    recorded(A(), 'default_running', slot(2)); // running: its own namespace maps it
    recorded(A(), 'default_stopped', slot(0)); // no process: its slot is kept for it
    recorded(A(), 'default_stolen', slot(1)); // stopped, and another namespace maps its slot now
    made(A(), 'default_plain'); // hostUsers true: nothing
    live = [ns(5, slot(2)), ns(6, slot(1))];
    own[`${A().root}:default_running`] = 5;
    made(A(), 'default_new');
    mkdirSync(join(dir, 'host'));
    writeFileSync(registry(), '{"version":1,"roots":');
    expect(hostIdOf(reserve(A(), 'default_new'))).to.equal(slot(3));
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.include(`${registry()} could not be read (not JSON`);
    expect(warnings[0]).to.include(`rebuilt from the pod records of ${A().root} (2 ranges) and the user namespaces running on the host`);
    expect(userNamespaceAllocations(A())).to.deep.equal({
      default_running: { hostId: slot(2), length: L },
      default_stopped: { hostId: slot(0), length: L },
      default_new: { hostId: slot(3), length: L },
    });
    // the pod whose slot was taken gets another one when it is applied again
    expect(hostIdOf(reserve(A(), 'default_stolen', 5))).to.equal(slot(4));
    // a registry of the wrong shape is corrupt too
    writeFileSync(registry(), JSON.stringify({ version: 1, roots: { [A().root]: { runRoot: 'x', pods: { k: { hostId: 'no' } } } } }));
    reserve(A(), 'default_new');
    expect(warnings[1]).to.include('could not be read (a bad entry for');
  });

  it('a registry lost while its lock file stayed is rebuilt with a warning; the first one of a host without', () => {
    recorded(A(), 'default_a', slot(0));
    expect(hostIdOf(reserve(A(), 'default_a'))).to.equal(slot(0)); // first use: the record is adopted, silently
    expect(warnings).to.deep.equal([]);
    rmSync(registry());
    live = [ns(3, slot(0))];
    own[`${A().root}:default_a`] = 3;
    expect(hostIdOf(reserve(A(), 'default_b'))).to.equal(slot(1));
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.match(/allocations\.json was missing: rebuilt from the pod records of .*\/a \(1 ranges\)/);
    expect(userNamespaceAllocations(A())).to.have.keys('default_a', 'default_b');
    // a release does not hide a loss: the next reservation still says so
    rmSync(registry());
    releaseUserNamespace(A(), 'default_b', host);
    expect(existsSync(registry())).to.equal(false);
  });

  it("a root's pods are adopted the first time it allocates, each slot only if no other root's pod has it", () => {
    made(A(), 'default_x');
    expect(hostIdOf(reserve(A(), 'default_x'))).to.equal(slot(0)); // root B's records are not read yet
    recorded(B(), 'default_old', slot(0)); // a pod of B from before the registry (or a reboot) with the same slot
    recorded(B(), 'default_kept', slot(2));
    made(B(), 'default_new');
    writeFileSync(join(B().root, 'userns.json'), '{"version":1,"pods":{}}'); // what podrun kept per root before
    expect(hostIdOf(reserve(B(), 'default_new'))).to.equal(slot(1));
    expect(userNamespaceAllocations(B())).to.deep.equal({ default_kept: { hostId: slot(2), length: L }, default_new: { hostId: slot(1), length: L } });
    expect(existsSync(join(B().root, 'userns.json'))).to.equal(false);
    expect(hostIdOf(reserve(B(), 'default_old'))).to.equal(slot(3));
    expect(warnings).to.deep.equal([]);
  });

  it('release frees the slot for the next pod; peek reserves nothing and touches nothing', () => {
    made(A(), 'default_a', 'default_b');
    reserve(A(), 'default_a', 2);
    reserve(A(), 'default_b', 2);
    releaseUserNamespace(A(), 'default_a', host);
    const before = readFileSync(registry(), 'utf8');
    writeFileSync(join(A().root, 'userns.json'), 'old');
    expect(peekUserNamespace(A(), 'default_c', pool(2), host)).to.deep.equal({ hostId: slot(0), length: L });
    expect(peekUserNamespace(B(), 'default_c', pool(2), host)).to.deep.equal({ hostId: slot(0), length: L });
    expect(readFileSync(registry(), 'utf8')).to.equal(before);
    expect(existsSync(join(A().root, 'userns.json'))).to.equal(true);
    expect(userNamespaceAllocations(A())).to.deep.equal({ default_b: { hostId: slot(1), length: L } });
    releaseUserNamespace(A(), 'default_none', host); // nothing to free: fine
  });

  it('exhausted: unavailable, saying how many slots and from where', () => {
    made(A(), 'default_a');
    reserve(A(), 'default_a', 1);
    expect(reserve(A(), 'default_b', 1)).to.deep.equal({ unavailable: 'all 1 ranges of 65536 host ids from 65536 (test) are taken: 1 by pods' });
    expect(userNamespaceAllocations(A())).to.have.keys('default_a');
  });

  it("an entry whose pod has no directory and no lock holder is reclaimed, in any root; a gone root's entries too", () => {
    const C = rootPaths('c');
    mkdirSync(C.root);
    made(C, 'default_c');
    expect(hostIdOf(reserve(C, 'default_c', 3))).to.equal(slot(0));
    expect(hostIdOf(reserve(A(), 'default_gone', 3))).to.equal(slot(1)); // an apply that dies before it makes the pod
    rmSync(C.root, { recursive: true }); // a root removed with its pods' dirs
    made(B(), 'default_new', 'default_new2');
    expect(hostIdOf(reserve(B(), 'default_new', 3))).to.equal(slot(0)); // a fresh pick reclaims both
    expect(hostIdOf(reserve(B(), 'default_new2', 3))).to.equal(slot(1));
    expect(userNamespaceAllocations(A())).to.deep.equal({});
    expect(JSON.parse(readFileSync(registry(), 'utf8')).roots).to.have.keys(A().root, B().root);
    expect(existsSync(C.root)).to.equal(false); // the probe made nothing there
  });

  it('an entry whose pod lock is held (an apply under way, in any root) is never reclaimed', () => {
    reserve(A(), 'default_busy', 1);
    mkdirSync(join(A().runRoot, 'locks'), { recursive: true });
    // the holder: a real flock on its file, which the probe's real non-blocking try meets
    const holder = lockPod(A(), 'default_busy', 'busy');
    const real: UsernsHostOps = { ...host, flock: (fd: number, op: number) => (require('../../src/util/native') as typeof import('../../src/util/native')).native().flock(fd, op) };
    try {
      expect(reserve(B(), 'default_new', 1, real)).to.have.property('unavailable');
      expect(userNamespaceAllocations(A())).to.have.keys('default_busy');
    } finally {
      holder();
    }
  });

  it("skips slots overlapping excluded ranges (other users' subordinate ids)", () => {
    const r = reserveUserNamespace(A(), 'default_a', 'ua', pool(4, [{ start: 100000, length: 65536 }]), host);
    // slots 65536.. and 131072.. overlap 100000..165535
    expect(r).to.deep.equal({ range: { hostId: 196608, length: 65536 }, fresh: true });
  });

  it('processes of several roots allocating at once, under the real flock, never get the same slot', async function () {
    this.timeout(60_000);
    const script = `
      const { reserveUserNamespace } = require(${JSON.stringify(join(__dirname, '..', '..', 'src', 'state', 'userns.js'))});
      const [dir, name] = process.argv.slice(1);
      const paths = { root: dir + '/' + name, runRoot: dir + '/' + name + '/run', usernsDir: dir + '/host' };
      require('fs').mkdirSync(paths.root + '/pods', { recursive: true });
      const out = [];
      for (let i = 0; i < 20; i++) {
        const key = 'default_p' + i;
        require('fs').mkdirSync(paths.root + '/pods/' + key); // the pod exists: not reclaimable
        // nothing is live yet: only the registry can keep the others off a slot
        const r = reserveUserNamespace(paths, key, 'u', { first: 65536, length: 65536, count: 1000, excluded: [], source: 't' }, { podNamespace: () => undefined, scan: () => [] });
        out.push(r.range.hostId);
      }
      console.log(JSON.stringify(out));`;
    const kids = ['r1', 'r2', 'r3', 'r4'].map((n) => spawn(process.execPath, ['-e', script, dir, n], { stdio: ['ignore', 'pipe', 'inherit'] }));
    const outs = await Promise.all(
      kids.map(
        (k) =>
          new Promise<number[]>((res, rej) => {
            let text = '';
            k.stdout!.on('data', (d) => (text += d));
            k.on('exit', (code) => (code === 0 ? res(JSON.parse(text)) : rej(new Error(`child exited ${code}`))));
          }),
      ),
    );
    const all = outs.flat();
    expect(all).to.have.length(80);
    expect(new Set(all).size).to.equal(80);
    const reg = JSON.parse(readFileSync(registry(), 'utf8'));
    expect(Object.keys(reg.roots)).to.have.length(4);
  });
});

describe('user namespaces: where the registry is', () => {
  it('/run/podrun/userns for every root (below /run/podrun: no hostPath reaches it); PODRUN_USERNS_DIR moves it, and no hostPath reaches that either', () => {
    const saved = process.env.PODRUN_USERNS_DIR;
    try {
      delete process.env.PODRUN_USERNS_DIR;
      expect(usernsHostDir(resolvePaths({ root: '/tmp/a' }))).to.equal('/run/podrun/userns');
      expect(usernsHostDir(resolvePaths({ root: '/tmp/b' }))).to.equal('/run/podrun/userns');
      expect(stateDirs(resolvePaths({ root: '/tmp/a' }))).to.include('/run/podrun');
      process.env.PODRUN_USERNS_DIR = '/tmp/x/../reg';
      const p = resolvePaths({ root: '/tmp/a' });
      expect(usernsHostDir(p)).to.equal('/tmp/reg');
      expect(stateDirs(p)).to.include('/tmp/reg');
    } finally {
      if (saved === undefined) delete process.env.PODRUN_USERNS_DIR;
      else process.env.PODRUN_USERNS_DIR = saved;
    }
  });
});

describe('user namespaces: where the ranges come from', () => {
  const files = (subuid: string, subgid = subuid) => (p: string) => (p === '/etc/subuid' ? subuid : p === '/etc/subgid' ? subgid : '');

  it("the kubelet's default, skipping other users' /etc/subuid and /etc/subgid ranges", () => {
    const p = userNamespacePool({}, files('alice:100000:65536\n', 'alice:100000:65536\nbob:300000:65536\n'));
    expect(p).to.deep.equal({
      first: 65536,
      length: 65536,
      count: 65534,
      excluded: [
        { start: 100000, length: 65536 },
        { start: 100000, length: 65536 },
        { start: 300000, length: 65536 },
      ],
      source: 'the default range',
    });
    expect(userNamespacePool({}, () => { throw new Error('ENOENT'); }).excluded).to.deep.equal([]);
  });

  it('a podrun user in both files, with the same range', () => {
    expect(userNamespacePool({}, files('podrun:1048576:655360\n'))).to.include({ first: 1048576, count: 10, source: 'the podrun user in /etc/subuid and /etc/subgid' });
    expect(() => userNamespacePool({}, files('podrun:1048576:655360\n', 'podrun:2097152:655360\n'))).to.throw(/different ranges/);
    expect(() => userNamespacePool({}, files('podrun:1000:65536\n'))).to.throw(/multiples of 65536/);
  });

  it('PODRUN_USERNS_RANGE first', () => {
    expect(userNamespacePool({ PODRUN_USERNS_RANGE: '131072:131072' }, files('podrun:1048576:655360\n'))).to.deep.equal({ first: 131072, length: 65536, count: 2, excluded: [], source: 'PODRUN_USERNS_RANGE' });
    for (const bad of ['0:65536', '65536', '65536:1000', '4294901760:65536', 'x:y'])
      expect(() => userNamespacePool({ PODRUN_USERNS_RANGE: bad }, files(''))).to.throw(/PODRUN_USERNS_RANGE/);
  });
});
