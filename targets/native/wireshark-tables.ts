/**
 * Wireshark's decryption tables as strongSwan's save-keys plugin writes them (the pure half of
 * --save-keys; save-keys.ts writes the files): the rows of an IKE SA (ikev2_decryption_table)
 * and of a Child SA (esp_sa, one per direction), their lines, and the algorithm names
 * Wireshark's UATs use (Wireshark 4.0, as verified in the interop lab). Wireshark has no
 * AES-XCBC/AES-CMAC integrity: those SAs get "ANY 96 bit" (no checking), which still decrypts.
 * Ciphers Wireshark cannot decrypt (ChaCha20-Poly1305, ESP AES-CCM) get a reason instead.
 */
import type { IkeSaHandle, InstalledChild } from '../../actors/supervisor.js';
import { EncrId, IntegId } from '../../ipsec/crypto/ids.js';
import type { EncrTransform, IntegTransform } from '../../ipsec/crypto/types.js';
import type { IkeSession } from '../../ipsec/ike/exchange/session.js';
import { toHex } from '../../ipsec/util/bytes.js';
export const IKEV2_TABLE = 'ikev2_decryption_table';
export const ESP_TABLE = 'esp_sa';

export interface IkeKeyRow {
  readonly spiI: string;
  readonly spiR: string;
  readonly skEi: string;
  readonly skEr: string;
  readonly encr: string;
  readonly skAi: string;
  readonly skAr: string;
  readonly integ: string;
}

export interface EspKeyRow {
  readonly family: 'IPv4' | 'IPv6';
  readonly src: string;
  readonly dst: string;
  /** 8 lowercase hex digits. */
  readonly spi: string;
  readonly encr: string;
  readonly encrKey: string;
  readonly integ: string;
  readonly integKey: string;
}

type Named = { readonly name: string } | { readonly skip: string };

const GCM = new Map<number, number>([
  [EncrId.AES_GCM_8, 8],
  [EncrId.AES_GCM_12, 12],
  [EncrId.AES_GCM_16, 16],
]);
const CCM = new Map<number, number>([
  [EncrId.AES_CCM_8, 8],
  [EncrId.AES_CCM_12, 12],
  [EncrId.AES_CCM_16, 16],
]);
const NO_CHECKING = new Set<number>([IntegId.AES_XCBC_96, IntegId.AES_CMAC_96]);

const cannot = (what: string): Named => ({ skip: `${what}: Wireshark cannot decrypt it` });

/** Wireshark's IKEv2 UAT name of a cipher (packet-isakmp.c). */
export function ikeEncrName(e: EncrTransform): Named {
  const bits = e.keyBits;
  if (e.id === EncrId.AES_CBC) return { name: `AES-CBC-${bits} [RFC3602]` };
  if (e.id === EncrId.AES_CTR) return { name: `AES-CTR-${bits} [RFC5930]` };
  const gcm = GCM.get(e.id);
  if (gcm) return { name: `AES-GCM-${bits} with ${gcm} octet ICV [RFC5282]` };
  const ccm = CCM.get(e.id);
  if (ccm) return { name: `AES-CCM-${bits} with ${ccm} octet ICV [RFC5282]` };
  return cannot(e.name);
}

/** Wireshark's IKEv2 UAT name of an integrity algorithm; `keys` false = leave SK_a* empty. */
export function ikeIntegName(i: IntegTransform | undefined): Named & { keys?: boolean } {
  if (!i) return { name: 'NONE [RFC4306]', keys: false };
  if (i.id === IntegId.HMAC_SHA1_96) return { name: 'HMAC_SHA1_96 [RFC2404]', keys: true };
  if (i.name.startsWith('HMAC_SHA2_')) return { name: `${i.name} [RFC4868]`, keys: true };
  // Wireshark's "ANY n-bits" entries take no key (key length 0 in its table).
  if (NO_CHECKING.has(i.id))
    return { name: `ANY ${i.icvLength * 8}-bits of Authentication [No Checking]`, keys: false };
  return cannot(i.name);
}

/** Wireshark's ESP UAT name of a cipher (packet-ipsec.c). */
export function espEncrName(e: EncrTransform): Named {
  if (e.id === EncrId.NULL) return { name: 'NULL' };
  if (e.id === EncrId.AES_CBC) return { name: 'AES-CBC [RFC3602]' };
  if (e.id === EncrId.AES_CTR) return { name: 'AES-CTR [RFC3686]' };
  const gcm = GCM.get(e.id);
  if (gcm) return { name: `AES-GCM with ${gcm} octet ICV [RFC4106]` };
  return cannot(e.name);
}

export function espIntegName(i: IntegTransform | undefined): Named & { keys?: boolean } {
  if (!i) return { name: 'NULL', keys: false };
  switch (i.id) {
    case IntegId.HMAC_SHA1_96:
      return { name: 'HMAC-SHA-1-96 [RFC2404]', keys: true };
    case IntegId.HMAC_SHA2_256_128:
      return { name: 'HMAC-SHA-256-128 [RFC4868]', keys: true };
    case IntegId.HMAC_SHA2_384_192:
      return { name: 'HMAC-SHA-384-192 [RFC4868]', keys: true };
    case IntegId.HMAC_SHA2_512_256:
      return { name: 'HMAC-SHA-512-256 [RFC4868]', keys: true };
  }
  if (NO_CHECKING.has(i.id))
    return { name: `ANY ${i.icvLength * 8} bit authentication [no checking]`, keys: false };
  return cannot(i.name);
}

/** The ikev2_decryption_table row of an IKE SA with keys, or why there is none. */
export function ikeKeyRow(s: IkeSession): { row: IkeKeyRow } | { skip: string } {
  const keys = s.keys;
  const suite = s.suite;
  if (!keys || !suite) return { skip: 'no keys yet' };
  const encr = ikeEncrName(suite.encr);
  const integ = ikeIntegName(suite.integ);
  if ('skip' in encr) return encr;
  if ('skip' in integ) return integ;
  return {
    row: {
      spiI: toHex(s.spiI),
      spiR: toHex(s.spiR),
      skEi: toHex(keys.skEi),
      skEr: toHex(keys.skEr),
      encr: encr.name,
      skAi: integ.keys ? toHex(keys.skAi) : '',
      skAr: integ.keys ? toHex(keys.skAr) : '',
      integ: integ.name,
    },
  };
}

/** The two esp_sa rows of a Child SA (outbound, inbound), or why there are none. */
export function espKeyRows(
  h: Pick<IkeSaHandle, 'local' | 'remote'>,
  c: Pick<InstalledChild, 'record'>,
): { rows: EspKeyRow[] } | { skip: string } {
  const r = c.record;
  const encr = espEncrName(r.suite.encr);
  const integ = espIntegName(r.suite.integ);
  if ('skip' in encr) return encr;
  if ('skip' in integ) return integ;
  // RFC 7296 §2.17: keys.initiator protects what the creating exchange's initiator sends.
  const out = r.exchangeInitiator ? r.keys.initiator : r.keys.responder;
  const inn = r.exchangeInitiator ? r.keys.responder : r.keys.initiator;
  const family = h.local.address.includes(':') ? 'IPv6' : 'IPv4';
  const row = (src: string, dst: string, spi: Uint8Array, k: typeof out): EspKeyRow => ({
    family,
    src,
    dst,
    spi: toHex(spi),
    encr: encr.name,
    encrKey: k.encr.length ? toHex(k.encr) : '',
    integ: integ.name,
    integKey: integ.keys && k.integ.length ? toHex(k.integ) : '',
  });
  return {
    rows: [
      row(h.local.address, h.remote.address, r.spiOut, out),
      row(h.remote.address, h.local.address, r.spiIn, inn),
    ],
  };
}

const hex0x = (k: string) => (k ? `"0x${k}"` : '""');

export const ikeLine = (r: IkeKeyRow) =>
  `${r.spiI},${r.spiR},${r.skEi},${r.skEr},"${r.encr}",${r.skAi},${r.skAr},"${r.integ}"\n`;
export const espLine = (r: EspKeyRow) =>
  `"${r.family}","${r.src}","${r.dst}","0x${r.spi}","${r.encr}",${hex0x(r.encrKey)},"${r.integ}",${hex0x(r.integKey)}\n`;

export function formatIkeTable(rows: readonly IkeKeyRow[]): string {
  return rows.map(ikeLine).join('');
}

export function formatEspTable(rows: readonly EspKeyRow[]): string {
  return rows.map(espLine).join('');
}

/**
 * The part of a table line that names its SA: up to and with the `commas`-th comma (IKE: SPIi
 * and SPIr; ESP: protocol, source, destination and SPI). No field before it holds a comma.
 */
export function lineKey(line: string, commas: number): string {
  let i = -1;
  for (let n = 0; n < commas; n++) {
    i = line.indexOf(',', i + 1);
    if (i < 0) return line;
  }
  return line.slice(0, i + 1);
}
export const IKE_KEY_COMMAS = 2;
export const ESP_KEY_COMMAS = 4;

export const WIRESHARK_PREFERENCES =
  'esp.enable_encryption_decode: TRUE\nesp.enable_authentication_check: TRUE\n';
