/**
 * The package's main entry point ("ikev2-actors"): the portable core as a library. Nothing
 * reachable from here imports a node: module (scripts/check-pack.sh checks the packed files),
 * so it runs wherever there is ES2022, globalThis.crypto.getRandomValues and timers. The Node
 * pieces (UDP sockets, the node:crypto provider, the swanctl.conf file loader) are in "./node".
 *
 * What is exported here is the public API (docs/LIBRARY.md); everything else in dist/ is
 * internal and may change in any release.
 */

export type { DataPlaneCounters, DropReason } from '../../actors/esp-counters.js';
export type { EspHost } from '../../actors/esp-host.js';
export type { InboundPacket, RawIpLink } from '../../actors/esp-pipeline.js';
export type { IkeDatagramOverhead } from '../../actors/ike-fragments.js';
// The raw host: what the façade (createPeer) is built on.
export { createIpsecHost, type IpsecHost, type IpsecHostOptions } from '../../actors/ipsec-host.js';
export type { Supervisor } from '../../actors/supervisor.js';
export type {
  IkeDatagramIn,
  IkeSaHandle,
  IkeSaState,
  InstalledChild,
  SupervisorCounters,
  SupervisorEvent,
  SupervisorLogger,
} from '../../actors/supervisor-types.js';
// Configuration: the model (swanctl.conf names) and the defaults.
export {
  CHILD_DEFAULTS,
  type ChildConfig,
  type ChildInput,
  type CloseAction,
  CONNECTION_DEFAULTS,
  type Config,
  type ConnectionConfig,
  type ConnectionInput,
  childWithDefaults,
  connectionWithDefaults,
  DAEMON_DEFAULTS,
  type DaemonConfig,
  type DpdAction,
  type FragmentationMode,
  type IkeSecret,
  type StartAction,
} from '../../ipsec/config/model.js';
// Crypto: the provider seam, the portable provider, random sources.
export { nobleProvider } from '../../ipsec/crypto/noble/index.js';
export { pooledRandom, secureRandom, seededRandom } from '../../ipsec/crypto/random.js';
export type {
  PrivateKey,
  PrivateKeyFormat,
  PublicKey,
  SignatureProvider,
} from '../../ipsec/crypto/signature-types.js';
export type { CryptoProvider, RandomBytes } from '../../ipsec/crypto/types.js';
export { type CredentialItems, createCredentialStore } from '../../ipsec/ike/credential-store.js';
export type { CredentialStore, LocalCredential } from '../../ipsec/ike/credentials.js';
// Inner packets, for apps that build or read them themselves (onPacket / sendPacket).
export { formatIp, parseIp } from '../../ipsec/packet/address.js';
export { decodeIp, type IpPacket } from '../../ipsec/packet/ip.js';
export { buildIpv4 } from '../../ipsec/packet/ipv4.js';
export { buildIpv6 } from '../../ipsec/packet/ipv6.js';
export { IpProto } from '../../ipsec/packet/proto.js';
export { buildUdp, decodeUdp } from '../../ipsec/packet/udp.js';
// Time.
export { type Clock, systemClock, type TimerHandle, VirtualClock } from '../../ipsec/util/clock.js';
export { parseCertificate } from '../../ipsec/x509/certificate.js';
export { parseCrl } from '../../ipsec/x509/crl.js';
export { pemBlocks } from '../../ipsec/x509/pem.js';
export type { Certificate, Crl } from '../../ipsec/x509/types.js';
// The transport seam and the in-memory network.
export { MemoryNetwork, type MemoryNetworkOptions, type NetworkStats } from '../../transport/memory.js';
export { type Datagram, type Endpoint, endpointKey, type Transport } from '../../transport/types.js';
// The façade.
export { type ConfigInput, ConfigValidationError, defineConfig, type SecretInput } from './config.js';
export {
  buildUdpPacket,
  type ChildSaInfo,
  type ConnectOptions,
  createPeer,
  type IkeSaInfo,
  type Peer,
  type PeerCounters,
  PeerError,
  type PeerErrorCode,
  type PeerEvent,
  type PeerOptions,
  parseUdpPacket,
  type UdpMessage,
} from './peer.js';
