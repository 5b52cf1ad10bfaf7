/**
 * The air of the simulated 802.15.4 radio: who hears a transmission, for how long, and which
 * receptions an overlap destroys. The MAC (medium.ts) decides what to send and what a
 * reception means; this file knows only frames in flight.
 *
 * - A transmission lasts its PPDU octets times the octet time (32 us at 250 kbit/s) and is
 *   heard by every node the link table says can hear its sender.
 * - Collisions: when two transmissions a node hears overlap in time, both are destroyed at that
 *   node (no capture effect), whether or not either was meant for it. Nodes that hear only one
 *   of them still receive it: that is how hidden terminals collide at the node between them.
 * - Half duplex: a node turning its radio to TX or transmitting receives nothing; a frame it
 *   heard at any moment of such a period is lost to it.
 * - Carrier sense: the channel is busy at a node while it hears any transmission (§6.9.9 CCA,
 *   mode "carrier sense"; the energy of frames out of range is ignored).
 */
import type { Clock } from '../../ipsec/util/clock.js';
import { ppduOctets } from './constants.js';
import type { LinkQuality, LinkTable } from './topology.js';
import type { AirEvent, ShortAddress } from './types.js';

/** The channel's view of one node's radio. */
export interface Transceiver {
  readonly address: ShortAddress;
  /** Transmissions on the air that this node hears now. */
  readonly hearing: Set<Transmission>;
  /** When the last transmission it heard ended. */
  lastHeardEnd: number;
  /** Set from the start of a turnaround to TX until the end of the transmission. */
  deafSince: number | undefined;
  /** When the last deaf period ended. */
  lastDeafEnd: number;
  /** Its own frame on the air, if any. */
  onAir: Transmission | undefined;
}

export interface Transmission<T extends Transceiver = Transceiver> {
  readonly kind: 'data' | 'ack';
  readonly src: T;
  readonly dst: ShortAddress;
  readonly mpdu: Uint8Array;
  readonly start: number;
  readonly durationMs: number;
  /** Opaque to the channel: the sender's reboot count when the frame went out. */
  readonly epoch: number;
  readonly tag: string | undefined;
  /** The nodes that hear the sender, with the quality of the link to each. */
  readonly hearers: ReadonlyArray<{ readonly node: T; readonly quality: LinkQuality }>;
  /** The hearers at which another transmission overlapped this one. */
  readonly collidedAt: Set<T>;
}

export interface ChannelOptions {
  readonly octetMs: number;
  readonly keepLog: boolean;
  /** Merged under every link's quality. */
  readonly defaultLink: LinkQuality;
}

export class Channel<T extends Transceiver> {
  /** Every frame put on the air, in order of start, when keepLog is set. */
  readonly log: AirEvent[] = [];
  /** Called as each frame goes on the air. */
  onAir: ((event: AirEvent) => void) | undefined;
  private readonly nodes: T[] = [];
  private readonly hasDefaultLink: boolean;

  constructor(
    private readonly clock: Clock,
    private readonly links: LinkTable,
    private readonly options: ChannelOptions,
    /** Called when a transmission leaves the air, after the channel state is updated. */
    private readonly ended: (tx: Transmission<T>) => void,
  ) {
    this.hasDefaultLink = Object.keys(options.defaultLink).length > 0;
  }

  add(node: T): void {
    this.nodes.push(node);
  }

  /** Airtime in ms of a PPDU of `octets` octets. */
  airtimeMs(octets: number): number {
    return octets * this.options.octetMs;
  }

  /** Whether `node` heard anything, or was itself deaf, at any time from `since` until now. */
  busySince(node: T, since: number): boolean {
    return (
      node.hearing.size > 0 ||
      node.lastHeardEnd > since ||
      node.deafSince !== undefined ||
      node.lastDeafEnd > since
    );
  }

  /** Whether `node` was able to receive all of `tx`: not deaf at any moment of it. */
  heardWhole(node: T, tx: Transmission<T>): boolean {
    return node.deafSince === undefined && node.lastDeafEnd <= tx.start;
  }

  /** The radio starts turning from RX to TX: deaf from now on. */
  beginTurnaround(node: T): void {
    node.deafSince = this.clock.now();
  }

  /** A turnaround that will not become a transmission (the node was switched off). */
  abortTurnaround(node: T): void {
    if (node.onAir || node.deafSince === undefined) return;
    node.deafSince = undefined;
    node.lastDeafEnd = this.clock.now();
  }

  /** Puts a frame on the air now; `ended` is called when it has left. */
  transmit(
    src: T,
    kind: 'data' | 'ack',
    dst: ShortAddress,
    mpdu: Uint8Array,
    tag: string | undefined,
    epoch: number,
  ) {
    const now = this.clock.now();
    const bytes = ppduOctets(mpdu.length);
    const hearers: Array<{ node: T; quality: LinkQuality }> = [];
    for (const node of this.nodes) {
      const q = node === src ? undefined : this.links.quality(src.address, node.address);
      if (q) hearers.push({ node, quality: this.hasDefaultLink ? { ...this.options.defaultLink, ...q } : q });
    }
    const tx: Transmission<T> = {
      kind,
      src,
      dst,
      mpdu,
      start: now,
      durationMs: this.airtimeMs(bytes),
      epoch,
      tag,
      hearers,
      collidedAt: new Set(),
    };
    for (const { node } of hearers) {
      if (node.hearing.size > 0) {
        for (const other of node.hearing) other.collidedAt.add(node); // no capture effect
        tx.collidedAt.add(node);
      }
      node.hearing.add(tx);
    }
    src.deafSince ??= now;
    src.onAir = tx;
    const event: AirEvent = { start: now, end: now + tx.durationMs, src: src.address, dst, kind, bytes };
    const tagged = tag === undefined ? event : { ...event, tag };
    if (this.options.keepLog) this.log.push(tagged);
    this.onAir?.(tagged);
    this.clock.setTimeout(() => this.end(tx), tx.durationMs);
    return tx;
  }

  private end(tx: Transmission<T>): void {
    const now = this.clock.now();
    tx.src.onAir = undefined;
    tx.src.deafSince = undefined;
    tx.src.lastDeafEnd = now;
    for (const { node } of tx.hearers) {
      node.hearing.delete(tx);
      node.lastHeardEnd = now;
    }
    this.ended(tx);
  }
}
