/**
 * ENCR transforms on node:crypto (OpenSSL): one createCipheriv per packet, which keeps the
 * Cipher stateless like the noble one. Key material is KEYMAT = key | salt (types.ts).
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { CryptoError } from '../../../ipsec/crypto/errors.js';
import { EncrId } from '../../../ipsec/crypto/ids.js';
import { encrMatchesShape } from '../../../ipsec/crypto/transforms.js';
import type { Cipher, EncrTransform } from '../../../ipsec/crypto/types.js';
import { EMPTY, view } from './node-bytes.js';

type AeadMode = 'gcm' | 'ccm' | 'chacha20-poly1305';
type Mode = 'null' | 'cbc' | 'ctr' | AeadMode;

const AES_BITS = [128, 192, 256] as const;

/** Mode and RFC sizes per transform id: a descriptor that disagrees is refused at construction. */
const SHAPES: ReadonlyMap<
  number,
  { mode: Mode; bits: readonly number[]; salt: number; iv: number; icv: number }
> = new Map([
  [EncrId.NULL, { mode: 'null', bits: [0], salt: 0, iv: 0, icv: 0 }], // RFC 2410 §2
  [EncrId.AES_CBC, { mode: 'cbc', bits: AES_BITS, salt: 0, iv: 16, icv: 0 }], // RFC 3602 §3
  [EncrId.AES_CTR, { mode: 'ctr', bits: AES_BITS, salt: 4, iv: 8, icv: 0 }], // RFC 3686 §3, §5.1
  [EncrId.AES_GCM_8, { mode: 'gcm', bits: AES_BITS, salt: 4, iv: 8, icv: 8 }], // RFC 4106 §3, §8.1
  [EncrId.AES_GCM_12, { mode: 'gcm', bits: AES_BITS, salt: 4, iv: 8, icv: 12 }],
  [EncrId.AES_GCM_16, { mode: 'gcm', bits: AES_BITS, salt: 4, iv: 8, icv: 16 }],
  [EncrId.AES_CCM_8, { mode: 'ccm', bits: AES_BITS, salt: 3, iv: 8, icv: 8 }], // RFC 4309 §3, §7.1
  [EncrId.AES_CCM_12, { mode: 'ccm', bits: AES_BITS, salt: 3, iv: 8, icv: 12 }],
  [EncrId.AES_CCM_16, { mode: 'ccm', bits: AES_BITS, salt: 3, iv: 8, icv: 16 }],
  [EncrId.CHACHA20_POLY1305, { mode: 'chacha20-poly1305', bits: [256], salt: 4, iv: 8, icv: 16 }], // RFC 7634 §2
]);

export function createNodeCipher(transform: EncrTransform, key: Uint8Array): Cipher {
  const shape = SHAPES.get(transform.id);
  if (!shape) throw new CryptoError('UNSUPPORTED_TRANSFORM', `encryption transform ${transform.name}`);
  if (!encrMatchesShape(transform, { ...shape, keyBits: shape.bits }))
    throw new CryptoError(
      'UNSUPPORTED_TRANSFORM',
      `${transform.name}: descriptor does not match its RFC sizes`,
    );
  if (key.length !== transform.keyLength)
    throw new CryptoError(
      'INVALID_KEY_LENGTH',
      `${transform.name} needs ${transform.keyLength} bytes of key material, got ${key.length}`,
    );
  // Copies: the caller may wipe its KEYMAT buffer once the SA is installed (as noble does).
  const encKey = key.slice(0, transform.keyLength - transform.saltLength);
  const salt = key.slice(transform.keyLength - transform.saltLength);
  const checkIv = (iv: Uint8Array): void => {
    if (iv.length !== transform.ivLength)
      throw new CryptoError('INVALID_IV_LENGTH', `${transform.name} needs a ${transform.ivLength}-byte IV`);
  };
  switch (shape.mode) {
    case 'null':
      return nullCipher(transform, checkIv);
    case 'cbc':
      return cbc(transform, encKey, checkIv);
    case 'ctr':
      return ctr(transform, encKey, salt, checkIv);
    default:
      return aead(transform, shape.mode, encKey, salt, checkIv);
  }
}

/** What encrypt() throws once destroy() has zeroed the keys (types.ts Cipher.destroy). */
const destroyedError = (transform: EncrTransform): CryptoError =>
  new CryptoError('INVALID_INPUT', `${transform.name}: key destroyed`);

/**
 * For decryptAt: copies the IV packet[ivOffset, ivOffset + length) into `target` at `at`
 * (a loop: no view per packet), after checking that both ranges lie inside the packet.
 */
function ivFromPacket(
  target: Uint8Array,
  at: number,
  packet: Uint8Array,
  ivOffset: number,
  length: number,
  offset: number,
  end: number,
): boolean {
  if (
    !(
      ivOffset >= 0 &&
      ivOffset + length <= packet.length &&
      offset >= 0 &&
      offset <= end &&
      end <= packet.length
    )
  )
    return false;
  for (let i = 0; i < length; i++) target[at + i] = packet[ivOffset + i]!;
  return true;
}

/** RFC 2410: ENCR_NULL, the identity (ESP only). */
function nullCipher(transform: EncrTransform, checkIv: (iv: Uint8Array) => void): Cipher {
  let destroyed = false; // no key, but a dead SA's cipher is unusable like any other
  return {
    transform,
    encrypt: (iv, plaintext) => {
      if (destroyed) throw destroyedError(transform);
      checkIv(iv);
      return plaintext.slice();
    },
    decrypt: (iv, ciphertext) => {
      if (destroyed) return undefined;
      checkIv(iv);
      return ciphertext.slice();
    },
    destroy() {
      destroyed = true;
    },
  };
}

/** RFC 3602: AES-CBC, explicit IV; the caller pads to the block size (RFC 4303 §2.4, RFC 7296 §3.14). */
function cbc(transform: EncrTransform, key: Uint8Array, checkIv: (iv: Uint8Array) => void): Cipher {
  const algorithm = `aes-${key.length * 8}-cbc`;
  // The IV goes to OpenSSL through this one buffer: a fresh small Uint8Array per packet handed
  // to node:crypto cost ESP about a tenth of its rate (bench/esp.ts; V8 keeps small arrays on
  // its heap and, it seems, moves them off it when native code asks for their memory).
  const ivBuffer = new Uint8Array(16);
  const ivFor = (iv: Uint8Array): Uint8Array => {
    checkIv(iv);
    ivBuffer.set(iv);
    return ivBuffer;
  };
  let destroyed = false;
  /** encrypt() into `out` at `offset`: the one CBC pass. */
  const sealInto: NonNullable<Cipher['encryptInto']> = (iv, plaintext, _aad, out, offset) => {
    if (destroyed) throw destroyedError(transform);
    if (plaintext.length % 16 !== 0)
      throw new CryptoError('INVALID_INPUT', 'AES-CBC plaintext must be padded to the block size');
    const c = createCipheriv(algorithm, key, ivFor(iv)).setAutoPadding(false);
    out.set(c.update(plaintext), offset);
    c.final();
  };
  /** Decrypts under the IV already in ivBuffer. */
  const open = (ciphertext: Uint8Array): Uint8Array | undefined => {
    if (ciphertext.length % 16 !== 0) return undefined; // impossible length from the peer
    const d = createDecipheriv(algorithm, key, ivBuffer).setAutoPadding(false);
    const out = view(d.update(ciphertext));
    d.final();
    return out;
  };
  return {
    transform,
    encrypt(iv, plaintext) {
      const out = new Uint8Array(plaintext.length);
      sealInto(iv, plaintext, undefined, out, 0);
      return out;
    },
    encryptInto: sealInto,
    decrypt(iv, ciphertext) {
      if (destroyed) return undefined;
      ivFor(iv);
      return open(ciphertext);
    },
    decryptAt(packet, ivOffset, offset, end) {
      if (destroyed || !ivFromPacket(ivBuffer, 0, packet, ivOffset, 16, offset, end)) return undefined;
      return open(packet.subarray(offset, end));
    },
    destroy() {
      destroyed = true;
      key.fill(0);
      ivBuffer.fill(0); // OpenSSL's copies live only inside each per-packet cipher, already freed
    },
  };
}

/**
 * RFC 3686 §4: counter block = nonce (the 4-byte salt, §5.1) | IV (8) | block counter (4),
 * the counter starting at 1. OpenSSL's aes-ctr increments the whole 128-bit block, which is
 * the same as long as the 32-bit counter does not wrap (2^32 blocks: far beyond a packet).
 */
function ctr(
  transform: EncrTransform,
  key: Uint8Array,
  salt: Uint8Array,
  checkIv: (iv: Uint8Array) => void,
): Cipher {
  const algorithm = `aes-${key.length * 8}-ctr`;
  // One counter block per cipher, rewritten per packet: createCipheriv copies it at once.
  const block = new Uint8Array(16);
  const counterBlock = (iv: Uint8Array): Uint8Array => {
    checkIv(iv);
    block.set(salt, 0);
    block.set(iv, 4);
    block[15] = 1; // RFC 3686 §4: the block counter starts at one
    return block;
  };
  /** Runs the keystream from the counter block already in `block`. */
  const xor = (input: Uint8Array): Uint8Array => {
    const c = createCipheriv(algorithm, key, block);
    const out = view(c.update(input));
    c.final();
    return out;
  };
  const run = (iv: Uint8Array, input: Uint8Array): Uint8Array => {
    counterBlock(iv);
    return xor(input);
  };
  let destroyed = false;
  return {
    transform,
    encrypt(iv, plaintext) {
      if (destroyed) throw destroyedError(transform);
      return run(iv, plaintext);
    },
    encryptInto(iv, plaintext, _aad, out, offset) {
      out.set(this.encrypt(iv, plaintext), offset);
    },
    decrypt: (iv, ciphertext) => (destroyed ? undefined : run(iv, ciphertext)),
    decryptAt(packet, ivOffset, offset, end) {
      if (destroyed || !ivFromPacket(block, 4, packet, ivOffset, 8, offset, end)) return undefined;
      block.set(salt, 0); // bytes 12-14 stay 0, as counterBlock leaves them
      block[15] = 1; // RFC 3686 §4
      return xor(packet.subarray(offset, end));
    },
    destroy() {
      destroyed = true;
      key.fill(0);
      salt.fill(0);
      block.fill(0);
    },
  };
}

/**
 * AEADs, nonce = salt | explicit IV:
 * - AES-GCM, RFC 4106 §4 (4 + 8 = 12 bytes), ICV 8/12/16 (§3.1);
 * - AES-CCM, RFC 4309 §4 (3 + 8 = 11 bytes, so L = 4), ICV 8/12/16 (§3.1);
 * - ChaCha20-Poly1305, RFC 7634 §2 (4 + 8 = 12 bytes), ICV 16.
 * Output is ciphertext | ICV.
 */
function aead(
  transform: EncrTransform,
  mode: AeadMode,
  key: Uint8Array,
  salt: Uint8Array,
  checkIv: (iv: Uint8Array) => void,
): Cipher {
  const algorithm = mode === 'chacha20-poly1305' ? mode : `aes-${key.length * 8}-${mode}`;
  const authTagLength = transform.icvLength;
  // One nonce buffer per cipher, rewritten per packet: createCipheriv copies it at once.
  const n = new Uint8Array(salt.length + transform.ivLength);
  const nonce = (iv: Uint8Array): Uint8Array => {
    checkIv(iv);
    n.set(salt, 0);
    n.set(iv, salt.length);
    return n;
  };
  let destroyed = false;
  /** encrypt() into `out` at `offset`: ciphertext | ICV. */
  const sealInto: NonNullable<Cipher['encryptInto']> = (iv, plaintext, aad, out, offset) => {
    if (destroyed) throw destroyedError(transform);
    // The option overloads of createCipheriv are keyed by literal mode names; the cast
    // only selects the options type (authTagLength is valid for all three modes).
    const c = createCipheriv(algorithm as 'aes-128-gcm', key, nonce(iv), { authTagLength });
    // CCM needs the message length before the AAD (RFC 3610 §2.2 B_0 block).
    if (mode === 'ccm') c.setAAD(aad ?? EMPTY, { plaintextLength: plaintext.length });
    else if (aad && aad.length > 0) c.setAAD(aad);
    const length = plaintext.length;
    out.set(c.update(plaintext), offset); // the update output is a copy: `plaintext` may alias `out`
    c.final();
    out.set(c.getAuthTag(), offset + length);
  };
  // The received ICV goes to OpenSSL through this one buffer (copied by a loop): a fresh view
  // per packet handed to node:crypto measurably costs more than the copy (bench/esp.ts).
  const tag = new Uint8Array(authTagLength);
  /** Opens ciphertext | ICV in data[offset, end) under the nonce already in `n`. */
  const open = (
    data: Uint8Array,
    offset: number,
    end: number,
    aad: Uint8Array | undefined,
  ): Uint8Array | undefined => {
    const tagStart = end - authTagLength;
    if (tagStart < offset) return undefined; // no room for the ICV
    const ciphertext = data.subarray(offset, tagStart);
    const d = createDecipheriv(algorithm as 'aes-128-gcm', key, n, { authTagLength });
    for (let i = 0; i < authTagLength; i++) tag[i] = data[tagStart + i]!;
    d.setAuthTag(tag);
    let out: Uint8Array | undefined;

    try {
      if (mode === 'ccm') d.setAAD(aad ?? EMPTY, { plaintextLength: ciphertext.length });
      else if (aad && aad.length > 0) d.setAAD(aad);
      out = view(d.update(ciphertext));
      d.final(); // throws when the ICV does not verify
      return out;
    } catch {
      out?.fill(0); // GCM/ChaCha20 released unauthenticated plaintext from update(): drop it
      return undefined;
    }
  };
  return {
    transform,
    encrypt(iv, plaintext, aad) {
      const out = new Uint8Array(plaintext.length + authTagLength);
      sealInto(iv, plaintext, aad, out, 0);
      return out;
    },
    encryptInto: sealInto,
    decrypt(iv, data, aad) {
      if (destroyed) return undefined;
      nonce(iv);
      return open(data, 0, data.length, aad);
    },
    decryptAt(packet, ivOffset, offset, end, aad) {
      if (destroyed || !ivFromPacket(n, salt.length, packet, ivOffset, transform.ivLength, offset, end))
        return undefined;
      n.set(salt, 0);
      return open(packet, offset, end, aad);
    },
    destroy() {
      destroyed = true;
      key.fill(0);
      salt.fill(0);
      n.fill(0);
      tag.fill(0);
    },
  };
}
