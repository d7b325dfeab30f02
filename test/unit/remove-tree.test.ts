// removeTree: the removal a container cannot make fail (docs/security.md, "Input that must not hurt
// the host"): deeper than Node's rmSync recurses, longer than PATH_MAX, never through a symlink.
import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { removeTree } from '../../src/util/remove-tree';

/** A chain of `depth` directories below `top`, made by relative steps (the path outgrows PATH_MAX). */
function deepTree(top: string, depth: number): void {
  const cwd = process.cwd();
  try {
    process.chdir(top);
    for (let i = 0; i < depth; i++) {
      mkdirSync('d');
      process.chdir('d');
      if (i % 1000 === 0) writeFileSync('f', 'x');
    }
  } finally {
    process.chdir(cwd);
  }
}

describe('removeTree', function () {
  this.timeout(60_000);
  let base = '';
  beforeEach(() => (base = mkdtempSync(join(tmpdir(), 'podrun-rmtree-'))));
  afterEach(() => removeTree(base));

  it('removes a tree 5000 directories deep (Node rmSync overflows its stack near 2000), paths past PATH_MAX', () => {
    const t = join(base, 't');
    mkdirSync(t);
    deepTree(t, 5000);
    expect(() => rmSync(t, { recursive: true, force: true })).to.throw(/call stack|ENAMETOOLONG/);
    removeTree(t);
    expect(existsSync(t)).to.equal(false);
  });

  it('removes wide trees, files and symlinks, and never follows a symlink out', () => {
    const outside = join(base, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'keep'), 'kept\n');
    const t = join(base, 't');
    for (let i = 0; i < 50; i++) {
      mkdirSync(join(t, `a${i}`, 'b'), { recursive: true });
      writeFileSync(join(t, `a${i}`, 'b', 'f'), 'x');
    }
    symlinkSync(outside, join(t, 'link'));
    symlinkSync(outside, join(t, 'a0', 'b', 'link'));
    removeTree(t);
    expect(existsSync(t)).to.equal(false);
    expect(readFileSync(join(outside, 'keep'), 'utf8')).to.equal('kept\n');
  });

  it('a path that does not exist is fine; a file is unlinked', () => {
    removeTree(join(base, 'nothing'));
    writeFileSync(join(base, 'f'), 'x');
    removeTree(join(base, 'f'));
    expect(existsSync(join(base, 'f'))).to.equal(false);
  });
});
