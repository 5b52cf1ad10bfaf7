import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIpv6 } from '../../../../ipsec/packet/address.js';
import { buildIpv6 } from '../../../../ipsec/packet/ipv6.js';
import { IpProto } from '../../../../ipsec/packet/proto.js';
import { buildUdp } from '../../../../ipsec/packet/udp.js';
import {
  compressHeaders,
  expandHeaders,
  IPV6_DISPATCH,
} from '../../../../transport/radio/sixlowpan/headers.js';
import { FD00 } from './arbitraries.js';

const SRC = parseIpv6('fd00::ff:fe00:2')!;
const DST = parseIpv6('fd00::ff:fe00:1')!;
const LINK = { src: 2, dst: 1 };

function udpDatagram(payload: Uint8Array, srcPort = 500, dstPort = 4500): Uint8Array {
  const udp = buildUdp({ src: SRC, dst: DST, srcPort, dstPort, payload });
  return buildIpv6({ src: SRC, dst: DST, nextHeader: IpProto.UDP, payload: udp });
}

function roundTrip(d: Uint8Array): Uint8Array {
  const c = compressHeaders(d, LINK, [FD00]);
  if (!c.ok) throw new Error(c.error.message);
  const frame = new Uint8Array([...c.value.header, ...d.subarray(c.value.uncompressedLength)]);
  const x = expandHeaders(frame, 0, LINK, [FD00]);
  if (!x.ok) throw new Error(x.error.message);
  return x.value;
}

describe('IPv6 + UDP headers through IPHC + NHC (RFC 6282 §3, §4.3)', () => {
  it('compresses IPv6 + UDP of a first hop from 48 octets to 9, and restores the lengths from the frame', () => {
    const d = udpDatagram(Uint8Array.of(1, 2, 3));
    const c = compressHeaders(d, LINK, [FD00]);
    expect(c.ok && c.value.header.length).toBe(9);
    expect(c.ok && c.value.uncompressedLength).toBe(48);
    expect(roundTrip(d)).toEqual(d);
  });

  it('round-trips any UDP payload and ports, and other next headers inline (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.constantFrom(IpProto.UDP, IpProto.NO_NEXT_HEADER, 50),
        (payload, sp, dp, nh) => {
          const d =
            nh === IpProto.UDP
              ? udpDatagram(payload, sp, dp)
              : buildIpv6({ src: SRC, dst: DST, nextHeader: nh, payload });
          expect(roundTrip(d)).toEqual(d);
        },
      ),
    );
  });

  it('carries the UDP header inline when its Length is not what the link implies', () => {
    const d = udpDatagram(Uint8Array.of(1, 2, 3, 4));
    d[45] = 11; // UDP Length 11 instead of 12 (a trailer after the UDP datagram)
    const c = compressHeaders(d, LINK, [FD00]);
    expect(c.ok && c.value.uncompressedLength).toBe(40);
    expect(roundTrip(d)).toEqual(d);
  });

  it('refuses what it cannot compress, and decodes the uncompressed IPv6 dispatch', () => {
    const d = udpDatagram(new Uint8Array(5));
    const short = compressHeaders(d.subarray(0, 30), LINK, [FD00]);
    expect(short.ok ? 'ok' : short.error.code).toBe('truncated');
    const bad = d.slice();
    bad[5] = 99; // Payload Length disagrees
    const wrong = compressHeaders(bad, LINK, [FD00]);
    expect(wrong.ok ? 'ok' : wrong.error.code).toBe('length');
    const v4 = d.slice();
    v4[0] = 0x45;
    const notV6 = compressHeaders(v4, LINK, [FD00]);
    expect(notV6.ok ? 'ok' : notV6.error.code).toBe('unsupported');
    expect(expandHeaders(Uint8Array.from([IPV6_DISPATCH, ...d]), 0, LINK, [])).toEqual({
      ok: true,
      value: d,
    });
    const first = expandHeaders(
      Uint8Array.from([0x7e, 0x77, 0xf0, 1, 2, 3, 4, 5, 6, 7]),
      0,
      LINK,
      [FD00],
      40,
    );
    expect(first.ok ? 'ok' : first.error.code).toBe('length'); // 48 octets of headers in a 40-octet datagram
  });
});
