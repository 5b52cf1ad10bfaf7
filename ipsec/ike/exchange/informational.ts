/**
 * INFORMATIONAL (RFC 7296 §1.4), both roles:
 *
 *   Child SA delete (§1.4.1): HDR, SK {D(ESP, our inbound SPIs)}  -->
 *                             <--  HDR, SK {D(ESP, the peer's inbound SPIs of those SAs)}
 *   IKE SA delete:            HDR, SK {D(IKE)}  -->   <--  HDR, SK {}
 *   liveness check (§2.4):    HDR, SK {}  -->   <--  HDR, SK {}
 *   other notifies (e.g. MOBIKE's ADDITIONAL_IP4_ADDRESS, RFC 4555) are answered with an empty
 *   response: we do not support MOBIKE, but the exchange must not fail.
 */
import { equalBytes } from '../../util/bytes.js';
import { ProtocolId } from '../model.js';
import { PayloadType } from '../wire/constants.js';
import type { DeletePayload, Payload } from '../wire/payload-types.js';
import type { ChildSaRecord } from './session.js';

/** ESP SPIs are 4 octets (RFC 4303 §2.1). */
const ESP_SPI_SIZE = 4;

export function deleteChildPayload(children: readonly ChildSaRecord[]): DeletePayload {
  return {
    type: PayloadType.D,
    protocolId: ProtocolId.ESP,
    spiSize: ESP_SPI_SIZE,
    spis: children.map((c) => c.spiIn),
  };
}

export const deleteIkePayload = (): DeletePayload => ({
  type: PayloadType.D,
  protocolId: ProtocolId.IKE,
  spiSize: 0, // §3.11: no SPI for the IKE SA, it is in the header
  spis: [],
});

const deletes = (payloads: readonly Payload[]) =>
  payloads.filter((p): p is DeletePayload => p.type === PayloadType.D);

export interface InformationalAnswer {
  readonly payloads: Payload[];
  readonly deleteIke: boolean;
  /** Our Child SAs the peer deleted (§1.4.1: we delete ours and name them in the answer). */
  readonly deletedChildren: ChildSaRecord[];
}

/** Responder: the answer to an INFORMATIONAL request. */
export function handleInformationalRequest(
  payloads: readonly Payload[],
  children: readonly ChildSaRecord[],
): InformationalAnswer {
  const ds = deletes(payloads);
  if (ds.some((d) => d.protocolId === ProtocolId.IKE))
    return { payloads: [], deleteIke: true, deletedChildren: [] };
  const spis = ds.filter((d) => d.protocolId === ProtocolId.ESP).flatMap((d) => d.spis);
  // The peer names its inbound SPIs: our outbound ones.
  const deletedChildren = children.filter((c) => spis.some((s) => equalBytes(s, c.spiOut)));
  return {
    payloads: deletedChildren.length > 0 ? [deleteChildPayload(deletedChildren)] : [],
    deleteIke: false,
    deletedChildren,
  };
}

/** Initiator: the Child SAs a Delete response confirms (it names the peer's inbound SPIs). */
export function confirmedDeletes(
  payloads: readonly Payload[],
  children: readonly ChildSaRecord[],
): ChildSaRecord[] {
  const spis = deletes(payloads)
    .filter((d) => d.protocolId === ProtocolId.ESP)
    .flatMap((d) => d.spis);
  return children.filter((c) => spis.some((s) => equalBytes(s, c.spiOut)));
}
