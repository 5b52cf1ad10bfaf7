/**
 * Integrity transform known-answer tests, run against every provider:
 * RFC 2202 §3 (HMAC-SHA1, truncated per RFC 2404), RFC 4868 §2.7.2 (HMAC-SHA2 authenticator
 * vectors), RFC 3566 §4.6 (AES-XCBC-MAC-96), RFC 4494 §4 (AES-CMAC-96 on the RFC 4493 §4
 * examples); then key-length checks and verify() rejections.
 */
import { cmac, ecb } from '@noble/ciphers/aes.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CryptoError } from '../../../ipsec/crypto/errors.js';
import { IntegId } from '../../../ipsec/crypto/ids.js';
import { seededRandom } from '../../../ipsec/crypto/random.js';
import { INTEG_TRANSFORMS, mustInteg } from '../../../ipsec/crypto/transforms.js';
import type { IntegTransform } from '../../../ipsec/crypto/types.js';
import { concatBytes, fromHex, toHex, utf8 } from '../../../ipsec/util/bytes.js';
import { PROVIDERS } from '../../support/providers.js';

interface MacVector {
  readonly source: string;
  readonly integ: number;
  readonly key: Uint8Array;
  readonly data: Uint8Array;
  /** The truncated ICV as listed in the RFC. */
  readonly icv: string;
}

const rep = (byte: number, n: number) => new Uint8Array(n).fill(byte);
const seq = (from: number, to: number) => Uint8Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** RFC 4868 §2.7.2: the four authenticator keys of each size. */
const authKeys = (n: number) => [rep(0x0b, n), utf8('Jefe'.repeat(n / 4)), rep(0xaa, n)];
const AUTH_DATA = [utf8('Hi There'), utf8('what do ya want for nothing?'), rep(0xdd, 50), rep(0xcd, 50)];

const RFC3566_KEY = seq(0x00, 0x0f);
const RFC4493_KEY = fromHex('2b7e1516 28aed2a6 abf71588 09cf4f3c');
/** NIST SP 800-38A plaintext blocks, the RFC 4493 §4 messages. */
const RFC4493_M = fromHex(`6bc1bee2 2e409f96 e93d7e11 7393172a ae2d8a57 1e03ac9c 9eb76fac 45af8e51
                           30c81c46 a35ce411 e5fbc119 1a0a52ef f69f2445 df4f9b17 ad2b417b e66c3710`);

const VECTORS: readonly MacVector[] = [
  // RFC 2202 §3: the HMAC-SHA-1 cases whose key is the 20 bytes RFC 2404 §3 requires.
  ...[
    { n: 1, key: rep(0x0b, 20), data: utf8('Hi There'), icv: 'b617318655057264e28bc0b6' },
    { n: 3, key: rep(0xaa, 20), data: rep(0xdd, 50), icv: '125d7342b9ac11cd91a39af4' },
    { n: 5, key: rep(0x0c, 20), data: utf8('Test With Truncation'), icv: '4c1a03424b55e07fe7f27be1' },
  ].map(({ n, key, data, icv }) => ({
    source: `RFC 2202 §3 test_case ${n} (HMAC-SHA-1-96)`,
    integ: IntegId.HMAC_SHA1_96,
    key,
    data,
    icv,
  })),
  // RFC 4868 §2.7.2.1 (HMAC-SHA-256-128)
  ...[
    '198a607eb44bfbc69903a0f1cf2bbdc5',
    '167f928588c5cc2eef8e3093caa0e87c',
    'cdcb1220d1ecccea91e53aba3092f962',
    '372efcf9b40b35c2115b1346903d2ef4',
  ].map((icv, i) => ({
    source: `RFC 4868 §2.7.2.1 AUTH256-${i + 1}`,
    integ: IntegId.HMAC_SHA2_256_128,
    key: [...authKeys(32), seq(0x01, 0x20)][i]!,
    data: AUTH_DATA[i]!,
    icv,
  })),
  // RFC 4868 §2.7.2.2 (HMAC-SHA-384-192)
  ...[
    'b6a8d5636f5c6a7224f9977dcf7ee6c7fb6d0c48cbdee973',
    '2c7353974f1842fd66d53c452ca42122b28c0b594cfb184d',
    '809f439be00274321d4a538652164b53554a508184a0c316',
    '5b540085c6e6358096532b2493609ed1cb298f774f87bb5c',
  ].map((icv, i) => ({
    source: `RFC 4868 §2.7.2.2 AUTH384-${i + 1}`,
    integ: IntegId.HMAC_SHA2_384_192,
    key: [...authKeys(48), concatBytes(seq(0x01, 0x20), seq(0x0a, 0x19))][i]!,
    data: AUTH_DATA[i]!,
    icv,
  })),
  // RFC 4868 §2.7.2.3 (HMAC-SHA-512-256)
  ...[
    '637edc6e01dce7e6742a99451aae82df23da3e92439e590e43e761b33e910fb8',
    'cb370917ae8a7ce28cfd1d8f4705d6141c173b2a9362c15df235dfb251b15454',
    '2ee7acd783624ca9398710f3ee05ae41b9f9b0510c87e49e586cc9bf961733d8',
    '5e6688e5a3daec826ca32eaea224eff5e700628947470e13ad01302561bab108',
  ].map((icv, i) => ({
    source: `RFC 4868 §2.7.2.3 AUTH512-${i + 1}`,
    integ: IntegId.HMAC_SHA2_512_256,
    key: [...authKeys(64), seq(0x01, 0x40)][i]!,
    data: AUTH_DATA[i]!,
    icv,
  })),
  // RFC 3566 §4.6 test cases #1-#7 (AES-XCBC-MAC-96 lines)
  ...[
    { n: 1, data: new Uint8Array(0), icv: '75f0251d528ac01c4573dfd5' },
    { n: 2, data: seq(0x00, 0x02), icv: '5b376580ae2f19afe7219cee' },
    { n: 3, data: seq(0x00, 0x0f), icv: 'd2a246fa349b68a79998a439' },
    { n: 4, data: seq(0x00, 0x13), icv: '47f51b4564966215b8985c63' },
    { n: 5, data: seq(0x00, 0x1f), icv: 'f54f0ec8d2b9f3d36807734b' },
    { n: 6, data: seq(0x00, 0x21), icv: 'becbb3bccdb518a30677d548' },
    { n: 7, data: new Uint8Array(1000), icv: 'f0dafee895db30253761103b' },
  ].map(({ n, data, icv }) => ({
    source: `RFC 3566 §4.6 Test Case #${n} (${data.length}-byte input)`,
    integ: IntegId.AES_XCBC_96,
    key: RFC3566_KEY,
    data,
    icv,
  })),
  // RFC 4494 §4: AES-CMAC-96 of the RFC 4493 §4 examples
  ...[
    { len: 0, icv: 'bb1d6929e95937287fa37d12' },
    { len: 16, icv: '070a16b46b4d4144f79bdd9d' },
    { len: 40, icv: 'dfa66747de9ae63030ca3261' },
    { len: 64, icv: '51f0bebf7e3b9d92fc497417' },
  ].map(({ len, icv }) => ({
    source: `RFC 4494 §4 AES-CMAC-96 (RFC 4493 §4, len = ${len})`,
    integ: IntegId.AES_CMAC_96,
    key: RFC4493_KEY,
    data: RFC4493_M.subarray(0, len),
    icv,
  })),
];

const flipBit = (bytes: Uint8Array, bit: number): Uint8Array => {
  const out = bytes.slice();
  out[bit >> 3]! ^= 1 << (bit & 7);
  return out;
};

/** RFC 3566 §4 written out directly on AES-ECB, independently of the providers' code. */
function referenceXcbc(key: Uint8Array, data: Uint8Array): Uint8Array {
  const aes = (k: Uint8Array, block: Uint8Array) => ecb(k, { disablePadding: true }).encrypt(block);
  const xor = (a: Uint8Array, b: Uint8Array) => a.map((x, i) => x ^ b[i]!);
  const [k1, k2, k3] = [1, 2, 3].map((c) => aes(key, rep(c, 16))) as [Uint8Array, Uint8Array, Uint8Array];
  const n = Math.max(1, Math.ceil(data.length / 16));
  let e = new Uint8Array(16);
  for (let i = 0; i < n - 1; i++) e = aes(k1, xor(e, data.subarray(16 * i, 16 * i + 16)));
  const last = data.subarray(16 * (n - 1));
  const padded = new Uint8Array(16);
  padded.set(last);
  if (last.length < 16) padded[last.length] = 0x80;
  return aes(k1, xor(e, xor(padded, last.length === 16 ? k2 : k3)));
}

describe.each(PROVIDERS)('$name provider: integrity transforms', (provider) => {
  describe.each(VECTORS)('$source', (v) => {
    const transform = mustInteg(v.integ);

    it('computes the truncated ICV', () => {
      const icv = provider.mac(transform, v.key).compute(v.data);
      expect(icv.length).toBe(transform.icvLength);
      expect(toHex(icv)).toBe(v.icv);
    });

    it('verifies the published ICV', () => {
      expect(provider.mac(transform, v.key).verify(v.data, fromHex(v.icv))).toBe(true);
    });
  });

  describe.each(INTEG_TRANSFORMS)('$name', (transform) => {
    const random = seededRandom(`mac ${provider.name} ${transform.name}`);
    const key = random(transform.keyLength);

    it('checks the key length at construction', () => {
      for (const length of [0, transform.keyLength - 1, transform.keyLength + 1]) {
        expect(() => provider.mac(transform, new Uint8Array(length))).toThrowError(
          expect.objectContaining({ code: 'INVALID_KEY_LENGTH' }),
        );
        expect(() => provider.mac(transform, new Uint8Array(length))).toThrow(CryptoError);
      }
    });

    it('keeps no state between packets and depends on the key', () => {
      const mac = provider.mac(transform, key);
      const a = random(100);
      const b = random(1500);
      const first = mac.compute(a);
      mac.compute(b);
      expect(toHex(mac.compute(a))).toBe(toHex(first));
      expect(toHex(provider.mac(transform, key).compute(a))).toBe(toHex(first));
      expect(toHex(provider.mac(transform, flipBit(key, 0)).compute(a))).not.toBe(toHex(first));
    });

    it('rejects a flipped bit in the data or the ICV', () => {
      const mac = provider.mac(transform, key);
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 1, maxLength: 80 }), fc.nat(), fc.nat(), (data, i, j) => {
          const icv = mac.compute(data);
          expect(mac.verify(data, icv)).toBe(true);
          expect(mac.verify(flipBit(data, i % (data.length * 8)), icv)).toBe(false);
          expect(mac.verify(data, flipBit(icv, j % (icv.length * 8)))).toBe(false);
        }),
        { numRuns: 50 },
      );
    });

    it('rejects truncated and extended ICVs without throwing', () => {
      const mac = provider.mac(transform, key);
      const data = random(64);
      const icv = mac.compute(data);
      expect(mac.verify(data, icv.subarray(0, icv.length - 1))).toBe(false);
      expect(mac.verify(data, icv.subarray(0, 8))).toBe(false);
      expect(mac.verify(data, new Uint8Array(0))).toBe(false);
      expect(mac.verify(data, concatBytes(icv, new Uint8Array(1)))).toBe(false);
      expect(mac.verify(data, concatBytes(icv, random(4)))).toBe(false);
      expect(mac.verify(data, new Uint8Array(transform.icvLength))).toBe(false);
      expect(mac.verify(data, icv)).toBe(true);
    });
  });

  it('matches AES-CMAC (RFC 4493) truncated to 96 bits for any key and message', () => {
    const transform = mustInteg(IntegId.AES_CMAC_96);
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ maxLength: 100 }),
        (key, data) => {
          const expected = cmac(data, key).subarray(0, 12);
          expect(toHex(provider.mac(transform, key).compute(data))).toBe(toHex(expected));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('matches a direct RFC 3566 computation for any key and message', () => {
    const transform = mustInteg(IntegId.AES_XCBC_96);
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ maxLength: 100 }),
        (key, data) => {
          const expected = referenceXcbc(key, data).subarray(0, 12);
          expect(toHex(provider.mac(transform, key).compute(data))).toBe(toHex(expected));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('rejects a transform it does not implement', () => {
    const md5: IntegTransform = {
      type: 'integ',
      id: IntegId.HMAC_MD5_96,
      name: 'HMAC_MD5_96',
      keyLength: 16,
      icvLength: 12,
    };
    expect(() => provider.mac(md5, new Uint8Array(16))).toThrowError(
      expect.objectContaining({ code: 'UNSUPPORTED_TRANSFORM' }),
    );
  });
});
