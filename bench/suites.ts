/** What the ESP benchmarks run: the transforms, the inner packets, and the randomness. */
import { EncrId, IntegId } from '../ipsec/crypto/ids.js';
import { pooledRandom, secureRandom } from '../ipsec/crypto/random.js';
import { mustEncr, mustInteg } from '../ipsec/crypto/transforms.js';
import type { EncrTransform, IntegTransform, RandomBytes } from '../ipsec/crypto/types.js';
import { buildIpv4 } from '../ipsec/packet/ipv4.js';
import { IpProto } from '../ipsec/packet/proto.js';
import { buildUdp } from '../ipsec/packet/udp.js';

/** As the daemon draws: one CSPRNG call per 4 KiB, slices for keys and CBC IVs. */
export const benchRandom: RandomBytes = pooledRandom(secureRandom);

export interface BenchSuite {
  readonly label: string;
  readonly encr: EncrTransform;
  readonly integ?: IntegTransform;
}

export const GCM_SUITE: BenchSuite = { label: 'AES-GCM-16-128', encr: mustEncr(EncrId.AES_GCM_16, 128) };
export const CBC_SHA256_SUITE: BenchSuite = {
  label: 'AES-CBC-128 + HMAC-SHA2-256-128',
  encr: mustEncr(EncrId.AES_CBC, 128),
  integ: mustInteg(IntegId.HMAC_SHA2_256_128),
};

export const BENCH_SUITES: readonly BenchSuite[] = [
  GCM_SUITE,
  CBC_SHA256_SUITE,
  {
    label: 'AES-CTR-128 + AES-XCBC-96',
    encr: mustEncr(EncrId.AES_CTR, 128),
    integ: mustInteg(IntegId.AES_XCBC_96),
  },
  { label: 'ChaCha20-Poly1305', encr: mustEncr(EncrId.CHACHA20_POLY1305) },
];

/** Packet sizes measured: a small packet and one near the Ethernet MTU. */
export const BENCH_SIZES = [64, 1400] as const;

/** An inner IPv4/UDP packet 10.1.0.1 -> 10.2.0.1 of exactly `size` bytes (at least 28). */
export function innerPacket(size: number): Uint8Array {
  const src = Uint8Array.of(10, 1, 0, 1);
  const dst = Uint8Array.of(10, 2, 0, 1);
  const payload = buildUdp({ src, dst, srcPort: 40000, dstPort: 9, payload: benchRandom(size - 28) });
  return buildIpv4({ src, dst, protocol: IpProto.UDP, payload });
}
