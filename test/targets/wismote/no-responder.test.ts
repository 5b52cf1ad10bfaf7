/**
 * targets/wismote/no-responder.ts: a minimal mote firmware (RFC 7815's initiator) has no
 * responder's half. Linked here as build-mote links it, at the gateway of two hosts:
 *   - the router's IKE_SA_INIT door: a request is dropped and logged, nothing is sent, no IKE SA
 *     is created, and the initiator keeps retransmitting into silence;
 *   - the machine's responder state (with the stack's own door, so that a responder is
 *     spawned): the IKE SA fails at once, sends nothing and is gone.
 */
import { describe, expect, it, vi } from 'vitest';
import type { InitResponder as FullDoor, InitResponderOptions } from '../../../actors/ike-init-responder.js';
import type { SupervisorEvent } from '../../../actors/supervisor.js';
import { ExchangeType } from '../../../ipsec/ike/wire/constants.js';
import { CLIENT_ADDR, GATEWAY_ADDR } from '../../support/ike-peers.js';
import { captureIke, memoryLogger, twoHosts } from '../../support/two-hosts.js';

/** Which door the next router gets: the minimal firmware's, or the stack's own. */
const door = vi.hoisted(() => ({ minimal: true }));
vi.mock('../../../actors/ike-init-responder.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../actors/ike-init-responder.js')>();
  const none = await import('../../../targets/wismote/no-responder.js');
  class InitResponder {
    constructor(...a: ConstructorParameters<typeof FullDoor>) {
      // biome-ignore lint/correctness/noConstructorReturn: picks the implementation per router
      return (
        door.minimal ? new none.InitResponder(a[0] as InitResponderOptions) : new real.InitResponder(...a)
      ) as never;
    }
  }
  return { ...real, InitResponder };
});
vi.mock('../../../machines/ike-sa.responder.js', () => import('../../../targets/wismote/no-responder.js'));

function hosts() {
  const logger = memoryLogger();
  const w = twoHosts({ gatewayLogger: logger });
  const wire = captureIke(w.net, w.clock);
  const events: SupervisorEvent['type'][] = [];
  w.gateway.supervisor.on((e) => events.push(e.type));
  return {
    ...w,
    logger,
    wire,
    events,
    fromGateway: () => wire.filter((m) => m.from.address === GATEWAY_ADDR.address),
  };
}

describe('a minimal firmware has no responder', () => {
  it("the router's door drops an IKE_SA_INIT request, logs it and sends nothing", () => {
    door.minimal = true;
    const w = hosts();
    const ike = w.client.supervisor.initiate('gw', 'net');
    w.clock.advance(10_000);
    const requests = w.wire.filter((m) => m.from.address === CLIENT_ADDR.address);
    expect(requests.length).toBeGreaterThan(1); // retransmitted into silence (§2.1)
    expect(requests.every((m) => m.header.exchangeType === ExchangeType.IKE_SA_INIT)).toBe(true);
    expect(w.fromGateway()).toEqual([]);
    expect(w.gateway.supervisor.ikeSas).toEqual([]);
    expect(w.gateway.supervisor.dos.halfOpen).toBe(0);
    expect(w.events).toEqual([]);
    const drops = w.logger.lines.filter((l) => l.msg.startsWith('IKE_SA_INIT request dropped'));
    expect(drops).toHaveLength(requests.length);
    expect(drops[0]).toMatchObject({
      level: 'info',
      msg: 'IKE_SA_INIT request dropped: this minimal firmware only initiates',
      obj: { remote: { address: CLIENT_ADDR.address } },
    });
    expect(ike.state).toBe('CONNECTING');
  });

  it('a responder spawned anyway fails at once and sends nothing', () => {
    door.minimal = false;
    const w = hosts();
    w.client.supervisor.initiate('gw', 'net');
    w.clock.advance(100);
    expect(w.fromGateway()).toEqual([]);
    expect(w.events).toEqual(['ike-failed']);
    expect(w.gateway.supervisor.ikeSas).toEqual([]);
    expect(w.gateway.supervisor.dos.halfOpen).toBe(0);
    door.minimal = true;
  });
});
