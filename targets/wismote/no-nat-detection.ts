/**
 * The firmware's stand-in for ipsec/ike/nat.ts (NAT detection, RFC 7296 §2.23), linked by
 * scripts/build-mote.mjs into a minimal firmware (mote-build.ts MOTE_BUILD_MINIMAL, RFC 7815's
 * minimal initiator: a one-suite firmware by default) where IKE_SA_INIT imports it. No NAT sits
 * between a mote and its border router on one 802.15.4 PAN, and the mote profile never sends
 * NAT_DETECTION notifies (nat_detection = no), so the peer sends none back: a response gives no
 * verdict, as one without both kinds of notify gives none in the full build, and the IKE SA
 * stays on port 500.
 */
import type { NatDetectionNotifies, NatDetectionResult } from '../../ipsec/ike/nat.js';

/** Never called: IKE_SA_INIT adds NAT-D only with nat_detection, which the profile turns off. */
export function natDetectionNotifies(): NatDetectionNotifies {
  throw new Error('this minimal firmware has no NAT detection (nat_detection must be no)');
}

/** No verdict: the peer's NAT_DETECTION notifies, if it sent any anyway, are not looked at. */
export const detectNat = (): NatDetectionResult => ({
  supported: false,
  localBehindNat: false,
  remoteBehindNat: false,
});
