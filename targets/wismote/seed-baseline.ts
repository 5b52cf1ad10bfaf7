/**
 * What the handshake costs on the air, ours against the seed's, on equal terms: one mote one
 * hop from the gateway, no loss, no contention, the run's suite. Two small extra runs:
 *  - ours: the real handshake (IKE_SA_INIT, IKE_AUTH) with the run's fragmentation strategy,
 *    every frame and ACK counted per message;
 *  - the seed: datagrams of the sizes the seed's design implies (IKE_SA_INIT request about 152
 *    octets of IKE, IKE_AUTH about 304; the responses are taken to be the same size, as they
 *    carry the same payloads) over the same radio and 6LoWPAN, from and to port 500.
 */
import type { CryptoProvider } from '../../ipsec/crypto/types.js';
import { VirtualClock } from '../../ipsec/util/clock.js';
import type { AirEvent } from '../../transport/radio/types.js';
import { ikeInfo, parseTag } from './classify.js';
import type { MoteRuntime } from './mote-runtime.js';
import { GATEWAY_SHORT_ADDRESS, meshAddress } from './profile.js';
import type { SeedComparison } from './report.js';
import type { SimOptions } from './sim-options.js';
import { buildWorld, meshTransport } from './world.js';

/** The seed's message sizes in octets of IKE (the reading of the seed's design). */
export const SEED_MESSAGE_SIZES = [
  { message: 'IKE_SA_INIT request', ikeBytes: 152 },
  { message: 'IKE_SA_INIT response', ikeBytes: 152 },
  { message: 'IKE_AUTH request', ikeBytes: 304 },
  { message: 'IKE_AUTH response', ikeBytes: 304 },
] as const;

type MessageCost = SeedComparison['seed'][number];

const oneHop = (o: SimOptions): SimOptions => ({
  ...o,
  motes: 1,
  topology: 'star',
  loss: 0,
  placements: [],
  links: [],
  events: [],
});

const nameOf = (category: string, response: boolean) => `${category} ${response ? 'response' : 'request'}`;

/** Our handshake, message by message. */
export function measureHandshake(
  o: SimOptions,
  provider: CryptoProvider,
  runtime?: MoteRuntime,
): MessageCost[] {
  const clock = new VirtualClock(0);
  const air = new Map<string, { frames: number; bytes: number }>();
  const ike = new Map<string, number>();
  const world = buildWorld(oneHop(o), {
    clock,
    provider,
    ...(runtime ? { runtime } : {}),
    onAir: (e: AirEvent) => {
      const t = parseTag(e);
      if (t.response === undefined) return;
      const key = nameOf(t.category, t.response);
      const a = air.get(key) ?? { frames: 0, bytes: 0 };
      a.frames++;
      a.bytes += e.bytes;
      air.set(key, a);
    },
    onIkeSent: (_node, _mote, data) => {
      const info = ikeInfo(data, 500);
      if (info)
        ike.set(
          nameOf(info.category, info.response),
          (ike.get(nameOf(info.category, info.response)) ?? 0) + info.length,
        );
    },
  });
  world.gateway.boot();
  const mote = world.motes[0]!;
  mote.boot();
  for (let t = 0; t < 60_000 && mote.firstChildAt === undefined; t += 100) clock.advance(100);
  mote.shutdown();
  world.gateway.shutdown();
  return SEED_MESSAGE_SIZES.map(({ message }) => ({
    message,
    ikeBytes: ike.get(message) ?? 0,
    bytesOnAir: air.get(message)?.bytes ?? 0,
    frames: air.get(message)?.frames ?? 0,
  }));
}

/** The seed's messages as datagrams of their sizes over the same radio. */
export function measureSeed(o: SimOptions, provider: CryptoProvider): MessageCost[] {
  const clock = new VirtualClock(0);
  let current: { frames: number; bytes: number } = { frames: 0, bytes: 0 };
  const world = buildWorld(oneHop(o), {
    clock,
    provider,
    onAir: (e) => {
      current.frames++;
      current.bytes += e.bytes;
    },
  });
  const gw = meshAddress(GATEWAY_SHORT_ADDRESS);
  const moteShort = world.motes[0]!.short;
  const mote = meshAddress(moteShort);
  // Bare transports, no IKE stack: only the datagrams below go on the air.
  const gwT = meshTransport(
    GATEWAY_SHORT_ADDRESS,
    world.radios.get(GATEWAY_SHORT_ADDRESS)!,
    world.topology,
    clock,
    `${o.seed}/seed/gw`,
  );
  const moteT = meshTransport(
    moteShort,
    world.radios.get(moteShort)!,
    world.topology,
    clock,
    `${o.seed}/seed/mote`,
  );
  const out: MessageCost[] = [];
  for (const [i, m] of SEED_MESSAGE_SIZES.entries()) {
    current = { frames: 0, bytes: 0 };
    const request = i % 2 === 0;
    const [t, from, to] = request ? [moteT, mote, gw] : [gwT, gw, mote];
    t.send(new Uint8Array(m.ikeBytes), { address: from, port: 500 }, { address: to, port: 500 });
    clock.advance(5_000);
    out.push({ message: m.message, ikeBytes: m.ikeBytes, bytesOnAir: current.bytes, frames: current.frames });
  }
  gwT.close();
  moteT.close();
  return out;
}

export function seedComparison(
  o: SimOptions,
  provider: CryptoProvider,
  runtime?: MoteRuntime,
): SeedComparison {
  const seed = measureSeed(o, provider);
  const ours = measureHandshake(o, provider, runtime);
  const sum = (l: readonly MessageCost[]) => l.reduce((s, m) => s + m.bytesOnAir, 0);
  return { seed, ours, seedHandshakeBytesOnAir: sum(seed), oursHandshakeBytesOnAir: sum(ours) };
}
