/**
 * Splitting a protected IKE message into Encrypted Fragment messages (RFC 7383 §2.5).
 *
 * Order: the exchange functions build and protect the whole message (one SK payload); when it
 * does not fit one datagram, its plaintext (the inner payload chain) is recovered with our own
 * keys, cut into chunks of the largest size that fits, and each chunk is sealed on its own:
 *
 *   fragment = IKE header (Next Payload = SKF, same SPIs, exchange, flags, Message ID; Length of
 *              this fragment) | SKF header (Next Payload = first inner payload in fragment 1,
 *              0 in the others; Fragment Number; Total Fragments) | IV | E(chunk | Padding |
 *              Pad Length) | ICV                                               (§2.5, §2.5.3)
 *
 * Every fragment gets its own IV and ICV (sk.ts sealSk). The result is sent as it is for every
 * retransmission (RFC 7296 §2.1, RFC 7383 §2.6.1: all fragments, identical octets).
 */

import type { ConnectionConfig } from '../../config/model.js';
import { TransformType } from '../../crypto/ids.js';
import { encrTransform, integTransform } from '../../crypto/transforms.js';
import type { EncrTransform, IntegTransform, RandomBytes } from '../../crypto/types.js';
import { err, ok, type Result } from '../../result.js';
import { type Proposal, ProtocolId } from '../model.js';
import { configuredProposals } from '../proposal/configured.js';
import { openSk, type SkKeys, sealSk } from '../sk.js';
import { PayloadType } from '../wire/constants.js';
import { IKE_HEADER_LENGTH, IKE_HEADER_LENGTH_OFFSET } from '../wire/header.js';
import { decodeMessage } from '../wire/message.js';
import { IKE_NEXT_PAYLOAD_OFFSET, SKF_HEADER_LENGTH } from './constants.js';

/** The Pad Length field is one octet (RFC 7296 §3.14). */
const PAD_LENGTH_FIELD = 1;

export type FragmentError =
  /** The datagram cannot carry the headers, IV, ICV and one octet of plaintext. */
  | { readonly code: 'SIZE_TOO_SMALL'; readonly budget: number; readonly overhead: number }
  /** More fragments than the limit (strongSwan refuses more than 255). */
  | { readonly code: 'TOO_MANY_FRAGMENTS'; readonly needed: number; readonly max: number }
  /** Not a message we can fragment: no SK payload, or payloads outside it (§2.5.2 unsupported). */
  | { readonly code: 'NOT_PROTECTED'; readonly reason: string };

const ivLength = (keys: SkKeys) => keys.cipher.transform.ivLength;
const icvLength = (keys: SkKeys) => {
  const encr = keys.cipher.transform;
  return encr.aead ? encr.icvLength : (keys.mac?.transform.icvLength ?? 0);
};

/** Octets of one fragment around its chunk, before padding: IKE and SKF headers, IV, ICV. */
export const fragmentOverhead = (keys: SkKeys): number =>
  IKE_HEADER_LENGTH + SKF_HEADER_LENGTH + ivLength(keys) + icvLength(keys);

/**
 * The most plaintext octets one fragment of at most `budget` octets carries with these keys:
 * the encrypted part (chunk | Padding | Pad Length) is whole cipher blocks (§3.14). 0 or less:
 * the budget is too small.
 */
export function plaintextPerFragment(budget: number, keys: SkKeys): number {
  const block = keys.cipher.transform.blockSize;
  const room = budget - fragmentOverhead(keys);
  return Math.floor(room / block) * block - PAD_LENGTH_FIELD;
}

/**
 * Seals `plaintext` (an inner payload chain whose first payload is `firstInnerPayload`) as
 * fragments of at most `budget` octets each, under the 28-octet IKE `header` of the message.
 */
export function fragmentPlaintext(
  header: Uint8Array,
  firstInnerPayload: number,
  plaintext: Uint8Array,
  keys: SkKeys,
  random: RandomBytes,
  budget: number,
  maxFragments: number,
): Result<Uint8Array[], FragmentError> {
  const chunk = plaintextPerFragment(budget, keys);
  if (chunk < 1) return err({ code: 'SIZE_TOO_SMALL', budget, overhead: fragmentOverhead(keys) });
  const total = Math.max(1, Math.ceil(plaintext.length / chunk));
  if (total > maxFragments) return err({ code: 'TOO_MANY_FRAGMENTS', needed: total, max: maxFragments });
  const out: Uint8Array[] = [];
  for (let n = 1; n <= total; n++) {
    const part = plaintext.subarray((n - 1) * chunk, Math.min(n * chunk, plaintext.length));
    const prefix = (bodyLength: number): Uint8Array => {
      const skfLength = SKF_HEADER_LENGTH + bodyLength;
      const head = new Uint8Array(IKE_HEADER_LENGTH + SKF_HEADER_LENGTH);
      const view = new DataView(head.buffer);
      head.set(header.subarray(0, IKE_HEADER_LENGTH), 0);
      head[IKE_NEXT_PAYLOAD_OFFSET] = PayloadType.SKF; // §2.5: SKF replaces SK
      view.setUint32(IKE_HEADER_LENGTH_OFFSET, IKE_HEADER_LENGTH + skfLength); // Length of this fragment (§3.1)
      head[IKE_HEADER_LENGTH] = n === 1 ? firstInnerPayload : PayloadType.NONE; // §2.5.3: Next Payload only in fragment 1
      head[IKE_HEADER_LENGTH + 1] = 0; // C = 0, RESERVED
      view.setUint16(IKE_HEADER_LENGTH + 2, skfLength);
      view.setUint16(IKE_HEADER_LENGTH + 4, n); // Fragment Number, from 1 (§2.5.3)
      view.setUint16(IKE_HEADER_LENGTH + 6, total); // Total Fragments, the same in all (§2.5.3)
      return head;
    };
    out.push(sealSk(keys, random, prefix, part));
  }
  return ok(out);
}

/**
 * The fragments of a whole protected message `message` that we sealed with `keys` (our own
 * direction's keys), each of at most `budget` octets. The caller decides whether to fragment
 * (mode.ts) and only calls this for a message larger than `budget`.
 */
export function fragmentMessage(
  message: Uint8Array,
  keys: SkKeys,
  random: RandomBytes,
  budget: number,
  maxFragments: number,
): Result<Uint8Array[], FragmentError> {
  const decoded = decodeMessage(message);
  if (!decoded.ok) return err({ code: 'NOT_PROTECTED', reason: decoded.error.message });
  const sk = decoded.value.sk;
  if (!sk || sk.type !== PayloadType.SK) return err({ code: 'NOT_PROTECTED', reason: 'no SK payload' });
  // §2.5.2 (unprotected payloads go in fragment 1 only): we never send any; refuse rather than guess.
  if (sk.offset !== IKE_HEADER_LENGTH)
    return err({ code: 'NOT_PROTECTED', reason: 'payloads outside SK are not fragmented' });
  const opened = openSk(keys, message, sk.offset);
  if (!opened.ok) return err({ code: 'NOT_PROTECTED', reason: `own SK payload: ${opened.error.code}` });
  const result = fragmentPlaintext(
    message.subarray(0, IKE_HEADER_LENGTH),
    sk.firstInnerPayload,
    opened.value,
    keys,
    random,
    budget,
    maxFragments,
  );
  opened.value.fill(0); // the plaintext copy (AUTH, keys material in KE/Nonce) is not kept
  return result;
}

/**
 * The smallest budget (IKE message octets per datagram) a fragment needs with these
 * transforms: headers, IV, ICV and the fewest whole blocks holding one plaintext octet and the
 * Pad Length (RFC 7296 §3.14).
 */
export function minimumFragmentBudget(encr: EncrTransform, integ?: IntegTransform): number {
  const icv = encr.aead ? encr.icvLength : (integ?.icvLength ?? 0);
  const encrypted = Math.ceil((1 + PAD_LENGTH_FIELD) / encr.blockSize) * encr.blockSize;
  return IKE_HEADER_LENGTH + SKF_HEADER_LENGTH + encr.ivLength + icv + encrypted;
}

/** The largest minimumFragmentBudget over every combination the IKE proposals allow. */
export function minimumBudgetForProposals(proposals: readonly Proposal[]): number {
  let worst = 0;
  for (const p of proposals) {
    const encrs = p.transforms
      .filter((t) => t.type === TransformType.ENCR)
      .map((t) => encrTransform(t.id, t.keyLength))
      .filter((t): t is EncrTransform => t !== undefined);
    const integs = p.transforms
      .filter((t) => t.type === TransformType.INTEG)
      .map((t) => integTransform(t.id))
      .filter((t): t is IntegTransform => t !== undefined);
    for (const e of encrs)
      for (const i of e.aead || integs.length === 0 ? [undefined] : integs)
        worst = Math.max(worst, minimumFragmentBudget(e, i));
  }
  return worst;
}

/** minimumBudgetForProposals of a connection's IKE proposals; undefined if they do not parse. */
export function minimumBudgetForConnection(c: ConnectionConfig): number | undefined {
  const proposals = configuredProposals(c.proposals, ProtocolId.IKE);
  return proposals.ok ? minimumBudgetForProposals(proposals.value) : undefined;
}
