/**
 * Distinguished names (RFC 5280 §4.1.2.4): DER in and out, strongSwan's text syntax
 * ("C=CH, O=strongSwan Project, CN=moon.strongswan.org" or "/C=CH/O=org/CN=gw"), comparison
 * (RFC 5280 §7.1, simplified) and strongSwan's wildcard matching ("CN=*").
 */
import { err, ok, type Result } from '../result.js';
import { equalBytes } from '../util/bytes.js';
import {
  type DerError,
  decodeOid,
  decodeString,
  derError,
  isValidOid,
  readChildren,
  readSingle,
  Tag,
} from './der.js';
import { derIa5, derOid, derPrintable, derSequence, derSet, derUtf8 } from './der-write.js';
import type { Name, NameAttribute } from './types.js';

/**
 * strongSwan's keywords (libstrongswan identification.c x501rdns), in its order: formatting uses
 * the first keyword listed for an OID. `ia5` marks the attributes strongSwan encodes as IA5String.
 */
const KEYWORDS: readonly { readonly key: string; readonly oid: string; readonly ia5?: true }[] = [
  { key: 'ND', oid: '2.5.4.54' },
  { key: 'UID', oid: '0.9.2342.19200300.100.1.1' },
  { key: 'DC', oid: '0.9.2342.19200300.100.1.25' },
  { key: 'CN', oid: '2.5.4.3' },
  { key: 'S', oid: '2.5.4.4' },
  { key: 'SN', oid: '2.5.4.5' },
  { key: 'serialNumber', oid: '2.5.4.5' },
  { key: 'C', oid: '2.5.4.6' },
  { key: 'L', oid: '2.5.4.7' },
  { key: 'ST', oid: '2.5.4.8' },
  { key: 'STREET', oid: '2.5.4.9' },
  { key: 'O', oid: '2.5.4.10' },
  { key: 'OU', oid: '2.5.4.11' },
  { key: 'T', oid: '2.5.4.12' },
  { key: 'title', oid: '2.5.4.12' },
  { key: 'D', oid: '2.5.4.13' },
  { key: 'postalCode', oid: '2.5.4.17' },
  { key: 'N', oid: '2.5.4.41' },
  { key: 'G', oid: '2.5.4.42' },
  { key: 'givenName', oid: '2.5.4.42' },
  { key: 'surname', oid: '2.5.4.4' },
  { key: 'I', oid: '2.5.4.43' },
  { key: 'dnQualifier', oid: '2.5.4.46' },
  { key: 'pseudonym', oid: '2.5.4.65' },
  { key: 'ID', oid: '2.5.4.45' },
  { key: 'E', oid: '1.2.840.113549.1.9.1', ia5: true },
  { key: 'Email', oid: '1.2.840.113549.1.9.1', ia5: true },
  { key: 'emailAddress', oid: '1.2.840.113549.1.9.1', ia5: true },
  { key: 'UN', oid: '1.2.840.113549.1.9.2', ia5: true },
  { key: 'unstructuredName', oid: '1.2.840.113549.1.9.2', ia5: true },
  { key: 'UA', oid: '1.2.840.113549.1.9.8' },
  { key: 'unstructuredAddress', oid: '1.2.840.113549.1.9.8' },
];

const BY_KEY = new Map(KEYWORDS.map((k) => [k.key.toLowerCase(), k]));
const BY_OID = new Map<string, (typeof KEYWORDS)[number]>();
for (const k of KEYWORDS) if (!BY_OID.has(k.oid)) BY_OID.set(k.oid, k);

/** The keyword strongSwan prints for an attribute type, or the dotted OID. */
export const attributeKeyword = (oid: string): string => BY_OID.get(oid)?.key ?? oid;

/** Name ::= SEQUENCE OF RelativeDistinguishedName (RFC 5280 §4.1.2.4); `der` is that SEQUENCE. */
export function parseNameDer(der: Uint8Array): Result<Name, DerError> {
  const seq = readSingle(der, Tag.SEQUENCE);
  if (!seq.ok) return seq;
  const sets = readChildren(seq.value.value);
  if (!sets.ok) return sets;
  const rdns: NameAttribute[][] = [];
  for (const set of sets.value) {
    // RelativeDistinguishedName ::= SET SIZE (1..MAX) OF AttributeTypeAndValue
    if (set.tag !== Tag.SET) return err(derError('UNEXPECTED_TAG', 'Name: RDN is not a SET', set.start));
    const atvs = readChildren(set.value);
    if (!atvs.ok) return atvs;
    if (atvs.value.length === 0) return err(derError('TRUNCATED', 'Name: empty RDN', set.start));
    const rdn: NameAttribute[] = [];
    for (const atv of atvs.value) {
      // AttributeTypeAndValue ::= SEQUENCE { type AttributeType, value AttributeValue }
      if (atv.tag !== Tag.SEQUENCE)
        return err(derError('UNEXPECTED_TAG', 'Name: attribute is not a SEQUENCE', atv.start));
      const parts = readChildren(atv.value);
      if (!parts.ok) return parts;
      const [type, value] = parts.value;
      if (parts.value.length !== 2 || type!.tag !== Tag.OID)
        return err(derError('UNEXPECTED_TAG', 'Name: attribute is not { OID, value }', atv.start));
      const oid = decodeOid(type!.value);
      if (!oid.ok) return oid;
      const text = decodeString(value!);
      // Values that are not strings are kept as strongSwan prints them: '#' and hex.
      const v = text.ok
        ? text.value
        : `#${Array.from(value!.der, (b) => b.toString(16).padStart(2, '0')).join('')}`;
      rdn.push({ oid: oid.value, value: v, tag: value!.tag });
    }
    rdns.push(rdn);
  }
  return ok({ rdns, der });
}

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: IA5 is 7-bit ASCII
const IA5 = /^[\x00-\x7f]*$/;

/** strongSwan's choice: PrintableString when the value allows, IA5String for email, else UTF8String. */
function encodeValue(oid: string, value: string): { tag: number; der: Uint8Array } {
  if (BY_OID.get(oid)?.ia5 && IA5.test(value)) return { tag: Tag.IA5String, der: derIa5(value) };
  if (PRINTABLE.test(value)) return { tag: Tag.PrintableString, der: derPrintable(value) };
  return { tag: Tag.UTF8String, der: derUtf8(value) };
}

/** A Name from attributes (one per RDN unless grouped), encoded as strongSwan would. */
export function encodeName(rdns: readonly (readonly { oid: string; value: string }[])[]): Name {
  const out: NameAttribute[][] = [];
  const sets: Uint8Array[] = [];
  for (const rdn of rdns) {
    const attrs = rdn.map((a) => ({ oid: a.oid, value: a.value, ...encodeValue(a.oid, a.value) }));
    out.push(attrs.map(({ oid, value, tag }) => ({ oid, value, tag })));
    sets.push(derSet(...attrs.map((a) => derSequence(derOid(a.oid), a.der))));
  }
  return { rdns: out, der: derSequence(...sets) };
}

/**
 * strongSwan's DN text: "K=v, K=v" or "/K=v/K=v" (a leading '/' makes '/' the separator, as
 * strongSwan's atodn does). Keywords are case-insensitive; dotted OIDs are accepted; values may be
 * double-quoted or contain backslash escapes ("\,"); spaces around separators are trimmed.
 */
export function parseDnText(text: string): Result<Name, string> {
  let s = text.trim();
  let sep = ',';
  if (s.startsWith('/')) {
    sep = '/';
    s = s.slice(1);
  }
  const attrs: { oid: string; value: string }[] = [];
  let i = 0;
  while (i < s.length) {
    while (i < s.length && (s[i] === ' ' || s[i] === sep)) i++;
    if (i >= s.length) break;
    const eq = s.indexOf('=', i);
    if (eq < 0) return err(`missing '=' after '${s.slice(i)}'`);
    const key = s.slice(i, eq).trim();
    let oid: string;
    if (/^[\d.]+$/.test(key)) {
      if (!isValidOid(key)) return err(`invalid attribute OID '${key}'`);
      oid = key;
    } else {
      const k = BY_KEY.get(key.toLowerCase());
      if (!k) return err(`unknown attribute '${key}'`);
      oid = k.oid;
    }
    i = eq + 1;
    while (s[i] === ' ') i++;
    let value = '';
    if (s[i] === '"') {
      // Quoted value: up to the closing quote, '\"' and '\\' escaped.
      i++;
      for (;;) {
        if (i >= s.length) return err(`unterminated quoted value for '${key}'`);
        if (s[i] === '\\' && i + 1 < s.length) {
          value += s[i + 1];
          i += 2;
        } else if (s[i] === '"') {
          i++;
          break;
        } else value += s[i++];
      }
      while (s[i] === ' ') i++;
      if (i < s.length && s[i] !== sep) return err(`text after quoted value for '${key}'`);
    } else {
      let trailing = 0;
      while (i < s.length && s[i] !== sep) {
        if (s[i] === '\\' && i + 1 < s.length) {
          value += s[i + 1];
          trailing = 0;
          i += 2;
          continue;
        }
        trailing = s[i] === ' ' ? trailing + 1 : 0;
        value += s[i++];
      }
      value = value.slice(0, value.length - trailing);
    }
    if (value === '') return err(`empty value for '${key}'`);
    attrs.push({ oid, value });
  }
  if (attrs.length === 0) return err('empty distinguished name');
  return ok(encodeName(attrs.map((a) => [a])));
}

/** Backslash-escapes what would otherwise end or confuse a value when read back. */
function escapeValue(v: string): string {
  let e = v.replace(/[\\,]/g, (c) => `\\${c}`);
  if (e.startsWith('"') || e.startsWith(' ')) e = `\\${e}`;
  if (v.length > 1 && v.endsWith(' ')) e = `${e.slice(0, -1)}\\ `;
  return e;
}

/** As strongSwan prints a DN: "C=CH, O=org, CN=gw" (every attribute, in order). */
export function formatDn(name: Name): string {
  return name.rdns
    .flat()
    .map((a) => `${attributeKeyword(a.oid)}=${escapeValue(a.value)}`)
    .join(', ');
}

/** RFC 5280 §7.1 (simplified from RFC 4518): case-insensitive, whitespace collapsed, any string type. */
const normalize = (v: string): string => v.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();

function rdnEquals(a: readonly NameAttribute[], b: readonly NameAttribute[], wildcard: boolean): boolean {
  if (a.length !== b.length) return false;
  // A multi-valued RDN is a SET: match each attribute of `a` to a distinct one of `b`.
  const used = new Set<number>();
  for (const x of a) {
    const j = b.findIndex(
      (y, k) =>
        !used.has(k) &&
        x.oid === y.oid &&
        ((wildcard && x.value === '*') || normalize(x.value) === normalize(y.value)),
    );
    if (j < 0) return false;
    used.add(j);
  }
  return true;
}

/** RFC 5280 §7.1: same RDNs in the same order, attribute values compared as caseIgnoreMatch. */
export function nameEquals(a: Name, b: Name): boolean {
  if (equalBytes(a.der, b.der)) return true;
  if (a.rdns.length !== b.rdns.length) return false;
  return a.rdns.every((rdn, i) => rdnEquals(rdn, b.rdns[i]!, false));
}

/** strongSwan's DN wildcard match: same RDNs and OIDs in order; a pattern value '*' matches any value. */
export function dnMatches(pattern: Name, name: Name): boolean {
  if (pattern.rdns.length !== name.rdns.length) return false;
  return pattern.rdns.every((rdn, i) => rdnEquals(rdn, name.rdns[i]!, true));
}
