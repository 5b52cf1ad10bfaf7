/** The portable provider on @noble/*: the default for ipsec/ and the embedded target. */
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import type { CryptoProvider, HashName } from '../types.js';
import { createNobleCipher } from './encr.js';
import { createNobleKeyExchange } from './ke.js';
import { createNobleMac } from './mac.js';
import { createNoblePrf } from './prf.js';

const HASHES: Record<HashName, (data: Uint8Array) => Uint8Array> = { sha1, sha256, sha384, sha512 };

export const nobleProvider: CryptoProvider = {
  name: 'noble',
  cipher: createNobleCipher,
  mac: createNobleMac,
  prf: createNoblePrf,
  keyExchange: createNobleKeyExchange,
  hash: (name, data) => HASHES[name](data),
};
