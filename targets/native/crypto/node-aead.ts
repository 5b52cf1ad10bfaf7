/**
 * The AEAD ENCR transforms on node:crypto (AES-GCM, AES-CCM, ChaCha20-Poly1305), created by
 * createNodeCipher (node-encr.ts): one createCipheriv per packet; see node-encr.ts for memory.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { Cipher, EncrTransform } from '../../../ipsec/crypto/types.js';
import { secretBytes } from '../../../ipsec/util/bytes.js';
import { EMPTY, view } from './node-bytes.js';
import { checkIv, destroyedError, ivFromPacket } from './node-cipher-common.js';

export type AeadMode = 'gcm' | 'ccm' | 'chacha20-poly1305';

/**
 * The received ICV goes to OpenSSL through a buffer of its length (copied by a loop): a fresh
 * view per packet handed to node:crypto measurably costs more than the copy (bench/esp.ts).
 * setAuthTag copies it at once and the ICV is no secret, so one buffer per ICV length serves
 * every cipher (one per SA direction cost ~110 B each, issue 14).
 */
const icvScratch = new Map<number, Uint8Array>();

function icvBuffer(length: number): Uint8Array {
  let b = icvScratch.get(length);
  if (!b) {
    b = new Uint8Array(length);
    icvScratch.set(length, b);
  }
  return b;
}

/**
 * AEADs, nonce = salt | explicit IV:
 * - AES-GCM, RFC 4106 §4 (4 + 8 = 12 bytes), ICV 8/12/16 (§3.1);
 * - AES-CCM, RFC 4309 §4 (3 + 8 = 11 bytes, so L = 4), ICV 8/12/16 (§3.1);
 * - ChaCha20-Poly1305, RFC 7634 §2 (4 + 8 = 12 bytes), ICV 16.
 * Output is ciphertext | ICV.
 * Memory: key | nonce (salt | IV); the salt stays in the nonce, only the IV is rewritten per
 * packet (createCipheriv copies the nonce at once).
 */
export class AeadCipher implements Cipher {
  private readonly algorithm: string;
  private readonly authTagLength: number;
  private readonly saltLength: number;
  /** A copy: the caller may wipe its KEYMAT buffer once the SA is installed (as noble does). */
  private readonly key: Uint8Array;
  private readonly n: Uint8Array;
  /** The shared ICV buffer of this ICV length (icvBuffer). */
  private readonly icv: Uint8Array;
  private destroyed = false;

  constructor(
    readonly transform: EncrTransform,
    private readonly mode: AeadMode,
    keymat: Uint8Array,
  ) {
    const keyLength = transform.keyLength - transform.saltLength;
    const nonceLength = transform.saltLength + transform.ivLength;
    this.saltLength = transform.saltLength;
    this.authTagLength = transform.icvLength;
    const memory = secretBytes(keyLength + nonceLength); // off the V8 heap
    memory.set(keymat, 0); // key | salt: the salt lands at the front of the nonce
    this.key = memory.subarray(0, keyLength);
    this.n = memory.subarray(keyLength);
    this.icv = icvBuffer(this.authTagLength);
    this.algorithm = mode === 'chacha20-poly1305' ? mode : `aes-${keyLength * 8}-${mode}`;
  }

  private nonce(iv: Uint8Array): Uint8Array {
    checkIv(this.transform, iv);
    this.n.set(iv, this.saltLength);
    return this.n;
  }

  /** encrypt() into `out` at `offset`: ciphertext | ICV. */
  encryptInto(
    iv: Uint8Array,
    plaintext: Uint8Array,
    aad: Uint8Array | undefined,
    out: Uint8Array,
    offset: number,
  ): void {
    if (this.destroyed) throw destroyedError(this.transform);
    // The option overloads of createCipheriv are keyed by literal mode names; the cast
    // only selects the options type (authTagLength is valid for all three modes).
    const c = createCipheriv(this.algorithm as 'aes-128-gcm', this.key, this.nonce(iv), {
      authTagLength: this.authTagLength,
    });
    // CCM needs the message length before the AAD (RFC 3610 §2.2 B_0 block).
    if (this.mode === 'ccm') c.setAAD(aad ?? EMPTY, { plaintextLength: plaintext.length });
    else if (aad && aad.length > 0) c.setAAD(aad);
    const length = plaintext.length;
    out.set(c.update(plaintext), offset); // the update output is a copy: `plaintext` may alias `out`
    c.final();
    out.set(c.getAuthTag(), offset + length);
  }

  encrypt(iv: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
    const out = new Uint8Array(plaintext.length + this.authTagLength);
    this.encryptInto(iv, plaintext, aad, out, 0);
    return out;
  }

  /** Opens ciphertext | ICV in data[offset, end) under the nonce already in `n`. */
  private open(
    data: Uint8Array,
    offset: number,
    end: number,
    aad: Uint8Array | undefined,
  ): Uint8Array | undefined {
    const authTagLength = this.authTagLength;
    const tagStart = end - authTagLength;
    if (tagStart < offset) return undefined; // no room for the ICV
    const ciphertext = data.subarray(offset, tagStart);
    const d = createDecipheriv(this.algorithm as 'aes-128-gcm', this.key, this.n, { authTagLength });
    const tag = this.icv;
    for (let i = 0; i < authTagLength; i++) tag[i] = data[tagStart + i]!;
    d.setAuthTag(tag);
    let out: Uint8Array | undefined;

    try {
      if (this.mode === 'ccm') d.setAAD(aad ?? EMPTY, { plaintextLength: ciphertext.length });
      else if (aad && aad.length > 0) d.setAAD(aad);
      out = view(d.update(ciphertext));
      d.final(); // throws when the ICV does not verify
      return out;
    } catch {
      out?.fill(0); // GCM/ChaCha20 released unauthenticated plaintext from update(): drop it
      return undefined;
    }
  }

  decrypt(iv: Uint8Array, data: Uint8Array, aad?: Uint8Array): Uint8Array | undefined {
    if (this.destroyed) return undefined;
    this.nonce(iv);
    return this.open(data, 0, data.length, aad);
  }

  decryptAt(
    packet: Uint8Array,
    ivOffset: number,
    offset: number,
    end: number,
    aad?: Uint8Array,
  ): Uint8Array | undefined {
    if (
      this.destroyed ||
      !ivFromPacket(this.n, this.saltLength, packet, ivOffset, this.transform.ivLength, offset, end)
    )
      return undefined;
    return this.open(packet, offset, end, aad);
  }

  destroy(): void {
    this.destroyed = true;
    this.key.fill(0);
    this.n.fill(0); // the salt
  }
}
