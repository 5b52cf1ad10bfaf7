/** ESP-in-UDP framing and the transport-mode checksum fixes (RFC 3948). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addNonEspMarker,
  classifyNatTDatagram,
  fixTransportChecksum,
  natKeepalive,
  stripNonEspMarker,
} from '../../../ipsec/esp/udp-encap.js';
import { parseIp } from '../../../ipsec/packet/address.js';
import { IpProto } from '../../../ipsec/packet/proto.js';
import { buildUdp, transportChecksum, verifyUdpChecksum } from '../../../ipsec/packet/udp.js';
import { fromHex, toHex } from '../../../ipsec/util/bytes.js';
import { loadStrongswanVectors } from '../../support/vectors.js';

const CASE = loadStrongswanVectors()[1]!; // B: AES-CBC + HMAC-SHA2-256, ESP-in-UDP on 4500

describe('classifyNatTDatagram (RFC 3948 §2)', () => {
  it('recognises a NAT-keepalive (§2.3)', () => {
    expect(classifyNatTDatagram(natKeepalive())).toEqual({ ok: true, value: { kind: 'keepalive' } });
  });

  it('finds the IKE messages of the capture behind the non-ESP marker (§2.2)', () => {
    const ike = CASE.packets.filter((p) => p.kind === 'ike' && p.sport === 4500);
    expect(ike.length).toBeGreaterThan(0);
    for (const p of ike) {
      const datagram = addNonEspMarker(fromHex(p.hex));
      expect(toHex(datagram.subarray(0, 4))).toBe('00000000');
      const c = classifyNatTDatagram(datagram);
      expect(c.ok && c.value.kind === 'ike' && toHex(c.value.message)).toBe(p.hex);
      const s = stripNonEspMarker(datagram);
      expect(s.ok && toHex(s.value)).toBe(p.hex);
      // Without the marker the IKE SPI would be read as an ESP SPI: that is why the marker exists.
      const bare = classifyNatTDatagram(fromHex(p.hex));
      expect(bare.ok && bare.value.kind).toBe('esp');
    }
  });

  it('passes the captured ESP packets through by SPI (§2.1)', () => {
    for (const p of CASE.packets.filter((q) => q.kind === 'esp')) {
      const c = classifyNatTDatagram(fromHex(p.hex));
      expect(c.ok && c.value.kind === 'esp' && c.value.spi).toBe(Number.parseInt(p.esp_spi!, 16));
    }
  });

  it.each([
    ['empty', ''],
    ['one byte other than 0xFF', '00'],
    ['two bytes', 'ffff'],
    ['an SPI without a sequence number', '0102030405'],
  ])('rejects %s', (_what, hex) => {
    expect(classifyNatTDatagram(fromHex(hex)).ok).toBe(false);
  });

  it('is total on random datagrams', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (d) => {
        classifyNatTDatagram(d);
        stripNonEspMarker(d);
        return true;
      }),
    );
    expect(stripNonEspMarker(fromHex('00000001aa')).ok).toBe(false);
  });
});

describe('transport-mode checksum after NAT (RFC 3948 §3.1.2)', () => {
  const original = { src: parseIp('10.1.1.5')!, dst: parseIp('192.0.2.44')! }; // what the peer used
  const delivered = { src: parseIp('203.0.113.9')!, dst: parseIp('192.0.2.44')! }; // after its NAT

  /** A TCP segment (20-byte header) whose checksum covers `pair`. */
  function tcp(pair: { src: Uint8Array; dst: Uint8Array }, data: Uint8Array): Uint8Array {
    const seg = new Uint8Array(20 + data.length);
    seg.set(fromHex('c35000500000000100000000501820000000 0000'.replace(/\s/g, '')));
    seg.set(data, 20);
    const c = transportChecksum(pair.src, pair.dst, IpProto.TCP, seg);
    seg[16] = c >>> 8;
    seg[17] = c & 0xff;
    return seg;
  }

  it('incrementally fixes UDP and TCP checksums to the delivered addresses', () => {
    const udp = buildUdp({ ...original, srcPort: 500, dstPort: 4500, payload: fromHex('0102030405') });
    expect(verifyUdpChecksum(delivered.src, delivered.dst, udp)).toBe(false);
    const fixed = fixTransportChecksum(udp, IpProto.UDP, delivered, { kind: 'incremental', original });
    expect(fixed.ok && verifyUdpChecksum(delivered.src, delivered.dst, fixed.value)).toBe(true);
    expect(verifyUdpChecksum(original.src, original.dst, udp)).toBe(true); // the input is not modified
    const seg = tcp(original, fromHex('deadbeef'));
    const t = fixTransportChecksum(seg, IpProto.TCP, delivered, { kind: 'incremental', original });
    expect(t.ok && transportChecksum(delivered.src, delivered.dst, IpProto.TCP, t.value)).toBe(0);
  });

  it('recomputes, or zeroes an IPv4 UDP checksum but never an IPv6 one', () => {
    const udp = buildUdp({ ...original, srcPort: 1, dstPort: 2, payload: new Uint8Array(7) });
    const r = fixTransportChecksum(udp, IpProto.UDP, delivered, { kind: 'recompute' });
    expect(r.ok && verifyUdpChecksum(delivered.src, delivered.dst, r.value)).toBe(true);
    const z = fixTransportChecksum(udp, IpProto.UDP, delivered, { kind: 'zero-udp' });
    expect(z.ok && toHex(z.value.subarray(6, 8))).toBe('0000');
    const v6 = { src: parseIp('2001:db8::1')!, dst: parseIp('2001:db8::2')! };
    const z6 = fixTransportChecksum(udp, IpProto.UDP, v6, { kind: 'zero-udp' });
    expect(z6.ok || z6.error.code).toBe('unsupported');
    const tcpZero = fixTransportChecksum(tcp(original, new Uint8Array(0)), IpProto.TCP, delivered, {
      kind: 'zero-udp',
    });
    expect(tcpZero.ok).toBe(false);
  });

  it('leaves an IPv4 UDP segment without checksum and protocols without pseudo-header alone', () => {
    const udp = buildUdp({
      ...original,
      srcPort: 1,
      dstPort: 2,
      payload: new Uint8Array(3),
      zeroChecksum: true,
    });
    const f = fixTransportChecksum(udp, IpProto.UDP, delivered, { kind: 'incremental', original });
    expect(f.ok && f.value).toEqual(udp);
    const icmp = fromHex('0800f7ff00000000');
    const g = fixTransportChecksum(icmp, IpProto.ICMP, delivered, { kind: 'recompute' });
    expect(g.ok && g.value).toEqual(icmp);
    expect(fixTransportChecksum(new Uint8Array(5), IpProto.TCP, delivered, { kind: 'recompute' }).ok).toBe(
      false,
    );
  });

  it('incremental and full recomputation agree (property)', () => {
    const a4 = fc.uint8Array({ minLength: 4, maxLength: 4 });
    const a6 = fc.uint8Array({ minLength: 16, maxLength: 16 });
    fc.assert(
      fc.property(
        fc.oneof(fc.tuple(a4, a4, a4, a4), fc.tuple(a6, a6, a6, a6)),
        fc.constantFrom(IpProto.UDP, IpProto.TCP),
        fc.uint8Array({ maxLength: 64 }),
        ([os, od, ds, dd], proto, data) => {
          const orig = { src: os, dst: od };
          const deliv = { src: ds, dst: dd };
          const seg =
            proto === IpProto.UDP
              ? buildUdp({ ...orig, srcPort: 7, dstPort: 9, payload: data })
              : tcp(orig, data);
          const f = fixTransportChecksum(seg, proto, deliv, { kind: 'incremental', original: orig });
          return f.ok && transportChecksum(ds, dd, proto, f.value) === 0;
        },
      ),
      { numRuns: 500 },
    );
  });
});
