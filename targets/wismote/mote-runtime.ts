/**
 * Where a simulated mote's firmware runs. The simulator hands every runtime the same thing, the
 * firmware's host contract (mote-entry.ts: MoteCapabilities and MoteOptions), and gets back the
 * same handle, so the runtimes cannot change what a mote does: `node` calls createMote in this
 * process; `quickjs` (quickjs-runtime.ts) runs the firmware bundle in a QuickJS runtime of the
 * mote's own.
 */
import type { TxStatus } from '../../transport/radio/types.js';
import { createMote, type MoteCapabilities, type MoteOptions, type MoteStats } from './mote-entry.js';

export type MoteRuntimeName = 'node' | 'quickjs';

/** One boot of a mote's firmware, as the simulator drives it. */
export interface BootedMote {
  /** The host's timer fired (the firmware asked for it with `wakeAt`). */
  tick(): void;
  receive(src: number, dst: number, payload: Uint8Array): void;
  /** The frame last handed to `radioSend` ended with this status. */
  sent(status: TxStatus): void;
  stats(): MoteStats;
  stopSampling(): void;
  /** Powers the firmware off: its state is gone (a QuickJS runtime is freed). */
  stop(): void;
}

export interface MoteRuntime {
  readonly name: MoteRuntimeName;
  boot(caps: MoteCapabilities, options: MoteOptions): BootedMote;
}

/** The firmware in this process: createMote itself. */
export const nodeMoteRuntime: MoteRuntime = {
  name: 'node',
  boot(caps, options) {
    const mote = createMote(caps, options);
    return {
      tick: () => mote.tick(),
      receive: (src, dst, payload) => mote.receive(src, dst, payload.slice().buffer),
      sent: (status) => mote.sent(status),
      stats: () => mote.stats(),
      stopSampling: () => mote.stopSampling(),
      stop: () => mote.stop(),
    };
  },
};
