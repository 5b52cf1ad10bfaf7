/**
 * The frames of whole datagrams on their way to one node's radio: one datagram at a time, its
 * frames one after the other, each sent when the previous one succeeded. So a receiver needs
 * one reassembly per sender, and a frame that fails (NO_ACK, CHANNEL_ACCESS_FAILURE, TRX_OFF)
 * abandons the rest of its datagram, as Contiki's sicslowpan does: the receiver could not
 * complete it anyway.
 */
import type { RadioInterface, ShortAddress, TxStatus } from './types.js';

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
  /** A frame failed; the rest of its datagram is dropped. */
  readonly datagramFailed: (status: TxStatus) => void;
}

export class DatagramQueue {
  private readonly queue: Queued[] = [];
  private stopped = false;

  constructor(
    private readonly radio: RadioInterface,
    private readonly events: DatagramQueueEvents,
    private readonly maxQueued = DEFAULT_MAX_QUEUED_DATAGRAMS,
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
        if (status === 'SUCCESS') return this.send(i + 1);
        this.events.datagramFailed(status);
        this.send(head.frames.length); // abandon the rest of this datagram
      },
      head.tag,
    );
  }
}
