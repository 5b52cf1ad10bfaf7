/**
 * scenario.ts: the YAML scenario of `ikev2 sim --scenario FILE`. Every key is checked and every
 * error names its key path; checkScenario catches what only the whole run can tell.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkScenario, parseScenario, scenarioFromValue } from '../../../targets/wismote/scenario.js';
import { SIM_DEFAULTS, type SimOptions } from '../../../targets/wismote/sim-options.js';

const EXAMPLE = `
seed: demo
motes: 6
topology: line            # star | line | tree
loss: 0.1                 # default frame loss on every link
suite: seed               # seed | ccm8-ecp256 | ccm8-x25519
fragmentation: 6lowpan    # 6lowpan | ike
duration: 600             # seconds
interval: 30              # seconds between readings
nodes:                    # optional positions (metres); 1 is the gateway
  - { id: 2, x: 30, y: 0 }
links:                    # optional per-link quality, both ways
  - { between: [1, 2], loss: 0.3, duplicate: 0.01, delay: 2 }
events:
  - { at: 120, reboot: 3, down: 10 }
  - { at: 300, gateway_restart: true, down: 5 }
`;

const error = (v: unknown): string => {
  const r = scenarioFromValue(v);
  if (r.ok) throw new Error(`expected an error, got ${JSON.stringify(r.value)}`);
  return r.error;
};

describe('parseScenario', () => {
  it('reads the documented example into the right SimOptions fields', () => {
    const r = parseScenario(EXAMPLE, 'demo.yaml');
    expect(r).toEqual({
      ok: true,
      value: {
        seed: 'demo',
        motes: 6,
        topology: 'line',
        loss: 0.1,
        suite: 'seed',
        fragmentation: '6lowpan',
        durationS: 600,
        intervalS: 30,
        placements: [{ id: 2, x: 30, y: 0 }],
        links: [{ between: [1, 2], loss: 0.3, duplicate: 0.01, delayMs: 2 }],
        events: [
          { atS: 120, kind: 'reboot', mote: 3, downS: 10 },
          { atS: 300, kind: 'gateway-restart', downS: 5 },
        ],
      },
    });
    // And the whole run accepts it.
    const o = { ...SIM_DEFAULTS, ...(r.ok ? r.value : {}) };
    expect(checkScenario(o).ok).toBe(true);
  });

  it('reads the keys the example does not show, and leaves absent ones out', () => {
    const r = parseScenario('tree_degree: 3\nboot_spread: 0\nrange: 75\nseed: 42\n');
    expect(r).toEqual({ ok: true, value: { treeDegree: 3, bootSpreadS: 0, rangeM: 75, seed: '42' } });
    expect(parseScenario('{}')).toEqual({ ok: true, value: {} });
    // A link without qualities and an event without down.
    expect(scenarioFromValue({ links: [{ between: [2, 3] }], events: [{ at: 0, reboot: 2 }] })).toEqual({
      ok: true,
      value: { links: [{ between: [2, 3] }], events: [{ atS: 0, kind: 'reboot', mote: 2, downS: 0 }] },
    });
  });

  it('a YAML syntax error names the file', () => {
    const r = parseScenario('motes: [1, 2\nloss: 0.1\n', 'broken.yaml');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toMatch(/^broken\.yaml: /);
      expect(r.error).not.toContain('\n');
    }
  });

  it('a scenario error names the file and the key path', () => {
    expect(parseScenario('motes: 6\nevents:\n  - { at: 1, reboot: 1 }\n', 'x.yaml')).toEqual({
      ok: false,
      error: 'x.yaml: events[0].reboot: node 1 is the gateway: use gateway_restart',
    });
  });

  it('a document that is not a mapping is an error', () => {
    for (const v of [null, 3, 'motes', [1, 2]])
      expect(error(v)).toBe('scenario: must be a mapping of settings');
    expect(parseScenario('- 1\n- 2\n', 'l.yaml')).toEqual({
      ok: false,
      error: 'l.yaml: scenario: must be a mapping of settings',
    });
  });
});

describe('scenarioFromValue errors name their key path', () => {
  it.each<[string, unknown, string | RegExp]>([
    [
      'unknown top-level key',
      { motes: 2, colour: 'red' },
      /^colour: unknown key \(expected one of seed, motes/,
    ],
    ['an empty key', { '': 1 }, /^"": unknown key/],
    [
      'a key with spaces',
      { nodes: [{ id: 2, x: 0, y: 0, 'tx power': 3 }] },
      /^nodes\[0\]\."tx power": unknown key/,
    ],
    [
      'unknown key in nodes[i]',
      {
        nodes: [
          { id: 2, x: 0, y: 0 },
          { id: 3, x: 0, y: 0, z: 1 },
        ],
      },
      /^nodes\[1\]\.z: unknown key/,
    ],
    [
      'unknown key in links[i]',
      { links: [{ between: [1, 2], jitter: 3 }] },
      /^links\[0\]\.jitter: unknown key/,
    ],
    [
      'unknown key in events[i] (reboot)',
      { events: [{ at: 1, reboot: 2, why: 'x' }] },
      /^events\[0\]\.why: unknown key/,
    ],
    [
      'unknown key in events[i] (restart)',
      { events: [{ at: 1, gateway_restart: true, mote: 2 }] },
      /^events\[0\]\.mote: unknown key/,
    ],
    ['seed of the wrong type', { seed: true }, 'seed: must be a string or number'],
    ['motes as a string', { motes: '6' }, 'motes: must be a whole number from 1 to 1000'],
    ['motes not whole', { motes: 2.5 }, 'motes: must be a whole number from 1 to 1000'],
    ['motes 0', { motes: 0 }, 'motes: must be a whole number from 1 to 1000'],
    ['loss above 1', { loss: 1.5 }, 'loss: must be a number from 0 to 1'],
    ['loss below 0', { loss: -0.1 }, 'loss: must be a number from 0 to 1'],
    ['loss NaN', { loss: Number.NaN }, 'loss: must be a number from 0 to 1'],
    [
      'link loss above 1',
      { links: [{ between: [1, 2], loss: 2 }] },
      'links[0].loss: must be a number from 0 to 1',
    ],
    [
      'link duplicate below 0',
      { links: [{ between: [1, 2], duplicate: -1 }] },
      'links[0].duplicate: must be a number from 0 to 1',
    ],
    [
      'link delay negative',
      { links: [{ between: [1, 2], delay: -1 }] },
      'links[0].delay: must be a number from 0 to 60000',
    ],
    ['unknown topology', { topology: 'ring' }, 'topology: must be one of star, line, tree'],
    ['unknown suite', { suite: 'aes' }, /^suite: must be one of seed, /],
    ['unknown fragmentation', { fragmentation: 'ip' }, 'fragmentation: must be one of 6lowpan, ike'],
    ['duration 0', { duration: 0 }, /^duration: must be a number from 1 to /],
    ['interval too small', { interval: 0.01 }, 'interval: must be a number from 0.1 to 86400'],
    ['boot_spread negative', { boot_spread: -1 }, 'boot_spread: must be a number from 0 to 86400'],
    ['tree_degree 0', { tree_degree: 0 }, 'tree_degree: must be a whole number from 1 to 16'],
    ['nodes not a list', { nodes: { id: 2 } }, 'nodes: must be a list'],
    ['links not a list', { links: 'x' }, 'links: must be a list'],
    ['events not a list', { events: 3 }, 'events: must be a list'],
    ['a node not a mapping', { nodes: [3] }, 'nodes[0]: must be a mapping { id, x, y }'],
    ['node id 0', { nodes: [{ id: 0, x: 0, y: 0 }] }, 'nodes[0].id: must be a whole number from 1 to 65534'],
    ['node x missing', { nodes: [{ id: 2, y: 0 }] }, /^nodes\[0\]\.x: must be a number/],
    ['a link not a mapping', { links: [[1, 2]] }, /^links\[0\]: must be a mapping/],
    ['between not a list', { links: [{ between: 2 }] }, 'links[0].between: must be a list'],
    ['between with one node', { links: [{ between: [2] }] }, 'links[0].between: must name two nodes'],
    [
      'between with three nodes',
      { links: [{ between: [1, 2, 3] }] },
      'links[0].between: must name two nodes',
    ],
    [
      'between with equal nodes',
      { links: [{ between: [2, 2] }] },
      'links[0].between: must name two different nodes',
    ],
    [
      'between with a bad node',
      { links: [{ between: [2, 'x'] }] },
      'links[0].between[1]: must be a whole number from 1 to 65534',
    ],
    ['an event not a mapping', { events: ['reboot'] }, 'events[0]: must be a mapping'],
    ['an event without at', { events: [{ reboot: 2 }] }, 'events[0].at: must be a number >= 0'],
    [
      'an event with negative down',
      { events: [{ at: 1, reboot: 2, down: -1 }] },
      'events[0].down: must be a number >= 0',
    ],
    [
      'reboot of node 1',
      { events: [{ at: 1 }, { at: 5, reboot: 1 }] },
      'events[0]: needs reboot: MOTE or gateway_restart: true',
    ],
    [
      'reboot of the gateway',
      { events: [{ at: 5, reboot: 1 }] },
      'events[0].reboot: node 1 is the gateway: use gateway_restart',
    ],
    [
      'reboot of a bad node',
      { events: [{ at: 5, reboot: 'x' }] },
      'events[0].reboot: must be a whole number from 1 to 65534',
    ],
    [
      'an event without reboot/gateway_restart',
      { events: [{ at: 5, down: 3 }] },
      'events[0]: needs reboot: MOTE or gateway_restart: true',
    ],
    [
      'gateway_restart false',
      { events: [{ at: 5, gateway_restart: false }] },
      'events[0].gateway_restart: must be true',
    ],
  ])('%s', (_name, value, expected) => {
    const e = error(value);
    if (typeof expected === 'string') expect(e).toBe(expected);
    else expect(e).toMatch(expected);
  });

  it('fuzz: scenarioFromValue never throws, whatever the value', () => {
    const key = fc.constantFrom(
      'seed',
      'motes',
      'loss',
      'topology',
      'tree_degree',
      'suite',
      'fragmentation',
      'duration',
      'interval',
      'boot_spread',
      'range',
      'nodes',
      'links',
      'events',
      'between',
      'at',
      'reboot',
      'gateway_restart',
      'down',
      'id',
      'x',
      'y',
      '__proto__',
      'constructor',
    );
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.jsonValue({ maxDepth: 2 }),
        fc.dictionary(key, tie('value'), { maxKeys: 5 }),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, true, null, undefined, 1, 2, 0.5),
      ),
    }));
    fc.assert(
      fc.property(fc.oneof(fc.anything(), value, fc.dictionary(key, value, { maxKeys: 6 })), (v) => {
        const r = scenarioFromValue(v);
        expect(typeof r.ok).toBe('boolean');
        // Every error starts with a non-empty key path.
        if (!r.ok) expect(r.error).toMatch(/^[^:\s][^\n]*: /);
      }),
      { seed: 7815, numRuns: 3000 },
    );
  });
});

describe('checkScenario', () => {
  const base: SimOptions = { ...SIM_DEFAULTS, motes: 3, durationS: 100 };

  it('accepts node ids 1..motes+1 and events up to the end', () => {
    const o: SimOptions = {
      ...base,
      placements: [
        { id: 1, x: 0, y: 0 },
        { id: 4, x: 10, y: 0 },
      ],
      links: [{ between: [1, 4] }],
      events: [
        { atS: 100, kind: 'reboot', mote: 4, downS: 1 },
        { atS: 0, kind: 'gateway-restart', downS: 1 },
      ],
    };
    expect(checkScenario(o)).toEqual({ ok: true, value: o });
  });

  it('rejects a placement outside 1..motes+1', () => {
    expect(
      checkScenario({
        ...base,
        placements: [
          { id: 2, x: 0, y: 0 },
          { id: 5, x: 0, y: 0 },
        ],
      }),
    ).toEqual({
      ok: false,
      error: 'nodes[1].id: no node 5 in a run of 3 motes (ids 1..4)',
    });
  });

  it('rejects a link to a node outside the run', () => {
    expect(checkScenario({ ...base, links: [{ between: [2, 3] }, { between: [5, 1] }] })).toEqual({
      ok: false,
      error: 'links[1].between: no node 5 in a run of 3 motes',
    });
  });

  it('rejects a reboot of a mote outside the run', () => {
    expect(checkScenario({ ...base, events: [{ atS: 1, kind: 'reboot', mote: 5, downS: 0 }] })).toEqual({
      ok: false,
      error: 'events[0].reboot: no mote 5',
    });
  });

  it('rejects an event after the end of the run', () => {
    expect(
      checkScenario({
        ...base,
        events: [
          { atS: 1, kind: 'gateway-restart', downS: 0 },
          { atS: 100.5, kind: 'gateway-restart', downS: 0 },
        ],
      }),
    ).toEqual({ ok: false, error: 'events[1].at: 100.5 s is after the end of the run (100 s)' });
  });

  it('property: a node id is accepted exactly when it is within 1..motes+1', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 0xfffe }), (motes, id) => {
        const r = checkScenario({ ...base, motes, placements: [{ id, x: 0, y: 0 }] });
        expect(r.ok).toBe(id <= motes + 1);
      }),
      { seed: 4944 },
    );
  });
});
