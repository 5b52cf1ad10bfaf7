/**
 * ENCR transforms on node:crypto (OpenSSL): one createCipheriv per packet, which keeps the
 * Cipher stateless like the noble one. Key material is KEYMAT = key | salt (types.ts).
 *
 * Memory (issue 14: every IKE SA holds four of these, its two SK directions and its Child
 * SA's two ESP SAs): each cipher is a class instance whose methods live on the prototype (no
 * closures per cipher), and its key copy, salt and per-packet scratch (nonce or counter block,
 * IV, received ICV) are views of ONE buffer, so one ArrayBuffer backing store per cipher. The
 * salt sits in place at the front of the nonce / counter block, written once.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { CryptoError } from '../../../ipsec/crypto/errors.js';
import { EncrId } from '../../../ipsec/crypto/ids.js';
import { encrMatchesShape } from '../../../ipsec/crypto/transforms.js';
import type { Cipher, EncrTransform } from '../../../ipsec/crypto/types.js';
import { secretBytes } from '../../../ipsec/util/bytes.js';
import { AeadCipher, type AeadMode } from './node-aead.js';
import { view } from './node-bytes.js';
import { checkIv, destroyedError, ivFromPacket } from './node-cipher-common.js';

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
  switch (shape.mode) {
    case 'null':
      return new NullCipher(transform);
    case 'cbc':
      return new CbcCipher(transform, key);
    case 'ctr':
      return new CtrCipher(transform, key);
    default:
      return new AeadCipher(transform, shape.mode, key);
  }
}

/** RFC 2410: ENCR_NULL, the identity (ESP only). */
class NullCipher implements Cipher {
  /** No key, but a dead SA's cipher is unusable like any other. */
  private destroyed = false;
  constructor(readonly transform: EncrTransform) {}
  encrypt(iv: Uint8Array, plaintext: Uint8Array): Uint8Array {
    if (this.destroyed) throw destroyedError(this.transform);
    checkIv(this.transform, iv);
    return plaintext.slice();
  }
  decrypt(iv: Uint8Array, ciphertext: Uint8Array): Uint8Array | undefined {
    if (this.destroyed) return undefined;
    checkIv(this.transform, iv);
    return ciphertext.slice();
  }
  destroy(): void {
    this.destroyed = true;
  }
}

/**
 * RFC 3602: AES-CBC, explicit IV; the caller pads to the block size (RFC 4303 §2.4, RFC 7296 §3.14).
 * Memory: key | IV buffer.
 */
class CbcCipher implements Cipher {
  private readonly algorithm: string;
  /** A copy: the caller may wipe its KEYMAT buffer once the SA is installed (as noble does). */
  private readonly key: Uint8Array;
  /**
   * The IV goes to OpenSSL through this one buffer: a fresh small Uint8Array per packet handed
   * to node:crypto cost ESP about a tenth of its rate (bench/esp.ts; V8 keeps small arrays on
   * its heap and, it seems, moves them off it when native code asks for their memory).
   */
  private readonly ivBuffer: Uint8Array;
  private destroyed = false;

  constructor(
    readonly transform: EncrTransform,
    key: Uint8Array,
  ) {
    const keyLength = transform.keyLength;
    const memory = secretBytes(keyLength + 16); // off the V8 heap: never moved, wiped in place
    memory.set(key, 0);
    this.key = memory.subarray(0, keyLength);
    this.ivBuffer = memory.subarray(keyLength);
    this.algorithm = `aes-${keyLength * 8}-cbc`;
  }

  private ivFor(iv: Uint8Array): Uint8Array {
    checkIv(this.transform, iv);
    this.ivBuffer.set(iv);
    return this.ivBuffer;
  }

  /** encrypt() into `out` at `offset`: the one CBC pass. */
  encryptInto(
    iv: Uint8Array,
    plaintext: Uint8Array,
    _aad: Uint8Array | undefined,
    out: Uint8Array,
    offset: number,
  ): void {
    if (this.destroyed) throw destroyedError(this.transform);
    if (plaintext.length % 16 !== 0)
      throw new CryptoError('INVALID_INPUT', 'AES-CBC plaintext must be padded to the block size');
    const c = createCipheriv(this.algorithm, this.key, this.ivFor(iv)).setAutoPadding(false);
    out.set(c.update(plaintext), offset);
    c.final();
  }

  encrypt(iv: Uint8Array, plaintext: Uint8Array): Uint8Array {
    const out = new Uint8Array(plaintext.length);
    this.encryptInto(iv, plaintext, undefined, out, 0);
    return out;
  }

  /** Decrypts under the IV already in ivBuffer. */
  private open(ciphertext: Uint8Array): Uint8Array | undefined {
    if (ciphertext.length % 16 !== 0) return undefined; // impossible length from the peer
    const d = createDecipheriv(this.algorithm, this.key, this.ivBuffer).setAutoPadding(false);
    const out = view(d.update(ciphertext));
    d.final();
    return out;
  }

  decrypt(iv: Uint8Array, ciphertext: Uint8Array): Uint8Array | undefined {
    if (this.destroyed) return undefined;
    this.ivFor(iv);
    return this.open(ciphertext);
  }

  decryptAt(packet: Uint8Array, ivOffset: number, offset: number, end: number): Uint8Array | undefined {
    if (this.destroyed || !ivFromPacket(this.ivBuffer, 0, packet, ivOffset, 16, offset, end))
      return undefined;
    return this.open(packet.subarray(offset, end));
  }

  destroy(): void {
    this.destroyed = true;
    // OpenSSL's copies live only inside each per-packet cipher, already freed
    this.key.fill(0);
    this.ivBuffer.fill(0);
  }
}

/**
 * RFC 3686 §4: counter block = nonce (the 4-byte salt, §5.1) | IV (8) | block counter (4),
 * the counter starting at 1. OpenSSL's aes-ctr increments the whole 128-bit block, which is
 * the same as long as the 32-bit counter does not wrap (2^32 blocks: far beyond a packet).
 * Memory: key | counter block; the salt and the counter 1 stay in the block, only the IV is
 * rewritten per packet (createCipheriv copies the block at once).
 */
class CtrCipher implements Cipher {
  private readonly algorithm: string;
  /** A copy: the caller may wipe its KEYMAT buffer once the SA is installed (as noble does). */
  private readonly key: Uint8Array;
  private readonly block: Uint8Array;
  private destroyed = false;

  constructor(
    readonly transform: EncrTransform,
    keymat: Uint8Array,
  ) {
    const keyLength = transform.keyLength - transform.saltLength;
    const memory = secretBytes(keyLength + 16); // off the V8 heap: never moved, wiped in place
    memory.set(keymat.subarray(0, keyLength), 0);
    this.key = memory.subarray(0, keyLength);
    this.block = memory.subarray(keyLength);
    this.block.set(keymat.subarray(keyLength), 0); // the salt (RFC 3686 §5.1)
    this.block[15] = 1; // RFC 3686 §4: the block counter starts at one
    this.algorithm = `aes-${keyLength * 8}-ctr`;
  }

  /** Runs the keystream from the counter block as it stands. */
  private xor(input: Uint8Array): Uint8Array {
    const c = createCipheriv(this.algorithm, this.key, this.block);
    const out = view(c.update(input));
    c.final();
    return out;
  }

  private run(iv: Uint8Array, input: Uint8Array): Uint8Array {
    checkIv(this.transform, iv);
    this.block.set(iv, 4);
    return this.xor(input);
  }

  encrypt(iv: Uint8Array, plaintext: Uint8Array): Uint8Array {
    if (this.destroyed) throw destroyedError(this.transform);
    return this.run(iv, plaintext);
  }

  encryptInto(
    iv: Uint8Array,
    plaintext: Uint8Array,
    _aad: Uint8Array | undefined,
    out: Uint8Array,
    offset: number,
  ): void {
    out.set(this.encrypt(iv, plaintext), offset);
  }

  decrypt(iv: Uint8Array, ciphertext: Uint8Array): Uint8Array | undefined {
    return this.destroyed ? undefined : this.run(iv, ciphertext);
  }

  decryptAt(packet: Uint8Array, ivOffset: number, offset: number, end: number): Uint8Array | undefined {
    if (this.destroyed || !ivFromPacket(this.block, 4, packet, ivOffset, 8, offset, end)) return undefined;
    return this.xor(packet.subarray(offset, end));
  }

  destroy(): void {
    this.destroyed = true;
    this.key.fill(0);
    this.block.fill(0); // the salt
  }
}
