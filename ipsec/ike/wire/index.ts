/** IKEv2 wire format (RFC 7296 §3, RFC 7383 §2.5): constants, payload codecs, messages, rules. */
export * from './chain.js';
export * from './constants.js';
export * from './errors.js';
export * from './header.js';
export * from './message.js';
export * from './notify-types.js';
export * from './payload-types.js';
export * from './rules.js';
