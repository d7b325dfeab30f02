// The addon's few syscalls, for real (no root needed): argument checks throw TypeError, failures
// surface as SyscallError with the errno code, and the non-throwing cases (flock would block,
// absent xattr) return their documented values.
import { expect } from 'chai';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { SyscallError } from '../../src/errors';
import { LOCK_EX, LOCK_NB, LOCK_UN, native } from '../../src/runtime/native';

describe('native addon', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'podrun-native-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('makedev packs major/minor as glibc does and rejects out-of-range values', () => {
    expect(native().makedev(1, 3)).to.equal(0x103);
    expect(native().makedev(259, 0x12345)).to.equal(259 * 256 + (0x45 | (0x123 << 20)));
    expect(() => native().makedev(-1, 0)).to.throw(TypeError);
  });

  it('flock: a second open file description cannot take the lock with LOCK_NB', () => {
    const f = join(dir, 'lock');
    writeFileSync(f, '');
    const a = openSync(f, 'r');
    const b = openSync(f, 'r');
    try {
      expect(native().flock(a, LOCK_EX | LOCK_NB)).to.equal(true);
      expect(native().flock(b, LOCK_EX | LOCK_NB)).to.equal(false);
      native().flock(a, LOCK_UN);
      expect(native().flock(b, LOCK_EX | LOCK_NB)).to.equal(true);
    } finally {
      closeSync(a);
      closeSync(b);
    }
  });

  it('pidfd: opens our own pid, signal 0 succeeds; a missing pid is ESRCH', () => {
    const fd = native().pidfdOpen(process.pid);
    try {
      native().pidfdSendSignal(fd, 0);
    } finally {
      closeSync(fd);
    }
    let err: unknown;
    try {
      native().pidfdOpen(0x3ffffff0);
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(SyscallError);
    expect(err).to.include({ code: 'ESRCH', syscall: 'pidfd_open' });
  });

  it('xattrs: absent is null, a missing file is ENOENT with its path', () => {
    const f = join(dir, 'x');
    writeFileSync(f, '');
    expect(native().lgetxattr(f, 'user.podrun.none')).to.equal(null);
    expect(() => native().llistxattr(join(dir, 'missing'))).to.throw(SyscallError).with.property('code', 'ENOENT');
  });
});
