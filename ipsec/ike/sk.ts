/**
 * The Encrypted payload (SK, RFC 7296 §3.14; AEAD form RFC 5282 §3-§5).
 *
 *   SK payload = generic header | IV | E(inner payloads | Padding | Pad Length) | ICV
 *
 * Seal order: IV from the injected random -> pad to the cipher block size -> encrypt ->
 *   classic ciphers: ICV = MAC(IKE header .. end of ciphertext) appended (§3.14);
 *   AEAD: AAD = IKE header .. SK generic header, ICV = the AEAD tag (RFC 5282 §5.1).
 * Open order: length checks -> integrity (MAC or AEAD tag) -> decrypt -> Pad Length check.
 * Nothing is decrypted or parsed before the integrity check passes; peer input never throws.
 */
import type { Cipher, CryptoProvider, Mac, RandomBytes } from '../crypto/types.js';
import { err, ok, type Result } from '../result.js';
import { wipe } from '../util/bytes.js';
import type { IkeSaKeys } from './keys/ike-keys.js';

/** Generic Payload Header: Next Payload, C + RESERVED, Payload Length (RFC 7296 §3.2). */
const GENERIC_HEADER_LENGTH = 4;
/** Octet offset of Payload Length in the generic header (§3.2). */
const PAYLOAD_LENGTH_OFFSET = 2;
/** The Pad Length field is one octet (§3.14). */
const PAD_LENGTH_FIELD = 1;

/** The keys protecting one direction: SK_ei/SK_ai (initiator's messages) or SK_er/SK_ar. */
export interface SkKeys {
  readonly cipher: Cipher;
  /** Absent for AEAD ciphers. */
  readonly mac?: Mac;
}

export type SkError =
  | { readonly code: 'TRUNCATED'; readonly offset: number } // body shorter than IV + ICV or misaligned
  | { readonly code: 'INTEGRITY' } // ICV / AEAD tag does not verify
  | { readonly code: 'PADDING'; readonly offset: number }; // pad length exceeds the plaintext

/** Which peer sent a message: the IKE header's Initiator flag says it (RFC 7296 §3.1). */
export type SkSender = 'initiator' | 'responder';

/** Source of the Padding octets (any value is allowed, §3.14); `sealSk` uses zeros by default. */
export type PaddingBytes = (length: number) => Uint8Array;

const zeroPadding: PaddingBytes = (length) => new Uint8Array(length);

/** Length of the ICV that follows the ciphertext: the AEAD tag or the truncated MAC. */
function icvLengthOf(keys: SkKeys): number {
  const encr = keys.cipher.transform;
  return encr.aead ? encr.icvLength : (keys.mac?.transform.icvLength ?? 0);
}

/**
 * Builds a whole protected message. `prefix(skBodyLength)` returns the octets from the first
 * octet of the IKE header through the SK generic payload header, with every length field
 * already final for an SK body of `skBodyLength` octets (IV | ciphertext | ICV).
 * The IV comes from `random`; the Padding octets from `padding` (zeros by default: §3.14
 * lets the sender choose any value). The padding is the minimum that aligns
 * plaintext | Padding | Pad Length to the cipher block size (§3.14 "SHOULD").
 * Throws only on programming errors (keys that do not fit the cipher).
 */
export function sealSk(
  keys: SkKeys,
  random: RandomBytes,
  prefix: (skBodyLength: number) => Uint8Array,
  plaintext: Uint8Array,
  padding: PaddingBytes = zeroPadding,
): Uint8Array {
  const encr = keys.cipher.transform;
  if (!encr.aead && !keys.mac) throw new Error(`SK with ${encr.name} needs an integrity transform`);
  if (encr.aead && keys.mac) throw new Error(`SK with AEAD ${encr.name} takes no integrity transform`);
  const icvLength = icvLengthOf(keys);

  // §3.14: plaintext | Padding | Pad Length is a multiple of the block size.
  const padLength =
    (encr.blockSize - ((plaintext.length + PAD_LENGTH_FIELD) % encr.blockSize)) % encr.blockSize;
  const padded = new Uint8Array(plaintext.length + padLength + PAD_LENGTH_FIELD);
  padded.set(plaintext, 0);
  const pad = padding(padLength);
  if (pad.length !== padLength)
    throw new Error(`padding source returned ${pad.length} octets, not ${padLength}`);
  padded.set(pad, plaintext.length);
  padded[padded.length - 1] = padLength; // Pad Length (§3.14)

  const iv = random(encr.ivLength); // §3.14: a new unpredictable IV per message; RFC 5282 §3.1: never repeated under a key
  if (iv.length !== encr.ivLength)
    throw new Error(`random returned ${iv.length} octets, not ${encr.ivLength}`);
  const bodyLength = encr.ivLength + padded.length + icvLength;
  const head = prefix(bodyLength);

  const message = new Uint8Array(head.length + bodyLength);
  message.set(head, 0);
  message.set(iv, head.length);
  const ctStart = head.length + encr.ivLength;
  if (encr.aead) {
    // RFC 5282 §5.1: AAD = IKE header through the SK generic header; the tag is the ICV.
    const sealed = keys.cipher.encrypt(iv, padded, head);
    message.set(sealed, ctStart);
  } else {
    message.set(keys.cipher.encrypt(iv, padded), ctStart);
    const ctEnd = ctStart + padded.length;
    // §3.14: the checksum covers the message from the IKE header through the ciphertext.
    message.set(keys.mac!.compute(message.subarray(0, ctEnd)), ctEnd);
  }
  wipe(padded);
  return message;
}

/**
 * Verifies and decrypts the SK payload of `message`, whose generic payload header starts at
 * `skOffset` (SK is the last payload, RFC 7296 §3.14). Integrity is checked before anything is
 * decrypted or parsed. `headerLength` is the payload header before the IV: 4 for SK, 8 for SKF
 * (RFC 7383 §2.5: Fragment Number and Total Fragments, covered by the ICV / AEAD AAD). Returns the inner payload chain without padding.
 * Error offsets are octet offsets in `message`: TRUNCATED points at the field that does not
 * fit (the SK header, its Payload Length, or the IV/ciphertext); PADDING at the last
 * ciphertext octet, which decrypts to the Pad Length.
 */
export function openSk(
  keys: SkKeys,
  message: Uint8Array,
  skOffset: number,
  headerLength: number = GENERIC_HEADER_LENGTH,
): Result<Uint8Array, SkError> {
  const at = skLayout(keys, message, skOffset, headerLength);
  if (!at.ok) return at;
  const { bodyStart, ctStart, ctEnd } = at.value;
  const encr = keys.cipher.transform;
  const iv = message.subarray(bodyStart, ctStart);
  let padded: Uint8Array | undefined;
  if (encr.aead) {
    // RFC 5282 §5.1: AAD = IKE header through the SK generic header; decrypt verifies the tag first.
    padded = keys.cipher.decrypt(iv, message.subarray(ctStart), message.subarray(0, bodyStart));
    if (!padded) return err({ code: 'INTEGRITY' });
  } else {
    // §3.14: verify the ICV over the header through the ciphertext before decrypting.
    // Keys without a MAC for a classic cipher fail closed.
    if (!keys.mac?.verify(message.subarray(0, ctEnd), message.subarray(ctEnd)))
      return err({ code: 'INTEGRITY' });
    padded = keys.cipher.decrypt(iv, message.subarray(ctStart, ctEnd));
    if (!padded) return err({ code: 'TRUNCATED', offset: ctStart });
  }

  const padLength = padded[padded.length - 1]!; // Pad Length (§3.14)
  // §3.14: the recipient MUST accept any Pad Length that keeps the alignment; it must fit.
  if (padLength + PAD_LENGTH_FIELD > padded.length) {
    wipe(padded);
    return err({ code: 'PADDING', offset: ctEnd - 1 });
  }
  return ok(padded.subarray(0, padded.length - PAD_LENGTH_FIELD - padLength));
}

/** Where the IV, ciphertext and ICV of an SK / SKF payload lie, once its lengths are checked. */
function skLayout(
  keys: SkKeys,
  message: Uint8Array,
  skOffset: number,
  headerLength: number,
): Result<{ readonly bodyStart: number; readonly ctStart: number; readonly ctEnd: number }, SkError> {
  const encr = keys.cipher.transform;
  const icvLength = icvLengthOf(keys);
  const bodyStart = skOffset + headerLength;
  if (!Number.isInteger(skOffset) || skOffset < 0 || bodyStart > message.length) {
    const at = Number.isInteger(skOffset) ? Math.min(Math.max(skOffset, 0), message.length) : 0;
    return err({ code: 'TRUNCATED', offset: at });
  }

  // SK is the last payload (§3.14): its Payload Length reaches the end of the message.
  const payloadLength =
    (message[skOffset + PAYLOAD_LENGTH_OFFSET]! << 8) | message[skOffset + PAYLOAD_LENGTH_OFFSET + 1]!;
  if (skOffset + payloadLength !== message.length)
    return err({ code: 'TRUNCATED', offset: skOffset + PAYLOAD_LENGTH_OFFSET });

  const ctStart = bodyStart + encr.ivLength;
  const ctEnd = message.length - icvLength;
  const ctLength = ctEnd - ctStart;
  // At least the Pad Length octet, in whole cipher blocks (§3.14).
  if (ctLength < PAD_LENGTH_FIELD || ctLength % encr.blockSize !== 0)
    return err({ code: 'TRUNCATED', offset: bodyStart });
  return ok({ bodyStart, ctStart, ctEnd });
}

/**
 * Checks the integrity of the SK payload of `message` (as openSk does: lengths, then the ICV or
 * AEAD tag with the sender's `keys`) without keeping anything of its plaintext: for a message
 * that is not processed, only trusted (a re-encrypted retransmission, RFC 7296 §2.1). Classic
 * ciphers: the ICV alone, nothing is decrypted (§3.14). AEAD: the tag is only checked by
 * decrypting (RFC 5282 §5.1), so the plaintext is zeroed at once.
 */
export function verifySk(
  keys: SkKeys,
  message: Uint8Array,
  skOffset: number,
  headerLength: number = GENERIC_HEADER_LENGTH,
): Result<void, SkError> {
  const at = skLayout(keys, message, skOffset, headerLength);
  if (!at.ok) return at;
  const { bodyStart, ctStart, ctEnd } = at.value;
  if (keys.cipher.transform.aead) {
    const iv = message.subarray(bodyStart, ctStart);
    const padded = keys.cipher.decrypt(iv, message.subarray(ctStart), message.subarray(0, bodyStart));
    if (!padded) return err({ code: 'INTEGRITY' });
    wipe(padded);
    return ok(undefined);
  }
  // §3.14: the ICV covers the IKE header through the ciphertext; keys without a MAC fail closed.
  if (!keys.mac?.verify(message.subarray(0, ctEnd), message.subarray(ctEnd)))
    return err({ code: 'INTEGRITY' });
  return ok(undefined);
}

/** The SK keys of the messages `sender` sends: SK_ei/SK_ai or SK_er/SK_ar (RFC 7296 §2.14). */
export function createSkKeys(provider: CryptoProvider, keys: IkeSaKeys, sender: SkSender): SkKeys {
  const { encr, integ } = keys.suite;
  const cipher = provider.cipher(encr, sender === 'initiator' ? keys.skEi : keys.skEr);
  if (encr.aead) return { cipher }; // RFC 5282 §7.1: no SK_ai/SK_ar
  if (!integ) throw new Error(`${encr.name} needs an integrity transform`);
  return { cipher, mac: provider.mac(integ, sender === 'initiator' ? keys.skAi : keys.skAr) };
}

/** Both directions of an IKE SA. An IKE SA seals with its own role's keys and opens with the peer's. */
export interface SkKeyPair {
  readonly initiator: SkKeys;
  readonly responder: SkKeys;
}

export function createSkKeyPair(provider: CryptoProvider, keys: IkeSaKeys): SkKeyPair {
  return {
    initiator: createSkKeys(provider, keys, 'initiator'),
    responder: createSkKeys(provider, keys, 'responder'),
  };
}

/** The keys of a received message, chosen by its Initiator flag (RFC 7296 §3.1). */
export function skKeysForMessage(pair: SkKeyPair, initiatorFlag: boolean): SkKeys {
  return initiatorFlag ? pair.initiator : pair.responder;
}
