// apply --prune's choice (plan/prune.ts): the pods applied from the same directory or file that it no longer defines.
import { expect } from 'chai';
import { pruneTargets, type PrunableRecord, type PruneScope } from '../../src/plan/prune';

describe('apply --prune: which pods go', () => {
  const rec = (name: string, sourceFile?: string, more: Partial<PrunableRecord> = {}): PrunableRecord => ({ namespace: 'default', name, sourceFile, ...more });
  const dir: PruneScope = { abs: '/repo/pods', dir: true };
  const file: PruneScope = { abs: '/repo/one.yaml', dir: false };
  const rows: [string, PrunableRecord[], PruneScope[], string[], string[]][] = [
    ['a pod from the directory no longer in it goes', [rec('a', '/repo/pods/a.yaml'), rec('b', '/repo/pods/b.yaml')], [dir], ['default/b'], ['a']],
    ['a pod still defined stays, whichever file defines it now', [rec('a', '/repo/pods/old.yaml')], [dir], ['default/a'], []],
    ['a pod of a subdirectory, a sibling directory or a longer name stays', [rec('s', '/repo/pods/sub/s.yaml'), rec('t', '/repo/other/t.yaml'), rec('u', '/repo/pods2/u.yaml')], [dir], [], []],
    ['a file scope: only pods from that very file', [rec('a', '/repo/one.yaml'), rec('b', '/repo/two.yaml')], [file], [], ['a']],
    ['stdin, no source, a relative source, or a pod being deleted stays', [rec('i', '<stdin>'), rec('n'), rec('r', 'pods/r.yaml'), rec('d', '/repo/pods/d.yaml', { deleting: true })], [dir], [], []],
    ['the namespace is part of the name kept', [rec('a', '/repo/pods/a.yaml', { namespace: 'dev' })], [dir], ['default/a'], ['a']],
    ['several scopes', [rec('a', '/repo/pods/a.yaml'), rec('b', '/repo/one.yaml')], [dir, file], [], ['a', 'b']],
    ['the root directory', [rec('a', '/a.yaml'), rec('b', '/x/b.yaml')], [{ abs: '/', dir: true }], [], ['a']],
    ['-R: the pods of its subdirectories too, not of a sibling with a longer name', [rec('s', '/repo/pods/sub/s.yaml'), rec('t', '/repo/pods/a/b/t.yaml'), rec('u', '/repo/pods2/u.yaml')], [{ ...dir, recursive: true }], [], ['s', 't']],
  ];
  for (const [what, records, scopes, keep, want] of rows)
    it(what, () => expect(pruneTargets(records, scopes, new Set(keep)).map((r) => r.name)).to.deep.equal(want));
});
