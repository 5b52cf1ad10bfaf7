/**
 * Minimal inner-packet codecs for the ESP data plane: IPv4, IPv6 (with an extension-header
 * walk), UDP, ICMP, ICMPv6, the Internet checksum, selector fields (Flow) and an echo
 * responder. Decoders are total (Result, never throw); builders compute every checksum.
 */
export * from './address.js';
export * from './checksum.js';
export * from './echo.js';
export * from './errors.js';
export * from './flow.js';
export * from './icmp.js';
export * from './icmpv6.js';
export * from './ip.js';
export * from './ipv4.js';
export * from './ipv6.js';
export * from './proto.js';
export * from './udp.js';
export * from './wire.js';
