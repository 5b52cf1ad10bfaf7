/** Inner packets for the policy and data-plane tests, built with ipsec/packet. */
import { parseIp } from '../../../ipsec/packet/address.js';
import { extractFlow, type Flow } from '../../../ipsec/packet/flow.js';
import { buildIcmpEcho, IcmpType } from '../../../ipsec/packet/icmp.js';
import { buildIcmpv6Echo, Icmpv6Type } from '../../../ipsec/packet/icmpv6.js';
import { buildIpv4 } from '../../../ipsec/packet/ipv4.js';
import { buildIpv6 } from '../../../ipsec/packet/ipv6.js';
import { IpProto } from '../../../ipsec/packet/proto.js';
import { buildUdp } from '../../../ipsec/packet/udp.js';

export function ip(text: string): Uint8Array {
  const a = parseIp(text);
  if (!a) throw new TypeError(`bad address ${text}`);
  return a;
}

/** An IPv4 or IPv6 UDP packet. */
export function udpPacket(
  src: string,
  dst: string,
  srcPort: number,
  dstPort: number,
  data = new Uint8Array(8),
) {
  const s = ip(src);
  const d = ip(dst);
  const payload = buildUdp({ src: s, dst: d, srcPort, dstPort, payload: data });
  return s.length === 4
    ? buildIpv4({ src: s, dst: d, protocol: IpProto.UDP, payload })
    : buildIpv6({ src: s, dst: d, nextHeader: IpProto.UDP, payload });
}

/** An ICMP (IPv4) or ICMPv6 echo request. */
export function echoRequest(src: string, dst: string, sequence = 1, data = new Uint8Array([1, 2, 3, 4])) {
  const s = ip(src);
  const d = ip(dst);
  const echo = { identifier: 0x1234, sequence, data };
  return s.length === 4
    ? buildIpv4({
        src: s,
        dst: d,
        protocol: IpProto.ICMP,
        payload: buildIcmpEcho(IcmpType.ECHO_REQUEST, echo),
      })
    : buildIpv6({
        src: s,
        dst: d,
        nextHeader: IpProto.ICMPV6,
        payload: buildIcmpv6Echo(s, d, Icmpv6Type.ECHO_REQUEST, echo),
      });
}

export function flowOf(packet: Uint8Array): Flow {
  const f = extractFlow(packet);
  if (!f.ok) throw new Error(f.error.message);
  return f.value;
}
