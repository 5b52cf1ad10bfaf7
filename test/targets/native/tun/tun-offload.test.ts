/**
 * The TUN device with IFF_VNET_HDR against the real kernel: reads come without the header, and
 * a coalesced TCP packet written with writeSegmented() is taken whole by the host's TCP. The
 * test plays a TCP client from inside the device (SYN, ACK, then 24 segments merged into one
 * write) to a server in the namespace, which must receive every byte; the host's ACK must
 * cover them all. Needs root and /dev/net/tun: fails (never skips) without them.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coalesceTcp } from '../../../../ipsec/packet/tcp-coalesce.js';
import { ACK, type Conn, tcp } from '../../../ipsec/packet/tcp-builder.js';
import { collect, createNetns, netnsDelete, nsDevice, nsExec, requireTunHost } from './netns.js';

const SYN = 0x02;
const RST = 0x04;
const PORT = 7001;
const SEGMENTS = 24;
const MSS = 1000;

/** Listens on addr:PORT, reads until the peer's data reaches `bytes`, prints count and sha256. */
const SERVER = `
const net = require('node:net');
const crypto = require('node:crypto');
const [addr, port, want] = process.argv.slice(1);
const h = crypto.createHash('sha256');
let got = 0;
const srv = net.createServer((c) => {
  c.on('data', (d) => {
    h.update(d);
    got += d.length;
    if (got >= Number(want)) { console.log(got, h.digest('hex')); process.exit(0); }
  });
});
srv.listen(Number(port), addr);
setTimeout(() => { console.log('timeout', got); process.exit(2); }, 15000);`;

let ns = '';

beforeAll(async () => {
  requireTunHost();
  ns = await createNetns();
});

afterAll(async () => {
  if (ns) await netnsDelete(ns);
});

/** The TCP header fields of an IPv4 packet from the host (undefined for anything else). */
function tcpFrom(p: Uint8Array) {
  if (p[0] !== 0x45 || p[9] !== 6) return undefined;
  const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
  return { sport: v.getUint16(20), seq: v.getUint32(24), ack: v.getUint32(28), flags: p[33]! };
}

describe('TUN device with a virtio_net_hdr', () => {
  it("the host's TCP takes a coalesced packet written with writeSegmented whole", async () => {
    const { dev, local, remote } = await nsDevice(ns, 40, { vnetHeader: true });
    const server = nsExec(ns, [process.execPath, '-e', SERVER, local, String(PORT), String(SEGMENTS * MSS)]);
    try {
      expect(dev.vnetHeader).toBe(true);
      const c: Conn = {
        v6: false,
        src: remote(9).split('.').map(Number),
        dst: local.split('.').map(Number),
        sport: 40001,
        dport: PORT,
      };
      const iss = 0x7ffff000;
      // SYN until the server listens (a RST answers while it starts)
      let synAck: ReturnType<typeof tcpFrom>;
      for (let i = 0; i < 50 && !synAck; i++) {
        const answer = collect(dev, (p) => tcpFrom(p)?.sport === PORT, 1, 500).catch(() => []);
        expect(
          dev.write(tcp(c, { seq: iss, payload: new Uint8Array(0), flags: SYN, ack: 0, options: [] })),
        ).toBe(true);
        const t = tcpFrom((await answer)[0] ?? new Uint8Array(0));
        if (t && t.flags & SYN && t.flags & ACK) synAck = t;
        else if (!t || t.flags & RST) await new Promise((r) => setTimeout(r, 100));
      }
      expect(synAck, 'no SYN-ACK from the server').toBeDefined();
      expect(synAck!.ack).toBe(iss + 1);
      const ack = (synAck!.seq + 1) >>> 0;
      const base = { ack, options: [] as number[], window: 65535 };
      dev.write(tcp(c, { ...base, seq: iss + 1, payload: new Uint8Array(0) }));

      const data = new Uint8Array(SEGMENTS * MSS).map((_, i) => (i * 31 + 7) & 0xff);
      const segments = Array.from({ length: SEGMENTS }, (_, i) =>
        tcp(c, { ...base, seq: iss + 1 + i * MSS, payload: data.subarray(i * MSS, (i + 1) * MSS), id: i }),
      );
      const merged = coalesceTcp(segments);
      expect(merged).toHaveLength(1);
      expect(merged[0]!.segmentation?.segments).toBe(SEGMENTS);
      const acked = collect(dev, (p) => tcpFrom(p)?.ack === iss + 1 + SEGMENTS * MSS, 1, 10_000);
      expect(dev.writeSegmented(merged[0]!.packet, merged[0]!.segmentation!)).toBe(true);

      const out = await server;
      expect(out.stdout.trim()).toBe(`${SEGMENTS * MSS} ${createHash('sha256').update(data).digest('hex')}`);
      expect(await acked).toHaveLength(1); // one ACK covering every byte of the merged packet
      expect(dev.counters().readErrors).toBe(0);
    } finally {
      dev.close();
      await server;
    }
  });

  it('writeSegmented on a device without the header is a counted write error', async () => {
    const { dev } = await nsDevice(ns, 42);
    try {
      expect(dev.vnetHeader).toBe(false);
      const s = { ipv6: false, segmentSize: 100, headerLength: 40, checksumStart: 20, segments: 2 };
      expect(dev.writeSegmented(new Uint8Array(240), s)).toBe(false);
      expect(dev.counters().writeErrors).toBe(1);
    } finally {
      dev.close();
    }
  });
});
