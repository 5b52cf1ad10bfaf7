import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CryptoError } from '../../../../ipsec/crypto/errors.js';
import { PrfId } from '../../../../ipsec/crypto/ids.js';
import { nobleProvider } from '../../../../ipsec/crypto/noble/index.js';
import { mustPrf } from '../../../../ipsec/crypto/transforms.js';
import type { Prf, PrfTransform } from '../../../../ipsec/crypto/types.js';
import { PRF_PLUS_MAX_ITERATIONS, prfPlus } from '../../../../ipsec/ike/keys/prf-plus.js';
import { concatBytes, fromHex, toHex } from '../../../../ipsec/util/bytes.js';

/** A PRF with a 4-octet output that records every input, to check the framing of §2.13. */
function recordingPrf(): { prf: Prf; inputs: Uint8Array[] } {
  const transform: PrfTransform = { type: 'prf', id: 0, name: 'TEST_PRF', keyLength: 4, outputLength: 4 };
  const inputs: Uint8Array[] = [];
  const prf: Prf = {
    transform,
    compute: (key, data) => {
      inputs.push(data.slice());
      return hmac(sha256, key, data).slice(0, 4);
    },
  };
  return { prf, inputs };
}

describe('prf+ (RFC 7296 §2.13)', () => {
  it('frames T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n) and concatenates', () => {
    const { prf, inputs } = recordingPrf();
    const key = fromHex('0102030405');
    const seed = fromHex('aabbcc');
    const out = prfPlus(prf, key, seed, 10); // 3 blocks of 4, truncated to 10
    expect(inputs).toHaveLength(3);
    const t1 = hmac(sha256, key, fromHex('aabbcc01')).slice(0, 4);
    const t2 = hmac(sha256, key, concatBytes(t1, fromHex('aabbcc02'))).slice(0, 4);
    const t3 = hmac(sha256, key, concatBytes(t2, fromHex('aabbcc03'))).slice(0, 4);
    expect(toHex(inputs[0]!)).toBe('aabbcc01');
    expect(toHex(inputs[1]!)).toBe(`${toHex(t1)}aabbcc02`);
    expect(toHex(inputs[2]!)).toBe(`${toHex(t2)}aabbcc03`);
    expect(toHex(out)).toBe(toHex(concatBytes(t1, t2, t3).slice(0, 10)));
  });

  it('with HMAC-SHA-256 equals the definition computed directly with @noble/hashes', () => {
    const prf = nobleProvider.prf(mustPrf(PrfId.HMAC_SHA2_256));
    const key = fromHex('000102030405060708090a0b0c0d0e0f');
    const seed = fromHex('deadbeef');
    let t: Uint8Array = new Uint8Array(0);
    let expected: Uint8Array = new Uint8Array(0);
    for (let n = 1; n <= 4; n++) {
      t = hmac(sha256, key, concatBytes(t, seed, Uint8Array.of(n)));
      expected = concatBytes(expected, t);
    }
    expect(toHex(prfPlus(prf, key, seed, 100))).toBe(toHex(expected.slice(0, 100)));
  });

  it('a shorter output is a prefix of a longer one', () => {
    const prf = nobleProvider.prf(mustPrf(PrfId.HMAC_SHA2_256));
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.uint8Array({ maxLength: 80 }),
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 0, max: 200 }),
        (key, seed, a, b) => {
          const long = prfPlus(prf, key, seed, Math.max(a, b));
          const short = prfPlus(prf, key, seed, Math.min(a, b));
          expect(short.length).toBe(Math.min(a, b));
          expect(toHex(long.subarray(0, short.length))).toBe(toHex(short));
        },
      ),
      { numRuns: 50 },
    );
  });

  it('allows exactly 255 iterations and refuses a 256th', () => {
    const { prf, inputs } = recordingPrf();
    const max = PRF_PLUS_MAX_ITERATIONS * prf.transform.outputLength;
    expect(prfPlus(prf, fromHex('01'), fromHex('02'), max)).toHaveLength(max);
    expect(inputs).toHaveLength(255);
    expect(inputs[254]![inputs[254]!.length - 1]).toBe(0xff);
    expect(() => prfPlus(prf, fromHex('01'), fromHex('02'), max + 1)).toThrow(CryptoError);
    expect(() => prfPlus(prf, fromHex('01'), fromHex('02'), max + 1)).toThrow(/^INVALID_INPUT/);
  });

  it('returns an empty output for length 0 and refuses negative or fractional lengths', () => {
    const { prf, inputs } = recordingPrf();
    expect(prfPlus(prf, fromHex('01'), fromHex('02'), 0)).toHaveLength(0);
    expect(inputs).toHaveLength(0);
    expect(() => prfPlus(prf, fromHex('01'), fromHex('02'), -1)).toThrow(CryptoError);
    expect(() => prfPlus(prf, fromHex('01'), fromHex('02'), 1.5)).toThrow(CryptoError);
  });
});
