import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EncrId, EsnId, IntegId, KeId, PrfId, TransformType } from '../../../../ipsec/crypto/ids.js';
import { ProtocolId, type TransformSpec } from '../../../../ipsec/ike/model.js';
import { defaultProposals } from '../../../../ipsec/ike/proposal/defaults.js';
import {
  describeProposal,
  describeProposalNames,
  isRegistryTransform,
  KEYWORDS,
  parseProposal,
  parseProposals,
} from '../../../../ipsec/ike/proposal/keywords.js';

const { ENCR, PRF, INTEG, KE, ESN } = TransformType;
const IKE = ProtocolId.IKE;
const ESP = ProtocolId.ESP;
const e = (id: number, keyLength?: number): TransformSpec =>
  keyLength === undefined ? { type: ENCR, id } : { type: ENCR, id, keyLength };
const p = (id: number): TransformSpec => ({ type: PRF, id });
const i = (id: number): TransformSpec => ({ type: INTEG, id });
const k = (id: number): TransformSpec => ({ type: KE, id });
const NO_ESN: TransformSpec = { type: ESN, id: EsnId.NO_ESN };
const WITH_ESN: TransformSpec = { type: ESN, id: EsnId.ESN };

describe('parseProposal: valid keyword strings', () => {
  const cases: [string, number, TransformSpec[]][] = [
    // IKE: PRF derived from the integrity algorithm (strongSwan check_proposal)
    [
      'aes128-sha256-ecp192',
      IKE,
      [e(EncrId.AES_CBC, 128), p(PrfId.HMAC_SHA2_256), i(IntegId.HMAC_SHA2_256_128), k(KeId.ECP_192)],
    ],
    [
      'aes128ctr-aesxcbc-prfsha256-ecp192',
      IKE,
      [e(EncrId.AES_CTR, 128), p(PrfId.HMAC_SHA2_256), i(IntegId.AES_XCBC_96), k(KeId.ECP_192)],
    ],
    [
      'aes128gcm16-prfsha256-x25519',
      IKE,
      [e(EncrId.AES_GCM_16, 128), p(PrfId.HMAC_SHA2_256), k(KeId.CURVE_25519)],
    ],
    [
      'aes256gcm16-prfsha384-ecp384',
      IKE,
      [e(EncrId.AES_GCM_16, 256), p(PrfId.HMAC_SHA2_384), k(KeId.ECP_384)],
    ],
    [
      'chacha20poly1305-prfsha256-x25519',
      IKE,
      [e(EncrId.CHACHA20_POLY1305), p(PrfId.HMAC_SHA2_256), k(KeId.CURVE_25519)],
    ],
    [
      'aes128-sha256-prfaesxcbc-ecp256',
      IKE,
      [e(EncrId.AES_CBC, 128), p(PrfId.AES128_XCBC), i(IntegId.HMAC_SHA2_256_128), k(KeId.ECP_256)],
    ],
    [
      'aes128-sha1-modp2048',
      IKE,
      [e(EncrId.AES_CBC, 128), p(PrfId.HMAC_SHA1), i(IntegId.HMAC_SHA1_96), k(KeId.MODP_2048)],
    ],
    [
      'aes256-aescmac-x448',
      IKE,
      [e(EncrId.AES_CBC, 256), p(PrfId.AES128_CMAC), i(IntegId.AES_CMAC_96), k(KeId.CURVE_448)],
    ],
    [
      'aes192-sha384-curve448',
      IKE,
      [e(EncrId.AES_CBC, 192), p(PrfId.HMAC_SHA2_384), i(IntegId.HMAC_SHA2_384_192), k(KeId.CURVE_448)],
    ],
    [
      'aes-sha512-modp4096',
      IKE,
      [e(EncrId.AES_CBC, 128), p(PrfId.HMAC_SHA2_512), i(IntegId.HMAC_SHA2_512_256), k(KeId.MODP_4096)],
    ],
    // alternatives of one type keep their order; one derived PRF per integrity algorithm
    [
      'aes128-aes256-sha256-sha1-ecp256-modp3072-curve25519',
      IKE,
      [
        e(EncrId.AES_CBC, 128),
        e(EncrId.AES_CBC, 256),
        p(PrfId.HMAC_SHA2_256),
        p(PrfId.HMAC_SHA1),
        i(IntegId.HMAC_SHA2_256_128),
        i(IntegId.HMAC_SHA1_96),
        k(KeId.ECP_256),
        k(KeId.MODP_3072),
        k(KeId.CURVE_25519),
      ],
    ],
    // an explicit PRF suppresses the derivation
    [
      'aes128-sha256-sha1-prfaescmac-ecp521',
      IKE,
      [
        e(EncrId.AES_CBC, 128),
        p(PrfId.AES128_CMAC),
        i(IntegId.HMAC_SHA2_256_128),
        i(IntegId.HMAC_SHA1_96),
        k(KeId.ECP_521),
      ],
    ],
    // integrity with AEAD only is dropped (RFC 5282 §8), KE NONE dropped from IKE
    [
      'aes128gcm8-sha256-prfsha256-ecp256-modpnone',
      IKE,
      [e(EncrId.AES_GCM_8, 128), p(PrfId.HMAC_SHA2_256), k(KeId.ECP_256)],
    ],
    // ESP: NO_ESN unless asked, KE = PFS, no PRF
    ['aes128-aesxcbc-ecp256', ESP, [e(EncrId.AES_CBC, 128), i(IntegId.AES_XCBC_96), k(KeId.ECP_256), NO_ESN]],
    ['aes128ctr-aesxcbc', ESP, [e(EncrId.AES_CTR, 128), i(IntegId.AES_XCBC_96), NO_ESN]],
    ['null-sha256', ESP, [e(EncrId.NULL), i(IntegId.HMAC_SHA2_256_128), NO_ESN]],
    ['aes192ccm12', ESP, [e(EncrId.AES_CCM_12, 192), NO_ESN]],
    ['aes128gcm8', ESP, [e(EncrId.AES_GCM_8, 128), NO_ESN]],
    ['aes256gcm16-esn', ESP, [e(EncrId.AES_GCM_16, 256), WITH_ESN]],
    ['aes128gcm16-esn-noesn', ESP, [e(EncrId.AES_GCM_16, 128), WITH_ESN, NO_ESN]],
    ['aes128-sha256-noesn', ESP, [e(EncrId.AES_CBC, 128), i(IntegId.HMAC_SHA2_256_128), NO_ESN]],
    ['aes128-sha384-prfsha384', ESP, [e(EncrId.AES_CBC, 128), i(IntegId.HMAC_SHA2_384_192), NO_ESN]],
    ['aes128-aescmac-modpnone', ESP, [e(EncrId.AES_CBC, 128), i(IntegId.AES_CMAC_96), k(KeId.NONE), NO_ESN]],
    ['aes128', ESP, [e(EncrId.AES_CBC, 128), NO_ESN]], // confidentiality-only ESP, as strongSwan allows
    [
      'aes128gcm-aes256gcm128-aes192gcm96',
      ESP,
      [e(EncrId.AES_GCM_16, 128), e(EncrId.AES_GCM_16, 256), e(EncrId.AES_GCM_12, 192), NO_ESN],
    ],
    ['aes256ccm64-chacha20poly1305', ESP, [e(EncrId.AES_CCM_8, 256), e(EncrId.CHACHA20_POLY1305), NO_ESN]],
    // case-insensitive, surrounding blanks, duplicates collapse
    [
      ' AES128-SHA2_256-ECP256 ',
      IKE,
      [e(EncrId.AES_CBC, 128), p(PrfId.HMAC_SHA2_256), i(IntegId.HMAC_SHA2_256_128), k(KeId.ECP_256)],
    ],
    [
      'aes128-aes128-sha-sha1-ecp256',
      IKE,
      [e(EncrId.AES_CBC, 128), p(PrfId.HMAC_SHA1), i(IntegId.HMAC_SHA1_96), k(KeId.ECP_256)],
    ],
  ];
  it.each(cases)('%s (protocol %d)', (text, protocol, transforms) => {
    const r = parseProposal(text, protocol, 3);
    expect(r).toEqual({
      ok: true,
      value: { num: 3, protocolId: protocol, spi: new Uint8Array(0), transforms },
    });
  });
});

describe('parseProposal: invalid keyword strings', () => {
  const cases: [string, number, string, string | undefined][] = [
    ['', IKE, 'EMPTY', undefined],
    ['aes128--sha256-ecp256', IKE, 'EMPTY', undefined],
    ['aes128-sha256-ecp256-', IKE, 'EMPTY', undefined],
    ['aes128-sha257-ecp256', IKE, 'UNKNOWN_KEYWORD', 'sha257'],
    ['aes128-sha256-foo', ESP, 'UNKNOWN_KEYWORD', 'foo'],
    ['aes64', ESP, 'UNKNOWN_KEYWORD', 'aes64'],
    ['3des-sha1-modp2048', IKE, 'UNSUPPORTED_KEYWORD', '3des'],
    ['aes128-md5-modp2048', IKE, 'UNSUPPORTED_KEYWORD', 'md5'],
    ['aes128-sha256-modp1024', IKE, 'UNSUPPORTED_KEYWORD', 'modp1024'],
    ['camellia256-sha256-ecp256', IKE, 'UNSUPPORTED_KEYWORD', 'camellia256'],
    ['aes128-sha256-ecp256bp', IKE, 'UNSUPPORTED_KEYWORD', 'ecp256bp'],
    ['aes128gmac', ESP, 'UNSUPPORTED_KEYWORD', 'aes128gmac'],
    ['aes128-sha256-ecp256-kyber3', IKE, 'UNSUPPORTED_KEYWORD', 'kyber3'],
    ['sha256-ecp256', IKE, 'MISSING_ENCR', undefined],
    ['sha256', ESP, 'MISSING_ENCR', undefined],
    ['aes128-ecp256', IKE, 'MISSING_INTEG', undefined],
    ['null', ESP, 'MISSING_INTEG', undefined],
    ['aes128gcm16-ecp256', IKE, 'PRF_REQUIRED', undefined],
    ['chacha20poly1305-sha256-x25519', IKE, 'PRF_REQUIRED', undefined], // integ dropped before derivation
    ['aes128-sha256', IKE, 'MISSING_KE', undefined],
    ['aes128-sha256-modpnone', IKE, 'MISSING_KE', undefined],
    ['aes128-aes128gcm16-sha256-ecp256', IKE, 'MIXED_AEAD', undefined],
    ['aes128gcm16-aes128-sha256', ESP, 'MIXED_AEAD', undefined],
    ['null-sha256-ecp256', IKE, 'NOT_FOR_IKE', 'null'],
    ['aes128-sha256-ecp256-esn', IKE, 'NOT_FOR_IKE', 'esn'],
    ['aes128-default', ESP, 'DEFAULT_NOT_ALONE', 'default'],
  ];
  it.each(cases)('%s (protocol %d) -> %s', (text, protocol, code, keyword) => {
    const r = parseProposal(text, protocol);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe(code);
    expect(r.error.keyword).toBe(keyword);
    expect(r.error.proposal).toBe(text);
    if (keyword) expect(r.error.message).toContain(keyword);
  });

  it('refuses AH: only IKE and ESP proposals are built', () => {
    const r = parseProposal('sha256', ProtocolId.AH);
    expect(r.ok || r.error.code).toBe('UNSUPPORTED_PROTOCOL');
  });
});

describe('parseProposals', () => {
  it('numbers a comma list and an array list consecutively', () => {
    const r = parseProposals('aes128-sha256-ecp256, aes256gcm16-prfsha384-ecp384', IKE);
    const a = parseProposals(['aes128-sha256-ecp256', 'aes256gcm16-prfsha384-ecp384'], IKE);
    expect(r.ok && r.value.map((x) => x.num)).toEqual([1, 2]);
    expect(a).toEqual(r);
  });

  it('stops at the first bad proposal, naming its keyword', () => {
    const r = parseProposals('aes128-sha256-ecp256,aes128-sha256-ecp999', IKE);
    expect(r.ok || [r.error.code, r.error.keyword]).toEqual(['UNKNOWN_KEYWORD', 'ecp999']);
  });

  it("expands 'default' to strongSwan's classic and AEAD proposals", () => {
    const ike = parseProposals('default', IKE);
    expect(ike.ok).toBe(true);
    if (!ike.ok) return;
    expect(ike.value).toEqual(defaultProposals(IKE));
    expect(describeProposal(ike.value[0]!)).toBe(
      'aes128-aes192-aes256-aes128ctr-aes192ctr-aes256ctr-sha256-sha384-sha512-aesxcbc-aescmac-sha1-' +
        'prfsha256-prfsha384-prfsha512-prfaesxcbc-prfaescmac-prfsha1-' +
        'ecp256-ecp384-ecp521-x25519-x448-modp3072-modp4096-modp2048',
    );
    expect(describeProposal(ike.value[1]!)).toMatch(
      /^aes128gcm16-aes192gcm16-aes256gcm16-aes128ccm16-.*-chacha20poly1305-aes128gcm12-/,
    );
    const esp = parseProposals('aes128gcm16,default', ESP);
    expect(esp.ok && esp.value.map((x) => [x.num, describeProposal(x)])).toEqual([
      [1, 'aes128gcm16'],
      [2, 'aes128-aes192-aes256-sha256-sha384-sha512-sha1-aesxcbc'],
      [3, 'aes128gcm16-aes192gcm16-aes256gcm16'],
    ]);
  });

  it('every default proposal is accepted by the keyword parser (round trip)', () => {
    for (const proto of [IKE, ESP] as const) {
      for (const d of defaultProposals(proto)) {
        const r = parseProposal(describeProposal(d), proto, d.num);
        expect(r).toEqual({ ok: true, value: d });
      }
    }
  });
});

describe('describeProposal', () => {
  it.each([
    [
      'aes128-sha256-ecp256',
      IKE,
      'aes128-sha256-prfsha256-ecp256',
      'AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/ECP_256',
    ],
    [
      'aes256gcm16-prfsha384-ecp384',
      IKE,
      'aes256gcm16-prfsha384-ecp384',
      'AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384',
    ],
    [
      'chacha20poly1305-prfsha256-curve25519',
      IKE,
      'chacha20poly1305-prfsha256-x25519',
      'CHACHA20_POLY1305/PRF_HMAC_SHA2_256/CURVE_25519',
    ],
    ['aes128ctr-aesxcbc', ESP, 'aes128ctr-aesxcbc', 'AES_CTR-128/AES_XCBC_96'],
    ['aes128-sha2_256-esn', ESP, 'aes128-sha256-esn', 'AES_CBC-128/HMAC_SHA2_256_128/ESN'],
    ['aes128gcm128-modp2048', ESP, 'aes128gcm16-modp2048', 'AES_GCM_16-128/MODP_2048'],
  ])('%s -> %s', (text, proto, keywords, names) => {
    const r = parseProposal(text, proto);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(describeProposal(r.value)).toBe(keywords);
    expect(describeProposalNames(r.value)).toBe(names);
  });

  it('prints transforms outside the registry without failing', () => {
    const prop = {
      num: 1,
      protocolId: IKE,
      spi: new Uint8Array(0),
      transforms: [e(99, 128), i(77), { type: 9, id: 1 }],
    };
    expect(describeProposal(prop)).toBe('encr#99_128-integ#77-type9#1');
  });
});

describe('keyword table', () => {
  it('maps every keyword to a transform of our registry', () => {
    for (const [kw, t] of KEYWORDS) expect([kw, isRegistryTransform(t)]).toEqual([kw, true]);
  });

  it('round-trips any proposal built from keywords (property)', () => {
    const byType = (type: number) => [...KEYWORDS.keys()].filter((kw) => KEYWORDS.get(kw)?.type === type);
    const classic = byType(ENCR).filter((kw) => /^(aes\d*|aes\d+ctr)$/.test(kw));
    const aead = byType(ENCR).filter((kw) => /(gcm|ccm|chacha)/.test(kw));
    const integs = byType(INTEG);
    const prfs = byType(PRF);
    const kes = byType(KE).filter((kw) => kw !== 'none' && kw !== 'modpnone');
    const some = (xs: string[]) => fc.uniqueArray(fc.constantFrom(...xs), { minLength: 1, maxLength: 3 });
    const ike = fc.oneof(
      fc.tuple(some(classic), some(integs), fc.option(some(prfs)), some(kes)),
      fc.tuple(
        some(aead),
        fc.constant([] as string[]),
        fc.option(some(prfs)).map((x) => x ?? ['prfsha256']),
        some(kes),
      ),
    );
    fc.assert(
      fc.property(ike, ([encrs, integ, prf, ke]) => {
        const text = [...encrs, ...integ, ...(prf ?? []), ...ke].join('-');
        const r = parseProposal(text, IKE);
        if (!r.ok) return false;
        const again = parseProposal(describeProposal(r.value), IKE);
        return again.ok && JSON.stringify(again.value.transforms) === JSON.stringify(r.value.transforms);
      }),
    );
  });
});
