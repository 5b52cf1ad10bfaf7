/**
 * The generic CCM mode under the noble RFC 4309 transform (ipsec/crypto/noble/encr-ccm.ts),
 * against published vectors for nonce and tag sizes the IPsec transforms do not use: they
 * check the B_0 flags (tag length, q), the associated-data length encoding and the counter
 * blocks for every formatting branch that RFC 4309 relies on.
 */
import { describe, expect, it } from 'vitest';
import { CryptoError } from '../../../ipsec/crypto/errors.js';
import { ccmCore } from '../../../ipsec/crypto/noble/encr-ccm.js';
import { fromHex, toHex } from '../../../ipsec/util/bytes.js';

const range = (from: number, to: number): string =>
  toHex(Uint8Array.from({ length: to - from + 1 }, (_, i) => from + i));

/** [source, key, nonce, aad, plaintext, ciphertext || tag, tag length] */
type Case = [string, string, string, string, string, string, number];

const CASES: readonly Case[] = [
  // NIST SP 800-38C Appendix C, Examples 1-3.
  [
    'SP 800-38C C.1',
    range(0x40, 0x4f),
    range(0x10, 0x16),
    range(0x00, 0x07),
    range(0x20, 0x23),
    '7162015b4dac255d',
    4,
  ],
  [
    'SP 800-38C C.2',
    range(0x40, 0x4f),
    range(0x10, 0x17),
    range(0x00, 0x0f),
    range(0x20, 0x2f),
    'd2a1f0e051ea5f62081a7792073d593d1fc64fbfaccd',
    6,
  ],
  [
    'SP 800-38C C.3',
    range(0x40, 0x4f),
    range(0x10, 0x1b),
    range(0x00, 0x13),
    range(0x20, 0x37),
    'e3b201a9f5b71a7a9b1ceaeccd97e70b6176aad9a4428aa5484392fbc1b09951',
    8,
  ],
  // RFC 3610 §8, Packet Vectors #1-#3 (13-byte nonce, M = 8, 8-byte header as AAD).
  [
    'RFC 3610 #1',
    range(0xc0, 0xcf),
    '00000003020100a0a1a2a3a4a5',
    range(0x00, 0x07),
    range(0x08, 0x1e),
    '588c979a61c663d2f066d0c2c0f989806d5f6b61dac38417e8d12cfdf926e0',
    8,
  ],
  [
    'RFC 3610 #2',
    range(0xc0, 0xcf),
    '00000004030201a0a1a2a3a4a5',
    range(0x00, 0x07),
    range(0x08, 0x1f),
    '72c91a36e135f8cf291ca894085c87e3cc15c439c9e43a3ba091d56e10400916',
    8,
  ],
  [
    'RFC 3610 #3',
    range(0xc0, 0xcf),
    '00000005040302a0a1a2a3a4a5',
    range(0x00, 0x07),
    range(0x08, 0x20),
    '51b1e5f44a197d1da46b0f8e2d282ae871e838bb64da8596574adaa76fbd9fb0c5',
    8,
  ],
  // Wycheproof aes_ccm_test.json: 12-byte nonce with 8-byte (tc 322-325) and 12-byte (tc 338-341) tags.
  [
    'Wycheproof tc 322',
    '22ed64b5b94a3c4116d02b4fbd4e5881',
    'f498fd65dab234520de52920',
    '',
    '94b03b07772b70562bc729505b4ad426',
    '4c4dfe9711b320264f3a57ecdcd59850b13aea2980767fd7',
    8,
  ],
  [
    'Wycheproof tc 323',
    'ea5a915fd7be0aaf14b88f5dc4fd719a',
    'aeecf19f7d3379ee55ba6468',
    '13791aad5812a362291a4f6d63687d33',
    'd313e09cd48b06f16ef9178e42624bd0',
    'f9bc9a66186b6a60035d144dfb34c4af2fb637ff91d6fd9e',
    8,
  ],
  [
    'Wycheproof tc 324',
    '89121103c350e29f7cd580f05bbfeaac',
    'f6d6e802abdf43230030a896',
    '',
    '636840ffbc66191bc37bf2e6bddf28bda9',
    'c6912062548dba55e6184e8f507d7f9c7d1b300de35538c252',
    8,
  ],
  [
    'Wycheproof tc 325',
    '03ad5f472b978c5f72b7b1c29080374c',
    '770dcc2ea1c2d9f6c904947d',
    '972c90e387f0af936b1c9db0ebfebbe9',
    '78470511caf12cb882628092bb573bde8c',
    '3fb22c2c366c0a46ba1640eccb544dbdd23ec7c4888a1288fc',
    8,
  ],
  [
    'Wycheproof tc 338',
    'f363f1a7d33c96949fd08f440cfba000',
    '67b92007f57b83fd9f3ee6fa',
    '',
    'a651d2ca4b16980b0e4a7a10c75c47ed',
    '20c2a2f18d0753acd36e2049851495284a4422d3b99c8d77dbde2ab2',
    12,
  ],
  [
    'Wycheproof tc 339',
    '6b7489d158f377e6692d84a97727ff41',
    '9ac091ef05d0ce7428827ed3',
    '38469f1049a7ea3da0551cfb34010bf6',
    '352dbd5bb8abf0a097b929160b8f8cec',
    '00d3948bac8572ed1ed59c2655b769f7323ba1c806f3eac673015a88',
    12,
  ],
  [
    'Wycheproof tc 340',
    '38d4d27c30834968b5285b99ac18734a',
    '183ae352d9c340ee6167c3b6',
    '',
    'f153d01c5b9ab202455687537e8352d294',
    '3ca262d92db8404d5db0e55cccddff065bd27ad6866ea92ba2680dceef',
    12,
  ],
  [
    'Wycheproof tc 341',
    '74b9756cb2ac6361ce9d684477b8d0c9',
    'c2606fc964b613a0b153fc0f',
    'dce9309cf71ced35eb220c709fddc414',
    '66f3216911748038f91432344914ee8a35',
    'c8aee8330a37ca706f476f774ff35700cab37e7e62d0b1aeab2678bcf3',
    12,
  ],
  // Wycheproof: 7-byte nonce (q = 8, tc 199) and 13-byte nonce (q = 2, tc 265), 16-byte tags.
  [
    'Wycheproof tc 199',
    '5b49d67b0a74e3f39e8d0bac6a005040',
    'b9bbb9ae003b08',
    'aadceda44e5d2323',
    'fe66e359d340ec00241736c2a6789002',
    'a441e2eb458f8a6f2ac75627ab1085ef5c545181685279652187819aa6d15b86',
    16,
  ],
  [
    'Wycheproof tc 265',
    'f258d33f1f1f3aade5103d56c4357b7a4f8dd205e460658e',
    '14a9ed9539525f540d9a46af69',
    'b67196ee87890f55',
    'f222fdfd343b57a70d002d14a39cae59',
    'd27cda7ada5638db59945a31d93ef243c2c64dd8b08e7b4b1ce60d5b96832989',
    16,
  ],
];

describe('CCM core (SP 800-38C formatting)', () => {
  it.each(CASES.map(([name, ...rest]) => ({ name, rest })))('$name', ({ rest: [k, n, a, p, c, t] }) => {
    const core = ccmCore(fromHex(k), t);
    const nonce = fromHex(n);
    const aad = fromHex(a);
    const sealed = core.seal(nonce, aad, fromHex(p));
    expect(toHex(sealed)).toBe(c);
    const opened = core.open(nonce, aad, sealed);
    expect(opened && toHex(opened)).toBe(p);
    const forged = sealed.slice();
    forged[0]! ^= 1;
    expect(core.open(nonce, aad, forged)).toBeUndefined();
  });

  it('encodes long associated data with the 0xfffe prefix (SP 800-38C §A.2.2)', () => {
    // 2^16 - 2^8 bytes is the first length that needs the six-octet form; round trip plus
    // rejection of a one-byte-shorter AAD show both sides use the same encoding.
    const core = ccmCore(new Uint8Array(16), 16);
    const nonce = new Uint8Array(11);
    const aad = new Uint8Array(0xff00).fill(0x5a);
    const sealed = core.seal(nonce, aad, fromHex('00112233'));
    expect(toHex(core.open(nonce, aad, sealed) ?? new Uint8Array(0))).toBe('00112233');
    expect(core.open(nonce, aad.subarray(1), sealed)).toBeUndefined();
  });

  it('rejects payloads a short length field cannot encode, and bad parameters', () => {
    const core = ccmCore(new Uint8Array(16), 8);
    const nonce13 = new Uint8Array(13); // q = 2: at most 65535 payload bytes
    expect(() => core.seal(nonce13, new Uint8Array(0), new Uint8Array(0x10000))).toThrow(CryptoError);
    expect(core.open(nonce13, new Uint8Array(0), new Uint8Array(0x10000 + 8))).toBeUndefined();
    expect(() => core.seal(new Uint8Array(6), new Uint8Array(0), new Uint8Array(1))).toThrow(CryptoError);
    expect(() => core.seal(new Uint8Array(14), new Uint8Array(0), new Uint8Array(1))).toThrow(CryptoError);
    expect(() => ccmCore(new Uint8Array(16), 7)).toThrow(CryptoError);
    expect(() => ccmCore(new Uint8Array(20), 8)).toThrow(CryptoError);
  });
});
