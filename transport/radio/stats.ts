/** Zeroed per-node radio counters (RadioNodeStats), shared by the medium and any other radio. */
import type { RadioNodeStats } from './types.js';

export const newStats = (): RadioNodeStats => ({
  framesSent: 0,
  bytesSent: 0,
  acksSent: 0,
  ackBytesSent: 0,
  framesReceived: 0,
  retries: 0,
  noAck: 0,
  channelAccessFailures: 0,
  collisions: 0,
  duplicatesDropped: 0,
  lost: 0,
  radioOnMs: 0,
});
