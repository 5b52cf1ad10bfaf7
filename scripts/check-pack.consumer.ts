/**
 * Type-checked by scripts/check-pack.mjs in a clean project against the packed package: the
 * `types` of the exports map resolve, and the public API has real types (the @ts-expect-error
 * lines fail the check if a type degrades to `any` or an entry point loses an export).
 */
import {
  type ChildSaInfo,
  type Config,
  type CryptoProvider,
  createIpsecHost,
  createPeer,
  defineConfig,
  MemoryNetwork,
  nobleProvider,
  type Peer,
  type PeerEvent,
  type SupervisorEvent,
  type Transport,
  VirtualClock,
} from 'ikev2-actors';
import { loadConfig, nodeProvider, parseConfig, startUdpPeer, type UdpPeer } from 'ikev2-actors/node';

const config: Config = defineConfig({
  connections: [
    {
      name: 'gw',
      remote_addrs: ['192.0.2.1'],
      local: { auth: 'psk', id: 'me.example' },
      remote: { auth: 'psk', id: 'gw.example' },
      children: [{ name: 'net', remote_ts: ['10.0.0.0/8'] }],
    },
  ],
  secrets: [{ secret: 'k' }],
});
// @ts-expect-error: a connection needs local and remote authentication rounds
defineConfig({ connections: [{ name: 'x', children: [] }] });

const providers: CryptoProvider[] = [nobleProvider, nodeProvider];
const clock = new VirtualClock();
const transport: Transport = new MemoryNetwork({ clock }).bind({ address: '192.0.2.2', port: 500 });
const peer: Peer = createPeer({ config, transport, clock, provider: providers[0] });
peer.on((e: PeerEvent) => {
  if (e.type === 'child-up') {
    const child: ChildSaInfo = e.child;
    const spi: string = child.spiIn;
    // @ts-expect-error: SPIs are hex strings
    const n: number = child.spiOut;
    void [spi, n];
  }
  // @ts-expect-error: no such event
  if (e.type === 'child-rekeyed') return;
});
peer.sendUdp({
  from: { address: '10.1.0.1', port: 1 },
  to: { address: '10.0.0.1', port: 2 },
  payload: new Uint8Array(1),
});
const from = { address: '10.1.0.1', port: 1 };
// @ts-expect-error: payloads are octets
peer.sendUdp({ from, to: from, payload: 'text' });
const unsubscribe: () => void = peer.onUdp((m) => m.payload.byteLength);
unsubscribe();
void peer.connect('gw', { timeoutMs: 1000 }).then(({ ike }) => ike.remote.address.toUpperCase());

const host = createIpsecHost({
  config,
  provider: nodeProvider,
  random: (n) => new Uint8Array(n),
  clock,
  transport,
});
host.supervisor.on((e: SupervisorEvent) => e.handle.uniqueid);

async function node(): Promise<void> {
  const udp: UdpPeer = await startUdpPeer({ config: parseConfig('connections {}\n') });
  const port: number = udp.ports.natT;
  void [port, loadConfig];
  await udp.close();
}
void node;
