/**
 * The mesh simulator end to end: motes and a gateway running the real actor core over the
 * simulated 802.15.4 radio and 6LoWPAN, on virtual time. The goals: 50 motes under
 * 30 % frame loss all establish and deliver every reading; the run is deterministic per seed;
 * the handshake costs no more on air than the seed's message sizes.
 */
import { describe, expect, it } from 'vitest';
import { nobleProvider } from '../../../ipsec/crypto/noble/index.js';
import { runSimulation } from '../../../targets/wismote/sim.js';
import { SIM_DEFAULTS, type SimOptions } from '../../../targets/wismote/sim-options.js';

const run = (o: Partial<SimOptions>, timeline = false) =>
  runSimulation({ ...SIM_DEFAULTS, ...o }, { provider: nobleProvider, timeline, compareWithSeed: false });

describe('ikev2 sim', () => {
  it('50 motes under 30 % frame loss: every mote establishes and delivers every reading, the same way twice', () => {
    const o = { seed: 'goal', motes: 50, loss: 0.3, durationS: 300, intervalS: 30 };
    const a = run(o).report;
    expect(a.motes).toHaveLength(50);
    for (const m of a.motes) {
      expect(m.established, `mote ${m.id}`).toBe(true);
      expect(m.readingsSent, `mote ${m.id}`).toBeGreaterThanOrEqual(9);
      expect(m.readingsDelivered, `mote ${m.id}`).toBe(m.readingsSent);
      expect(m.handshakeMs).not.toBeNull();
    }
    expect(a.ok).toBe(true);
    // The loss was real: both layers had to retransmit.
    expect(a.motes.reduce((s, m) => s + m.linkRetries, 0)).toBeGreaterThan(100);
    expect(a.motes.reduce((s, m) => s + m.ikeRetransmissions, 0)).toBeGreaterThan(0);
    expect(a.motes.reduce((s, m) => s + m.readingRetransmissions, 0)).toBeGreaterThan(0);
    expect(a.gateway.ikeSasEstablished).toBe(50);
    expect(a.gateway.readingsDelivered).toBe(a.motes.reduce((s, m) => s + m.readingsSent, 0));
    // Deterministic: the same seed gives the same report, to the octet and the microsecond.
    expect(JSON.stringify(run(o).report)).toBe(JSON.stringify(a));
  });

  it('another seed gives another run', () => {
    const a = run({ seed: 'x', motes: 5, loss: 0.2, durationS: 60 }).report;
    const b = run({ seed: 'y', motes: 5, loss: 0.2, durationS: 60 }).report;
    expect(JSON.stringify(b.motes)).not.toBe(JSON.stringify(a.motes));
  });

  it('accounts every exchange: IKE octets and bytes on air per mote add up to the air totals', () => {
    const r = run({ seed: 'acc', motes: 4, durationS: 60 }).report;
    for (const m of r.motes) {
      const init = m.exchanges.find((e) => e.exchange === 'IKE_SA_INIT')!;
      const auth = m.exchanges.find((e) => e.exchange === 'IKE_AUTH')!;
      expect(init.messages).toBe(2); // no loss: one request, one response
      expect(init.ikeBytes).toBe(2 * 152); // the minimal initiator's IKE_SA_INIT, both ways
      expect(auth.messages).toBe(2);
      expect(m.bytesOnAir).toBe(m.exchanges.reduce((s, e) => s + e.bytesOnAir, 0) + m.esp.bytesOnAir);
      expect(m.esp.frames).toBeGreaterThan(0);
    }
    expect(r.motes.reduce((s, m) => s + m.bytesOnAir, 0)).toBe(r.air.bytes);
  });

  it.each(['line', 'tree'] as const)(
    'a %s: motes several hops out establish through motes that forward',
    (topology) => {
      const r = run({ seed: topology, motes: 7, topology, loss: 0.1, durationS: 120 }).report;
      expect(Math.max(...r.motes.map((m) => m.hops))).toBe(topology === 'line' ? 7 : 3); // a binary tree of 7: 2 + 4 + 1
      for (const m of r.motes) {
        expect(m.established, `mote ${m.id}`).toBe(true);
        expect(m.readingsDelivered).toBe(m.readingsSent);
      }
      // Forwarders spend air on others' traffic: the first mote sends more than its own share.
      const first = r.motes.find((m) => m.id === 2)!;
      expect(first.bytesTransmitted).toBeGreaterThan(first.bytesOnAir / 2);
    },
  );

  it('fragmentation = ike cuts IKE_AUTH into RFC 7383 fragments of one frame each; 6lowpan leaves it to RFC 4944', () => {
    const fragmentedDatagrams = (r: ReturnType<typeof run>) => r.world.datagramsFragmented();
    const ike = run({ seed: 'frag', motes: 3, fragmentation: 'ike', durationS: 30 });
    const low = run({ seed: 'frag', motes: 3, fragmentation: '6lowpan', durationS: 30 });
    for (const r of [ike, low]) expect(r.report.ok).toBe(true);
    const count = (r: ReturnType<typeof run>, x: string) =>
      r.report.exchanges.find((e) => e.exchange === x)!.messages;
    // IKE_SA_INIT cannot be fragmented by IKE (RFC 7383 §2.5): 6LoWPAN carries it either way.
    expect(fragmentedDatagrams(ike)).toBe(count(ike, 'IKE_SA_INIT'));
    expect(count(ike, 'IKE_AUTH')).toBeGreaterThan(2 * 3); // several SKF datagrams per message
    expect(fragmentedDatagrams(low)).toBe(count(low, 'IKE_SA_INIT') + count(low, 'IKE_AUTH'));
    expect(count(low, 'IKE_AUTH')).toBe(2 * 3);
  });

  it('fragmentation = ike on a line: no fragment needs 6LoWPAN on any hop', () => {
    const r = run({ seed: 'line-frag', motes: 3, topology: 'line', fragmentation: 'ike', durationS: 60 });
    expect(r.report.motes.every((m) => m.established)).toBe(true);
    // Only IKE_SA_INIT datagrams (per hop they cross) are cut by 6LoWPAN.
    const init = r.report.motes.reduce(
      (s, m) => s + m.exchanges.find((e) => e.exchange === 'IKE_SA_INIT')!.messages * m.hops,
      0,
    );
    const fragmented = r.world.datagramsFragmented();
    expect(fragmented).toBe(init);
  });

  it.each(['ccm8-ecp256', 'ccm8-x25519'] as const)(
    'the IoT suite %s establishes and carries readings',
    (suite) => {
      const r = run({ seed: suite, motes: 2, suite, durationS: 60 }).report;
      expect(r.ok).toBe(true);
      expect(r.motes.every((m) => m.readingsDelivered === m.readingsSent && m.readingsSent > 0)).toBe(true);
    },
  );

  it('a mote reboot and a gateway restart: everything comes back and no reading is lost', () => {
    const r = run({
      seed: 'events',
      motes: 4,
      loss: 0.1,
      durationS: 400,
      intervalS: 20,
      events: [
        { atS: 100, kind: 'reboot', mote: 3, downS: 10 },
        { atS: 200, kind: 'gateway-restart', downS: 5 },
      ],
    }).report;
    expect(r.gateway.boots).toBe(2);
    expect(r.motes.find((m) => m.id === 3)!.boots).toBe(2);
    expect(r.gateway.ikeSasEstablished).toBeGreaterThanOrEqual(4 + 1 + 4); // first, after the reboot, after the restart
    for (const m of r.motes) {
      expect(m.established, `mote ${m.id}`).toBe(true);
      expect(m.readingsDelivered, `mote ${m.id}`).toBe(m.readingsSent);
    }
  });

  it('draws the timeline: one row per node, frames coloured by exchange, a marker per mote', () => {
    const r = run({ seed: 'svg', motes: 3, durationS: 40 }, true);
    const svg = r.timelineSvg!;
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    for (const label of ['gateway', 'mote 2', 'mote 3', 'mote 4']) expect(svg).toContain(`>${label}<`);
    expect(svg).toContain('fill="#1f77b4"'); // IKE_SA_INIT
    expect(svg).toContain('fill="#d62728"'); // IKE_AUTH
    expect(svg).toContain('fill="#2ca02c"'); // ESP
    expect(svg.match(/fill="gold"/g)).toHaveLength(3);
  });
});
