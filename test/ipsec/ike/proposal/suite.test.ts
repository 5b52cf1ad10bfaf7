import { describe, expect, it } from 'vitest';
import { EncrId, EsnId, IntegId, KeId, PrfId, TransformType } from '../../../../ipsec/crypto/ids.js';
import { type Proposal, ProtocolId, type TransformSpec } from '../../../../ipsec/ike/model.js';
import { negotiatedSuite } from '../../../../ipsec/ike/proposal/suite.js';

const { ENCR, PRF, INTEG, KE, ESN } = TransformType;
const t = (type: number, id: number, keyLength?: number): TransformSpec =>
  keyLength === undefined ? { type, id } : { type, id, keyLength };
const prop = (protocolId: number, ...transforms: TransformSpec[]): Proposal => ({
  num: 1,
  protocolId,
  spi: new Uint8Array(0),
  transforms,
});

describe('negotiatedSuite', () => {
  it('resolves an IKE suite to registry descriptors (case A: AES-CTR, XCBC, PRF SHA-256, ECP-192)', () => {
    const r = negotiatedSuite(
      prop(
        ProtocolId.IKE,
        t(ENCR, EncrId.AES_CTR, 128),
        t(PRF, PrfId.HMAC_SHA2_256),
        t(INTEG, IntegId.AES_XCBC_96),
        t(KE, KeId.ECP_192),
      ),
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.encr).toMatchObject({ name: 'AES_CTR', keyBits: 128, keyLength: 20, saltLength: 4 });
    expect(r.value.integ).toMatchObject({ name: 'AES_XCBC_96', keyLength: 16, icvLength: 12 });
    expect(r.value.prf).toMatchObject({ name: 'PRF_HMAC_SHA2_256', keyLength: 32 });
    expect(r.value.ke).toMatchObject({ name: 'ECP_192', publicLength: 48 });
    expect(r.value.esn).toBe(false);
  });

  it('gives AEAD suites no integrity (INTEG NONE is accepted and dropped)', () => {
    const r = negotiatedSuite(
      prop(ProtocolId.ESP, t(ENCR, EncrId.AES_GCM_16, 256), t(INTEG, IntegId.NONE), t(ESN, EsnId.ESN)),
    );
    expect(r.ok && [r.value.encr.name, r.value.integ, r.value.esn, r.value.ke]).toEqual([
      'AES_GCM_16',
      undefined,
      true,
      undefined,
    ]);
    const chacha = negotiatedSuite(
      prop(ProtocolId.ESP, t(ENCR, EncrId.CHACHA20_POLY1305), t(ESN, EsnId.NO_ESN)),
    );
    expect(chacha.ok && [chacha.value.encr.keyBits, chacha.value.encr.keyLength]).toEqual([256, 36]);
  });

  it('keeps the ESP PFS group and drops KE NONE', () => {
    const pfs = negotiatedSuite(
      prop(
        ProtocolId.ESP,
        t(ENCR, EncrId.AES_CBC, 128),
        t(INTEG, IntegId.AES_XCBC_96),
        t(KE, KeId.ECP_256),
        t(ESN, EsnId.NO_ESN),
      ),
    );
    expect(pfs.ok && pfs.value.ke?.id).toBe(KeId.ECP_256);
    const none = negotiatedSuite(
      prop(
        ProtocolId.ESP,
        t(ENCR, EncrId.AES_CBC, 128),
        t(INTEG, IntegId.AES_XCBC_96),
        t(KE, KeId.NONE),
        t(ESN, EsnId.NO_ESN),
      ),
    );
    expect(none.ok && none.value.ke).toBeUndefined();
  });

  const ikeBase = [
    t(ENCR, EncrId.AES_CBC, 128),
    t(PRF, PrfId.HMAC_SHA2_256),
    t(INTEG, IntegId.HMAC_SHA2_256_128),
    t(KE, KeId.ECP_256),
  ];
  const bad: [string, Proposal, string][] = [
    [
      'AEAD with integrity (RFC 5282 §8)',
      prop(ProtocolId.ESP, t(ENCR, EncrId.AES_GCM_16, 128), t(INTEG, IntegId.HMAC_SHA2_256_128), t(ESN, 0)),
      'AEAD_WITH_INTEG',
    ],
    [
      'two encryption transforms',
      prop(ProtocolId.IKE, ...ikeBase, t(ENCR, EncrId.AES_CBC, 256)),
      'DUPLICATE_TYPE',
    ],
    [
      'AES without Key Length',
      prop(ProtocolId.IKE, t(ENCR, EncrId.AES_CBC), ...ikeBase.slice(1)),
      'UNSUPPORTED_TRANSFORM',
    ],
    [
      'AES-CBC-100',
      prop(ProtocolId.IKE, t(ENCR, EncrId.AES_CBC, 100), ...ikeBase.slice(1)),
      'UNSUPPORTED_TRANSFORM',
    ],
    ['3DES', prop(ProtocolId.IKE, t(ENCR, EncrId['3DES']), ...ikeBase.slice(1)), 'UNSUPPORTED_TRANSFORM'],
    [
      'MODP-1024',
      prop(ProtocolId.IKE, ...ikeBase.slice(0, 3), t(KE, KeId.MODP_1024)),
      'UNSUPPORTED_TRANSFORM',
    ],
    [
      'HMAC-MD5',
      prop(ProtocolId.IKE, ikeBase[0]!, ikeBase[1]!, t(INTEG, IntegId.HMAC_MD5_96), ikeBase[3]!),
      'UNSUPPORTED_TRANSFORM',
    ],
    ['IKE without PRF', prop(ProtocolId.IKE, ikeBase[0]!, ikeBase[2]!, ikeBase[3]!), 'MISSING_TRANSFORM'],
    ['IKE without KE', prop(ProtocolId.IKE, ...ikeBase.slice(0, 3)), 'MISSING_TRANSFORM'],
    [
      'IKE classic without integrity',
      prop(ProtocolId.IKE, ikeBase[0]!, ikeBase[1]!, ikeBase[3]!),
      'MISSING_TRANSFORM',
    ],
    [
      'IKE with ENCR_NULL (§3.3.2)',
      prop(ProtocolId.IKE, t(ENCR, EncrId.NULL), ...ikeBase.slice(1)),
      'NOT_ALLOWED',
    ],
    ['IKE with ESN', prop(ProtocolId.IKE, ...ikeBase, t(ESN, 0)), 'NOT_ALLOWED'],
    [
      'ESP with a PRF',
      prop(ProtocolId.ESP, t(ENCR, EncrId.AES_GCM_16, 128), t(PRF, PrfId.HMAC_SHA1), t(ESN, 0)),
      'NOT_ALLOWED',
    ],
    ['ESP without ESN', prop(ProtocolId.ESP, t(ENCR, EncrId.AES_GCM_16, 128)), 'MISSING_TRANSFORM'],
    [
      'ESP NULL without integrity',
      prop(ProtocolId.ESP, t(ENCR, EncrId.NULL), t(ESN, 0)),
      'MISSING_TRANSFORM',
    ],
    [
      'ESP without encryption',
      prop(ProtocolId.ESP, t(INTEG, IntegId.HMAC_SHA1_96), t(ESN, 0)),
      'MISSING_TRANSFORM',
    ],
    ['AH', prop(ProtocolId.AH, t(INTEG, IntegId.HMAC_SHA1_96), t(ESN, 0)), 'NOT_ALLOWED'],
  ];
  it.each(bad)('rejects %s', (_name, p, code) => {
    const r = negotiatedSuite(p);
    expect(r.ok || r.error.code).toBe(code);
  });
});
