/**
 * The nodes of the simulated mesh. Each has a radio (which outlives reboots) and, while powered,
 * a stack: the gateway runs the daemon's stack (actors/ipsec-host.ts: ESP data plane + IKE
 * supervisor) in this process with the readings sink; a mote runs its firmware
 * (mote-node.ts, mote-entry.ts) in a MoteRuntime. A reboot drops every piece of state but the
 * radio's position and the node's accounts.
 */
import type { IkeDatagramOverhead } from '../../actors/ike-fragments.js';
import { createIpsecHost, type IkeSend, type IpsecHost } from '../../actors/ipsec-host.js';
import type { Config } from '../../ipsec/config/model.js';
import { seededRandom } from '../../ipsec/crypto/random.js';
import type { CryptoProvider } from '../../ipsec/crypto/types.js';
import { toHex } from '../../ipsec/util/bytes.js';
import type { Clock } from '../../ipsec/util/clock.js';
import type { RadioInterface } from '../../transport/radio/types.js';
import type { Endpoint, Transport } from '../../transport/types.js';
import { shortOf } from './classify.js';
import { GATEWAY_SHORT_ADDRESS, meshAddress } from './profile.js';
import { GatewaySink } from './sensor.js';

/** What a node needs of its radio transport beyond the Transport seam. */
export interface MeshTransport extends Transport {
  /**
   * Octets of compressed IPv6 + UDP headers a datagram to `to` costs on its first hop, or the
   * most on any hop (sizes IKE fragments).
   */
  headerOverhead(to: Endpoint, from?: Endpoint, hop?: 'first' | 'any'): number;
}

/** Every IKE message a node sends (first transmission or retransmission), for the accounts. */
export type IkeSentHook = (node: MeshNode, mote: number, data: Uint8Array, retransmission: boolean) => void;

export interface NodeCounters {
  boots: number;
  ikeMessages: number;
  ikeRetransmissions: number;
  childSasInstalled: number;
  ikeSasEstablished: number;
}

/** What the simulator knows of every node, gateway or mote. */
export interface MeshNode {
  readonly short: number;
  readonly address: string;
  readonly isGateway: boolean;
  readonly counters: NodeCounters;
  readonly up: boolean;
  /** When the first Child SA of the current boot came up (ms), if it did. */
  readonly firstChildAt?: number;
  /** Handshake time of the first Child SA of each boot, ms. */
  readonly handshakes: readonly number[];
  boot(): void;
  shutdown(): void;
  stopSampling(): void;
}

/** A small memory of recently sent IKE datagrams, to tell retransmissions (identical octets) apart. */
export class SentMemory {
  private readonly seen = new Set<string>();
  private readonly order: string[] = [];
  constructor(private readonly limit = 64) {}
  /** True when these octets were sent before. */
  check(data: Uint8Array): boolean {
    const key = toHex(data); // a retransmission is the same octets (RFC 7296 §2.1)
    if (this.seen.has(key)) return true;
    this.seen.add(key);
    this.order.push(key);
    if (this.order.length > this.limit) this.seen.delete(this.order.shift()!);
    return false;
  }
}

/** The counters every node keeps and how an IKE message it sends is counted. */
export abstract class CountingNode implements MeshNode {
  readonly address: string;
  readonly counters: NodeCounters = {
    boots: 0,
    ikeMessages: 0,
    ikeRetransmissions: 0,
    childSasInstalled: 0,
    ikeSasEstablished: 0,
  };
  readonly handshakes: number[] = [];
  bootedAt?: number;
  firstChildAt?: number;
  private readonly sent = new SentMemory();

  constructor(
    readonly short: number,
    private readonly onIkeSent?: IkeSentHook,
  ) {
    this.address = meshAddress(short);
  }

  get isGateway(): boolean {
    return this.short === GATEWAY_SHORT_ADDRESS;
  }

  abstract get up(): boolean;
  abstract boot(): void;
  abstract shutdown(): void;
  abstract stopSampling(): void;

  /** Counts an IKE message this node sends to `to`; true for a retransmission. */
  protected countIkeSent(data: Uint8Array, to: string): boolean {
    const retransmission = this.sent.check(data);
    this.counters.ikeMessages++;
    if (retransmission) this.counters.ikeRetransmissions++;
    const mote = this.isGateway ? (shortOf(to) ?? 0) : this.short;
    this.onIkeSent?.(this, mote, data, retransmission);
    return retransmission;
  }

  /** A Child SA came up at `now`: the first of a mote's boot ends its handshake. */
  protected countChildUp(now: number): void {
    this.counters.childSasInstalled++;
    if (this.firstChildAt === undefined && !this.isGateway) {
      this.firstChildAt = now;
      this.handshakes.push(now - (this.bootedAt ?? 0));
    }
  }
}

export interface GatewayNodeOptions {
  readonly radio: RadioInterface;
  readonly clock: Clock;
  readonly provider: CryptoProvider;
  readonly seed: string;
  readonly config: Config;
  /** A fresh transport over the radio for each boot. */
  readonly transport: (short: number) => MeshTransport;
  readonly onIkeSent?: IkeSentHook;
  /**
   * Octets of a datagram that are not IKE, for sizing RFC 7383 fragments: given this boot's
   * transport (absent: the UDP/IP default, which over 6LoWPAN only wastes room).
   */
  readonly ikeDatagramOverhead?: (transport: MeshTransport) => IkeDatagramOverhead;
}

/** The gateway: the daemon's stack and the readings sink, in this process. */
export class GatewayNode extends CountingNode {
  host?: IpsecHost;
  sink?: GatewaySink;
  /** Every boot's sink, for the accounts (a restart starts a new one). */
  readonly sinks: GatewaySink[] = [];
  private transport?: MeshTransport;

  constructor(private readonly o: GatewayNodeOptions) {
    super(GATEWAY_SHORT_ADDRESS, o.onIkeSent);
  }

  override get up(): boolean {
    return this.host !== undefined;
  }

  /** Powers the node on with no state (a first boot or a restart). */
  override boot(): void {
    if (this.host) return;
    const { clock, provider, config } = this.o;
    this.counters.boots++;
    this.o.radio.setEnabled(true);
    const transport = this.o.transport(this.short);
    const random = seededRandom(`${this.o.seed}/node/${this.short}/boot/${this.counters.boots}`);
    const wrapSend =
      (send: IkeSend): IkeSend =>
      (data, from, to, natT) => {
        this.countIkeSent(data, to.address);
        send(data, from, to, natT);
      };
    const host = createIpsecHost({
      config,
      provider,
      random,
      clock,
      transport,
      wrapSend,
      ...(this.o.ikeDatagramOverhead ? { ikeDatagramOverhead: this.o.ikeDatagramOverhead(transport) } : {}),
    });
    this.transport = transport;
    this.host = host;
    this.bootedAt = clock.now();
    this.firstChildAt = undefined;
    host.supervisor.on((e) => {
      if (e.type === 'ike-established') this.counters.ikeSasEstablished++;
      if (e.type === 'child-installed') this.countChildUp(clock.now());
    });
    this.sink = new GatewaySink({ pipeline: host.esp.pipeline, address: this.address, clock });
    this.sinks.push(this.sink);
    host.supervisor.start();
  }

  /** Powers the node off: every SA, queue and timer of this boot is gone. */
  override shutdown(): void {
    if (!this.host) return;
    this.sink?.stop();
    this.host.supervisor.close();
    this.host.esp.close();
    this.transport?.close();
    this.o.radio.setEnabled(false);
    this.host = undefined;
    this.transport = undefined;
    this.sink = undefined;
  }

  override stopSampling(): void {}
}
