/**
 * Every transform we implement (ipsec/crypto/transforms.ts), negotiated end to end by two
 * supervisors: each run establishes the IKE SA with one IKE proposal and the first Child SA
 * with one ESP proposal, checks what both sides chose and installed, and sends a ping across
 * ESP. The table covers every IKE encryption (25 variants: CBC, CTR, GCM and CCM with 8/12/16
 * octet ICVs at 128/192/256 bits, ChaCha20-Poly1305), every ESP encryption (those and NULL),
 * every integrity algorithm and PRF, every KE method (MODP 4096 once, it is the slow one) and
 * ESN on and off.
 *
 *   client                                             gateway
 *   IKE_SA_INIT { SAi1(one proposal), KEi, Ni }  -->
 *                                                <--  IKE_SA_INIT { SAr1, KEr, Nr }
 *   IKE_AUTH { IDi, IDr, AUTH, SAi2(one ESP proposal), TSi, TSr }  -->
 *                                                <--  IKE_AUTH { IDr, AUTH, SAr2, TSi, TSr }
 *   ESP { ICMP echo request 10.99.2.1 -> 10.99.1.1 }  -->
 *                                                <--  ESP { ICMP echo reply }
 */
import { describe, expect, it } from 'vitest';
import { EncrId, IntegId, KeId, PrfId } from '../../ipsec/crypto/ids.js';
import {
  ENCR_TRANSFORMS,
  INTEG_TRANSFORMS,
  KE_TRANSFORMS,
  PRF_TRANSFORMS,
} from '../../ipsec/crypto/transforms.js';
import { ProtocolId } from '../../ipsec/ike/model.js';
import { parseProposals, transformKeyword } from '../../ipsec/ike/proposal/keywords.js';
import { echoRequest } from '../ipsec/policy/fixtures.js';
import { icmpType, ikeContext, twoHosts } from '../support/two-hosts.js';

/** The canonical strongSwan keyword of a registry transform (aes128, sha256, prfsha256, ecp256...). */
const keyword = (type: number, id: number, keyLength?: number): string =>
  transformKeyword(keyLength === undefined ? { type, id } : { type, id, keyLength });

const ENCR = ENCR_TRANSFORMS.map((t) => ({
  t,
  kw: keyword(1, t.id, t.keyLengthAttribute ? t.keyBits : undefined),
}));
const IKE_ENCR = ENCR.filter((e) => e.t.ike);
const ESP_ENCR = ENCR; // NULL included
const INTEG = INTEG_TRANSFORMS.map((t) => ({ t, kw: keyword(3, t.id) }));
const PRF = PRF_TRANSFORMS.map((t) => ({ t, kw: keyword(2, t.id) }));
const KE = KE_TRANSFORMS.map((t) => ({ t, kw: keyword(4, t.id) }));

/** KE per run: each method once in the first runs (MODP 4096 only there), then the fast ones. */
const FAST_KE = [KeId.CURVE_25519, KeId.ECP_256, KeId.ECP_192, KeId.CURVE_448, KeId.ECP_384];
const keFor = (i: number) =>
  i < KE.length ? KE[i]! : KE.find((k) => k.t.id === FAST_KE[i % FAST_KE.length])!;

interface Run {
  readonly name: string;
  readonly ike: string;
  readonly esp: string;
  readonly expect: {
    readonly ikeEncr: (typeof ENCR)[number]['t'];
    readonly ikeInteg?: number;
    readonly prf: number;
    readonly ke: number;
    readonly espEncr: (typeof ENCR)[number]['t'];
    readonly espInteg?: number;
    readonly esn: boolean;
  };
}

/** One run per ESP encryption (the longest list); the other lists cycle alongside it. */
const RUNS: Run[] = ESP_ENCR.map((espE, i) => {
  const ikeE = IKE_ENCR[i % IKE_ENCR.length]!;
  const ikeInteg = ikeE.t.aead ? undefined : INTEG[i % INTEG.length]!;
  const prf = PRF[(i + 2) % PRF.length]!;
  const ke = keFor(i);
  const espInteg = espE.t.aead ? undefined : INTEG[(i + 3) % INTEG.length]!;
  const esn = i % 2 === 1;
  const ike = [ikeE.kw, ...(ikeInteg ? [ikeInteg.kw] : []), prf.kw, ke.kw].join('-');
  const esp = [espE.kw, ...(espInteg ? [espInteg.kw] : []), esn ? 'esn' : 'noesn'].join('-');
  return {
    name: `IKE ${ike} / ESP ${esp}`,
    ike,
    esp,
    expect: {
      ikeEncr: ikeE.t,
      ...(ikeInteg ? { ikeInteg: ikeInteg.t.id } : {}),
      prf: prf.t.id,
      ke: ke.t.id,
      espEncr: espE.t,
      ...(espInteg ? { espInteg: espInteg.t.id } : {}),
      esn,
    },
  };
});

describe('every transform of the registry, end to end', () => {
  it('the table covers every transform at least once, and MODP 4096 exactly once', () => {
    const ikeEncr = new Set(RUNS.map((r) => r.expect.ikeEncr));
    const espEncr = new Set(RUNS.map((r) => r.expect.espEncr));
    expect(IKE_ENCR.every((e) => ikeEncr.has(e.t))).toBe(true);
    expect(ESP_ENCR.every((e) => espEncr.has(e.t))).toBe(true);
    const integ = new Set(RUNS.flatMap((r) => [r.expect.ikeInteg, r.expect.espInteg]));
    expect(INTEG.every((t) => integ.has(t.t.id))).toBe(true);
    const ikeInteg = new Set(RUNS.map((r) => r.expect.ikeInteg));
    const espInteg = new Set(RUNS.map((r) => r.expect.espInteg));
    expect(INTEG.every((t) => ikeInteg.has(t.t.id) && espInteg.has(t.t.id))).toBe(true);
    expect(PRF.every((t) => RUNS.some((r) => r.expect.prf === t.t.id))).toBe(true);
    expect(KE.every((t) => RUNS.some((r) => r.expect.ke === t.t.id))).toBe(true);
    expect(RUNS.filter((r) => r.expect.ke === KeId.MODP_4096)).toHaveLength(1);
    expect(new Set(RUNS.map((r) => r.expect.esn))).toEqual(new Set([true, false]));
    // Sanity on the registry itself, so that a new transform cannot slip past this table.
    expect(IKE_ENCR).toHaveLength(25); // CBC, CTR, GCM 8/12/16, CCM 8/12/16 x 128/192/256 + ChaCha20
    expect(ESP_ENCR).toHaveLength(26); // and NULL
    for (const r of RUNS) {
      expect(parseProposals(r.ike, ProtocolId.IKE).ok).toBe(true);
      expect(parseProposals(r.esp, ProtocolId.ESP).ok).toBe(true);
    }
    expect(ESP_ENCR.map((e) => e.t.id)).toContain(EncrId.NULL);
    expect(INTEG.map((t) => t.t.id)).toContain(IntegId.AES_CMAC_96);
    expect(PRF.map((t) => t.t.id)).toContain(PrfId.AES128_CMAC);
  });

  it.each(RUNS)('$name', (run) => {
    const peer = { proposals: [run.ike], esp_proposals: [run.esp] };
    const { clock, client, gateway } = twoHosts({ seed: run.name, client: peer, gateway: peer });
    const ike = client.supervisor.initiate('gw', 'net');
    clock.advance(2000);
    expect(ike.state).toBe('ESTABLISHED');
    const [gw] = gateway.supervisor.ikeSas;
    expect(gw?.state).toBe('ESTABLISHED');

    // The IKE SA: both ends agree on exactly the offered transforms.
    for (const h of [ike, gw!]) {
      const suite = ikeContext(h).session.suite;
      expect(suite?.encr).toBe(run.expect.ikeEncr);
      expect(suite?.integ?.id).toBe(run.expect.ikeInteg);
      expect(suite?.prf?.id).toBe(run.expect.prf);
      expect(suite?.ke?.id).toBe(run.expect.ke);
    }

    // The Child SA: negotiated and installed with the ESP transforms, on both hosts.
    for (const [h, host] of [
      [ike, client],
      [gw!, gateway],
    ] as const) {
      expect(h.children).toHaveLength(1);
      const suite = h.children[0]!.record.suite;
      expect(suite.encr).toBe(run.expect.espEncr);
      expect(suite.integ?.id).toBe(run.expect.espInteg);
      expect(suite.esn).toBe(run.expect.esn);
      const sas = host.esp.backend.listSas();
      expect(sas).toHaveLength(2);
      for (const sa of sas) {
        expect(sa.encr).toBe(run.expect.espEncr.name);
        expect(sa.integ).toBe(INTEG.find((t) => t.t.id === run.expect.espInteg)?.t.name);
        expect(sa.esn).toBe(run.expect.esn);
      }
    }

    // Traffic crosses the Child SA both ways.
    client.esp.pipeline.send(echoRequest('10.99.2.1', '10.99.1.1', 7));
    clock.advance(100);
    expect(client.received.map(icmpType)).toEqual([0]);
    const out = client.esp.backend.listSas().find((s) => s.direction === 'out');
    const back = client.esp.backend.listSas().find((s) => s.direction === 'in');
    expect(out?.packets).toBe(1);
    expect(back?.packets).toBe(1);
  });
});
