/**
 * The firmware's stand-in for ipsec/x509/name.ts (scripts/build-mote.mjs links it instead when
 * ipsec/ike/identity.ts imports it): a mote authenticates with a PSK and FQDN / email / IP
 * identities, so the firmware carries no distinguished-name parser. A DN identity is refused with
 * a clear error; a DN received from a peer never matches.
 */
import { err, type Result } from '../../ipsec/result.js';
import type { Name } from '../../ipsec/x509/types.js';

const NO_DN = 'this firmware has no distinguished-name identities';

export const parseDnText = (_text: string): Result<Name, string> => err(NO_DN);
export const parseNameDer = (_der: Uint8Array): Result<Name, string> => err(NO_DN);
export const dnMatches = (_pattern: Name, _name: Name): boolean => false;
export const formatDn = (_name: Name): string => '';
