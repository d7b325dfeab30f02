// podrun wait's pure parts: label selectors, the JSONPath subset, --for and --timeout, and when
// a pod object meets a condition (kubectl pkg/cmd/wait's rules).
import { expect } from 'chai';
import { parseSelector, selectorMatches } from '../../src/util/selector';
import { findJsonPath, parseJsonPath } from '../../src/util/jsonpath';
import { objectMeets, parseWaitFor, parseWaitTimeout } from '../../src/cli/verbs/wait';

describe('wait: label selectors (kubectl -l)', () => {
  const labels = { app: 'web', tier: 'front', 'example.com/team': 'a' };
  const cases: [selector: string, matches: boolean][] = [
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app=db', false],
    ['app!=db', true],
    ['missing!=x', true], // != holds for a pod without the key, as Kubernetes
    ['app=web,tier=front', true],
    ['app=web,tier=back', false],
    ['tier in (front,back)', true],
    ['tier notin (front)', false],
    ['tier', true],
    ['!tier', false],
    ['!canary', true],
    ['example.com/team=a', true],
    ['constructor', false],
  ];
  for (const [sel, m] of cases) it(`'${sel}' ${m ? 'matches' : 'does not match'}`, () => expect(selectorMatches(parseSelector(sel), labels)).to.equal(m));
  it('refuses what Kubernetes refuses, naming the selector', () => {
    for (const bad of ['app=web,', 'a in (x', '=x', 'app=we b', 'app=-x', 'a..b/x=y', 'a.-b/x', `${'n'.repeat(64)}=v`, 'Example.com/x']) expect(() => parseSelector(bad), bad).to.throw(`-l: unable to parse requirement in '${bad}'`);
  });
});

describe('wait: the JSONPath subset', () => {
  const pod = { status: { phase: 'Running', podIP: '10.87.0.5', conditions: [{ type: 'Initialized', status: 'True' }, { type: 'Ready', status: 'False' }], containerStatuses: [{ name: 'a', restartCount: 2 }] } };
  const cases: [expr: string, found: unknown[]][] = [
    ['{.status.phase}', ['Running']],
    ['.status.phase', ['Running']],
    ['status.phase', ['Running']],
    ['{.status.conditions[1].type}', ['Ready']],
    ['{.status.conditions[-1].status}', ['False']],
    ['{.status.conditions[*].type}', ['Initialized', 'Ready']],
    ['{.status.conditions[?(@.type=="Ready")].status}', ['False']],
    ["{.status.conditions[?(@.type=='Initialized')].status}", ['True']],
    ['{.status.containerStatuses[?(@.restartCount==2)].name}', ['a']],
    ['{.status.missing}', []],
    ['{.status.conditions[5]}', []],
    ['{.status.constructor}', []],
  ];
  for (const [expr, found] of cases) it(expr, () => expect(findJsonPath(parseJsonPath(expr), pod)).to.deep.equal(found));
  it('refuses what it does not take, saying what it takes', () => {
    for (const bad of ['{.a..b}', '{range .items[*]}', '{.a[?(@.b>1)]}', '{}', '{.a', '.a}']) expect(() => parseJsonPath(bad), bad).to.throw(/jsonpath/);
  });
});

describe('wait: --for, --timeout and when a pod meets them', () => {
  const pod = { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }, { type: 'ContainersReady', status: 'False' }], podIP: '10.0.0.1' } };
  const meets = (f: string) => {
    const w = parseWaitFor(f);
    if (w.kind === 'delete') throw new Error('delete');
    return objectMeets(w, pod);
  };
  it('conditions: default True, a value after =, names and values ignoring case', () => {
    expect(meets('condition=Ready')).to.equal(true);
    expect(meets('condition=ready')).to.equal(true);
    expect(meets('condition=Ready=false')).to.equal(false);
    expect(meets('condition=ContainersReady=FALSE')).to.equal(true);
    expect(meets('condition=PodScheduled')).to.equal(false);
  });
  it('jsonpath: a value compared as text, none for any value, == inside a filter', () => {
    expect(meets("jsonpath={.status.phase}=Running")).to.equal(true);
    expect(meets("jsonpath={.status.phase}='Running'")).to.equal(true);
    expect(meets('jsonpath={.status.phase}=Pending')).to.equal(false);
    expect(meets('jsonpath={.status.podIP}')).to.equal(true);
    expect(meets('jsonpath={.status.hostIP}')).to.equal(false);
    expect(meets('jsonpath={.status.conditions[?(@.type=="Ready")].status}=True')).to.equal(true);
    expect(() => meets('jsonpath={.status}=x')).to.throw('nested object or list');
    expect(() => meets('jsonpath={.status.conditions[*].type}=Ready')).to.throw('more than one value');
  });
  it('refuses unknown forms', () => {
    expect(parseWaitFor('delete')).to.deep.equal({ kind: 'delete' });
    expect(parseWaitFor('DELETE')).to.deep.equal({ kind: 'delete' });
    expect(() => parseWaitFor('ready')).to.throw('unrecognized condition: "ready"');
    expect(() => parseWaitFor(undefined)).to.throw('wait needs --for');
    expect(() => parseWaitFor('jsonpath={.a}=')).to.throw('jsonpath wait value cannot be empty');
    expect(() => parseWaitFor('jsonpath={.a}=""')).to.throw('jsonpath wait value cannot be empty');
  });
  it('timeouts: 30s by default, 0 checks once, negative is a week', () => {
    expect(parseWaitTimeout(undefined)).to.equal(30_000);
    expect(parseWaitTimeout('0')).to.equal(0);
    expect(parseWaitTimeout('1m30s')).to.equal(90_000);
    expect(parseWaitTimeout('-1s')).to.equal(168 * 3_600_000);
    expect(() => parseWaitTimeout('soon')).to.throw("--timeout: 'soon' is not a duration");
  });
});
