/**
 * The mote's crypto (targets/wismote/mote-crypto.ts): per suite, exactly its transforms, with the
 * same results as the full noble provider (its own P-192/P-256 points with a small base-point
 * window multiply to the same points), and nothing else.
 */
import { p256 } from '@noble/curves/nist.js';
import { describe, expect, it } from 'vitest';
import { EncrId, IntegId, KeId, PrfId } from '../../../ipsec/crypto/ids.js';
import { composeNobleProvider } from '../../../ipsec/crypto/noble/compose.js';
import { nobleProvider } from '../../../ipsec/crypto/noble/index.js';
import { P256_CURVE } from '../../../ipsec/crypto/noble/p256.js';
import { seededRandom } from '../../../ipsec/crypto/random.js';
import { mustEncr, mustInteg, mustKe, mustPrf } from '../../../ipsec/crypto/transforms.js';
import { toHex } from '../../../ipsec/util/bytes.js';
import {
  CCM8_ECP256_CRYPTO,
  CCM8_X25519_CRYPTO,
  MOTE_HASHES,
  moteAlgorithms,
  SEED_CRYPTO,
} from '../../../targets/wismote/mote-crypto.js';
import { moteProvider, moteStackConfig } from '../../../targets/wismote/mote-stack.js';

const ke = (provider: typeof nobleProvider, id: number, seed: string) => {
  const random = seededRandom(seed);
  const a = provider.keyExchange(mustKe(id), random);
  const b = nobleProvider.keyExchange(mustKe(id), seededRandom(`${seed}/peer`));
  const s = a.computeSharedSecret(b.publicValue);
  return { pub: toHex(a.publicValue), secret: s.ok ? toHex(s.value) : s.error.code };
};

describe("the mote's crypto", () => {
  it("has RFC 5903 §3.1's P-256 parameters, noble's", () => {
    const c = p256.Point.CURVE();
    for (const k of ['p', 'a', 'b', 'Gx', 'Gy', 'n', 'h'] as const) expect(P256_CURVE[k]).toBe(c[k]);
  });

  it.each([
    ['seed', SEED_CRYPTO, KeId.ECP_192],
    ['ccm8-ecp256', CCM8_ECP256_CRYPTO, KeId.ECP_256],
    ['ccm8-x25519', CCM8_X25519_CRYPTO, KeId.CURVE_25519],
  ])('%s: key exchange as the full provider', (_, suite, id) => {
    const mote = composeNobleProvider(moteAlgorithms([suite], MOTE_HASHES));
    for (const seed of ['a', 'b', 'c']) expect(ke(mote, id, seed)).toEqual(ke(nobleProvider, id, seed));
  });

  it("the seed's: AES-CTR, AES-XCBC-96 and PRF AES-XCBC as the full provider, and nothing else", () => {
    const mote = composeNobleProvider(moteAlgorithms([SEED_CRYPTO], MOTE_HASHES));
    const key = seededRandom('key')(20);
    const iv = seededRandom('iv')(8);
    const data = seededRandom('data')(77);
    const ctr = mustEncr(EncrId.AES_CTR, 128);
    expect(toHex(mote.cipher(ctr, key).encrypt(iv, data))).toBe(
      toHex(nobleProvider.cipher(ctr, key).encrypt(iv, data)),
    );
    const xcbc = mustInteg(IntegId.AES_XCBC_96);
    expect(toHex(mote.mac(xcbc, key.subarray(0, 16)).compute(data))).toBe(
      toHex(nobleProvider.mac(xcbc, key.subarray(0, 16)).compute(data)),
    );
    const prf = mustPrf(PrfId.AES128_XCBC);
    expect(toHex(mote.prf(prf).compute(key, data))).toBe(toHex(nobleProvider.prf(prf).compute(key, data)));
    expect(() => mote.cipher(mustEncr(EncrId.AES_CBC, 128), key.subarray(0, 16))).toThrow(/UNSUPPORTED|ENCR/);
    expect(() => mote.keyExchange(mustKe(KeId.MODP_2048), seededRandom('x'))).toThrow(/key exchange method/);
    expect(() => mote.keyExchange(mustKe(KeId.CURVE_25519), seededRandom('x'))).toThrow(
      /key exchange method/,
    );
    expect(() => mote.hash('sha512', data)).toThrow(/hash sha512/);
  });

  it('the default firmware carries every suite of the profile', () => {
    for (const id of [KeId.ECP_192, KeId.ECP_256, KeId.CURVE_25519])
      expect(moteProvider.keyExchange(mustKe(id), seededRandom('k')).publicValue.length).toBeGreaterThan(0);
    const psk = { name: 'p', id: ['a', 'b'], secret: new Uint8Array(32) };
    expect(moteStackConfig(2, psk, { suite: 'ccm8-x25519' }).connections).toHaveLength(1);
  });
});
