/**
 * IKE fragmentation (RFC 7383) hardening between two supervisors on virtual time:
 *   - a retransmitted fragment 1 resends the cached response (§2.6.1) only once it verifies
 *     with the peer's keys: a forged one (right SPIs and Message ID, garbage body) is dropped,
 *     counted and logged, and makes the responder send nothing;
 *   - decrypted fragments held for reassembly are zeroed when discarded (timeout, restart on a
 *     higher Total Fragments, IKE SA destroyed) and, with the reassembled plaintext, once the
 *     message was consumed.
 *
 *   client 10.99.0.1 (initiator)  <->  gateway 10.99.0.2 (responder), daemon.fragment_size 160
 */
import { describe, expect, it, vi } from 'vitest';
import type { IkeSaHandle } from '../../actors/supervisor.js';
import { seededRandom } from '../../ipsec/crypto/random.js';
import { ExchangeType, PayloadType } from '../../ipsec/ike/wire/constants.js';
import { isResponse } from '../../ipsec/ike/wire/header.js';
import { equalBytes } from '../../ipsec/util/bytes.js';
import { GATEWAY_ADDR } from '../support/ike-peers.js';
import {
  captureIke,
  type IkeCapture,
  ikeContext,
  informationalFragments,
  memoryLogger,
  type TwoHostOptions,
  twoHosts,
} from '../support/two-hosts.js';

/** Every plaintext handed to openReassembled, and whether it held anything when it was. */
const seen = vi.hoisted(() => ({ plaintexts: [] as Uint8Array[], nonZeroAtCall: [] as boolean[] }));
vi.mock('../../ipsec/ike/exchange/messages.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../ipsec/ike/exchange/messages.js')>();
  return {
    ...actual,
    openReassembled: (...args: Parameters<typeof actual.openReassembled>) => {
      seen.plaintexts.push(args[3]);
      seen.nonZeroAtCall.push(args[3].some((x) => x !== 0));
      return actual.openReassembled(...args);
    },
  };
});

const AUTH = ExchangeType.IKE_AUTH;
const isZero = (b: Uint8Array) => b.length > 0 && b.every((x) => x === 0);
const nonZero = (b: Uint8Array) => b.some((x) => x !== 0);
const skf = (m: IkeCapture) => {
  const last = m.payloads.at(-1);
  return last?.type === PayloadType.SKF ? last : undefined;
};

function established(o: TwoHostOptions = {}) {
  const logger = memoryLogger();
  const w = twoHosts({ ...o, gatewayLogger: logger, daemon: { fragment_size: 160, ...o.daemon } });
  const wire = captureIke(w.net, w.clock);
  const ike = w.client.supervisor.initiate('gw', 'net');
  w.clock.advance(1000);
  expect(ike.state).toBe('ESTABLISHED');
  const gw = w.gateway.supervisor.ikeSas[0]!;
  const fromGateway = () => wire.filter((m) => m.from.address === GATEWAY_ADDR.address);
  return { ...w, wire, ike, gw, logger, fromGateway };
}

describe('a retransmitted fragment 1 is verified before the response is resent (RFC 7383 §2.6.1)', () => {
  for (const proposals of [undefined, ['aes256gcm16-prfsha256-x25519']]) {
    it(`${proposals ? 'AEAD tag' : 'ICV'}: a forged fragment 1 sends nothing; the genuine one resends every response fragment`, () => {
      const p = proposals ? { proposals } : {};
      const w = established({ client: p, gateway: p });
      const request1 = w.wire.find(
        (m) => m.header.exchangeType === AUTH && !isResponse(m.header) && skf(m)?.fragmentNumber === 1,
      )!;
      const responses = w.wire.filter((m) => m.header.exchangeType === AUTH && isResponse(m.header));
      expect(responses.length).toBeGreaterThan(2);
      expect(ikeContext(w.gw).cachedResponse?.messageId).toBe(request1.header.messageId);

      // right SPIs, Message ID, Fragment Number 1; the SKF body (IV, ciphertext, ICV) is garbage
      const forged = request1.data.slice();
      forged.fill(0xa5, 28 + 8);
      const sentBefore = w.fromGateway().length;
      expect(sentBefore).toBeGreaterThan(responses.length); // IKE_SA_INIT and IKE_AUTH responses
      w.client.transport.send(forged, w.ike.local, w.ike.remote);
      w.clock.advance(100);
      expect(w.fromGateway()).toHaveLength(sentBefore);
      const g = ikeContext(w.gw);
      expect(g.fragments.counters.dropped.integrity).toBe(1);
      expect(g.stats.retransmittedResponses).toBe(0);
      const logged = w.logger.lines.filter((l) => l.msg === 'IKE fragment dropped');
      expect(logged).toHaveLength(1);
      expect(logged[0]!.obj).toMatchObject({
        reason: 'integrity',
        messageId: request1.header.messageId,
        fragment: 1,
        total: skf(request1)!.totalFragments,
      });

      // the genuine fragment 1, retransmitted: the whole cached response again, identical
      w.client.transport.send(request1.data, w.ike.local, w.ike.remote);
      w.clock.advance(100);
      const resent = w.fromGateway().slice(sentBefore);
      expect(resent).toHaveLength(responses.length);
      expect(resent.map((m, i) => equalBytes(m.data, responses[i]!.data))).toEqual(responses.map(() => true));
      expect(ikeContext(w.gw).stats.retransmittedResponses).toBe(1);
      expect(ikeContext(w.gw).fragments.counters.dropped.integrity).toBe(1);
      expect(w.gw.state).toBe('ESTABLISHED');
    });
  }
});

/** Fragments of a request the client never made, sealed with its keys (they verify at the gateway). */
function clientFragments(w: ReturnType<typeof established>, budget: number, seed = 'junk') {
  const secret = seededRandom(seed)(300).map((x) => x | 1); // no zero octet: zeroing shows
  const frags = informationalFragments(w.ike, secret, 'iv', budget);
  expect(frags.length).toBeGreaterThan(2);
  const send = (frags: readonly Uint8Array[]) => {
    for (const f of frags) w.client.transport.send(f, w.ike.local, w.ike.remote);
    w.clock.advance(50);
  };
  return { frags, send };
}

/** The decrypted fragments the gateway holds for the peer's request, by reference. */
function held(gw: IkeSaHandle) {
  const parts = ikeContext(gw).fragments.request?.parts.filter((x): x is Uint8Array => x !== undefined) ?? [];
  expect(parts.length).toBeGreaterThan(0);
  expect(parts.every(nonZero)).toBe(true);
  return parts;
}

describe('decrypted fragments are zeroed when discarded or consumed', () => {
  it('the reassembly times out', () => {
    const w = established();
    const { frags, send } = clientFragments(w, 100);
    send(frags.slice(0, -1));
    const parts = held(w.gw);
    w.clock.advance(31_000);
    expect(ikeContext(w.gw).fragments.request).toBeUndefined();
    expect(ikeContext(w.gw).fragments.counters.dropped.timeout).toBe(frags.length - 1);
    expect(parts.every(isZero)).toBe(true);
  });

  it('a higher Total Fragments restarts the reassembly (§2.6)', () => {
    const w = established();
    const big = clientFragments(w, 120);
    const small = clientFragments(w, 90);
    expect(small.frags.length).toBeGreaterThan(big.frags.length);
    big.send(big.frags.slice(0, 2));
    const parts = held(w.gw);
    small.send(small.frags.slice(0, 1));
    expect(ikeContext(w.gw).fragments.counters.dropped.restarted).toBe(2);
    expect(parts.every(isZero)).toBe(true);
    expect(held(w.gw)).toHaveLength(1);
  });

  it('the IKE SA is destroyed while a message is being reassembled', () => {
    const w = established();
    const { frags, send } = clientFragments(w, 100);
    send(frags.slice(0, -1));
    const parts = held(w.gw);
    expect(w.gateway.supervisor.terminate(w.gw.uniqueid)).toBe(1);
    w.clock.advance(1000);
    expect(w.gw.state).toBe('DESTROYED');
    expect(parts.every(isZero)).toBe(true);
  });

  it('the message is complete: the parts, and the reassembled plaintext once parsed', () => {
    seen.plaintexts.length = 0;
    seen.nonZeroAtCall.length = 0;
    const w = established();
    // IKE_AUTH reassembled on both sides while establishing
    expect(seen.plaintexts).toHaveLength(2);
    const { frags, send } = clientFragments(w, 100);
    send(frags.slice(0, -1));
    const parts = held(w.gw);
    send(frags.slice(-1));
    expect(ikeContext(w.gw).fragments.counters.reassembled).toBe(2);
    expect(parts.every(isZero)).toBe(true);
    expect(seen.plaintexts).toHaveLength(3);
    expect(seen.nonZeroAtCall).toEqual([true, true, true]);
    expect(seen.plaintexts.every(isZero)).toBe(true);
  });
});
