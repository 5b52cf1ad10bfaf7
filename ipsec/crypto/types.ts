/**
 * The crypto seam. Transform descriptors (ids, sizes) are pure data in transforms.ts;
 * a CryptoProvider turns a descriptor plus key material into a keyed primitive.
 * Two providers implement this interface and pass the same tests: `noble` (portable,
 * ipsec/crypto/noble) and `node` (node:crypto, targets/native/crypto).
 *
 * Conventions:
 * - Programming errors (wrong key length for a descriptor, unsupported transform) throw
 *   CryptoError at construction. Peer-controlled input never throws: authentication
 *   failures return undefined, bad public values return a Result error.
 * - Key material passed to `cipher()` is the full KEYMAT slice of RFC 7296 §2.17 / §2.14:
 *   for AES-CTR, AES-GCM, AES-CCM and ChaCha20-Poly1305 it includes the trailing salt
 *   (RFC 3686 §5.1, RFC 4106 §8.1, RFC 4309 §7.1, RFC 7634 §2).
 */

import type { Result } from '../result.js';
import type { CryptoError } from './errors.js';
import type { SignatureProvider } from './signature-types.js';

export type * from './signature-types.js';

/** Injected randomness: returns `length` fresh bytes. Tests use a seeded deterministic source. */
export type RandomBytes = (length: number) => Uint8Array;

/** Transform Type 1 (RFC 7296 §3.3.2). */
export interface EncrTransform {
  readonly type: 'encr';
  readonly id: number;
  /** swanctl / strongSwan name, e.g. AES_CBC, AES_GCM_16, CHACHA20_POLY1305. */
  readonly name: string;
  /** Key length in bits as carried in the Key Length attribute (0 = none sent, fixed-size cipher). */
  readonly keyBits: number;
  /** Whether the Key Length attribute is sent in proposals (RFC 7296 §3.3.5). */
  readonly keyLengthAttribute: boolean;
  /** Bytes of KEYMAT taken for this cipher: key plus salt. */
  readonly keyLength: number;
  readonly saltLength: number;
  /** Explicit IV carried in every packet. */
  readonly ivLength: number;
  /** Alignment of plaintext + padding: the cipher block size (1 for stream modes). */
  readonly blockSize: number;
  /** Integrity check value of an AEAD cipher, 0 otherwise. */
  readonly icvLength: number;
  readonly aead: boolean;
  /** Usable for IKE SK payloads (ENCR_NULL is ESP-only, RFC 7296 §3.3.2). */
  readonly ike: boolean;
}

/** Transform Type 3. */
export interface IntegTransform {
  readonly type: 'integ';
  readonly id: number;
  readonly name: string;
  readonly keyLength: number;
  /** Truncated ICV length sent on the wire. */
  readonly icvLength: number;
}

/** Transform Type 2. */
export interface PrfTransform {
  readonly type: 'prf';
  readonly id: number;
  readonly name: string;
  /** Preferred key length (RFC 7296 §2.13: the length of SK_d, SK_pi, SK_pr). */
  readonly keyLength: number;
  readonly outputLength: number;
}

/** Transform Type 4 (Key Exchange Method / D-H group). */
export interface KeTransform {
  readonly type: 'ke';
  readonly id: number;
  readonly name: string;
  readonly kind: 'modp' | 'ecp' | 'montgomery';
  /** Length of the KE payload data. */
  readonly publicLength: number;
  /** Length of the shared secret g^ir. */
  readonly secretLength: number;
}

export type Transform = EncrTransform | IntegTransform | PrfTransform | KeTransform;

/** A keyed cipher. Not thread-safe state: none kept between calls. */
export interface Cipher {
  readonly transform: EncrTransform;
  /** Returns ciphertext, with the ICV appended for AEAD. `aad` is ignored by non-AEAD ciphers. */
  encrypt(iv: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array;
  /** Returns plaintext, or undefined if the ICV does not verify or the input length is impossible. */
  decrypt(iv: Uint8Array, ciphertext: Uint8Array, aad?: Uint8Array): Uint8Array | undefined;
  /**
   * Optional fast path of encrypt(): writes ciphertext (| ICV) into `out` at `offset` instead of
   * returning a new buffer (the ESP hot path builds the packet around it). `plaintext` may be a
   * view of `out` at the same offset. Same result and errors as encrypt().
   */
  encryptInto?(
    iv: Uint8Array,
    plaintext: Uint8Array,
    aad: Uint8Array | undefined,
    out: Uint8Array,
    offset: number,
  ): void;
  /**
   * Optional fast path of decrypt() for packets that carry the IV in front of the ciphertext
   * (ESP): the IV is packet[ivOffset, ivOffset + ivLength), the ciphertext (| ICV) is
   * packet[offset, end). Same result as decrypt() on those ranges, without the caller making
   * views of them.
   */
  decryptAt?(
    packet: Uint8Array,
    ivOffset: number,
    offset: number,
    end: number,
    aad?: Uint8Array,
  ): Uint8Array | undefined;
  /**
   * Zeroes expanded key schedules, salts and key copies (called when the SA dies). Idempotent.
   * Afterwards encrypt throws CryptoError INVALID_INPUT and decrypt returns undefined.
   */
  destroy(): void;
}

/** A keyed integrity transform. */
export interface Mac {
  readonly transform: IntegTransform;
  /** The truncated ICV (icvLength bytes). */
  compute(data: Uint8Array): Uint8Array;
  /** Constant-time check of a received ICV. */
  verify(data: Uint8Array, icv: Uint8Array): boolean;
  /**
   * Zeroes the keyed state (called when the SA dies). Idempotent. Afterwards compute throws
   * CryptoError INVALID_INPUT and verify returns false.
   */
  destroy(): void;
}

/** A pseudo-random function (keys vary per use: SKEYSEED is keyed by Ni | Nr). */
export interface Prf {
  readonly transform: PrfTransform;
  compute(key: Uint8Array, data: Uint8Array): Uint8Array;
}

/** One side of a key exchange: a fresh private value and its public KE payload data. */
export interface KeyExchange {
  readonly transform: KeTransform;
  /** The KE payload data (RFC 5903 §7: x | y for ECP; RFC 8031: u for Curve25519/448). */
  readonly publicValue: Uint8Array;
  /** g^ir after validating the peer's public value (RFC 6989). */
  computeSharedSecret(peerPublic: Uint8Array): Result<Uint8Array, CryptoError>;
  /** Zeroes the private value. */
  destroy(): void;
}

export type HashName = 'sha1' | 'sha256' | 'sha384' | 'sha512';

export interface CryptoProvider {
  readonly name: string;
  cipher(transform: EncrTransform, key: Uint8Array): Cipher;
  mac(transform: IntegTransform, key: Uint8Array): Mac;
  prf(transform: PrfTransform): Prf;
  /** `privateKey` fixes the private value (vector tests); otherwise drawn from `random`. */
  keyExchange(transform: KeTransform, random: RandomBytes, privateKey?: Uint8Array): KeyExchange;
  hash(name: HashName, data: Uint8Array): Uint8Array;
  /** Signatures for certificate / public key authentication (issue 16); absent = PSK only. */
  readonly signatures?: SignatureProvider;
}
