/**
 * describeIkeMessage against every IKE message of the strongSwan captures (names, SK opened
 * with the captured keys), and a fuzz: it never throws on any decodable message.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nobleProvider } from '../../../../ipsec/crypto/noble/index.js';
import { mustEncr, mustInteg } from '../../../../ipsec/crypto/transforms.js';
import type { SkKeyPair, SkKeys } from '../../../../ipsec/ike/sk.js';
import { describeIkeMessage, octets, type PayloadView } from '../../../../ipsec/ike/wire/describe.js';
import { decodeMessage, encodeMessage } from '../../../../ipsec/ike/wire/index.js';
import { fromHex } from '../../../../ipsec/util/bytes.js';
import { arbMessage } from '../../../support/ike-arbitraries.js';
import { loadStrongswanVectors, type VectorIkeSa } from '../../../support/vectors.js';

function skKeys(sa: VectorIkeSa, initiator: boolean): SkKeys {
  const cipher = nobleProvider.cipher(
    mustEncr(sa.encr_id, sa.encr_key_bits),
    fromHex(initiator ? sa.sk_ei : sa.sk_er),
  );
  if (sa.integ_id === null) return { cipher };
  return { cipher, mac: nobleProvider.mac(mustInteg(sa.integ_id), fromHex(initiator ? sa.sk_ai : sa.sk_ar)) };
}
const pair = (sa: VectorIkeSa): SkKeyPair => ({ initiator: skKeys(sa, true), responder: skKeys(sa, false) });

const cases = loadStrongswanVectors();
const packets = cases.flatMap((c) =>
  c.packets.filter((p) => p.kind === 'ike').map((p) => [`${c.file} #${p.n} ${p.exchange}`, c, p] as const),
);

/** The vector files' payload names ('N(COOKIE)', 'Ni'...) from our views. */
const names = (views: readonly PayloadView[]): string[] =>
  views.map((v) =>
    v.type === 'N' ? `N(${String(v.fields['Notify Message Type']).replace(/ \(\d+\)$/, '')})` : v.type,
  );

const all = (views: readonly PayloadView[]): PayloadView[] =>
  views.flatMap((v) => [v, ...all(v.children ?? [])]);

describe('describeIkeMessage on strongSwan messages', () => {
  it.each(packets)('%s', (_label, c, p) => {
    const raw = fromHex(p.hex);
    const decoded = decodeMessage(raw);
    if (!decoded.ok) throw new Error(JSON.stringify(decoded.error));
    const sa = p.ike_sa === undefined ? undefined : c.ike_sas[p.ike_sa];
    const view = describeIkeMessage(decoded.value, raw, sa && pair(sa));
    expect(view.exchange).toMatch(new RegExp(`^${p.exchange} \\(${p.exchange_type}\\)$`));
    expect(view.messageId).toBe(p.mid);
    expect(view.response).toBe(p.response);
    expect(view.initiatorFlag).toBe(p.initiator_flag);
    expect(view.length).toBe(raw.length);
    expect(names(view.payloads)).toEqual(p.payloads);
    const sk = view.payloads.find((v) => v.type === 'SK');
    if (p.sk) {
      expect(view.opaque).toBeUndefined();
      expect(names(sk?.children ?? [])).toEqual(p.decrypted_payloads ?? []);
    }
    // JSON-safe: only strings, numbers and booleans in fields.
    for (const v of all(view.payloads))
      for (const f of Object.values(v.fields)) expect(['string', 'number', 'boolean']).toContain(typeof f);
    // No opaque value is dumped whole: KE data of 48+ octets shows 8 of them.
    for (const v of all(view.payloads).filter((x) => x.type === 'KE'))
      expect(String(v.fields['Key Exchange Data']).length).toBeLessThan(40);
  });

  it('names proposals, transforms, notifies, IDs, AUTH and traffic selectors', () => {
    const c = cases.find((x) => x.file.startsWith('A-'))!;
    const init = c.packets.find((p) => p.kind === 'ike' && p.exchange === 'IKE_SA_INIT' && !p.response)!;
    const raw = fromHex(init.hex);
    const d = decodeMessage(raw);
    if (!d.ok) throw new Error('decode');
    const v = describeIkeMessage(d.value, raw);
    const flat = all(v.payloads);
    const ids = flat.filter((x) => x.type === 'Transform').map((x) => x.fields['Transform ID']);
    expect(ids).toContain('ENCR_AES_CTR (13)');
    expect(ids).toContain('PRF_HMAC_SHA2_256 (5)');
    const e = cases.find((x) => x.file.startsWith('E-'))!;
    const eInit = e.packets.find((p) => p.kind === 'ike' && p.exchange === 'IKE_SA_INIT' && !p.response)!;
    const dE = decodeMessage(fromHex(eInit.hex));
    if (!dE.ok) throw new Error('decode');
    const eIds = all(describeIkeMessage(dE.value, fromHex(eInit.hex)).payloads).map(
      (x) => x.fields['Transform ID'],
    );
    expect(eIds).toContain('PRF_AES128_XCBC (4)');
    expect(ids).toContain('AUTH_AES_XCBC_96 (5)');
    expect(ids).toContain('ECP_192 (25)');
    const ctr = flat.find((x) => x.fields['Transform ID'] === 'ENCR_AES_CTR (13)');
    expect(ctr?.fields['Key Length']).toBe(128);
    expect(flat.find((x) => x.type === 'KE')?.fields['Diffie-Hellman Group Num']).toBe('ECP_192 (25)');
    expect(flat.some((x) => x.fields['Notify Message Type'] === 'NAT_DETECTION_SOURCE_IP (16388)')).toBe(
      true,
    );
    expect(flat.find((x) => x.type === 'Ni')?.fields.Length).toBe(
      init.payloads?.includes('Ni') ? 32 : undefined,
    );

    const auth = c.packets.find((p) => p.kind === 'ike' && p.exchange === 'IKE_AUTH' && !p.response)!;
    const rawA = fromHex(auth.hex);
    const dA = decodeMessage(rawA);
    if (!dA.ok) throw new Error('decode');
    const vA = describeIkeMessage(dA.value, rawA, pair(c.ike_sas[auth.ike_sa!]!));
    const inner = all(vA.payloads);
    expect(inner.find((x) => x.type === 'IDi')?.fields['ID Type']).toMatch(/^ID_\w+ \(\d+\)$/);
    expect(inner.find((x) => x.type === 'AUTH')?.fields['Auth Method']).toBe('SHARED_KEY_MIC (2)');
    expect(inner.find((x) => x.type === 'TSi')?.fields['Traffic Selectors']).toMatch(
      /\d+\.\d+\.\d+\.\d+\/\d+/,
    );
    // Without keys: SK stays closed, and says why.
    expect(describeIkeMessage(dA.value, rawA).opaque).toBe('no keys');
    // Wrong keys: integrity.
    const other = cases.find((x) => x.file.startsWith('G-'))!;
    const wrong = { ...other.ike_sas[0]!, encr_id: 13, encr_key_bits: 128, integ_id: 5 };
    const wrongKeys: VectorIkeSa = {
      ...wrong,
      sk_ei: '00'.repeat(20),
      sk_ai: '00'.repeat(16),
      sk_er: '00'.repeat(20),
      sk_ar: '00'.repeat(16),
    };
    expect(describeIkeMessage(dA.value, rawA, pair(wrongKeys)).opaque).toBe('integrity');
  });

  it('shows opaque data as length and a short prefix', () => {
    expect(octets(new Uint8Array(0))).toBe('0 octets');
    expect(octets(Uint8Array.of(1, 2))).toBe('2 octets: 0102');
    expect(octets(new Uint8Array(32).fill(0xab))).toBe(`32 octets: ${'ab'.repeat(8)}…`);
  });
});

describe('describeIkeMessage fuzz', () => {
  it('never throws on a decodable message, and its result is JSON', () => {
    fc.assert(
      fc.property(arbMessage, fc.boolean(), (m, withKeys) => {
        let raw: Uint8Array;
        try {
          raw = encodeMessage(m);
        } catch {
          return; // not encodable: nothing to describe
        }
        const d = decodeMessage(raw);
        if (!d.ok) return;
        const c = cases[0]!;
        const v = describeIkeMessage(d.value, raw, withKeys ? pair(c.ike_sas[0]!) : undefined);
        expect(JSON.parse(JSON.stringify(v))).toEqual(v);
      }),
      { numRuns: 400 },
    );
  });
});
