// apply --prune (docs/cli/apply.md): the pods applied earlier from the same directory or file that
// it no longer defines are deleted, after the rest is applied; pods from elsewhere (another
// directory, stdin) are never touched; --dry-run only says so; stdin cannot be pruned.
import { expect } from 'chai';
import { rmSync } from 'fs';
import { join } from 'path';
import { haveBusybox } from '../helpers/busybox';
import { isRoot } from '../helpers/cli';
import { podManifest, setUpSuite, tearDownSuite, writeManifest, type PodSuite } from './pod-helpers';

describe('apply --prune (real pods)', function () {
  let s: PodSuite | undefined;
  before(function () {
    if (!isRoot() || !haveBusybox()) this.skip();
    s = setUpSuite('podrun-prune-');
  });
  after(() => tearDownSuite(s));

  const pod = (name: string) => podManifest(name, { containers: [{ name: 'app', command: ['sleep', '3600'] }] });
  const names = () => s!.run(['get', 'pods', '-o', 'name']).stdout.trim().split('\n').filter(Boolean).sort();

  it('deletes what the directory no longer defines, and only that', () => {
    const dir = join(s!.root, 'repo', 'pods');
    const other = join(s!.root, 'repo', 'other');
    writeManifest(dir, 'a.yaml', pod('a'));
    writeManifest(dir, 'b.yaml', pod('b'));
    writeManifest(other, 'c.yaml', pod('c'));
    expect(s!.run(['apply', '-f', dir]).code).to.equal(0);
    expect(s!.run(['apply', '-f', other]).code).to.equal(0);
    expect(s!.run(['apply', '-f', '-'], pod('d')).code).to.equal(0);
    expect(names()).to.deep.equal(['pod/a', 'pod/b', 'pod/c', 'pod/d']);

    rmSync(join(dir, 'b.yaml'));
    const dry = s!.run(['apply', '--prune', '--dry-run', '-f', dir]);
    expect(dry.code, dry.stderr).to.equal(0);
    expect(dry.stdout).to.equal('pod/a unchanged (dry run)\npod/b pruned (dry run)\n');
    expect(names()).to.include('pod/b');

    const r = s!.run(['apply', '--prune', '-f', dir, '--now']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal('pod/a unchanged\npod/b pruned\n');
    expect(names()).to.deep.equal(['pod/a', 'pod/c', 'pod/d']);
    // nothing more to prune
    expect(s!.run(['apply', '--prune', '-f', dir]).stdout).to.equal('pod/a unchanged\n');
    // a pod moved to another directory and applied from there (unchanged) is that directory's now
    writeManifest(other, 'a.yaml', pod('a'));
    rmSync(join(dir, 'a.yaml'));
    writeManifest(dir, 'e.yaml', pod('e'));
    expect(s!.run(['apply', '-f', other]).stdout).to.equal('pod/a unchanged\npod/c unchanged\n');
    expect(s!.run(['apply', '--prune', '-f', dir]).stdout).to.equal('pod/e created\n');
    expect(names()).to.include('pod/a');
    expect(s!.run(['delete', 'pod', 'e', '--now']).code).to.equal(0);
  });

  it('a file scope prunes the pods that file defined; stdin cannot be pruned', () => {
    const dir = join(s!.root, 'repo', 'single');
    const file = writeManifest(dir, 'two.yaml', `${pod('e')}\n---\n${pod('f')}`);
    expect(s!.run(['apply', '-f', file]).code).to.equal(0);
    writeManifest(dir, 'two.yaml', pod('e'));
    const r = s!.run(['apply', '--prune', '-f', file]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal('pod/e unchanged\npod/f pruned\n');
    const bad = s!.run(['apply', '--prune', '-f', '-'], pod('g'));
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.include('--prune deletes the pods applied earlier from the same files');
    expect(names()).to.not.include('pod/g');
  });
});
