import { describe, expect, it } from 'vitest';
import { isValidLifetimes, LifetimeTracker } from '../../../ipsec/policy/lifetime.js';
import { VirtualClock } from '../../../ipsec/util/clock.js';

const usage = (bytes: number, packets: number) => ({ bytes, packets });

describe('LifetimeTracker (RFC 4301 §4.4.2.1)', () => {
  it('crosses soft then hard by time on the injected clock, each once', () => {
    const clock = new VirtualClock(5_000);
    const t = new LifetimeTracker({ soft: { seconds: 10 }, hard: { seconds: 12 } }, clock.now());
    expect(t.nextDeadline()).toBe(15_000);
    clock.advance(9_999);
    expect(t.check(usage(0, 0), clock.now())).toBeUndefined();
    clock.advance(1);
    expect(t.check(usage(0, 0), clock.now())).toEqual({ kind: 'soft', cause: 'time' });
    expect(t.check(usage(0, 0), clock.now())).toBeUndefined();
    expect(t.nextDeadline()).toBe(17_000);
    clock.advance(2_000);
    expect(t.check(usage(0, 0), clock.now())).toEqual({ kind: 'hard', cause: 'time' });
    expect(t.check(usage(0, 0), clock.now())).toBeUndefined();
    expect([t.softExpired, t.hardExpired, t.nextDeadline()]).toEqual([true, true, undefined]);
  });

  it('crosses by bytes when usage reaches the limit', () => {
    const t = new LifetimeTracker({ soft: { bytes: 1000 }, hard: { bytes: 1500 } }, 0);
    expect(t.check(usage(999, 5), 0)).toBeUndefined();
    expect(t.check(usage(1000, 6), 0)).toEqual({ kind: 'soft', cause: 'bytes' });
    expect(t.check(usage(1499, 7), 0)).toBeUndefined();
    expect(t.check(usage(1500, 8), 0)).toEqual({ kind: 'hard', cause: 'bytes' });
  });

  it('crosses by packets; a hard crossing without a soft one reports only hard', () => {
    const t = new LifetimeTracker({ soft: { packets: 10 }, hard: { packets: 3 } }, 0);
    expect(t.check(usage(0, 2), 0)).toBeUndefined();
    expect(t.check(usage(0, 3), 0)).toEqual({ kind: 'hard', cause: 'packets' });
    expect(t.check(usage(0, 10), 0)).toBeUndefined();
  });

  it('takes the first limit to expire (time before volume) and treats 0 as unlimited', () => {
    const t = new LifetimeTracker({ soft: { seconds: 1, packets: 1 }, hard: { seconds: 0, bytes: 0 } }, 0);
    expect(t.check(usage(1e12, 1), 1000)).toEqual({ kind: 'soft', cause: 'time' });
    expect(t.check(usage(1e12, 1e9), 1e12)).toBeUndefined();
    expect(t.nextDeadline()).toBeUndefined();
  });

  it('schedules the earlier deadline when hard precedes soft', () => {
    const t = new LifetimeTracker({ soft: { seconds: 100 }, hard: { seconds: 50 } }, 0);
    expect(t.nextDeadline()).toBe(50_000);
  });

  it('validates limits', () => {
    expect(isValidLifetimes({ soft: { seconds: 1 }, hard: { bytes: 2, packets: 0 } })).toBe(true);
    expect(isValidLifetimes({ soft: { seconds: -1 } })).toBe(false);
    expect(isValidLifetimes({ hard: { bytes: Number.NaN } })).toBe(false);
  });
});
