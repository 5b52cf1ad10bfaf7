/**
 * The TUN host's inbound writer: what ESP delivers in one turn of the event loop is coalesced
 * and written at the end of it; a device without the virtio_net_hdr gets each packet at once.
 */
import { describe, expect, it } from 'vitest';
import type { Segmentation } from '../../../../ipsec/packet/tcp-coalesce.js';
import { coalescingWriter } from '../../../../targets/native/tun/coalescing-writer.js';
import { conn4, tcp } from '../../../ipsec/packet/tcp-builder.js';

function fakeDevice(vnetHeader: boolean) {
  const writes: { packet: Uint8Array; segmentation?: Segmentation }[] = [];
  return {
    writes,
    vnetHeader,
    write: (packet: Uint8Array) => writes.push({ packet }) > 0,
    writeSegmented: (packet: Uint8Array, segmentation: Segmentation) =>
      writes.push({ packet, segmentation }) > 0,
  };
}

const turn = () => new Promise((r) => setImmediate(r));
const segs = [0, 1, 2].map((i) => tcp(conn4, { seq: i * 100, payload: new Uint8Array(100).fill(i), id: i }));
const other = new Uint8Array([0x45, 0, 0, 20, ...new Array(16).fill(0)]);

describe('coalescingWriter', () => {
  it('writes what one turn delivered at its end: segments merged, other packets as they are', async () => {
    const dev = fakeDevice(true);
    const w = coalescingWriter(dev);
    for (const p of [...segs, other]) w.write(p);
    expect(dev.writes).toEqual([]);
    await turn();
    expect(dev.writes.map((x) => x.segmentation?.segments ?? 1)).toEqual([3, 1]);
    expect(dev.writes[1]!.packet).toBe(other);
    expect(w.counters()).toEqual({ segmentsIn: 3, packetsOut: 1 });
    w.write(other);
    await turn();
    expect(dev.writes).toHaveLength(3);
  });

  it('flush() writes what is pending now (the device is about to close)', () => {
    const dev = fakeDevice(true);
    const w = coalescingWriter(dev);
    w.write(segs[0]!);
    w.flush();
    expect(dev.writes).toEqual([{ packet: segs[0] }]);
  });

  it('a device without the header gets every packet at once, unmerged', () => {
    const dev = fakeDevice(false);
    const w = coalescingWriter(dev);
    for (const p of segs) w.write(p);
    expect(dev.writes).toEqual(segs.map((packet) => ({ packet })));
  });
});
