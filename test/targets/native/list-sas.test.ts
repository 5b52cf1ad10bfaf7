/**
 * list-sas view: VICI field names and swanctl algorithm names for IKE SAs and Child SAs of an
 * established pair (two hosts on the in-memory network, virtual time), and swanctl's text.
 */
import { describe, expect, it } from 'vitest';
import { fragmentCounters } from '../../../actors/ike-fragment-counters.js';
import type { ConnectionConfig } from '../../../ipsec/config/model.js';
import { ExchangeType } from '../../../ipsec/ike/wire/constants.js';
import { buildListSas, formatListSas, type ListSasIke } from '../../../targets/native/list-sas.js';
import { echoRequest } from '../../ipsec/policy/fixtures.js';
import { clientConfig, gatewayConfig, type PeerOptions } from '../../support/ike-peers.js';
import { captureIke, type TwoHostOptions, twoHosts } from '../../support/two-hosts.js';

function establish(o: PeerOptions = {}, more: TwoHostOptions = {}) {
  const pair = twoHosts({ client: o, gateway: o, ...more });
  const wire = captureIke(pair.net, pair.clock);
  const ike = pair.client.supervisor.initiate('gw', 'net');
  pair.clock.advance(1000);
  expect(ike.state).toBe('ESTABLISHED');
  const view = (h: typeof pair.client, now = pair.clock.now()) =>
    buildListSas(h.supervisor.ikeSas, h.esp.backend.listSas(), now);
  return { ...pair, ike, view, wire };
}

const IKE_KEYS = [
  'name',
  'uniqueid',
  'version',
  'state',
  'initiator',
  'local-host',
  'local-port',
  'local-id',
  'remote-host',
  'remote-port',
  'remote-id',
  'initiator-spi',
  'responder-spi',
  'encr-alg',
  'encr-keysize',
  'integ-alg',
  'prf-alg',
  'dh-group',
  'established',
  'fragmentation',
  'fragments-sent',
  'fragments-received',
  'fragments-dropped',
  'fragmented-messages',
  'reassembled-messages',
  'unfragmentable-messages',
  'child-sas',
];

const CHILD_KEYS = [
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
  'bytes-in',
  'packets-in',
  'use-in',
  'bytes-out',
  'packets-out',
  'use-out',
  'install-time',
  'local-ts',
  'remote-ts',
];

describe('list-sas view', () => {
  it('names an established seed-suite pair as VICI does, on both sides', () => {
    const { clock, client, gateway, ike, view } = establish();
    const ping = echoRequest('10.99.2.1', '10.99.1.1', 1);
    client.esp.pipeline.send(ping);
    clock.advance(1000);
    const later = clock.now() + 7000;
    const [c] = view(client, later) as [ListSasIke];
    const [g] = view(gateway, later) as [ListSasIke];
    expect(Object.keys(c)).toEqual(IKE_KEYS);
    expect(c).toMatchObject({
      name: 'gw',
      uniqueid: 1,
      version: 2,
      state: 'ESTABLISHED',
      initiator: true,
      'local-host': '10.99.0.1',
      'local-port': 500,
      'local-id': 'alice@example.org',
      'remote-host': '10.99.0.2',
      'remote-port': 500,
      'remote-id': 'bob@example.org',
      'encr-alg': 'AES_CTR',
      'encr-keysize': 128,
      'integ-alg': 'AES_XCBC_96',
      'prf-alg': 'PRF_HMAC_SHA2_256', // ike-peers: aes128ctr-aesxcbc-prfsha256-ecp192
      'dh-group': 'ECP_192',
      established: Math.floor((later - ike.establishedAt!) / 1000),
      // both announced IKE fragmentation (fragmentation = yes), nothing was large enough to fragment
      fragmentation: true,
      'fragments-sent': 0,
      'fragments-received': 0,
      'fragments-dropped': 0,
      'fragmented-messages': 0,
      'reassembled-messages': 0,
      'unfragmentable-messages': 0,
    });
    expect(c['initiator-spi']).toMatch(/^[0-9a-f]{16}$/);
    expect(c['responder-spi']).toMatch(/^[0-9a-f]{16}$/);
    expect(c['responder-spi']).not.toBe('0000000000000000');
    expect(g).toMatchObject({
      name: 'rw',
      initiator: false,
      'local-id': 'bob@example.org',
      'remote-id': 'alice@example.org',
      'initiator-spi': c['initiator-spi'],
      'responder-spi': c['responder-spi'],
    });

    const [cc] = c['child-sas'];
    const [gc] = g['child-sas'];
    expect(Object.keys(cc!)).toEqual(CHILD_KEYS);
    expect(cc).toMatchObject({
      name: 'net',
      uniqueid: 1,
      reqid: 1,
      state: 'INSTALLED',
      mode: 'TUNNEL',
      protocol: 'ESP',
      encap: true,
      'encr-alg': 'AES_CTR',
      'encr-keysize': 128,
      'integ-alg': 'AES_XCBC_96',
      // one echo request out, its reply in: byte counters count the inner packets
      'packets-out': 1,
      'bytes-out': ping.length,
      'packets-in': 1,
      'bytes-in': ping.length,
      'local-ts': ['10.99.2.0/24'],
      'remote-ts': ['10.99.1.0/24'],
    });
    expect(cc!['spi-in']).toMatch(/^[0-9a-f]{8}$/);
    expect(gc).toMatchObject({
      'spi-in': cc!['spi-out'],
      'spi-out': cc!['spi-in'],
      'local-ts': ['10.99.1.0/24'],
      'remote-ts': ['10.99.2.0/24'],
    });
    expect(cc!['use-out']).toBeGreaterThanOrEqual(7);
  });

  it.each([
    {
      proposals: ['aes256gcm16-prfsha256-x25519'],
      esp_proposals: ['aes256gcm16'],
      ike: {
        'encr-alg': 'AES_GCM_16',
        'encr-keysize': 256,
        'prf-alg': 'PRF_HMAC_SHA2_256',
        'dh-group': 'CURVE_25519',
      },
      child: { 'encr-alg': 'AES_GCM_16', 'encr-keysize': 256 },
    },
    {
      proposals: ['chacha20poly1305-prfsha256-modp2048'],
      esp_proposals: ['chacha20poly1305'],
      ike: { 'encr-alg': 'CHACHA20_POLY1305', 'prf-alg': 'PRF_HMAC_SHA2_256', 'dh-group': 'MODP_2048' },
      child: { 'encr-alg': 'CHACHA20_POLY1305' },
    },
    {
      proposals: ['aes192-sha384-ecp384'],
      esp_proposals: ['aes128-sha256'],
      ike: {
        'encr-alg': 'AES_CBC',
        'encr-keysize': 192,
        'integ-alg': 'HMAC_SHA2_384_192',
        'prf-alg': 'PRF_HMAC_SHA2_384',
        'dh-group': 'ECP_384',
      },
      child: { 'encr-alg': 'AES_CBC', 'encr-keysize': 128, 'integ-alg': 'HMAC_SHA2_256_128' },
    },
  ])(
    'leaves out what does not apply: $proposals / $esp_proposals',
    ({ proposals, esp_proposals, ike, child }) => {
      const { client, view } = establish({ proposals, esp_proposals });
      const [c] = view(client) as [ListSasIke];
      const pick = (o: object, keys: string[]) =>
        Object.fromEntries(Object.entries(o).filter(([k]) => keys.includes(k)));
      const algKeys = ['encr-alg', 'encr-keysize', 'integ-alg', 'prf-alg', 'dh-group'];
      expect(pick(c, algKeys)).toEqual(ike);
      expect(pick(c['child-sas'][0]!, algKeys)).toEqual(child);
    },
  );

  it('shows TRANSPORT mode with the IKE addresses as selectors', () => {
    const { client, view } = establish({ mode: 'transport', local_ts: ['dynamic'], remote_ts: ['dynamic'] });
    const [c] = view(client) as [ListSasIke];
    expect(c['child-sas'][0]).toMatchObject({
      mode: 'TRANSPORT',
      'local-ts': ['10.99.0.1/32'],
      'remote-ts': ['10.99.0.2/32'],
    });
  });

  it('shows a CONNECTING IKE SA without algorithms or children', () => {
    const { clock, client, view } = establish();
    client.supervisor.initiate('gw', 'net'); // a second IKE SA, nothing answered yet
    const list = view(client, clock.now());
    expect(list.map((s) => s.state)).toEqual(['ESTABLISHED', 'CONNECTING']);
    const connecting = list[1]!;
    expect(connecting['responder-spi']).toBe('0000000000000000');
    expect(connecting['encr-alg']).toBeUndefined();
    expect(connecting.established).toBeUndefined();
    expect(connecting.fragmentation).toBe(false); // yes, but the peer has not announced it yet
    expect(connecting['child-sas']).toEqual([]);
  });

  it('prints like swanctl --list-sas', () => {
    const { clock, client, view } = establish();
    const [c] = view(client, clock.now()) as [ListSasIke];
    const ch = c['child-sas'][0]!;
    expect(formatListSas([c])).toBe(
      [
        `gw: #1, ESTABLISHED, IKEv2, ${c['initiator-spi']}_i* ${c['responder-spi']}_r`,
        `  local  'alice@example.org' @ 10.99.0.1[500]`,
        `  remote 'bob@example.org' @ 10.99.0.2[500]`,
        '  AES_CTR-128/AES_XCBC_96/PRF_HMAC_SHA2_256/ECP_192',
        `  established ${c.established}s ago`,
        '  net: #1, reqid 1, INSTALLED, TUNNEL-in-UDP, ESP:AES_CTR-128/AES_XCBC_96',
        `    installed ${ch['install-time']}s ago`,
        `    in  ${ch['spi-in']},      0 bytes,     0 packets`,
        `    out ${ch['spi-out']},      0 bytes,     0 packets`,
        '    local  10.99.2.0/24',
        '    remote 10.99.1.0/24',
        '',
      ].join('\n'),
    );
    expect(formatListSas([])).toBe('');
  });

  it('shows IKE fragmentation (RFC 7383): the IKE SA counters, and a text line once fragments moved', () => {
    // fragment_size 160: IKE_AUTH goes out in fragments both ways
    const { clock, client, gateway, ike, view, wire } = establish({}, { daemon: { fragment_size: 160 } });
    const [gw] = gateway.supervisor.ikeSas;
    const [c] = view(client) as [ListSasIke];
    const [g] = view(gateway) as [ListSasIke];
    const cc = fragmentCounters(ike);
    const gc = fragmentCounters(gw!);
    expect(cc.sent).toBeGreaterThan(1);
    expect(gc.sent).toBeGreaterThan(1);
    for (const [v, n] of [
      [c, cc],
      [g, gc],
    ] as const)
      expect(v).toMatchObject({
        fragmentation: true,
        'fragments-sent': n.sent,
        'fragments-received': n.received,
        'fragments-dropped': 0,
        'fragmented-messages': 1,
        'reassembled-messages': 1,
        'unfragmentable-messages': 0,
      });
    expect(c['fragments-received']).toBe(g['fragments-sent']);
    // a forged copy of the client's first IKE_AUTH fragment (garbage SKF body) is dropped and shows up
    const forged = wire.find((m) => m.header.exchangeType === ExchangeType.IKE_AUTH)!.data.slice();
    forged.fill(0xa5, 28 + 8);
    client.transport.send(forged, ike.local, ike.remote);
    clock.advance(100);
    const [g2] = view(gateway) as [ListSasIke];
    expect(g2['fragments-received']).toBe(g['fragments-received'] + 1);
    expect(g2['fragments-dropped']).toBe(1);
    expect(formatListSas([g2]).split('\n')).toContain(
      `  fragments: ${g2['fragments-sent']} sent, ${g2['fragments-received']} received, 1 dropped, 1 reassembled`,
    );
  });

  it.each([
    ['yes', 'yes', true],
    ['accept', 'yes', false],
    ['yes', 'no', false],
    ['force', 'no', true],
    ['no', 'yes', false],
  ] as const)('fragmentation = %s against %s: in use %s', (mine, theirs, inUse) => {
    const { client, view } = establish(
      {},
      {
        clientConnections: [{ ...clientConfig(), fragmentation: mine as ConnectionConfig['fragmentation'] }],
        gatewayConnections: [
          { ...gatewayConfig(), fragmentation: theirs as ConnectionConfig['fragmentation'] },
        ],
      },
    );
    const [c] = view(client) as [ListSasIke];
    expect(c.fragmentation).toBe(inUse);
    expect(formatListSas([c])).not.toContain('fragments:'); // nothing was fragmented
  });
});
