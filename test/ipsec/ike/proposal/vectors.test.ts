/**
 * The strongSwan captures (test/vectors/strongswan): their swanctl proposal strings parse to the
 * proposals strongSwan put on the wire, selecting from the initiator's SA payloads gives the
 * responder's answers, and the chosen suites carry the transform IDs strongSwan negotiated.
 */
import { describe, expect, it } from 'vitest';
import { TransformType } from '../../../../ipsec/crypto/ids.js';
import { type Proposal, ProtocolId, type TransformSpec } from '../../../../ipsec/ike/model.js';
import { orderByType, parseProposal } from '../../../../ipsec/ike/proposal/keywords.js';
import { checkProposalResponse, selectProposal } from '../../../../ipsec/ike/proposal/select.js';
import { negotiatedSuite } from '../../../../ipsec/ike/proposal/suite.js';
import { fromHex } from '../../../../ipsec/util/bytes.js';
import { loadStrongswanVectors, type VectorCase } from '../../../support/vectors.js';

const vectors = loadStrongswanVectors();

interface WireTransform {
  type: keyof typeof TransformType | 'DH';
  id: number;
  key_length?: number;
}
interface WireProposal {
  num: number;
  protocol: 'IKE' | 'ESP';
  spi: string;
  transforms: WireTransform[];
}

/** The decoded SA payloads of a case (the vector's payload_details), as our model. */
function saPayloads(v: VectorCase) {
  const out: { exchange: string; dir: string; mid: number; proposals: Proposal[] }[] = [];
  for (const p of v.packets) {
    // biome-ignore lint/suspicious/noExplicitAny: payload_details is documented in the vectors README
    const details = ((p as any).payload_details ?? []) as { name: string; proposals?: WireProposal[] }[];
    for (const d of details) {
      if (d.name !== 'SA' || !d.proposals) continue;
      const proposals = d.proposals.map(
        (w): Proposal => ({
          num: w.num,
          protocolId: ProtocolId[w.protocol],
          spi: fromHex(w.spi),
          transforms: w.transforms.map((t): TransformSpec => {
            const type = t.type === 'DH' ? TransformType.KE : TransformType[t.type];
            return t.key_length === undefined
              ? { type, id: t.id }
              : { type, id: t.id, keyLength: t.key_length };
          }),
        }),
      );
      out.push({ exchange: p.exchange ?? '', dir: p.dir, mid: p.mid ?? -1, proposals });
    }
  }
  return out;
}

const parsed = (text: string, protocol: number): Proposal => {
  const r = parseProposal(text, protocol);
  if (!r.ok) throw new Error(`${text}: ${r.error.message}`);
  return r.value;
};
const withoutKe = (ts: readonly TransformSpec[]) => ts.filter((t) => t.type !== TransformType.KE);

describe.each(vectors.map((v) => [v.case, v] as const))('strongSwan case %s', (_name, v) => {
  const ike = parsed(v.ike_proposal, ProtocolId.IKE);
  const esp = parsed(v.esp_proposal, ProtocolId.ESP);
  const sas = saPayloads(v);

  it('has SA payloads for every exchange that negotiates', () => {
    expect(sas.map((s) => `${s.exchange}/${s.dir}`)).toEqual([
      'IKE_SA_INIT/i->r',
      'IKE_SA_INIT/r->i',
      'IKE_AUTH/i->r',
      'IKE_AUTH/r->i',
      'CREATE_CHILD_SA/i->r',
      'CREATE_CHILD_SA/r->i',
      'CREATE_CHILD_SA/i->r',
      'CREATE_CHILD_SA/r->i',
    ]);
  });

  it('parses the proposal strings to what strongSwan sent', () => {
    for (const sa of sas.filter((s) => s.dir === 'i->r')) {
      const [offered] = sa.proposals;
      expect(sa.proposals).toHaveLength(1);
      const ours = offered?.protocolId === ProtocolId.IKE ? ike : esp;
      // strongSwan leaves the KE transform out of IKE_AUTH (RFC 7296 §1.2)
      const expected = sa.exchange === 'IKE_AUTH' ? withoutKe(ours.transforms) : ours.transforms;
      expect(orderByType(offered?.transforms ?? [])).toEqual(expected);
    }
  });

  it("selects the responder's answer from the initiator's offer, and the initiator accepts it", () => {
    const pairs = sas
      .filter((s) => s.dir === 'i->r')
      .map((req) => [req, sas.find((s) => s !== req && s.mid === req.mid)!]);
    for (const [req, resp] of pairs) {
      if (!req || !resp) throw new Error('unpaired SA payload');
      const ignoreKe = req.exchange === 'IKE_AUTH';
      const configured = req.proposals[0]?.protocolId === ProtocolId.IKE ? ike : esp;
      const chosen = selectProposal(req.proposals, [configured], { ignoreKe });
      expect(chosen.ok).toBe(true);
      if (!chosen.ok) continue;
      const answer = resp.proposals[0]!;
      expect(chosen.value.num).toBe(answer.num);
      expect(chosen.value.transforms).toEqual(orderByType(answer.transforms));
      expect(chosen.value.spi).toEqual(new Uint8Array(0)); // the caller fills our SPI
      expect(checkProposalResponse(req.proposals, resp.proposals, { ignoreKe }).ok).toBe(true);
    }
  });

  it('negotiates the IKE SA suite recorded in ike_sas[0]', () => {
    const chosen = selectProposal([ike], [ike], { keGroup: v.ike_sas[0]!.dh_group });
    expect(chosen.ok).toBe(true);
    if (!chosen.ok) return;
    const suite = negotiatedSuite(chosen.value);
    expect(suite.ok).toBe(true);
    if (!suite.ok) return;
    const sa = v.ike_sas[0]!;
    expect(suite.value.encr.id).toBe(sa.encr_id);
    expect(suite.value.encr.keyBits).toBe(sa.encr_key_bits);
    expect(suite.value.prf?.id).toBe(sa.prf_id);
    expect(suite.value.integ?.id ?? null).toBe(sa.integ_id);
    expect(suite.value.ke?.id).toBe(sa.dh_group);
  });

  it('negotiates the CHILD SA suites recorded in child_sas (IKE_AUTH, then the rekey)', () => {
    const [first, rekey] = v.child_sas;
    for (const [child, ignoreKe] of [
      [first, true],
      [rekey, false],
    ] as const) {
      if (!child) throw new Error('missing child SA');
      const chosen = selectProposal([esp], [esp], { ignoreKe });
      expect(chosen.ok).toBe(true);
      if (!chosen.ok) continue;
      const suite = negotiatedSuite(chosen.value);
      expect(suite.ok).toBe(true);
      if (!suite.ok) continue;
      expect(suite.value.encr.id).toBe(child.encr_id);
      expect(suite.value.encr.keyBits).toBe(child.encr_key_bits);
      expect(suite.value.integ?.id ?? null).toBe(child.integ_id);
      expect(suite.value.esn).toBe(child.esn);
      expect(suite.value.ke?.id ?? null).toBe(child.dh_group);
    }
  });
});
