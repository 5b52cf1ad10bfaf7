/**
 * Per-exchange, per-role payload rules (after strongSwan's message.c rule tables:
 * {payload type, min, max, encrypted}), checked right after decoding and before any state
 * machine sees the message. Sources: RFC 7296 §1.2-§1.5, §2.6, §2.21 and the exchange
 * diagrams of §1.
 *
 * Check order: (1) rules exist for the exchange; (2) SK placement: IKE_SA_INIT has no SK,
 * every other exchange has exactly one SK/SKF and nothing else outside it (§1.2, §3.14);
 * (3) every known payload is allowed, in the right place, at most `max` times; (4) unless the
 * response is an error/cookie response, every payload is there at least `min` times;
 * (5) payloads that go together (SA, TSi, TSr) are all there or all absent.
 * Unknown non-critical payloads are ignored wherever they are (§2.5).
 */
import { err, ok, type Result } from '../../result.js';
import { ExchangeType, exchangeTypeName, PayloadType, payloadTypeName } from './constants.js';
import { type WireError, type WireErrorCode, wireError } from './errors.js';
import { isErrorNotify, NotifyStatus } from './notify-types.js';
import type { Payload } from './payload-types.js';

export interface PayloadRule {
  readonly type: number;
  readonly min: number;
  /** Infinity for unbounded (Notify, Vendor ID, ...). */
  readonly max: number;
  /** Inside SK (true) or outside (false). */
  readonly encrypted: boolean;
}

export interface MessageRules {
  readonly rules: readonly PayloadRule[];
  /** Payload types that appear all together or not at all. */
  readonly together: readonly (readonly number[])[];
  /** Status notifies that, like any error notify, make a bare response (minimums waived). */
  readonly bareResponseNotifies: readonly number[];
}

const T = PayloadType;
const MANY = Number.POSITIVE_INFINITY;
const plain = (type: number, min: number, max: number): PayloadRule => ({ type, min, max, encrypted: false });
const enc = (type: number, min: number, max: number): PayloadRule => ({ type, min, max, encrypted: true });

/** §1.2: HDR, SAi1, KEi, Ni [, N(COOKIE), N(NAT_DETECTION_*)...] */
const IKE_SA_INIT_REQUEST: MessageRules = {
  rules: [
    plain(T.N, 0, MANY),
    plain(T.SA, 1, 1),
    plain(T.KE, 1, 1),
    plain(T.NONCE, 1, 1),
    plain(T.V, 0, MANY),
  ],
  together: [],
  bareResponseNotifies: [],
};

/**
 * §1.2: HDR, SAr1, KEr, Nr, [CERTREQ]. An error (INVALID_KE_PAYLOAD, NO_PROPOSAL_CHOSEN, §2.21.1),
 * N(COOKIE) (§2.6) or N(REDIRECT) (RFC 5685 §6) response carries only notifies.
 */
const IKE_SA_INIT_RESPONSE: MessageRules = {
  rules: [
    plain(T.N, 0, MANY),
    plain(T.SA, 1, 1),
    plain(T.KE, 1, 1),
    plain(T.NONCE, 1, 1),
    plain(T.CERTREQ, 0, MANY),
    plain(T.V, 0, MANY),
  ],
  together: [],
  bareResponseNotifies: [NotifyStatus.COOKIE, NotifyStatus.REDIRECT],
};

/**
 * §1.2: HDR, SK {IDi, [CERT,] [CERTREQ,] [IDr,] AUTH, SAi2, TSi, TSr}. IDi and AUTH are
 * optional because with EAP (§2.16) later IKE_AUTH requests carry only EAP or AUTH; SA and
 * TS are absent with childless IKE SAs (RFC 6023) and in those later rounds.
 */
const IKE_AUTH_REQUEST: MessageRules = {
  rules: [
    enc(T.N, 0, MANY),
    enc(T.IDi, 0, 1),
    enc(T.CERT, 0, MANY),
    enc(T.CERTREQ, 0, MANY),
    enc(T.IDr, 0, 1),
    enc(T.AUTH, 0, 1),
    enc(T.EAP, 0, 1),
    enc(T.SA, 0, 1),
    enc(T.TSi, 0, 1),
    enc(T.TSr, 0, 1),
    enc(T.CP, 0, 1),
    enc(T.V, 0, MANY),
  ],
  together: [[T.SA, T.TSi, T.TSr]], // a CHILD SA needs SA, TSi and TSr (§1.2)
  bareResponseNotifies: [],
};

/** §1.2: HDR, SK {IDr, [CERT,] AUTH, SAr2, TSi, TSr}; EAP rounds carry EAP (§2.16). */
const IKE_AUTH_RESPONSE: MessageRules = {
  rules: [
    enc(T.N, 0, MANY),
    enc(T.IDr, 0, 1),
    enc(T.CERT, 0, MANY),
    enc(T.AUTH, 0, 1),
    enc(T.EAP, 0, 1),
    enc(T.SA, 0, 1),
    enc(T.TSi, 0, 1),
    enc(T.TSr, 0, 1),
    enc(T.CP, 0, 1),
    enc(T.V, 0, MANY),
  ],
  together: [[T.SA, T.TSi, T.TSr]],
  bareResponseNotifies: [],
};

/**
 * §1.3.1-§1.3.3: HDR, SK {[N(REKEY_SA)], SA, Ni, [KEi], [TSi, TSr]}; TS absent when rekeying
 * the IKE SA (§1.3.2).
 */
const CREATE_CHILD_SA_REQUEST: MessageRules = {
  rules: [
    enc(T.N, 0, MANY),
    enc(T.SA, 1, 1),
    enc(T.NONCE, 1, 1),
    enc(T.KE, 0, 1),
    enc(T.TSi, 0, 1),
    enc(T.TSr, 0, 1),
    enc(T.CP, 0, 1),
    enc(T.V, 0, MANY),
  ],
  together: [[T.TSi, T.TSr]],
  bareResponseNotifies: [],
};

/** §1.3.1-§1.3.3: HDR, SK {SA, Nr, [KEr], [TSi, TSr]}, or only an error notify (§1.3). */
const CREATE_CHILD_SA_RESPONSE: MessageRules = {
  rules: [
    enc(T.N, 0, MANY),
    enc(T.SA, 1, 1),
    enc(T.NONCE, 1, 1),
    enc(T.KE, 0, 1),
    enc(T.TSi, 0, 1),
    enc(T.TSr, 0, 1),
    enc(T.CP, 0, 1),
    enc(T.V, 0, MANY),
  ],
  together: [[T.TSi, T.TSr]],
  bareResponseNotifies: [],
};

/** §1.4: HDR, SK {[N,] [D,] [CP,] ...}; an empty SK is a liveness check (§2.4). */
const INFORMATIONAL_RULES: MessageRules = {
  rules: [enc(T.N, 0, MANY), enc(T.D, 0, MANY), enc(T.CP, 0, 1), enc(T.V, 0, MANY)],
  together: [],
  bareResponseNotifies: [],
};

/** The rules by exchange type: [request, response]. */
export const MESSAGE_RULES: ReadonlyMap<number, readonly [MessageRules, MessageRules]> = new Map([
  [ExchangeType.IKE_SA_INIT, [IKE_SA_INIT_REQUEST, IKE_SA_INIT_RESPONSE] as const],
  [ExchangeType.IKE_AUTH, [IKE_AUTH_REQUEST, IKE_AUTH_RESPONSE] as const],
  [ExchangeType.CREATE_CHILD_SA, [CREATE_CHILD_SA_REQUEST, CREATE_CHILD_SA_RESPONSE] as const],
  [ExchangeType.INFORMATIONAL, [INFORMATIONAL_RULES, INFORMATIONAL_RULES] as const],
]);

const isSk = (p: Payload): boolean => p.type === T.SK || p.type === T.SKF;

function fail(code: WireErrorCode, type: number, message: string): Result<void, WireError> {
  return err(wireError(code, payloadTypeName(type), 0, message));
}

/**
 * Checks a decoded message against the rules of its exchange and role. Call it with the
 * decrypted SK chain as `innerPayloads` (empty for IKE_SA_INIT). Called with `innerPayloads`
 * undefined before SK is opened, it checks only what is outside SK (SK placement, no payload
 * that must be encrypted, counts); minimums and groups then wait for the full check.
 * Errors carry offset 0 and notify INVALID_SYNTAX.
 */
export function checkRules(
  exchange: number,
  isResponse: boolean,
  outerPayloads: readonly Payload[],
  innerPayloads?: readonly Payload[],
): Result<void, WireError> {
  const pair = MESSAGE_RULES.get(exchange);
  const xname = exchangeTypeName(exchange);
  if (!pair) return err(wireError('UNSUPPORTED_EXCHANGE', 'header', 0, `no payload rules for ${xname}`));
  const rules = isResponse ? pair[1] : pair[0];
  const what = `${xname} ${isResponse ? 'response' : 'request'}`;
  const protectedExchange = exchange !== ExchangeType.IKE_SA_INIT;
  const outerOnly = innerPayloads === undefined && protectedExchange;
  const inner = innerPayloads ?? [];

  const skCount = outerPayloads.filter(isSk).length;
  if (!protectedExchange && skCount > 0) return fail('UNEXPECTED_PAYLOAD', T.SK, `SK in ${what} (§1.2)`);
  if (protectedExchange && skCount === 0) return fail('MISSING_PAYLOAD', T.SK, `${what} without SK (§1.2)`);
  if (skCount > 1) return fail('TOO_MANY_PAYLOADS', T.SK, `several SK payloads in ${what} (§3.14)`);
  if (!protectedExchange && inner.length > 0)
    return fail('UNEXPECTED_PAYLOAD', T.SK, `encrypted payloads in ${what}`);

  const counts = new Map<number, number>();
  const visit = (p: Payload, encrypted: boolean): Result<void, WireError> => {
    if (p.type === 'unknown' || isSk(p)) return ok(undefined); // unknown non-critical: ignored (§2.5)
    const rule = rules.rules.find((r) => r.type === p.type);
    if (!rule) return fail('UNEXPECTED_PAYLOAD', p.type, `${payloadTypeName(p.type)} not allowed in ${what}`);
    if (rule.encrypted !== encrypted)
      return fail(
        'UNEXPECTED_PAYLOAD',
        p.type,
        `${payloadTypeName(p.type)} must be ${rule.encrypted ? 'inside' : 'outside'} SK in ${what}`,
      );
    const n = (counts.get(p.type) ?? 0) + 1;
    counts.set(p.type, n);
    if (n > rule.max)
      return fail('TOO_MANY_PAYLOADS', p.type, `more than ${rule.max} ${payloadTypeName(p.type)} in ${what}`);
    return ok(undefined);
  };
  for (const p of outerPayloads) {
    const r = visit(p, false);
    if (!r.ok) return r;
  }
  for (const p of inner) {
    if (isSk(p)) return fail('UNEXPECTED_PAYLOAD', T.SK, `SK inside SK in ${what}`);
    const r = visit(p, true);
    if (!r.ok) return r;
  }

  // A response carrying an error notify (§2.21) or a bare-response status notify holds only
  // that notify: the minimums do not apply.
  const bare =
    isResponse &&
    [...outerPayloads, ...inner].some(
      (p) =>
        p.type === T.N && (isErrorNotify(p.notifyType) || rules.bareResponseNotifies.includes(p.notifyType)),
    );
  if (outerOnly) return ok(undefined);
  if (!bare)
    for (const rule of rules.rules)
      if ((counts.get(rule.type) ?? 0) < rule.min)
        return fail('MISSING_PAYLOAD', rule.type, `${payloadTypeName(rule.type)} missing from ${what}`);
  for (const group of rules.together) {
    const present = group.filter((t) => counts.has(t));
    const missing = group.find((t) => !counts.has(t));
    if (present.length > 0 && missing !== undefined)
      return fail(
        'MISSING_PAYLOAD',
        missing,
        `${payloadTypeName(missing)} missing: ${group.map(payloadTypeName).join(', ')} go together in ${what}`,
      );
  }
  return ok(undefined);
}
