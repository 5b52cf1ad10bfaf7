import { describe, expect, it } from 'vitest';
import type { AddSaParams, IpsecEvent } from '../../actors/ipsec-backend.js';
import { IpsecBackendDouble } from '../../actors/ipsec-backend-double.js';
import { EncrId } from '../../ipsec/crypto/ids.js';
import { mustEncr } from '../../ipsec/crypto/transforms.js';
import { mustSelector } from '../../ipsec/policy/selector.js';
import { toHex } from '../../ipsec/util/bytes.js';

const GCM = mustEncr(EncrId.AES_GCM_16, 256);

const sa = (spi: Uint8Array, direction: 'in' | 'out' = 'in'): AddSaParams => ({
  spi,
  direction,
  reqid: 1,
  mode: 'tunnel',
  encr: { transform: GCM, key: new Uint8Array(GCM.keyLength).fill(7) },
  src: { address: '192.0.2.2', port: 4500 },
  dst: { address: '192.0.2.1', port: 4500 },
  localTs: [mustSelector('10.1.0.0/24')],
  remoteTs: [mustSelector('10.2.0.0/24')],
});

describe('IpsecBackendDouble', () => {
  it('hands out SPIs 1, 2, 3 as 4-byte big-endian values and records every call in order', () => {
    const b = new IpsecBackendDouble();
    const spis = [b.allocSpi(), b.allocSpi({ reqid: 4 }), b.allocSpi()].map((r) =>
      r.ok ? toHex(r.value) : 'error',
    );
    expect(spis).toEqual(['00000001', '00000002', '00000003']);
    const params = sa(Uint8Array.of(0, 0, 0, 1));
    expect(b.addSa(params).ok).toBe(true);
    params.encr.key.fill(0); // the caller wipes its keys; the record keeps a copy
    expect(
      b.addPolicy({
        direction: 'out',
        action: 'PROTECT',
        reqid: 1,
        localTs: params.localTs,
        remoteTs: params.remoteTs,
      }),
    ).toEqual({
      ok: true,
      value: { id: 1 },
    });
    b.acquireFailed({ reqid: 1 });
    expect(b.calls.map((c) => c.method)).toEqual([
      'allocSpi',
      'allocSpi',
      'allocSpi',
      'addSa',
      'addPolicy',
      'acquireFailed',
    ]);
    expect(b.callsOf('allocSpi')[1]).toEqual({ reqid: 4 });
    expect(toHex(b.callsOf('addSa')[0]!.encr.key)).toBe('07'.repeat(GCM.keyLength));
    expect(b.querySa({ spi: params.spi, direction: 'in' })).toMatchObject({
      reqid: 1,
      encr: 'AES_GCM_16',
      bytes: 0,
    });
    expect(b.listPolicies().map((p) => p.id)).toEqual([1]);
  });

  it('refuses what a real backend refuses: duplicate and unknown SAs, unknown policies', () => {
    const b = new IpsecBackendDouble(0x100);
    const spi = b.allocSpi();
    if (!spi.ok) throw new Error('alloc');
    expect(toHex(spi.value)).toBe('00000100');
    expect(b.addSa(sa(spi.value)).ok).toBe(true);
    const dup = b.addSa(sa(spi.value));
    expect(!dup.ok && dup.error.code).toBe('duplicate-spi');
    expect(b.addSa(sa(spi.value, 'out')).ok).toBe(true);
    expect(b.updateSa({ spi: spi.value, direction: 'in', encap: true }).ok).toBe(true);
    expect(b.querySa({ spi: spi.value, direction: 'in' })?.encap).toBe(true);
    expect(b.deleteSa({ spi: spi.value, direction: 'in' }).ok).toBe(true);
    const again = b.deleteSa({ spi: spi.value, direction: 'in' });
    expect(!again.ok && again.error.code).toBe('unknown-sa');
    const noPolicy = b.deletePolicy({ reqid: 9 });
    expect(!noPolicy.ok && noPolicy.error.code).toBe('unknown-policy');
    expect(b.listSas().map((s) => s.direction)).toEqual(['out']);
  });

  it('fails the next call of a method on request, once', () => {
    const b = new IpsecBackendDouble();
    b.failNext('allocSpi', { code: 'spi-exhausted', message: 'test' });
    const r = b.allocSpi();
    expect(!r.ok && r.error.code).toBe('spi-exhausted');
    expect(b.allocSpi()).toEqual({ ok: true, value: Uint8Array.of(0, 0, 0, 1) });
    b.failNext('addSa', { code: 'invalid-params', message: 'test' });
    expect(b.addSa(sa(Uint8Array.of(0, 0, 0, 1))).ok).toBe(false);
    expect(b.addSa(sa(Uint8Array.of(0, 0, 0, 1))).ok).toBe(true);
    expect(b.calls.map((c) => c.method)).toEqual(['allocSpi', 'allocSpi', 'addSa', 'addSa']);
  });

  it('delivers injected events', () => {
    const b = new IpsecBackendDouble();
    const got: IpsecEvent[] = [];
    b.events$.subscribe((e) => got.push(e));
    const ts = mustSelector('10.1.0.1');
    b.emit({ type: 'ipsec.acquire', reqid: 1, policyId: 1, localTs: ts, remoteTs: ts });
    b.emit({
      type: 'ipsec.expire',
      hard: false,
      spi: Uint8Array.of(0, 0, 0, 1),
      direction: 'out',
      reqid: 1,
      cause: 'time',
    });
    expect(got.map((e) => e.type)).toEqual(['ipsec.acquire', 'ipsec.expire']);
    expect(b.counters().drops['no-sa']).toBe(0);
  });
});
