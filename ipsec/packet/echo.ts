/**
 * Answers an ICMP Echo Request (RFC 792) or ICMPv6 Echo Request (RFC 4443 §4.2) with the
 * reply packet: addresses swapped, same identifier, sequence number and data.
 */
import { err, ok, type Result } from '../result.js';
import type { PacketError } from './errors.js';
import { buildIcmpEcho, decodeIcmp, echoFields, IcmpType } from './icmp.js';
import { buildIcmpv6Echo, decodeIcmpv6, Icmpv6Type } from './icmpv6.js';
import { decodeIp } from './ip.js';
import { buildIpv4 } from './ipv4.js';
import { buildIpv6 } from './ipv6.js';
import { IpProto } from './proto.js';

export type EchoError = PacketError | { readonly code: 'not-echo-request'; readonly message: string };

export interface EchoReplyOptions {
  /** TTL / Hop Limit of the reply (default 64). */
  readonly ttl?: number;
  /** IPv4 Identification of the reply (default 0; DF is not set). */
  readonly identification?: number;
}

export function answerEcho(
  packet: Uint8Array,
  options: EchoReplyOptions = {},
): Result<Uint8Array, EchoError> {
  const ttl = options.ttl ?? 64;
  const decoded = decodeIp(packet);
  if (!decoded.ok) return decoded;
  const ip = decoded.value;
  if (ip.version === 4) {
    if (ip.protocol !== IpProto.ICMP || ip.fragmentOffset !== 0 || ip.moreFragments)
      return err({ code: 'not-echo-request', message: 'not an unfragmented ICMP packet' });
    const m = decodeIcmp(ip.payload);
    if (!m.ok) return m;
    if (m.value.type !== IcmpType.ECHO_REQUEST || m.value.code !== 0)
      return err({ code: 'not-echo-request', message: `ICMP type ${m.value.type} code ${m.value.code}` });
    const reply = buildIcmpEcho(IcmpType.ECHO_REPLY, echoFields(m.value));
    return ok(
      buildIpv4({
        src: ip.dst,
        dst: ip.src,
        protocol: IpProto.ICMP,
        payload: reply,
        ttl,
        tos: ip.tos,
        identification: options.identification ?? 0,
      }),
    );
  }
  if (ip.protocol !== IpProto.ICMPV6 || ip.fragment)
    return err({ code: 'not-echo-request', message: 'not an unfragmented ICMPv6 packet' });
  const m = decodeIcmpv6(ip.src, ip.dst, ip.payload);
  if (!m.ok) return m;
  if (m.value.type !== Icmpv6Type.ECHO_REQUEST || m.value.code !== 0)
    return err({ code: 'not-echo-request', message: `ICMPv6 type ${m.value.type} code ${m.value.code}` });
  // RFC 4443 §4.2: the reply's source is the request's destination (unicast case).
  const reply = buildIcmpv6Echo(ip.dst, ip.src, Icmpv6Type.ECHO_REPLY, echoFields(m.value));
  return ok(
    buildIpv6({ src: ip.dst, dst: ip.src, nextHeader: IpProto.ICMPV6, payload: reply, hopLimit: ttl }),
  );
}
