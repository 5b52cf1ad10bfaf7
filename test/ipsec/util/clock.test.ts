import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../ipsec/util/clock.js';

describe('VirtualClock', () => {
  it('fires timers in time order, then insertion order, only when advanced', () => {
    const clock = new VirtualClock(1000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b'), 20);
    clock.setTimeout(() => fired.push('a'), 10);
    clock.setTimeout(() => fired.push('a2'), 10);
    const cancelled = clock.setTimeout(() => fired.push('x'), 15);
    clock.clearTimeout(cancelled);
    expect(fired).toEqual([]);
    clock.advance(10);
    expect(fired).toEqual(['a', 'a2']);
    expect(clock.now()).toBe(1010);
    clock.advance(100);
    expect(fired).toEqual(['a', 'a2', 'b']);
    expect(clock.now()).toBe(1110);
    expect(clock.pending).toBe(0);
  });

  it('runs timers scheduled by timers, and runUntilIdle stops at the limit', () => {
    const clock = new VirtualClock();
    let n = 0;
    const tick = () => {
      n++;
      clock.setTimeout(tick, 1000);
    };
    clock.setTimeout(tick, 1000);
    clock.advance(5000);
    expect(n).toBe(5);
    expect(clock.runUntilIdle(2500)).toBe(2000);
    expect(n).toBe(7);
  });
});
