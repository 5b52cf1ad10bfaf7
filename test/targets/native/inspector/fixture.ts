/**
 * A hand-made inspection stream (actors/inspection/events.ts): an initiator's IKE SA 'gw'
 * (ike:1) through IKE_SA_INIT, IKE_AUTH (its request retransmitted once), a Child SA 'net',
 * a drop and the counters. Keys appear in `keys` fields, as a hub made with keys: true sends them.
 */
import type { IkeSaSummary, InspectionEvent, PayloadView } from '../../../../actors/inspection/events.js';

export const SECRET_HEX = '5ec2e75ec2e75ec2e75ec2e75ec2e75e';

const ike = (state: string, extra: Partial<IkeSaSummary> = {}): IkeSaSummary => ({
  connection: 'gw',
  initiator: true,
  local: '127.0.0.2:500',
  remote: '127.0.0.1:500',
  localId: 'client.example.org',
  remoteId: 'gateway.example.org',
  spiI: '1a2b3c4d5e6f7081',
  spiR: state === 'CONNECTING' ? '0000000000000000' : '99aabbccddeeff00',
  state,
  createdAt: 1000,
  ...extra,
});

const proposal: PayloadView = {
  type: 'SA',
  fields: { 'Next Payload': 'KE (34)' },
  children: [
    {
      type: 'Proposal',
      fields: { 'Proposal Num': 1, 'Protocol ID': 'IKE (1)', 'SPI Size': 0 },
      children: [
        {
          type: 'Transform',
          fields: { 'Transform Type': 'ENCR (1)', 'Transform ID': 'ENCR_AES_CTR (13)', 'Key Length': 128 },
        },
        { type: 'Transform', fields: { 'Transform Type': 'PRF (2)', 'Transform ID': 'PRF_AES128_XCBC (4)' } },
        {
          type: 'Transform',
          fields: { 'Transform Type': 'INTEG (3)', 'Transform ID': 'AUTH_AES_XCBC_96 (5)' },
        },
        {
          type: 'Transform',
          fields: { 'Transform Type': 'D-H (4)', 'Transform ID': '192-bit random ECP (25)' },
        },
      ],
    },
  ],
};

type Ev = InspectionEvent extends infer E ? (E extends InspectionEvent ? Omit<E, 'seq'> : never) : never;

const msg = (
  t: number,
  direction: 'in' | 'out',
  exchange: string,
  messageId: number,
  response: boolean,
  payloads: PayloadView[],
  retransmission = false,
): Ev => ({
  kind: 'ike.message',
  t,
  actor: 'ike:1',
  direction,
  local: '127.0.0.2:500',
  remote: '127.0.0.1:500',
  exchange,
  messageId,
  response,
  initiatorFlag: direction === 'out',
  length: 200 + messageId * 40 + (response ? 8 : 0),
  retransmission,
  payloads,
});

const sk = (inner: PayloadView[]): PayloadView => ({
  type: 'SK',
  fields: { 'Next Payload': 'IDi (35)' },
  children: inner,
});

const raw: Ev[] = [
  { kind: 'actor.created', t: 1000, actor: 'supervisor', actorKind: 'supervisor' },
  {
    kind: 'actor.created',
    t: 1000,
    actor: 'ike:1',
    actorKind: 'ike-sa',
    parent: 'supervisor',
    machine: 'ikeSa',
    ike: ike('CONNECTING'),
  },
  {
    kind: 'actor.snapshot',
    t: 1000,
    actor: 'ike:1',
    value: { initiator: { init: 'waiting' } },
    status: 'active',
    ike: ike('CONNECTING'),
  },
  msg(1001, 'out', 'IKE_SA_INIT (34)', 0, false, [
    proposal,
    { type: 'KE', fields: { 'DH Group': 25, 'Key Exchange Data': '48 octets' } },
    { type: 'Nonce', fields: { 'Nonce Data': '32 octets' } },
  ]),
  msg(1004, 'in', 'IKE_SA_INIT (34)', 0, true, [
    proposal,
    { type: 'KE', fields: { 'DH Group': 25 } },
    { type: 'Nonce', fields: { 'Nonce Data': '32 octets' } },
  ]),
  { kind: 'actor.event', t: 1004, actor: 'ike:1', event: { type: 'RESPONSE', length: 252 } },
  {
    kind: 'actor.snapshot',
    t: 1005,
    actor: 'ike:1',
    value: { initiator: { auth: 'waiting' } },
    status: 'active',
    ike: ike('CONNECTING', { spiR: '99aabbccddeeff00', keys: { SK_d: SECRET_HEX } }),
  },
  msg(1006, 'out', 'IKE_AUTH (35)', 1, false, [
    sk([
      { type: 'IDi', fields: { 'ID Type': 'FQDN (2)', Identification: 'client.example.org' } },
      { type: 'AUTH', fields: { 'Auth Method': 'Shared Key MIC (2)' } },
    ]),
  ]),
  msg(
    1506,
    'out',
    'IKE_AUTH (35)',
    1,
    false,
    [sk([{ type: 'IDi', fields: { 'ID Type': 'FQDN (2)', Identification: 'client.example.org' } }])],
    true,
  ),
  msg(1510, 'in', 'IKE_AUTH (35)', 1, true, [
    sk([
      { type: 'IDr', fields: { 'ID Type': 'FQDN (2)', Identification: 'gateway.example.org' } },
      { type: 'AUTH', fields: { 'Auth Method': 'Shared Key MIC (2)' } },
    ]),
  ]),
  {
    kind: 'actor.snapshot',
    t: 1511,
    actor: 'ike:1',
    value: { established: 'idle' },
    status: 'active',
    ike: ike('ESTABLISHED', {
      keys: { SK_d: SECRET_HEX },
      establishedAt: 1511,
      proposal: 'aes128ctr-aesxcbc-prfaesxcbc-ecp192',
    }),
  },
  {
    kind: 'actor.created',
    t: 1511,
    actor: 'child:1:1',
    actorKind: 'child-sa',
    parent: 'ike:1',
    machine: 'childSa',
    child: {
      name: 'net',
      spiIn: 'c1c2c3c4',
      spiOut: 'd1d2d3d4',
      mode: 'tunnel',
      state: 'INSTALLED',
      localTs: ['10.99.2.0/24'],
      remoteTs: ['10.99.1.0/24'],
      packetsIn: 3,
      packetsOut: 3,
      bytesIn: 252,
      bytesOut: 252,
    },
  },
  { kind: 'actor.snapshot', t: 1511, actor: 'child:1:1', value: 'installed', status: 'active' },
  {
    kind: 'ike.drop',
    t: 1600,
    actor: 'ike:1',
    remote: '127.0.0.1:500',
    reason: 'integrity',
    detail: 'ICV mismatch',
  },
  {
    kind: 'counters',
    t: 2000,
    ikeSas: { ESTABLISHED: 1 },
    halfOpen: 0,
    cookiesSent: 0,
    drops: { integrity: 1 },
  },
];

/** The stream, numbered from seq 1. */
export const FIXTURE_EVENTS: readonly InspectionEvent[] = raw.map(
  (e, i) => ({ ...e, seq: i + 1 }) as InspectionEvent,
);
