/**
 * swanctl.conf `fragmentation` for IKEv2 (RFC 7383), with strongSwan's meanings:
 *   yes    announce support (§2.3) and fragment oversized messages if the peer announced it too
 *   accept announce support, never fragment our own messages
 *   force  announce support and fragment oversized messages even if the peer did not announce it
 *   no     do not announce support
 * Whatever the mode, fragments the peer sends are accepted (as strongSwan does).
 * IKE_SA_INIT is never fragmented (§2.5.1: it has no Encrypted payload).
 */
import type { FragmentationMode } from '../../config/model.js';
import { ExchangeType } from '../wire/constants.js';

export type { FragmentationMode };

/** §2.3: send IKEV2_FRAGMENTATION_SUPPORTED in IKE_SA_INIT. */
export const announcesFragmentation = (mode: FragmentationMode): boolean => mode !== 'no';

/** Whether our oversized messages after IKE_SA_INIT go out in fragments (force, or both announced it). */
export function sendsFragments(mode: FragmentationMode, peerSupports: boolean): boolean {
  if (mode === 'force') return true;
  return mode === 'yes' && peerSupports; // §2.4: only if both announced it
}

/** Whether a message of `exchangeType` may go out in fragments (if it is larger than one datagram). */
export function mayFragment(mode: FragmentationMode, peerSupports: boolean, exchangeType: number): boolean {
  if (exchangeType === ExchangeType.IKE_SA_INIT) return false; // §2.5.1
  return sendsFragments(mode, peerSupports);
}
