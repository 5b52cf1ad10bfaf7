/**
 * The data plane's counters in VICI `stats` (ours: charon keeps these in the kernel, and
 * `swanctl --stats` prints only charon's sections; `--pretty` or `--raw` shows them all):
 *   esp  the ESP pipeline's outcomes and its drops by reason (actors/esp-counters.ts);
 *   udp  the IKE/ESP sockets' counters (transport/udp.ts);
 *   tun  the TUN device's, when daemon.tun is set (targets/native/tun/).
 * Names are charon's style: lowercase, hyphenated.
 */
import type { DataPlaneCounters } from '../../../../actors/esp-counters.js';
import type { UdpCounters } from '../../../../transport/udp.js';
import type { TunHost } from '../../tun/tun-host.js';

/** camelCase -> charon's hyphenated key (outProtected -> out-protected). */
const hyphenated = (name: string): string => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

const section = (o: object): Record<string, number> =>
  Object.fromEntries(
    Object.entries(o).flatMap(([k, v]) => (typeof v === 'number' ? [[hyphenated(k), v]] : [])),
  );

export interface DataPlaneSources {
  readonly esp: DataPlaneCounters;
  readonly udp: Readonly<UdpCounters>;
  readonly tun?: Pick<TunHost, 'name' | 'counters'>;
}

/** The `esp`, `udp` and (with a TUN device) `tun` sections of `stats`. */
export function dataPlaneStats({ esp, udp, tun }: DataPlaneSources): Record<string, object> {
  const out: Record<string, object> = {
    esp: { ...section(esp), drops: { ...esp.drops } },
    udp: section(udp),
  };
  if (tun) {
    const c = tun.counters();
    out.tun = {
      name: tun.name,
      ...section(c),
      'coalesced-segments-in': c.coalesced.segmentsIn,
      'coalesced-packets-out': c.coalesced.packetsOut,
    };
  }
  return out;
}
