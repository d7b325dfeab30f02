// label/annotate's words and kubectl's --overwrite rule (cli/metadata-edit.ts), as tables.
import { expect } from 'chai';
import { editedMap, parseEdits } from '../../src/cli/metadata-edit';
import { UsageError } from '../../src/util/errors';

describe('label and annotate: KEY=VALUE, KEY-, --overwrite', () => {
  it('parses sets and removals; refuses a bad key or label value, a key twice, or nothing', () => {
    expect(parseEdits(['a=1', 'example.com/b=', 'c-'], 'labels')).to.deep.equal({ set: { a: '1', 'example.com/b': '' }, remove: ['c'] });
    expect(parseEdits(['note=hello world'], 'annotations')).to.deep.equal({ set: { note: 'hello world' }, remove: [] });
    for (const bad of [['bad key=1'], ['a=has space'], ['a=1', 'a=2'], ['a=1', 'a-'], ['plain'], ['-x=1']]) expect(() => parseEdits(bad, 'labels'), bad.join(' ')).to.throw(UsageError);
    expect(() => parseEdits(['a=has space'], 'annotations')).to.not.throw();
  });

  const rows: Array<[string, Record<string, string> | undefined, string[], boolean, Record<string, string> | string]> = [
    ['adds to none', undefined, ['a=1'], false, { a: '1' }],
    ['the same value again is no change', { a: '1' }, ['a=1'], false, { a: '1' }],
    ['another value needs --overwrite', { a: '1' }, ['a=2'], false, "'a' already has a value (1), and --overwrite is false"],
    ['with --overwrite', { a: '1' }, ['a=2'], true, { a: '2' }],
    ['removes, and a key not there is no error', { a: '1', b: '2' }, ['a-', 'z-'], false, { b: '2' }],
  ];
  for (const [what, before, words, overwrite, want] of rows)
    it(what, () => {
      const edit = parseEdits(words, 'labels');
      if (typeof want === 'string') expect(() => editedMap(before, edit, overwrite, 'labels')).to.throw(want);
      else expect(editedMap(before, edit, overwrite, 'labels')).to.deep.equal(want);
    });
});
