/**
 * The VICI configuration and credential commands, with charon 5.9.8's names and layouts
 * (vici_config.c, vici_cred.c, vici_authority.c, vici_attribute.c, vici_query.c list-conns):
 *   load-conn, unload-conn, get-conns, list-conns (list-conn events)
 *   load-shared, unload-shared, get-shared, clear-creds
 *   load-cert, load-key, unload-key, get-keys, list-certs (list-cert events), list-authorities
 *   load-authority, unload-authority, get-authorities, load-pool, unload-pool (not supported)
 *
 * load-conn goes through conn-tree.ts into build.ts, so that what `swanctl --load-all` sends
 * behaves exactly like the same swanctl.conf given to `ikev2 daemon --config`.
 *
 * get-conns and get-shared list what was loaded over VICI only (as charon lists only its vici
 * backend's): `swanctl --load-all` unloads what these list and its file lacks, and the
 * connections and secrets of the daemon's own configuration file are not its to remove.
 * list-conns lists every connection, as charon lists every backend's.
 *
 * Credentials: certificates and keys loaded over VICI (load-cert, load-key, the certs/cacerts/
 * pubkeys contents of load-conn) go into the daemon's reloadable credential store as an extra
 * layer (credentials/reloadable.ts setExtra) when the context provides it (`viciCredentials`);
 * without it load-cert and load-key answer that certificates are not available.
 */
import { createHash } from 'node:crypto';
import type { IkeSecret } from '../../../../ipsec/config/model.js';
import type { PrivateKey, PublicKey, SignatureProvider } from '../../../../ipsec/crypto/signature-types.js';
import { parseIdentity } from '../../../../ipsec/ike/identity.js';
import { err, ok, type Result } from '../../../../ipsec/result.js';
import { spkiInfo } from '../../../../ipsec/x509/keys.js';
import { formatDn } from '../../../../ipsec/x509/name.js';
import type { Certificate, Crl } from '../../../../ipsec/x509/types.js';
import {
  decodeCertificates,
  decodeCrls,
  decodePrivateKey,
  decodePublicKey,
} from '../../credentials/decode.js';
import type { ExtraCredentials, ReloadableCredentials } from '../../credentials/reloadable.js';
import { type ViciInput, type ViciNode, type ViciSection, viciSection, viciString } from '../message.js';
import type { ViciServer } from '../server-types.js';
import { type ViciFileListKey, viciConnections } from './conn-tree.js';
import type { ViciDaemonContext } from './index.js';

/** Optional context: the daemon's credential store and the provider that imports keys. */
export interface ViciCredentialAccess {
  viciCredentials?():
    | { readonly credentials: ReloadableCredentials; readonly signatures: SignatureProvider }
    | undefined;
}

export type ConnCommandsContext = ViciDaemonContext & ViciCredentialAccess;

const failure = (errmsg: string): ViciSection => viciSection({ success: false, errmsg });
const success = (more: ViciInput = {}): ViciSection => viciSection({ success: true, ...more });

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const sha1 = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha1').update(b).digest());

const isValue = (n: ViciNode | undefined): n is Uint8Array => n instanceof Uint8Array;
const strings = (n: ViciNode | undefined): string[] | undefined => {
  if (n === undefined) return undefined;
  const dec = (v: Uint8Array) => new TextDecoder().decode(v);
  return isValue(n) ? [dec(n)] : Array.isArray(n) ? (n as Uint8Array[]).map(dec) : undefined;
};

/** strongSwan's KEYID_PUBKEY_SHA1: the SHA-1 of the subjectPublicKey (load-key's `id`). */
function keyId(spki: Uint8Array): string {
  const info = spkiInfo(spki);
  return hex(sha1(info.ok ? info.value.key : spki));
}

/** charon's names (5.9.8): unique_policy_names, action_names (none/trap/restart). */
const UNIQUE = { no: 'UNIQUE_NO', replace: 'UNIQUE_REPLACE', keep: 'UNIQUE_KEEP', never: 'UNIQUE_NEVER' };
const ACTION = { none: 'clear', clear: 'clear', trap: 'hold', start: 'restart', restart: 'restart' };
const AUTH_CLASS = { psk: 'pre-shared key', pubkey: 'public key' } as const;

interface ViciCert {
  readonly kind: 'end-entity' | 'ca';
  readonly cert: Certificate;
}

/** What was loaded over VICI (per daemon: the server's lifetime). */
class ViciState {
  /** Connections loaded with load-conn (get-conns). */
  readonly conns = new Set<string>();
  /** Secrets loaded with load-shared (get-shared, clear-creds). */
  readonly shared = new Set<string>();
  /** Certificates by name (`vici-<sha1 of the DER>`). */
  readonly certs = new Map<string, ViciCert>();
  readonly pubkeys = new Map<string, PublicKey>();
  readonly crls = new Map<string, Crl>();
  /** Private keys by key id (hex). */
  readonly keys = new Map<string, PrivateKey>();

  extra(): ExtraCredentials {
    const of = (kind: ViciCert['kind']) =>
      new Map([...this.certs].filter(([, c]) => c.kind === kind).map(([n, c]) => [n, c.cert] as const));
    return {
      certs: of('end-entity'),
      cacerts: of('ca'),
      pubkeys: this.pubkeys,
      crls: [...this.crls.values()],
      keys: [...this.keys.values()],
    };
  }
}

export function registerConnCommands(server: ViciServer, ctx: ConnCommandsContext): () => void {
  const state = new ViciState();
  const log = ctx.logger;
  const access = () => ctx.viciCredentials?.();
  const apply = () => access()?.credentials.setExtra(state.extra());

  /** A certificate or public key a load-conn round carries -> the name the store knows it by. */
  const fileName = (key: ViciFileListKey, data: Uint8Array): Result<string, string> => {
    const creds = access();
    if (!creds) return err(`${key}: certificates are not available (the daemon loaded no credentials)`);
    if (key === 'pubkeys') {
      const k = decodePublicKey(data, creds.signatures);
      if (!k.ok) return err(`${key}: ${k.error}`);
      // the directory's own file of this key, if loaded: the same name as from the file
      const own = ctx.credentials?.()?.pubkeys.find((p) => equal(p.key.spki, k.value.spki));
      if (own) return ok(own.name);
      const name = `vici-${hex(sha1(k.value.spki))}`;
      state.pubkeys.set(name, k.value);
      return ok(name);
    }
    const certs = decodeCertificates(data);
    if (!certs.ok) return err(`${key}: ${certs.error}`);
    const cert = certs.value[0]!;
    const kind = key === 'certs' ? 'end-entity' : 'ca';
    const own = ctx.credentials?.()?.certificates.find((c) => c.kind === kind && equal(c.cert.der, cert.der));
    if (own) return ok(own.name);
    const name = `vici-${hex(sha1(cert.der))}`;
    state.certs.set(name, { kind, cert });
    return ok(name);
  };

  // ---- connections ----

  server.command('load-conn', (req) => {
    const config = ctx.config();
    const built = viciConnections(req, {
      secrets: config.secrets,
      daemon: config.daemon,
      files: fileName,
    });
    apply(); // certificates the connections carried
    if (!built.ok) {
      const errmsg = built.error.map((e) => e.message).join('; ');
      log.warn({ errors: built.error.length }, `vici load-conn refused: ${errmsg}`);
      return failure(errmsg);
    }
    for (const conn of built.value) {
      try {
        const restart = ctx.loadConnection(conn);
        state.conns.add(conn.name);
        if (restart.length)
          log.warn({ conn: conn.name, settings: restart }, 'vici load-conn: these settings need a restart');
        log.info({ conn: conn.name }, 'vici: connection loaded');
      } catch (e) {
        return failure(`connection '${conn.name}': ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    return success();
  });

  server.command('unload-conn', (req) => {
    const name = viciString(req, 'name');
    if (!name) return failure('missing connection name to unload');
    if (!ctx.unloadConnection(name)) return failure(`configuration '${name}' not found`);
    state.conns.delete(name);
    log.info({ conn: name }, 'vici: connection unloaded');
    return success();
  });

  server.command('get-conns', () => {
    const present = new Set(ctx.config().connections.map((c) => c.name));
    return viciSection({ conns: [...state.conns].filter((n) => present.has(n)) });
  });

  server.command('list-conns', (req, c) => {
    const ike = viciString(req, 'ike');
    if (!c.registered('list-conn')) return viciSection({});
    const subjects = certificateSubjects(ctx, state);
    for (const conn of ctx.config().connections) {
      if (ike !== undefined && conn.name !== ike) continue;
      const round = (r: typeof conn.local) => ({
        class: AUTH_CLASS[r.auth],
        id: r.id,
        groups: [],
        cert_policy: [],
        certs: (r.certs ?? []).map((n) => subjects('end-entity', n)),
        cacerts: (r.cacerts ?? []).map((n) => subjects('ca', n)),
      });
      const children: Record<string, ViciInput> = {};
      for (const ch of conn.children)
        children[ch.name] = {
          mode: ch.mode === 'tunnel' ? 'TUNNEL' : 'TRANSPORT',
          rekey_time: ch.rekey_time,
          rekey_bytes: ch.rekey_bytes,
          rekey_packets: ch.rekey_packets,
          dpd_action: ACTION[ch.dpd_action],
          close_action: ACTION[ch.close_action],
          'local-ts': ch.local_ts,
          'remote-ts': ch.remote_ts,
        };
      const body: ViciInput = {
        local_addrs: conn.local_addrs,
        remote_addrs: conn.remote_addrs,
        version: 'IKEv2',
        reauth_time: conn.reauth_time,
        rekey_time: conn.rekey_time,
        unique: UNIQUE[conn.unique],
        ...(conn.dpd_delay ? { dpd_delay: conn.dpd_delay } : {}),
        ...(conn.dpd_timeout ? { dpd_timeout: conn.dpd_timeout } : {}),
        'local-1': round(conn.local),
        'remote-1': round(conn.remote),
      };
      // children by name: a Map keeps their order whatever the names (viciSection of an object
      // would put integer-like names first)
      const section = new Map(viciSection(body));
      section.set('children', new Map(Object.entries(children).map(([n, v]) => [n, viciSection(v)])));
      c.emit('list-conn', new Map([[conn.name, section]]));
    }
    return viciSection({});
  });

  // ---- shared secrets ----

  server.command('load-shared', (req) => {
    const type = viciString(req, 'type');
    if (!type) return failure('secret type missing');
    if (type.toUpperCase() !== 'IKE')
      return failure(`unsupported: only IKE shared secrets are supported, not ${type}`);
    const data = req.get('data');
    if (!isValue(data)) return failure('secret data missing');
    if (data.length === 0) return failure('secret data is empty');
    const owners = strings(req.get('owners')) ?? [];
    for (const id of owners) {
      const p = parseIdentity(id);
      if (!p.ok) return failure(`owner '${id}': ${p.error}`);
    }
    // charon names a secret without `id` after its owners; unload-shared needs one
    const name = viciString(req, 'id') ?? `%vici-${hex(sha1(new TextEncoder().encode(owners.join(','))))}`;
    const secret: IkeSecret = { name, id: owners, secret: new Uint8Array(data) };
    try {
      ctx.loadShared(secret);
    } catch (e) {
      return failure(e instanceof Error ? e.message : String(e));
    }
    state.shared.add(name);
    log.info({ secret: name, owners }, 'vici: IKE secret loaded');
    return success();
  });

  server.command('unload-shared', (req) => {
    const id = viciString(req, 'id');
    if (!id) return failure('unique identifier missing');
    if (!ctx.unloadShared(id)) return failure(`credential '${id}' not found`);
    state.shared.delete(id);
    return success();
  });

  server.command('get-shared', () => {
    const present = new Set(ctx.config().secrets.map((s) => s.name));
    return viciSection({ keys: [...state.shared].filter((n) => present.has(n)) });
  });

  server.command('clear-creds', () => {
    for (const name of state.shared) ctx.unloadShared(name);
    state.shared.clear();
    // certificates a loaded connection names stay (as charon's, they belong to its config)
    const named = new Set(
      ctx
        .config()
        .connections.flatMap((c) => [c.local, c.remote])
        .flatMap((r) => [...(r.certs ?? []), ...(r.cacerts ?? []), ...(r.pubkeys ?? [])]),
    );
    for (const n of [...state.certs.keys()]) if (!named.has(n)) state.certs.delete(n);
    for (const n of [...state.pubkeys.keys()]) if (!named.has(n)) state.pubkeys.delete(n);
    state.crls.clear();
    state.keys.clear();
    apply();
    return success();
  });

  // ---- certificates and keys ----

  server.command('load-cert', (req) => {
    const type = (viciString(req, 'type') ?? '').toUpperCase();
    const flag = (viciString(req, 'flag') ?? 'NONE').toUpperCase();
    const data = req.get('data');
    if (!isValue(data)) return failure('missing certificate data');
    if (!access()) return failure('certificates are not available (the daemon loaded no credentials)');
    if (type === 'X509_CRL') {
      const crls = decodeCrls(data); // swanctl sends the file as it is: PEM or DER
      if (!crls.ok) return failure(`parsing CRL failed: ${crls.error}`);
      for (const crl of crls.value) state.crls.set(hex(sha1(crl.der)), crl);
    } else if (type === 'X509' || type === 'X509_CA') {
      if (flag !== 'NONE' && flag !== 'CA') return failure(`unsupported certificate flag '${flag}'`);
      const certs = decodeCertificates(data); // swanctl sends the file as it is: PEM or DER
      if (!certs.ok) return failure(`parsing X509 certificate failed: ${certs.error}`);
      const kind = type === 'X509_CA' || flag === 'CA' ? 'ca' : 'end-entity';
      for (const cert of certs.value) state.certs.set(`vici-${hex(sha1(cert.der))}`, { kind, cert });
    } else if (type === 'PUBKEY') {
      // swanctl's pubkey/ (trusted raw public keys): named as load-conn names pubkeys contents
      const key = decodePublicKey(data, access()!.signatures);
      if (!key.ok) return failure(`parsing public key failed: ${key.error}`);
      state.pubkeys.set(`vici-${hex(sha1(key.value.spki))}`, key.value);
    } else {
      return failure(`unsupported certificate type '${type || '(none)'}'`);
    }
    apply();
    return success();
  });

  server.command('load-key', (req) => {
    const type = (viciString(req, 'type') ?? '').toLowerCase();
    const data = req.get('data');
    if (!isValue(data)) return failure('missing key data');
    if (!['rsa', 'ecdsa', 'ed25519', 'ed448', 'any'].includes(type))
      return failure(`unsupported key type '${type || '(none)'}'`);
    const creds = access();
    if (!creds) return failure('private keys are not available (the daemon loaded no credentials)');
    const key = decodePrivateKey(data, creds.signatures, undefined);
    if (!key.ok) return failure(`loading private key failed: ${key.error}`);
    if (type !== 'any' && key.value.type !== type)
      return failure(`loading private key failed: a ${key.value.type} key, not ${type}`);
    const id = keyId(key.value.publicKey.spki);
    state.keys.set(id, key.value);
    apply();
    return success({ id });
  });

  server.command('unload-key', (req) => {
    const id = viciString(req, 'id')?.toLowerCase().replaceAll(':', '');
    if (!id) return failure('key id missing');
    if (!state.keys.delete(id)) return failure(`private key '${id}' not found`);
    apply();
    return success();
  });

  server.command('get-keys', () => viciSection({ keys: [...state.keys.keys()] }));

  server.command('list-certs', (req, c) => {
    if (!c.registered('list-cert')) return viciSection({});
    const want = (viciString(req, 'type') ?? 'ANY').toUpperCase();
    const wantFlag = (viciString(req, 'flag') ?? 'ANY').toUpperCase();
    const subject = viciString(req, 'subject');
    const loaded = ctx.credentials?.();
    const keys = [...(loaded?.keys.map((k) => k.key) ?? []), ...state.keys.values()];
    const hasKey = (cert: Certificate) => keys.some((k) => equal(k.publicKey.spki, cert.spki));
    const certs: ViciCert[] = [...(loaded?.certificates ?? []), ...state.certs.values()];
    const seen = new Set<string>();
    if (want === 'ANY' || want === 'X509')
      for (const { kind, cert } of certs) {
        const flag = kind === 'ca' ? 'CA' : 'NONE';
        const sig = hex(sha1(cert.der));
        if (seen.has(sig) || (wantFlag !== 'ANY' && wantFlag !== flag)) continue;
        if (subject !== undefined && formatDn(cert.subject) !== subject) continue;
        seen.add(sig);
        c.emit(
          'list-cert',
          viciSection({
            type: 'X509',
            flag,
            ...(hasKey(cert) ? { has_privkey: 'yes' } : {}),
            data: cert.der,
          }),
        );
      }
    if ((want === 'ANY' || want === 'X509_CRL') && subject === undefined)
      for (const crl of [...(loaded?.crls.map((l) => l.crl) ?? []), ...state.crls.values()])
        c.emit('list-cert', viciSection({ type: 'X509_CRL', data: crl.der }));
    return viciSection({});
  });

  // ---- authorities and pools: not supported ----

  server.command('list-authorities', () => viciSection({}));
  server.command('get-authorities', () => viciSection({ authorities: [] }));
  server.command('load-authority', () => failure('not supported'));
  server.command('unload-authority', () => failure('not supported'));
  server.command('load-pool', () => failure('virtual IP pools are not supported'));
  server.command('unload-pool', () => failure('virtual IP pools are not supported'));

  return () => {};
}

const equal = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** A round's certs/cacerts name -> the subject DN (charon lists subjects), else the name. */
function certificateSubjects(ctx: ConnCommandsContext, state: ViciState) {
  const loaded = ctx.credentials?.();
  return (kind: ViciCert['kind'], name: string): string => {
    const c =
      state.certs.get(name)?.cert ??
      loaded?.certificates.find((l) => l.kind === kind && l.name === name)?.cert;
    return c ? formatDn(c.subject) : name;
  };
}
