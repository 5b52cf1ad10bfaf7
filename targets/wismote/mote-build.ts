/**
 * The suites this build of the mote firmware carries the crypto of: every suite of the profile.
 * A build for one suite (scripts/build-mote.mjs --suite <name>) replaces this module with one
 * that lists that suite alone, so the others' code is not in the bundle.
 */
import { CCM8_ECP256_CRYPTO, CCM8_X25519_CRYPTO, type MoteSuiteCrypto, SEED_CRYPTO } from './mote-crypto.js';

export const MOTE_BUILD_SUITES: readonly MoteSuiteCrypto[] = [
  SEED_CRYPTO,
  CCM8_ECP256_CRYPTO,
  CCM8_X25519_CRYPTO,
];
