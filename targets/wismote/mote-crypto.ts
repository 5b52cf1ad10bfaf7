/**
 * The crypto a mote carries: per suite of the profile (profile.ts MOTE_SUITES), exactly the
 * transforms it negotiates, composed into a noble provider (ipsec/crypto/noble/compose.ts). A
 * build that names one suite (scripts/build-mote.mjs --suite) carries only that suite's code:
 * the seed's is AES (CTR, XCBC) and P-192, without x25519/x448, MODP, CBC, GCM, ChaCha20 or
 * ECDSA.
 *
 * Points: the firmware's own (mote-ecp.ts shortWeierstrass: noble's results, a Montgomery ladder
 * on the complete projective formulas, no base-point table, ~1.5 KiB), not noble's generic
 * Weierstrass code (~21 KiB minified). noble would precompute, for the base point, a table of
 * 2^(W-1) points per W-bit window (W = 6 by default: 1760 points for P-192, hundreds of KiB of
 * BigInts in QuickJS); a mote does one base-point multiplication per handshake, so it keeps
 * none. The gateway in the same process keeps noble's p256 and its table.
 */
import { KeId } from '../../ipsec/crypto/ids.js';
import type { NobleAlgorithms } from '../../ipsec/crypto/noble/compose.js';
import { ENCR_AES_CCM } from '../../ipsec/crypto/noble/encr-ccm.js';
import { ENCR_AES_CTR } from '../../ipsec/crypto/noble/encr-ctr.js';
import { ecpMethod } from '../../ipsec/crypto/noble/ke-ecp.js';
import { KE_CURVE_25519 } from '../../ipsec/crypto/noble/ke-montgomery.js';
import { INTEG_AES_XCBC_96 } from '../../ipsec/crypto/noble/mac.js';
import { P192_CURVE } from '../../ipsec/crypto/noble/p192.js';
import { P256_CURVE } from '../../ipsec/crypto/noble/p256.js';
import { PRF_AES128_XCBC, PRF_HMAC_SHA2_256 } from '../../ipsec/crypto/noble/prf.js';
import { shortWeierstrass } from './mote-ecp.js';
import { sha1, sha256 } from './mote-hash.js';
import {
  CCM8_ECP256_PROPOSALS,
  CCM8_X25519_PROPOSALS,
  type MoteProposals,
  SEED_PROPOSALS,
} from './mote-proposals.js';
import type { MoteSuiteName } from './profile.js';

/**
 * What every suite needs besides its transforms (`moteAlgorithms`' `hashes`): SHA-256 for the
 * digests of answered requests (ipsec/ike/request-digest.ts) and SHA-1 for NAT_DETECTION_*
 * hashes, should a peer send them unasked (RFC 7296 §2.23). A minimal firmware (mote-build.ts)
 * needs neither: it has no NAT detection (no-nat-detection.ts) and keeps answered requests
 * whole (mote-request-digest.ts).
 */
export const MOTE_HASHES: NobleAlgorithms['hashes'] = { sha256, sha1 };
export const MINIMAL_MOTE_HASHES: NobleAlgorithms['hashes'] = {};

export interface MoteSuiteCrypto {
  readonly suite: MoteSuiteName;
  readonly algorithms: Omit<NobleAlgorithms, 'name' | 'hashes'>;
  /** Its proposals, compiled (mote-proposals.ts): the firmware has no keyword parser. */
  readonly proposals: MoteProposals;
}

/** aes128ctr-aesxcbc-prfaesxcbc-ecp192, ESP aes128ctr-aesxcbc. */
export const SEED_CRYPTO: MoteSuiteCrypto = /* @__PURE__ */ (() => ({
  suite: 'seed',
  proposals: SEED_PROPOSALS,
  algorithms: {
    encr: [ENCR_AES_CTR], // RFC 3686
    integ: [INTEG_AES_XCBC_96], // RFC 3566
    prf: [PRF_AES128_XCBC], // RFC 4434
    ke: [ecpMethod(KeId.ECP_192, shortWeierstrass(P192_CURVE))], // RFC 5114 §2.6
  },
}))();

/** aes128ccm8-prfsha256-ecp256, ESP aes128ccm8. */
export const CCM8_ECP256_CRYPTO: MoteSuiteCrypto = /* @__PURE__ */ (() => ({
  suite: 'ccm8-ecp256',
  proposals: CCM8_ECP256_PROPOSALS,
  algorithms: {
    encr: ENCR_AES_CCM, // RFC 4309
    integ: [],
    prf: [PRF_HMAC_SHA2_256], // RFC 4868
    ke: [ecpMethod(KeId.ECP_256, shortWeierstrass(P256_CURVE))], // RFC 5903 §3.1
  },
}))();

/** aes128ccm8-prfsha256-x25519, ESP aes128ccm8. */
export const CCM8_X25519_CRYPTO: MoteSuiteCrypto = /* @__PURE__ */ (() => ({
  suite: 'ccm8-x25519',
  proposals: CCM8_X25519_PROPOSALS,
  algorithms: {
    encr: ENCR_AES_CCM,
    integ: [],
    prf: [PRF_HMAC_SHA2_256],
    ke: [KE_CURVE_25519], // RFC 8031 (x25519 has no base-point table: a Montgomery ladder)
  },
}))();

/** The union of the suites' algorithms, one provider for all of them. */
export function moteAlgorithms(
  suites: readonly MoteSuiteCrypto[],
  hashes: NobleAlgorithms['hashes'],
): NobleAlgorithms {
  const all = <K extends keyof MoteSuiteCrypto['algorithms']>(k: K) => [
    ...new Set(suites.flatMap((s) => s.algorithms[k] as readonly MoteSuiteCrypto['algorithms'][K][number][])),
  ];
  return {
    name: `noble-mote(${suites.map((s) => s.suite).join(',')})`,
    encr: all('encr'),
    integ: all('integ'),
    prf: all('prf'),
    ke: all('ke'),
    hashes,
  };
}
