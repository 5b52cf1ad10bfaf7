/**
 * report.ts (the summary table, exchange costs and their sums) and seed-baseline.ts (our
 * handshake against the seed's message sizes, on one loss-free hop).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nobleProvider } from '../../../ipsec/crypto/noble/index.js';
import type { AirTally } from '../../../targets/wismote/accounts.js';
import type { Category } from '../../../targets/wismote/classify.js';
import {
  type ExchangeCost,
  exchangeCosts,
  formatSummary,
  type MoteReport,
  type SimReport,
  sumExchanges,
} from '../../../targets/wismote/report.js';
import {
  measureHandshake,
  SEED_MESSAGE_SIZES,
  seedComparison,
} from '../../../targets/wismote/seed-baseline.js';
import { SIM_DEFAULTS } from '../../../targets/wismote/sim-options.js';

const moteReport = (id: number, o: Partial<MoteReport> = {}): MoteReport => ({
  id,
  address: `fd00::ff:fe00:${id}`,
  hops: 1,
  established: true,
  handshakeMs: 1234.4,
  handshakeAirMs: 50,
  bytesOnAir: 4321,
  frames: 77,
  bytesTransmitted: 2000,
  framesTransmitted: 40,
  exchanges: [],
  esp: { frames: 10, bytesOnAir: 900 },
  ikeRetransmissions: 3,
  linkRetries: 5,
  readingsSent: 9,
  readingsDelivered: 9,
  readingRetransmissions: 1,
  radioOnMs: 98.6,
  boots: 1,
  ...o,
});

const { seed: _seed, ...options } = SIM_DEFAULTS;
const report = (o: Partial<SimReport> = {}): SimReport => ({
  seed: 'sum',
  options: { ...options, motes: 2 },
  ok: false,
  durationMs: 300_000,
  endedAtMs: 301_000,
  motes: [moteReport(2), moteReport(3, { established: false, handshakeMs: null, readingsDelivered: 4 })],
  gateway: {
    id: 1,
    address: 'fd00::ff:fe00:1',
    ikeSasEstablished: 1,
    childSasInstalled: 1,
    ikeRetransmissions: 0,
    bytesTransmitted: 100,
    framesTransmitted: 10,
    linkRetries: 0,
    readingsDelivered: 13,
    duplicateReadings: 0,
    radioOnMs: 5,
    boots: 1,
  },
  air: { frames: 154, bytes: 8642, collisions: 6, noAck: 0, channelAccessFailures: 0, duplicatesDropped: 0 },
  exchanges: [
    { exchange: 'IKE_SA_INIT', messages: 4, ikeBytes: 608, frames: 20, bytesOnAir: 1500, airMs: 40.4 },
    { exchange: 'IKE_AUTH', messages: 4, ikeBytes: 900, frames: 30, bytesOnAir: 2500, airMs: 70.6 },
  ],
  ...o,
});

describe('formatSummary', () => {
  it('prints the run, the totals, the columns and a row per mote, and the exchange table', () => {
    const s = formatSummary(report());
    const lines = s.split('\n');
    expect(lines[0]).toBe('sim: 2 motes, star, loss 0, suite seed, fragmentation 6lowpan, seed sum, 300 s');
    expect(lines[1]).toBe(
      'established 1/2; readings delivered 13/18; air 154 frames, 8642 octets, 6 collisions',
    );
    const head = lines.findIndex((l) => l.startsWith('mote'));
    for (const c of [
      'mote',
      'hops',
      'up',
      'handshake ms',
      'air octets',
      'frames',
      'IKE retx',
      'link retries',
      'readings',
      'radio-on ms',
    ])
      expect(lines[head]).toContain(c);
    expect(lines[head + 1]!.split(/\s+/)).toEqual([
      '2',
      '1',
      'yes',
      '1234',
      '4321',
      '77',
      '3',
      '5',
      '9/9',
      '99',
    ]);
    expect(lines[head + 2]!.split(/\s+/)).toEqual(['3', '1', 'NO', '-', '4321', '77', '3', '5', '4/9', '99']);
    // Columns line up: every row of the table has the header's width.
    expect(lines[head + 1]!.length).toBe(lines[head]!.length);
    expect(lines[head + 2]!.length).toBe(lines[head]!.length);
    const ex = lines.findIndex((l) => l.startsWith('exchange (all motes)'));
    expect(ex).toBeGreaterThan(head + 2);
    expect(lines[ex + 1]!.split(/\s+/)).toEqual(['IKE_SA_INIT', '4', '608', '20', '1500', '40']);
    expect(lines[ex + 2]!.split(/\s+/)).toEqual(['IKE_AUTH', '4', '900', '30', '2500', '71']);
    expect(s).not.toContain('handshake on air');
  });

  it('one row per mote, however many', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 30 }), (n) => {
        const motes = Array.from({ length: n }, (_, i) => moteReport(i + 2));
        const lines = formatSummary(report({ motes })).split('\n');
        const head = lines.findIndex((l) => l.startsWith('mote'));
        const rows = lines.slice(head + 1, lines.indexOf('', head));
        expect(rows.map((r) => r.split(/\s+/)[0])).toEqual(motes.map((m) => String(m.id)));
      }),
      { seed: 3 },
    );
  });

  it('with the seed comparison: a table and the handshake totals', () => {
    const s = formatSummary(
      report({
        seedComparison: {
          seed: SEED_MESSAGE_SIZES.map((m) => ({ ...m, bytesOnAir: 200, frames: 2 })),
          ours: [{ message: 'IKE_SA_INIT request', ikeBytes: 152, bytesOnAir: 190, frames: 2 }],
          seedHandshakeBytesOnAir: 800,
          oursHandshakeBytesOnAir: 700,
        },
      }),
    );
    expect(s).toContain('message (one hop, no loss)');
    expect(s).toMatch(/IKE_SA_INIT request\s+152\s+200\s+152\s+190\n/);
    expect(s).toMatch(/IKE_AUTH response\s+304\s+200\s+-\s+-\n/);
    expect(s.trimEnd().split('\n').at(-1)).toBe('handshake on air: seed 800 octets, ours 700 octets');
  });
});

describe('exchangeCosts and sumExchanges', () => {
  const tally = (frames: number, bytes: number, airMs: number): AirTally => ({ frames, bytes, airMs });

  it('exchangeCosts joins air and IKE accounts, IKE exchanges only, in their order', () => {
    const air = new Map<Category, AirTally>([
      ['IKE_AUTH', tally(9, 900, 12.3456)],
      ['ESP', tally(5, 500, 1)],
      ['IKE_SA_INIT', tally(4, 400, 6)],
    ]);
    const ike = new Map<Category, { messages: number; ikeBytes: number }>([
      ['IKE_SA_INIT', { messages: 2, ikeBytes: 304 }],
      ['INFORMATIONAL', { messages: 1, ikeBytes: 80 }],
    ]);
    expect(exchangeCosts(air, ike)).toEqual([
      { exchange: 'IKE_SA_INIT', messages: 2, ikeBytes: 304, frames: 4, bytesOnAir: 400, airMs: 6 },
      { exchange: 'IKE_AUTH', messages: 0, ikeBytes: 0, frames: 9, bytesOnAir: 900, airMs: 12.346 },
      { exchange: 'INFORMATIONAL', messages: 1, ikeBytes: 80, frames: 0, bytesOnAir: 0, airMs: 0 },
    ]);
    expect(exchangeCosts(new Map(), new Map())).toEqual([]);
  });

  it('property: sumExchanges adds every field per exchange over the motes', () => {
    const cost = fc.record({
      exchange: fc.constantFrom<Category>('IKE_SA_INIT', 'IKE_AUTH', 'CREATE_CHILD_SA', 'INFORMATIONAL'),
      messages: fc.nat(100),
      ikeBytes: fc.nat(10_000),
      frames: fc.nat(1000),
      bytesOnAir: fc.nat(100_000),
      airMs: fc.integer({ min: 0, max: 1_000_000 }).map((n) => n / 1000),
    });
    // One mote's list has each exchange at most once.
    const list = fc.uniqueArray(cost, { selector: (c) => c.exchange, maxLength: 4 });
    fc.assert(
      fc.property(fc.array(list, { maxLength: 6 }), (lists) => {
        const sum = sumExchanges(lists);
        const all: ExchangeCost[] = lists.flat();
        const order = ['IKE_SA_INIT', 'IKE_AUTH', 'CREATE_CHILD_SA', 'INFORMATIONAL'];
        expect(sum.map((s) => s.exchange)).toEqual(order.filter((x) => all.some((c) => c.exchange === x)));
        for (const s of sum) {
          const of = all.filter((c) => c.exchange === s.exchange);
          const total = (k: 'messages' | 'ikeBytes' | 'frames' | 'bytesOnAir' | 'airMs') =>
            of.reduce((t, c) => t + c[k], 0);
          expect(s.messages).toBe(total('messages'));
          expect(s.ikeBytes).toBe(total('ikeBytes'));
          expect(s.frames).toBe(total('frames'));
          expect(s.bytesOnAir).toBe(total('bytesOnAir'));
          expect(s.airMs).toBeCloseTo(total('airMs'), 2);
        }
      }),
      { seed: 11 },
    );
  });
});

describe('seed baseline', () => {
  it("6lowpan: our IKE_SA_INIT request is the seed's 152 octets, and our handshake costs no more on air", () => {
    const c = seedComparison({ ...SIM_DEFAULTS, suite: 'seed', fragmentation: '6lowpan' }, nobleProvider);
    expect(c.seed.map((m) => m.message)).toEqual(SEED_MESSAGE_SIZES.map((m) => m.message));
    expect(c.ours.map((m) => m.message)).toEqual(SEED_MESSAGE_SIZES.map((m) => m.message));
    const ours = (m: string) => c.ours.find((x) => x.message === m)!;
    const seed = (m: string) => c.seed.find((x) => x.message === m)!;
    expect(ours('IKE_SA_INIT request').ikeBytes).toBe(152);
    expect(seed('IKE_SA_INIT request').ikeBytes).toBe(152);
    // Same IKE octets, same radio: the same frames and octets on air.
    expect(ours('IKE_SA_INIT request').bytesOnAir).toBe(seed('IKE_SA_INIT request').bytesOnAir);
    for (const m of [...c.ours, ...c.seed]) {
      expect(m.ikeBytes, m.message).toBeGreaterThan(0);
      expect(m.frames, m.message).toBeGreaterThan(1); // more than a frame each, with its ACKs
      expect(m.bytesOnAir, m.message).toBeGreaterThan(m.ikeBytes);
    }
    expect(c.seedHandshakeBytesOnAir).toBe(c.seed.reduce((s, m) => s + m.bytesOnAir, 0));
    expect(c.oursHandshakeBytesOnAir).toBe(c.ours.reduce((s, m) => s + m.bytesOnAir, 0));
    expect(c.oursHandshakeBytesOnAir).toBeLessThanOrEqual(c.seedHandshakeBytesOnAir);
  });

  it('ike fragmentation: the IKE_AUTH request takes more frames than with 6lowpan', () => {
    const frames = (fragmentation: '6lowpan' | 'ike') =>
      measureHandshake({ ...SIM_DEFAULTS, fragmentation }, nobleProvider).find(
        (m) => m.message === 'IKE_AUTH request',
      )!.frames;
    const low = frames('6lowpan');
    const ike = frames('ike');
    expect(low).toBeGreaterThan(0);
    expect(ike).toBeGreaterThan(low);
  });
});
