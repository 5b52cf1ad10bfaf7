import type { KeTransform, KeyExchange, RandomBytes } from '../types.js';

// STUB: replaced by the real implementation.
export function createNobleKeyExchange(
  _transform: KeTransform,
  _random: RandomBytes,
  _privateKey?: Uint8Array,
): KeyExchange {
  throw new Error('not implemented');
}
