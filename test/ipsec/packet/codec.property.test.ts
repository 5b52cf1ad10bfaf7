/** Packet codecs: total on arbitrary bytes, and build/decode round trips. */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { answerEcho } from '../../../ipsec/packet/echo.js';
import { extractFlow } from '../../../ipsec/packet/flow.js';
import { buildIcmpEcho, decodeIcmp, echoFields } from '../../../ipsec/packet/icmp.js';
import { buildIcmpv6Echo, decodeIcmpv6 } from '../../../ipsec/packet/icmpv6.js';
import { decodeIp, ipPacketLength } from '../../../ipsec/packet/ip.js';
import { buildIpv4, decodeIpv4 } from '../../../ipsec/packet/ipv4.js';
import { buildIpv6, decodeIpv6 } from '../../../ipsec/packet/ipv6.js';
import { buildUdp, decodeUdp, verifyUdpChecksum } from '../../../ipsec/packet/udp.js';

const addr4 = fc.uint8Array({ minLength: 4, maxLength: 4 });
const addr6 = fc.uint8Array({ minLength: 16, maxLength: 16 });
const port = fc.integer({ min: 0, max: 0xffff });

/** Random bytes, biased towards plausible IP headers so that deeper code paths run. */
const packetish = fc.oneof(
  fc.uint8Array({ maxLength: 120 }),
  fc
    .tuple(fc.constantFrom(0x45, 0x46, 0x4f, 0x60, 0x6f), fc.uint8Array({ maxLength: 120 }))
    .map(([b, rest]) => Uint8Array.of(b, ...rest)),
);

describe('decoders never throw', () => {
  it('on arbitrary bytes', () => {
    fc.assert(
      fc.property(packetish, addr6, addr6, (bytes, s, d) => {
        decodeIp(bytes);
        decodeIpv4(bytes);
        decodeIpv4(bytes, { verifyChecksum: false });
        decodeIpv6(bytes);
        decodeUdp(bytes);
        decodeIcmp(bytes);
        decodeIcmpv6(s, d, bytes);
        extractFlow(bytes);
        answerEcho(bytes);
        ipPacketLength(bytes);
        verifyUdpChecksum(s, d, bytes);
        return true;
      }),
      { numRuns: 3000 },
    );
  });

  it('on IPv6 packets with random extension-header chains', () => {
    fc.assert(
      fc.property(
        addr6,
        addr6,
        fc.constantFrom(0, 43, 44, 51, 60, 17, 58),
        fc.uint8Array({ maxLength: 200 }),
        (s, d, nh, rest) => {
          const p = buildIpv6({ src: s, dst: d, nextHeader: nh, payload: rest });
          decodeIpv6(p);
          extractFlow(p);
          answerEcho(p);
          return true;
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('build/decode round trips', () => {
  it('IPv4 + UDP', () => {
    fc.assert(
      fc.property(
        addr4,
        addr4,
        port,
        port,
        fc.uint8Array({ maxLength: 300 }),
        fc.integer({ min: 0, max: 255 }),
        (s, d, sp, dp, data, ttl) => {
          const seg = buildUdp({ src: s, dst: d, srcPort: sp, dstPort: dp, payload: data });
          const ip = decodeIpv4(buildIpv4({ src: s, dst: d, protocol: 17, payload: seg, ttl }));
          if (!ip.ok) return false;
          const udp = decodeUdp(ip.value.payload);
          return (
            udp.ok &&
            ip.value.ttl === ttl &&
            verifyUdpChecksum(ip.value.src, ip.value.dst, ip.value.payload) &&
            udp.value.srcPort === sp &&
            udp.value.dstPort === dp &&
            equal(udp.value.payload, data)
          );
        },
      ),
    );
  });

  it('IPv6 + UDP', () => {
    fc.assert(
      fc.property(addr6, addr6, port, port, fc.uint8Array({ maxLength: 300 }), (s, d, sp, dp, data) => {
        const seg = buildUdp({ src: s, dst: d, srcPort: sp, dstPort: dp, payload: data });
        const ip = decodeIpv6(buildIpv6({ src: s, dst: d, nextHeader: 17, payload: seg }));
        if (!ip.ok) return false;
        const udp = decodeUdp(ip.value.payload);
        return udp.ok && verifyUdpChecksum(s, d, ip.value.payload) && equal(udp.value.payload, data);
      }),
    );
  });

  it('ICMP and ICMPv6 echo, and the echo responder', () => {
    fc.assert(
      fc.property(
        addr4,
        addr4,
        addr6,
        addr6,
        port,
        port,
        fc.uint8Array({ maxLength: 200 }),
        (s4, d4, s6, d6, id, seq, data) => {
          const echo = { identifier: id, sequence: seq, data };
          const m4 = decodeIcmp(buildIcmpEcho(8, echo));
          const m6 = decodeIcmpv6(s6, d6, buildIcmpv6Echo(s6, d6, 128, echo));
          if (!m4.ok || !m6.ok) return false;
          const e4 = echoFields(m4.value);
          const r4 = answerEcho(
            buildIpv4({ src: s4, dst: d4, protocol: 1, payload: buildIcmpEcho(8, echo) }),
          );
          const r6 = answerEcho(
            buildIpv6({ src: s6, dst: d6, nextHeader: 58, payload: buildIcmpv6Echo(s6, d6, 128, echo) }),
          );
          return e4.identifier === id && e4.sequence === seq && equal(e4.data, data) && r4.ok && r6.ok;
        },
      ),
    );
  });
});

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
