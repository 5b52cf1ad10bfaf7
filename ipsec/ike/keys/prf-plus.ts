/**
 * prf+ (RFC 7296 §2.13):
 *   prf+ (K,S) = T1 | T2 | T3 | T4 | ...
 *   T1 = prf (K, S | 0x01)
 *   T2 = prf (K, T1 | S | 0x02)
 *   ...
 * The iteration counter is one octet, so at most 255 blocks exist.
 */
import { CryptoError } from '../../crypto/errors.js';
import type { Prf } from '../../crypto/types.js';
import { secretBytes, secretCopy, wipe } from '../../util/bytes.js';

/** RFC 7296 §2.13: "this function is not defined beyond 255 times the size of the prf output". */
export const PRF_PLUS_MAX_ITERATIONS = 255;

/**
 * Returns the first `length` octets of prf+(key, seed). Throws CryptoError INVALID_INPUT if
 * more than 255 iterations would be needed: lengths come from our own transform table, never
 * from a peer, so this is a programming error.
 */
export function prfPlus(prf: Prf, key: Uint8Array, seed: Uint8Array, length: number): Uint8Array {
  const blockLength = prf.transform.outputLength;
  const iterations = Math.ceil(length / blockLength);
  if (!Number.isInteger(length) || length < 0 || iterations > PRF_PLUS_MAX_ITERATIONS)
    throw new CryptoError(
      'INVALID_INPUT',
      `prf+ cannot produce ${length} octets with ${prf.transform.name} (max ${PRF_PLUS_MAX_ITERATIONS} blocks)`,
    );
  const out = secretBytes(iterations * blockLength); // KEYMAT: off the V8 heap (secretBytes)
  // The input T(n-1) | S | n, reused across iterations: T0 is empty (§2.13).
  const input = secretBytes(blockLength + seed.length + 1);
  input.set(seed, blockLength);
  let previous = input.subarray(blockLength); // T0 | S | n
  for (let n = 1; n <= iterations; n++) {
    previous[previous.length - 1] = n; // the single-octet counter 0x01, 0x02, ... (§2.13)
    const t = prf.compute(key, previous);
    out.set(t, (n - 1) * blockLength);
    input.set(t, 0);
    wipe(t);
    previous = input; // Tn | S | n+1 from the second iteration on
  }
  wipe(input);
  if (out.length === length) return out;
  const result = secretCopy(out.subarray(0, length));
  wipe(out);
  return result;
}
