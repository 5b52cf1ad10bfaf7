/**
 * Where packets are dropped inside a namespace, read through a process of that namespace
 * (/proc/PID/net/... shows the network namespace of PID): UDP datagrams the kernel dropped for
 * a full socket receive buffer (/proc/net/snmp Udp RcvbufErrors: ESP in UDP not read fast
 * enough by charon or our daemon) and packets the TUN device `ipsec0` dropped on its way to
 * user space (/proc/net/dev transmit drop: its queue of txqueuelen packets full because the
 * daemon does not read the device fast enough).
 */
import { readFileSync } from 'node:fs';

export interface Drops {
  readonly udpRcvbuf: number;
  readonly tunTx: number;
}

const NONE: Drops = { udpRcvbuf: Number.NaN, tunTx: Number.NaN };

function udpRcvbufErrors(pid: number): number {
  const lines = readFileSync(`/proc/${pid}/net/snmp`, 'utf8').split('\n');
  const head = lines.find((l) => l.startsWith('Udp:'));
  const values = lines.find((l) => l.startsWith('Udp:') && l !== head);
  if (!head || !values) return Number.NaN;
  const i = head.split(/\s+/).indexOf('RcvbufErrors');
  return i < 0 ? Number.NaN : Number(values.split(/\s+/)[i]);
}

/** Transmit drops of `dev` (field 12 of its /proc/net/dev line: tx bytes packets errs drop ...). */
function txDrops(pid: number, dev: string): number {
  const line = readFileSync(`/proc/${pid}/net/dev`, 'utf8')
    .split('\n')
    .find((l) => l.trim().startsWith(`${dev}:`));
  if (!line) return Number.NaN;
  const fields = line.split(':')[1]!.trim().split(/\s+/);
  return Number(fields[11]);
}

export function drops(pid: number | undefined, dev = 'ipsec0'): Drops {
  if (pid === undefined) return NONE;
  try {
    return { udpRcvbuf: udpRcvbufErrors(pid), tunTx: txDrops(pid, dev) };
  } catch {
    return NONE;
  }
}

export function dropsSince(before: Drops, after: Drops): Drops {
  return { udpRcvbuf: after.udpRcvbuf - before.udpRcvbuf, tunTx: after.tunTx - before.tunTx };
}
