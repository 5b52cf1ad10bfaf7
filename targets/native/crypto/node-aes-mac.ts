/**
 * AES-XCBC-MAC (RFC 3566) and AES-CMAC (RFC 4493) built on node:crypto AES, which has
 * neither. Both are a CBC-MAC with a tweaked last block, so the message streams through ONE
 * native aes-128-cbc cipher (zero IV): update(all blocks but the last), then
 * update(last block ^ subkey) returns the tag. Subkeys are derived once per key with ECB.
 *
 * Why node and not the noble implementation (measured with bench/crypto.ts on this machine,
 * see the report): one createCipheriv costs a few microseconds, which the JS AES of noble
 * beats only for the shortest messages; for ESP-sized packets (1400 B: ~88 blocks) native
 * AES-NI is several times faster, and a 64 B packet is about even. The MAC is keyed once per
 * SA, so the subkey derivation is off the packet path.
 */
import { createCipheriv } from 'node:crypto';

const BLOCK = 16;
const ZERO_IV = new Uint8Array(BLOCK);

/** The tag of a 128-bit-block CBC-MAC variant: E_k over the message with the last block tweaked. */
export type AesMacFn = (data: Uint8Array) => Uint8Array;

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

/**
 * CBC-MAC under `k` of message M whose last block is M_n ^ `complete` when M is a non-empty
 * whole number of blocks, else (M_n | 10*) ^ `partial` (RFC 3566 §4 steps 3a/3b; RFC 4493
 * §2.4 steps 4-6: the empty message is one padded block).
 */
function tweakedCbcMac(k: Uint8Array, complete: Uint8Array, partial: Uint8Array): AesMacFn {
  return (data) => {
    const whole = data.length > 0 && data.length % BLOCK === 0;
    const lastStart = whole ? data.length - BLOCK : data.length - (data.length % BLOCK);
    const last = new Uint8Array(BLOCK);
    last.set(data.subarray(lastStart));
    if (!whole) last[data.length - lastStart] = 0x80; // the 10* padding
    const subkey = whole ? complete : partial;
    for (let i = 0; i < BLOCK; i++) last[i]! ^= subkey[i]!;
    const c = createCipheriv('aes-128-cbc', k, ZERO_IV).setAutoPadding(false);
    if (lastStart > 0) c.update(data.subarray(0, lastStart)); // chains the state, output unused
    const tag = new Uint8Array(c.update(last));
    c.final();
    return tag;
  };
}

/** RFC 3566 §4: K1 = E_K(0x01^16) keys the CBC, K2/K3 tweak a complete/padded last block. */
export function aesXcbcMac(key: Uint8Array): AesMacFn {
  const derived = ecb(key, new Uint8Array(3 * BLOCK).fill(1, 0, 16).fill(2, 16, 32).fill(3, 32, 48));
  return tweakedCbcMac(derived.subarray(0, 16), derived.subarray(16, 32), derived.subarray(32, 48));
}

/** RFC 4493 §2.3: L = E_K(0^128), K1 = dbl(L), K2 = dbl(K1). */
export function aesCmac(key: Uint8Array): AesMacFn {
  const k1 = dbl(ecb(key, new Uint8Array(BLOCK)));
  return tweakedCbcMac(key, k1, dbl(k1));
}
