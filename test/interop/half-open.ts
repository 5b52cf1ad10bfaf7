/**
 * Half-open IKE SAs on demand, for the cookie tests: one IKE_SA_INIT request (built by our
 * exchange code, never followed by IKE_AUTH) sent from an ephemeral port of one peer's lab
 * address, so the other peer counts a half-open SA from that IP (strongSwan's and our DoS
 * guard count per IP, RFC 7296 §2.6).
 */
import { createSocket } from 'node:dgram';
import type { ConnectionConfig } from '../../ipsec/config/model.js';
import { secureRandom } from '../../ipsec/crypto/random.js';
import { buildInitRequest, newInitiatorSession } from '../../ipsec/ike/exchange/ike-sa-init.js';
import { ProtocolId } from '../../ipsec/ike/model.js';
import { parseProposals } from '../../ipsec/ike/proposal/keywords.js';
import { fromHex, toHex } from '../../ipsec/util/bytes.js';
import { nodeProvider } from '../../targets/native/crypto/node-provider.js';
import type { Endpoint } from '../../transport/types.js';
import type { Charon } from './lab.js';

/** An IKE_SA_INIT request for `config` from `local` to `remote`, with a fresh SPIi. */
export function initRequest(config: ConnectionConfig, local: Endpoint, remote: Endpoint): Uint8Array {
  const proposals = parseProposals(config.proposals, ProtocolId.IKE);
  if (!proposals.ok) throw new Error(proposals.error.message);
  const session = newInitiatorSession(config, proposals.value, local, remote, secureRandom(8));
  const deps = {
    provider: nodeProvider,
    random: secureRandom,
    allocChildSpi: () => secureRandom(4),
    findSecret: () => undefined,
  };
  return buildInitRequest(session, deps).bytes;
}

/** Sends `request` from an ephemeral port of `from` (in our namespace); resolves the answer. */
export function sendFromUs(request: Uint8Array, from: string, to: Endpoint, timeoutMs = 3000) {
  return new Promise<Uint8Array | undefined>((resolve) => {
    const socket = createSocket(to.address.includes(':') ? 'udp6' : 'udp4');
    const done = (r: Uint8Array | undefined) => {
      clearTimeout(timer);
      socket.close();
      resolve(r);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.on('message', (msg) => done(new Uint8Array(msg)));
    socket.on('error', () => done(undefined));
    socket.bind({ address: from, port: 0 }, () => socket.send(request, to.port, to.address));
  });
}

/** The same from an ephemeral port of `from` inside charon's namespace (python3 from setup.sh). */
export async function sendFromCharonNs(
  charon: Charon,
  request: Uint8Array,
  from: string,
  to: Endpoint,
): Promise<Uint8Array | undefined> {
  const family = to.address.includes(':') ? 'AF_INET6' : 'AF_INET';
  const script = [
    'import socket, sys',
    `s = socket.socket(socket.${family}, socket.SOCK_DGRAM)`,
    's.bind((sys.argv[1], 0))',
    's.settimeout(3)',
    's.sendto(bytes.fromhex(sys.argv[2]), (sys.argv[3], int(sys.argv[4])))',
    'try:\n    print(s.recv(65535).hex())\nexcept socket.timeout:\n    pass',
  ].join('\n');
  const r = await charon.exec('python3', ['-c', script, from, toHex(request), to.address, String(to.port)]);
  const hex = r.stdout.trim();
  return hex ? fromHex(hex) : undefined;
}
