/**
 * Traffic selector narrowing (RFC 7296 §2.9).
 *
 * Responder, per configured policy (a child config: local and remote selector lists):
 *   narrowed TSi = TSi ∩ our remote selectors, narrowed TSr = TSr ∩ our local selectors,
 *   each list the pairwise intersections in the initiator's order, without duplicates and
 *   without selectors contained in another one. Both lists non-empty -> the policy fits.
 * A Child SA covers TSi x TSr, so one answer uses one policy: when the initiator's first TSi and
 *   TSr describe a packet (single addresses), the first policy whose narrowed lists contain that
 *   packet wins ("the responder MUST narrow the Traffic Selectors to a subset that includes the
 *   initiator's first choices", §2.9); otherwise, or when no policy holds the packet, the first
 *   policy that fits. None fits -> TS_UNACCEPTABLE (§2.9, §3.10.1).
 * Initiator: every selector of the answer must lie within what we proposed on that side.
 */
import { err, ok, type Result } from '../../result.js';
import type { TrafficSelector } from '../model.js';
import { NotifyError } from '../wire/notify-types.js';
import {
  boxCoveredBy,
  boxWithin,
  fromBox,
  intersectBox,
  isSingleAddress,
  type TsBox,
  toBox,
} from './range.js';

/** Selectors of one child config, from our point of view. */
export interface TsPolicy {
  readonly local: readonly TrafficSelector[];
  readonly remote: readonly TrafficSelector[];
}

export interface NarrowedTs {
  readonly tsi: TrafficSelector[];
  readonly tsr: TrafficSelector[];
  /** Index of the policy used. */
  readonly policy: number;
  /** The initiator's first selectors were a packet and the answer contains it. */
  readonly packetKept: boolean;
  /** Another policy would accept traffic this answer leaves out (ADDITIONAL_TS_POSSIBLE, §3.10.1). */
  readonly additionalTsPossible: boolean;
}

export interface TsUnacceptable {
  readonly code: 'TS_UNACCEPTABLE';
  readonly notify: typeof NotifyError.TS_UNACCEPTABLE;
}

/** Valid boxes of a list; selectors we cannot interpret are ignored (they cannot be honoured). */
const boxes = (list: readonly TrafficSelector[]): TsBox[] =>
  list.map(toBox).filter((b): b is TsBox => b !== undefined);

/** Drops duplicates and boxes contained in another one, keeping the first of equals. */
function prune(list: readonly TsBox[]): TsBox[] {
  return list.filter(
    (b, i) => !list.some((o, j) => j !== i && boxWithin(b, o) && (!boxWithin(o, b) || j < i)),
  );
}

function intersectBoxes(a: readonly TsBox[], b: readonly TsBox[]): TsBox[] {
  const out: TsBox[] = [];
  for (const x of a) {
    for (const y of b) {
      const i = intersectBox(x, y);
      if (i) out.push(i);
    }
  }
  return prune(out);
}

/**
 * The intersection of two selector lists (as sets of traffic): pairwise intersections in `a`'s
 * order, pruned. Every result selector is a subset of one selector of `a` and one of `b`.
 */
export function intersectSelectors(
  a: readonly TrafficSelector[],
  b: readonly TrafficSelector[],
): TrafficSelector[] {
  return intersectBoxes(boxes(a), boxes(b)).map(fromBox);
}

/** Whether every selector of `inner` lies inside the union of `outer` (§2.9, §2.9.2). */
export function selectorsCover(
  outer: readonly TrafficSelector[],
  inner: readonly TrafficSelector[],
): boolean {
  const o = boxes(outer);
  return inner.every((ts) => {
    const b = toBox(ts);
    return b !== undefined && boxCoveredBy(b, o);
  });
}

/** Whether one selector lies inside another. */
export function selectorWithin(inner: TrafficSelector, outer: TrafficSelector): boolean {
  const a = toBox(inner);
  const b = toBox(outer);
  return a !== undefined && b !== undefined && boxWithin(a, b);
}

/** The packet of §2.9: the initiator's first TSi and TSr, when both are single addresses. */
function packetOf(tsi: readonly TrafficSelector[], tsr: readonly TrafficSelector[]) {
  const i = tsi[0] && toBox(tsi[0]);
  const r = tsr[0] && toBox(tsr[0]);
  return i && r && isSingleAddress(i) && isSingleAddress(r) ? { i, r } : undefined;
}

/**
 * Responder: narrows the initiator's TSi/TSr to one of our policies (in order). Returns the
 * narrowed lists, or TS_UNACCEPTABLE when no policy has a non-empty intersection on both sides.
 */
export function narrowTrafficSelectors(
  tsi: readonly TrafficSelector[],
  tsr: readonly TrafficSelector[],
  policies: TsPolicy | readonly TsPolicy[],
): Result<NarrowedTs, TsUnacceptable> {
  const list: readonly TsPolicy[] = Array.isArray(policies) ? policies : [policies as TsPolicy];
  const bi = boxes(tsi);
  const br = boxes(tsr);
  const candidates = list
    .map((p, policy) => ({
      policy,
      tsi: intersectBoxes(bi, boxes(p.remote)),
      tsr: intersectBoxes(br, boxes(p.local)),
    }))
    .filter((c) => c.tsi.length > 0 && c.tsr.length > 0); // §2.9: the set must not become empty
  const packet = packetOf(tsi, tsr);
  const holdsPacket = (c: (typeof candidates)[number]) =>
    packet !== undefined && boxCoveredBy(packet.i, c.tsi) && boxCoveredBy(packet.r, c.tsr);
  const chosen = candidates.find(holdsPacket) ?? candidates[0];
  if (!chosen) return err({ code: 'TS_UNACCEPTABLE', notify: NotifyError.TS_UNACCEPTABLE });
  // §3.10.1 ADDITIONAL_TS_POSSIBLE: another policy accepts traffic outside this answer.
  const additionalTsPossible = candidates.some(
    (c) =>
      c !== chosen &&
      !(c.tsi.every((b) => boxCoveredBy(b, chosen.tsi)) && c.tsr.every((b) => boxCoveredBy(b, chosen.tsr))),
  );
  return ok({
    tsi: chosen.tsi.map(fromBox),
    tsr: chosen.tsr.map(fromBox),
    policy: chosen.policy,
    packetKept: holdsPacket(chosen),
    additionalTsPossible,
  });
}

export type TsCheckErrorCode = 'EMPTY' | 'INVALID_SELECTOR' | 'NOT_SUBSET';

export interface TsCheckError {
  readonly code: TsCheckErrorCode;
  readonly side: 'TSi' | 'TSr';
  /** Index of the offending selector in the answer (-1 for EMPTY). */
  readonly index: number;
  readonly message: string;
}

function checkSide(
  side: 'TSi' | 'TSr',
  proposed: readonly TrafficSelector[],
  answer: readonly TrafficSelector[],
): TsCheckError | undefined {
  if (answer.length === 0) return { code: 'EMPTY', side, index: -1, message: `no ${side} in the answer` };
  const ours = boxes(proposed);
  for (const [index, ts] of answer.entries()) {
    const b = toBox(ts);
    if (!b)
      return { code: 'INVALID_SELECTOR', side, index, message: `${side}[${index}] is not a valid selector` };
    if (!boxCoveredBy(b, ours))
      return { code: 'NOT_SUBSET', side, index, message: `${side}[${index}] is outside what we proposed` };
  }
  return undefined;
}

/** Initiator: the responder's TSi/TSr must be subsets of what we proposed (§2.9: narrowing only). */
export function checkNarrowedTs(
  proposed: { readonly tsi: readonly TrafficSelector[]; readonly tsr: readonly TrafficSelector[] },
  answer: { readonly tsi: readonly TrafficSelector[]; readonly tsr: readonly TrafficSelector[] },
): Result<{ tsi: TrafficSelector[]; tsr: TrafficSelector[] }, TsCheckError> {
  const e = checkSide('TSi', proposed.tsi, answer.tsi) ?? checkSide('TSr', proposed.tsr, answer.tsr);
  return e ? err(e) : ok({ tsi: [...answer.tsi], tsr: [...answer.tsr] });
}
