/**
 * The configuration as the running host applies it: bound addresses, actual ports, local_port
 * following daemon.port, wildcard local addresses, settings that need a restart, live reads.
 */
import { describe, expect, it } from 'vitest';
import { type Config, connectionWithDefaults, DAEMON_DEFAULTS } from '../../../ipsec/config/model.js';
import {
  bindAddresses,
  effectiveConfig,
  liveConfig,
  restartNeeded,
} from '../../../targets/native/runtime-config.js';

const conn = (name: string, local_addrs: string[], local_port?: number) =>
  connectionWithDefaults({
    name,
    local_addrs,
    ...(local_port !== undefined ? { local_port } : {}),
    local: { auth: 'psk', id: 'a@example.org' },
    remote: { auth: 'psk', id: 'b@example.org' },
    children: [],
  });

const config = (connections: Config['connections'], daemon: Partial<Config['daemon']> = {}): Config => ({
  daemon: { ...DAEMON_DEFAULTS, ...daemon },
  connections,
  secrets: [],
});

describe('runtime configuration', () => {
  it('binds every concrete local address, or the wildcard of a family that has %any', () => {
    expect(bindAddresses(config([conn('a', ['127.0.0.1']), conn('b', ['127.0.0.2', '127.0.0.1'])]))).toEqual([
      '127.0.0.1',
      '127.0.0.2',
    ]);
    expect(bindAddresses(config([conn('a', ['127.0.0.1']), conn('b', ['%any'])]))).toEqual(['0.0.0.0']);
    expect(bindAddresses(config([conn('a', ['::1']), conn('b', ['127.0.0.1'])]))).toEqual([
      '127.0.0.1',
      '::1',
    ]);
    expect(bindAddresses(config([conn('a', ['%any6'])]))).toEqual(['::']);
    expect(bindAddresses(config([]))).toEqual(['0.0.0.0']);
  });

  it('uses the bound ports and makes local_port follow daemon.port', () => {
    const c = config(
      [conn('a', ['127.0.0.1']), conn('b', ['127.0.0.1'], 4000), conn('c', ['127.0.0.1'], 6000)],
      {
        port: 6000,
        port_nat_t: 0,
      },
    );
    const e = effectiveConfig(c, { port: 6000, natT: 41234 }, ['127.0.0.1']);
    expect(e.daemon).toMatchObject({ port: 6000, port_nat_t: 41234 });
    // default 500 and daemon.port itself follow the bound port; another explicit port stays
    expect(e.connections.map((k) => k.local_port)).toEqual([6000, 4000, 6000]);
  });

  it('sends from the wildcard when the family is bound there', () => {
    const c = config([conn('a', ['127.0.0.1']), conn('b', ['%any']), conn('c', ['::1'])]);
    const e = effectiveConfig(c, { port: 500, natT: 4500 }, ['0.0.0.0', '::1']);
    expect(e.connections.map((k) => k.local_addrs)).toEqual([['0.0.0.0'], ['0.0.0.0'], ['::1']]);
  });

  it('names the reloaded settings that need a restart', () => {
    const running = config([conn('a', ['127.0.0.1'])], {
      port: 5000,
      port_nat_t: 5001,
      inner_addrs: ['10.0.0.1'],
    });
    const ports = { port: 5000, natT: 5001 };
    expect(restartNeeded(running, running, ['127.0.0.1'], ports)).toEqual([]);
    const changed = config([conn('a', ['127.0.0.2'])], {
      port: 5002,
      port_nat_t: 0, // 0 = any port: the bound one will do
      inner_addrs: ['10.0.0.2'],
      cookie_threshold: 1,
      init_limit_half_open: 10,
      vici: '/run/other.vici',
    });
    expect(restartNeeded(running, changed, ['127.0.0.1'], ports)).toEqual([
      'daemon.port',
      'connections.*.local_addrs (bound addresses)',
      'daemon.inner_addrs',
      'daemon.cookie_threshold',
      'daemon.init_limit_half_open',
      'daemon.vici',
    ]);
  });

  it('reads the current configuration after a reload through the same object', () => {
    const live = liveConfig(config([conn('a', ['127.0.0.1'])]));
    const seen = live; // what the supervisor keeps
    live.set(config([conn('a', ['127.0.0.1']), conn('b', ['127.0.0.1'])]));
    expect(seen.connections.map((c) => c.name)).toEqual(['a', 'b']);
    expect(seen.current.connections).toHaveLength(2);
  });
});
