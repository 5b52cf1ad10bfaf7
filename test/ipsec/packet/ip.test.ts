import { describe, expect, it } from 'vitest';
import { decodeIp, ipPacketLength, ipVersion, tunnelNextHeader } from '../../../ipsec/packet/ip.js';
import { buildIpv4 } from '../../../ipsec/packet/ipv4.js';
import { buildIpv6 } from '../../../ipsec/packet/ipv6.js';
import { concatBytes, fromHex } from '../../../ipsec/util/bytes.js';

const v4 = buildIpv4({
  src: fromHex('0a000001'),
  dst: fromHex('0a000002'),
  protocol: 17,
  payload: new Uint8Array(9),
});
const v6 = buildIpv6({
  src: new Uint8Array(16),
  dst: new Uint8Array(16),
  nextHeader: 59,
  payload: new Uint8Array(5),
});

describe('IP version dispatch', () => {
  it('reads the declared length, ignoring trailing (TFC) bytes', () => {
    expect(ipPacketLength(concatBytes(v4, new Uint8Array(7)))).toBe(29);
    expect(ipPacketLength(concatBytes(v6, new Uint8Array(7)))).toBe(45);
    expect([ipVersion(v4), ipVersion(v6), tunnelNextHeader(v4), tunnelNextHeader(v6)]).toEqual([4, 6, 4, 41]);
  });

  it('has no length for headers it cannot read or that declare less than a header', () => {
    expect(ipPacketLength(v4.subarray(0, 19))).toBeUndefined();
    expect(ipPacketLength(v6.subarray(0, 39))).toBeUndefined();
    const short = v4.slice();
    short[3] = 19; // Total Length 19 < 20
    expect(ipPacketLength(short)).toBeUndefined();
    expect(ipPacketLength(fromHex('50000000'))).toBeUndefined();
    expect(ipVersion(new Uint8Array(0))).toBeUndefined();
  });

  it('decodes either family and rejects others', () => {
    expect(decodeIp(v4).ok && decodeIp(v6).ok).toBe(true);
    const r = decodeIp(fromHex('50'));
    expect(r.ok || r.error.code).toBe('version');
    const e = decodeIp(new Uint8Array(0));
    expect(e.ok || e.error.code).toBe('version');
  });
});
