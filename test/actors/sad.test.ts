import { describe, expect, it } from 'vitest';
import type { AddSaParams } from '../../actors/ipsec-backend.js';
import { SadActor, type SadNotice } from '../../actors/sad.js';
import { EncrId, IntegId } from '../../ipsec/crypto/ids.js';
import { nobleProvider } from '../../ipsec/crypto/noble/index.js';
import { seededRandom } from '../../ipsec/crypto/random.js';
import { mustEncr, mustInteg } from '../../ipsec/crypto/transforms.js';
import type { RandomBytes } from '../../ipsec/crypto/types.js';
import { mustSelector } from '../../ipsec/policy/selector.js';
import { fromHex, toHex } from '../../ipsec/util/bytes.js';
import { VirtualClock } from '../../ipsec/util/clock.js';

const CTR = mustEncr(EncrId.AES_CTR, 128);
const XCBC = mustInteg(IntegId.AES_XCBC_96);

function params(spi: string, over: Partial<AddSaParams> = {}): AddSaParams {
  return {
    spi: fromHex(spi),
    direction: 'in',
    reqid: 1,
    mode: 'tunnel',
    encr: { transform: CTR, key: new Uint8Array(CTR.keyLength).fill(1) },
    integ: { transform: XCBC, key: new Uint8Array(XCBC.keyLength).fill(2) },
    src: { address: '192.0.2.2', port: 4500 },
    dst: { address: '192.0.2.1', port: 4500 },
    encap: true,
    localTs: [mustSelector('10.1.0.0/24')],
    remoteTs: [mustSelector('10.2.0.0/24')],
    ...over,
  };
}

function setup(random: RandomBytes = seededRandom('sad')) {
  const clock = new VirtualClock();
  const sad = new SadActor({ clock, provider: nobleProvider, random });
  const notices: SadNotice[] = [];
  sad.events$.subscribe((n) => notices.push(n));
  return { clock, sad, notices };
}

describe('SadActor: SPIs', () => {
  it('allocates distinct SPIs >= 256, reproducibly per seed', () => {
    const a = setup(seededRandom(1)).sad;
    const b = setup(seededRandom(1)).sad;
    const spis = new Set<number>();
    for (let i = 0; i < 500; i++) {
      const x = a.allocSpi();
      const y = b.allocSpi();
      expect(x.ok && y.ok && x.value === y.value).toBe(true);
      if (x.ok) {
        expect(x.value).toBeGreaterThanOrEqual(256);
        spis.add(x.value);
      }
    }
    expect(spis.size).toBe(500);
  });

  it('skips reserved values (RFC 4303 §2.1), reserved SPIs and SPIs in use', () => {
    const draws = ['00000000', '000000ff', '00001000', '00001000', '00002000', '00003000'].map(fromHex);
    const { sad } = setup((n) => draws.shift() ?? new Uint8Array(n));
    const first = sad.allocSpi();
    expect(first.ok && first.value).toBe(0x1000);
    expect(sad.send({ type: 'sa.install', params: params('00002000') }).ok).toBe(true);
    const second = sad.allocSpi(); // 0x1000 is reserved, 0x2000 installed
    expect(second.ok && second.value).toBe(0x3000);
  });

  it('gives up with spi-exhausted instead of looping forever', () => {
    const { sad } = setup((n) => new Uint8Array(n));
    const r = sad.allocSpi();
    expect(!r.ok && r.error.code).toBe('spi-exhausted');
  });

  it('releases a reserved SPI on delete', () => {
    const { sad } = setup();
    const spi = sad.allocSpi();
    if (!spi.ok) throw new Error('alloc');
    const ref = { spi: fromHex(spi.value.toString(16).padStart(8, '0')), direction: 'in' as const };
    expect(sad.send({ type: 'sa.delete', params: ref }).ok).toBe(true);
    const again = sad.send({ type: 'sa.delete', params: ref });
    expect(!again.ok && again.error.code).toBe('unknown-sa');
  });
});

describe('SadActor: install, update, delete', () => {
  it('installs and finds inbound SAs by SPI and outbound SAs by reqid, newest first', () => {
    const { sad, notices } = setup();
    expect(sad.send({ type: 'sa.install', params: params('00010001') }).ok).toBe(true);
    expect(sad.table.inbound(0x10001)?.reqid).toBe(1);
    expect(sad.table.inbound(0x10002)).toBeUndefined();
    const out = (spi: string) =>
      params(spi, { direction: 'out', src: params('00').dst, dst: params('00').src, reqid: 5 });
    sad.send({ type: 'sa.install', params: out('00020001') });
    sad.send({ type: 'sa.install', params: out('00020002') });
    expect(sad.table.outbound(5)?.spi).toBe(0x20002);
    // the same SPI may exist once per direction (ours and the peer's are independent)
    expect(sad.send({ type: 'sa.install', params: out('00010001') }).ok).toBe(true);
    expect(sad.table.outbound(5)?.spi).toBe(0x10001);
    sad.send({ type: 'sa.delete', params: { spi: fromHex('00010001'), direction: 'out' } });
    sad.send({ type: 'sa.delete', params: { spi: fromHex('00020002'), direction: 'out' } });
    expect(sad.table.outbound(5)?.spi).toBe(0x20001);
    expect(notices.filter((n) => n.type === 'sa.installed')).toHaveLength(4);
    expect(sad.list().map((i) => [toHex(i.spi), i.direction])).toEqual([
      ['00010001', 'in'],
      ['00020001', 'out'],
    ]);
  });

  it('rejects bad parameters with typed errors and never throws', () => {
    const { sad } = setup();
    const code = (p: AddSaParams) => {
      const r = sad.send({ type: 'sa.install', params: p });
      return r.ok ? 'ok' : r.error.code;
    };
    expect(code(params('000100'))).toBe('invalid-spi');
    expect(code(params('000000ff'))).toBe('invalid-spi');
    expect(code(params('00010001', { reqid: 0 }))).toBe('invalid-params');
    expect(code(params('00010001', { src: { address: 'nope', port: 1 } }))).toBe('invalid-params');
    expect(code(params('00010001', { src: { address: '2001:db8::1', port: 4500 } }))).toBe('invalid-params');
    expect(code(params('00010001', { localTs: [] }))).toBe('invalid-params');
    expect(code(params('00010001', { replayWindow: 0 }))).toBe('invalid-params');
    expect(code(params('00010001', { lifetimes: { hard: { bytes: -1 } } }))).toBe('invalid-params');
    expect(code(params('00010001', { encr: { transform: CTR, key: new Uint8Array(3) } }))).toBe(
      'invalid-params',
    );
    expect(
      code(
        params('00010001', {
          integ: undefined,
          encr: { transform: mustEncr(EncrId.NULL), key: new Uint8Array(0) },
        }),
      ),
    ).toBe('invalid-params');
    expect(sad.table.size).toBe(0);
    expect(code(params('00010001'))).toBe('ok');
    expect(code(params('00010001'))).toBe('duplicate-spi');
  });

  it('rounds the replay window up to a multiple of 32', () => {
    const { sad } = setup();
    const r = sad.send({ type: 'sa.install', params: params('00010001', { replayWindow: 40 }) });
    expect(r.ok && r.value?.esp.replay?.size).toBe(64);
  });

  it('updates the outer endpoints and the encapsulation flag (NAT detected)', () => {
    const { sad } = setup();
    sad.send({ type: 'sa.install', params: params('00010001', { encap: false }) });
    const spi = fromHex('00010001');
    const r = sad.send({
      type: 'sa.update',
      params: { spi, direction: 'in', src: { address: '203.0.113.5', port: 61000 }, encap: true },
    });
    expect(r.ok).toBe(true);
    expect(sad.info({ spi, direction: 'in' })).toMatchObject({
      src: { address: '203.0.113.5', port: 61000 },
      dst: { address: '192.0.2.1', port: 4500 },
      encap: true,
    });
    expect(toHex(sad.table.inbound(0x10001)!.srcAddress)).toBe('cb007105');
    const bad = sad.send({ type: 'sa.update', params: { spi, direction: 'out' } });
    expect(!bad.ok && bad.error.code).toBe('unknown-sa');
  });

  it('copies the keys at install and zeroes its copies on delete', () => {
    const { sad, clock } = setup();
    const p = params('00010001', { lifetimes: { hard: { seconds: 60 } } });
    const r = sad.send({ type: 'sa.install', params: p });
    if (!r.ok || !r.value) throw new Error('install');
    const entry = r.value;
    p.encr.key.fill(0); // the caller wipes its KEYMAT: the SA keeps working from its copy
    expect(entry.secrets.every((k) => k.some((b) => b !== 0))).toBe(true);
    expect(clock.pending).toBe(1);
    sad.send({ type: 'sa.delete', params: { spi: p.spi, direction: 'in' } });
    expect(entry.secrets.every((k) => k.every((b) => b === 0))).toBe(true);
    expect(entry.esp.dead).toBe(true);
    expect(clock.pending).toBe(0);
  });
});

describe('SadActor: lifetimes by time (RFC 4301 §4.4.2.1)', () => {
  it('reports soft once, then hard once and removes the SA', () => {
    const { sad, clock, notices } = setup();
    sad.send({
      type: 'sa.install',
      params: params('00010001', { reqid: 9, lifetimes: { soft: { seconds: 10 }, hard: { seconds: 15 } } }),
    });
    const expires = () => notices.filter((n) => n.type === 'ipsec.expire');
    clock.advance(9_999);
    expect(expires()).toHaveLength(0);
    clock.advance(1);
    expect(expires()).toEqual([
      {
        type: 'ipsec.expire',
        hard: false,
        spi: fromHex('00010001'),
        direction: 'in',
        reqid: 9,
        cause: 'time',
      },
    ]);
    expect(sad.table.inbound(0x10001)).toBeDefined();
    clock.advance(5_000);
    expect(expires()[1]).toEqual({
      type: 'ipsec.expire',
      hard: true,
      spi: fromHex('00010001'),
      direction: 'in',
      reqid: 9,
      cause: 'time',
    });
    expect(sad.table.inbound(0x10001)).toBeUndefined();
    expect(notices.some((n) => n.type === 'sa.removed' && n.reason === 'expired')).toBe(true);
    clock.advance(60_000);
    expect(expires()).toHaveLength(2);
    expect(clock.pending).toBe(0);
  });

  it('goes straight to hard when no soft limit is set', () => {
    const { sad, clock, notices } = setup();
    sad.send({ type: 'sa.install', params: params('00010001', { lifetimes: { hard: { seconds: 1 } } }) });
    clock.advance(1_000);
    expect(
      notices.filter((n) => n.type === 'ipsec.expire').map((n) => n.type === 'ipsec.expire' && n.hard),
    ).toEqual([true]);
  });
});
