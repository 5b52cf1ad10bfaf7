/**
 * Soak on virtual time: 24 simulated hours of a client and a gateway with Child SA rekeying
 * every ~5 minutes (rekey_time 300 s, life_time 330 s, rand_time 30 s on both sides), IKE SA
 * rekeying every ~15 minutes (rekey_time 900 s, rand_time 90 s on both sides), 5 % seeded loss
 * on the network (IKE retransmits, §2.1) and a ping every 10 s through the Child SA.
 *
 *   every ~270-300 s:  X  CREATE_CHILD_SA { N(REKEY_SA), SA, Ni, KEi, TSi, TSr }  -->  <--  { SA, Nr, KEr, TSi, TSr }
 *                      X  INFORMATIONAL { D(ESP) }                                -->  <--  { D(ESP) }
 *   every ~810-900 s:  X  CREATE_CHILD_SA { SA(IKE), Ni, KEi }                    -->  <--  { SA(IKE), Nr, KEr }
 *                      X  INFORMATIONAL { D(IKE) }                                -->  <--  { }
 *
 * At the end: exactly 1 IKE SA and 1 Child SA pair per side with matching SPIs, rekey counts
 * in the plausible range, no timers beyond the expected ones, and a heap that did not grow
 * between simulated hour 2 and hour 24 (measured after forced GC).
 */
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { ExchangeType, PayloadType } from '../../ipsec/ike/wire/constants.js';
import { NotifyError } from '../../ipsec/ike/wire/notify-types.js';
import { icmpType } from '../support/two-hosts.js';
import {
  childSpis,
  ESP_PFS,
  expectSteadyState,
  IKE_FAST,
  type Peers,
  startPeers,
} from './lifecycle-harness.js';

v8.setFlagsFromString('--expose_gc');
const gc = vm.runInNewContext('gc') as () => void;

const HOUR = 3600_000;
const PING_EVERY_MS = 10_000;
const HEAP_TOLERANCE = 10 * 1024 * 1024;

function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

/** Nothing in flight: one idle established IKE SA per side, one Child SA pair each. */
function quiescent(p: Peers): boolean {
  return (['client', 'gateway'] as const).every((side) => {
    const sas = p.host(side).supervisor.ikeSas;
    if (sas.length !== 1) return false;
    const s = sas[0]!.actor.getSnapshot();
    return (
      s.matches({ established: 'idle' }) &&
      s.context.queue.length === 0 &&
      !s.context.outstanding &&
      sas[0]!.children.length === 1 &&
      p.host(side).esp.backend.listSas().length === 2
    );
  });
}

describe('24 simulated hours with 5 % loss', () => {
  it('ends with exactly the expected SAs, plausible rekey counts, no timer or heap growth', () => {
    const wall = performance.now();
    const p = startPeers({
      seed: 'soak',
      esp: ESP_PFS,
      ike: IKE_FAST,
      network: { latencyMs: 5, loss: 0.05 },
      clientChild: { rekey_time: 300, life_time: 330, rand_time: 30 },
      gatewayChild: { rekey_time: 300, life_time: 330, rand_time: 30 },
      clientConn: { rekey_time: 900, rand_time: 90 },
      gatewayConn: { rekey_time: 900, rand_time: 90 },
    });
    const counts = {
      childRekeys: 0,
      childRekeysByClient: 0,
      ikeRekeys: 0,
      ikeRekeysByClient: 0,
      childRemovedWithoutRekey: 0,
      hardExpiries: 0,
      temporaryFailures: 0,
      ikeMessages: 0,
      pings: 0,
      replies: 0,
    };
    const rekeyed = new Set<string>();
    const successors = new Map<string, number>();
    p.client.supervisor.on((e) => {
      if (e.type === 'ike-rekeyed') {
        counts.ikeRekeys++;
        if (e.handle.initiator) counts.ikeRekeysByClient++;
      }
      if (e.type === 'child-installed' && e.child.record.rekeyOf) {
        counts.childRekeys++;
        rekeyed.add(e.child.record.rekeyOf.join(','));
        const key = e.child.record.rekeyOf.join(',');
        successors.set(key, (successors.get(key) ?? 0) + 1);
        if (e.child.record.exchangeInitiator) counts.childRekeysByClient++;
      }
      // A Child SA made redundant by a simultaneous rekey (§2.8.1) goes without being rekeyed: its
      // predecessor was rekeyed twice, and the other successor lives on.
      const redundant =
        e.type === 'child-removed' &&
        e.child.record.rekeyOf &&
        (successors.get(e.child.record.rekeyOf.join(',')) ?? 0) > 1;
      if (e.type === 'child-removed' && !rekeyedAway(e.child.record.spiIn) && !redundant)
        counts.childRemovedWithoutRekey++;
    });
    const rekeyedAway = (spi: Uint8Array) => rekeyed.has(spi.join(','));
    for (const side of ['client', 'gateway'] as const)
      p.host(side).esp.backend.events$.subscribe((e) => {
        if (e.type === 'ipsec.expire' && e.hard) counts.hardExpiries++;
      });
    /** Folds the tap and the inner host's inbox into the counters (they would grow the heap). */
    const drain = () => {
      counts.ikeMessages += p.ike.length;
      counts.temporaryFailures += p.ike.filter(
        (m) =>
          m.response &&
          m.exchangeType === ExchangeType.CREATE_CHILD_SA &&
          (m.payloads ?? []).some(
            (x) => x.type === PayloadType.N && x.notifyType === NotifyError.TEMPORARY_FAILURE,
          ),
      ).length;
      p.ike.length = 0;
      counts.replies += p.client.received.filter((x) => icmpType(x) === 0).length;
      p.client.received.length = 0;
    };

    let heapAt2 = 0;
    for (let hour = 1; hour <= 24; hour++) {
      for (let t = 0; t < HOUR; t += PING_EVERY_MS) {
        p.sendPing('net', 'client');
        counts.pings++;
        p.clock.advance(PING_EVERY_MS);
      }
      drain();
      if (hour === 2) heapAt2 = heapAfterGc();
    }
    // Let the last exchanges finish, then wait out the idle state's RETIRE window (16 s).
    let settled = 0;
    for (let s = 0; s < 1800 && settled < 20; s++) {
      p.clock.advance(1000);
      settled = quiescent(p) ? settled + 1 : 0;
    }
    drain();
    const heapAt24 = heapAfterGc();
    const wallMs = performance.now() - wall;
    console.log(
      `soak: ${(wallMs / 1000).toFixed(1)} s wall;`,
      `heap after GC at hour 2 ${(heapAt2 / 2 ** 20).toFixed(1)} MB, hour 24 ${(heapAt24 / 2 ** 20).toFixed(1)} MB;`,
      JSON.stringify(counts),
      `net ${JSON.stringify(p.net.stats)}; timers pending ${p.clock.pending}`,
    );

    expect(settled, 'a quiet moment after 24 h').toBe(20);
    expectSteadyState(p, ['net'], false);
    let answered = 0;
    for (let i = 0; i < 5; i++) if (p.ping()[0] === 0) answered++;
    expect(answered).toBeGreaterThanOrEqual(3); // 5 % loss each way
    expect(childSpis(p, 'client').net).toHaveLength(1);

    // Rekey counts: a Child SA lives 270-300 s, an IKE SA 810-900 s (the earlier side rekeys).
    expect(counts.childRekeys).toBeGreaterThanOrEqual(Math.floor((24 * 3600) / 300));
    expect(counts.childRekeys).toBeLessThanOrEqual(Math.ceil((24 * 3600) / 270) + 5);
    expect(counts.ikeRekeys).toBeGreaterThanOrEqual(Math.floor((24 * 3600) / 900));
    expect(counts.ikeRekeys).toBeLessThanOrEqual(Math.ceil((24 * 3600) / 810) + 2);
    expect(counts.childRemovedWithoutRekey, 'Child SAs lost other than by rekeying').toBe(0);
    expect(counts.hardExpiries, 'hard lifetimes reached').toBe(0);
    expect(counts.replies).toBeGreaterThan(counts.pings * 0.85);

    // Timers: 2 cookie rotations, 2 IKE rekey timers and 2 IKE hard lifetimes (over_time; one
    // each per IKE SA), one lifetime timer per ESP SA (4); nothing else (no retries, no
    // retransmissions, no network deliveries).
    expect(p.clock.pending).toBe(2 + 2 + 2 + 4);
    expect(heapAt24 - heapAt2, 'heap growth from hour 2 to hour 24').toBeLessThan(HEAP_TOLERANCE);
    expect(wallMs).toBeLessThan(120_000);
  }, 180_000);
});
