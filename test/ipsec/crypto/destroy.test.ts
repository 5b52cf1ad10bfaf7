/**
 * destroy() on keyed ciphers and MACs, for every ENCR and INTEG transform of every provider
 * (types.ts: keys are zeroed when an SA dies). Behaviour only: afterwards encrypt/compute
 * throw CryptoError INVALID_INPUT, decrypt gives undefined and verify false (never a throw:
 * late packets of a deleted SA are peer input), destroy is idempotent, and it touches neither
 * the caller's key material nor other objects keyed with the same bytes.
 */
import { describe, expect, it } from 'vitest';
import { CryptoError } from '../../../ipsec/crypto/errors.js';
import { seededRandom } from '../../../ipsec/crypto/random.js';
import { ENCR_TRANSFORMS, INTEG_TRANSFORMS } from '../../../ipsec/crypto/transforms.js';
import type { CryptoProvider, EncrTransform } from '../../../ipsec/crypto/types.js';
import { PROVIDERS } from '../../support/providers.js';

const label = (t: { name: string; keyBits?: number }) => (t.keyBits ? `${t.name}-${t.keyBits}` : t.name);

/** Runs `f` and returns what it threw (fails the test when it does not throw). */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

function expectDestroyedError(f: () => unknown): void {
  const e = thrown(f);
  expect(e).toBeInstanceOf(CryptoError);
  expect((e as CryptoError).code).toBe('INVALID_INPUT');
  expect((e as CryptoError).message).toMatch(/destroyed/);
}

function sealed(provider: CryptoProvider, transform: EncrTransform) {
  const random = seededRandom(`destroy-${provider.name}-${label(transform)}`);
  const key = random(transform.keyLength);
  const iv = random(transform.ivLength);
  const aad = transform.aead ? random(8) : undefined;
  const plaintext = random(2 * transform.blockSize * 16); // block-aligned for CBC
  const cipher = provider.cipher(transform, key);
  const ciphertext = cipher.encrypt(iv, plaintext, aad);
  return { key, iv, aad, plaintext, cipher, ciphertext };
}

describe.each(PROVIDERS)('$name: Cipher.destroy()', (provider) => {
  it.each(ENCR_TRANSFORMS.map((t) => [label(t), t] as const))('%s', (_name, transform) => {
    const { key, iv, aad, plaintext, cipher, ciphertext } = sealed(provider, transform);
    const keyBefore = key.slice();
    const sibling = provider.cipher(transform, key);
    expect(cipher.decrypt(iv, ciphertext, aad)).toEqual(plaintext);

    cipher.destroy();

    expectDestroyedError(() => cipher.encrypt(iv, plaintext, aad));
    expect(cipher.decrypt(iv, ciphertext, aad)).toBeUndefined();
    // Whatever a late packet looks like, decrypt answers undefined and never throws.
    expect(cipher.decrypt(iv, ciphertext.subarray(0, 1), aad)).toBeUndefined();
    expect(cipher.decrypt(new Uint8Array(transform.ivLength + 1), ciphertext, aad)).toBeUndefined();
    cipher.destroy(); // idempotent
    expectDestroyedError(() => cipher.encrypt(iv, plaintext, aad));

    // Only the destroyed object's own copies were zeroed.
    expect(key).toEqual(keyBefore);
    expect(sibling.decrypt(iv, ciphertext, aad)).toEqual(plaintext);
    expect(sibling.encrypt(iv, plaintext, aad)).toEqual(ciphertext);
    expect(provider.cipher(transform, key).decrypt(iv, ciphertext, aad)).toEqual(plaintext);
  });
});

describe.each(PROVIDERS)('$name: Mac.destroy()', (provider) => {
  it.each(INTEG_TRANSFORMS.map((t) => [t.name, t] as const))('%s', (_name, transform) => {
    const random = seededRandom(`destroy-${provider.name}-${transform.name}`);
    const key = random(transform.keyLength);
    const keyBefore = key.slice();
    const mac = provider.mac(transform, key);
    const sibling = provider.mac(transform, key);
    // A partial and a whole final block for XCBC/CMAC, and a message past the node COPY_LIMIT.
    const messages = [random(13), random(64), random(3000)];
    const icvs = messages.map((m) => mac.compute(m));
    for (const [i, m] of messages.entries()) expect(mac.verify(m, icvs[i]!)).toBe(true);

    mac.destroy();

    for (const [i, m] of messages.entries()) {
      expectDestroyedError(() => mac.compute(m));
      expect(mac.verify(m, icvs[i]!)).toBe(false);
      expect(mac.verify(m, icvs[i]!.subarray(1))).toBe(false);
    }
    mac.destroy(); // idempotent
    expect(mac.verify(messages[0]!, icvs[0]!)).toBe(false);

    expect(key).toEqual(keyBefore);
    for (const [i, m] of messages.entries()) {
      expect(sibling.compute(m)).toEqual(icvs[i]);
      expect(provider.mac(transform, key).verify(m, icvs[i]!)).toBe(true);
    }
  });
});
