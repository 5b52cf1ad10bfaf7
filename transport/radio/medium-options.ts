/**
 * The parameters of the simulated medium, each defaulting to IEEE 802.15.4-2006's value for the
 * 2450 MHz O-QPSK PHY (constants.ts cites the clauses), and the zeroed per-node counters.
 */
import * as C from './constants.js';
import { DEFAULT_PAN_ID } from './frame.js';
import { DEFAULT_RANGE_M, type LinkQuality } from './topology.js';

/** PHY and MAC parameters; each defaults to the standard's value for the 2450 MHz PHY. */
export interface MediumOptions {
  readonly macMinBE: number;
  readonly macMaxBE: number;
  readonly macMaxCSMABackoffs: number;
  readonly macMaxFrameRetries: number;
  /** In symbols, as the next four. */
  readonly aUnitBackoffPeriod: number;
  readonly aTurnaroundTime: number;
  readonly macAckWaitDuration: number;
  readonly ccaDuration: number;
  readonly macSIFSPeriod: number;
  readonly macLIFSPeriod: number;
  /** Microseconds per symbol (16 at 62.5 ksymbol/s) and symbols per octet (2). */
  readonly symbolUs: number;
  readonly phySymbolsPerOctet: number;
  readonly panId: number;
  /** Range in metres of the medium's own range-based topology (used when no `links` is given). */
  readonly rangeM: number;
  /** Merged under every link's quality. */
  readonly defaultLink: LinkQuality;
  /** Keep every AirEvent in `log` (off by default: a long 50-node run makes many). */
  readonly keepLog: boolean;
}

export const DEFAULT_MEDIUM_OPTIONS: MediumOptions = {
  macMinBE: C.macMinBE,
  macMaxBE: C.macMaxBE,
  macMaxCSMABackoffs: C.macMaxCSMABackoffs,
  macMaxFrameRetries: C.macMaxFrameRetries,
  aUnitBackoffPeriod: C.aUnitBackoffPeriod,
  aTurnaroundTime: C.aTurnaroundTime,
  macAckWaitDuration: C.macAckWaitDuration,
  ccaDuration: C.CCA_SYMBOLS,
  macSIFSPeriod: C.macSIFSPeriod,
  macLIFSPeriod: C.macLIFSPeriod,
  symbolUs: C.SYMBOL_US,
  phySymbolsPerOctet: C.phySymbolsPerOctet,
  panId: DEFAULT_PAN_ID,
  rangeM: DEFAULT_RANGE_M,
  defaultLink: {},
  keepLog: false,
};

export { newStats } from './stats.js';
