/**
 * machines/ike-sa.machine.ts (issue 14: memory per IKE SA): XState keeps an actor's input for
 * its whole life (Actor.options.input), so once the context holds them the machine deletes the
 * per-SA parts of the input (first session, candidates, first child, the responder's
 * IKE_SA_INIT request, a rekeyed SA's moved children). Shared parts (deps, timing,
 * fragmentation) stay, and the SAs go on working. The supervisor's runs (actors/ike-sa-run.ts)
 * keep no input at all; the input each was given is recorded here to check what the machine did.
 */
import { describe, expect, it, vi } from 'vitest';

const inputs = vi.hoisted(() => new WeakMap<object, unknown>());

vi.mock('../../actors/ike-sa-run.js', async (importOriginal) => {
  const mod = await importOriginal<typeof import('../../actors/ike-sa-run.js')>();
  class RecordedRun extends mod.IkeSaRun {
    constructor(...args: ConstructorParameters<typeof mod.IkeSaRun>) {
      super(...args);
      inputs.set(this, args[1].input);
    }
  }
  return { ...mod, IkeSaRun: RecordedRun };
});

import type { IkeSaInput } from '../../machines/ike-sa.types.js';
import { clientConfig, GATEWAY_ADDR } from '../support/ike-peers.js';
import { ikeContext, ikePhase, trackSas, twoHosts } from '../support/two-hosts.js';

const PER_SA = ['session', 'candidates', 'firstChild', 'initMessage', 'established'] as const;

type Handle = ReturnType<ReturnType<typeof trackSas>>[number];

const inputOf = (h: Handle): Partial<IkeSaInput> => inputs.get(h.actor) as Partial<IkeSaInput>;

function expectReleased(h: Handle): void {
  const input = inputOf(h);
  expect(input).toBeDefined();
  for (const field of PER_SA) expect(input, field).not.toHaveProperty(field);
  // What is shared by every IKE SA of the host stays.
  expect(input.deps).toBe(ikeContext(h).deps);
  expect(input.timing).toBeDefined();
  expect(input.fragmentation).toBeDefined();
}

describe('IKE SA actor input', () => {
  it('initiator and responder let go of the per-SA input once started, and complete IKE_AUTH', () => {
    const w = twoHosts();
    const gatewaySas = trackSas(w.gateway.supervisor);
    const ike = w.client.supervisor.initiate('gw', 'net');
    // Right after start: the initiator's input no longer holds its session or first child.
    expectReleased(ike);
    expect(ikeContext(ike).session.role).toBe('initiator');
    expect(ikeContext(ike).firstChild?.name).toBe('net');

    w.clock.advance(200); // IKE_SA_INIT reached the gateway: its responder SA exists
    const [gw] = gatewaySas();
    expect(gw).toBeDefined();
    expectReleased(gw!);

    w.clock.advance(1000);
    expect(ikePhase(ike)).toBe('established');
    expect(ikePhase(gw!)).toBe('established');
    expect(ike.children).toHaveLength(1);
    expect(gw!.children).toHaveLength(1);
    expect(ikeContext(gw!).session.remoteId).toBeDefined();
    expectReleased(ike);
    expectReleased(gw!);
  });

  it('a responder spawned from its IKE_SA_INIT request still answers a retransmitted request', () => {
    // The first IKE_SA_INIT response is lost: the client resends its request, which the gateway
    // answers from its context (the input's initMessage is gone).
    const w = twoHosts();
    const gatewaySas = trackSas(w.gateway.supervisor);
    let dropped = 0;
    w.net.filter = (d) => {
      if (d.remote.address === GATEWAY_ADDR.address && dropped === 0) {
        dropped++;
        return false;
      }
      return true;
    };
    const ike = w.client.supervisor.initiate('gw', 'net');
    w.clock.advance(10_000);
    expect(dropped).toBe(1);
    expect(ikePhase(ike)).toBe('established');
    expect(gatewaySas().map(ikePhase)).toEqual(['established']);
    expectReleased(gatewaySas()[0]!);
  });

  it('the successor of an IKE SA rekey lets go of the moved Child SAs and keeps working', () => {
    const w = twoHosts({ clientConnections: [{ ...clientConfig() }] });
    const clientSas = trackSas(w.client.supervisor);
    const gatewaySas = trackSas(w.gateway.supervisor);
    w.client.supervisor.initiate('gw', 'net');
    w.clock.advance(1000);
    w.client.supervisor.rekeyIke('gw');
    w.clock.advance(2000);
    const [, next] = clientSas();
    const [, gwNext] = gatewaySas();
    expect(next && ikePhase(next)).toBe('established');
    expect(gwNext && ikePhase(gwNext)).toBe('established');
    expectReleased(next!);
    expectReleased(gwNext!);
    // The moved Child SA lives on in the context, and the new IKE SA still rekeys it.
    expect(ikeContext(next!).children).toHaveLength(1);
    expect(ikeContext(gwNext!).children).toHaveLength(1);
    expect(w.client.supervisor.rekeyChild('net')).toBe(true);
    w.clock.advance(2000);
    expect(w.client.supervisor.ikeSas.map(ikePhase)).toEqual(['established']);
    expect(w.client.supervisor.ikeSas[0]!.children).toHaveLength(1);
    expect(w.gateway.supervisor.ikeSas[0]!.children).toHaveLength(1);
  });
});
