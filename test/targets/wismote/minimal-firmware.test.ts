/**
 * targets/wismote/no-ike-fragments.ts: a one-suite firmware carries no RFC 7383. Linked here as
 * build-mote links it (in place of the IKE SA machine's fragment handling), both peers run it:
 *   - an SKF message is counted as received and dropped as 'unexpected', logged, answered with
 *     nothing, and the IKE SA goes on (an unfragmented request afterwards is answered);
 *   - a firmware built without RFC 7383 refuses a profile with IKE fragmentation at boot.
 */
import { describe, expect, it, vi } from 'vitest';
import { seededRandom } from '../../../ipsec/crypto/random.js';
import { fragmentPlaintext } from '../../../ipsec/ike/fragment/fragment.js';
import { ExchangeType, PayloadType } from '../../../ipsec/ike/wire/constants.js';
import { SEED_CRYPTO } from '../../../targets/wismote/mote-crypto.js';
import { moteStackConfig } from '../../../targets/wismote/mote-stack.js';
import { GATEWAY_ADDR } from '../../support/ike-peers.js';
import { captureIke, ikeContext, memoryLogger, twoHosts } from '../../support/two-hosts.js';

vi.mock(
  '../../../machines/ike-sa.fragments.js',
  () => import('../../../targets/wismote/no-ike-fragments.js'),
);
vi.mock('../../../targets/wismote/mote-build.js', async () => ({
  MOTE_BUILD_SUITES: [(await import('../../../targets/wismote/mote-crypto.js')).SEED_CRYPTO],
  MOTE_BUILD_IKE_FRAGMENTATION: false,
}));

describe('a firmware without RFC 7383', () => {
  it('counts and drops an SKF message, answers nothing, and the IKE SA goes on', () => {
    const logger = memoryLogger();
    const w = twoHosts({ gatewayLogger: logger });
    const wire = captureIke(w.net, w.clock);
    const ike = w.client.supervisor.initiate('gw', 'net');
    w.clock.advance(1000);
    expect(ike.state).toBe('ESTABLISHED');
    const gw = w.gateway.supervisor.ikeSas[0]!;

    // An INFORMATIONAL request cut into fragments with the client's keys, as a peer that
    // ignored the missing IKEV2_FRAGMENTATION_SUPPORTED would send it.
    const ctx = ikeContext(ike);
    const header = new Uint8Array(28);
    header.set(ctx.session.spiI, 0);
    header.set(ctx.session.spiR, 8);
    header[17] = 0x20; // IKEv2
    header[18] = ExchangeType.INFORMATIONAL;
    header[19] = 0x08; // Initiator
    new DataView(header.buffer).setUint32(20, ctx.nextMessageId);
    const body = seededRandom('body')(300);
    const frags = fragmentPlaintext(
      header,
      PayloadType.N,
      body,
      ctx.session.sk!.initiator,
      seededRandom('iv'),
      100,
      255,
    );
    if (!frags.ok) throw new Error(frags.error.code);
    expect(frags.value.length).toBeGreaterThan(2);
    const before = wire.length;
    for (const f of frags.value) w.client.transport.send(f, ike.local, ike.remote);
    w.clock.advance(100);

    const counters = ikeContext(gw).fragments.counters;
    expect(counters.received).toBe(frags.value.length);
    expect(counters.dropped.unexpected).toBe(frags.value.length);
    expect(counters.reassembled).toBe(0);
    const fromGateway = wire.slice(before).filter((m) => m.from.address === GATEWAY_ADDR.address);
    expect(fromGateway).toEqual([]);
    const drops = logger.lines.filter((l) => l.msg === 'IKE fragment dropped');
    expect(drops).toHaveLength(frags.value.length);
    expect(drops[0]!.obj).toMatchObject({ reason: 'unexpected', messageId: ctx.nextMessageId });

    // The SA still answers its peer: a liveness check goes through.
    expect(gw.state).toBe('ESTABLISHED');
    w.client.supervisor.task(ike.uniqueid, { kind: 'dpd' });
    w.clock.advance(200);
    expect(wire.slice(before).some((m) => m.from.address === GATEWAY_ADDR.address)).toBe(true);
    expect(ike.state).toBe('ESTABLISHED');
  });

  it('refuses a mote profile with IKE fragmentation at boot', () => {
    const psk = { name: 'p', id: ['mote-0002@wismote', 'gateway@wismote'], secret: new Uint8Array(32) };
    expect(() => moteStackConfig(2, psk, { suite: 'seed', ikeFragmentation: true })).toThrow(
      /IKE fragmentation: this firmware has no RFC 7383/,
    );
    expect(moteStackConfig(2, psk, { suite: 'seed' }).connections[0]!.fragmentation).toBe('no');
    expect(SEED_CRYPTO.suite).toBe('seed');
  });
});
