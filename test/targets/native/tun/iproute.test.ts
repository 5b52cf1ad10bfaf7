/**
 * The iproute2 wrapper against the real `ip`, on a TUN device (no dummy module needed) moved
 * into a throwaway network namespace: link setup, idempotent addresses, route replace / list / delete (a missing route
 * is not an error), typed errors. Needs root: fails (never skips) without it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addressAdd,
  IpError,
  ip,
  linkExists,
  linkSetNetns,
  linkSetup,
  netnsDelete,
  routeDelete,
  routeList,
  routeReplace,
} from '../../../../targets/native/tun/iproute.js';
import { openTun, type TunDevice } from '../../../../targets/native/tun/tun-device.js';
import { createNetns, randomHex, requireTunHost } from './netns.js';

let netns = '';
let tun: TunDevice | undefined;
let dev = '';

beforeAll(async () => {
  requireTunHost();
  netns = await createNetns();
  tun = openTun(`ikr${randomHex(4)}`);
  dev = tun.name;
  await linkSetNetns(dev, netns);
});

afterAll(async () => {
  tun?.close();
  if (netns) await netnsDelete(netns);
});

interface AddrInfo {
  ifname: string;
  mtu: number;
  operstate: string;
  flags: string[];
  addr_info: { local: string; prefixlen: number }[];
}

async function link(): Promise<AddrInfo> {
  const [info] = JSON.parse(await ip(['-j', 'addr', 'show', 'dev', dev], { netns })) as AddrInfo[];
  return info!;
}

describe('iproute', () => {
  it('linkSetup sets the MTU and brings the link up; linkExists', async () => {
    await linkSetup(dev, { netns, mtu: 1380, up: true, txqueuelen: 2000 });
    const info = await link();
    expect(info.mtu).toBe(1380);
    expect(info.flags).toContain('UP');
    expect(await linkExists(dev, { netns })).toBe(true);
    expect(await linkExists('nosuchdev0', { netns })).toBe(false);
  });

  it('addressAdd is idempotent', async () => {
    await addressAdd(dev, '10.40.0.1/24', { netns });
    await addressAdd(dev, '10.40.0.1/24', { netns });
    await addressAdd(dev, 'fd00:40::1/64', { netns });
    const addrs = (await link()).addr_info.map((a) => `${a.local}/${a.prefixlen}`);
    expect(addrs.filter((a) => a === '10.40.0.1/24')).toHaveLength(1);
    expect(addrs).toContain('fd00:40::1/64');
  });

  it('routeReplace adds or updates; routeList parses; routeDelete tolerates a missing route', async () => {
    const route = { netns, prefix: '10.41.0.0/16', dev, src: '10.40.0.1', metric: 50 };
    await routeReplace(route);
    await routeReplace(route);
    const found = (await routeList(dev, { netns })).filter((r) => r.dst === '10.41.0.0/16');
    expect(found).toEqual([
      expect.objectContaining({ dst: '10.41.0.0/16', dev, prefsrc: '10.40.0.1', metric: 50, flags: [] }),
    ]);
    expect(await routeDelete(route)).toBe(true);
    expect(await routeDelete(route)).toBe(false);
    expect((await routeList(dev, { netns })).map((r) => r.dst)).not.toContain('10.41.0.0/16');
  });

  it('routes in another table and IPv6 routes', async () => {
    await routeReplace({ netns, prefix: 'default', dev, table: 220 });
    await routeReplace({ netns, prefix: 'fd00:41::/48', dev });
    expect((await routeList(dev, { netns, table: 220 })).map((r) => r.dst)).toEqual(['default']);
    expect((await routeList(dev, { netns, family: 6 })).map((r) => r.dst)).toContain('fd00:41::/48');
    expect(await routeDelete({ netns, prefix: 'default', dev, table: 220 })).toBe(true);
    expect(await routeList(dev, { netns, table: 220 })).toEqual([]);
  });

  it('deleting a route through a device that does not exist is not an error', async () => {
    expect(await routeDelete({ netns, prefix: '10.42.0.0/24', dev: 'nosuchdev0' })).toBe(false);
  });

  it('failures are IpError with the command and ip stderr', async () => {
    const e = await addressAdd('nosuchdev0', '10.43.0.1/24', { netns }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(IpError);
    const ipe = e as IpError;
    expect(ipe.args).toEqual(['-n', netns, 'addr', 'replace', '10.43.0.1/24', 'dev', 'nosuchdev0']);
    expect(ipe.stderr).toMatch(/nosuchdev0|Cannot find device/);
    expect(ipe.message).toContain(`ip -n ${netns} addr replace 10.43.0.1/24 dev nosuchdev0 failed`);
  });

  it('netnsDelete of a namespace that does not exist is not an error', async () => {
    await expect(netnsDelete(`ikt-gone-${randomHex(4)}`)).resolves.toBeUndefined();
  });
});
