/**
 * The actor tree (GET /api/actors) of a host with an inspection hub: IKE SAs with their Child
 * SAs, and each Child SA's packets and bytes each way, read from the data plane as list-sas
 * reads them.
 */
import { describe, expect, it } from 'vitest';
import { buildIpv4 } from '../../../ipsec/packet/ipv4.js';
import { IpProto } from '../../../ipsec/packet/proto.js';
import { buildUdp } from '../../../ipsec/packet/udp.js';
import { inspectedHosts } from './inspected-hosts.js';

const src = Uint8Array.of(10, 99, 2, 1);
const dst = Uint8Array.of(10, 99, 1, 1);
const packet = (n: number) =>
  buildIpv4({
    src,
    dst,
    protocol: IpProto.UDP,
    payload: buildUdp({ src, dst, srcPort: 4000, dstPort: 5000, payload: new Uint8Array(n) }),
  });

describe('the actor tree', () => {
  it("shows each Child SA's packets and bytes in and out, as the data plane counts them", () => {
    const { clock, client, gateway } = inspectedHosts();
    client.supervisor.initiate('gw', 'net');
    clock.advance(2000);
    for (const n of [10, 20, 30]) client.esp.pipeline.send(packet(n));
    clock.advance(100);
    const childOf = (h: typeof client) => h.hub.snapshot().actors.find((a) => a.kind === 'child-sa')?.child;
    const c = childOf(client)!;
    const g = childOf(gateway)!;
    expect([c.packetsOut, g.packetsIn]).toEqual([3, 3]);
    expect(c.bytesOut).toBe(g.bytesIn);
    expect(c.bytesOut).toBe(3 * 28 + 60); // inner packets: IPv4 20 + UDP 8 + payload
    expect([c.packetsIn, g.packetsOut]).toEqual([0, 0]);
    const ike = client.supervisor.ikeSas[0]!;
    const info = client.esp.backend.querySa({ spi: ike.children[0]!.record.spiOut, direction: 'out' });
    expect([c.packetsOut, c.bytesOut]).toEqual([info?.packets, info?.bytes]);
  });
});
