/**
 * The AUTH payload data for Shared Key Message Integrity Code (RFC 7296 §2.15, Auth Method 2):
 *   InitiatorSignedOctets = RealMessage1 | NonceRData | MACedIDForI,  MACedIDForI = prf(SK_pi, IDi')
 *   ResponderSignedOctets = RealMessage2 | NonceIData | MACedIDForR,  MACedIDForR = prf(SK_pr, IDr')
 *   AUTH = prf( prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>)
 * IDx' is the ID payload body: ID Type | 3 RESERVED octets | Identification Data.
 * The signed octets are also what a signature AUTH method signs (§2.15).
 */
import type { CryptoProvider, PrfTransform } from '../../crypto/types.js';
import { concatBytes, equalBytes, utf8, wipe } from '../../util/bytes.js';
import type { IkeSaKeys } from './ike-keys.js';

/** RFC 7296 §2.15: "Key Pad for IKEv2", 17 ASCII characters without null termination. */
export const KEY_PAD_FOR_IKEV2: Uint8Array = utf8('Key Pad for IKEv2');

/** Whose AUTH payload: the IKE initiator's (in the IKE_AUTH request) or the responder's. */
export type AuthRole = 'initiator' | 'responder';

export interface SignedOctetsInputs {
  /**
   * RealMessage1 for the initiator's AUTH (the IKE_SA_INIT request as sent, the one that
   * produced the response; §2.15), RealMessage2 for the responder's (the IKE_SA_INIT response).
   */
  readonly realMessage: Uint8Array;
  /** The other peer's nonce data: Nr for the initiator's AUTH, Ni for the responder's. */
  readonly peerNonce: Uint8Array;
  /** IDi' for the initiator's AUTH, IDr' for the responder's: the ID payload body. */
  readonly idBody: Uint8Array;
}

/** InitiatorSignedOctets or ResponderSignedOctets (§2.15), keyed by SK_pi or SK_pr. */
export function signedOctets(
  provider: CryptoProvider,
  keys: IkeSaKeys,
  role: AuthRole,
  inputs: SignedOctetsInputs,
): Uint8Array {
  const skP = role === 'initiator' ? keys.skPi : keys.skPr;
  const macedId = provider.prf(keys.suite.prf).compute(skP, inputs.idBody); // MACedIDForI/R = prf(SK_px, IDx')
  return concatBytes(inputs.realMessage, inputs.peerNonce, macedId); // RealMessage | Nonce | MACedID
}

/** AUTH = prf( prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>) (§2.15). */
export function computePskAuth(
  provider: CryptoProvider,
  prfTransform: PrfTransform,
  sharedSecret: Uint8Array,
  octets: Uint8Array,
): Uint8Array {
  const prf = provider.prf(prfTransform);
  const padKey = prf.compute(sharedSecret, KEY_PAD_FOR_IKEV2); // prf(Shared Secret, "Key Pad for IKEv2")
  const auth = prf.compute(padKey, octets);
  wipe(padKey);
  return auth;
}

/** The AUTH payload data (method 2) that `role` sends. */
export function pskAuthData(
  provider: CryptoProvider,
  keys: IkeSaKeys,
  role: AuthRole,
  sharedSecret: Uint8Array,
  inputs: SignedOctetsInputs,
): Uint8Array {
  return computePskAuth(provider, keys.suite.prf, sharedSecret, signedOctets(provider, keys, role, inputs));
}

/**
 * Checks the AUTH payload data (method 2) received from the peer in `role`, in constant time
 * (the comparison's time depends only on the lengths).
 */
export function verifyPskAuthData(
  provider: CryptoProvider,
  keys: IkeSaKeys,
  role: AuthRole,
  sharedSecret: Uint8Array,
  inputs: SignedOctetsInputs,
  received: Uint8Array,
): boolean {
  const expected = pskAuthData(provider, keys, role, sharedSecret, inputs);
  const good = equalBytes(expected, received);
  wipe(expected);
  return good;
}
