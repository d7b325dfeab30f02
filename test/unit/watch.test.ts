// The watch annotation and ignore patterns (plan/watch.ts).
import { expect } from 'chai';
import { ignoreMatcher, watchTargets } from '../../src/plan/watch';
import { parseWatchAction } from '../../src/manifest/watch-annotation';

describe('watch: the annotation', () => {
  const rows: [string, unknown][] = [
    ['restart', { kind: 'restart' }],
    [' restart ', { kind: 'restart' }],
    ['exec make build', { kind: 'exec', command: 'make build' }],
    ['exec   npm run build && echo ok', { kind: 'exec', command: 'npm run build && echo ok' }],
    ['exec', { error: 'exec needs a command: `exec make build`' }],
    ['reload', { error: '"reload" is not a watch action' }],
    ['', { error: '"" is not a watch action' }],
  ];
  for (const [value, want] of rows) it(`${JSON.stringify(value)}`, () => expect(parseWatchAction(value)).to.deep.equal(want));

  it('a container watches the hostPath directories it mounts (a subPath narrows it); one without is left out', () => {
    const plan = {
      volumes: [
        { name: 'src', kind: 'hostPath', source: '/repo' },
        { name: 'tmp', kind: 'emptyDir', source: '/x/tmp' },
        { name: 'conf', kind: 'hostPath', source: '/etc/app/' },
      ],
      containers: [
        { name: 'app', mounts: [{ volume: 'src' }, { volume: 'tmp' }, { volume: 'conf', subPath: 'a.d' }] },
        { name: 'db', mounts: [{ volume: 'tmp' }] },
      ],
      initContainers: [{ name: 'init', mounts: [{ volume: 'src', subPath: 'web' }] }],
    };
    expect(watchTargets({ 'watch.podrun.dev/app': 'restart', 'watch.podrun.dev/db': 'restart', 'watch.podrun.dev/init': 'exec true', other: 'x' }, plan)).to.deep.equal([
      { container: 'app', action: { kind: 'restart' }, dirs: ['/repo', '/etc/app/a.d'] },
      { container: 'init', action: { kind: 'exec', command: 'true' }, dirs: ['/repo/web'] },
    ]);
    expect(watchTargets(undefined, plan)).to.deep.equal([]);
  });
});

describe('watch: ignore patterns', () => {
  const m = ignoreMatcher(['# comment', '*.log', 'build/', '/dist', 'docs/*.tmp', '**/cache/**', '!keep.log', '']);
  const rows: [string, boolean, boolean][] = [
    ['src/index.js', false, false],
    ['.git', true, true],
    ['.git/HEAD', false, true],
    ['web/node_modules/x/index.js', false, true],
    ['app.log', false, true],
    ['sub/app.log', false, true],
    ['keep.log', false, false],
    ['build', true, true],
    ['build', false, false], // a file named build: `build/` is for directories
    ['src/build/out.o', false, true],
    ['dist/a.js', false, true],
    ['src/dist/a.js', false, false], // anchored at the top
    ['docs/a.tmp', false, true],
    ['docs/sub/a.tmp', false, false],
    ['a/b/cache/c', false, true],
  ];
  for (const [rel, isDir, want] of rows) it(`${rel}${isDir ? '/' : ''} ${want ? 'ignored' : 'watched'}`, () => expect(m(rel, isDir)).to.equal(want));
});
