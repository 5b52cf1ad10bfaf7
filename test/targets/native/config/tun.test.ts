/**
 * The TUN keys of the daemon section (issue 15): daemon.tun (a Linux interface name, at most 15
 * octets, one `%d` for the kernel's next number; empty = the in-process inner host),
 * daemon.tun_mtu (default 1400, kernel-libipsec's), daemon.tun_table (default 220, charon's
 * routing_table) and daemon.path_mtu (default 1500).
 */
import { describe, expect, test } from 'vitest';
import { DAEMON_DEFAULTS } from '../../../../ipsec/config/model.js';
import { parseConfigText } from '../../../../targets/native/config/load.js';

const conf = (daemon: string) => `daemon {
${daemon}
}
connections {
  gw {
    remote_addrs = 192.0.2.1
    local {
      auth = psk
    }
    remote {
      auth = psk
    }
    children {
      net {
        remote_ts = 10.0.0.0/8
      }
    }
  }
}
secrets {
  ike-gw {
    secret = s3cret
  }
}
`;

const parse = (daemon: string) => parseConfigText(conf(daemon), 'swanctl', 'swanctl.conf');

describe('daemon.tun, tun_mtu, tun_table, path_mtu', () => {
  test('defaults: no device, MTU 1400, table 220, path MTU 1500', () => {
    const r = parse('');
    expect(r.ok && r.value.daemon).toMatchObject({ tun: '', tun_mtu: 1400, tun_table: 220, path_mtu: 1500 });
    expect(DAEMON_DEFAULTS).toMatchObject({ tun: '', tun_mtu: 1400, tun_table: 220, path_mtu: 1500 });
  });

  test.each(['ipsec0', 'ipsec%d', 'vpn-1', 'a.b_c', '123456789012345'])('tun = %s is read', (name) => {
    const r = parse(`  tun = ${name}\n  tun_mtu = 1280\n  tun_table = 100\n  path_mtu = 9000`);
    expect(r.ok && r.value.daemon).toMatchObject({
      tun: name,
      tun_mtu: 1280,
      tun_table: 100,
      path_mtu: 9000,
    });
  });

  test.each([
    ['1234567890123456', 'longer than 15'],
    ['ip/sec', 'not an interface name'],
    ['ip sec', 'not an interface name'],
    ['ip:0', 'not an interface name'],
    ['..', 'not an interface name'],
    ['a%d%d', 'not an interface name'],
    ['a%s', 'not an interface name'],
  ])('tun = %s is refused (%s), naming the line and key', (name, why) => {
    const r = parse(`  tun = "${name}"`);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toHaveLength(1);
    expect(r.error[0]).toMatchObject({ line: 2, path: 'daemon.tun' });
    expect(r.error[0]!.message).toContain(why);
  });

  test.each([
    ['tun_mtu', '575'],
    ['tun_mtu', '65536'],
    ['path_mtu', '100'],
    ['tun_table', '0'],
  ])('%s = %s is out of range', (key, value) => {
    const r = parse(`  ${key} = ${value}`);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error[0]).toMatchObject({ path: `daemon.${key}` });
  });
});
