/** Two configured peers (a gateway and a client) for exchange and actor tests. */
import { type ConnectionConfig, connectionWithDefaults } from '../../ipsec/config/model.js';
import { nobleProvider } from '../../ipsec/crypto/noble/index.js';
import { seededRandom } from '../../ipsec/crypto/random.js';
import { handleInitRequest } from '../../ipsec/ike/exchange/ike-sa-init.js';
import { openFor } from '../../ipsec/ike/exchange/messages.js';
import type { IkeDeps, IkeSession } from '../../ipsec/ike/exchange/session.js';
import { type Identity, identityMatches, parseIdentity } from '../../ipsec/ike/identity.js';
import { ProtocolId } from '../../ipsec/ike/model.js';
import { parseProposals } from '../../ipsec/ike/proposal/keywords.js';
import { decodeMessage } from '../../ipsec/ike/wire/message.js';
import { utf8 } from '../../ipsec/util/bytes.js';

export const PSK = utf8('swanlab-psk-0123456789');
export const CLIENT_ADDR = { address: '10.99.0.1', port: 500 };
export const GATEWAY_ADDR = { address: '10.99.0.2', port: 500 };
export const SPI_I = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
export const SPI_R = new Uint8Array([9, 10, 11, 12, 13, 14, 15, 16]);

export interface PeerOptions {
  readonly proposals?: string[];
  readonly esp_proposals?: string[];
  readonly mode?: 'tunnel' | 'transport';
  readonly localId?: string;
  readonly remoteId?: string;
  readonly local_ts?: string[];
  readonly remote_ts?: string[];
  readonly encap?: boolean;
}

export function clientConfig(o: PeerOptions = {}): ConnectionConfig {
  return connectionWithDefaults({
    name: 'gw',
    local_addrs: [CLIENT_ADDR.address],
    remote_addrs: [GATEWAY_ADDR.address],
    proposals: o.proposals ?? ['aes128ctr-aesxcbc-prfsha256-ecp192'],
    encap: o.encap ?? false,
    local: { auth: 'psk', id: o.localId ?? 'alice@example.org' },
    remote: { auth: 'psk', id: o.remoteId ?? 'bob@example.org' },
    children: [
      {
        name: 'net',
        mode: o.mode ?? 'tunnel',
        local_ts: o.local_ts ?? ['10.99.2.0/24'],
        remote_ts: o.remote_ts ?? ['10.99.1.0/24'],
        esp_proposals: o.esp_proposals ?? ['aes128ctr-aesxcbc'],
      },
    ],
  });
}

export function gatewayConfig(o: PeerOptions = {}): ConnectionConfig {
  return connectionWithDefaults({
    name: 'rw',
    local_addrs: [GATEWAY_ADDR.address],
    remote_addrs: ['%any'],
    proposals: o.proposals ?? ['aes128ctr-aesxcbc-prfsha256-ecp192'],
    encap: o.encap ?? false,
    local: { auth: 'psk', id: o.localId ?? 'bob@example.org' },
    remote: { auth: 'psk', id: o.remoteId ?? 'alice@example.org' },
    children: [
      {
        name: 'net',
        mode: o.mode ?? 'tunnel',
        local_ts: o.local_ts ?? ['10.99.1.0/24'],
        remote_ts: o.remote_ts ?? ['10.99.2.0/24'],
        esp_proposals: o.esp_proposals ?? ['aes128ctr-aesxcbc'],
      },
    ],
  });
}

export function ikeProposals(c: ConnectionConfig) {
  const r = parseProposals(c.proposals, ProtocolId.IKE);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** Secrets: one PSK for the pair of identities (either order), as swanctl `secrets.ike`. */
export function pskLookup(ids: string[], psk = PSK) {
  const parsed = ids.map((s) => parseIdentity(s)).map((r) => (r.ok ? r.value : undefined));
  return (a: Identity, b: Identity): Uint8Array | undefined =>
    parsed.some((p) => p && identityMatches(p, a)) && parsed.some((p) => p && identityMatches(p, b))
      ? psk
      : undefined;
}

export function testDeps(seed: string, firstSpi = 0x1000): IkeDeps & { readonly spis: Uint8Array[] } {
  let next = firstSpi;
  const spis: Uint8Array[] = [];
  return {
    provider: nobleProvider,
    random: seededRandom(seed),
    allocChildSpi: () => {
      const n = next++;
      const spi = new Uint8Array([n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
      spis.push(spi);
      return spi;
    },
    findSecret: pskLookup(['alice@example.org', 'bob@example.org']),
    spis,
  };
}

/** Decodes a message and opens it for `session` (decrypting SK); throws on any error. */
export function openMessage(session: IkeSession, bytes: Uint8Array) {
  const decoded = decodeMessage(bytes);
  if (!decoded.ok) throw new Error(decoded.error.message);
  const payloads = openFor(session, decoded.value, bytes);
  if (!payloads.ok) throw new Error(payloads.error.reason);
  return { header: decoded.value.header, payloads: payloads.value };
}

/** The gateway (at GATEWAY_ADDR, SPIr = SPI_R) answers the client's IKE_SA_INIT request bytes. */
export function gatewayHandleInit(gConf: ConnectionConfig, rDeps: IkeDeps, requestBytes: Uint8Array) {
  const decoded = decodeMessage(requestBytes);
  if (!decoded.ok) throw new Error('decode');
  return handleInitRequest(
    {
      config: gConf,
      proposals: ikeProposals(gConf),
      local: GATEWAY_ADDR,
      remote: CLIENT_ADDR,
      spiI: decoded.value.header.spiI,
      spiR: SPI_R,
      payloads: decoded.value.payloads,
      raw: requestBytes,
    },
    rDeps,
  );
}
