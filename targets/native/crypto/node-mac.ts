/** INTEG transforms on node:crypto: HMAC (createHmac) and AES-XCBC/CMAC (node-aes-mac.ts). */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { CryptoError } from '../../../ipsec/crypto/errors.js';
import { IntegId } from '../../../ipsec/crypto/ids.js';
import { truncatedMac } from '../../../ipsec/crypto/truncated-mac.js';
import type { IntegTransform, Mac } from '../../../ipsec/crypto/types.js';
import { secretCopy } from '../../../ipsec/util/bytes.js';
import { type AesMacFn, aesCmac, aesXcbcMac } from './node-aes-mac.js';
import { view } from './node-bytes.js';

/** The hash of each HMAC integrity transform (RFC 2404, RFC 4868 §2.1). */
const HMAC_HASH: Partial<Record<number, string>> = {
  [IntegId.HMAC_SHA1_96]: 'sha1',
  [IntegId.HMAC_SHA2_256_128]: 'sha256',
  [IntegId.HMAC_SHA2_384_192]: 'sha384',
  [IntegId.HMAC_SHA2_512_256]: 'sha512',
};

export function createNodeMac(transform: IntegTransform, key: Uint8Array): Mac {
  if (key.length !== transform.keyLength)
    throw new CryptoError(
      'INVALID_KEY_LENGTH',
      `${transform.name} needs a ${transform.keyLength}-byte key, got ${key.length}`,
    );
  // A copy: the caller may wipe its KEYMAT once the SA is installed, and destroy() zeroes ours.
  const k = secretCopy(key); // off the V8 heap: never moved, wiped in place
  let full: (data: Uint8Array) => Uint8Array;
  let aesMac: AesMacFn | undefined;
  const hash = HMAC_HASH[transform.id];
  if (hash) full = (data) => view(createHmac(hash, k).update(data).digest());
  else if (transform.id === IntegId.AES_XCBC_96)
    full = aesMac = aesXcbcMac(k); // RFC 3566
  else if (transform.id === IntegId.AES_CMAC_96)
    full = aesMac = aesCmac(k); // RFC 4494
  else throw new CryptoError('UNSUPPORTED_TRANSFORM', `integrity transform ${transform.name}`);
  return truncatedMac(transform, {
    full,
    wipe: () => {
      aesMac?.destroy(); // drops the persistent native CBC cipher, zeroes the subkeys
      k.fill(0);
    },
    equal: (a, b) => timingSafeEqual(a, b),
  });
}
