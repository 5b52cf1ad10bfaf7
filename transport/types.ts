/**
 * The Transport seam: datagrams in as an Observable, datagrams out with send(). Implemented by
 * Node UDP (targets/native), the in-memory network (tests) and the simulated 802.15.4 radio.
 * Payloads are whole UDP payloads: on the NAT-T port they may carry the non-ESP marker,
 * ESP, or a NAT keepalive (RFC 3948); classifying them is the receiver's job.
 */
import type { Observable } from 'rxjs';

export interface Endpoint {
  /** Textual IPv4 or IPv6 address. */
  readonly address: string;
  readonly port: number;
}

export interface Datagram {
  readonly data: Uint8Array;
  /** Our address and port the datagram arrived on. */
  readonly local: Endpoint;
  readonly remote: Endpoint;
}

export interface Transport {
  readonly datagrams$: Observable<Datagram>;
  /** Sends from one of our bound endpoints. Never throws for network errors: they are counted. */
  send(data: Uint8Array, from: Endpoint, to: Endpoint): void;
  close(): void;
}

export const endpointKey = (e: Endpoint): string =>
  e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
