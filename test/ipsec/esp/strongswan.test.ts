/**
 * Real strongSwan 5.9.8 ESP packets (test/vectors/strongswan): every ESP packet decrypts with
 * the keys of its CHILD SA to exactly the captured inner packet, and re-encapsulating that
 * packet with the same sequence number and IV reproduces the packet byte for byte.
 */
import { describe, expect, it } from 'vitest';
import { mustEncr, mustInteg } from '../../../ipsec/crypto/transforms.js';
import type { CryptoProvider } from '../../../ipsec/crypto/types.js';
import { espDecapsulate, espEncapsulate } from '../../../ipsec/esp/esp.js';
import { createEspSaFromKeys, type EspDirection, type EspSa } from '../../../ipsec/esp/sa.js';
import { classifyNatTDatagram } from '../../../ipsec/esp/udp-encap.js';
import { formatIp } from '../../../ipsec/packet/address.js';
import { decodeIcmp, echoFields, IcmpType } from '../../../ipsec/packet/icmp.js';
import { decodeIpv4 } from '../../../ipsec/packet/ipv4.js';
import { IpProto } from '../../../ipsec/packet/proto.js';
import { fromHex, toHex } from '../../../ipsec/util/bytes.js';
import { PROVIDERS } from '../../support/providers.js';
import { loadStrongswanVectors, type VectorCase, type VectorPacket } from '../../support/vectors.js';

const CASES = loadStrongswanVectors();

function espPackets(c: VectorCase): VectorPacket[] {
  return c.packets.filter((p) => p.kind === 'esp');
}

function saFor(
  provider: CryptoProvider,
  c: VectorCase,
  pkt: VectorPacket,
  direction: EspDirection,
  iv?: Uint8Array,
): EspSa {
  const child = c.child_sas[pkt.child_sa!]!;
  const keys = pkt.dir === 'i->r' ? child.key_i : child.key_r; // key_i protects i->r
  const encr = mustEncr(child.encr_id, child.encr_key_bits ?? undefined);
  const integ = child.integ_id ? mustInteg(child.integ_id) : undefined;
  const created = createEspSaFromKeys(
    {
      provider,
      encr,
      encrKey: fromHex(keys.encr),
      ...(integ ? { integ, integKey: fromHex(keys.integ) } : {}),
    },
    {
      spi: Number.parseInt(pkt.esp_spi!, 16),
      direction,
      mode: 'tunnel',
      esn: child.esn,
      ...(iv ? { ivSource: () => iv } : {}),
    },
  );
  if (!created.ok) throw new Error(created.error.message);
  return created.value;
}

describe('strongSwan vector files', () => {
  it('hold 10 ESP packets in each of the 7 cases', () => {
    expect(CASES).toHaveLength(7);
    for (const c of CASES) expect(espPackets(c)).toHaveLength(10);
  });
});

describe.each(PROVIDERS)('ESP against strongSwan captures ($name provider)', (provider) => {
  describe.each(CASES.map((c) => [c.case, c] as const))('%s', (_name, c) => {
    it.each(espPackets(c).map((p) => [p.n, p.dir, p] as const))(
      'packet %i (%s) decrypts',
      (_n, _dir, pkt) => {
        const packet = fromHex(pkt.hex);
        const classified = classifyNatTDatagram(packet); // it arrived on port 4500 (RFC 3948)
        expect(classified.ok && classified.value.kind).toBe('esp');
        const sa = saFor(provider, c, pkt, 'inbound');
        const result = espDecapsulate(sa, packet);
        if (!result.ok) throw new Error(`dropped: ${result.error.reason}`);
        expect(result.value.seq).toBe(pkt.esp_seq);
        expect(result.value.nextHeader).toBe(pkt.esp_next_header);
        expect(toHex(result.value.payload)).toBe(pkt.esp_plaintext_hex);
        expect(sa.replay!.top).toBe(pkt.esp_seq);
        // The same packet again is a replay (RFC 4303 §3.4.3).
        expect(espDecapsulate(sa, packet)).toEqual({
          ok: false,
          error: { reason: 'replay', seq: pkt.esp_seq },
        });
      },
    );

    it.each(espPackets(c).map((p) => [p.n, p.dir, p] as const))(
      'packet %i (%s) re-encapsulates byte for byte',
      (_n, _dir, pkt) => {
        const sa = saFor(provider, c, pkt, 'outbound', fromHex(pkt.esp_iv!));
        sa.seq = pkt.esp_seq! - 1;
        const result = espEncapsulate(sa, fromHex(pkt.esp_plaintext_hex!), pkt.esp_next_header!);
        if (!result.ok) throw new Error(result.error.message);
        expect(toHex(result.value)).toBe(pkt.hex);
      },
    );
  });
});

describe('inner packets of the strongSwan captures', () => {
  it.each(CASES.flatMap((c) => espPackets(c).map((p) => [c.case, p.n, p] as const)))(
    '%s packet %i is an ICMP echo between the inner hosts',
    (_case, _n, pkt) => {
      const ip = decodeIpv4(fromHex(pkt.esp_plaintext_hex!));
      if (!ip.ok) throw new Error(ip.error.message);
      expect(ip.value.protocol).toBe(IpProto.ICMP);
      const request = pkt.dir === 'i->r'; // the initiator's inner host pings the responder's
      expect(formatIp(ip.value.src)).toBe(request ? '10.99.2.1' : '10.99.1.1');
      expect(formatIp(ip.value.dst)).toBe(request ? '10.99.1.1' : '10.99.2.1');
      const icmp = decodeIcmp(ip.value.payload);
      if (!icmp.ok) throw new Error(icmp.error.message);
      expect(icmp.value.type).toBe(request ? IcmpType.ECHO_REQUEST : IcmpType.ECHO_REPLY);
      expect(echoFields(icmp.value).data).toHaveLength(56); // ping's default payload
    },
  );
});
