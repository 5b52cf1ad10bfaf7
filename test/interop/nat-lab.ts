/**
 * A real NAT for the interop tests (issue 18 point 3, nat.test.ts): three network namespaces of
 * the test's own, not the lab's (netns.sh is left alone):
 *
 *   natpriv 10.97.1.2/24 ── 10.97.1.1 natrtr 10.97.0.1 ── 10.97.0.2/24 natpub
 *           (default via 10.97.1.1)     MASQUERADE out of nrpub
 *
 * The host behind the NAT (natpriv) is seen by the public one (natpub) as 10.97.0.1, from the
 * port MASQUERADE picks (its own port while that is free, so 500 and then 4500 at first).
 * `remap()` inserts an SNAT-port rule (MASQUERADE --to-ports REMAP_PORTS) and flushes the
 * router's conntrack table: the next packet from behind the NAT appears from a new port.
 * A counting rule in the router's FORWARD chain sees every NAT-keepalive that crosses (UDP to
 * 4500 with a one-octet payload: IP length 29, RFC 3948 §2.3).
 *
 * The inner (tunnel) addresses are the lab's: charon 10.99.1.1/32 on its veth, ours 10.99.2.1 on
 * our daemon's TUN device (daemon.tun). Needs iptables and conntrack (scripts/interop/run.sh).
 */
import { LAB, mustRun, type RunResult, run } from './lab.js';

export const NAT_LAB = {
  priv: 'natpriv',
  router: 'natrtr',
  pub: 'natpub',
  /** Behind the NAT. */
  privAddr: '10.97.1.2',
  routerPriv: '10.97.1.1',
  /** The NAT's public address: how the public host sees the one behind it. */
  routerPub: '10.97.0.1',
  pubAddr: '10.97.0.2',
  /** The ports the NAT maps to after remap(). */
  remapFrom: 20000,
  remapTo: 20099,
} as const;

const NAMESPACES = [NAT_LAB.priv, NAT_LAB.router, NAT_LAB.pub] as const;

/** Runs `argv` inside `ns` (never rejects). */
export function inNs(ns: string, argv: readonly string[], timeoutMs = 60_000): Promise<RunResult> {
  return run('ip', ['netns', 'exec', ns, ...argv], {}, timeoutMs);
}

/** Runs `argv` inside `ns`; throws with its output unless it exits 0. */
export async function mustInNs(ns: string, argv: readonly string[]): Promise<string> {
  return mustRun('ip', ['netns', 'exec', ns, ...argv]);
}

/**
 * The three namespaces (old ones of an aborted run are deleted first), the router's NAT, and
 * charon's inner address on the veth of `charonNs` (natpriv or natpub).
 */
export async function natLabUp(charonNs: string): Promise<void> {
  await natLabDown();
  for (const ns of NAMESPACES) await mustRun('ip', ['netns', 'add', ns]);
  const ip = (ns: string, ...args: string[]) => mustRun('ip', ['-n', ns, ...args]);
  await mustRun('ip', [
    'link',
    'add',
    'nppriv',
    'netns',
    NAT_LAB.priv,
    'type',
    'veth',
    'peer',
    'name',
    'nrpriv',
    'netns',
    NAT_LAB.router,
  ]);
  await mustRun('ip', [
    'link',
    'add',
    'nppub',
    'netns',
    NAT_LAB.pub,
    'type',
    'veth',
    'peer',
    'name',
    'nrpub',
    'netns',
    NAT_LAB.router,
  ]);
  for (const ns of NAMESPACES) await ip(ns, 'link', 'set', 'lo', 'up');
  await ip(NAT_LAB.priv, 'addr', 'add', `${NAT_LAB.privAddr}/24`, 'dev', 'nppriv');
  await ip(NAT_LAB.priv, 'link', 'set', 'nppriv', 'up');
  await ip(NAT_LAB.priv, 'route', 'add', 'default', 'via', NAT_LAB.routerPriv);
  await ip(NAT_LAB.router, 'addr', 'add', `${NAT_LAB.routerPriv}/24`, 'dev', 'nrpriv');
  await ip(NAT_LAB.router, 'addr', 'add', `${NAT_LAB.routerPub}/24`, 'dev', 'nrpub');
  await ip(NAT_LAB.router, 'link', 'set', 'nrpriv', 'up');
  await ip(NAT_LAB.router, 'link', 'set', 'nrpub', 'up');
  await ip(NAT_LAB.pub, 'addr', 'add', `${NAT_LAB.pubAddr}/24`, 'dev', 'nppub');
  await ip(NAT_LAB.pub, 'link', 'set', 'nppub', 'up');
  // the public host has no route to 10.97.1.0/24: only the NAT's address is reachable
  const charonDev = charonNs === NAT_LAB.priv ? 'nppriv' : 'nppub';
  await ip(charonNs, 'addr', 'add', `${LAB.charonInner}/32`, 'dev', charonDev);
  const r = NAT_LAB.router;
  await mustInNs(r, ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
  await mustInNs(r, ['iptables', '-t', 'nat', '-A', 'POSTROUTING', '-o', 'nrpub', '-j', 'MASQUERADE']);
  await mustInNs(r, ['iptables', '-N', 'KEEPALIVES']);
  await mustInNs(r, ['iptables', '-A', 'KEEPALIVES', '-j', 'RETURN']);
  await mustInNs(r, [
    'iptables',
    '-A',
    'FORWARD',
    '-p',
    'udp',
    '--dport',
    '4500',
    '-m',
    'length',
    '--length',
    '29',
    '-j',
    'KEEPALIVES',
  ]);
  for (let i = 0; i < 40; i++) {
    if ((await inNs(NAT_LAB.priv, ['ping', '-c', '1', '-W', '1', NAT_LAB.pubAddr])).code === 0) return;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`${NAT_LAB.priv} cannot reach ${NAT_LAB.pubAddr} through the NAT`);
}

/** Deletes the namespaces (their veths, iptables rules and conntrack tables go with them). */
export async function natLabDown(): Promise<void> {
  for (const ns of NAMESPACES) await run('ip', ['netns', 'del', ns]);
}

/** NAT-keepalives that crossed the router so far (either direction). */
export async function keepalivesSeen(): Promise<number> {
  const out = await mustInNs(NAT_LAB.router, ['iptables', '-nvx', '-L', 'FORWARD']);
  const line = out.split('\n').find((l) => l.includes('KEEPALIVES'));
  return Number(line?.trim().split(/\s+/)[0] ?? 0);
}

/** The router's UDP conntrack entries (`conntrack -L -p udp`), one line each. */
export async function conntrackUdp(): Promise<string[]> {
  const r = await inNs(NAT_LAB.router, ['conntrack', '-L', '-p', 'udp']);
  return r.stdout.split('\n').filter((l) => l.startsWith('udp'));
}

/**
 * The public port the NAT maps `privAddr:sport` to (the reply tuple's dport), from conntrack;
 * undefined without such an entry.
 */
export async function mappedPort(sport: number): Promise<number | undefined> {
  for (const line of await conntrackUdp()) {
    const src =
      /src=(\S+) dst=(\S+) sport=(\d+) dport=(\d+).*?src=(\S+) dst=(\S+) sport=(\d+) dport=(\d+)/.exec(line);
    if (src && src[1] === NAT_LAB.privAddr && Number(src[3]) === sport) return Number(src[8]);
  }
  return undefined;
}

/**
 * A NAT mapping change in the middle of the SAs: from now on the NAT maps UDP to
 * REMAP ports (a rule before MASQUERADE), and every existing mapping is forgotten.
 */
export async function remap(): Promise<void> {
  const r = NAT_LAB.router;
  await mustInNs(r, [
    'iptables',
    '-t',
    'nat',
    '-I',
    'POSTROUTING',
    '1',
    '-o',
    'nrpub',
    '-p',
    'udp',
    '-j',
    'MASQUERADE',
    '--to-ports',
    `${NAT_LAB.remapFrom}-${NAT_LAB.remapTo}`,
  ]);
  await mustInNs(r, ['conntrack', '-F']);
}

/** `ping` through the tunnel from `from` to `to` inside `ns`; true when all `count` came back. */
export async function tunnelPing(ns: string, from: string, to: string, count = 3): Promise<RunResult> {
  return inNs(ns, ['ping', '-n', '-c', String(count), '-i', '0.2', '-W', '2', '-I', from, to]);
}

/** Our daemon's config for the NAT tests: TUN ipsec0, child `net`, no `encap = yes`. */
export function natDaemonConf(o: {
  readonly local: string;
  readonly remote: string;
  readonly dpdDelay?: number;
}): string {
  return `# generated by test/interop/nat-lab.ts
daemon {
    tun = ipsec0
    tun_mtu = 1400
    inner_addrs = ${LAB.ourInner}
    retransmit_timeout = 1
    retransmit_tries = 3
}
connections {
    nat {
        local_addrs = ${o.local}
        remote_addrs = ${o.remote}
        proposals = aes128gcm16-prfsha256-x25519
        mobike = no
        dpd_delay = ${o.dpdDelay ?? 0}s
        rekey_time = 0
        reauth_time = 0
        local {
            auth = psk
            id = alice@example.org
        }
        remote {
            auth = psk
            id = bob@example.org
        }
        children {
            net {
                local_ts = ${LAB.ourNet}
                remote_ts = ${LAB.charonNet}
                esp_proposals = aes128gcm16
                rekey_time = 0
                life_time = 0
            }
        }
    }
}
secrets {
    ike-nat {
        id-a = alice@example.org
        id-b = bob@example.org
        secret = "${LAB.psk}"
    }
}
`;
}

/** charon's side (swanctl.conf): the mirror image, no `encap = yes`. */
export function natCharonConf(o: {
  readonly local: string;
  readonly remote: string;
  readonly dpdDelay?: number;
}): string {
  return `# generated by test/interop/nat-lab.ts
connections {
    nat {
        version = 2
        local_addrs = ${o.local}
        remote_addrs = ${o.remote}
        proposals = aes128gcm16-prfsha256-x25519
        mobike = no
        unique = never
        dpd_delay = ${o.dpdDelay ?? 0}s
        rekey_time = 0
        reauth_time = 0
        local {
            auth = psk
            id = bob@example.org
        }
        remote {
            auth = psk
            id = alice@example.org
        }
        children {
            net {
                mode = tunnel
                local_ts = ${LAB.charonNet}
                remote_ts = ${LAB.ourNet}
                esp_proposals = aes128gcm16
                rekey_time = 0
                life_time = 0
            }
        }
    }
}
secrets {
    ike-nat {
        id-a = alice@example.org
        id-b = bob@example.org
        secret = "${LAB.psk}"
    }
}
`;
}

/**
 * charon.keep_alive for the NAT tests (charon's default is 20 s). Below the tests' dpd_delay
 * (2 s): charon sends a keepalive only when it has sent nothing for keep_alive seconds (whole
 * seconds), so at 2 s its DPD requests every 2 s raced the keepalives and sometimes none went
 * out (seen in CI); at 1 s one goes out between two DPD requests.
 */
export const CHARON_KEEPALIVE_S = 1;
