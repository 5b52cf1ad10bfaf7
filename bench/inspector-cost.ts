/**
 * IKE SA setups per second, in process on virtual time (npm run bench:inspector): two hosts
 * (actors/ipsec-host.ts on a memory network), the client initiating one IKE SA with its Child
 * SA after the other (IKE_SA_INIT + IKE_AUTH, node:crypto, ECP-256), with and without the
 * inspection hub:
 *
 *   no hub            SupervisorOptions.inspection unset
 *   hub, no listener  a hub nobody listens to: must cost (almost) nothing (issue #12: < 2 %)
 *   hub + listener    a listener counting events: every message decoded, every snapshot summarised
 *   hub + JSON        a listener serialising every event, as a recording or the page does
 *
 * Trials of each variant alternate (the order rotates each round) so that a machine that
 * speeds up or slows down moves them alike; the table shows medians over the rounds and the
 * median of the per-round ratios to 'no hub', and the events (both hosts) per setup.
 * Timing is printed, never asserted.
 */

import { InspectionHub } from '../actors/inspection/hub.js';
import { createIpsecHost } from '../actors/ipsec-host.js';
import {
  type Config,
  type ConnectionConfig,
  connectionWithDefaults,
  DAEMON_DEFAULTS,
} from '../ipsec/config/model.js';
import { seededRandom } from '../ipsec/crypto/random.js';
import { utf8 } from '../ipsec/util/bytes.js';
import { VirtualClock } from '../ipsec/util/clock.js';
import { nodeProvider } from '../targets/native/crypto/node-provider.js';
import { MemoryNetwork } from '../transport/memory.js';
import { printTable } from './table.js';

const SETUPS_PER_TRIAL = 20;
const ROUNDS = Number(process.env.ROUNDS ?? 25);
const CLIENT = '10.98.0.1';
const GATEWAY = '10.98.0.2';
const PROPOSAL = 'aes128gcm16-prfsha256-ecp256';

type Variant = 'no hub' | 'hub, no listener' | 'hub + listener' | 'hub + JSON';
const VARIANTS: readonly Variant[] = (process.env.VARIANTS?.split('|') as Variant[] | undefined) ?? [
  'no hub',
  'hub, no listener',
  'hub + listener',
  'hub + JSON',
];

function connection(
  name: string,
  local: string,
  remote: string,
  localId: string,
  remoteId: string,
): ConnectionConfig {
  return connectionWithDefaults({
    name,
    local_addrs: [local],
    remote_addrs: [remote],
    proposals: [PROPOSAL],
    local: { auth: 'psk', id: localId },
    remote: { auth: 'psk', id: remoteId },
    children: [
      {
        name: 'net',
        mode: 'tunnel',
        local_ts: name === 'gw' ? ['10.98.2.0/24'] : ['10.98.1.0/24'],
        remote_ts: name === 'gw' ? ['10.98.1.0/24'] : ['10.98.2.0/24'],
        esp_proposals: ['aes128gcm16'],
      },
    ],
  });
}

/** One trial: fresh hosts, SETUPS_PER_TRIAL setups; returns setups per second (wall clock). */
function trial(variant: Variant, seed: number): { rate: number; events: number; json: number } {
  const clock = new VirtualClock(1_000_000);
  const net = new MemoryNetwork({ clock, random: seededRandom(`bench/${seed}/net`), latencyMs: 5 });
  let events = 0;
  let chars = 0;
  const hub = (): InspectionHub | undefined => {
    if (variant === 'no hub') return undefined;
    const h = new InspectionHub({ clock });
    if (variant === 'hub + listener') h.subscribe(() => events++);
    if (variant === 'hub + JSON')
      h.subscribe((e) => {
        events++;
        chars += JSON.stringify(e).length;
      });
    return h;
  };
  const host = (name: string, address: string, c: ConnectionConfig) => {
    const config: Config = {
      daemon: DAEMON_DEFAULTS,
      connections: [c],
      secrets: [{ name: 'ike', id: ['alice@bench', 'bob@bench'], secret: utf8('bench-psk-0123456789') }],
    };
    const inspection = hub();
    return createIpsecHost({
      config,
      provider: nodeProvider,
      random: seededRandom(`bench/${seed}/${name}`),
      clock,
      transport: net.bind({ address, port: 500 }, { address, port: 4500 }),
      ...(inspection ? { inspection } : {}),
    });
  };
  const client = host('client', CLIENT, connection('gw', CLIENT, GATEWAY, 'alice@bench', 'bob@bench'));
  const gateway = host('gateway', GATEWAY, connection('rw', GATEWAY, '%any', 'bob@bench', 'alice@bench'));
  const start = performance.now();
  for (let i = 0; i < SETUPS_PER_TRIAL; i++) {
    client.supervisor.initiate('gw', 'net');
    clock.advance(50);
  }
  const seconds = (performance.now() - start) / 1000;
  const up = client.supervisor.ikeSas.filter((h) => h.state === 'ESTABLISHED').length;
  if (up !== SETUPS_PER_TRIAL)
    throw new Error(`${variant}: ${up} of ${SETUPS_PER_TRIAL} IKE SAs established`);
  client.supervisor.close();
  gateway.supervisor.close();
  return { rate: SETUPS_PER_TRIAL / seconds, events, json: chars };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function main(): void {
  for (const v of VARIANTS) for (let i = 0; i < 3; i++) trial(v, i); // warm-up (JIT)
  const rates = new Map<Variant, number[]>(VARIANTS.map((v) => [v, []]));
  const ratios = new Map<Variant, number[]>(VARIANTS.map((v) => [v, []]));
  const events = new Map<Variant, number>();
  const json = new Map<Variant, number>();
  for (let round = 0; round < ROUNDS; round++) {
    const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]!);
    const got = new Map<Variant, number>();
    for (const v of order) {
      const r = trial(v, round);
      got.set(v, r.rate);
      rates.get(v)!.push(r.rate);
      events.set(v, r.events);
      json.set(v, r.json);
    }
    for (const v of VARIANTS) ratios.get(v)!.push(got.get(v)! / got.get('no hub')!);
  }
  console.log(
    `IKE SA setups per second (IKE_SA_INIT + IKE_AUTH + Child SA, ${PROPOSAL}, node:crypto), ` +
      `${ROUNDS} rounds x ${SETUPS_PER_TRIAL} setups, medians\n`,
  );
  printTable(
    VARIANTS.map((v) => [
      v,
      Math.round(median(rates.get(v)!)),
      `${((median(ratios.get(v)!) - 1) * 100).toFixed(1)} %`,
      events.get(v)! / SETUPS_PER_TRIAL,
      Math.round(json.get(v)! / SETUPS_PER_TRIAL),
    ]),
    { header: ['variant', 'setups/s', 'vs no hub', 'events/setup', 'JSON chars/setup'], digits: 1 },
  );
}

main();
