/**
 * IANA "Assigned Internet Protocol Numbers" used by the data plane (IPv4 Protocol, IPv6
 * Next Header). Spec constants only.
 */
export const IpProto = {
  HOPOPT: 0, // RFC 8200 §4.3 IPv6 Hop-by-Hop Options
  ICMP: 1, // RFC 792
  IPV4: 4, // IP-in-IP: ESP tunnel mode with an inner IPv4 packet (RFC 4303 §2.6)
  TCP: 6,
  UDP: 17, // RFC 768
  IPV6: 41, // ESP tunnel mode with an inner IPv6 packet
  IPV6_ROUTE: 43, // RFC 8200 §4.4
  IPV6_FRAG: 44, // RFC 8200 §4.5
  ESP: 50, // RFC 4303
  AH: 51, // RFC 4302
  ICMPV6: 58, // RFC 4443
  NO_NEXT_HEADER: 59, // RFC 8200 §4.7; an ESP dummy packet (RFC 4303 §2.6)
  IPV6_OPTS: 60, // RFC 8200 §4.6 Destination Options
  SCTP: 132,
  MOBILITY: 135, // RFC 6275 Mobility Header
} as const;
