/** The inspector's model (page/model.js, shared by the server and the page): fold, views, bounds. */
import { describe, expect, it } from 'vitest';
import type { InspectionEvent } from '../../../../actors/inspection/events.js';
import {
  actorTree,
  apply,
  counters,
  createModel,
  fold,
  PAYLOAD_LIMIT,
  STOPPED_LIMIT,
  statePaths,
  TIMELINE_LIMIT,
  timeline,
} from '../../../../targets/native/inspector/page/model.js';
import { FIXTURE_EVENTS } from './fixture.js';

describe('inspector model', () => {
  it('folds the stream into the tree, timelines and counters', () => {
    const m = fold(FIXTURE_EVENTS);
    const tree = actorTree(m);
    expect(tree.ikeSas.map((s) => [s.id, s.state, s.children.map((c) => c.id)])).toEqual([
      ['ike:1', 'ESTABLISHED', ['child:1:1']],
    ]);
    expect(tree.ikeSas[0]?.ageMs).toBe(2000 - 1000);
    const tl = timeline(m, '1')!;
    expect(tl.events.map((e) => e.kind)).toEqual([
      'created',
      'state',
      'ike.message',
      'ike.message',
      'state',
      'ike.message',
      'ike.message',
      'ike.message',
      'state',
      'state',
      'ike.drop',
    ]);
    expect(counters(m)).toMatchObject({
      ikeSas: { ESTABLISHED: 1 },
      drops: { integrity: 1 },
      source: 'daemon',
    });
    expect(timeline(m, 'ike:2')).toBeUndefined();
  });

  it('filters by connection, peer and state', () => {
    const m = fold(FIXTURE_EVENTS);
    expect(actorTree(m, { connection: 'other' }).ikeSas).toHaveLength(0);
    expect(actorTree(m, { peer: '127.0.0.1' }).ikeSas).toHaveLength(1);
    expect(actorTree(m, { peer: 'GATEWAY.example' }).ikeSas).toHaveLength(1);
    expect(actorTree(m, { state: 'established' }).ikeSas).toHaveLength(1);
    expect(actorTree(m, { state: 'CONNECTING' }).ikeSas).toHaveLength(0);
  });

  it('counts from the stream when the daemon sent no counters', () => {
    const m = fold(FIXTURE_EVENTS.filter((e) => e.kind !== 'counters'));
    expect(counters(m)).toMatchObject({
      ikeSas: { ESTABLISHED: 1 },
      drops: { integrity: 1 },
      source: 'stream',
    });
  });

  it('state values as dotted paths', () => {
    expect(statePaths('closed')).toEqual(['closed']);
    expect(statePaths({ established: { requesting: 'waiting' } })).toEqual([
      'established.requesting.waiting',
    ]);
    expect(statePaths({ a: 'x', b: {} })).toEqual(['a.x', 'b']);
    expect(statePaths(null)).toEqual([]);
  });

  it('is bounded: timeline entries, payloads of old messages, stopped IKE SAs', () => {
    const m = createModel();
    let seq = 0;
    const ev = (e: object) => apply(m, { seq: ++seq, t: seq, ...e } as InspectionEvent);
    ev({ kind: 'actor.created', actor: 'ike:1', actorKind: 'ike-sa' });
    for (let i = 0; i < TIMELINE_LIMIT + 50; i++)
      ev({
        kind: 'ike.message',
        actor: 'ike:1',
        direction: 'out',
        local: 'a',
        remote: 'b',
        exchange: 'INFORMATIONAL (37)',
        messageId: i,
        response: false,
        initiatorFlag: true,
        length: 80,
        retransmission: false,
        payloads: [{ type: 'SK', fields: {} }],
      });
    const tl = timeline(m, 'ike:1')!;
    expect(tl.events).toHaveLength(TIMELINE_LIMIT);
    expect(tl.trimmed).toBe(51);
    const withPayloads = tl.events.filter((e) => e.kind === 'ike.message' && e.payloads.length);
    expect(withPayloads).toHaveLength(PAYLOAD_LIMIT);
    const first = tl.events[0]!;
    expect(first.kind === 'ike.message' && first.opaque).toMatch(/payloads dropped/);
    for (let i = 2; i < STOPPED_LIMIT + 12; i++) {
      ev({ kind: 'actor.created', actor: `ike:${i}`, actorKind: 'ike-sa' });
      ev({ kind: 'actor.stopped', actor: `ike:${i}` });
    }
    expect(Object.keys(m.actors)).toHaveLength(STOPPED_LIMIT + 1);
    expect(m.actors['ike:2']).toBeUndefined();
    expect(m.actors['ike:1']).toBeDefined();
  });

  it('does not change the events it folds (a replay folds them again)', () => {
    const events = structuredClone(FIXTURE_EVENTS) as InspectionEvent[];
    fold(events);
    expect(events).toEqual(FIXTURE_EVENTS);
  });
});
