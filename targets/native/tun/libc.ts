/**
 * The libc calls and Linux constants the TUN device needs, bound with koffi (FFI). Loaded on
 * first use: importing this module costs nothing until a TUN device is opened.
 *
 * Constants are the Linux values for x86_64 and arm64 (the generic ioctl encoding and the
 * asm-generic fcntl flags); `libc()` refuses other platforms rather than guessing.
 * koffi 3.3.4 is pinned exactly: `koffi.node.poll` is undocumented (see `PollCallback`).
 */
import koffi, { type LibraryHandle } from 'koffi';

/** open(2) flags (asm-generic/fcntl.h, same on x86_64 and arm64). */
export const O_RDWR = 0o2;
export const O_NONBLOCK = 0o4000;
export const O_CLOEXEC = 0o2000000;

/** linux/if_tun.h: TUNSETIFF = _IOW('T', 202, int). */
export const TUNSETIFF = 0x400454ca;
export const IFF_TUN = 0x0001;
/** No 4-byte packet-information prefix: reads and writes are bare IP packets. */
export const IFF_NO_PI = 0x1000;
/** Every read and write starts with a struct virtio_net_hdr (linux/virtio_net.h). */
export const IFF_VNET_HDR = 0x4000;
/** sizeof(struct virtio_net_hdr): flags, gso_type, hdr_len, gso_size, csum_start, csum_offset. */
export const VNET_HDR_SIZE = 10;
export const VIRTIO_NET_HDR_F_NEEDS_CSUM = 1;
export const VIRTIO_NET_HDR_GSO_NONE = 0;
export const VIRTIO_NET_HDR_GSO_TCPV4 = 1;
export const VIRTIO_NET_HDR_GSO_TCPV6 = 4;

/** linux/if.h: interface names are at most 15 bytes plus the terminating NUL. */
export const IFNAMSIZ = 16;
/** sizeof(struct ifreq) on 64-bit Linux: ifr_name[16] and a 24-byte union (ifr_flags at 16). */
export const IFREQ_SIZE = 40;
export const IFREQ_FLAGS_OFFSET = 16;

/** The errno values we distinguish (asm-generic/errno-base.h, errno.h). */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  EBADFD: 77,
  ENOBUFS: 105,
} as const;

export interface PollEvents {
  readonly readable: boolean;
  readonly writable: boolean;
  readonly disconnect: boolean;
}

/**
 * koffi 3.3.4 calls the poll callback as `(status, events)`: status is the libuv status
 * (0 or a negative UV error), events the object. index.d.ts types it as `(events)` only.
 */
export type PollCallback = (status: number, events: PollEvents) => void;

export interface PollHandle {
  stop(): void;
  close(): void;
  ref(): void;
  unref(): void;
}

export interface Libc {
  open(path: string, flags: number): number;
  /** ioctl(fd, request, void *arg): `arg` is read and written in place. */
  ioctlPtr(fd: number, request: number, arg: Uint8Array): number;
  /** read(2) into `buf` (its view: byteOffset is honoured), at most `count` bytes. */
  read(fd: number, buf: Uint8Array, count: number): number;
  write(fd: number, buf: Uint8Array, count: number): number;
  close(fd: number): number;
  /** errno of the last failed call on this thread (read it right after a -1). */
  errno(): number;
  strerror(errnum: number): string;
  /** Watches `fd` on the current thread's libuv loop (main thread or worker). */
  poll(fd: number, callback: PollCallback): PollHandle;
}

let bound: Libc | undefined;

/** Whether the platform's constants are the ones above. */
export function platformSupported(): boolean {
  return process.platform === 'linux' && (process.arch === 'x64' || process.arch === 'arm64');
}

/** The bound libc functions; throws if the platform is not Linux on x86_64/arm64. */
export function libc(): Libc {
  if (bound) return bound;
  if (!platformSupported())
    throw new Error(`TUN devices need Linux on x64 or arm64 (this is ${process.platform}/${process.arch})`);
  let lib: LibraryHandle;
  try {
    lib = koffi.load('libc.so.6');
  } catch {
    lib = koffi.load(null); // musl and others: the symbols are in the process's global scope
  }
  const open = lib.func('int open(const char *path, int flags, ...)');
  const ioctl = lib.func('int ioctl(int fd, unsigned long request, ...)');
  const read = lib.func('long read(int fd, void *buf, size_t count)');
  const write = lib.func('long write(int fd, const void *buf, size_t count)');
  const close = lib.func('int close(int fd)');
  const strerror = lib.func('const char *strerror(int errnum)');
  bound = {
    open: (path, flags) => open(path, flags) as number,
    // Variadic: koffi takes a type and a value for each extra argument.
    ioctlPtr: (fd, request, arg) => ioctl(fd, request, 'void *', arg) as number,
    read: (fd, buf, count) => Number(read(fd, buf, count)),
    write: (fd, buf, count) => Number(write(fd, buf, count)),
    close: (fd) => close(fd) as number,
    errno: () => koffi.errno(),
    strerror: (errnum) => String(strerror(errnum)),
    poll: (fd, callback) =>
      koffi.node.poll(fd, { readable: true }, callback as unknown as (ev: PollEvents) => void),
  };
  return bound;
}
