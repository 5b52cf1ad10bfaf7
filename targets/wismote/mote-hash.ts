/**
 * The firmware's digests (mote-crypto.ts HASHES): SHA-256 (FIPS 180-4 §6.2) for the digests of
 * cached responses and SHA-1 (§6.1) for NAT_DETECTION_* hashes, one-shot over a whole message,
 * in ~1 KiB instead of @noble/hashes' streaming classes (~6.5 KiB minified with their utils).
 * Neither digests a secret. Same output as noble's (test/targets/wismote/mote-hash.test.ts).
 */

/** The message padded to whole 64-octet blocks (§5.1.1), as big-endian 32-bit words. */
function blocks(data: Uint8Array): Uint32Array {
  const n = ((data.length + 72) >>> 6) << 4;
  const w = new Uint32Array(n);
  for (let i = 0; i < data.length; i++) w[i >> 2]! |= data[i]! << (24 - 8 * (i & 3));
  w[data.length >> 2]! |= 0x80 << (24 - 8 * (data.length & 3));
  w[n - 2] = Math.floor(data.length / 0x20000000);
  w[n - 1] = data.length << 3;
  return w;
}

const out = (h: ArrayLike<number>): Uint8Array => {
  const o = new Uint8Array(h.length * 4);
  for (let i = 0; i < o.length; i++) o[i] = h[i >> 2]! >>> (24 - 8 * (i & 3));
  return o;
};

const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));

/**
 * §4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64 primes,
 * computed exactly (integer cube roots of p * 2^96), not hard-coded.
 */
const K256 = /* @__PURE__ */ (() => {
  const k: number[] = [];
  for (let p = 2; k.length < 64; p++) {
    let prime = true;
    for (let d = 2; d * d <= p; d++) if (p % d === 0) prime = false;
    if (!prime) continue;
    const v = BigInt(p) << 96n;
    let lo = 0n;
    for (let bit = 1n << 36n; bit; bit >>= 1n) if ((lo + bit) ** 3n <= v) lo += bit;
    k.push(Number(lo & 0xffffffffn));
  }
  return k;
})();

export function sha256(data: Uint8Array): Uint8Array {
  const h = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
  const w = blocks(data);
  const s = new Array<number>(64);
  for (let j = 0; j < w.length; j += 16) {
    for (let t = 0; t < 64; t++) {
      if (t < 16) s[t] = w[j + t]!;
      else {
        const a = s[t - 15]!;
        const b = s[t - 2]!;
        s[t] =
          (s[t - 16]! +
            (rotr(a, 7) ^ rotr(a, 18) ^ (a >>> 3)) +
            s[t - 7]! +
            (rotr(b, 17) ^ rotr(b, 19) ^ (b >>> 10))) |
          0;
      }
    }
    let [a, b, c, d, e, f, g, k] = h as [number, number, number, number, number, number, number, number];
    for (let t = 0; t < 64; t++) {
      const t1 = (k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K256[t]! + s[t]!) | 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      [k, g, f, e, d, c, b, a] = [g, f, e, (d + t1) | 0, c, b, a, (t1 + t2) | 0];
    }
    [a, b, c, d, e, f, g, k].forEach((v, i) => {
      h[i] = (h[i]! + v) | 0;
    });
  }
  return out(h);
}

export function sha1(data: Uint8Array): Uint8Array {
  const h = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0];
  const w = blocks(data);
  const s = new Array<number>(80);
  for (let j = 0; j < w.length; j += 16) {
    for (let t = 0; t < 80; t++)
      s[t] = t < 16 ? w[j + t]! : rotr(s[t - 3]! ^ s[t - 8]! ^ s[t - 14]! ^ s[t - 16]!, 31);
    let [a, b, c, d, e] = h as [number, number, number, number, number];
    for (let t = 0; t < 80; t++) {
      const f =
        t < 20
          ? ((b & c) | (~b & d)) + 0x5a827999
          : t < 40
            ? (b ^ c ^ d) + 0x6ed9eba1
            : t < 60
              ? ((b & c) | (b & d) | (c & d)) + 0x8f1bbcdc
              : (b ^ c ^ d) + 0xca62c1d6;
      [e, d, c, b, a] = [d, c, rotr(b, 2), a, (rotr(a, 27) + f + e + s[t]!) | 0];
    }
    [a, b, c, d, e].forEach((v, i) => {
      h[i] = (h[i]! + v) | 0;
    });
  }
  return out(h);
}
