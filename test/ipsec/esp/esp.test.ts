/** ESP packet processing rules (RFC 4303), checked on the wire bytes. */
import { describe, expect, it } from 'vitest';
import { EncrId, IntegId } from '../../../ipsec/crypto/ids.js';
import { nobleProvider } from '../../../ipsec/crypto/noble/index.js';
import { seededRandom } from '../../../ipsec/crypto/random.js';
import { mustEncr, mustInteg } from '../../../ipsec/crypto/transforms.js';
import type { EncrTransform, IntegTransform } from '../../../ipsec/crypto/types.js';
import { espDecapsulate, espEncapsulate } from '../../../ipsec/esp/esp.js';
import {
  createEspSa,
  createEspSaFromKeys,
  defaultIvSource,
  destroyEspSa,
  type EspMode,
  type EspSa,
  type EspSaConfig,
  sequenceIv,
} from '../../../ipsec/esp/sa.js';
import { parseIp } from '../../../ipsec/packet/address.js';
import { buildIpv4 } from '../../../ipsec/packet/ipv4.js';
import { buildIpv6 } from '../../../ipsec/packet/ipv6.js';
import { IpProto } from '../../../ipsec/packet/proto.js';
import { concatBytes, fromHex, toHex } from '../../../ipsec/util/bytes.js';

const provider = nobleProvider;
const TWO_32 = 2 ** 32;
const SPI = 0x12345678;
const NULL = mustEncr(EncrId.NULL);
const CBC = mustEncr(EncrId.AES_CBC, 128);
const GCM = mustEncr(EncrId.AES_GCM_16, 128);
const CHACHA = mustEncr(EncrId.CHACHA20_POLY1305);
const SHA256 = mustInteg(IntegId.HMAC_SHA2_256_128);

interface Pair {
  out: EspSa;
  in: EspSa;
  encrKey: Uint8Array;
  integKey: Uint8Array | undefined;
}

function pair(
  encr: EncrTransform,
  integ: IntegTransform | undefined,
  opts: { mode?: EspMode; esn?: boolean; replayWindow?: number; hardLimits?: EspSaConfig['hardLimits'] } = {},
): Pair {
  const random = seededRandom(`${encr.name}-${integ?.name}`);
  const encrKey = random(encr.keyLength);
  const integKey = integ ? random(integ.keyLength) : undefined;
  const keys = { provider, encr, encrKey, ...(integ && integKey ? { integ, integKey } : {}), random };
  const base = { spi: SPI, mode: opts.mode ?? 'transport', esn: opts.esn ?? false };
  const out = createEspSaFromKeys(keys, {
    ...base,
    direction: 'outbound',
    ...(opts.hardLimits ? { hardLimits: opts.hardLimits } : {}),
  });
  const inn = createEspSaFromKeys(keys, {
    ...base,
    direction: 'inbound',
    ...(opts.replayWindow ? { replayWindow: opts.replayWindow } : {}),
    ...(opts.hardLimits ? { hardLimits: opts.hardLimits } : {}),
  });
  if (!out.ok || !inn.ok) throw new Error('SA creation failed');
  return { out: out.value, in: inn.value, encrKey, integKey };
}

function seal(sa: EspSa, payload: Uint8Array, nextHeader: number = IpProto.UDP): Uint8Array {
  const r = espEncapsulate(sa, payload, nextHeader);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

const bytes = (n: number, seed = 0): Uint8Array =>
  Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);

describe('ESP packet layout with ENCR_NULL (the plaintext is on the wire)', () => {
  it('is SPI | Seq | Payload | 1,2,3,... | Pad Length | Next Header | ICV (§2)', () => {
    const { out, in: inn } = pair(NULL, SHA256);
    for (let n = 0; n < 12; n++) {
      const payload = bytes(n, n);
      const packet = seal(out, payload, 17);
      const pad = (4 - ((n + 2) % 4)) % 4; // §2.4: 4-byte alignment for a block size of 1
      expect(packet.length).toBe(8 + n + pad + 2 + 16);
      expect(toHex(packet.subarray(0, 4))).toBe('12345678');
      expect(toHex(packet.subarray(4, 8))).toBe((n + 1).toString(16).padStart(8, '0')); // first packet is 1 (§3.3.3)
      expect(packet.subarray(8, 8 + n)).toEqual(payload);
      expect(Array.from(packet.subarray(8 + n, 8 + n + pad))).toEqual(
        Array.from({ length: pad }, (_, i) => i + 1),
      );
      expect(packet[8 + n + pad]).toBe(pad);
      expect(packet[8 + n + pad + 1]).toBe(17);
      // §3.3.2: ICV over SPI | Seq | IV | ciphertext.
      const mac = provider.mac(SHA256, pair(NULL, SHA256).integKey!);
      expect(packet.subarray(packet.length - 16)).toEqual(
        mac.compute(packet.subarray(0, packet.length - 16)),
      );
      const back = espDecapsulate(inn, packet);
      expect(back.ok && back.value.payload).toEqual(payload);
    }
  });

  it('with ESN appends the high-order sequence bits to the ICV input only (§2.2.1, Appendix A)', () => {
    const { out, in: inn, integKey } = pair(NULL, SHA256, { esn: true });
    out.seq = 7 * TWO_32 + 41; // next packet: Seqh = 7, Seql = 42
    inn.replay!.commit(7 * TWO_32 + 40);
    const packet = seal(out, bytes(10));
    expect(packet.length).toBe(8 + 12 + 16); // nothing extra on the wire
    expect(toHex(packet.subarray(4, 8))).toBe('0000002a');
    const mac = provider.mac(SHA256, integKey!);
    const covered = packet.subarray(0, packet.length - 16);
    expect(packet.subarray(packet.length - 16)).toEqual(
      mac.compute(concatBytes(covered, fromHex('00000007'))),
    );
    expect(packet.subarray(packet.length - 16)).not.toEqual(mac.compute(covered));
    const back = espDecapsulate(inn, packet);
    expect(back.ok && back.value.seq).toBe(7 * TWO_32 + 42);
  });
});

describe('padding (§2.4)', () => {
  it('aligns CBC to its 16-byte block and stream/AEAD modes to 4 bytes', () => {
    for (const [encr, integ, align] of [
      [CBC, SHA256, 16],
      [GCM, undefined, 4],
      [CHACHA, undefined, 4],
    ] as const) {
      const { out } = pair(encr, integ);
      for (let n = 0; n < 40; n++) {
        const packet = seal(out, bytes(n));
        const encrypted = packet.length - 8 - encr.ivLength - (integ?.icvLength ?? encr.icvLength);
        expect(encrypted % align).toBe(0);
        expect(encrypted - n - 2).toBeLessThan(align); // minimal padding
        expect(encrypted - n - 2).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('rejects pad bytes other than 1,2,3,... and a pad length beyond the payload', () => {
    const { in: inn, integKey } = pair(NULL, SHA256);
    const mac = provider.mac(SHA256, integKey!);
    const build = (seq: number, body: number[]): Uint8Array => {
      const covered = concatBytes(fromHex('12345678'), Uint8Array.of(0, 0, 0, seq), Uint8Array.from(body));
      return concatBytes(covered, mac.compute(covered));
    };
    // Valid: payload aa bb cc dd e1 | pad 01 | pad length 1 | next header 17 (8 bytes).
    expect(espDecapsulate(inn, build(1, [0xaa, 0xbb, 0xcc, 0xdd, 0xe1, 1, 1, 17])).ok).toBe(true);
    // Pad byte 2 where 1 belongs.
    expect(espDecapsulate(inn, build(2, [0xaa, 0xbb, 0xcc, 0xdd, 0xe1, 2, 1, 17]))).toEqual({
      ok: false,
      error: { reason: 'padding', seq: 2 },
    });
    // Pad Length 7 but only 6 bytes before the trailer.
    expect(espDecapsulate(inn, build(3, [1, 2, 3, 4, 5, 6, 7, 17]))).toEqual({
      ok: false,
      error: { reason: 'padding', seq: 3 },
    });
    // A bad-padding packet was not committed: a correct packet with that number still passes.
    expect(espDecapsulate(inn, build(2, [1, 2, 3, 4, 5, 6, 6, 17])).ok).toBe(true);
  });
});

describe('AEAD additional authenticated data', () => {
  it.each([GCM, CHACHA])(
    '%s: SPI | Seq, or SPI | Seqh | Seql with ESN (RFC 4106 §5, RFC 7634 §2.1)',
    (encr) => {
      for (const esn of [false, true]) {
        const { out, encrKey } = pair(encr, undefined, { esn });
        out.seq = esn ? 3 * TWO_32 + 9 : 9;
        const packet = seal(out, bytes(20));
        const cipher = provider.cipher(encr, encrKey);
        const aad = esn ? fromHex('12345678000000030000000a') : fromHex('123456780000000a');
        const plaintext = cipher.decrypt(packet.subarray(8, 16), packet.subarray(16), aad);
        expect(plaintext && toHex(plaintext.subarray(0, 20))).toBe(toHex(bytes(20)));
        expect(packet.subarray(8, 16)).toEqual(sequenceIv(8, out.seq)); // the counter IV
      }
    },
  );
});

describe('sequence numbers', () => {
  it('end a 32-bit SA at 2^32 - 1 without cycling (§3.3.3)', () => {
    const { out, in: inn } = pair(GCM, undefined);
    out.seq = TWO_32 - 2;
    inn.replay!.commit(TWO_32 - 10);
    const last = seal(out, bytes(8));
    expect(toHex(last.subarray(4, 8))).toBe('ffffffff');
    const r = espEncapsulate(out, bytes(8), 17);
    expect(r.ok || r.error.code).toBe('sequence-overflow');
    expect(out.dead).toBe(true);
    const again = espEncapsulate(out, bytes(8), 17);
    expect(again.ok || again.error.code).toBe('sa-dead');
    expect(espDecapsulate(inn, last).ok).toBe(true);
  });

  it('carry into the high-order bits with ESN, and the receiver follows (Appendix A2.2)', () => {
    for (const [encr, integ] of [
      [GCM, undefined],
      [CBC, SHA256],
    ] as const) {
      const { out, in: inn } = pair(encr, integ, { esn: true });
      out.seq = TWO_32 - 201; // a fresh receiver (T = 0) takes 2^32 - 200 as Seqh = 0 (Case B)
      for (let i = 0; i < 300; i++) {
        const packet = seal(out, bytes(i));
        const r = espDecapsulate(inn, packet);
        if (!r.ok) throw new Error(`${encr.name} packet ${i}: ${r.error.reason}`);
        expect(r.value.seq).toBe(TWO_32 - 200 + i);
        expect(toHex(packet.subarray(4, 8))).toBe(
          ((TWO_32 - 200 + i) % TWO_32).toString(16).padStart(8, '0'),
        );
      }
      expect(inn.replay!.top).toBe(TWO_32 + 99);
    }
  });

  it('a packet from below the ESN window is taken as the next subspace and fails the ICV', () => {
    for (const [encr, integ] of [
      [GCM, undefined],
      [CBC, SHA256],
    ] as const) {
      const { out, in: inn } = pair(encr, integ, { esn: true });
      inn.replay!.commit(5 * TWO_32 + 1000); // window [5*2^32 + 873, 5*2^32 + 1000]
      out.seq = 5 * TWO_32 + 499;
      const old = seal(out, bytes(30));
      expect(espDecapsulate(inn, old)).toEqual({
        ok: false,
        error: { reason: 'icv', seq: 6 * TWO_32 + 500 },
      });
      out.seq = 5 * TWO_32 + 899;
      expect(espDecapsulate(inn, seal(out, bytes(30))).ok).toBe(true); // inside the window: Th
    }
  });

  it('drop a 32-bit duplicate before the ICV is computed (§3.4.3)', () => {
    const { out, in: inn } = pair(CBC, SHA256);
    const packet = seal(out, bytes(50));
    expect(espDecapsulate(inn, packet).ok).toBe(true);
    const tampered = packet.slice();
    tampered[tampered.length - 1]! ^= 1; // a bad ICV, but the replay check comes first
    expect(espDecapsulate(inn, tampered)).toEqual({ ok: false, error: { reason: 'replay', seq: 1 } });
  });
});

describe('TFC (§2.6, §2.7) and modes', () => {
  const v4 = buildIpv4({
    src: parseIp('10.0.0.1')!,
    dst: parseIp('10.0.0.2')!,
    protocol: IpProto.UDP,
    payload: bytes(30),
  });
  const v6 = buildIpv6({
    src: parseIp('2001:db8::1')!,
    dst: parseIp('2001:db8::2')!,
    nextHeader: IpProto.UDP,
    payload: bytes(30),
  });

  it('drops dummy packets (Next Header 59) after authenticating and committing them', () => {
    const { out, in: inn } = pair(GCM, undefined, { mode: 'tunnel' });
    const dummy = seal(out, bytes(64), IpProto.NO_NEXT_HEADER);
    expect(espDecapsulate(inn, dummy)).toEqual({ ok: false, error: { reason: 'dummy', seq: 1 } });
    expect(espDecapsulate(inn, dummy)).toEqual({ ok: false, error: { reason: 'replay', seq: 1 } });
    expect(inn.lifetime.packets).toBe(1);
  });

  it('strips TFC padding after a tunnelled IPv4 or IPv6 packet', () => {
    const { out, in: inn } = pair(CHACHA, undefined, { mode: 'tunnel' });
    for (const [inner, nh] of [
      [v4, IpProto.IPV4],
      [v6, IpProto.IPV6],
    ] as const) {
      const r = espDecapsulate(inn, seal(out, concatBytes(inner, new Uint8Array(77)), nh));
      expect(r.ok && r.value.payload).toEqual(inner);
      expect(r.ok && r.value.nextHeader).toBe(nh);
    }
  });

  it('tunnel mode carries only IP packets whose version matches the Next Header', () => {
    const { out, in: inn } = pair(GCM, undefined, { mode: 'tunnel' });
    const r = espEncapsulate(out, bytes(20), IpProto.UDP);
    expect(r.ok || r.error.code).toBe('next-header');
    expect(espDecapsulate(inn, seal(out, v6, IpProto.IPV4))).toEqual({
      ok: false,
      error: { reason: 'next-header', seq: 1 },
    });
    // An inner packet claiming more bytes than it has.
    expect(espDecapsulate(inn, seal(out, v4.subarray(0, 40), IpProto.IPV4))).toEqual({
      ok: false,
      error: { reason: 'malformed', seq: 2 },
    });
  });

  it('transport mode carries any upper-layer protocol as it is', () => {
    const { out, in: inn } = pair(CBC, SHA256, { mode: 'transport' });
    for (const nh of [IpProto.TCP, IpProto.UDP, IpProto.ICMP, 253]) {
      const r = espDecapsulate(inn, seal(out, bytes(33, nh), nh));
      expect(r.ok && r.value.nextHeader).toBe(nh);
      expect(r.ok && r.value.payload).toEqual(bytes(33, nh));
    }
  });
});

describe('SA checks', () => {
  it('refuses inconsistent configurations', () => {
    const cipher = provider.cipher(GCM, new Uint8Array(GCM.keyLength));
    const mac = provider.mac(SHA256, new Uint8Array(32));
    const nullCipher = provider.cipher(NULL, new Uint8Array(0));
    const base = { direction: 'inbound', mode: 'tunnel', cipher } as const;
    const code = (c: EspSaConfig): string | undefined => {
      const r = createEspSa(c);
      return r.ok ? undefined : r.error.code;
    };
    expect(code({ ...base, spi: 0 })).toBe('invalid-spi'); // RFC 4303 §2.1
    expect(code({ ...base, spi: 255 })).toBe('invalid-spi');
    expect(code({ ...base, spi: 2 ** 32 })).toBe('invalid-spi');
    expect(code({ ...base, spi: 256 })).toBeUndefined();
    expect(code({ ...base, spi: SPI, mac })).toBe('invalid-transforms');
    expect(code({ ...base, spi: SPI, cipher: nullCipher })).toBe('invalid-transforms');
    expect(code({ ...base, spi: SPI, replayWindow: 100 })).toBe('invalid-replay-window');
    expect(code({ ...base, spi: SPI, direction: 'outbound' })).toBe('missing-iv-source');
    expect(code({ ...base, spi: SPI, direction: 'outbound', ivSource: sequenceIv })).toBeUndefined();
  });

  it('drops packets for another SPI, of the wrong direction, too short or misaligned', () => {
    const { out, in: inn } = pair(CBC, SHA256);
    const packet = seal(out, bytes(10));
    const other = packet.slice();
    other[3]! ^= 1;
    expect(espDecapsulate(inn, other)).toEqual({ ok: false, error: { reason: 'spi' } });
    expect(espDecapsulate(out, packet)).toEqual({ ok: false, error: { reason: 'wrong-direction' } });
    expect(espEncapsulate(inn, bytes(1), 17).ok).toBe(false);
    expect(espDecapsulate(inn, packet.subarray(0, 8 + 16 + 16))).toEqual({
      ok: false,
      error: { reason: 'malformed' },
    });
    expect(espDecapsulate(inn, concatBytes(packet, new Uint8Array(4)))).toEqual({
      ok: false,
      error: { reason: 'malformed' },
    });
    expect(espDecapsulate(inn, new Uint8Array(0))).toEqual({ ok: false, error: { reason: 'malformed' } });
  });

  it('counts lifetime and enforces hard limits', () => {
    const { out, in: inn } = pair(GCM, undefined, { hardLimits: { packets: 2 } });
    const a = seal(out, bytes(10));
    const b = seal(out, bytes(20));
    expect(out.lifetime).toEqual({ bytes: 30, packets: 2 });
    const c = espEncapsulate(out, bytes(1), 17);
    expect(c.ok || c.error.code).toBe('lifetime-expired');
    expect(out.dead).toBe(true);
    expect(espDecapsulate(inn, a).ok).toBe(true);
    expect(espDecapsulate(inn, b).ok).toBe(true);
    expect(inn.lifetime).toEqual({ bytes: 30, packets: 2 });
    expect(espDecapsulate(inn, a)).toEqual({ ok: false, error: { reason: 'lifetime-expired' } });
  });

  it('stops after destroyEspSa', () => {
    const { out, in: inn } = pair(GCM, undefined);
    const packet = seal(out, bytes(10));
    destroyEspSa(inn);
    expect(espDecapsulate(inn, packet)).toEqual({ ok: false, error: { reason: 'sa-dead' } });
  });
});

describe('IV sources', () => {
  it('sequenceIv is the big-endian 64-bit sequence number', () => {
    expect(toHex(sequenceIv(8, 1))).toBe('0000000000000001');
    expect(toHex(sequenceIv(8, 5 * TWO_32 + 0xabcdef))).toBe('0000000500abcdef');
    expect(sequenceIv(0, 9)).toHaveLength(0);
  });

  it('defaultIvSource gives CBC random IVs and counter modes sequence IVs', () => {
    const random = seededRandom('iv');
    const cbc = defaultIvSource(CBC, random);
    expect(cbc(16, 1)).not.toEqual(cbc(16, 1));
    expect(defaultIvSource(GCM, random)(8, 3)).toEqual(sequenceIv(8, 3));
  });

  it('an IV source of the wrong length is reported, not sent', () => {
    const { out } = pair(GCM, undefined);
    const r = espEncapsulate(out, bytes(4), 17, () => new Uint8Array(4));
    expect(r.ok || r.error.code).toBe('iv-source');
    expect(out.seq).toBe(0);
  });
});
