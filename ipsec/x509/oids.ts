/**
 * Object identifiers X.509 handling needs, by their RFC names (dotted text, as decodeOid returns).
 */

/** Attribute types of distinguished names (RFC 5280 §4.1.2.4, X.520; RFC 4519). */
export const AttributeOid = {
  commonName: '2.5.4.3',
  surname: '2.5.4.4',
  serialNumber: '2.5.4.5',
  countryName: '2.5.4.6',
  localityName: '2.5.4.7',
  stateOrProvinceName: '2.5.4.8',
  streetAddress: '2.5.4.9',
  organizationName: '2.5.4.10',
  organizationalUnitName: '2.5.4.11',
  title: '2.5.4.12',
  description: '2.5.4.13',
  postalCode: '2.5.4.17',
  name: '2.5.4.41',
  givenName: '2.5.4.42',
  initials: '2.5.4.43',
  generationQualifier: '2.5.4.44',
  uniqueIdentifier: '2.5.4.45',
  dnQualifier: '2.5.4.46',
  pseudonym: '2.5.4.65',
  role: '2.5.4.72',
  /** PKCS #9 emailAddress (RFC 5280 Appendix A.1, legacy). */
  emailAddress: '1.2.840.113549.1.9.1',
  unstructuredName: '1.2.840.113549.1.9.2',
  unstructuredAddress: '1.2.840.113549.1.9.8',
  /** RFC 4519 §2.39 uid. */
  userId: '0.9.2342.19200300.100.1.1',
  /** RFC 4519 §2.4 dc. */
  domainComponent: '0.9.2342.19200300.100.1.25',
} as const;

/** Public key algorithms (RFC 3279, RFC 4055, RFC 5480, RFC 8410). */
export const KeyOid = {
  rsaEncryption: '1.2.840.113549.1.1.1',
  'id-RSASSA-PSS': '1.2.840.113549.1.1.10',
  'id-ecPublicKey': '1.2.840.10045.2.1',
  'id-Ed25519': '1.3.101.112',
  'id-Ed448': '1.3.101.113',
} as const;

/** Named curves (RFC 5480 §2.1.1.1). */
export const CurveOid = {
  prime256v1: '1.2.840.10045.3.1.7',
  secp384r1: '1.3.132.0.34',
  secp521r1: '1.3.132.0.35',
} as const;

/** Signature algorithms (RFC 3279 §2.2, RFC 4055 §5, RFC 5758 §3.2, RFC 8410 §3). */
export const SignatureOid = {
  md5WithRSAEncryption: '1.2.840.113549.1.1.4',
  sha1WithRSAEncryption: '1.2.840.113549.1.1.5',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  sha384WithRSAEncryption: '1.2.840.113549.1.1.12',
  sha512WithRSAEncryption: '1.2.840.113549.1.1.13',
  'id-RSASSA-PSS': '1.2.840.113549.1.1.10',
  'ecdsa-with-SHA1': '1.2.840.10045.4.1',
  'ecdsa-with-SHA256': '1.2.840.10045.4.3.2',
  'ecdsa-with-SHA384': '1.2.840.10045.4.3.3',
  'ecdsa-with-SHA512': '1.2.840.10045.4.3.4',
  'id-Ed25519': '1.3.101.112',
  'id-Ed448': '1.3.101.113',
} as const;

/** Hash algorithms (RFC 8017 Appendix A.2.4, NIST) and MGF1 (RFC 8017 Appendix B.2.1). */
export const HashOid = {
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  'id-mgf1': '1.2.840.113549.1.1.8',
} as const;

/** Certificate and CRL extensions (RFC 5280 §4.2, §5.2, §5.3). */
export const ExtensionOid = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  issuerAltName: '2.5.29.18',
  basicConstraints: '2.5.29.19',
  cRLNumber: '2.5.29.20',
  reasonCode: '2.5.29.21',
  invalidityDate: '2.5.29.24',
  deltaCRLIndicator: '2.5.29.27',
  issuingDistributionPoint: '2.5.29.28',
  certificateIssuer: '2.5.29.29',
  nameConstraints: '2.5.29.30',
  cRLDistributionPoints: '2.5.29.31',
  certificatePolicies: '2.5.29.32',
  policyMappings: '2.5.29.33',
  authorityKeyIdentifier: '2.5.29.35',
  policyConstraints: '2.5.29.36',
  extKeyUsage: '2.5.29.37',
  freshestCRL: '2.5.29.46',
  inhibitAnyPolicy: '2.5.29.54',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
} as const;

/** extKeyUsage purposes (RFC 5280 §4.2.1.12; RFC 4945 §5.1.3.12 for IKE). */
export const ExtKeyUsageOid = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  ipsecEndSystem: '1.3.6.1.5.5.7.3.5',
  ipsecTunnel: '1.3.6.1.5.5.7.3.6',
  ipsecUser: '1.3.6.1.5.5.7.3.7',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  OCSPSigning: '1.3.6.1.5.5.7.3.9',
  ipsecIKE: '1.3.6.1.5.5.7.3.17',
  anyExtendedKeyUsage: '2.5.29.37.0',
} as const;
