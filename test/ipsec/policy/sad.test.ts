import { describe, expect, it } from 'vitest';
import { EncrId, IntegId } from '../../../ipsec/crypto/ids.js';
import { nobleProvider } from '../../../ipsec/crypto/noble/index.js';
import { mustEncr, mustInteg } from '../../../ipsec/crypto/transforms.js';
import { createEspSaFromKeys } from '../../../ipsec/esp/sa.js';
import { LifetimeTracker } from '../../../ipsec/policy/lifetime.js';
import { type SaDirection, Sad, type SadEntry } from '../../../ipsec/policy/sad.js';
import { mustSelector } from '../../../ipsec/policy/selector.js';
import { echoRequest, flowOf, ip } from './fixtures.js';

const NULL = mustEncr(EncrId.NULL);
const SHA256 = mustInteg(IntegId.HMAC_SHA2_256_128);

function entry(spi: number, direction: SaDirection, reqid: number, remote = '10.2.0.0/24'): SadEntry {
  const esp = createEspSaFromKeys(
    {
      provider: nobleProvider,
      encr: NULL,
      encrKey: new Uint8Array(0),
      integ: SHA256,
      integKey: new Uint8Array(32),
    },
    { spi, direction: direction === 'in' ? 'inbound' : 'outbound', mode: 'tunnel' },
  );
  if (!esp.ok) throw new Error(esp.error.message);
  return {
    spi,
    direction,
    reqid,
    mode: 'tunnel',
    esp: esp.value,
    src: { address: '192.0.2.1', port: 4500 },
    dst: { address: '192.0.2.2', port: 4500 },
    srcAddress: ip('192.0.2.1'),
    dstAddress: ip('192.0.2.2'),
    encap: true,
    localTs: [mustSelector('10.1.0.0/24')],
    remoteTs: [mustSelector(remote)],
    lifetime: new LifetimeTracker({}, 0),
    lastUsedAt: undefined,
    secrets: [],
  };
}

describe('Sad', () => {
  it('finds inbound SAs by SPI and keeps directions apart', () => {
    const sad = new Sad();
    expect(sad.add(entry(300, 'in', 1)).ok).toBe(true);
    expect(sad.add(entry(300, 'out', 1)).ok).toBe(true);
    const dup = sad.add(entry(300, 'in', 2));
    expect(!dup.ok && dup.error.code).toBe('duplicate-spi');
    expect(sad.inbound(300)?.direction).toBe('in');
    expect(sad.get('out', 300)?.direction).toBe('out');
    expect(sad.inbound(301)).toBeUndefined();
    expect(sad.size).toBe(2);
  });

  it('picks the newest live outbound SA of a reqid that covers the packet', () => {
    const sad = new Sad();
    const old = entry(400, 'out', 7);
    const narrow = entry(401, 'out', 7, '10.2.0.0/25');
    sad.add(old);
    sad.add(narrow);
    expect(sad.outbound(7, flowOf(echoRequest('10.1.0.1', '10.2.0.1')))?.spi).toBe(401);
    expect(sad.outbound(7, flowOf(echoRequest('10.1.0.1', '10.2.0.200')))?.spi).toBe(400);
    expect(sad.outbound(7, flowOf(echoRequest('10.1.0.1', '10.3.0.1')))).toBeUndefined();
    narrow.esp.dead = true;
    expect(sad.outbound(7)?.spi).toBe(400);
    expect(sad.remove('out', 400)).toBe(old);
    expect(sad.outbound(7)).toBeUndefined();
    expect(sad.outbound(8)).toBeUndefined();
  });
});
