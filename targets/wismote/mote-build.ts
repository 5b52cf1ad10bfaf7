/**
 * What this build of the mote firmware carries: the crypto of every suite of the profile, and
 * RFC 7383 IKE fragmentation. A build for one suite (scripts/build-mote.mjs --suite <name>)
 * replaces this module with one that lists that suite alone, so the others' code is not in the
 * bundle, and says whether it carries IKE fragmentation (not by default: buildMote options).
 */
import { CCM8_ECP256_CRYPTO, CCM8_X25519_CRYPTO, type MoteSuiteCrypto, SEED_CRYPTO } from './mote-crypto.js';

export const MOTE_BUILD_SUITES: readonly MoteSuiteCrypto[] = [
  SEED_CRYPTO,
  CCM8_ECP256_CRYPTO,
  CCM8_X25519_CRYPTO,
];

/** RFC 7383 in this build: without it, a profile with IKE fragmentation is refused at boot. */
export const MOTE_BUILD_IKE_FRAGMENTATION: boolean = true;
