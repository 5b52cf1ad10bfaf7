/**
 * Fuzzing after the SK payload (issue 18, point 1): two hosts on virtual time are brought to a
 * state (IKE_AUTH pending, established, during a Child SA rekey, an IKE SA rekey, a Delete),
 * then one side (the target) is fed messages that are correctly SK-protected with its peer's
 * real keys and carry the right Message ID (requests: the next one the target expects;
 * responses: its outstanding request's), whose inner payloads are mutated:
 *
 *   - structure-aware: fast-check arbitraries over the payload model (ike-arbitraries.ts and
 *     the hostile ones below) inserted into, replacing or tweaking payloads of template chains
 *     (real messages of our own stack and the strongSwan captures' decrypted SK contents);
 *   - byte-level: the encoded inner chain is flipped, truncated, extended, its Payload Length /
 *     Next Payload / critical fields rewritten, then encrypted.
 *
 * Every input therefore passes the integrity check and reaches the inner chain decoder, the
 * rule tables and the statechart. After each input the invariants are checked (checkWorld):
 * no error escaped an actor (the supervisor's actorErrors counter, its logger, RxJS
 * synchronous error reporting), the answer if any is a well-formed response that passes our
 * own rule tables (an error notify is one of RFC 7296's), a request without an answer was a
 * counted drop, every SAD entry belongs to a Child SA of a live IKE SA (and vice versa), and
 * the IKE SAs, virtual-clock timers and SAD entries stay bounded.
 *
 * Everything is deterministic from the seed: inputs are fc.sample batches seeded per world.
 */
import fc from 'fast-check';
import { config as rxjsConfig } from 'rxjs';
import type { IkeSaHandle } from '../../actors/supervisor.js';
import { openFor } from '../../ipsec/ike/exchange/messages.js';
import { ProtocolId, type TrafficSelector } from '../../ipsec/ike/model.js';
import { configuredProposals } from '../../ipsec/ike/proposal/configured.js';
import { openSk, sealSk, skKeysForMessage } from '../../ipsec/ike/sk.js';
import { decodePayloadChain, encodePayloadChain } from '../../ipsec/ike/wire/chain.js';
import { ExchangeType, PayloadType } from '../../ipsec/ike/wire/constants.js';
import { headerFlags, isInitiator, isResponse } from '../../ipsec/ike/wire/header.js';
import { type DecodedMessage, decodeMessage } from '../../ipsec/ike/wire/message.js';
import { NotifyError, NotifyStatus } from '../../ipsec/ike/wire/notify-types.js';
import type { Payload, WireProposal } from '../../ipsec/ike/wire/payload-types.js';
import { payloadTypeOf } from '../../ipsec/ike/wire/payload-types.js';
import { err, ok, type Result } from '../../ipsec/result.js';
import { fromHex, toHex } from '../../ipsec/util/bytes.js';
import type { Datagram } from '../../transport/types.js';
import { arbPayload } from './ike-arbitraries.js';
import { CLIENT_ADDR } from './ike-peers.js';
import { skPrefix, walkChain } from './ike-walk.js';
import { type Host, ikeContext, ikePhase, twoHosts } from './two-hosts.js';
import { loadStrongswanVectors } from './vectors.js';

// Errors thrown in an RxJS subscriber (the supervisor's datagram subscription) are rethrown
// synchronously to the producer (the virtual clock's delivery), so that an escaping throw is
// pinned to the input that caused it instead of surfacing later from a real timer.
rxjsConfig.useDeprecatedSynchronousErrorHandling = true;

export const FUZZ_STATES = ['auth-pending', 'established', 'child-rekey', 'ike-rekey', 'deleting'] as const;
export type FuzzState = (typeof FUZZ_STATES)[number];
export type FuzzRole = 'initiator' | 'responder';

/** Fast suites: x25519 and AES-GCM for IKE, no PFS for ESP (the fuzzing is not about crypto). */
const IKE_PROPOSALS = ['aes128gcm16-prfsha256-x25519'];
const ESP_PROPOSALS = ['aes128gcm16'];
/** The network's latency (ms): one input is delivered and handled within it. */
const LATENCY = 5;

export type Outcome = 'notify' | 'answered' | 'dropped' | 'changed' | 'ignored';

// ---------------------------------------------------------------------------------------------
// Templates: real inner payload chains, by exchange type and direction.

interface Template {
  readonly exchangeType: number;
  readonly response: boolean;
  readonly payloads: readonly Payload[];
  readonly bytes: Uint8Array;
  readonly firstPayload: number;
}

const templateKey = (exchangeType: number, response: boolean) => `${exchangeType}/${response ? 'r' : 'q'}`;

let templateCache: Map<string, Template[]> | undefined;

/** Inner chains of every exchange of our own stack (both roles) and of the strongSwan captures. */
export function templates(): Map<string, Template[]> {
  if (templateCache) return templateCache;
  const out = new Map<string, Template[]>();
  const add = (exchangeType: number, response: boolean, bytes: Uint8Array, firstPayload: number) => {
    const decoded = decodePayloadChain(firstPayload, bytes);
    if (!decoded.ok) return;
    const key = templateKey(exchangeType, response);
    const list = out.get(key) ?? [];
    list.push({ exchangeType, response, payloads: decoded.value, bytes: bytes.slice(), firstPayload });
    out.set(key, list);
  };
  // strongSwan: the decrypted SK contents recorded with the captures.
  for (const v of loadStrongswanVectors())
    for (const p of v.packets)
      if (p.kind === 'ike' && p.sk?.plaintext_hex && p.exchange_type !== undefined)
        add(p.exchange_type, !!p.response, fromHex(p.sk.plaintext_hex), p.sk.inner_first_payload);
  // Our own stack: a scripted life of one IKE SA, each protected message opened by its receiver.
  const { clock, net, client, gateway } = worldHosts('templates');
  net.onSend = (d) => {
    const receiver = d.local.address === CLIENT_ADDR.address ? client : gateway;
    const m = decodeMessage(d.data);
    if (!m.ok || m.value.header.exchangeType === ExchangeType.IKE_SA_INIT) return;
    const h = m.value.header;
    for (const sa of receiver.supervisor.ikeSas) {
      const s = ikeContext(sa).session;
      if (!s.sk || toHex(s.spiI) !== toHex(h.spiI)) continue;
      const opened = openFor(s, m.value, d.data);
      if (opened.ok)
        add(h.exchangeType, isResponse(h), encodePayloadChain(opened.value), firstType(opened.value));
      return;
    }
  };
  client.supervisor.initiate('gw', 'net');
  clock.advance(1000);
  const steps: ((c: Host, g: Host) => unknown)[] = [
    (c) => c.supervisor.rekeyChild('net'),
    (_c, g) => g.supervisor.rekeyChild('net'),
    (c) => c.supervisor.rekeyIke('gw'),
    (_c, g) => g.supervisor.rekeyIke('rw'),
    (c) => c.supervisor.task('gw', { kind: 'dpd' }),
    (c) => c.supervisor.deleteChild('net'),
    (c) => c.supervisor.createChild('gw', 'net'),
    (_c, g) => g.supervisor.terminate('rw'),
  ];
  for (const step of steps) {
    step(client, gateway);
    clock.advance(1000);
  }
  templateCache = out;
  return out;
}

const firstType = (payloads: readonly Payload[]) => (payloads[0] ? payloadTypeOf(payloads[0]) : 0);

function worldHosts(seed: string) {
  const peer = { proposals: IKE_PROPOSALS, esp_proposals: ESP_PROPOSALS };
  return twoHosts({ seed, client: peer, gateway: peer });
}

// ---------------------------------------------------------------------------------------------
// Inputs: a recipe drawn by fast-check, applied to a world (its SPIs, templates, Message IDs).

const nat = fc.nat();
const P = PayloadType;

/** Notify types the exchange code looks at, and some it does not. */
const NOTIFY_TYPES = [
  ...Object.values(NotifyError),
  ...Object.values(NotifyStatus),
  0,
  9,
  16389,
  16404,
  16405,
  16406,
  16407,
  16408,
  16409,
  16417,
  16418,
  16431,
  40960,
  65535,
];

const oddSpi = fc.oneof(
  fc.uint8Array({ minLength: 4, maxLength: 4 }),
  fc.uint8Array({ minLength: 8, maxLength: 8 }),
  fc.uint8Array({ maxLength: 12 }),
);
const oddProtocol = fc.constantFrom(0, 1, 2, 3, 3, 3, 4, 5, 200, 255);

const arbOddTransform = fc.record(
  {
    type: fc.oneof(fc.integer({ min: 0, max: 6 }), fc.constantFrom(241, 255)),
    id: fc.oneof(fc.constantFrom(0, 1, 3, 5, 12, 14, 19, 20, 31, 1025, 65535), fc.nat(0xffff)),
    keyLength: fc.constantFrom(0, 1, 64, 128, 192, 256, 65535),
  },
  { requiredKeys: ['type', 'id'] },
);

const arbOddProposal: fc.Arbitrary<WireProposal> = fc
  .tuple(
    fc.nat(255),
    oddProtocol,
    oddSpi,
    fc.oneof(
      fc.array(arbOddTransform, { maxLength: 6 }),
      fc.array(arbOddTransform, { minLength: 30, maxLength: 40 }),
    ),
  )
  .map(([num, protocolId, spi, transforms]) => ({ num, protocolId, spi, transforms }));

const arbOddSelector: fc.Arbitrary<TrafficSelector> = fc
  .record({
    tsType: fc.constantFrom(7, 7, 8, 9, 10, 0, 255),
    ipProtocol: fc.constantFrom(0, 1, 6, 17, 50, 255),
    startPort: fc.oneof(fc.constantFrom(0, 65535), fc.nat(0xffff)),
    endPort: fc.oneof(fc.constantFrom(0, 65535), fc.nat(0xffff)),
    n: fc.constantFrom(4, 4, 16, 0, 3, 5, 15, 17),
    a: fc.uint8Array({ minLength: 17, maxLength: 17 }),
    b: fc.uint8Array({ minLength: 17, maxLength: 17 }),
  })
  .map(({ tsType, ipProtocol, startPort, endPort, n, a, b }) => ({
    tsType,
    ipProtocol,
    startPort,
    endPort,
    startAddress: a.slice(0, n),
    endAddress: b.slice(0, n),
  }));

/** Payloads a hostile peer sends: odd SPI sizes and counts, wrong groups, junk AUTH and IDs. */
const arbHostilePayload: fc.Arbitrary<Payload> = fc.oneof(
  fc.record({ type: fc.constant(P.SA), proposals: fc.array(arbOddProposal, { maxLength: 4 }) }),
  fc.record({
    type: fc.constant(P.KE),
    group: fc.constantFrom(0, 1, 2, 14, 19, 21, 31, 32, 1025, 65535),
    data: fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ minLength: 250, maxLength: 600 })),
  }),
  fc.record({
    type: fc.constant(P.N),
    protocolId: oddProtocol,
    spi: oddSpi,
    notifyType: fc.constantFrom(...NOTIFY_TYPES),
    data: fc.oneof(fc.uint8Array({ maxLength: 4 }), fc.uint8Array({ maxLength: 64 })),
  }),
  fc.nat(9).chain((spiSize) =>
    fc.record({
      type: fc.constant(P.D),
      protocolId: oddProtocol,
      spiSize: fc.constant(spiSize),
      spis: fc.oneof(
        fc.array(fc.uint8Array({ minLength: spiSize, maxLength: spiSize }), { maxLength: 3 }),
        fc.array(fc.uint8Array({ minLength: spiSize, maxLength: spiSize }), { minLength: 20, maxLength: 40 }),
      ),
    }),
  ),
  fc.record({
    type: fc.constantFrom(P.TSi, P.TSr),
    selectors: fc.array(arbOddSelector, { maxLength: 12 }),
  }),
  fc.record({
    type: fc.constantFrom(P.IDi, P.IDr),
    idType: fc.constantFrom(0, 1, 2, 3, 4, 5, 9, 10, 11, 12, 255),
    data: fc.oneof(fc.uint8Array({ maxLength: 20 }), fc.uint8Array({ minLength: 200, maxLength: 700 })),
  }),
  fc.record({
    type: fc.constant(P.AUTH),
    method: fc.constantFrom(0, 1, 2, 3, 9, 14, 255),
    data: fc.uint8Array({ maxLength: 300 }),
  }),
  fc.record({ type: fc.constant(P.CERT), encoding: fc.nat(255), data: fc.uint8Array({ maxLength: 300 }) }),
  fc.record({ type: fc.constant(P.NONCE), data: fc.uint8Array({ maxLength: 300 }) }),
) as fc.Arbitrary<Payload>;

const arbAnyPayload = fc.oneof(
  { weight: 3, arbitrary: arbHostilePayload },
  { weight: 2, arbitrary: arbPayload },
  { weight: 2, arbitrary: fc.constant('good-sa' as const) },
  { weight: 1, arbitrary: fc.constant('good-ke' as const) },
);

type NewPayload = Payload | 'good-sa' | 'good-ke';

type StructOp =
  | { readonly op: 'insert'; readonly at: number; readonly p: NewPayload }
  | { readonly op: 'replace'; readonly at: number; readonly p: NewPayload }
  | { readonly op: 'delete'; readonly at: number }
  | { readonly op: 'dup'; readonly at: number }
  | { readonly op: 'swap'; readonly a: number; readonly b: number }
  /** Puts a real SPI of the world (IKE or ESP, ours or the peer's) into a notify / Delete / SA. */
  | { readonly op: 'spi'; readonly at: number; readonly pick: number };

const arbStructOp: fc.Arbitrary<StructOp> = fc.oneof(
  fc.record({ op: fc.constant('insert' as const), at: nat, p: arbAnyPayload }),
  fc.record({ op: fc.constant('replace' as const), at: nat, p: arbAnyPayload }),
  fc.record({ op: fc.constant('delete' as const), at: nat }),
  fc.record({ op: fc.constant('dup' as const), at: nat }),
  fc.record({ op: fc.constant('swap' as const), a: nat, b: nat }),
  fc.record({ op: fc.constant('spi' as const), at: nat, pick: nat }),
);

type ByteOp =
  | { readonly op: 'flip'; readonly at: number; readonly bit: number }
  | { readonly op: 'set'; readonly at: number; readonly value: number }
  | { readonly op: 'truncate'; readonly at: number }
  | { readonly op: 'extend'; readonly bytes: Uint8Array }
  /** Payload Length of the n-th payload: a delta or a value. */
  | { readonly op: 'length'; readonly which: number; readonly delta: number }
  | { readonly op: 'next'; readonly which: number; readonly value: number }
  | { readonly op: 'critical'; readonly which: number }
  | { readonly op: 'first'; readonly value: number };

const arbByteOp: fc.Arbitrary<ByteOp> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: nat, bit: fc.nat(7) }),
  fc.record({ op: fc.constant('set' as const), at: nat, value: fc.constantFrom(0, 1, 0x7f, 0x80, 0xff) }),
  fc.record({ op: fc.constant('truncate' as const), at: nat }),
  fc.record({ op: fc.constant('extend' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
  fc.record({
    op: fc.constant('length' as const),
    which: nat,
    delta: fc.oneof(fc.integer({ min: -8, max: 8 }), fc.constantFrom(-65536, 65535)),
  }),
  fc.record({
    op: fc.constant('next' as const),
    which: nat,
    value: fc.oneof(fc.integer({ min: 33, max: 54 }), fc.nat(255)),
  }),
  fc.record({ op: fc.constant('critical' as const), which: nat }),
  fc.record({
    op: fc.constant('first' as const),
    value: fc.oneof(fc.integer({ min: 33, max: 54 }), fc.nat(255)),
  }),
);

export interface Recipe {
  /** A response (to the target's outstanding request) when there is one, else a request. */
  readonly response: boolean;
  /** Exchange type: usually the expected one (0), sometimes another (1..3) or any (4). */
  readonly exchange: number;
  readonly exchangeAny: number;
  /** 'template' mutates a real chain; 'random' is a chain of arbitrary payloads. */
  readonly base:
    | { readonly base: 'template'; readonly template: number }
    | { readonly base: 'random'; readonly chain: readonly NewPayload[] };
  readonly ops: readonly StructOp[];
  readonly bytes: readonly ByteOp[];
}

export const arbRecipe: fc.Arbitrary<Recipe> = fc.record({
  response: fc.boolean(),
  exchange: fc.oneof(
    { weight: 6, arbitrary: fc.constant(0) },
    { weight: 4, arbitrary: fc.integer({ min: 1, max: 4 }) },
  ),
  exchangeAny: fc.nat(255),
  base: fc.oneof(
    { weight: 4, arbitrary: fc.record({ base: fc.constant('template' as const), template: nat }) },
    fc.record({ base: fc.constant('random' as const), chain: fc.array(arbAnyPayload, { maxLength: 6 }) }),
  ),
  ops: fc.array(arbStructOp, { maxLength: 3 }),
  bytes: fc.oneof(
    { weight: 3, arbitrary: fc.constant([] as ByteOp[]) },
    { weight: 2, arbitrary: fc.array(arbByteOp, { minLength: 1, maxLength: 3 }) },
  ),
});

// ---------------------------------------------------------------------------------------------
// Worlds.

export interface FuzzWorldOptions {
  readonly state: FuzzState;
  readonly role: FuzzRole;
  readonly seed: string;
}

interface SentBy {
  readonly from: 'client' | 'gateway';
  readonly data: Uint8Array;
}

/** Two hosts brought to `state`, the target being the host with IKE role `role`. */
export class FuzzWorld {
  readonly clock;
  readonly net;
  readonly target: Host;
  readonly peer: Host;
  targetSa!: IkeSaHandle;
  peerSa!: IkeSaHandle;
  /** Datagrams sent by the hosts while the current input was handled. */
  readonly sent: SentBy[] = [];
  /** Errors that escaped, by any route (logger, RxJS, listener). */
  readonly errors: string[] = [];
  private open = true;
  private injecting = false;
  /** The IKE_AUTH exchange is held back (auth-pending). */
  private holdAuth = false;
  private readonly names: { client: string; gateway: string } = { client: 'gw', gateway: 'rw' };
  private readonly outstandingTask: () => void;
  /** Fingerprint of the target's SA set and children at the start; a change ends the world. */
  private baseline = '';

  constructor(readonly o: FuzzWorldOptions) {
    const logger = (host: string) => ({
      info: () => {},
      debug: () => {},
      warn: (obj: object, msg: string) => {
        if (msg.includes('actor failed')) this.errors.push(`${host}: ${msg} ${JSON.stringify(obj)}`);
      },
    });
    const peer = { proposals: IKE_PROPOSALS, esp_proposals: ESP_PROPOSALS };
    const { clock, net, client, gateway } = twoHosts({
      seed: o.seed,
      client: peer,
      gateway: peer,
      clientLogger: logger('client'),
      gatewayLogger: logger('gateway'),
    });
    this.clock = clock;
    this.net = net;
    this.target = o.role === 'initiator' ? client : gateway;
    this.peer = o.role === 'initiator' ? gateway : client;
    net.onSend = (d: Datagram) => {
      if (!this.open)
        this.sent.push({
          from: d.remote.address === CLIENT_ADDR.address ? 'client' : 'gateway',
          data: d.data,
        });
    };
    net.filter = (d) => {
      if (this.injecting) return true;
      if (!this.open) return false;
      // §1.2: hold the IKE_AUTH exchange back (both directions) for auth-pending.
      return !(this.holdAuth && d.data.length > 18 && d.data[18] === ExchangeType.IKE_AUTH);
    };
    const targetName = this.target === client ? this.names.client : this.names.gateway;
    this.holdAuth = o.state === 'auth-pending';
    client.supervisor.initiate('gw', 'net');
    clock.advance(o.state === 'auth-pending' ? 40 : 1000);
    this.targetSa = this.target.supervisor.ikeSas[0]!;
    this.peerSa = this.peer.supervisor.ikeSas[0]!;
    if (!this.targetSa || !this.peerSa) throw new Error(`fuzz world ${o.seed}: no IKE SA pair`);
    this.open = false;
    const sup = this.target.supervisor;
    let flip = 0;
    this.outstandingTask = () => {
      switch (o.state) {
        case 'auth-pending':
          return;
        case 'established':
          sup.task(targetName, { kind: 'dpd' });
          return;
        case 'child-rekey':
          sup.rekeyChild('net');
          return;
        case 'ike-rekey':
          sup.rekeyIke(targetName);
          return;
        case 'deleting':
          // a Delete of the Child SA, or of the IKE SA (every other world)
          if ((flip++ + o.seed.length) % 2 === 0) sup.deleteChild('net');
          else sup.terminate(targetName);
      }
    };
    if (o.state !== 'established') this.outstandingTask();
    clock.advance(1);
    this.sent.length = 0;
    this.baseline = this.fingerprint();
  }

  /** The target's IKE SA set, phases and children; a change means the world moved on. */
  fingerprint(): string {
    const sas = this.target.supervisor.ikeSas.map(
      (h) => `${h.uniqueid}:${ikePhase(h)}:${h.children.map((c) => toHex(c.record.spiIn)).join(',')}`,
    );
    return `${sas.join(';')}|${this.peerSa.state}`;
  }

  /** Still the state it was made for: same SAs, same children, the peer's keys alive. */
  get usable(): boolean {
    return (
      this.targetSa.state !== 'DESTROYED' &&
      this.peerSa.state !== 'DESTROYED' &&
      this.fingerprint() === this.baseline
    );
  }

  /** The target's outstanding request, re-queued when the state wants one and it was answered. */
  outstanding(): { messageId: number; exchangeType: number } | undefined {
    const ctx = ikeContext(this.targetSa);
    if (ctx.outstanding) return ctx.outstanding;
    if (this.o.state === 'auth-pending' || this.targetSa.state !== 'ESTABLISHED') return undefined;
    this.outstandingTask();
    return ikeContext(this.targetSa).outstanding;
  }

  /** Real SPIs of this world (IKE SPIs and both ends' ESP SPIs), for mutated notifies and Deletes. */
  spiPool(): Uint8Array[] {
    const pool: Uint8Array[] = [];
    for (const host of [this.target, this.peer])
      for (const h of host.supervisor.ikeSas) {
        const s = ikeContext(h).session;
        pool.push(s.spiI, s.spiR);
        for (const c of h.children) pool.push(c.record.spiIn, c.record.spiOut);
      }
    return pool;
  }

  /** Encrypts `plaintext` (an inner chain whose first payload is `first`) as the peer would, and delivers it. */
  inject(m: {
    exchangeType: number;
    messageId: number;
    response: boolean;
    first: number;
    plaintext: Uint8Array;
  }) {
    const s = ikeContext(this.peerSa).session;
    if (!s.sk) throw new Error('the peer has no keys');
    const initiator = s.role === 'initiator';
    const keys = skKeysForMessage(s.sk, initiator);
    const prefix = skPrefix(
      {
        spiI: s.spiI,
        spiR: s.spiR,
        exchange: m.exchangeType,
        flags: headerFlags({ initiator, response: m.response }),
        messageId: m.messageId,
      },
      m.first,
    );
    const bytes = sealSk(keys, ikeContext(this.peerSa).deps.random, prefix, m.plaintext);
    this.sent.length = 0;
    this.injecting = true;
    try {
      this.peer.transport.send(bytes, this.peerSa.local, this.peerSa.remote);
    } finally {
      this.injecting = false;
    }
    this.clock.advance(LATENCY + 1);
    return bytes;
  }
}

// ---------------------------------------------------------------------------------------------
// Applying a recipe.

const EXCHANGES = [ExchangeType.IKE_AUTH, ExchangeType.CREATE_CHILD_SA, ExchangeType.INFORMATIONAL];

export interface ConcreteInput {
  readonly exchangeType: number;
  readonly messageId: number;
  readonly response: boolean;
  readonly first: number;
  readonly plaintext: Uint8Array;
  readonly mode: 'struct' | 'bytes';
}

function goodSa(response: boolean, exchangeType: number, ike: boolean, spi: Uint8Array): Payload {
  const list = configuredProposals(
    ike ? IKE_PROPOSALS : ESP_PROPOSALS,
    ike ? ProtocolId.IKE : ProtocolId.ESP,
  );
  if (!list.ok) throw new Error('configured proposals');
  const proposals = list.value.map((p) => ({ ...p, spi }));
  void response;
  void exchangeType;
  return { type: P.SA, proposals: response ? proposals.slice(0, 1) : proposals };
}

// The wire codec refuses what RFC 7296 forbids (nonces under 16 octets, ESP SPIs of 8, IPv4
// selectors of 5 octets...): a hostile peer sends them anyway, so such payloads are written here
// field by field (RFC 7296 §3.2-§3.13 layouts), with counts and lengths as the values imply.

const u16be = (n: number) => [(n >> 8) & 0xff, n & 0xff];

function rawBody(p: Payload): number[] {
  switch (p.type) {
    case P.SA:
      return p.proposals.flatMap((pr, i) => {
        const transforms = pr.transforms.flatMap((t, j) => {
          const attrs = t.keyLength !== undefined ? [0x80, 0x0e, ...u16be(t.keyLength)] : [];
          const len = 8 + attrs.length;
          return [
            j === pr.transforms.length - 1 ? 0 : 3,
            0,
            ...u16be(len),
            t.type & 0xff,
            0,
            ...u16be(t.id),
            ...attrs,
          ];
        });
        const len = 8 + pr.spi.length + transforms.length;
        return [
          i === p.proposals.length - 1 ? 0 : 2,
          0,
          ...u16be(len),
          pr.num & 0xff,
          pr.protocolId & 0xff,
          pr.spi.length,
          pr.transforms.length & 0xff,
          ...pr.spi,
          ...transforms,
        ];
      });
    case P.KE:
      return [...u16be(p.group), 0, 0, ...p.data];
    case P.IDi:
    case P.IDr:
      return [p.idType & 0xff, 0, 0, 0, ...p.data];
    case P.CERT:
    case P.CERTREQ:
      return [p.encoding & 0xff, ...p.data];
    case P.AUTH:
      return [p.method & 0xff, 0, 0, 0, ...p.data];
    case P.NONCE:
    case P.V:
    case P.EAP:
      return [...p.data];
    case P.N:
      return [p.protocolId & 0xff, p.spi.length, ...u16be(p.notifyType), ...p.spi, ...p.data];
    case P.D:
      return [
        p.protocolId & 0xff,
        p.spiSize & 0xff,
        ...u16be(p.spis.length),
        ...p.spis.flatMap((s) => [...s]),
      ];
    case P.TSi:
    case P.TSr:
      return [
        p.selectors.length & 0xff,
        0,
        0,
        0,
        ...p.selectors.flatMap((t) => [
          t.tsType & 0xff,
          t.ipProtocol & 0xff,
          ...u16be(8 + t.startAddress.length + t.endAddress.length),
          ...u16be(t.startPort),
          ...u16be(t.endPort),
          ...t.startAddress,
          ...t.endAddress,
        ]),
      ];
    case P.CP:
      return [
        p.cfgType & 0xff,
        0,
        0,
        0,
        ...p.attributes.flatMap((a) => [...u16be(a.attrType & 0x7fff), ...u16be(a.value.length), ...a.value]),
      ];
    case 'unknown':
      return [...p.body];
    default:
      return [];
  }
}

/** One payload with its generic header: by the codec when it takes it, else raw. */
function encodeOne(p: Payload): Uint8Array {
  try {
    return encodePayloadChain([p]);
  } catch {
    const body = rawBody(p);
    const len = 4 + body.length;
    if (len > 0xffff) throw new Error('payload over 64 KiB');
    return Uint8Array.from([0, 0, ...u16be(len), ...body]);
  }
}

/** A chain: each payload's Next Payload names the one after it. */
function encodeChain(payloads: readonly Payload[]): Uint8Array {
  const parts = payloads.map(encodeOne);
  const out = new Uint8Array(parts.reduce((n, b) => n + b.length, 0));
  let at = 0;
  parts.forEach((b, i) => {
    out.set(b, at);
    out[at] = payloads[i + 1] ? payloadTypeOf(payloads[i + 1]!) : 0;
    at += b.length;
  });
  return out;
}

/** The concrete input a recipe makes in `world` (its Message IDs, SPIs, templates). */
export function concretize(world: FuzzWorld, r: Recipe, rng: () => number): ConcreteInput | undefined {
  const out = r.response ? world.outstanding() : undefined;
  const response = out !== undefined;
  const ctx = ikeContext(world.targetSa);
  const expected = response
    ? out.exchangeType
    : world.o.state === 'auth-pending' && world.o.role === 'responder'
      ? ExchangeType.IKE_AUTH
      : rng() < 0.5
        ? ExchangeType.CREATE_CHILD_SA
        : ExchangeType.INFORMATIONAL;
  const exchangeType =
    r.exchange === 0 ? expected : r.exchange === 4 ? r.exchangeAny : EXCHANGES[r.exchange - 1]!;
  const messageId = response ? out.messageId : ctx.peerMessageId;
  const pool = world.spiPool();
  const make = (p: NewPayload): Payload => {
    if (p === 'good-ke')
      return { type: P.KE, group: 31, data: Uint8Array.from({ length: 32 }, () => (rng() * 256) | 0) };
    if (p === 'good-sa') {
      const ike = rng() < 0.4;
      const spi = ike
        ? Uint8Array.from({ length: 8 }, () => (rng() * 256) | 0)
        : pool[(rng() * pool.length) | 0]!;
      return goodSa(response, exchangeType, ike, spi.length === 4 || ike ? spi : spi.subarray(0, 4));
    }
    return p;
  };
  let payloads: Payload[];
  if (r.base.base === 'template') {
    const list =
      templates().get(templateKey(exchangeType, response)) ??
      templates().get(templateKey(expected, response));
    payloads = list?.length ? [...list[r.base.template % list.length]!.payloads] : [];
  } else payloads = r.base.chain.map(make);
  for (const op of r.ops) {
    const n = payloads.length;
    switch (op.op) {
      case 'insert':
        payloads.splice(n === 0 ? 0 : op.at % (n + 1), 0, make(op.p));
        break;
      case 'replace':
        if (n > 0) payloads[op.at % n] = make(op.p);
        else payloads.push(make(op.p));
        break;
      case 'delete':
        if (n > 0) payloads.splice(op.at % n, 1);
        break;
      case 'dup':
        if (n > 0) payloads.splice(op.at % n, 0, payloads[op.at % n]!);
        break;
      case 'swap':
        if (n > 1) {
          const a = op.a % n;
          const b = op.b % n;
          [payloads[a], payloads[b]] = [payloads[b]!, payloads[a]!];
        }
        break;
      case 'spi': {
        if (n === 0 || pool.length === 0) break;
        const i = op.at % n;
        const p = payloads[i]!;
        const spi = pool[op.pick % pool.length]!;
        if (p.type === P.N) payloads[i] = { ...p, spi, protocolId: spi.length === 8 ? 1 : 3 };
        else if (p.type === P.D)
          payloads[i] = {
            ...p,
            spiSize: spi.length === 8 ? 0 : 4,
            protocolId: spi.length === 8 ? 1 : 3,
            spis: spi.length === 8 ? [] : [spi],
          };
        else if (p.type === P.SA && p.proposals[0])
          payloads[i] = { ...p, proposals: [{ ...p.proposals[0], spi }, ...p.proposals.slice(1)] };
        break;
      }
    }
  }
  let plaintext: Uint8Array;
  try {
    plaintext = encodeChain(payloads);
  } catch {
    return undefined; // a value that does not fit its field at all (e.g. over 64 KiB): not an input
  }
  let first = firstType(payloads);
  if (r.bytes.length === 0) return { exchangeType, messageId, response, first, plaintext, mode: 'struct' };
  let b = plaintext.slice();
  for (const op of r.bytes) {
    const walked = walkChain(b, first) ?? [];
    const at = (i: number) => walked[i % Math.max(1, walked.length)]?.offset;
    switch (op.op) {
      case 'flip':
        if (b.length) b[op.at % b.length]! ^= 1 << op.bit;
        break;
      case 'set':
        if (b.length) b[op.at % b.length] = op.value;
        break;
      case 'truncate':
        b = b.slice(0, op.at % (b.length + 1));
        break;
      case 'extend': {
        const e = new Uint8Array(b.length + op.bytes.length);
        e.set(b);
        e.set(op.bytes, b.length);
        b = e;
        break;
      }
      case 'length': {
        const o = at(op.which);
        if (o === undefined) break;
        const len = ((b[o + 2]! << 8) | b[o + 3]!) + op.delta;
        const v = ((len % 0x10000) + 0x10000) % 0x10000;
        b[o + 2] = v >> 8;
        b[o + 3] = v & 0xff;
        break;
      }
      case 'next': {
        const o = at(op.which);
        if (o !== undefined) b[o] = op.value;
        break;
      }
      case 'critical': {
        const o = at(op.which);
        if (o !== undefined) b[o + 1]! ^= 0x80;
        break;
      }
      case 'first':
        first = op.value;
        break;
    }
  }
  return { exchangeType, messageId, response, first, plaintext: b, mode: 'bytes' };
}

// ---------------------------------------------------------------------------------------------
// Invariants.

const RFC_ERRORS = new Set<number>(Object.values(NotifyError));
/** Bounds of "memory flat" for one world (two hosts, one connection). */
export const BOUNDS = { ikeSas: 4, timers: 40, sadEntries: 12, halfOpen: 2 };

export interface Verdict {
  readonly outcome: Outcome;
  readonly violation?: string;
}

/** The answer's payloads, opened with the peer's keys; for RFC 7296's exchanges, rules checked too. */
function openAnswer(world: FuzzWorld, m: DecodedMessage, data: Uint8Array): Result<Payload[], string> {
  const session = ikeContext(world.peerSa).session;
  if (KNOWN_EXCHANGES.has(m.header.exchangeType)) {
    const opened = openFor(session, m, data);
    return opened.ok ? opened : err(opened.error.reason);
  }
  if (!session.sk || !m.sk) return err('no SK payload');
  const plain = openSk(skKeysForMessage(session.sk, isInitiator(m.header)), data, m.sk.offset);
  if (!plain.ok) return err(plain.error.code);
  const inner = decodePayloadChain(m.sk.firstInnerPayload, plain.value);
  return inner.ok ? ok(inner.value) : err(inner.error.message);
}

const KNOWN_EXCHANGES = new Set<number>([
  ExchangeType.IKE_SA_INIT,
  ExchangeType.IKE_AUTH,
  ExchangeType.CREATE_CHILD_SA,
  ExchangeType.INFORMATIONAL,
]);

/** Checks every invariant after `input` was handled; classifies the outcome. */
export function checkWorld(
  world: FuzzWorld,
  input: ConcreteInput,
  before: { dropped: number; fingerprint: string },
): Verdict {
  const fail = (violation: string): Verdict => ({ outcome: 'ignored', violation });
  if (world.errors.length > 0) return fail(`error escaped: ${world.errors.join('; ')}`);
  for (const host of [world.target, world.peer]) {
    const sup = host.supervisor;
    if (sup.counters.actorErrors > 0) return fail(`${host.name}: ${sup.counters.actorErrors} actor error(s)`);
    // No half-installed SA: the SAD is exactly the Child SAs of the live IKE SAs.
    const expected = new Set<string>();
    for (const h of sup.ikeSas) {
      if (h.state === 'DESTROYED') return fail(`${host.name}: a destroyed IKE SA is still listed`);
      for (const c of h.children) {
        expected.add(`in/${toHex(c.record.spiIn)}`);
        expected.add(`out/${toHex(c.record.spiOut)}`);
      }
      const inChart = new Set(ikeContext(h).children.map((c) => toHex(c.spiIn)));
      for (const c of h.children)
        if (
          !inChart.has(toHex(c.record.spiIn)) &&
          h.actor.getSnapshot().status === 'active' &&
          !ikeContext(h).retired
        )
          return fail(
            `${host.name}: child ${toHex(c.record.spiIn)} installed but not in IKE SA ${h.uniqueid}'s statechart`,
          );
    }
    const sad = host.esp.backend.listSas();
    const actual = new Set(sad.map((s) => `${s.direction}/${toHex(s.spi)}`));
    for (const k of actual)
      if (!expected.has(k)) return fail(`${host.name}: SAD entry ${k} belongs to no Child SA`);
    for (const k of expected) if (!actual.has(k)) return fail(`${host.name}: Child SA ${k} has no SAD entry`);
    if (sad.length !== actual.size) return fail(`${host.name}: duplicate SAD entries`);
    // Memory flat.
    if (sup.ikeSas.length > BOUNDS.ikeSas) return fail(`${host.name}: ${sup.ikeSas.length} IKE SAs`);
    if (sad.length > BOUNDS.sadEntries) return fail(`${host.name}: ${sad.length} SAD entries`);
    if (sup.dos.halfOpen > BOUNDS.halfOpen) return fail(`${host.name}: ${sup.dos.halfOpen} half-open`);
  }
  if (world.clock.pending > BOUNDS.timers) return fail(`${world.clock.pending} timers pending`);
  // The answer: what the target sent back for this Message ID must be a response that opens
  // with the peer's keys and passes our own rule tables; an error notify is an RFC one.
  const targetName = world.target.name as 'client' | 'gateway';
  let answered: 'notify' | 'answered' | undefined;
  for (const s of world.sent) {
    if (s.from !== targetName) continue;
    const data =
      s.data.length >= 4 && s.data[0] === 0 && s.data[1] === 0 && s.data[2] === 0 && s.data[3] === 0
        ? s.data.subarray(4)
        : s.data;
    const m = decodeMessage(data);
    if (!m.ok) continue; // ESP or a keepalive
    const h = m.value.header;
    if (!isResponse(h)) continue; // a request of the target's own (retransmission, queued work)
    if (input.response) return fail('a response was answered');
    if (h.messageId !== input.messageId) continue;
    if (h.exchangeType !== input.exchangeType) return fail(`answered with exchange ${h.exchangeType}`);
    if (m.value.payloads.some((p) => p.type === P.SKF)) {
      answered = 'answered';
      continue;
    }
    const opened = openAnswer(world, m.value, data);
    if (!opened.ok) return fail(`the answer does not open or breaks the rules: ${opened.error}`);
    const errors = opened.value.filter((p) => p.type === P.N && p.notifyType < 16384);
    for (const e of errors)
      if (e.type === P.N && !RFC_ERRORS.has(e.notifyType))
        return fail(`answered with notify ${e.notifyType}`);
    answered = errors.length > 0 ? 'notify' : 'answered';
  }
  const changed = world.fingerprint() !== before.fingerprint;
  if (changed) return { outcome: 'changed' };
  if (answered) return { outcome: answered };
  const dropped =
    world.targetSa.state !== 'DESTROYED' && ikeContext(world.targetSa).stats.dropped > before.dropped;
  if (dropped) return { outcome: 'dropped' };
  if (!input.response) return fail('a request was neither answered nor counted as dropped');
  return { outcome: 'ignored' };
}

// ---------------------------------------------------------------------------------------------
// The loop.

export interface FuzzOptions {
  readonly count: number;
  readonly seed: number;
  /** One state, or all of them in turn. */
  readonly states?: readonly FuzzState[];
  /** Inputs per world at most (a world is rebuilt when it changed state anyway). */
  readonly perWorld?: number;
  /** Called after each world; true stops the run (a time budget). */
  readonly onProgress?: (done: number) => boolean | undefined;
}

export interface FuzzFailure {
  readonly seed: number;
  readonly index: number;
  readonly world: string;
  readonly state: FuzzState;
  readonly role: FuzzRole;
  readonly violation: string;
  readonly recipe: Recipe;
  readonly input?: {
    exchangeType: number;
    messageId: number;
    response: boolean;
    first: number;
    plaintext: string;
  };
}

export interface FuzzReport {
  readonly inputs: number;
  readonly worlds: number;
  readonly outcomes: Record<Outcome | 'unencodable', number>;
  readonly byState: Record<string, number>;
  readonly modes: { struct: number; bytes: number; requests: number; responses: number };
  readonly failure?: FuzzFailure;
}

const replacer = (_k: string, v: unknown) => (v instanceof Uint8Array ? toHex(v) : v);
export const formatRecipe = (r: Recipe) => JSON.stringify(r, replacer);

/** Runs `count` inputs from `seed`; stops at the first invariant violation. */
export function fuzz(o: FuzzOptions): FuzzReport {
  const states = o.states ?? FUZZ_STATES;
  const perWorld = o.perWorld ?? 400;
  const outcomes: FuzzReport['outcomes'] = {
    notify: 0,
    answered: 0,
    dropped: 0,
    changed: 0,
    ignored: 0,
    unencodable: 0,
  };
  const byState: Record<string, number> = {};
  const modes = { struct: 0, bytes: 0, requests: 0, responses: 0 };
  templates();
  let done = 0;
  let worlds = 0;
  // Seeded per input for the few choices a recipe leaves to the world (fresh KE values etc.).
  let x = (o.seed ^ 0x9e3779b9) >>> 0;
  const rng = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  // Recipes come in small seeded chunks: a world that moves on early wastes few of them.
  const CHUNK = 8;
  let chunk: Recipe[] = [];
  let chunks = 0;
  const nextRecipe = (): Recipe => {
    if (chunk.length === 0)
      chunk = fc.sample(arbRecipe, { seed: (o.seed * 1_000_003 + chunks++) | 0, numRuns: CHUNK }).reverse();
    return chunk.pop()!;
  };
  while (done < o.count) {
    const state = states[worlds % states.length]!;
    const role: FuzzRole = Math.floor(worlds / states.length) % 2 === 0 ? 'responder' : 'initiator';
    const name = `fuzz-${o.seed}-${worlds}`;
    worlds++;
    const world = new FuzzWorld({ state, role, seed: name });
    const end = Math.min(done + perWorld, o.count);
    while (done < end) {
      const recipe = nextRecipe();
      const index = done++;
      byState[`${state}/${role}`] = (byState[`${state}/${role}`] ?? 0) + 1;
      const failure = (violation: string, input?: ConcreteInput): FuzzReport => ({
        inputs: done,
        worlds,
        outcomes,
        byState,
        modes,
        failure: {
          seed: o.seed,
          index,
          world: name,
          state,
          role,
          violation,
          recipe,
          ...(input
            ? {
                input: {
                  exchangeType: input.exchangeType,
                  messageId: input.messageId,
                  response: input.response,
                  first: input.first,
                  plaintext: toHex(input.plaintext),
                },
              }
            : {}),
        },
      });
      let input: ConcreteInput | undefined;
      try {
        input = concretize(world, recipe, rng);
        if (!input) {
          outcomes.unencodable++;
          continue;
        }
        modes[input.mode]++;
        modes[input.response ? 'responses' : 'requests']++;
        const before = {
          dropped: ikeContext(world.targetSa).stats.dropped,
          fingerprint: world.fingerprint(),
        };
        world.inject(input);
        const verdict = checkWorld(world, input, before);
        if (verdict.violation) return failure(verdict.violation, input);
        outcomes[verdict.outcome]++;
      } catch (e) {
        return failure(
          `exception escaped: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
          input,
        );
      }
      if (!world.usable) break; // the world moved on (an SA made or gone): a fresh one
    }
    if (o.onProgress?.(done)) break;
  }
  return { inputs: done, worlds, outcomes, byState, modes };
}
