/**
 * `npm start`: a gateway and a client in one process, each a complete native host (real UDP
 * sockets on loopback, node:crypto), with the seed's suite (IKE aes128ctr-aesxcbc-ecp192, ESP
 * aes128ctr-aesxcbc): negotiate an IKE SA and a Child SA, ping three times through ESP, rekey
 * the Child SA and the IKE SA (when the supervisor can), delete, and print what happened.
 * Exit code 0 if all of it worked.
 *
 * The two hosts use 127.0.0.1 and 127.0.0.2 with the same free port numbers: the supervisor
 * expects the peer's NAT-T port to be its own daemon.port_nat_t (ESP-in-UDP runs between the
 * NAT-T ports), which two hosts on one address cannot both have.
 */
import { pathToFileURL } from 'node:url';
import type { IkeSaHandle, SupervisorEvent } from '../../actors/supervisor.js';
import { type Config, connectionWithDefaults, DAEMON_DEFAULTS } from '../../ipsec/config/model.js';
import { ExchangeType } from '../../ipsec/ike/wire/constants.js';
import { decodeHeader, isResponse } from '../../ipsec/ike/wire/header.js';
import { toHex, utf8 } from '../../ipsec/util/bytes.js';
import { systemClock } from '../../ipsec/util/clock.js';
import { type NativeHost, startNativeHost } from './host.js';
import { buildListSas, formatListSas } from './list-sas.js';
import { createLogger, type Logger } from './logger.js';
import { findChildren, type SupervisorLike, waitForChild, waitGone } from './sa-control.js';

export const GATEWAY = '127.0.0.1';
export const CLIENT = '127.0.0.2';
const PSK = utf8('ikev2-demo-psk-0123456789');
const IKE_PROPOSAL = 'aes128ctr-aesxcbc-ecp192'; // PRF_AES128_XCBC follows from aesxcbc
const ESP_PROPOSAL = 'aes128ctr-aesxcbc';

const EXCHANGE_NAMES = new Map<number, string>(Object.entries(ExchangeType).map(([k, v]) => [v, k]));

function config(o: {
  local: string;
  remote: string;
  port: number;
  natT: number;
  localId: string;
  remoteId: string;
  localNet: string;
  remoteNet: string;
  inner: string;
}): Config {
  return {
    daemon: { ...DAEMON_DEFAULTS, port: o.port, port_nat_t: o.natT, inner_addrs: [o.inner] },
    connections: [
      connectionWithDefaults({
        name: o.remote === '%any' ? 'rw' : 'gw',
        local_addrs: [o.local],
        remote_addrs: [o.remote],
        remote_port: o.port || DAEMON_DEFAULTS.port,
        proposals: [IKE_PROPOSAL],
        local: { auth: 'psk', id: o.localId },
        remote: { auth: 'psk', id: o.remoteId },
        children: [
          { name: 'net', local_ts: [o.localNet], remote_ts: [o.remoteNet], esp_proposals: [ESP_PROPOSAL] },
        ],
      }),
    ],
    secrets: [{ name: 'ike', id: [o.localId, o.remoteId], secret: PSK }],
  };
}

interface Exchange {
  readonly at: number;
  readonly line: string;
}

/** Notes every IKE message a host receives (the sender is the other host). */
function watchExchanges(host: NativeHost, from: string, to: string, log: Exchange[]): void {
  host.esp.pipeline.ike$.subscribe((d) => {
    // On ports other than 500 every IKE message carries the non-ESP marker (RFC 3948 §2.2).
    const zero =
      d.data.length > 4 && d.data[0] === 0 && d.data[1] === 0 && d.data[2] === 0 && d.data[3] === 0;
    const h = decodeHeader(zero ? d.data.subarray(4) : d.data);
    if (!h.ok) return;
    const name = EXCHANGE_NAMES.get(h.value.exchangeType) ?? `exchange ${h.value.exchangeType}`;
    const kind = isResponse(h.value) ? 'response' : 'request';
    log.push({
      at: systemClock.now(),
      line: `${from.padEnd(7)} -> ${to.padEnd(7)}  ${`${name} ${kind}`.padEnd(25)} mid ${h.value.messageId}  ${h.value.length} bytes${d.natT ? '  (NAT-T port)' : ''}`,
    });
  });
}

/** The first supervisor event of `host` that `pick` maps to a value, or undefined after 5 s. */
function nextEvent<T>(host: NativeHost, pick: (e: SupervisorEvent) => T | undefined): Promise<T | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      off();
      resolve(undefined);
    }, 5000);
    const off = host.supervisor.on((e) => {
      const v = pick(e);
      if (v === undefined) return;
      off();
      clearTimeout(timer);
      resolve(v);
    });
  });
}

const indent = (text: string, pad = '   ') =>
  text
    .split('\n')
    .filter((l) => l)
    .map((l) => `${pad}${l}`)
    .join('\n');

/** Runs the demo, printing to `out`; resolves true if every step worked. */
export async function runDemo(
  o: { out?: { write(s: string): unknown }; logger?: Logger } = {},
): Promise<boolean> {
  const out = o.out ?? process.stdout;
  const say = (s = '') => out.write(`${s}\n`);
  const logger = o.logger ?? createLogger({ level: 'warn', pretty: true });
  const clock = systemClock;
  const problems: string[] = [];
  const hosts: NativeHost[] = [];
  try {
    const gateway = await startNativeHost({
      config: config({
        local: GATEWAY,
        remote: '%any',
        port: 0,
        natT: 0,
        localId: 'gateway.example.org',
        remoteId: 'client.example.org',
        localNet: '10.99.1.0/24',
        remoteNet: '10.99.2.0/24',
        inner: '10.99.1.1',
      }),
      logger: logger.child({ host: 'gateway' }),
    });
    hosts.push(gateway);
    const { port, natT } = gateway.ports;
    const client = await startNativeHost({
      config: config({
        local: CLIENT,
        remote: GATEWAY,
        port,
        natT,
        localId: 'client.example.org',
        remoteId: 'gateway.example.org',
        localNet: '10.99.2.0/24',
        remoteNet: '10.99.1.0/24',
        inner: '10.99.2.1',
      }),
      logger: logger.child({ host: 'client' }),
    });
    hosts.push(client);

    say('IKEv2/IPsec demo: two hosts in one process over real UDP sockets (node:crypto provider)');
    say(
      `  gateway  ${GATEWAY}  IKE port ${port}, NAT-T/ESP-in-UDP port ${natT}, inner 10.99.1.1 (10.99.1.0/24)`,
    );
    say(
      `  client   ${CLIENT}  IKE port ${port}, NAT-T/ESP-in-UDP port ${natT}, inner 10.99.2.1 (10.99.2.0/24)`,
    );
    say(`  suite    IKE ${IKE_PROPOSAL}, ESP ${ESP_PROPOSAL}, PSK`);
    const exchanges: Exchange[] = [];
    watchExchanges(gateway, 'client', 'gateway', exchanges);
    watchExchanges(client, 'gateway', 'client', exchanges);
    const printExchanges = () => {
      for (const e of exchanges.splice(0).sort((a, b) => a.at - b.at)) say(`   ${e.line}`);
    };

    // 1. IKE_SA_INIT + IKE_AUTH with the first Child SA
    say('\n1. negotiate: the client initiates connection gw, child net');
    const started = clock.now();
    const ike = client.supervisor.initiate('gw', 'net');
    const child = await waitForChild(client.supervisor, ike, 'net', 10_000, clock);
    printExchanges();
    say(`   IKE SA and CHILD_SA up in ${clock.now() - started} ms`);
    say(
      `   ${toHex(child.record.spiIn)}_i ${toHex(child.record.spiOut)}_o (client's inbound/outbound ESP SPIs)`,
    );

    // 2. What both sides hold, as `ikev2 list-sas` prints it
    const listSas = (h: NativeHost) =>
      formatListSas(buildListSas(h.supervisor.ikeSas, h.esp.backend.listSas(), clock.now()));
    say('\n2. SAs (as `ikev2 list-sas` prints them)');
    say('   client:');
    say(indent(listSas(client), '     '));
    say('   gateway:');
    say(indent(listSas(gateway), '     '));

    // 3. Three echo requests from the client's inner host to the gateway's, through ESP
    say('\n3. ping 10.99.1.1 from 10.99.2.1 through CHILD_SA net (ESP in UDP)');
    const ping = await client.inner!.ping({
      src: '10.99.2.1',
      dst: '10.99.1.1',
      count: 3,
      intervalMs: 200,
      timeoutMs: 2000,
      onReply: (r) => say(`   ${r.bytes} bytes from ${r.from}: icmp_seq=${r.seq} time=${r.rttMs} ms`),
    });
    say(`   ${ping.sent} sent, ${ping.received} received`);
    if (ping.received !== 3) problems.push(`ping: ${ping.received} of 3 replies`);
    const espPackets = (h: NativeHost) =>
      h.esp.backend
        .listSas()
        .map((s) => `${s.direction} ${toHex(s.spi)}: ${s.packets} packets, ${s.bytes} bytes`)
        .join('; ');
    say(`   client ESP SAs:  ${espPackets(client)}`);
    say(`   gateway ESP SAs: ${espPackets(gateway)}`);

    // 4. Rekey the CHILD_SA and then the IKE SA, if the supervisor can
    say('\n4. rekey');
    const sup = client.supervisor as SupervisorLike;
    if (typeof sup.rekeyChild === 'function') {
      const before = toHex(child.record.spiIn);
      const next = nextEvent(client, (e) =>
        e.type === 'child-installed' && toHex(e.child.record.spiIn) !== before
          ? toHex(e.child.record.spiIn)
          : undefined,
      );
      sup.rekeyChild('net');
      const spi = await next;
      printExchanges();
      if (spi) say(`   CHILD_SA net rekeyed: client inbound SPI ${before} -> ${spi}`);
      else problems.push('rekey: no new CHILD_SA within 5 s');
    } else {
      say('   CHILD_SA rekey: not available yet');
    }
    if (typeof sup.rekeyIke === 'function') {
      const next = nextEvent(client, (e) => (e.type === 'ike-rekeyed' ? e.handle : undefined));
      sup.rekeyIke('gw');
      const h = await next;
      // §2.18: the rekey initiator deletes the old IKE SA.
      const old = h ? await waitGone(client.supervisor, [ike], 2000, clock) : [];
      printExchanges();
      if (h) {
        const s = h.actor.getSnapshot().context.session;
        say(
          `   IKE SA gw rekeyed: #${ike.uniqueid} -> #${h.uniqueid}, SPIs ${toHex(s.spiI)}_i ${toHex(s.spiR)}_r`,
        );
        say(
          old.length
            ? `   old IKE SA #${ike.uniqueid} still there`
            : `   old IKE SA #${ike.uniqueid} deleted`,
        );
      } else problems.push('rekey: no new IKE SA within 5 s');
    } else {
      say('   IKE SA rekey: not available yet');
    }
    const ping2 = await client.inner!.ping({ src: '10.99.2.1', dst: '10.99.1.1', count: 1, timeoutMs: 2000 });
    say(`   ping after the rekeys: ${ping2.received} of ${ping2.sent} replies`);
    if (ping2.received !== 1) problems.push('ping after rekey: no reply');

    // 5. Delete: the client terminates its IKE SA
    say('\n5. delete: the client terminates IKE SA gw');
    const clientSas: IkeSaHandle[] = [...client.supervisor.ikeSas];
    const gatewaySas: IkeSaHandle[] = [...gateway.supervisor.ikeSas];
    client.supervisor.terminate('gw');
    const clientLeft = await waitGone(client.supervisor, clientSas, 5000, clock);
    const gatewayLeft = await waitGone(gateway.supervisor, gatewaySas, 2000, clock);
    printExchanges();
    if (clientLeft.length) problems.push('delete: the client still has its IKE SA');
    else say('   client: IKE SA and CHILD_SA removed');
    say(
      gatewayLeft.length === 0
        ? '   gateway: IKE SA and CHILD_SA removed'
        : '   gateway: IKE SA still up (no INFORMATIONAL Delete from the supervisor yet)',
    );
    if (findChildren(client.supervisor, 'net').length) problems.push('delete: a CHILD_SA is still listed');

    const udp = (h: NativeHost) =>
      `${h.transport.counters.sent} sent, ${h.transport.counters.received} received`;
    say(`\nUDP datagrams: client ${udp(client)}; gateway ${udp(gateway)}`);
  } catch (e) {
    problems.push(e instanceof Error ? e.message : String(e));
  } finally {
    for (const h of hosts.reverse()) await h.close();
  }
  say(problems.length ? `\nFAILED: ${problems.join('; ')}` : '\nall steps worked');
  return problems.length === 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runDemo().then(
    (okay) => process.exit(okay ? 0 : 1),
    (e) => {
      process.stderr.write(`demo: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
