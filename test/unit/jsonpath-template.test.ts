// get -o jsonpath=TEMPLATE and --field-selector (util/jsonpath-template.ts, util/field-selector.ts), as tables.
import { expect } from 'chai';
import { parseTemplate, renderTemplate } from '../../src/util/jsonpath-template';
import { fieldsMatch, parseFieldSelector } from '../../src/util/field-selector';
import { UsageError } from '../../src/util/errors';

const list = {
  kind: 'List',
  items: [
    { metadata: { name: 'a', labels: { app: 'x' } }, status: { phase: 'Running', podIP: '10.0.0.1' }, spec: { containers: [{ name: 'c1' }, { name: 'c2' }] } },
    { metadata: { name: 'b' }, status: { phase: 'Pending' }, spec: { containers: [{ name: 'd' }] } },
  ],
};

describe("get -o jsonpath: kubectl's templates", () => {
  const rows: Array<[string, string]> = [
    ['{.items[*].metadata.name}', 'a b'],
    ['{.items[0].status.phase}', 'Running'],
    ['{range .items[*]}{.metadata.name}{"\\t"}{.status.phase}{"\\n"}{end}', 'a\tRunning\nb\tPending\n'],
    ['{range .items[*]}[{range .spec.containers[*]}{.name},{end}]{end}', '[c1,c2,][d,]'],
    ['names: {.items[*].metadata.name}!', 'names: a b!'],
    ['{.items[?(@.metadata.name=="b")].status.phase}', 'Pending'],
    ['{.items[0].metadata.labels}', '{"app":"x"}'],
    ['{.items[1].status.podIP}', ''], // missing: nothing, as kubectl's allowMissingKeys
    ['{.kind}', 'List'],
    ["{range .items[*]}{@.metadata.name}{'|'}{end}", 'a|b|'],
  ];
  for (const [t, want] of rows) it(t, () => expect(renderTemplate(parseTemplate(t), list)).to.equal(want));

  it('refuses an unclosed brace, a range without end, an end without range', () => {
    for (const bad of ['{.items', '{range .items[*]}{.x}', '{end}', '{.a..b}']) expect(() => parseTemplate(bad), bad).to.throw(UsageError);
  });
});

describe('get --field-selector', () => {
  it('=, ==, != and commas; a key the kind has not is the server\'s error', () => {
    const [a, b] = list.items;
    const sel = (t: string) => parseFieldSelector(t, 'Pod', 'pods');
    expect(fieldsMatch(sel('status.phase=Running'), a)).to.equal(true);
    expect(fieldsMatch(sel('status.phase==Running'), b)).to.equal(false);
    expect(fieldsMatch(sel('status.phase!=Running,metadata.name=b'), b)).to.equal(true);
    expect(fieldsMatch(sel('status.podIP='), b)).to.equal(true); // missing is ""
    expect(() => parseFieldSelector('status.phase=Running', 'ConfigMap', 'configmaps')).to.throw('field label not supported: status.phase');
    expect(() => sel('status.phase')).to.throw(/invalid selector/);
  });
});
