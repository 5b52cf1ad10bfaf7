/**
 * The Node UDP transport: one dgram socket per bound endpoint (udp4, or udp6 with ipv6Only so
 * that an IPv6 socket never sees IPv4-mapped traffic and the families stay on separate ports).
 *
 * Receive: socket 'message' -> Datagram { data (a plain Uint8Array view, not a Buffer),
 *   local = the socket's bound endpoint, remote = rinfo } -> datagrams$.
 * Send: canonical address of `from` (cached per spelling), then its port -> the socket bound
 *   there -> socket.send; a missing socket, a family mismatch, a synchronous throw or an
 *   asynchronous send error is counted and logged, never thrown. With `batch` (udp-batch.ts)
 *   sends queue instead and leave in one sendmmsg per socket when the loop turns (setImmediate).
 *
 * Whole UDP payloads only: RFC 3948 / RFC 7296 §2.23 framing on the NAT-T port (non-ESP
 * marker, keepalives, ESP) is classified by the receiver (ipsec/esp/udp-encap.ts).
 *
 * Wildcard binds (0.0.0.0, ::) are allowed, but Node's dgram does not expose the per-packet
 * destination address (no IP_PKTINFO / IPV6_RECVPKTINFO), so `local` is then the wildcard
 * itself and replies leave with whatever source address the kernel's route picks. On a
 * multihomed host that may not be the address the peer sent to: the peer may drop the reply
 * or see it as coming through a NAT, and our own NAT_DETECTION_DESTINATION_IP check
 * (ipsec/ike/nat.ts) cannot be computed from a wildcard. Gateways with several addresses
 * should bind each address explicitly.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { Subject } from 'rxjs';
import { formatIp, parseIp } from '../ipsec/packet/address.js';
import type { Datagram, Endpoint, Transport } from './types.js';
import { type BatchSender, type BatchSyscalls, createBatchSender, socketFd } from './udp-batch.js';

/** Implementation default: 4 MiB, so bursts of ESP are not dropped by the kernel (best effort). */
export const DEFAULT_RECV_BUFFER_SIZE = 4 * 1024 * 1024;
/** Implementation limit: address spellings remembered per transport before the cache starts over. */
const CANONICAL_CACHE_LIMIT = 64;

/** The subset of a pino logger used here (a pino Logger is assignable). */
export interface TransportLogger {
  warn(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export interface UdpTransportOptions {
  /** Addresses must be IP literals; port 0 binds an ephemeral port. */
  readonly bind: readonly Endpoint[];
  readonly logger?: TransportLogger;
  /** SO_RCVBUF to request for every socket; the kernel may cap it (net.core.rmem_max). */
  readonly recvBufferSize?: number;
  /**
   * Batch sends with sendmmsg through these syscalls (udp-batch.ts): the TUN data path's
   * choice. Sockets whose descriptor Node does not expose send one by one as without.
   */
  readonly batch?: BatchSyscalls;
}

export interface UdpCounters {
  received: number;
  /** Sends the kernel accepted. */
  sent: number;
  /** Sends that failed (synchronously or in the send callback), including family mismatches. */
  sendErrors: number;
  /** Sends from an endpoint we have no socket for (or after close). */
  sendNoSocket: number;
  /** 'error' events of a bound socket. */
  socketErrors: number;
  /** sendmmsg calls that sent a batch (batch option only). */
  batches: number;
  /** Batched datagrams the full socket buffer refused, sent again through dgram's queue. */
  batchRefused: number;
  /** Batched datagrams that left in UDP segmentation offload messages. */
  batchSegmented: number;
}

export interface UdpTransport extends Transport {
  /** The endpoints actually bound, in the order of `bind` (ephemeral ports resolved). */
  readonly endpoints: readonly Endpoint[];
  readonly counters: Readonly<UdpCounters>;
  /** Resolves once every socket has closed after close(). */
  readonly closed: Promise<void>;
}

interface Bound {
  readonly socket: Socket;
  readonly endpoint: Endpoint;
  readonly ipv6: boolean;
  readonly batch?: BatchSender;
  /** Sends handed to dgram and not yet completed: while any are, later ones follow them there. */
  dgramInFlight: number;
}

/** A canonical text form, so "::0001" and "::1" find the same socket; text that is no IP literal stays as is. */
function canonicalAddress(address: string): string {
  const bytes = parseIp(address);
  return bytes ? formatIp(bytes) : address;
}

/**
 * canonicalAddress remembered per spelling: send() sees the same few `from` addresses on
 * every packet, so parsing and formatting them each time is wasted (bounded: cleared when full).
 */
function canonicalCache(): (address: string) => string {
  const cache = new Map<string, string>();
  return (address) => {
    let c = cache.get(address);
    if (c === undefined) {
      c = canonicalAddress(address);
      if (cache.size >= CANONICAL_CACHE_LIMIT) cache.clear();
      cache.set(address, c);
    }
    return c;
  };
}

function bindOne(endpoint: Endpoint): Promise<Socket> {
  const family = isIP(endpoint.address);
  if (family === 0)
    return Promise.reject(new TypeError(`bind address is not an IP literal: ${endpoint.address}`));
  const socket =
    family === 6 ? createSocket({ type: 'udp6', ipv6Only: true }) : createSocket({ type: 'udp4' });
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => {
      try {
        socket.close();
      } catch {
        // already closed: nothing to release
      }
      reject(e);
    };
    socket.once('error', onError);
    socket.bind({ address: endpoint.address, port: endpoint.port, exclusive: true }, () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

/**
 * Binds every endpoint (rejecting, with all sockets closed again, if any bind fails: a
 * configuration error) and returns the transport. Subscribe to datagrams$ before traffic is
 * expected: datagrams arriving with no subscriber are dropped, as on the in-memory network.
 */
export async function createUdpTransport(options: UdpTransportOptions): Promise<UdpTransport> {
  const { logger, recvBufferSize = DEFAULT_RECV_BUFFER_SIZE } = options;
  const settled = await Promise.allSettled(options.bind.map(bindOne));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    for (const s of settled) if (s.status === 'fulfilled') s.value.close();
    throw failed.reason;
  }

  const counters: UdpCounters = {
    received: 0,
    sent: 0,
    sendErrors: 0,
    sendNoSocket: 0,
    socketErrors: 0,
    batches: 0,
    batchRefused: 0,
    batchSegmented: 0,
  };
  const subject = new Subject<Datagram>();
  /** Canonical address -> port -> socket: looked up without building a key string per packet. */
  const sockets = new Map<string, Map<number, Bound>>();
  const canonical = canonicalCache();
  const bound: Bound[] = [];

  for (const s of settled) {
    if (s.status !== 'fulfilled') continue;
    const socket = s.value;
    const info = socket.address();
    const endpoint: Endpoint = { address: info.address, port: info.port };
    try {
      socket.setRecvBufferSize(recvBufferSize);
    } catch (e) {
      logger?.debug({ endpoint, err: e }, 'udp: could not set the receive buffer size');
    }
    const ipv6 = info.family === 'IPv6';
    const fd = options.batch ? socketFd(socket) : undefined;
    if (options.batch && fd === undefined)
      logger?.warn(
        { endpoint },
        'udp: this Node does not expose the socket descriptor; sends are not batched',
      );
    const batch = fd !== undefined && options.batch ? createBatchSender(fd, ipv6, options.batch) : undefined;
    const b: Bound = { socket, endpoint, ipv6, dgramInFlight: 0, ...(batch ? { batch } : {}) };
    bound.push(b);
    const address = canonicalAddress(endpoint.address);
    const byPort = sockets.get(address) ?? new Map<number, Bound>();
    byPort.set(endpoint.port, b);
    sockets.set(address, byPort);
    socket.on('message', (msg, rinfo) => {
      counters.received++;
      subject.next({
        data: new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength),
        local: endpoint,
        remote: { address: rinfo.address, port: rinfo.port },
      });
    });
    socket.on('error', (e) => {
      counters.socketErrors++;
      logger?.warn({ endpoint, err: e }, 'udp: socket error');
    });
  }

  let open = true;
  const closed = Promise.all(
    bound.map(({ socket }) => new Promise<void>((resolve) => socket.once('close', () => resolve()))),
  ).then(() => undefined);

  const sendFailed = (from: Endpoint, to: Endpoint, e: unknown): void => {
    counters.sendErrors++;
    logger?.warn({ from, to, err: e }, 'udp: send failed');
  };

  /**
   * One datagram through dgram, which sends it a tick later or queues it until the socket is
   * writable: until it has gone, batched sends would overtake it, so they wait (send()).
   */
  const sendNow = (b: Bound, data: Uint8Array, to: Endpoint): void => {
    b.dgramInFlight++;
    try {
      b.socket.send(data, to.port, to.address, (e) => {
        b.dgramInFlight--;
        if (e) sendFailed(b.endpoint, to, e);
        else counters.sent++;
      });
    } catch (e) {
      b.dgramInFlight--;
      sendFailed(b.endpoint, to, e);
    }
  };

  const flushOne = (b: Bound): void => {
    const batch = b.batch;
    if (!batch || batch.pending === 0) return;
    const r = batch.flush();
    counters.batches++;
    counters.sent += r.sent;
    counters.batchSegmented += r.segmented;
    for (const f of r.failed) sendFailed(b.endpoint, f.to, new Error(`sendmmsg: errno ${f.errno}`));
    counters.batchRefused += r.refused.length;
    for (const d of r.refused) sendNow(b, d.data, d.to);
  };
  let flushScheduled = false;
  const flushAll = (): void => {
    flushScheduled = false;
    for (const b of bound) flushOne(b);
  };

  return {
    endpoints: bound.map((b) => b.endpoint),
    counters,
    closed,
    datagrams$: subject.asObservable(),
    /**
     * `data` is handed to the kernel asynchronously: the caller must not modify it after the
     * call (the hot path avoids a copy; ESP and IKE encoders produce fresh buffers).
     */
    send(data: Uint8Array, from: Endpoint, to: Endpoint): void {
      const b = open ? sockets.get(canonical(from.address))?.get(from.port) : undefined;
      if (!b) {
        counters.sendNoSocket++;
        logger?.warn({ from, to }, 'udp: no socket bound to the source endpoint');
        return;
      }
      if (to.address.includes(':') !== b.ipv6) {
        sendFailed(from, to, new Error('address family of destination differs from the source socket'));
        return;
      }
      // Order on the socket is kept: nothing is batched while dgram still holds a datagram.
      if (b.batch && b.dgramInFlight === 0) {
        if (b.batch.queue(data, to)) {
          if (!flushScheduled) {
            flushScheduled = true;
            setImmediate(flushAll);
          }
          return;
        }
        flushOne(b); // full, too big or not a literal: what is queued goes first, in order
        if (b.dgramInFlight === 0 && b.batch.queue(data, to)) return; // the full queue had room again
      }
      sendNow(b, data, to);
    },
    close(): void {
      if (!open) return;
      flushAll();
      for (const b of bound) b.batch?.close();
      open = false;
      sockets.clear();
      for (const { socket } of bound) socket.close();
      subject.complete();
    },
  };
}
