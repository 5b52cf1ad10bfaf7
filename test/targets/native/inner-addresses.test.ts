import { describe, expect, it } from 'vitest';
import { connectionWithDefaults, DAEMON_DEFAULTS } from '../../../ipsec/config/model.js';
import { innerAddresses } from '../../../targets/native/host.js';

const conn = (mode: 'tunnel' | 'transport', local: string) =>
  connectionWithDefaults({
    name: `c-${mode}`,
    local_addrs: [local],
    remote_addrs: ['10.0.0.9'],
    local: { auth: 'psk', id: 'a@x' },
    remote: { auth: 'psk', id: 'b@x' },
    children: [{ name: 'ch', mode }],
  });

describe('innerAddresses', () => {
  it('adds the own address of transport-mode connections to inner_addrs', () => {
    const config = {
      daemon: { ...DAEMON_DEFAULTS, inner_addrs: ['10.99.2.1'] },
      connections: [conn('tunnel', '10.0.0.1'), conn('transport', '10.0.0.2')],
      secrets: [],
    };
    expect(innerAddresses(config)).toEqual(['10.99.2.1', '10.0.0.2']);
  });

  it('keeps "none configured = every address"', () => {
    const config = { daemon: DAEMON_DEFAULTS, connections: [conn('transport', '10.0.0.2')], secrets: [] };
    expect(innerAddresses(config)).toEqual([]);
  });
});
