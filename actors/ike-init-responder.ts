/**
 * The responder's door (RFC 7296 §1.2, §2.1, §2.6): every IKE_SA_INIT request (SPIr = 0) the
 * router (ike-router.ts) receives, in order:
 *   1. the half-open table by (SPIi, peer address, peer port): a retransmission goes to the same
 *      responder, which answers from its response cache (§2.1)
 *   2. the DoS check (dos-guard.ts): drop | COOKIE (stateless, §2.6) | accept
 *   3. a connection whose local and remote addresses match, else dropped and logged
 *   4. a new responder (the supervisor spawns it), half-open until IKE_AUTH is done
 * A minimal firmware (RFC 7815's initiator) links targets/wismote/no-init-responder.ts instead.
 */
import type { ConnectionConfig } from '../ipsec/config/model.js';
import { CookieJar } from '../ipsec/ike/cookie.js';
import { encodeFor, findNotify, findPayload, notify } from '../ipsec/ike/exchange/messages.js';
import type { IkeDeps, IkeSession } from '../ipsec/ike/exchange/session.js';
import { ProtocolId } from '../ipsec/ike/model.js';
import { configuredProposals } from '../ipsec/ike/proposal/configured.js';
import { ExchangeType, PayloadType } from '../ipsec/ike/wire/constants.js';
import type { IkeHeader } from '../ipsec/ike/wire/header.js';
import type { DecodedMessage } from '../ipsec/ike/wire/message.js';
import { NotifyStatus } from '../ipsec/ike/wire/notify-types.js';
import { parseIp } from '../ipsec/packet/address.js';
import { toHex } from '../ipsec/util/bytes.js';
import { addressMatches } from './address-match.js';
import { DosGuard, dosThresholds } from './dos-guard.js';
import type {
  IkeDatagramIn,
  IkeSaHandle,
  SupervisorCounters,
  SupervisorOptions,
} from './supervisor-types.js';

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

export interface InitResponderOptions
  extends Pick<SupervisorOptions, 'config' | 'provider' | 'random' | 'clock' | 'send' | 'logger'> {
  readonly counters: SupervisorCounters;
  /** Seconds between cookie secret rotations (RFC 7296 §2.6). */
  readonly cookieRotation: number;
  readonly deps: () => IkeDeps;
  /** Spawns (and registers with the router) the responder for an admitted IKE_SA_INIT. */
  readonly spawnResponder: (start: ResponderStart) => IkeSaHandle;
}

export class InitResponder {
  readonly dos: DosGuard;
  /** Responders before IKE_AUTH, by SPIi and peer: retransmitted IKE_SA_INITs find them (§2.1). */
  private readonly byInit = new Map<string, IkeSaHandle>();
  /** Made on first need: a node never asked for or to give a cookie holds no secret. */
  private cookieJar: CookieJar | undefined;
  private rotationTimer: unknown;

  /** `routed`: a datagram goes to IKE SA `h`; `newSpi`: a fresh SPI of ours no IKE SA uses. */
  constructor(
    private readonly o: InitResponderOptions,
    private readonly routed: (h: IkeSaHandle, header: IkeHeader) => void,
    private readonly newSpi: () => Uint8Array,
  ) {
    this.dos = new DosGuard(dosThresholds(o.config.daemon));
    this.scheduleRotation();
  }

  /**
   * The cookie secrets (§2.6), drawn from the random source when first needed rather than at
   * start: an initiator-only node (a mote) draws nothing for them, so a firmware without this
   * door (targets/wismote/no-responder.ts) consumes the same random stream as one with it.
   */
  private get cookies(): CookieJar {
    this.cookieJar ??= new CookieJar(this.o.provider, this.o.random);
    return this.cookieJar;
  }

  private scheduleRotation(): void {
    this.rotationTimer = this.o.clock.setTimeout(() => {
      this.cookieJar?.rotate();
      this.scheduleRotation();
    }, 1000 * this.o.cookieRotation);
  }

  /** §2.1: once its SA is gone, a late IKE_SA_INIT retransmission no longer finds a responder. */
  forget(initKey: string, h: IkeSaHandle): void {
    if (this.byInit.get(initKey) === h) this.byInit.delete(initKey);
  }

  /** An IKE_SA_INIT request (steps 1-4 above). */
  receive(d: IkeDatagramIn, decoded: DecodedMessage): void {
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
