/**
 * Proposal selection (RFC 7296 §2.7, §3.3, §3.3.6).
 *
 * Responder: pick one of the peer's proposals and exactly one transform of each type in it.
 *   Outer loop over the preferred list of proposals, inner loop over the other; within a type,
 *   the preferred proposal's order decides (strongSwan's proposal_t.select). strongSwan prefers
 *   our configured proposals by default (PROPOSAL_PREFER_SUPPLIED unset); `prefer: 'peer'`
 *   switches to the peer's order. The answer keeps the peer's Proposal Num (§3.3.1); the caller
 *   fills our SPI.
 * Initiator: the answer must hold one proposal, a subset of the one we offered with that number.
 */
import { EncrId, EsnId, IntegId, KeId, TransformType } from '../../crypto/ids.js';
import { err, ok, type Result } from '../../result.js';
import { type Proposal, ProtocolId, type TransformSpec } from '../model.js';
import { NotifyError } from '../wire/notify-types.js';
import type { WireTransform } from '../wire/payload-types.js';
import { isAeadEncr, orderByType } from './order.js';

const { ENCR, PRF, INTEG, KE, ESN } = TransformType;

/**
 * A transform carrying an attribute other than Key Length (the SA decoder keeps those in
 * `otherAttributes`, wire/payload-types.ts) is not acceptable: RFC 7296 §3.3.6, a transform
 * with an attribute we do not understand is rejected. IKEv2 defines no other attribute.
 */
const hasUnknownAttribute = (t: TransformSpec): boolean =>
  ((t as WireTransform).otherAttributes?.length ?? 0) > 0;

export interface SelectOptions {
  /** Whose order wins: ours (strongSwan's default) or the peer's. */
  readonly prefer?: 'configured' | 'peer';
  /**
   * IKE_SA_INIT: the KE payload's group. When acceptable in a proposal pair it is chosen first
   * (strongSwan promotes it too), saving the INVALID_KE_PAYLOAD round trip of §1.2.
   */
  readonly keGroup?: number;
  /**
   * IKE_AUTH: the SA payloads cannot negotiate a KE method there (§1.2: no KEi/KEr in IKE_AUTH),
   * so KE transforms are ignored on both sides and none is put in the answer.
   */
  readonly ignoreKe?: boolean;
}

export interface NoProposalChosen {
  readonly code: 'NO_PROPOSAL_CHOSEN';
  /** Notify Message Type to answer with (§3.10.1). */
  readonly notify: typeof NotifyError.NO_PROPOSAL_CHOSEN;
}

const TYPES_BY_PROTOCOL: Record<number, { required: readonly number[]; allowed: readonly number[] }> = {
  // §3.3.3: IKE: ENCR, PRF, INTEG (optional with AEAD), KE; ESP: ENCR, ESN mandatory, INTEG and KE optional.
  [ProtocolId.IKE]: { required: [ENCR, PRF, KE], allowed: [ENCR, PRF, INTEG, KE] },
  [ProtocolId.ESP]: { required: [ENCR, ESN], allowed: [ENCR, INTEG, KE, ESN] },
};

const byType = (p: Proposal, type: number) => p.transforms.filter((t) => t.type === type);
const same = (a: TransformSpec, b: TransformSpec) =>
  a.type === b.type && a.id === b.id && a.keyLength === b.keyLength; // §3.3.6: Key Length exactly
/** NONE is a real choice only for ESN (NO_ESN = 0); for INTEG and KE it means "none". */
const isNone = (t: TransformSpec) => t.id === 0 && t.type !== ESN && t.type !== ENCR;

/** Picks one transform of `type` acceptable to both, in `preferred`'s order (undefined = none). */
function pickType(
  type: number,
  preferred: readonly TransformSpec[],
  other: readonly TransformSpec[],
  first?: number,
): { found: boolean; chosen?: TransformSpec } {
  const pref = preferred.filter((t) => !hasUnknownAttribute(t));
  const oth = other.filter((t) => !hasUnknownAttribute(t));
  if (preferred.length === 0 && other.length === 0) return { found: true };
  const ordered =
    first === undefined
      ? pref
      : [...pref.filter((t) => t.id === first), ...pref.filter((t) => t.id !== first)];
  for (const a of ordered) {
    const b = oth.find((x) => same(a, x));
    if (b) return isNone(a) ? { found: true } : { found: true, chosen: b };
  }
  // Optional types (ESP INTEG/KE): absent on one side and NONE offered on the other is agreement.
  if (type === KE || type === INTEG) {
    if (preferred.length === 0 && other.some(isNone)) return { found: true };
    if (other.length === 0 && preferred.some(isNone)) return { found: true };
  }
  return { found: false };
}

/** Selects transforms from one proposal pair; `peer` supplies the answer's number. */
function selectPair(
  preferred: Proposal,
  other: Proposal,
  peer: Proposal,
  opts: SelectOptions,
): Proposal | undefined {
  if (preferred.protocolId !== other.protocolId) return undefined; // §3.3.1: protocol must match
  const rules = TYPES_BY_PROTOCOL[preferred.protocolId];
  if (!rules) return undefined;
  // A transform type we do not know makes the peer's proposal unacceptable (§3.3.6).
  if (peer.transforms.some((t) => !rules.allowed.includes(t.type) && !(opts.ignoreKe && t.type === KE)))
    return undefined;
  const chosen: TransformSpec[] = [];
  let aead = false;
  for (const type of rules.allowed) {
    if (type === KE && opts.ignoreKe) continue; // §1.2: no KE negotiation in IKE_AUTH
    if (type === INTEG && aead) {
      // RFC 5282 §8: with an AEAD cipher the integrity transform is omitted (or NONE).
      continue;
    }
    const first = type === KE ? opts.keGroup : undefined;
    const r = pickType(type, byType(preferred, type), byType(other, type), first);
    if (!r.found) return undefined;
    if (r.chosen) chosen.push(r.chosen);
    if (type === ENCR && r.chosen && isAeadEncr(r.chosen)) aead = true;
  }
  const types = new Set(chosen.map((t) => t.type));
  if (!rules.required.every((type) => types.has(type) || (type === KE && opts.ignoreKe))) return undefined;
  const encr = chosen.find((t) => t.type === ENCR);
  if (preferred.protocolId === ProtocolId.IKE && !aead && !types.has(INTEG)) return undefined; // §3.3.3
  if (encr?.id === EncrId.NULL && !types.has(INTEG)) return undefined; // RFC 4303 §3.2: not NULL+NONE
  return {
    num: peer.num,
    protocolId: peer.protocolId,
    spi: new Uint8Array(0),
    transforms: orderByType(chosen),
  };
}

/**
 * Responder: chooses one proposal and one transform per type from the peer's `offered` list
 * against our `configured` proposals (§2.7). The result's SPI is empty: the caller fills ours.
 */
export function selectProposal(
  offered: readonly Proposal[],
  configured: readonly Proposal[],
  opts: SelectOptions = {},
): Result<Proposal, NoProposalChosen> {
  const preferPeer = opts.prefer === 'peer';
  const outer = preferPeer ? offered : configured;
  const inner = preferPeer ? configured : offered;
  for (const a of outer) {
    for (const b of inner) {
      const peer = preferPeer ? a : b;
      const chosen = selectPair(a, b, peer, opts);
      if (chosen) return ok(chosen);
    }
  }
  return err({ code: 'NO_PROPOSAL_CHOSEN', notify: NotifyError.NO_PROPOSAL_CHOSEN }); // §2.7
}

export type ProposalCheckErrorCode =
  | 'NOT_ONE_PROPOSAL' // §2.7: the responder answers with exactly one proposal
  | 'UNKNOWN_PROPOSAL_NUM' // no proposal of ours has that Proposal Num
  | 'PROTOCOL_MISMATCH' // different Protocol ID than our proposal with that number
  | 'DUPLICATE_TYPE' // more than one transform of a type
  | 'NOT_OFFERED' // a transform (or key length) we did not offer in that proposal
  | 'UNKNOWN_ATTRIBUTE' // a transform attribute other than Key Length
  | 'MISSING_TYPE' // a transform type we offered (and need) is absent
  | 'AEAD_WITH_INTEG'; // AEAD cipher with an integrity algorithm other than NONE (RFC 5282 §8)

export interface ProposalCheckError {
  readonly code: ProposalCheckErrorCode;
  readonly message: string;
  readonly transform?: TransformSpec;
}

const checkFail = (code: ProposalCheckErrorCode, message: string, transform?: TransformSpec) =>
  err<ProposalCheckError>(transform ? { code, message, transform } : { code, message });

/**
 * Initiator: checks the responder's SA payload against what we offered (§2.7: "the responder
 * MUST ... choose a single proposal ... The accepted cryptographic suite MUST contain exactly one
 * transform of each type included in the proposal"). Returns the accepted proposal.
 */
export function checkProposalResponse(
  offered: readonly Proposal[],
  response: readonly Proposal[],
  opts: Pick<SelectOptions, 'ignoreKe'> = {},
): Result<Proposal, ProposalCheckError> {
  const [answer] = response;
  if (response.length !== 1 || !answer) return checkFail('NOT_ONE_PROPOSAL', `${response.length} proposals`);
  const ours = offered.find((p) => p.num === answer.num);
  if (!ours) return checkFail('UNKNOWN_PROPOSAL_NUM', `proposal ${answer.num} was not offered`);
  if (ours.protocolId !== answer.protocolId)
    return checkFail('PROTOCOL_MISMATCH', `protocol ${answer.protocolId}, offered ${ours.protocolId}`);
  const seen = new Set<number>();
  for (const t of answer.transforms) {
    if (seen.has(t.type)) return checkFail('DUPLICATE_TYPE', `two transforms of type ${t.type}`, t);
    seen.add(t.type);
    if (hasUnknownAttribute(t)) return checkFail('UNKNOWN_ATTRIBUTE', 'unknown transform attribute', t);
    if (t.type === KE && opts.ignoreKe && t.id !== KeId.NONE)
      return checkFail('NOT_OFFERED', 'KE method in IKE_AUTH (RFC 7296 §1.2)', t);
    const offeredHere = ours.transforms.some((o) => same(o, t));
    const noneForOmitted = isNone(t) && byType(ours, t.type).length === 0;
    if (!offeredHere && !noneForOmitted) return checkFail('NOT_OFFERED', 'transform not offered', t);
  }
  const encr = answer.transforms.find((t) => t.type === ENCR);
  const aead = encr !== undefined && isAeadEncr(encr);
  const integ = answer.transforms.find((t) => t.type === INTEG);
  if (aead && integ && integ.id !== IntegId.NONE)
    return checkFail('AEAD_WITH_INTEG', 'AEAD cipher with an integrity algorithm (RFC 5282 §8)', integ);
  for (const type of new Set(ours.transforms.map((t) => t.type))) {
    if (seen.has(type)) continue;
    const offeredOfType = byType(ours, type);
    const optional =
      (type === INTEG && aead) ||
      (type === KE &&
        (opts.ignoreKe || (ours.protocolId !== ProtocolId.IKE && offeredOfType.some(isNone)))) ||
      offeredOfType.every(isNone);
    if (!optional) return checkFail('MISSING_TYPE', `no transform of type ${type} in the answer`);
  }
  if (!seen.has(ENCR)) return checkFail('MISSING_TYPE', 'no encryption algorithm in the answer');
  return ok(answer);
}

/** The KE method of a chosen proposal (undefined when none or NONE). */
export function chosenKeGroup(p: Proposal): number | undefined {
  const ke = p.transforms.find((t) => t.type === KE && t.id !== KeId.NONE);
  return ke?.id;
}

/**
 * IKE_SA_INIT responder: when the chosen proposal's KE method differs from the group of the
 * initiator's KE payload, the answer is INVALID_KE_PAYLOAD carrying the selected group
 * (RFC 7296 §1.2, §3.10.1). Returns that group, or undefined when the KE payload can be used.
 */
export function invalidKeGroup(chosen: Proposal, keGroup: number): number | undefined {
  const group = chosenKeGroup(chosen);
  return group !== undefined && group !== keGroup ? group : undefined;
}

/** The ESN choice of an ESP proposal (false when absent or NO_ESN). */
export const chosenEsn = (p: Proposal): boolean =>
  p.transforms.some((t) => t.type === ESN && t.id === EsnId.ESN);
