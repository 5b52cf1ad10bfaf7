/**
 * A portable provider composed from the algorithms it is given: one entry per transform
 * (ENCR_AES_CTR, INTEG_AES_XCBC_96, PRF_AES128_XCBC, KE_ECP_192, ...) and the hashes the stack
 * asks for by name. A build that imports only the entries of its profile carries only their
 * code (the mote: targets/wismote/mote-stack.ts); `nobleProvider` (index.ts) composes them all.
 * A transform outside the set throws CryptoError UNSUPPORTED_TRANSFORM at construction, as any
 * provider does for a transform it lacks (ipsec/crypto/types.ts conventions).
 *
 * Each entry is built inside a pure-annotated closure (`/* @__PURE__ *\/ (() => ({ ... }))()`):
 * a bundler cannot prove a property read such as `EncrId.AES_CTR` free of side effects, and
 * would keep every entry (and the code it names) without it.
 */
import { CryptoError } from '../errors.js';
import type { CryptoProvider, HashName } from '../types.js';
import { cipherFactory, type EncrAlgorithm } from './encr.js';
import { type KeMethod, keyExchangeFactory } from './ke.js';
import { type IntegAlgorithm, macFactory } from './mac.js';
import { type PrfAlgorithm, prfFactory } from './prf.js';

export interface NobleAlgorithms {
  readonly name: string;
  readonly encr: readonly EncrAlgorithm[];
  readonly integ: readonly IntegAlgorithm[];
  readonly prf: readonly PrfAlgorithm[];
  readonly ke: readonly KeMethod[];
  /** SHA-256 digests of cached responses and cookies; SHA-1 for NAT detection (RFC 7296 §2.23). */
  readonly hashes: Partial<Record<HashName, (data: Uint8Array) => Uint8Array>>;
}

export function composeNobleProvider(a: NobleAlgorithms): CryptoProvider {
  const { hashes } = a;
  return {
    name: a.name,
    cipher: cipherFactory(a.encr),
    mac: macFactory(a.integ),
    prf: prfFactory(a.prf),
    keyExchange: keyExchangeFactory(a.ke),
    hash: (name, data) => {
      const h = hashes[name];
      if (!h) throw new CryptoError('UNSUPPORTED_TRANSFORM', `hash ${name}`);
      return h(data);
    },
  };
}
