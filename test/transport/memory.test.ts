import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../ipsec/crypto/random.js';
import { VirtualClock } from '../../ipsec/util/clock.js';
import { MemoryNetwork } from '../../transport/memory.js';
import type { Datagram } from '../../transport/types.js';

const A = { address: '10.0.0.1', port: 500 };
const B = { address: '10.0.0.2', port: 500 };

describe('MemoryNetwork', () => {
  it('delivers after the latency, with both endpoints as seen by the receiver', () => {
    const clock = new VirtualClock();
    const net = new MemoryNetwork({ clock, latencyMs: 5 });
    const a = net.bind(A);
    const b = net.bind(B);
    const got: Datagram[] = [];
    b.datagrams$.subscribe((d) => got.push(d));
    a.send(new Uint8Array([1, 2, 3]), A, B);
    clock.advance(4);
    expect(got).toHaveLength(0);
    clock.advance(1);
    expect(got).toEqual([{ data: new Uint8Array([1, 2, 3]), local: B, remote: A }]);
    a.send(new Uint8Array([9]), A, { address: '10.0.0.3', port: 500 });
    clock.runUntilIdle();
    expect(net.stats.unroutable).toBe(1);
  });

  it('loses and duplicates reproducibly per seed', () => {
    const run = (seed: string) => {
      const clock = new VirtualClock();
      const net = new MemoryNetwork({
        clock,
        random: seededRandom(seed),
        loss: 0.3,
        duplicate: 0.2,
        jitterMs: 10,
      });
      const a = net.bind(A);
      const b = net.bind(B);
      const got: number[] = [];
      b.datagrams$.subscribe((d) => got.push(d.data[0]!));
      for (let i = 0; i < 100; i++) a.send(new Uint8Array([i]), A, B);
      clock.runUntilIdle();
      return { got, stats: { ...net.stats } };
    };
    const x = run('s1');
    expect(run('s1')).toEqual(x);
    expect(x.stats.lost).toBeGreaterThan(10);
    expect(x.stats.duplicated).toBeGreaterThan(5);
    expect(x.got.length).toBe(100 - x.stats.lost + x.stats.duplicated);
    expect(x.got).not.toEqual([...x.got].sort((p, q) => p - q)); // jitter reorders
  });

  it('refuses to bind an endpoint twice and frees it on close', () => {
    const net = new MemoryNetwork({ clock: new VirtualClock() });
    const a = net.bind(A);
    expect(() => net.bind(A)).toThrow(/already bound/);
    a.close();
    expect(() => net.bind(A)).not.toThrow();
  });
});
