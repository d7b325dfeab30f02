// The user namespace allocation (state/userns.ts) and where its ranges come from
// (runtime/facts.ts userNamespacePool), without root: a temporary root and a fake flock.
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { peekUserNamespace, releaseUserNamespace, reserveUserNamespace, userNamespaceAllocations, type UserNamespacePool } from '../../src/state/userns';
import { userNamespacePool } from '../../src/runtime/facts';

const ops = { flock: () => true };
const pool = (count: number, excluded: UserNamespacePool['excluded'] = []): UserNamespacePool => ({ first: 65536, length: 65536, count, excluded, source: 'test' });

describe('user namespaces: allocation', () => {
  let root = '';
  const paths = () => ({ root, runRoot: join(root, 'run') });
  /** A pod that exists: its directory is there (an allocation without one may be reclaimed). */
  const made = (...keys: string[]) => keys.forEach((k) => mkdirSync(join(root, 'pods', k), { recursive: true }));
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'podrun-userns-unit-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('gives each pod the lowest free slot, disjoint, recorded in <root>/userns.json; the same pod keeps its slot', () => {
    made('default_a', 'default_b');
    const a = reserveUserNamespace(paths(), 'default_a', 'ua', pool(4), ops);
    const b = reserveUserNamespace(paths(), 'default_b', 'ub', pool(4), ops);
    expect(a).to.deep.equal({ range: { hostId: 65536, length: 65536 }, fresh: true });
    expect(b).to.deep.equal({ range: { hostId: 131072, length: 65536 }, fresh: true });
    expect(reserveUserNamespace(paths(), 'default_a', 'ua', pool(4), ops)).to.deep.equal({ range: { hostId: 65536, length: 65536 }, fresh: false });
    const file = JSON.parse(readFileSync(join(root, 'userns.json'), 'utf8'));
    expect(file).to.deep.equal({ version: 1, pods: { default_a: { uid: 'ua', hostId: 65536, length: 65536 }, default_b: { uid: 'ub', hostId: 131072, length: 65536 } } });
  });

  it('release frees the slot for the next pod; peek reserves nothing', () => {
    made('default_a', 'default_b');
    reserveUserNamespace(paths(), 'default_a', 'ua', pool(2), ops);
    reserveUserNamespace(paths(), 'default_b', 'ub', pool(2), ops);
    releaseUserNamespace(paths(), 'default_a', ops);
    expect(peekUserNamespace(paths(), 'default_c', pool(2))).to.deep.equal({ hostId: 65536, length: 65536 });
    expect(userNamespaceAllocations(paths())).to.deep.equal({ default_b: { hostId: 131072, length: 65536 } });
    releaseUserNamespace(paths(), 'default_none', ops); // nothing to free: fine
  });

  it('exhausted: unavailable, saying how many slots and from where', () => {
    made('default_a');
    reserveUserNamespace(paths(), 'default_a', 'ua', pool(1), ops);
    const r = reserveUserNamespace(paths(), 'default_b', 'ub', pool(1), ops);
    expect(r).to.deep.equal({ unavailable: 'all 1 ranges of 65536 host ids from 65536 (test) are taken: 1 by pods' });
    expect(userNamespaceAllocations(paths())).to.have.keys('default_a');
  });

  it('an entry whose pod has no directory and no lock holder is reclaimed (an apply killed before it made the pod)', () => {
    reserveUserNamespace(paths(), 'default_gone', 'ug', pool(1), ops);
    const r = reserveUserNamespace(paths(), 'default_new', 'un', pool(1), ops);
    expect(r).to.deep.equal({ range: { hostId: 65536, length: 65536 }, fresh: true });
    expect(userNamespaceAllocations(paths())).to.have.keys('default_new');
  });

  it('an entry whose pod lock is held (an apply under way) is never reclaimed', () => {
    reserveUserNamespace(paths(), 'default_busy', 'ub', pool(1), ops);
    const busy = { flock: (_fd: number, op: number) => op !== (2 | 4) }; // every LOCK_EX|LOCK_NB is refused
    expect(reserveUserNamespace(paths(), 'default_new', 'un', pool(1), busy)).to.have.property('unavailable');
    expect(userNamespaceAllocations(paths())).to.have.keys('default_busy');
  });

  it('skips slots overlapping excluded ranges (other users\' subordinate ids)', () => {
    const r = reserveUserNamespace(paths(), 'default_a', 'ua', pool(4, [{ start: 100000, length: 65536 }]), ops);
    // slots 65536.. and 131072.. overlap 100000..165535
    expect(r).to.deep.equal({ range: { hostId: 196608, length: 65536 }, fresh: true });
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
