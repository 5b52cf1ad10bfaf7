/**
 * The mote's AES (ipsec/crypto/noble/aes-small.ts) against noble's (aes.ts): the same key
 * schedules, blocks, CTR keystreams and CMAC doublings; FIPS 197 Appendix C.1 as an anchor.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aes as noble } from '../../../ipsec/crypto/noble/aes.js';
import { aes as small } from '../../../ipsec/crypto/noble/aes-small.js';
import { fromHex, toHex } from '../../../ipsec/util/bytes.js';

const key = fc.oneof(...[16, 24, 32].map((n) => fc.uint8Array({ minLength: n, maxLength: n })));
const block = fc.uint8Array({ minLength: 16, maxLength: 16 });

describe('AES on small tables', () => {
  it('FIPS 197 Appendix C.1: AES-128', () => {
    const xk = small.expandKeyLE(fromHex('000102030405060708090a0b0c0d0e0f'));
    const b = fromHex('00112233445566778899aabbccddeeff');
    expect(toHex(small.encryptBlock(xk, b))).toBe('69c4e0d86a7b0430d8cdb78070b4c55a');
  });

  it("has noble's key schedule and block encryption, for every key size", () => {
    fc.assert(
      fc.property(key, block, (k, b) => {
        const a = small.expandKeyLE(k);
        expect(toHex(new Uint8Array(a.buffer))).toBe(toHex(new Uint8Array(noble.expandKeyLE(k).buffer)));
        expect(toHex(small.encryptBlock(a, b.slice()))).toBe(
          toHex(noble.encryptBlock(noble.expandKeyLE(k), b.slice())),
        );
        const [w0, w1, w2, w3] = [1, 2, 3, 4].map((i) => b[i]! * 0x01010101);
        expect(small.encrypt(a, w0!, w1!, w2!, w3!)).toEqual(noble.encrypt(a, w0!, w1!, w2!, w3!));
      }),
      { numRuns: 200 },
    );
  });

  it("has noble's CTR keystream and counter, partial last blocks included", () => {
    fc.assert(
      fc.property(key, block, fc.uint8Array({ maxLength: 100 }), fc.boolean(), (k, nonce, data, le) => {
        const xk = noble.expandKeyLE(k);
        const n1 = nonce.slice();
        const n2 = nonce.slice();
        const ours = small.ctr32(xk, le, n1, data.slice());
        const theirs = noble.ctr32(xk, le, n2, data.slice());
        expect(toHex(ours)).toBe(toHex(theirs));
        expect(toHex(n1)).toBe(toHex(n2));
      }),
      { numRuns: 200 },
    );
  });

  it('doubles as noble does (RFC 4493 §2.3) and refuses to decrypt', () => {
    fc.assert(
      fc.property(block, (b) => {
        expect(toHex(small.dbl(b.slice()))).toBe(toHex(noble.dbl(b.slice())));
      }),
    );
    expect(() => small.expandKeyDecLE(new Uint8Array(16))).toThrow(/decryption/);
  });
});
