/**
 * X.509 certificates and CRLs as parsed (RFC 5280), the shapes the rest of the stack reads.
 * Parsers live beside this file (certificate.ts, crl.ts); they keep the DER they read so a
 * certificate goes back on the wire (CERT payload) octet for octet.
 */

/** One AttributeTypeAndValue of a distinguished name (RFC 5280 §4.1.2.4). */
export interface NameAttribute {
  /** Dotted OID, e.g. '2.5.4.3' (CN). */
  readonly oid: string;
  /** The value as text (PrintableString, UTF8String, IA5String...); */
  readonly value: string;
  /** ASN.1 tag of the value as encoded (for re-encoding and exact comparison). */
  readonly tag: number;
}

/** A distinguished name: RDNs in order, each a set of attributes (usually one). */
export interface Name {
  readonly rdns: readonly (readonly NameAttribute[])[];
  /** The Name's DER (the SEQUENCE), as read or as encoded. */
  readonly der: Uint8Array;
}

export type GeneralName =
  | { readonly type: 'dns'; readonly value: string }
  | { readonly type: 'email'; readonly value: string }
  | { readonly type: 'ip'; readonly value: Uint8Array }
  | { readonly type: 'uri'; readonly value: string }
  | { readonly type: 'dn'; readonly value: Name }
  | { readonly type: 'other'; readonly tag: number };

export interface AlgorithmIdentifier {
  readonly oid: string;
  /** DER of the parameters, absent when omitted (NULL is kept as its two octets 05 00). */
  readonly parameters?: Uint8Array;
  /** DER of the whole AlgorithmIdentifier SEQUENCE. */
  readonly der: Uint8Array;
}

/** keyUsage bits (RFC 5280 §4.2.1.3), by name. */
export interface KeyUsage {
  readonly digitalSignature: boolean;
  readonly nonRepudiation: boolean;
  readonly keyEncipherment: boolean;
  readonly dataEncipherment: boolean;
  readonly keyAgreement: boolean;
  readonly keyCertSign: boolean;
  readonly cRLSign: boolean;
}

export interface Certificate {
  /** The whole certificate's DER. */
  readonly der: Uint8Array;
  /** tbsCertificate's DER: what the issuer signed. */
  readonly tbs: Uint8Array;
  readonly version: number;
  /** Serial number octets as encoded (big-endian, may have a leading 0). */
  readonly serial: Uint8Array;
  readonly signatureAlgorithm: AlgorithmIdentifier;
  readonly signature: Uint8Array;
  readonly issuer: Name;
  readonly subject: Name;
  /** Validity, ms since the epoch. */
  readonly notBefore: number;
  readonly notAfter: number;
  /** DER of subjectPublicKeyInfo (what a SignatureProvider imports). */
  readonly spki: Uint8Array;
  readonly publicKeyAlgorithm: AlgorithmIdentifier;
  /** The BIT STRING contents of subjectPublicKey (no unused-bits octet). */
  readonly publicKey: Uint8Array;
  /** basicConstraints (absent = not a CA). */
  readonly basicConstraints?: { readonly ca: boolean; readonly pathLen?: number };
  readonly keyUsage?: KeyUsage;
  /** extendedKeyUsage OIDs. */
  readonly extendedKeyUsage?: readonly string[];
  readonly subjectAltNames: readonly GeneralName[];
  readonly subjectKeyId?: Uint8Array;
  readonly authorityKeyId?: Uint8Array;
  /** URIs of cRLDistributionPoints. */
  readonly crlDistributionPoints: readonly string[];
  /** OIDs of critical extensions this parser does not understand (RFC 5280 §4.2: must reject). */
  readonly unknownCritical: readonly string[];
}

export interface RevokedEntry {
  readonly serial: Uint8Array;
  readonly revocationDate: number;
  /** CRLReason code, when given. */
  readonly reason?: number;
}

export interface Crl {
  readonly der: Uint8Array;
  readonly tbs: Uint8Array;
  readonly signatureAlgorithm: AlgorithmIdentifier;
  readonly signature: Uint8Array;
  readonly issuer: Name;
  readonly thisUpdate: number;
  readonly nextUpdate?: number;
  readonly revoked: readonly RevokedEntry[];
  readonly authorityKeyId?: Uint8Array;
  readonly crlNumber?: Uint8Array;
}
