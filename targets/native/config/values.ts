/**
 * Value syntax of swanctl.conf keys (swanctl.conf(5), strongSwan's vici_config.c parsers):
 * booleans yes/no/true/false/enabled/disabled/1/0 (any case); durations an integer with an
 * optional s/m/h/d suffix (`4h`); byte volumes an integer with an optional k/m/g suffix (powers
 * of 1024, vici parse_bytes); packet counts plain integers; lists comma-separated. Stricter
 * than strongSwan's strtoul(..., 0): only decimal digits (no 0x/octal), no negative numbers.
 * Keywords (booleans, modes, actions, unique, auth) are case-insensitive as in vici.
 */

import { parseIdentity, parseIpv4, parseIpv6 } from '../../../ipsec/ike/identity.js';
import { ProtocolId } from '../../../ipsec/ike/model.js';
import { parseProposals } from '../../../ipsec/ike/proposal/keywords.js';
import { tsFromString } from '../../../ipsec/ike/ts/text.js';
import { err, ok, type Result } from '../../../ipsec/result.js';
import type { RawValue } from './tree.js';

export interface ValueProblem {
  readonly code: 'INVALID_VALUE' | 'UNSUPPORTED_VALUE';
  readonly detail: string;
}
export type ValueParser<T> = (raw: RawValue) => Result<T, readonly ValueProblem[]>;
export type TextParser<T> = (text: string) => Result<T, ValueProblem>;

export const invalid = (detail: string) => err<ValueProblem>({ code: 'INVALID_VALUE', detail });
export const unsupported = (detail: string) => err<ValueProblem>({ code: 'UNSUPPORTED_VALUE', detail });

/** A single value, as written (not trimmed: quoted blanks count); a one-item YAML list is its item. */
export function scalar<T>(parse: TextParser<T>): ValueParser<T> {
  return (raw) => {
    if (typeof raw !== 'string' && raw.length !== 1)
      return err([{ code: 'INVALID_VALUE', detail: 'expected a single value, not a list' }]);
    const r = parse(typeof raw === 'string' ? raw : raw[0]!);
    return r.ok ? r : err([r.error]);
  };
}

/** A list: comma-separated text or a YAML/JSON sequence (whose items may hold commas too). */
export function list<T>(
  parse: TextParser<T>,
  opts: { allowEmpty?: boolean; split?: boolean } = {},
): ValueParser<T[]> {
  return (raw) => {
    const split = opts.split ?? true;
    const items = (typeof raw === 'string' ? [raw] : raw)
      .flatMap((s) => (split ? s.split(',') : [s]))
      .map((s) => s.trim());
    if (items.length === 0 || (items.length === 1 && items[0] === '')) {
      return opts.allowEmpty
        ? ok([])
        : err([{ code: 'INVALID_VALUE', detail: 'expected at least one value' }]);
    }
    const out: T[] = [];
    const problems: ValueProblem[] = [];
    for (const item of items) {
      const r = item === '' ? invalid('empty list item') : parse(item);
      if (r.ok) out.push(r.value);
      else problems.push(r.error);
    }
    return problems.length > 0 ? err(problems) : ok(out);
  };
}

const TRUE = new Set(['yes', 'true', 'enabled', '1']);
const FALSE = new Set(['no', 'false', 'disabled', '0']);

export const bool: TextParser<boolean> = (s) => {
  const v = s.toLowerCase();
  if (TRUE.has(v)) return ok(true);
  if (FALSE.has(v)) return ok(false);
  return invalid(`'${s}' is not a boolean (yes/no, true/false, 1/0)`);
};

/**
 * A Linux network interface name (IFNAMSIZ 16 with its NUL: at most 15 octets, no '/', ':' or
 * blanks; a `%d` is the kernel's next free number, as `ipsec%d`); empty = none.
 */
export const interfaceName: TextParser<string> = (s) => {
  if (s === '') return ok('');
  if (s.length > 15) return invalid(`'${s}' is longer than 15 characters (an interface name)`);
  if (
    !/^[A-Za-z0-9_.%-]+$/.test(s) ||
    s === '.' ||
    s === '..' ||
    (s.match(/%/g)?.length ?? 0) > 1 ||
    (s.includes('%') && !s.includes('%d'))
  )
    return invalid(`'${s}' is not an interface name (letters, digits, '_', '-', '.', one '%d')`);
  return ok(s);
};

export function uint(max = Number.MAX_SAFE_INTEGER, min = 0): TextParser<number> {
  return (s) => {
    if (!/^\d+$/.test(s)) return invalid(`'${s}' is not a non-negative integer`);
    const n = Number(s);
    if (n < min || n > max) return invalid(`${s} is out of range (${min}..${max})`);
    return ok(n);
  };
}

const UNIT = (n: number, factor: number, s: string): Result<number, ValueProblem> => {
  const v = n * factor;
  return Number.isSafeInteger(v) ? ok(v) : invalid(`'${s}' is too large`);
};

/** Seconds: `90`, `90s`, `30m`, `4h`, `1d`. */
export const duration: TextParser<number> = (s) => {
  const m = /^(\d+)\s*([smhd]?)$/i.exec(s);
  if (!m) return invalid(`'${s}' is not a duration (an integer with an optional s, m, h or d suffix)`);
  const factor = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2]!.toLowerCase()] ?? 1;
  return UNIT(Number(m[1]), factor, s);
};

/** Bytes: `1000`, `512k`, `10m`, `1g` (binary multiples, as strongSwan's parse_bytes). */
export const bytes: TextParser<number> = (s) => {
  const m = /^(\d+)\s*([kmg]?)$/i.exec(s);
  if (!m) return invalid(`'${s}' is not a byte count (an integer with an optional k, m or g suffix)`);
  const factor = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase()] ?? 1;
  return UNIT(Number(m[1]), factor, s);
};

/** A positive decimal number (seconds or a factor): `4`, `1.8`. */
export const positiveDecimal: TextParser<number> = (s) => {
  if (!/^\d+(\.\d+)?$/.test(s) || Number(s) <= 0) return invalid(`'${s}' is not a positive number`);
  return ok(Number(s));
};

/** One of `values` (keys are accepted spellings, aliases included); `unsupportedValues` are known but not implemented. */
export function oneOf<T extends string>(
  values: Readonly<Record<string, T>>,
  unsupportedValues: readonly string[] = [],
): TextParser<T> {
  const allowed = [...new Set(Object.values(values))].join(', ');
  return (text) => {
    const s = text.toLowerCase(); // vici parse_map compares with strcaseeq
    const v = Object.hasOwn(values, s) ? values[s] : undefined;
    if (v !== undefined) return ok(v);
    if (unsupportedValues.includes(s))
      return unsupported(`'${text}' is not supported (supported: ${allowed})`);
    return invalid(`'${text}' is not one of ${allowed}`);
  };
}

/** IKE version: 0 (any) and 2 mean IKEv2; IKEv1 is not implemented. */
export const ikeVersion: TextParser<2> = (s) => {
  if (s === '0' || s === '2') return ok(2);
  if (s === '1') return unsupported('IKEv1 is not supported (version = 2 or 0)');
  return invalid(`'${s}' is not an IKE version (0, 1 or 2)`);
};

/** A round's `auth`: the method and, for signatures, the key types it allows (model.ts AuthRound). */
export interface AuthSpec {
  readonly auth: 'psk' | 'pubkey';
  readonly keyTypes?: readonly ('rsa' | 'ecdsa' | 'ed25519' | 'ed448')[];
  readonly rsaPss?: boolean;
}

const AUTH_SPECS: Readonly<Record<string, AuthSpec>> = {
  psk: { auth: 'psk' },
  pubkey: { auth: 'pubkey' },
  rsa: { auth: 'pubkey', keyTypes: ['rsa'] },
  'rsa/pss': { auth: 'pubkey', keyTypes: ['rsa'], rsaPss: true },
  ecdsa: { auth: 'pubkey', keyTypes: ['ecdsa'] },
  ed25519: { auth: 'pubkey', keyTypes: ['ed25519'] },
  ed448: { auth: 'pubkey', keyTypes: ['ed448'] },
};
const AUTH_SUPPORTED = 'psk, pubkey, rsa, rsa/pss, ecdsa, ed25519 or ed448';

/**
 * `auth` (swanctl.conf(5)): psk, or signatures with `pubkey` (any key) or one key type. strongSwan's
 * constraint suffixes (`rsa-sha256`, `ecdsa-384`, `pubkey-sha512`, `ike:...`) and the other methods
 * (eap, xauth, bliss, null) are refused as unsupported rather than silently ignored.
 */
export const authMethod: TextParser<AuthSpec> = (s) => {
  const v = s.toLowerCase();
  const spec = Object.hasOwn(AUTH_SPECS, v) ? AUTH_SPECS[v] : undefined;
  if (spec) return ok(spec);
  const m = /^(ike:)?(pubkey|rsa\/pss|rsa|ecdsa|ed25519|ed448)[-:](.+)$/.exec(v);
  if (m)
    return unsupported(
      `auth '${s}': signature constraints (${m[1] ? 'ike:, ' : ''}hash or key size suffixes) are not supported: use ${AUTH_SUPPORTED}`,
    );
  if (/^(ike:|bliss|eap|xauth|null)/.test(v))
    return unsupported(`auth '${s}' is not supported: use ${AUTH_SUPPORTED}`);
  return invalid(`'${s}' is not an authentication method`);
};

/** swanctl `revocation` (remote rounds). */
export const revocationPolicy = oneOf({ strict: 'strict', ifuri: 'ifuri', relaxed: 'relaxed' });

/** swanctl `send_cert`. */
export const sendCertPolicy = oneOf({ always: 'always', ifasked: 'ifasked', never: 'never' });

/**
 * A credential file name (`certs`, `cacerts`, `pubkeys`, `secrets.private*.file`): relative to
 * its swanctl directory (x509/, x509ca/, pubkey/, private/...) or absolute.
 */
export const fileName: TextParser<string> = (s) => {
  if (s === '') return invalid('empty file name');
  if (s.includes('\0')) return invalid(`'${s}' is not a file name`);
  return ok(s);
};

/** Longest Unix socket path (sockaddr_un.sun_path less its terminating NUL). */
const UNIX_PATH_MAX = 107;

/**
 * daemon.vici: `unix:///path/charon.vici` or a plain path -> the path; empty = off. Only Unix
 * sockets (charon's tcp:// would open the daemon's control to the network).
 */
export const viciUri: TextParser<string> = (s) => {
  if (s === '') return ok('');
  let path = s;
  if (s.startsWith('unix://')) path = s.slice('unix://'.length);
  else if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(s))
    return unsupported(`'${s}' is not supported: only unix:// sockets (or a path)`);
  if (path === '' || path.includes('\0')) return invalid(`'${s}' is not a socket path`);
  if (new TextEncoder().encode(path).length > UNIX_PATH_MAX)
    return invalid(`socket path '${path}' is longer than ${UNIX_PATH_MAX} bytes`);
  return ok(path);
};

/** A private key passphrase (`secrets.private*.secret`): the string as written. */
export const passphrase: TextParser<string> = (s) => (s === '' ? invalid('empty passphrase') : ok(s));

const ip = (s: string) => parseIpv4(s) ?? (s.includes(':') ? parseIpv6(s) : undefined);

/** local_addrs / remote_addrs item: an IPv4/IPv6 literal or %any. */
export const address: TextParser<string> = (s) => {
  if (s === '%any' || ip(s)) return ok(s);
  if (s === '%any4' || s === '%any6') return unsupported(`'${s}' is not supported: use %any or an address`);
  if (/^[^/-]+[/-][^/-]+$/.test(s) && (ip(s.split(/[/-]/)[0]!) || s.includes('/')))
    return unsupported(`'${s}': subnets and ranges are not supported: use %any or an address`);
  // a host name: dot-separated labels, not all digits (that is a broken IPv4 address)
  if (/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(s) && !/^[\d.]+$/.test(s))
    return unsupported(
      `'${s}': host names are not supported yet (no DNS resolution): use an IP address or %any`,
    );
  return invalid(`'${s}' is not an IP address`);
};

/** An address, optionally with a prefix length: `10.99.1.1`, `10.99.1.0/24`, `fec0::1/64`. */
export const addressOrPrefix: TextParser<string> = (s) => {
  const [addr = '', prefix, extra] = s.split('/');
  const bytes = ip(addr);
  if (!bytes || extra !== undefined) return invalid(`'${s}' is not an IP address or prefix`);
  if (prefix !== undefined && (!/^\d{1,3}$/.test(prefix) || Number(prefix) > bytes.length * 8))
    return invalid(`'${s}': invalid prefix length`);
  return ok(s);
};

export const identity: TextParser<string> = (s) => {
  const r = parseIdentity(s);
  return r.ok ? ok(s === '' ? '%any' : s) : invalid(r.error);
};

/** local_ts / remote_ts item: a selector, or `dynamic` optionally with `[proto/port]`. */
export const trafficSelector: TextParser<string> = (s) => {
  const m = /^dynamic(\[.*\])?$/.exec(s);
  // the IKE SA address is resolved later; check the protocol/port part with a stand-in address
  const r = tsFromString(m ? `0.0.0.0${m[1] ?? ''}` : s);
  return r.ok ? ok(s) : invalid(`traffic selector '${s}': ${r.error.message}`);
};

function proposal(protocolId: number): TextParser<string> {
  return (s) => {
    const r = parseProposals(s, protocolId);
    if (r.ok) return ok(s);
    const detail = `proposal '${s}': ${r.error.message}`;
    return r.error.code === 'UNSUPPORTED_KEYWORD' ? unsupported(detail) : invalid(detail);
  };
}
export const ikeProposal = proposal(ProtocolId.IKE);
export const espProposal = proposal(ProtocolId.ESP);

/**
 * A shared secret as swanctl reads it (load_creds.c): `0x` + hex or `0s` + base64 for binary
 * keys, otherwise the string's bytes. Empty secrets are refused.
 */
export const secretValue: TextParser<Uint8Array> = (s) => {
  const prefix = s.slice(0, 2).toLowerCase();
  if (prefix === '0x') {
    const hex = s.slice(2).replace(/:/g, '');
    if (!/^([0-9a-fA-F]{2})+$/.test(hex)) return invalid('0x secret: expected an even number of hex digits');
    return ok(Uint8Array.from(hex.match(/../g)!, (h) => Number.parseInt(h, 16)));
  }
  if (prefix === '0s') {
    const b64 = s.slice(2);
    if (!/^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(b64) || b64 === '')
      return invalid('0s secret: invalid base64');
    return ok(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
  }
  if (s === '') return invalid('empty secret');
  return ok(new TextEncoder().encode(s));
};
