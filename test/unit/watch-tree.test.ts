// cli/watch-tree.ts on a real directory (inotify): changes anywhere below are seen, ignored
// directories and symlinks are not entered, a directory removed and made again is watched again.
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { watchTree, type TreeWatch } from '../../src/cli/watch-tree';
import { ignoreMatcher } from '../../src/plan/watch';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('watch: the directory tree watcher', () => {
  let root = '';
  let outside = '';
  let w: TreeWatch | undefined;
  let seen: string[] = [];
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'podrun-watch-tree-'));
    outside = mkdtempSync(join(tmpdir(), 'podrun-watch-outside-'));
    mkdirSync(join(root, 'src', 'deep'), { recursive: true });
    mkdirSync(join(root, 'node_modules', 'dep'), { recursive: true });
    mkdirSync(join(root, 'build'));
    symlinkSync(outside, join(root, 'link'));
    seen = [];
    w = watchTree(root, { ignore: ignoreMatcher(['*.tmp']), onChange: (rel) => seen.push(rel), warn: () => undefined });
  });
  afterEach(() => {
    w?.close();
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  // inotify events come asynchronously: each step waits for them
  const settle = () => sleep(150);

  it('sees a change deep below, and in a directory made after it started', async () => {
    writeFileSync(join(root, 'src', 'deep', 'a.txt'), 'x');
    await settle();
    expect(seen).to.include('src/deep/a.txt');
    mkdirSync(join(root, 'src', 'new'));
    await settle();
    writeFileSync(join(root, 'src', 'new', 'b.txt'), 'x');
    await settle();
    expect(seen).to.include('src/new/b.txt');
  });

  it('does not enter node_modules, ignored names or a symlinked directory', async () => {
    writeFileSync(join(root, 'node_modules', 'dep', 'index.js'), 'x');
    writeFileSync(join(root, 'src', 'scratch.tmp'), 'x');
    writeFileSync(join(outside, 'secret.txt'), 'x');
    await settle();
    writeFileSync(join(root, 'src', 'seen.txt'), 'x'); // and the watcher does see what it should
    await settle();
    expect([...new Set(seen)]).to.deep.equal(['src/seen.txt']); // one write: a create and a change event
  });

  it('a folder not there yet is watched once it is made', async () => {
    const later = join(root, 'later');
    const seenLater: string[] = [];
    const lw = watchTree(later, { ignore: ignoreMatcher([]), onChange: (rel) => seenLater.push(rel), warn: () => undefined });
    try {
      mkdirSync(later);
      await settle();
      writeFileSync(join(later, 'a.txt'), 'x');
      await settle();
      expect(seenLater).to.include('a.txt');
    } finally {
      lw.close();
    }
  });

  it('watches a directory removed and made again (git checkout, a clean build)', async () => {
    rmSync(join(root, 'build'), { recursive: true });
    await settle();
    mkdirSync(join(root, 'build'));
    await settle();
    seen = [];
    writeFileSync(join(root, 'build', 'out.o'), 'x');
    await settle();
    expect(seen).to.include('build/out.o');
  });
});
