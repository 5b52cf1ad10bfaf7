/**
 * strongSwan proposal keywords (swanctl.conf `proposals` / `esp_proposals`) <-> Proposal.
 *
 * Syntax: a proposal is tokens separated by '-' ("aes128-sha256-ecp256"); a proposal list is
 * proposals separated by ',' (swanctl lists). Semantics follow strongSwan's proposal.c
 * (check_proposal):
 * - several algorithms of one transform type in one proposal are alternatives, in the given order;
 * - IKE without an explicit PRF derives one PRF per integrity algorithm (sha256 -> prfsha256,
 *   aesxcbc -> prfaesxcbc, aescmac -> prfaescmac, sha1 -> prfsha1, ...); an AEAD IKE proposal has
 *   no integrity algorithm to derive from, so like strongSwan we refuse it without an explicit prf
 *   (PRF_REQUIRED) instead of guessing one;
 * - IKE needs a KE method; `none`/`modpnone` is dropped from IKE proposals (strongSwan does too);
 * - AEAD and classic ciphers cannot share a proposal (RFC 7296 §3.3: two proposals are needed);
 *   with AEAD ciphers only, integrity keywords are dropped (RFC 5282 §8, strongSwan does the same);
 * - PRF keywords in ESP proposals are dropped (RFC 7296 §3.3.3: PRF is IKE-only; strongSwan too);
 * - ESP gets NO_ESN unless `esn`/`noesn` is given (strongSwan: "ESN not specified, assume not
 *   supported"); a KE method in an ESP proposal means PFS on CREATE_CHILD_SA.
 * Deviations from strongSwan, all stricter: `esn`/`noesn` in an IKE proposal is an error
 * (RFC 7296 §3.3.3: ESN is for AH/ESP only), `null` in an IKE proposal is an error (§3.3.2:
 * ENCR_NULL is not allowed for IKE), ESP `null` without integrity is an error (RFC 4303 §3.2:
 * NULL encryption and no integrity must not both be selected), and keywords are matched
 * case-insensitively. Only transforms in ipsec/crypto/transforms.ts are accepted.
 */
import { EncrId, EsnId, IntegId, KeId, PrfId, TransformType } from '../../crypto/ids.js';
import { encrTransform, integTransform, keTransform, prfTransform } from '../../crypto/transforms.js';
import { err, ok, type Result } from '../../result.js';
import { type Proposal, ProtocolId, type TransformSpec } from '../model.js';
import { defaultProposals } from './defaults.js';
import { isAeadEncr, orderByType } from './order.js';

export { isAeadEncr, orderByType } from './order.js';

export type KeywordErrorCode =
  | 'EMPTY' // empty proposal string or empty token ("aes128--sha256")
  | 'UNKNOWN_KEYWORD' // not a strongSwan proposal keyword
  | 'UNSUPPORTED_KEYWORD' // a strongSwan keyword for an algorithm this stack does not implement
  | 'UNSUPPORTED_PROTOCOL' // only IKE and ESP proposals are built
  | 'MISSING_ENCR' // no encryption algorithm (IKE and ESP need one)
  | 'MISSING_INTEG' // IKE with a classic cipher needs integrity; ESP NULL needs integrity
  | 'PRF_REQUIRED' // IKE without a PRF, none derivable (AEAD)
  | 'MISSING_KE' // IKE without a KE method
  | 'MIXED_AEAD' // AEAD and classic ciphers in one proposal
  | 'NOT_FOR_IKE' // ENCR_NULL or ESN in an IKE proposal
  | 'DEFAULT_NOT_ALONE'; // 'default' combined with other tokens

export interface KeywordError {
  readonly code: KeywordErrorCode;
  /** The offending keyword, when there is one. */
  readonly keyword?: string;
  /** The whole proposal string being parsed. */
  readonly proposal: string;
  readonly message: string;
}

/** The protocols we build proposals for. */
export type KeywordProtocol = typeof ProtocolId.IKE | typeof ProtocolId.ESP;

const ENCR = TransformType.ENCR;
const PRF = TransformType.PRF;
const INTEG = TransformType.INTEG;
const KE = TransformType.KE;
const ESN = TransformType.ESN;

const spec = (type: number, id: number, keyLength?: number): TransformSpec =>
  keyLength === undefined ? { type, id } : { type, id, keyLength };

/** The keyword table: strongSwan's proposal_keywords_static.txt, restricted to our registry. */
function buildKeywords(): Map<string, TransformSpec> {
  const m = new Map<string, TransformSpec>();
  m.set('null', spec(ENCR, EncrId.NULL));
  m.set('aes', spec(ENCR, EncrId.AES_CBC, 128));
  for (const bits of [128, 192, 256]) {
    m.set(`aes${bits}`, spec(ENCR, EncrId.AES_CBC, bits));
    m.set(`aes${bits}ctr`, spec(ENCR, EncrId.AES_CTR, bits));
    // strongSwan accepts the ICV length in octets (8/12/16) or bits (64/96/128); bare = 16 octets.
    const aead = [
      ['gcm', EncrId.AES_GCM_8, EncrId.AES_GCM_12, EncrId.AES_GCM_16],
      ['ccm', EncrId.AES_CCM_8, EncrId.AES_CCM_12, EncrId.AES_CCM_16],
    ] as const;
    for (const [mode, icv8, icv12, icv16] of aead) {
      for (const [suffix, id] of [
        ['8', icv8],
        ['64', icv8],
        ['12', icv12],
        ['96', icv12],
        ['16', icv16],
        ['128', icv16],
        ['', icv16],
      ] as const) {
        m.set(`aes${bits}${mode}${suffix}`, spec(ENCR, id, bits));
      }
    }
  }
  m.set('chacha20poly1305', spec(ENCR, EncrId.CHACHA20_POLY1305)); // RFC 7634 §2: no Key Length
  for (const k of ['sha', 'sha1']) m.set(k, spec(INTEG, IntegId.HMAC_SHA1_96));
  for (const k of ['sha256', 'sha2_256']) m.set(k, spec(INTEG, IntegId.HMAC_SHA2_256_128));
  for (const k of ['sha384', 'sha2_384']) m.set(k, spec(INTEG, IntegId.HMAC_SHA2_384_192));
  for (const k of ['sha512', 'sha2_512']) m.set(k, spec(INTEG, IntegId.HMAC_SHA2_512_256));
  m.set('aesxcbc', spec(INTEG, IntegId.AES_XCBC_96));
  m.set('aescmac', spec(INTEG, IntegId.AES_CMAC_96));
  m.set('prfsha1', spec(PRF, PrfId.HMAC_SHA1));
  m.set('prfsha256', spec(PRF, PrfId.HMAC_SHA2_256));
  m.set('prfsha384', spec(PRF, PrfId.HMAC_SHA2_384));
  m.set('prfsha512', spec(PRF, PrfId.HMAC_SHA2_512));
  m.set('prfaesxcbc', spec(PRF, PrfId.AES128_XCBC));
  m.set('prfaescmac', spec(PRF, PrfId.AES128_CMAC));
  for (const k of ['none', 'modpnone']) m.set(k, spec(KE, KeId.NONE));
  m.set('modp2048', spec(KE, KeId.MODP_2048));
  m.set('modp3072', spec(KE, KeId.MODP_3072));
  m.set('modp4096', spec(KE, KeId.MODP_4096));
  m.set('ecp192', spec(KE, KeId.ECP_192));
  m.set('ecp256', spec(KE, KeId.ECP_256));
  m.set('ecp384', spec(KE, KeId.ECP_384));
  m.set('ecp521', spec(KE, KeId.ECP_521));
  for (const k of ['x25519', 'curve25519']) m.set(k, spec(KE, KeId.CURVE_25519));
  for (const k of ['x448', 'curve448']) m.set(k, spec(KE, KeId.CURVE_448));
  m.set('noesn', spec(ESN, EsnId.NO_ESN));
  m.set('esn', spec(ESN, EsnId.ESN));
  return m;
}

export const KEYWORDS: ReadonlyMap<string, TransformSpec> = buildKeywords();

/** strongSwan keywords for algorithms we do not implement: a clearer error than "unknown". */
const UNSUPPORTED =
  /^(des|3des|cast128|md5|md5_128|sha1_160|sha2?_?256_96|camelliaxcbc|prfmd5|prfcamelliaxcbc|modpnull|modp(768|1024|1536|6144|8192)|modp1024s160|modp2048s2(24|56)|ecp224|ecp(224|256|384|512)bp|aes(128|192|256)gmac|chacha20poly1305compat|(blowfish|camellia|serpent|twofish)\w*|(ntru|ntrup|ntrur|kyber|saber|bike|frodoa|frodos|hqc|sike)\d+)$/;

/** Whether a transform is implemented (ipsec/crypto/transforms.ts); NONE for KE is a spec value. */
export function isRegistryTransform(t: TransformSpec): boolean {
  switch (t.type) {
    case ENCR:
      return encrTransform(t.id, t.keyLength) !== undefined;
    case PRF:
      return t.keyLength === undefined && prfTransform(t.id) !== undefined;
    case INTEG:
      return t.keyLength === undefined && integTransform(t.id) !== undefined;
    case KE:
      return t.keyLength === undefined && (t.id === KeId.NONE || keTransform(t.id) !== undefined);
    case ESN:
      return t.keyLength === undefined && (t.id === EsnId.NO_ESN || t.id === EsnId.ESN);
    default:
      return false;
  }
}

/** strongSwan's integ_prf_map (proposal.c), restricted to our registry. */
const PRF_FOR_INTEG: ReadonlyMap<number, number> = new Map([
  [IntegId.HMAC_SHA1_96, PrfId.HMAC_SHA1],
  [IntegId.HMAC_SHA2_256_128, PrfId.HMAC_SHA2_256],
  [IntegId.HMAC_SHA2_384_192, PrfId.HMAC_SHA2_384],
  [IntegId.HMAC_SHA2_512_256, PrfId.HMAC_SHA2_512],
  [IntegId.AES_XCBC_96, PrfId.AES128_XCBC],
  [IntegId.AES_CMAC_96, PrfId.AES128_CMAC],
]);

const sameTransform = (a: TransformSpec, b: TransformSpec): boolean =>
  a.type === b.type && a.id === b.id && a.keyLength === b.keyLength;

function fail(code: KeywordErrorCode, proposal: string, message: string, keyword?: string) {
  return err<KeywordError>(
    keyword === undefined ? { code, proposal, message } : { code, keyword, proposal, message },
  );
}

/**
 * Parses one proposal ("aes128-sha256-ecp256") for `protocolId` (IKE or ESP). The SPI is left
 * empty for the caller. `default` is a list of two proposals: use parseProposals for it.
 */
export function parseProposal(text: string, protocolId: number, num = 1): Result<Proposal, KeywordError> {
  if (protocolId !== ProtocolId.IKE && protocolId !== ProtocolId.ESP)
    return fail('UNSUPPORTED_PROTOCOL', text, `protocol ${protocolId}: only IKE and ESP proposals`);
  const ike = protocolId === ProtocolId.IKE;
  const tokens = text.split('-').map((s) => s.trim().toLowerCase());
  if (text.trim() === '') return fail('EMPTY', text, 'empty proposal');
  const transforms: TransformSpec[] = [];
  for (const token of tokens) {
    if (token === '') return fail('EMPTY', text, `empty keyword in '${text}'`);
    if (token === 'default')
      return fail('DEFAULT_NOT_ALONE', text, "'default' must be a proposal of its own", token);
    const t = KEYWORDS.get(token);
    if (!t) {
      if (UNSUPPORTED.test(token))
        return fail('UNSUPPORTED_KEYWORD', text, `algorithm '${token}' is not implemented`, token);
      return fail('UNKNOWN_KEYWORD', text, `algorithm '${token}' not recognized`, token);
    }
    if (ike && t.type === ENCR && t.id === EncrId.NULL)
      return fail(
        'NOT_FOR_IKE',
        text,
        `'${token}': ENCR_NULL is not allowed for IKE (RFC 7296 §3.3.2)`,
        token,
      );
    if (ike && t.type === ESN)
      return fail(
        'NOT_FOR_IKE',
        text,
        `'${token}': ESN is negotiated for AH/ESP only (RFC 7296 §3.3.3)`,
        token,
      );
    if (!transforms.some((x) => sameTransform(x, t))) transforms.push(t); // duplicates add nothing
  }
  return checkProposal(transforms, protocolId, num, text);
}

/** strongSwan's check_proposal: derive, drop and require transforms per protocol. */
function checkProposal(
  input: readonly TransformSpec[],
  protocolId: KeywordProtocol,
  num: number,
  text: string,
): Result<Proposal, KeywordError> {
  let ts = [...input];
  const of = (type: number) => ts.filter((t) => t.type === type);
  const encrs = of(ENCR);
  if (encrs.length === 0) return fail('MISSING_ENCR', text, 'an encryption algorithm is mandatory');
  const aead = encrs.filter(isAeadEncr).length;
  if (aead > 0 && aead < encrs.length)
    return fail('MIXED_AEAD', text, 'AEAD and classic ciphers need separate proposals (RFC 7296 §3.3)');
  const allAead = aead === encrs.length;
  if (allAead) ts = ts.filter((t) => t.type !== INTEG); // RFC 5282 §8: no integrity with AEAD
  if (protocolId === ProtocolId.IKE) {
    if (!allAead && of(INTEG).length === 0)
      return fail('MISSING_INTEG', text, 'IKE with a classic cipher needs an integrity algorithm');
    if (of(PRF).length === 0) {
      for (const integ of of(INTEG)) {
        const prf = PRF_FOR_INTEG.get(integ.id);
        if (prf !== undefined && !ts.some((t) => t.type === PRF && t.id === prf)) ts.push(spec(PRF, prf));
      }
    }
    if (of(PRF).length === 0) return fail('PRF_REQUIRED', text, 'a PRF is mandatory in IKE proposals');
    ts = ts.filter((t) => !(t.type === KE && t.id === KeId.NONE));
    if (of(KE).length === 0) return fail('MISSING_KE', text, 'a KE method is mandatory in IKE proposals');
  } else {
    ts = ts.filter((t) => t.type !== PRF); // RFC 7296 §3.3.3: PRF is negotiated for IKE only
    const nullOnly = encrs.every((t) => t.id === EncrId.NULL);
    if (nullOnly && of(INTEG).length === 0)
      return fail('MISSING_INTEG', text, 'ESP NULL encryption needs an integrity algorithm (RFC 4303 §3.2)');
    if (of(ESN).length === 0) ts.push(spec(ESN, EsnId.NO_ESN)); // strongSwan: ESN off unless asked
  }
  return ok({ num, protocolId, spi: new Uint8Array(0), transforms: orderByType(ts) });
}

/**
 * Parses a swanctl proposal list: a string with ','-separated proposals, or an array of them
 * (swanctl.conf lists). `default` expands to strongSwan's default proposals (defaults.ts).
 * Proposals are numbered 1, 2, ... in order (RFC 7296 §3.3.1).
 */
export function parseProposals(
  text: string | readonly string[],
  protocolId: number,
): Result<Proposal[], KeywordError> {
  const items = (typeof text === 'string' ? [text] : text).flatMap((s) => s.split(','));
  if (protocolId !== ProtocolId.IKE && protocolId !== ProtocolId.ESP)
    return fail(
      'UNSUPPORTED_PROTOCOL',
      items.join(','),
      `protocol ${protocolId}: only IKE and ESP proposals`,
    );
  const out: Proposal[] = [];
  for (const item of items) {
    if (item.trim().toLowerCase() === 'default') {
      for (const p of defaultProposals(protocolId)) out.push({ ...p, num: out.length + 1 });
      continue;
    }
    const p = parseProposal(item, protocolId, out.length + 1);
    if (!p.ok) return p;
    out.push(p.value);
  }
  if (out.length === 0) return fail('EMPTY', '', 'no proposals');
  return ok(out);
}

/** Canonical keywords, for describing proposals back (first alias wins, e.g. sha256 not sha2_256). */
const CANONICAL: ReadonlyMap<string, string> = (() => {
  const m = new Map<string, string>();
  const key = (t: TransformSpec) => `${t.type}/${t.id}/${t.keyLength ?? ''}`;
  const aliases = ['aes', 'sha', 'sha2_256', 'sha2_384', 'sha2_512', 'modpnone', 'curve25519', 'curve448'];
  for (const [kw, t] of KEYWORDS) {
    if (aliases.includes(kw) || /^aes\d+(gcm|ccm)(64|96|128)?$/.test(kw)) continue;
    if (!m.has(key(t))) m.set(key(t), kw);
  }
  return m;
})();

const TYPE_PREFIX: Record<number, string> = { 1: 'encr', 2: 'prf', 3: 'integ', 4: 'ke', 5: 'esn' };

/** The keyword of one transform; unknown transforms print as e.g. `encr#99_128` (not parseable). */
export function transformKeyword(t: TransformSpec): string {
  const kw = CANONICAL.get(`${t.type}/${t.id}/${t.keyLength ?? ''}`);
  if (kw) return kw;
  const prefix = TYPE_PREFIX[t.type] ?? `type${t.type}`;
  return `${prefix}#${t.id}${t.keyLength === undefined ? '' : `_${t.keyLength}`}`;
}

/**
 * Describes a proposal as a keyword string, in strongSwan's print order (encryption, integrity,
 * PRF, KE, ESN): parseProposal(describeProposal(p)) gives p's transforms back. `noesn` alone is
 * the ESP default and is left out.
 */
export function describeProposal(p: Proposal): string {
  const order: readonly number[] = [ENCR, INTEG, PRF, KE, ESN];
  const known = p.transforms.filter((t) => order.includes(t.type));
  const rest = p.transforms.filter((t) => !order.includes(t.type));
  const esn = p.transforms.filter((t) => t.type === ESN);
  const defaultEsn = esn.length === 1 && esn[0]?.id === EsnId.NO_ESN;
  const sorted = order.flatMap((type) => known.filter((t) => t.type === type));
  return [...sorted, ...rest]
    .filter((t) => !(defaultEsn && t.type === ESN))
    .map(transformKeyword)
    .join('-');
}

/** The IANA names of a transform, as `swanctl --list-sas` prints them (AES_CBC-128, ECP_256...). */
export function transformName(t: TransformSpec): string {
  const named = (() => {
    switch (t.type) {
      case ENCR: {
        const e = encrTransform(t.id, t.keyLength);
        return e && (e.keyLengthAttribute ? `${e.name}-${e.keyBits}` : e.name);
      }
      case PRF:
        return prfTransform(t.id)?.name;
      case INTEG:
        return t.id === IntegId.NONE ? 'NONE' : integTransform(t.id)?.name;
      case KE:
        return t.id === KeId.NONE ? 'KE_NONE' : keTransform(t.id)?.name;
      case ESN:
        return t.id === EsnId.ESN ? 'ESN' : t.id === EsnId.NO_ESN ? 'NO_EXT_SEQ' : undefined;
      default:
        return undefined;
    }
  })();
  return named ?? transformKeyword(t);
}

/** "AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/ECP_256" (list-sas style; ESN shown only if on). */
export function describeProposalNames(p: Proposal): string {
  const order: readonly number[] = [ENCR, INTEG, PRF, KE, ESN];
  return order
    .flatMap((type) => p.transforms.filter((t) => t.type === type))
    .filter((t) => !(t.type === ESN && t.id === EsnId.NO_ESN))
    .map(transformName)
    .join('/');
}
