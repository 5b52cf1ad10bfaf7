/**
 * Power-on style self-test of every transform across providers (portable, so the embedded
 * target can run it too). For each transform it checks a round trip, that a tampered ICV is
 * rejected, that all providers agree byte for byte on the same inputs, and known answers
 * for one representative of each primitive family.
 */
import { equalBytes, fromHex, toHex, utf8 } from '../util/bytes.js';
import { EncrId, KeId, PrfId } from './ids.js';
import {
  ENCR_TRANSFORMS,
  INTEG_TRANSFORMS,
  KE_TRANSFORMS,
  mustEncr,
  mustKe,
  mustPrf,
  PRF_TRANSFORMS,
} from './transforms.js';
import type { CryptoProvider, RandomBytes, Transform } from './types.js';

export interface SelfTestRow {
  readonly kind: Transform['type'];
  readonly transform: string;
  readonly id: number;
  /** Per provider name: 'ok' or the failure. */
  readonly results: Readonly<Record<string, string>>;
  /** All providers produced identical outputs (or, for key exchange, agreed with each other). */
  readonly agree: boolean;
}

type Check = (p: CryptoProvider) => Uint8Array;

function run(
  providers: readonly CryptoProvider[],
  check: Check,
): { results: Record<string, string>; agree: boolean } {
  const results: Record<string, string> = {};
  const outputs: Uint8Array[] = [];
  for (const p of providers) {
    try {
      outputs.push(check(p));
      results[p.name] = 'ok';
    } catch (e) {
      results[p.name] = e instanceof Error ? e.message : String(e);
    }
  }
  const first = outputs[0];
  const agree =
    outputs.length === providers.length && first !== undefined && outputs.every((o) => equalBytes(o, first));
  return { results, agree };
}

function expect(condition: boolean, what: string): void {
  if (!condition) throw new Error(what);
}

/** Known answers: RFC 3686 §6 Test Vector #1, RFC 4231 §4.3 Test Case 2, RFC 7748 §6.1. */
const KATS: { readonly [key: string]: Check } = {
  'AES_CTR/128': (p) => {
    const key = fromHex('ae6852f8121067cc4bf7a5765577f39e' + '00000030'); // key | nonce
    const ct = p
      .cipher(mustEncr(EncrId.AES_CTR, 128), key)
      .encrypt(new Uint8Array(8), utf8('Single block msg'));
    expect(toHex(ct) === 'e4095d4fb7a7b3792d6175a3261311b8', 'RFC 3686 vector #1 mismatch');
    return ct;
  },
  PRF_HMAC_SHA2_256: (p) => {
    const out = p
      .prf(mustPrf(PrfId.HMAC_SHA2_256))
      .compute(utf8('Jefe'), utf8('what do ya want for nothing?'));
    expect(
      toHex(out) === '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
      'RFC 4231 test case 2 mismatch',
    );
    return out;
  },
  CURVE_25519: (p) => {
    const t = mustKe(KeId.CURVE_25519);
    const alice = p.keyExchange(
      t,
      () => new Uint8Array(0),
      fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'),
    );
    const bobPublic = fromHex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
    const shared = alice.computeSharedSecret(bobPublic);
    expect(shared.ok, 'X25519 rejected a valid public value');
    expect(
      shared.ok && toHex(shared.value) === '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742',
      'RFC 7748 §6.1 shared secret mismatch',
    );
    return shared.ok ? shared.value : new Uint8Array(0);
  },
};

export function selfTest(providers: readonly CryptoProvider[], random: RandomBytes): SelfTestRow[] {
  const rows: SelfTestRow[] = [];
  const kat = (name: string) => KATS[name];

  for (const t of ENCR_TRANSFORMS) {
    const key = random(t.keyLength);
    const iv = random(t.ivLength);
    const aad = random(12);
    const plaintext = random(t.blockSize * Math.ceil(100 / t.blockSize));
    const label = t.keyLengthAttribute ? `${t.name}/${t.keyBits}` : t.name;
    const { results, agree } = run(providers, (p) => {
      const katCheck = kat(label);
      if (katCheck) katCheck(p);
      const c = p.cipher(t, key);
      const ct = c.encrypt(iv, plaintext, aad);
      const back = c.decrypt(iv, ct, aad);
      expect(back !== undefined && equalBytes(back, plaintext), 'round trip failed');
      if (t.aead) {
        const bad = ct.slice();
        bad[bad.length - 1]! ^= 1;
        expect(c.decrypt(iv, bad, aad) === undefined, 'tampered ICV accepted');
      }
      return ct;
    });
    rows.push({ kind: 'encr', transform: label, id: t.id, results, agree });
  }
  for (const t of INTEG_TRANSFORMS) {
    const key = random(t.keyLength);
    const data = random(100);
    const { results, agree } = run(providers, (p) => {
      const m = p.mac(t, key);
      const icv = m.compute(data);
      expect(icv.length === t.icvLength && m.verify(data, icv), 'ICV does not verify');
      const bad = icv.slice();
      bad[0]! ^= 0x80;
      expect(!m.verify(data, bad), 'tampered ICV accepted');
      return icv;
    });
    rows.push({ kind: 'integ', transform: t.name, id: t.id, results, agree });
  }
  for (const t of PRF_TRANSFORMS) {
    const key = random(t.keyLength + 3); // not the preferred length: exercises key handling
    const data = random(64);
    const { results, agree } = run(providers, (p) => {
      kat(t.name)?.(p);
      const out = p.prf(t).compute(key, data);
      expect(out.length === t.outputLength, 'wrong output length');
      return out;
    });
    rows.push({ kind: 'prf', transform: t.name, id: t.id, results, agree });
  }
  for (const t of KE_TRANSFORMS) {
    // Every provider pairs with the first one: all must agree on g^ir.
    const reference = providers[0];
    const initiator = reference?.keyExchange(t, random);
    const { results, agree } = run(providers, (p) => {
      kat(t.name)?.(p);
      if (!initiator) throw new Error('no provider');
      const responder = p.keyExchange(t, random);
      expect(responder.publicValue.length === t.publicLength, 'wrong public value length');
      const r = responder.computeSharedSecret(initiator.publicValue);
      const i = initiator.computeSharedSecret(responder.publicValue);
      expect(r.ok && i.ok && equalBytes(r.value, i.value), 'shared secrets differ');
      responder.destroy();
      return r.ok ? r.value.subarray(0, 0) : new Uint8Array(1); // secrets differ per pair: compare agreement only
    });
    initiator?.destroy();
    rows.push({ kind: 'ke', transform: t.name, id: t.id, results, agree });
  }
  return rows;
}
