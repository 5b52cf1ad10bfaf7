/**
 * Batched UDP sends for the Node UDP transport (udp.ts): datagrams queued during one turn of
 * the event loop leave in one sendmmsg(2) per socket instead of one dgram.send each.
 *
 * Why: on the TUN data path every ESP packet is one send, and node:dgram's send (a request
 * object, an address lookup deferred with nextTick, the completion callback) costs ~10-16 us
 * of the one JavaScript thread; sendmmsg through koffi costs ~1.5 us a datagram in batches of
 * 64 (measured here; bench:tun shows the effect on a whole tunnel).
 *
 * How: one native block per socket holds SLOTS mmsghdr (struct msghdr + msg_len, 64 bytes on
 * LP64), SLOTS iovec, SLOTS socket addresses, SLOTS control messages and SLOTS payload slots
 * of SLOT_BYTES. queue() copies the payload into the next slot and writes the destination's
 * sockaddr; flush() writes the message headers (one per datagram, or per run below) and calls
 * sendmmsg on the socket's own file descriptor (the one libuv polls; sending on it from the
 * same thread is what uv_udp_try_send does). Datagrams that do not fit a slot, or whose
 * destination is no plain IP literal, are not queued: the caller flushes and sends them the
 * usual way, so the order on the socket is kept.
 *
 * UDP segmentation offload (`gso`, Linux 4.18+): consecutive datagrams to one destination of
 * one size (the last may be shorter), as ESP makes of a TCP burst, leave as one message with a
 * UDP_SEGMENT control message and one iovec per slot: the kernel builds one large packet and
 * splits it as late as it can (on the wire nothing changes). If the kernel refuses it (EIO,
 * EINVAL, EOPNOTSUPP, ENOPROTOOPT) the sender stops using it and sends those datagrams singly.
 *
 * The kernel's answers: a short count means the socket buffer filled up (EAGAIN) or message
 * `sent` failed; flush() reports EAGAIN / ENOBUFS'd datagrams back to the caller to send
 * through dgram (libuv queues them until the socket is writable: nothing is lost), and any
 * other errno for that one datagram as an error, then goes on with the rest.
 *
 * Linux on x86_64 / arm64 only (struct layouts, AF_INET6 = 10); koffi is loaded on first use.
 */
import { parseIpv4, parseIpv6 } from '../ipsec/packet/address.js';
import type { Endpoint } from './types.js';

/** Implementation limits: datagrams batched per socket and flush, and the largest batched payload. */
export const SLOTS = 64;
export const SLOT_BYTES = 2048;

/** linux/socket.h and the LP64 struct layouts (glibc and musl agree on x86_64 and arm64). */
const AF_INET = 2;
const AF_INET6 = 10;
const MMSGHDR_BYTES = 64; // struct msghdr (56) + unsigned msg_len + padding
const MSG_NAMELEN = 8;
const MSG_IOV = 16;
const MSG_IOVLEN = 24;
const MSG_CONTROL = 32;
const MSG_CONTROLLEN = 40;
/** struct cmsghdr (size_t len, int level, int type) + a u16, padded: CMSG_SPACE(2) = 24. */
const CMSG_BYTES = 24;
const CMSG_LEN_U16 = 18;
const SOL_UDP = 17;
const UDP_SEGMENT = 103;
/** linux/udp.h UDP_MAX_SEGMENTS; payload bytes one UDP datagram can hold over IPv4. */
const UDP_MAX_SEGMENTS = 64;
const UDP_MAX_PAYLOAD = 65507;
const EIO = 5;
const EINVAL = 22;
const ENOPROTOOPT = 92;
const EOPNOTSUPP = 95;
const IOVEC_BYTES = 16;
const IOV_LEN = 8;
const NAME_BYTES = 32; // sizeof(struct sockaddr_in6) = 28, rounded up
const SOCKADDR_IN_BYTES = 16;
const SOCKADDR_IN6_BYTES = 28;
const EAGAIN = 11;
const ENOBUFS = 105;
/** Implementation limit: destination addresses remembered per sender before the cache starts over. */
const ADDRESS_CACHE_LIMIT = 256;

/** The two libc calls used, as a seam for tests. */
export interface BatchSyscalls {
  /** Allocates `bytes` of native memory that stays put: its address and a view of it. */
  alloc(bytes: number): { readonly address: bigint; readonly view: ArrayBuffer; free(): void };
  /** sendmmsg(fd, msgvec, vlen, 0): datagrams sent, or -1 (then errno()). */
  sendmmsg(fd: number, msgvec: bigint, vlen: number): number;
  errno(): number;
}

export interface FlushResult {
  /** Datagrams the kernel took. */
  readonly sent: number;
  /** Of those, the ones that left in UDP_SEGMENT messages. */
  readonly segmented: number;
  /** Datagrams refused for a full socket buffer: the caller sends them again through dgram. */
  readonly refused: readonly { readonly data: Uint8Array; readonly to: Endpoint }[];
  /** Datagrams the kernel rejected (unreachable, too big, ...): dropped, with the errno. */
  readonly failed: readonly { readonly to: Endpoint; readonly errno: number }[];
}

export interface BatchSender {
  /** Datagrams queued and not yet flushed. */
  readonly pending: number;
  /** Whether runs still leave as UDP_SEGMENT messages (false if off or the kernel refused). */
  readonly gso: boolean;
  /**
   * Copies `data` into the next slot for `to`; false (nothing queued) if it does not fit a slot,
   * the address is not a literal of the socket's family, or the queue is full (flush first).
   */
  queue(data: Uint8Array, to: Endpoint): boolean;
  flush(): FlushResult;
  /** Frees the native block (call after the last flush); queue() refuses from then on. */
  close(): void;
}

/** libc's sendmmsg bound with koffi, and native memory from koffi.alloc. */
export async function koffiSyscalls(): Promise<BatchSyscalls> {
  const { default: koffi } = await import('koffi');
  let lib: ReturnType<typeof koffi.load>;
  try {
    lib = koffi.load('libc.so.6');
  } catch {
    lib = koffi.load(null);
  }
  const sendmmsg = lib.func('int sendmmsg(int fd, uintptr_t msgvec, unsigned int vlen, int flags)');
  return {
    alloc(bytes) {
      const p = koffi.alloc('uint8_t', bytes);
      return { address: koffi.address(p), view: koffi.view(p, bytes), free: () => koffi.free(p) };
    },
    sendmmsg: (fd, msgvec, vlen) => sendmmsg(fd, msgvec, vlen, 0) as number,
    errno: () => koffi.errno(),
  };
}

/**
 * The file descriptor of a bound dgram socket, or undefined where Node does not expose it.
 * Node keeps the handle under an internal symbol ('state symbol'); the public `_handle` getter
 * for it is deprecated (DEP0112) and warns, so it is read from the symbol.
 */
export function socketFd(socket: object): number | undefined {
  const state = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'state symbol');
  const handle = state
    ? (socket as Record<symbol, { handle?: { fd?: unknown } } | undefined>)[state]?.handle
    : undefined;
  const fd = handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

export interface BatchSenderOptions {
  /** Merge runs of equal-size datagrams to one destination with UDP_SEGMENT (default true). */
  readonly gso?: boolean;
}

/** A sender for the socket `fd` of the given family. */
export function createBatchSender(
  fd: number,
  ipv6: boolean,
  sys: BatchSyscalls,
  options: BatchSenderOptions = {},
): BatchSender {
  let gso = options.gso ?? true;
  const hdrAt = 0;
  const iovAt = hdrAt + SLOTS * MMSGHDR_BYTES;
  const nameAt = iovAt + SLOTS * IOVEC_BYTES;
  const cmsgAt = nameAt + SLOTS * NAME_BYTES;
  const dataAt = cmsgAt + SLOTS * CMSG_BYTES;
  const block = sys.alloc(dataAt + SLOTS * SLOT_BYTES);
  const view = new DataView(block.view);
  const bytes = new Uint8Array(block.view);
  const nameLen = ipv6 ? SOCKADDR_IN6_BYTES : SOCKADDR_IN_BYTES;
  bytes.fill(0, 0, dataAt);
  // The fixed parts: every iovec points at its slot, every cmsghdr is a UDP_SEGMENT one.
  // mmsghdr k is written at flush: message k may cover several slots.
  for (let i = 0; i < SLOTS; i++) {
    view.setBigUint64(iovAt + i * IOVEC_BYTES, block.address + BigInt(dataAt + i * SLOT_BYTES), true);
    const c = cmsgAt + i * CMSG_BYTES;
    view.setBigUint64(c, BigInt(CMSG_LEN_U16), true); // cmsg_len
    view.setInt32(c + 8, SOL_UDP, true); // cmsg_level
    view.setInt32(c + 12, UDP_SEGMENT, true); // cmsg_type
  }
  /** Datagrams in message k of the current build. */
  const counts: number[] = [];

  /**
   * Writes the mmsghdrs for queued[from..]: runs of one destination and one size (the last
   * may be shorter) share a message while `gso` holds, else one datagram each. Returns the
   * number of messages.
   */
  const build = (from: number): number => {
    counts.length = 0;
    for (let i = from, k = 0; i < queued.length; k++) {
      const first = queued[i]!;
      const size = first.data.length;
      let j = i + 1;
      if (gso) {
        let total = size;
        while (
          j < queued.length &&
          j - i < UDP_MAX_SEGMENTS &&
          queued[j]!.to.port === first.to.port &&
          queued[j]!.to.address === first.to.address &&
          queued[j]!.data.length <= size &&
          total + queued[j]!.data.length <= UDP_MAX_PAYLOAD
        ) {
          total += queued[j]!.data.length;
          j++;
          if (queued[j - 1]!.data.length < size) break; // a shorter one ends the run
        }
      }
      const h = hdrAt + k * MMSGHDR_BYTES;
      view.setBigUint64(h, block.address + BigInt(nameAt + i * NAME_BYTES), true); // msg_name
      view.setUint32(h + MSG_NAMELEN, nameLen, true);
      view.setBigUint64(h + MSG_IOV, block.address + BigInt(iovAt + i * IOVEC_BYTES), true);
      view.setBigUint64(h + MSG_IOVLEN, BigInt(j - i), true);
      const segmented = j - i > 1;
      const c = cmsgAt + k * CMSG_BYTES;
      view.setBigUint64(h + MSG_CONTROL, segmented ? block.address + BigInt(c) : 0n, true);
      view.setBigUint64(h + MSG_CONTROLLEN, segmented ? BigInt(CMSG_BYTES) : 0n, true);
      view.setUint16(c + 16, size, true); // the segment size
      counts.push(j - i);
      i = j;
    }
    return counts.length;
  };

  /** Destination text -> its address bytes (undefined: not batchable). */
  const addresses = new Map<string, Uint8Array | undefined>();
  const addressOf = (text: string): Uint8Array | undefined => {
    let a = addresses.get(text);
    if (a === undefined && !addresses.has(text)) {
      a = ipv6 ? parseIpv6(text) : parseIpv4(text);
      if (addresses.size >= ADDRESS_CACHE_LIMIT) addresses.clear();
      addresses.set(text, a);
    }
    return a;
  };

  const queued: { data: Uint8Array; to: Endpoint }[] = [];
  let closed = false;

  return {
    get pending() {
      return queued.length;
    },
    get gso() {
      return gso;
    },
    queue(data, to) {
      const n = queued.length;
      if (closed || n === SLOTS || data.length > SLOT_BYTES) return false;
      const address = addressOf(to.address);
      if (!address || !Number.isInteger(to.port) || to.port < 0 || to.port > 0xffff) return false;
      const name = nameAt + n * NAME_BYTES;
      view.setUint16(name, ipv6 ? AF_INET6 : AF_INET, true); // sa_family, host order
      view.setUint16(name + 2, to.port, false); // sin_port / sin6_port, network order
      // sin_addr at 4; sin6_flowinfo at 4 (stays 0), sin6_addr at 8, sin6_scope_id at 24 (0)
      bytes.set(address, name + (ipv6 ? 8 : 4));
      bytes.set(data, dataAt + n * SLOT_BYTES);
      view.setBigUint64(iovAt + n * IOVEC_BYTES + IOV_LEN, BigInt(data.length), true);
      queued.push({ data, to });
      return true;
    },
    flush() {
      let sent = 0;
      let segmented = 0;
      const refused: { data: Uint8Array; to: Endpoint }[] = [];
      const failed: { to: Endpoint; errno: number }[] = [];
      let at = 0; // the first datagram not yet sent, refused or failed
      while (at < queued.length) {
        const messages = build(at);
        const r = sys.sendmmsg(fd, block.address + BigInt(hdrAt), messages);
        if (r > 0) {
          for (let k = 0; k < r; k++) {
            sent += counts[k]!;
            at += counts[k]!;
            if (counts[k]! > 1) segmented += counts[k]!;
          }
          continue;
        }
        const errno = sys.errno();
        if (errno === EAGAIN || errno === ENOBUFS) {
          // the socket buffer is full: the rest waits in libuv's queue instead
          for (; at < queued.length; at++) refused.push(queued[at]!);
          break;
        }
        if (
          counts[0]! > 1 &&
          (errno === EIO || errno === EINVAL || errno === EOPNOTSUPP || errno === ENOPROTOOPT)
        ) {
          gso = false; // this kernel or route will not segment: send singly from now on
          continue;
        }
        // sendmmsg fails only when its first message does: drop it, go on with the rest
        for (let k = 0; k < counts[0]!; k++) failed.push({ to: queued[at++]!.to, errno });
      }
      queued.length = 0;
      return { sent, segmented, refused, failed };
    },
    close() {
      if (closed) return;
      closed = true;
      queued.length = 0;
      block.free();
    },
  };
}
