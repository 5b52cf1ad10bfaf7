import { describe, expect, it } from 'vitest';
import { decodeIpv6 } from '../../../../ipsec/packet/ipv6.js';
import { decodeUdp, verifyUdpChecksum } from '../../../../ipsec/packet/udp.js';
import { VirtualClock } from '../../../../ipsec/util/clock.js';
import { decodeFragmentHeader } from '../../../../transport/radio/sixlowpan/frag.js';
import { expandHeaders } from '../../../../transport/radio/sixlowpan/headers.js';
import { Reassembler } from '../../../../transport/radio/sixlowpan/reassembly.js';

// The MAC payloads of three 802.15.4 frames of one fragmented UDP datagram sent by a Linux
// 6LoWPAN stack, as published in smoltcp's sixlowpan tests (src/wire/sixlowpan/mod.rs): FRAG1
// with datagram_size 307 and tag 0x3f, IPHC 6e33 (TF=01, NH=1, HLIM=64, SAM=DAM=11 stateless),
// UDP NHC f0 (ports and checksum inline); FRAGNs at offsets 17 and 29 (x 8 octets). The link
// addresses are extended (EUI-64) 32:93:82:2f:28:08:3e:d9 -> 1a:0b:42:42:42:42:42:42.
const ascii = (s: string): string => Buffer.from(s).toString('hex');
const FRAMES = [
  `c133003f6e3302353df0d25f1b39b46b${ascii('Lorem ipsum dolor sit amet, consectetur adipiscing elit. Aliquam dui odio, iaculis vel r')}`,
  `e133003f11${ascii('utrum at, tristique non nunc erat curae. Lorem ipsum dolor sit amet, consectetur adipiscing elit')}`,
  `e133003f1d${ascii('. Aliquam dui odio, iaculis vel rutrum at, tristique non nunc erat curae. \n')}`,
].map((h) => new Uint8Array(Buffer.from(h, 'hex')));
const LINK = {
  src: Uint8Array.of(0x32, 0x93, 0x82, 0x2f, 0x28, 0x08, 0x3e, 0xd9),
  dst: Uint8Array.of(0x1a, 0x0b, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42),
};

describe('a Linux 6LoWPAN capture (RFC 6282 IPHC, RFC 4944 fragments)', () => {
  it('reassembles and decompresses to a datagram whose UDP checksum verifies', () => {
    for (const order of [
      [0, 1, 2],
      [2, 0, 1],
      [1, 2, 0],
    ]) {
      const r = new Reassembler({ clock: new VirtualClock() });
      let whole: Uint8Array | undefined;
      for (const i of order) {
        const frame = FRAMES[i]!;
        const h = decodeFragmentHeader(frame);
        if (!h.ok) throw new Error(h.error.message);
        const { datagramSize, datagramTag, offset, end } = h.value;
        let data: Uint8Array = frame.subarray(end);
        if (h.value.kind === 'FRAG1') {
          const x = expandHeaders(frame, end, LINK, [], datagramSize);
          if (!x.ok) throw new Error(x.error.message);
          data = x.value;
          expect(data.length).toBe(136); // 48 octets of headers + 88, so the next offset is 17
        }
        whole = r.add({ ...LINK, datagramSize, datagramTag }, offset, data) ?? whole;
      }
      expect(whole?.length).toBe(307);
      const ip = decodeIpv6(whole!);
      if (!ip.ok) throw new Error(ip.error.message);
      expect(Buffer.from(ip.value.src).toString('hex')).toBe('fe80000000000000' + '3093822f28083ed9');
      expect(Buffer.from(ip.value.dst).toString('hex')).toBe('fe80000000000000' + '180b424242424242');
      expect(ip.value).toMatchObject({
        flowLabel: 0x2353d,
        trafficClass: 0,
        hopLimit: 64,
        payloadLength: 267,
      });
      const udp = decodeUdp(ip.value.payload);
      expect(udp.ok && udp.value).toMatchObject({ srcPort: 0xd25f, dstPort: 0x1b39, length: 267 });
      expect(verifyUdpChecksum(ip.value.src, ip.value.dst, ip.value.payload)).toBe(true);
    }
  });
});
