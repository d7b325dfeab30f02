// Quantities as k8s.io/apimachinery parses and prints them (docs/reference/kubelet-resources.md §1.1-1.2).
import { expect } from 'chai';
import { ERR_FORMAT, ERR_SUFFIX, formatQuantity, parseQuantityExact, quantityMilli, quantityValue } from '../../src/manifest/quantity';

const parse = (s: string | number) => {
  const p = parseQuantityExact(s);
  if (!p.ok) throw new Error(`${s}: ${p.reason}`);
  return p.q;
};

describe('quantities (exact, as Kubernetes)', () => {
  it('parses to nano-units exactly, rounding up to 1n (Q1.4)', () => {
    const rows: [string | number, bigint][] = [
      ['1', 10n ** 9n],
      ['100m', 10n ** 8n],
      ['0.5', 5n * 10n ** 8n],
      [0.5, 5n * 10n ** 8n],
      ['1Ki', 1024n * 10n ** 9n],
      ['1.5Gi', 1610612736n * 10n ** 9n],
      ['1e3', 1000n * 10n ** 9n],
      ['1E-3', 10n ** 6n],
      ['1.3E+6', 1300000n * 10n ** 9n],
      ['0.5e-9', 1n],
      ['3.001n', 4n],
      ['0.00000012345', 124n],
      ['12E', 12n * 10n ** 27n],
      ['9Ei', (2n ** 63n - 1n) * 10n ** 9n],
      ['.', 0n],
      ['1.', 10n ** 9n],
      ['1.G', 10n ** 18n],
      [' 1 ', 10n ** 9n],
      ['-1', -(10n ** 9n)],
      [128974848, 128974848n * 10n ** 9n],
      ['9007199254740993', 9007199254740993n * 10n ** 9n],
    ];
    for (const [s, nanos] of rows) expect(parse(s).nanos, String(s)).to.equal(nanos);
  });

  it("refuses what ParseQuantity refuses, with Kubernetes' messages (Q1.2)", () => {
    const rows: [string, string][] = [
      ['', ERR_FORMAT],
      ['1KiB', ERR_FORMAT],
      ['1.1.M', ERR_FORMAT],
      ['aoeu', ERR_FORMAT],
      ['1Mi 2', ERR_FORMAT],
      ['1+1.0M', ERR_FORMAT],
      ['0.1am', ERR_FORMAT],
      ['1i', ERR_SUFFIX],
      ['0.1mi', ERR_SUFFIX],
      ['.5i', ERR_SUFFIX],
      ['1e', ERR_SUFFIX],
      ['1K', ERR_SUFFIX],
    ];
    for (const [s, reason] of rows) expect(parseQuantityExact(s), s).to.deep.equal({ ok: false, reason });
  });

  it('reads Value() and MilliValue() rounded up (Q1.7)', () => {
    expect(quantityValue(parse('500m'))).to.equal(1n);
    expect(quantityValue(parse('1Gi'))).to.equal(2n ** 30n);
    expect(quantityMilli(parse('0.5'))).to.equal(500n);
    expect(quantityMilli(parse('100u'))).to.equal(1n);
    expect(quantityMilli(parse('1.0001'))).to.equal(1001n);
  });

  it('prints the canonical form (Q1.8)', () => {
    const rows: [string, string][] = [
      ['100m', '100m'],
      ['0.5', '500m'],
      ['1.5', '1500m'],
      ['1000', '1k'],
      ['1024', '1024'],
      ['1Gi', '1Gi'],
      ['1024Mi', '1Gi'],
      ['1.5Gi', '1536Mi'],
      ['0.5Ki', '512'],
      ['.001Ki', '1024m'],
      ['1e3', '1e3'],
      ['1.2e3', '1200'],
      ['128974848', '128974848'],
      ['129e6', '129e6'],
      ['1000M', '1G'],
      ['0', '0'],
      ['-0', '0'],
    ];
    for (const [s, out] of rows) expect(formatQuantity(parse(s)), s).to.equal(out);
  });
});
