import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EncrId, EsnId, IntegId, KeId, PrfId, TransformType } from '../../../../ipsec/crypto/ids.js';
import { type Proposal, ProtocolId, type TransformSpec } from '../../../../ipsec/ike/model.js';
import { describeProposal, KEYWORDS, parseProposal } from '../../../../ipsec/ike/proposal/keywords.js';
import {
  checkProposalResponse,
  invalidKeGroup,
  selectProposal,
} from '../../../../ipsec/ike/proposal/select.js';
import { negotiatedSuite } from '../../../../ipsec/ike/proposal/suite.js';
import type { WireTransform } from '../../../../ipsec/ike/wire/payload-types.js';

const { ENCR, PRF, INTEG, KE, ESN } = TransformType;
const IKE = ProtocolId.IKE;
const ESP = ProtocolId.ESP;

/** Proposals from keyword strings, numbered from 1 (or as given). */
function props(protocol: number, ...texts: string[]): Proposal[] {
  return texts.map((t, i) => {
    const r = parseProposal(t, protocol, i + 1);
    if (!r.ok) throw new Error(`${t}: ${r.error.message}`);
    return r.value;
  });
}
const one = (protocol: number, text: string, num = 1): Proposal => ({ ...props(protocol, text)[0]!, num });
const withTransforms = (p: Proposal, transforms: TransformSpec[]): Proposal => ({ ...p, transforms });

function chosen(offered: Proposal[], configured: Proposal[], opts = {}) {
  const r = selectProposal(offered, configured, opts);
  return r.ok ? `${r.value.num}:${describeProposal(r.value)}` : r.error.code;
}

describe('selectProposal (responder, RFC 7296 §2.7)', () => {
  const cases: [string, Proposal[], Proposal[], object, string][] = [
    [
      'match in the first proposal',
      props(IKE, 'aes128-sha256-ecp256'),
      props(IKE, 'aes128-sha256-ecp256'),
      {},
      '1:aes128-sha256-prfsha256-ecp256',
    ],
    [
      'match in the second proposal',
      props(IKE, 'aes256gcm16-prfsha384-ecp384', 'aes128-sha256-ecp256'),
      props(IKE, 'aes128-sha256-ecp256'),
      {},
      '2:aes128-sha256-prfsha256-ecp256',
    ],
    [
      'key length mismatch',
      props(IKE, 'aes256-sha256-ecp256'),
      props(IKE, 'aes128-sha256-ecp256'),
      {},
      'NO_PROPOSAL_CHOSEN',
    ],
    [
      'AEAD key length mismatch',
      props(ESP, 'aes128gcm16'),
      props(ESP, 'aes256gcm16'),
      {},
      'NO_PROPOSAL_CHOSEN',
    ],
    [
      'ICV length is part of the id',
      props(ESP, 'aes128gcm8'),
      props(ESP, 'aes128gcm16'),
      {},
      'NO_PROPOSAL_CHOSEN',
    ],
    [
      'protocol mismatch',
      props(ESP, 'aes128-sha256'),
      props(IKE, 'aes128-sha256-ecp256'),
      {},
      'NO_PROPOSAL_CHOSEN',
    ],
    [
      'a proposal of another protocol is skipped',
      [one(ESP, 'aes128-sha256', 1), one(IKE, 'aes128-sha256-ecp256', 2)],
      props(IKE, 'aes128-sha256-ecp256'),
      {},
      '2:aes128-sha256-prfsha256-ecp256',
    ],
    [
      'no common KE method',
      props(IKE, 'aes128-sha256-modp2048'),
      props(IKE, 'aes128-sha256-ecp256'),
      {},
      'NO_PROPOSAL_CHOSEN',
    ],
    [
      'no common PRF',
      props(IKE, 'aes128-sha256-prfsha384-ecp256'),
      props(IKE, 'aes128-sha256-ecp256'),
      {},
      'NO_PROPOSAL_CHOSEN',
    ],
    ['no common integrity', props(ESP, 'aes128-sha1'), props(ESP, 'aes128-sha256'), {}, 'NO_PROPOSAL_CHOSEN'],
    [
      'ESN wanted, peer only NO_ESN',
      props(ESP, 'aes128gcm16'),
      props(ESP, 'aes128gcm16-esn'),
      {},
      'NO_PROPOSAL_CHOSEN',
    ],
    [
      'ESN choice by our order',
      props(ESP, 'aes128gcm16-noesn-esn'),
      props(ESP, 'aes128gcm16-esn-noesn'),
      {},
      '1:aes128gcm16-esn',
    ],
    [
      'one of each type, our order first',
      props(IKE, 'aes128-aes256-sha1-sha256-ecp256-x25519'),
      props(IKE, 'aes256-aes128-sha256-sha1-x25519-ecp256'),
      {},
      '1:aes256-sha256-prfsha256-x25519',
    ],
    [
      'peer order on request',
      props(IKE, 'aes128-aes256-sha1-sha256-ecp256-x25519'),
      props(IKE, 'aes256-aes128-sha256-sha1-x25519-ecp256'),
      { prefer: 'peer' },
      '1:aes128-sha1-prfsha1-ecp256',
    ],
    [
      'proposal order: ours by default',
      props(IKE, 'aes128-sha256-ecp256', 'aes256gcm16-prfsha384-ecp384'),
      props(IKE, 'aes256gcm16-prfsha384-ecp384', 'aes128-sha256-ecp256'),
      {},
      '2:aes256gcm16-prfsha384-ecp384',
    ],
    [
      "proposal order: the peer's on request",
      props(IKE, 'aes128-sha256-ecp256', 'aes256gcm16-prfsha384-ecp384'),
      props(IKE, 'aes256gcm16-prfsha384-ecp384', 'aes128-sha256-ecp256'),
      { prefer: 'peer' },
      '1:aes128-sha256-prfsha256-ecp256',
    ],
    [
      'KE payload group first (IKE_SA_INIT)',
      props(IKE, 'aes128-sha256-x25519-ecp256'),
      props(IKE, 'aes128-sha256-ecp256-x25519'),
      { keGroup: KeId.CURVE_25519 },
      '1:aes128-sha256-prfsha256-x25519',
    ],
    [
      'KE payload group not acceptable: our order',
      props(IKE, 'aes128-sha256-x25519-ecp256'),
      props(IKE, 'aes128-sha256-ecp256-x25519'),
      { keGroup: KeId.MODP_2048 },
      '1:aes128-sha256-prfsha256-ecp256',
    ],
    [
      'ESP PFS required, peer has none',
      props(ESP, 'aes128-sha256'),
      props(ESP, 'aes128-sha256-ecp256'),
      {},
      'NO_PROPOSAL_CHOSEN',
    ],
    [
      'ESP PFS in IKE_AUTH is ignored (§1.2)',
      props(ESP, 'aes128-sha256'),
      props(ESP, 'aes128-sha256-ecp256'),
      { ignoreKe: true },
      '1:aes128-sha256',
    ],
    [
      'ESP PFS optional (modpnone)',
      props(ESP, 'aes128-sha256'),
      props(ESP, 'aes128-sha256-ecp256-modpnone'),
      {},
      '1:aes128-sha256',
    ],
    [
      'ESP PFS agreed',
      props(ESP, 'aes128-sha256-modp3072-ecp256'),
      props(ESP, 'aes128-sha256-ecp256'),
      {},
      '1:aes128-sha256-ecp256',
    ],
    ['ESP NULL with integrity', props(ESP, 'null-sha256'), props(ESP, 'null-sha256'), {}, '1:null-sha256'],
  ];
  it.each(cases)('%s', (_name, offered, configured, opts, expected) => {
    expect(chosen(offered, configured, opts)).toBe(expected);
  });

  it('answers NO_PROPOSAL_CHOSEN with its notify type (14, §3.10.1), also for no offer at all', () => {
    expect(selectProposal([], props(IKE, 'aes128-sha256-ecp256'))).toEqual({
      ok: false,
      error: { code: 'NO_PROPOSAL_CHOSEN', notify: 14 },
    });
  });

  it("keeps the peer's Proposal Num and leaves our SPI empty", () => {
    const peer = { ...one(ESP, 'aes128-sha256', 7), spi: Uint8Array.of(1, 2, 3, 4) };
    const r = selectProposal([peer], props(ESP, 'aes128-sha256'));
    expect(r.ok && [r.value.num, r.value.spi.length]).toEqual([7, 0]);
  });

  it('refuses a transform with an unknown attribute (§3.3.6) but takes a clean alternative', () => {
    const unknown: WireTransform = {
      type: ENCR,
      id: EncrId.AES_CBC,
      keyLength: 128,
      otherAttributes: [{ attrType: 99, value: 1 }],
    };
    const base = one(ESP, 'aes128-sha256');
    const bad = withTransforms(base, [unknown, ...base.transforms.filter((t) => t.type !== ENCR)]);
    expect(chosen([bad], [base])).toBe('NO_PROPOSAL_CHOSEN');
    const alt = withTransforms(base, [
      unknown,
      { type: ENCR, id: EncrId.AES_CBC, keyLength: 128 },
      ...bad.transforms.slice(1),
    ]);
    expect(chosen([alt], [base])).toBe('1:aes128-sha256');
  });

  it('refuses a missing Key Length attribute on AES (§3.3.5) and a stray one on HMAC', () => {
    const base = one(ESP, 'aes128-sha256');
    const noKeyLength = withTransforms(base, [
      { type: ENCR, id: EncrId.AES_CBC },
      ...base.transforms.slice(1),
    ]);
    expect(chosen([noKeyLength], [base])).toBe('NO_PROPOSAL_CHOSEN');
    const strayKeyLength = withTransforms(base, [
      base.transforms[0]!,
      { type: INTEG, id: IntegId.HMAC_SHA2_256_128, keyLength: 256 },
      { type: ESN, id: EsnId.NO_ESN },
    ]);
    expect(chosen([strayKeyLength], [base])).toBe('NO_PROPOSAL_CHOSEN');
  });

  it('skips a proposal with a transform type we do not know (e.g. RFC 9370 ADDKE1)', () => {
    const base = one(IKE, 'aes128-sha256-ecp256');
    const addke = withTransforms(base, [...base.transforms, { type: 6, id: KeId.CURVE_25519 }]);
    expect(chosen([addke], [base])).toBe('NO_PROPOSAL_CHOSEN');
    expect(chosen([addke, { ...base, num: 2 }], [base])).toBe('2:aes128-sha256-prfsha256-ecp256');
  });

  it('omits integrity when an AEAD cipher is chosen from a lenient mixed offer (RFC 5282 §8)', () => {
    const mixed: Proposal = {
      num: 1,
      protocolId: ESP,
      spi: new Uint8Array(0),
      transforms: [
        { type: ENCR, id: EncrId.AES_GCM_16, keyLength: 128 },
        { type: INTEG, id: IntegId.HMAC_SHA2_256_128 },
        { type: ESN, id: EsnId.NO_ESN },
      ],
    };
    expect(chosen([mixed], props(ESP, 'aes128gcm16'))).toBe('1:aes128gcm16');
  });

  it('refuses ENCR_NULL without integrity (RFC 4303 §3.2)', () => {
    const nullOnly: Proposal = {
      num: 1,
      protocolId: ESP,
      spi: new Uint8Array(0),
      transforms: [
        { type: ENCR, id: EncrId.NULL },
        { type: ESN, id: EsnId.NO_ESN },
      ],
    };
    expect(chosen([nullOnly], [nullOnly])).toBe('NO_PROPOSAL_CHOSEN');
  });
});

describe('checkProposalResponse (initiator)', () => {
  const offered = props(IKE, 'aes128-aes256-sha256-sha1-ecp256-x25519', 'aes256gcm16-prfsha384-ecp384');
  const t = (type: number, id: number, keyLength?: number): TransformSpec =>
    keyLength === undefined ? { type, id } : { type, id, keyLength };
  const answer = (num: number, ...transforms: TransformSpec[]): Proposal => ({
    num,
    protocolId: IKE,
    spi: new Uint8Array(0),
    transforms,
  });
  const good = answer(
    1,
    t(ENCR, EncrId.AES_CBC, 256),
    t(PRF, PrfId.HMAC_SHA1),
    t(INTEG, IntegId.HMAC_SHA2_256_128),
    t(KE, KeId.CURVE_25519),
  );

  it('accepts one transform per type, each offered in that proposal', () => {
    expect(checkProposalResponse(offered, [good])).toEqual({ ok: true, value: good });
    const aead = answer(2, t(ENCR, EncrId.AES_GCM_16, 256), t(PRF, PrfId.HMAC_SHA2_384), t(KE, KeId.ECP_384));
    expect(checkProposalResponse(offered, [aead]).ok).toBe(true);
  });

  const bad: [string, Proposal[], string][] = [
    ['two proposals', [good, { ...good, num: 2 }], 'NOT_ONE_PROPOSAL'],
    ['no proposal', [], 'NOT_ONE_PROPOSAL'],
    ['unknown number', [{ ...good, num: 3 }], 'UNKNOWN_PROPOSAL_NUM'],
    ['other protocol', [{ ...good, protocolId: ESP }], 'PROTOCOL_MISMATCH'],
    ['two of a type', [answer(1, ...good.transforms, t(KE, KeId.ECP_256))], 'DUPLICATE_TYPE'],
    [
      'transform not offered',
      [answer(1, t(ENCR, EncrId.AES_CTR, 128), ...good.transforms.slice(1))],
      'NOT_OFFERED',
    ],
    [
      'key length not offered',
      [answer(1, t(ENCR, EncrId.AES_CBC, 192), ...good.transforms.slice(1))],
      'NOT_OFFERED',
    ],
    [
      'Key Length attribute missing',
      [answer(1, t(ENCR, EncrId.AES_CBC), ...good.transforms.slice(1))],
      'NOT_OFFERED',
    ],
    [
      'offered in another proposal only',
      [answer(1, t(ENCR, EncrId.AES_GCM_16, 256), t(PRF, PrfId.HMAC_SHA2_256), t(KE, KeId.ECP_256))],
      'NOT_OFFERED',
    ],
    ['KE missing', [answer(1, ...good.transforms.slice(0, 3))], 'MISSING_TYPE'],
    [
      'integrity missing',
      [answer(1, t(ENCR, EncrId.AES_CBC, 128), t(PRF, PrfId.HMAC_SHA1), t(KE, KeId.ECP_256))],
      'MISSING_TYPE',
    ],
    [
      'unknown attribute',
      [
        answer(
          1,
          {
            ...t(ENCR, EncrId.AES_CBC, 128),
            otherAttributes: [{ attrType: 17, value: Uint8Array.of(1) }],
          } as WireTransform,
          ...good.transforms.slice(1),
        ),
      ],
      'UNKNOWN_ATTRIBUTE',
    ],
  ];
  it.each(bad)('rejects: %s', (_name, response, code) => {
    const r = checkProposalResponse(offered, response);
    expect(r.ok || r.error.code).toBe(code);
  });

  it('rejects AEAD with integrity (RFC 5282 §8) even when we listed both', () => {
    const sloppy: Proposal = {
      ...offered[1]!,
      transforms: [...offered[1]!.transforms, t(INTEG, IntegId.HMAC_SHA2_256_128)],
    };
    const r = checkProposalResponse(
      [offered[0]!, sloppy],
      [
        answer(
          2,
          t(ENCR, EncrId.AES_GCM_16, 256),
          t(PRF, PrfId.HMAC_SHA2_384),
          t(INTEG, IntegId.HMAC_SHA2_256_128),
          t(KE, KeId.ECP_384),
        ),
      ],
    );
    expect(r.ok || r.error.code).toBe('AEAD_WITH_INTEG');
  });

  it('handles ESP KE: absent in IKE_AUTH, required for PFS, optional with modpnone', () => {
    const pfs = props(ESP, 'aes128-sha256-ecp256');
    const noKe = answer(
      1,
      t(ENCR, EncrId.AES_CBC, 128),
      t(INTEG, IntegId.HMAC_SHA2_256_128),
      t(ESN, EsnId.NO_ESN),
    );
    const espNoKe = { ...noKe, protocolId: ESP };
    const espKe = { ...espNoKe, transforms: [...espNoKe.transforms, t(KE, KeId.ECP_256)] };
    expect(checkProposalResponse(pfs, [espNoKe], { ignoreKe: true }).ok).toBe(true);
    expect(checkProposalResponse(pfs, [espKe], { ignoreKe: true }).ok).toBe(false);
    expect(checkProposalResponse(pfs, [espKe]).ok).toBe(true);
    const r = checkProposalResponse(pfs, [espNoKe]);
    expect(r.ok || r.error.code).toBe('MISSING_TYPE');
    expect(checkProposalResponse(props(ESP, 'aes128-sha256-ecp256-none'), [espNoKe]).ok).toBe(true);
    const noEsn = { ...espNoKe, transforms: espNoKe.transforms.filter((x) => x.type !== ESN) };
    const e = checkProposalResponse(props(ESP, 'aes128-sha256'), [noEsn]);
    expect(e.ok || e.error.code).toBe('MISSING_TYPE');
  });
});

describe('invalidKeGroup (IKE_SA_INIT, RFC 7296 §1.2)', () => {
  const p = one(IKE, 'aes128-sha256-ecp256');
  it('is undefined when the KE payload matches the chosen group', () => {
    expect(invalidKeGroup(p, KeId.ECP_256)).toBeUndefined();
  });
  it('names the selected group for INVALID_KE_PAYLOAD otherwise', () => {
    expect(invalidKeGroup(p, KeId.CURVE_25519)).toBe(KeId.ECP_256);
  });
  it('follows from selection: offer x25519+ecp256 with an ecp256 KE payload, we prefer x25519', () => {
    const r = selectProposal(
      props(IKE, 'aes128-sha256-ecp256-x25519'),
      props(IKE, 'aes128-sha256-x25519-ecp256'),
    );
    expect(r.ok && invalidKeGroup(r.value, KeId.ECP_256)).toBe(KeId.CURVE_25519);
    const r2 = selectProposal(
      props(IKE, 'aes128-sha256-ecp256-x25519'),
      props(IKE, 'aes128-sha256-x25519-ecp256'),
      {
        keGroup: KeId.ECP_256,
      },
    );
    expect(r2.ok && invalidKeGroup(r2.value, KeId.ECP_256)).toBeUndefined();
  });
});

describe('selection properties', () => {
  const kws = (type: number, filter: (k: string) => boolean = () => true) =>
    [...KEYWORDS.keys()].filter((k) => KEYWORDS.get(k)?.type === type && filter(k));
  const pick = (xs: string[]) => fc.uniqueArray(fc.constantFrom(...xs), { minLength: 1, maxLength: 3 });
  const classic = kws(ENCR, (k) => /^aes\d+(ctr)?$/.test(k));
  const aead = kws(ENCR, (k) => /^(aes\d+(gcm|ccm)(8|12|16)|chacha20poly1305)$/.test(k));
  const ikeText = fc.oneof(
    fc
      .tuple(pick(classic), pick(kws(INTEG)), pick(kws(KE, (k) => !k.includes('none'))))
      .map((xs) => xs.flat().join('-')),
    fc
      .tuple(pick(aead), pick(kws(PRF)), pick(kws(KE, (k) => !k.includes('none'))))
      .map((xs) => xs.flat().join('-')),
  );
  const ikeList = fc.array(ikeText, { minLength: 1, maxLength: 3 }).map((ts) => props(IKE, ...ts));

  it('a selected proposal passes the initiator check and resolves to a suite', () => {
    fc.assert(
      fc.property(ikeList, ikeList, fc.constantFrom('configured', 'peer'), (offered, configured, prefer) => {
        const r = selectProposal(offered, configured, { prefer: prefer as 'configured' | 'peer' });
        if (!r.ok) return true;
        return checkProposalResponse(offered, [r.value]).ok && negotiatedSuite(r.value).ok;
      }),
    );
  });

  it('selecting a proposal list against itself always succeeds with its first proposal', () => {
    fc.assert(
      fc.property(ikeList, (list) => {
        const r = selectProposal(list, list);
        return r.ok && r.value.num === 1;
      }),
    );
  });
});
