/**
 * One host's IPsec: the ESP data plane (SAD, SPD, pipeline) on a transport, and the IKE
 * supervisor reading IKE from the pipeline and sending with the non-ESP marker on the NAT-T
 * port (RFC 3948 §2.2, RFC 7296 §2.23). Used by the daemon and by tests.
 */
import type { Config } from '../ipsec/config/model.js';
import type { CryptoProvider, RandomBytes } from '../ipsec/crypto/types.js';
import { addNonEspMarker } from '../ipsec/esp/udp-encap.js';
import type { FragmentLimits } from '../ipsec/ike/fragment/limits.js';
import type { Clock } from '../ipsec/util/clock.js';
import type { Transport } from '../transport/types.js';
import { createEspHost, type EspHost } from './esp-host.js';
import type { IkeDatagramOverhead } from './ike-fragments.js';
import type { InspectionHub } from './inspection/hub.js';
import { Supervisor } from './supervisor.js';
import type { IkeDatagramIn, SupervisorLogger, SupervisorOptions } from './supervisor-types.js';

export type IkeSend = SupervisorOptions['send'];

export interface IpsecHostOptions {
  readonly config: Config;
  readonly provider: CryptoProvider;
  readonly random: RandomBytes;
  readonly clock: Clock;
  readonly transport: Transport;
  /** The bound NAT-T port, when it differs from config.daemon.port_nat_t (port 0 = any). */
  readonly natTPort?: number;
  readonly logger?: SupervisorLogger;
  /** Wraps the IKE send path (traces, held requests in tests). */
  readonly wrapSend?: (send: IkeSend) => IkeSend;
  /** Sees every inbound IKE datagram just before the supervisor does (traces in tests). */
  readonly tapIkeIn?: (datagram: IkeDatagramIn) => void;
  /**
   * Octets of each IKE datagram on this transport that are not the IKE message: the IKE
   * fragment size (RFC 7383) is config.daemon.fragment_size minus this. Default: IPv4/IPv6 +
   * UDP headers + the non-ESP marker when `natT` (a 6LoWPAN radio compresses them: its own).
   */
  readonly ikeDatagramOverhead?: IkeDatagramOverhead;
  /** IKE fragment reassembly limits (default DEFAULT_FRAGMENT_LIMITS). */
  readonly fragmentLimits?: FragmentLimits;
  /** The inspection stream of this host's supervisor (actors/inspection/hub.ts). */
  readonly inspection?: InspectionHub;
  /** The ESP pipeline's path MTU check (EspPipelineOptions.pathMtu; absent: none). */
  readonly pathMtu?: number;
  /** Signature authentication (SupervisorOptions.pubkey); absent = PSK only. */
  readonly pubkey?: SupervisorOptions['pubkey'];
}

export interface IpsecHost {
  readonly esp: EspHost;
  readonly supervisor: Supervisor;
}

export function createIpsecHost(o: IpsecHostOptions): IpsecHost {
  const { config, provider, random, clock, transport } = o;
  const esp = createEspHost({
    clock,
    provider,
    random,
    transport,
    natTPort: o.natTPort ?? config.daemon.port_nat_t,
    ...(o.pathMtu !== undefined ? { pathMtu: o.pathMtu } : {}),
  });
  const send: IkeSend = (data, from, to, natT) =>
    transport.send(natT ? addNonEspMarker(data) : data, from, to);
  if (o.tapIkeIn) esp.pipeline.ike$.subscribe(o.tapIkeIn); // subscribed first: runs first
  const supervisor = new Supervisor({
    config,
    provider,
    random,
    clock,
    backend: esp.backend,
    ikeIn$: esp.pipeline.ike$,
    send: o.wrapSend ? o.wrapSend(send) : send,
    ...(o.logger ? { logger: o.logger } : {}),
    ...(o.ikeDatagramOverhead ? { ikeDatagramOverhead: o.ikeDatagramOverhead } : {}),
    ...(o.fragmentLimits ? { fragmentLimits: o.fragmentLimits } : {}),
    ...(o.inspection ? { inspection: o.inspection } : {}),
    ...(o.pubkey ? { pubkey: o.pubkey } : {}),
  });
  return { esp, supervisor };
}
