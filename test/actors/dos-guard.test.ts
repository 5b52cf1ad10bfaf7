import { describe, expect, it } from 'vitest';
import { DosGuard } from '../../actors/dos-guard.js';

describe('DosGuard', () => {
  const thresholds = { cookie_threshold: 4, cookie_threshold_ip: 2, block_threshold: 3, half_open_limit: 0 };

  it('demands cookies from one IP at cookie_threshold_ip and drops at block_threshold', () => {
    const g = new DosGuard(thresholds);
    expect(g.admit('10.0.0.1', false)).toBe('accept');
    g.opened('10.0.0.1');
    expect(g.admit('10.0.0.1', false)).toBe('accept');
    g.opened('10.0.0.1');
    expect(g.admit('10.0.0.1', false)).toBe('require-cookie');
    expect(g.admit('10.0.0.1', true)).toBe('accept');
    g.opened('10.0.0.1');
    expect(g.admit('10.0.0.1', true)).toBe('drop');
    expect(g.admit('10.0.0.2', false)).toBe('accept');
    expect(g.counters).toEqual({ accepted: 4, cookiesSent: 1, dropped: 1 });
  });

  it('demands cookies from everyone at cookie_threshold and forgets closed SAs', () => {
    const g = new DosGuard(thresholds);
    for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4']) g.opened(ip);
    expect(g.admit('10.0.0.5', false)).toBe('require-cookie');
    g.closed('10.0.0.4');
    expect(g.halfOpen).toBe(3);
    expect(g.admit('10.0.0.5', false)).toBe('accept');
    g.closed('10.0.0.4'); // closing twice does not go negative
    expect(g.halfOpen).toBe(3);
  });

  it('drops at the global half-open limit; zero thresholds disable checks', () => {
    const g = new DosGuard({
      cookie_threshold: 0,
      cookie_threshold_ip: 0,
      block_threshold: 0,
      half_open_limit: 2,
    });
    g.opened('a');
    expect(g.admit('a', false)).toBe('accept');
    g.opened('a');
    expect(g.admit('b', false)).toBe('drop');
  });
});
