/**
 * What the mote firmware (mote-entry.ts) takes of the stack: its crypto provider and its
 * configuration. One seam, so the firmware can be cut down to what its profile needs without
 * touching the firmware's logic.
 */
export { nobleProvider as moteProvider } from '../../ipsec/crypto/noble/index.js';
export { moteConfig as moteStackConfig } from './profile.js';
