/**
 * NAT detection (RFC 7296 §2.23): the NAT_DETECTION_SOURCE_IP and NAT_DETECTION_DESTINATION_IP
 * notifies of IKE_SA_INIT, and the comparison that tells which side, if any, is behind a NAT.
 *
 * Each notify carries SHA-1(SPIi | SPIr | IP | Port) of the addresses the sender believes the
 * packet is sent from (source) and to (destination). The SPIs are those of the IKE header of
 * the message carrying the notify, so SPIr is eight zero octets in the IKE_SA_INIT request.
 *
 * Addresses are octets (4 for IPv4, 16 for IPv6) or their text form; text is parsed here so
 * that transport endpoints (`Endpoint.address`) can be passed as they are.
 */
import type { CryptoProvider, RandomBytes } from '../crypto/types.js';
import { IPV4_ADDRESS_LENGTH, IPV6_ADDRESS_LENGTH, parseIp } from '../packet/address.js';
import { concatBytes, equalBytes } from '../util/bytes.js';
import { PayloadType } from './wire/constants.js';
import { NotifyStatus } from './wire/notify-types.js';
import type { NotifyPayload } from './wire/payload-types.js';

/** RFC 7296 §3.1: the IKE SPIs are 8 octets. */
const IKE_SPI_LENGTH = 8;
/** RFC 7296 §2.23: the hash is SHA-1, 20 octets. */
export const NAT_DETECTION_HASH_LENGTH = 20;

/** An IP address as 4 or 16 octets, or its text form ("192.0.2.1", "2001:db8::1"). */
export type NatAddress = Uint8Array | string;

export interface NatEndpoint {
  readonly address: NatAddress;
  readonly port: number;
}

/**
 * The address octets that go into the hash. Text forms may carry an IPv6 zone ("%eth0", which
 * is not on the wire), and IPv4-mapped IPv6 addresses (::ffff:a.b.c.d, RFC 4291 §2.5.5.2, as a
 * dual-stack socket reports IPv4 peers) are hashed as the IPv4 address the packet really had.
 * Throws TypeError for malformed local input: addresses come from our transport and config,
 * never from the peer.
 */
export function natAddressBytes(address: NatAddress): Uint8Array {
  if (typeof address !== 'string') {
    if (address.length !== IPV4_ADDRESS_LENGTH && address.length !== IPV6_ADDRESS_LENGTH)
      throw new TypeError(`NAT detection address must be 4 or 16 octets, got ${address.length}`);
    return address;
  }
  const zone = address.indexOf('%');
  const bytes = parseIp(zone >= 0 ? address.slice(0, zone) : address);
  if (!bytes) throw new TypeError(`invalid IP address: ${address}`);
  if (bytes.length === IPV6_ADDRESS_LENGTH && isV4Mapped(bytes)) return bytes.slice(12);
  return bytes;
}

function isV4Mapped(a: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (a[i] !== 0) return false;
  return a[10] === 0xff && a[11] === 0xff;
}

/** RFC 7296 §2.23: SHA-1(SPIi | SPIr | IP | Port), Port as 2 octets in network order. */
export function natDetectionHash(
  provider: CryptoProvider,
  spiI: Uint8Array,
  spiR: Uint8Array,
  address: NatAddress,
  port: number,
): Uint8Array {
  if (spiI.length !== IKE_SPI_LENGTH || spiR.length !== IKE_SPI_LENGTH)
    throw new TypeError('IKE SPIs must be 8 octets');
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw new TypeError(`invalid port ${port}`);
  const portBytes = new Uint8Array([port >>> 8, port & 0xff]);
  return provider.hash('sha1', concatBytes(spiI, spiR, natAddressBytes(address), portBytes));
}

export interface NatDetectionInputs {
  /** SPIs as in the header of the message that carries the notifies (SPIr zero in the IKE_SA_INIT request). */
  readonly spiI: Uint8Array;
  readonly spiR: Uint8Array;
  /**
   * The address and port we send from. With a socket bound to a wildcard address this must be
   * the source address the route will pick, not 0.0.0.0 / ::, or the peer sees a mismatch.
   */
  readonly local: NatEndpoint;
  /** The address and port we send to (for a response: the source of the request). */
  readonly remote: NatEndpoint;
  /**
   * Force UDP encapsulation as strongSwan's `encap = yes` does: the source hash is of a random
   * IPv4 address (drawn from this source) and port 0, so the peer always detects a NAT on our
   * side (RFC 7296 §2.23 lets the sender claim a NAT this way; RFC 3948 encapsulation follows).
   */
  readonly fakeNatHash?: RandomBytes;
}

export interface NatDetectionNotifies {
  /** NAT_DETECTION_SOURCE_IP data. */
  readonly source: Uint8Array;
  /** NAT_DETECTION_DESTINATION_IP data. */
  readonly destination: Uint8Array;
  /** The endpoint hashed into `source` when it was faked (for logs), else undefined. */
  readonly fakedSource: { readonly address: Uint8Array; readonly port: number } | undefined;
  /** Both notifies, source first, ready for an IKE_SA_INIT request or response (RFC 7296 §3.10). */
  readonly payloads: readonly [NotifyPayload, NotifyPayload];
}

/**
 * The two NAT_DETECTION notifies for a request or a response (RFC 7296 §2.23): the source hash
 * names where we send from, the destination hash where we send to. The same call serves both
 * roles; only the SPIs (SPIr zero in the request) and the endpoints differ.
 */
export function natDetectionNotifies(
  provider: CryptoProvider,
  inputs: NatDetectionInputs,
): NatDetectionNotifies {
  const { spiI, spiR, local, remote, fakeNatHash } = inputs;
  const fakedSource = fakeNatHash ? { address: fakeNatHash(IPV4_ADDRESS_LENGTH), port: 0 } : undefined;
  const hashed = fakedSource ?? local;
  const source = natDetectionHash(provider, spiI, spiR, hashed.address, hashed.port);
  const destination = natDetectionHash(provider, spiI, spiR, remote.address, remote.port);
  const notify = (notifyType: number, data: Uint8Array): NotifyPayload => ({
    type: PayloadType.N,
    protocolId: 0, // §3.10: no SPI for notifies about the IKE SA being set up
    spi: new Uint8Array(0),
    notifyType,
    data,
  });
  return {
    source,
    destination,
    fakedSource,
    payloads: [
      notify(NotifyStatus.NAT_DETECTION_SOURCE_IP, source),
      notify(NotifyStatus.NAT_DETECTION_DESTINATION_IP, destination),
    ],
  };
}

export interface NatDetectionReceived {
  /** SPIs from the header of the received message. */
  readonly spiI: Uint8Array;
  readonly spiR: Uint8Array;
  /** Data of every NAT_DETECTION_SOURCE_IP notify received (§2.23 allows several). */
  readonly sourceHashes: readonly Uint8Array[];
  /** Data of the NAT_DETECTION_DESTINATION_IP notify (a list, as decoders give; any match counts). */
  readonly destinationHashes: readonly Uint8Array[];
  /** Source address and port of the IP/UDP header the message arrived with. */
  readonly remote: NatEndpoint;
  /** Our address and port the message arrived on (its destination in the IP/UDP header). */
  readonly local: NatEndpoint;
}

export interface NatDetectionResult {
  /** The peer sent both kinds of notify, so it supports NAT traversal (§2.23). */
  readonly supported: boolean;
  /** No destination hash matched: the address the peer sent to is not ours, a NAT is in front of us. */
  readonly localBehindNat: boolean;
  /** No source hash matched: the packet does not come from where the peer says, a NAT is in front of it. */
  readonly remoteBehindNat: boolean;
}

/**
 * RFC 7296 §2.23: "If none of the received NAT_DETECTION_SOURCE_IP payload(s) matches the hash
 * of the source IP and port found from the IP header of the packet containing the payload, it
 * means that the system sending those payloads is behind a NAT"; a NAT_DETECTION_DESTINATION_IP
 * that does not match our destination address and port means we are behind a NAT.
 * A peer that sends only one kind, or none, gives no verdict (as strongSwan, ike_natd.c):
 * `supported` is false and no NAT is reported. Peer data never throws: a hash of the wrong
 * length simply does not match.
 */
export function detectNat(provider: CryptoProvider, received: NatDetectionReceived): NatDetectionResult {
  const { spiI, spiR, sourceHashes, destinationHashes, remote, local } = received;
  if (sourceHashes.length === 0 || destinationHashes.length === 0)
    return { supported: false, localBehindNat: false, remoteBehindNat: false };
  const expectedSource = natDetectionHash(provider, spiI, spiR, remote.address, remote.port);
  const expectedDestination = natDetectionHash(provider, spiI, spiR, local.address, local.port);
  // Compare against every received hash (no early exit) so timing does not depend on which matched.
  const anyMatch = (hashes: readonly Uint8Array[], expected: Uint8Array): boolean =>
    hashes.reduce((found, h) => equalBytes(h, expected) || found, false);
  return {
    supported: true,
    localBehindNat: !anyMatch(destinationHashes, expectedDestination),
    remoteBehindNat: !anyMatch(sourceHashes, expectedSource),
  };
}
