/**
 * Whether a certificate carries an IKE identity (RFC 7296 §3.5, RFC 4945 §3.1): strongSwan's
 * has_subject. A DN matches the subject (or a directoryName SAN); FQDN, RFC822 and IP identities
 * match subjectAltName entries only, never the subject's CN (RFC 4945 §3.1.2, as strongSwan does).
 */
import type { Identity } from '../ike/identity.js';
import { IdType } from '../ike/wire/constants.js';
import { equalBytes } from '../util/bytes.js';
import { nameEquals, parseNameDer } from './name.js';
import type { Certificate } from './types.js';

const text = (b: Uint8Array): string => new TextDecoder().decode(b);

export function certificateMatchesIdentity(cert: Certificate, id: Identity): boolean {
  const sans = cert.subjectAltNames;
  switch (id.type) {
    case IdType.ID_DER_ASN1_DN: {
      const n = parseNameDer(id.data);
      if (!n.ok) return false;
      return (
        nameEquals(cert.subject, n.value) || sans.some((g) => g.type === 'dn' && nameEquals(g.value, n.value))
      );
    }
    case IdType.ID_FQDN: {
      // RFC 4945 §3.1.2: FQDN against dNSName, case-insensitively.
      const want = text(id.data).toLowerCase();
      return sans.some((g) => g.type === 'dns' && g.value.toLowerCase() === want);
    }
    case IdType.ID_RFC822_ADDR: {
      // RFC 4945 §3.1.3: USER_FQDN against rfc822Name.
      const want = text(id.data).toLowerCase();
      return sans.some((g) => g.type === 'email' && g.value.toLowerCase() === want);
    }
    case IdType.ID_IPV4_ADDR:
    case IdType.ID_IPV6_ADDR:
      // RFC 4945 §3.1.1: address against iPAddress, octet for octet.
      return sans.some((g) => g.type === 'ip' && equalBytes(g.value, id.data));
    case IdType.ID_KEY_ID:
      // RFC 4945 §3.1.6 leaves KEY_ID opaque; strongSwan compares it with the subjectKeyIdentifier.
      return cert.subjectKeyId !== undefined && equalBytes(cert.subjectKeyId, id.data);
    default:
      return false;
  }
}
