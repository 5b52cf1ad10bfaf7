import type { Prf, PrfTransform } from '../types.js';

// STUB: replaced by the real implementation.
export function createNoblePrf(_transform: PrfTransform): Prf {
  throw new Error('not implemented');
}
