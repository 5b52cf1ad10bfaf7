/**
 * The library's façade over one host's IPsec (actors/ipsec-host.ts): a Peer is
 * createIpsecHost plus what an embedding app wants without learning the actors:
 *   - events as plain data: an IKE SA or a Child SA went up or down, and why (the supervisor's
 *     own events carry live actor handles, and an IKE SA that ends takes its Child SAs with it
 *     without a child event of their own; here every child-up gets its child-down);
 *   - connect(): initiate and wait for the Child SA, or a PeerError saying why not;
 *   - the data plane as inner IP packets (sendPacket / onPacket) or UDP (sendUdp / onUdp),
 *     which the façade wraps in and unwraps from IPv4 / IPv6;
 *   - close().
 * The raw host stays reachable (`peer.host`) for anything the façade does not cover.
 * Portable: no node: imports (the Node pieces are in node.ts).
 */

import type { DataPlaneCounters } from '../../actors/esp-counters.js';
import type { EspHost } from '../../actors/esp-host.js';
import type { InboundPacket } from '../../actors/esp-pipeline.js';
import type { IkeDatagramOverhead } from '../../actors/ike-fragments.js';
import { createIpsecHost, type IpsecHost } from '../../actors/ipsec-host.js';
import type { Supervisor } from '../../actors/supervisor.js';
import type {
  IkeSaHandle,
  IkeSaState,
  InstalledChild,
  SupervisorCounters,
  SupervisorEvent,
  SupervisorLogger,
} from '../../actors/supervisor-types.js';
import type { Config } from '../../ipsec/config/model.js';
import { nobleProvider } from '../../ipsec/crypto/noble/index.js';
import { pooledRandom, secureRandom } from '../../ipsec/crypto/random.js';
import type { CryptoProvider, RandomBytes } from '../../ipsec/crypto/types.js';
import type { CredentialStore } from '../../ipsec/ike/credentials.js';
import { createPubkeyAuth } from '../../ipsec/ike/exchange/auth-signature.js';
import { tsToString } from '../../ipsec/ike/ts/text.js';
import { formatIp, parseIp } from '../../ipsec/packet/address.js';
import { decodeIp } from '../../ipsec/packet/ip.js';
import { buildIpv4 } from '../../ipsec/packet/ipv4.js';
import { buildIpv6 } from '../../ipsec/packet/ipv6.js';
import { IpProto } from '../../ipsec/packet/proto.js';
import { buildUdp, decodeUdp, verifyUdpChecksum } from '../../ipsec/packet/udp.js';
import { toHex } from '../../ipsec/util/bytes.js';
import { type Clock, systemClock } from '../../ipsec/util/clock.js';
import type { Endpoint, Transport } from '../../transport/types.js';

export interface PeerOptions {
  /** The configuration (defineConfig builds one in code; parseConfigText from "./node" reads swanctl.conf). */
  readonly config: Config;
  /** Where datagrams go: UDP (createUdpTransport from "./node"), MemoryNetwork, or your own. */
  readonly transport: Transport;
  /** Default: nobleProvider (portable). On Node, nodeProvider from "./node" is faster. */
  readonly provider?: CryptoProvider;
  /** Default: the platform CSPRNG (globalThis.crypto), drawn in 4 KiB blocks. */
  readonly random?: RandomBytes;
  /** Default: systemClock. A VirtualClock runs the peer on simulated time. */
  readonly clock?: Clock;
  /** The NAT-T port actually bound, when it differs from config.daemon.port_nat_t. */
  readonly natTPort?: number;
  /** Receives the supervisor's log records (a pino logger fits); default: none. */
  readonly logger?: SupervisorLogger;
  /**
   * For a transport that is not UDP over IP: the octets of each IKE datagram that are not the
   * IKE message, which the IKE fragment size (RFC 7383) leaves room for. Default: IP + UDP
   * headers, + the non-ESP marker on the NAT-T port.
   */
  readonly ikeDatagramOverhead?: IkeDatagramOverhead;
  /**
   * Certificates and keys for connections with `auth: 'pubkey'` rounds (createCredentialStore, or
   * loadCredentials from "./node" for a swanctl directory); the provider must have signatures
   * (RSA needs nodeProvider).
   */
  readonly credentials?: CredentialStore;
}

/** An IKE SA as the events describe it (a snapshot: copy what you need). */
export interface IkeSaInfo {
  readonly uniqueid: number;
  /** The connection's name. */
  readonly name: string;
  readonly initiator: boolean;
  readonly local: Endpoint;
  readonly remote: Endpoint;
  readonly state: IkeSaState;
}

/** A Child SA (an inbound and an outbound ESP SA) as the events describe it. */
export interface ChildSaInfo {
  readonly uniqueid: number;
  /** The child's name in the connection. */
  readonly name: string;
  readonly reqid: number;
  readonly mode: 'tunnel' | 'transport';
  /** Our inbound SPI and the peer's (outbound), hex. */
  readonly spiIn: string;
  readonly spiOut: string;
  /** Negotiated traffic selectors, e.g. '10.1.0.0/16' or '192.0.2.1/32[udp/5000]'. */
  readonly localTs: readonly string[];
  readonly remoteTs: readonly string[];
  /** IANA transform names, e.g. 'ENCR_AES_GCM_16'. */
  readonly encryption: string;
  readonly integrity?: string;
}

/**
 * What happened to an SA. Every `child-up` is followed some day by one `child-down` for that
 * child, every `ike-up` by one `ike-down` for that IKE SA.
 */
export type PeerEvent =
  | { readonly type: 'ike-up'; readonly ike: IkeSaInfo }
  | {
      readonly type: 'ike-down';
      readonly ike: IkeSaInfo;
      /** failed: never established; closed: deleted (by either side) or dead; rekeyed: replaced. */
      readonly reason: 'failed' | 'closed' | 'rekeyed';
      /** Why it failed, when known (e.g. 'AUTHENTICATION_FAILED', 'timeout'). */
      readonly failure?: string;
    }
  | { readonly type: 'ike-rekeyed'; readonly ike: IkeSaInfo; readonly old: IkeSaInfo }
  | {
      readonly type: 'child-up';
      readonly ike: IkeSaInfo;
      readonly child: ChildSaInfo;
      /** The inbound SPI (hex) of the Child SA this one rekeys; it goes down with reason 'rekeyed'. */
      readonly rekeyOf?: string;
    }
  | {
      readonly type: 'child-down';
      readonly ike: IkeSaInfo;
      readonly child: ChildSaInfo;
      /** closed: deleted or expired; rekeyed: replaced by a new Child SA; ike-down: its IKE SA ended. */
      readonly reason: 'closed' | 'rekeyed' | 'ike-down';
    };

/** A UDP datagram inside the tunnel. */
export interface UdpMessage {
  /** Inner addresses and ports (tunnel mode: the protected networks; transport mode: the hosts). */
  readonly from: Endpoint;
  readonly to: Endpoint;
  readonly payload: Uint8Array;
  /** The Child SA's inbound SPI (as a number) and reqid: what protected it. */
  readonly spi: number;
  readonly reqid: number | undefined;
}

export interface PeerCounters {
  readonly ike: Readonly<SupervisorCounters>;
  readonly esp: DataPlaneCounters;
}

export type PeerErrorCode = 'ike-failed' | 'ike-closed' | 'no-child' | 'timeout' | 'closed';

/** connect() failed: `code` says how, the message says it in words. */
export class PeerError extends Error {
  readonly code: PeerErrorCode;
  constructor(code: PeerErrorCode, message: string) {
    super(message);
    this.name = 'PeerError';
    this.code = code;
  }
}

export interface ConnectOptions {
  /** The child to bring up with the IKE SA; default the connection's first. */
  readonly child?: string;
  /** Give up after this many ms of the peer's clock (default 30000; 0 = never). */
  readonly timeoutMs?: number;
}

export interface Peer {
  /** The raw host: the supervisor (IKE) and the ESP data plane (SAD, SPD, pipeline). */
  readonly host: IpsecHost;
  readonly supervisor: Supervisor;
  readonly esp: EspHost;
  /** Listens to SA events; returns the function that stops listening. */
  on(listener: (e: PeerEvent) => void): () => void;
  /** Applies start_action of every child (start: initiate now; trap: negotiate on first packet). */
  start(): void;
  /** Starts an IKE SA for `connection` and resolves once its Child SA is installed. */
  connect(connection: string, options?: ConnectOptions): Promise<{ ike: IkeSaInfo; child: ChildSaInfo }>;
  /** Deletes IKE SAs (with their Child SAs) by connection name or uniqueid; returns how many. */
  terminate(which: string | number): number;
  /** The IKE SAs now (established, connecting or being deleted). */
  ikeSas(): IkeSaInfo[];
  /**
   * Sends one inner IP packet (IPv4 or IPv6) through the SPD: it leaves in ESP on the Child SA
   * whose policy covers it, or is dropped and counted (counters().esp.drops) when none does.
   */
  sendPacket(packet: Uint8Array): void;
  /** Sends one UDP datagram through ESP: builds the inner IP/UDP packet and calls sendPacket. */
  sendUdp(message: { readonly from: Endpoint; readonly to: Endpoint; readonly payload: Uint8Array }): void;
  /** Every inner packet delivered (decrypted and policy-checked; `spi` absent for BYPASS traffic). */
  onPacket(listener: (packet: InboundPacket) => void): () => void;
  /** Every UDP datagram that arrived through a Child SA with a valid checksum. */
  onUdp(listener: (message: UdpMessage) => void): () => void;
  counters(): PeerCounters;
  /** Stops the IKE SAs (without Delete exchanges: terminate first for a clean goodbye) and the data plane. */
  close(): void;
}

function ikeInfo(h: IkeSaHandle): IkeSaInfo {
  return {
    uniqueid: h.uniqueid,
    name: h.name,
    initiator: h.initiator,
    local: { address: h.local.address, port: h.local.port },
    remote: { address: h.remote.address, port: h.remote.port },
    state: h.state,
  };
}

function childInfo(c: InstalledChild): ChildSaInfo {
  const r = c.record;
  return {
    uniqueid: c.uniqueid,
    name: r.config.name,
    reqid: c.reqid,
    mode: r.mode,
    spiIn: toHex(r.spiIn),
    spiOut: toHex(r.spiOut),
    localTs: r.localTs.map(tsToString),
    remoteTs: r.remoteTs.map(tsToString),
    encryption: r.suite.encr.name,
    ...(r.suite.integ ? { integrity: r.suite.integ.name } : {}),
  };
}

function failureText(h: IkeSaHandle): string | undefined {
  const f = h.failure;
  if (!f) return undefined;
  return f.notify !== undefined ? `${f.reason} (notify ${f.notify})` : f.reason;
}

/** The inner IP/UDP packet for `m`; throws TypeError for addresses that are no IP literals of one family. */
export function buildUdpPacket(m: {
  readonly from: Endpoint;
  readonly to: Endpoint;
  readonly payload: Uint8Array;
}): Uint8Array {
  const src = parseIp(m.from.address);
  const dst = parseIp(m.to.address);
  if (!src) throw new TypeError(`sendUdp: '${m.from.address}' is not an IP address`);
  if (!dst) throw new TypeError(`sendUdp: '${m.to.address}' is not an IP address`);
  if (src.length !== dst.length)
    throw new TypeError(`sendUdp: ${m.from.address} and ${m.to.address} are not of one IP version`);
  const segment = buildUdp({ src, dst, srcPort: m.from.port, dstPort: m.to.port, payload: m.payload });
  return src.length === 4
    ? buildIpv4({ src, dst, protocol: IpProto.UDP, payload: segment })
    : buildIpv6({ src, dst, nextHeader: IpProto.UDP, payload: segment });
}

/** The UDP datagram in an inner packet, if it is an unfragmented one with a valid checksum. */
export function parseUdpPacket(
  packet: Uint8Array,
): { from: Endpoint; to: Endpoint; payload: Uint8Array } | undefined {
  const ip = decodeIp(packet);
  if (!ip.ok || ip.value.protocol !== IpProto.UDP) return undefined;
  const p = ip.value;
  if (p.version === 4 ? p.moreFragments || p.fragmentOffset !== 0 : p.fragment !== undefined)
    return undefined;
  const udp = decodeUdp(p.payload);
  if (!udp.ok) return undefined;
  if (!verifyUdpChecksum(p.src, p.dst, p.payload.subarray(0, udp.value.length))) return undefined;
  return {
    from: { address: formatIp(p.src), port: udp.value.srcPort },
    to: { address: formatIp(p.dst), port: udp.value.dstPort },
    payload: udp.value.payload,
  };
}

/** One IPsec host with the façade above; see PeerOptions for the defaults. */
export function createPeer(o: PeerOptions): Peer {
  const clock = o.clock ?? systemClock;
  const provider = o.provider ?? nobleProvider;
  const host = createIpsecHost({
    config: o.config,
    provider,
    ...(o.credentials ? { pubkey: createPubkeyAuth(provider, o.credentials) } : {}),
    random: o.random ?? pooledRandom(secureRandom),
    clock,
    transport: o.transport,
    ...(o.natTPort !== undefined ? { natTPort: o.natTPort } : {}),
    ...(o.logger ? { logger: o.logger } : {}),
    ...(o.ikeDatagramOverhead ? { ikeDatagramOverhead: o.ikeDatagramOverhead } : {}),
  });
  const { supervisor, esp } = host;
  let listeners: ((e: PeerEvent) => void)[] = [];
  const emit = (e: PeerEvent) => {
    for (const l of listeners) l(e);
  };
  /** Installed children by inbound SPI: their IKE SA (it changes on an IKE SA rekey) and description. */
  const children = new Map<string, { ike: IkeSaHandle; info: ChildSaInfo }>();
  const rekeyedChildren = new Set<string>();
  const rekeyedIke = new WeakSet<IkeSaHandle>();
  const upIke = new WeakSet<IkeSaHandle>();
  /** Children installed while their IKE SA was still connecting, until it is established. */
  const unannounced = new Map<IkeSaHandle, InstalledChild[]>();
  let closed = false;

  const childUp = (ike: IkeSaHandle, child: InstalledChild) => {
    if (!ike.children.includes(child)) return; // removed again meanwhile
    const info = childInfo(child);
    const rekeyOf = child.record.rekeyOf ? toHex(child.record.rekeyOf) : undefined;
    if (rekeyOf !== undefined) rekeyedChildren.add(rekeyOf);
    children.set(info.spiIn, { ike, info });
    emit({ type: 'child-up', ike: ikeInfo(ike), child: info, ...(rekeyOf ? { rekeyOf } : {}) });
  };

  const translate = (e: SupervisorEvent) => {
    switch (e.type) {
      case 'ike-established': {
        upIke.add(e.handle);
        emit({ type: 'ike-up', ike: ikeInfo(e.handle) });
        const early = unannounced.get(e.handle) ?? [];
        unannounced.delete(e.handle);
        for (const child of early) childUp(e.handle, child);
        return;
      }
      case 'child-installed':
        // The Child SA of IKE_AUTH is installed just before its IKE SA reports itself
        // established: announced after ike-up (and never, if the IKE SA fails instead).
        if (e.handle.state === 'CONNECTING') {
          const early = unannounced.get(e.handle) ?? [];
          early.push(e.child);
          unannounced.set(e.handle, early);
        } else childUp(e.handle, e.child);
        return;
      case 'child-removed': {
        const spi = toHex(e.child.record.spiIn);
        const known = children.get(spi);
        if (!known) return; // never announced (its IKE SA was not up yet)
        children.delete(spi);
        const reason = rekeyedChildren.delete(spi) ? 'rekeyed' : 'closed';
        emit({
          type: 'child-down',
          ike: ikeInfo(e.handle),
          child: known?.info ?? childInfo(e.child),
          reason,
        });
        return;
      }
      case 'ike-rekeyed':
        rekeyedIke.add(e.old);
        for (const c of children.values()) if (c.ike === e.old) c.ike = e.handle;
        emit({ type: 'ike-rekeyed', ike: ikeInfo(e.handle), old: ikeInfo(e.old) });
        return;
      case 'ike-closed':
      case 'ike-failed': {
        unannounced.delete(e.handle);
        // The supervisor drops an ended IKE SA's children without child events: report them here.
        for (const [spi, c] of children) {
          if (c.ike !== e.handle) continue;
          children.delete(spi);
          rekeyedChildren.delete(spi);
          emit({ type: 'child-down', ike: ikeInfo(e.handle), child: c.info, reason: 'ike-down' });
        }
        const failure = failureText(e.handle);
        const reason = rekeyedIke.has(e.handle) ? 'rekeyed' : upIke.has(e.handle) ? 'closed' : 'failed';
        emit({ type: 'ike-down', ike: ikeInfo(e.handle), reason, ...(failure ? { failure } : {}) });
        return;
      }
    }
  };
  const offSupervisor = supervisor.on(translate);

  const on = (listener: (e: PeerEvent) => void) => {
    listeners.push(listener);
    return () => {
      listeners = listeners.filter((l) => l !== listener);
    };
  };

  const connect: Peer['connect'] = (connection, options = {}) =>
    new Promise((resolve, reject) => {
      if (closed) {
        reject(new PeerError('closed', 'connect: the peer is closed'));
        return;
      }
      const conn = o.config.connections.find((c) => c.name === connection);
      const childName = options.child ?? conn?.children[0]?.name;
      let handle: IkeSaHandle;
      try {
        if (!conn) throw new Error(`no connection '${connection}'`);
        if (childName === undefined) throw new Error(`connection '${connection}' has no children`);
        handle = supervisor.initiate(connection, childName);
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
        return;
      }
      const what = `IKE SA '${connection}' #${handle.uniqueid}`;
      const timeoutMs = options.timeoutMs ?? 30_000;
      let timer: unknown;
      const finish = (f: () => void) => {
        off();
        if (timer !== undefined) clock.clearTimeout(timer);
        f();
      };
      const fail = (code: PeerErrorCode, message: string) =>
        finish(() => reject(new PeerError(code, message)));
      // Resolved once both are true: the Child SA is installed (during IKE_AUTH, just before)
      // and the IKE SA is established.
      const done = (child: InstalledChild) =>
        finish(() => resolve({ ike: ikeInfo(handle), child: childInfo(child) }));
      const wanted = () => handle.children.find((c) => c.record.config.name === childName);
      const off = supervisor.on((e) => {
        if (e.handle !== handle) return;
        if (e.type === 'child-installed' && e.child.record.config.name === childName) {
          if (handle.state === 'ESTABLISHED') done(e.child);
        } else if (e.type === 'ike-established') {
          const child = wanted();
          if (child) done(child);
          else
            fail(
              'no-child',
              `${what} is up but CHILD_SA '${childName}' was not created (see the peer's log)`,
            );
        } else if (closed && (e.type === 'ike-failed' || e.type === 'ike-closed'))
          fail('closed', `${what}: the peer was closed`);
        else if (e.type === 'ike-failed')
          fail('ike-failed', `${what} failed: ${failureText(handle) ?? 'no reason given'}`);
        else if (e.type === 'ike-closed')
          fail('ike-closed', `${what} closed before CHILD_SA '${childName}' was installed`);
      });
      if (timeoutMs > 0)
        timer = clock.setTimeout(
          () => fail('timeout', `${what}: no CHILD_SA '${childName}' after ${timeoutMs} ms`),
          timeoutMs,
        );
    });

  return {
    host,
    supervisor,
    esp,
    on,
    start: () => supervisor.start(),
    connect,
    terminate: (which) => supervisor.terminate(which),
    ikeSas: () => supervisor.ikeSas.map(ikeInfo),
    sendPacket: (packet) => esp.pipeline.send(packet),
    sendUdp: (m) => esp.pipeline.send(buildUdpPacket(m)),
    onPacket(listener) {
      const s = esp.pipeline.delivered$.subscribe(listener);
      return () => s.unsubscribe();
    },
    onUdp(listener) {
      const s = esp.pipeline.delivered$.subscribe((p) => {
        if (p.spi === undefined) return; // only what came through a Child SA
        const udp = parseUdpPacket(p.packet);
        if (udp) listener({ ...udp, spi: p.spi, reqid: p.reqid });
      });
      return () => s.unsubscribe();
    },
    counters: () => ({ ike: { ...supervisor.counters }, esp: esp.pipeline.counters() }),
    close() {
      if (closed) return;
      closed = true;
      supervisor.close();
      offSupervisor();
      esp.close();
    },
  };
}
