/**
 * The simulated IEEE 802.15.4 medium (2450 MHz O-QPSK, 250 kbit/s) on virtual time: every
 * node's MAC over one shared channel (channel.ts: airtime, who hears whom, collisions).
 *
 * A data request goes through, in order:
 *   queue (one frame per node at a time, FIFO) -> inter-frame spacing after the previous frame
 *   -> unslotted CSMA-CA: random backoff, CCA, RX-to-TX turnaround -> data frame on the air
 *   -> at its end, each node in range receives it unless another frame it hears overlapped it
 *      (collision), it was transmitting itself (half duplex), or the link's loss draw drops it
 *   -> receiver MAC: FCS check, duplicate filter by (source, sequence number), ACK after
 *      aTurnaroundTime for unicast -> upper layer (after the link's extra delay)
 *   -> sender: macAckWaitDuration for the ACK, else a retry through CSMA-CA again, up to
 *      macMaxFrameRetries, then NO_ACK.
 *
 * Modelling choices (deviations from a real CC2520 are deliberate simplifications):
 * - The channel at a node is busy while any node it hears transmits; a CCA is "busy" if any
 *   heard transmission overlapped its 8 symbols, or the node itself was transmitting or
 *   about to send an ACK. No capture effect: any overlap destroys both frames at that receiver.
 * - Every node listens whenever it is not transmitting (an always-on receiver, as Contiki's
 *   nullrdc); radioOnMs counts an ideal duty-cycled radio instead: CCAs, turnarounds, own
 *   transmissions, ACK waits and receptions of frames addressed to the node.
 * - ACKs are sent without CSMA-CA (§7.5.6.4.2) even for a duplicate, and can collide too.
 * - Timers: each node has at most one MAC timer and one ACK timer pending, each transmission
 *   one end timer; link delays add one timer per delayed frame.
 */
import type { RandomBytes } from '../../ipsec/crypto/types.js';
import type { Clock, TimerHandle } from '../../ipsec/util/clock.js';
import { Channel, type Transceiver, type Transmission } from './channel.js';
import * as C from './constants.js';
import { ACK_MPDU_OCTETS, decodeFrame, encodeAckFrame, encodeDataFrame, MAX_MAC_PAYLOAD } from './frame.js';
import { DEFAULT_MEDIUM_OPTIONS, type MediumOptions, newStats } from './medium-options.js';
import { type LinkQuality, type LinkTable, type Position, Topology } from './topology.js';
import {
  type AirEvent,
  BROADCAST_ADDRESS,
  type RadioInterface,
  type RadioNodeStats,
  type ReceivedFrame,
  type ShortAddress,
  type TxStatus,
} from './types.js';

export { DEFAULT_MEDIUM_OPTIONS, type MediumOptions } from './medium-options.js';

export interface MediumInit {
  readonly clock: Clock;
  readonly random: RandomBytes;
  readonly options?: Partial<MediumOptions>;
  /** Who hears whom; default: a range-based Topology built from the positions given to attach(). */
  readonly links?: LinkTable;
}

interface Request {
  readonly dst: ShortAddress;
  readonly payload: Uint8Array;
  readonly done: ((status: TxStatus) => void) | undefined;
  readonly tag: string | undefined;
}

type MacState = 'idle' | 'backoff' | 'cca' | 'turnaround' | 'tx' | 'ackwait';

class Node implements Transceiver {
  readonly stats = newStats();
  enabled = true;
  /** Counts reboots: timers and frames of an earlier life are ignored. */
  epoch = 0;
  /** macDSN (§7.2.1.2): the next data frame's sequence number. */
  dsn = 0;
  readonly queue: Request[] = [];
  current: Request | undefined;
  currentSeq = 0;
  currentMpdu: Uint8Array | undefined;
  state: MacState = 'idle';
  nb = 0; // NB (§7.5.1.4)
  be = 0; // BE (§7.5.1.4)
  retry = 0; // retransmissions of the current frame so far
  timer: TimerHandle | undefined;
  ackTimer: TimerHandle | undefined;
  phaseStart = 0;
  /** No CSMA before this time: the inter-frame spacing after the last frame (§7.5.1.3). */
  ifsUntil = 0;
  /** Duplicate filter: the last sequence number seen per source (Contiki's mac-sequence). */
  readonly lastSeq = new Map<ShortAddress, number>();
  handler: ((frame: ReceivedFrame) => void) | undefined;
  // Transceiver (channel.ts)
  readonly hearing = new Set<Transmission>();
  lastHeardEnd = Number.NEGATIVE_INFINITY;
  deafSince: number | undefined;
  lastDeafEnd = Number.NEGATIVE_INFINITY;
  onAir: Transmission | undefined;

  constructor(readonly address: ShortAddress) {}
}

type Tx = Transmission<Node>;

export class Medium {
  readonly options: MediumOptions;
  private readonly clock: Clock;
  private readonly random: RandomBytes;
  private readonly channel: Channel<Node>;
  private readonly ownTopology: Topology | undefined;
  private readonly nodes = new Map<ShortAddress, Node>();
  private readonly symbolMs: number;

  constructor(init: MediumInit) {
    this.clock = init.clock;
    this.random = init.random;
    this.options = { ...DEFAULT_MEDIUM_OPTIONS, ...init.options };
    let links = init.links;
    if (!links) links = this.ownTopology = new Topology({ rangeM: this.options.rangeM });
    this.symbolMs = this.options.symbolUs / 1000;
    this.channel = new Channel<Node>(
      this.clock,
      links,
      {
        octetMs: this.symbolMs * this.options.phySymbolsPerOctet,
        keepLog: this.options.keepLog,
        defaultLink: this.options.defaultLink,
      },
      (tx) => this.ended(tx),
    );
  }

  /** Every frame put on the air, in order of start, when options.keepLog is set. */
  get log(): readonly AirEvent[] {
    return this.channel.log;
  }

  /** Called as each frame goes on the air (with its planned end). */
  set onAir(hook: ((event: AirEvent) => void) | undefined) {
    this.channel.onAir = hook;
  }

  get onAir(): ((event: AirEvent) => void) | undefined {
    return this.channel.onAir;
  }

  /** Airtime in ms of a PPDU of `octets` octets (SHR + PHR + MPDU). */
  airtimeMs(ppduOctets: number): number {
    return this.channel.airtimeMs(ppduOctets);
  }

  /**
   * Attaches a node. `position` places it in the medium's own range-based topology (default
   * (0, 0): everyone hears everyone); with an external `links` table it is ignored.
   */
  attach(address: ShortAddress, position?: Position): RadioInterface {
    if (!Number.isInteger(address) || address < 0 || address >= BROADCAST_ADDRESS)
      throw new RangeError(`${address} is not a unicast short address`);
    if (this.nodes.has(address)) throw new Error(`address ${address} already attached`);
    this.ownTopology?.addNode(address, position ?? { x: 0, y: 0 });
    const node = new Node(address);
    node.dsn = this.randomInt(256); // macDSN starts random (§7.4.2 Table 86)
    this.nodes.set(address, node);
    this.channel.add(node);
    return {
      address,
      maxPayload: MAX_MAC_PAYLOAD,
      stats: node.stats,
      send: (dst, payload, done, tag) => this.send(node, dst, payload, done, tag),
      onReceive: (handler) => {
        node.handler = handler;
      },
      setEnabled: (on) => this.setEnabled(node, on),
    };
  }

  /** Stats of an attached node. */
  stats(address: ShortAddress): RadioNodeStats | undefined {
    return this.nodes.get(address)?.stats;
  }

  private uniform(): number {
    const b = this.random(4);
    return (((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0) / 2 ** 32;
  }

  private randomInt(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  private chance(p: number | undefined): boolean {
    return p !== undefined && p > 0 && (p >= 1 || this.uniform() < p);
  }

  private send(
    node: Node,
    dst: ShortAddress,
    payload: Uint8Array,
    done: ((status: TxStatus) => void) | undefined,
    tag: string | undefined,
  ): void {
    if (payload.length > MAX_MAC_PAYLOAD)
      throw new RangeError(`MAC payload of ${payload.length} octets exceeds ${MAX_MAC_PAYLOAD}`);
    if (!Number.isInteger(dst) || dst < 0 || dst > 0xffff)
      throw new RangeError(`${dst} is not a short address`);
    if (!node.enabled) {
      // The radio is off (PD-DATA.confirm TRX_OFF, §6.2.1.2); reported asynchronously like any outcome.
      if (done) this.clock.setTimeout(() => done('TRX_OFF'), 0);
      return;
    }
    node.queue.push({ dst, payload: payload.slice(), done, tag });
    if (node.state === 'idle' && !node.current) this.startNext(node);
  }

  private setEnabled(node: Node, on: boolean): void {
    if (on === node.enabled) return;
    node.enabled = on;
    if (on) {
      node.dsn = this.randomInt(256); // a reboot draws a fresh macDSN
      return;
    }
    // Off: the MAC forgets everything; a frame already on the air finishes (its end timer runs).
    node.epoch++;
    if (node.timer !== undefined) this.clock.clearTimeout(node.timer);
    if (node.ackTimer !== undefined) this.clock.clearTimeout(node.ackTimer);
    node.timer = node.ackTimer = undefined;
    if (node.state === 'ackwait') node.stats.radioOnMs += this.clock.now() - node.phaseStart;
    this.channel.abortTurnaround(node); // a turnaround (data or ACK) that never became a transmission
    node.state = 'idle';
    node.lastSeq.clear();
    const dropped = node.current ? [node.current, ...node.queue] : [...node.queue];
    node.current = node.currentMpdu = undefined;
    node.queue.length = 0;
    for (const r of dropped) r.done?.('TRX_OFF');
  }

  private setTimer(node: Node, ms: number, fn: () => void): void {
    node.timer = this.clock.setTimeout(() => {
      node.timer = undefined;
      fn();
    }, ms);
  }

  // ---- sender: queue, CSMA-CA, transmission, ACK wait ----

  private startNext(node: Node): void {
    const req = node.queue.shift();
    if (!req) return;
    node.current = req;
    node.currentSeq = node.dsn;
    node.dsn = (node.dsn + 1) & 0xff; // §7.2.1.2: macDSN increments per data frame
    node.currentMpdu = encodeDataFrame({
      sequenceNumber: node.currentSeq,
      panId: this.options.panId,
      dst: req.dst,
      src: node.address,
      payload: req.payload,
    });
    node.retry = 0;
    this.startCsma(node, Math.max(0, node.ifsUntil - this.clock.now()));
  }

  /** Unslotted CSMA-CA (§7.5.1.4): NB = 0, BE = macMinBE. */
  private startCsma(node: Node, delayMs: number): void {
    node.nb = 0;
    node.be = this.options.macMinBE;
    this.backoff(node, delayMs);
  }

  /** Delay for a random number of unit backoff periods in 0 .. 2^BE - 1 (§7.5.1.4 step 2). */
  private backoff(node: Node, extraMs: number): void {
    node.state = 'backoff';
    const periods = this.randomInt(2 ** node.be);
    this.setTimer(node, extraMs + periods * this.options.aUnitBackoffPeriod * this.symbolMs, () =>
      this.cca(node),
    );
  }

  /** Perform CCA (§7.5.1.4 step 3) over ccaDuration symbols (§6.9.9). */
  private cca(node: Node): void {
    node.state = 'cca';
    node.phaseStart = this.clock.now();
    const ms = this.options.ccaDuration * this.symbolMs;
    node.stats.radioOnMs += ms;
    this.setTimer(node, ms, () => this.ccaDone(node));
  }

  private ccaDone(node: Node): void {
    if (this.channel.busySince(node, node.phaseStart)) {
      node.nb++; // §7.5.1.4 step 4: NB = NB + 1, BE = min(BE + 1, macMaxBE)
      node.be = Math.min(node.be + 1, this.options.macMaxBE);
      if (node.nb > this.options.macMaxCSMABackoffs) {
        node.stats.channelAccessFailures++;
        this.finish(node, 'CHANNEL_ACCESS_FAILURE');
      } else this.backoff(node, 0);
      return;
    }
    // Idle (§7.5.1.4 step 5): the radio turns from RX to TX in aTurnaroundTime (§6.4.1), deaf meanwhile.
    node.state = 'turnaround';
    this.channel.beginTurnaround(node);
    const ms = this.options.aTurnaroundTime * this.symbolMs;
    node.stats.radioOnMs += ms;
    this.setTimer(node, ms, () => this.transmitData(node));
  }

  private transmitData(node: Node): void {
    const req = node.current!;
    const mpdu = node.currentMpdu!;
    node.state = 'tx';
    if (node.retry > 0) node.stats.retries++;
    const tx = this.channel.transmit(node, 'data', req.dst, mpdu, req.tag, node.epoch);
    node.stats.framesSent++;
    node.stats.bytesSent += C.ppduOctets(mpdu.length);
    node.stats.radioOnMs += tx.durationMs;
  }

  /** The sender's side once its data frame has left the air. */
  private dataSent(node: Node): void {
    const req = node.current!;
    if (req.dst === BROADCAST_ADDRESS) {
      this.finish(node, 'SUCCESS');
      return;
    }
    node.state = 'ackwait'; // §7.5.6.4.3: wait macAckWaitDuration symbols
    node.phaseStart = this.clock.now();
    this.setTimer(node, this.options.macAckWaitDuration * this.symbolMs, () => this.ackTimeout(node));
  }

  private ackTimeout(node: Node): void {
    node.stats.radioOnMs += this.clock.now() - node.phaseStart;
    if (node.retry < this.options.macMaxFrameRetries) {
      node.retry++; // §7.5.6.5: retransmit with the same sequence number, through CSMA-CA again
      this.startCsma(node, 0);
      return;
    }
    node.stats.noAck++;
    this.finish(node, 'NO_ACK');
  }

  private ackReceived(node: Node): void {
    if (node.timer !== undefined) this.clock.clearTimeout(node.timer);
    node.timer = undefined;
    node.stats.radioOnMs += this.clock.now() - node.phaseStart;
    this.finish(node, 'SUCCESS');
  }

  private finish(node: Node, status: TxStatus): void {
    const req = node.current!;
    if (status === 'SUCCESS') {
      // §7.5.1.3: a frame of up to aMaxSIFSFrameSize octets is followed by a SIFS, else a LIFS.
      const long = node.currentMpdu!.length > C.aMaxSIFSFrameSize;
      node.ifsUntil =
        this.clock.now() + (long ? this.options.macLIFSPeriod : this.options.macSIFSPeriod) * this.symbolMs;
    }
    node.current = node.currentMpdu = undefined;
    node.state = 'idle';
    req.done?.(status);
    if (node.enabled && node.state === 'idle' && !node.current) this.startNext(node);
  }

  /** A frame has left the air: each hearer's MAC looks at it, then the sender's goes on. */
  private ended(tx: Tx): void {
    for (const h of tx.hearers) {
      if (tx.kind === 'data') this.receiveData(tx, h.node, h.quality);
      else this.receiveAck(tx, h.node, h.quality);
    }
    const src = tx.src;
    if (tx.kind === 'data' && src.epoch === tx.epoch && src.state === 'tx') this.dataSent(src);
  }

  /** Whether `node` could receive all of `tx`: on, and not transmitting at any time during it. */
  private listening(node: Node, tx: Tx): boolean {
    return node.enabled && this.channel.heardWhole(node, tx);
  }

  // ---- receivers ----

  private receiveData(tx: Tx, node: Node, quality: LinkQuality): void {
    if (tx.dst !== node.address && tx.dst !== BROADCAST_ADDRESS) return; // overheard, not for us
    if (!this.listening(node, tx)) return;
    node.stats.radioOnMs += tx.durationMs;
    if (tx.collidedAt.has(node)) {
      node.stats.collisions++;
      return;
    }
    if (this.chance(quality.loss)) {
      node.stats.lost++;
      return;
    }
    const decoded = decodeFrame(tx.mpdu); // the FCS check (§7.2.1.9); intact frames always pass
    if (!decoded.ok || decoded.value.kind !== 'data') return;
    const frame = decoded.value;
    // §7.5.6.4.2: acknowledge after aTurnaroundTime, without CSMA-CA, duplicates too.
    if (frame.ackRequest && frame.dst === node.address) this.scheduleAck(node, tx, frame.sequenceNumber);
    const copies = this.chance(quality.duplicate) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      node.stats.framesReceived++;
      // As Contiki (core/net/mac/mac-sequence.c): drop a frame whose (source, DSN) was the last seen
      // from that source. The standard leaves duplicate rejection to the layer above the MAC.
      if (node.lastSeq.get(frame.src) === frame.sequenceNumber) {
        node.stats.duplicatesDropped++;
        continue;
      }
      node.lastSeq.set(frame.src, frame.sequenceNumber);
      const received: ReceivedFrame = { src: frame.src, dst: frame.dst, payload: frame.payload };
      const delay = quality.delayMs ?? 0;
      if (delay > 0) {
        const epoch = node.epoch;
        this.clock.setTimeout(() => {
          if (node.enabled && node.epoch === epoch) node.handler?.(received);
        }, delay);
      } else node.handler?.(received);
    }
  }

  private scheduleAck(node: Node, data: Tx, seq: number): void {
    this.channel.beginTurnaround(node);
    const turnaround = this.options.aTurnaroundTime * this.symbolMs;
    node.ackTimer = this.clock.setTimeout(() => {
      node.ackTimer = undefined;
      const tx = this.channel.transmit(
        node,
        'ack',
        data.src.address,
        encodeAckFrame(seq),
        data.tag,
        node.epoch,
      );
      node.stats.acksSent++;
      node.stats.ackBytesSent += C.ppduOctets(ACK_MPDU_OCTETS);
      node.stats.radioOnMs += turnaround + tx.durationMs;
    }, turnaround);
  }

  /**
   * An ACK carries no addresses (§7.2.2.3): any node waiting for an ACK with the same sequence
   * number takes it, as a real MAC would (rare, but a frame can be "acknowledged" by another
   * node's ACK). Collisions and losses are counted only at the node the ACK was meant for.
   */
  private receiveAck(tx: Tx, node: Node, quality: LinkQuality): void {
    const mine = tx.dst === node.address;
    const waiting = node.state === 'ackwait' && tx.mpdu[2] === node.currentSeq;
    if (!(mine || waiting) || !this.listening(node, tx)) return;
    if (tx.collidedAt.has(node)) {
      if (mine) node.stats.collisions++;
      return;
    }
    if (this.chance(quality.loss)) {
      if (mine) node.stats.lost++;
      return;
    }
    const decoded = decodeFrame(tx.mpdu);
    if (!decoded.ok || decoded.value.kind !== 'ack') return;
    // §7.5.6.4.3: the ACK counts only while waiting, with the sequence number of the frame sent.
    if (waiting) this.ackReceived(node);
  }
}

/** Attaches every node of a topology used as the medium's `links`; returns the interfaces by address. */
export function attachAll(medium: Medium, topology: Topology): Map<ShortAddress, RadioInterface> {
  const out = new Map<ShortAddress, RadioInterface>();
  for (const a of topology.addresses) out.set(a, medium.attach(a));
  return out;
}
