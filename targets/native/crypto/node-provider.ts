/** The fast provider on node:crypto, for the native target. Same interface and tests as `noble`. */
import { createHash } from 'node:crypto';
import type { CryptoProvider } from '../../../ipsec/crypto/types.js';
import { view } from './node-bytes.js';
import { createNodeCipher } from './node-encr.js';
import { createNodeKeyExchange } from './node-ke.js';
import { createNodeMac } from './node-mac.js';
import { createNodePrf } from './node-prf.js';
import { nodeSignatures } from './node-signature.js';

export const nodeProvider: CryptoProvider = {
  name: 'node',
  cipher: createNodeCipher,
  mac: createNodeMac,
  prf: createNodePrf,
  keyExchange: createNodeKeyExchange,
  hash: (name, data) => view(createHash(name).update(data).digest()),
  signatures: nodeSignatures,
};
