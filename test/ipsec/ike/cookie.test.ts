import { describe, expect, it } from 'vitest';
import { nobleProvider } from '../../../ipsec/crypto/noble/index.js';
import { seededRandom } from '../../../ipsec/crypto/random.js';
import { CookieJar } from '../../../ipsec/ike/cookie.js';

const inputs = (seed: number) => {
  const r = seededRandom(seed);
  return { ni: r(32), ipi: r(4), spii: r(8) };
};

describe('CookieJar (RFC 7296 §2.6)', () => {
  it('verifies its own cookies and is stateless per request', () => {
    const jar = new CookieJar(nobleProvider, seededRandom('jar'));
    const a = inputs(1);
    const cookie = jar.issue(a);
    expect(cookie.length).toBe(36);
    expect(jar.verify(cookie, a)).toBe(true);
    expect(jar.issue(a)).toEqual(cookie);
  });

  it('rejects a cookie for other Ni, IPi or SPIi, and a tampered one', () => {
    const jar = new CookieJar(nobleProvider, seededRandom('jar'));
    const a = inputs(1);
    const cookie = jar.issue(a);
    expect(jar.verify(cookie, { ...a, ni: inputs(2).ni })).toBe(false);
    expect(jar.verify(cookie, { ...a, ipi: new Uint8Array([10, 0, 0, 9]) })).toBe(false);
    expect(jar.verify(cookie, { ...a, spii: inputs(3).spii })).toBe(false);
    const bad = cookie.slice();
    bad[20]! ^= 1;
    expect(jar.verify(bad, a)).toBe(false);
    expect(jar.verify(cookie.subarray(0, 35), a)).toBe(false);
    expect(jar.verify(new Uint8Array(0), a)).toBe(false);
  });

  it('accepts cookies of the previous secret after one rotation, not after two', () => {
    const jar = new CookieJar(nobleProvider, seededRandom('jar'));
    const a = inputs(1);
    const cookie = jar.issue(a);
    jar.rotate();
    expect(jar.verify(cookie, a)).toBe(true);
    expect(jar.issue(a)).not.toEqual(cookie);
    jar.rotate();
    expect(jar.verify(cookie, a)).toBe(false);
  });
});
