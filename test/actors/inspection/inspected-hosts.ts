/**
 * Two hosts (client initiator, gateway responder) on a memory network and virtual time, each
 * with its own inspection hub (actor ids are per supervisor), for the inspection stream tests.
 */

import type { InspectionEvent } from '../../../actors/inspection/events.js';
import { InspectionHub, type InspectionHubOptions } from '../../../actors/inspection/hub.js';
import { createIpsecHost, type IpsecHost } from '../../../actors/ipsec-host.js';
import {
  type ConnectionConfig,
  DAEMON_DEFAULTS,
  type DaemonConfig,
  type IkeSecret,
} from '../../../ipsec/config/model.js';
import { nobleProvider } from '../../../ipsec/crypto/noble/index.js';
import { seededRandom } from '../../../ipsec/crypto/random.js';
import { VirtualClock } from '../../../ipsec/util/clock.js';
import { MemoryNetwork } from '../../../transport/memory.js';
import type { Transport } from '../../../transport/types.js';
import { CLIENT_ADDR, clientConfig, GATEWAY_ADDR, gatewayConfig, PSK } from '../../support/ike-peers.js';

export interface InspectedHost extends IpsecHost {
  readonly hub: InspectionHub;
  readonly transport: Transport;
  /** Every event the hub delivered (when `listen`). */
  readonly events: InspectionEvent[];
}

export interface InspectedOptions {
  readonly seed?: string;
  readonly hub?: Partial<Omit<InspectionHubOptions, 'clock'>>;
  /** Subscribe a listener that keeps every event (default true). */
  readonly listen?: boolean;
  readonly daemon?: Partial<DaemonConfig>;
  readonly clientSecrets?: IkeSecret[];
  readonly clientConnection?: ConnectionConfig;
  readonly gatewayConnection?: ConnectionConfig;
}

export function inspectedHosts(o: InspectedOptions = {}) {
  const clock = new VirtualClock(1_000_000);
  const net = new MemoryNetwork({ clock, random: seededRandom(`${o.seed ?? 'insp'}/net`), latencyMs: 5 });
  const host = (
    name: string,
    address: string,
    connection: ConnectionConfig,
    secrets?: IkeSecret[],
  ): InspectedHost => {
    const daemon = { ...DAEMON_DEFAULTS, ...o.daemon };
    const hub = new InspectionHub({ clock, ...o.hub });
    const events: InspectionEvent[] = [];
    if (o.listen ?? true) hub.subscribe((e) => events.push(e));
    const transport = net.bind({ address, port: daemon.port }, { address, port: daemon.port_nat_t });
    const h = createIpsecHost({
      config: {
        daemon,
        connections: [connection],
        secrets: secrets ?? [{ name: 'ike', id: ['alice@example.org', 'bob@example.org'], secret: PSK }],
      },
      provider: nobleProvider,
      random: seededRandom(`${o.seed ?? 'insp'}/${name}`),
      clock,
      transport,
      inspection: hub,
    });
    return { ...h, hub, events, transport };
  };
  const client = host('client', CLIENT_ADDR.address, o.clientConnection ?? clientConfig(), o.clientSecrets);
  const gateway = host('gateway', GATEWAY_ADDR.address, o.gatewayConnection ?? gatewayConfig());
  return { clock, net, client, gateway };
}

export const ofKind = <K extends InspectionEvent['kind']>(events: readonly InspectionEvent[], kind: K) =>
  events.filter((e): e is Extract<InspectionEvent, { kind: K }> => e.kind === kind);
