import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { type ChildSaEvent, childSaMachine, childSaStateName } from '../../machines/child-sa.machine.js';

const run = (...events: ChildSaEvent['type'][]) => {
  const actor = createActor(childSaMachine).start();
  for (const type of events) actor.send({ type } as ChildSaEvent);
  const s = actor.getSnapshot();
  return { state: childSaStateName(String(s.value)), done: s.status === 'done' };
};

describe('Child SA lifecycle statechart', () => {
  it.each([
    [[], 'INSTALLING', false],
    [['INSTALLED'], 'INSTALLED', false],
    [['FAILED'], 'DELETED', true],
    [['INSTALLED', 'REKEY'], 'REKEYING', false],
    [['INSTALLED', 'REKEY', 'REKEY_FAILED'], 'INSTALLED', false],
    [['INSTALLED', 'REKEY', 'REKEYED'], 'REKEYED', false],
    [['INSTALLED', 'REKEY', 'REKEYED', 'DELETE'], 'DELETING', false],
    [['INSTALLED', 'REKEY', 'DELETE'], 'DELETING', false],
    [['INSTALLED', 'DELETE', 'REMOVED'], 'DELETED', true],
    [['INSTALLED', 'REMOVED'], 'DELETED', true],
    [['INSTALLED', 'DELETE', 'REKEY'], 'DELETING', false], // no rekey of an SA being deleted
  ] as const)('%j -> %s', (events, state, done) => {
    expect(run(...events)).toEqual({ state, done });
  });
});
