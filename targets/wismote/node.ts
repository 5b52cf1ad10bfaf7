/**
 * One node of the simulated mesh: a radio (which outlives reboots), and, while powered, the same
 * stack the daemon runs (actors/ipsec-host.ts: ESP data plane + IKE supervisor) on a radio
 * transport, with the sensor application (motes) or the readings sink (gateway).
 * A reboot drops every piece of state but the radio's position and the node's accounts.
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
import { GatewaySink, MoteSensor } from './sensor.js';

/** What a node needs of its radio transport beyond the Transport seam. */
export interface MeshTransport extends Transport {
  /**
   * Octets of compressed IPv6 + UDP headers a datagram to `to` costs on its first hop, or the
   * most on any hop (sizes IKE fragments).
   */
  headerOverhead(to: Endpoint, from?: Endpoint, hop?: 'first' | 'any'): number;
}

export interface SimNodeOptions {
  readonly short: number;
  readonly radio: RadioInterface;
  readonly clock: Clock;
  readonly provider: CryptoProvider;
  readonly seed: string;
  readonly config: Config;
  /** A fresh transport over the radio for each boot. */
  readonly transport: (short: number) => MeshTransport;
  readonly intervalMs: number;
  /** Every IKE message this node sends (first transmission or retransmission). */
  readonly onIkeSent?: (node: SimNode, mote: number, data: Uint8Array, retransmission: boolean) => void;
  /**
   * Octets of a datagram that are not IKE, for sizing RFC 7383 fragments: given this boot's
   * transport (absent: the UDP/IP default, which over 6LoWPAN only wastes room).
   */
  readonly ikeDatagramOverhead?: (transport: MeshTransport) => IkeDatagramOverhead;
  /** A Child SA came up on this node. */
  readonly onChildUp?: (node: SimNode) => void;
}

export interface NodeCounters {
  boots: number;
  ikeMessages: number;
  ikeRetransmissions: number;
  childSasInstalled: number;
  ikeSasEstablished: number;
}

/** A small memory of recently sent IKE datagrams, to tell retransmissions (identical octets) apart. */
class SentMemory {
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

export class SimNode {
  readonly address: string;
  readonly counters: NodeCounters = {
    boots: 0,
    ikeMessages: 0,
    ikeRetransmissions: 0,
    childSasInstalled: 0,
    ikeSasEstablished: 0,
  };
  host?: IpsecHost;
  sensor?: MoteSensor;
  sink?: GatewaySink;
  /** Every boot's sensor or sink, for the accounts (a reboot starts new ones). */
  readonly sensors: MoteSensor[] = [];
  readonly sinks: GatewaySink[] = [];
  private transport?: MeshTransport;
  /** When the node last booted and when its first Child SA of that boot came up (ms). */
  bootedAt?: number;
  firstChildAt?: number;
  /** Handshake time of the first Child SA of each boot, ms. */
  readonly handshakes: number[] = [];
  private readonly sent = new SentMemory();

  constructor(private readonly o: SimNodeOptions) {
    this.address = meshAddress(o.short);
  }

  get short(): number {
    return this.o.short;
  }

  get isGateway(): boolean {
    return this.o.short === GATEWAY_SHORT_ADDRESS;
  }

  get up(): boolean {
    return this.host !== undefined;
  }

  /** Powers the node on with no state (a first boot or a reboot). */
  boot(): void {
    if (this.host) return;
    const { clock, provider, config } = this.o;
    this.counters.boots++;
    this.o.radio.setEnabled(true);
    const transport = this.o.transport(this.o.short);
    const random = seededRandom(`${this.o.seed}/node/${this.o.short}/boot/${this.counters.boots}`);
    const wrapSend =
      (send: IkeSend): IkeSend =>
      (data, from, to, natT) => {
        const retransmission = this.sent.check(data);
        this.counters.ikeMessages++;
        if (retransmission) this.counters.ikeRetransmissions++;
        const peer = shortOf(to.address);
        const mote = this.isGateway ? (peer ?? 0) : this.o.short;
        this.o.onIkeSent?.(this, mote, data, retransmission);
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
      if (e.type !== 'child-installed') return;
      this.counters.childSasInstalled++;
      if (this.firstChildAt === undefined && !this.isGateway) {
        this.firstChildAt = clock.now();
        this.handshakes.push(this.firstChildAt - (this.bootedAt ?? 0));
      }
      this.sensor?.flush();
      this.o.onChildUp?.(this);
    });
    if (this.isGateway) {
      this.sink = new GatewaySink({ pipeline: host.esp.pipeline, address: this.address, clock });
      this.sinks.push(this.sink);
    } else {
      this.sensor = new MoteSensor({
        short: this.o.short,
        address: this.address,
        gateway: meshAddress(GATEWAY_SHORT_ADDRESS),
        pipeline: host.esp.pipeline,
        clock,
        random: seededRandom(`${this.o.seed}/sensor/${this.o.short}/boot/${this.counters.boots}`),
        intervalMs: this.o.intervalMs,
        ready: () => host.supervisor.ikeSas.some((h) => h.children.length > 0),
        // Unanswered readings: is the gateway still there? (RFC 7296 §2.4 liveness check)
        onUnanswered: () => {
          for (const h of host.supervisor.ikeSas)
            if (h.state === 'ESTABLISHED') host.supervisor.task(h.uniqueid, { kind: 'dpd' });
        },
      });
      this.sensors.push(this.sensor);
      this.sensor.start();
    }
    host.supervisor.start();
  }

  /** Powers the node off: every SA, queue and timer of this boot is gone. */
  shutdown(): void {
    if (!this.host) return;
    this.sensor?.stop();
    this.sink?.stop();
    this.host.supervisor.close();
    this.host.esp.close();
    this.transport?.close();
    this.o.radio.setEnabled(false);
    this.host = undefined;
    this.transport = undefined;
    this.sensor = undefined;
    this.sink = undefined;
  }

  /** Stops taking readings (the run's end); what is in flight may still complete. */
  stopSampling(): void {
    this.sensor?.stopSampling();
  }
}
