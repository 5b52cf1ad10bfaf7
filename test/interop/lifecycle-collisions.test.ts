/**
 * Colliding lifecycle exchanges against charon (RFC 7296 §2.8.1, §2.8.2, §2.25): our request
 * and charon's cross on the wire. We hold our request back until charon's has arrived and send
 * it before ours is processed (OurHost.holdRequests), so both are outstanding at once on both
 * sides, whatever the timing of the machine. The outcome may differ by the nonces (§2.8.1: the
 * SA of the exchange with the lowest nonce is redundant), so each case checks the end state:
 * both sides agree on one IKE SA with the expected children, none of the old SPIs anywhere,
 * and traffic passes through what is left.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExchangeType } from '../../ipsec/ike/wire/constants.js';
import { type Agreement, diagnosed, establish, expectTraffic, waitForAgreement } from './checks.js';
import { charonConf, LIFECYCLE_CHARON_CONF, OUR_SECRETS, ourConnection } from './configs.js';
import { Charon, LAB } from './lab.js';
import { OurHost } from './our-host.js';

const IKE = 'aes128gcm16-prfsha256-x25519';
const ESP = 'aes128gcm16-x25519';

interface Case {
  readonly name: string;
  /** Our request (held until charon's arrives). */
  readonly ours: (host: OurHost) => unknown;
  /** charon's request. */
  readonly charon: (charon: Charon) => Promise<unknown>;
  /** The exchange of charon's request. */
  readonly exchange: number;
  /** Children left at the end. */
  readonly children: readonly string[];
  /** SPIs that must be gone at the end. */
  readonly gone: (before: Agreement) => string[];
  /** How long the two sides may take to settle (retries after TEMPORARY_FAILURE take seconds). */
  readonly settleMs: number;
}

const childSpis = (a: Agreement) => [a.children.net!.spiIn, a.children.net!.spiOut];
const ikeSpis = (a: Agreement) => [a.spiI, a.spiR];

const CASES: readonly Case[] = [
  {
    // §2.8.1: both rekeys complete; the one with the lowest nonce is deleted by its initiator
    name: 'both rekey the Child SA',
    ours: (h) => h.supervisor.rekeyChild('net'),
    charon: (c) => c.rekeyChild('net'),
    exchange: ExchangeType.CREATE_CHILD_SA,
    children: ['net'],
    gone: childSpis,
    settleMs: 10_000,
  },
  {
    // §2.8.2 (charon settles by nonces; we answer TEMPORARY_FAILURE, which charon accepts)
    name: 'both rekey the IKE SA',
    ours: (h) => h.supervisor.rekeyIke('lc'),
    charon: (c) => c.rekeyIke('lc'),
    exchange: ExchangeType.CREATE_CHILD_SA,
    children: ['net'],
    gone: ikeSpis,
    settleMs: 10_000,
  },
  {
    // §1.4.1: each answers the other's Delete; the Child SA is gone either way
    name: 'both delete the Child SA',
    ours: (h) => h.supervisor.deleteChild('net'),
    charon: (c) => c.terminateChild('net', 2),
    exchange: ExchangeType.INFORMATIONAL,
    children: [],
    gone: childSpis,
    settleMs: 10_000,
  },
  {
    // §2.25.1: a rekey of a Child SA being deleted is refused with TEMPORARY_FAILURE
    name: 'we rekey the Child SA, charon deletes it',
    ours: (h) => h.supervisor.rekeyChild('net'),
    charon: (c) => c.terminateChild('net', 2),
    exchange: ExchangeType.INFORMATIONAL,
    children: [],
    gone: childSpis,
    settleMs: 10_000,
  },
  {
    // §2.25.2: refused both ways with TEMPORARY_FAILURE, both retried later
    name: 'we rekey the IKE SA, charon rekeys the Child SA',
    ours: (h) => h.supervisor.rekeyIke('lc'),
    charon: (c) => c.rekeyChild('net'),
    exchange: ExchangeType.CREATE_CHILD_SA,
    children: ['net'],
    gone: (a) => [...ikeSpis(a), ...childSpis(a)],
    settleMs: 40_000,
  },
  {
    name: 'we rekey the Child SA, charon rekeys the IKE SA',
    ours: (h) => h.supervisor.rekeyChild('net'),
    charon: (c) => c.rekeyIke('lc'),
    exchange: ExchangeType.CREATE_CHILD_SA,
    children: ['net'],
    gone: (a) => [...ikeSpis(a), ...childSpis(a)],
    settleMs: 40_000,
  },
];

describe('colliding exchanges', () => {
  let charon: Charon;

  beforeAll(async () => {
    charon = await Charon.start({
      name: 'lc-collide',
      swanctlConf: charonConf([
        { name: 'lc', ids: 'email', proposals: IKE, espProposals: ESP, remote: LAB.ours },
      ]),
      extraConf: LIFECYCLE_CHARON_CONF,
    });
  });

  afterAll(async () => {
    await charon?.stop();
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const ours = await OurHost.start({
        addresses: [LAB.ours],
        connections: [
          ourConnection({ name: 'lc', ids: 'email', proposals: IKE, espProposals: ESP, role: 'initiator' }),
        ],
        secrets: OUR_SECRETS,
      });
      try {
        await diagnosed(charon, ours, async () => {
          const before = await establish(charon, ours, 'us', 'lc');
          const mark = ours.ike.length;
          ours.holdRequests((m) => m.dir === 'in' && !m.response && m.exchangeType === c.exchange);
          c.ours(ours);
          await c.charon(charon);
          const sent = () => ours.ike.slice(mark).some((m) => m.dir === 'out' && !m.response);
          expect(await ours.waitFor(sent, 5000)).toBe(true);
          // the two requests crossed: charon's arrived while ours was outstanding
          const wire = ours.ike.slice(mark);
          const theirs = wire.findIndex((m) => m.dir === 'in' && !m.response);
          const mine = wire.findIndex((m) => m.dir === 'out' && !m.response);
          const answer = wire.findIndex((m) => m.dir === 'out' && m.response);
          expect(theirs).toBeGreaterThanOrEqual(0);
          expect(mine).toBeGreaterThan(theirs);
          expect(answer).toBeGreaterThan(mine);

          const after = await waitForAgreement(charon, ours, c.children, c.gone(before), c.settleMs);
          if (after.children.net) await expectTraffic(charon, ours, after.children.net);
        });
      } finally {
        ours.releaseRequests();
        await charon.terminateAll();
        await ours.close();
      }
    });
  }
});
