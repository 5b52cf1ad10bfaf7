/**
 * What this build of the mote firmware carries: the crypto of every suite of the profile, and
 * the whole of IKE the stack has. A build for one suite (scripts/build-mote.mjs --suite <name>)
 * replaces this module with one that lists that suite alone, so the others' code is not in the
 * bundle, and says whether it is minimal (it is unless built with `minimal: false`).
 */
import type { NobleAlgorithms } from '../../ipsec/crypto/noble/compose.js';
import {
  CCM8_ECP256_CRYPTO,
  CCM8_X25519_CRYPTO,
  MOTE_HASHES,
  type MoteSuiteCrypto,
  SEED_CRYPTO,
} from './mote-crypto.js';

export const MOTE_BUILD_SUITES: readonly MoteSuiteCrypto[] = [
  SEED_CRYPTO,
  CCM8_ECP256_CRYPTO,
  CCM8_X25519_CRYPTO,
];

/**
 * RFC 7815's minimal initiator: no responder, no NAT detection, no RFC 7383 IKE fragmentation,
 * no CREATE_CHILD_SA, no path MTU check (the build links the targets/wismote/no-*.ts stand-ins
 * listed in scripts/build-mote.mjs). A minimal firmware refuses a profile with IKE
 * fragmentation or a rekey time at boot (mote-stack.ts).
 */
export const MOTE_BUILD_MINIMAL: boolean = false;

/**
 * The digests the firmware carries (mote-crypto.ts): SHA-256 for answered requests and SHA-1
 * for NAT detection; a minimal firmware needs neither (its build picks MINIMAL_MOTE_HASHES).
 */
export const MOTE_BUILD_HASHES: NobleAlgorithms['hashes'] = MOTE_HASHES;
