// The helper re-validates its launch file before doing anything (docs/protocol.md): these run
// without root, because validation comes before any mount or namespace work, and check the exact
// `error validate DIRECTIVE 22 VALUE` record on fd 3 for each kind of bad input.
import { expect } from 'chai';
import { spawn, spawnSync } from 'child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { helperPath } from '../../src/runtime/helper/binary';
import { LAUNCH_MAGIC } from '../../src/runtime/helper/launch-file';
import { NATIVE_PROTOCOL } from '../../src/util/native';

function encode(parts: string[]): Buffer {
  return Buffer.from(parts.map((s) => s + '\0').join(''));
}

function monitor(file: string): Promise<{ code: number | null; records: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(helperPath(), ['monitor', file], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
    let buf = '';
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (d) => (buf += String(d)));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, records: buf.split('\n').filter(Boolean) }));
  });
}

describe('podrun-helper launch file validation', function () {
  this.timeout(20_000);
  let dir = '';
  const pod = (): string[] => [LAUNCH_MAGIC, 'key', 'default_x', 'ns', 'net', 'pod', 'poddir', join(dir, 'pod')];
  const container = (extra: string[] = []): string[] => [
    'container', 'c',
    'lower', '/l1', 'upper', '/u', 'work', '/w', 'rootfs', '/r', 'log', '/log', 'state', '/state.json',
    'caps', '0,1', 'devsize', '65536', 'nonewprivs', '0',
    ...extra,
    'arg', 'true',
    'end',
  ];

  before(function () {
    try {
      helperPath();
    } catch {
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'podrun-validate-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function expectInvalid(parts: string[] | Buffer, record: string) {
    const file = join(dir, 'launch');
    writeFileSync(file, Buffer.isBuffer(parts) ? parts : encode(parts));
    const r = await monitor(file);
    // sync 0 first: the protocol version, whatever follows.
    expect(r.records).to.deep.equal([`podrun-helper ${NATIVE_PROTOCOL}`, record.replace('FILE', file)]);
    expect(r.code).to.equal(1);
    // Nothing was started or written.
    expect(existsSync(join(dir, 'pod', 'monitor.json'))).to.equal(false);
  }

  it('rejects a file without the version header', () => expectInvalid(['key', 'x'], `error validate ${LAUNCH_MAGIC} 22 FILE`));
  it('rejects an unknown directive', () => expectInvalid([...pod(), 'bogus', 'x'], 'error validate directive 22 bogus'));
  it('rejects a directive cut short (wrong argument count)', () =>
    expectInvalid([...pod(), 'container', 'c', 'bind', '/src', '/dst'], 'error validate bind 22 FILE'));
  it('rejects a relative path', () => expectInvalid([LAUNCH_MAGIC, 'poddir', 'pods/x'], 'error validate poddir 22 pods/x'));
  it('rejects `..` in a path', () => expectInvalid([...pod(), ...container(['lower', '/a/../etc'])], 'error validate lower 22 /a/../etc'));
  it('rejects a value of 4096 bytes or more', () =>
    expectInvalid([LAUNCH_MAGIC, 'poddir', '/' + 'a'.repeat(4096)], 'error validate poddir 22 (value longer than 4095 bytes)'));
  it('rejects a mount destination under /proc', () =>
    expectInvalid([...pod(), ...container(['bind', '/src', '/proc/sys', 'rw', 'dir'])], 'error validate bind 22 /proc/sys'));
  it('rejects a subPath that climbs out', () =>
    expectInvalid([...pod(), ...container(['bindsub', '/vol', '../etc', '/x', 'ro', 'dir'])], 'error validate bindsub 22 ../etc'));
  it('rejects an unknown namespace mode', () => expectInvalid([...pod(), 'ns', 'net', 'container'], 'error validate ns 22 container'));
  it('rejects a container directive outside a container block', () =>
    expectInvalid([...pod(), 'lower', '/l'], 'error validate lower 22 (directive outside its block)'));
  it('rejects a container without an upper dir', () =>
    expectInvalid([...pod(), 'container', 'c', 'lower', '/l', 'arg', 'true', 'end'], 'error validate container 22 c'));
  it('rejects a duplicate container name', () =>
    expectInvalid([...pod(), ...container(), ...container()], 'error validate container 22 c'));
  it('rejects a bad user', () => expectInvalid([...pod(), ...container(['user', '-1', '0', ''])], 'error validate user 22 -1'));
  it('rejects an env entry without =', () => expectInvalid([...pod(), ...container(['env', 'NOEQUALS'])], 'error validate env 22 NOEQUALS'));
  it('rejects a capability number past 63', () => expectInvalid([...pod(), ...container(['caps', '0,64'])], 'error validate caps 22 0,64'));
  it('rejects a launch file of another protocol version', () =>
    expectInvalid(['podrun-launch-v1', 'key', 'default_x'], `error validate ${LAUNCH_MAGIC} 22 FILE`));
  it('decides no policy: a container without caps, devsize or nonewprivs is refused', async () => {
    const bare = (drop: string) => {
      const c = container();
      const i = c.indexOf(drop);
      c.splice(i, 2);
      return c;
    };
    await expectInvalid([...pod(), ...bare('caps')], 'error validate caps 22 c');
    await expectInvalid([...pod(), ...bare('devsize')], 'error validate devsize 22 c');
    await expectInvalid([...pod(), ...bare('nonewprivs')], 'error validate nonewprivs 22 c');
  });
  it('rejects a seccomp program path that is not clean and absolute, and nonewprivs other than 0 or 1', async () => {
    await expectInvalid([...pod(), ...container(['seccomp', 'seccomp/x.bpf'])], 'error validate seccomp 22 seccomp/x.bpf');
    await expectInvalid([...pod(), ...container(['seccomp', '/r/../x.bpf'])], 'error validate seccomp 22 /r/../x.bpf');
    await expectInvalid([...pod(), ...container(['nonewprivs', 'yes'])], 'error validate nonewprivs 22 yes');
    await expectInvalid([...pod(), 'seccomp', '/x.bpf'], 'error validate seccomp 22 (directive outside its block)');
  });
  it('rejects masked and read-only paths outside /proc and /sys, and devices outside /dev', async () => {
    await expectInvalid([...pod(), ...container(['maskpath', '/etc/shadow'])], 'error validate maskpath 22 /etc/shadow');
    await expectInvalid([...pod(), ...container(['readonlypath', '/proc'])], 'error validate readonlypath 22 /proc');
    await expectInvalid([...pod(), ...container(['maskpath', '/proc/../etc'])], 'error validate maskpath 22 /proc/../etc');
    await expectInvalid([...pod(), ...container(['device', '/etc/null', '1', '3'])], 'error validate device 22 /etc/null');
    await expectInvalid([...pod(), ...container(['device', '/dev/pts/0', '136', '0'])], 'error validate device 22 /dev/pts/0');
    await expectInvalid([...pod(), ...container(['device', '/dev/null', '4096', '3'])], 'error validate device 22 4096');
    await expectInvalid([...pod(), ...container(['devsize', '0'])], 'error validate devsize 22 0');
  });
  it('rejects a file that does not end with NUL', () =>
    expectInvalid(Buffer.concat([encode(pod()), Buffer.from('key')]), 'error validate launch 22 FILE'));
  it('rejects an unterminated container block', () =>
    expectInvalid([...pod(), 'container', 'c', 'lower', '/l'], 'error validate end 22 FILE'));
  it('reports a missing launch file with its errno', () =>
    expectInvalid(Buffer.alloc(0), 'error validate launch 22 FILE').then(async () => {
      const r = await monitor(join(dir, 'missing'));
      expect(r.records).to.deep.equal([`podrun-helper ${NATIVE_PROTOCOL}`, `error validate open 2 ${join(dir, 'missing')}`]);
    }));

  it('exec refuses bad usage, another protocol version and a pid that does not exist, with exit 126', () => {
    const proto = ['--protocol', String(NATIVE_PROTOCOL)];
    const usage = spawnSync(helperPath(), ['exec', ...proto, '--', 'true'], { encoding: 'utf8' });
    expect(usage.status).to.equal(126);
    expect(usage.stderr).to.match(/--pid and --start-time are required/);
    const unversioned = spawnSync(helperPath(), ['exec', '--pid', '1', '--start-time', '1', '--', 'true'], { encoding: 'utf8' });
    expect(unversioned.status).to.equal(126);
    expect(unversioned.stderr).to.match(/--protocol must come first/);
    const other = spawnSync(helperPath(), ['exec', '--protocol', '1', '--pid', '1', '--start-time', '1', '--', 'true'], { encoding: 'utf8' });
    expect(other.status).to.equal(126);
    expect(other.stderr).to.match(/the native build is stale; rebuild it with `npm run build:native`/);
    const gone = spawnSync(helperPath(), ['exec', ...proto, '--pid', '999999999', '--start-time', '1', '--', 'true'], { encoding: 'utf8' });
    expect(gone.status).to.equal(126);
    expect(gone.stderr).to.match(/^podrun-helper: exec: pidfd_open: (No such process|Invalid argument)/);
  });
});
