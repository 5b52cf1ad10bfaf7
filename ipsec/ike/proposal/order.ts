/** Two facts about transforms that proposal parsing and selection share. */
import { TransformType } from '../../crypto/ids.js';
import { encrTransform } from '../../crypto/transforms.js';
import type { TransformSpec } from '../model.js';

/** An AEAD cipher (RFC 5282): no integrity transform goes with it (RFC 7296 §3.3). */
export function isAeadEncr(t: TransformSpec): boolean {
  return t.type === TransformType.ENCR && encrTransform(t.id, t.keyLength)?.aead === true;
}

/** Orders transforms by type (ENCR, PRF, INTEG, KE, ESN), keeping the order within a type. */
export function orderByType(transforms: readonly TransformSpec[]): TransformSpec[] {
  return [...transforms].sort((a, b) => a.type - b.type); // Array.prototype.sort is stable
}
