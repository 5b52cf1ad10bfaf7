/**
 * TCP segments for tests (RFC 9293 §3.1 header, RFC 791 / 8200 IP headers), with valid IP and
 * TCP checksums: the coalescing tests and the TUN offload test against the kernel.
 */
import { internetChecksum, onesComplementSum } from '../../../ipsec/packet/checksum.js';

export const ACK = 0x10;
export const PSH = 0x08;

export interface Conn {
  readonly v6: boolean;
  readonly src: number[];
  readonly dst: number[];
  readonly sport: number;
  readonly dport: number;
}

export const conn4: Conn = { v6: false, src: [10, 0, 0, 1], dst: [10, 0, 0, 2], sport: 5201, dport: 40000 };
export const conn6: Conn = {
  v6: true,
  src: [0x20, 1, 0x0d, 0xb8, ...Array(11).fill(0), 1],
  dst: [0x20, 1, 0x0d, 0xb8, ...Array(11).fill(0), 2],
  sport: 443,
  dport: 50000,
};

export interface SegOpts {
  seq: number;
  payload: Uint8Array;
  flags?: number;
  id?: number;
  ack?: number;
  window?: number;
  options?: number[];
  ttl?: number;
}

/** A TCP segment with valid IP and TCP checksums. */
export function tcp(c: Conn, o: SegOpts): Uint8Array {
  const opts = o.options ?? [1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9]; // NOP NOP timestamps
  const th = 20 + opts.length;
  const ih = c.v6 ? 40 : 20;
  const p = new Uint8Array(ih + th + o.payload.length);
  const v = new DataView(p.buffer);
  if (c.v6) {
    p[0] = 0x60;
    v.setUint16(4, th + o.payload.length);
    p[6] = 6;
    p[7] = o.ttl ?? 64;
    p.set(c.src, 8);
    p.set(c.dst, 24);
  } else {
    p[0] = 0x45;
    v.setUint16(2, p.length);
    v.setUint16(4, o.id ?? 0);
    p[6] = 0x40; // DF
    p[8] = o.ttl ?? 64;
    p[9] = 6;
    p.set(c.src, 12);
    p.set(c.dst, 16);
    v.setUint16(10, internetChecksum(p, 0, 20));
  }
  v.setUint16(ih, c.sport);
  v.setUint16(ih + 2, c.dport);
  v.setUint32(ih + 4, o.seq >>> 0);
  v.setUint32(ih + 8, o.ack ?? 1000);
  p[ih + 12] = (th / 4) << 4;
  p[ih + 13] = o.flags ?? ACK;
  v.setUint16(ih + 14, o.window ?? 512);
  p.set(opts, ih + 20);
  p.set(o.payload, ih + th);
  v.setUint16(ih + 16, tcpChecksum(p, ih));
  return p;
}

export function pseudo(p: Uint8Array, ih: number, tcpLength: number): number {
  const v6 = ih === 40;
  return onesComplementSum(p, v6 ? 8 : 12, v6 ? 40 : 20) + 6 + tcpLength;
}

export function tcpChecksum(p: Uint8Array, ih: number): number {
  const q = p.slice();
  q[ih + 16] = 0;
  q[ih + 17] = 0;
  return internetChecksum(q, ih, q.length, pseudo(q, ih, q.length - ih));
}
