/** The firmware's SHA-256 and SHA-1 (targets/wismote/mote-hash.ts) against @noble/hashes. */
import { sha1 as nobleSha1 } from '@noble/hashes/legacy.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../ipsec/crypto/random.js';
import { toHex } from '../../../ipsec/util/bytes.js';
import { sha1, sha256 } from '../../../targets/wismote/mote-hash.js';

describe("the firmware's digests", () => {
  it('FIPS 180 examples', () => {
    const abc = new TextEncoder().encode('abc');
    expect(toHex(sha256(abc))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(toHex(sha1(abc))).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
  });

  it('every length from 0 to 300 octets, and a long one, as noble', () => {
    const random = seededRandom('mote-hash');
    const lengths = [...Array.from({ length: 301 }, (_, i) => i), 4096, 70_001];
    for (const n of lengths) {
      const data = random(n);
      expect(toHex(sha256(data))).toBe(toHex(nobleSha256(data)));
      expect(toHex(sha1(data))).toBe(toHex(nobleSha1(data)));
    }
  });
});
