/**
 * Wires one host's IPsec data plane: the SAD and SPD actors, the ESP pipeline over a
 * transport (and optionally a raw IP link), and the backend the IKE side talks to.
 */
import type { CryptoProvider, RandomBytes } from '../ipsec/crypto/types.js';
import type { Clock } from '../ipsec/util/clock.js';
import type { Transport } from '../transport/types.js';
import { EspPipeline, type RawIpLink } from './esp-pipeline.js';
import { ActorIpsecBackend } from './ipsec-backend.js';
import { SadActor } from './sad.js';
import { SpdActor } from './spd.js';

export interface EspHostOptions {
  readonly clock: Clock;
  readonly provider: CryptoProvider;
  readonly random: RandomBytes;
  readonly transport: Transport;
  readonly rawIp?: RawIpLink;
  readonly natTPort?: number;
  readonly acquireQueueLimit?: number;
  readonly acquireTimeoutMs?: number;
  /** EspPipelineOptions.pathMtu: the size check with ICMP too-big errors (absent: none). */
  readonly pathMtu?: number;
}

export interface EspHost {
  readonly sad: SadActor;
  readonly spd: SpdActor;
  readonly pipeline: EspPipeline;
  readonly backend: ActorIpsecBackend;
  close(): void;
}

export function createEspHost(o: EspHostOptions): EspHost {
  const sad = new SadActor({ clock: o.clock, provider: o.provider, random: o.random });
  const spd = new SpdActor();
  const pipeline = new EspPipeline({
    sad,
    spd,
    transport: o.transport,
    clock: o.clock,
    ...(o.rawIp ? { rawIp: o.rawIp } : {}),
    ...(o.natTPort !== undefined ? { natTPort: o.natTPort } : {}),
    ...(o.acquireQueueLimit !== undefined ? { acquireQueueLimit: o.acquireQueueLimit } : {}),
    ...(o.acquireTimeoutMs !== undefined ? { acquireTimeoutMs: o.acquireTimeoutMs } : {}),
    ...(o.pathMtu !== undefined ? { pathMtu: o.pathMtu } : {}),
  });
  const backend = new ActorIpsecBackend(sad, spd, pipeline);
  return { sad, spd, pipeline, backend, close: () => pipeline.close() };
}
