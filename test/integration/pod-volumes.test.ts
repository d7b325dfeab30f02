// Issue 3, test 4: hostPath volumes, read-write and read-only, a relative hostPath resolved
// against the manifest's folder, subPath, and hostPath type checks that fail before anything starts.
import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { haveBusybox } from '../helpers/busybox';
import { isRoot } from '../helpers/cli';
import { logText, PodSuite, podManifest, setUpSuite, tearDownSuite, waitFor, writeManifest } from './pod-helpers';


/** The line (1-based) of the manifest FILE on which NEEDLE is written: where a hostPath problem is reported. */
const lineWith = (file: string, needle: string) => readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(JSON.stringify(needle))) + 1;
describe('pod hostPath volumes (integration)', function () {
  this.timeout(120_000);
  let s: PodSuite | undefined;
  let rw = '';
  let ro = '';
  let manifestDir = '';
  // hostPath dirs live outside PODRUN_ROOT: the spec rules refuse hostPaths inside podrun's state.
  let host = '';

  before(function () {
    if (!isRoot() || !haveBusybox()) this.skip();
    s = setUpSuite('podrun-pod-vol-');
    host = mkdtempSync(join(tmpdir(), 'podrun-hostpath-'));
    rw = join(host, 'host-rw');
    ro = join(host, 'host-ro');
    mkdirSync(rw);
    mkdirSync(ro);
    writeFileSync(join(ro, 'existing'), 'host-content\n');
    manifestDir = join(host, 'repo', 'pods');
  });

  after(() => {
    try {
      tearDownSuite(s);
    } finally {
      if (host) rmSync(host, { recursive: true, force: true });
    }
  });

  it('4. writes through a rw hostPath, fails with EROFS on a readOnly one, and resolves a relative path against the manifest folder', () => {
    const m = writeManifest(
      manifestDir,
      'vol.yaml',
      podManifest('vol', {
        volumes: [
          { name: 'rw', hostPath: { path: rw, type: 'Directory' } },
          { name: 'ro', hostPath: { path: ro, type: 'Directory' } },
          { name: 'rel', hostPath: { path: './data', type: 'DirectoryOrCreate' } },
        ],
        containers: [
          {
            name: 'c',
            command: [
              'sh',
              '-c',
              'echo from-pod > /rw/out; echo rel > /rel/out; echo sub > /sub/f; cat /ro/existing; echo x > /ro/new || echo ro-write-failed; exec sleep 3600',
            ],
            volumeMounts: [
              { name: 'rw', mountPath: '/rw' },
              { name: 'ro', mountPath: '/ro', readOnly: true },
              { name: 'rel', mountPath: '/rel' },
              { name: 'rw', mountPath: '/sub', subPath: 'nested/dir' },
            ],
          },
        ],
      }),
    );
    const r = s!.run(['apply', '-f', m]);
    expect(r.code, r.stderr).to.equal(0);
    waitFor(() => logText(s!.root, 'vol', 'c').includes('ro-write-failed'), 60_000, 'container output');
    const log = logText(s!.root, 'vol', 'c');
    expect(log).to.match(/ stderr F .*Read-only file system/);
    expect(log).to.include('stdout F host-content');
    expect(readFileSync(join(rw, 'out'), 'utf8')).to.equal('from-pod\n');
    expect(readFileSync(join(manifestDir, 'data', 'out'), 'utf8')).to.equal('rel\n');
    expect(readFileSync(join(rw, 'nested', 'dir', 'f'), 'utf8')).to.equal('sub\n');
    expect(existsSync(join(ro, 'new'))).to.equal(false);

    // delete never touches hostPath data
    const d = s!.run(['delete', 'pod', 'vol', '--grace-period', '0']);
    expect(d.code, d.stderr).to.equal(0);
    expect(readFileSync(join(rw, 'out'), 'utf8')).to.equal('from-pod\n');
    expect(readFileSync(join(ro, 'existing'), 'utf8')).to.equal('host-content\n');
    expect(readFileSync(join(manifestDir, 'data', 'out'), 'utf8')).to.equal('rel\n');
  });

  it('runAsUser: the container runs as that uid/gid and can write its emptyDir; the pod dir is private', () => {
    const m = writeManifest(
      manifestDir,
      'user.yaml',
      podManifest('user', {
        securityContext: { runAsUser: 1000, runAsGroup: 1000 },
        volumes: [{ name: 'e', emptyDir: {} }],
        containers: [{ name: 'c', command: ['sh', '-c', 'id -u > /e/uid; id -g >> /e/uid; exec sleep 3600'], volumeMounts: [{ name: 'e', mountPath: '/e' }] }],
      }),
    );
    const r = s!.run(['apply', '-f', m]);
    expect(r.code, r.stderr).to.equal(0);
    const pod = join(s!.root, 'pods', 'default_user');
    waitFor(() => existsSync(join(pod, 'volumes', 'e', 'uid')) && readFileSync(join(pod, 'volumes', 'e', 'uid'), 'utf8').split('\n').length > 2, 60_000, 'uid file');
    expect(readFileSync(join(pod, 'volumes', 'e', 'uid'), 'utf8')).to.equal('1000\n1000\n');
    expect(statSync(pod).mode & 0o777).to.equal(0o700);
    const d = s!.run(['delete', 'pod', 'user', '--grace-period', '0']);
    expect(d.code, d.stderr).to.equal(0);
  });

  it('a subPath that is a symlink out of its volume is refused at start (StartError), the host untouched', () => {
    const vol = join(host, 'escape');
    mkdirSync(vol);
    symlinkSync('/etc', join(vol, 'link'));
    const m = writeManifest(
      manifestDir,
      'escape.yaml',
      // Never: the refused start stays StartError (under Always it is retried with back-off)
      podManifest('escape', {
        restartPolicy: 'Never',
        volumes: [{ name: 'v', hostPath: { path: vol, type: 'Directory' } }],
        containers: [{ name: 'c', command: ['sleep', '3600'], volumeMounts: [{ name: 'v', mountPath: '/x', subPath: 'link' }] }],
      }),
    );
    const r = s!.run(['apply', '-f', m]);
    expect(r.code).to.equal(1);
    expect(r.stderr.split('\n')[0]).to.match(/^error: pod\/escape: container c: volume \S+ .*: (EXDEV|ELOOP)$/);
    expect(r.stderr).to.include('the subPath leads out of its volume');
    expect(s!.run(['get', 'pods']).stdout).to.match(/^escape\s+0\/1\s+StartError/m);
    const d = s!.run(['delete', 'pod', 'escape']);
    expect(d.code, d.stderr).to.equal(0);
  });

  it('a missing hostPath of type Directory is an error naming the field; nothing is created', () => {
    const missing = join(host, 'no-such-dir');
    const m = writeManifest(
      manifestDir,
      'missing.yaml',
      podManifest('missing', {
        volumes: [
          { name: 'ok', emptyDir: {} },
          { name: 'gone', hostPath: { path: missing, type: 'Directory' } },
        ],
        containers: [{ name: 'c', command: ['true'], volumeMounts: [{ name: 'gone', mountPath: '/x' }] }],
      }),
    );
    const r = s!.run(['apply', '-f', m]);
    expect(r.code).to.equal(2);
    expect(r.stderr.split('\n')[0]).to.equal(`error: ${m}:${lineWith(m, missing)}: spec.volumes[1].hostPath.path: ${missing} does not exist (type Directory)`);
    expect(r.stderr).to.include('hint: create it first, or use type DirectoryOrCreate');
    expect(readdirSync(join(s!.root, 'pods'))).to.deep.equal([]);
    expect(existsSync(missing)).to.equal(false);
  });

  it('a failed check rolls back what apply already made (a DirectoryOrCreate dir, the pod dirs)', () => {
    const made = join(host, 'made', 'by', 'apply');
    const m = writeManifest(
      manifestDir,
      'rollback.yaml',
      podManifest('rollback', {
        volumes: [
          { name: 'new', hostPath: { path: made, type: 'DirectoryOrCreate' } },
          { name: 'sock', hostPath: { path: join(host, 'host-rw'), type: 'Socket' } },
        ],
        containers: [{ name: 'c', command: ['true'], volumeMounts: [{ name: 'new', mountPath: '/n' }] }],
      }),
    );
    const r = s!.run(['apply', '-f', m]);
    expect(r.code).to.equal(2);
    expect(r.stderr.split('\n')[0]).to.equal(`error: ${m}:${lineWith(m, join(host, 'host-rw'))}: spec.volumes[1].hostPath.path: ${join(host, 'host-rw')} is not a UNIX socket (type Socket)`);
    expect(existsSync(join(host, 'made'))).to.equal(false);
    expect(readdirSync(join(s!.root, 'pods'))).to.deep.equal([]);
    expect(readdirSync(join(s!.root, 'run', 'pods'))).to.deep.equal([]);
  });

  it('a hostPath of type File that is a directory is refused', () => {
    const m = writeManifest(
      manifestDir,
      'notfile.yaml',
      podManifest('notfile', {
        volumes: [{ name: 'f', hostPath: { path: rw, type: 'File' } }],
        containers: [{ name: 'c', command: ['true'], volumeMounts: [{ name: 'f', mountPath: '/f' }] }],
      }),
    );
    const r = s!.run(['apply', '-f', m]);
    expect(r.code).to.equal(2);
    expect(r.stderr.split('\n')[0]).to.equal(`error: ${m}:${lineWith(m, rw)}: spec.volumes[0].hostPath.path: ${rw} is not a regular file (type File)`);
    expect(readdirSync(join(s!.root, 'pods'))).to.deep.equal([]);
  });
});
