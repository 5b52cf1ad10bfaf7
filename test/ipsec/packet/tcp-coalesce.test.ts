/**
 * TCP coalescing (ipsec/packet/tcp-coalesce.ts): what merges and what does not, and, as a
 * property over interleaved connections, that splitting the result the way a segmentation
 * offload does (a reference written here from RFC 791 / 8200 / 9293) gives back every packet
 * byte for byte, in order within each connection.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldSum, internetChecksum } from '../../../ipsec/packet/checksum.js';
import { type Coalesced, coalesceTcp } from '../../../ipsec/packet/tcp-coalesce.js';
import { ACK, conn4, conn6, PSH, pseudo, tcp, tcpChecksum } from './tcp-builder.js';

/** Splits a merged packet as the host's segmentation does (IPv4 IDs counting up from the first's). */
function resegment(c: Coalesced): Uint8Array[] {
  const s = c.segmentation;
  if (!s) return [c.packet];
  const p = c.packet;
  const ih = s.checksumStart;
  // the partial checksum: the folded pseudo-header sum over the whole TCP length
  expect((p[ih + 16]! << 8) | p[ih + 17]!).toBe(foldSum(pseudo(p, ih, p.length - ih)));
  if (!s.ipv6) expect(internetChecksum(p, 0, 20)).toBe(0); // the IP header's checksum is whole
  const data = p.subarray(s.headerLength);
  const out: Uint8Array[] = [];
  const flags = p[ih + 13]!;
  for (let k = 0, at = 0; at < data.length; k++, at += s.segmentSize) {
    const chunk = data.subarray(at, Math.min(data.length, at + s.segmentSize));
    const q = new Uint8Array(s.headerLength + chunk.length);
    q.set(p.subarray(0, s.headerLength));
    q.set(chunk, s.headerLength);
    const v = new DataView(q.buffer);
    if (s.ipv6) v.setUint16(4, q.length - 40);
    else {
      v.setUint16(2, q.length);
      v.setUint16(4, (v.getUint16(4) + k) & 0xffff);
      v.setUint16(10, 0);
      v.setUint16(10, internetChecksum(q, 0, 20));
    }
    v.setUint32(ih + 4, (v.getUint32(ih + 4) + at) >>> 0);
    q[ih + 13] = at + s.segmentSize >= data.length ? flags : flags & ~PSH;
    v.setUint16(ih + 16, tcpChecksum(q, ih));
    out.push(q);
  }
  expect(out).toHaveLength(s.segments);
  return out;
}

const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);

describe('coalesceTcp', () => {
  it('merges in-order full-size segments of one connection, IPv4 and IPv6', () => {
    for (const c of [conn4, conn6]) {
      const segs = [0, 1, 2].map((i) => tcp(c, { seq: 1000 + i * 100, payload: bytes(100, i), id: 7 + i }));
      const out = coalesceTcp(segs);
      expect(out).toHaveLength(1);
      expect(out[0]!.segmentation).toEqual({
        ipv6: c.v6,
        segmentSize: 100,
        headerLength: (c.v6 ? 40 : 20) + 32,
        checksumStart: c.v6 ? 40 : 20,
        segments: 3,
      });
      expect(out[0]!.packet.length).toBe((c.v6 ? 40 : 20) + 32 + 300);
      expect(resegment(out[0]!)).toEqual(segs);
    }
  });

  it('wraps sequence numbers around 2^32', () => {
    const segs = [0, 1].map((i) => tcp(conn4, { seq: 0xffffff9c + i * 100, payload: bytes(100, i), id: i }));
    expect(coalesceTcp(segs)[0]!.segmentation?.segments).toBe(2);
  });

  it('a shorter segment or PSH ends the group; the next segment starts a new one', () => {
    const segs = [
      tcp(conn4, { seq: 0, payload: bytes(100, 1), id: 0 }),
      tcp(conn4, { seq: 100, payload: bytes(60, 2), id: 1 }),
      tcp(conn4, { seq: 160, payload: bytes(100, 3), id: 2 }),
      tcp(conn4, { seq: 260, payload: bytes(100, 4), id: 3, flags: ACK | PSH }),
      tcp(conn4, { seq: 360, payload: bytes(100, 5), id: 4 }),
    ];
    const out = coalesceTcp(segs);
    expect(out.map((o) => o.segmentation?.segments ?? 1)).toEqual([2, 2, 1]);
    expect(out.flatMap(resegment)).toEqual(segs);
    expect(out[1]!.packet[20 + 13]! & PSH).toBe(PSH);
  });

  it('does not merge across a gap, a different ack, window, options, TTL, or a larger segment', () => {
    const base = { payload: bytes(100, 1), id: 0 };
    const first = tcp(conn4, { ...base, seq: 0 });
    for (const second of [
      tcp(conn4, { ...base, seq: 200, id: 1 }),
      tcp(conn4, { ...base, seq: 100, id: 1, ack: 2000 }),
      tcp(conn4, { ...base, seq: 100, id: 1, window: 1024 }),
      tcp(conn4, { ...base, seq: 100, id: 1, options: [1, 1, 8, 10, 0, 0, 0, 8, 0, 0, 0, 9] }),
      tcp(conn4, { ...base, seq: 100, id: 1, ttl: 63 }),
      tcp(conn4, { seq: 100, payload: bytes(101, 1), id: 1 }),
      tcp(conn4, { ...base, seq: 100, id: 1, flags: ACK | 0x01 }), // FIN
    ])
      expect(coalesceTcp([first, second])).toEqual([{ packet: first }, { packet: second }]);
  });

  it('passes everything that is not plain TCP data untouched: UDP, fragments, IP options, pure ACKs, junk', () => {
    const udp = tcp(conn4, { seq: 0, payload: bytes(10, 1) });
    udp[9] = 17;
    const frag = tcp(conn4, { seq: 0, payload: bytes(100, 1) });
    frag[6] = 0x20; // MF
    const ack = tcp(conn4, { seq: 0, payload: new Uint8Array(0) });
    const junk = new Uint8Array([0x45, 1, 2]);
    const v4opts = new Uint8Array(24 + 32 + 10);
    v4opts.set(tcp(conn4, { seq: 0, payload: bytes(10, 1) }).subarray(0, 20));
    v4opts[0] = 0x46;
    new DataView(v4opts.buffer).setUint16(2, v4opts.length);
    const all = [udp, frag, ack, junk, v4opts, udp];
    expect(coalesceTcp(all)).toEqual(all.map((packet) => ({ packet })));
  });

  it('never grows a packet over maxBytes', () => {
    const segs = [0, 1, 2, 3].map((i) => tcp(conn4, { seq: i * 100, payload: bytes(100, i), id: i }));
    const out = coalesceTcp(segs, 52 + 200);
    expect(out.map((o) => o.packet.length)).toEqual([252, 252]);
    expect(out.flatMap(resegment)).toEqual(segs);
  });

  it('keeps every packet and the order within each connection (property)', () => {
    const conns = [conn4, conn6, { ...conn4, sport: 5202 }];
    const stream = fc.record({
      mss: fc.integer({ min: 1, max: 1400 }),
      sizes: fc.array(fc.integer({ min: 0, max: 1400 }), { minLength: 1, maxLength: 30 }),
      psh: fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }),
      seq: fc.integer({ min: 0, max: 0xffffffff }),
    });
    fc.assert(
      fc.property(
        fc.array(stream, { minLength: 3, maxLength: 3 }),
        fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 120 }),
        (streams, picks) => {
          // per connection: segments of at most mss (0 = a pure ACK), IDs counting up
          const perConn = streams.map((s, ci) => {
            let seq = s.seq;
            return s.sizes.map((n, i) => {
              const len = Math.min(n, s.mss);
              const p = tcp(conns[ci]!, {
                seq,
                payload: bytes(len, (i * 7 + ci) & 0xff),
                id: i,
                flags: s.psh[i] ? ACK | PSH : ACK,
              });
              seq = (seq + len) >>> 0;
              return p;
            });
          });
          const cursors = [0, 0, 0];
          const input: Uint8Array[] = [];
          for (const ci of [...picks, 0, 1, 2, 0, 1, 2]) {
            // interleave, then drain what is left
            const list = perConn[ci]!;
            if (cursors[ci]! < list.length) input.push(list[cursors[ci]!++]!);
          }
          perConn.forEach((list, ci) => {
            while (cursors[ci]! < list.length) input.push(list[cursors[ci]!++]!);
          });
          const out = coalesceTcp(input).flatMap(resegment);
          expect(out).toHaveLength(input.length);
          const key = (p: Uint8Array) => {
            const ih = p[0]! >> 4 === 6 ? 40 : 20;
            return `${p[0]! >> 4}:${(p[ih]! << 8) | p[ih + 1]!}`;
          };
          for (const k of new Set(input.map(key)))
            expect(out.filter((p) => key(p) === k)).toEqual(input.filter((p) => key(p) === k));
        },
      ),
      { numRuns: 300 },
    );
  });
});
