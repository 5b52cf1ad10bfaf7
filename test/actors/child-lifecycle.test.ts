import fc from 'fast-check';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { createActor } from 'xstate';
import { ChildLifecycle, type ChildLifecycleInspection } from '../../actors/child-lifecycle.js';
import { type ChildSaEvent, childSaMachine } from '../../machines/child-sa.machine.js';

const EVENTS: readonly ChildSaEvent['type'][] = [
  'INSTALLED',
  'FAILED',
  'REKEY',
  'REKEYED',
  'REKEY_FAILED',
  'DELETE',
  'REMOVED',
];

type Seen = { type: string; event?: string; value?: unknown; status?: string };

const summarize = (e: { type: string; event?: { type: string }; snapshot?: unknown }): Seen | undefined => {
  if (e.type === '@xstate.actor') return { type: e.type };
  if (e.type === '@xstate.event') return { type: e.type, event: e.event!.type };
  if (e.type === '@xstate.snapshot') {
    const s = e.snapshot as { value: unknown; status: string };
    return { type: e.type, event: e.event!.type, value: s.value, status: s.status };
  }
  return undefined; // microsteps and actions: the inspector does not read them
};

describe('ChildLifecycle: the Child SA statechart without an actor', () => {
  it('moves exactly as an XState actor of childSaMachine, and is inspected alike', () => {
    // The reference actor warns of every event sent after its final state (XState's development
    // build): that warning is expected here; any other fails the test.
    const unexpected: string[] = [];
    const warn = vi.spyOn(console, 'warn').mockImplementation((message: unknown) => {
      if (!String(message).includes('was sent to stopped actor')) unexpected.push(String(message));
    });
    onTestFinished(() => warn.mockRestore());
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...EVENTS), { maxLength: 12 }), (types) => {
        const fromActor: Seen[] = [];
        // a root actor with no children: every inspection event is its own
        const actor = createActor(childSaMachine, {
          inspect: (e) => {
            const s = summarize(e as never);
            if (s) fromActor.push(s);
          },
        }).start();
        const fromLifecycle: Seen[] = [];
        const refs = new Set<unknown>();
        const lifecycle = new ChildLifecycle({
          inspect: (e: ChildLifecycleInspection) => {
            refs.add(e.actorRef);
            fromLifecycle.push(summarize(e as never)!);
          },
        });
        expect([...refs]).toEqual([lifecycle]);
        for (const type of types) {
          actor.send({ type } as ChildSaEvent);
          lifecycle.send({ type } as ChildSaEvent);
          expect(lifecycle.getSnapshot().value).toEqual(actor.getSnapshot().value);
          expect(lifecycle.getSnapshot().status).toBe(actor.getSnapshot().status);
        }
        expect(fromLifecycle).toEqual(fromActor);
      }),
      { numRuns: 300 },
    );
    expect(unexpected).toEqual([]);
  });

  it('shares one snapshot per state between Child SAs (nothing per SA but a reference)', () => {
    const a = new ChildLifecycle();
    const b = new ChildLifecycle();
    expect(a.getSnapshot()).toBe(b.getSnapshot());
    a.send({ type: 'INSTALLED' });
    expect(a.getSnapshot()).not.toBe(b.getSnapshot());
    b.send({ type: 'INSTALLED' });
    expect(a.getSnapshot()).toBe(b.getSnapshot());
    expect(a.getSnapshot().value).toBe('installed');
  });

  it('system.inspect attaches late and detaches', () => {
    const l = new ChildLifecycle();
    const seen: string[] = [];
    const sub = l.system.inspect((e) =>
      seen.push(e.type === '@xstate.snapshot' ? String(e.snapshot.value) : e.type),
    );
    l.send({ type: 'INSTALLED' });
    sub.unsubscribe();
    l.send({ type: 'DELETE' });
    expect(seen).toEqual(['@xstate.event', 'installed']);
    expect(l.getSnapshot().value).toBe('deleting');
  });

  it('takes no event after its final state (inspected, as XState does, but no move)', () => {
    const l = new ChildLifecycle();
    l.send({ type: 'FAILED' });
    expect(l.getSnapshot().status).toBe('done');
    const seen: string[] = [];
    l.system.inspect((e) => seen.push(e.type));
    l.send({ type: 'INSTALLED' });
    expect(l.getSnapshot().value).toBe('deleted');
    expect(seen).toEqual(['@xstate.event']);
  });
});
