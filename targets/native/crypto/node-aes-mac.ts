/**
 * AES-XCBC-MAC (RFC 3566) and AES-CMAC (RFC 4493) built on node:crypto AES, which has
 * neither. Both are a CBC-MAC with a tweaked last block. Each key gets ONE long-lived native
 * aes-128-cbc cipher that is never finalized: after a message its chaining value is that
 * message's tag T, so the next message starts from IV = 0 again by XORing T into its first
 * block (E_K(M_1 ^ T ^ T) = E_K(M_1)). No createCipheriv per packet, no JS AES.
 *
 * Why node and not the noble implementation (ipsec/crypto/noble/xcbc.ts, cmac.ts): measured
 * with bench/crypto.ts ("MAC only") on the 2-core dev machine, this is about as fast as noble
 * for 64-byte messages and several times faster from a few hundred bytes up (native AES-NI vs
 * JS AES at ~1 us per block), e.g. ~9x at 1400 B and ~15x at 16 KiB. A fresh createCipheriv
 * per message instead costs a few microseconds and lost to noble below ~256 B, which is why
 * the cipher object is kept. Subkeys are derived once per key (ECB), off the packet path.
 * The chaining value is a tag (public on the wire), so keeping it leaks nothing.
 * destroy() finalizes that cipher (OpenSSL frees and cleanses its context) and zeroes the
 * derived subkeys; the function throws afterwards.
 */
import { type Cipher, createCipheriv } from 'node:crypto';
import { CryptoError } from '../../../ipsec/crypto/errors.js';

const BLOCK = 16;
const ZERO_IV = new Uint8Array(BLOCK);

/**
 * The tag of a 128-bit-block CBC-MAC variant: E_k over the message with the last block tweaked.
 * `destroy` drops the native cipher and zeroes the subkeys; calling the function afterwards throws.
 */
export type AesMacFn = ((data: Uint8Array) => Uint8Array) & { destroy(): void };

/** AES-128-ECB of whole blocks (subkey derivation only). */
function ecb(key: Uint8Array, blocks: Uint8Array): Uint8Array {
  const c = createCipheriv('aes-128-ecb', key, null).setAutoPadding(false);
  const out = c.update(blocks);
  c.final();
  return new Uint8Array(out);
}

/** RFC 4493 §2.3 doubling in GF(2^128): shift left one bit, xor Rb = 0x87 on carry. */
function dbl(block: Uint8Array): Uint8Array {
  const out = new Uint8Array(BLOCK);
  for (let i = 0; i < BLOCK; i++) out[i] = ((block[i]! << 1) | ((block[i + 1] ?? 0) >>> 7)) & 0xff;
  if (block[0]! & 0x80) out[BLOCK - 1]! ^= 0x87; // RFC 4493 §2.3: const_Rb
  return out;
}

/** Up to this size a message is copied into one buffer (one native call); above, it streams. */
const COPY_LIMIT = 2048;

/**
 * CBC-MAC under `k` (zero IV) of message M whose last block is M_n ^ `complete` when M is a
 * non-empty whole number of blocks, else (M_n | 10*) ^ `partial` (RFC 3566 §4 steps 3a/3b;
 * RFC 4493 §2.4 steps 4-6: the empty message is one padded block).
 */
function tweakedCbcMac(
  k: Uint8Array,
  complete: Uint8Array,
  partial: Uint8Array,
  /** Derived key material this MAC owns and zeroes on destroy. */
  owned: readonly Uint8Array[],
): AesMacFn {
  let cbc: Cipher | null = createCipheriv('aes-128-cbc', k, ZERO_IV).setAutoPadding(false);
  const chain = new Uint8Array(BLOCK); // the cipher's chaining value: the previous tag (0 at first)
  // Short messages are assembled here: one buffer per key, not an allocation per message.
  const scratch = new Uint8Array(COPY_LIMIT + BLOCK);
  const mac = (data: Uint8Array): Uint8Array => {
    if (cbc === null) throw new CryptoError('INVALID_INPUT', 'AES CBC-MAC: key destroyed');
    const whole = data.length > 0 && data.length % BLOCK === 0;
    const lastStart = whole ? data.length - BLOCK : data.length - (data.length % BLOCK);
    const subkey = whole ? complete : partial;
    let out: Buffer;
    if (data.length <= COPY_LIMIT) {
      const blocks = scratch.subarray(0, lastStart + BLOCK);
      blocks.set(data);
      blocks.fill(0, data.length); // the padding block's tail
      if (!whole) blocks[data.length] = 0x80; // the 10* padding
      for (let i = 0; i < BLOCK; i++) {
        blocks[lastStart + i]! ^= subkey[i]!;
        blocks[i]! ^= chain[i]!; // restart from IV = 0 (may be the last block too)
      }
      out = cbc.update(blocks);
    } else {
      // Long message (lastStart >= 2 blocks): first block re-based, the middle as is, last tweaked.
      const first = data.slice(0, BLOCK);
      for (let i = 0; i < BLOCK; i++) first[i]! ^= chain[i]!;
      cbc.update(first);
      cbc.update(data.subarray(BLOCK, lastStart));
      const last = new Uint8Array(BLOCK);
      last.set(data.subarray(lastStart));
      if (!whole) last[data.length - lastStart] = 0x80;
      for (let i = 0; i < BLOCK; i++) last[i]! ^= subkey[i]!;
      out = cbc.update(last);
    }
    const tag = new Uint8Array(out.subarray(out.length - BLOCK));
    chain.set(tag);
    return tag;
  };
  const destroy = (): void => {
    if (cbc !== null) {
      try {
        cbc.final(); // whole blocks only were fed: succeeds, and OpenSSL frees the context
      } catch {
        // nothing to recover: the reference is dropped below either way
      }
      cbc = null;
    }
    chain.fill(0);
    scratch.fill(0);
    for (const b of owned) b.fill(0);
  };
  return Object.assign(mac, { destroy });
}

/** RFC 3566 §4: K1 = E_K(0x01^16) keys the CBC, K2/K3 tweak a complete/padded last block. */
export function aesXcbcMac(key: Uint8Array): AesMacFn {
  const derived = ecb(key, new Uint8Array(3 * BLOCK).fill(1, 0, 16).fill(2, 16, 32).fill(3, 32, 48));
  return tweakedCbcMac(derived.subarray(0, 16), derived.subarray(16, 32), derived.subarray(32, 48), [
    derived,
  ]);
}

/** RFC 4493 §2.3: L = E_K(0^128), K1 = dbl(L), K2 = dbl(K1). */
export function aesCmac(key: Uint8Array): AesMacFn {
  const l = ecb(key, new Uint8Array(BLOCK));
  const k1 = dbl(l);
  l.fill(0);
  const k2 = dbl(k1);
  // `key` stays the caller's: OpenSSL holds its own copy inside the cipher.
  return tweakedCbcMac(key, k1, k2, [k1, k2]);
}
