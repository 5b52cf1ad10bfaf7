/** A hub nobody listens to costs no decoding: describeIkeMessage is never called. */
import { describe, expect, it, vi } from 'vitest';
import * as describeModule from '../../../ipsec/ike/wire/describe.js';
import { inspectedHosts } from './inspected-hosts.js';

vi.mock('../../../ipsec/ike/wire/describe.js', async (original) => {
  const m = await original<typeof import('../../../ipsec/ike/wire/describe.js')>();
  return { ...m, describeIkeMessage: vi.fn(m.describeIkeMessage) };
});

describe('a quiet hub', () => {
  it('describes no message while nobody listens, every message while someone does', () => {
    const spy = vi.mocked(describeModule.describeIkeMessage);
    const { clock, client, gateway } = inspectedHosts({ listen: false });
    client.supervisor.initiate('gw', 'net');
    clock.advance(2000);
    expect(client.supervisor.ikeSas[0]?.state).toBe('ESTABLISHED');
    expect(spy).not.toHaveBeenCalled();
    const off = client.hub.subscribe(() => {});
    client.supervisor.rekeyChild('net');
    clock.advance(2000);
    // At the client only (the gateway's hub is quiet): CREATE_CHILD_SA out and in, then the
    // INFORMATIONAL Delete of the old Child SA out and in.
    expect(spy).toHaveBeenCalledTimes(4);
    off();
    client.supervisor.rekeyChild('net');
    clock.advance(2000);
    expect(spy).toHaveBeenCalledTimes(4);
    expect(gateway.hub.history()).toEqual([]);
  });
});
