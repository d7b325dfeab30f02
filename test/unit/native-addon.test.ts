// The addon's few syscalls, for real (no root needed): argument checks throw TypeError, failures
// surface as SyscallError with the errno code, and the non-throwing cases (flock would block,
// absent xattr) return their documented values.
import { expect } from 'chai';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { SyscallError } from '../../src/util/errors';
import { LOCK_EX, LOCK_NB, LOCK_UN, native } from '../../src/util/native';

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

  it('fd xattrs and readlinkFd: of the object opened; a bad fd is EBADF', () => {
    const f = join(dir, 'fx');
    writeFileSync(f, '');
    const fd = openSync(f, 'r');
    try {
      expect(native().fgetxattr(fd, 'user.podrun.none')).to.equal(null);
      expect(native().flistxattr(fd)).to.be.an('array');
    } finally {
      closeSync(fd);
    }
    symlinkSync('some/target', join(dir, 'lnk'));
    const lfd = openSync(join(dir, 'lnk'), 0o10000000 /* O_PATH */ | constants.O_NOFOLLOW);
    try {
      expect(native().readlinkFd(lfd)).to.equal('some/target');
    } finally {
      closeSync(lfd);
    }
    expect(() => native().flistxattr(0x7ffffff0)).to.throw(SyscallError).with.property('code', 'EBADF');
  });

  it('spawnDetached: own session, stdio on /dev/null, fd 3 the socket and nothing else, default signals', () => {
    // The child reports on fd 3 and ends; reading the pipe to EOF waits for it.
    const script = [
      'echo "sid $(cut -d" " -f6 /proc/self/stat) pid $$"',
      'ls /proc/self/fd | tr "\\n" " "; echo',
      'readlink /proc/self/fd/0 /proc/self/fd/1 /proc/self/fd/2 | tr "\\n" " "; echo',
      'grep -E "^Sig(Blk|Ign)" /proc/self/status',
    ].join('; ');
    const { pid, fd } = native().spawnDetached('/bin/sh', ['sh', '-c', `exec 4>&1 1>&3; ${script.replace('readlink /proc/self/fd/0 /proc/self/fd/1', 'readlink /proc/self/fd/0 /proc/self/fd/4')}`]);
    const out = readFileSync(fd, 'utf8');
    closeSync(fd);
    const sid = /sid (\d+) pid (\d+)/.exec(out);
    expect(sid, out).to.not.equal(null);
    expect(Number(sid![2])).to.equal(pid);
    expect(sid![1]).to.equal(sid![2]); // session leader
    const fds = out.split('\n')[1].trim().split(' ').map(Number);
    // sh opens one more fd to list the directory (and 4 is our copy of stdout); nothing else may be
    // inherited from Node.
    expect(fds.filter((n) => n > 4).length, out).to.be.at.most(1);
    expect(out.split('\n')[2].trim()).to.equal('/dev/null /dev/null /dev/null');
    expect(out).to.match(/SigBlk:\s+0{16}/);
    expect(out).to.match(/SigIgn:\s+0{16}/);
  });

  it('spawnDetached reports a command that cannot be executed', () => {
    expect(() => native().spawnDetached('/nonexistent/podrun-test', ['x'])).to.throw(SyscallError, /ENOENT/);
  });
});
