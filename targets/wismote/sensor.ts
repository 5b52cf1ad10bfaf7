/**
 * Sensor traffic: each mote takes a reading every interval and sends it to the gateway as one
 * small UDP datagram over IPv6, through its Child SA (the ESP pipeline's SPD picks it). Readings
 * are confirmable, as CoAP CON messages are (RFC 7252 §4.2): the gateway answers each with a
 * short acknowledgement through the same SA, and the mote sends an unacknowledged reading again
 * after an ack timeout that doubles, up to a retry limit. Readings taken while no Child SA is up
 * wait in a small queue (the oldest is dropped when it is full, and counted).
 *
 * Wire format (ours, 8 octets; the acknowledgement is the first 5 with type 0x81):
 *   type 0x01 | mote short address (2) | sequence (2) | value (3)
 * Sequence numbers are 16 bits (a day of readings a second before they wrap) and start at a
 * random value at each boot; the gateway deduplicates by (mote, sequence) within a minute.
 */
import type { EspPipeline, InboundPacket } from '../../actors/esp-pipeline.js';
import type { RandomBytes } from '../../ipsec/crypto/types.js';
import { parseIpv6 } from '../../ipsec/packet/address.js';
import { buildIpv6, decodeIpv6 } from '../../ipsec/packet/ipv6.js';
import { IpProto } from '../../ipsec/packet/proto.js';
import { buildUdp, decodeUdp } from '../../ipsec/packet/udp.js';
import type { Clock, TimerHandle } from '../../ipsec/util/clock.js';
import { SENSOR_PORT } from './profile.js';

const READING = 0x01;
const ACK = 0x81;
const READING_LENGTH = 8;
const ACK_LENGTH = 5;
/** RFC 7252 §4.8: ACK_TIMEOUT 2 s, MAX_RETRANSMIT 4. */
export const ACK_TIMEOUT_MS = 2000;
export const MAX_RETRANSMIT = 4;
/** Readings held while no SA is up. */
export const QUEUE_LIMIT = 8;

export interface Reading {
  readonly mote: number;
  readonly seq: number;
  readonly value: number;
}

export function encodeReading(r: Reading): Uint8Array {
  return Uint8Array.of(
    READING,
    r.mote >>> 8,
    r.mote & 0xff,
    (r.seq >>> 8) & 0xff,
    r.seq & 0xff,
    (r.value >>> 16) & 0xff,
    (r.value >>> 8) & 0xff,
    r.value & 0xff,
  );
}

export function decodeReading(b: Uint8Array): Reading | undefined {
  if (b.length !== READING_LENGTH || b[0] !== READING) return undefined;
  return {
    mote: (b[1]! << 8) | b[2]!,
    seq: (b[3]! << 8) | b[4]!,
    value: (b[5]! << 16) | (b[6]! << 8) | b[7]!,
  };
}

const encodeAck = (mote: number, seq: number) =>
  Uint8Array.of(ACK, mote >>> 8, mote & 0xff, (seq >>> 8) & 0xff, seq & 0xff);

function decodeAck(b: Uint8Array): { mote: number; seq: number } | undefined {
  if (b.length !== ACK_LENGTH || b[0] !== ACK) return undefined;
  return { mote: (b[1]! << 8) | b[2]!, seq: (b[3]! << 8) | b[4]! };
}

/** An inner IPv6/UDP packet between the sensor ports. */
function udp6(src: Uint8Array, dst: Uint8Array, payload: Uint8Array): Uint8Array {
  const segment = buildUdp({ src, dst, srcPort: SENSOR_PORT, dstPort: SENSOR_PORT, payload });
  return buildIpv6({ src, dst, nextHeader: IpProto.UDP, payload: segment });
}

/** The UDP payload of a protected inbound packet to the sensor port, if it is one. */
function sensorPayload(p: InboundPacket): { src: Uint8Array; payload: Uint8Array } | undefined {
  if (p.spi === undefined) return undefined; // only what came through a Child SA
  const ip = decodeIpv6(p.packet);
  if (!ip.ok || ip.value.nextHeader !== IpProto.UDP) return undefined;
  const u = decodeUdp(ip.value.payload);
  if (!u.ok || u.value.dstPort !== SENSOR_PORT) return undefined;
  return { src: ip.value.src, payload: u.value.payload };
}

export interface SensorCounters {
  /** Readings taken. */
  taken: number;
  /** Datagrams handed to the ESP pipeline (first sends and retransmissions). */
  sent: number;
  retransmitted: number;
  acknowledged: number;
  /** Readings given up: pushed out of a full queue, or unanswered with the queue full. */
  abandoned: number;
  /** Readings unanswered through every retransmission and queued again. */
  requeued: number;
}

export interface MoteSensorOptions {
  readonly short: number;
  readonly address: string;
  readonly gateway: string;
  readonly pipeline: Pick<EspPipeline, 'send' | 'delivered$'>;
  readonly clock: Clock;
  readonly random: RandomBytes;
  readonly intervalMs: number;
  /** Whether a Child SA is up (readings wait otherwise). */
  readonly ready: () => boolean;
  /**
   * A reading went unanswered through all its retransmissions: the gateway may have lost our
   * SA (a restart). The node checks the IKE SA's liveness (RFC 7296 §2.4) instead of waiting
   * for the next periodic check.
   */
  readonly onUnanswered?: () => void;
}

interface Pending {
  readonly reading: Reading;
  tries: number;
  timer?: TimerHandle;
}

/** The mote's sensor application. */
export class MoteSensor {
  readonly counters: SensorCounters = {
    taken: 0,
    sent: 0,
    retransmitted: 0,
    acknowledged: 0,
    abandoned: 0,
    requeued: 0,
  };
  private seq = 0;
  private readonly queue: Reading[] = [];
  private readonly inFlight = new Map<number, Pending>();
  private sampler?: TimerHandle;
  private readonly src: Uint8Array;
  private readonly dst: Uint8Array;
  private readonly sub;
  private stopped = false;

  constructor(private readonly o: MoteSensorOptions) {
    // RFC 7252 §4.4: the first number is random, so that a mote that rebooted does not reuse
    // the numbers the gateway saw a moment ago (it would take new readings for duplicates).
    const s = o.random(2);
    this.seq = (s[0]! << 8) | s[1]!;
    this.src = parseIpv6(o.address)!;
    this.dst = parseIpv6(o.gateway)!;
    this.sub = o.pipeline.delivered$.subscribe((p) => {
      const s = sensorPayload(p);
      const ack = s && decodeAck(s.payload);
      if (ack && ack.mote === o.short) this.acknowledged(ack.seq);
    });
  }

  /** Starts sampling: the first reading after a random part of one interval. */
  start(): void {
    const first = Math.floor(this.uniform() * this.o.intervalMs);
    this.sampler = this.o.clock.setTimeout(() => this.sample(), first);
  }

  /** A Child SA came up: send what waited. */
  flush(): void {
    while (this.queue.length > 0 && this.o.ready() && this.inFlight.size < QUEUE_LIMIT)
      this.transmit({ reading: this.queue.shift()!, tries: 0 });
  }

  /** Takes no more readings; those queued or in flight still go out. */
  stopSampling(): void {
    if (this.sampler !== undefined) this.o.clock.clearTimeout(this.sampler);
    this.sampler = undefined;
  }

  /** Readings still waiting for their acknowledgement or for an SA. */
  get outstanding(): number {
    return this.queue.length + this.inFlight.size;
  }

  stop(): void {
    this.stopped = true;
    this.sub.unsubscribe();
    if (this.sampler !== undefined) this.o.clock.clearTimeout(this.sampler);
    for (const p of this.inFlight.values()) if (p.timer !== undefined) this.o.clock.clearTimeout(p.timer);
    this.inFlight.clear();
  }

  private uniform(): number {
    const b = this.o.random(4);
    return (((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0) / 2 ** 32;
  }

  private sample(): void {
    if (this.stopped) return;
    this.sampler = this.o.clock.setTimeout(() => this.sample(), this.o.intervalMs);
    const b = this.o.random(3);
    const reading = { mote: this.o.short, seq: this.seq, value: (b[0]! << 16) | (b[1]! << 8) | b[2]! };
    this.seq = (this.seq + 1) & 0xffff;
    this.counters.taken++;
    if (this.queue.length >= QUEUE_LIMIT) {
      this.queue.shift();
      this.counters.abandoned++;
    }
    this.queue.push(reading);
    this.flush();
  }

  private transmit(p: Pending): void {
    const key = p.reading.seq;
    const previous = this.inFlight.get(key);
    if (previous && previous !== p) {
      // The sequence number came round while an old reading still waits: give the old one up.
      if (previous.timer !== undefined) this.o.clock.clearTimeout(previous.timer);
      this.counters.abandoned++;
    }
    this.inFlight.set(key, p);
    if (p.tries > 0) this.counters.retransmitted++;
    this.counters.sent++;
    this.o.pipeline.send(udp6(this.src, this.dst, encodeReading(p.reading)));
    const timeout = ACK_TIMEOUT_MS * 2 ** p.tries; // RFC 7252 §4.2: the timeout doubles
    p.timer = this.o.clock.setTimeout(() => {
      if (this.stopped || this.inFlight.get(key) !== p) return;
      if (p.tries >= MAX_RETRANSMIT) {
        this.inFlight.delete(key);
        this.counters.abandoned++;
        // Not lost for good: it goes back to the queue, to be sent once an SA works again.
        this.requeue(p.reading);
        this.o.onUnanswered?.();
        this.flush();
        return;
      }
      p.tries++;
      this.transmit(p);
    }, timeout);
  }

  private requeue(r: Reading): void {
    if (this.queue.length >= QUEUE_LIMIT) return;
    this.queue.unshift(r);
    this.counters.abandoned--;
    this.counters.requeued++;
  }

  private acknowledged(seq: number): void {
    const p = this.inFlight.get(seq);
    if (!p) return;
    if (p.timer !== undefined) this.o.clock.clearTimeout(p.timer);
    this.inFlight.delete(seq);
    this.counters.acknowledged++;
    this.flush();
  }
}

export interface GatewaySinkOptions {
  readonly pipeline: Pick<EspPipeline, 'send' | 'delivered$'>;
  readonly address: string;
  readonly clock: Clock;
}

/** The gateway's end: records each reading once, acknowledges every copy. */
export class GatewaySink {
  /** Per mote: distinct readings received, and the time of each. */
  readonly delivered = new Map<number, number>();
  readonly duplicates = new Map<number, number>();
  private readonly seen = new Map<number, Map<number, number>>();
  private readonly src: Uint8Array;
  private readonly sub;

  constructor(private readonly o: GatewaySinkOptions) {
    this.src = parseIpv6(o.address)!;
    this.sub = o.pipeline.delivered$.subscribe((p) => this.receive(p));
  }

  stop(): void {
    this.sub.unsubscribe();
  }

  private receive(p: InboundPacket): void {
    const s = sensorPayload(p);
    const r = s && decodeReading(s.payload);
    if (!s || !r) return;
    const seen = this.seen.get(r.mote) ?? new Map<number, number>();
    this.seen.set(r.mote, seen);
    const now = this.o.clock.now();
    const at = seen.get(r.seq);
    // A copy within a minute of the last copy is a duplicate (our ack was lost); later, the
    // 16-bit counter wrapped. The window runs from the last copy: a mote's retry chain lasts
    // 62 s and a requeued reading is sent again after it, all one reading.
    seen.set(r.seq, now);
    if (at !== undefined && now - at < 60_000) {
      this.duplicates.set(r.mote, (this.duplicates.get(r.mote) ?? 0) + 1);
    } else {
      this.delivered.set(r.mote, (this.delivered.get(r.mote) ?? 0) + 1);
    }
    this.o.pipeline.send(udp6(this.src, s.src, encodeAck(r.mote, r.seq)));
  }
}
