import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../ipsec/crypto/random.js';
import {
  detectNat,
  NAT_DETECTION_HASH_LENGTH,
  natAddressBytes,
  natDetectionHash,
  natDetectionNotifies,
} from '../../../ipsec/ike/nat.js';
import { PayloadType } from '../../../ipsec/ike/wire/constants.js';
import { decodeMessage } from '../../../ipsec/ike/wire/message.js';
import { NotifyStatus } from '../../../ipsec/ike/wire/notify-types.js';
import type { NotifyPayload } from '../../../ipsec/ike/wire/payload-types.js';
import { parseIp } from '../../../ipsec/packet/address.js';
import { concatBytes, fromHex, toHex } from '../../../ipsec/util/bytes.js';
import { PROVIDERS } from '../../support/providers.js';
import { loadStrongswanVectors, type VectorPacket } from '../../support/vectors.js';

const cases = loadStrongswanVectors();
const ZERO_SPI = new Uint8Array(8);

interface VectorNotify {
  sha1: string;
  hashed: string;
  address: string;
  port: number;
  real_address: boolean;
}

/** The NAT_DETECTION notifies of a captured IKE_SA_INIT message, decoded with our wire codec. */
function natNotifies(p: VectorPacket): {
  spiI: Uint8Array;
  spiR: Uint8Array;
  src: Uint8Array[];
  dst: Uint8Array[];
} {
  const r = decodeMessage(fromHex(p.hex));
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  const ns = r.value.payloads.filter((x): x is NotifyPayload => x.type === PayloadType.N);
  const of = (t: number) => ns.filter((n) => n.notifyType === t).map((n) => n.data);
  return {
    spiI: r.value.header.spiI,
    spiR: r.value.header.spiR,
    src: of(NotifyStatus.NAT_DETECTION_SOURCE_IP),
    dst: of(NotifyStatus.NAT_DETECTION_DESTINATION_IP),
  };
}

describe.each(PROVIDERS)('NAT detection (RFC 7296 §2.23), provider $name', (provider) => {
  describe.each(cases.map((c) => [c.file, c] as const))('strongSwan vectors %s', (_file, c) => {
    const sa = c.ike_sas[0]!;
    const nd = sa.nat_detection as Record<
      'request_source' | 'request_destination' | 'response_source' | 'response_destination',
      VectorNotify
    >;
    const spiI = fromHex(sa.spi_i);
    const spiR = fromHex(sa.spi_r);
    const request = c.packets.find((p) => p.exchange === 'IKE_SA_INIT' && !p.response)!;
    const response = c.packets.find((p) => p.exchange === 'IKE_SA_INIT' && p.response)!;

    it('recomputes all 4 hashes from SPIs, address and port (SPIr zero in the request)', () => {
      const entries = [
        [nd.request_source, ZERO_SPI],
        [nd.request_destination, ZERO_SPI],
        [nd.response_source, spiR],
        [nd.response_destination, spiR],
      ] as const;
      for (const [n, r] of entries) {
        const port = new Uint8Array([n.port >> 8, n.port & 0xff]);
        expect(toHex(concatBytes(spiI, r, parseIp(n.address)!, port))).toBe(n.hashed);
        expect(toHex(natDetectionHash(provider, spiI, r, n.address, n.port))).toBe(n.sha1);
        expect(toHex(natDetectionHash(provider, spiI, r, parseIp(n.address)!, n.port))).toBe(n.sha1);
      }
      // The source hashes are faked (encap = yes), the destination ones are real.
      expect([nd.request_source.real_address, nd.response_source.real_address]).toEqual([false, false]);
      expect([nd.request_destination.real_address, nd.response_destination.real_address]).toEqual([
        true,
        true,
      ]);
      expect([nd.request_source.port, nd.response_source.port]).toEqual([0, 0]);
    });

    it('the captured IKE_SA_INIT messages carry exactly these notifies', () => {
      const q = natNotifies(request);
      expect(q.src.map(toHex)).toEqual([nd.request_source.sha1]);
      expect(q.dst.map(toHex)).toEqual([nd.request_destination.sha1]);
      const s = natNotifies(response);
      expect(s.src.map(toHex)).toEqual([nd.response_source.sha1]);
      expect(s.dst.map(toHex)).toEqual([nd.response_destination.sha1]);
    });

    it('natDetectionNotifies with the faked address reproduces what strongSwan sent', () => {
      const fake = (n: VectorNotify) => () => parseIp(n.address)!; // the "random" IPv4 strongSwan drew
      const req = natDetectionNotifies(provider, {
        spiI,
        spiR: ZERO_SPI,
        local: { address: request.src, port: request.sport },
        remote: { address: request.dst, port: request.dport },
        fakeNatHash: fake(nd.request_source),
      });
      expect(toHex(req.source)).toBe(nd.request_source.sha1);
      expect(toHex(req.destination)).toBe(nd.request_destination.sha1);
      expect(req.fakedSource).toEqual({ address: parseIp(nd.request_source.address), port: 0 });
      expect(
        req.payloads.map((p) => [p.type, p.protocolId, p.spi.length, p.notifyType, toHex(p.data)]),
      ).toEqual([
        [41, 0, 0, 16388, nd.request_source.sha1],
        [41, 0, 0, 16389, nd.request_destination.sha1],
      ]);
      // The responder answers to where the request came from.
      const res = natDetectionNotifies(provider, {
        spiI,
        spiR,
        local: { address: response.src, port: response.sport },
        remote: { address: request.src, port: request.sport },
        fakeNatHash: fake(nd.response_source),
      });
      expect(toHex(res.source)).toBe(nd.response_source.sha1);
      expect(toHex(res.destination)).toBe(nd.response_destination.sha1);
    });

    it('each side concludes "NAT detected" (the peer is behind a NAT), as strongSwan did', () => {
      // Responder, on the request: source hash faked -> peer behind NAT; destination real -> we are not.
      const q = natNotifies(request);
      const atResponder = detectNat(provider, {
        spiI: q.spiI,
        spiR: q.spiR,
        sourceHashes: q.src,
        destinationHashes: q.dst,
        remote: { address: request.src, port: request.sport },
        local: { address: request.dst, port: request.dport },
      });
      expect(atResponder).toEqual({ supported: true, localBehindNat: false, remoteBehindNat: true });
      // Initiator, on the response.
      const s = natNotifies(response);
      const atInitiator = detectNat(provider, {
        spiI: s.spiI,
        spiR: s.spiR,
        sourceHashes: s.src,
        destinationHashes: s.dst,
        remote: { address: response.src, port: response.sport },
        local: { address: response.dst, port: response.dport },
      });
      expect(atInitiator).toEqual({ supported: true, localBehindNat: false, remoteBehindNat: true });
      // strongSwan then floated IKE to 4500 (RFC 7296 §2.23): the next message uses the NAT-T port.
      const next = c.packets.find((p) => p.exchange === 'IKE_AUTH')!;
      expect([next.sport, next.dport]).toEqual([4500, 4500]);
    });
  });

  describe('synthetic', () => {
    const rnd = seededRandom('nat');
    const spiI = rnd(8);
    const spiR = rnd(8);
    const I = { address: '192.0.2.10', port: 500 };
    const R = { address: '198.51.100.1', port: 500 };

    /** The responder's view of a request sent from `sentFrom` to `sentTo` that arrives from `seenFrom` at `seenAt`. */
    const exchange = (
      sentFrom: { address: string; port: number },
      sentTo: { address: string; port: number },
      seenFrom: { address: string; port: number },
      seenAt: { address: string; port: number },
    ) => {
      const n = natDetectionNotifies(provider, { spiI, spiR: ZERO_SPI, local: sentFrom, remote: sentTo });
      return detectNat(provider, {
        spiI,
        spiR: ZERO_SPI,
        sourceHashes: [n.source],
        destinationHashes: [n.destination],
        remote: seenFrom,
        local: seenAt,
      });
    };

    it('no NAT: the addresses arrive as sent', () => {
      expect(exchange(I, R, I, R)).toEqual({
        supported: true,
        localBehindNat: false,
        remoteBehindNat: false,
      });
    });

    it('NAT in front of the sender: its source address or port was translated', () => {
      const mapped = { address: '203.0.113.7', port: 500 };
      expect(exchange(I, R, mapped, R)).toEqual({
        supported: true,
        localBehindNat: false,
        remoteBehindNat: true,
      });
      // A port-only translation (NAPT keeping the address) is a NAT too: the port is hashed.
      expect(exchange(I, R, { ...I, port: 61000 }, R).remoteBehindNat).toBe(true);
    });

    it('NAT in front of the receiver: the sender addressed a public address that was forwarded', () => {
      const privateR = { address: '10.0.0.2', port: 500 };
      expect(exchange(I, R, I, privateR)).toEqual({
        supported: true,
        localBehindNat: true,
        remoteBehindNat: false,
      });
      expect(exchange(I, R, { address: '203.0.113.7', port: 4501 }, privateR)).toEqual({
        supported: true,
        localBehindNat: true,
        remoteBehindNat: true,
      });
    });

    it('IPv6: 16-octet addresses, text and octets agree, zone and mapping handled', () => {
      const I6 = { address: '2001:db8::10', port: 500 };
      const R6 = { address: '2001:db8:1::1', port: 4500 };
      const h = natDetectionHash(provider, spiI, spiR, I6.address, I6.port);
      const expected = provider.hash(
        'sha1',
        concatBytes(spiI, spiR, fromHex('20010db8000000000000000000000010'), new Uint8Array([0x01, 0xf4])),
      );
      expect(h).toEqual(expected);
      expect(h.length).toBe(NAT_DETECTION_HASH_LENGTH);
      expect(natDetectionHash(provider, spiI, spiR, '2001:DB8:0::10', 500)).toEqual(h);
      expect(natAddressBytes('fe80::1%eth0')).toEqual(parseIp('fe80::1'));
      expect(natAddressBytes('::ffff:192.0.2.1')).toEqual(new Uint8Array([192, 0, 2, 1]));
      expect(exchange(I6, R6, I6, R6)).toEqual({
        supported: true,
        localBehindNat: false,
        remoteBehindNat: false,
      });
      expect(exchange(I6, R6, { ...I6, address: '2001:db8::11' }, R6).remoteBehindNat).toBe(true);
      expect(exchange(I6, R6, I6, { ...R6, port: 500 }).localBehindNat).toBe(true);
    });

    it('one matching source hash among several suffices (multihomed sender)', () => {
      const other = natDetectionHash(provider, spiI, ZERO_SPI, '192.0.2.99', 500);
      const mine = natDetectionHash(provider, spiI, ZERO_SPI, I.address, I.port);
      const dst = natDetectionHash(provider, spiI, ZERO_SPI, R.address, R.port);
      const view = { spiI, spiR: ZERO_SPI, destinationHashes: [dst], remote: I, local: R };
      expect(detectNat(provider, { ...view, sourceHashes: [other, mine] }).remoteBehindNat).toBe(false);
      expect(detectNat(provider, { ...view, sourceHashes: [other] }).remoteBehindNat).toBe(true);
    });

    it('fakeNatHash makes an un-NATed path look NATed to the peer (forced encapsulation)', () => {
      const n = natDetectionNotifies(provider, {
        spiI,
        spiR: ZERO_SPI,
        local: I,
        remote: R,
        fakeNatHash: rnd,
      });
      expect(n.fakedSource?.address.length).toBe(4);
      expect(n.fakedSource?.port).toBe(0);
      const seen = detectNat(provider, {
        spiI,
        spiR: ZERO_SPI,
        sourceHashes: [n.source],
        destinationHashes: [n.destination],
        remote: I,
        local: R,
      });
      expect(seen).toEqual({ supported: true, localBehindNat: false, remoteBehindNat: true });
    });

    it('no verdict without both kinds of notify; malformed hashes just do not match', () => {
      const n = natDetectionNotifies(provider, { spiI, spiR: ZERO_SPI, local: I, remote: R });
      const base = { spiI, spiR: ZERO_SPI, remote: I, local: R };
      const none = { supported: false, localBehindNat: false, remoteBehindNat: false };
      expect(detectNat(provider, { ...base, sourceHashes: [], destinationHashes: [] })).toEqual(none);
      expect(detectNat(provider, { ...base, sourceHashes: [n.source], destinationHashes: [] })).toEqual(none);
      expect(detectNat(provider, { ...base, sourceHashes: [], destinationHashes: [n.destination] })).toEqual(
        none,
      );
      expect(
        detectNat(provider, {
          ...base,
          sourceHashes: [n.source.subarray(0, 19), new Uint8Array(0)],
          destinationHashes: [new Uint8Array(64)],
        }),
      ).toEqual({ supported: true, localBehindNat: true, remoteBehindNat: true });
    });

    it('peer hash data of any shape never throws (property)', () => {
      const bytes = fc.uint8Array({ maxLength: 40 });
      fc.assert(
        fc.property(fc.array(bytes, { maxLength: 4 }), fc.array(bytes, { maxLength: 4 }), (src, dst) => {
          const r = detectNat(provider, {
            spiI,
            spiR,
            sourceHashes: src,
            destinationHashes: dst,
            remote: I,
            local: R,
          });
          expect(r.supported).toBe(src.length > 0 && dst.length > 0);
        }),
        { numRuns: 200 },
      );
    });

    it('rejects malformed local inputs (programming errors) with TypeError', () => {
      expect(() => natDetectionHash(provider, spiI.subarray(0, 4), spiR, I.address, 500)).toThrow(TypeError);
      expect(() => natDetectionHash(provider, spiI, spiR, new Uint8Array(5), 500)).toThrow(TypeError);
      expect(() => natDetectionHash(provider, spiI, spiR, 'not-an-ip', 500)).toThrow(TypeError);
      expect(() => natDetectionHash(provider, spiI, spiR, I.address, 65536)).toThrow(TypeError);
    });
  });
});
