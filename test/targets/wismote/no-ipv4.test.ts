/**
 * A minimal firmware's IP layer without IPv4 (targets/wismote/no-ipv4.ts, linked by
 * scripts/build-mote.mjs where the IP dispatch, the flow extraction and the ESP pipeline import
 * ipsec/packet/ipv4.ts): 6LoWPAN carries IPv6 only. An IPv4 packet is refused as one of another
 * version by both readers; IPv6 reads as before. The QuickJS tests carry a handshake and
 * readings through the minimal firmware (IPv6 end to end).
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { extractFlow } from '../../../ipsec/packet/flow.js';
import { decodeIp } from '../../../ipsec/packet/ip.js';
import { buildIpv4 } from '../../../ipsec/packet/ipv4.js';
import { buildIpv6 } from '../../../ipsec/packet/ipv6.js';
import { IpProto } from '../../../ipsec/packet/proto.js';
import { buildUdp } from '../../../ipsec/packet/udp.js';

vi.mock('../../../ipsec/packet/ipv4.js', () => import('../../../targets/wismote/no-ipv4.js'));

const real = await vi.importActual<typeof import('../../../ipsec/packet/ipv4.js')>(
  '../../../ipsec/packet/ipv4.js',
);

describe('a minimal firmware carries no IPv4', () => {
  it('refuses an IPv4 packet as one of another version, reading it or building one', () => {
    const src = Uint8Array.of(192, 0, 2, 1);
    const dst = Uint8Array.of(192, 0, 2, 2);
    const packet = real.buildIpv4({
      src,
      dst,
      protocol: IpProto.UDP,
      payload: buildUdp({ src, dst, srcPort: 1, dstPort: 2, payload: new Uint8Array(4) }),
    });
    expect(real.decodeIpv4(packet).ok).toBe(true);
    for (const r of [decodeIp(packet), extractFlow(packet)])
      expect(r).toMatchObject({
        ok: false,
        error: { code: 'version', message: expect.stringMatching(/IPv6 only/) },
      });
    expect(() => buildIpv4({ src, dst, protocol: IpProto.UDP, payload: new Uint8Array(0) })).toThrow(
      RangeError,
    );
  });

  it('reads IPv6 as the stack does', () => {
    const address = fc.uint8Array({ minLength: 16, maxLength: 16 });
    fc.assert(
      fc.property(
        address,
        address,
        fc.integer({ min: 1, max: 65535 }),
        fc.uint8Array({ maxLength: 64 }),
        (src, dst, port, data) => {
          const payload = buildUdp({ src, dst, srcPort: port, dstPort: 5683, payload: data });
          const packet = buildIpv6({ src, dst, nextHeader: IpProto.UDP, payload });
          const flow = extractFlow(packet);
          expect(flow.ok && flow.value).toMatchObject({
            version: 6,
            src,
            dst,
            protocol: IpProto.UDP,
            srcPort: port,
            dstPort: 5683,
          });
          const decoded = decodeIp(packet);
          expect(decoded.ok && decoded.value).toMatchObject({
            version: 6,
            src,
            dst,
            nextHeader: IpProto.UDP,
          });
        },
      ),
    );
  });
});
