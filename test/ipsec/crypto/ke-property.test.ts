/**
 * Properties of every key exchange method, for every provider: two sides with random seeds
 * agree on g^ir, and arbitrary peer bytes yield a Result, never a throw.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeId } from '../../../ipsec/crypto/ids.js';
import { seededRandom } from '../../../ipsec/crypto/random.js';
import { KE_TRANSFORMS } from '../../../ipsec/crypto/transforms.js';
import { toHex } from '../../../ipsec/util/bytes.js';
import { PROVIDERS } from '../../support/providers.js';

/** Runs per group: the big MODP groups cost ~10-40 ms per exchange in BigInt arithmetic. */
const RUNS: Readonly<Record<number, number>> = { [KeId.MODP_3072]: 8, [KeId.MODP_4096]: 4 };
const runs = (id: number): number => RUNS[id] ?? 20;

const seed = fc.uint8Array({ minLength: 1, maxLength: 16 });

describe.each(PROVIDERS)('$name key exchange properties', (provider) => {
  describe.each(KE_TRANSFORMS)('$name', (transform) => {
    it('both sides agree on the shared secret', () => {
      fc.assert(
        fc.property(seed, seed, (a, b) => {
          const i = provider.keyExchange(transform, seededRandom(a));
          const r = provider.keyExchange(transform, seededRandom(b));
          expect(i.publicValue.length).toBe(transform.publicLength);
          const atI = i.computeSharedSecret(r.publicValue);
          const atR = r.computeSharedSecret(i.publicValue);
          expect(atI.ok).toBe(true);
          expect(atR.ok).toBe(true);
          if (atI.ok && atR.ok) {
            expect(atI.value.length).toBe(transform.secretLength);
            expect(toHex(atI.value)).toBe(toHex(atR.value));
          }
          i.destroy();
          r.destroy();
        }),
        { numRuns: runs(transform.id) },
      );
    });

    it('never throws on arbitrary peer bytes', () => {
      const ke = provider.keyExchange(transform, seededRandom(`fuzz-${transform.id}`));
      const peer = fc.oneof(
        fc.uint8Array({ minLength: transform.publicLength, maxLength: transform.publicLength }),
        fc.uint8Array({ maxLength: transform.publicLength + 2 }),
      );
      fc.assert(
        fc.property(peer, (bytes) => {
          const result = ke.computeSharedSecret(bytes);
          if (result.ok) expect(result.value.length).toBe(transform.secretLength);
          else expect(['INVALID_PUBLIC_VALUE', 'INVALID_SHARED_SECRET']).toContain(result.error.code);
        }),
        { numRuns: runs(transform.id) * 5 },
      );
    });
  });
});
