/**
 * RFC 7634 Appendix A: the ESP example with ChaCha20-Poly1305, as a whole ESP packet
 * (SPI 0x01020304, sequence number 5, IV 0x1011121314151617, tunnel mode, inner IPv4 ICMP).
 */
import { describe, expect, it } from 'vitest';
import { EncrId } from '../../../ipsec/crypto/ids.js';
import { mustEncr } from '../../../ipsec/crypto/transforms.js';
import { espDecapsulate, espEncapsulate } from '../../../ipsec/esp/esp.js';
import { createEspSaFromKeys } from '../../../ipsec/esp/sa.js';
import { fromHex, toHex } from '../../../ipsec/util/bytes.js';
import { PROVIDERS } from '../../support/providers.js';

const hexRange = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => (from + i).toString(16).padStart(2, '0')).join('');

// Key material: 32-byte key 80..9f, then the 4-byte salt a0a1a2a3 (RFC 7634 §2).
const KEY = fromHex(`${hexRange(0x80, 0x9f)}a0a1a2a3`);
const INNER = fromHex(
  `45000054a6f200004001e778c6336405c000020508005b7a3a080000553bec1000073627${hexRange(0x08, 0x37)}`,
);
const PACKET = fromHex(
  '0102030400000005' + // SPI | sequence number
    '1011121314151617' + // IV
    '24039428b97f417e3c13753a4f05087b67c352e6a7fab1b982d466ef407ae5c6' +
    '14ee8099d52844eb61aa95dfab4c02f72aa71e7c4c4f64c9befe2facc638e8f3' +
    'cbec163fac469b502773f6fb94e664da9165b82829f641e0' +
    '76aaa8266b7fb0f7b11b369907e1ad43', // ICV
);

describe.each(PROVIDERS)('RFC 7634 Appendix A ESP packet ($name provider)', (provider) => {
  const encr = mustEncr(EncrId.CHACHA20_POLY1305);
  const sa = (direction: 'outbound' | 'inbound') => {
    const r = createEspSaFromKeys(
      { provider, encr, encrKey: KEY },
      { spi: 0x01020304, direction, mode: 'tunnel', ivSource: () => fromHex('1011121314151617') },
    );
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  };

  it('encapsulates the inner packet to the published ESP packet (padding 01 02, pad length 2, next header 4)', () => {
    const out = sa('outbound');
    out.seq = 4; // the next packet carries sequence number 5
    const packet = espEncapsulate(out, INNER, 4);
    expect(packet.ok && toHex(packet.value)).toBe(toHex(PACKET));
  });

  it('decapsulates the published packet to the inner IPv4 packet', () => {
    const got = espDecapsulate(sa('inbound'), PACKET);
    expect(
      got.ok && { seq: got.value.seq, nh: got.value.nextHeader, inner: toHex(got.value.payload) },
    ).toEqual({
      seq: 5,
      nh: 4,
      inner: toHex(INNER),
    });
  });
});
