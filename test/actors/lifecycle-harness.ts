/**
 * Shared harness of the lifecycle-*.test.ts suites: two peers (client 'gw', gateway 'rw') with
 * one or two child configs, an IKE tap that decrypts every protected message as it is sent,
 * pings through a chosen child, and the steady-state check every lifecycle test ends with:
 *
 *   exactly one established IKE SA per side, with the same SPIs; per child config exactly one
 *   Child SA per side, client out SPI = gateway in SPI and vice versa; the backends hold
 *   exactly those ESP SAs (nothing stale), one in + one out PROTECT policy per child config;
 *   the statechart's children are the supervisor's; a ping crosses every child.
 */
import { expect } from 'vitest';
import type { IkeSaHandle } from '../../actors/supervisor.js';
import {
  type ChildInput,
  type ConnectionInput,
  connectionWithDefaults,
  type DaemonConfig,
} from '../../ipsec/config/model.js';
import { openFor } from '../../ipsec/ike/exchange/messages.js';
import { ProtocolId } from '../../ipsec/ike/model.js';
import { ExchangeType, PayloadType } from '../../ipsec/ike/wire/constants.js';
import { isInitiator, isResponse } from '../../ipsec/ike/wire/header.js';
import { decodeMessage } from '../../ipsec/ike/wire/message.js';
import { NotifyError, NotifyStatus } from '../../ipsec/ike/wire/notify-types.js';
import type { Payload } from '../../ipsec/ike/wire/payload-types.js';
import { toHex } from '../../ipsec/util/bytes.js';
import type { MemoryNetworkOptions } from '../../transport/memory.js';
import { echoRequest } from '../ipsec/policy/fixtures.js';
import { CLIENT_ADDR, GATEWAY_ADDR } from '../support/ike-peers.js';
import { type Host, icmpType, ikeMessageOf, ikePhase, twoHosts } from '../support/two-hosts.js';

export type Side = 'client' | 'gateway';
export const CONN: Record<Side, string> = { client: 'gw', gateway: 'rw' };

/** The child configs: inner networks (client side, gateway side) and the hosts pinged in them. */
export const CHILDREN = {
  net: { client: '10.99.2.0/24', gateway: '10.99.1.0/24', src: '10.99.2.1', dst: '10.99.1.1' },
  net2: { client: '10.99.4.0/24', gateway: '10.99.3.0/24', src: '10.99.4.1', dst: '10.99.3.1' },
} as const;
export type ChildName = keyof typeof CHILDREN;

/** Fast suites for virtual-time tests: x25519 and AES-GCM (no MODP). */
export const ESP_PFS = ['aes128gcm16-x25519'];
export const ESP_NO_PFS = ['aes128gcm16'];
export const IKE_FAST = ['aes128gcm16-prfsha256-x25519'];

export interface LifecycleOptions {
  readonly seed?: string;
  readonly esp?: string[];
  readonly ike?: string[];
  /** Child configs on both sides (default ['net']). */
  readonly children?: readonly ChildName[];
  /** The Child SAs set up at the start ('net' in IKE_AUTH, the others by CREATE_CHILD_SA); default all. */
  readonly up?: readonly ChildName[];
  /** Child lifetimes etc. per side (swanctl names). */
  readonly clientChild?: Partial<ChildInput>;
  readonly gatewayChild?: Partial<ChildInput>;
  /** Connection settings per side (rekey_time, rand_time, dpd_delay...). */
  readonly clientConn?: Partial<ConnectionInput>;
  readonly gatewayConn?: Partial<ConnectionInput>;
  readonly network?: Omit<MemoryNetworkOptions, 'clock' | 'random'>;
  readonly daemon?: Partial<DaemonConfig>;
}

/** No automatic rekeying unless a test asks for it. */
const QUIET_CHILD = { rekey_time: 0, life_time: 0, rand_time: 0 };
const QUIET_CONN = { rekey_time: 0 };

export function lifecycleConfigs(o: LifecycleOptions = {}) {
  const names = o.children ?? ['net'];
  const esp = o.esp ?? ESP_PFS;
  const ike = o.ike ?? IKE_FAST;
  const child = (name: ChildName, side: Side, extra: Partial<ChildInput> | undefined): ChildInput => ({
    name,
    local_ts: [CHILDREN[name][side]],
    remote_ts: [CHILDREN[name][side === 'client' ? 'gateway' : 'client']],
    esp_proposals: esp,
    ...QUIET_CHILD,
    ...extra,
  });
  const client = connectionWithDefaults({
    name: CONN.client,
    local_addrs: [CLIENT_ADDR.address],
    remote_addrs: [GATEWAY_ADDR.address],
    proposals: ike,
    local: { auth: 'psk', id: 'alice@example.org' },
    remote: { auth: 'psk', id: 'bob@example.org' },
    ...QUIET_CONN,
    ...o.clientConn,
    children: names.map((n) => child(n, 'client', o.clientChild)),
  });
  const gateway = connectionWithDefaults({
    name: CONN.gateway,
    local_addrs: [GATEWAY_ADDR.address],
    remote_addrs: ['%any'],
    proposals: ike,
    local: { auth: 'psk', id: 'bob@example.org' },
    remote: { auth: 'psk', id: 'alice@example.org' },
    ...QUIET_CONN,
    ...o.gatewayConn,
    children: names.map((n) => child(n, 'gateway', o.gatewayChild)),
  });
  return { clientConnections: [client], gatewayConnections: [gateway] };
}

/** One IKE message as sent, with the SK content opened with the sender's keys. */
export interface SeenIke {
  readonly at: number;
  readonly from: Side;
  readonly exchangeType: number;
  readonly response: boolean;
  readonly messageId: number;
  /** IKE SPIs of the header (hex, SPIi:SPIr). */
  readonly ikeSpis: string;
  /** Inner payloads (undefined when they could not be opened). */
  readonly payloads?: readonly Payload[];
}

export type Peers = ReturnType<typeof startPeers>;

/** Two hosts, the IKE SA + first Child SA ('net') established by the client. */
export function startPeers(o: LifecycleOptions = {}) {
  const peers = twoHosts({
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(o.network ? { network: o.network } : {}),
    ...(o.daemon ? { daemon: o.daemon } : {}),
    ...lifecycleConfigs(o),
  });
  const { clock, net, client, gateway } = peers;
  const host = (side: Side): Host => (side === 'client' ? client : gateway);

  // The IKE tap: opens each protected message with the sender's keys at send time.
  const ike: SeenIke[] = [];
  net.onSend = (d) => {
    const m = ikeMessageOf(d);
    if (!m) return;
    const from: Side = d.remote.address === CLIENT_ADDR.address ? 'client' : 'gateway';
    const h = m.header;
    const ours = toHex(isInitiator(h) ? h.spiI : h.spiR);
    const sender = host(from).supervisor.ikeSas.find((x) => x.ourSpi === ours);
    let payloads: readonly Payload[] | undefined;
    if (sender && h.exchangeType !== ExchangeType.IKE_SA_INIT) {
      const s = sender.actor.getSnapshot().context.session;
      // openFor reads as the receiver: the other role, the same keys (§2.14 SK_ei/SK_er).
      const decoded = decodeMessage(m.data);
      if (decoded.ok && s.sk) {
        const opened = openFor(
          { ...s, role: s.role === 'initiator' ? 'responder' : 'initiator' },
          decoded.value,
          m.data,
        );
        if (opened.ok) payloads = opened.value;
      }
    }
    ike.push({
      at: clock.now(),
      from,
      exchangeType: h.exchangeType,
      response: isResponse(h),
      messageId: h.messageId,
      ikeSpis: `${toHex(h.spiI)}:${toHex(h.spiR)}`,
      ...(payloads ? { payloads } : {}),
    });
  };

  const first = client.supervisor.initiate(CONN.client, 'net');
  clock.advance(1000);
  expect(first.state).toBe('ESTABLISHED');
  for (const name of (o.up ?? o.children ?? ['net']).filter((n) => n !== 'net')) {
    expect(client.supervisor.createChild(CONN.client, name)).toBe(1);
    clock.advance(1000);
  }
  let seq = 0;
  /** Sends one echo request from `side` through child `name` (no time advance). */
  const sendPing = (name: ChildName = 'net', side: Side = 'client') => {
    const c = CHILDREN[name];
    const [src, dst] = side === 'client' ? [c.src, c.dst] : [c.dst, c.src];
    host(side).esp.pipeline.send(echoRequest(src, dst, ++seq & 0xffff));
  };
  /** A ping through `name` from `side`, answered within 200 ms: the ICMP types that came back. */
  const ping = (name: ChildName = 'net', side: Side = 'client') => {
    const before = host(side).received.length;
    sendPing(name, side);
    clock.advance(200);
    return host(side).received.slice(before).map(icmpType);
  };
  /** When the first IKE SA was established (ms, virtual). */
  const t0 = first.establishedAt ?? clock.now();
  return { ...peers, host, ike, ping, sendPing, t0 };
}

export const spiHex = (b: Uint8Array) => toHex(b);

/** The lone IKE SA of a side (asserting there is exactly one). */
export function onlyIke(p: Peers, side: Side): IkeSaHandle {
  const sas = p.host(side).supervisor.ikeSas;
  expect(
    sas.map((h) => `${h.uniqueid}:${h.state}`),
    `${side} IKE SAs`,
  ).toHaveLength(1);
  return sas[0]!;
}

/** Child SPIs per config name, as seen by one side: { net: { in, out } }. */
export function childSpis(p: Peers, side: Side): Record<string, { in: string; out: string }[]> {
  const out: Record<string, { in: string; out: string }[]> = {};
  for (const h of p.host(side).supervisor.ikeSas)
    for (const c of h.children) {
      const list = out[c.record.config.name] ?? [];
      list.push({ in: toHex(c.record.spiIn), out: toHex(c.record.spiOut) });
      out[c.record.config.name] = list;
    }
  return out;
}

/**
 * The steady state after any lifecycle operation (see the file comment). `children` are the
 * child configs expected to be up; `ping` = also check traffic through each.
 */
export function expectSteadyState(p: Peers, children: readonly ChildName[], ping = true): void {
  const c = onlyIke(p, 'client');
  const g = onlyIke(p, 'gateway');
  for (const h of [c, g]) {
    expect(h.state).toBe('ESTABLISHED');
    expect(ikePhase(h)).toBe('established');
    const ctx = h.actor.getSnapshot().context;
    expect(ctx.retired).toBe(false);
    // The statechart and the supervisor agree on the Child SAs.
    expect(ctx.children.map((r) => toHex(r.spiIn)).sort()).toEqual(
      h.children.map((x) => toHex(x.record.spiIn)).sort(),
    );
  }
  const cs = c.actor.getSnapshot().context.session;
  const gs = g.actor.getSnapshot().context.session;
  expect(toHex(cs.spiI)).toBe(toHex(gs.spiI));
  expect(toHex(cs.spiR)).toBe(toHex(gs.spiR));

  const cc = childSpis(p, 'client');
  const gc = childSpis(p, 'gateway');
  expect(Object.keys(cc).sort(), 'client child configs').toEqual([...children].sort());
  expect(Object.keys(gc).sort(), 'gateway child configs').toEqual([...children].sort());
  for (const name of children) {
    expect(cc[name], `client Child SAs of ${name}`).toHaveLength(1);
    expect(gc[name], `gateway Child SAs of ${name}`).toHaveLength(1);
    // The client's outbound SPI is the gateway's inbound SPI and vice versa.
    expect(cc[name]![0]!.out).toBe(gc[name]![0]!.in);
    expect(cc[name]![0]!.in).toBe(gc[name]![0]!.out);
  }
  for (const side of ['client', 'gateway'] as const) {
    const backend = p.host(side).esp.backend;
    const expected = Object.values(childSpis(p, side))
      .flat()
      .flatMap((s) => [`in:${s.in}`, `out:${s.out}`])
      .sort();
    const installed = backend
      .listSas()
      .map((s) => `${s.direction}:${toHex(s.spi)}`)
      .sort();
    expect(installed, `${side} backend SAs`).toEqual(expected);
    expect(backend.listPolicies(), `${side} policies`).toHaveLength(2 * children.length);
  }
  if (ping) for (const name of children) expect(p.ping(name), `ping through ${name}`).toEqual([0]);
}

/** Everything gone on both sides: no IKE SA, no ESP SA, no policy. */
export function expectNothingLeft(p: Peers): void {
  for (const side of ['client', 'gateway'] as const) {
    const h = p.host(side);
    expect(h.supervisor.ikeSas, `${side} IKE SAs`).toEqual([]);
    expect(h.esp.backend.listSas(), `${side} ESP SAs`).toEqual([]);
    expect(h.esp.backend.listPolicies(), `${side} policies`).toEqual([]);
  }
}

/** Requests (not responses) of a kind seen on the wire, with their opened payloads. */
export const requests = (p: Peers, exchangeType: number, from?: Side) =>
  p.ike.filter((m) => !m.response && m.exchangeType === exchangeType && (!from || m.from === from));

/** An empty INFORMATIONAL request (a liveness check, §2.4). */
export const isLivenessCheck = (m: SeenIke) =>
  !m.response && m.exchangeType === ExchangeType.INFORMATIONAL && m.payloads?.length === 0;

/** A CREATE_CHILD_SA request rekeying a Child SA (it carries N(REKEY_SA), §1.3.3). */
export const isChildRekey = (m: SeenIke) =>
  !m.response &&
  m.exchangeType === ExchangeType.CREATE_CHILD_SA &&
  (m.payloads ?? []).some((x) => x.type === PayloadType.N && x.notifyType === NotifyStatus.REKEY_SA);

/** A CREATE_CHILD_SA request rekeying the IKE SA (an SA payload with an IKE proposal, §1.3.2). */
export const isIkeRekey = (m: SeenIke) =>
  !m.response &&
  m.exchangeType === ExchangeType.CREATE_CHILD_SA &&
  (m.payloads ?? []).some(
    (x) => x.type === PayloadType.SA && x.proposals.some((q) => q.protocolId === ProtocolId.IKE),
  );

/** The SPIs proposed by CREATE_CHILD_SA requests and responses for ESP (the senders' inbound SPIs). */
export function proposedEspSpis(p: Peers, from: Side): string[] {
  return p.ike
    .filter((m) => m.from === from && m.exchangeType === ExchangeType.CREATE_CHILD_SA)
    .flatMap((m) => (m.payloads ?? []).filter((x) => x.type === PayloadType.SA))
    .flatMap((sa) => (sa.type === PayloadType.SA ? sa.proposals : []))
    .filter((q) => q.protocolId === ProtocolId.ESP)
    .map((q) => toHex(q.spi));
}

/** Notify types in responses from `from` (e.g. TEMPORARY_FAILURE = 43, CHILD_SA_NOT_FOUND = 44). */
export function notifiesFrom(p: Peers, from: Side): number[] {
  return p.ike
    .filter((m) => m.from === from && m.response)
    .flatMap((m) => (m.payloads ?? []).filter((x) => x.type === PayloadType.N))
    .map((n) => (n.type === PayloadType.N ? n.notifyType : -1));
}

const EXCHANGE_NAMES = Object.fromEntries(Object.entries(ExchangeType).map(([k, v]) => [v, k]));
const NOTIFY_NAMES = Object.fromEntries(
  [...Object.entries(NotifyError), ...Object.entries(NotifyStatus)].map(([k, v]) => [v, k]),
);
const PROTOCOL_NAMES = Object.fromEntries(Object.entries(ProtocolId).map(([k, v]) => [v, k]));

function payloadName(x: Payload, response: boolean): string {
  switch (x.type) {
    case PayloadType.SA:
      return `SA(${[...new Set(x.proposals.map((q) => PROTOCOL_NAMES[q.protocolId]))].join('|')})`;
    case PayloadType.NONCE:
      return response ? 'Nr' : 'Ni';
    case PayloadType.KE:
      return response ? 'KEr' : 'KEi';
    case PayloadType.N:
      return `N(${NOTIFY_NAMES[x.notifyType] ?? x.notifyType})`;
    case PayloadType.D:
      return `D(${PROTOCOL_NAMES[x.protocolId]})`;
    case PayloadType.TSi:
      return 'TSi';
    case PayloadType.TSr:
      return 'TSr';
    default:
      return `#${x.type}`;
  }
}

/** One IKE message as a sequence-diagram line: 'client --> CREATE_CHILD_SA { SA(ESP) Ni TSi TSr }'. */
export function describeIke(m: SeenIke): string {
  const body = m.payloads ? m.payloads.map((x) => `${payloadName(x, m.response)} `).join('') : '? ';
  return `${m.from} ${m.response ? '<--' : '-->'} ${EXCHANGE_NAMES[m.exchangeType]} { ${body}}`;
}

/** The exchange lines seen since index `from` of the tap. */
export const trace = (p: Peers, from = 0) => p.ike.slice(from).map(describeIke);

/**
 * §2.25: "When a peer receives a TEMPORARY_FAILURE notification, it MUST NOT immediately retry
 * the operation". The CREATE_CHILD_SA requests a side sent less than `withinMs` after it
 * received a TEMPORARY_FAILURE answer (as lines 'time side' for the failure message).
 */
export function immediateRetries(p: Peers, withinMs = 1000, latencyMs = 9): string[] {
  const failures = p.ike.filter(
    (m) =>
      m.response &&
      (m.payloads ?? []).some(
        (x) => x.type === PayloadType.N && x.notifyType === NotifyError.TEMPORARY_FAILURE,
      ),
  );
  return failures.flatMap((f) => {
    const retrier = f.from === 'client' ? 'gateway' : 'client';
    return p.ike
      .filter(
        (m) =>
          !m.response &&
          m.from === retrier &&
          m.exchangeType === ExchangeType.CREATE_CHILD_SA &&
          m.at >= f.at &&
          m.at <= f.at + latencyMs + withinMs,
      )
      .map((m) => `${retrier} sent ${describeIke(m)} ${m.at - f.at} ms after TEMPORARY_FAILURE was sent`);
  });
}
