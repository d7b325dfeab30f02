// Pure name rules of layer unpacking (no root, no filesystem).
import { expect } from 'chai';
import { parseWhiteout, safeComponents } from '../../src/images/unpack';

describe('layer entry names', () => {
  it('normalises ./ and empty components', () => {
    expect(safeComponents('./a//b/./c/')).to.deep.equal(['a', 'b', 'c']);
    expect(safeComponents('.')).to.deep.equal([]);
    expect(safeComponents('./')).to.deep.equal([]);
    expect(safeComponents('a/.../b')).to.deep.equal(['a', '...', 'b']);
    expect(safeComponents('..a/b..')).to.deep.equal(['..a', 'b..']);
  });

  it('refuses absolute names, .. anywhere and NUL', () => {
    for (const bad of ['/etc/passwd', '/', '//x', '../x', 'a/../b', 'a/..', './..', '/../x', 'a\0b'])
      expect(() => safeComponents(bad), bad).to.throw();
  });

  it('classifies whiteouts', () => {
    expect(parseWhiteout('file')).to.equal(undefined);
    expect(parseWhiteout('.whatever')).to.equal(undefined);
    expect(parseWhiteout('.wh.file')).to.deep.equal({ hides: 'file' });
    expect(parseWhiteout('.wh...x')).to.deep.equal({ hides: '..x' });
    expect(parseWhiteout('.wh..wh..opq')).to.deep.equal({ opaque: true });
    expect(parseWhiteout('.wh..wh.plnk')).to.deep.equal({ skip: true });
  });

  it('refuses invalid whiteouts', () => {
    for (const bad of ['.wh.', '.wh..', '.wh...', '.wh..wh.', '.wh..wh.evil', '.wh..wh..opq2'])
      expect(() => parseWhiteout(bad), bad).to.throw(/whiteout/);
  });
});
