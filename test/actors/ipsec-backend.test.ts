import { describe, expect, it } from 'vitest';
import { createEspHost } from '../../actors/esp-host.js';
import { spiToBytes, spiToNumber } from '../../actors/ipsec-backend.js';
import { EncrId } from '../../ipsec/crypto/ids.js';
import { nobleProvider } from '../../ipsec/crypto/noble/index.js';
import { seededRandom } from '../../ipsec/crypto/random.js';
import { mustEncr } from '../../ipsec/crypto/transforms.js';
import { mustSelector } from '../../ipsec/policy/selector.js';
import { toHex } from '../../ipsec/util/bytes.js';
import { VirtualClock } from '../../ipsec/util/clock.js';
import { MemoryNetwork } from '../../transport/memory.js';

const GCM = mustEncr(EncrId.AES_GCM_16, 128);

function host() {
  const clock = new VirtualClock();
  const net = new MemoryNetwork({ clock });
  return createEspHost({
    clock,
    provider: nobleProvider,
    random: seededRandom('backend'),
    transport: net.bind({ address: '192.0.2.1', port: 4500 }),
  });
}

describe('ActorIpsecBackend', () => {
  it('converts SPIs between 4 bytes and numbers', () => {
    expect(toHex(spiToBytes(0xc0ffee01))).toBe('c0ffee01');
    expect(spiToNumber(Uint8Array.of(0xc0, 0xff, 0xee, 0x01))).toBe(0xc0ffee01);
    expect(spiToNumber(Uint8Array.of(1, 2, 3))).toBeUndefined();
  });

  it('installs through the actors and answers queries, policies and errors', () => {
    const { backend } = host();
    const spi = backend.allocSpi();
    if (!spi.ok) throw new Error('alloc');
    expect(spi.value).toHaveLength(4);
    const ts = { localTs: [mustSelector('10.1.0.0/24')], remoteTs: [mustSelector('10.2.0.0/24')] };
    const params = {
      ...ts,
      spi: spi.value,
      direction: 'in' as const,
      reqid: 2,
      mode: 'tunnel' as const,
      encr: { transform: GCM, key: new Uint8Array(GCM.keyLength) },
      src: { address: '192.0.2.2', port: 4500 },
      dst: { address: '192.0.2.1', port: 4500 },
      encap: true,
      label: 'net',
    };
    expect(backend.addSa(params)).toEqual({ ok: true, value: undefined });
    expect(backend.querySa({ spi: spi.value, direction: 'in' })).toMatchObject({
      reqid: 2,
      label: 'net',
      encap: true,
    });
    const dup = backend.addSa(params);
    expect(!dup.ok && dup.error.code).toBe('duplicate-spi');
    const policy = backend.addPolicy({
      ...ts,
      direction: 'out',
      action: 'PROTECT',
      reqid: 2,
      offer: { child: 'net' },
    });
    expect(policy.ok && policy.value.id).toBe(1);
    expect(backend.listPolicies().map((p) => p.offer?.child)).toEqual(['net']);
    expect(backend.deletePolicy({ id: 1 }).ok).toBe(true);
    expect(backend.deletePolicy({ id: 1 }).ok).toBe(false);
    expect(backend.updateSa({ spi: spi.value, direction: 'in', encap: false }).ok).toBe(true);
    expect(backend.deleteSa({ spi: spi.value, direction: 'in' }).ok).toBe(true);
    expect(backend.listSas()).toEqual([]);
    expect(backend.counters().outProtected).toBe(0);
  });
});
