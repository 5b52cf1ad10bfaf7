import type { IntegTransform, Mac } from '../types.js';

// STUB: replaced by the real implementation.
export function createNobleMac(_transform: IntegTransform, _key: Uint8Array): Mac {
  throw new Error('not implemented');
}
