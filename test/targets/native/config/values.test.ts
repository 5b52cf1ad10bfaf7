import { describe, expect, test } from 'vitest';
import {
  address,
  bool,
  bytes,
  duration,
  identity,
  ikeProposal,
  list,
  scalar,
  secretValue,
  trafficSelector,
  uint,
} from '../../../../targets/native/config/values.js';

const value = <T>(r: { ok: true; value: T } | { ok: false; error: unknown }) => (r.ok ? r.value : r.error);

describe('swanctl value syntax', () => {
  test('durations: integer with optional s/m/h/d (swanctl.conf(5))', () => {
    expect(value(duration('90'))).toBe(90);
    expect(value(duration('90s'))).toBe(90);
    expect(value(duration('30m'))).toBe(1800);
    expect(value(duration('4h'))).toBe(14400);
    expect(value(duration('1d'))).toBe(86400);
    expect(value(duration('2H'))).toBe(7200);
    for (const bad of ['', '-1', '4x', '1.5h', 'h', '0x10', '4 h h']) expect(duration(bad).ok).toBe(false);
  });

  test('bytes: k/m/g are binary multiples (vici parse_bytes); packets are plain integers', () => {
    expect(value(bytes('1000'))).toBe(1000);
    expect(value(bytes('512k'))).toBe(524288);
    expect(value(bytes('10M'))).toBe(10485760);
    expect(value(bytes('1g'))).toBe(1073741824);
    expect(bytes('1t').ok).toBe(false);
    expect(bytes('99999999999999999g').ok).toBe(false); // beyond 2^53
    expect(uint()('1k').ok).toBe(false);
  });

  test('booleans as strongSwan reads them', () => {
    for (const t of ['yes', 'true', 'TRUE', '1', 'enabled']) expect(value(bool(t))).toBe(true);
    for (const f of ['no', 'false', 'No', '0', 'disabled']) expect(value(bool(f))).toBe(false);
    expect(bool('maybe').ok).toBe(false);
  });

  test('lists: comma-separated text or sequences; empty items are errors', () => {
    const addrs = list(address);
    expect(value(addrs('10.0.0.1, fec0::1 ,%any'))).toEqual(['10.0.0.1', 'fec0::1', '%any']);
    expect(value(addrs(['10.0.0.1', '10.0.0.2,10.0.0.3']))).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    expect(value(addrs('10.0.0.1,,10.0.0.2'))).toEqual([
      { code: 'INVALID_VALUE', detail: 'empty list item' },
    ]);
    expect(value(addrs(''))).toEqual([{ code: 'INVALID_VALUE', detail: 'expected at least one value' }]);
    expect(value(scalar(bool)(['yes', 'no']))).toEqual([
      { code: 'INVALID_VALUE', detail: 'expected a single value, not a list' },
    ]);
  });

  test('addresses: literals and %any; host names, subnets and ranges are refused with a reason', () => {
    expect(value(address('gw.example.org'))).toEqual({
      code: 'UNSUPPORTED_VALUE',
      detail:
        "'gw.example.org': host names are not supported yet (no DNS resolution): use an IP address or %any",
    });
    expect(value(address('10.0.0.0/24'))).toMatchObject({ code: 'UNSUPPORTED_VALUE' });
    expect(value(address('10.0.0.1-10.0.0.9'))).toMatchObject({ code: 'UNSUPPORTED_VALUE' });
    expect(value(address('%any6'))).toMatchObject({ code: 'UNSUPPORTED_VALUE' });
    expect(value(address('10.0.0.256'))).toMatchObject({ code: 'INVALID_VALUE' });
    expect(value(address('1:2:3'))).toMatchObject({ code: 'INVALID_VALUE' });
  });

  test('secrets: string, 0x hex, 0s base64 (swanctl load_creds.c)', () => {
    expect(value(secretValue('abc'))).toEqual(new Uint8Array([0x61, 0x62, 0x63]));
    expect(value(secretValue('0x616263'))).toEqual(new Uint8Array([0x61, 0x62, 0x63]));
    expect(value(secretValue('0X61:62:63'))).toEqual(new Uint8Array([0x61, 0x62, 0x63]));
    expect(value(secretValue('0sYWJj'))).toEqual(new Uint8Array([0x61, 0x62, 0x63]));
    expect(value(secretValue('0sYWI='))).toEqual(new Uint8Array([0x61, 0x62]));
    expect(value(secretValue(' a b '))).toEqual(new TextEncoder().encode(' a b '));
    for (const bad of ['', '0x', '0x123', '0xzz', '0s', '0sYW', '0s!!!!'])
      expect(secretValue(bad).ok).toBe(false);
  });

  test('identities, traffic selectors and proposals use the ipsec/ parsers', () => {
    expect(value(identity('@vpn.example.org'))).toBe('@vpn.example.org');
    expect(value(identity('C=CH, O=strongSwan'))).toBe('C=CH, O=strongSwan'); // a DN (issue 16)
    expect(identity('C=CH, XYZ=strongSwan').ok).toBe(false);
    expect(value(trafficSelector('dynamic'))).toBe('dynamic');
    expect(value(trafficSelector('dynamic[tcp/80]'))).toBe('dynamic[tcp/80]');
    expect(trafficSelector('dynamic[bogus]').ok).toBe(false);
    expect(value(trafficSelector('10.0.0.0/8[udp/500]'))).toBe('10.0.0.0/8[udp/500]');
    expect(trafficSelector('10.0.0.0/33').ok).toBe(false);
    expect(value(ikeProposal('default'))).toBe('default');
    expect(value(ikeProposal('aes128-sha256-modp1024'))).toMatchObject({ code: 'UNSUPPORTED_VALUE' });
    expect(value(ikeProposal('aes128-sha256-bogus'))).toMatchObject({ code: 'INVALID_VALUE' });
  });
});
