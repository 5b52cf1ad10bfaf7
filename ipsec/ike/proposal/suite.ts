/**
 * A chosen proposal (one transform per type) resolved to the transform descriptors of
 * ipsec/crypto/transforms.ts: what the key schedule, the SK payload and ESP consume.
 */
import { EncrId, EsnId, IntegId, KeId, TransformType } from '../../crypto/ids.js';
import { encrTransform, integTransform, keTransform, prfTransform } from '../../crypto/transforms.js';
import type { EncrTransform, IntegTransform, KeTransform, PrfTransform } from '../../crypto/types.js';
import { err, ok, type Result } from '../../result.js';
import { type Proposal, ProtocolId, type TransformSpec } from '../model.js';

const { ENCR, PRF, INTEG, KE, ESN } = TransformType;

export interface NegotiatedSuite {
  readonly protocolId: number;
  readonly encr: EncrTransform;
  /** Absent for AEAD ciphers (RFC 5282 §8) and for confidentiality-only ESP. */
  readonly integ?: IntegTransform;
  /** IKE only (RFC 7296 §3.3.3). */
  readonly prf?: PrfTransform;
  /** IKE: the D-H group; ESP: the PFS group of CREATE_CHILD_SA, absent without PFS. */
  readonly ke?: KeTransform;
  /** Extended Sequence Numbers (ESP only, RFC 4303 §2.2.1). */
  readonly esn: boolean;
}

export type SuiteErrorCode =
  | 'DUPLICATE_TYPE' // more than one transform of a type: not a chosen proposal
  | 'UNSUPPORTED_TRANSFORM' // not in our registry (or a key length it does not have)
  | 'MISSING_TRANSFORM' // a mandatory transform type is absent
  | 'NOT_ALLOWED' // a transform type or id the protocol does not use
  | 'AEAD_WITH_INTEG'; // RFC 5282 §8

export interface SuiteError {
  readonly code: SuiteErrorCode;
  readonly message: string;
  readonly transform?: TransformSpec;
}

const fail = (code: SuiteErrorCode, message: string, transform?: TransformSpec) =>
  err<SuiteError>(transform ? { code, message, transform } : { code, message });

/** Resolves a chosen IKE or ESP proposal to descriptors, checking the §3.3.3 type rules. */
export function negotiatedSuite(p: Proposal): Result<NegotiatedSuite, SuiteError> {
  const ike = p.protocolId === ProtocolId.IKE;
  if (!ike && p.protocolId !== ProtocolId.ESP)
    return fail('NOT_ALLOWED', `protocol ${p.protocolId}: only IKE and ESP suites`);
  const one = new Map<number, TransformSpec>();
  for (const t of p.transforms) {
    if (one.has(t.type)) return fail('DUPLICATE_TYPE', `two transforms of type ${t.type}`, t);
    one.set(t.type, t);
  }
  for (const t of p.transforms) {
    // §3.3.3: PRF is IKE-only, ESN is ESP/AH-only; unknown types are not part of a suite.
    const allowed: readonly number[] = ike ? [ENCR, PRF, INTEG, KE] : [ENCR, INTEG, KE, ESN];
    if (!allowed.includes(t.type)) return fail('NOT_ALLOWED', `transform type ${t.type} in this protocol`, t);
  }
  const e = one.get(ENCR);
  if (!e) return fail('MISSING_TRANSFORM', 'no encryption algorithm');
  const encr = encrTransform(e.id, e.keyLength);
  if (!encr) return fail('UNSUPPORTED_TRANSFORM', 'encryption algorithm', e);
  if (ike && !encr.ike) return fail('NOT_ALLOWED', 'ENCR_NULL is not allowed for IKE (§3.3.2)', e);

  const i = one.get(INTEG);
  let integ: IntegTransform | undefined;
  if (i && i.id !== IntegId.NONE) {
    if (encr.aead) return fail('AEAD_WITH_INTEG', 'AEAD cipher with an integrity algorithm (RFC 5282 §8)', i);
    integ = i.keyLength === undefined ? integTransform(i.id) : undefined;
    if (!integ) return fail('UNSUPPORTED_TRANSFORM', 'integrity algorithm', i);
  }
  if (!encr.aead && !integ && (ike || encr.id === EncrId.NULL))
    return fail(
      'MISSING_TRANSFORM',
      ike ? 'IKE needs integrity with a classic cipher' : 'ESP NULL needs integrity',
    );

  let prf: PrfTransform | undefined;
  const f = one.get(PRF);
  if (f) {
    prf = f.keyLength === undefined ? prfTransform(f.id) : undefined;
    if (!prf) return fail('UNSUPPORTED_TRANSFORM', 'PRF', f);
  } else if (ike) return fail('MISSING_TRANSFORM', 'IKE needs a PRF');

  let ke: KeTransform | undefined;
  const k = one.get(KE);
  if (k && k.id !== KeId.NONE) {
    ke = k.keyLength === undefined ? keTransform(k.id) : undefined;
    if (!ke) return fail('UNSUPPORTED_TRANSFORM', 'KE method', k);
  } else if (ike) return fail('MISSING_TRANSFORM', 'IKE needs a KE method');

  const s = one.get(ESN);
  if (!ike && !s) return fail('MISSING_TRANSFORM', 'ESP needs an ESN transform (§3.3.3)');
  if (s && s.id !== EsnId.ESN && s.id !== EsnId.NO_ESN) return fail('UNSUPPORTED_TRANSFORM', 'ESN value', s);
  const esn = s?.id === EsnId.ESN;

  return ok({
    protocolId: p.protocolId,
    encr,
    esn,
    ...(integ ? { integ } : {}),
    ...(prf ? { prf } : {}),
    ...(ke ? { ke } : {}),
  });
}
