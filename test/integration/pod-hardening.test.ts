// Device nodes and terminals: what a container must not be able to reach on the host.
// - A device node shipped in an image layer, or made with mknod in /dev or a volume, cannot be
//   opened (nodev), while the real /dev devices keep working.
// - `exec` without -t does not give the command the user's terminal as its controlling tty
//   (it could push input into the user's shell with TIOCSTI).
// - A volume is a private copy (mountPropagation None): a mount made on the host under a
//   readOnly hostPath later does not appear inside, where it would be writable.
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { haveBusybox } from '../helpers/busybox';
import { isRoot, PODRUN } from '../helpers/cli';
import { deletePodsAndCheckLeaks, logText, PodSuite, podManifest, podSuiteFiles, setUpSuite, waitFor, waitStarted, writeManifest } from './pod-helpers';

describe('pod hardening (integration)', function () {
  this.timeout(120_000);
  let s: PodSuite | undefined;

  before(function () {
    if (!isRoot() || !haveBusybox()) this.skip();
    s = setUpSuite('podrun-pod-hard-', (rootfs) => {
      podSuiteFiles(rootfs);
      // the host's /dev/null as a node inside the image: harmless to open if nodev failed
      const r = spawnSync('mknod', ['-m', '666', join(rootfs, 'imgdev'), 'c', '1', '3']);
      expect(r.status, String(r.stderr)).to.equal(0);
    });
  });

  let shared = '';
  const sh = (cmd: string) => spawnSync('sh', ['-c', cmd], { encoding: 'utf8' });

  after(() => {
    // The test's own host mounts go first, so the leak check sees the host as it was.
    if (shared) {
      sh(`umount ${shared}/vol/late 2>/dev/null; umount ${shared}/vol 2>/dev/null`);
      rmSync(shared, { recursive: true, force: true });
    }
    deletePodsAndCheckLeaks(s, ['dev', 'prop']);
  });

  it('device nodes from the image or from mknod cannot be opened; /dev/null still works', () => {
    const m = writeManifest(
      join(s!.root, 'm'),
      'dev.yaml',
      podManifest('dev', {
        volumes: [{ name: 'scratch', emptyDir: {} }],
        containers: [
          {
            name: 'c',
            command: [
              'sh',
              '-c',
              [
                'test -c /imgdev && echo image-node-present',
                '(echo x > /imgdev) 2>/dev/null && echo image-node-open || echo image-node-denied',
                'mknod /dev/made c 1 3 && { (echo x > /dev/made) 2>/dev/null && echo dev-node-open || echo dev-node-denied; }',
                'mknod /scratch/made c 1 3 && { (echo x > /scratch/made) 2>/dev/null && echo vol-node-open || echo vol-node-denied; }',
                'echo x > /dev/null && echo devnull-ok',
                'exec sleep 3600',
              ].join('; '),
            ],
            volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }],
            // MKNOD is not in the default set any more; given here, nodev is what still stops a node
            securityContext: { capabilities: { add: ['MKNOD'] } },
          },
        ],
      }),
    );
    const a = s!.run(['apply', '-f', m]);
    expect(a.code, a.stderr).to.equal(0);
    waitStarted(s!.root, 'dev');
    const log = waitFor(() => (/devnull-ok/.test(logText(s!.root, 'dev', 'c')) ? logText(s!.root, 'dev', 'c') : undefined), 30_000, 'the checks');
    expect(log).to.match(/image-node-present/);
    expect(log).to.match(/image-node-denied/);
    expect(log).to.match(/dev-node-denied/);
    expect(log).to.match(/vol-node-denied/);
    expect(log).not.to.match(/-node-open/);
  });

  it('exec without -t leaves the command without a controlling terminal, even when podrun has one', function () {
    if (spawnSync('script', ['--version']).status !== 0) this.skip();
    // Field 7 of /proc/self/stat is the controlling tty (0: none).
    const cmd = `${PODRUN} exec dev -- sh -c 'cut -d" " -f7 /proc/self/stat'`;
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', env: { ...process.env, PODRUN_ROOT: s!.root }, timeout: 60_000 });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout.replace(/\r/g, '').trim().split('\n').pop()).to.equal('0');
    // and with -t it does have one (the pty the helper made)
    const t = spawnSync('script', ['-qec', cmd.replace(' exec dev', ' exec -t dev'), '/dev/null'], {
      encoding: 'utf8',
      env: { ...process.env, PODRUN_ROOT: s!.root },
      timeout: 60_000,
    });
    expect(t.status, t.stderr).to.equal(0);
    expect(t.stdout.replace(/\r/g, '').trim().split('\n').pop()).to.not.equal('0');
  });

  it('a mount made on the host under a readOnly hostPath after start does not appear inside', () => {
    // A shared tmpfs, so that the host's later mount would propagate into the pod's copies.
    shared = mkdtempSync(join(tmpdir(), 'podrun-prop-'));
    mkdirSync(join(shared, 'vol'));
    const mk = sh(`mount -t tmpfs tmpfs ${shared}/vol && mount --make-shared ${shared}/vol && mkdir ${shared}/vol/late`);
    expect(mk.status, mk.stderr).to.equal(0);
    const m = writeManifest(
      join(s!.root, 'm'),
      'prop.yaml',
      podManifest('prop', {
        volumes: [{ name: 'v', hostPath: { path: join(shared, 'vol'), type: 'Directory' } }],
        containers: [{ name: 'c', command: ['sleep', '3600'], volumeMounts: [{ name: 'v', mountPath: '/v', readOnly: true }] }],
      }),
    );
    const a = s!.run(['apply', '-f', m]);
    expect(a.code, a.stderr).to.equal(0);
    waitStarted(s!.root, 'prop');
    const late = sh(`mount -t tmpfs tmpfs ${shared}/vol/late && touch ${shared}/vol/late/host-file`);
    expect(late.status, late.stderr).to.equal(0);
    const r = s!.run(['exec', 'prop', '--', 'sh', '-c', 'ls /v/late; touch /v/late/x && echo writable || echo read-only']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).not.to.contain('host-file');
    expect(r.stdout).to.contain('read-only');
  });

  it('a hostPath that is a symlink to / is refused at apply, and nothing is started', () => {
    const dir = mkdtempSync(join(tmpdir(), 'podrun-hostlink-'));
    try {
      symlinkSync('/', join(dir, 'innocent'));
      const m = writeManifest(
        join(s!.root, 'm'),
        'link.yaml',
        podManifest('link', {
          volumes: [{ name: 'v', hostPath: { path: join(dir, 'innocent') } }],
          containers: [{ name: 'c', command: ['sleep', '3600'], volumeMounts: [{ name: 'v', mountPath: '/host' }] }],
        }),
      );
      const a = s!.run(['apply', '-f', m]);
      expect(a.code).to.equal(2);
      expect(a.stderr).to.contain(`spec.volumes[0].hostPath.path: ${join(dir, 'innocent')} leads to / through a symlink, which is not allowed`);
      expect(existsSync(join(s!.root, 'pods', 'default_link'))).to.equal(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
