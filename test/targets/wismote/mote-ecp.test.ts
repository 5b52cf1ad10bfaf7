/**
 * The firmware's points (targets/wismote/mote-ecp.ts) against @noble/curves' weierstrass() on
 * the mote's curves: the same public values and shared secrets for random and edge scalars, the
 * same points refused (off the curve, coordinates out of range, bad encodings), the same
 * scalars refused.
 */
import { weierstrass } from '@noble/curves/abstract/weierstrass.js';
import { describe, expect, it } from 'vitest';
import { P192_CURVE } from '../../../ipsec/crypto/noble/p192.js';
import { P256_CURVE } from '../../../ipsec/crypto/noble/p256.js';
import { seededRandom } from '../../../ipsec/crypto/random.js';
import { toHex } from '../../../ipsec/util/bytes.js';
import { shortWeierstrass } from '../../../targets/wismote/mote-ecp.js';

const big = (b: Uint8Array) => BigInt(`0x${toHex(b) || '0'}`);

describe.each([
  ['P-192', P192_CURVE],
  ['P-256', P256_CURVE],
])('%s: the firmware points as noble', (_, curve) => {
  const noble = weierstrass(curve);
  const mote = shortWeierstrass(curve);
  const n = curve.n;
  const random = seededRandom(`mote-ecp/${_}`);
  const L = noble.Fp.BYTES;

  it('has the same lengths and orders', () => {
    expect([mote.Fp.BYTES, mote.Fp.ORDER, mote.Fn.BYTES, mote.Fn.ORDER]).toEqual([
      noble.Fp.BYTES,
      noble.Fp.ORDER,
      noble.Fn.BYTES,
      noble.Fn.ORDER,
    ]);
  });

  it('multiplies the base point and peers points to the same encodings', () => {
    const scalars = [1n, 2n, 3n, n - 1n, n - 2n, n / 2n, (1n << 64n) + 5n];
    for (let i = 0; i < 40; i++) scalars.push((big(random(L + 8)) % (n - 1n)) + 1n);
    for (const k of scalars) {
      const pub = noble.BASE.multiply(k).toBytes(false);
      expect(toHex(mote.BASE.multiply(k).toBytes(false))).toBe(toHex(pub));
      const j = (big(random(L + 8)) % (n - 1n)) + 1n;
      const peerM = mote.fromBytes(pub);
      const peerN = noble.fromBytes(pub);
      expect(toHex(peerM.multiply(j).toBytes(false))).toBe(toHex(peerN.multiply(j).toBytes(false)));
      expect(peerM.is0()).toBe(false);
    }
  });

  it('refuses what noble refuses', () => {
    const good = noble.BASE.multiply(12345n).toBytes(false);
    const p = curve.p;
    const enc = (x: bigint, y: bigint) => {
      const out = new Uint8Array(1 + 2 * L);
      out[0] = 4;
      for (let i = 0; i < L; i++) {
        out[L - i] = Number((x >> BigInt(8 * i)) & 255n);
        out[2 * L - i] = Number((y >> BigInt(8 * i)) & 255n);
      }
      return out;
    };
    const { x, y } = noble.fromBytes(good).toAffine();
    const cases = [
      good.subarray(1),
      Uint8Array.of(...good, 0),
      Uint8Array.of(2, ...good.subarray(1)),
      new Uint8Array(1 + 2 * L).fill(0).map((v, i) => (i === 0 ? 4 : v)),
      enc(x, (y + 1n) % p),
      enc(x + p, y),
      enc(x, y + p),
      enc((1n << BigInt(8 * L)) - 1n, y),
    ];
    for (const c of cases) {
      let nobleOk = true;
      try {
        noble.fromBytes(c);
      } catch {
        nobleOk = false;
      }
      let moteOk = true;
      try {
        mote.fromBytes(c);
      } catch {
        moteOk = false;
      }
      expect([toHex(c), moteOk]).toEqual([toHex(c), nobleOk]);
    }
    for (const k of [0n, n, n + 1n, -1n]) {
      expect(() => noble.BASE.multiply(k)).toThrow();
      expect(() => mote.BASE.multiply(k)).toThrow();
    }
    expect(mote.ZERO.is0()).toBe(true);
    expect(() => mote.ZERO.toBytes(false)).toThrow();
  });
});
