/**
 * A minimal mote firmware (RFC 7815's minimal initiator: a one-suite firmware by default), with
 * the stand-ins build-mote links into it in place of the stack's own modules:
 *   - targets/wismote/no-ike-fragments.ts: an SKF message is counted as received and dropped as
 *     'unexpected', logged, answered with nothing, and the IKE SA goes on; the supervisor keeps
 *     an ended SA's counters and checks no fragment size;
 *   - targets/wismote/no-create-child.ts: a peer's CREATE_CHILD_SA request is refused with
 *     NO_ADDITIONAL_SAS and the SAs stay as they were; a rekey asked of the supervisor sends
 *     nothing; the supervisor has no IKE SA rekey hand-over (nothing is ever replaced);
 *   - targets/wismote/no-nat-detection.ts: no NAT_DETECTION notify is sent or looked at, IKE
 *     stays on port 500;
 *   - targets/wismote/no-nat-t.ts: IKE never floats to the NAT-T port, no NAT-keepalive is sent
 *     (the mote profile never forces encapsulation);
 *   - targets/wismote/mote-request-digest.ts: an answered request is kept whole, and its
 *     retransmission recognised by its octets, with no hash (a minimal firmware carries none);
 *   - targets/wismote/no-traps.ts: no trap policy is installed, with a warning that says why;
 *     swanctl --install's call is refused; no packet is held for an acquire;
 *   - targets/wismote/no-message-counters.ts: no IKE message is counted (nothing reads them);
 *   - targets/wismote/no-path-mtu.ts: refuses to run (the QuickJS tests carry readings through
 *     the minimal firmware's ESP pipeline, which never calls it);
 *   - the firmware refuses a profile with IKE fragmentation or a rekey time at boot.
 * The stand-ins are linked on both peers here, except where the test needs the peer's request:
 * the client builds CREATE_CHILD_SA requests with the stack's own code once `stub.build` is off.
 */
import { describe, expect, it, vi } from 'vitest';
import type { IkeSaHandle } from '../../../actors/supervisor.js';
import { nobleProvider } from '../../../ipsec/crypto/noble/index.js';
import { seededRandom } from '../../../ipsec/crypto/random.js';
import type { CryptoProvider } from '../../../ipsec/crypto/types.js';
import { openFor } from '../../../ipsec/ike/exchange/messages.js';
import { detectNat, natDetectionNotifies } from '../../../ipsec/ike/nat.js';
import { ExchangeType, PayloadType } from '../../../ipsec/ike/wire/constants.js';
import { isResponse } from '../../../ipsec/ike/wire/header.js';
import { decodeMessage } from '../../../ipsec/ike/wire/message.js';
import { NotifyError, NotifyStatus } from '../../../ipsec/ike/wire/notify-types.js';
import { mustSelector } from '../../../ipsec/policy/selector.js';
import { toHex } from '../../../ipsec/util/bytes.js';
import { moteStackConfig } from '../../../targets/wismote/mote-stack.js';
import { mustNotFragment, tooBigError } from '../../../targets/wismote/no-path-mtu.js';
import { echoRequest } from '../../ipsec/policy/fixtures.js';
import { CLIENT_ADDR, clientConfig, GATEWAY_ADDR } from '../../support/ike-peers.js';
import {
  captureIke,
  ikeContext,
  informationalFragments,
  memoryLogger,
  sendAs,
  type TwoHostOptions,
  twoHosts,
} from '../../support/two-hosts.js';

vi.mock(
  '../../../machines/ike-sa.fragments.js',
  () => import('../../../targets/wismote/no-ike-fragments.js'),
);
vi.mock('../../../actors/ike-fragments.js', () => import('../../../targets/wismote/no-ike-fragments.js'));
vi.mock('../../../actors/ike-rekey-handover.js', () => import('../../../targets/wismote/no-create-child.js'));
vi.mock('../../../actors/trap-policies.js', () => import('../../../targets/wismote/no-traps.js'));
vi.mock('../../../actors/esp-acquire.js', () => import('../../../targets/wismote/no-traps.js'));
vi.mock(
  '../../../actors/ike-message-counters.js',
  () => import('../../../targets/wismote/no-message-counters.js'),
);
const stub = vi.hoisted(() => ({ build: true }));
vi.mock('../../../machines/ike-sa.create-child.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../machines/ike-sa.create-child.js')>();
  const none = await import('../../../targets/wismote/no-create-child.js');
  return {
    ...real,
    buildCreateChildTask: (...a: Parameters<typeof real.buildCreateChildTask>) =>
      stub.build ? none.buildCreateChildTask() : real.buildCreateChildTask(...a),
    answerCreateChild: none.answerCreateChild,
    adoptPeerRekey: none.adoptPeerRekey,
  };
});
vi.mock('../../../ipsec/ike/nat.js', () => import('../../../targets/wismote/no-nat-detection.js'));
vi.mock('../../../actors/nat-t.js', () => import('../../../targets/wismote/no-nat-t.js'));
vi.mock(
  '../../../ipsec/ike/request-digest.js',
  () => import('../../../targets/wismote/mote-request-digest.js'),
);
vi.mock('../../../targets/wismote/mote-build.js', async () => {
  const crypto = await import('../../../targets/wismote/mote-crypto.js');
  return {
    MOTE_BUILD_SUITES: [crypto.SEED_CRYPTO],
    MOTE_BUILD_MINIMAL: true,
    MOTE_BUILD_HASHES: crypto.MINIMAL_MOTE_HASHES,
  };
});

/** The notify types in a protected message to `h`'s side, opened with its keys. */
function notifiesIn(h: IkeSaHandle, data: Uint8Array): number[] {
  const decoded = decodeMessage(data);
  if (!decoded.ok) throw new Error('undecodable');
  const opened = openFor(ikeContext(h).session, decoded.value, data);
  if (!opened.ok) throw new Error(opened.error.reason);
  return opened.value.flatMap((p) => (p.type === PayloadType.N ? [p.notifyType] : []));
}

/** Two hosts whose client is configured as the mote profile is: no NAT detection. */
const minimalHosts = (o: TwoHostOptions = {}) =>
  twoHosts({ ...o, clientConnections: [{ ...clientConfig(), nat_detection: false }] });

/** minimalHosts with the client's IKE SA established, and the IKE messages on the wire. */
function established(o: TwoHostOptions = {}) {
  const w = minimalHosts(o);
  const wire = captureIke(w.net, w.clock);
  const ike = w.client.supervisor.initiate('gw', 'net');
  w.clock.advance(1000);
  expect(ike.state).toBe('ESTABLISHED');
  return { ...w, wire, ike, gw: w.gateway.supervisor.ikeSas[0]! };
}

describe('a minimal firmware', () => {
  it('establishes without NAT detection: no NAT_DETECTION notify either way, IKE stays on port 500', () => {
    const w = minimalHosts();
    const wire = captureIke(w.net, w.clock);
    const ike = w.client.supervisor.initiate('gw', 'net');
    w.clock.advance(1000);
    expect(ike.state).toBe('ESTABLISHED');
    const init = wire.filter((m) => m.header.exchangeType === ExchangeType.IKE_SA_INIT);
    expect(init).toHaveLength(2);
    const natd = [
      NotifyStatus.NAT_DETECTION_SOURCE_IP,
      NotifyStatus.NAT_DETECTION_DESTINATION_IP,
    ] as number[];
    expect(
      init.flatMap((m) => m.payloads).filter((p) => p.type === PayloadType.N && natd.includes(p.notifyType)),
    ).toEqual([]);
    expect(wire.every((m) => m.from.port === 500 && m.to.port === 500)).toBe(true);
    expect([ike.natT, ike.local.address]).toEqual([false, CLIENT_ADDR.address]);
    // The stand-in itself: no verdict from any hashes, and no NAT-D to send.
    const hashes = {
      spiI: new Uint8Array(8),
      spiR: new Uint8Array(8),
      sourceHashes: [new Uint8Array(20)],
      destinationHashes: [new Uint8Array(20)],
      remote: GATEWAY_ADDR,
      local: CLIENT_ADDR,
    };
    expect(detectNat(nobleProvider, hashes)).toEqual({
      supported: false,
      localBehindNat: false,
      remoteBehindNat: false,
    });
    expect(() =>
      natDetectionNotifies(nobleProvider, {
        spiI: hashes.spiI,
        spiR: hashes.spiR,
        local: CLIENT_ADDR,
        remote: GATEWAY_ADDR,
      }),
    ).toThrow(/no NAT detection/);
  });

  it('never floats to the NAT-T port nor keeps a NAT mapping alive, which the profile never asks', () => {
    // Forced encapsulation would float IKE to 4500 and send keepalives: the stand-in does not.
    const w = twoHosts({ clientConnections: [{ ...clientConfig(), nat_detection: false, encap: true }] });
    const wire = captureIke(w.net, w.clock);
    const keepalives: number[] = [];
    const tap = w.net.onSend;
    w.net.onSend = (d) => {
      tap?.(d);
      if (d.data.length === 1 && d.data[0] === 0xff) keepalives.push(w.clock.now()); // RFC 3948 §2.3
    };
    const ike = w.client.supervisor.initiate('gw', 'net');
    w.clock.advance(1000);
    expect(ike.state).toBe('ESTABLISHED');
    expect([ike.natT, ike.keepaliveTimer]).toEqual([false, undefined]);
    w.clock.advance(120_000);
    expect(wire.every((m) => m.from.port === 500 && m.to.port === 500)).toBe(true);
    expect(keepalives).toEqual([]);
    // the mote profile: encapsulation is never forced
    const psk = { name: 'p', id: ['mote-0002@wismote', 'gateway@wismote'], secret: new Uint8Array(32) };
    expect(moteStackConfig(2, psk, { suite: 'seed' }).connections.map((c) => c.encap)).toEqual([false]);
  });

  it('recognises a retransmitted request by its octets, with no hash at all', () => {
    const noHash: CryptoProvider = {
      ...nobleProvider,
      hash: () => {
        throw new Error('a minimal firmware carries no hash');
      },
    };
    const { wire, ike, gw, ...w } = established({ provider: noHash });
    // a liveness check (§1.4) from the gateway, its first request, and the same octets again
    const check = { exchangeType: ExchangeType.INFORMATIONAL, messageId: 0, response: false, payloads: [] };
    const request = sendAs(w.gateway, gw, check);
    w.clock.advance(100);
    const answers = () => wire.filter((m) => m.from.address === CLIENT_ADDR.address && isResponse(m.header));
    expect(answers()).toHaveLength(1);
    expect(ikeContext(ike).cachedResponse?.request.digest).toEqual(request);
    w.gateway.transport.send(request, gw.local, gw.remote);
    w.clock.advance(100);
    expect(answers()).toHaveLength(2);
    expect(answers()[1]!.data).toEqual(answers()[0]!.data);
    expect(ikeContext(ike).stats.retransmittedResponses).toBe(1);
  });

  it('counts and drops an SKF message, answers nothing, and the IKE SA goes on', () => {
    const logger = memoryLogger();
    const { wire, ike, gw, ...w } = established({ gatewayLogger: logger });

    // An INFORMATIONAL request cut into fragments with the client's keys, as a peer that
    // ignored the missing IKEV2_FRAGMENTATION_SUPPORTED would send it.
    const messageId = ikeContext(ike).nextMessageId;
    const frags = informationalFragments(ike, seededRandom('body')(300), 'iv');
    expect(frags.length).toBeGreaterThan(2);
    const before = wire.length;
    for (const f of frags) w.client.transport.send(f, ike.local, ike.remote);
    w.clock.advance(100);

    const counters = ikeContext(gw).fragments.counters;
    expect(counters.received).toBe(frags.length);
    expect(counters.dropped.unexpected).toBe(frags.length);
    expect(counters.reassembled).toBe(0);
    const fromGateway = wire.slice(before).filter((m) => m.from.address === GATEWAY_ADDR.address);
    expect(fromGateway).toEqual([]);
    const drops = logger.lines.filter((l) => l.msg === 'IKE fragment dropped');
    expect(drops).toHaveLength(frags.length);
    expect(drops[0]!.obj).toMatchObject({ reason: 'unexpected', messageId });

    // The SA still answers its peer: a liveness check goes through.
    expect(gw.state).toBe('ESTABLISHED');
    w.client.supervisor.task(ike.uniqueid, { kind: 'dpd' });
    w.clock.advance(200);
    expect(wire.slice(before).some((m) => m.from.address === GATEWAY_ADDR.address)).toBe(true);
    expect(ike.state).toBe('ESTABLISHED');

    // Once the SA is gone, the supervisor still holds its counters.
    w.gateway.supervisor.terminate(gw.uniqueid);
    w.clock.advance(1000);
    expect(w.gateway.supervisor.ikeSas).toEqual([]);
    expect(w.gateway.supervisor.fragmentCounters()).toMatchObject({
      received: frags.length,
      dropped: { unexpected: frags.length },
    });
  });

  it('checks no fragment size: a fragment_size no fragment could use is not refused', () => {
    const w = minimalHosts({ daemon: { fragment_size: 100 } });
    const ike = w.client.supervisor.initiate('gw', 'net');
    w.clock.advance(1000);
    expect(ike.state).toBe('ESTABLISHED');
  });

  it("refuses a peer's CREATE_CHILD_SA with NO_ADDITIONAL_SAS, and asks for none itself", () => {
    const w = minimalHosts();
    const wire = captureIke(w.net, w.clock);
    const ike = w.client.supervisor.initiate('gw', 'net');
    w.clock.advance(1000);
    expect(ike.state).toBe('ESTABLISHED');
    const gw = w.gateway.supervisor.ikeSas[0]!;
    const spis = (h: typeof ike) => h.children.map((c) => toHex(c.record.spiIn));
    const before = { client: spis(ike), gateway: spis(gw) };
    expect(before.client).toHaveLength(1);
    const createChild = () => wire.filter((m) => m.header.exchangeType === ExchangeType.CREATE_CHILD_SA);

    // Asked of a minimal firmware's supervisor, a rekey has no request to send: dropped as moot.
    stub.build = true;
    w.client.supervisor.rekeyChild('net');
    w.client.supervisor.rekeyIke(ike.uniqueid);
    w.clock.advance(1000);
    expect(createChild()).toEqual([]);

    // The peer (full IKE) rekeys the Child SA and the IKE SA: both refused, nothing changes.
    stub.build = false;
    expect(w.client.supervisor.rekeyChild('net')).toBe(true);
    w.clock.advance(1000);
    w.client.supervisor.rekeyIke(ike.uniqueid);
    w.clock.advance(1000);
    const exchanges = createChild();
    expect(exchanges.map((m) => isResponse(m.header))).toEqual([false, true, false, true]);
    expect(
      exchanges.filter((m) => isResponse(m.header)).every((m) => m.from.address === GATEWAY_ADDR.address),
    ).toBe(true);
    const answers = exchanges.filter((m) => isResponse(m.header)).map((m) => notifiesIn(ike, m.data));
    expect(answers).toEqual([[NotifyError.NO_ADDITIONAL_SAS], [NotifyError.NO_ADDITIONAL_SAS]]);
    expect(w.client.supervisor.ikeSas).toEqual([ike]);
    expect(w.gateway.supervisor.ikeSas).toEqual([gw]);
    expect([ike.state, gw.state]).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expect({ client: spis(ike), gateway: spis(gw) }).toEqual(before);
    stub.build = true;
  });

  it('installs no trap policy (a mote starts its child at once), and says why', () => {
    const logger = memoryLogger();
    const trapped = { ...clientConfig(), nat_detection: false };
    const client = {
      ...trapped,
      children: trapped.children.map((c) => ({ ...c, start_action: 'trap' as const })),
    };
    const w = twoHosts({ clientConnections: [client], clientLogger: logger });
    w.client.supervisor.start();
    w.clock.advance(1000);
    expect(w.client.esp.backend.listPolicies()).toEqual([]);
    expect(w.client.supervisor.ikeSas).toEqual([]);
    expect(logger.lines.filter((l) => l.msg === 'trap: this firmware has no trap policies')).toHaveLength(1);
    expect(w.client.supervisor.installTrap('gw', 'net')).toEqual({
      ok: false,
      error: "installing policy 'net' failed: this firmware has no trap policies",
    });
    expect(w.client.supervisor.uninstallTrap('net')).toBe(false);
    // start_action = start still works: the mote's own case.
    const started = twoHosts({
      clientConnections: [
        { ...trapped, children: trapped.children.map((c) => ({ ...c, start_action: 'start' as const })) },
      ],
    });
    started.client.supervisor.start();
    started.clock.advance(1000);
    expect(started.client.supervisor.ikeSas.map((h) => h.state)).toEqual(['ESTABLISHED']);
  });

  it('holds no packet for an acquire: one meeting a PROTECT policy without an SA is dropped', () => {
    const w = minimalHosts();
    const raised: string[] = [];
    w.client.esp.pipeline.events$.subscribe((e) => raised.push(e.type));
    w.client.esp.backend.addPolicy({
      direction: 'out',
      action: 'PROTECT',
      reqid: 7,
      localTs: [mustSelector('10.99.2.0/24')],
      remoteTs: [mustSelector('10.99.1.0/24')],
      mode: 'tunnel',
    });
    w.client.esp.pipeline.send(echoRequest('10.99.2.1', '10.99.1.1'));
    w.clock.advance(100);
    expect(w.client.esp.pipeline.counters().drops['queue-full']).toBe(1);
    expect(w.client.esp.pipeline.isAcquirePending(7)).toBe(false);
    expect(raised).toEqual([]);
  });

  it('counts no IKE message (a mote has no VICI to read the counts)', () => {
    const w = minimalHosts();
    const ike = w.client.supervisor.initiate('gw', 'net');
    w.clock.advance(1000);
    expect(ike.state).toBe('ESTABLISHED');
    for (const host of [w.client, w.gateway]) {
      expect(host.supervisor.messageCounters.totals()).toEqual({});
      expect([...host.supervisor.messageCounters.names()]).toEqual([]);
    }
    expect(w.client.supervisor.messageCounters.of('gw')).toBeUndefined();
  });

  it("the path MTU check's stand-in says why it cannot run (a mote sets no pathMtu)", () => {
    expect(() => mustNotFragment(new Uint8Array(40))).toThrow(/no path MTU check \(pathMtu must be unset\)/);
    expect(() => tooBigError(new Uint8Array(40), 1280)).toThrow(/no path MTU check/);
  });

  it('refuses a mote profile with IKE fragmentation or a rekey time at boot', () => {
    const psk = { name: 'p', id: ['mote-0002@wismote', 'gateway@wismote'], secret: new Uint8Array(32) };
    expect(() => moteStackConfig(2, psk, { suite: 'seed', ikeFragmentation: true })).toThrow(
      /IKE fragmentation: this minimal firmware has no RFC 7383/,
    );
    expect(() => moteStackConfig(2, psk, { suite: 'seed', childRekeyTime: 3600 })).toThrow(
      /rekeying: this minimal firmware has no CREATE_CHILD_SA/,
    );
    expect(() => moteStackConfig(2, psk, { suite: 'seed', ikeRekeyTime: 3600 })).toThrow(
      /no CREATE_CHILD_SA/,
    );
    const c = moteStackConfig(2, psk, { suite: 'seed' }).connections[0]!;
    expect([c.fragmentation, c.rekey_time, c.children[0]!.rekey_time]).toEqual(['no', 0, 0]);
  });
});
