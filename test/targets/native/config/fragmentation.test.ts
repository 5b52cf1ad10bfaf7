/**
 * The IKE fragmentation keys (RFC 7383) in swanctl.conf: connections.<name>.fragmentation
 * (yes | accept | force | no, default yes, as strongSwan) and daemon.fragment_size
 * (charon.fragment_size: the whole IP datagram, default 1280), refused when it cannot carry
 * one octet of plaintext per fragment over UDP with the connection's IKE proposals.
 */
import { describe, expect, test } from 'vitest';
import { DAEMON_DEFAULTS } from '../../../../ipsec/config/model.js';
import { parseConfigText } from '../../../../targets/native/config/load.js';

const conf = (o: {
  fragmentation?: string;
  fragmentSize?: number;
  proposals?: string;
  remote?: string;
}) => `${
  o.fragmentSize === undefined ? '' : `daemon {\n  fragment_size = ${o.fragmentSize}\n}\n`
}connections {
  gw {
    remote_addrs = ${o.remote ?? '192.0.2.1'}
    proposals = ${o.proposals ?? 'aes128-sha256-ecp256'}${o.fragmentation === undefined ? '' : `\n    fragmentation = ${o.fragmentation}`}
    local {
      auth = psk
      id = a.example.org
    }
    remote {
      auth = psk
      id = b.example.org
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
    id = b.example.org
    secret = s3cret
  }
}
`;

const parse = (text: string) => parseConfigText(text, 'swanctl', 'swanctl.conf');

describe('fragmentation and fragment_size', () => {
  test('defaults: fragmentation = yes, fragment_size = 1280 (strongSwan)', () => {
    const r = parse(conf({}));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.connections[0]!.fragmentation).toBe('yes');
    expect(r.value.daemon.fragment_size).toBe(1280);
    expect(DAEMON_DEFAULTS.fragment_size).toBe(1280);
  });

  test.each(['yes', 'accept', 'force', 'no'])('fragmentation = %s', (mode) => {
    const r = parse(conf({ fragmentation: mode }));
    expect(r.ok && r.value.connections[0]!.fragmentation).toBe(mode);
  });

  test('an unknown fragmentation value is an error naming file, line and key', () => {
    const r = parse(conf({ fragmentation: 'maybe' }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toHaveLength(1);
    expect(r.error[0]).toMatchObject({ file: 'swanctl.conf', line: 5, path: 'connections.gw.fragmentation' });
  });

  test('fragment_size is read (0 = the address family default, RFC 7383 §2.5.1)', () => {
    for (const size of [0, 256, 576, 1500]) {
      const r = parse(conf({ fragmentSize: size }));
      expect(r.ok && r.value.daemon.fragment_size).toBe(size);
    }
  });

  test('a fragment_size without room for plaintext over UDP is refused, with the sizes in the message', () => {
    // aes256-sha512: 28 + 8 headers, 16 IV, 32 ICV, one 16-octet block = 100 octets of IKE message;
    // over UDP/IPv4 on the NAT-T port 20 + 8 + 4 more: 132 is the least datagram
    const ok = parse(conf({ fragmentSize: 132, proposals: 'aes256-sha512-ecp256' }));
    expect(ok.ok).toBe(true);
    const r = parse(conf({ fragmentSize: 131, proposals: 'aes256-sha512-ecp256' }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toHaveLength(1);
    expect(r.error[0]).toMatchObject({ code: 'INCONSISTENT', line: 2, path: 'daemon.fragment_size' });
    expect(r.error[0]!.detail).toContain('leaves 99 octets');
    expect(r.error[0]!.detail).toContain('at least 100');
  });

  test('IPv6 (or %any) peers count the 40-octet IPv6 header', () => {
    expect(parse(conf({ fragmentSize: 132, proposals: 'aes256-sha512-ecp256', remote: '%any' })).ok).toBe(
      false,
    );
    expect(
      parse(conf({ fragmentSize: 152, proposals: 'aes256-sha512-ecp256', remote: '2001:db8::1' })).ok,
    ).toBe(true);
  });

  test('no size check for connections that never send fragments (accept, no)', () => {
    for (const mode of ['accept', 'no'])
      expect(parse(conf({ fragmentSize: 60, fragmentation: mode })).ok).toBe(true);
  });
});
