// podrun cp (kubectl cp's specs, tar in the container, its errors) with real pods: round trips
// that keep permission bits and hard links, owners kept in the container (or not, --no-preserve),
// kubectl's directory rules, and what a hostile container can try: a /bin/tar of its own that
// writes names outside DEST, symlinks and hard links to host files, and a DEST in a hostPath it
// shares with a symlink planted in it. Host data must stay untouched.
import { expect } from 'chai';
import { chmodSync, chownSync, cpSync, existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { haveBusybox } from '../helpers/busybox';
import { isRoot, podrun } from '../helpers/cli';
import { hdr, pack } from '../helpers/tar-pack';
import { podManifest, setUpSuite, tearDownSuite, waitStarted, writeManifest, type PodSuite } from './pod-helpers';


/** Every entry below DIR: relative name, type, permission bits, and a file's text. */
function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(dir, r));
      const mode = (st.mode & 0o777).toString(8);
      if (st.isDirectory()) {
        out.push(`d ${mode} ${r}`);
        walk(r);
      } else if (st.isSymbolicLink()) out.push(`l ${r} -> ${readlinkSync(join(dir, r))}`);
      else out.push(`f ${mode} ${r} ${readFileSync(join(dir, r), 'utf8')}`);
    }
  };
  walk('');
  return out;
}

describe('podrun cp (real pods)', function () {
  this.timeout(120_000);
  let s: PodSuite | undefined;
  let work = '';
  let shared = '';
  let victim = '';
  before(function () {
    if (!isRoot() || !haveBusybox()) this.skip();
    s = setUpSuite('podrun-cp-');
    work = mkdtempSync(join(tmpdir(), 'podrun-cp-work-'));
    shared = join(work, 'shared');
    victim = join(work, 'victim');
    mkdirSync(shared);
    mkdirSync(victim);
    writeFileSync(join(victim, 'secret'), 'host data\n');
    // an image without tar, as distroless ones are
    const notar = join(s.root, 'notar-rootfs');
    cpSync(join(s.root, 'src-rootfs'), notar, { recursive: true, verbatimSymlinks: true });
    rmSync(join(notar, 'bin', 'tar'));
    expect(podrun(s.root, ['import', notar, 'notar:test']).code).to.equal(0);
    const manifest = podManifest('dev', {
      volumes: [{ name: 'shared', hostPath: { path: shared, type: 'Directory' } }],
      containers: [
        { name: 'app', command: ['sh', '-c', 'mkdir -p /data/sub && echo hi > /data/a.txt && chmod 750 /data/a.txt && echo deep > /data/sub/b && ln -s /etc/passwd /data/link && exec sleep 3600'], volumeMounts: [{ name: 'shared', mountPath: '/shared' }] },
        { name: 'bare', image: 'notar:test', command: ['sleep', '3600'] },
      ],
    }, { annotations: { 'kubectl.kubernetes.io/default-container': 'app' } });
    expect(s.run(['apply', '-f', writeManifest(join(work, 'm'), 'dev.yaml', manifest)]).code).to.equal(0);
    const other = podManifest('tp', { containers: [{ name: 'c', command: ['sh', '-c', 'echo in-team > /t && exec sleep 3600'] }] }, { namespace: 'team' });
    expect(s.run(['apply', '-f', writeManifest(join(work, 'm'), 'tp.yaml', other)]).code).to.equal(0);
    waitStarted(s.root, 'dev');
  });
  after(() => {
    tearDownSuite(s, ['default', 'team']);
    if (work) rmSync(work, { recursive: true, force: true });
  });
  const ok = (args: string[], cwd?: string) => {
    const r = podrun(s!.root, args, cwd ? { cwd } : {});
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).to.equal(0);
    return r;
  };
  const inPod = (cmd: string, c = 'app') => ok(['exec', 'dev', '-c', c, '--', 'sh', '-c', cmd]).stdout;

  it('a tree into the pod and back: contents, permission bits, empty directories and hard links survive; -c picks the container', async () => {
    const src = join(work, 'tree');
    mkdirSync(join(src, 'd', 'empty'), { recursive: true });
    writeFileSync(join(src, 'run.sh'), 'echo run\n');
    chmodSync(join(src, 'run.sh'), 0o741);
    writeFileSync(join(src, 'd', 'key'), 'k\n');
    chmodSync(join(src, 'd', 'key'), 0o600);
    chmodSync(join(src, 'd'), 0o750);
    linkSync(join(src, 'd', 'key'), join(src, 'd', 'key2'));
    const r = ok(['cp', src, 'dev:/tmp/t', '-c', 'app']);
    expect([r.stdout, r.stderr]).to.deep.equal(['', '']);
    expect(inPod('cd /tmp/t && find . | sort | while read f; do stat -c "%A %n" "$f"; done')).to.equal(
      ['drwxr-xr-x .', 'drwxr-x--- ./d', 'drwxr-xr-x ./d/empty', '-rw------- ./d/key', '-rw------- ./d/key2', '-rwxr----x ./run.sh', ''].join('\n'),
    );
    expect(inPod('stat -c %i /tmp/t/d/key /tmp/t/d/key2 | uniq | wc -l').trim()).to.equal('1');
    const back = join(work, 'back');
    ok(['cp', 'dev:/tmp/t', back]);
    expect(tree(back)).to.deep.equal(tree(src));
    expect(statSync(join(back, 'd', 'key')).ino).to.equal(statSync(join(back, 'd', 'key2')).ino);
  });

  it("kubectl's directory rules: into an existing directory by the source's name; out of the pod a directory is merged, a file goes in by its name", () => {
    const f = join(work, 'one.txt');
    writeFileSync(f, 'one\n');
    ok(['cp', f, 'dev:/tmp/']);
    expect(inPod('cat /tmp/one.txt')).to.equal('one\n');
    ok(['cp', f, 'dev:/tmp/renamed.txt']);
    expect(inPod('cat /tmp/renamed.txt')).to.equal('one\n');
    const out = join(work, 'out');
    mkdirSync(out);
    writeFileSync(join(out, 'mine'), 'kept');
    ok(['cp', 'dev:/tmp/one.txt', '.'], out);
    expect(readFileSync(join(out, 'one.txt'), 'utf8')).to.equal('one\n');
    const r = ok(['cp', 'dev:/data', out]);
    expect(r.stderr).to.equal(`warning: skipping symlink: "${join(out, 'link')}" -> "/etc/passwd" (consider using "podrun exec dev -c app -- tar cf - /data | tar xf -")\n`);
    expect(readdirSync(out).sort()).to.deep.equal(['a.txt', 'mine', 'one.txt', 'sub']);
    expect(statSync(join(out, 'a.txt')).mode & 0o777).to.equal(0o750);
    expect(ok(['cp', 'team/tp:/t', join(work, 't')]).stderr).to.equal('');
    expect(readFileSync(join(work, 't'), 'utf8')).to.equal('in-team\n');
    ok(['cp', '-n', 'team', 'tp:/t', join(work, 't2')]);
    expect(readFileSync(join(work, 't2'), 'utf8')).to.equal('in-team\n');
  });

  it('owners are kept in the container, or not with --no-preserve; a local symlink goes in as a symlink, never as what it points at', () => {
    const f = join(work, 'owned');
    writeFileSync(f, 'x');
    chownSync(f, 1234, 1235);
    ok(['cp', f, 'dev:/tmp/owned1']);
    ok(['cp', '--no-preserve', f, 'dev:/tmp/owned2']);
    expect(inPod('stat -c "%u:%g" /tmp/owned1 /tmp/owned2')).to.equal('1234:1235\n0:0\n');
    const d = join(work, 'withlink');
    mkdirSync(d);
    symlinkSync(join(victim, 'secret'), join(d, 'secret'));
    ok(['cp', d, 'dev:/tmp/withlink']);
    expect(inPod('readlink /tmp/withlink/secret')).to.equal(`${join(victim, 'secret')}\n`);
    expect(podrun(s!.root, ['exec', 'dev', '--', 'cat', '/tmp/withlink/secret']).stdout).to.not.include('host data');
  });

  it("errors as kubectl's: missing files on either side, two local or two remote paths, a bad spec, an unknown pod or container, an image without tar", () => {
    const missing = podrun(s!.root, ['cp', 'dev:/nope', join(work, 'x')]);
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.include('/nope: No such file or directory');
    expect(missing.stderr).to.include('error: copying /nope from pod/dev: tar in container "app" exited with code 1');
    expect(existsSync(join(work, 'x'))).to.equal(false);
    const local = podrun(s!.root, ['cp', join(work, 'nope'), 'dev:/tmp']);
    expect([local.code, local.stderr.split('\n')[0]]).to.deep.equal([1, `error: ${join(work, 'nope')} doesn't exist in local filesystem`]);
    const cases: [string[], number, string][] = [
      [['cp', 'a', 'b'], 2, 'error: one of src or dest must be a remote file specification'],
      [['cp', 'dev:/a', 'tp:/b'], 2, 'error: one of src or dest must be a local file specification'],
      [['cp', 'a/b/c:/x', 'y'], 2, 'error: filespec must match the canonical format: [[namespace/]pod:]file/path'],
      [['cp', 'dev:', 'y'], 2, 'error: filepath can not be empty'],
      [['cp', 'dev:/a'], 2, 'error: source and destination are required'],
      [['cp', 'ghost:/a', 'y'], 1, 'Error from server (NotFound): pods "ghost" not found'],
      [['cp', 'dev:/a', 'y', '-c', 'nope'], 2, 'error: container "nope" is not in pod "dev"'],
      [['cp', 'dev:/etc/hostname', 'y', '-c', 'bare'], 1, 'error: container "bare" in pod "dev" has no tar: podrun cp, as kubectl cp, runs tar in the container'],
      [['cp', join(work, 'one.txt'), 'dev:/tmp', '-c', 'bare'], 1, 'error: container "bare" in pod "dev" has no tar: podrun cp, as kubectl cp, runs tar in the container'],
    ];
    for (const [args, code, first] of cases) {
      const r = podrun(s!.root, args, { cwd: work });
      expect([r.code, r.stderr.split('\n')[0]], args.join(' ')).to.deep.equal([code, first]);
      expect(r.stderr, args.join(' ')).to.not.match(/\n\s+at /); // never a stack trace
    }
    expect(existsSync(join(work, 'y'))).to.equal(false);
  });

  it('a hostile container: its own /bin/tar writes names outside DEST, symlinks with files "below" them, hard links to host files; none reach the host', async () => {
    const evil = await pack([
      { h: hdr('data', { type: 'dir', mode: 0o755 }) },
      { h: hdr('data/../../victim/secret', { size: 5 }), body: Buffer.from('owned') },
      { h: hdr('data/link', { type: 'symlink', linkname: victim }) },
      { h: hdr('data/link/secret', { size: 5 }), body: Buffer.from('owned') },
      { h: hdr('data/hard', { type: 'hardlink', linkname: `data/../../../${victim}/secret` }) },
      { h: hdr('data/dev', { type: 'char', devmajor: 1, devminor: 1 }) },
      { h: hdr('data/ok', { size: 3 }), body: Buffer.from('ok\n') },
    ]);
    writeFileSync(join(shared, 'evil.tar'), evil);
    // a tar that never ends after its archive: the copy must not wait for it (review 56)
    inPod('rm /bin/tar && printf "#!/bin/sh\\ncat /shared/evil.tar\\nexec sleep 100000\\n" > /bin/tar && chmod 755 /bin/tar');
    const dest = join(work, 'hostile', 'out');
    mkdirSync(join(work, 'hostile'));
    const t0 = Date.now();
    const r = podrun(s!.root, ['cp', 'dev:/data', dest]);
    expect(r.code, r.stderr).to.equal(0);
    expect(Date.now() - t0, 'the copy ended soon after the archive did').to.be.below(20_000);
    expect(inPod('ps -o args | grep -c "^sleep 100000" || true').trim(), 'the container\'s tar was ended').to.equal('0');
    expect(readFileSync(join(victim, 'secret'), 'utf8')).to.equal('host data\n');
    expect(readdirSync(victim)).to.deep.equal(['secret']);
    expect(readdirSync(join(work, 'hostile'))).to.deep.equal(['out']);
    expect(tree(dest)).to.deep.equal(['d 755 link', 'f 644 link/secret owned', 'f 644 ok ok\n']);
    expect(r.stderr).to.include('is outside target destination, skipping');
    expect(r.stderr).to.include('warning: skipping symlink');
    expect(r.stderr).to.include('warning: skipping hard link');
    expect(r.stderr).to.include('warning: skipping device');
    expect(r.stderr).to.include('warning: tar in container "app" did not end after its archive did: podrun ended it');

    // names for another path than asked: refused as kubectl's "tar contents corrupted", nothing written
    writeFileSync(join(shared, 'evil.tar'), await pack([{ h: hdr('etc/shadow', { size: 1 }), body: Buffer.from('x') }]));
    const c = podrun(s!.root, ['cp', 'dev:/data', join(work, 'hostile', 'out2')]);
    expect([c.code, c.stderr.split('\n')[0]]).to.deep.equal([1, 'error: tar contents corrupted: "etc/shadow" is not under "data"']);
    expect(existsSync(join(work, 'hostile', 'out2'))).to.equal(false);

    // a DEST in the hostPath the container shares, with a symlink to a host directory planted in it
    writeFileSync(join(shared, 'evil.tar'), await pack([{ h: hdr('data', { type: 'dir' }) }, { h: hdr('data/sub', { type: 'dir' }) }, { h: hdr('data/sub/secret', { size: 5 }), body: Buffer.from('owned') }]));
    inPod(`mkdir -p /shared/out && ln -s ${victim} /shared/out/sub`);
    const p = podrun(s!.root, ['cp', 'dev:/data', join(shared, 'out')]);
    expect([p.code, p.stderr.split('\n')[0]]).to.deep.equal([1, `error: ${join(shared, 'out', 'sub')} is a symbolic link: podrun cp does not write through symlinks`]);
    expect(readFileSync(join(victim, 'secret'), 'utf8')).to.equal('host data\n');
    // a symlink the container planted on the way to DEST, or to a local SRC, in the hostPath it shares: never followed
    inPod(`ln -s ${victim} /shared/snap`);
    const through = podrun(s!.root, ['cp', 'dev:/data', join(shared, 'snap', 'etc')]);
    expect([through.code, through.stderr.split('\n')[0]]).to.deep.equal([1, `error: ${join(shared, 'snap')} is a symbolic link inside volume "shared" of pod default/dev: podrun cp does not follow it (a container may have made it)`]);
    inPod('rm /bin/tar && ln -s busybox /bin/tar');
    const leak = podrun(s!.root, ['cp', join(shared, 'snap', 'secret'), 'dev:/tmp/leak']);
    expect([leak.code, leak.stderr.split('\n')[0]]).to.deep.equal([1, `error: ${join(shared, 'snap')} is a symbolic link inside volume "shared" of pod default/dev: podrun cp does not follow it (a container may have made it)`]);
    expect(podrun(s!.root, ['exec', 'dev', '--', 'ls', '/tmp/leak']).code).to.not.equal(0);
    expect(readdirSync(victim)).to.deep.equal(['secret']);
    expect(readFileSync(join(victim, 'secret'), 'utf8')).to.equal('host data\n');
  });

  it("`cp . pod:/dir` and `cp dir/. pod:/dir` merge a directory's contents into an existing one (kubectl's)", () => {
    const src = join(work, 'dotsrc');
    mkdirSync(join(src, 'sub'), { recursive: true });
    writeFileSync(join(src, 'sub', 'f'), 'f');
    inPod('mkdir -p /tmp/merge1 /tmp/merge2');
    ok(['cp', '.', 'dev:/tmp/merge1'], src);
    ok(['cp', `${src}/.`, 'dev:/tmp/merge2']);
    expect(inPod('cat /tmp/merge1/sub/f /tmp/merge2/sub/f; ls /tmp/merge1 /tmp/merge2')).to.equal('ff/tmp/merge1:\nsub\n\n/tmp/merge2:\nsub\n');
  });
});
