import { describe, expect, it } from 'vitest';
import { EncrId, IntegId, PrfId } from '../../../../ipsec/crypto/ids.js';
import { nobleProvider } from '../../../../ipsec/crypto/noble/index.js';
import { mustEncr, mustInteg, mustPrf } from '../../../../ipsec/crypto/transforms.js';
import { deriveChildSaKeys, wipeChildSaKeys } from '../../../../ipsec/ike/keys/child-keys.js';
import type { IkeSaKeys } from '../../../../ipsec/ike/keys/ike-keys.js';
import { prfPlus } from '../../../../ipsec/ike/keys/prf-plus.js';
import type { ChildSuite } from '../../../../ipsec/ike/keys/suite.js';
import { concatBytes, fromHex, toHex } from '../../../../ipsec/util/bytes.js';
import { loadStrongswanVectors, type VectorChildSa, type VectorIkeSa } from '../../../support/vectors.js';

const provider = nobleProvider;
const cases = loadStrongswanVectors();

/** Only SK_d and the PRF matter for KEYMAT (§2.17). */
function ikeKeysOf(sa: VectorIkeSa): IkeSaKeys {
  const empty = new Uint8Array(0);
  return {
    suite: { encr: mustEncr(sa.encr_id, sa.encr_key_bits), prf: mustPrf(sa.prf_id) },
    skD: fromHex(sa.sk_d),
    skAi: empty,
    skAr: empty,
    skEi: empty,
    skEr: empty,
    skPi: empty,
    skPr: empty,
  };
}

function childSuiteOf(child: VectorChildSa): ChildSuite {
  return {
    encr: mustEncr(child.encr_id, child.encr_key_bits ?? undefined),
    ...(child.integ_id ? { integ: mustInteg(child.integ_id) } : {}),
  };
}

describe.each(cases)('Child SA KEYMAT of strongSwan case $case (RFC 7296 §2.17)', (c) => {
  it.each(c.child_sas)(
    'child SA $index: prf+(SK_d, [g^ir |] Ni | Nr) = encr_i | integ_i | encr_r | integ_r',
    (child) => {
      const ike = ikeKeysOf(c.ike_sas[child.ike_sa]!);
      const keys = deriveChildSaKeys(provider, ike, childSuiteOf(child), {
        ni: fromHex(child.nonce_i),
        nr: fromHex(child.nonce_r),
        ...(child.pfs_shared_secret ? { sharedSecret: fromHex(child.pfs_shared_secret) } : {}),
      });
      expect({
        i: { encr: toHex(keys.initiator.encr), integ: toHex(keys.initiator.integ) },
        r: { encr: toHex(keys.responder.encr), integ: toHex(keys.responder.integ) },
      }).toEqual({ i: child.key_i, r: child.key_r });
    },
  );
});

it('case E rekeys its Child SA with PFS: g^ir (new) leads the seed', () => {
  const e = cases.find((c) => c.case.startsWith('E'))!;
  const pfs = e.child_sas.find((child) => child.pfs_shared_secret);
  expect(pfs).toBeDefined();
  expect(pfs!.keymat_seed).toBe(`${pfs!.pfs_shared_secret}${pfs!.nonce_i}${pfs!.nonce_r}`);
  // Without the shared secret the keys differ: PFS is really used.
  const ike = ikeKeysOf(e.ike_sas[pfs!.ike_sa]!);
  const noPfs = deriveChildSaKeys(provider, ike, childSuiteOf(pfs!), {
    ni: fromHex(pfs!.nonce_i),
    nr: fromHex(pfs!.nonce_r),
  });
  expect(toHex(noPfs.initiator.encr)).not.toBe(pfs!.key_i.encr);
});

it('AEAD Child SAs take no integrity keys; the split follows §2.17 order', () => {
  const prf = mustPrf(PrfId.HMAC_SHA2_256);
  const ike = { ...ikeKeysOf(cases[0]!.ike_sas[0]!), suite: { encr: mustEncr(EncrId.AES_GCM_16, 128), prf } };
  const ni = fromHex('0011223344556677');
  const nr = fromHex('8899aabbccddeeff');
  const keymat = prfPlus(provider.prf(prf), ike.skD, concatBytes(ni, nr), 2 * 20 + 2 * 32);

  const gcm = deriveChildSaKeys(provider, ike, { encr: mustEncr(EncrId.AES_GCM_16, 128) }, { ni, nr });
  expect(toHex(gcm.initiator.encr)).toBe(toHex(keymat.subarray(0, 20)));
  expect(gcm.initiator.integ).toHaveLength(0);
  expect(toHex(gcm.responder.encr)).toBe(toHex(keymat.subarray(20, 40)));

  const cbc = deriveChildSaKeys(
    provider,
    ike,
    { encr: mustEncr(EncrId.AES_CBC, 128), integ: mustInteg(IntegId.HMAC_SHA2_256_128) },
    { ni, nr },
  );
  expect(toHex(cbc.initiator.encr)).toBe(toHex(keymat.subarray(0, 16)));
  expect(toHex(cbc.initiator.integ)).toBe(toHex(keymat.subarray(16, 48)));
  expect(toHex(cbc.responder.encr)).toBe(toHex(keymat.subarray(48, 64)));
  expect(toHex(cbc.responder.integ)).toBe(toHex(keymat.subarray(64, 96)));

  wipeChildSaKeys(cbc);
  for (const k of [cbc.initiator.encr, cbc.initiator.integ, cbc.responder.encr, cbc.responder.integ])
    expect(k.every((b) => b === 0)).toBe(true);
});
