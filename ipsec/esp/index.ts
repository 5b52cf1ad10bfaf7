/**
 * The ESP data plane (RFC 4303, RFC 3948): SA state, encapsulate/decapsulate, the anti-replay
 * window with ESN, and ESP-in-UDP framing. Pure: no I/O, no clock; randomness is injected.
 */
export * from './esp.js';
export * from './replay.js';
export * from './sa.js';
export * from './udp-encap.js';
