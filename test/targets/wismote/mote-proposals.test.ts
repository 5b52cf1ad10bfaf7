/**
 * The compiled profile: each suite's compiled proposals are what the keyword parser makes of
 * MOTE_SUITES, and the firmware hands them to its configuration, so it needs no parser (the
 * firmware build links no-keywords.ts, which refuses every list).
 */
import { describe, expect, it } from 'vitest';
import { ProtocolId } from '../../../ipsec/ike/model.js';
import { configuredProposals } from '../../../ipsec/ike/proposal/configured.js';
import { parseProposals } from '../../../ipsec/ike/proposal/keywords.js';
import { MOTE_PROPOSALS } from '../../../targets/wismote/mote-proposals.js';
import { moteStackConfig } from '../../../targets/wismote/mote-stack.js';
import { parseProposals as noParser } from '../../../targets/wismote/no-keywords.js';
import { GATEWAY_ID, MOTE_SUITES, type MoteSuiteName, moteId } from '../../../targets/wismote/profile.js';

const suites = Object.keys(MOTE_SUITES) as MoteSuiteName[];

describe('the compiled mote profile', () => {
  it.each(suites)("%s: the compiled proposals are the parser's", (suite) => {
    const ike = parseProposals(MOTE_SUITES[suite].ike, ProtocolId.IKE);
    const esp = parseProposals(MOTE_SUITES[suite].esp, ProtocolId.ESP);
    expect(ike.ok && esp.ok).toBe(true);
    expect(MOTE_PROPOSALS[suite].ike).toEqual(ike.ok && ike.value);
    expect(MOTE_PROPOSALS[suite].esp).toEqual(esp.ok && esp.value);
  });

  it('the firmware configuration carries them already parsed', () => {
    const psk = { name: 'ike-2', id: [moteId(2), GATEWAY_ID], secret: new Uint8Array(32) };
    const config = moteStackConfig(2, psk, { suite: 'seed' });
    const c = config.connections[0]!;
    const ike = configuredProposals(c.proposals, ProtocolId.IKE);
    const esp = configuredProposals(c.children[0]!.esp_proposals, ProtocolId.ESP);
    expect(ike.ok && ike.value).toEqual(MOTE_PROPOSALS.seed.ike);
    expect(esp.ok && esp.value).toEqual(MOTE_PROPOSALS.seed.esp);
  });

  it("the firmware's stand-in parser refuses every list, naming it", () => {
    const r = noParser(['aes128-sha256-x25519'], ProtocolId.IKE);
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.error.message).toMatch(/^'aes128-sha256-x25519': this firmware has no proposal parser/);
  });
});
