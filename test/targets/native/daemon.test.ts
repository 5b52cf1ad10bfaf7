/**
 * Two daemons in this process (gateway 127.0.0.1, client 127.0.0.2, free UDP ports, node:crypto),
 * driven through the CLI over their control sockets:
 *
 *   client                                         gateway
 *   ikev2 initiate --child net   IKE_SA_INIT, IKE_AUTH  -->  (responder, connection rw)
 *   ikev2 list-sas --json / list-conns / ping / rekey / reload / terminate
 *   --save-keys DIR: Wireshark tables
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Daemon, DaemonStartError } from '../../../targets/native/daemon.js';
import type { ListSasIke } from '../../../targets/native/list-sas.js';
import { createLogger } from '../../../targets/native/logger.js';
import { main } from '../../../targets/native/main.js';
import { ESP_TABLE, IKEV2_TABLE } from '../../../targets/native/save-keys.js';

const dir = mkdtempSync(join(tmpdir(), 'ikev2-daemon-'));
const GATEWAY_CONF = join(dir, 'gateway.conf');
const CLIENT_CONF = join(dir, 'client.conf');
const GATEWAY_SOCK = join(dir, 'gateway.sock');
const CLIENT_SOCK = join(dir, 'client.sock');
const KEYS = join(dir, 'keys');

const SECRETS = `secrets {
  ike-demo {
    id-a = gateway.example.org
    id-b = client.example.org
    secret = "daemon-test-psk-0123456789"
  }
}
`;

const gatewayConf = `daemon {
  port = 0
  port_nat_t = 0
  inner_addrs = 10.99.1.0/24
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

function clientConf(port: number, natT: number, extra = '') {
  return `daemon {
  port = ${port}
  port_nat_t = ${natT}
  inner_addrs = 10.99.2.1
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
  dead : connections.gw {
    remote_addrs = 127.0.0.3
  }
${extra}}
${SECRETS}`;
}

const logLines: string[] = [];
let gateway: Daemon;
let client: Daemon;

/** Runs `ikev2 ARGS --control SOCK` and returns exit code, stdout and stderr. */
async function cli(sock: string, ...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main([...args, '--control', sock], {
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: (s: string) => err.push(s) },
  });
  return { code, out: out.join(''), err: err.join('') };
}

async function listSas(sock: string): Promise<ListSasIke[]> {
  const r = await cli(sock, 'list-sas', '--json');
  expect(r.code).toBe(0);
  return JSON.parse(r.out) as ListSasIke[];
}

beforeAll(async () => {
  writeFileSync(GATEWAY_CONF, gatewayConf);
  const logger = createLogger({ level: 'info', out: { write: (s: string) => logLines.push(s) } });
  gateway = await Daemon.start({ configPath: GATEWAY_CONF, controlPath: GATEWAY_SOCK, logger });
  const { port, natT } = gateway.host.ports;
  writeFileSync(CLIENT_CONF, clientConf(port, natT));
  client = await Daemon.start({
    configPath: CLIENT_CONF,
    controlPath: CLIENT_SOCK,
    saveKeysDir: KEYS,
    logger: logger.child({ host: 'client' }),
  });
});

afterAll(async () => {
  await client?.stop();
  await gateway?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('ikev2 daemon', () => {
  it('logs structured JSON lines', () => {
    const started = logLines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === 'daemon started');
    expect(started).toHaveLength(2);
    expect(started[1]).toMatchObject({
      level: 30,
      host: 'client',
      control: CLIENT_SOCK,
      config: CLIENT_CONF,
    });
  });

  it('initiates a CHILD_SA and waits until it is installed', async () => {
    const r = await cli(CLIENT_SOCK, 'initiate', '--child', 'net', '--ike', 'gw', '--timeout', '10');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^initiating IKE_SA gw\[1\] to 127\.0\.0\.1\n/);
    expect(r.out).toMatch(
      /CHILD_SA net\{1\} established with SPIs [0-9a-f]{8}_i [0-9a-f]{8}_o and TS 10\.99\.2\.0\/24 === 10\.99\.1\.0\/24 \(IKE_SA gw\[1\]\)\n$/,
    );
  });

  it('lists the SAs with VICI names (list-sas --json) on both daemons', async () => {
    const [c] = await listSas(CLIENT_SOCK);
    const [g] = await listSas(GATEWAY_SOCK);
    const { port } = gateway.host.ports;
    expect(c).toMatchObject({
      name: 'gw',
      uniqueid: 1,
      state: 'ESTABLISHED',
      initiator: true,
      'local-host': '127.0.0.2',
      'local-port': port,
      'local-id': 'client.example.org',
      'remote-host': '127.0.0.1',
      'remote-port': port,
      'remote-id': 'gateway.example.org',
      'encr-alg': 'AES_CTR',
      'encr-keysize': 128,
      'integ-alg': 'AES_XCBC_96',
      'prf-alg': 'PRF_AES128_XCBC',
      'dh-group': 'ECP_192',
    });
    expect(g).toMatchObject({
      name: 'rw',
      initiator: false,
      'initiator-spi': c!['initiator-spi'],
      'responder-spi': c!['responder-spi'],
    });
    expect(c!['child-sas']).toHaveLength(1);
    expect(c!['child-sas'][0]).toMatchObject({
      name: 'net',
      state: 'INSTALLED',
      mode: 'TUNNEL',
      protocol: 'ESP',
      encap: true,
      'encr-alg': 'AES_CTR',
      'integ-alg': 'AES_XCBC_96',
      'spi-in': g!['child-sas'][0]!['spi-out'],
      'local-ts': ['10.99.2.0/24'],
      'remote-ts': ['10.99.1.0/24'],
    });
    const text = await cli(CLIENT_SOCK, 'list-sas');
    expect(text.out).toMatch(/^gw: #1, ESTABLISHED, IKEv2, [0-9a-f]{16}_i\* [0-9a-f]{16}_r\n/);
    expect(text.out).toContain('  net: #1, reqid 1, INSTALLED, TUNNEL-in-UDP, ESP:AES_CTR-128/AES_XCBC_96\n');
  });

  it('lists the connections as loaded', async () => {
    const json = await cli(CLIENT_SOCK, 'list-conns', '--json');
    const conns = JSON.parse(json.out) as { name: string; local_addrs: string[] }[];
    expect(conns.map((c) => c.name)).toEqual(['gw', 'dead']);
    expect(conns[0]!.local_addrs).toEqual(['127.0.0.2']);
    const text = await cli(GATEWAY_SOCK, 'list-conns');
    expect(text.out).toBe(
      [
        'rw: IKEv2, no reauthentication, rekeying every 14400s',
        '  local:  127.0.0.1',
        '  remote: %any',
        '  local pre-shared key authentication:',
        '    id: gateway.example.org',
        '  remote pre-shared key authentication:',
        '    id: client.example.org',
        '  net: TUNNEL, rekeying every 3600s',
        '    local:  10.99.1.0/24',
        '    remote: 10.99.2.0/24',
        '',
      ].join('\n'),
    );
  });

  it('pings through the CHILD_SA from either inner host', async () => {
    const r = await cli(CLIENT_SOCK, 'ping', '--child', 'net', '10.99.1.77', '-c', '2');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toBe("PING 10.99.1.77 from 10.99.2.1 through CHILD_SA 'net'");
    expect(lines[1]).toMatch(/^64 bytes from 10\.99\.1\.77: icmp_seq=1 time=\d+ ms$/);
    expect(lines[2]).toMatch(/^64 bytes from 10\.99\.1\.77: icmp_seq=2 time=\d+ ms$/);
    expect(lines.slice(3)).toEqual([
      '--- 10.99.1.77 ping statistics ---',
      '2 packets transmitted, 2 received, 0% packet loss',
      '',
    ]);
    const back = await cli(GATEWAY_SOCK, 'ping', '--child', 'net', '10.99.2.1', '-c', '1');
    expect(back.code).toBe(0);
    expect(back.out).toContain(
      "PING 10.99.2.1 from 10.99.1.1 through CHILD_SA 'net'\n64 bytes from 10.99.2.1",
    );
    const [c] = await listSas(CLIENT_SOCK);
    expect(c!['child-sas'][0]).toMatchObject({ 'packets-out': 3, 'packets-in': 3 });
  });

  it('explains a ping it cannot send, and no reply', async () => {
    const outside = await cli(CLIENT_SOCK, 'ping', '--child', 'net', '10.1.1.1');
    expect(outside.code).toBe(1);
    expect(outside.err).toBe(
      "ikev2: ping: 10.1.1.1 is outside CHILD_SA 'net' remote traffic selectors (10.99.1.0/24)\n",
    );
    const missing = await cli(CLIENT_SOCK, 'ping', '--child', 'other', '10.99.1.1');
    expect(missing.err).toBe("ikev2: ping: CHILD_SA 'other' is not installed (initiate it first)\n");
    // 10.99.2.9 is inside the gateway's selectors but not an address of the client's inner host.
    const silent = await cli(GATEWAY_SOCK, 'ping', '--child', 'net', '10.99.2.9', '-c', '1');
    expect(silent.code).toBe(1);
    expect(silent.out).toContain('1 packets transmitted, 0 received, 100% packet loss');
    expect(silent.err).toBe('ikev2: ping: no reply from 10.99.2.9\n');
  });

  it('saves the keys in Wireshark tables', () => {
    const ike = readFileSync(join(KEYS, IKEV2_TABLE), 'utf8').trimEnd().split('\n');
    const esp = readFileSync(join(KEYS, ESP_TABLE), 'utf8').trimEnd().split('\n');
    expect(ike).toHaveLength(1);
    expect(ike[0]).toMatch(
      /^[0-9a-f]{16},[0-9a-f]{16},[0-9a-f]{40},[0-9a-f]{40},"AES-CTR-128 \[RFC5930\]",,,/,
    );
    expect(esp).toHaveLength(2);
    expect(esp[0]).toMatch(
      /^"IPv4","127\.0\.0\.2","127\.0\.0\.1","0x[0-9a-f]{8}","AES-CTR \[RFC3686\]","0x[0-9a-f]{40}",/,
    );
  });

  it('reports an IKE SA that fails, and a timeout', async () => {
    const failed = await cli(CLIENT_SOCK, 'initiate', '--child', 'net', '--ike', 'dead');
    expect(failed.code).toBe(1);
    expect(failed.err).toMatch(
      /^ikev2: initiate: IKE SA 'dead' #\d+ failed: no response after 2 transmissions\n$/,
    );
    const timeout = await cli(CLIENT_SOCK, 'initiate', '--child', 'net', '--ike', 'dead', '--timeout', '0.1');
    expect(timeout.err).toMatch(
      /^ikev2: initiate: timeout after 0\.1 s: IKE SA 'dead' #\d+ is CONNECTING, CHILD_SA 'net' not installed\n$/,
    );
    const unknown = await cli(CLIENT_SOCK, 'initiate', '--child', 'net', '--ike', 'nope');
    expect(unknown.err).toBe("ikev2: initiate: no connection 'nope'\n");
    const noChild = await cli(CLIENT_SOCK, 'initiate', '--child', 'nope');
    expect(noChild.err).toBe("ikev2: initiate: no connection has a child 'nope'\n");
  });

  it('rekeys the CHILD_SA', async () => {
    const [before] = await listSas(CLIENT_SOCK);
    const oldSpi = before!['child-sas'][0]!['spi-in'];
    const r = await cli(CLIENT_SOCK, 'rekey', '--child', 'net');
    expect(r.err).toBe('');
    expect(r.out).toBe('rekeying 1 SA(s)\n');
    let spis: string[] = [];
    for (let i = 0; i < 50 && (spis.length !== 1 || spis[0] === oldSpi); i++) {
      await new Promise((res) => setTimeout(res, 20));
      const [now] = await listSas(CLIENT_SOCK);
      spis = now!['child-sas'].map((c) => c['spi-in']);
    }
    expect(spis).toHaveLength(1);
    expect(spis[0]).not.toBe(oldSpi);
    const noIke = await cli(CLIENT_SOCK, 'rekey', '--ike', 'nope');
    expect(noIke.err).toBe("ikev2: rekey: no established IKE SA 'nope' to rekey\n");
  });

  it('reloads the configuration, and keeps it when the new file is broken', async () => {
    const { port, natT } = gateway.host.ports;
    writeFileSync(CLIENT_CONF, clientConf(port, natT, '  extra : connections.gw {\n  }\n'));
    const ok = await cli(CLIENT_SOCK, 'reload');
    expect(ok).toMatchObject({ code: 0, out: 'reloaded\n' });
    const conns = JSON.parse((await cli(CLIENT_SOCK, 'list-conns', '--json')).out) as { name: string }[];
    expect(conns.map((c) => c.name)).toEqual(['gw', 'dead', 'extra']);

    writeFileSync(CLIENT_CONF, 'connections { broken {\n');
    const bad = await cli(CLIENT_SOCK, 'reload');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(
      /^ikev2: reload: configuration has \d+ error\(s\), kept the running one: .*client\.conf/,
    );
    expect(client.reload()).toMatchObject({ ok: false });
    const still = JSON.parse((await cli(CLIENT_SOCK, 'list-conns', '--json')).out) as { name: string }[];
    expect(still.map((c) => c.name)).toEqual(['gw', 'dead', 'extra']);
    expect((await listSas(CLIENT_SOCK)).find((s) => s.name === 'gw')?.state).toBe('ESTABLISHED');
  });

  it('terminates a CHILD_SA, creates it again in the same IKE SA, then terminates the IKE SA', async () => {
    const child = await cli(CLIENT_SOCK, 'terminate', '--child', 'net');
    expect(child).toMatchObject({ code: 0, out: 'terminated 1 SA(s)\n' });
    expect((await listSas(CLIENT_SOCK)).find((s) => s.name === 'gw')!['child-sas']).toEqual([]);

    const again = await cli(CLIENT_SOCK, 'initiate', '--child', 'net', '--ike', 'gw');
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/^creating CHILD_SA net in IKE_SA gw\[1\]\n/);
    // (the IKE SA of connection 'dead' from the timeout test may still be retransmitting)
    const sas = (await listSas(CLIENT_SOCK)).filter((s) => s.name === 'gw');
    expect(sas.map((s) => s.uniqueid)).toEqual([1]);
    expect(sas[0]!['child-sas'].map((c) => c.name)).toEqual(['net']);

    const ike = await cli(CLIENT_SOCK, 'terminate', '--ike', 'gw');
    expect(ike).toMatchObject({ code: 0, out: 'terminated 1 SA(s)\n' });
    expect((await listSas(CLIENT_SOCK)).filter((s) => s.name === 'gw')).toEqual([]);
    expect(await listSas(GATEWAY_SOCK)).toEqual([]); // the gateway got the Delete
    const none = await cli(CLIENT_SOCK, 'terminate', '--ike', 'gw');
    expect(none.err).toBe("ikev2: terminate: no IKE SA 'gw'\n");
  });

  it('refuses a second daemon on the same control socket, without leaving anything open', async () => {
    await expect(
      Daemon.start({
        configPath: GATEWAY_CONF,
        controlPath: GATEWAY_SOCK,
        logger: createLogger({ level: 'silent' }),
      }),
    ).rejects.toThrow(DaemonStartError);
    expect((await cli(GATEWAY_SOCK, 'list-sas')).code).toBe(0); // the first one still answers
  });

  it('stops: the control socket goes away', async () => {
    await client.stop();
    expect(existsSync(CLIENT_SOCK)).toBe(false);
    const r = await cli(CLIENT_SOCK, 'list-sas');
    expect(r.err).toBe(`ikev2: list-sas: daemon not running: no control socket at ${CLIENT_SOCK}\n`);
  });
});
