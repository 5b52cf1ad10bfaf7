/**
 * Reassembling a message from Encrypted Fragment messages (RFC 7383 §2.6). Pure: the partial
 * message is a value the IKE SA keeps (one for the peer's request, one for the response to
 * ours) and every call returns the next one.
 *
 * Order for each fragment (§2.6):
 *   1. Fragment Number and Total Fragments: non-zero, Number <= Total, Total within our limit
 *   2. Total lower than that of the fragments collected so far -> dropped (stale)
 *   3. same Message ID, Fragment Number and Total already received -> dropped (replay)
 *   4. integrity (ICV / AEAD tag over IKE header .. SKF ciphertext) -> dropped if it fails;
 *      nothing of a fragment is used before this
 *   5. Total higher than before -> what was collected is discarded, reassembly starts over
 *   6. size limits (message, and what the IKE SA buffers in all)
 *   7. stored (decrypted); when all are in, the plaintexts are joined in Fragment Number order
 *      and the Next Payload of fragment 1 names the first inner payload
 *
 * Decrypted fragments are secrets: whatever is discarded (a restart, a fragment over the limits,
 * the parts once joined, discardPartial for a timeout or a dying IKE SA) is zeroed in place, and
 * the caller zeroes the joined plaintext once it has parsed it.
 */
import { err, ok, type Result } from '../../result.js';
import { wipe } from '../../util/bytes.js';
import { openSk, type SkKeys } from '../sk.js';
import { PayloadType } from '../wire/constants.js';
import type { DecodedMessage } from '../wire/message.js';
import { SKF_HEADER_LENGTH } from './constants.js';
import type { FragmentLimits } from './limits.js';

export type FragmentDropReason =
  /** §2.6: Fragment Number or Total Fragments zero, or Number above Total. */
  | 'invalidNumber'
  /** Total Fragments above our limit (FragmentLimits.maxFragments). */
  | 'tooManyFragments'
  /** §2.6: Total Fragments lower than that of the fragments already collected. */
  | 'staleTotal'
  /** §2.6: this Fragment Number (with this Total) was already received: a replay. */
  | 'duplicate'
  /** §2.6: the ICV did not verify. */
  | 'integrity'
  /** The SKF body is truncated or its padding is wrong (after the ICV verified). */
  | 'malformed'
  /** The message or the IKE SA's buffers would exceed FragmentLimits. */
  | 'tooLarge'
  /** Neither the request we expect nor the response to our outstanding request. */
  | 'unexpected'
  /** §2.6.1: a fragment other than the first of a request already answered. */
  | 'retransmitted'
  /** Collected, then discarded: a higher Total Fragments restarted reassembly (§2.6). */
  | 'restarted'
  /** Collected, then discarded: the message was not complete in time. */
  | 'timeout';

/** A message being reassembled. */
export interface PartialMessage {
  readonly messageId: number;
  readonly total: number;
  /** Decrypted content by Fragment Number - 1; undefined until received. */
  readonly parts: readonly (Uint8Array | undefined)[];
  readonly received: number;
  /** Plaintext octets held. */
  readonly octets: number;
  /** Next Payload of fragment 1: the first inner payload (§2.5.3). */
  readonly firstInnerPayload?: number;
}

/** One received fragment: its header fields and where its SKF payload starts in `raw`. */
export interface FragmentIn {
  readonly messageId: number;
  readonly fragmentNumber: number;
  readonly totalFragments: number;
  /** SKF Next Payload (meaningful in fragment 1 only). */
  readonly firstInnerPayload: number;
  /** The whole fragment message, IKE header first. */
  readonly raw: Uint8Array;
  readonly skfOffset: number;
}

export interface Reassembled {
  readonly messageId: number;
  readonly firstInnerPayload: number;
  readonly plaintext: Uint8Array;
}

export type FragmentOutcome =
  | {
      readonly kind: 'stored';
      readonly partial: PartialMessage;
      /** Fragments of an earlier Total that this one made us discard (§2.6). */
      readonly discarded: number;
    }
  | { readonly kind: 'complete'; readonly message: Reassembled; readonly discarded: number };

export interface FragmentDrop {
  readonly reason: FragmentDropReason;
}

/**
 * Adds `f` to `partial` (undefined, or a partial message of another Message ID: started over).
 * `keys` are the peer's sending keys. `otherOctets`: plaintext the IKE SA holds besides
 * `partial` (the other direction's partial message), for the per-SA limit.
 */
export function addFragment(
  partial: PartialMessage | undefined,
  f: FragmentIn,
  keys: SkKeys,
  limits: FragmentLimits,
  otherOctets = 0,
): Result<FragmentOutcome, FragmentDrop> {
  const n = f.fragmentNumber;
  const total = f.totalFragments;
  const numbers = checkNumbers(f, limits);
  if (!numbers.ok) return numbers;
  const same = partial?.messageId === f.messageId ? partial : undefined;
  if (same && total < same.total) return err({ reason: 'staleTotal' }); // §2.6
  if (same && total === same.total && same.parts[n - 1] !== undefined) return err({ reason: 'duplicate' }); // §2.6
  const opened = openFragment(f, keys); // §2.6: ICV before use
  if (!opened.ok) return opened;
  const content = opened.value;

  // §2.6: a higher Total Fragments means the sender re-fragmented: start over with this one.
  const restart = !same || total > same.total;
  const discarded = restart && same ? same.received : 0;
  const base: PartialMessage = restart
    ? { messageId: f.messageId, total, parts: new Array(total).fill(undefined), received: 0, octets: 0 }
    : same;
  const octets = base.octets + content.length;
  if (octets > limits.maxMessageBytes || octets + otherOctets > limits.maxBufferedBytes) {
    wipe(content); // refused: its plaintext is not kept
    return err({ reason: 'tooLarge' });
  }
  if (restart && partial) discardPartial(partial); // what was collected (any Message ID) is gone
  const parts = base.parts.slice();
  parts[n - 1] = content;
  const next: PartialMessage = {
    ...base,
    parts,
    received: base.received + 1,
    octets,
    ...(n === 1 ? { firstInnerPayload: f.firstInnerPayload } : {}),
  };
  if (next.received < total) return ok({ kind: 'stored', partial: next, discarded });
  const plaintext = new Uint8Array(octets);
  let at = 0;
  for (const p of parts) {
    plaintext.set(p!, at);
    at += p!.length;
  }
  wipe(...parts); // joined: the caller wipes `plaintext` once parsed
  return ok({
    kind: 'complete',
    message: { messageId: f.messageId, firstInnerPayload: next.firstInnerPayload ?? 0, plaintext },
    discarded,
  });
}

/** §2.6: Fragment Number and Total Fragments non-zero, Number <= Total, Total within our limit. */
function checkNumbers(f: FragmentIn, limits: FragmentLimits): Result<void, FragmentDrop> {
  const n = f.fragmentNumber;
  const total = f.totalFragments;
  if (!Number.isInteger(n) || !Number.isInteger(total) || n < 1 || total < 1 || n > total)
    return err({ reason: 'invalidNumber' }); // §2.6
  if (total > limits.maxFragments) return err({ reason: 'tooManyFragments' });
  return ok(undefined);
}

/** §2.6: the ICV / AEAD tag of the fragment verified with the peer's `keys`, then its plaintext. */
function openFragment(f: FragmentIn, keys: SkKeys): Result<Uint8Array, FragmentDrop> {
  const opened = openSk(keys, f.raw, f.skfOffset, SKF_HEADER_LENGTH);
  return opened.ok ? opened : err({ reason: opened.error.code === 'INTEGRITY' ? 'integrity' : 'malformed' });
}

/**
 * Checks a fragment that is not to be kept (fragment 1 of a request already answered, which
 * makes us resend the response: RFC 7383 §2.6.1) as addFragment checks a new one: numbers, then
 * integrity with the peer's `keys`, so that a forged fragment does not make us send anything.
 * Its plaintext is zeroed at once.
 */
export function verifyFragment(
  f: FragmentIn,
  keys: SkKeys,
  limits: FragmentLimits,
): Result<void, FragmentDrop> {
  const numbers = checkNumbers(f, limits);
  if (!numbers.ok) return numbers;
  const opened = openFragment(f, keys); // §2.6: integrity before anything is done for it
  if (!opened.ok) return opened;
  wipe(opened.value);
  return ok(undefined);
}

/** Zeroes the decrypted fragments of a partial message being discarded (timeout, dying IKE SA). */
export function discardPartial(partial: PartialMessage | undefined): void {
  if (partial) wipe(...partial.parts);
}

/** The fragment a decoded message carries, if its protected payload is SKF (RFC 7383 §2.5). */
export function fragmentIn(decoded: DecodedMessage, raw: Uint8Array): FragmentIn | undefined {
  const skf = decoded.payloads[decoded.payloads.length - 1];
  if (!decoded.sk || skf?.type !== PayloadType.SKF) return undefined;
  return {
    messageId: decoded.header.messageId,
    fragmentNumber: skf.fragmentNumber,
    totalFragments: skf.totalFragments,
    firstInnerPayload: decoded.sk.firstInnerPayload,
    raw,
    skfOffset: decoded.sk.offset,
  };
}
