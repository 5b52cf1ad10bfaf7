/**
 * Child SA keying material (RFC 7296 §2.17):
 *   KEYMAT = prf+ (SK_d, Ni | Nr)                  (IKE_AUTH, or CREATE_CHILD_SA without KE)
 *   KEYMAT = prf+ (SK_d, g^ir (new) | Ni | Nr)     (CREATE_CHILD_SA with KE: PFS)
 * taken in the order: encryption key (i->r), integrity key (i->r), encryption key (r->i),
 * integrity key (r->i) (§2.17).
 */
import type { CryptoProvider } from '../../crypto/types.js';
import { concatBytes, wipe } from '../../util/bytes.js';
import { type IkeSaKeys, NO_KEY } from './ike-keys.js';
import { prfPlus } from './prf-plus.js';
import { type ChildSuite, childKeyLengths } from './suite.js';

/** The keys of one direction of a Child SA. */
export interface ChildDirectionKeys {
  /** Cipher key, salt included (RFC 4106 §8.1, RFC 3686 §5.1, RFC 7634 §2). */
  readonly encr: Uint8Array;
  /** Integrity key; empty for AEAD ciphers. */
  readonly integ: Uint8Array;
}

/** A Child SA's keys. Zero them with wipeChildSaKeys() when the SA dies. */
export interface ChildSaKeys {
  readonly suite: ChildSuite;
  /** Protects traffic sent by the IKE initiator (the responder's inbound SA, SPI chosen by the responder). */
  readonly initiator: ChildDirectionKeys;
  /** Protects traffic sent by the IKE responder. */
  readonly responder: ChildDirectionKeys;
}

export interface ChildKeyInputs {
  /** Ni, Nr of the creating exchange (the IKE SA's nonces for the IKE_AUTH Child SA). */
  readonly ni: Uint8Array;
  readonly nr: Uint8Array;
  /** g^ir (new) of a CREATE_CHILD_SA with KE payloads (PFS); absent otherwise. */
  readonly sharedSecret?: Uint8Array;
}

/** KEYMAT = prf+ (SK_d, [g^ir (new) |] Ni | Nr), split per §2.17. */
export function deriveChildSaKeys(
  provider: CryptoProvider,
  ike: IkeSaKeys,
  suite: ChildSuite,
  inputs: ChildKeyInputs,
): ChildSaKeys {
  const len = childKeyLengths(suite);
  const seed = inputs.sharedSecret
    ? concatBytes(inputs.sharedSecret, inputs.ni, inputs.nr) // §2.17, with PFS
    : concatBytes(inputs.ni, inputs.nr); // §2.17
  const keymat = prfPlus(provider.prf(ike.suite.prf), ike.skD, seed, 2 * (len.encr + len.integ));
  // The keys are views of the one KEYMAT buffer (one backing store per Child SA, issue 14):
  // wipeChildSaKeys() zeroes all of it.
  let offset = 0;
  const take = (n: number): Uint8Array => {
    if (n === 0) return NO_KEY; // AEAD: no integrity key (RFC 7296 §3.3.3)
    const key = keymat.subarray(offset, offset + n);
    offset += n;
    return key;
  };
  const initiator = { encr: take(len.encr), integ: take(len.integ) }; // §2.17 order
  const responder = { encr: take(len.encr), integ: take(len.integ) };
  wipe(seed);
  return { suite, initiator, responder };
}

export function wipeChildSaKeys(keys: ChildSaKeys): void {
  wipe(keys.initiator.encr, keys.initiator.integ, keys.responder.encr, keys.responder.integ);
}
