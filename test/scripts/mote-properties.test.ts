/**
 * The firmware's property renaming (scripts/mote-properties.mjs, in build-mote.mjs minifyMote):
 * a property reached only by its name in the code is renamed; one reached by a name held as data
 * (a string anywhere in the bundle), one of the host boundary, or one of JavaScript's own keeps
 * its name; the renamed code computes what the original did. The whole firmware, renamed, is
 * held to the Node runtime's report by test/targets/wismote/quickjs-runtime.test.ts.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

interface Build {
  minifyMote(code: string): Promise<{ code: Uint8Array }>;
}
interface Properties {
  wordsOfStrings(code: string): Set<string>;
  boundaryNames(root: string): Set<string>;
  jsBuiltinNames(): Set<string>;
  enumeratedKeys(code: string): Set<string>;
  keptProperties(code: string, root: string): string[];
}
const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const load = async <T>(name: string): Promise<T> => (await import(join(root, 'scripts', name))) as T;

/**
 * Minifies and runs a script that sets `out.value`, given a host object `caps` with a method of
 * the boundary (`radioSend`); returns that value.
 */
async function renamedRun(source: string): Promise<{ code: string; value: unknown }> {
  const { minifyMote } = await load<Build>('build-mote.mjs');
  const code = Buffer.from((await minifyMote(source)).code).toString('utf8');
  const out: { value?: unknown } = {};
  new Function('out', 'caps', code)(out, { radioSend: (n: number) => n * 2 });
  return { code, value: out.value };
}

describe('the firmware property renaming', () => {
  it('renames what the code names with the strings that name it; keeps the boundary, JavaScript and texts', async () => {
    const source = `out.value = (() => {
      const machine = { on: { RETRANSMIT: { target: 'waiting' } }, states: { waiting: { done: 7 } } };
      const live = Date.now() > 0; // what the minifier cannot fold: names held as data at run time
      const event = { type: live ? 'RETRANSMIT' : '', suite: live ? 'ccm8-x25519' : '' };
      const suites = { seed: 1, 'ccm8-x25519': 2 };
      const counters = { longInternalCounterName: 0, unexpected: 0 };
      for (const reason of ['unexpected', 'unexpected']) counters[reason]++;
      counters.longInternalCounterName += 5;
      const kinds = { function: 'f', functional: 'g' };
      const path = live ? '#machine.waiting' : '';
      return [machine.states[machine.on[event.type].target].done, counters.unexpected, counters.longInternalCounterName,
        caps.radioSend(21), [3, 1, 2].map((x) => x).sort().length, Object.keys(suites).length,
        suites[event.suite], kinds[typeof caps.radioSend], kinds.functional,
        machine.states[path.split('.')[1]].done];
    })()`;
    const { code, value } = await renamedRun(source);
    expect(value).toEqual([7, 2, 5, 42, 3, 2, 2, 'f', 'g', 7]);
    // names held as data go with their properties: event types, state names and paths, reasons
    for (const renamed of [
      'longInternalCounterName',
      'target',
      'RETRANSMIT',
      'unexpected',
      'waiting',
      'functional',
    ])
      expect(code).not.toContain(renamed);
    // the boundary, JavaScript's names and typeof's answers, enumerated keys, texts
    for (const kept of ['radioSend', 'sort', 'length', 'function', 'seed', 'ccm8-x25519'])
      expect(code).toContain(kept);
  });

  it('refuses a bundle that parses JSON, whose keys no string of the bundle names', async () => {
    const { keptProperties } = await load<Properties>('mote-properties.mjs');
    expect(() => keptProperties('const o = JSON.parse(\'{"a":1}\'); o.a;', root)).toThrow(/JSON\.parse/);
  });

  it('keeps every string and template text, whole and cut at its dots, not at its other signs', async () => {
    const { wordsOfStrings } = await load<Properties>('mote-properties.mjs');
    const source = 'const a = "queue-full x_1", b = `#ike.established $' + '{a} IKE.SEND`; a in b;';
    const words = wordsOfStrings(source);
    expect([...words].sort()).toEqual([
      ' IKE',
      ' IKE.SEND',
      '#ike',
      '#ike.established ',
      'SEND',
      'established ',
      'ike',
      'queue-full x_1',
    ]);
  });

  it("keeps the host boundary's names: capabilities, options, the mote's methods, suites", async () => {
    const { boundaryNames } = await load<Properties>('mote-properties.mjs');
    const names = boundaryNames(root);
    for (const n of ['createMote', 'radioSend', 'wakeAt', 'tagOf', 'ikeSent', 'stopSampling'])
      expect(names).toContain(n);
    for (const n of ['datagramsFragmented', 'ikeFragmentation', 'macMaxFrameRetries', 'seed'])
      expect(names).toContain(n);
    // what the host never reads: the Node runtime's view (Mote.host), the entry's own locals
    for (const n of ['supervisor', 'timers', 'caps', 'connections']) expect(names).not.toContain(n);
  });

  it("keeps JavaScript's own names, and the names its protocols read, not the DOM's", async () => {
    const { jsBuiltinNames } = await load<Properties>('mote-properties.mjs');
    const names = jsBuiltinNames();
    // prototypes reached only through others (%TypedArray%, iterators, generators), statics
    for (const n of ['subarray', 'getUint32', 'padStart', 'fromEntries', 'asUintN', 'allSettled'])
      expect(names).toContain(n);
    for (const n of ['next', 'done', 'value', 'then', 'lastIndex', 'groups', 'writable', 'cause'])
      expect(names).toContain(n);
    for (const n of ['getRandomValues', 'encode', 'decode']) expect(names).toContain(n);
    for (const n of ['session', 'target', 'destroy', 'code', 'firstChild']) expect(names).not.toContain(n);
  });

  it('keeps the keys of the tables the code enumerates, which become texts', async () => {
    const { enumeratedKeys } = await load<Properties>('mote-enumerated.mjs');
    const source = `out.value = (() => {
      const Errors = { INVALID_SYNTAX: 7 }, Status = { COOKIE: 16390 };
      const Notify = { ...Errors, ...Status };
      const Exchange = { IKE_SA_INIT: 34 }, Counters = { retransmitsSent: 0 }, Unread = { neverListed: 1 };
      function nameLookup(table, prefix) {
        const names = new Map(Object.entries(table).map(([k, v]) => [v, k]));
        return (v) => names.get(v) ?? prefix + '(' + v + ')';
      }
      const exchangeName = nameLookup(Exchange, 'EXCHANGE'), notifyName = nameLookup(Notify, 'NOTIFY');
      const shadow = (Exchange) => Exchange.localOnly;
      for (const k in Counters) Counters[k]++;
      return [exchangeName(34), notifyName(16390), notifyName(7), exchangeName(1), Unread.neverListed,
        shadow({ localOnly: 2 }), Counters.retransmitsSent];
    })()`;
    expect([...enumeratedKeys(source)].sort()).toEqual([
      'COOKIE',
      'IKE_SA_INIT',
      'INVALID_SYNTAX',
      'retransmitsSent',
    ]);
    const { code, value } = await renamedRun(source);
    expect(value).toEqual(['IKE_SA_INIT', 'COOKIE', 'INVALID_SYNTAX', 'EXCHANGE(1)', 1, 2, 1]);
    for (const renamed of ['neverListed', 'localOnly']) expect(code).not.toContain(renamed);
  });

  it("keeps the firmware's IKE payload and exchange names, which its wire errors print", async () => {
    const { moteBuildOptions } = await load<{ moteBuildOptions(min: boolean, o: object): object }>(
      'build-mote.mjs',
    );
    const { enumeratedKeys } = await load<Properties>('mote-enumerated.mjs');
    const esbuild = await import('esbuild');
    const built = await esbuild.build({ ...moteBuildOptions(true, { suite: 'seed' }), write: false });
    const keys = enumeratedKeys(Buffer.from(built.outputFiles?.[0]?.contents ?? []).toString('utf8'));
    for (const name of ['IKE_SA_INIT', 'IKE_AUTH', 'INFORMATIONAL', 'SA', 'KE', 'IDi', 'AUTH', 'TSi', 'SK'])
      expect(keys).toContain(name);
  });
});
