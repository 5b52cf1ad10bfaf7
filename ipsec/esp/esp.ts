/**
 * ESP encapsulation and decapsulation (RFC 4303), pure apart from the SA state they advance.
 *
 * Packet (§2): SPI (4) | Sequence Number (4, low 32 bits) | IV | encrypted(Payload | Padding
 * 1,2,3,... | Pad Length | Next Header) | ICV. The ICV is the AEAD tag or a separate MAC.
 *
 * Outbound stage order (espEncapsulate):
 *   1. SA usable (outbound, not dead, hard limits)   RFC 4301 §4.4.2.1
 *   2. next sequence number, no cycling               §3.3.3 (overflow ends the SA)
 *   3. IV from the injected source                    §2.3
 *   4. pad to max(block size, 4) with 1,2,3,...       §2.4, §2.5, §2.6
 *   5. AEAD: seal with AAD = SPI | [Seq high] | Seq   RFC 4106 §5, RFC 4309 §5, RFC 7634 §2.1
 *      else: encrypt, then ICV over SPI | Seq | IV | ciphertext [| Seq high]   §3.3.2, §2.2.1
 *   6. lifetime counters
 *
 * Inbound stage order (espDecapsulate):
 *   1. SA usable, length and alignment plausible                 §2.4, §3.4
 *   2. SPI matches the SA                                         §3.4.2
 *   3. ESN: infer the high 32 bits                                Appendix A2.2
 *   4. anti-replay check (before the ICV)                         §3.4.3
 *   5. ICV verify (AEAD: open) - no plaintext before this passes  §3.4.4
 *   6. decrypt; pad length and pad bytes 1,2,3,... checked        §2.4, §3.4.4.1
 *   7. anti-replay commit (only after the ICV)                    §3.4.3
 *   8. lifetime counters
 *   9. dummy packet (Next Header 59): dropped, reason 'dummy'     §2.6
 *  10. tunnel mode: Next Header must be 4 or 41; strip TFC padding after the inner packet (§2.7)
 *
 * Drops are values with a typed reason, never exceptions.
 */
import { decryptAt, encryptInto } from '../crypto/cipher-in-place.js';
import { ipPacketLength, tunnelNextHeader } from '../packet/ip.js';
import { IpProto } from '../packet/proto.js';
import { readU32, writeU32 } from '../packet/wire.js';
import { err, ok, type Result } from '../result.js';
import type { EspSa, IvSource } from './sa.js';

/** SPI (4) | Sequence Number (4) (RFC 4303 §2). */
export const ESP_HEADER_LENGTH = 8;
/** Pad Length (1) | Next Header (1) (RFC 4303 §2.5, §2.6). */
export const ESP_TRAILER_LENGTH = 2;
/** RFC 4303 §2.6: "No Next Header" marks a dummy packet (TFC). */
export const ESP_DUMMY_NEXT_HEADER = IpProto.NO_NEXT_HEADER;

const TWO_32 = 0x1_0000_0000;
const EMPTY = new Uint8Array(0);

export type EspEncapErrorCode =
  | 'wrong-direction' // not an outbound SA
  | 'sa-dead' // destroyed, or ended by an earlier overflow / hard limit
  | 'sequence-overflow' // §3.3.3: the counter would cycle; the SA is now dead and must be rekeyed
  | 'lifetime-expired' // a hard byte or packet limit reached; the SA is now dead
  | 'next-header' // tunnel mode carries only IPv4 (4), IPv6 (41) or dummies (59)
  | 'iv-source'; // the IV source returned the wrong length (a programming error)

export interface EspEncapError {
  readonly code: EspEncapErrorCode;
  readonly message: string;
}

export type EspDropReason =
  | 'malformed' // too short, misaligned, or a ciphertext the cipher cannot take
  | 'spi' // the packet's SPI is not this SA's
  | 'replay' // duplicate, left of the window, or an impossible ESN sequence number
  | 'icv' // ICV / AEAD tag did not verify
  | 'padding' // pad length too large or pad bytes not 1,2,3,... (§2.4)
  | 'dummy' // Next Header 59: a valid TFC dummy packet, discarded (§2.6)
  | 'next-header' // tunnel mode, but the payload is not an IP packet
  | 'wrong-direction'
  | 'sa-dead'
  | 'lifetime-expired';

export interface EspDrop {
  readonly reason: EspDropReason;
  /** The 64-bit sequence number, once it is known (from stage 3 on). */
  readonly seq?: number;
}

export interface EspInbound {
  /** The inner packet (tunnel mode) or upper-layer segment (transport mode). */
  readonly payload: Uint8Array;
  readonly nextHeader: number;
  /** The full 64-bit sequence number. */
  readonly seq: number;
}

const encapError = (code: EspEncapErrorCode, message: string): { ok: false; error: EspEncapError } =>
  err({ code, message });
const drop = (reason: EspDropReason, seq?: number): { ok: false; error: EspDrop } =>
  err(seq === undefined ? { reason } : { reason, seq });

/**
 * The AAD of the packet at hand, SPI | [Seq high] | Seq low (RFC 4106 §5, RFC 4309 §5, RFC 7634
 * §2.1), 8 or 12 bytes (ESN), written for every packet into one scratch buffer shared by every
 * SA: the ciphers read it during the call and keep no reference, so neither a packet nor an SA
 * allocates one (issue 14: memory per SA).
 */
const AAD = new Uint8Array(8);
const AAD_ESN = new Uint8Array(12);

function packetAad(sa: EspSa, seqHi: number, seqLo: number): Uint8Array {
  if (sa.esn) {
    writeU32(AAD_ESN, 0, sa.spi);
    writeU32(AAD_ESN, 4, seqHi);
    writeU32(AAD_ESN, 8, seqLo);
    return AAD_ESN;
  }
  writeU32(AAD, 0, sa.spi);
  writeU32(AAD, 4, seqLo);
  return AAD;
}

function isTunnelNextHeader(nh: number): boolean {
  return nh === IpProto.IPV4 || nh === IpProto.IPV6;
}

/**
 * Octets of the ESP packet (SPI .. ICV) that protects `payloadLength` octets: header, IV, the
 * payload with padding and trailer aligned (RFC 4303 §2.4), ICV.
 */
export function espPacketLength(sa: EspSa, payloadLength: number): number {
  const align = sa.alignment;
  const padded = Math.ceil((payloadLength + ESP_TRAILER_LENGTH) / align) * align;
  return ESP_HEADER_LENGTH + sa.ivLength + padded + sa.icvLength;
}

/** The largest payload whose ESP packet takes at most `espLength` octets (negative: none fits). */
export function espMaxPayload(sa: EspSa, espLength: number): number {
  const room = espLength - ESP_HEADER_LENGTH - sa.ivLength - sa.icvLength;
  return Math.floor(room / sa.alignment) * sa.alignment - ESP_TRAILER_LENGTH;
}

/**
 * Protects `payload` (tunnel mode: the inner IP packet; transport mode: the upper-layer
 * segment) and returns the ESP packet SPI .. ICV. `ivSource` defaults to the SA's.
 */
export function espEncapsulate(
  sa: EspSa,
  payload: Uint8Array,
  nextHeader: number,
  ivSource: IvSource | undefined = sa.ivSource,
): Result<Uint8Array, EspEncapError> {
  if (sa.direction !== 'outbound') return encapError('wrong-direction', `SA ${sa.spi} is inbound`);
  if (sa.dead) return encapError('sa-dead', `SA ${sa.spi} is dead`);
  if (!(Number.isInteger(nextHeader) && nextHeader >= 0 && nextHeader <= 255))
    return encapError('next-header', `next header ${nextHeader}`);
  if (sa.mode === 'tunnel' && !isTunnelNextHeader(nextHeader) && nextHeader !== ESP_DUMMY_NEXT_HEADER)
    return encapError('next-header', `tunnel mode cannot carry protocol ${nextHeader}`);
  const limits = sa.hardLimits;
  if (
    (limits.packets !== undefined && sa.lifetime.packets >= limits.packets) ||
    (limits.bytes !== undefined && sa.lifetime.bytes + payload.length > limits.bytes)
  ) {
    sa.dead = true;
    return encapError('lifetime-expired', `SA ${sa.spi} reached its hard lifetime`);
  }
  const seq = sa.seq + 1;
  if (seq > sa.maxSeq) {
    sa.dead = true; // RFC 4303 §3.3.3: the counter MUST NOT cycle; a new SA is needed
    return encapError('sequence-overflow', `SA ${sa.spi} exhausted its sequence numbers`);
  }
  const ivLength = sa.ivLength;
  let iv: Uint8Array = EMPTY;
  if (ivLength > 0) {
    if (!ivSource) return encapError('iv-source', 'no IV source');
    iv = ivSource(ivLength, seq);
    if (iv.length !== ivLength) return encapError('iv-source', `IV of ${iv.length} bytes, need ${ivLength}`);
  }
  sa.seq = seq;
  const seqHi = Math.floor(seq / TWO_32);
  const seqLo = seq % TWO_32; // §2.2: only the low-order 32 bits are sent

  // One buffer for the whole packet. The plaintext is assembled where the ciphertext will go
  // and handed to the cipher as a view; its output then overwrites it in place.
  const align = sa.alignment;
  const padLength = (align - ((payload.length + ESP_TRAILER_LENGTH) % align)) % align;
  const plaintextLength = payload.length + padLength + ESP_TRAILER_LENGTH;
  const headerLength = ESP_HEADER_LENGTH + ivLength;
  const ciphertextLength = plaintextLength + (sa.aead ? sa.icvLength : 0);
  const macLength = sa.aead ? 0 : sa.icvLength;
  const out = sa.allocate(headerLength + ciphertextLength + macLength);
  writeU32(out, 0, sa.spi);
  writeU32(out, 4, seqLo);
  out.set(iv, ESP_HEADER_LENGTH);

  // §2.4: Payload | Padding | Pad Length | Next Header, a multiple of the alignment.
  out.set(payload, headerLength);
  const padStart = headerLength + payload.length;
  // §2.4: "the Padding bytes are initialized with a series of (unsigned, 1-byte) integer
  // values. The first padding byte appended to the plaintext is numbered 1".
  for (let i = 1; i <= padLength; i++) out[padStart + i - 1] = i;
  out[padStart + padLength] = padLength; // §2.5
  out[padStart + padLength + 1] = nextHeader; // §2.6
  const plaintext = out.subarray(headerLength, headerLength + plaintextLength);

  if (sa.aead) {
    // ciphertext | ICV, in place of the plaintext
    encryptInto(sa.cipher, iv, plaintext, packetAad(sa, seqHi, seqLo), out, headerLength);
  } else {
    encryptInto(sa.cipher, iv, plaintext, undefined, out, headerLength);
    if (sa.mac) {
      const covered = headerLength + ciphertextLength;
      let icv: Uint8Array;
      if (sa.esn) {
        // §2.2.1, Appendix A: the high-order 32 bits are appended for the ICV computation only.
        // They go where the ICV will be (every ICV is at least 12 bytes), then get overwritten.
        writeU32(out, covered, seqHi);
        icv = sa.mac.compute(out.subarray(0, covered + 4));
      } else {
        icv = sa.mac.compute(out.subarray(0, covered)); // §3.3.2: SPI | Seq | IV | ciphertext
      }
      out.set(icv, covered);
    }
  }
  sa.lifetime.packets++;
  sa.lifetime.bytes += payload.length;
  return ok(out);
}

/**
 * Verifies and decrypts an ESP packet (SPI .. ICV) for this inbound SA. On success the
 * replay window and lifetime counters have been advanced; on a drop, nothing changed except
 * for 'dummy' (authenticated: committed and counted) and for SA-ending hard limits.
 */
export function espDecapsulate(sa: EspSa, packet: Uint8Array): Result<EspInbound, EspDrop> {
  const replay = sa.replay;
  if (sa.direction !== 'inbound' || !replay) return drop('wrong-direction');
  if (sa.dead) return drop('sa-dead');
  const limits = sa.hardLimits;
  if (
    (limits.packets !== undefined && sa.lifetime.packets >= limits.packets) ||
    (limits.bytes !== undefined && sa.lifetime.bytes >= limits.bytes)
  ) {
    sa.dead = true;
    return drop('lifetime-expired');
  }

  const ivLength = sa.ivLength;
  const headerLength = ESP_HEADER_LENGTH + ivLength;
  const macLength = sa.aead ? 0 : sa.icvLength;
  const tagLength = sa.aead ? sa.icvLength : 0;
  // The encrypted Payload | Padding | Pad Length | Next Header, without an AEAD tag.
  const encryptedLength = packet.length - headerLength - macLength - tagLength;
  // §2.4: the encrypted part is a whole number of blocks and ends on a 4-byte boundary.
  if (encryptedLength < ESP_TRAILER_LENGTH || encryptedLength % sa.alignment !== 0) return drop('malformed');

  if (readU32(packet, 0) !== sa.spi) return drop('spi');
  const seqLo = readU32(packet, 4);
  let seqHi = 0;
  if (sa.esn) {
    seqHi = replay.inferHigh(seqLo); // Appendix A2.2
    if (seqHi < 0) return drop('replay');
  }
  const seq = seqHi * TWO_32 + seqLo;
  if (seq > sa.maxSeq || !replay.check(seq)) return drop('replay', seq); // §3.4.3, before the ICV

  let plaintext: Uint8Array | undefined;
  if (sa.aead) {
    const aad = packetAad(sa, seqHi, seqLo);
    plaintext = decryptAt(sa.cipher, packet, ESP_HEADER_LENGTH, headerLength, packet.length, aad);
    if (!plaintext) return drop('icv', seq); // §3.4.4: the tag did not verify
  } else {
    const covered = packet.length - macLength;
    if (sa.mac) {
      let data = packet.subarray(0, covered);
      if (sa.esn) {
        // §2.2.1, Appendix A: ICV over SPI | Seq | IV | ciphertext | Seq high (not sent).
        const withHigh = new Uint8Array(covered + 4);
        withHigh.set(data, 0);
        writeU32(withHigh, covered, seqHi);
        data = withHigh;
      }
      if (!sa.mac.verify(data, packet.subarray(covered))) return drop('icv', seq); // §3.4.4
    }
    plaintext = decryptAt(sa.cipher, packet, ESP_HEADER_LENGTH, headerLength, covered);
    if (!plaintext) return drop('malformed', seq);
  }

  const n = plaintext.length;
  if (n < ESP_TRAILER_LENGTH) return drop('malformed', seq);
  const padLength = plaintext[n - 2]!;
  const nextHeader = plaintext[n - 1]!;
  const payloadLength = n - ESP_TRAILER_LENGTH - padLength;
  if (payloadLength < 0) return drop('padding', seq); // §2.5: pad length beyond the payload
  // §2.4: the receiver SHOULD inspect the Padding field (default padding 1, 2, 3, ...).
  for (let i = 1; i <= padLength; i++)
    if (plaintext[payloadLength + i - 1] !== i) return drop('padding', seq);

  replay.commit(seq); // §3.4.3: "updated only if the integrity verification succeeds"
  sa.lifetime.packets++;
  sa.lifetime.bytes += payloadLength;

  if (nextHeader === ESP_DUMMY_NEXT_HEADER) return drop('dummy', seq); // §2.6: discard dummy packets
  let length = payloadLength;
  if (sa.mode === 'tunnel') {
    // The inner header is read in `plaintext`, where the payload starts: one view, made last.
    if (payloadLength === 0 || !isTunnelNextHeader(nextHeader) || tunnelNextHeader(plaintext) !== nextHeader)
      return drop('next-header', seq);
    // §2.7: TFC padding may follow the inner packet; its own length field says where it ends.
    const innerLength = ipPacketLength(plaintext);
    if (innerLength === undefined || innerLength > payloadLength) return drop('malformed', seq);
    length = innerLength;
  }
  return ok({ payload: plaintext.subarray(0, length), nextHeader, seq });
}
