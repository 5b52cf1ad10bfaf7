/**
 * Spec constants of IKEv2 fragmentation (RFC 7383) and of the datagrams that carry it. The
 * implementation's own limits are in limits.ts.
 */

/**
 * Encrypted Fragment payload header (RFC 7383 §2.5): the generic payload header (4 octets),
 * Fragment Number (2) and Total Fragments (2). All of it is integrity-protected (the AEAD AAD).
 */
export const SKF_HEADER_LENGTH = 8;
/** Offset of Fragment Number in the SKF payload (RFC 7383 §2.5). */
export const FRAGMENT_NUMBER_OFFSET = 4;
/** Offset of Total Fragments in the SKF payload (RFC 7383 §2.5). */
export const TOTAL_FRAGMENTS_OFFSET = 6;
/** Offset of Next Payload in the IKE header (RFC 7296 §3.1). */
export const IKE_NEXT_PAYLOAD_OFFSET = 16;

/**
 * RFC 7383 §2.5.1: without path MTU knowledge, IP datagrams of at most 576 octets (IPv4) or
 * 1280 octets (IPv6). strongSwan's charon.fragment_size = 0 means these.
 */
export const DEFAULT_IPV4_DATAGRAM = 576;
export const DEFAULT_IPV6_DATAGRAM = 1280;

/** IPv4 header without options (RFC 791 §3.1). */
export const IPV4_HEADER_LENGTH = 20;
/** IPv6 header without extension headers (RFC 8200 §3). */
export const IPV6_HEADER_LENGTH = 40;
/** UDP header (RFC 768). */
export const UDP_HEADER_LENGTH = 8;
/** Non-ESP marker before IKE on a port pair that carries ESP-in-UDP (RFC 3948 §2.2). */
export const NON_ESP_MARKER_LENGTH = 4;
