/**
 * list-certs: the certificates and CRLs the daemon loaded (targets/native/credentials), as JSON
 * (vici list-certs' type / flag / has_privkey, plus the fields swanctl prints) and as the
 * swanctl --list-certs text: sections "List of X.509 End Entity Certificates", "... CA
 * Certificates", "... CRLs". Times print in UTC ("Dec 05 18:23:44 2026"); as strongSwan's, keyid
 * is the SHA-1 of the SubjectPublicKeyInfo and subjkey the SHA-1 of the subjectPublicKey (the key
 * identifier CERTREQs carry), subjkeyId/authkeyId the extensions when present.
 */
import { createHash } from 'node:crypto';
import { formatIp } from '../../ipsec/packet/address.js';
import { formatDn } from '../../ipsec/x509/name.js';
import type { GeneralName } from '../../ipsec/x509/types.js';
import type { LoadedCredentials } from './credentials/load.js';

export interface ListCertsEntry {
  readonly type: 'X509' | 'X509_CRL';
  /** vici: NONE (end entity) or CA; CRLs: NONE. */
  readonly flag: 'NONE' | 'CA';
  readonly has_privkey: boolean;
  readonly file: string;
  readonly subject?: string;
  readonly issuer: string;
  /** Colon-separated hex (certificate serial; CRL number). */
  readonly serial?: string;
  /** ISO 8601 (UTC). Certificates: */
  readonly 'not-before'?: string;
  readonly 'not-after'?: string;
  /** CRLs: */
  readonly 'this-update'?: string;
  readonly 'next-update'?: string;
  readonly revoked?: readonly { readonly serial: string; readonly date: string; readonly reason?: number }[];
  readonly altNames?: readonly string[];
  readonly flags?: readonly string[];
  readonly authkeyId?: string;
  readonly subjkeyId?: string;
  readonly pubkey?: { readonly type: string; readonly bits: number };
  readonly keyid?: string;
  readonly subjkey?: string;
}

const colons = (b: Uint8Array): string => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
const iso = (ms: number) => new Date(ms).toISOString();

function altName(n: GeneralName): string {
  switch (n.type) {
    case 'dns':
    case 'email':
    case 'uri':
      return n.value;
    case 'ip':
      return formatIp(n.value);
    case 'dn':
      return formatDn(n.value);
    default:
      return `(tag ${n.tag})`;
  }
}

const EKU: Readonly<Record<string, string>> = {
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
  '1.3.6.1.5.5.8.2.2': 'ikeIntermediate',
  '1.3.6.1.5.5.7.3.9': 'ocspSigning',
};

export function buildListCerts(loaded: LoadedCredentials | undefined): ListCertsEntry[] {
  if (!loaded) return [];
  const certs = loaded.certificates.map((l): ListCertsEntry => {
    const c = l.cert;
    const ca = c.basicConstraints?.ca === true;
    const selfSigned =
      c.subject.der.length === c.issuer.der.length && colons(c.subject.der) === colons(c.issuer.der);
    const flags = [
      ...(ca ? ['CA'] : []),
      ...(c.keyUsage?.cRLSign ? ['CRLSign'] : []),
      ...(c.extendedKeyUsage ?? []).map((o) => EKU[o] ?? o),
      ...(selfSigned ? ['self-signed'] : []),
    ];
    return {
      type: 'X509',
      flag: l.kind === 'ca' ? 'CA' : 'NONE',
      has_privkey: l.hasPrivateKey,
      file: l.file,
      subject: formatDn(c.subject),
      issuer: formatDn(c.issuer),
      serial: colons(c.serial),
      'not-before': iso(c.notBefore),
      'not-after': iso(c.notAfter),
      altNames: c.subjectAltNames.map(altName),
      flags,
      ...(c.authorityKeyId ? { authkeyId: colons(c.authorityKeyId) } : {}),
      ...(c.subjectKeyId ? { subjkeyId: colons(c.subjectKeyId) } : {}),
      ...(l.publicKey ? { pubkey: { type: l.publicKey.type.toUpperCase(), bits: l.publicKey.bits } } : {}),
      keyid: colons(createHash('sha1').update(c.spki).digest()),
      subjkey: colons(createHash('sha1').update(c.publicKey).digest()),
    };
  });
  const crls = loaded.crls.map(
    ({ file, crl }): ListCertsEntry => ({
      type: 'X509_CRL',
      flag: 'NONE',
      has_privkey: false,
      file,
      issuer: formatDn(crl.issuer),
      ...(crl.crlNumber ? { serial: colons(crl.crlNumber) } : {}),
      'this-update': iso(crl.thisUpdate),
      ...(crl.nextUpdate !== undefined ? { 'next-update': iso(crl.nextUpdate) } : {}),
      ...(crl.authorityKeyId ? { authkeyId: colons(crl.authorityKeyId) } : {}),
      revoked: crl.revoked.map((r) => ({
        serial: colons(r.serial),
        date: iso(r.revocationDate),
        ...(r.reason !== undefined ? { reason: r.reason } : {}),
      })),
    }),
  );
  return [...certs, ...crls];
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number) => String(n).padStart(2, '0');

/** strongSwan's "%b %d %H:%M:%S %Y", in UTC. */
function time(isoText: string): string {
  const d = new Date(isoText);
  return `${MONTHS[d.getUTCMonth()]} ${p2(d.getUTCDate())} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

const DAY = 86_400_000;

/** "ok (expires in N days)" / "expired (N days ago)" for an end of validity. */
function until(isoText: string, now: number): string {
  const t = Date.parse(isoText);
  return t >= now
    ? `ok (expires in ${Math.floor((t - now) / DAY)} days)`
    : `expired (${Math.floor((now - t) / DAY)} days ago)`;
}

const REASONS = [
  'unspecified',
  'key compromise',
  'ca compromise',
  'affiliation changed',
  'superseded',
  'cessation of operation',
  'certificate hold',
  '',
  'remove from crl',
  'privilege withdrawn',
  'aa compromise',
];

function certLines(e: ListCertsEntry, now: number): string[] {
  const lines = [
    `  subject:  "${e.subject}"`,
    `  issuer:   "${e.issuer}"`,
    `  validity:  not before ${time(e['not-before']!)}, ${Date.parse(e['not-before']!) <= now ? 'ok' : 'not valid yet'}`,
    `             not after  ${time(e['not-after']!)}, ${until(e['not-after']!, now)}`,
    `  serial:    ${e.serial}`,
  ];
  if (e.altNames?.length) lines.push(`  altNames:  ${e.altNames.join(', ')}`);
  lines.push(`  flags:     ${(e.flags ?? []).join(' ')}`);
  if (e.authkeyId) lines.push(`  authkeyId: ${e.authkeyId}`);
  if (e.subjkeyId) lines.push(`  subjkeyId: ${e.subjkeyId}`);
  const key = e.pubkey ? `${e.pubkey.type} ${e.pubkey.bits} bits` : 'unsupported key type';
  lines.push(`  pubkey:    ${key}${e.has_privkey ? ', has private key' : ''}`);
  lines.push(`  keyid:     ${e.keyid}`);
  if (e.subjkey) lines.push(`  subjkey:   ${e.subjkey}`);
  return lines;
}

function crlLines(e: ListCertsEntry, now: number): string[] {
  const lines = [`  issuer:   "${e.issuer}"`, `  update:    this on ${time(e['this-update']!)}, ok`];
  if (e['next-update'])
    lines.push(`             next on ${time(e['next-update'])}, ${until(e['next-update'], now)}`);
  if (e.serial) lines.push(`  serial:    ${e.serial}`);
  if (e.authkeyId) lines.push(`  authKeyId: ${e.authkeyId}`);
  const revoked = e.revoked ?? [];
  lines.push(
    `  ${revoked.length} revoked certificate${revoked.length === 1 ? '' : 's'}${revoked.length ? ':' : ''}`,
  );
  for (const r of revoked)
    lines.push(`    ${r.serial}: ${time(r.date)}, ${REASONS[r.reason ?? 0] || `reason ${r.reason}`}`);
  return lines;
}

/** swanctl --list-certs text; `now` (ms) decides "ok" / "expired". */
export function formatListCerts(list: readonly ListCertsEntry[], now: number): string {
  const sections = [
    ['End Entity Certificates', list.filter((e) => e.type === 'X509' && e.flag === 'NONE'), certLines],
    ['CA Certificates', list.filter((e) => e.type === 'X509' && e.flag === 'CA'), certLines],
    ['CRLs', list.filter((e) => e.type === 'X509_CRL'), crlLines],
  ] as const;
  const out: string[] = [];
  for (const [title, entries, lines] of sections) {
    if (entries.length === 0) continue;
    out.push('', `List of X.509 ${title}`);
    for (const e of entries) out.push('', ...lines(e, now));
  }
  return out.length ? `${out.join('\n')}\n` : '';
}
