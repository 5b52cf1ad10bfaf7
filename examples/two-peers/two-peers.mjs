#!/usr/bin/env node
/**
 * Two IPsec peers embedded in one small app, using only the package's public entry points.
 *
 *   node two-peers.mjs                     # real UDP sockets on loopback, node:crypto
 *   node two-peers.mjs --transport memory  # the in-memory network, the portable noble provider
 *
 * A gateway (127.0.0.1, protecting 10.0.1.0/24) and a client (127.0.0.2, protecting 10.0.2.0/24)
 * authenticate with a pre-shared key. The client brings up an IKE SA and a tunnel-mode Child SA;
 * then it sends a UDP datagram through ESP to the gateway's inner address, the gateway answers
 * it through ESP, the client deletes the IKE SA, and both peers close. Every SA event is printed.
 * Exit code 0 if all of it happened, 1 otherwise (or after 20 s).
 */
import { createPeer, defineConfig, MemoryNetwork, nobleProvider, systemClock } from 'ikev2-actors';
import { startUdpPeer } from 'ikev2-actors/node';

const GATEWAY = '127.0.0.1';
const CLIENT = '127.0.0.2';
const PSK = 'an example pre-shared key, long and random in real life';
const ECHO_PORT = 7;

const memory = process.argv.includes('--transport') && process.argv.at(-1) === 'memory';

let done = false;
// Unref'd: it does not keep the process alive, but fires if something else does.
const watchdog = setTimeout(() => {
  console.error(
    done
      ? 'two-peers: FAILED: the peers are closed but something still holds the event loop'
      : 'two-peers: FAILED: not done after 20 s',
  );
  process.exit(1);
}, 20_000);
watchdog.unref();

/** One side's configuration: the same shape as a swanctl.conf `connections` / `secrets` pair. */
function config({ local, remote, localId, remoteId, localNet, remoteNet, ports }) {
  return defineConfig({
    daemon: ports,
    connections: [
      {
        name: 'site',
        local_addrs: [local],
        remote_addrs: [remote],
        remote_port: ports.port,
        proposals: ['aes256gcm16-prfsha256-x25519'],
        local: { auth: 'psk', id: localId },
        remote: { auth: 'psk', id: remoteId },
        children: [
          { name: 'net', local_ts: [localNet], remote_ts: [remoteNet], esp_proposals: ['aes256gcm16'] },
        ],
      },
    ],
    secrets: [{ id: [localId, remoteId], secret: PSK }],
  });
}

const gatewayConfig = (ports) =>
  config({
    local: GATEWAY,
    remote: '%any', // a responder: any client may connect (and must know the PSK)
    localId: 'gateway.example.org',
    remoteId: 'client.example.org',
    localNet: '10.0.1.0/24',
    remoteNet: '10.0.2.0/24',
    ports,
  });
const clientConfig = (ports) =>
  config({
    local: CLIENT,
    remote: GATEWAY,
    localId: 'client.example.org',
    remoteId: 'gateway.example.org',
    localNet: '10.0.2.0/24',
    remoteNet: '10.0.1.0/24',
    ports,
  });

/** Both peers: over UDP (port 0 = free ports; the client then talks to the gateway's) or in memory. */
async function startPeers() {
  if (memory) {
    const network = new MemoryNetwork({ clock: systemClock, latencyMs: 1 });
    const ports = { port: 500, port_nat_t: 4500 }; // nothing is bound for real
    const make = (address, cfg) =>
      createPeer({
        config: cfg,
        transport: network.bind({ address, port: 500 }, { address, port: 4500 }),
        provider: nobleProvider,
      });
    return { gateway: make(GATEWAY, gatewayConfig(ports)), client: make(CLIENT, clientConfig(ports)) };
  }
  const gateway = await startUdpPeer({ config: gatewayConfig({ port: 0, port_nat_t: 0 }) });
  const { port, natT } = gateway.ports;
  // Same port numbers on another address: ESP-in-UDP runs between the two NAT-T ports.
  const client = await startUdpPeer({ config: clientConfig({ port, port_nat_t: natT }) });
  return { gateway, client };
}

/** Resolves with the first event of `peer` that `test` accepts. */
const nextEvent = (peer, test) =>
  new Promise((resolve) => {
    const off = peer.on((e) => {
      if (!test(e)) return;
      off();
      resolve(e);
    });
  });

const describe = (e) => {
  switch (e.type) {
    case 'ike-up':
      return `IKE SA '${e.ike.name}' #${e.ike.uniqueid} up (${e.ike.local.address} <-> ${e.ike.remote.address})`;
    case 'ike-down':
      return `IKE SA '${e.ike.name}' #${e.ike.uniqueid} down: ${e.reason}${e.failure ? ` (${e.failure})` : ''}`;
    case 'ike-rekeyed':
      return `IKE SA '${e.ike.name}' #${e.old.uniqueid} rekeyed as #${e.ike.uniqueid}`;
    case 'child-up':
      return `CHILD_SA '${e.child.name}' up: ${e.child.localTs} === ${e.child.remoteTs}, ${e.child.encryption}, SPIs ${e.child.spiIn}_i ${e.child.spiOut}_o`;
    case 'child-down':
      return `CHILD_SA '${e.child.name}' down: ${e.reason}`;
  }
};

async function main() {
  const { gateway, client } = await startPeers();
  console.log(
    `two-peers: gateway ${GATEWAY} and client ${CLIENT} over ${memory ? 'the memory transport' : 'UDP'}`,
  );
  for (const [name, peer] of [
    ['gateway', gateway],
    ['client', client],
  ])
    peer.on((e) => console.log(`  [${name}] ${describe(e)}`));

  // The gateway's app: an echo service on its inner address, reached only through the tunnel.
  gateway.onUdp((m) => {
    console.log(
      `  [gateway] received "${new TextDecoder().decode(m.payload)}" from ${m.from.address}:${m.from.port}`,
    );
    gateway.sendUdp({ from: m.to, to: m.from, payload: new TextEncoder().encode('pong') });
  });
  const reply = new Promise((resolve) =>
    client.onUdp((m) =>
      resolve(`${new TextDecoder().decode(m.payload)} from ${m.from.address}:${m.from.port}`),
    ),
  );

  const gatewayChildUp = nextEvent(gateway, (e) => e.type === 'child-up');
  const { ike, child } = await client.connect('site', { timeoutMs: 10_000 });
  await gatewayChildUp;
  console.log(`two-peers: connected: IKE SA #${ike.uniqueid}, CHILD_SA ${child.name} (${child.mode} mode)`);

  client.sendUdp({
    from: { address: '10.0.2.1', port: 5000 },
    to: { address: '10.0.1.1', port: ECHO_PORT },
    payload: new TextEncoder().encode('ping'),
  });
  console.log(`  [client] received "${await reply}"`);

  const esp = (peer) => peer.counters().esp;
  const sent = esp(client).outProtected + esp(gateway).outProtected;
  const received = esp(client).inProtected + esp(gateway).inProtected;
  console.log(`two-peers: ESP packets sent ${sent}, received ${received}`);
  if (sent !== 2 || received !== 2) throw new Error(`expected 2 ESP packets each way in total`);

  // A clean goodbye: the client deletes the IKE SA (INFORMATIONAL Delete); both see it go.
  const gatewayDown = nextEvent(gateway, (e) => e.type === 'ike-down');
  const clientDown = nextEvent(client, (e) => e.type === 'ike-down');
  client.terminate('site');
  const downs = await Promise.all([clientDown, gatewayDown]);
  if (downs.some((e) => e.reason !== 'closed')) throw new Error('an IKE SA did not close cleanly');
  await Promise.all([client.close(), gateway.close()]);
  console.log('two-peers: OK');
  done = true;
}

// On success nothing is left to run and the process exits 0 by itself (the watchdog says so if not).
main().then(
  () => {},
  (e) => {
    console.error(`two-peers: FAILED: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
