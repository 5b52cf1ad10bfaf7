/**
 * Support for the TUN device tests: a throwaway network namespace per test file, a TUN device
 * opened in the test process and moved into it, and programs run inside it. Nothing is
 * configured in the root namespace; the device exists there only between open and move.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { filter, firstValueFrom, take, timeout, toArray } from 'rxjs';
import {
  addressAdd,
  linkSetNetns,
  linkSetup,
  netnsAdd,
  netnsDelete,
  routeReplace,
} from '../../../../targets/native/tun/iproute.js';
import { openTun, type TunDevice, type TunOptions } from '../../../../targets/native/tun/tun-device.js';
import { ensurePackages, runs } from '../../../support/debian-packages.js';

/** Fails (never skips) when the host cannot run these tests (CI runs them as root); installs ping. */
export function requireTunHost(): void {
  if (process.platform !== 'linux') throw new Error(`TUN tests need Linux (this is ${process.platform})`);
  if (process.getuid?.() !== 0)
    throw new Error('TUN tests need root (network namespaces, /dev/net/tun); run them as root, as CI does');
  if (!existsSync('/dev/net/tun'))
    throw new Error('TUN tests need /dev/net/tun (modprobe tun; in a container: --device /dev/net/tun)');
  ensurePackages('ping', ['iputils-ping'], () => runs('ping', ['-V']));
}

export const randomHex = (bytes: number): string => randomBytes(bytes).toString('hex');

export async function createNetns(): Promise<string> {
  const ns = `ikt-${randomHex(4)}`;
  await netnsAdd(ns);
  return ns;
}

export { netnsDelete };

export interface NsDevice {
  readonly dev: TunDevice;
  /** The device's own address inside the namespace. */
  readonly local: string;
  /** A /24 routed into the device: `remote(n)` is an address in it. */
  readonly remote: (host: number) => string;
}

/**
 * Opens a TUN device, moves it into `ns`, gives it 10.<net>.0.1/24 and routes
 * 10.<net+1>.0.0/24 into it (src 10.<net>.0.1), up, with a transmit queue long enough that a
 * burst waits for read() instead of being dropped.
 */
export async function nsDevice(ns: string, net: number, options: TunOptions = {}): Promise<NsDevice> {
  const dev = openTun(`ikt${randomHex(4)}`, options);
  try {
    await linkSetNetns(dev.name, ns);
    const local = `10.${net}.0.1`;
    await addressAdd(dev.name, `${local}/24`, { netns: ns });
    await linkSetup(dev.name, { netns: ns, up: true, mtu: 1400, txqueuelen: 4096 });
    await routeReplace({ netns: ns, prefix: `10.${net + 1}.0.0/24`, dev: dev.name, src: local });
    return { dev, local, remote: (host) => `10.${net + 1}.0.${host}` };
  } catch (e) {
    dev.close();
    throw e;
  }
}

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program inside `ns` (`ip netns exec`), resolving with its exit code and output. */
export function nsExec(ns: string, argv: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile('ip', ['netns', 'exec', ns, ...argv], { encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr: stderr || (error?.message ?? '') });
    });
  });
}

/**
 * Node, in the namespace, sends `count` UDP datagrams of `size` bytes (>= 4) from
 * src:srcPort to dst:dstPort as fast as it can; datagram i starts with i (u32 big-endian) and
 * byte j (j >= 4) is (i + j) & 255.
 */
const SENDER = `
const dgram = require('node:dgram');
const [src, srcPort, dst, dstPort, count, size] = process.argv.slice(1);
const s = dgram.createSocket('udp4');
s.bind(Number(srcPort), src, () => {
  let pending = Number(count);
  for (let i = 0; i < Number(count); i++) {
    const b = Buffer.alloc(Number(size));
    b.writeUInt32BE(i, 0);
    for (let j = 4; j < b.length; j++) b[j] = (i + j) & 255;
    s.send(b, Number(dstPort), dst, (e) => {
      if (e) { console.error(String(e)); process.exitCode = 1; }
      if (--pending === 0) s.close();
    });
  }
});`;

export function datagram(i: number, size: number): Uint8Array {
  const b = new Uint8Array(size);
  new DataView(b.buffer).setUint32(0, i);
  for (let j = 4; j < size; j++) b[j] = (i + j) & 255;
  return b;
}

export function sendUdp(
  ns: string,
  from: { addr: string; port: number },
  to: { addr: string; port: number },
  count: number,
  size: number,
): Promise<Run> {
  const args = [from.addr, from.port, to.addr, to.port, count, size].map(String);
  return nsExec(ns, [process.execPath, '-e', SENDER, ...args]);
}

/** The first `count` packets from `dev` that pass `accept`; rejects after `ms` (a guard, not a timing assertion). */
export function collect(
  dev: TunDevice,
  accept: (p: Uint8Array) => boolean,
  count: number,
  ms = 20_000,
): Promise<Uint8Array[]> {
  return firstValueFrom(dev.packets$.pipe(filter(accept), take(count), toArray(), timeout(ms)));
}
