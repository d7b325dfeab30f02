// Workspace mounts (docs/manifests.md, "Relative hostPaths"): a pod in pods/ mounts the repository
// above it through `podrun.dev/hostpath-base: ..` (Kubernetes refuses ".." in hostPath.path, and
// so does podrun); the export gives the absolute path and re-applies unchanged from anywhere; a
// base or a symlink that leads into podrun's own state is refused.
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { haveBusybox } from '../helpers/busybox';
import { isRoot, podrun } from '../helpers/cli';
import { podManifest, setUpSuite, tearDownSuite, waitStarted, writeManifest, type PodSuite } from './pod-helpers';

describe('workspace mounts: podrun.dev/hostpath-base (real pods)', function () {
  let s: PodSuite | undefined;
  let repo = '';
  before(function () {
    if (!isRoot() || !haveBusybox()) this.skip();
    s = setUpSuite('podrun-workspace-');
    repo = mkdtempSync(join(tmpdir(), 'podrun-workspace-repo-'));
    mkdirSync(join(repo, 'src'));
    writeFileSync(join(repo, 'src', 'main.txt'), 'from the repo\n');
  });
  after(() => {
    tearDownSuite(s);
    if (repo) rmSync(repo, { recursive: true, force: true });
  });

  const pod = (name: string, path: string, base: string | undefined) =>
    podManifest(
      name,
      { volumes: [{ name: 'work', hostPath: { path, type: 'Directory' } }], containers: [{ name: 'app', command: ['sleep', '3600'], volumeMounts: [{ name: 'work', mountPath: '/work' }] }] },
      base === undefined ? {} : { annotations: { 'podrun.dev/hostpath-base': base } },
    );

  it('path "src" from base ".." mounts the repository\'s src; "." the whole repository', () => {
    const file = writeManifest(join(repo, 'pods'), 'dev.yaml', `${pod('dev', 'src', '..')}\n---\n${pod('top', '.', '..')}`);
    const r = s!.run(['apply', '-f', file]);
    expect(r.code, r.stderr).to.equal(0);
    waitStarted(s!.root, 'dev');
    expect(s!.run(['exec', 'dev', '--', 'cat', '/work/main.txt']).stdout).to.equal('from the repo\n');
    expect(s!.run(['exec', 'top', '--', 'cat', '/work/src/main.txt']).stdout).to.equal('from the repo\n');
  });

  it('the export names the absolute path and re-applies unchanged from another folder', () => {
    const y = s!.run(['get', 'pod', 'dev', '-o', 'yaml']);
    expect(y.code, y.stderr).to.equal(0);
    expect(y.stdout).to.include(`path: ${join(repo, 'src')}`);
    expect(y.stdout).to.include('podrun.dev/hostpath-written');
    const elsewhere = mkdtempSync(join(tmpdir(), 'podrun-workspace-export-'));
    try {
      writeFileSync(join(elsewhere, 'dev.yaml'), y.stdout);
      const again = podrun(s!.root, ['apply', '-f', join(elsewhere, 'dev.yaml')], { cwd: elsewhere });
      expect(again.code, again.stderr).to.equal(0);
      expect(again.stdout).to.equal('pod/dev unchanged\n');
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('the same folders written another way are unchanged; a base that moves a volume re-creates the pod', () => {
    const file = writeManifest(join(repo, 'pods'), 'dev.yaml', `${pod('dev', '.', '../src')}\n---\n${pod('top', '.', '..')}`);
    expect(s!.run(['apply', '-f', file]).stdout).to.equal('pod/dev unchanged\npod/top unchanged\n');
    mkdirSync(join(repo, 'pods', 'src'));
    writeManifest(join(repo, 'pods'), 'dev.yaml', `${pod('dev', 'src', '.')}\n---\n${pod('top', '.', '..')}`);
    const r = s!.run(['apply', '-f', file]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal('pod/dev recreated (spec.volumes changed)\npod/top unchanged\n');
  });

  it('a base into podrun\'s state, an empty base, or a symlink out to podrun\'s state is refused', () => {
    const bad = writeManifest(join(repo, 'pods'), 'bad.yaml', pod('bad', 'x', s!.root));
    const r = s!.run(['apply', '-f', bad]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/bad\.yaml:\d+: metadata\.annotations\[podrun\.dev\/hostpath-base\]: the folder .* is not allowed: it holds podrun's own state/);
    const empty = writeManifest(join(repo, 'pods'), 'empty.yaml', pod('empty', 'x', ''));
    const e = s!.run(['apply', '-f', empty]);
    expect(e.code).to.equal(2);
    expect(e.stderr).to.include('expected a folder (relative to the manifest\'s, e.g. ".."), got ""');
    symlinkSync(join(s!.root, 'pods'), join(repo, 'state-link'));
    const link = writeManifest(join(repo, 'pods'), 'link.yaml', pod('link', 'state-link', '..'));
    const l = s!.run(['apply', '-f', link]);
    expect(l.code).to.not.equal(0);
    expect(l.stderr).to.include("podrun's own state");
    expect(s!.run(['get', 'pods', '-o', 'name']).stdout).to.not.include('pod/link');
  });
});
