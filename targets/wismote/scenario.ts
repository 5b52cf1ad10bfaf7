/**
 * A YAML scenario for `ikev2 sim --scenario FILE`: the run's settings, node positions, link
 * qualities and timed events. Every key is checked; an unknown key or a bad value is an error
 * naming its path (e.g. `events[2].down: must be a number >= 0`). Example:
 *
 *   seed: demo
 *   motes: 6
 *   topology: line            # star | line | tree
 *   loss: 0.1                 # default frame loss on every link
 *   suite: seed               # seed | ccm8-ecp256 | ccm8-x25519
 *   fragmentation: 6lowpan    # 6lowpan | ike
 *   duration: 600             # seconds
 *   interval: 30              # seconds between readings
 *   nodes:                    # optional positions (metres); 1 is the gateway
 *     - { id: 2, x: 30, y: 0 }
 *   links:                    # optional per-link quality, both ways
 *     - { between: [1, 2], loss: 0.3, duplicate: 0.01, delay: 2 }
 *   events:
 *     - { at: 120, reboot: 3, down: 10 }
 *     - { at: 300, gateway_restart: true, down: 5 }
 */
import { parse as parseYaml } from 'yaml';
import { err, ok, type Result } from '../../ipsec/result.js';
import { isMoteSuite, MOTE_SUITES } from './profile.js';
import {
  type FragmentationStrategy,
  type LinkOverride,
  type NodePlacement,
  SIM_LIMITS,
  type SimEvent,
  type SimOptions,
  type TopologyKind,
} from './sim-options.js';

type Obj = Record<string, unknown>;

class ScenarioError extends Error {}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function fail(path: string, msg: string): never {
  throw new ScenarioError(`${path}: ${msg}`);
}

function only(o: Obj, path: string, keys: readonly string[]): void {
  for (const k of Object.keys(o))
    if (!keys.includes(k)) {
      // A key that is empty or not a plain word is quoted, so the path still shows it.
      const name = /^[\w-]+$/.test(k) ? k : JSON.stringify(k);
      fail(path ? `${path}.${name}` : name, `unknown key (expected one of ${keys.join(', ')})`);
    }
}

function num(v: unknown, path: string, min: number, max = Number.POSITIVE_INFINITY, integer = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v)))
    fail(
      path,
      `must be a ${integer ? 'whole ' : ''}number${max < Infinity ? ` from ${min} to ${max}` : ` >= ${min}`}`,
    );
  return v;
}

function oneOf<T extends string>(v: unknown, path: string, values: readonly T[]): T {
  if (typeof v !== 'string' || !values.includes(v as T)) fail(path, `must be one of ${values.join(', ')}`);
  return v as T;
}

const probability = (v: unknown, path: string) => num(v, path, 0, 1);
const address = (v: unknown, path: string) => num(v, path, 1, 0xfffe, true);

function list(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) fail(path, 'must be a list');
  return v;
}

function placement(v: unknown, path: string): NodePlacement {
  if (!isObj(v)) fail(path, 'must be a mapping { id, x, y }');
  only(v, path, ['id', 'x', 'y']);
  return {
    id: address(v.id, `${path}.id`),
    x: num(v.x, `${path}.x`, -1e6, 1e6),
    y: num(v.y, `${path}.y`, -1e6, 1e6),
  };
}

function link(v: unknown, path: string): LinkOverride {
  if (!isObj(v)) fail(path, 'must be a mapping { between: [a, b], loss, duplicate, delay }');
  only(v, path, ['between', 'loss', 'duplicate', 'delay']);
  const b = list(v.between, `${path}.between`);
  if (b.length !== 2) fail(`${path}.between`, 'must name two nodes');
  const between = [address(b[0], `${path}.between[0]`), address(b[1], `${path}.between[1]`)] as const;
  if (between[0] === between[1]) fail(`${path}.between`, 'must name two different nodes');
  return {
    between,
    ...(v.loss !== undefined ? { loss: probability(v.loss, `${path}.loss`) } : {}),
    ...(v.duplicate !== undefined ? { duplicate: probability(v.duplicate, `${path}.duplicate`) } : {}),
    ...(v.delay !== undefined ? { delayMs: num(v.delay, `${path}.delay`, 0, 60_000) } : {}),
  };
}

function event(v: unknown, path: string): SimEvent {
  if (!isObj(v)) fail(path, 'must be a mapping');
  const atS = num(v.at, `${path}.at`, 0);
  const downS = v.down === undefined ? 0 : num(v.down, `${path}.down`, 0);
  if (v.reboot !== undefined) {
    only(v, path, ['at', 'reboot', 'down']);
    const mote = address(v.reboot, `${path}.reboot`);
    if (mote === 1) fail(`${path}.reboot`, 'node 1 is the gateway: use gateway_restart');
    return { atS, kind: 'reboot', mote, downS };
  }
  if (v.gateway_restart !== undefined) {
    only(v, path, ['at', 'gateway_restart', 'down']);
    if (v.gateway_restart !== true) fail(`${path}.gateway_restart`, 'must be true');
    return { atS, kind: 'gateway-restart', downS };
  }
  return fail(path, 'needs reboot: MOTE or gateway_restart: true');
}

const TOP_KEYS = [
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
] as const;

/** Reads a scenario's settings from an already parsed YAML value. */
export function scenarioFromValue(doc: unknown): Result<Partial<SimOptions>, string> {
  try {
    if (!isObj(doc)) fail('scenario', 'must be a mapping of settings');
    only(doc, '', TOP_KEYS);
    const o: { -readonly [K in keyof SimOptions]?: SimOptions[K] } = {};
    if (doc.seed !== undefined) {
      if (typeof doc.seed !== 'string' && typeof doc.seed !== 'number')
        fail('seed', 'must be a string or number');
      o.seed = String(doc.seed);
    }
    if (doc.motes !== undefined) o.motes = num(doc.motes, 'motes', 1, SIM_LIMITS.maxMotes, true);
    if (doc.loss !== undefined) o.loss = probability(doc.loss, 'loss');
    if (doc.topology !== undefined)
      o.topology = oneOf<TopologyKind>(doc.topology, 'topology', ['star', 'line', 'tree']);
    if (doc.tree_degree !== undefined) o.treeDegree = num(doc.tree_degree, 'tree_degree', 1, 16, true);
    if (doc.suite !== undefined) {
      if (typeof doc.suite !== 'string' || !isMoteSuite(doc.suite))
        fail('suite', `must be one of ${Object.keys(MOTE_SUITES).join(', ')}`);
      o.suite = doc.suite;
    }
    if (doc.fragmentation !== undefined)
      o.fragmentation = oneOf<FragmentationStrategy>(doc.fragmentation, 'fragmentation', ['6lowpan', 'ike']);
    if (doc.duration !== undefined) o.durationS = num(doc.duration, 'duration', 1, SIM_LIMITS.maxDurationS);
    if (doc.interval !== undefined) o.intervalS = num(doc.interval, 'interval', 0.1, 86_400);
    if (doc.boot_spread !== undefined) o.bootSpreadS = num(doc.boot_spread, 'boot_spread', 0, 86_400);
    if (doc.range !== undefined) o.rangeM = num(doc.range, 'range', 1, 1e6);
    if (doc.nodes !== undefined)
      o.placements = list(doc.nodes, 'nodes').map((n, i) => placement(n, `nodes[${i}]`));
    if (doc.links !== undefined) o.links = list(doc.links, 'links').map((l, i) => link(l, `links[${i}]`));
    if (doc.events !== undefined)
      o.events = list(doc.events, 'events').map((e, i) => event(e, `events[${i}]`));
    return ok(o);
  } catch (e) {
    if (e instanceof ScenarioError) return err(e.message);
    throw e;
  }
}

/** Parses a scenario file's text; errors name the file. */
export function parseScenario(text: string, file = 'scenario'): Result<Partial<SimOptions>, string> {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    return err(`${file}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
  const r = scenarioFromValue(doc);
  return r.ok ? r : err(`${file}: ${r.error}`);
}

/** Checks what only the whole run can tell: node ids within the run, events within it. */
export function checkScenario(o: SimOptions): Result<SimOptions, string> {
  const last = o.motes + 1;
  const known = (id: number) => id >= 1 && id <= last;
  for (const [i, p] of o.placements.entries())
    if (!known(p.id))
      return err(`nodes[${i}].id: no node ${p.id} in a run of ${o.motes} motes (ids 1..${last})`);
  for (const [i, l] of o.links.entries())
    for (const id of l.between)
      if (!known(id)) return err(`links[${i}].between: no node ${id} in a run of ${o.motes} motes`);
  for (const [i, e] of o.events.entries()) {
    if (e.atS > o.durationS)
      return err(`events[${i}].at: ${e.atS} s is after the end of the run (${o.durationS} s)`);
    if (e.kind === 'reboot' && !known(e.mote)) return err(`events[${i}].reboot: no mote ${e.mote}`);
  }
  return ok(o);
}
