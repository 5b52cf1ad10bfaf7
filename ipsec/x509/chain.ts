/**
 * Certificate path validation (RFC 5280 §6), the subset strongSwan does: issuers found by name
 * (and key identifiers), signatures checked through the caller's `verify`, validity periods,
 * basicConstraints / pathLenConstraint, keyUsage, unknown critical extensions, and revocation by
 * CRL (RFC 5280 §6.3) under strongSwan's policies: strict, ifuri, relaxed.
 */
import { err, ok, type Result } from '../result.js';
import { equalBytes } from '../util/bytes.js';
import { isSelfIssued } from './certificate.js';
import { formatDn, nameEquals } from './name.js';
import type { AlgorithmIdentifier, Certificate, Crl } from './types.js';

export type ChainErrorCode =
  | 'UNTRUSTED'
  | 'EXPIRED'
  | 'NOT_YET_VALID'
  | 'REVOKED'
  | 'BAD_SIGNATURE'
  | 'NOT_A_CA'
  | 'PATH_LENGTH'
  | 'KEY_USAGE'
  | 'UNKNOWN_CRITICAL'
  | 'CRL_MISSING'
  | 'CRL_BAD'
  | 'TOO_DEEP';

export interface ChainError {
  readonly code: ChainErrorCode;
  /** Names the certificate by its subject DN. */
  readonly message: string;
}

export interface Signed {
  readonly tbs: Uint8Array;
  readonly algorithm: AlgorithmIdentifier;
  readonly signature: Uint8Array;
}

export interface VerifyChainInput {
  readonly end: Certificate;
  /** Intermediate CA certificates that may complete the path (untrusted by themselves). */
  readonly candidates: readonly Certificate[];
  /** Trust anchors: self-signed roots, pinned CAs, or a pinned end-entity certificate. */
  readonly anchors: readonly Certificate[];
  readonly crls: readonly Crl[];
  /** ms since the epoch. */
  readonly now: number;
  readonly revocation: 'strict' | 'ifuri' | 'relaxed';
  /** Whether `signed` carries a valid signature by `issuer`'s key; must not throw. */
  readonly verify: (issuer: Certificate, signed: Signed) => boolean;
  /** Most certificates in a path, anchor included (default 7). */
  readonly maxDepth?: number;
}

const fail = (code: ChainErrorCode, cert: Certificate, what: string): { ok: false; error: ChainError } =>
  err({ code, message: `certificate "${formatDn(cert.subject)}" ${what}` });

const iso = (ms: number): string => new Date(ms).toISOString();

/** Checks each certificate needs on its own: RFC 5280 §6.1.3 (a)(2) validity, §4.2 critical extensions. */
function checkSelf(cert: Certificate, now: number): Result<void, ChainError> {
  if (cert.unknownCritical.length > 0)
    return fail(
      'UNKNOWN_CRITICAL',
      cert,
      `has unknown critical extensions ${cert.unknownCritical.join(', ')}`,
    );
  if (now < cert.notBefore) return fail('NOT_YET_VALID', cert, `is not valid before ${iso(cert.notBefore)}`);
  if (now > cert.notAfter) return fail('EXPIRED', cert, `expired on ${iso(cert.notAfter)}`);
  return ok(undefined);
}

/** RFC 5280 §6.1.4 (k), (n): an issuer is a CA allowed to sign certificates. */
function checkIssuer(issuer: Certificate, belowCas: number): Result<void, ChainError> {
  const bc = issuer.basicConstraints;
  if (!bc?.ca) return fail('NOT_A_CA', issuer, 'is not a CA (basicConstraints cA is not set)');
  if (issuer.keyUsage && !issuer.keyUsage.keyCertSign)
    return fail('KEY_USAGE', issuer, 'has keyUsage without keyCertSign');
  // RFC 5280 §6.1.4 (l), (m): non-self-issued intermediates below must not exceed pathLenConstraint.
  if (bc.pathLen !== undefined && belowCas > bc.pathLen)
    return fail(
      'PATH_LENGTH',
      issuer,
      `allows ${bc.pathLen} intermediate CAs below it, the path has ${belowCas}`,
    );
  return ok(undefined);
}

/** RFC 5280 §4.2.1.1 / §4.2.1.2: key identifiers, when both are present, must agree. */
const keyIdsAgree = (akid: Uint8Array | undefined, skid: Uint8Array | undefined): boolean =>
  !akid || !skid || equalBytes(akid, skid);

const sameCert = (a: Certificate, b: Certificate): boolean => equalBytes(a.der, b.der);

/** RFC 5280 §6.3.3: the revocation state of `cert` from CRLs its `issuer` signed. */
function checkRevocation(
  cert: Certificate,
  issuer: Certificate,
  input: VerifyChainInput,
): Result<void, ChainError> {
  const { crls, now, revocation, verify } = input;
  const fromIssuer = crls.filter(
    (c) => nameEquals(c.issuer, issuer.subject) && keyIdsAgree(c.authorityKeyId, issuer.subjectKeyId),
  );
  let fresh = false;
  let bad = false;
  for (const crl of fromIssuer) {
    // RFC 5280 §6.3.3 (f): the CRL signer needs cRLSign when keyUsage is present; (g) signature.
    const authentic =
      (!issuer.keyUsage || issuer.keyUsage.cRLSign) &&
      crl.thisUpdate <= now &&
      verify(issuer, { tbs: crl.tbs, algorithm: crl.signatureAlgorithm, signature: crl.signature });
    if (!authentic) {
      bad = true;
      continue;
    }
    // RFC 5280 §6.3.3 (i): a listed serial number is revoked (a stale CRL still says so).
    const entry = crl.revoked.find((r) => equalBytes(r.serial, cert.serial));
    if (entry) {
      const reason = entry.reason === undefined ? '' : ` (reason ${entry.reason})`;
      return fail('REVOKED', cert, `was revoked on ${iso(entry.revocationDate)}${reason}`);
    }
    // RFC 5280 §6.3.3 (a): a CRL past its nextUpdate is not current.
    if (crl.nextUpdate === undefined || crl.nextUpdate >= now) fresh = true;
  }
  const required =
    revocation === 'strict' || (revocation === 'ifuri' && cert.crlDistributionPoints.length > 0);
  if (fresh || !required) return ok(undefined);
  if (bad)
    return fail(
      'CRL_BAD',
      cert,
      `has no valid CRL: the CRL of "${formatDn(issuer.subject)}" does not verify`,
    );
  return fail('CRL_MISSING', cert, `has no current CRL from "${formatDn(issuer.subject)}"`);
}

/** A path end..anchor for `end`, validated; the first problem found otherwise. */
export function verifyChain(input: VerifyChainInput): Result<readonly Certificate[], ChainError> {
  const { end, candidates, anchors, now, verify } = input;
  const maxDepth = input.maxDepth ?? 7;
  const isAnchor = (c: Certificate): boolean => anchors.some((a) => sameCert(a, c));

  const self = checkSelf(end, now);
  if (!self.ok) return self;
  // RFC 5280 §4.2.1.3 (RFC 4945 §5.1.3.2): an end entity key signing AUTH needs digitalSignature.
  if (end.keyUsage && !end.keyUsage.digitalSignature)
    return fail('KEY_USAGE', end, 'has keyUsage without digitalSignature');

  const chain: Certificate[] = [end];
  let current = end;
  while (!isAnchor(current)) {
    if (chain.length >= maxDepth)
      return fail('TOO_DEEP', end, `needs a path longer than ${maxDepth} certificates`);
    const named = [...anchors, ...candidates].filter(
      (c) =>
        nameEquals(c.subject, current.issuer) &&
        keyIdsAgree(current.authorityKeyId, c.subjectKeyId) &&
        !chain.some((x) => sameCert(x, c)),
    );
    if (named.length === 0) {
      const loop = chain.length > 1 && chain.some((x) => nameEquals(x.subject, current.issuer));
      return fail(
        'UNTRUSTED',
        current,
        loop ? 'is in an issuer loop' : `has no trusted issuer "${formatDn(current.issuer)}"`,
      );
    }
    const signed = { tbs: current.tbs, algorithm: current.signatureAlgorithm, signature: current.signature };
    // RFC 5280 §6.1.3 (a)(1): the signature verifies with the issuer's key; anchors are preferred.
    const issuer = named.find((c) => verify(c, signed));
    if (!issuer)
      return fail('BAD_SIGNATURE', current, `does not verify with the key of "${formatDn(current.issuer)}"`);
    const issuerSelf = checkSelf(issuer, now);
    if (!issuerSelf.ok) return issuerSelf;
    const belowCas = chain.slice(1).filter((c) => !isSelfIssued(c)).length;
    const ca = checkIssuer(issuer, belowCas);
    if (!ca.ok) return ca;
    const rev = checkRevocation(current, issuer, input);
    if (!rev.ok) return rev;
    chain.push(issuer);
    current = issuer;
  }
  return ok(chain);
}
