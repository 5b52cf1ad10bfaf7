/**
 * proposal/intern.ts (issue 14: memory per SA): equal negotiations share one result object,
 * different ones do not, the shared results are what the un-interned computation gives, and
 * past LIMIT (64) distinct results per kind nothing more is kept, results still correct.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { toIkeSuite } from '../../../../ipsec/ike/exchange/ike-sa-init.js';
import { type Proposal, ProtocolId } from '../../../../ipsec/ike/model.js';
import { parseProposals } from '../../../../ipsec/ike/proposal/keywords.js';
import { type NegotiatedSuite, negotiatedSuite } from '../../../../ipsec/ike/proposal/suite.js';

type Intern = typeof import('../../../../ipsec/ike/proposal/intern.js');

const LIMIT = 64;

/** A fresh module (empty tables) for each test: the tables are module state. */
let intern: Intern;
beforeEach(async () => {
  vi.resetModules();
  intern = await import('../../../../ipsec/ike/proposal/intern.js');
});

function proposal(text: string, protocolId: number, spi = new Uint8Array(0)): Proposal {
  const r = parseProposals(text, protocolId);
  if (!r.ok) throw new Error(r.error.message);
  return { ...r.value[0]!, spi };
}

function suiteOf(p: Proposal): NegotiatedSuite {
  const s = negotiatedSuite(p);
  if (!s.ok) throw new Error(s.error.message);
  return s.value;
}

/** What IKE_SA_INIT computed before interning: the proposal, its suite and the key schedule's. */
const plainIke = (p: Proposal) => ({ chosen: p, suite: suiteOf(p), ikeSuite: toIkeSuite(suiteOf(p)) });
const plainChild = (p: Proposal) => {
  const suite = suiteOf(p);
  return { suite, childSuite: { encr: suite.encr, ...(suite.integ ? { integ: suite.integ } : {}) } };
};

const ike = (p: Proposal) => intern.internIkeNegotiation(p, suiteOf(p), toIkeSuite);
const child = (p: Proposal) => intern.internChildNegotiation(p, suiteOf(p));

describe('internIkeNegotiation', () => {
  it('gives the identical object for equal negotiations (separately parsed), with correct values', () => {
    const a = ike(proposal('aes128ctr-aesxcbc-prfsha256-ecp192', ProtocolId.IKE));
    const b = ike(proposal('aes128ctr-aesxcbc-prfsha256-ecp192', ProtocolId.IKE));
    expect(b).toBe(a);
    expect(b.chosen).toBe(a.chosen);
    expect(b.suite).toBe(a.suite);
    expect(b.ikeSuite).toBe(a.ikeSuite);
    expect(a).toEqual(plainIke(proposal('aes128ctr-aesxcbc-prfsha256-ecp192', ProtocolId.IKE)));
  });

  it('gives different objects for different negotiations, each correct', () => {
    const texts = [
      'aes128ctr-aesxcbc-prfsha256-ecp192',
      'aes256ctr-aesxcbc-prfsha256-ecp192', // key length only
      'aes128ctr-sha256-prfsha256-ecp192', // integrity
      'aes128ctr-aesxcbc-prfsha384-ecp192', // PRF
      'aes128ctr-aesxcbc-prfsha256-ecp256', // group
      'aes128gcm16-prfsha256-x25519', // AEAD: no integrity
    ];
    const results = texts.map((t) => ike(proposal(t, ProtocolId.IKE)));
    expect(new Set(results).size).toBe(texts.length);
    results.forEach((r, n) => {
      expect(r).toEqual(plainIke(proposal(texts[n]!, ProtocolId.IKE)));
    });
    expect(results[5]!.ikeSuite).not.toHaveProperty('integ');
    expect(results[1]!.suite.encr).not.toEqual(results[0]!.suite.encr);
  });

  it('tells proposals apart by number and SPI (an IKE SA rekey carries the new SPI)', () => {
    const base = proposal('aes128ctr-aesxcbc-prfsha256-ecp192', ProtocolId.IKE);
    const first = ike(base);
    const renumbered = ike({ ...base, num: 2 });
    expect(renumbered).not.toBe(first);
    expect(renumbered.chosen.num).toBe(2);
    const spi = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    const withSpi = ike({ ...base, spi });
    expect(withSpi).not.toBe(first);
    expect(Array.from(withSpi.chosen.spi)).toEqual(Array.from(spi));
    expect(Array.from(first.chosen.spi)).toEqual([]);
    expect(ike({ ...base, spi: Uint8Array.from(spi) })).toBe(withSpi);
  });

  it(`keeps at most ${LIMIT} results: the next are correct but not shared, the kept ones still are`, () => {
    const base = proposal('aes128ctr-aesxcbc-prfsha256-ecp192', ProtocolId.IKE);
    const kept = Array.from({ length: LIMIT }, (_, n) => ike({ ...base, num: n + 1 }));
    expect(new Set(kept).size).toBe(LIMIT);
    for (let n = 0; n < LIMIT; n++) expect(ike({ ...base, num: n + 1 })).toBe(kept[n]);
    for (let n = LIMIT; n < LIMIT + 5; n++) {
      const p = { ...base, num: n + 1 };
      const once = ike(p);
      const twice = ike({ ...base, num: n + 1 });
      expect(twice).not.toBe(once);
      expect(once).toEqual(plainIke(p));
      expect(twice).toEqual(plainIke(p));
      expect(once.chosen).toBe(p);
    }
    for (let n = 0; n < LIMIT; n++) expect(ike({ ...base, num: n + 1 })).toBe(kept[n]);
  });
});

describe('internChildNegotiation', () => {
  it('gives the identical object for equal suites whatever the SPI or number, with correct values', () => {
    const a = child(proposal('aes128ctr-aesxcbc', ProtocolId.ESP, new Uint8Array([0xc0, 0, 0, 1])));
    const p = { ...proposal('aes128ctr-aesxcbc', ProtocolId.ESP, new Uint8Array([0xd0, 0, 0, 7])), num: 3 };
    const b = child(p);
    expect(b).toBe(a);
    expect(a).toEqual(plainChild(p));
    expect(a.childSuite.encr).toBe(a.suite.encr);
    expect(a.childSuite.integ).toBe(a.suite.integ);
  });

  it('gives different objects for different suites, each correct', () => {
    const texts = [
      'aes128ctr-aesxcbc',
      'aes256ctr-aesxcbc',
      'aes128ctr-sha256',
      'aes128gcm16', // AEAD: no integrity in the child suite
      'aes128ctr-aesxcbc-ecp256', // PFS group
      'aes128ctr-aesxcbc-esn', // ESN
    ];
    const results = texts.map((t) => child(proposal(t, ProtocolId.ESP, new Uint8Array(4))));
    expect(new Set(results).size).toBe(texts.length);
    results.forEach((r, n) => {
      expect(r).toEqual(plainChild(proposal(texts[n]!, ProtocolId.ESP, new Uint8Array(4))));
    });
    expect(results[3]!.childSuite).not.toHaveProperty('integ');
    expect(results[4]!.suite.ke).toBeDefined();
    expect(results[5]!.suite.esn).toBe(true);
    expect(results[0]!.suite.esn).toBe(false);
  });

  it('does not share between IKE and Child results of the same transforms', () => {
    const p = proposal('aes128ctr-aesxcbc-prfsha256-ecp192', ProtocolId.IKE);
    const i = ike(p);
    const c = intern.internChildNegotiation(p, suiteOf(p));
    expect(c).not.toBe(i);
    expect(c.childSuite).toEqual({ encr: i.suite.encr, integ: i.suite.integ });
  });

  it(`keeps at most ${LIMIT} results: the next are correct but not shared, the kept ones still are`, () => {
    // Distinct keys by key length (the suite itself is what the caller negotiated).
    const base = proposal('aes128ctr-aesxcbc', ProtocolId.ESP, new Uint8Array(4));
    const suite = suiteOf(base);
    const variant = (n: number): Proposal => ({
      ...base,
      transforms: base.transforms.map((t) => (t.type === 1 ? { ...t, keyLength: 1000 + n } : t)),
    });
    const kept = Array.from({ length: LIMIT }, (_, n) => intern.internChildNegotiation(variant(n), suite));
    expect(new Set(kept).size).toBe(LIMIT);
    for (let n = 0; n < LIMIT; n++) expect(intern.internChildNegotiation(variant(n), suite)).toBe(kept[n]);
    for (let n = LIMIT; n < LIMIT + 5; n++) {
      const once = intern.internChildNegotiation(variant(n), suite);
      const twice = intern.internChildNegotiation(variant(n), suite);
      expect(twice).not.toBe(once);
      expect(once).toEqual({ suite, childSuite: { encr: suite.encr, integ: suite.integ } });
      expect(twice).toEqual(once);
    }
    for (let n = 0; n < LIMIT; n++) expect(intern.internChildNegotiation(variant(n), suite)).toBe(kept[n]);
  });
});
