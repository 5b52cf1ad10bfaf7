/**
 * IKEv2 spec constants (RFC 7296 §3 and the IANA "IKEv2 Parameters" registries), with name
 * lookups for logs. Notify message types are in notify-types.ts. Implementation limits are
 * not here (see limits in the codecs).
 */

/** Next Payload / payload type values (RFC 7296 §3.2; IANA "IKEv2 Payload Types"). */
export const PayloadType = {
  NONE: 0, // No Next Payload
  SA: 33, // Security Association (§3.3)
  KE: 34, // Key Exchange (§3.4)
  IDi: 35, // Identification - Initiator (§3.5)
  IDr: 36, // Identification - Responder (§3.5)
  CERT: 37, // Certificate (§3.6)
  CERTREQ: 38, // Certificate Request (§3.7)
  AUTH: 39, // Authentication (§3.8)
  NONCE: 40, // Nonce, Ni/Nr (§3.9)
  N: 41, // Notify (§3.10)
  D: 42, // Delete (§3.11)
  V: 43, // Vendor ID (§3.12)
  TSi: 44, // Traffic Selector - Initiator (§3.13)
  TSr: 45, // Traffic Selector - Responder (§3.13)
  SK: 46, // Encrypted and Authenticated (§3.14)
  CP: 47, // Configuration (§3.15)
  EAP: 48, // Extensible Authentication (§3.16)
  GSPM: 49, // Generic Secure Password Method (RFC 6467): no codec, treated as unknown
  IDg: 50, // Group Identification (RFC 9838, G-IKEv2): no codec
  GSA: 51, // Group Security Association: no codec
  KD: 52, // Key Download: no codec
  SKF: 53, // Encrypted and Authenticated Fragment (RFC 7383 §2.5)
  PS: 54, // Puzzle Solution (RFC 8019): no codec
} as const;
export type PayloadTypeValue = (typeof PayloadType)[keyof typeof PayloadType];

/** Exchange types (RFC 7296 §3.1; IANA "IKEv2 Exchange Types"). */
export const ExchangeType = {
  IKE_SA_INIT: 34,
  IKE_AUTH: 35,
  CREATE_CHILD_SA: 36,
  INFORMATIONAL: 37,
  IKE_SESSION_RESUME: 38, // RFC 5723
  IKE_INTERMEDIATE: 43, // RFC 9242
  IKE_FOLLOWUP_KE: 44, // RFC 9370
} as const;

/** IKE header flags octet (RFC 7296 §3.1): bit 3 I(nitiator), bit 4 V(ersion), bit 5 R(esponse). */
export const HeaderFlag = {
  I: 0x08,
  V: 0x10,
  R: 0x20,
} as const;

/** IKE header Major/Minor Version (RFC 7296 §3.1). */
export const IKE_MAJOR_VERSION = 2;
export const IKE_MINOR_VERSION = 0;

/** ID Type (RFC 7296 §3.5; ID_NULL from RFC 7619). */
export const IdType = {
  ID_IPV4_ADDR: 1,
  ID_FQDN: 2,
  ID_RFC822_ADDR: 3,
  ID_IPV6_ADDR: 5,
  ID_DER_ASN1_DN: 9,
  ID_DER_ASN1_GN: 10,
  ID_KEY_ID: 11,
  ID_FC_NAME: 12, // RFC 4595
  ID_NULL: 13, // RFC 7619
} as const;

/** Auth Method (RFC 7296 §3.8; IANA "IKEv2 Authentication Method"). */
export const AuthMethod = {
  RSA_DIGITAL_SIGNATURE: 1,
  SHARED_KEY_MIC: 2,
  DSS_DIGITAL_SIGNATURE: 3,
  ECDSA_SHA256_P256: 9, // RFC 4754
  ECDSA_SHA384_P384: 10,
  ECDSA_SHA512_P521: 11,
  GENERIC_SECURE_PASSWORD: 12, // RFC 6467
  NULL_AUTH: 13, // RFC 7619
  DIGITAL_SIGNATURE: 14, // RFC 7427
} as const;

/** Certificate Encoding (RFC 7296 §3.6; Raw Public Key from RFC 7670). */
export const CertEncoding = {
  PKCS7_X509: 1,
  PGP: 2,
  DNS_SIGNED_KEY: 3,
  X509_SIGNATURE: 4,
  KERBEROS_TOKEN: 6,
  CRL: 7,
  ARL: 8,
  SPKI: 9,
  X509_ATTRIBUTE: 10,
  RAW_RSA_KEY: 11, // deprecated by RFC 7296
  HASH_URL_X509_CERT: 12,
  HASH_URL_X509_BUNDLE: 13,
  OCSP_CONTENT: 14, // RFC 4806
  RAW_PUBLIC_KEY: 15, // RFC 7670
} as const;

/** CFG Type of the Configuration payload (RFC 7296 §3.15). */
export const CfgType = {
  CFG_REQUEST: 1,
  CFG_REPLY: 2,
  CFG_SET: 3,
  CFG_ACK: 4,
} as const;

/** Configuration attribute types (RFC 7296 §3.15.1; later RFCs as noted). */
export const CfgAttribute = {
  INTERNAL_IP4_ADDRESS: 1,
  INTERNAL_IP4_NETMASK: 2,
  INTERNAL_IP4_DNS: 3,
  INTERNAL_IP4_NBNS: 4,
  INTERNAL_IP4_DHCP: 6,
  APPLICATION_VERSION: 7,
  INTERNAL_IP6_ADDRESS: 8,
  INTERNAL_IP6_DNS: 10,
  INTERNAL_IP6_DHCP: 12,
  INTERNAL_IP4_SUBNET: 13,
  SUPPORTED_ATTRIBUTES: 14,
  INTERNAL_IP6_SUBNET: 15,
  MIP6_HOME_PREFIX: 16, // RFC 5026
  INTERNAL_IP6_LINK: 17, // RFC 5739
  INTERNAL_IP6_PREFIX: 18, // RFC 5739
  HOME_AGENT_ADDRESS: 19, // RFC 5213 / 3GPP
  P_CSCF_IP4_ADDRESS: 20, // RFC 7651
  P_CSCF_IP6_ADDRESS: 21, // RFC 7651
  INTERNAL_DNS_DOMAIN: 25, // RFC 8598
  INTERNAL_DNSSEC_TA: 26, // RFC 8598
} as const;

/** Transform attribute format bit (AF, RFC 7296 §3.3.5): 1 = TV (2-octet value), 0 = TLV. */
export const ATTRIBUTE_FORMAT_TV = 0x8000;

/** Traffic selector "any port" range (RFC 7296 §3.13.1). */
export const PORT_MAX = 65535;

/** Builds a value -> name lookup over one constant table; unknown values print as `PREFIX(n)`. */
export function nameLookup(
  table: Readonly<Record<string, number>>,
  prefix: string,
): (value: number) => string {
  const names = new Map<number, string>();
  for (const [name, value] of Object.entries(table)) if (!names.has(value)) names.set(value, name);
  return (value) => names.get(value) ?? `${prefix}(${value})`;
}

export const payloadTypeName = /* @__PURE__ */ nameLookup(PayloadType, 'PAYLOAD');
export const exchangeTypeName = /* @__PURE__ */ nameLookup(ExchangeType, 'EXCHANGE');
export const idTypeName = /* @__PURE__ */ nameLookup(IdType, 'ID');
export const authMethodName = /* @__PURE__ */ nameLookup(AuthMethod, 'AUTH_METHOD');
export const certEncodingName = /* @__PURE__ */ nameLookup(CertEncoding, 'CERT_ENCODING');
export const cfgTypeName = /* @__PURE__ */ nameLookup(CfgType, 'CFG');
export const cfgAttributeName = /* @__PURE__ */ nameLookup(CfgAttribute, 'CFG_ATTRIBUTE');
