/**
 * The front door of the IKE side: the table of IKE SAs by our SPI and the routing of every
 * inbound IKE datagram; IKE_SA_INIT requests go to the responder's door (ike-init-responder.ts:
 * the half-open table, DoS protection with stateless cookies). The supervisor (supervisor.ts)
 * spawns, wires and destroys the IKE SA actors; this file only finds them.
 *
 * Inbound IKE datagram, in order:
 *   1. non-ESP marker on a port pair without 500: stripped (RFC 3948 §2.2)
 *   2. decode (header + outer chain); malformed -> counted drop (never answered: no SA to protect it)
 *   3. IKE_SA_INIT request (SPIr = 0) -> ike-init-responder.ts
 *   4. anything else -> our SPI (SPIi if we initiated, SPIr if we responded) -> that actor; on the
 *      NAT-T port the SA follows the peer's address and port (§2.23)
 */
import { ExchangeType } from '../ipsec/ike/wire/constants.js';
import { type IkeHeader, isInitiator, isResponse } from '../ipsec/ike/wire/header.js';
import { decodeMessage } from '../ipsec/ike/wire/message.js';
import { sameEndpoint } from '../ipsec/policy/sad.js';
import { toHex } from '../ipsec/util/bytes.js';
import type { DosGuard } from './dos-guard.js';
import { InitResponder, type InitResponderOptions } from './ike-init-responder.js';
import type { CountedHeader } from './ike-message-counters.js';
import type { IkeDatagramIn, IkeSaHandle } from './supervisor-types.js';

export type { ResponderStart } from './ike-init-responder.js';

/** RFC 7296 §2: IKE's well-known port. */
export const IKE_PORT = 500;
const ZERO8 = '0000000000000000';

const hasNonEspMarker = (b: Uint8Array) =>
  b.length >= 4 && b[0] === 0 && b[1] === 0 && b[2] === 0 && b[3] === 0;

export interface IkeRouterOptions extends InitResponderOptions {
  /** A datagram goes to IKE SA `h` (the supervisor counts IKE messages by exchange). */
  readonly routed?: (h: IkeSaHandle, header: CountedHeader) => void;
}

export class IkeRouter {
  private readonly bySpi = new Map<string, IkeSaHandle>();
  private handleList: IkeSaHandle[] | undefined;
  private readonly init: InitResponder;

  constructor(private readonly o: IkeRouterOptions) {
    this.init = new InitResponder(
      o,
      (h, header) => this.routed(h, header),
      () => this.newSpi(),
    );
  }

  /** DoS accounting of half-open responders (ike-init-responder.ts). */
  get dos(): DosGuard {
    return this.init.dos;
  }

  /**
   * Every IKE SA we route to, in spawn order; built again on the first read after SAs came or
   * went, so that add and remove cost O(1). Only listings read it: per-SA operations use the
   * supervisor's indexes (supervisor-index.ts).
   */
  get handles(): readonly IkeSaHandle[] {
    this.handleList ??= [...new Set(this.bySpi.values())];
    return this.handleList;
  }

  add(h: IkeSaHandle): void {
    this.bySpi.set(h.ourSpi, h);
    this.handleList = undefined;
  }

  remove(h: IkeSaHandle): void {
    if (this.bySpi.get(h.ourSpi) !== h) return;
    this.bySpi.delete(h.ourSpi);
    this.handleList = undefined;
  }

  /** §2.1: once its SA is gone, a late IKE_SA_INIT retransmission no longer finds a responder. */
  forgetInit(initKey: string, h: IkeSaHandle): void {
    this.init.forget(initKey, h);
  }

  /** A fresh, non-zero IKE SPI of ours that no IKE SA uses. */
  newSpi(): Uint8Array {
    for (;;) {
      const spi = this.o.random(8);
      const hex = toHex(spi);
      if (hex !== ZERO8 && !this.bySpi.has(hex)) return spi;
    }
  }

  receive(datagram: IkeDatagramIn): void {
    let d = datagram;
    this.o.counters.datagrams++;
    // Neither port is 500: the non-ESP marker precedes every IKE message, IKE_SA_INIT included,
    // as strongSwan sends it (RFC 3948 §2.2 applies to any port pair carrying ESP-in-UDP too).
    if (!d.natT && d.local.port !== IKE_PORT && d.remote.port !== IKE_PORT && hasNonEspMarker(d.data)) {
      d = { ...d, data: d.data.subarray(4), natT: true };
    }
    const decoded = decodeMessage(d.data);
    if (!decoded.ok) {
      this.o.counters.malformed++;
      this.o.logger?.debug({ remote: d.remote, error: decoded.error }, 'malformed IKE message dropped');
      return;
    }
    const h = decoded.value.header;
    const spiR = toHex(h.spiR);
    if (h.exchangeType === ExchangeType.IKE_SA_INIT && !isResponse(h) && spiR === ZERO8) {
      this.init.receive(d, decoded.value);
      return;
    }
    // The I flag tells who created the IKE SA: our SPI is SPIr if the peer did, else SPIi.
    const ours = isInitiator(h) ? spiR : toHex(h.spiI);
    const handle = this.bySpi.get(ours);
    if (!handle) {
      this.o.counters.unknownSpi++; // §2.21.4: INVALID_IKE_SPI notifies are optional; we stay silent
      return;
    }
    // §2.23: the initiator moved to the NAT-T port (or its NAT mapping changed). The IKE SA
    // follows once the message passes its integrity check (the machine's peerMoved action).
    const moved = d.natT && (!handle.natT || !sameEndpoint(d.remote, handle.remote));
    this.routed(handle, h);
    handle.actor.send({
      type: 'MESSAGE',
      decoded: decoded.value,
      raw: d.data,
      ...(moved ? { from: { local: d.local, remote: d.remote, natT: true } } : {}),
    });
  }

  private routed(handle: IkeSaHandle, h: IkeHeader): void {
    this.o.routed?.(handle, {
      exchangeType: h.exchangeType,
      response: isResponse(h),
      messageId: h.messageId,
    });
  }

  close(): void {
    this.init.close();
  }
}
