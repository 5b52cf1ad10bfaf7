/**
 * The mote firmware's entry (the `npm run build:mote` bundle, scripts/build-mote.mjs): builds one
 * mote from what its host (the board, or an embedded JS engine such as QuickJS) gives it, and
 * nothing else: a millisecond clock and one wake-up timer, a random source, the radio's
 * send/receive pair and a log line. No `node:` module is reachable from here (not sim-cli.ts,
 * not targets/native/, not the swanctl parser: the configuration is built in code by profile.ts).
 *
 * Order of a boot: polyfill crypto.getRandomValues from the host's random source (noble's
 * randomBytes reaches for it) and UTF-8 TextEncoder/TextDecoder (QuickJS has neither) -> clock over the host timer -> radio adapter -> RadioTransport
 * (IKE on 500, NAT-T port 4500, every datagram to the gateway's next hop) -> createIpsecHost with
 * the mote profile -> sensor -> supervisor.start() (the Child SA's start_action initiates).
 *
 * Timers: the host keeps one hardware timer (`wakeAt`); the mote keeps its own queue and runs what
 * is due when the host calls `tick()`. Promise jobs, if any, are the host engine's to run.
 */
import './mote-polyfills.js'; // first: modules below encode strings as they load
import { createIpsecHost, type IkeSend, type IpsecHost } from '../../actors/ipsec-host.js';
import type { RandomBytes } from '../../ipsec/crypto/types.js';
import type { Clock, TimerHandle } from '../../ipsec/util/clock.js';
import { MAX_MAC_PAYLOAD } from '../../transport/radio/frame.js';
import type { MediumOptions } from '../../transport/radio/medium-options.js';
import { chainGapMs } from '../../transport/radio/pacing.js';
import { RadioTransport } from '../../transport/radio/radio-transport.js';
import { newStats } from '../../transport/radio/stats.js';
import type { RadioInterface, ReceivedFrame, TxStatus } from '../../transport/radio/types.js';
import { moteProvider, moteStackConfig } from './mote-stack.js';
import { GATEWAY_ID, GATEWAY_SHORT_ADDRESS, type MoteSuiteName, meshAddress, moteId } from './profile.js';
import { radioIkeOverhead } from './radio-ike-overhead.js';
import { MoteSensor } from './sensor.js';

/** What the host gives a mote. */
export interface MoteCapabilities {
  /** Milliseconds, monotonic. */
  now(): number;
  /** Asks the host to call `tick()` at (or after) this time; a later call replaces the earlier. */
  wakeAt(ms: number): void;
  /** `length` random octets from the platform's CSPRNG, as an ArrayBuffer or Uint8Array. */
  random(length: number): ArrayBuffer | Uint8Array;
  /**
   * Hands a MAC payload to the radio for `dst`; the host reports its end with `Mote.sent`.
   * `tag` is the probe's label of the frame's datagram (absent without a `probe.tagOf`).
   */
  radioSend(dst: number, payload: ArrayBuffer, tag?: string): void;
  log(line: string): void;
  /** What a test bench watches (a simulator; a board has none of these). */
  readonly probe?: MoteProbe;
}

/**
 * The simulator's view into a mote, as a debugger's probe: every hook optional, none changes
 * what the mote does.
 */
export interface MoteProbe {
  /** Labels a datagram the mote sends or forwards (the label rides on its frames). */
  tagOf?(
    data: ArrayBuffer,
    fromAddress: string,
    fromPort: number,
    toAddress: string,
    toPort: number,
  ): string | undefined;
  /** Every IKE message the mote sends: a first transmission or a retransmission. */
  ikeSent?(data: ArrayBuffer): void;
  /** The IKE SA came up ('ike-established') or a Child SA was installed ('child-installed'). */
  event?(type: 'ike-established' | 'child-installed'): void;
}

export interface MoteOptions {
  readonly short: number;
  /** The pre-shared key this mote shares with the gateway. */
  readonly psk: ArrayBuffer | Uint8Array;
  readonly suite?: MoteSuiteName;
  /** Sensor reading interval (default 10 s). */
  readonly intervalMs?: number;
  /** The neighbour toward the gateway (default: the gateway itself, one hop). */
  readonly parent?: number;
  /** Next hops other than `parent`, as [destination, neighbour] (a forwarder's children). */
  readonly routes?: readonly (readonly [number, number])[];
  /** RFC 7383 IKE fragmentation, fragments sized to one frame (default: none). */
  readonly ikeFragmentation?: boolean;
  /** The mote is more than one hop from the gateway (sizes IKE fragments for forwarded hops). */
  readonly multiHop?: boolean;
  /** The medium's parameters, to pace frames on a chain of hops (transport/radio/pacing.ts). */
  readonly pacing?: MediumOptions;
}

/** What the mote's sensor has done this boot. */
export interface MoteStats {
  readonly taken: number;
  readonly retransmitted: number;
  readonly outstanding: number;
  /** Datagrams the radio transport cut into 6LoWPAN fragments (RFC 4944 §5.3). */
  readonly datagramsFragmented: number;
}

export interface Mote {
  readonly host: IpsecHost;
  readonly sensor: MoteSensor;
  /** Runs the timers that are due (the host's timer fired). */
  tick(): void;
  /** A frame addressed to this mote arrived. */
  receive(src: number, dst: number, payload: ArrayBuffer): void;
  /** The frame last handed to radioSend ended; the next one goes out (one at a time, in order). */
  sent(status: TxStatus): void;
  /** Whether a Child SA is installed. */
  readonly ready: boolean;
  stats(): MoteStats;
  /** Stops taking readings; those in flight may still complete. */
  stopSampling(): void;
  stop(): void;
}

const bytes = (b: ArrayBuffer | Uint8Array): Uint8Array => (b instanceof Uint8Array ? b : new Uint8Array(b));

/** A timer queue on the host's clock and its one wake-up timer. */
class HostClock implements Clock {
  private readonly timers = new Map<number, { at: number; fn: () => void }>();
  private nextId = 1;
  private wake = Number.POSITIVE_INFINITY;
  constructor(private readonly caps: MoteCapabilities) {}
  now(): number {
    return this.caps.now();
  }
  setTimeout(fn: (...args: unknown[]) => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { at: this.now() + Math.max(0, ms), fn: () => fn() });
    this.arm();
    return id;
  }
  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }
  tick(): void {
    this.wake = Number.POSITIVE_INFINITY;
    for (;;) {
      const now = this.now();
      let due: number | undefined;
      let at = Number.POSITIVE_INFINITY;
      for (const [id, t] of this.timers)
        if (t.at <= now && t.at < at) {
          due = id;
          at = t.at;
        }
      if (due === undefined) break;
      const t = this.timers.get(due)!;
      this.timers.delete(due);
      t.fn();
    }
    this.arm();
  }
  private arm(): void {
    let at = Number.POSITIVE_INFINITY;
    for (const t of this.timers.values()) at = Math.min(at, t.at);
    if (at < this.wake || (this.wake !== Number.POSITIVE_INFINITY && at !== this.wake)) {
      this.wake = at;
      if (at !== Number.POSITIVE_INFINITY) this.caps.wakeAt(at);
    }
  }
}

/** The smallest crypto.getRandomValues, over the host's source, where the engine has none. */
function polyfillRandom(random: RandomBytes): void {
  const g = globalThis as { crypto?: { getRandomValues?: unknown } };
  if (typeof g.crypto?.getRandomValues === 'function') return;
  const getRandomValues = <T extends ArrayBufferView>(view: T): T => {
    const out = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    out.set(random(out.length));
    return view;
  };
  g.crypto = { ...(g.crypto ?? {}), getRandomValues };
}

/**
 * setTimeout / clearTimeout on the mote's clock where the engine has none (QuickJS): the
 * firmware's rxjs (mote-rx.ts) reports an unhandled error by rethrowing it from a timer, as
 * rxjs does, which then surfaces from the host's `tick()` instead of as a ReferenceError.
 */
function polyfillTimers(clock: Clock): void {
  const g = globalThis as { setTimeout?: unknown; clearTimeout?: unknown };
  if (typeof g.setTimeout === 'function') return;
  g.setTimeout = (fn: (...args: unknown[]) => void, ms = 0, ...args: unknown[]) =>
    clock.setTimeout(() => fn(...args), ms);
  g.clearTimeout = (handle: TimerHandle) => clock.clearTimeout(handle);
}

/** The host's radio as a RadioInterface: one frame outstanding at a time, in order. */
class HostRadio implements RadioInterface {
  readonly maxPayload = MAX_MAC_PAYLOAD;
  readonly stats = newStats();
  private handler?: (frame: ReceivedFrame) => void;
  private readonly queue: {
    dst: number;
    payload: Uint8Array;
    done?: (status: TxStatus) => void;
    tag?: string;
  }[] = [];
  private enabled = true;
  constructor(
    readonly address: number,
    private readonly caps: MoteCapabilities,
  ) {}
  send(dst: number, payload: Uint8Array, done?: (status: TxStatus) => void, tag?: string): void {
    if (payload.length > this.maxPayload)
      throw new RangeError(`MAC payload of ${payload.length} octets exceeds ${this.maxPayload}`);
    if (!this.enabled) {
      done?.('TRX_OFF');
      return;
    }
    this.queue.push({ dst, payload, ...(done ? { done } : {}), ...(tag !== undefined ? { tag } : {}) });
    if (this.queue.length === 1) this.transmit();
  }
  onReceive(handler: (frame: ReceivedFrame) => void): void {
    this.handler = handler;
  }
  setEnabled(on: boolean): void {
    this.enabled = on;
    if (on) return;
    for (const f of this.queue.splice(0)) f.done?.('TRX_OFF');
  }
  receive(frame: ReceivedFrame): void {
    if (!this.enabled) return;
    this.stats.framesReceived++;
    this.handler?.(frame);
  }
  sent(status: TxStatus): void {
    const f = this.queue.shift();
    if (!f) return;
    // The next frame goes out before `done` runs: a frame that `done` queues waits its turn
    // (transmitting after `done` would hand the radio that frame twice).
    if (this.queue.length > 0) this.transmit();
    f.done?.(status);
  }
  private transmit(): void {
    const f = this.queue[0]!;
    this.stats.framesSent++;
    this.stats.bytesSent += f.payload.length;
    this.caps.radioSend(f.dst, f.payload.slice().buffer, f.tag);
  }
}

/** Builds and starts one mote. */
export function createMote(caps: MoteCapabilities, o: MoteOptions): Mote {
  const random: RandomBytes = (length) => bytes(caps.random(length)).slice(0, length);
  polyfillRandom(random);
  const clock = new HostClock(caps);
  polyfillTimers(clock);
  const radio = new HostRadio(o.short, caps);
  const address = meshAddress(o.short);
  const parent = o.parent ?? GATEWAY_SHORT_ADDRESS;
  const routes = new Map(o.routes ?? []);
  const probe = caps.probe;
  const tagOf = probe?.tagOf;
  const transport = new RadioTransport({
    radio,
    clock,
    endpoints: [
      { address, port: 500 },
      { address, port: 4500 },
    ],
    nextHop: (dst) => routes.get(dst) ?? parent,
    random,
    ...(o.pacing ? { interFrameGapMs: chainGapMs(o.pacing) } : {}),
    ...(tagOf
      ? {
          tagOf: (data, from, to) => tagOf(data.slice().buffer, from.address, from.port, to.address, to.port),
        }
      : {}),
  });
  const config = moteStackConfig(
    o.short,
    { name: `ike-${o.short.toString(16)}`, id: [moteId(o.short), GATEWAY_ID], secret: bytes(o.psk).slice() },
    { suite: o.suite ?? 'seed', ikeFragmentation: o.ikeFragmentation === true },
    // RFC 7383 fragments sized to one frame: fragment_size is the MAC payload.
    o.ikeFragmentation ? { fragment_size: radio.maxPayload } : {},
  );
  const ikeSent = probe?.ikeSent;
  const host = createIpsecHost({
    config,
    provider: moteProvider,
    random,
    clock,
    transport,
    ...(ikeSent
      ? {
          wrapSend:
            (send: IkeSend): IkeSend =>
            (data, from, to, natT) => {
              ikeSent(data.slice().buffer);
              send(data, from, to, natT);
            },
        }
      : {}),
    ...(o.ikeFragmentation
      ? { ikeDatagramOverhead: radioIkeOverhead(transport, () => o.multiHop ?? false) }
      : {}),
  });
  const ready = () => host.supervisor.ikeSas.some((h) => h.children.length > 0);
  const sensor = new MoteSensor({
    short: o.short,
    address,
    gateway: meshAddress(GATEWAY_SHORT_ADDRESS),
    pipeline: host.esp.pipeline,
    clock,
    random,
    intervalMs: o.intervalMs ?? 10_000,
    ready,
    onUnanswered: () => {
      for (const h of host.supervisor.ikeSas)
        if (h.state === 'ESTABLISHED') host.supervisor.task(h.uniqueid, { kind: 'dpd' });
    },
  });
  host.supervisor.on((e) => {
    if (e.type === 'ike-established') {
      caps.log(`mote ${o.short}: IKE SA established`);
      probe?.event?.('ike-established');
    }
    if (e.type !== 'child-installed') return;
    caps.log(`mote ${o.short}: Child SA installed`);
    probe?.event?.('child-installed');
    sensor.flush();
  });
  sensor.start();
  host.supervisor.start();
  return {
    host,
    sensor,
    tick: () => clock.tick(),
    receive: (src, dst, payload) => radio.receive({ src, dst, payload: bytes(payload).slice() }),
    sent: (status) => radio.sent(status),
    get ready() {
      return ready();
    },
    stats: () => ({
      taken: sensor.counters.taken,
      retransmitted: sensor.counters.retransmitted,
      outstanding: sensor.outstanding,
      datagramsFragmented: transport.stats.datagramsFragmented,
    }),
    stopSampling: () => sensor.stopSampling(),
    stop: () => {
      sensor.stop();
      host.supervisor.close();
      host.esp.close();
      transport.close();
      radio.setEnabled(false);
    },
  };
}
