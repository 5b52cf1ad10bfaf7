/**
 * The lab side of flood.test.ts (issue 18 point 4): a spoofed IKE_SA_INIT flood while a charon
 * initiator sets up legitimate IKE SAs.
 *
 * Topology: a third namespace `swanflood` made (and removed) by the test, joined to the lab's
 * responder namespace `swan` by a veth pair of its own; the lab's own veth (10.99.0.0/24, the
 * other tests' root-namespace peer) is not used:
 *
 *   netns swan (the responder: our daemon,      netns swanflood (charon initiator + flooder)
 *   then charon)  veth swanfl1 10.99.5.1/24 <---> veth swanfl0 10.99.5.2/24
 *   route 10.98.0.0/16 via 10.99.5.2
 *
 * The flooder (a Python raw socket with IP_HDRINCL, written to the run folder) sends IKE_SA_INITs
 * from random addresses of 10.98.0.0/16 (spoofed, inside the lab only): the responder answers
 * them towards swanflood, which does not forward and has no such address, so every answer (an
 * IKE_SA_INIT response or an N(COOKIE)) is dropped there, like answers to forged sources on the
 * internet. Each is a complete request (SA with an x25519 proposal the responder accepts, KE,
 * Ni, NAT-D), built once by our exchange code: until the cookie threshold is reached the
 * responder does the real work (an x25519 key pair and the shared secret) and keeps a half-open
 * SA; then it answers statelessly with N(COOKIE) (RFC 7296 §2.6), which a forged source never
 * returns.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ViciClient } from '../../targets/native/vici/client.js';

import { ourConnection } from './configs.js';
import { initRequest } from './half-open.js';
import { LAB, mustRun, run, runDir } from './lab.js';

export const FLOOD = {
  ns: 'swanflood',
  /** The veth end in swanflood, and its address (charon initiator, flooder). */
  floodDev: 'swanfl0',
  initiator: '10.99.5.2',
  /** The veth end in swan, and the responder's address there. */
  respDev: 'swanfl1',
  responder: '10.99.5.1',
  /** Forged sources: routed back from swan to swanflood, where they are dropped. */
  spoofNet: '10.98.0.0/16',
  initiatorNet: '10.99.2.0/24',
  initiatorInner: '10.99.2.1',
  responderNet: LAB.charonNet,
  responderInner: LAB.charonInner,
  ike: 'aes128gcm16-prfsha256-x25519',
  esp: 'aes128gcm16',
  conn: 'flood',
  child: 'net',
} as const;

const inNs = (ns: string, ...cmd: string[]) => mustRun('ip', ['netns', 'exec', ns, ...cmd]);

/** Removes swanflood (and with it the veth pair) and swan's route to the forged sources. */
export async function floodNetDown(): Promise<void> {
  await run('ip', ['netns', 'exec', LAB.charonNs, 'ip', 'route', 'del', FLOOD.spoofNet]);
  await run('ip', ['netns', 'exec', LAB.charonNs, 'ip', 'link', 'del', FLOOD.respDev]);
  await run('ip', ['netns', 'del', FLOOD.ns]);
}

/** Builds the namespace, the veth pair and the route (a leftover of a crashed run is removed first). */
export async function floodNetUp(): Promise<void> {
  await floodNetDown();
  await mustRun('ip', ['netns', 'add', FLOOD.ns]);
  await mustRun('ip', ['link', 'add', FLOOD.respDev, 'type', 'veth', 'peer', 'name', FLOOD.floodDev]);
  await mustRun('ip', ['link', 'set', FLOOD.respDev, 'netns', LAB.charonNs]);
  await mustRun('ip', ['link', 'set', FLOOD.floodDev, 'netns', FLOOD.ns]);
  await inNs(FLOOD.ns, 'ip', 'link', 'set', 'lo', 'up');
  await inNs(FLOOD.ns, 'ip', 'addr', 'replace', `${FLOOD.initiator}/24`, 'dev', FLOOD.floodDev);
  // the initiator's inner address (as the lab's swanc has it on swanp)
  await inNs(FLOOD.ns, 'ip', 'addr', 'replace', `${FLOOD.initiatorInner}/32`, 'dev', FLOOD.floodDev);
  await inNs(FLOOD.ns, 'ip', 'link', 'set', FLOOD.floodDev, 'up');
  await inNs(LAB.charonNs, 'ip', 'addr', 'replace', `${FLOOD.responder}/24`, 'dev', FLOOD.respDev);
  await inNs(LAB.charonNs, 'ip', 'link', 'set', FLOOD.respDev, 'up');
  await inNs(LAB.charonNs, 'ip', 'route', 'replace', FLOOD.spoofNet, 'via', FLOOD.initiator);
  const until = Date.now() + 10_000;
  for (;;) {
    const r = await run('ip', ['netns', 'exec', FLOOD.ns, 'ping', '-c1', '-W1', FLOOD.responder]);
    if (r.code === 0) return;
    if (Date.now() > until)
      throw new Error(`swanflood cannot reach ${FLOOD.responder}: ${r.stdout}${r.stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const psk = `secrets {
    ike-${FLOOD.conn} {
        id-a = alice@example.org
        id-b = bob@example.org
        secret = "${LAB.psk}"
    }
}
`;

/** One connection, one tunnel child; unique = never (bench/ike-setup/lab.ts says why). */
function connection(o: {
  local: string;
  remote: string;
  localId: string;
  remoteId: string;
  localTs: string;
  remoteTs: string;
}) {
  return `connections {
    ${FLOOD.conn} {
        version = 2
        local_addrs = ${o.local}
        remote_addrs = ${o.remote}
        proposals = ${FLOOD.ike}
        encap = yes
        mobike = no
        unique = never
        dpd_delay = 0
        rekey_time = 0
        reauth_time = 0
        local {
            auth = psk
            id = ${o.localId}
        }
        remote {
            auth = psk
            id = ${o.remoteId}
        }
        children {
            ${FLOOD.child} {
                mode = tunnel
                local_ts = ${o.localTs}
                remote_ts = ${o.remoteTs}
                esp_proposals = ${FLOOD.esp}
                rekey_time = 0
                life_time = 0
            }
        }
    }
}
`;
}

export const initiatorSwanctl = `# generated by test/interop/flood.ts: the legitimate peer
${connection({
  local: FLOOD.initiator,
  remote: FLOOD.responder,
  localId: 'alice@example.org',
  remoteId: 'bob@example.org',
  localTs: FLOOD.initiatorNet,
  remoteTs: FLOOD.responderNet,
})}${psk}`;

const responderConnection = connection({
  local: FLOOD.responder,
  remote: '%any',
  localId: 'bob@example.org',
  remoteId: 'alice@example.org',
  localTs: FLOOD.responderNet,
  remoteTs: FLOOD.initiatorNet,
});

export const charonResponderSwanctl = `# generated by test/interop/flood.ts: charon as responder
${responderConnection}${psk}`;

/** The DoS settings both responders get (strongswan.conf charon.* names; ours has the same keys). */
export interface DosSettings {
  readonly cookieThreshold: number;
  readonly cookieThresholdIp: number;
  readonly blockThreshold: number;
  readonly halfOpenTimeout: number;
}

/** charon.sh environment + EXTRA_CONF for the charon responder with `dos`. */
export function charonDos(dos: DosSettings): { env: Record<string, string>; extraConf: string } {
  return {
    env: {
      COOKIE_THRESHOLD: String(dos.cookieThreshold),
      COOKIE_THRESHOLD_IP: String(dos.cookieThresholdIp),
      BLOCK_THRESHOLD: String(dos.blockThreshold),
      LOGLEVEL: '0',
      KEYLOGLEVEL: '0',
    },
    extraConf: `half_open_timeout = ${dos.halfOpenTimeout}`,
  };
}

export function ourResponderConf(dos: DosSettings): string {
  return `# generated by test/interop/flood.ts: our daemon as responder
daemon {
    port = 500
    port_nat_t = 4500
    inner_addrs = ${FLOOD.responderInner}
    cookie_threshold = ${dos.cookieThreshold}
    cookie_threshold_ip = ${dos.cookieThresholdIp}
    block_threshold = ${dos.blockThreshold}
    half_open_timeout = ${dos.halfOpenTimeout}s
}
${responderConnection}${psk}`;
}

/** The IKE_SA_INIT every forged packet carries (the flooder patches SPIi and the nonce). */
export function floodTemplate(): Uint8Array {
  const config = ourConnection({
    name: 'flood',
    ids: 'email',
    proposals: FLOOD.ike,
    espProposals: FLOOD.esp,
    role: 'initiator',
    local: FLOOD.initiator,
    remote: FLOOD.responder,
  });
  return initRequest(config, { address: '10.98.0.1', port: 500 }, { address: FLOOD.responder, port: 500 });
}

/**
 * The flooder: IPv4 + UDP + the IKE message, through a raw socket (IPPROTO_RAW implies
 * IP_HDRINCL; the kernel fills in the IP checksum and id; UDP checksum 0 = none, RFC 768).
 * Paced in 5 ms ticks to `rate` packets per second for `duration` seconds; each packet a fresh
 * SPIi, nonce, source address (of the /16) and source port. Prints {"sent": N, "seconds": S}.
 */
const FLOODER_PY = `
import json, os, random, socket, struct, sys, time
dst, port, rate, duration, net, tmpl = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5], bytes.fromhex(sys.argv[6])
base = struct.unpack('!I', socket.inet_aton(net.split('/')[0]))[0]
span = (1 << (32 - int(net.split('/')[1]))) - 2
# the nonce payload: find it in the template's payload chain (type 40) to patch its data
nxt, off, nonce = tmpl[16], 28, None
while nxt != 0 and off + 4 <= len(tmpl):
    plen = struct.unpack('!H', tmpl[off + 2:off + 4])[0]
    if nxt == 40:
        nonce = (off + 4, off + plen)
    nxt, off = tmpl[off], off + plen
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
dsta = socket.inet_aton(dst)
msg = bytearray(tmpl)
udplen = 8 + len(msg)
tick = 0.005
per_tick = rate * tick
start = time.monotonic()
sent, owed, n = 0, 0.0, 0
while True:
    now = time.monotonic()
    if now - start >= duration:
        break
    owed += per_tick
    while owed >= 1:
        owed -= 1
        msg[0:8] = os.urandom(8)
        if nonce:
            msg[nonce[0]:nonce[0] + 8] = os.urandom(8)
        src = socket.inet_aton(socket.inet_ntoa(struct.pack('!I', base + 1 + random.randrange(span))))
        ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + udplen, 0, 0, 64, 17, 0, src, dsta)
        udp = struct.pack('!HHHH', random.randrange(1024, 65535), port, udplen, 0)
        try:
            s.sendto(ip + udp + msg, (dst, 0))
            sent += 1
        except OSError:
            pass
    n += 1
    delay = start + n * tick - time.monotonic()
    if delay > 0:
        time.sleep(delay)
print(json.dumps({"sent": sent, "seconds": time.monotonic() - start}))
`;

export interface FloodResult {
  readonly sent: number;
  readonly seconds: number;
}

/** A running flood (python3 in swanflood); `done` resolves with what it sent. */
export class Flood {
  private constructor(
    private readonly child: ChildProcess,
    readonly done: Promise<FloodResult>,
  ) {}

  static start(rate: number, seconds: number): Flood {
    const script = path.join(runDir(), 'flood.py');
    writeFileSync(script, FLOODER_PY);
    const child = spawn(
      'ip',
      [
        'netns',
        'exec',
        FLOOD.ns,
        'python3',
        script,
        FLOOD.responder,
        '500',
        String(rate),
        String(seconds),
        FLOOD.spoofNet,
        Buffer.from(floodTemplate()).toString('hex'),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString('utf8');
    });
    child.stderr?.on('data', (b: Buffer) => {
      err += b.toString('utf8');
    });
    const done = new Promise<FloodResult>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code) => {
        try {
          if (code !== 0) throw new Error(`flooder exited ${code}: ${err}`);
          resolve(JSON.parse(out.trim()) as FloodResult);
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      });
    });
    done.catch(() => {});
    return new Flood(child, done);
  }

  /** Cleanup: stops the flooder if it still runs. */
  stop(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/** VmRSS of `pid` in KiB (/proc/PID/status). */
export function rssKb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]);
}

/** Samples a process's RSS every `everyMs` until stopped: the peak and every sample. */
export class RssSampler {
  peakKb = 0;
  readonly samples: number[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    everyMs = 100,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  sample(): number {
    try {
      const kb = rssKb(this.pid);
      this.samples.push(kb);
      this.peakKb = Math.max(this.peakKb, kb);
      return kb;
    } catch {
      return Number.NaN;
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** VICI `stats` of a responder (ours with --vici, or charon): IKE SAs in total and half-open. */
export async function viciIkeStats(viciPath: string): Promise<{ total: number; halfOpen: number }> {
  const c = await ViciClient.connect(viciPath);
  try {
    const s = await c.stats();
    const ikesas = s.ikesas;
    if (typeof ikesas !== 'object' || Array.isArray(ikesas)) throw new Error('stats: no ikesas');
    return { total: Number(ikesas.total), halfOpen: Number(ikesas['half-open']) };
  } finally {
    c.close();
  }
}
