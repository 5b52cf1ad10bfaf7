import { describe, expect, it } from 'vitest';
import { ProtocolId } from '../../../../ipsec/ike/model.js';
import { configuredProposals, provideProposals } from '../../../../ipsec/ike/proposal/configured.js';
import { parseProposals } from '../../../../ipsec/ike/proposal/keywords.js';

describe('configuredProposals', () => {
  it('parses a list once: the same proposals for every SA of the configuration, equal to the parser', () => {
    const list = ['aes128gcm16-prfsha256-x25519', 'aes256-sha256-ecp256'];
    const a = configuredProposals(list, ProtocolId.IKE);
    const b = configuredProposals(list, ProtocolId.IKE);
    expect(a.ok && b.ok).toBe(true);
    if (!a.ok || !b.ok) return;
    expect(b.value).toBe(a.value); // parsed once
    const direct = parseProposals(list, ProtocolId.IKE);
    expect(direct.ok && a.value).toEqual(direct.ok && direct.value);
    expect(Object.isFrozen(a.value)).toBe(true);
    // An equal list that is another array is parsed on its own (the cache follows the config).
    const c = configuredProposals([...list], ProtocolId.IKE);
    expect(c.ok && c.value).not.toBe(a.value);
  });

  it('the same list read for another protocol is parsed for that protocol', () => {
    const list = ['aes128gcm16'];
    const esp = configuredProposals(list, ProtocolId.ESP);
    expect(esp.ok && esp.value[0]!.protocolId).toBe(ProtocolId.ESP);
    expect(configuredProposals(list, ProtocolId.IKE).ok).toBe(false); // IKE needs a PRF and a group
  });

  it("an error is kept too, with the parser's message", () => {
    const list = ['aes128-nosuchprf-x25519'];
    const r = configuredProposals(list, ProtocolId.IKE);
    expect(r.ok).toBe(false);
    const p = parseProposals(list, ProtocolId.IKE);
    if (r.ok || p.ok) return;
    expect(r.error).toEqual(p.error);
    expect(configuredProposals(list, ProtocolId.IKE)).toBe(r);
  });

  it('provided proposals are used as they are: no keyword is parsed (a compiled profile)', () => {
    const list = ['compiled-in']; // not a keyword: a parse would fail
    const compiled = parseProposals('aes128ctr-aesxcbc', ProtocolId.ESP);
    if (!compiled.ok) throw new Error(compiled.error.message);
    provideProposals(list, ProtocolId.ESP, compiled.value);
    const r = configuredProposals(list, ProtocolId.ESP);
    expect(r.ok && r.value).toEqual(compiled.value);
    expect(configuredProposals(list, ProtocolId.IKE).ok).toBe(false); // only what was provided
  });
});
