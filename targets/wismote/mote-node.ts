/**
 * A mote of the simulated mesh: its radio on the medium, and while powered, its firmware
 * (mote-entry.ts) booted in a MoteRuntime with the host contract a board gives it: the virtual
 * clock and one wake-up timer over it, a seeded random source, the radio, a log, and the
 * simulator's probe (frame tags for the air accounts, each IKE message sent, SA events).
 *
 * With a wall clock, each call into the firmware is timed and the calls of a boot's first
 * handshake are kept as its steps (StepTimes): how long the mote computes, not how long the air
 * takes.
 */

import { seededRandom } from '../../ipsec/crypto/random.js';
import type { Clock, TimerHandle } from '../../ipsec/util/clock.js';
import type { MediumOptions } from '../../transport/radio/medium-options.js';
import type { RadioInterface, TxStatus } from '../../transport/radio/types.js';
import type { Endpoint } from '../../transport/types.js';
import { ikeInfo } from './classify.js';
import type { MoteOptions, MoteStats } from './mote-entry.js';
import type { BootedMote, MoteRuntime } from './mote-runtime.js';
import { CountingNode, type IkeSentHook } from './node.js';
import { GATEWAY_SHORT_ADDRESS, type MoteSuiteName, meshAddress } from './profile.js';

/** Milliseconds of firmware computation per step of a mote's first handshake of a boot. */
export interface StepTimes {
  /** Boot to the IKE_SA_INIT request (createMote, the key pair, the request). */
  ikeSaInitRequest?: number;
  /** The IKE_SA_INIT response to the IKE_AUTH request (the shared secret, keys, AUTH). */
  ikeAuthRequest?: number;
  /** The IKE_AUTH response to the Child SA installed (AUTH check, Child SA keys). */
  childSaInstalled?: number;
}

export interface MoteNodeOptions {
  readonly short: number;
  readonly radio: RadioInterface;
  readonly clock: Clock;
  readonly seed: string;
  readonly runtime: MoteRuntime;
  readonly psk: Uint8Array;
  readonly suite: MoteSuiteName;
  readonly intervalMs: number;
  /** The neighbour toward the gateway, and the next hops toward this mote's descendants. */
  readonly parent: number;
  readonly routes: readonly (readonly [number, number])[];
  readonly ikeFragmentation: boolean;
  readonly multiHop: boolean;
  readonly pacing?: MediumOptions;
  /** The simulator's frame tagger (classify.ts meshTagger). */
  readonly tagOf?: (data: Uint8Array, from: Endpoint, to: Endpoint) => string | undefined;
  readonly onIkeSent?: IkeSentHook;
  /** A wall clock in ms (performance.now) to time the firmware's steps; absent: not timed. */
  readonly wallClock?: () => number;
}

const NO_STATS: MoteStats = { taken: 0, retransmitted: 0, outstanding: 0, datagramsFragmented: 0 };

export class MoteNode extends CountingNode {
  private firmware?: BootedMote;
  private wake?: TimerHandle;
  /** Stats of the boots that ended (a reboot starts from zero). */
  private past: MoteStats = NO_STATS;
  /** The steps of the first handshake of each boot that completed one. */
  readonly steps: StepTimes[] = [];
  private current: StepTimes = {};
  private initSent = false;
  /** What the call into the firmware under way did. */
  private call?: { sentInit?: boolean; sentAuth?: boolean; childUp?: boolean };

  constructor(private readonly o: MoteNodeOptions) {
    super(o.short, o.onIkeSent);
  }

  override get up(): boolean {
    return this.firmware !== undefined;
  }

  /** Powers the mote on with no state (a first boot or a reboot). */
  override boot(): void {
    if (this.firmware) return;
    const { clock, radio } = this.o;
    this.counters.boots++;
    this.bootedAt = clock.now();
    this.firstChildAt = undefined;
    this.current = {};
    this.initSent = false;
    radio.setEnabled(true);
    const random = seededRandom(`${this.o.seed}/node/${this.short}/boot/${this.counters.boots}`);
    const options: MoteOptions = {
      short: this.short,
      psk: this.o.psk,
      suite: this.o.suite,
      intervalMs: this.o.intervalMs,
      parent: this.o.parent,
      routes: this.o.routes,
      ikeFragmentation: this.o.ikeFragmentation,
      multiHop: this.o.multiHop,
      ...(this.o.pacing ? { pacing: this.o.pacing } : {}),
    };
    // Every callback checks that it belongs to the running boot: a frame's end may be
    // reported after the firmware that sent it was powered off.
    let fw: BootedMote | undefined;
    const alive = () => fw !== undefined && this.firmware === fw;
    const tagOf = this.o.tagOf;
    fw = this.timed('ikeSaInitRequest', () =>
      this.o.runtime.boot(
        {
          now: () => clock.now(),
          wakeAt: (ms) => {
            if (this.wake !== undefined) clock.clearTimeout(this.wake);
            this.wake = clock.setTimeout(
              () => {
                this.wake = undefined;
                if (alive()) this.timed(undefined, () => fw!.tick());
              },
              Math.max(0, ms - clock.now()),
            );
          },
          random,
          radioSend: (dst, payload, tag) =>
            radio.send(
              dst,
              new Uint8Array(payload),
              (status: TxStatus) => {
                if (alive()) this.timed(undefined, () => fw!.sent(status));
              },
              tag,
            ),
          log: () => {},
          probe: {
            ...(tagOf
              ? {
                  tagOf: (data, fromAddress, fromPort, toAddress, toPort) =>
                    tagOf(
                      new Uint8Array(data),
                      { address: fromAddress, port: fromPort },
                      { address: toAddress, port: toPort },
                    ),
                }
              : {}),
            ikeSent: (data) => this.ikeSent(new Uint8Array(data)),
            event: (type) => {
              if (type === 'ike-established') this.counters.ikeSasEstablished++;
              else {
                this.countChildUp(clock.now());
                if (this.call) this.call.childUp = true;
              }
            },
          },
        },
        options,
      ),
    );
    this.firmware = fw;
    radio.onReceive((f) => {
      if (alive()) this.timed(undefined, () => fw!.receive(f.src, f.dst, f.payload));
    });
  }

  /** Powers the mote off: every SA, queue and timer of this boot is gone. */
  override shutdown(): void {
    const fw = this.firmware;
    if (!fw) return;
    this.past = addStats(this.past, fw.stats());
    this.firmware = undefined;
    if (this.wake !== undefined) this.o.clock.clearTimeout(this.wake);
    this.wake = undefined;
    fw.stop();
    this.o.radio.setEnabled(false);
  }

  override stopSampling(): void {
    this.firmware?.stopSampling();
  }

  /** The sensor's and the transport's counts over every boot. */
  stats(): MoteStats {
    return addStats(this.past, this.firmware?.stats() ?? NO_STATS);
  }

  /** Readings of this boot still waiting for their acknowledgement. */
  get outstanding(): number {
    return this.firmware?.stats().outstanding ?? 0;
  }

  private ikeSent(data: Uint8Array): void {
    const retransmission = this.countIkeSent(data, meshAddress(GATEWAY_SHORT_ADDRESS));
    // Classified only while a step is timed (the accounts classify every message anyway).
    if (!this.call || retransmission) return;
    const info = ikeInfo(data, 500);
    if (info && !info.response) {
      if (info.category === 'IKE_SA_INIT') this.call.sentInit = true;
      if (info.category === 'IKE_AUTH') this.call.sentAuth = true;
    }
  }

  /**
   * Runs one call into the firmware; with a wall clock, a call that sent the boot's first
   * IKE_SA_INIT or IKE_AUTH request or installed its first Child SA is that step's time (the
   * boot's own call always counts toward the first).
   */
  private timed<T>(boot: 'ikeSaInitRequest' | undefined, f: () => T): T {
    const wall = this.o.wallClock;
    if (!wall) return f();
    const outer = this.call;
    this.call = {};
    const start = wall();
    try {
      return f();
    } finally {
      const ms = wall() - start;
      const c = this.call;
      this.call = outer;
      const s = this.current;
      if (s.childSaInstalled === undefined) {
        // The boot call, and the call that first sent the request if a timer did.
        if (boot) s.ikeSaInitRequest = ms;
        if (c.sentInit && !this.initSent) {
          this.initSent = true;
          if (!boot) s.ikeSaInitRequest = (s.ikeSaInitRequest ?? 0) + ms;
        }
        if (c.sentAuth && s.ikeAuthRequest === undefined) s.ikeAuthRequest = ms;
        if (c.childUp) {
          s.childSaInstalled = ms;
          this.steps.push(s);
        }
      }
    }
  }
}

function addStats(a: MoteStats, b: MoteStats): MoteStats {
  return {
    taken: a.taken + b.taken,
    retransmitted: a.retransmitted + b.retransmitted,
    outstanding: b.outstanding,
    datagramsFragmented: a.datagramsFragmented + b.datagramsFragmented,
  };
}
