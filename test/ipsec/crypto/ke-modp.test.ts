/**
 * MODP groups 14, 15, 16 (RFC 3526): the prime constants, RFC 6989 §2.1 validation, and
 * two-party agreement with seeded randomness for every provider.
 */
import { createDiffieHellman } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KeId } from '../../../ipsec/crypto/ids.js';
import {
  bigIntToBytes,
  bytesToBigInt,
  MODP_GROUPS,
  modpGroup,
  validateModpPublic,
} from '../../../ipsec/crypto/modp-groups.js';
import { seededRandom } from '../../../ipsec/crypto/random.js';
import { mustKe } from '../../../ipsec/crypto/transforms.js';
import { toHex } from '../../../ipsec/util/bytes.js';
import { PROVIDERS } from '../../support/providers.js';

/** floor(pi * 2^bits) by Machin's formula pi = 16 atan(1/5) - 4 atan(1/239), with guard bits. */
function piTimesPowerOfTwo(bits: bigint): bigint {
  const guard = 64n;
  const one = 1n << (bits + guard);
  const atanInv = (x: bigint): bigint => {
    let term = one / x;
    let sum = term;
    for (let k = 1n; term !== 0n; k++) {
      term /= x * x;
      sum += (k % 2n === 1n ? -1n : 1n) * (term / (2n * k + 1n));
    }
    return sum;
  };
  return (16n * atanInv(5n) - 4n * atanInv(239n)) >> guard;
}

describe('RFC 3526 MODP constants', () => {
  // RFC 3526 §3, §4, §5: p = 2^N - 2^(N-64) - 1 + 2^64 * { [2^(N-130) pi] + c }
  it.each([
    { id: KeId.MODP_2048, bits: 2048n, c: 124476n },
    { id: KeId.MODP_3072, bits: 3072n, c: 1690314n },
    { id: KeId.MODP_4096, bits: 4096n, c: 240904n },
  ])('group $id: the prime is the one RFC 3526 derives from pi', ({ id, bits, c }) => {
    const group = modpGroup(id)!;
    const expected = 2n ** bits - 2n ** (bits - 64n) - 1n + 2n ** 64n * (piTimesPowerOfTwo(bits - 130n) + c);
    expect(group.prime === expected).toBe(true);
    expect(group.generator).toBe(2n);
    expect(group.length * 8).toBe(Number(bits));
    expect(mustKe(id).publicLength).toBe(group.length);
  });

  it('private exponents are at least twice the security strength (SP 800-56A §5.6.1.1.1)', () => {
    for (const g of MODP_GROUPS) expect(g.exponentBits).toBeGreaterThanOrEqual(2 * g.securityBits);
  });

  it('validateModpPublic accepts exactly 1 < y < p-1 (RFC 6989 §2.1)', () => {
    const { prime } = modpGroup(KeId.MODP_2048)!;
    for (const y of [0n, 1n, prime - 1n, prime, prime + 1n]) expect(validateModpPublic(prime, y)).toBe(false);
    for (const y of [2n, prime - 2n, prime >> 1n]) expect(validateModpPublic(prime, y)).toBe(true);
    expect(validateModpPublic(prime, bigIntToBytes(prime - 1n, 256))).toBe(false);
    expect(validateModpPublic(prime, bigIntToBytes(2n, 256))).toBe(true);
  });

  it('bigIntToBytes left-pads (RFC 7296 §3.4) and round-trips with bytesToBigInt', () => {
    expect(toHex(bigIntToBytes(0x0102n, 4))).toBe('00000102');
    expect(bytesToBigInt(bigIntToBytes(0xabcdefn, 8))).toBe(0xabcdefn);
    expect(() => bigIntToBytes(0x10000n, 2)).toThrow();
  });
});

describe.each(PROVIDERS)('$name MODP key exchange', (provider) => {
  describe.each(MODP_GROUPS)('group $id', (group) => {
    const transform = mustKe(group.id);
    const pBytes = bigIntToBytes(group.prime, group.length);

    it('two parties with seeded randomness agree on a padded g^ir', () => {
      const i = provider.keyExchange(transform, seededRandom(`modp-${group.id}-i`));
      const r = provider.keyExchange(transform, seededRandom(`modp-${group.id}-r`));
      expect(i.publicValue.length).toBe(group.length);
      expect(validateModpPublic(group.prime, i.publicValue)).toBe(true);
      const atI = i.computeSharedSecret(r.publicValue);
      const atR = r.computeSharedSecret(i.publicValue);
      expect(atI.ok && atR.ok).toBe(true);
      if (atI.ok && atR.ok) {
        expect(toHex(atI.value)).toBe(toHex(atR.value));
        expect(atI.value.length).toBe(transform.secretLength);
      }
    });

    it('known answers: g^1000 = 2^1000, and (2^2)^1000 = 2^2000 (exact powers of two below p)', () => {
      const x = bigIntToBytes(1000n, 2);
      const ke = provider.keyExchange(transform, seededRandom(0), x);
      expect(toHex(ke.publicValue)).toBe(toHex(bigIntToBytes(2n ** 1000n, group.length)));
      const secret = ke.computeSharedSecret(bigIntToBytes(4n, group.length));
      expect(secret.ok && toHex(secret.value)).toBe(toHex(bigIntToBytes(2n ** 2000n, group.length)));
    });

    it('agrees with OpenSSL (node:crypto DiffieHellman) on y^x mod p', () => {
      const random = seededRandom(`modp-openssl-${group.id}`);
      const x = random(group.length);
      x[0] = 0x7f; // x < p-1
      const ke = provider.keyExchange(transform, seededRandom(0), x);
      const peer = provider.keyExchange(transform, seededRandom(`modp-openssl-peer-${group.id}`)).publicValue;
      const reference = createDiffieHellman(Buffer.from(pBytes), Buffer.from([2]));
      reference.setPrivateKey(Buffer.from(x));
      const expected = new Uint8Array(reference.computeSecret(Buffer.from(peer)));
      const secret = ke.computeSharedSecret(peer);
      expect(secret.ok && toHex(secret.value)).toBe(
        toHex(bigIntToBytes(bytesToBigInt(expected), group.length)),
      );
    });

    it('rejects 0, 1, p-1, p, > p and wrong lengths (RFC 6989 §2.1)', () => {
      const ke = provider.keyExchange(transform, seededRandom(`modp-${group.id}-i`));
      const values = [
        0n,
        1n,
        group.prime - 1n,
        group.prime,
        group.prime + 1n,
        2n ** BigInt(8 * group.length) - 1n,
      ];
      const bad = [
        ...values.map((v) => bigIntToBytes(v, group.length)),
        new Uint8Array(0),
        bigIntToBytes(2n, group.length - 1), // not padded
        bigIntToBytes(2n, group.length + 1),
      ];
      for (const peer of bad) {
        const result = ke.computeSharedSecret(peer);
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.error.code).toBe('INVALID_PUBLIC_VALUE');
      }
      expect(ke.computeSharedSecret(bigIntToBytes(2n, group.length)).ok).toBe(true);
      expect(ke.computeSharedSecret(bigIntToBytes(group.prime - 2n, group.length)).ok).toBe(true);
    });
  });
});
