/** The fast provider on node:crypto, for the native target. Same interface and tests as `noble`. */
import type { CryptoProvider } from '../../../ipsec/crypto/types.js';

// STUB: replaced by the real implementation.
export const nodeProvider: CryptoProvider = {
  name: 'node',
  cipher: () => {
    throw new Error('not implemented');
  },
  mac: () => {
    throw new Error('not implemented');
  },
  prf: () => {
    throw new Error('not implemented');
  },
  keyExchange: () => {
    throw new Error('not implemented');
  },
  hash: () => {
    throw new Error('not implemented');
  },
};
