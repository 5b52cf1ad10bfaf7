/**
 * Keys and secrets in the inspection stream: never without `keys: true` (SK_*, Child SA keys,
 * PSK), present with it; recordings drop them unless asked; JSON Lines read back.
 */
import { describe, expect, it } from 'vitest';
import type { InspectionEvent } from '../../../actors/inspection/events.js';
import { fromJsonLines, JsonLinesError, redactKeys, toJsonLines } from '../../../actors/inspection/record.js';
import { toHex } from '../../../ipsec/util/bytes.js';
import { PSK } from '../../support/ike-peers.js';
import { inspectedHosts } from './inspected-hosts.js';

/** Runs two peers through setup, a Child SA rekey and an IKE SA rekey; returns every secret seen. */
function run(keys: boolean) {
  const peers = inspectedHosts({ hub: { keys } });
  const { clock, client, gateway } = peers;
  const secrets = new Set<string>([toHex(PSK), new TextDecoder().decode(PSK)]);
  const collect = () => {
    for (const h of [client, gateway])
      for (const sa of h.supervisor.ikeSas) {
        const k = sa.actor.getSnapshot().context.session.keys;
        if (k) for (const v of [k.skD, k.skEi, k.skEr, k.skAi, k.skAr, k.skPi, k.skPr]) secrets.add(toHex(v));
        for (const c of sa.children) {
          const ck = c.record.keys;
          for (const v of [ck.initiator.encr, ck.initiator.integ, ck.responder.encr, ck.responder.integ])
            if (v.length > 0) secrets.add(toHex(v));
        }
      }
  };
  client.supervisor.initiate('gw', 'net');
  clock.advance(2000);
  collect();
  client.supervisor.rekeyChild('net');
  clock.advance(2000);
  collect();
  client.supervisor.rekeyIke('gw');
  clock.advance(5000);
  collect();
  const text = [client, gateway].map((h) => h.events.map((e) => JSON.stringify(e)).join('\n')).join('\n');
  return { secrets, text, events: client.events };
}

describe('secrets in the inspection stream', () => {
  it('shows no SK_*, Child SA key or PSK without keys: true', () => {
    const { secrets, text } = run(false);
    expect(secrets.size).toBeGreaterThan(20);
    for (const s of secrets) expect(text.includes(s), s).toBe(false);
    expect(text).not.toMatch(/"keys"/);
  });

  it('shows the SK_* and Child SA keys with keys: true, never the PSK', () => {
    const { secrets, text, events } = run(true);
    const psk = [toHex(PSK), new TextDecoder().decode(PSK)];
    for (const s of secrets) if (!psk.includes(s)) expect(text.includes(s), s).toBe(true);
    for (const s of psk) expect(text.includes(s)).toBe(false);
    // ... and a recording drops them unless told to keep them.
    const redacted = toJsonLines(events);
    const kept = toJsonLines(events, { keys: true });
    for (const s of secrets) expect(redacted.includes(s)).toBe(false);
    expect([...secrets].some((s) => kept.includes(s))).toBe(true);
  });
});

describe('JSON Lines', () => {
  const events: InspectionEvent[] = [
    { seq: 1, t: 0, kind: 'actor.created', actor: 'supervisor', actorKind: 'supervisor' },
    {
      seq: 2,
      t: 5,
      kind: 'actor.snapshot',
      actor: 'child:1:1',
      value: 'installed',
      status: 'active',
      child: {
        name: 'net',
        spiIn: '01020304',
        spiOut: '05060708',
        mode: 'tunnel',
        state: 'INSTALLED',
        localTs: ['10.0.0.0/24'],
        remoteTs: ['10.0.1.0/24'],
        keys: { encr_i: 'aa' },
      },
    },
  ];

  it('round-trips events, one a line, with or without a header', () => {
    const text = toJsonLines(events, { keys: true });
    expect(text.split('\n')).toHaveLength(3);
    expect(fromJsonLines(text)).toEqual({ events });
    const withHeader = toJsonLines(events, { header: { started: 'x', machines: [] } });
    const back = fromJsonLines(withHeader);
    expect(back.header).toEqual({
      kind: 'recording',
      format: 'ikev2-inspect/1',
      keys: false,
      started: 'x',
      machines: [],
    });
    expect(back.events).toEqual(redactKeys(events));
    expect(JSON.stringify(back.events)).not.toContain('"keys"');
  });

  it('names the line of a bad record', () => {
    expect(() => fromJsonLines(`${JSON.stringify(events[0])}\n{oops`)).toThrow(JsonLinesError);
    expect(() => fromJsonLines('{"kind":"x"}')).toThrow('line 1');
  });
});
