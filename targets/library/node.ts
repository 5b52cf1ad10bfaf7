/**
 * The package's Node entry point ("ikev2-actors/node"): what needs Node's own modules.
 *   - createUdpTransport: the Transport on node:dgram sockets;
 *   - nodeProvider: the CryptoProvider on node:crypto (faster than nobleProvider, same vectors);
 *   - startUdpPeer: binds the configuration's IKE and NAT-T ports and starts a Peer on them;
 *   - parseConfig / loadConfig: swanctl.conf (or YAML / JSON) text and files to a Config.
 * The portable core (createPeer, defineConfig, events, the transport seam) is the main entry.
 */

import type { SupervisorLogger } from '../../actors/supervisor-types.js';
import type { Config } from '../../ipsec/config/model.js';
import type { CryptoProvider, RandomBytes } from '../../ipsec/crypto/types.js';
import type { CredentialStore } from '../../ipsec/ike/credentials.js';
import type { Clock } from '../../ipsec/util/clock.js';
import type { Endpoint } from '../../transport/types.js';
import { createUdpTransport, type TransportLogger, type UdpTransport } from '../../transport/udp.js';
import {
  type ConfigError,
  type ConfigFormat,
  type FileHost,
  formatOf,
  loadConfigFile,
  parseConfigText,
} from '../native/config/load.js';
import { nodeProvider } from '../native/crypto/node-provider.js';
import { bindAddresses, effectiveConfig } from '../native/runtime-config.js';
import { createPeer, type Peer } from './peer.js';

export {
  createUdpTransport,
  DEFAULT_RECV_BUFFER_SIZE,
  type TransportLogger,
  type UdpCounters,
  type UdpTransport,
  type UdpTransportOptions,
} from '../../transport/udp.js';
export type { ConfigError, ConfigErrorCode, ConfigFormat, FileHost } from '../native/config/load.js';
export {
  type LoadedCredentials,
  loadCredentials,
} from '../native/credentials/load.js';
export { nodeProvider } from '../native/crypto/node-provider.js';

/** parseConfig / loadConfig found problems: `errors` has every one, with file, line and key path. */
export class ConfigFileError extends Error {
  readonly errors: readonly ConfigError[];
  constructor(errors: readonly ConfigError[]) {
    super(`invalid configuration:\n  ${errors.map((e) => e.message).join('\n  ')}`);
    this.name = 'ConfigFileError';
    this.errors = errors;
  }
}

/**
 * Configuration text to a Config: swanctl.conf syntax (default), YAML or JSON, with a `daemon`
 * section besides `connections` and `secrets` (the daemon's format, README "The daemon").
 * `fileName` names the text in errors and anchors relative `include`s (read through `host`,
 * node:fs by default). Throws ConfigFileError.
 */
export function parseConfig(
  text: string,
  options: { readonly format?: ConfigFormat; readonly fileName?: string; readonly host?: FileHost } = {},
): Config {
  const r = parseConfigText(text, options.format ?? 'swanctl', options.fileName ?? 'config', options.host);
  if (!r.ok) throw new ConfigFileError(r.error);
  return r.value;
}

/** Reads a configuration file, the syntax chosen by its extension (.conf, .yaml/.yml, .json). Throws ConfigFileError. */
export function loadConfig(path: string): Config {
  if (!formatOf(path))
    throw new ConfigFileError([
      {
        code: 'IO',
        file: path,
        path: '',
        detail: 'unknown configuration format: use .conf (swanctl), .yaml/.yml or .json',
        message: `${path}: unknown configuration format: use .conf (swanctl), .yaml/.yml or .json`,
      },
    ]);
  const r = loadConfigFile(path);
  if (!r.ok) throw new ConfigFileError(r.error);
  return r.value;
}

export interface UdpPeerOptions {
  /**
   * The configuration. Sockets are bound on every connection's local address (or the wildcard
   * for %any) on daemon.port and daemon.port_nat_t; port 0 picks a free port (the same one on
   * every address), and the peer then uses the port actually bound.
   */
  readonly config: Config;
  /** Default: nodeProvider. */
  readonly provider?: CryptoProvider;
  readonly random?: RandomBytes;
  readonly clock?: Clock;
  /** Receives the supervisor's and the sockets' log records (a pino logger fits). */
  readonly logger?: SupervisorLogger & TransportLogger;
  /** SO_RCVBUF for every socket (default DEFAULT_RECV_BUFFER_SIZE). */
  readonly recvBufferSize?: number;
  /** Certificates and keys for `auth: 'pubkey'` rounds (PeerOptions.credentials; loadCredentials). */
  readonly credentials?: CredentialStore;
}

export interface UdpPeer extends Peer {
  readonly transport: UdpTransport;
  /** The ports bound: IKE and NAT-T (ESP-in-UDP). */
  readonly ports: { readonly port: number; readonly natT: number };
  /** The configuration as the peer runs it (actual ports, bound addresses). */
  readonly config: Config;
  /** Stops the peer and closes its sockets; resolves once they are closed. */
  close(): Promise<void>;
}

/** Binds IKE and NAT-T ports on `addresses`; port 0 resolves to one free port shared by all. */
async function bindPorts(addresses: readonly string[], o: UdpPeerOptions) {
  let port = o.config.daemon.port;
  let natT = o.config.daemon.port_nat_t;
  const extra = {
    ...(o.logger ? { logger: o.logger } : {}),
    ...(o.recvBufferSize !== undefined ? { recvBufferSize: o.recvBufferSize } : {}),
  };
  if ((port === 0 || natT === 0) && addresses.length > 1) {
    // One probe on the first address picks the free ports that every address then binds.
    const probe = await createUdpTransport({
      bind: [
        { address: addresses[0]!, port },
        { address: addresses[0]!, port: natT },
      ],
    });
    [port, natT] = [probe.endpoints[0]!.port, probe.endpoints[1]!.port];
    probe.close();
    await probe.closed;
  }
  const bind: Endpoint[] = addresses.flatMap((address) => [
    { address, port },
    { address, port: natT },
  ]);
  const transport = await createUdpTransport({ bind, ...extra });
  return { transport, port: transport.endpoints[0]!.port, natT: transport.endpoints[1]!.port };
}

/** A Peer on Node UDP sockets; rejects if a socket cannot be bound (e.g. EADDRINUSE, EACCES on 500). */
export async function startUdpPeer(o: UdpPeerOptions): Promise<UdpPeer> {
  const addresses = bindAddresses(o.config);
  const { transport, port, natT } = await bindPorts(addresses, o);
  const ports = { port, natT };
  const config = effectiveConfig(o.config, ports, addresses);
  let peer: Peer;
  try {
    peer = createPeer({
      config,
      transport,
      natTPort: natT,
      provider: o.provider ?? nodeProvider,
      ...(o.random ? { random: o.random } : {}),
      ...(o.clock ? { clock: o.clock } : {}),
      ...(o.logger ? { logger: o.logger } : {}),
      ...(o.credentials ? { credentials: o.credentials } : {}),
    });
  } catch (e) {
    transport.close();
    await transport.closed;
    throw e;
  }
  let closed: Promise<void> | undefined;
  return {
    ...peer,
    transport,
    ports,
    config,
    close() {
      closed ??= (async () => {
        peer.close();
        transport.close();
        await transport.closed;
      })();
      return closed;
    },
  };
}
