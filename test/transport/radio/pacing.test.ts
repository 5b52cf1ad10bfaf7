/**
 * Frame pacing on multi-hop chains: the forwarding time of one hop from the medium's
 * parameters, and the datagram queue waiting that long after each frame that went out (never
 * after one that could not, whose datagram is abandoned).
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../ipsec/util/clock.js';
import { DatagramQueue } from '../../../transport/radio/datagram-queue.js';
import { DEFAULT_MEDIUM_OPTIONS } from '../../../transport/radio/medium.js';
import { chainGapMs, forwardingTimeMs } from '../../../transport/radio/pacing.js';
import type { RadioInterface, TxStatus } from '../../../transport/radio/types.js';

/** A radio that takes 1 ms per frame and answers with the status `statusOf` gives. */
function timedRadio(clock: VirtualClock, statusOf: (n: number) => TxStatus = () => 'SUCCESS') {
  const sent: { at: number; payload: Uint8Array }[] = [];
  const radio = {
    address: 2,
    maxPayload: 116,
    send: (_dst: number, payload: Uint8Array, done?: (s: TxStatus) => void) => {
      const n = sent.push({ at: clock.now(), payload });
      clock.setTimeout(() => done?.(statusOf(n - 1)), 1);
    },
  } as unknown as RadioInterface;
  return { radio, sent };
}

const frames = (n: number, size = 100) => Array.from({ length: n }, (_, i) => new Uint8Array(size).fill(i));

describe('frame pacing', () => {
  it("one hop's forwarding time: mean backoff, CCA, turnarounds, the frame and its ACK", () => {
    // 3.5 backoff periods of 20 symbols + 8 + 2 x 12 symbols at 16 us, 133 + 11 PPDU octets at 32 us
    expect(forwardingTimeMs(DEFAULT_MEDIUM_OPTIONS, 116)).toBeCloseTo(1.12 + 0.512 + 4.256 + 0.352, 9);
    expect(chainGapMs(DEFAULT_MEDIUM_OPTIONS)(116)).toBeCloseTo(2 * 6.24, 9);
    expect(forwardingTimeMs(DEFAULT_MEDIUM_OPTIONS, 10)).toBeLessThan(
      forwardingTimeMs(DEFAULT_MEDIUM_OPTIONS, 116),
    );
  });

  it('waits the gap after every acknowledged frame, within and between datagrams', () => {
    const clock = new VirtualClock(0);
    const { radio, sent } = timedRadio(clock);
    const q = new DatagramQueue(radio, { frameSent: () => {}, datagramFailed: () => {} }, 8, {
      clock,
      gapMs: (octets) => octets / 10,
    });
    q.push(1, frames(3, 100), undefined);
    q.push(1, frames(1, 50), undefined);
    clock.runUntilIdle();
    // 1 ms on the air, then 10 ms gap after each 100-octet frame.
    expect(sent.map((s) => s.at)).toEqual([0, 11, 22, 33]);
  });

  it('without pacing frames follow each other at once', () => {
    const clock = new VirtualClock(0);
    const { radio, sent } = timedRadio(clock);
    const q = new DatagramQueue(radio, { frameSent: () => {}, datagramFailed: () => {} });
    q.push(1, frames(3), undefined);
    clock.runUntilIdle();
    expect(sent.map((s) => s.at)).toEqual([0, 1, 2]);
  });

  it('a frame that never went out abandons its datagram without a gap; the next datagram goes at once', () => {
    const clock = new VirtualClock(0);
    const { radio, sent } = timedRadio(clock, (n) => (n === 1 ? 'CHANNEL_ACCESS_FAILURE' : 'SUCCESS'));
    let failed = 0;
    const q = new DatagramQueue(radio, { frameSent: () => {}, datagramFailed: () => failed++ }, 8, {
      clock,
      gapMs: () => 5,
    });
    q.push(1, frames(3), undefined);
    q.push(1, frames(1, 7), undefined);
    clock.runUntilIdle();
    expect(failed).toBe(1);
    expect(sent.map((s) => [s.at, s.payload.length])).toEqual([
      [0, 100],
      [6, 100],
      [7, 7],
    ]);
  });

  it('an unacknowledged frame (the ACK may be what was lost) is followed by the rest, after the gap', () => {
    const clock = new VirtualClock(0);
    const { radio, sent } = timedRadio(clock, (n) => (n === 1 ? 'NO_ACK' : 'SUCCESS'));
    let failed = 0;
    let unacknowledged = 0;
    const q = new DatagramQueue(
      radio,
      { frameSent: () => {}, datagramFailed: () => failed++, frameUnacknowledged: () => unacknowledged++ },
      8,
      { clock, gapMs: () => 5 },
    );
    q.push(1, frames(3), undefined);
    clock.runUntilIdle();
    expect([failed, unacknowledged]).toEqual([0, 1]);
    expect(sent.map((s) => s.at)).toEqual([0, 6, 12]);
  });

  it('stopping during a gap sends nothing more', () => {
    const clock = new VirtualClock(0);
    const { radio, sent } = timedRadio(clock);
    const q = new DatagramQueue(radio, { frameSent: () => {}, datagramFailed: () => {} }, 8, {
      clock,
      gapMs: () => 50,
    });
    q.push(1, frames(3), undefined);
    clock.advance(10);
    q.stop();
    clock.runUntilIdle();
    expect(sent).toHaveLength(1);
  });
});
