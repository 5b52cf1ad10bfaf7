/**
 * decryptAt (the ESP inbound path: the provider's own, or decrypt on views) returns exactly what
 * decrypt returns on the same ranges, for every provider.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decryptAt } from '../../../../ipsec/crypto/cipher-in-place.js';
import { ENCR_TRANSFORMS } from '../../../../ipsec/crypto/transforms.js';
import { toHex } from '../../../../ipsec/util/bytes.js';
import { nodeProvider } from '../../../../targets/native/crypto/node-provider.js';
import { PROVIDERS } from '../../../support/providers.js';

const hex = (b: Uint8Array | undefined): string | undefined => (b ? toHex(b) : undefined);

describe.each(PROVIDERS)('decryptAt ($name provider)', (provider) => {
  it.each(ENCR_TRANSFORMS.map((t) => [`${t.name}/${t.keyBits}`, t] as const))('%s', (_, t) => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: t.keyLength, maxLength: t.keyLength }),
        fc.uint8Array({ minLength: t.ivLength, maxLength: t.ivLength }),
        fc.uint8Array({ minLength: 8, maxLength: 8 }),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 0, max: 9 }),
        fc.integer({ min: 0, max: 5 }),
        fc.nat(),
        (key, iv, aad, blocks, before, after, flip) => {
          const cipher = provider.cipher(t, key);
          const plaintext = new Uint8Array(blocks * 16).map((_, i) => (i * 13) & 0xff);
          const sealed = cipher.encrypt(iv, plaintext, aad);
          // A packet: `before` bytes, the IV, the ciphertext (| ICV), `after` trailing bytes.
          const packet = new Uint8Array(before + iv.length + sealed.length + after).fill(0xa5);
          packet.set(iv, before);
          const offset = before + iv.length;
          packet.set(sealed, offset);
          const end = offset + sealed.length;
          const got = decryptAt(cipher, packet, before, offset, end, aad);
          expect(hex(got)).toBe(hex(cipher.decrypt(iv, sealed, aad)));
          if (sealed.length > 0 && (t.aead || t.blockSize === 1)) {
            // One flipped bit: an AEAD refuses, a stream mode returns what decrypt returns.
            const i = offset + (flip % sealed.length);
            packet[i]! ^= 1;
            const tampered = packet.slice(offset, end);
            expect(hex(decryptAt(cipher, packet, before, offset, end, aad))).toBe(
              hex(cipher.decrypt(iv, tampered, aad)),
            );
            if (t.aead) expect(decryptAt(cipher, packet, before, offset, end, aad)).toBeUndefined();
            packet[i]! ^= 1;
          }
          // Ranges outside the packet are refused, not clamped.
          expect(decryptAt(cipher, packet, packet.length + 1, offset, end, aad)).toBeUndefined();
          expect(decryptAt(cipher, packet, before, offset, packet.length + 1, aad)).toBeUndefined();
          expect(decryptAt(cipher, packet, before, end + 1, end, aad)).toBeUndefined();
        },
      ),
      { numRuns: 20 },
    );
  });
});

describe('decryptAt (node provider)', () => {
  it('exists for every transform but ENCR_NULL (the ESP inbound path uses it)', () => {
    for (const t of ENCR_TRANSFORMS)
      expect(nodeProvider.cipher(t, new Uint8Array(t.keyLength)).decryptAt === undefined).toBe(
        t.name === 'NULL',
      );
  });

  it('refuses after destroy()', () => {
    const t = ENCR_TRANSFORMS.find((x) => x.aead)!;
    const cipher = nodeProvider.cipher(t, new Uint8Array(t.keyLength));
    const iv = new Uint8Array(t.ivLength);
    const sealed = cipher.encrypt(iv, new Uint8Array(16));
    const packet = new Uint8Array(iv.length + sealed.length);
    packet.set(sealed, iv.length);
    expect(cipher.decryptAt!(packet, 0, iv.length, packet.length)).toBeDefined();
    cipher.destroy();
    expect(cipher.decryptAt!(packet, 0, iv.length, packet.length)).toBeUndefined();
  });
});
