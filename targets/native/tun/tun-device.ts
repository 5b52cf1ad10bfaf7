/**
 * A Linux TUN device (layer 3, IFF_TUN | IFF_NO_PI: reads and writes are bare IPv4/IPv6
 * packets) for the daemon's data path (issue 15), over libc through koffi (./libc.ts).
 *
 * Crash cleanup: the device is NOT persistent (no TUNSETPERSIST). It lives exactly as long as
 * the file descriptor: when the fd closes (close(), process exit, or a crash) the kernel
 * deletes the interface, and with it its addresses and every route through it. Nothing of
 * ours is left in the routing table after the daemon dies. The fd is O_CLOEXEC so that child
 * processes (`ip`, hooks) never hold the device open behind our back.
 *
 * Reading: the fd is non-blocking and watched with koffi's libuv poll on the current thread's
 * event loop (the main loop in the daemon; a worker's loop works too). On each readable event
 * packets are read until EAGAIN (at most `maxBatch`, then the level-triggered poll fires again
 * on the next loop turn, so a flood cannot starve timers and sockets) and each one is emitted
 * on `packets$`. Emitted arrays stay valid forever (the consumer may queue them): in 'slab'
 * mode they are views into a large buffer that is never reused (a new one is taken when the
 * rest is smaller than the largest packet), in 'copy' mode exact-size copies. Slab views keep
 * their whole slab alive while held; bench/tun-device.ts compares the two.
 *
 * Writing never throws: a full queue (EAGAIN, ENOBUFS) is a counted drop, any other failure a
 * counted write error; both return false.
 *
 * With `vnetHeader` (IFF_VNET_HDR) every read and write carries a struct virtio_net_hdr:
 * writeSegmented() then hands the host one large TCP packet with the instructions to split it
 * (ipsec/packet/tcp-coalesce.ts), which the host's TCP takes whole. Reads strip the header
 * (the device offers no offloads, so the kernel sends finished packets; a partial checksum,
 * should one come, is completed here).
 */
import { existsSync } from 'node:fs';
import { type Observable, Subject } from 'rxjs';
import { foldSum, onesComplementSum } from '../../../ipsec/packet/checksum.js';
import type { Segmentation } from '../../../ipsec/packet/tcp-coalesce.js';
import {
  Errno,
  IFF_NO_PI,
  IFF_TUN,
  IFF_VNET_HDR,
  IFNAMSIZ,
  IFREQ_FLAGS_OFFSET,
  IFREQ_SIZE,
  type Libc,
  libc,
  O_CLOEXEC,
  O_NONBLOCK,
  O_RDWR,
  type PollHandle,
  platformSupported,
  TUNSETIFF,
  VIRTIO_NET_HDR_F_NEEDS_CSUM,
  VIRTIO_NET_HDR_GSO_NONE,
  VIRTIO_NET_HDR_GSO_TCPV4,
  VIRTIO_NET_HDR_GSO_TCPV6,
  VNET_HDR_SIZE,
} from './libc.js';

export type TunErrorCode = 'no-tun' | 'permission' | 'busy' | 'invalid-name' | 'unsupported' | 'io';

export class TunError extends Error {
  override readonly name = 'TunError';
  constructor(
    readonly code: TunErrorCode,
    message: string,
    /** The errno behind it, when a system call failed. */
    readonly errno?: number,
  ) {
    super(message);
  }
}

export type TunBuffering = 'slab' | 'copy';

export interface TunOptions {
  /** Largest packet read, in bytes (default 65535); longer ones would be truncated by the kernel. */
  readonly maxPacketSize?: number;
  /** How emitted packets are allocated (default 'slab'; see the header comment). */
  readonly buffering?: TunBuffering;
  /** Bytes per slab in 'slab' mode (default 1 MiB; at least maxPacketSize). */
  readonly slabSize?: number;
  /** Reads per readable event before yielding to the event loop (default 256). */
  readonly maxBatch?: number;
  /** IFF_VNET_HDR: enables writeSegmented() (default false). */
  readonly vnetHeader?: boolean;
}

export interface TunCounters {
  readonly packetsRead: number;
  readonly bytesRead: number;
  readonly packetsWritten: number;
  readonly bytesWritten: number;
  readonly readErrors: number;
  readonly writeErrors: number;
  /** Writes refused for a full queue (EAGAIN, ENOBUFS) or a closed device. */
  readonly drops: number;
  /** Packets read while nobody subscribed to packets$ (discarded; also in packetsRead). */
  readonly unclaimed: number;
  /** Readable events handled (packetsRead / readBatches is the mean batch). */
  readonly readBatches: number;
}

export interface TunDevice {
  /** The name the kernel gave (a pattern such as `ipsec%d` resolved). */
  readonly name: string;
  /** Every packet read, in order; completes on close(), errors if the device fails. */
  readonly packets$: Observable<Uint8Array>;
  /** Writes one IP packet into the host stack; false (counted) when it was not taken. */
  write(packet: Uint8Array): boolean;
  /** Whether the device was opened with `vnetHeader` (writeSegmented works). */
  readonly vnetHeader: boolean;
  /**
   * Writes a coalesced TCP packet that the host splits by `segmentation` (one packet counted);
   * without `vnetHeader` a counted write error.
   */
  writeSegmented(packet: Uint8Array, segmentation: Segmentation): boolean;
  /** A snapshot of the counters. */
  counters(): TunCounters;
  readonly closed: boolean;
  /** Stops reading and closes the fd (the kernel deletes the device); idempotent. */
  close(): void;
  /** Whether the open device keeps the event loop alive (it does by default, like a socket). */
  ref(): void;
  unref(): void;
}

const DEFAULT_MAX_PACKET = 65535;
const DEFAULT_SLAB = 1 << 20;
const DEFAULT_MAX_BATCH = 256;
const NAME_FORBIDDEN = /[\s/:]/;

/** Checks a name (or `%d` pattern) as the kernel would (dev_valid_name, dev_alloc_name). */
export function tunNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'the name is empty';
  if (!/^[\x21-\x7e]+$/.test(name)) return 'the name must be printable ASCII without spaces';
  if (name.length >= IFNAMSIZ) return `the name is ${name.length} characters, at most ${IFNAMSIZ - 1} fit`;
  if (name === '.' || name === '..') return `"${name}" is not a valid interface name`;
  if (NAME_FORBIDDEN.test(name)) return 'the name must not contain "/" or ":"';
  const percent = name.indexOf('%');
  if (percent >= 0 && (name[percent + 1] !== 'd' || name.includes('%', percent + 1)))
    return 'the only pattern allowed is a single "%d"';
  return undefined;
}

/** Opens (creates) a non-persistent TUN device; throws a TunError. */
export function openTun(name: string, options: TunOptions = {}): TunDevice {
  const problem = tunNameProblem(name);
  if (problem) throw new TunError('invalid-name', `invalid TUN device name "${name}": ${problem}`);
  if (!platformSupported())
    throw new TunError(
      'unsupported',
      `TUN devices need Linux on x64 or arm64, not ${process.platform}/${process.arch}`,
    );
  const c = libc();
  const fd = c.open('/dev/net/tun', O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw openError(c, c.errno());
  const ifr = new Uint8Array(IFREQ_SIZE);
  for (let i = 0; i < name.length; i++) ifr[i] = name.charCodeAt(i);
  const flags = IFF_TUN | IFF_NO_PI | (options.vnetHeader ? IFF_VNET_HDR : 0);
  new DataView(ifr.buffer).setInt16(IFREQ_FLAGS_OFFSET, flags, true);
  if (c.ioctlPtr(fd, TUNSETIFF, ifr) < 0) {
    const errno = c.errno();
    c.close(fd);
    throw setIffError(c, name, errno);
  }
  const end = ifr.indexOf(0);
  const actual = String.fromCharCode(...ifr.subarray(0, end < 0 || end > IFNAMSIZ ? IFNAMSIZ : end));
  return new Tun(c, fd, actual, options);
}

function describe(c: Libc, errno: number): string {
  return `${c.strerror(errno)} (errno ${errno})`;
}

function openError(c: Libc, errno: number): TunError {
  const why = describe(c, errno);
  switch (errno) {
    case Errno.ENOENT:
    case Errno.ENODEV:
    case Errno.ENXIO:
      return new TunError(
        'no-tun',
        `cannot open /dev/net/tun: ${why}; load the tun module (modprobe tun), or in a container pass the device (--device /dev/net/tun)`,
        errno,
      );
    case Errno.EACCES:
    case Errno.EPERM:
      return new TunError(
        'permission',
        `cannot open /dev/net/tun: ${why}; run as root or with CAP_NET_ADMIN`,
        errno,
      );
    default:
      return new TunError('io', `cannot open /dev/net/tun: ${why}`, errno);
  }
}

function setIffError(c: Libc, name: string, errno: number): TunError {
  const what = `cannot create TUN device "${name}" (TUNSETIFF): ${describe(c, errno)}`;
  switch (errno) {
    case Errno.EPERM:
    case Errno.EACCES:
      return new TunError('permission', `${what}; creating a device needs CAP_NET_ADMIN`, errno);
    case Errno.EBUSY:
      return new TunError('busy', `${what}; a TUN device of that name is already open`, errno);
    case Errno.ENFILE:
    case Errno.EEXIST:
      return new TunError('busy', `${what}; the name (or every name of the pattern) is taken`, errno);
    case Errno.EINVAL:
      if (!name.includes('%') && existsSync(`/sys/class/net/${name}`))
        return new TunError(
          'busy',
          `${what}; a device of that name exists and is not a free TUN device`,
          errno,
        );
      return new TunError('invalid-name', `${what}; the kernel refused the name or flags`, errno);
    default:
      return new TunError('io', what, errno);
  }
}

class Tun implements TunDevice {
  readonly packets$: Observable<Uint8Array>;
  private readonly subject = new Subject<Uint8Array>();
  private readonly poll: PollHandle;
  private readonly maxPacket: number;
  private readonly slabSize: number;
  private readonly maxBatch: number;
  private readonly copy: boolean;
  private slab: Uint8Array;
  private offset = 0;
  private isClosed = false;
  private packetsRead = 0;
  private bytesRead = 0;
  private packetsWritten = 0;
  private bytesWritten = 0;
  private readErrors = 0;
  private writeErrors = 0;
  private drops = 0;
  private unclaimed = 0;
  private readBatches = 0;
  readonly vnetHeader: boolean;
  /** The bytes before each packet in a read or write (the virtio_net_hdr, or none). */
  private readonly prefix: number;
  /** vnetHeader: the header and a packet are written from here in one write(). */
  private readonly out: Uint8Array;
  private readonly outView: DataView;

  constructor(
    private readonly c: Libc,
    private fd: number,
    readonly name: string,
    options: TunOptions,
  ) {
    this.maxPacket = Math.max(1, options.maxPacketSize ?? DEFAULT_MAX_PACKET);
    this.slabSize = Math.max(this.maxPacket, options.slabSize ?? DEFAULT_SLAB);
    this.maxBatch = Math.max(1, options.maxBatch ?? DEFAULT_MAX_BATCH);
    this.copy = options.buffering === 'copy';
    this.vnetHeader = options.vnetHeader === true;
    this.prefix = this.vnetHeader ? VNET_HDR_SIZE : 0;
    this.out = new Uint8Array(this.vnetHeader ? VNET_HDR_SIZE + this.maxPacket : 0);
    this.outView = new DataView(this.out.buffer);
    // In copy mode the "slab" is one scratch buffer of maxPacket bytes, reused for every read.
    this.slab = new Uint8Array((this.copy ? this.maxPacket : this.slabSize) + this.prefix);
    this.packets$ = this.subject.asObservable();
    try {
      this.poll = c.poll(fd, (status) => this.onReadable(status));
    } catch (e) {
      c.close(fd);
      throw new TunError('io', `cannot watch TUN device "${name}": ${(e as Error).message}`);
    }
  }

  get closed(): boolean {
    return this.isClosed;
  }

  counters(): TunCounters {
    return {
      packetsRead: this.packetsRead,
      bytesRead: this.bytesRead,
      packetsWritten: this.packetsWritten,
      bytesWritten: this.bytesWritten,
      readErrors: this.readErrors,
      writeErrors: this.writeErrors,
      drops: this.drops,
      unclaimed: this.unclaimed,
      readBatches: this.readBatches,
    };
  }

  write(packet: Uint8Array): boolean {
    if (!this.vnetHeader) return this.writeRaw(packet, packet);
    if (packet.length > this.maxPacket) {
      this.writeErrors++;
      return false;
    }
    this.out.fill(0, 0, VNET_HDR_SIZE); // no offload: VIRTIO_NET_HDR_GSO_NONE, no flags
    this.out.set(packet, VNET_HDR_SIZE);
    return this.writeRaw(packet, this.out.subarray(0, VNET_HDR_SIZE + packet.length));
  }

  writeSegmented(packet: Uint8Array, s: Segmentation): boolean {
    if (!this.vnetHeader || packet.length > this.maxPacket) {
      this.writeErrors++;
      return false;
    }
    // struct virtio_net_hdr, native (little) endian for a TUN device without TUNSETVNETBE
    const v = this.outView;
    v.setUint8(0, VIRTIO_NET_HDR_F_NEEDS_CSUM);
    v.setUint8(1, s.ipv6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4);
    v.setUint16(2, s.headerLength, true); // hdr_len
    v.setUint16(4, s.segmentSize, true); // gso_size
    v.setUint16(6, s.checksumStart, true); // csum_start
    v.setUint16(8, 16, true); // csum_offset: the TCP checksum field (RFC 9293 §3.1)
    this.out.set(packet, VNET_HDR_SIZE);
    return this.writeRaw(packet, this.out.subarray(0, VNET_HDR_SIZE + packet.length));
  }

  /** One write() of `bytes` (the packet, or header and packet); counts `packet`. */
  private writeRaw(packet: Uint8Array, bytes: Uint8Array): boolean {
    if (this.isClosed) {
      this.drops++;
      return false;
    }
    if (packet.length === 0) {
      this.writeErrors++;
      return false;
    }
    for (;;) {
      const n = this.c.write(this.fd, bytes, bytes.length);
      if (n >= 0) {
        this.packetsWritten++;
        this.bytesWritten += packet.length;
        return true;
      }
      const errno = this.c.errno();
      if (errno === Errno.EINTR) continue;
      if (errno === Errno.EAGAIN || errno === Errno.ENOBUFS) this.drops++;
      else this.writeErrors++;
      return false;
    }
  }

  close(): void {
    if (this.isClosed) return;
    this.shutdown();
    this.subject.complete();
  }

  ref(): void {
    if (!this.isClosed) this.poll.ref();
  }

  unref(): void {
    if (!this.isClosed) this.poll.unref();
  }

  /** Stops the poll before closing the fd (libuv must not watch a closed or reused fd). */
  private shutdown(): void {
    this.isClosed = true;
    this.poll.stop();
    this.poll.close();
    this.c.close(this.fd);
    this.fd = -1;
  }

  private fail(message: string, errno?: number): void {
    this.shutdown();
    this.subject.error(new TunError('io', `TUN device "${this.name}": ${message}`, errno));
  }

  private onReadable(status: number): void {
    if (this.isClosed) return;
    if (status < 0) {
      this.fail(`poll failed (libuv status ${status})`);
      return;
    }
    this.readBatches++;
    const { c, prefix } = this;
    const size = this.maxPacket + prefix;
    for (let i = 0; i < this.maxBatch; i++) {
      let packet: Uint8Array;
      if (this.copy) {
        const n = c.read(this.fd, this.slab, size);
        if (n <= 0) {
          if (this.readFailed(n)) continue;
          return;
        }
        if (prefix && !this.headerOk(this.slab, 0, n)) continue;
        packet = this.slab.slice(prefix, n);
      } else {
        if (this.slab.length - this.offset < size) {
          this.slab = new Uint8Array(this.slabSize + prefix);
          this.offset = 0;
        }
        const start = this.offset;
        const n = c.read(this.fd, this.slab.subarray(start, start + size), size);
        if (n <= 0) {
          if (this.readFailed(n)) continue;
          return;
        }
        if (prefix && !this.headerOk(this.slab, start, n)) continue;
        packet = this.slab.subarray(start + prefix, start + n);
        this.offset = (start + n + 7) & ~7; // keep views 8-byte aligned
      }
      this.packetsRead++;
      this.bytesRead += packet.length;
      if (this.subject.observed) this.subject.next(packet);
      else this.unclaimed++;
      if (this.isClosed) return; // a subscriber closed the device
    }
  }

  /**
   * The virtio_net_hdr of a read of `n` bytes at `at`: completes a partial checksum; false (a
   * counted read error, packet dropped) for a short read or a segmented packet (no offload was
   * offered, so the kernel must not send one).
   */
  private headerOk(buf: Uint8Array, at: number, n: number): boolean {
    if (n <= VNET_HDR_SIZE || buf[at + 1] !== VIRTIO_NET_HDR_GSO_NONE) {
      this.readErrors++;
      return false;
    }
    if (buf[at]! & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
      const v = new DataView(buf.buffer, buf.byteOffset + at, VNET_HDR_SIZE);
      const start = at + VNET_HDR_SIZE + v.getUint16(6, true);
      const field = start + v.getUint16(8, true);
      if (field + 2 > at + n) {
        this.readErrors++;
        return false;
      }
      // the field holds the pseudo-header sum: add the rest and invert (RFC 1071)
      const sum = ~foldSum(onesComplementSum(buf, start, at + n)) & 0xffff;
      buf[field] = sum >> 8;
      buf[field + 1] = sum & 0xff;
    }
    return true;
  }

  /** After a read returned `n` <= 0: true to retry (EINTR), false to end this batch. */
  private readFailed(n: number): boolean {
    if (n === 0) return false;
    const errno = this.c.errno();
    if (errno === Errno.EAGAIN) return false;
    if (errno === Errno.EINTR) return true;
    this.readErrors++;
    // EBADFD: the interface was deleted under us (ip link del); the fd is dead for good.
    if (errno === Errno.EBADFD || errno === Errno.EBADF || errno === Errno.EIO)
      this.fail(`read failed: ${describe(this.c, errno)}`, errno);
    return false;
  }
}
