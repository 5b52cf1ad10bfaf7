/**
 * The front door of the IKE side: the table of IKE SAs by our SPI, the half-open table of
 * responders by (SPIi, peer), DoS protection with stateless cookies, and the routing of every
 * inbound IKE datagram. The supervisor (supervisor.ts) spawns, wires and destroys the IKE SA
 * actors; this file only finds them.
 *
 * Inbound IKE datagram, in order:
 *   1. non-ESP marker on a port pair without 500: stripped (RFC 3948 §2.2)
 *   2. decode (header + outer chain); malformed -> counted drop (never answered: no SA to protect it)
 *   3. IKE_SA_INIT request (SPIr = 0) -> half-open table by (SPIi, peer) -> retransmission to the
 *      same responder, or a new one after the DoS check (drop | COOKIE | accept, RFC 7296 §2.6)
 *      and a connection whose addresses match
 *   4. anything else -> our SPI (SPIi if we initiated, SPIr if we responded) -> that actor; on the
 *      NAT-T port the SA follows the peer's address and port (§2.23)
 */
import type { ConnectionConfig } from '../ipsec/config/model.js';
import { CookieJar } from '../ipsec/ike/cookie.js';
import { encodeFor, findNotify, findPayload, notify } from '../ipsec/ike/exchange/messages.js';
import type { IkeDeps, IkeSession } from '../ipsec/ike/exchange/session.js';
import { ProtocolId } from '../ipsec/ike/model.js';
import { configuredProposals } from '../ipsec/ike/proposal/configured.js';
import { parseIp } from '../ipsec/ike/ts/text.js';
import { ExchangeType, PayloadType } from '../ipsec/ike/wire/constants.js';
import { type IkeHeader, isInitiator, isResponse } from '../ipsec/ike/wire/header.js';
import { type DecodedMessage, decodeMessage } from '../ipsec/ike/wire/message.js';
import { NotifyStatus } from '../ipsec/ike/wire/notify-types.js';
import { sameEndpoint } from '../ipsec/policy/sad.js';
import { toHex } from '../ipsec/util/bytes.js';
import { addressMatches } from './address-match.js';
import { DosGuard } from './dos-guard.js';
import type { CountedHeader } from './ike-message-counters.js';
import type {
  IkeDatagramIn,
  IkeSaHandle,
  SupervisorCounters,
  SupervisorOptions,
} from './supervisor-types.js';

/** RFC 7296 §2: IKE's well-known port. */
export const IKE_PORT = 500;
const ZERO8 = '0000000000000000';

const hasNonEspMarker = (b: Uint8Array) =>
  b.length >= 4 && b[0] === 0 && b[1] === 0 && b[2] === 0 && b[3] === 0;

/** What a responder for an admitted IKE_SA_INIT starts from. */
export interface ResponderStart {
  readonly config: ConnectionConfig;
  readonly session: IkeSession;
  readonly datagram: IkeDatagramIn;
  /** Every connection the addresses matched (IKE_AUTH may switch to another by identity). */
  readonly candidates: readonly ConnectionConfig[];
  readonly initMessage: { readonly decoded: DecodedMessage; readonly raw: Uint8Array };
  /** The half-open table key: (SPIi, peer address, peer port). */
  readonly initKey: string;
}

export interface IkeRouterOptions
  extends Pick<SupervisorOptions, 'config' | 'provider' | 'random' | 'clock' | 'send' | 'logger'> {
  readonly counters: SupervisorCounters;
  /** Seconds between cookie secret rotations (RFC 7296 §2.6). */
  readonly cookieRotation: number;
  readonly deps: () => IkeDeps;
  /** A datagram goes to IKE SA `h` (the supervisor counts IKE messages by exchange). */
  readonly routed?: (h: IkeSaHandle, header: CountedHeader) => void;
  /** Spawns (and registers with add()) the responder for an admitted IKE_SA_INIT. */
  readonly spawnResponder: (start: ResponderStart) => IkeSaHandle;
}

export class IkeRouter {
  readonly dos: DosGuard;
  private readonly bySpi = new Map<string, IkeSaHandle>();
  private handleList: IkeSaHandle[] | undefined;
  /** Responders before IKE_AUTH, by SPIi and peer: retransmitted IKE_SA_INITs find them (§2.1). */
  private readonly byInit = new Map<string, IkeSaHandle>();
  private readonly cookies: CookieJar;
  private rotationTimer: unknown;

  constructor(private readonly o: IkeRouterOptions) {
    const d = o.config.daemon;
    this.dos = new DosGuard({
      cookie_threshold: d.cookie_threshold,
      cookie_threshold_ip: d.cookie_threshold_ip,
      block_threshold: d.block_threshold,
      half_open_limit: d.init_limit_half_open,
    });
    this.cookies = new CookieJar(o.provider, o.random);
    this.scheduleRotation();
  }

  private scheduleRotation(): void {
    this.rotationTimer = this.o.clock.setTimeout(() => {
      this.cookies.rotate();
      this.scheduleRotation();
    }, 1000 * this.o.cookieRotation);
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
    if (this.byInit.get(initKey) === h) this.byInit.delete(initKey);
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
      this.receiveInitRequest(d, decoded.value);
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

  private receiveInitRequest(d: IkeDatagramIn, decoded: DecodedMessage): void {
    const initKey = `${toHex(decoded.header.spiI)}|${d.remote.address}|${d.remote.port}`;
    const existing = this.byInit.get(initKey);
    if (existing) {
      this.routed(existing, decoded.header);
      existing.actor.send({ type: 'MESSAGE', decoded, raw: d.data }); // answered from the response cache
      return;
    }
    const ip = d.remote.address;
    const ni = findPayload(decoded.payloads, PayloadType.NONCE);
    const cookie = findNotify(decoded.payloads, NotifyStatus.COOKIE);
    const ipBytes = parseIp(ip) ?? new Uint8Array(0);
    const inputs = { ni: ni?.data ?? new Uint8Array(0), ipi: ipBytes, spii: decoded.header.spiI };
    const decision = this.dos.admit(ip, cookie !== undefined && this.cookies.verify(cookie.data, inputs));
    if (decision === 'drop') {
      this.o.counters.dosDropped++;
      return;
    }
    if (decision === 'require-cookie') {
      // §2.6: HDR(A,0), N(COOKIE): stateless, no SA is created.
      this.o.counters.cookiesSent++;
      const session = { role: 'responder', spiI: decoded.header.spiI, spiR: new Uint8Array(8) } as IkeSession;
      const bytes = encodeFor(session, this.o.deps(), {
        exchangeType: ExchangeType.IKE_SA_INIT,
        messageId: 0,
        response: true,
        payloads: [notify(NotifyStatus.COOKIE, this.cookies.issue(inputs))],
      });
      this.o.send(bytes, d.local, d.remote, d.natT ?? false);
      return;
    }
    const candidates = this.o.config.connections.filter(
      (c) =>
        addressMatches(c.local_addrs, d.local.address) && addressMatches(c.remote_addrs, d.remote.address),
    );
    const config = candidates[0];
    if (!config) {
      this.o.logger?.info({ remote: d.remote }, 'no connection for IKE_SA_INIT from this peer');
      return;
    }
    const proposals = configuredProposals(config.proposals, ProtocolId.IKE);
    if (!proposals.ok) return;
    const session: IkeSession = {
      role: 'responder',
      config,
      proposals: proposals.value,
      local: d.local,
      remote: d.remote,
      spiI: decoded.header.spiI,
      spiR: this.newSpi(),
      initAttempts: 0,
    };
    const handle = this.o.spawnResponder({
      config,
      session,
      datagram: d,
      candidates,
      initMessage: { decoded, raw: d.data },
      initKey,
    });
    this.routed(handle, decoded.header);
    if (handle.state === 'CONNECTING') {
      this.byInit.set(initKey, handle);
      this.dos.opened(ip);
    }
  }

  close(): void {
    this.o.clock.clearTimeout(this.rotationTimer);
  }
}
