/**
 * PRF known-answer tests, run against every provider: RFC 2202 §3 (PRF_HMAC_SHA1), RFC 4231 §4
 * test cases 1-4, 6, 7 and RFC 4868 §2.7.2 (PRF_HMAC_SHA2_*, full output), RFC 3566 §4.6 and
 * RFC 4434 §2.1 (PRF_AES128_XCBC), RFC 4493 §4 and RFC 4615 §4 (PRF_AES128_CMAC).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PrfId } from '../../../ipsec/crypto/ids.js';
import { mustPrf, PRF_TRANSFORMS } from '../../../ipsec/crypto/transforms.js';
import type { PrfTransform } from '../../../ipsec/crypto/types.js';
import { concatBytes, fromHex, toHex, utf8 } from '../../../ipsec/util/bytes.js';
import { PROVIDERS } from '../../support/providers.js';

interface PrfVector {
  readonly source: string;
  readonly prf: number;
  readonly key: Uint8Array;
  readonly data: Uint8Array;
  readonly output: string;
}

const rep = (byte: number, n: number) => new Uint8Array(n).fill(byte);
const seq = (from: number, to: number) => Uint8Array.from({ length: to - from + 1 }, (_, i) => from + i);

const RFC2202_SHA1: readonly [Uint8Array, Uint8Array, string][] = [
  [rep(0x0b, 20), utf8('Hi There'), 'b617318655057264e28bc0b6fb378c8ef146be00'],
  [utf8('Jefe'), utf8('what do ya want for nothing?'), 'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79'],
  [rep(0xaa, 20), rep(0xdd, 50), '125d7342b9ac11cd91a39af48aa17b4f63f175d3'],
  [seq(0x01, 0x19), rep(0xcd, 50), '4c9007f4026250c6bc8414f9bf50c86c2d7235da'],
  [rep(0x0c, 20), utf8('Test With Truncation'), '4c1a03424b55e07fe7f27be1d58bb9324a9a5a04'],
  [
    rep(0xaa, 80),
    utf8('Test Using Larger Than Block-Size Key - Hash Key First'),
    'aa4ae5e15272d00e95705637ce8a3b55ed402112',
  ],
  [
    rep(0xaa, 80),
    utf8('Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data'),
    'e8e99d0f45237d786d6bbaa7965c7808bbff1a91',
  ],
];

/** RFC 4231 §4.2-§4.8 inputs for test cases 1, 2, 3, 4, 6, 7 (case 5 is a truncation test). */
const RFC4231_CASES: readonly [number, Uint8Array, Uint8Array][] = [
  [1, rep(0x0b, 20), utf8('Hi There')],
  [2, utf8('Jefe'), utf8('what do ya want for nothing?')],
  [3, rep(0xaa, 20), rep(0xdd, 50)],
  [4, seq(0x01, 0x19), rep(0xcd, 50)],
  [6, rep(0xaa, 131), utf8('Test Using Larger Than Block-Size Key - Hash Key First')],
  [
    7,
    rep(0xaa, 131),
    utf8(
      'This is a test using a larger than block-size key and a larger than block-size data. ' +
        'The key needs to be hashed before being used by the HMAC algorithm.',
    ),
  ],
];

const RFC4231_OUTPUTS: Record<'sha256' | 'sha384' | 'sha512', readonly string[]> = {
  sha256: [
    'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
    '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe',
    '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b',
    '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
  ],
  sha384: [
    'afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6',
    'af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649',
    '88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b2a5ab39dc13814b94e3ab6e101a34f27',
    '3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e6801dd23c4a7d679ccf8a386c674cffb',
    '4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952',
    '6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5a678cc31e799176d3860e6110c46523e',
  ],
  sha512: [
    '87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854',
    '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737',
    'fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb',
    'b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3dba91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd',
    '80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598',
    'e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58',
  ],
};

const HMAC_SHA2 = [
  { hash: 'sha256', prf: PrfId.HMAC_SHA2_256, bits: 256 },
  { hash: 'sha384', prf: PrfId.HMAC_SHA2_384, bits: 384 },
  { hash: 'sha512', prf: PrfId.HMAC_SHA2_512, bits: 512 },
] as const;

/** RFC 4868 §2.7.2: authenticator vectors, keys as long as the hash output (full HMAC listed). */
const RFC4868_AUTH: Record<'sha256' | 'sha384' | 'sha512', { key4: Uint8Array; outputs: readonly string[] }> =
  {
    sha256: {
      key4: seq(0x01, 0x20),
      outputs: [
        '198a607eb44bfbc69903a0f1cf2bbdc5ba0aa3f3d9ae3c1c7a3b1696a0b68cf7',
        '167f928588c5cc2eef8e3093caa0e87c9ff566a14794aa61648d81621a2a40c6',
        'cdcb1220d1ecccea91e53aba3092f962e549fe6ce9ed7fdc43191fbde45c30b0',
        '372efcf9b40b35c2115b1346903d2ef42fced46f0846e7257bb156d3d7b30d3f',
      ],
    },
    sha384: {
      key4: concatBytes(seq(0x01, 0x20), seq(0x0a, 0x19)),
      outputs: [
        'b6a8d5636f5c6a7224f9977dcf7ee6c7fb6d0c48cbdee9737a959796489bddbc4c5df61d5b3297b4fb68dab9f1b582c2',
        '2c7353974f1842fd66d53c452ca42122b28c0b594cfb184da86a368e9b8e16f5349524ca4e82400cbde0686d403371c9',
        '809f439be00274321d4a538652164b53554a508184a0c3160353e3428597003d35914a18770f9443987054944b7c4b4a',
        '5b540085c6e6358096532b2493609ed1cb298f774f87bb5c2ebf182c83cc7428707fb92eab2536a5812258228bc96687',
      ],
    },
    sha512: {
      key4: seq(0x01, 0x40),
      outputs: [
        '637edc6e01dce7e6742a99451aae82df23da3e92439e590e43e761b33e910fb8ac2878ebd5803f6f0b61dbce5e251ff8789a4722c1be65aea45fd464e89f8f5b',
        'cb370917ae8a7ce28cfd1d8f4705d6141c173b2a9362c15df235dfb251b154546aa334ae9fb9afc2184932d8695e397bfa0ffb93466cfcceaae38c833b7dba38',
        '2ee7acd783624ca9398710f3ee05ae41b9f9b0510c87e49e586cc9bf961733d8623c7b55cebefccf02d5581acc1c9d5fb1ff68a1de45509fbe4da9a433922655',
        '5e6688e5a3daec826ca32eaea224eff5e700628947470e13ad01302561bab108b8c48cbc6b807dcfbd850521a685babc7eae4a2a2e660dc0e86b931d65503fd2',
      ],
    },
  };

const AUTH_DATA = [utf8('Hi There'), utf8('what do ya want for nothing?'), rep(0xdd, 50), rep(0xcd, 50)];

/** RFC 4434 §2.1 and RFC 4615 §4: one message, keys of 16, 10 and 18 bytes. */
const PRF_MESSAGE = seq(0x00, 0x13);
const RFC4493_KEY = fromHex('2b7e1516 28aed2a6 abf71588 09cf4f3c');
const RFC4493_M = fromHex(`6bc1bee2 2e409f96 e93d7e11 7393172a ae2d8a57 1e03ac9c 9eb76fac 45af8e51
                           30c81c46 a35ce411 e5fbc119 1a0a52ef f69f2445 df4f9b17 ad2b417b e66c3710`);

const VECTORS: readonly PrfVector[] = [
  ...RFC2202_SHA1.map(([key, data, output], i) => ({
    source: `RFC 2202 §3 HMAC-SHA-1 test_case ${i + 1}`,
    prf: PrfId.HMAC_SHA1,
    key,
    data,
    output,
  })),
  ...HMAC_SHA2.flatMap(({ hash, prf, bits }) => [
    ...RFC4231_CASES.map(([n, key, data], i) => ({
      source: `RFC 4231 §4 Test Case ${n} (HMAC-SHA-${bits})`,
      prf,
      key,
      data,
      output: RFC4231_OUTPUTS[hash][i]!,
    })),
    ...RFC4868_AUTH[hash].outputs.map((output, i) => ({
      source: `RFC 4868 §2.7.2 AUTH${bits}-${i + 1} (full PRF-HMAC-SHA-${bits})`,
      prf,
      key: [
        rep(0x0b, bits / 8),
        utf8('Jefe'.repeat(bits / 32)),
        rep(0xaa, bits / 8),
        RFC4868_AUTH[hash].key4,
      ][i]!,
      data: AUTH_DATA[i]!,
      output,
    })),
  ]),
  // RFC 3566 §4.6: the full 128-bit AES-XCBC-MAC is the PRF output for a 16-byte key (RFC 4434 §2).
  ...[
    { n: 1, data: new Uint8Array(0), output: '75f0251d528ac01c4573dfd584d79f29' },
    { n: 2, data: seq(0x00, 0x02), output: '5b376580ae2f19afe7219ceef172756f' },
    { n: 3, data: seq(0x00, 0x0f), output: 'd2a246fa349b68a79998a4394ff7a263' },
    { n: 4, data: seq(0x00, 0x13), output: '47f51b4564966215b8985c63055ed308' },
    { n: 5, data: seq(0x00, 0x1f), output: 'f54f0ec8d2b9f3d36807734bd5283fd4' },
    { n: 6, data: seq(0x00, 0x21), output: 'becbb3bccdb518a30677d5481fb6b4d8' },
    { n: 7, data: new Uint8Array(1000), output: 'f0dafee895db30253761103b5d84528f' },
  ].map(({ n, data, output }) => ({
    source: `RFC 3566 §4.6 Test Case #${n} (${data.length}-byte input, full AES-XCBC-MAC)`,
    prf: PrfId.AES128_XCBC,
    key: seq(0x00, 0x0f),
    data,
    output,
  })),
  ...[
    { key: '000102030405060708090a0b0c0d0e0f', output: '47f51b4564966215b8985c63055ed308' },
    { key: '00010203040506070809', output: '0fa087af7d866e7653434e602fdde835' },
    { key: '000102030405060708090a0b0c0d0e0fedcb', output: '8cd3c93ae598a9803006ffb67c40e9e4' },
  ].map(({ key, output }) => ({
    source: `RFC 4434 §2.1 AES-XCBC-PRF-128, key length ${key.length / 2}`,
    prf: PrfId.AES128_XCBC,
    key: fromHex(key),
    data: PRF_MESSAGE,
    output,
  })),
  // RFC 4493 §4: the full AES-CMAC is the PRF output for a 16-byte key (RFC 4615 §3).
  ...[
    { len: 0, output: 'bb1d6929e95937287fa37d129b756746' },
    { len: 16, output: '070a16b46b4d4144f79bdd9dd04a287c' },
    { len: 40, output: 'dfa66747de9ae63030ca32611497c827' },
    { len: 64, output: '51f0bebf7e3b9d92fc49741779363cfe' },
  ].map(({ len, output }) => ({
    source: `RFC 4493 §4 AES-CMAC, len = ${len}`,
    prf: PrfId.AES128_CMAC,
    key: RFC4493_KEY,
    data: RFC4493_M.subarray(0, len),
    output,
  })),
  ...[
    { key: '000102030405060708090a0b0c0d0e0fedcb', output: '84a348a4a45d235babfffc0d2b4da09a' },
    { key: '000102030405060708090a0b0c0d0e0f', output: '980ae87b5f4c9c5214f5b6a8455e4c2d' },
    { key: '00010203040506070809', output: '290d9e112edb09ee141fcf64c0b72f3d' },
  ].map(({ key, output }) => ({
    source: `RFC 4615 §4 AES-CMAC-PRF-128, key length ${key.length / 2}`,
    prf: PrfId.AES128_CMAC,
    key: fromHex(key),
    data: PRF_MESSAGE,
    output,
  })),
];

describe.each(PROVIDERS)('$name provider: PRFs', (provider) => {
  it.each(VECTORS)('$source', (v) => {
    const transform = mustPrf(v.prf);
    const key = v.key.slice();
    const data = v.data.slice();
    const out = provider.prf(transform).compute(key, data);
    expect(toHex(out)).toBe(v.output);
    expect(out.length).toBe(transform.outputLength);
    // Inputs are left untouched (derived keys are wiped, never the caller's).
    expect(toHex(key)).toBe(toHex(v.key));
    expect(toHex(data)).toBe(toHex(v.data));
  });

  describe.each(PRF_TRANSFORMS)('$name', (transform) => {
    it('takes keys of any length and returns outputLength bytes', () => {
      const prf = provider.prf(transform);
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 }), (key, data) => {
          const out = prf.compute(key, data);
          expect(out.length).toBe(transform.outputLength);
          expect(toHex(prf.compute(key, data))).toBe(toHex(out));
        }),
        { numRuns: 30 },
      );
    });

    it('keeps no key between calls', () => {
      const prf = provider.prf(transform);
      const data = utf8('Ni | Nr');
      const a = prf.compute(rep(0x01, transform.keyLength), data);
      const b = prf.compute(rep(0x02, transform.keyLength), data);
      expect(toHex(a)).not.toBe(toHex(b));
      expect(toHex(prf.compute(rep(0x01, transform.keyLength), data))).toBe(toHex(a));
    });
  });

  it('PRF_AES128_XCBC zero-pads a short key (RFC 4434 §2)', () => {
    const prf = provider.prf(mustPrf(PrfId.AES128_XCBC));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 15 }), fc.uint8Array({ maxLength: 40 }), (key, data) => {
        const padded = new Uint8Array(16);
        padded.set(key);
        expect(toHex(prf.compute(key, data))).toBe(toHex(prf.compute(padded, data)));
      }),
      { numRuns: 30 },
    );
  });

  it('PRF_AES128_CMAC shortens any key that is not 128 bits with AES-CMAC(0^128, key) (RFC 4615 §3)', () => {
    const prf = provider.prf(mustPrf(PrfId.AES128_CMAC));
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 40 }).filter((k) => k.length !== 16),
        fc.uint8Array({ maxLength: 40 }),
        (key, data) => {
          const derived = prf.compute(new Uint8Array(16), key);
          expect(toHex(prf.compute(key, data))).toBe(toHex(prf.compute(derived, data)));
        },
      ),
      { numRuns: 30 },
    );
  });

  it('rejects a transform it does not implement', () => {
    const md5: PrfTransform = {
      type: 'prf',
      id: PrfId.HMAC_MD5,
      name: 'PRF_HMAC_MD5',
      keyLength: 16,
      outputLength: 16,
    };
    expect(() => provider.prf(md5)).toThrowError(expect.objectContaining({ code: 'UNSUPPORTED_TRANSFORM' }));
  });
});
