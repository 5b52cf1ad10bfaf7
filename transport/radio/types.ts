/**
 * The seams of the simulated IEEE 802.15.4 radio (the Wismote target), from the bottom up:
 *
 *   Medium (medium.ts)         one shared channel on virtual time: airtime at 250 kbit/s,
 *                              unslotted CSMA-CA, acknowledgements and retries, collisions,
 *                              per-link loss / duplication / delay, per-node accounting.
 *   RadioInterface             one node's MAC: send a MAC payload to a neighbour's short
 *                              address, receive MAC payloads addressed to it.
 *   6LoWPAN (sixlowpan/)       RFC 6282 IPHC + UDP NHC and RFC 4944 fragmentation: turns one
 *                              IPv6/UDP datagram into MAC payloads and back.
 *   RadioTransport             the Transport seam (transport/types.ts) over all of it, with
 *                              static route-over forwarding through motes.
 *
 * Everything runs on the injected Clock and RandomBytes, so a run reproduces from its seed.
 */

/** An 802.15.4 short (16-bit) address. 0xffff is the broadcast address. */
export type ShortAddress = number;

export const BROADCAST_ADDRESS: ShortAddress = 0xffff;

/**
 * How one transmission request ended (IEEE 802.15.4-2006 §7.1.1.2 MCPS-DATA.confirm status).
 * TRX_OFF (the PD-DATA.confirm status of §6.2.1.2) reports a request dropped because the radio
 * was switched off (setEnabled(false)) before it completed, or made while the radio was off.
 */
export type TxStatus = 'SUCCESS' | 'NO_ACK' | 'CHANNEL_ACCESS_FAILURE' | 'TRX_OFF';

/** A frame received by a node, after FCS check and duplicate filtering. */
export interface ReceivedFrame {
  readonly src: ShortAddress;
  readonly dst: ShortAddress;
  /** The MAC payload (MSDU). */
  readonly payload: Uint8Array;
}

/** Per-node counters kept by the medium. Bytes on air count the whole PPDU (SHR + PHR + MPDU). */
export interface RadioNodeStats {
  /** Data frames put on the air, first transmissions and retries alike. */
  framesSent: number;
  /** Octets of those data frames on the air (PPDU). */
  bytesSent: number;
  /** Acknowledgement frames sent / their octets on the air. */
  acksSent: number;
  ackBytesSent: number;
  /** Data frames received intact and addressed to this node (duplicates included). */
  framesReceived: number;
  /** Retransmissions after a missing ACK (the first transmission is not a retry). */
  retries: number;
  /** Requests that ended NO_ACK after macMaxFrameRetries. */
  noAck: number;
  /** Requests that ended CHANNEL_ACCESS_FAILURE (CSMA-CA gave up). */
  channelAccessFailures: number;
  /** Frames (data or ACK) addressed to this node and lost to a collision at it. */
  collisions: number;
  /** Frames dropped as duplicates (same source and sequence number) by this node. */
  duplicatesDropped: number;
  /** Frames (data or ACK) addressed to this node and dropped by the link's loss draw. */
  lost: number;
  /**
   * Milliseconds the radio had to be on: own transmissions, CCAs, ACK waits and receptions of
   * frames addressed to this node (an ideal duty-cycled radio; idle listening not counted).
   */
  radioOnMs: number;
}

/** One frame's flight, for timelines and tests. */
export interface AirEvent {
  readonly start: number; // ms, clock time
  readonly end: number;
  readonly src: ShortAddress;
  readonly dst: ShortAddress;
  readonly kind: 'data' | 'ack';
  /** PPDU octets. */
  readonly bytes: number;
  /** Set by the layers above (e.g. the IKE exchange a frame carries); free text. */
  readonly tag?: string;
}

/** One node's MAC, as the medium gives it out. */
export interface RadioInterface {
  readonly address: ShortAddress;
  /** Largest MAC payload one frame carries with this MAC's header (127 - MHR - FCS). */
  readonly maxPayload: number;
  readonly stats: RadioNodeStats;
  /**
   * Queues a MAC payload for `dst` (unicast with ACK request, or broadcast without). Frames of one
   * node go out in order, one at a time. `done` reports the outcome. `tag` labels the frame's
   * AirEvents. A payload over maxPayload is a programming error (throws).
   */
  send(dst: ShortAddress, payload: Uint8Array, done?: (status: TxStatus) => void, tag?: string): void;
  /** Receives frames addressed to this node (or broadcast). One handler; a later call replaces it. */
  onReceive(handler: (frame: ReceivedFrame) => void): void;
  /**
   * Switches the radio off (queued frames are dropped, each `done` called with TRX_OFF at once;
   * nothing is received; a frame already on the air still finishes) or on (a reboot: a fresh
   * random sequence number, an empty duplicate filter).
   */
  setEnabled(on: boolean): void;
}
