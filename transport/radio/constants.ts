/**
 * IEEE 802.15.4-2006 constants and PIB defaults for the 2450 MHz O-QPSK PHY (the CC2520 on the
 * Wismote), named as the standard names them. Spec constants live here; implementation limits
 * live with the code that has them.
 */

/** 2450 MHz O-QPSK: 62.5 ksymbol/s, 4 bits per symbol, 250 kbit/s (§6.1.1 Table 1, §6.5.1). */
export const SYMBOL_US = 16;
/** Two symbols per octet (4 bits per symbol) (§6.5.2.2). */
export const phySymbolsPerOctet = 2;
export const OCTET_US = SYMBOL_US * phySymbolsPerOctet; // 32 us, i.e. 250 kbit/s

/** SHR: preamble 4 octets + SFD 1 octet (§6.3.1, §6.5.2.1); PHR: 1 octet (§6.3.2). */
export const PREAMBLE_OCTETS = 4;
export const SFD_OCTETS = 1;
export const SHR_OCTETS = PREAMBLE_OCTETS + SFD_OCTETS;
export const PHR_OCTETS = 1;
/** phySHRDuration in symbols (§6.4.2 Table 23): 5 octets at 2 symbols per octet. */
export const phySHRDuration = SHR_OCTETS * phySymbolsPerOctet;

/** aMaxPHYPacketSize: the largest PSDU (= MPDU) in octets (§6.4.1 Table 22). */
export const aMaxPHYPacketSize = 127;
/** aTurnaroundTime: RX-to-TX or TX-to-RX turnaround in symbols (§6.4.1 Table 22). */
export const aTurnaroundTime = 12;
/** CCA detection time: 8 symbol periods (§6.9.9). */
export const CCA_SYMBOLS = 8;

/** aUnitBackoffPeriod in symbols (§7.4.1 Table 85). */
export const aUnitBackoffPeriod = 20;
/** aMaxSIFSFrameSize: MPDUs up to this many octets are followed by a SIFS (§7.4.1 Table 85). */
export const aMaxSIFSFrameSize = 18;
/** macSIFSPeriod / macLIFSPeriod in symbols for the 2450 MHz PHY (§7.4.2 Table 86, §7.5.1.3). */
export const macSIFSPeriod = 12;
export const macLIFSPeriod = 40;

/** MAC PIB defaults (§7.4.2 Table 86). */
export const macMinBE = 3;
export const macMaxBE = 5;
export const macMaxCSMABackoffs = 4;
export const macMaxFrameRetries = 3;
/**
 * macAckWaitDuration = aUnitBackoffPeriod + aTurnaroundTime + phySHRDuration
 *   + ceil(6 * phySymbolsPerOctet) = 20 + 12 + 10 + 12 = 54 symbols (§7.4.2 Table 86).
 */
export const macAckWaitDuration =
  aUnitBackoffPeriod + aTurnaroundTime + phySHRDuration + Math.ceil(6 * phySymbolsPerOctet);

/** MAC frame fields (§7.2.1): frame control 2, sequence number 1, FCS 2 octets. */
export const FRAME_CONTROL_OCTETS = 2;
export const SEQUENCE_NUMBER_OCTETS = 1;
export const FCS_OCTETS = 2;

/** Frame type subfield values (§7.2.1.1.1 Table 79). */
export const FRAME_TYPE_BEACON = 0b000;
export const FRAME_TYPE_DATA = 0b001;
export const FRAME_TYPE_ACK = 0b010;
export const FRAME_TYPE_MAC_COMMAND = 0b011;

/** Addressing mode subfield values (§7.2.1.1.6 Table 80). */
export const ADDR_MODE_NONE = 0b00;
export const ADDR_MODE_SHORT = 0b10;
export const ADDR_MODE_EXTENDED = 0b11;

/** Frame version subfield (§7.2.1.1.7 Table 81): 0 = 802.15.4-2003, 1 = 802.15.4-2006. */
export const FRAME_VERSION_2003 = 0;
export const FRAME_VERSION_2006 = 1;

/** The broadcast PAN identifier and short address (§7.2.1.3, §7.2.1.4). */
export const BROADCAST_PAN_ID = 0xffff;

/** Airtime of `octets` octets in milliseconds. */
export function octetsToMs(octets: number): number {
  return (octets * OCTET_US) / 1000;
}

/** Duration of `symbols` symbol periods in milliseconds. */
export function symbolsToMs(symbols: number): number {
  return (symbols * SYMBOL_US) / 1000;
}

/** PPDU octets for an MPDU of `mpduOctets`: SHR + PHR + MPDU (§6.3). */
export function ppduOctets(mpduOctets: number): number {
  return SHR_OCTETS + PHR_OCTETS + mpduOctets;
}
