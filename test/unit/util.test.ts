// Small utilities that replace node:crypto on the start-up path: they must agree with it exactly.
import { expect } from 'chai';
import { createHash, randomBytes } from 'crypto';
import { sha256Hex } from '../../src/util/sha256';
import { randomUuid } from '../../src/util/uuid';

describe('util: sha256Hex', () => {
  it('matches the FIPS 180-4 test vectors', () => {
    expect(sha256Hex('')).to.equal('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abc')).to.equal('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).to.equal('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
  });

  it('agrees with node:crypto for every length around the block and padding boundaries, and for UTF-8', () => {
    for (let n = 0; n <= 200; n++) {
      const b = randomBytes(n);
      expect(sha256Hex(b), `length ${n}`).to.equal(createHash('sha256').update(b).digest('hex'));
    }
    const s = 'pod ✓ ünïcödé 🚀 '.repeat(50);
    expect(sha256Hex(s)).to.equal(createHash('sha256').update(s, 'utf8').digest('hex'));
  });
});

describe('native sha256 (the addon\'s, for large inputs)', () => {
  it('agrees with node:crypto for strings (UTF-8) and Buffers, short and long; refuses anything else', async () => {
    const { native } = await import('../../src/util/native');
    for (const n of [0, 1, 55, 56, 64, 1000, 12_000, 100_000]) {
      const b = randomBytes(n);
      expect(native().sha256(b), `length ${n}`).to.equal(createHash('sha256').update(b).digest('hex'));
    }
    const s = 'pod ✓ ünïcödé 🚀 '.repeat(800);
    expect(native().sha256(s)).to.equal(createHash('sha256').update(s, 'utf8').digest('hex'));
    expect(() => native().sha256(42 as unknown as string)).to.throw(TypeError, /string or a Buffer/);
  });
});

describe('util: randomUuid', () => {
  it('gives distinct version 4 UUIDs', () => {
    const a = randomUuid();
    const b = randomUuid();
    expect(a).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a).to.not.equal(b);
  });
});
