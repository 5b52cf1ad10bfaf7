/**
 * encryptInto (the ESP outbound path: the provider's own, or encrypt and a copy) writes exactly
 * what encrypt returns, also in place, for every provider.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encryptInto } from '../../../../ipsec/crypto/cipher-in-place.js';
import { ENCR_TRANSFORMS } from '../../../../ipsec/crypto/transforms.js';
import { toHex } from '../../../../ipsec/util/bytes.js';
import { PROVIDERS } from '../../../support/providers.js';

describe.each(PROVIDERS)('encryptInto ($name provider)', (provider) => {
  it.each(ENCR_TRANSFORMS.map((t) => [`${t.name}/${t.keyBits}`, t] as const))('%s', (_, t) => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: t.keyLength, maxLength: t.keyLength }),
        fc.uint8Array({ minLength: t.ivLength, maxLength: t.ivLength }),
        fc.uint8Array({ minLength: 8, maxLength: 8 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 7 }),
        (key, iv, aad, blocks, offset) => {
          const cipher = provider.cipher(t, key);
          const plaintext = new Uint8Array(blocks * 16).map((_, i) => (i * 7) & 0xff);
          const expected = cipher.encrypt(iv, plaintext, aad);
          const out = new Uint8Array(offset + expected.length + 3);
          encryptInto(cipher, iv, plaintext, aad, out, offset);
          expect(toHex(out.subarray(offset, offset + expected.length))).toBe(toHex(expected));
          // In place: the plaintext is a view of the output buffer, as in the ESP packet.
          const inPlace = new Uint8Array(offset + expected.length);
          inPlace.set(plaintext, offset);
          encryptInto(cipher, iv, inPlace.subarray(offset, offset + plaintext.length), aad, inPlace, offset);
          expect(toHex(inPlace.subarray(offset))).toBe(toHex(expected));
        },
      ),
      { numRuns: 20 },
    );
  });
});
