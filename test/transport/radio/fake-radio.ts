/**
 * A small fake of the RadioInterface seam for transport tests: every attached node hears every
 * frame addressed to it (or broadcast) after `delayMs` on the VirtualClock, unless `drop` says
 * otherwise, in which case a unicast sender hears NO_ACK (as from the MAC after its retries).
 * Frames of one node go out one at a time, in order, as the real medium promises.
 */
import type { Clock } from '../../../ipsec/util/clock.js';
import { newStats } from '../../../transport/radio/medium-options.js';
import {
  BROADCAST_ADDRESS,
  type RadioInterface,
  type ReceivedFrame,
  type ShortAddress,
  type TxStatus,
} from '../../../transport/radio/types.js';

export interface AirFrame {
  readonly src: ShortAddress;
  readonly dst: ShortAddress;
  readonly payload: Uint8Array;
  readonly tag: string | undefined;
}

export class FakeAir {
  /** Every frame put on the air, in order. */
  readonly log: AirFrame[] = [];
  /** Return true to lose a frame (the sender hears NO_ACK for unicast). */
  drop?: (f: AirFrame) => boolean;
  /** Rewrites a frame's payload in flight (corruption the FCS did not catch). */
  mutate?: (f: AirFrame) => Uint8Array;
  private readonly nodes = new Map<ShortAddress, { handler: (f: ReceivedFrame) => void; on: boolean }>();

  constructor(
    private readonly clock: Clock,
    private readonly delayMs = 1,
    readonly maxPayload = 116,
  ) {}

  attach(address: ShortAddress): RadioInterface {
    const node = { handler: (_: ReceivedFrame) => {}, on: true };
    this.nodes.set(address, node);
    const queue: { frame: AirFrame; done?: (s: TxStatus) => void }[] = [];
    let busy = false;
    const stats = newStats();
    const pump = (): void => {
      const next = queue.shift();
      if (!next) {
        busy = false;
        return;
      }
      busy = true;
      this.clock.setTimeout(() => {
        const status = this.transmit(next.frame);
        stats.framesSent++;
        next.done?.(status);
        pump();
      }, this.delayMs);
    };
    return {
      address,
      maxPayload: this.maxPayload,
      stats,
      send: (dst, payload, done, tag) => {
        if (payload.length > this.maxPayload) throw new RangeError('MAC payload too long');
        if (!node.on) return;
        queue.push({
          frame: { src: address, dst, payload: payload.slice(), tag },
          ...(done ? { done } : {}),
        });
        if (!busy) pump();
      },
      onReceive: (h) => {
        node.handler = h;
      },
      setEnabled: (on) => {
        node.on = on;
        if (!on) queue.length = 0;
      },
    };
  }

  private transmit(frame: AirFrame): TxStatus {
    this.log.push(frame);
    if (this.drop?.(frame)) return frame.dst === BROADCAST_ADDRESS ? 'SUCCESS' : 'NO_ACK';
    const payload = this.mutate ? this.mutate(frame) : frame.payload;
    let heard = false;
    for (const [address, n] of this.nodes) {
      if (address === frame.src || !n.on) continue;
      if (frame.dst !== BROADCAST_ADDRESS && frame.dst !== address) continue;
      heard = true;
      n.handler({ src: frame.src, dst: frame.dst, payload: payload.slice() });
    }
    return heard || frame.dst === BROADCAST_ADDRESS ? 'SUCCESS' : 'NO_ACK';
  }
}
