/**
 * The firmware's xstate (targets/wismote/mote-xstate.ts) against xstate: the same machine
 * definitions built on each must behave alike.
 *  - A synthetic machine with every feature the stack's machines use (and a few around them:
 *    nested finals, eventless transitions that only act, a custom id, `provide`) runs in an
 *    IkeSaRun (actors/ike-sa-run.ts, as the supervisor runs the IKE SA machine) on each; random
 *    commands (events, time, stop) give the same trace of actions, observer calls, microsteps,
 *    snapshots (value, status, context) and pending timers.
 *  - The stack's machines built with esbuild linking 'xstate' to the shim, as scripts/build-mote.mjs
 *    does: the Child SA machine over random events, and the IKE SA machine in two complete hosts
 *    (test/support/two-hosts.ts, every IkeSaRun given the shim's machine with the same effects)
 *    over random commands, loss and fragmentation: the same datagrams at the same times, and the
 *    same IKE SA states.
 *  - Definitions the shim does not interpret are refused, not misread.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import fc from 'fast-check';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import * as xstate from 'xstate';
import { IkeSaRun } from '../../../actors/ike-sa-run.js';
import { toHex } from '../../../ipsec/util/bytes.js';
import { VirtualClock } from '../../../ipsec/util/clock.js';
import { childSaMachine } from '../../../machines/child-sa.machine.js';
import * as mote from '../../../targets/wismote/mote-xstate.js';
import { twoHosts } from '../../support/two-hosts.js';

// biome-ignore lint/suspicious/noExplicitAny: one definition is built by two libraries
type Any = any;

/** While `on`, every IkeSaRun runs the shim's IKE SA machine with the effects it was given. */
const shim = vi.hoisted(() => ({
  on: false,
  runs: 0,
  ikeSaMachine: undefined as unknown,
  provided: new WeakMap<object, unknown>(),
}));

vi.mock('../../../actors/ike-sa-run.js', async (importOriginal) => {
  const mod = await importOriginal<typeof import('../../../actors/ike-sa-run.js')>();
  class ShimmableRun extends mod.IkeSaRun {
    constructor(...[machine, options]: ConstructorParameters<typeof mod.IkeSaRun>) {
      const real = machine as Any;
      let m = machine;
      if (shim.on && real.__xstatenode) {
        m = shim.provided.get(real) as typeof machine;
        if (!m) {
          // The supervisor's effects; xstate's own built-in actions (assign) stay the shim's.
          const effects = Object.entries(real.implementations.actions).filter(
            ([, f]) => !('resolve' in (f as Any)),
          );
          m = (shim.ikeSaMachine as Any).provide({ actions: Object.fromEntries(effects) });
          shim.provided.set(real, m);
        }
        shim.runs++;
      }
      super(m, options);
    }
  }
  return { ...mod, IkeSaRun: ShimmableRun };
});

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SHIM = join(root, 'targets/wismote/mote-xstate.ts');

/** The stack's machines with 'xstate' linked to the shim (the rest of the stack imported as it is). */
let built: { ikeSaMachine: Any; childSaMachine: Any; inputs: string[] };

beforeAll(async () => {
  const r = await esbuild.build({
    stdin: {
      contents:
        "export { ikeSaMachine } from './machines/ike-sa.machine.ts';\nexport { childSaMachine } from './machines/child-sa.machine.ts';\n",
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2020',
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [
      {
        name: 'mote-xstate',
        setup(b) {
          b.onResolve({ filter: /^xstate$/ }, () => ({ path: SHIM }));
          // machines/ is built anew on the shim; what it imports of the stack stays the test's own.
          b.onResolve({ filter: /^\./ }, (a) => {
            const path = resolve(a.resolveDir, a.path.replace(/\.js$/, '.ts'));
            return { path, external: !path.startsWith(join(root, 'machines/')) };
          });
        },
      },
    ],
  });
  const dir = mkdtempSync(join(tmpdir(), 'mote-xstate-'));
  const file = join(dir, 'machines.mjs');
  writeFileSync(file, r.outputFiles[0]!.text);
  try {
    built = { ...(await import(/* @vite-ignore */ file)), inputs: Object.keys(r.metafile.inputs) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  shim.ikeSaMachine = built.ikeSaMachine;
}, 60_000);

// ---- a synthetic machine with every feature -------------------------------------------------

type Lib = typeof mote;

function richMachine(lib: Lib, trace: string[]) {
  const { setup, assign, raise, cancel, enqueueActions } = lib as Any;
  const rec = (tag: string) => ({
    type: 'record',
    params: ({ context }: Any) => ({ tag: `${tag}@${context.n}` }),
  });
  return setup({
    actions: {
      record: ({ context, event }: Any, p: { tag: string }) =>
        trace.push(`${p.tag} n=${context.n} k=${context.k} on ${event.type}`),
      poke: ({ self }: Any) => self.send({ type: 'PING' }),
      boom: () => {
        throw new Error('boom');
      },
      bump: assign({ n: ({ context }: Any) => context.n + 1 }),
      noop: () => {},
    },
    guards: {
      even: ({ context }: Any) => context.n % 2 === 0,
      atLeast: ({ context }: Any, p: { n: number }) => context.n >= p.n,
      alias: 'even',
    },
    delays: { SLOW: ({ context }: Any) => 100 + context.n * 10 },
  }).createMachine({
    id: 'rich',
    context: ({ input }: Any) => {
      if (input.start === -1) throw new Error('no context');
      return { n: input.start, k: 0 };
    },
    entry: [
      assign(({ context }: Any) => {
        if (context.n === -2) throw new Error('no entry');
        return {};
      }),
      ({ context }: Any) => {
        if (context.n === -3) throw new Error('entry action');
      },
      rec('root-entry'),
      raise({ type: 'TICK' }, { delay: 50, id: 'tick' }),
      raise({ type: 'BOOT' }),
      'noop',
    ],
    exit: rec('root-exit'),
    initial: 'idle',
    on: {
      TICK: { actions: [rec('tick'), cancel('tick'), raise({ type: 'TICK' }, { delay: 70, id: 'tick' })] },
      STOPTICK: { actions: cancel(() => 'tick') },
      FINISH: { target: '.done', actions: rec('finish') },
      BOOM: { actions: 'boom' },
      JUMP: { target: '#rich.work.deep.inner', actions: rec('jump') },
      RESET: { target: '.idle', reenter: true, actions: [assign({ k: 0 }), rec('reset')] },
      BOOT: { actions: rec('boot') },
      PING: { actions: [rec('ping-root'), raise(({ context }: Any) => ({ type: 'PONG', n: context.n }))] },
      PONG: { actions: { type: 'record', params: ({ event }: Any) => ({ tag: `pong ${event.n}` }) } },
      LATE: { guard: { type: 'atLeast', params: ({ context }: Any) => ({ n: context.k }) }, actions: 'bump' },
    },
    states: {
      idle: {
        entry: rec('idle-entry'),
        exit: rec('idle-exit'),
        always: { guard: { type: 'atLeast', params: { n: 9 } }, target: 'done' },
        after: { 120: { target: 'work', actions: 'bump' } },
        on: {
          GO: { target: 'work', actions: ['bump', rec('go')] },
          PING: { guard: 'alias', actions: rec('ping-idle') },
          SWALLOW: { guard: ({ context }: Any) => context.n % 3 === 0 },
          NEXT: [
            { guard: 'even', target: '#job.step2', actions: rec('idle-next-even') },
            { target: 'work.deep', actions: rec('idle-next-odd') },
          ],
        },
      },
      work: {
        id: 'job',
        entry: [rec('work-entry'), 'poke'],
        exit: rec('work-exit'),
        initial: 'step1',
        always: { guard: ({ context }: Any) => context.n === 4, actions: rec('always-4') },
        after: { SLOW: [{ guard: 'even', target: '#rich.idle', actions: rec('slow') }, { actions: 'bump' }] },
        on: {
          GO: { target: 'work', reenter: true, actions: rec('rego') },
          STAY: { target: 'work', actions: rec('stay') },
          'xstate.done.state.rich.work.deep': { target: '.step1', actions: rec('deep-done') },
          SWALLOW: {},
        },
        states: {
          step1: {
            entry: enqueueActions(({ context, enqueue, check }: Any) => {
              enqueue.assign({ k: context.k + 1 });
              if (check('even')) enqueue.raise({ type: 'NEXT' });
              enqueue(rec('enq'));
              enqueue({ type: 'record', params: { tag: 'enq-static' } });
              if (context.n > 3) enqueue.raise({ type: 'LATE' }, { delay: 'SLOW', id: 'late' });
              enqueue.cancel('nothing');
              enqueue(enqueueActions(({ enqueue: inner }: Any) => inner.assign({ k: context.k + 2 })));
            }),
            on: { NEXT: 'step2', GO2: '#job.deep', CANCEL: { actions: cancel('late') } },
          },
          step2: {
            always: [{ guard: ({ context }: Any) => context.k > 6, target: 'deep' }],
            on: {
              NEXT: 'deep',
              BACK: { target: 'step1', actions: assign(({ context }: Any) => ({ k: context.k + 10 })) },
            },
          },
          deep: {
            initial: 'inner',
            entry: rec('deep-entry'),
            exit: rec('deep-exit'),
            always: { guard: ({ context }: Any) => context.k === 5, actions: assign({ k: 6 }) },
            states: {
              inner: {
                after: { 30: { target: 'inner', reenter: true, actions: rec('inner-again') } },
                on: { NEXT: 'end', PING: {} },
              },
              end: { type: 'final', entry: rec('end-entry') },
            },
          },
        },
      },
      done: { type: 'final', entry: rec('done-entry'), exit: rec('done-exit') },
    },
  });
}

const provided = (lib: Lib, trace: string[]) =>
  richMachine(lib, trace).provide({
    actions: { noop: ({ context }: Any) => trace.push(`provided noop n=${context.n}`) },
  });

const EVENTS = [
  'GO',
  'PING',
  'NEXT',
  'BACK',
  'GO2',
  'JUMP',
  'RESET',
  'STAY',
  'SWALLOW',
  'CANCEL',
  'STOPTICK',
  'TICK',
  'LATE',
  'UNKNOWN',
] as const;

type Command = { send: string } | { advance: number } | { stop: true };

interface Side {
  readonly trace: string[];
  readonly clock: VirtualClock;
  readonly run: IkeSaRun;
}

function side(lib: Lib, start: number): Side {
  const trace: string[] = [];
  const clock = new VirtualClock();
  const run = new IkeSaRun(provided(lib, trace) as never, {
    clock,
    input: { start } as never,
    inspect: (e: Any) => {
      if (e.type === '@xstate.action') trace.push(`action ${e.action.type}`);
      else if (e.type === '@xstate.microstep')
        trace.push(`micro ${JSON.stringify(e.snapshot.value)} on ${e.event.type} (${e._transitions.length})`);
    },
  });
  run.subscribe({
    next: (s) => trace.push(`next ${JSON.stringify(s.value)} ${s.status}`),
    error: (e) => trace.push(`error ${(e as Error).message}`),
  });
  run.start();
  return { trace, clock, run };
}

function play(s: Side, c: Command): void {
  if ('send' in c) s.run.send({ type: c.send } as never);
  else if ('advance' in c) s.clock.advance(c.advance);
  else s.run.stop();
}

function expectSame(a: Side, b: Side): void {
  expect(b.trace).toEqual(a.trace);
  const [sa, sb] = [a.run.getSnapshot() as Any, b.run.getSnapshot() as Any];
  expect(sb.status).toBe(sa.status);
  expect(sb.value).toEqual(sa.value);
  expect(sb.context).toEqual(sa.context);
  expect(sb.output).toEqual(sa.output);
  expect(b.clock.pending).toBe(a.clock.pending);
}

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...EVENTS).map((send) => ({ send })) },
  { weight: 1, arbitrary: fc.constantFrom('BOOM', 'FINISH').map((send) => ({ send })) },
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 160 }).map((advance) => ({ advance })) },
  { weight: 1, arbitrary: fc.constant({ stop: true as const }) },
);

describe('mote-xstate interprets a statechart as xstate does', () => {
  it('starts alike: context from input, initial entry actions, raised events, delayed ones', () => {
    const a = side(xstate as unknown as Lib, 2);
    const b = side(mote, 2);
    expectSame(a, b);
    expect(b.trace).toContain('boot@2 n=2 k=0 on BOOT');
    expect(b.trace).toContain('provided noop n=2');
    expect(b.clock.pending).toBe(2); // the TICK and idle's `after`
  });

  it('an initial step that throws gives an error snapshot at the initial state; so does its action at start', () => {
    for (const [start, error] of [
      [-1, 'no context'],
      [-2, 'no entry'],
      [-3, 'entry action'],
    ] as const) {
      const a = side(xstate as unknown as Lib, start);
      const b = side(mote, start);
      expectSame(a, b);
      expect((b.run.getSnapshot() as Any).status).toBe('error');
      expect((b.run.getSnapshot() as Any).value).toBe('idle');
      expect(b.trace.at(-1)).toBe(`error ${error}`);
    }
  });

  it('a top-level final state: status done, every exit action, no timer left', () => {
    const a = side(xstate as unknown as Lib, 1);
    const b = side(mote, 1);
    for (const c of [{ send: 'GO' }, { send: 'FINISH' }]) {
      play(a, c);
      play(b, c);
    }
    expectSame(a, b);
    expect((b.run.getSnapshot() as Any).status).toBe('done');
    expect(b.trace.filter((l) => / on FINISH$/.test(l)).map((l) => l.split('@')[0])).toEqual([
      'work-exit',
      'finish',
      'done-entry',
      'done-exit',
      'root-exit',
    ]);
    expect(b.clock.pending).toBe(0);
  });

  it('matches xstate over random commands (trace, microsteps, snapshots, pending timers)', () => {
    fc.assert(
      fc.property(fc.constantFrom(0, 1, 3, 4, 8), fc.array(command, { maxLength: 40 }), (start, commands) => {
        const a = side(xstate as unknown as Lib, start);
        const b = side(mote, start);
        expectSame(a, b);
        for (const c of commands) {
          play(a, c);
          play(b, c);
          expectSame(a, b);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('initialTransition and transition with an inert scope, as actors/child-lifecycle.ts runs them', () => {
    const real = xstate.initialTransition(childSaMachine);
    const ours = mote.initialTransition(built.childSaMachine);
    expect(ours[0].value).toEqual(real[0].value);
    expect(ours[1]).toEqual([]);
    const scope = {
      self: undefined,
      defer: () => {},
      system: { scheduler: { schedule() {}, cancel() {} }, _sendInspectionEvent: () => {} },
      actionExecutor: () => {},
    } as never;
    const types = ['INSTALLED', 'FAILED', 'REKEY', 'REKEYED', 'REKEY_FAILED', 'DELETE', 'REMOVED', 'OTHER'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...types), { maxLength: 12 }), (events) => {
        let a: Any = real[0];
        let b: Any = ours[0];
        for (const type of events) {
          a = childSaMachine.transition(a, { type } as never, scope);
          b = built.childSaMachine.transition(b, { type }, scope);
          expect([b.value, b.status]).toEqual([a.value, a.status]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses what it does not interpret', () => {
    const m = (config: Any) => () => mote.setup({}).createMachine(config);
    expect(m({ type: 'parallel', states: { a: {}, b: {} } })).toThrow(/parallel/);
    expect(m({ initial: 'a', states: { a: { invoke: { src: 'x' } } } })).toThrow(/invoke/);
    expect(m({ initial: 'a', states: { a: { type: 'history' } } })).toThrow(/history/);
    expect(m({ initial: 'a', on: { 'a.*': '.a' }, states: { a: {} } })).toThrow(/a\.\*/);
    expect(m({ initial: 'a', output: 1, states: { a: {} } })).toThrow(/output/);
    expect(m({ initial: 'b', states: { a: {} } })).toThrow(/initial/);
    expect(m({ initial: 'a', states: { a: { on: { X: '#nowhere' } } } })).toThrow(/nowhere/);
  });

  it('is small: ~3 KiB gzipped when minified', async () => {
    const r = await esbuild.build({
      entryPoints: [SHIM],
      bundle: true,
      format: 'esm',
      target: 'es2020',
      minify: true,
      write: false,
    });
    expect(gzipSync(r.outputFiles[0]!.contents, { level: 9 }).length).toBeLessThan(3.25 * 1024);
  });
});

// ---- the IKE SA machine in two complete hosts -----------------------------------------------

type IkeCommand =
  | { advance: number }
  | { client: 'rekeyChild' | 'rekeyIke' | 'deleteChild' | 'terminate' | 'dpd' | 'initiate' }
  | { gateway: 'rekeyChild' | 'rekeyIke' | 'terminate' };

/** A run of two hosts; what went over the network, when, and each IKE SA's state after each command. */
function ikeRun(withShim: boolean, seed: string, loss: number, fragment: boolean, commands: IkeCommand[]) {
  shim.on = withShim;
  try {
    const w = twoHosts({
      seed,
      network: { loss },
      ...(fragment ? { daemon: { fragment_size: 160 } } : {}),
    });
    const log: string[] = [];
    w.net.onSend = (d) =>
      log.push(`${w.clock.now()} ${d.local.address}>${d.remote.address} ${toHex(d.data)}`);
    const states = () =>
      [w.client, w.gateway]
        .map((h) =>
          h.supervisor.ikeSas
            .map((sa) => {
              const s = sa.actor.getSnapshot() as Any;
              return `${sa.state} ${JSON.stringify(s.value)} ${s.status} ${JSON.stringify(s.context.stats)}`;
            })
            .join(', '),
        )
        .join(' | ');
    w.client.supervisor.initiate('gw', 'net');
    for (const c of commands) {
      if ('advance' in c) w.clock.advance(c.advance);
      else if ('client' in c) {
        const s = w.client.supervisor;
        if (c.client === 'initiate') s.initiate('gw', 'net');
        else if (c.client === 'dpd') s.task('gw', { kind: 'dpd' });
        else if (c.client === 'rekeyChild' || c.client === 'deleteChild') s[c.client]('net');
        else s[c.client]('gw');
      } else {
        const s = w.gateway.supervisor;
        if (c.gateway === 'rekeyChild') s.rekeyChild('net');
        else s[c.gateway]('rw');
      }
      log.push(states());
    }
    w.clock.advance(120_000);
    log.push(states());
    return log;
  } finally {
    shim.on = false;
  }
}

const ikeCommand: fc.Arbitrary<IkeCommand> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 20_000 }).map((advance) => ({ advance })) },
  {
    weight: 3,
    arbitrary: fc
      .constantFrom('rekeyChild', 'rekeyIke', 'deleteChild', 'terminate', 'dpd', 'initiate')
      .map((client) => ({ client }) as IkeCommand),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('rekeyChild', 'rekeyIke', 'terminate')
      .map((gateway) => ({ gateway }) as IkeCommand),
  },
);

describe('the IKE SA and Child SA machines built on mote-xstate', () => {
  it('are built without xstate', () => {
    expect(built.inputs.some((p) => p.includes('node_modules/xstate'))).toBe(false);
    expect(built.inputs).toContain('targets/wismote/mote-xstate.ts');
    expect(built.ikeSaMachine.__xstatenode).toBeUndefined();
  });

  it('two hosts: the same datagrams at the same times and the same IKE SA states as on xstate', () => {
    const runsBefore = shim.runs;
    const a = ikeRun(false, 'mx-plain', 0, false, [
      { advance: 1000 },
      { client: 'rekeyChild' },
      { advance: 1000 },
    ]);
    const b = ikeRun(true, 'mx-plain', 0, false, [
      { advance: 1000 },
      { client: 'rekeyChild' },
      { advance: 1000 },
    ]);
    expect(shim.runs).toBeGreaterThan(runsBefore);
    expect(a.join('\n')).toContain('ESTABLISHED');
    expect(b).toEqual(a);
  });

  it('over random commands, loss and fragmentation', () => {
    const seen = { established: 0, fragmented: 0, rekeyed: 0 };
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 6 }),
        fc.constantFrom(0, 0, 0.1, 0.3),
        fc.boolean(),
        fc.array(ikeCommand, { maxLength: 10 }),
        (seed, loss, fragment, commands) => {
          const real = ikeRun(false, seed, loss, fragment, commands);
          expect(ikeRun(true, seed, loss, fragment, commands)).toEqual(real);
          const text = real.join('\n');
          if (text.includes('ESTABLISHED')) seen.established++;
          if (fragment && text.includes('ESTABLISHED')) seen.fragmented++;
          if (text.includes('requesting')) seen.rekeyed++;
        },
      ),
      { numRuns: 40 },
    );
    expect(seen.established).toBeGreaterThan(10);
    expect(seen.fragmented).toBeGreaterThan(2);
    expect(seen.rekeyed).toBeGreaterThan(2);
  }, 120_000);
});
