/**
 * The TUN host's inbound writer: packets out of ESP wait for the end of the event loop's turn,
 * then consecutive TCP segments of a connection go into the device as one packet that the
 * host's stack splits (ipsec/packet/tcp-coalesce.ts, a device opened with `vnetHeader`). Under
 * load the UDP socket hands over up to 32 datagrams per readable event, so a turn gathers a
 * few dozen segments; when idle a packet waits only for that turn (setImmediate).
 * A device without `vnetHeader` gets every packet at once, as before.
 */
import { coalesceTcp } from '../../../ipsec/packet/tcp-coalesce.js';
import type { TunDevice } from './tun-device.js';

export interface CoalescingWriter {
  write(packet: Uint8Array): void;
  /** Segments merged into fewer packets so far (segments in, packets out). */
  counters(): { readonly segmentsIn: number; readonly packetsOut: number };
  /** Writes what is pending now. */
  flush(): void;
}

export function coalescingWriter(
  device: Pick<TunDevice, 'write' | 'writeSegmented' | 'vnetHeader'>,
): CoalescingWriter {
  let pending: Uint8Array[] = [];
  let scheduled = false;
  let segmentsIn = 0;
  let packetsOut = 0;
  const flush = (): void => {
    scheduled = false;
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    for (const c of coalesceTcp(batch)) {
      if (c.segmentation) {
        segmentsIn += c.segmentation.segments;
        packetsOut++;
        device.writeSegmented(c.packet, c.segmentation);
      } else device.write(c.packet);
    }
  };
  return {
    write(packet) {
      if (!device.vnetHeader) {
        device.write(packet);
        return;
      }
      pending.push(packet);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    counters: () => ({ segmentsIn, packetsOut }),
    flush,
  };
}
