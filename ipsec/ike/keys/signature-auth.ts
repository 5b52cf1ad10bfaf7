/**
 * AUTH payload data for signatures (issue 16): RFC 7427 Digital Signature (method 14) when the peer
 * sent SIGNATURE_HASH_ALGORITHMS, the classic methods of RFC 7296 §3.8 / RFC 4754 otherwise. The
 * octets signed are those of RFC 7296 §2.15 (the caller builds them). Scheme choice follows
 * strongSwan 5.9.8 (libstrongswan public_key.c signature_schemes_for_key).
 */
import type { PrivateKey, PublicKey, SignatureScheme } from '../../crypto/signature-types.js';
import type { CryptoProvider } from '../../crypto/types.js';
import { err, ok, type Result } from '../../result.js';
import { concatBytes } from '../../util/bytes.js';
import { AuthMethod } from '../wire/constants.js';
import {
  algorithmIdentifierFor,
  HASH_LENGTH,
  HashAlgorithm,
  hashAlgorithmName,
  hashAlgorithmOf,
  schemeForAlgorithmIdentifier,
} from './signature-algorithms.js';

export {
  algorithmIdentifierFor,
  HashAlgorithm,
  hashAlgorithmOf,
  schemeForAlgorithmIdentifier,
} from './signature-algorithms.js';

/** What we announce in SIGNATURE_HASH_ALGORITHMS: strongSwan 5.9.8's default (no SHA-1). */
export const OUR_HASH_ALGORITHMS: readonly number[] = [
  HashAlgorithm.SHA2_256,
  HashAlgorithm.SHA2_384,
  HashAlgorithm.SHA2_512,
  HashAlgorithm.IDENTITY,
];

/** RFC 7427 §4: the Notification Data is a list of 16-bit hash algorithm ids. */
export function encodeHashAlgorithms(ids: readonly number[]): Uint8Array {
  const out = new Uint8Array(ids.length * 2);
  ids.forEach((id, i) => {
    out[2 * i] = (id >> 8) & 0xff;
    out[2 * i + 1] = id & 0xff;
  });
  return out;
}

/** RFC 7427 §4 Notification Data to ids (unknown ids kept, §4: the receiver ignores them). */
export function decodeHashAlgorithms(data: Uint8Array): Result<number[], string> {
  if (data.length % 2 !== 0)
    return err(`SIGNATURE_HASH_ALGORITHMS data of ${data.length} octets is not a list of 16-bit ids`);
  const ids: number[] = [];
  for (let i = 0; i < data.length; i += 2) ids.push((data[i]! << 8) | data[i + 1]!);
  return ok(ids);
}

const schemeName = (s: SignatureScheme): string =>
  s.kind === 'ed25519' || s.kind === 'ed448' ? s.kind : `${s.kind}-${s.hash}`;

const KEY_TYPE_OF: Readonly<Record<SignatureScheme['kind'], PublicKey['type']>> = {
  'rsa-pkcs1': 'rsa',
  'rsa-pss': 'rsa',
  ecdsa: 'ecdsa',
  ed25519: 'ed25519',
  ed448: 'ed448',
};

/**
 * RFC 7427 schemes for a key, most preferred first: strongSwan's table prefers the hash that fits
 * the key size (RSA <= 3072 bits: SHA-256, <= 7680: SHA-384, else SHA-512; ECDSA P-256: SHA-256,
 * P-384: SHA-384, P-521: SHA-512) and falls back to the longer ones. PSS salt = hash length.
 */
export function digitalSignatureSchemes(
  key: { readonly type: PrivateKey['type']; readonly bits: number },
  rsaPss: boolean,
): SignatureScheme[] {
  const hashes = (small: number, medium: number): ('sha256' | 'sha384' | 'sha512')[] =>
    key.bits <= small
      ? ['sha256', 'sha384', 'sha512']
      : key.bits <= medium
        ? ['sha384', 'sha512']
        : ['sha512'];
  switch (key.type) {
    case 'rsa':
      return hashes(3072, 7680).map((hash) =>
        rsaPss ? { kind: 'rsa-pss', hash, saltLength: HASH_LENGTH[hash] } : { kind: 'rsa-pkcs1', hash },
      );
    case 'ecdsa':
      return hashes(256, 384).map((hash) => ({ kind: 'ecdsa', hash, encoding: 'der' }));
    case 'ed25519':
      return [{ kind: 'ed25519' }];
    case 'ed448':
      return [{ kind: 'ed448' }];
  }
}

/** RFC 4754 §3 methods by curve (r | s of fixed size, §7) and RFC 7296 §3.8 method 1 (SHA-1). */
const CLASSIC_ECDSA = {
  'P-256': { method: AuthMethod.ECDSA_SHA256_P256, hash: 'sha256' },
  'P-384': { method: AuthMethod.ECDSA_SHA384_P384, hash: 'sha384' },
  'P-521': { method: AuthMethod.ECDSA_SHA512_P521, hash: 'sha512' },
} as const;

function classicScheme(key: PrivateKey): Result<{ method: number; scheme: SignatureScheme }, string> {
  switch (key.type) {
    case 'rsa': // RFC 7296 §3.8: RSASSA-PKCS1-v1_5; SHA-1 as strongSwan and other implementations use
      return ok({ method: AuthMethod.RSA_DIGITAL_SIGNATURE, scheme: { kind: 'rsa-pkcs1', hash: 'sha1' } });
    case 'ecdsa': {
      const c = key.curve ? CLASSIC_ECDSA[key.curve] : undefined;
      if (!c) return err(`ECDSA key on curve ${key.curve} has no classic AUTH method`);
      return ok({ method: c.method, scheme: { kind: 'ecdsa', hash: c.hash, encoding: 'ieee-p1363' } });
    }
    default:
      return err('EdDSA needs RFC 7427 (the peer did not send SIGNATURE_HASH_ALGORITHMS)');
  }
}

/**
 * Our AUTH payload: method 14 with a hash the peer announced (RFC 7427 §3, §4), else the classic
 * method for the key (RFC 7296 §3.8, RFC 4754). `peer.hashes` undefined = the peer sent no notify.
 */
export function signAuth(
  provider: CryptoProvider,
  key: PrivateKey,
  octets: Uint8Array,
  peer: { readonly hashes?: readonly number[] },
  opts: { readonly rsaPss?: boolean },
): Result<{ method: number; data: Uint8Array }, string> {
  const sigs = provider.signatures;
  if (!sigs) return err(`crypto provider ${provider.name} has no signatures`);
  const sign = (scheme: SignatureScheme): Result<Uint8Array, string> => {
    try {
      return ok(sigs.sign(key, scheme, octets));
    } catch (e) {
      return err(`cannot sign ${schemeName(scheme)}: ${(e as Error).message}`);
    }
  };
  if (peer.hashes === undefined) {
    const c = classicScheme(key);
    if (!c.ok) return c;
    const sig = sign(c.value.scheme);
    return sig.ok ? ok({ method: c.value.method, data: sig.value }) : sig;
  }
  const offered = peer.hashes;
  const scheme = digitalSignatureSchemes(key, opts.rsaPss === true).find((s) =>
    offered.includes(hashAlgorithmOf(s)),
  );
  if (!scheme)
    return err(
      `no hash the peer offered (${offered.map(hashAlgorithmName).join(', ') || 'none'}) fits our ${key.type} key`,
    );
  const sig = sign(scheme);
  if (!sig.ok) return sig;
  const aid = algorithmIdentifierFor(scheme);
  // RFC 7427 §3: ASN.1 length (1 octet) | AlgorithmIdentifier DER | signature value.
  return ok({
    method: AuthMethod.DIGITAL_SIGNATURE,
    data: concatBytes(Uint8Array.of(aid.length), aid, sig.value),
  });
}

/** The scheme of a classic method for `key`, or why the key cannot have made it. */
function classicVerifyScheme(key: PublicKey, method: number): Result<SignatureScheme, string> {
  if (method === AuthMethod.RSA_DIGITAL_SIGNATURE) {
    if (key.type !== 'rsa') return err(`AUTH method 1 (RSA) with a ${key.type} key`);
    return ok({ kind: 'rsa-pkcs1', hash: 'sha1' }); // RFC 7296 §3.8
  }
  for (const [curve, c] of Object.entries(CLASSIC_ECDSA)) {
    if (c.method !== method) continue;
    // RFC 4754 §3: each method names its curve; the key must be on it.
    if (key.type !== 'ecdsa' || key.curve !== curve)
      return err(
        `AUTH method ${method} (ECDSA ${curve}) with a ${key.type} ${key.curve ?? ''} key`.trimEnd(),
      );
    return ok({ kind: 'ecdsa', hash: c.hash, encoding: 'ieee-p1363' });
  }
  return err(`AUTH method ${method} is not a signature method`);
}

/**
 * Checks the peer's AUTH payload over `octets` (RFC 7296 §2.15). Method 14 must name a hash we
 * announced in `ourHashes` (RFC 7427 §4) and a scheme of the key's type. Never throws.
 */
export function verifyAuth(
  provider: CryptoProvider,
  key: PublicKey,
  method: number,
  data: Uint8Array,
  octets: Uint8Array,
  ourHashes: readonly number[],
): Result<void, string> {
  const sigs = provider.signatures;
  if (!sigs) return err(`crypto provider ${provider.name} has no signatures`);
  let scheme: SignatureScheme;
  let signature: Uint8Array;
  if (method === AuthMethod.DIGITAL_SIGNATURE) {
    // RFC 7427 §3: ASN.1 length (1 octet) | AlgorithmIdentifier | signature value.
    if (data.length < 1) return err('empty Digital Signature AUTH data');
    const aidEnd = 1 + data[0]!;
    if (data[0] === 0 || aidEnd >= data.length)
      return err(`Digital Signature AUTH data: AlgorithmIdentifier of ${data[0]} octets in ${data.length}`);
    const s = schemeForAlgorithmIdentifier(data.subarray(1, aidEnd));
    if (!s) return err('Digital Signature AUTH data: unknown or malformed AlgorithmIdentifier');
    if (KEY_TYPE_OF[s.kind] !== key.type) return err(`${schemeName(s)} signature with a ${key.type} key`);
    const hash = hashAlgorithmOf(s);
    if (!ourHashes.includes(hash))
      return err(`${schemeName(s)} signature: hash ${hashAlgorithmName(hash)} not offered by us`);
    scheme = s;
    signature = data.subarray(aidEnd);
  } else {
    const s = classicVerifyScheme(key, method);
    if (!s.ok) return s;
    scheme = s.value;
    signature = data;
  }
  return sigs.verify(key, scheme, octets, signature)
    ? ok(undefined)
    : err(`${schemeName(scheme)} signature does not verify with the peer's ${key.type} key`);
}
