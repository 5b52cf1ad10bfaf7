import { describe, expect, it } from 'vitest';
import { SpdActor, type SpdNotice } from '../../actors/spd.js';
import { mustSelector } from '../../ipsec/policy/selector.js';
import { echoRequest, flowOf } from '../ipsec/policy/fixtures.js';

const any = [mustSelector('0.0.0.0/0')];

describe('SpdActor', () => {
  it('adds and deletes policies by event, notifies, and serves lookups from its table', () => {
    const spd = new SpdActor();
    const notices: SpdNotice[] = [];
    spd.events$.subscribe((n) => notices.push(n));
    const added = spd.send({
      type: 'policy.add',
      params: { direction: 'out', action: 'PROTECT', reqid: 3, localTs: any, remoteTs: any },
    });
    expect(added.ok && added.value.map((p) => [p.id, p.reqid])).toEqual([[1, 3]]);
    spd.send({
      type: 'policy.add',
      params: { direction: 'in', action: 'PROTECT', reqid: 3, localTs: any, remoteTs: any },
    });
    expect(spd.table.lookup('out', flowOf(echoRequest('1.1.1.1', '2.2.2.2')))?.reqid).toBe(3);
    const removed = spd.send({ type: 'policy.delete', params: { reqid: 3 } });
    expect(removed.ok && removed.value.map((p) => p.direction)).toEqual(['out', 'in']);
    expect(spd.table.lookup('out', flowOf(echoRequest('1.1.1.1', '2.2.2.2')))).toBeUndefined();
    expect(notices.map((n) => n.type)).toEqual([
      'policy.added',
      'policy.added',
      'policy.removed',
      'policy.removed',
    ]);
  });

  it('answers errors for invalid and unknown policies', () => {
    const spd = new SpdActor();
    const bad = spd.send({
      type: 'policy.add',
      params: { direction: 'out', action: 'PROTECT', localTs: any, remoteTs: any },
    });
    expect(!bad.ok && bad.error.code).toBe('invalid-params');
    const unknown = spd.send({ type: 'policy.delete', params: { id: 42 } });
    expect(!unknown.ok && unknown.error.code).toBe('unknown-policy');
  });
});
