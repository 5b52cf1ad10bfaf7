/** Every CryptoProvider; vector suites run once per provider (`describe.each(PROVIDERS)`). */

import { nobleProvider } from '../../ipsec/crypto/noble/index.js';
import type { CryptoProvider } from '../../ipsec/crypto/types.js';
import { nodeProvider } from '../../targets/native/crypto/node-provider.js';

export const PROVIDERS: readonly CryptoProvider[] = [nobleProvider, nodeProvider];
