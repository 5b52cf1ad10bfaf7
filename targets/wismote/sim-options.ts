/**
 * What one simulation run is: the motes, the radio, the traffic and the events, with defaults.
 * Built from the command line (sim-cli.ts) and/or a YAML scenario (scenario.ts); pure data.
 */
import type { MoteSuiteName } from './profile.js';

export type TopologyKind = 'star' | 'line' | 'tree';

/** Where an IKE message too large for one frame is cut: RFC 7383 in IKE, or RFC 4944 below IP. */
export type FragmentationStrategy = '6lowpan' | 'ike';

export interface LinkQuality {
  /** Frame loss probability, 0..1 (data and ACK frames drawn independently). */
  readonly loss?: number;
  /** Probability that a frame arrives twice. */
  readonly duplicate?: number;
  /** Extra delay of each frame on this link, ms. */
  readonly delayMs?: number;
}

export interface NodePlacement {
  /** Short address: 1 is the gateway, motes from 2. */
  readonly id: number;
  readonly x: number;
  readonly y: number;
}

export interface LinkOverride extends LinkQuality {
  /** Two short addresses; the quality applies both ways. */
  readonly between: readonly [number, number];
}

export type SimEvent =
  /** A mote loses power at `atS` and boots again `downS` later with no state. */
  | { readonly atS: number; readonly kind: 'reboot'; readonly mote: number; readonly downS: number }
  /** The gateway restarts: every SA it held is gone. */
  | { readonly atS: number; readonly kind: 'gateway-restart'; readonly downS: number };

export interface SimOptions {
  readonly seed: string;
  readonly motes: number;
  /** Default frame loss on every link. */
  readonly loss: number;
  readonly topology: TopologyKind;
  /** Children per node in a tree. */
  readonly treeDegree: number;
  readonly suite: MoteSuiteName;
  readonly fragmentation: FragmentationStrategy;
  readonly durationS: number;
  /** Seconds between two readings of one mote. */
  readonly intervalS: number;
  /** Motes boot at random times within this many seconds. */
  readonly bootSpreadS: number;
  /** Radio range in metres (placement-based topologies). */
  readonly rangeM: number;
  /** Explicit positions (override the generated ones for these nodes). */
  readonly placements: readonly NodePlacement[];
  readonly links: readonly LinkOverride[];
  readonly events: readonly SimEvent[];
}

export const SIM_DEFAULTS: SimOptions = {
  seed: '1',
  motes: 10,
  loss: 0,
  topology: 'star',
  treeDegree: 2,
  suite: 'seed',
  fragmentation: '6lowpan',
  durationS: 300,
  intervalS: 30,
  bootSpreadS: 10,
  rangeM: 50,
  placements: [],
  links: [],
  events: [],
};

/** Implementation limits of the simulator (not of any standard). */
export const SIM_LIMITS = {
  maxMotes: 1000,
  maxDurationS: 7 * 24 * 3600,
} as const;
