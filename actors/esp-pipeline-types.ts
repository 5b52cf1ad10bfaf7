/**
 * The ESP pipeline's public shapes (esp-pipeline.ts): its options, the raw IP link it may use,
 * and what it hands out (IKE datagrams, delivered packets, packets refused for their size).
 */
import type { Observable } from 'rxjs';
import type { Clock } from '../ipsec/util/clock.js';
import type { Datagram, Transport } from '../transport/types.js';
import type { SadActor } from './sad.js';
import type { SpdActor } from './spd.js';

/** Plain IP packets in and out: BYPASS traffic and ESP without UDP encapsulation. */
export interface RawIpLink {
  readonly packets$: Observable<Uint8Array>;
  send(packet: Uint8Array): void;
}

/** An IKE message for the IKE side; `natT` = it came on the NAT-T port (marker stripped). */
export interface IkeDatagram extends Datagram {
  readonly natT: boolean;
}

/** A packet handed to the application; spi/reqid are absent for BYPASS traffic. */
export interface InboundPacket {
  readonly packet: Uint8Array;
  readonly spi?: number;
  readonly reqid?: number;
}

export interface EspPipelineOptions {
  readonly sad: SadActor;
  readonly spd: SpdActor;
  readonly transport: Transport;
  readonly clock: Clock;
  readonly rawIp?: RawIpLink;
  /** Datagrams to this local port are classified per RFC 3948; default 4500. */
  readonly natTPort?: number;
  readonly acquireQueueLimit?: number;
  readonly acquireTimeoutMs?: number;
  /**
   * The largest outer IP packet ESP may produce (outer IP header, UDP header with
   * encapsulation, ESP); absent = no size check (the transport fragments or refuses).
   */
  readonly pathMtu?: number;
}

/** An inner packet refused for its size, and the ICMP error for its sender (tooBig$). */
export interface TooBig {
  /** The packet that was too big. */
  readonly packet: Uint8Array;
  /** The largest inner packet that fits this SA and path. */
  readonly mtu: number;
  /** ICMP fragmentation needed / ICMPv6 packet too big to the packet's source (from its destination). */
  readonly icmp: Uint8Array;
}
