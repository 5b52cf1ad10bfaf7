/**
 * The firmware's short-Weierstrass points (y^2 = x^3 + ax + b over GF(p), cofactor 1): the part
 * of @noble/curves' `weierstrass()` Point that ECP key exchange uses
 * (ipsec/crypto/noble/ke-ecp.ts: BASE.multiply, fromBytes with its validity check, toBytes
 * uncompressed, is0, Fp/Fn BYTES and ORDER), in ~1.5 KiB instead of noble's ~21 KiB of generic
 * field, curve, wNAF and encoding code. The results are noble's (test/targets/wismote/mote-ecp.test.ts
 * holds them equal for random scalars and refuses the same points; mote-crypto.test.ts runs the
 * key exchange against the full provider).
 *
 * Arithmetic: projective coordinates with the complete Renes-Costello-Batina formulas
 * (https://eprint.iacr.org/2015/1060, algorithms 1 and 3, as noble writes them), so no input
 * takes a special case; a scalar multiplication is a Montgomery ladder over every bit of the
 * order's length (one addition and one doubling per bit, whatever the bit), one inversion at
 * the end. No precomputed table: a mote does one base-point multiplication per handshake.
 * Timing: BigInt arithmetic is not constant time in any JS engine (noble says the same of its own).
 */
import type { WeierstrassOpts } from '@noble/curves/abstract/weierstrass.js';
import type { EcpPoint } from '../../ipsec/crypto/noble/ke-ecp.js';

const toBig = (b: Uint8Array): bigint => {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
};

const bits = (n: bigint): number => n.toString(2).length;

/** Points of the curve `c` (p, a, b, Gx, Gy, n; cofactor 1) as ke-ecp.ts uses noble's. */
export function shortWeierstrass(c: WeierstrassOpts<bigint>): EcpPoint {
  const { p, n } = c;
  const L = Math.ceil(bits(p) / 8);
  const m = (v: bigint): bigint => {
    const r = v % p;
    return r < 0n ? r + p : r;
  };
  const a = m(c.a);
  const b3 = m(3n * c.b);
  const inv = (v: bigint): bigint => {
    let [r0, r1, x0, x1] = [p, m(v), 0n, 1n];
    while (r1) {
      const q = r0 / r1;
      [r0, r1, x0, x1] = [r1, r0 - q * r1, x1, x0 - q * x1];
    }
    return m(x0);
  };
  const onCurve = (x: bigint, y: bigint) => m(y * y) === m(x * (x * x + a) + c.b);

  class Point {
    static readonly Fp = { BYTES: L, ORDER: p };
    static readonly Fn = { BYTES: Math.ceil(bits(n) / 8), ORDER: n };
    static readonly ZERO: Point = new Point(0n, 1n, 0n);
    static readonly BASE: Point = new Point(c.Gx, c.Gy, 1n);
    constructor(
      readonly X: bigint,
      readonly Y: bigint,
      readonly Z: bigint,
    ) {}

    /** SEC 1 uncompressed (0x04 | x | y), both coordinates in [0, p-1] and on the curve. */
    static fromBytes(bytes: Uint8Array): Point {
      if (bytes.length !== 1 + 2 * L || bytes[0] !== 4) throw new Error('bad point: encoding');
      const x = toBig(bytes.subarray(1, 1 + L));
      const y = toBig(bytes.subarray(1 + L));
      const P = new Point(x, y, 1n);
      if (x >= p || y >= p) throw new Error('bad point: x or y not field elements');
      P.assertValidity();
      return P;
    }

    /** No table to build: every multiplication is a ladder (noble's API, for the callers). */
    precompute(): Point {
      return this;
    }

    toAffine(): { x: bigint; y: bigint } {
      const iz = inv(this.Z);
      return { x: m(this.X * iz), y: m(this.Y * iz) };
    }

    is0(): boolean {
      return this.Z === 0n;
    }

    assertValidity(): void {
      if (this.is0()) throw new Error('bad point: ZERO');
      const { x, y } = this.toAffine();
      if (!onCurve(x, y)) throw new Error('bad point: equation left != right');
    }

    toBytes(compressed = true): Uint8Array {
      if (compressed) throw new Error('compressed points: not in this firmware');
      if (this.is0()) throw new Error('bad point: ZERO');
      const { x, y } = this.toAffine();
      const out = new Uint8Array(1 + 2 * L);
      out[0] = 4;
      for (let i = 0, vx = x, vy = y; i < L; i++, vx >>= 8n, vy >>= 8n) {
        out[L - i] = Number(vx & 255n);
        out[2 * L - i] = Number(vy & 255n);
      }
      return out;
    }

    /** RCB algorithm 3 (exception-free doubling). */
    double(): Point {
      const { X, Y, Z } = this;
      let t0 = m(X * X);
      const t1 = m(Y * Y);
      let t2 = m(Z * Z);
      let t3 = m(2n * X * Y);
      let Z3 = m(2n * X * Z);
      let X3 = m(a * Z3);
      let Y3 = m(X3 + b3 * t2);
      X3 = m(t1 - Y3);
      Y3 = m(X3 * m(t1 + Y3));
      X3 = m(t3 * X3);
      Z3 = m(b3 * Z3);
      t2 = m(a * t2);
      t3 = m(a * (t0 - t2) + Z3);
      t0 = m((3n * t0 + t2) * t3);
      Y3 = m(Y3 + t0);
      t2 = m(2n * Y * Z);
      X3 = m(X3 - t2 * t3);
      Z3 = m(4n * t2 * t1);
      return new Point(X3, Y3, Z3);
    }

    /** RCB algorithm 1 (exception-free addition). */
    add(o: Point): Point {
      const { X: X1, Y: Y1, Z: Z1 } = this;
      const { X: X2, Y: Y2, Z: Z2 } = o;
      let t0 = m(X1 * X2);
      let t1 = m(Y1 * Y2);
      let t2 = m(Z1 * Z2);
      const t3 = m((X1 + Y1) * (X2 + Y2) - t0 - t1);
      let t4 = m((X1 + Z1) * (X2 + Z2) - t0 - t2);
      const t5 = m((Y1 + Z1) * (Y2 + Z2) - t1 - t2);
      let Z3 = m(a * t4 + b3 * t2);
      let X3 = m(t1 - Z3);
      Z3 = m(t1 + Z3);
      let Y3 = m(X3 * Z3);
      t1 = 3n * t0;
      t2 = m(a * t2);
      t4 = m(b3 * t4 + a * (t0 - t2));
      t1 = m(t1 + t2);
      t0 = m(t1 * t4);
      Y3 = m(Y3 + t0);
      X3 = m(t3 * X3 - t5 * t4);
      Z3 = m(t5 * Z3 + t3 * t1);
      return new Point(X3, Y3, Z3);
    }

    /** k * this for k in [1, n-1], as noble refuses any other scalar. */
    multiply(k: bigint): Point {
      if (k < 1n || k >= n) throw new RangeError('invalid scalar: out of range');
      let r0: Point = Point.ZERO;
      let r1: Point = this;
      for (let i = bits(n) - 1; i >= 0; i--) {
        const s = r0.add(r1);
        if ((k >> BigInt(i)) & 1n) [r0, r1] = [s, r1.double()];
        else [r0, r1] = [r0.double(), s];
      }
      const { x, y } = r0.toAffine();
      return r0.is0() ? r0 : new Point(x, y, 1n);
    }
  }
  return Point as unknown as EcpPoint;
}
