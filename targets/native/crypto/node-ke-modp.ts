/** MODP Diffie-Hellman (RFC 3526 groups 14/15/16) on node:crypto createDiffieHellman. */
import { createDiffieHellman, type DiffieHellman } from 'node:crypto';
import { CryptoError } from '../../../ipsec/crypto/errors.js';
import {
  bigIntToBytes,
  bytesToBigInt,
  type ModpGroup,
  modpGroup,
  validateModpPublic,
  validatePublicLength,
} from '../../../ipsec/crypto/modp-groups.js';
import type { KeTransform, KeyExchange, RandomBytes } from '../../../ipsec/crypto/types.js';
import { err, ok } from '../../../ipsec/result.js';
import { leftPad, view } from './node-bytes.js';

/** Prime bytes per group, converted once (the DiffieHellman constructor takes a Buffer). */
const PRIMES = new Map<number, Uint8Array>();

function primeBytes(group: ModpGroup): Uint8Array {
  let p = PRIMES.get(group.id);
  if (!p) {
    p = bigIntToBytes(group.prime, group.length);
    PRIMES.set(group.id, p);
  }
  return p;
}

/**
 * A private exponent of `group.exponentBits` bits (the length modp-groups.ts documents and the
 * noble provider draws, in the same way): the top bits of the random bytes are masked off,
 * and x < 2 is drawn again.
 */
function drawExponent(group: ModpGroup, random: RandomBytes): Uint8Array {
  const bytes = Math.ceil(group.exponentBits / 8);
  for (;;) {
    const x = random(bytes);
    x[0]! &= 0xff >>> (8 * bytes - group.exponentBits);
    if (bytesToBigInt(x) > 1n) return x;
  }
}

export function createNodeModpKeyExchange(
  transform: KeTransform,
  random: RandomBytes,
  privateKey?: Uint8Array,
): KeyExchange {
  const group = modpGroup(transform.id);
  if (!group) throw new CryptoError('UNSUPPORTED_TRANSFORM', `key exchange ${transform.name}`);
  if (privateKey && (privateKey.length === 0 || privateKey.length > group.length))
    throw new CryptoError(
      'INVALID_KEY_LENGTH',
      `${transform.name} private exponent of ${privateKey.length} bytes`,
    );
  // A copy of an injected key, so that destroy() wipes ours and never the caller's.
  const x = privateKey ? privateKey.slice() : drawExponent(group, random);
  const xValue = bytesToBigInt(x);
  if (xValue <= 1n || xValue >= group.prime - 1n)
    throw new CryptoError('INVALID_INPUT', `${transform.name} private exponent out of range`);
  let dh: DiffieHellman | undefined = createDiffieHellman(
    primeBytes(group),
    bigIntToBytes(group.generator, 1),
  );
  dh.setPrivateKey(x);
  // With a private key set, generateKeys() only computes y = g^x mod p (node docs).
  // RFC 7296 §3.4: the KE data is y left-padded with zeros to the length of the prime.
  const publicValue = leftPad(view(dh.generateKeys()), group.length);
  return {
    transform,
    publicValue,
    computeSharedSecret(peerPublic) {
      if (!dh) return err(new CryptoError('INVALID_INPUT', `${transform.name}: key exchange destroyed`));
      // RFC 6989 §2.1: exact length, then 1 < y < p-1.
      if (!validatePublicLength(transform, peerPublic) || !validateModpPublic(group.prime, peerPublic))
        return err(new CryptoError('INVALID_PUBLIC_VALUE', `${transform.name} public value out of range`));
      try {
        // RFC 7296 §2.14: g^ir, left-padded to the length of the prime.
        return ok(leftPad(view(dh.computeSecret(peerPublic)), group.length));
      } catch {
        return err(new CryptoError('INVALID_PUBLIC_VALUE', `${transform.name} public value rejected`));
      }
    },
    destroy() {
      x.fill(0);
      dh = undefined; // OpenSSL frees (and clears) its copy when the object is collected
    },
  };
}
