import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EncrId, IntegId, PrfId } from '../../../../ipsec/crypto/ids.js';
import { nobleProvider } from '../../../../ipsec/crypto/noble/index.js';
import { mustEncr, mustInteg, mustPrf } from '../../../../ipsec/crypto/transforms.js';
import {
  computeRekeySkeyseed,
  computeSkeyseed,
  deriveIkeSaKeys,
  deriveIkeSaKeysFromSkeyseed,
  deriveRekeyedIkeSaKeys,
  type IkeSaKeys,
  isFixedKeyPrf,
  wipeIkeSaKeys,
} from '../../../../ipsec/ike/keys/ike-keys.js';
import { type IkeSuite, ikeKeyLengths } from '../../../../ipsec/ike/keys/suite.js';
import { concatBytes, fromHex, toHex } from '../../../../ipsec/util/bytes.js';
import { loadStrongswanVectors, type VectorIkeSa } from '../../../support/vectors.js';

const provider = nobleProvider;
const cases = loadStrongswanVectors();

function suiteOf(sa: VectorIkeSa): IkeSuite {
  return {
    encr: mustEncr(sa.encr_id, sa.encr_key_bits),
    prf: mustPrf(sa.prf_id),
    ...(sa.integ_id ? { integ: mustInteg(sa.integ_id) } : {}),
  };
}

/** The recorded keys of a vector IKE SA, as an IkeSaKeys. */
function recordedKeys(sa: VectorIkeSa): IkeSaKeys {
  return {
    suite: suiteOf(sa),
    skD: fromHex(sa.sk_d),
    skAi: fromHex(sa.sk_ai),
    skAr: fromHex(sa.sk_ar),
    skEi: fromHex(sa.sk_ei),
    skEr: fromHex(sa.sk_er),
    skPi: fromHex(sa.sk_pi),
    skPr: fromHex(sa.sk_pr),
  };
}

function expectKeys(keys: IkeSaKeys, sa: VectorIkeSa): void {
  expect({
    d: toHex(keys.skD),
    ai: toHex(keys.skAi),
    ar: toHex(keys.skAr),
    ei: toHex(keys.skEi),
    er: toHex(keys.skEr),
    pi: toHex(keys.skPi),
    pr: toHex(keys.skPr),
  }).toEqual({
    d: sa.sk_d,
    ai: sa.sk_ai,
    ar: sa.sk_ar,
    ei: sa.sk_ei,
    er: sa.sk_er,
    pi: sa.sk_pi,
    pr: sa.sk_pr,
  });
}

const inputsOf = (sa: VectorIkeSa) => ({
  sharedSecret: fromHex(sa.dh_shared_secret),
  ni: fromHex(sa.nonce_i),
  nr: fromHex(sa.nonce_r),
  spiI: fromHex(sa.spi_i),
  spiR: fromHex(sa.spi_r),
});

it('the strongSwan vectors cover two IKE SAs per case, one a rekey', () => {
  expect(cases).toHaveLength(7);
  for (const c of cases) expect(c.ike_sas.map((sa) => sa.rekey_of)).toEqual([null, 0]);
});

describe.each(cases)('IKE SA keys of strongSwan case $case', (c) => {
  const [first, rekeyed] = c.ike_sas as [VectorIkeSa, VectorIkeSa];

  it('SKEYSEED = prf(Ni | Nr, g^ir) and the SK_* stream of the first IKE SA (§2.14)', () => {
    const suite = suiteOf(first);
    const inputs = inputsOf(first);
    const skeyseed = computeSkeyseed(provider, suite.prf, inputs.ni, inputs.nr, inputs.sharedSecret);
    expect(toHex(skeyseed)).toBe(first.skeyseed);
    expectKeys(deriveIkeSaKeysFromSkeyseed(provider, suite, skeyseed, inputs), first);
    expectKeys(deriveIkeSaKeys(provider, suite, inputs), first);
  });

  it('SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) and the SK_* stream of the rekeyed IKE SA (§2.18)', () => {
    const old = recordedKeys(first);
    const inputs = inputsOf(rekeyed);
    const skeyseed = computeRekeySkeyseed(provider, old, inputs.sharedSecret, inputs.ni, inputs.nr);
    expect(toHex(skeyseed)).toBe(rekeyed.skeyseed);
    expectKeys(deriveRekeyedIkeSaKeys(provider, old, suiteOf(rekeyed), inputs), rekeyed);
    // Chained from keys we derived ourselves rather than the recorded ones.
    const derivedOld = deriveIkeSaKeys(provider, suiteOf(first), inputsOf(first));
    expectKeys(deriveRekeyedIkeSaKeys(provider, derivedOld, suiteOf(rekeyed), inputs), rekeyed);
  });

  it('key lengths follow the negotiated transforms', () => {
    const len = ikeKeyLengths(suiteOf(first));
    expect(fromHex(first.sk_d)).toHaveLength(len.d);
    expect(fromHex(first.sk_pi)).toHaveLength(len.p);
    expect(fromHex(first.sk_ai)).toHaveLength(len.a);
    expect(fromHex(first.sk_ei)).toHaveLength(len.e);
  });
});

describe('SKEYSEED for fixed-key PRFs (RFC 7296 §2.14)', () => {
  it('AES-XCBC-PRF-128 and AES-CMAC-PRF-128 are the fixed-key PRFs', () => {
    expect(isFixedKeyPrf(mustPrf(PrfId.AES128_XCBC))).toBe(true);
    expect(isFixedKeyPrf(mustPrf(PrfId.AES128_CMAC))).toBe(true);
    for (const id of [PrfId.HMAC_SHA1, PrfId.HMAC_SHA2_256, PrfId.HMAC_SHA2_384, PrfId.HMAC_SHA2_512])
      expect(isFixedKeyPrf(mustPrf(id))).toBe(false);
  });

  const nonces = fc.record({
    ni: fc.uint8Array({ minLength: 16, maxLength: 256 }),
    nr: fc.uint8Array({ minLength: 16, maxLength: 256 }),
    gir: fc.uint8Array({ minLength: 1, maxLength: 64 }),
  });

  it.each([PrfId.AES128_XCBC, PrfId.AES128_CMAC])('PRF %i is keyed with Ni[0:8] | Nr[0:8]', (id) => {
    const prfT = mustPrf(id);
    fc.assert(
      fc.property(nonces, ({ ni, nr, gir }) => {
        const expected = provider.prf(prfT).compute(concatBytes(ni.subarray(0, 8), nr.subarray(0, 8)), gir);
        expect(toHex(computeSkeyseed(provider, prfT, ni, nr, gir))).toBe(toHex(expected));
      }),
      { numRuns: 30 },
    );
  });

  it('HMAC PRFs are keyed with all of Ni | Nr', () => {
    const prfT = mustPrf(PrfId.HMAC_SHA2_256);
    fc.assert(
      fc.property(nonces, ({ ni, nr, gir }) => {
        const expected = provider.prf(prfT).compute(concatBytes(ni, nr), gir);
        expect(toHex(computeSkeyseed(provider, prfT, ni, nr, gir))).toBe(toHex(expected));
      }),
      { numRuns: 30 },
    );
  });
});

describe('IKE suites', () => {
  it('an AEAD cipher has no SK_ai/SK_ar; the encryption keys include the salt', () => {
    const suite: IkeSuite = { encr: mustEncr(EncrId.AES_GCM_16, 256), prf: mustPrf(PrfId.HMAC_SHA2_384) };
    expect(ikeKeyLengths(suite)).toEqual({ d: 48, p: 48, a: 0, e: 36 });
  });

  it('refuses AEAD with integrity, a classic cipher without it, and ENCR_NULL', () => {
    const prf = mustPrf(PrfId.HMAC_SHA2_256);
    const integ = mustInteg(IntegId.HMAC_SHA2_256_128);
    expect(() => ikeKeyLengths({ encr: mustEncr(EncrId.AES_GCM_16, 128), prf, integ })).toThrow(/AEAD/);
    expect(() => ikeKeyLengths({ encr: mustEncr(EncrId.AES_CBC, 128), prf })).toThrow(/integrity/);
    expect(() => ikeKeyLengths({ encr: mustEncr(EncrId.NULL), prf, integ })).toThrow(/not allowed for IKE/);
  });
});

it('wipeIkeSaKeys zeroes every key', () => {
  const sa = cases[1]!.ike_sas[0]!;
  const keys = deriveIkeSaKeys(provider, suiteOf(sa), inputsOf(sa));
  wipeIkeSaKeys(keys);
  for (const k of [keys.skD, keys.skAi, keys.skAr, keys.skEi, keys.skEr, keys.skPi, keys.skPr]) {
    expect(k.length).toBeGreaterThan(0);
    expect(k.every((b) => b === 0)).toBe(true);
  }
});
