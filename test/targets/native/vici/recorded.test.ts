/**
 * Recorded VICI exchanges between strongSwan's swanctl 5.9.8 and charon 5.9.8
 * (test/fixtures/vici/, made by test/interop/vici.test.ts with VICI_RECORD=1 through the proxy
 * of test/support/vici-recorder.ts): every packet decodes with packet.ts / message.ts and
 * re-encodes to the very same octets, the stream reader cuts them the same way whatever the
 * chunking, and the layouts are the ones our server sends: the version keys, the list-sa
 * event's IKE and Child SA keys (commands/sa-sections.ts) and the control-log event's keys
 * (commands/sa.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ViciSection, viciPlain } from '../../../../targets/native/vici/message.js';
import {
  decodePacket,
  encodeFrame,
  type ViciPacket,
  ViciSegmentReader,
} from '../../../../targets/native/vici/packet.js';
import { parseViciFixture, splitFrames } from '../../../support/vici-recorder.js';

const FIXTURES = join(import.meta.dirname, '..', '..', '..', '..', 'test', 'fixtures', 'vici');
const EXCHANGES = ['version', 'list-sas', 'initiate'] as const;
type Exchange = (typeof EXCHANGES)[number];

const stream = (name: Exchange, dir: 'request' | 'response') =>
  parseViciFixture(readFileSync(join(FIXTURES, `${name}.${dir}.hex`), 'utf8'));

function packets(bytes: Uint8Array): ViciPacket[] {
  return splitFrames(bytes).map((f) => {
    const p = decodePacket(f.subarray(4));
    if (!p.ok) throw new Error(`recorded packet does not decode: ${p.error.message}`);
    return p.value;
  });
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const message = (p: ViciPacket): ViciSection => {
  if (!('message' in p)) throw new Error(`${p.type} carries no message`);
  return p.message;
};
// biome-ignore lint/suspicious/noExplicitAny: assertions walk the tree by key
type Tree = Record<string, any>;

/**
 * The keys commands/sa-sections.ts writes, in its order (ikeSaKeys + child-sas, childSaSection),
 * when all of them have a value. charon 5.9.8's list_ike / list_child may send more in other
 * setups (remote-eap-id, remote-xauth-id, if-id-in/-out, reauth-time, local-/remote-vips,
 * tasks-queued/-active/-passive; cpi-in/-out, mark-*, if-id-*, label, integ-keysize,
 * prf-alg): none of those is in these recordings.
 */
const OUR_IKE_KEYS = [
  'uniqueid',
  'version',
  'state',
  'local-host',
  'local-port',
  'local-id',
  'remote-host',
  'remote-port',
  'remote-id',
  'initiator',
  'initiator-spi',
  'responder-spi',
  'nat-local',
  'nat-remote',
  'nat-fake',
  'nat-any',
  'encr-alg',
  'encr-keysize',
  'integ-alg',
  'prf-alg',
  'dh-group',
  'established',
  'rekey-time',
  'child-sas',
];
const OUR_CHILD_KEYS = [
  'name',
  'uniqueid',
  'reqid',
  'state',
  'mode',
  'protocol',
  'encap',
  'spi-in',
  'spi-out',
  'encr-alg',
  'encr-keysize',
  'integ-alg',
  'dh-group',
  'esn',
  'bytes-in',
  'packets-in',
  'use-in',
  'bytes-out',
  'packets-out',
  'use-out',
  'rekey-time',
  'life-time',
  'install-time',
  'local-ts',
  'remote-ts',
];
/** commands/sa.ts ControlLog: the keys of a control-log event, in order. */
const CONTROL_LOG_KEYS = ['group', 'level', 'ikesa-name', 'ikesa-uniqueid', 'msg'];

/** `keys` in the order `ours` has them (every one of them must be there). */
const inOurOrder = (keys: readonly string[], ours: readonly string[]) =>
  [...keys].sort((a, b) => ours.indexOf(a) - ours.indexOf(b));

describe('recorded swanctl <-> charon 5.9.8 exchanges (test/fixtures/vici)', () => {
  for (const name of EXCHANGES)
    for (const dir of ['request', 'response'] as const)
      it(`${name}.${dir}: every packet decodes and re-encodes to the same octets`, () => {
        const bytes = stream(name, dir);
        const frames = splitFrames(bytes);
        expect(frames.length).toBeGreaterThan(0);
        for (const f of frames) {
          const p = decodePacket(f.subarray(4));
          expect(p.ok).toBe(true);
          if (p.ok) expect(hex(encodeFrame(p.value))).toBe(hex(f));
        }
        // the stream reader gives the same segments, in chunks of 1, 7 and 4096 octets
        for (const size of [1, 7, 4096]) {
          const reader = new ViciSegmentReader();
          const got: Uint8Array[] = [];
          for (let i = 0; i < bytes.length; i += size) {
            const r = reader.push(bytes.subarray(i, i + size));
            if (!r.ok) throw new Error(r.error.message);
            got.push(...r.value);
          }
          expect(reader.pending).toBe(0);
          expect(got.map(hex)).toEqual(frames.map((f) => hex(f.subarray(4))));
        }
      });

  it('version: one request, a response with daemon, version, sysname, release, machine', () => {
    expect(packets(stream('version', 'request'))).toEqual([
      { type: 'cmd-request', name: 'version', message: new Map() },
    ]);
    const [res, ...more] = packets(stream('version', 'response'));
    expect(more).toEqual([]);
    expect(res!.type).toBe('cmd-response');
    const v = viciPlain(message(res!));
    // the keys, in charon's order: commands/core.ts sends the same ones in the same order
    expect(Object.keys(v)).toEqual(['daemon', 'version', 'sysname', 'release', 'machine']);
    expect(v).toMatchObject({ daemon: 'charon', version: '5.9.8', sysname: 'Linux' });
  });

  it('list-sas: register list-sa, the command, one list-sa event per IKE SA, then the response', () => {
    expect(packets(stream('list-sas', 'request'))).toEqual([
      { type: 'event-register', name: 'list-sa' },
      { type: 'cmd-request', name: 'list-sas', message: new Map() },
    ]);
    const res = packets(stream('list-sas', 'response'));
    expect(res.map((p) => [p.type, 'name' in p ? p.name : undefined])).toEqual([
      ['event-confirm', undefined],
      ['event', 'list-sa'],
      ['cmd-response', undefined],
    ]);
    expect(viciPlain(message(res[2]!))).toEqual({});
    const event = viciPlain(message(res[1]!)) as Tree;
    expect(Object.keys(event)).toEqual(['email']);
    const ike = event.email as Tree;
    // every key charon sent we send too, and in the same order
    const ikeKeys = Object.keys(ike);
    expect(ikeKeys.filter((k) => !OUR_IKE_KEYS.includes(k))).toEqual([]);
    expect(inOurOrder(ikeKeys, OUR_IKE_KEYS)).toEqual(ikeKeys);
    expect(ike).toMatchObject({
      version: '2',
      state: 'ESTABLISHED',
      'local-host': '10.99.0.2',
      'remote-host': '10.99.0.1',
      'local-port': '4500',
      'encr-alg': 'AES_CBC',
      'encr-keysize': '128',
      'integ-alg': 'HMAC_SHA2_256_128',
      'prf-alg': 'PRF_HMAC_SHA2_256',
      'dh-group': 'CURVE_25519',
    });
    expect(ike['initiator-spi']).toMatch(/^[0-9a-f]{16}$/);
    // flags are only sent when set; charon was the responder here
    expect(ike.initiator).toBeUndefined();
    const children = ike['child-sas'] as Tree;
    // child sections are keyed <name>-<uniqueid>, with a name key (sa-sections.ts childKey)
    expect(Object.keys(children)).toEqual([`net-${children[Object.keys(children)[0]!].uniqueid}`]);
    const child = Object.values(children)[0] as Tree;
    const childKeys = Object.keys(child);
    expect(childKeys.filter((k) => !OUR_CHILD_KEYS.includes(k))).toEqual([]);
    expect(inOurOrder(childKeys, OUR_CHILD_KEYS)).toEqual(childKeys);
    expect(child).toMatchObject({
      name: 'net',
      state: 'INSTALLED',
      mode: 'TUNNEL',
      protocol: 'ESP',
      encap: 'yes',
      'local-ts': ['10.99.1.0/24'],
      'remote-ts': ['10.99.2.0/24'],
    });
    expect(child['spi-in']).toMatch(/^[0-9a-f]{8}$/);
  });

  it('initiate: register control-log, the command, control-log events, then success', () => {
    expect(packets(stream('initiate', 'request'))).toEqual([
      { type: 'event-register', name: 'control-log' },
      {
        type: 'cmd-request',
        name: 'initiate',
        message: new Map([
          ['child', new TextEncoder().encode('net')],
          ['ike', new TextEncoder().encode('email')],
          ['timeout', new TextEncoder().encode('20000')],
          ['loglevel', new TextEncoder().encode('1')],
        ]),
      },
    ]);
    const res = packets(stream('initiate', 'response'));
    expect(res[0]).toEqual({ type: 'event-confirm' });
    expect(viciPlain(message(res.at(-1)!))).toEqual({ success: 'yes' });
    const logs = res.slice(1, -1).map((p) => {
      expect(p).toMatchObject({ type: 'event', name: 'control-log' });
      return viciPlain(message(p)) as Tree;
    });
    // the keys of ours (commands/sa.ts ControlLog), in the same order
    for (const l of logs) expect(Object.keys(l)).toEqual(CONTROL_LOG_KEYS);
    // swanctl --loglevel 1: charon streams its level 0 and 1 lines; the level 0 ones are those
    // our daemon sends (the level 1 ones are charon's own ENC/NET/CFG details)
    const level0 = logs.filter((l) => l.level === '0').map((l) => [l.group, l.msg.replace(/\d+/g, 'N')]);
    expect(level0).toEqual([
      ['IKE', 'initiating IKE_SA email[N] to N.N.N.N'],
      ['IKE', 'establishing CHILD_SA net{N}'],
      ['IKE', 'IKE_SA email[N] established between N.N.N.N[bob@example.org]...N.N.N.N[alice@example.org]'],
      [
        'IKE',
        expect.stringMatching(
          /^CHILD_SA net\{N\} established with SPIs [0-9a-fN]+_i [0-9a-fN]+_o and TS N\.N\.N\.N\/N === N\.N\.N\.N\/N$/,
        ),
      ],
    ]);
    expect(new Set(logs.map((l) => l.group))).toEqual(new Set(['IKE', 'ENC', 'NET', 'CFG']));
    expect(logs.every((l) => l['ikesa-name'] === 'email' && /^\d+$/.test(l['ikesa-uniqueid']))).toBe(true);
  });
});
