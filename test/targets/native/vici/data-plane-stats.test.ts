/** targets/native/vici/commands/data-plane-stats.ts: the data plane's sections of VICI `stats`. */
import { describe, expect, it } from 'vitest';
import { Counters } from '../../../../actors/esp-counters.js';
import type { TunHost } from '../../../../targets/native/tun/tun-host.js';
import { dataPlaneStats } from '../../../../targets/native/vici/commands/data-plane-stats.js';

const udp = {
  received: 7,
  sent: 9,
  sendErrors: 1,
  sendNoSocket: 0,
  socketErrors: 0,
  batches: 2,
  batchRefused: 0,
  batchSegmented: 4,
};

describe("VICI stats' data plane sections", () => {
  it('names every counter as charon names keys, drops by reason', () => {
    const esp = new Counters();
    esp.totals.outProtected = 3;
    esp.drop('icv', 2);
    const s = dataPlaneStats({ esp: esp.snapshot(), udp });
    expect(s.udp).toEqual({
      received: 7,
      sent: 9,
      'send-errors': 1,
      'send-no-socket': 0,
      'socket-errors': 0,
      batches: 2,
      'batch-refused': 0,
      'batch-segmented': 4,
    });
    expect(s.esp).toMatchObject({ 'out-protected': 3, 'in-protected': 0, drops: { icv: 2, 'no-sa': 0 } });
    expect(Object.keys(s)).toEqual(['esp', 'udp']);
  });

  it('adds the TUN device when there is one', () => {
    const tun: Pick<TunHost, 'name' | 'counters'> = {
      name: 'ipsec0',
      counters: () => ({
        packetsRead: 5,
        bytesRead: 500,
        packetsWritten: 4,
        bytesWritten: 400,
        readErrors: 0,
        writeErrors: 0,
        drops: 1,
        unclaimed: 0,
        readBatches: 2,
        coalesced: { segmentsIn: 6, packetsOut: 2 },
      }),
    };
    const s = dataPlaneStats({ esp: new Counters().snapshot(), udp, tun });
    expect(s.tun).toEqual({
      name: 'ipsec0',
      'packets-read': 5,
      'bytes-read': 500,
      'packets-written': 4,
      'bytes-written': 400,
      'read-errors': 0,
      'write-errors': 0,
      drops: 1,
      unclaimed: 0,
      'read-batches': 2,
      'coalesced-segments-in': 6,
      'coalesced-packets-out': 2,
    });
  });
});
