/**
 * VICI's SA commands and events (targets/native/vici/commands/sa.ts) on two daemons in this
 * process (gateway 127.0.0.1, client 127.0.0.2, PSK over loopback UDP), driven by our
 * ViciClient and, when it is installed, by strongSwan's own `swanctl` over `--uri`:
 * --initiate (its control-log lines), --list-sas (raw, read with the interop parser), --rekey,
 * --list-pols, --install / --uninstall, --terminate (with force), --counters, and --monitor-sa
 * for the events.
 */

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Daemon } from '../../../../targets/native/daemon.js';
import { createLogger } from '../../../../targets/native/logger.js';
import { ViciClient } from '../../../../targets/native/vici/client.js';
import { type ViciSection, viciPlain, viciSubsection } from '../../../../targets/native/vici/message.js';
import { parseListSas } from '../../../interop/lab.js';
import { ensureSwanctl } from '../../../support/swanctl.js';

const dir = mkdtempSync(join(tmpdir(), 'ikev2-vici-sa-'));
const GATEWAY_CONF = join(dir, 'gateway.conf');
const CLIENT_CONF = join(dir, 'client.conf');
const GATEWAY_VICI = join(dir, 'gateway.vici');
const CLIENT_VICI = join(dir, 'client.vici');
const STRONGSWAN_CONF = join(dir, 'strongswan.conf');

const SWANCTL = ensureSwanctl();
const STDBUF = ['/usr/bin/stdbuf', '/bin/stdbuf'].find((p) => existsSync(p));

const SECRETS = `secrets {
  ike-demo {
    id-a = gateway.example.org
    id-b = client.example.org
    secret = "vici-sa-test-psk-0123456789"
  }
}
`;

const gatewayConf = `daemon {
  port = 0
  port_nat_t = 0
}
connections {
  rw {
    local_addrs = 127.0.0.1
    proposals = aes128ctr-aesxcbc-ecp192
    local { auth = psk
      id = gateway.example.org }
    remote { auth = psk
      id = client.example.org }
    children {
      net {
        local_ts = 10.99.1.0/24
        remote_ts = 10.99.2.0/24
        esp_proposals = aes128ctr-aesxcbc
      }
    }
  }
}
${SECRETS}`;

const clientConf = (port: number, natT: number) => `daemon {
  port = ${port}
  port_nat_t = ${natT}
  retransmit_timeout = 0.2
  retransmit_tries = 1
}
connections {
  gw {
    local_addrs = 127.0.0.2
    remote_addrs = 127.0.0.1
    remote_port = ${port}
    proposals = aes128ctr-aesxcbc-ecp192
    local { auth = psk
      id = client.example.org }
    remote { auth = psk
      id = gateway.example.org }
    children {
      net {
        local_ts = 10.99.2.0/24
        remote_ts = 10.99.1.0/24
        esp_proposals = aes128ctr-aesxcbc
      }
    }
  }
  dead {
    local_addrs = 127.0.0.2
    remote_addrs = 127.0.0.3
    proposals = aes128ctr-aesxcbc-ecp192
    local { auth = psk
      id = client.example.org }
    remote { auth = psk
      id = gateway.example.org }
    children {
      lost {
        local_ts = 10.98.2.0/24
        remote_ts = 10.98.1.0/24
        start_action = trap
      }
    }
  }
}
${SECRETS}`;

/** A VICI tree read as plain strings, walked freely in assertions. */
// biome-ignore lint/suspicious/noExplicitAny: assertions walk the tree by key
type Tree = Record<string, any>;

let gateway: Daemon;
let client: Daemon;

function swanctl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      SWANCTL,
      args,
      { env: { ...process.env, STRONGSWAN_CONF }, timeout: 20_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out: stdout, err: stderr }),
    );
  });
}

const until = async (test: () => boolean, ms = 5000) => {
  for (let t = 0; t < ms && !test(); t += 20) await new Promise((r) => setTimeout(r, 20));
  return test();
};

/** Events of one name as plain objects, recorded by a client of their own. */
async function recorder(sock: string, names: string[]) {
  const c = await ViciClient.connect(sock);
  const got: { name: string; msg: ViciSection }[] = [];
  for (const n of names) await c.register(n, (msg, name) => got.push({ name, msg }));
  return { client: c, got };
}

beforeAll(async () => {
  writeFileSync(STRONGSWAN_CONF, '');
  writeFileSync(GATEWAY_CONF, gatewayConf);
  const logger = createLogger({ level: 'warn', out: { write: () => {} } });
  gateway = await Daemon.start({
    configPath: GATEWAY_CONF,
    controlPath: join(dir, 'gateway.sock'),
    viciPath: GATEWAY_VICI,
    logger,
  });
  const { port, natT } = gateway.host.ports;
  writeFileSync(CLIENT_CONF, clientConf(port, natT));
  client = await Daemon.start({
    configPath: CLIENT_CONF,
    controlPath: join(dir, 'client.sock'),
    viciPath: CLIENT_VICI,
    logger,
  });
});

afterAll(async () => {
  await client?.stop();
  await gateway?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('VICI SA commands (our client)', () => {
  it('answers initiate errors in the VICI convention', async () => {
    const c = await ViciClient.connect(CLIENT_VICI);
    try {
      expect(await c.initiate({ child: 'nope' })).toMatchObject({ success: false });
      expect(await c.initiate({})).toEqual({ success: false, errmsg: 'missing configuration name' });
      const t = viciPlain(await c.request('terminate', { ike: 'nothing' }));
      expect(t).toMatchObject({ success: 'no', errmsg: 'no matching SAs to terminate found' });
      expect(viciPlain(await c.request('install', {}))).toEqual({
        success: 'no',
        errmsg: 'missing configuration name',
      });
      expect(viciPlain(await c.request('install', { child: 'nope' }))).toEqual({
        success: 'no',
        errmsg: "no child 'nope'",
      });
      expect(viciPlain(await c.request('uninstall', { child: 'nope' }))).toEqual({
        success: 'no',
        errmsg: "policy 'nope' not found",
      });
    } finally {
      c.close();
    }
  });

  it('install / uninstall: trap policies of a child, listed by list-policies meanwhile', async () => {
    const c = await ViciClient.connect(CLIENT_VICI);
    try {
      const traps = async () =>
        (await c.streamed('list-policies', 'list-policy', { trap: 'yes' })).map(
          (p) => Object.keys(viciPlain(p))[0],
        );
      expect(viciPlain(await c.request('install', { child: 'net', ike: 'gw' }))).toEqual({ success: 'yes' });
      expect(await traps()).toEqual(['dead/lost', 'gw/net']);
      expect(viciPlain(await c.request('uninstall', { child: 'net' }))).toEqual({ success: 'yes' });
      expect(await traps()).toEqual(['dead/lost']);
    } finally {
      c.close();
    }
  });

  it('lists trap policies as list-policy events', async () => {
    const c = await ViciClient.connect(CLIENT_VICI);
    try {
      const pols = (await c.streamed('list-policies', 'list-policy', { trap: 'yes' })).map(viciPlain);
      expect(pols).toEqual([
        {
          'dead/lost': {
            child: 'lost',
            ike: 'dead',
            mode: 'TUNNEL',
            'local-ts': ['10.98.2.0/24'],
            'remote-ts': ['10.98.1.0/24'],
          },
        },
      ]);
      expect(await c.streamed('list-policies', 'list-policy', {})).toEqual([]);
    } finally {
      c.close();
    }
  });
});

describe('VICI SA commands with strongSwan swanctl', () => {
  const uri = (p: string) => `unix://${p}`;
  let monitor: ChildProcess;
  let monitorOut = '';
  let events: Awaited<ReturnType<typeof recorder>>;

  beforeAll(async () => {
    events = await recorder(CLIENT_VICI, ['ike-updown', 'child-updown', 'ike-rekey', 'child-rekey']);
    // swanctl's stdout is block-buffered into a pipe: stdbuf makes it line-buffered.
    const cmd = ['--monitor-sa', '--uri', uri(CLIENT_VICI)];
    monitor = STDBUF
      ? spawn(STDBUF, ['-oL', SWANCTL, ...cmd], { env: { ...process.env, STRONGSWAN_CONF } })
      : spawn(SWANCTL, cmd, { env: { ...process.env, STRONGSWAN_CONF } });
    monitor.stdout?.on('data', (d: Buffer) => {
      monitorOut += d.toString();
    });
    await until(() => (gateway.viciServer?.clients ?? 0) >= 0 && (client.viciServer?.clients ?? 0) >= 2);
  });

  afterAll(() => {
    monitor?.kill();
    events?.client.close();
  });

  it('--initiate prints the control-log lines and succeeds', async () => {
    const r = await swanctl(
      '--initiate',
      '--child',
      'net',
      '--ike',
      'gw',
      '--timeout',
      '10',
      '--uri',
      uri(CLIENT_VICI),
    );
    expect(r.err).toBe('');
    expect(r.out).toMatch(/\[IKE\] initiating IKE_SA gw\[1\] to 127\.0\.0\.1\n/);
    expect(r.out).toMatch(
      /\[IKE\] IKE_SA gw\[1\] established between 127\.0\.0\.2\[client\.example\.org\]\.\.\.127\.0\.0\.1\[gateway\.example\.org\]\n/,
    );
    expect(r.out).toMatch(
      /\[IKE\] IKE_SA gw\[1\] established [^\n]*\n(?:.*\n)*\[IKE\] CHILD_SA net\{1\} established with SPIs [0-9a-f]{8}_i [0-9a-f]{8}_o/,
    );
    expect(r.out).toMatch(/initiate completed successfully/);
    expect(r.code).toBe(0);
  });

  it("stats carries the data plane's counters: the IKE exchanges' datagrams, no ESP yet", async () => {
    const c = await ViciClient.connect(CLIENT_VICI);
    try {
      const stats = (await c.stats()) as Tree;
      expect(Number(stats.udp.sent)).toBeGreaterThanOrEqual(2); // IKE_SA_INIT and IKE_AUTH requests
      expect(Number(stats.udp.received)).toBeGreaterThanOrEqual(2);
      expect(stats.udp['send-errors']).toBe('0');
      expect(stats.esp['out-protected']).toBe('0');
      expect(stats.esp.drops).toMatchObject({ 'no-sa': '0', icv: '0', replay: '0' });
      expect(stats.tun).toBeUndefined(); // no daemon.tun
    } finally {
      c.close();
    }
    const pretty = await swanctl('--stats', '--pretty', '--uri', uri(CLIENT_VICI));
    expect(pretty.out).toMatch(/^ {2}udp \{\n {4}received = [1-9]\d*$/m);
  });

  it('publishes ike-updown and child-updown (ours and --monitor-sa)', async () => {
    expect(await until(() => events.got.length >= 2)).toBe(true);
    const names = events.got.map((e) => e.name);
    expect(names).toContain('ike-updown');
    expect(names).toContain('child-updown');
    const ike = viciPlain(events.got.find((e) => e.name === 'ike-updown')!.msg);
    expect(ike.up).toBe('yes');
    expect(ike.gw).toMatchObject({ state: 'ESTABLISHED', initiator: 'yes', 'remote-host': '127.0.0.1' });
    const child = viciPlain(events.got.find((e) => e.name === 'child-updown')!.msg) as Tree;
    expect(child.up).toBe('yes');
    expect(Object.values(child.gw['child-sas'])[0]).toMatchObject({ name: 'net', state: 'INSTALLED' });
    expect(await until(() => /gw: #1, ESTABLISHED, IKEv2/.test(monitorOut))).toBe(true);
    // ike-updown comes first, child-updown (its IKE SA established) after it
    expect(names.indexOf('ike-updown')).toBeLessThan(names.indexOf('child-updown'));
    expect(child.gw.state).toBe('ESTABLISHED');
    expect(monitorOut).toMatch(/net: #1, reqid \d+, INSTALLED, TUNNEL/);
  });

  it('--list-sas: the fields charon lists, the same SA on both sides', async () => {
    const r = await swanctl('--list-sas', '--raw', '--uri', uri(CLIENT_VICI));
    expect(r.code).toBe(0);
    const [c] = parseListSas(r.out);
    expect(c).toMatchObject({
      name: 'gw',
      uniqueid: '1',
      state: 'ESTABLISHED',
      initiator: true,
      localHost: '127.0.0.2',
      remoteHost: '127.0.0.1',
      localId: 'client.example.org',
      remoteId: 'gateway.example.org',
      encrAlg: 'AES_CTR',
      encrKeysize: '128',
      integAlg: 'AES_XCBC_96',
      prfAlg: 'PRF_AES128_XCBC',
      dhGroup: 'ECP_192',
    });
    expect(c!.raw.version).toBe('2');
    expect(c!.raw.established).toMatch(/^\d+$/);
    expect(c!.raw['rekey-time']).toMatch(/^\d+$/);
    expect(c!.children).toHaveLength(1);
    const ch = c!.children[0]!;
    expect(ch).toMatchObject({
      name: 'net',
      state: 'INSTALLED',
      mode: 'TUNNEL',
      protocol: 'ESP',
      encrAlg: 'AES_CTR',
      localTs: ['10.99.2.0/24'],
      remoteTs: ['10.99.1.0/24'],
    });
    expect(ch.raw.reqid).toMatch(/^\d+$/);
    expect(ch.raw['install-time']).toMatch(/^\d+$/);
    expect(ch.raw['rekey-time']).toMatch(/^\d+$/);
    expect(ch.raw['life-time']).toMatch(/^\d+$/);

    const g = await ViciClient.connect(GATEWAY_VICI);
    try {
      const [sa] = await g.listSas();
      const gw = viciPlain(viciSubsection(sa!, 'rw')!) as Tree;
      expect(gw['initiator-spi']).toBe(c!.initiatorSpi);
      expect(gw['responder-spi']).toBe(c!.responderSpi);
      expect(gw.initiator).toBeUndefined();
      const gch = Object.values(gw['child-sas'])[0] as Record<string, string>;
      expect(gch['spi-in']).toBe(ch.spiOut);
      expect(gch['spi-out']).toBe(ch.spiIn);
    } finally {
      g.close();
    }

    const pretty = await swanctl('--list-sas', '--uri', uri(CLIENT_VICI));
    expect(pretty.out).toMatch(/^gw: #1, ESTABLISHED, IKEv2, [0-9a-f]{16}_i\* [0-9a-f]{16}_r/);
    expect(pretty.out).toMatch(
      /net: #1, reqid \d+, INSTALLED, TUNNEL(-in-UDP)?, ESP:AES_CTR-128\/AES_XCBC_96/,
    );
    expect(pretty.out).toMatch(/local {2}10\.99\.2\.0\/24/);
  });

  it('--list-pols lists the trap policy', async () => {
    const r = await swanctl('--list-pols', '--uri', uri(CLIENT_VICI));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/dead\/lost, TUNNEL/);
  });

  it('--uninstall and --install a trap; --list-pols follows', async () => {
    const u = await swanctl('--uninstall', '--child', 'lost', '--uri', uri(CLIENT_VICI));
    expect(u.out).toMatch(/uninstall completed successfully/);
    expect((await swanctl('--list-pols', '--uri', uri(CLIENT_VICI))).out).not.toMatch(/dead\/lost/);
    const again = await swanctl('--uninstall', '--child', 'lost', '--uri', uri(CLIENT_VICI));
    expect(again.code).not.toBe(0);
    expect(again.out + again.err).toMatch(/policy 'lost' not found/);
    const i = await swanctl('--install', '--child', 'lost', '--ike', 'dead', '--uri', uri(CLIENT_VICI));
    expect(i.out).toMatch(/install completed successfully/);
    expect((await swanctl('--list-pols', '--uri', uri(CLIENT_VICI))).out).toMatch(/dead\/lost, TUNNEL/);
    const bad = await swanctl('--install', '--child', 'nope', '--uri', uri(CLIENT_VICI));
    expect(bad.code).not.toBe(0);
    expect(bad.out + bad.err).toMatch(/no child 'nope'/);
  });

  it('--counters: the IKE messages of the handshake, per exchange', async () => {
    const g = await swanctl('--counters', '--uri', uri(CLIENT_VICI));
    expect(g.code).toBe(0);
    const value = (out: string, name: string) =>
      Number(new RegExp(`^\\s*${name}\\s*: (\\d+)$`, 'm').exec(out)?.[1]);
    for (const name of ['ike-init-out-req', 'ike-init-in-resp', 'ike-auth-out-req', 'ike-auth-in-resp'])
      expect(value(g.out, name)).toBe(1);
    expect(value(g.out, 'ike-init-in-req')).toBe(0);
    const conn = await swanctl('--counters', '--name', 'gw', '--uri', uri(CLIENT_VICI));
    expect(value(conn.out, 'ike-auth-out-req')).toBe(1);
    const gw = await swanctl('--counters', '--name', 'rw', '--uri', uri(GATEWAY_VICI));
    expect(value(gw.out, 'ike-init-in-req')).toBe(1);
    expect(value(gw.out, 'ike-auth-out-resp')).toBe(1);
  });

  it('--rekey --child and --rekey --ike: child-rekey and ike-rekey events', async () => {
    const r = await swanctl('--rekey', '--child', 'net', '--uri', uri(CLIENT_VICI));
    expect(r.out).toMatch(/rekey completed successfully/);
    expect(await until(() => events.got.some((e) => e.name === 'child-rekey'))).toBe(true);
    const cr = viciPlain(events.got.find((e) => e.name === 'child-rekey')!.msg) as Tree;
    expect(cr.gw['child-sas'].net.old.state).toMatch(/REKEY/);
    expect(cr.gw['child-sas'].net.new).toMatchObject({ name: 'net', state: 'INSTALLED' });
    expect(cr.gw['child-sas'].net.new['spi-in']).not.toBe(cr.gw['child-sas'].net.old['spi-in']);
    // the replaced child goes without child-updown
    await new Promise((r) => setTimeout(r, 300));
    expect(events.got.filter((e) => e.name === 'child-updown')).toHaveLength(1);

    const i = await swanctl('--rekey', '--ike', 'gw', '--uri', uri(CLIENT_VICI));
    expect(i.out).toMatch(/rekey completed successfully/);
    expect(await until(() => events.got.some((e) => e.name === 'ike-rekey'))).toBe(true);
    const ir = viciPlain(events.got.find((e) => e.name === 'ike-rekey')!.msg) as Tree;
    expect(ir.gw.old.uniqueid).toBe('1');
    expect(ir.gw.new.uniqueid).not.toBe('1');
    await new Promise((r) => setTimeout(r, 300));
    expect(events.got.filter((e) => e.name === 'ike-updown')).toHaveLength(1);
    expect(ir.gw.new.state).toBe('ESTABLISHED');
    const [sa] = parseListSas((await swanctl('--list-sas', '--raw', '--uri', uri(CLIENT_VICI))).out);
    expect(sa).toMatchObject({ uniqueid: ir.gw.new.uniqueid, initiatorSpi: ir.gw.new['initiator-spi'] });
    expect(sa!.children.map((c) => c.name)).toEqual(['net']);
  });

  it('--terminate --child closes the CHILD_SA only; child-updown down follows', async () => {
    const r = await swanctl('--terminate', '--child', 'net', '--timeout', '10', '--uri', uri(CLIENT_VICI));
    expect(r.out).toMatch(/\[CHD\] closing CHILD_SA net\{\d+\} with SPIs/);
    expect(r.out).toMatch(/terminate completed successfully/);
    expect(await until(() => events.got.some((e) => e.name === 'child-updown' && !e.msg.has('up')))).toBe(
      true,
    );
    const [sa] = parseListSas((await swanctl('--list-sas', '--raw', '--uri', uri(CLIENT_VICI))).out);
    expect(sa?.state).toBe('ESTABLISHED');
    expect(sa?.children).toEqual([]);
  });

  it('--terminate --ike prints its log lines; ike-updown down follows', async () => {
    const r = await swanctl('--terminate', '--ike', 'gw', '--timeout', '10', '--uri', uri(CLIENT_VICI));
    expect(r.out).toMatch(/\[IKE\] deleting IKE_SA gw\[\d+\] between 127\.0\.0\.2/);
    expect(r.out).toMatch(/terminate completed successfully/);
    expect(r.code).toBe(0);
    expect(await until(() => events.got.filter((e) => e.name === 'ike-updown').length >= 2)).toBe(true);
    const down = viciPlain(events.got.filter((e) => e.name === 'ike-updown')[1]!.msg);
    expect(down.up).toBeUndefined();
    const after = await swanctl('--list-sas', '--raw', '--uri', uri(CLIENT_VICI));
    expect(parseListSas(after.out)).toEqual([]);
  });

  it('--terminate --ike --force: gone at once; child-updown down for its children before ike-updown', async () => {
    const before = events.got.length;
    const up = await swanctl('--initiate', '--child', 'net', '--timeout', '10', '--uri', uri(CLIENT_VICI));
    expect(up.out).toMatch(/initiate completed successfully/);
    expect(await until(() => events.got.slice(before).some((e) => e.name === 'child-updown'))).toBe(true);
    const from = events.got.length;
    const r = await swanctl(
      '--terminate',
      '--ike',
      'gw',
      '--force',
      '--timeout',
      '10',
      '--uri',
      uri(CLIENT_VICI),
    );
    expect(r.out).toMatch(/terminate completed successfully/);
    // Destroyed before the answer: nothing left to list, the child-updown already out.
    const after = await swanctl('--list-sas', '--raw', '--uri', uri(CLIENT_VICI));
    expect(parseListSas(after.out)).toEqual([]);
    expect(await until(() => events.got.slice(from).some((e) => e.name === 'ike-updown'))).toBe(true);
    const got = events.got.slice(from).map((e) => ({ name: e.name, msg: viciPlain(e.msg) as Tree }));
    expect(got.map((e) => e.name)).toEqual(['child-updown', 'ike-updown']);
    expect(got[0]!.msg.up).toBeUndefined();
    expect(Object.values(got[0]!.msg.gw['child-sas'])[0]).toMatchObject({ name: 'net' });
    expect(got[1]!.msg.up).toBeUndefined();
    // The Delete reached the gateway all the same.
    expect(await until(() => gateway.host.supervisor.ikeSas.length === 0)).toBe(true);
  });

  it('terminate with force ends a half-open IKE SA at once (no answer awaited)', async () => {
    const c = await ViciClient.connect(CLIENT_VICI);
    try {
      // 127.0.0.3 never answers: without force, terminate would wait for the SA to give up.
      const i = viciPlain(await c.request('initiate', { ike: 'dead', child: 'lost', timeout: '-1' }));
      expect(i.success).toBe('yes');
      const started = Date.now();
      const t = viciPlain(await c.request('terminate', { ike: 'dead', force: 'yes' }));
      expect(t).toEqual({ success: 'yes', matches: '1', terminated: '1' });
      expect(Date.now() - started).toBeLessThan(400); // giving up takes 0.2 s + 0.36 s here
      expect(client.host.supervisor.ikeSas).toEqual([]);
    } finally {
      c.close();
    }
  });
});
