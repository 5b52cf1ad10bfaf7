import { describe, expect, it } from 'vitest';
import { pooledRandom, seededRandom } from '../../../ipsec/crypto/random.js';
import { toHex } from '../../../ipsec/util/bytes.js';

describe('seededRandom', () => {
  it('reproduces per seed and differs between seeds', () => {
    expect(toHex(seededRandom('a')(40))).toBe(toHex(seededRandom('a')(40)));
    expect(toHex(seededRandom('a')(40))).not.toBe(toHex(seededRandom('b')(40)));
  });
});

describe('pooledRandom', () => {
  it('hands out consecutive, never repeated slices of the source, one source call per block', () => {
    const calls: number[] = [];
    const seeded = seededRandom('pool');
    const source = (n: number) => {
      calls.push(n);
      return seeded(n);
    };
    const reference = seededRandom('pool')(64);
    const r = pooledRandom(source, 32);
    const a = r(16);
    const b = r(16);
    const c = r(16); // needs a new block
    expect(calls).toEqual([32, 32]);
    expect(toHex(a) + toHex(b) + toHex(c)).toBe(toHex(reference.subarray(0, 48)));
    expect(r(100)).toHaveLength(100); // larger than a block: straight from the source
    expect(calls).toEqual([32, 32, 100]);
  });

  it('returns copies: changing one does not change the next', () => {
    const r = pooledRandom(seededRandom('x'), 64);
    const a = r(8);
    a.fill(0);
    expect(r(8).some((x) => x !== 0)).toBe(true);
  });
});
