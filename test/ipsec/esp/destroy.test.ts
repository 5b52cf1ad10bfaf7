/**
 * destroyEspSa zeroes the SA's keys (DESIGN: keys are zeroed when an SA dies): the SA refuses
 * packets, and its cipher and MAC are unusable even when called directly. Run per provider,
 * for an AEAD SA and a cipher + integrity SA.
 */
import { describe, expect, it } from 'vitest';
import { CryptoError } from '../../../ipsec/crypto/errors.js';
import { EncrId, IntegId } from '../../../ipsec/crypto/ids.js';
import { seededRandom } from '../../../ipsec/crypto/random.js';
import { mustEncr, mustInteg } from '../../../ipsec/crypto/transforms.js';
import type { CryptoProvider, EncrTransform, IntegTransform } from '../../../ipsec/crypto/types.js';
import { espDecapsulate, espEncapsulate } from '../../../ipsec/esp/esp.js';
import { createEspSaFromKeys, destroyEspSa, type EspSa } from '../../../ipsec/esp/sa.js';
import { PROVIDERS } from '../../support/providers.js';

const CASES: readonly (readonly [string, EncrTransform, IntegTransform | undefined])[] = [
  ['AES_GCM_16', mustEncr(EncrId.AES_GCM_16, 256), undefined],
  ['AES_CBC + HMAC_SHA2_256_128', mustEncr(EncrId.AES_CBC, 128), mustInteg(IntegId.HMAC_SHA2_256_128)],
  ['AES_CTR + AES_XCBC_96', mustEncr(EncrId.AES_CTR, 128), mustInteg(IntegId.AES_XCBC_96)],
];

function sa(
  provider: CryptoProvider,
  encr: EncrTransform,
  integ: IntegTransform | undefined,
  direction: 'inbound' | 'outbound',
): EspSa {
  const random = seededRandom(`esp-destroy-${encr.name}-${integ?.name}`);
  const encrKey = random(encr.keyLength);
  const integKey = integ ? random(integ.keyLength) : undefined;
  const keys = { provider, encr, encrKey, ...(integ && integKey ? { integ, integKey } : {}), random };
  const r = createEspSaFromKeys(keys, { spi: 0x1000, mode: 'tunnel', direction });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe.each(PROVIDERS)('$name: destroyEspSa', (provider) => {
  it.each(CASES)('%s: the cipher and MAC are unusable afterwards', (_name, encr, integ) => {
    const out = sa(provider, encr, integ, 'outbound');
    const inn = sa(provider, encr, integ, 'inbound');
    const sent = espEncapsulate(out, new Uint8Array(40).fill(0x45), 4);
    if (!sent.ok) throw new Error(sent.error.message);
    const iv = new Uint8Array(encr.ivLength);
    const block = new Uint8Array(encr.blockSize * 2);
    const ciphertext = inn.cipher.encrypt(iv, block, new Uint8Array(8));
    const icv = inn.mac?.compute(block);

    destroyEspSa(inn);

    expect(inn.dead).toBe(true);
    expect(espDecapsulate(inn, sent.value)).toEqual({ ok: false, error: { reason: 'sa-dead' } });
    expect(() => inn.cipher.encrypt(iv, block, new Uint8Array(8))).toThrow(CryptoError);
    expect(inn.cipher.decrypt(iv, ciphertext, new Uint8Array(8))).toBeUndefined();
    if (inn.mac && icv) {
      expect(() => inn.mac?.compute(block)).toThrow(CryptoError);
      expect(inn.mac.verify(block, icv)).toBe(false);
    }
    destroyEspSa(inn); // a second removal (delete racing expiry) is harmless

    // The outbound SA, keyed with the same bytes, is its own object and still works.
    expect(espEncapsulate(out, new Uint8Array(40), 4).ok).toBe(true);
    destroyEspSa(out);
    expect(() => out.cipher.encrypt(iv, block, new Uint8Array(8))).toThrow(CryptoError);
  });
});
