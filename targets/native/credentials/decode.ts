/**
 * One credential file's octets -> what it holds: certificates, CRLs, private and public keys,
 * each PEM (any number of blocks) or DER (one object), as strongSwan's swanctl reads them.
 * Encrypted private keys (PKCS#8 "ENCRYPTED PRIVATE KEY", legacy "Proc-Type: 4,ENCRYPTED" PEM)
 * are opened with node:crypto and the passphrase from `secrets.private<suffix>`. Never throws:
 * a problem is one line of text saying what is wrong with the file.
 */
import { createPrivateKey } from 'node:crypto';
import type {
  PrivateKey,
  PrivateKeyFormat,
  PublicKey,
  SignatureProvider,
} from '../../../ipsec/crypto/signature-types.js';
import { err, ok, type Result } from '../../../ipsec/result.js';
import { parseCertificate } from '../../../ipsec/x509/certificate.js';
import { parseCrl } from '../../../ipsec/x509/crl.js';
import { detectPrivateKeyFormat } from '../../../ipsec/x509/keys.js';
import { looksLikePem, pemBlocks } from '../../../ipsec/x509/pem.js';
import type { Certificate, Crl } from '../../../ipsec/x509/types.js';

interface Block {
  readonly label?: string;
  readonly der: Uint8Array;
  readonly encrypted?: boolean;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Why a parser refused: its error as text (errors are strings or objects with a message). */
const why = (e: unknown): string =>
  typeof e === 'string' ? e : typeof e === 'object' && e && 'message' in e ? String(e.message) : String(e);

/** The PEM blocks with one of `labels`, or the whole file as one DER object. */
function blocks(bytes: Uint8Array, labels: readonly string[], what: string): Result<Block[], string> {
  if (!looksLikePem(bytes)) return bytes.length > 0 ? ok([{ der: bytes }]) : err('empty file');
  let all: readonly Block[];
  try {
    all = pemBlocks(new TextDecoder().decode(bytes));
  } catch (e) {
    return err(`bad PEM: ${message(e)}`);
  }
  const wanted = all.filter((b) => b.label !== undefined && labels.includes(b.label));
  if (wanted.length === 0)
    return err(
      all.length === 0
        ? 'bad PEM: no readable -----BEGIN ...----- block'
        : `no ${what} in it (PEM blocks: ${all.map((b) => b.label).join(', ')})`,
    );
  return ok([...wanted]);
}

function each<T>(
  list: readonly Block[],
  parse: (der: Uint8Array) => Result<T, unknown>,
): Result<T[], string> {
  const out: T[] = [];
  for (const [i, b] of list.entries()) {
    const r = parse(b.der);
    if (!r.ok) return err(list.length > 1 ? `block ${i + 1}: ${why(r.error)}` : why(r.error));
    out.push(r.value);
  }
  return ok(out);
}

/** Certificates of a file (x509/, x509ca/): PEM "CERTIFICATE" blocks or one DER certificate. */
export function decodeCertificates(bytes: Uint8Array): Result<Certificate[], string> {
  const b = blocks(bytes, ['CERTIFICATE', 'X509 CERTIFICATE', 'TRUSTED CERTIFICATE'], 'certificate');
  return b.ok ? each(b.value, parseCertificate) : b;
}

/** CRLs of a file (x509crl/). */
export function decodeCrls(bytes: Uint8Array): Result<Crl[], string> {
  const b = blocks(bytes, ['X509 CRL'], 'CRL');
  return b.ok ? each(b.value, parseCrl) : b;
}

/** A raw public key (pubkey/): PEM "PUBLIC KEY" or DER SubjectPublicKeyInfo. */
export function decodePublicKey(bytes: Uint8Array, provider: SignatureProvider): Result<PublicKey, string> {
  const b = blocks(bytes, ['PUBLIC KEY'], 'public key');
  if (!b.ok) return b;
  const r = provider.importPublicKey(b.value[0]!.der);
  return r.ok ? r : err(why(r.error));
}

const PRIVATE_LABELS: Readonly<Record<string, PrivateKeyFormat | 'encrypted'>> = {
  'PRIVATE KEY': 'pkcs8',
  'RSA PRIVATE KEY': 'pkcs1',
  'EC PRIVATE KEY': 'sec1',
  'ENCRYPTED PRIVATE KEY': 'encrypted',
};

/** The DER format of an unencrypted key; undefined when it is none we know (or encrypted). */
function formatOf(der: Uint8Array): PrivateKeyFormat | undefined {
  const f: unknown = detectPrivateKeyFormat(der);
  if (typeof f === 'string') return f as PrivateKeyFormat;
  if (f && typeof f === 'object' && 'ok' in f) {
    const r = f as Result<PrivateKeyFormat, unknown>;
    return r.ok ? r.value : undefined;
  }
  return undefined;
}

/** node:crypto opens an encrypted key (PEM text or PKCS#8 DER) into PKCS#8 DER. */
function decrypt(key: string | Uint8Array, passphrase: string): Result<Uint8Array, string> {
  try {
    const k =
      typeof key === 'string'
        ? createPrivateKey({ key, format: 'pem', passphrase })
        : createPrivateKey({ key: Buffer.from(key), format: 'der', type: 'pkcs8', passphrase });
    return ok(new Uint8Array(k.export({ type: 'pkcs8', format: 'der' })));
  } catch (e) {
    const m = message(e);
    return err(
      /bad decrypt|passphrase|decrypt/i.test(m)
        ? 'cannot decrypt: wrong passphrase?'
        : `cannot decrypt: ${m.replace(/^error:[0-9A-F]+:/i, '')}`,
    );
  }
}

const NO_PASSPHRASE =
  'encrypted, and no passphrase for it in secrets (secrets { private-<name> { file = <this file>  secret = ... } })';

/**
 * A private key (private/, rsa/, ecdsa/, pkcs8/): PEM or DER, PKCS#8, PKCS#1 or SEC1, encrypted
 * with `passphrase` or not.
 */
export function decodePrivateKey(
  bytes: Uint8Array,
  provider: SignatureProvider,
  passphrase: string | undefined,
): Result<PrivateKey, string> {
  let der: Uint8Array;
  let format: PrivateKeyFormat | undefined;
  if (looksLikePem(bytes)) {
    const b = blocks(bytes, Object.keys(PRIVATE_LABELS), 'private key');
    if (!b.ok) return b;
    const block = b.value[0]!;
    const kind = PRIVATE_LABELS[block.label ?? ''];
    if (kind === 'encrypted' || block.encrypted) {
      if (passphrase === undefined) return err(NO_PASSPHRASE);
      const d = decrypt(new TextDecoder().decode(bytes), passphrase);
      if (!d.ok) return d;
      [der, format] = [d.value, 'pkcs8'];
    } else {
      [der, format] = [block.der, kind];
    }
  } else {
    // DER: a plain key, or (with a passphrase) an EncryptedPrivateKeyInfo
    const plainFormat = formatOf(bytes);
    const plain = plainFormat ? provider.importPrivateKey(bytes, plainFormat) : undefined;
    if (plain?.ok) return plain;
    if (passphrase === undefined)
      return err(
        plain && !plain.ok
          ? why(plain.error)
          : 'not a private key (PKCS#8, PKCS#1, SEC1), or encrypted without a passphrase in secrets',
      );
    const d = decrypt(bytes, passphrase);
    if (!d.ok) return d;
    [der, format] = [d.value, 'pkcs8'];
  }
  const r = provider.importPrivateKey(der, format ?? formatOf(der) ?? 'pkcs8');
  return r.ok ? r : err(why(r.error));
}
