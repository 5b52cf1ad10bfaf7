/**
 * list-sas: the IKE SAs and their Child SAs with strongSwan's VICI field names (vici list-sas,
 * swanctl --list-sas --raw), as an array of IKE SAs (VICI nests them by name). Values are JSON
 * numbers where VICI sends decimal strings (uniqueid, reqid, ports, key sizes, seconds, byte
 * and packet counters), booleans for VICI's "yes"-only flags (initiator, encap), strings
 * otherwise; SPIs are lowercase hex (IKE: 16 digits, ESP: 8). Algorithm names as swanctl
 * prints them (the transform descriptors' names). Keys that do not apply yet are left out, as
 * VICI does (no algorithms before IKE_SA_INIT completes, no integ-alg for AEAD ciphers, no
 * encr-keysize for ciphers without a Key Length attribute).
 *
 * IKE fragmentation (RFC 7383), which VICI does not report, is added in the same style:
 * `fragmentation` (boolean: our oversized messages after IKE_SA_INIT go out as fragments, i.e.
 * fragmentation = force, or yes and the peer announced support, §2.3/§2.4) and the IKE SA's
 * fragment counters (fragments-sent, -received, -dropped; fragmented-, reassembled- and
 * unfragmentable-messages).
 *
 * formatListSas prints the same data as swanctl --list-sas does, plus a fragments line when
 * the IKE SA sent or received any.
 */

import { type FragmentsOf, fragmentCounters } from '../../actors/ike-fragment-counters.js';
import type { SaInfo } from '../../actors/ipsec-backend.js';
import type { IkeSaHandle, InstalledChild } from '../../actors/supervisor.js';
import type { EncrTransform } from '../../ipsec/crypto/types.js';
import type { IkeSession } from '../../ipsec/ike/exchange/session.js';
import { sendsFragments } from '../../ipsec/ike/fragment/mode.js';
import { formatIdentity } from '../../ipsec/ike/identity.js';
import type { NegotiatedSuite } from '../../ipsec/ike/proposal/suite.js';
import { tsToString } from '../../ipsec/ike/ts/text.js';
import { toHex } from '../../ipsec/util/bytes.js';
import type { FragmentState } from '../../machines/ike-sa.types.js';

export type IkeSaStateName = 'CONNECTING' | 'ESTABLISHED' | 'REKEYING' | 'DELETING';

export interface ListSasChild {
  readonly name: string;
  readonly uniqueid: number;
  readonly reqid: number;
  readonly state: 'INSTALLED' | 'REKEYING' | 'REKEYED' | 'DELETING';
  readonly mode: 'TUNNEL' | 'TRANSPORT';
  readonly protocol: 'ESP';
  readonly encap: boolean;
  readonly 'spi-in': string;
  readonly 'spi-out': string;
  readonly 'encr-alg': string;
  readonly 'encr-keysize'?: number;
  readonly 'integ-alg'?: string;
  readonly 'dh-group'?: string;
  readonly esn?: boolean;
  readonly 'bytes-in': number;
  readonly 'packets-in': number;
  readonly 'use-in'?: number;
  readonly 'bytes-out': number;
  readonly 'packets-out': number;
  readonly 'use-out'?: number;
  readonly 'install-time': number;
  readonly 'local-ts': readonly string[];
  readonly 'remote-ts': readonly string[];
}

export interface ListSasIke {
  readonly name: string;
  readonly uniqueid: number;
  readonly version: 2;
  readonly state: IkeSaStateName;
  readonly initiator: boolean;
  readonly 'local-host': string;
  readonly 'local-port': number;
  readonly 'local-id'?: string;
  readonly 'remote-host': string;
  readonly 'remote-port': number;
  readonly 'remote-id'?: string;
  readonly 'initiator-spi': string;
  readonly 'responder-spi': string;
  readonly 'nat-any'?: boolean;
  readonly 'encr-alg'?: string;
  readonly 'encr-keysize'?: number;
  readonly 'integ-alg'?: string;
  readonly 'prf-alg'?: string;
  readonly 'dh-group'?: string;
  readonly established?: number;
  readonly fragmentation: boolean;
  readonly 'fragments-sent': number;
  readonly 'fragments-received': number;
  readonly 'fragments-dropped': number;
  readonly 'fragmented-messages': number;
  readonly 'reassembled-messages': number;
  readonly 'unfragmentable-messages': number;
  readonly 'child-sas': readonly ListSasChild[];
}

/** The parts of a supervisor handle the view reads (IkeSaHandle satisfies it). */
export type IkeSaLike = Pick<
  IkeSaHandle,
  'uniqueid' | 'name' | 'initiator' | 'local' | 'remote' | 'natT' | 'state' | 'establishedAt' | 'children'
> & {
  readonly actor: {
    getSnapshot(): { readonly context: { readonly session: IkeSession; readonly fragments: FragmentState } };
  };
};

const keysize = (e: EncrTransform) => (e.keyLengthAttribute ? { 'encr-keysize': e.keyBits } : {});

function algorithms(suite: NegotiatedSuite | undefined, ike: boolean) {
  if (!suite) return {};
  return {
    'encr-alg': suite.encr.name,
    ...keysize(suite.encr),
    ...(suite.integ ? { 'integ-alg': suite.integ.name } : {}),
    ...(ike && suite.prf ? { 'prf-alg': suite.prf.name } : {}),
    ...(suite.ke ? { 'dh-group': suite.ke.name } : {}),
  };
}

/** RFC 7383 on this IKE SA: whether we fragment, and its fragment counters. */
function fragmentView(h: FragmentsOf, s: IkeSession) {
  const c = fragmentCounters(h);
  return {
    fragmentation: sendsFragments(s.config.fragmentation, s.peerFragmentation === true),
    'fragments-sent': c.sent,
    'fragments-received': c.received,
    'fragments-dropped': Object.values(c.dropped).reduce((a, b) => a + b, 0),
    'fragmented-messages': c.fragmentedMessages,
    'reassembled-messages': c.reassembled,
    'unfragmentable-messages': c.unfragmentable,
  };
}

const seconds = (now: number, then: number) => Math.max(0, Math.floor((now - then) / 1000));

/** The backend's SAs by direction and SPI (hex), built once per listing; the first of a key wins. */
export type SaIndex = ReadonlyMap<string, SaInfo>;
const saKey = (dir: 'in' | 'out', spi: string) => `${dir}:${spi}`;

export function indexSas(sas: readonly SaInfo[]): SaIndex {
  const index = new Map<string, SaInfo>();
  for (const s of sas) {
    const key = saKey(s.direction, toHex(s.spi));
    if (!index.has(key)) index.set(key, s);
  }
  return index;
}

/** One Child SA's view; `sas` is indexSas() of the backend's SAs (counters). */
export function childView(c: InstalledChild, sas: SaIndex, now: number): ListSasChild {
  const r = c.record;
  const spiIn = toHex(r.spiIn);
  const spiOut = toHex(r.spiOut);
  const sin = sas.get(saKey('in', spiIn));
  const sout = sas.get(saKey('out', spiOut));
  const use = (key: 'use-in' | 'use-out', s: SaInfo | undefined) =>
    s?.lastUsedAt !== undefined ? { [key]: seconds(now, s.lastUsedAt) } : {};
  return {
    name: r.config.name,
    uniqueid: c.uniqueid,
    reqid: c.reqid,
    state: 'INSTALLED',
    mode: r.mode === 'tunnel' ? 'TUNNEL' : 'TRANSPORT',
    protocol: 'ESP',
    encap: sin?.encap ?? sout?.encap ?? true,
    'spi-in': spiIn,
    'spi-out': spiOut,
    'encr-alg': r.suite.encr.name,
    ...keysize(r.suite.encr),
    ...(r.suite.integ ? { 'integ-alg': r.suite.integ.name } : {}),
    ...(r.suite.ke ? { 'dh-group': r.suite.ke.name } : {}),
    ...(r.suite.esn ? { esn: true } : {}),
    'bytes-in': sin?.bytes ?? 0,
    'packets-in': sin?.packets ?? 0,
    ...use('use-in', sin),
    'bytes-out': sout?.bytes ?? 0,
    'packets-out': sout?.packets ?? 0,
    ...use('use-out', sout),
    'install-time': seconds(now, c.installedAt),
    'local-ts': r.localTs.map(tsToString),
    'remote-ts': r.remoteTs.map(tsToString),
  };
}

/** The list-sas view of the given IKE SAs; `sas` is the IPsec backend's listSas() (counters). */
export function buildListSas(
  handles: readonly IkeSaLike[],
  sas: readonly SaInfo[],
  now: number,
): ListSasIke[] {
  const index = indexSas(sas);
  return handles.filter((h) => h.state !== 'DESTROYED').map((h) => ikeView(h, index, now));
}

/**
 * One IKE SA's view (also of a DESTROYED one, for the events of its end: it shows as it was
 * last, state DESTROYED); `sas` is indexSas() of the backend's SAs.
 */
export function ikeView(h: IkeSaLike, sas: SaIndex, now: number): ListSasIke {
  const s = h.actor.getSnapshot().context.session;
  const configured = (id: string | undefined) => (id && id !== '%any' ? id : undefined);
  const localId = s.localId ? formatIdentity(s.localId) : configured(s.config?.local.id);
  const remoteId = s.remoteId ? formatIdentity(s.remoteId) : configured(s.config?.remote.id);
  return {
    name: h.name,
    uniqueid: h.uniqueid,
    version: 2,
    state: h.state as IkeSaStateName,
    initiator: h.initiator,
    'local-host': h.local.address,
    'local-port': h.local.port,
    ...(localId !== undefined ? { 'local-id': localId } : {}),
    'remote-host': h.remote.address,
    'remote-port': h.remote.port,
    ...(remoteId !== undefined ? { 'remote-id': remoteId } : {}),
    'initiator-spi': toHex(s.spiI),
    'responder-spi': toHex(s.spiR),
    ...(h.natT ? { 'nat-any': true } : {}),
    ...algorithms(s.suite, true),
    ...(h.establishedAt !== undefined ? { established: seconds(now, h.establishedAt) } : {}),
    ...fragmentView(h, s),
    'child-sas': h.children.map((c) => childView(c, sas, now)),
  };
}

const algText = (o: {
  'encr-alg'?: string;
  'encr-keysize'?: number;
  'integ-alg'?: string;
  'prf-alg'?: string;
  'dh-group'?: string;
}) =>
  [
    o['encr-alg'] && (o['encr-keysize'] ? `${o['encr-alg']}-${o['encr-keysize']}` : o['encr-alg']),
    o['integ-alg'],
    o['prf-alg'],
    o['dh-group'],
  ]
    .filter((x) => x)
    .join('/');

const hostPort = (host: string, port: number) => `${host}[${port}]`;

/** swanctl --list-sas text for the view (empty string when there are no IKE SAs). */
export function formatListSas(list: readonly ListSasIke[]): string {
  const lines: string[] = [];
  for (const ike of list) {
    const i = ike.initiator;
    lines.push(
      `${ike.name}: #${ike.uniqueid}, ${ike.state}, IKEv2, ${ike['initiator-spi']}_i${i ? '*' : ''} ${ike['responder-spi']}_r${i ? '' : '*'}`,
    );
    lines.push(`  local  '${ike['local-id'] ?? '%any'}' @ ${hostPort(ike['local-host'], ike['local-port'])}`);
    lines.push(
      `  remote '${ike['remote-id'] ?? '%any'}' @ ${hostPort(ike['remote-host'], ike['remote-port'])}`,
    );
    const algs = algText(ike);
    if (algs) lines.push(`  ${algs}`);
    if (ike.established !== undefined) lines.push(`  established ${ike.established}s ago`);
    if (ike['fragments-sent'] > 0 || ike['fragments-received'] > 0)
      lines.push(
        `  fragments: ${ike['fragments-sent']} sent, ${ike['fragments-received']} received, ${ike['fragments-dropped']} dropped, ${ike['reassembled-messages']} reassembled`,
      );
    for (const c of ike['child-sas']) {
      lines.push(
        `  ${c.name}: #${c.uniqueid}, reqid ${c.reqid}, ${c.state}, ${c.mode}${c.encap ? '-in-UDP' : ''}, ${c.protocol}:${algText(c)}`,
      );
      lines.push(`    installed ${c['install-time']}s ago`);
      const traffic = (dir: 'in ' | 'out', spi: string, bytes: number, packets: number, use?: number) =>
        `    ${dir} ${spi}, ${String(bytes).padStart(6)} bytes, ${String(packets).padStart(5)} packets${use !== undefined ? `, ${String(use).padStart(5)}s ago` : ''}`;
      lines.push(traffic('in ', c['spi-in'], c['bytes-in'], c['packets-in'], c['use-in']));
      lines.push(traffic('out', c['spi-out'], c['bytes-out'], c['packets-out'], c['use-out']));
      lines.push(`    local  ${c['local-ts'].join(' ')}`);
      lines.push(`    remote ${c['remote-ts'].join(' ')}`);
    }
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}
