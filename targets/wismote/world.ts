/**
 * The simulated mesh of one run: a topology (generated, then positions and link qualities from
 * the scenario), the 802.15.4 medium over it, and one node per address — the gateway and the
 * motes — each on a RadioTransport with static routes along the tree. Every random stream is
 * derived from the run's seed and a fixed name, so the same seed builds the same world.
 */
import { seededRandom } from '../../ipsec/crypto/random.js';
import type { CryptoProvider } from '../../ipsec/crypto/types.js';
import type { Clock, VirtualClock } from '../../ipsec/util/clock.js';
import { attachAll, Medium } from '../../transport/radio/medium.js';
import { chainGapMs } from '../../transport/radio/pacing.js';
import { RadioTransport } from '../../transport/radio/radio-transport.js';
import { lineTopology, starTopology, Topology, treeTopology } from '../../transport/radio/topology.js';
import type { AirEvent, RadioInterface } from '../../transport/radio/types.js';
import { meshTagger } from './classify.js';
import { MoteNode } from './mote-node.js';
import { type MoteRuntime, nodeMoteRuntime } from './mote-runtime.js';
import { GatewayNode, type IkeSentHook, type MeshTransport } from './node.js';
import {
  GATEWAY_SHORT_ADDRESS,
  gatewayConfig,
  meshAddress,
  motePsks,
  type ProfileOptions,
} from './profile.js';
import { radioIkeOverhead } from './radio-ike-overhead.js';
import type { SimOptions } from './sim-options.js';

/** The generated topology with the scenario's positions and link qualities applied. */
export function buildTopology(o: SimOptions): Topology {
  const g = { rangeM: o.rangeM, defaultQuality: { loss: o.loss } };
  const generated =
    o.topology === 'star'
      ? starTopology(o.motes, g)
      : o.topology === 'line'
        ? lineTopology(o.motes, g)
        : treeTopology(o.motes, o.treeDegree, g);
  let t = generated;
  if (o.placements.length > 0) {
    if (generated.mode !== 'range')
      throw new Error(
        `nodes: positions apply to star and line topologies (a ${o.topology} has explicit links)`,
      );
    const moved = new Map(o.placements.map((p) => [p.id, { x: p.x, y: p.y }]));
    t = new Topology({ mode: 'range', rangeM: o.rangeM, defaultQuality: { loss: o.loss } });
    for (const a of generated.addresses)
      t.addNode(a, moved.get(a) ?? generated.position(a), generated.parent(a));
  }
  for (const l of o.links) {
    const [a, b] = l.between;
    t.setQuality(a, b, {
      ...(l.loss !== undefined ? { loss: l.loss } : { loss: o.loss }),
      ...(l.duplicate !== undefined ? { duplicate: l.duplicate } : {}),
      ...(l.delayMs !== undefined ? { delayMs: l.delayMs } : {}),
    });
  }
  const broken = t.brokenTreeLinks();
  if (broken.length > 0)
    throw new Error(
      `nodes: ${broken.map(([a, b]) => `${a} cannot hear its parent ${b}`).join(', ')} (range ${o.rangeM} m)`,
    );
  return t;
}

/** Hops from a node to the gateway along the tree. */
export function hopsToGateway(t: Topology, short: number): number {
  let hops = 0;
  for (let a: number | undefined = short; a !== undefined && a !== GATEWAY_SHORT_ADDRESS; a = t.parent(a))
    hops++;
  return hops;
}

/** A node's radio transport: IKE and NAT-T ports, static routes along the tree, tagged frames. */
export function meshTransport(
  short: number,
  radio: RadioInterface,
  topology: Topology,
  clock: Clock,
  seed: string,
  pacing?: (octets: number) => number,
): RadioTransport {
  const address = meshAddress(short);
  return new RadioTransport({
    ...(pacing ? { interFrameGapMs: pacing } : {}),
    radio,
    clock,
    endpoints: [
      { address, port: 500 },
      { address, port: 4500 },
    ],
    nextHop: topology.routesOf(short),
    tagOf: meshTagger(GATEWAY_SHORT_ADDRESS),
    random: seededRandom(seed),
  });
}

export interface World {
  readonly topology: Topology;
  readonly medium: Medium;
  readonly radios: ReadonlyMap<number, RadioInterface>;
  readonly gateway: GatewayNode;
  readonly motes: readonly MoteNode[];
  /** The gateway's radio transports, one per boot (a mote's is inside its firmware). */
  readonly transports: RadioTransport[];
  /** Datagrams cut into 6LoWPAN fragments by every node, every boot (RFC 4944 §5.3). */
  datagramsFragmented(): number;
}

export interface WorldDeps {
  readonly clock: VirtualClock;
  /** The gateway's crypto provider (a mote's is its firmware's). */
  readonly provider: CryptoProvider;
  readonly onAir: (e: AirEvent) => void;
  readonly onIkeSent?: IkeSentHook;
  /** Where the motes' firmware runs (default: this process). */
  readonly runtime?: MoteRuntime;
  /** A wall clock (ms) to time the motes' handshake steps (mote-node.ts StepTimes). */
  readonly wallClock?: () => number;
}

export function buildWorld(o: SimOptions, deps: WorldDeps): World {
  const { clock, provider } = deps;
  const topology = buildTopology(o);
  const medium = new Medium({ clock, random: seededRandom(`${o.seed}/medium`), links: topology });
  medium.onAir = deps.onAir;
  const radios = attachAll(medium, topology);
  const transports: RadioTransport[] = [];
  // Multi-hop: frames are paced so that forwarders are not hit by their hidden terminals.
  const multiHop = topology.addresses.some((a) => hopsToGateway(topology, a) > 1);
  const tagOf = meshTagger(GATEWAY_SHORT_ADDRESS);
  const ikeFragmentation = o.fragmentation === 'ike';
  const profile: ProfileOptions = { suite: o.suite, ikeFragmentation };
  const shorts = topology.addresses.filter((a) => a !== GATEWAY_SHORT_ADDRESS).sort((a, b) => a - b);
  const psks = motePsks(shorts, seededRandom(`${o.seed}/psk`));
  const gw = GATEWAY_SHORT_ADDRESS;
  const gateway = new GatewayNode({
    clock,
    provider,
    seed: o.seed,
    radio: radios.get(gw)!,
    transport: (short) => {
      const t = meshTransport(
        short,
        radios.get(short)!,
        topology,
        clock,
        `${o.seed}/6lowpan/${short}/${transports.length}`,
        multiHop ? chainGapMs(medium.options) : undefined,
      );
      transports.push(t);
      return t;
    },
    // RFC 7383 fragments sized to one frame: fragment_size is the MAC payload, the overhead the
    // compressed headers (on every hop of a multi-hop path: forwarded hops carry more).
    config: gatewayConfig(
      psks.values(),
      profile,
      ikeFragmentation ? { fragment_size: radios.get(gw)!.maxPayload } : {},
    ),
    ...(deps.onIkeSent ? { onIkeSent: deps.onIkeSent } : {}),
    ...(ikeFragmentation
      ? {
          ikeDatagramOverhead: (transport: MeshTransport) =>
            radioIkeOverhead(transport, (remote) => {
              const peer = topology.addresses.find((a) => meshAddress(a) === remote.address);
              return peer !== undefined && hopsToGateway(topology, peer) > 1;
            }),
        }
      : {}),
  });
  const runtime = deps.runtime ?? nodeMoteRuntime;
  const motes = shorts.map((short) => {
    const next = topology.routesOf(short);
    const parent = next(gw) ?? gw;
    const routes = topology.addresses
      .map((a) => [a, next(a)] as const)
      .filter((r): r is readonly [number, number] => r[1] !== undefined && r[1] !== parent);
    return new MoteNode({
      short,
      radio: radios.get(short)!,
      clock,
      seed: o.seed,
      runtime,
      psk: psks.get(short)!.secret,
      suite: o.suite,
      intervalMs: o.intervalS * 1000,
      parent,
      routes,
      ikeFragmentation,
      multiHop: hopsToGateway(topology, short) > 1,
      ...(multiHop ? { pacing: medium.options } : {}),
      tagOf,
      ...(deps.onIkeSent ? { onIkeSent: deps.onIkeSent } : {}),
      ...(deps.wallClock ? { wallClock: deps.wallClock } : {}),
    });
  });
  return {
    topology,
    medium,
    radios,
    gateway,
    motes,
    transports,
    datagramsFragmented: () =>
      transports.reduce((s, t) => s + t.stats.datagramsFragmented, 0) +
      motes.reduce((s, m) => s + m.stats().datagramsFragmented, 0),
  };
}
