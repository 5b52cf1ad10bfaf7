/**
 * classify.ts: what a datagram on the mesh carries (the IKE exchange from the IKE header, ESP,
 * other) and which mote it belongs to, as the radio transport tags frames.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addNonEspMarker, natKeepalive } from '../../../ipsec/esp/udp-encap.js';
import { ExchangeType, HeaderFlag } from '../../../ipsec/ike/wire/constants.js';
import { encodeMessage } from '../../../ipsec/ike/wire/message.js';
import {
  type Category,
  categoryOf,
  IKE_CATEGORIES,
  ikeInfo,
  meshTagger,
  parseTag,
  shortOf,
} from '../../../targets/wismote/classify.js';
import { meshAddress } from '../../../targets/wismote/profile.js';

const ike = (exchangeType: number, response: boolean) =>
  encodeMessage({
    header: {
      spiI: new Uint8Array(8).fill(1),
      spiR: new Uint8Array(8),
      majorVersion: 2,
      minorVersion: 0,
      exchangeType,
      flags: response ? HeaderFlag.R : HeaderFlag.I,
      messageId: 0,
    },
    payloads: [],
  });

/** An ESP packet in UDP: SPI | sequence | some ciphertext. */
const esp = Uint8Array.of(0x00, 0x00, 0x10, 0x01, 0, 0, 0, 1, 0xaa, 0xbb, 0xcc, 0xdd);

const EXCHANGES: [number, Category][] = [
  [ExchangeType.IKE_SA_INIT, 'IKE_SA_INIT'],
  [ExchangeType.IKE_AUTH, 'IKE_AUTH'],
  [ExchangeType.CREATE_CHILD_SA, 'CREATE_CHILD_SA'],
  [ExchangeType.INFORMATIONAL, 'INFORMATIONAL'],
];

const GW = { address: meshAddress(1), port: 500 };
const MOTE = { address: meshAddress(7), port: 500 };
const GW_NATT = { address: meshAddress(1), port: 4500 };
const MOTE_NATT = { address: meshAddress(7), port: 4500 };

describe('ikeInfo', () => {
  it.each(EXCHANGES)(
    'exchange type %i is %s, request and response, on 500 and on 4500 with the marker',
    (t, name) => {
      for (const response of [false, true]) {
        const m = ike(t, response);
        expect(m[18]).toBe(t);
        expect(ikeInfo(m, 500)).toEqual({ category: name, response, length: m.length });
        expect(ikeInfo(addNonEspMarker(m), 4500)).toEqual({ category: name, response, length: m.length });
      }
    },
  );

  it('reads the Response flag (0x20) of octet 19 only', () => {
    const m = ike(ExchangeType.IKE_AUTH, false);
    for (const flags of [0x00, 0x08, 0x10, 0x18, 0xdf]) {
      m[19] = flags;
      expect(ikeInfo(m, 500)?.response).toBe(false);
      m[19] = flags | 0x20;
      expect(ikeInfo(m, 500)?.response).toBe(true);
    }
  });

  it('an unknown exchange type is other', () => {
    expect(ikeInfo(ike(99, false), 500)?.category).toBe('other');
  });

  it('nothing for ESP on 4500, a NAT keepalive, IKE without the marker on 4500, or fewer than 28 octets', () => {
    expect(ikeInfo(esp, 4500)).toBeUndefined();
    expect(ikeInfo(natKeepalive(), 4500)).toBeUndefined();
    expect(ikeInfo(Uint8Array.of(0, 0, 0, 0), 4500)).toBeUndefined(); // a marker and nothing
    expect(ikeInfo(ike(ExchangeType.IKE_AUTH, false), 4500)).toBeUndefined(); // SPI i is not zero: ESP
    expect(ikeInfo(new Uint8Array(27), 500)).toBeUndefined();
    expect(ikeInfo(addNonEspMarker(new Uint8Array(27)), 4500)).toBeUndefined();
    expect(ikeInfo(new Uint8Array(0), 500)).toBeUndefined();
    expect(ikeInfo(Uint8Array.of(1, 2), 4500)).toBeUndefined();
  });

  it('fuzz: never throws; IKE on 500 is anything of 28 octets or more', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.constantFrom(500, 4500), (b, port) => {
        const i = ikeInfo(b, port);
        if (port === 500) expect(i !== undefined).toBe(b.length >= 28);
        if (i) expect(IKE_CATEGORIES.includes(i.category) || i.category === 'other').toBe(true);
      }),
      { seed: 7296 },
    );
  });
});

describe('categoryOf', () => {
  it('IKE on 500 either way, IKE with the marker on 4500, ESP on 4500, a keepalive and garbage', () => {
    expect(categoryOf(ike(ExchangeType.IKE_SA_INIT, false), MOTE, GW)).toBe('IKE_SA_INIT');
    expect(categoryOf(ike(ExchangeType.IKE_SA_INIT, true), GW, MOTE)).toBe('IKE_SA_INIT');
    expect(categoryOf(addNonEspMarker(ike(ExchangeType.INFORMATIONAL, false)), MOTE_NATT, GW_NATT)).toBe(
      'INFORMATIONAL',
    );
    expect(categoryOf(esp, MOTE_NATT, GW_NATT)).toBe('ESP');
    expect(categoryOf(esp, GW_NATT, MOTE_NATT)).toBe('ESP');
    expect(categoryOf(natKeepalive(), MOTE_NATT, GW_NATT)).toBe('other');
    expect(categoryOf(Uint8Array.of(1, 2, 3), MOTE_NATT, GW_NATT)).toBe('other');
    expect(categoryOf(Uint8Array.of(1, 2, 3), MOTE, GW)).toBe('other');
    // From port 500 to another port (a reply to a floated peer): still read as IKE on 500.
    expect(categoryOf(ike(ExchangeType.IKE_AUTH, true), GW, { ...MOTE, port: 1234 })).toBe('IKE_AUTH');
  });
});

describe('meshTagger', () => {
  const tag = meshTagger(1);

  it('names the mote that is not the gateway, with |i or |r for IKE', () => {
    expect(tag(ike(ExchangeType.IKE_AUTH, false), MOTE, GW)).toBe('7|IKE_AUTH|i');
    expect(tag(ike(ExchangeType.IKE_AUTH, true), GW, MOTE)).toBe('7|IKE_AUTH|r');
    expect(tag(addNonEspMarker(ike(ExchangeType.CREATE_CHILD_SA, true)), GW_NATT, MOTE_NATT)).toBe(
      '7|CREATE_CHILD_SA|r',
    );
    expect(tag(esp, MOTE_NATT, GW_NATT)).toBe('7|ESP');
    expect(tag(esp, GW_NATT, MOTE_NATT)).toBe('7|ESP');
    expect(tag(natKeepalive(), GW_NATT, MOTE_NATT)).toBe('7|other');
    expect(tag(Uint8Array.of(9), MOTE, GW)).toBe('7|other');
  });

  it("a datagram between two motes is the sender's; an address that does not parse is mote 0", () => {
    const other = { address: meshAddress(0x1234), port: 500 };
    expect(tag(ike(ExchangeType.IKE_SA_INIT, false), MOTE, other)).toBe('7|IKE_SA_INIT|i');
    expect(tag(esp, { address: 'not-an-address', port: 4500 }, GW_NATT)).toBe('0|ESP');
  });

  it('another gateway address', () => {
    expect(meshTagger(7)(ike(ExchangeType.IKE_SA_INIT, true), MOTE, GW)).toBe('1|IKE_SA_INIT|r');
  });

  it('property: the tag parses back to the mote, the category and the direction', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 0xfffe }),
        fc.constantFrom(...EXCHANGES),
        fc.boolean(),
        fc.boolean(),
        (short, [type, name], response, fromGateway) => {
          const mote = { address: meshAddress(short), port: 500 };
          const [from, to] = fromGateway ? [GW, mote] : [mote, GW];
          const t = tag(ike(type, response), from, to);
          expect(parseTag({ tag: t })).toEqual({ mote: short, category: name, response });
        },
      ),
      { seed: 15 },
    );
  });
});

describe('parseTag and shortOf', () => {
  it('splits tags; a frame without one is other of mote 0', () => {
    expect(parseTag({ tag: '2|IKE_AUTH|i' })).toEqual({ mote: 2, category: 'IKE_AUTH', response: false });
    expect(parseTag({ tag: '2|IKE_AUTH|r' })).toEqual({ mote: 2, category: 'IKE_AUTH', response: true });
    expect(parseTag({ tag: '17|ESP' })).toEqual({ mote: 17, category: 'ESP' });
    expect(parseTag({})).toEqual({ mote: 0, category: 'other' });
    expect(parseTag({ tag: 'x|other' })).toEqual({ mote: 0, category: 'other' });
  });

  it('property: round trip of `mote|category[|i|r]`', () => {
    const categories: Category[] = [...IKE_CATEGORIES, 'ESP', 'other'];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff }),
        fc.constantFrom(...categories),
        fc.option(fc.boolean(), { nil: undefined }),
        (mote, category, response) => {
          const t = `${mote}|${category}${response === undefined ? '' : response ? '|r' : '|i'}`;
          expect(parseTag({ tag: t })).toEqual({
            mote,
            category,
            ...(response !== undefined ? { response } : {}),
          });
        },
      ),
      { seed: 4 },
    );
  });

  it('shortOf: the last 16 bits of a mesh address', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 0xfffe }), (s) => {
        expect(shortOf(meshAddress(s))).toBe(s);
      }),
      { seed: 2 },
    );
    expect(shortOf('fd00::abcd')).toBe(0xabcd);
    expect(shortOf('nonsense')).toBeUndefined();
  });
});
