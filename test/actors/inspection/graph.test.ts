/** machineGraph lists the real states and transitions of the IKE SA and Child SA statecharts. */
import { describe, expect, it } from 'vitest';
import { machineGraph } from '../../../actors/inspection/graph.js';
import { InspectionHub, Ring } from '../../../actors/inspection/hub.js';
import { VirtualClock } from '../../../ipsec/util/clock.js';
import { childSaMachine } from '../../../machines/child-sa.machine.js';
import { ikeSaMachine } from '../../../machines/ike-sa.machine.js';

describe('machineGraph', () => {
  it('draws the Child SA lifecycle', () => {
    const g = machineGraph(childSaMachine);
    expect(g.id).toBe('childSa');
    expect(g.states).toEqual([
      { id: 'installing', initial: true },
      { id: 'installed' },
      { id: 'rekeying' },
      { id: 'rekeyed' },
      { id: 'deleting' },
      { id: 'deleted', final: true },
    ]);
    expect(g.transitions).toContainEqual({ source: 'installing', target: 'installed', event: 'INSTALLED' });
    expect(g.transitions).toContainEqual({ source: 'rekeying', target: 'installed', event: 'REKEY_FAILED' });
    // The machine's own `on` (any state): REMOVED -> deleted.
    expect(g.transitions).toContainEqual({ source: 'childSa', target: 'deleted', event: 'REMOVED' });
    expect(g.transitions).toHaveLength(9);
  });

  it('draws the IKE SA statechart: nested states, after, always', () => {
    const g = machineGraph(ikeSaMachine);
    const ids = g.states.map((s) => s.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'start',
        'initiator',
        'initiator.init',
        'initiator.init.waiting',
        'initiator.auth.waiting',
        'responder.halfOpen',
        'established',
        'established.idle',
        'established.requesting.waiting',
        'failed',
        'closed',
      ]),
    );
    expect(g.states.find((s) => s.id === 'initiator.init.waiting')).toEqual({
      id: 'initiator.init.waiting',
      parent: 'initiator.init',
      initial: true,
    });
    expect(g.states.filter((s) => s.final).map((s) => s.id)).toEqual(['failed', 'closed']);
    const t = g.transitions;
    expect(t).toContainEqual({
      source: 'initiator.init.waiting',
      target: 'initiator.init.decide',
      event: 'RESPONSE',
    });
    expect(t).toContainEqual({
      source: 'initiator.init.waiting',
      target: 'failed',
      event: 'after RETRANSMIT',
    });
    expect(t).toContainEqual({ source: 'start', target: 'responder', event: 'always' });
    expect(t).toContainEqual({ source: 'responder.halfOpen', target: 'failed', event: 'after HALF_OPEN' });
    expect(t.some((e) => e.event.startsWith('xstate.after.'))).toBe(false);
    // Every edge joins known states (or the machine itself).
    for (const e of t) {
      expect([g.id, ...ids]).toContain(e.source);
      expect([g.id, ...ids]).toContain(e.target);
    }
    // No edge twice.
    expect(new Set(t.map((e) => JSON.stringify(e))).size).toBe(t.length);
  });

  it('is what the hub serves', () => {
    const hub = new InspectionHub({ clock: new VirtualClock(0) });
    expect(hub.machines().map((m) => m.id)).toEqual(['ikeSa', 'childSa']);
  });
});

describe('Ring', () => {
  it('keeps the last N, oldest first', () => {
    const r = new Ring<number>(3);
    for (let i = 1; i <= 7; i++) r.push(i);
    expect(r.toArray()).toEqual([5, 6, 7]);
    expect(r.length).toBe(3);
  });
});
