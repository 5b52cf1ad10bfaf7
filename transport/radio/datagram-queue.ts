/**
 * The frames of whole datagrams on their way to one node's radio: one datagram at a time, its
 * frames one after the other, each sent when the previous one is done. So a receiver needs one
 * reassembly per sender. A frame that never went out (CHANNEL_ACCESS_FAILURE, TRX_OFF) abandons
 * the rest of its datagram: the receiver cannot complete it. A frame that went out but was not
 * acknowledged (NO_ACK after macMaxFrameRetries) does not: the ACKs may be what was lost, and
 * on a lossy link they mostly are (data and ACK lost alike at 30 %: the data got through in 88 %
 * of NO_ACKs), so the rest follows. Contiki's sicslowpan abandons on NO_ACK too; measured with
 * bench/wismote.ts, going on cut a 20-mote star's handshake at 30 % loss from 3121 to 2558
 * octets on the air and its median time from 11 s (an IKE retransmission) to 0.13 s.
 *
 * Pacing (optional): after a frame succeeded, the next one waits `gapMs(frame)`. On a chain of
 * route-over hops the frame just delivered is passed on by the next hop and the hop after it;
 * a next frame sent meanwhile collides at the next hop with the hop after it, which we cannot
 * hear (the hidden terminal). Waiting about two forwarding times avoids that.
 */
import type { Clock } from '../../ipsec/util/clock.js';
import type { RadioInterface, ShortAddress, TxStatus } from './types.js';

export interface FramePacing {
  readonly clock: Clock;
  /** Milliseconds to wait after a frame of `octets` (MAC payload) was acknowledged. */
  readonly gapMs: (octets: number) => number;
}

/** Implementation limit: datagrams waiting for the radio. */
export const DEFAULT_MAX_QUEUED_DATAGRAMS = 32;

interface Queued {
  readonly dst: ShortAddress;
  readonly frames: readonly Uint8Array[];
  readonly tag: string | undefined;
}

export interface DatagramQueueEvents {
  /** A frame was handed to the radio. */
  readonly frameSent: () => void;
  /** A frame never went out; the rest of its datagram is dropped. */
  readonly datagramFailed: (status: TxStatus) => void;
  /** A frame went out but its ACK never came (NO_ACK); the rest of the datagram follows. */
  readonly frameUnacknowledged?: () => void;
}

export class DatagramQueue {
  private readonly queue: Queued[] = [];
  private stopped = false;

  constructor(
    private readonly radio: RadioInterface,
    private readonly events: DatagramQueueEvents,
    private readonly maxQueued = DEFAULT_MAX_QUEUED_DATAGRAMS,
    private readonly pacing?: FramePacing,
  ) {}

  /** Queues one datagram's frames for `dst`; false (nothing queued) when maxQueued are waiting. */
  push(dst: ShortAddress, frames: readonly Uint8Array[], tag: string | undefined): boolean {
    if (this.stopped || this.queue.length >= this.maxQueued) return false;
    this.queue.push({ dst, frames, tag });
    if (this.queue.length === 1) this.send(0);
    return true;
  }

  get length(): number {
    return this.queue.length;
  }

  /** Drops everything queued; later completions from the radio are ignored. */
  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
  }

  private send(i: number): void {
    const head = this.queue[0];
    if (this.stopped || !head) return;
    if (i >= head.frames.length) {
      this.queue.shift();
      this.send(0);
      return;
    }
    this.events.frameSent();
    this.radio.send(
      head.dst,
      head.frames[i]!,
      (status) => {
        if (this.stopped) return;
        if (status === 'NO_ACK') this.events.frameUnacknowledged?.();
        if (status === 'SUCCESS' || status === 'NO_ACK') {
          const gap = this.pacing?.gapMs(head.frames[i]!.length) ?? 0;
          if (gap <= 0) return this.send(i + 1);
          this.pacing!.clock.setTimeout(() => this.send(i + 1), gap);
          return;
        }
        this.events.datagramFailed(status);
        this.send(head.frames.length); // abandon the rest of this datagram
      },
      head.tag,
    );
  }
}
