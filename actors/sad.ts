/**
 * The SAD actor: owns the SAD table (ipsec/policy/sad.ts) and the SAs' lifetime timers.
 *
 * A plain actor object, not an XState machine: control arrives as typed events through
 * send() ('sa.install' | 'sa.update' | 'sa.delete'), processed synchronously with a Result;
 * control leaves on `events$` ('sa.installed', 'sa.removed', 'ipsec.expire'), which an XState
 * actor can consume with fromEventObservable. Packets never pass through here: the ESP
 * pipeline reads `table` synchronously and reports usage with afterPacket()/expireNow().
 *
 * Lifetimes (RFC 4301 §4.4.2.1): time limits fire from timers on the injected clock; volume
 * limits are checked after every packet. Soft is reported once; hard removes the SA, zeroes
 * its key copies and is reported once.
 */
import { type Observable, Subject } from 'rxjs';
import type { CryptoProvider, RandomBytes } from '../ipsec/crypto/types.js';
import { createEspSaFromKeys, destroyEspSa, type EspLimits, isValidEspSpi } from '../ipsec/esp/sa.js';
import { parseIp } from '../ipsec/packet/address.js';
import { isValidLifetimes, type LifetimeCrossing, LifetimeTracker } from '../ipsec/policy/lifetime.js';
import { Sad, type SadEntry, type SaEndpoint } from '../ipsec/policy/sad.js';
import { isValidSelector } from '../ipsec/policy/selector.js';
import { ok, type Result } from '../ipsec/result.js';
import { secretCopy, wipe } from '../ipsec/util/bytes.js';
import type { Clock, TimerHandle } from '../ipsec/util/clock.js';
import {
  type AddSaParams,
  type BackendError,
  backendError,
  type ExpireEvent,
  type SaInfo,
  type SaRef,
  spiToBytes,
  spiToNumber,
  type UpdateSaParams,
} from './ipsec-backend.js';

export type SadCommand =
  | { readonly type: 'sa.install'; readonly params: AddSaParams }
  | { readonly type: 'sa.update'; readonly params: UpdateSaParams }
  | { readonly type: 'sa.delete'; readonly params: SaRef };

export type SadNotice =
  | { readonly type: 'sa.installed'; readonly entry: SadEntry }
  | { readonly type: 'sa.removed'; readonly entry: SadEntry; readonly reason: 'deleted' | 'expired' }
  | ExpireEvent;

export interface SadActorOptions {
  readonly clock: Clock;
  readonly provider: CryptoProvider;
  /** SPIs and CBC IVs. */
  readonly random: RandomBytes;
}

/** strongSwan's default replay_window (swanctl.conf(5)); ESP windows are multiples of 32 here. */
const DEFAULT_REPLAY_WINDOW = 32;
const REPLAY_WORD = 32;
/** Implementation limit: attempts to draw an unused random SPI before giving up. */
const SPI_ATTEMPTS = 64;

function endpointAddress(e: SaEndpoint): Uint8Array | undefined {
  return Number.isInteger(e.port) && e.port >= 0 && e.port <= 0xffff ? parseIp(e.address) : undefined;
}

export class SadActor {
  readonly table = new Sad();
  readonly #notices = new Subject<SadNotice>();
  readonly events$: Observable<SadNotice> = this.#notices.asObservable();
  readonly #timers = new Map<SadEntry, TimerHandle>();
  /** Inbound SPIs handed out by allocSpi and not yet installed (or released). */
  readonly #reserved = new Set<number>();

  constructor(private readonly options: SadActorOptions) {}

  /** Install and update answer the entry; delete answers the removed entry (undefined for a released SPI). */
  send(command: SadCommand): Result<SadEntry | undefined, BackendError> {
    switch (command.type) {
      case 'sa.install':
        return this.#install(command.params);
      case 'sa.update':
        return this.#update(command.params);
      case 'sa.delete':
        return this.#delete(command.params);
    }
  }

  /** A fresh inbound SPI, >= 256 (RFC 4303 §2.1), unused and unreserved. */
  allocSpi(): Result<number, BackendError> {
    for (let i = 0; i < SPI_ATTEMPTS; i++) {
      const spi = spiToNumber(this.options.random(4))!;
      if (!isValidEspSpi(spi) || this.#reserved.has(spi) || this.table.inbound(spi)) continue;
      this.#reserved.add(spi);
      return ok(spi);
    }
    return backendError('spi-exhausted', 'no free SPI found');
  }

  /** After the pipeline processed a packet on `entry`: evaluate the volume lifetimes. */
  afterPacket(entry: SadEntry): void {
    const crossing = entry.lifetime.check(entry.esp.lifetime, this.options.clock.now());
    if (crossing) this.#crossed(entry, crossing.kind === 'hard', crossing.cause);
  }

  /** The ESP layer refused the SA (hard limit or sequence space exhausted): end it now. */
  expireNow(entry: SadEntry, cause: ExpireEvent['cause']): void {
    if (this.table.get(entry.direction, entry.spi) !== entry) return;
    this.#crossed(entry, true, cause);
  }

  info(ref: SaRef): SaInfo | undefined {
    const spi = spiToNumber(ref.spi);
    const entry = spi === undefined ? undefined : this.table.get(ref.direction, spi);
    return entry && toInfo(entry);
  }

  list(): SaInfo[] {
    return this.table.list().map(toInfo);
  }

  #install(p: AddSaParams): Result<SadEntry, BackendError> {
    const spi = spiToNumber(p.spi);
    if (spi === undefined || !isValidEspSpi(spi))
      return backendError('invalid-spi', 'SPI must be 4 bytes, >= 256');
    if (this.table.get(p.direction, spi))
      return backendError('duplicate-spi', `${p.direction} SPI ${spi} exists`);
    if (!(Number.isInteger(p.reqid) && p.reqid > 0))
      return backendError('invalid-params', 'reqid must be > 0');
    const srcAddress = endpointAddress(p.src);
    const dstAddress = endpointAddress(p.dst);
    if (!srcAddress || !dstAddress || srcAddress.length !== dstAddress.length)
      return backendError('invalid-params', 'src and dst need addresses of one family and valid ports');
    if (
      p.localTs.length === 0 ||
      p.remoteTs.length === 0 ||
      ![...p.localTs, ...p.remoteTs].every(isValidSelector)
    )
      return backendError('invalid-params', 'an SA needs valid local and remote selectors');
    const lifetimes = p.lifetimes ?? {};
    if (!isValidLifetimes(lifetimes)) return backendError('invalid-params', 'invalid lifetimes');
    const requested = p.replayWindow ?? DEFAULT_REPLAY_WINDOW;
    // Deviation: swanctl allows replay_window = 0 (no replay check); ESP here always checks.
    if (!(Number.isInteger(requested) && requested > 0))
      return backendError(
        'invalid-params',
        `replay window ${requested} (replay protection cannot be disabled)`,
      );
    const replayWindow = Math.max(REPLAY_WORD, Math.ceil(requested / REPLAY_WORD) * REPLAY_WORD);

    // Copies: the caller may wipe its KEYMAT as soon as we return. Off the V8 heap (secretCopy):
    // the garbage collector never leaves a moved copy behind that wipe() cannot reach.
    const encrKey = secretCopy(p.encr.key);
    const integKey = p.integ ? secretCopy(p.integ.key) : undefined;
    const hard = lifetimes.hard ?? {};
    const hardLimits: EspLimits = {
      ...(hard.bytes ? { bytes: hard.bytes } : {}),
      ...(hard.packets ? { packets: hard.packets } : {}),
    };
    let created: ReturnType<typeof createEspSaFromKeys>;
    try {
      created = createEspSaFromKeys(
        {
          provider: this.options.provider,
          encr: p.encr.transform,
          encrKey,
          ...(p.integ && integKey ? { integ: p.integ.transform, integKey } : {}),
          random: this.options.random,
        },
        {
          spi,
          direction: p.direction === 'in' ? 'inbound' : 'outbound',
          mode: p.mode,
          esn: p.esn ?? false,
          replayWindow,
          hardLimits,
        },
      );
    } catch (e) {
      // The provider throws on a key of the wrong length for the transform.
      wipe(encrKey, integKey);
      return backendError('invalid-params', e instanceof Error ? e.message : String(e));
    }
    if (!created.ok) {
      wipe(encrKey, integKey);
      return backendError('invalid-params', created.error.message);
    }
    const now = this.options.clock.now();
    const entry: SadEntry = {
      spi,
      direction: p.direction,
      reqid: p.reqid,
      mode: p.mode,
      esp: created.value,
      src: { address: p.src.address, port: p.src.port },
      dst: { address: p.dst.address, port: p.dst.port },
      srcAddress,
      dstAddress,
      encap: p.encap ?? false,
      localTs: p.localTs.slice(),
      remoteTs: p.remoteTs.slice(),
      lifetime: new LifetimeTracker(lifetimes, now),
      lastUsedAt: undefined,
      secrets: integKey ? [encrKey, integKey] : [encrKey],
      ...(p.label !== undefined ? { label: p.label } : {}),
    };
    this.table.add(entry);
    if (p.direction === 'in') this.#reserved.delete(spi);
    this.#schedule(entry);
    this.#notices.next({ type: 'sa.installed', entry });
    return ok(entry);
  }

  #update(p: UpdateSaParams): Result<SadEntry, BackendError> {
    const spi = spiToNumber(p.spi);
    const entry = spi === undefined ? undefined : this.table.get(p.direction, spi);
    if (!entry) return backendError('unknown-sa', `no ${p.direction}bound SA with this SPI`);
    const src = p.src ?? entry.src;
    const dst = p.dst ?? entry.dst;
    const srcAddress = endpointAddress(src);
    const dstAddress = endpointAddress(dst);
    if (!srcAddress || !dstAddress || srcAddress.length !== dstAddress.length)
      return backendError('invalid-params', 'src and dst need addresses of one family and valid ports');
    entry.src = { address: src.address, port: src.port };
    entry.dst = { address: dst.address, port: dst.port };
    entry.srcAddress = srcAddress;
    entry.dstAddress = dstAddress;
    if (p.encap !== undefined) entry.encap = p.encap;
    return ok(entry);
  }

  #delete(p: SaRef): Result<SadEntry | undefined, BackendError> {
    const spi = spiToNumber(p.spi);
    const entry = spi === undefined ? undefined : this.table.get(p.direction, spi);
    if (!entry) {
      // Releasing a reserved SPI whose negotiation failed is a delete of a larval SA.
      if (spi !== undefined && p.direction === 'in' && this.#reserved.delete(spi)) return ok(undefined);
      return backendError('unknown-sa', `no ${p.direction}bound SA with this SPI`);
    }
    this.#remove(entry, 'deleted');
    return ok(entry);
  }

  #crossed(entry: SadEntry, hard: boolean, cause: ExpireEvent['cause']): void {
    if (hard) this.#remove(entry, 'expired');
    this.#notices.next({
      type: 'ipsec.expire',
      hard,
      spi: spiToBytes(entry.spi),
      direction: entry.direction,
      reqid: entry.reqid,
      cause,
    });
  }

  #remove(entry: SadEntry, reason: 'deleted' | 'expired'): void {
    this.table.remove(entry.direction, entry.spi);
    const timer = this.#timers.get(entry);
    if (timer !== undefined) this.options.clock.clearTimeout(timer);
    this.#timers.delete(entry);
    destroyEspSa(entry.esp);
    wipe(...entry.secrets); // DESIGN.md: secrets zeroed when an SA dies
    this.#notices.next({ type: 'sa.removed', entry, reason });
  }

  #schedule(entry: SadEntry): void {
    const at = entry.lifetime.nextDeadline();
    if (at === undefined) return;
    const { clock } = this.options;
    const handle = clock.setTimeout(
      () => {
        this.#timers.delete(entry);
        if (this.table.get(entry.direction, entry.spi) !== entry) return;
        const crossing: LifetimeCrossing | undefined = entry.lifetime.check(entry.esp.lifetime, clock.now());
        if (crossing) this.#crossed(entry, crossing.kind === 'hard', crossing.cause);
        if (!entry.lifetime.hardExpired) this.#schedule(entry);
      },
      Math.max(0, at - clock.now()),
    );
    this.#timers.set(entry, handle);
  }
}

function toInfo(e: SadEntry): SaInfo {
  const esp = e.esp;
  return {
    spi: spiToBytes(e.spi),
    direction: e.direction,
    reqid: e.reqid,
    mode: e.mode,
    src: e.src,
    dst: e.dst,
    encap: e.encap,
    esn: esp.esn,
    encr: esp.cipher.transform.name,
    ...(esp.mac ? { integ: esp.mac.transform.name } : {}),
    localTs: e.localTs,
    remoteTs: e.remoteTs,
    bytes: esp.lifetime.bytes,
    packets: esp.lifetime.packets,
    seq: e.direction === 'out' ? esp.seq : (esp.replay?.top ?? 0),
    installedAt: e.lifetime.addedAt,
    ...(e.lastUsedAt !== undefined ? { lastUsedAt: e.lastUsedAt } : {}),
    rekeyRequested: e.lifetime.softExpired,
    ...(e.label !== undefined ? { label: e.label } : {}),
  };
}
