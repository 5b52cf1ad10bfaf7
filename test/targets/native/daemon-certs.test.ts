/**
 * Two daemons authenticating with certificates from their swanctl directories (the fixtures of
 * credentials/, made with strongSwan's pki): the gateway signs with gw.pem (ECDSA, issued by the
 * intermediate CA, its key an encrypted PKCS#8 file opened with the passphrase in secrets), the
 * client with client.der (RSA, issued by the root). Both trust the root (`cacerts`). The fixture CRL
 * revokes client.der: with it in the gateway's x509crl/ the client is refused.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Daemon } from '../../../targets/native/daemon.js';
import { createLogger } from '../../../targets/native/logger.js';
import { main } from '../../../targets/native/main.js';

const FIXTURES = 'test/targets/native/credentials/fixtures/swanctl';
const child = (local: string, remote: string) => `children {
      net {
        local_ts = ${local}
        remote_ts = ${remote}
      }
    }`;
const gatewayConf = `daemon {
  port = 0
  port_nat_t = 0
}
connections {
  rw {
    local_addrs = 127.0.0.1
    local {
      certs = gw.pem
      id = gw.example.org
    }
    remote {
      cacerts = root.pem
    }
    ${child('10.99.1.0/24', '10.99.2.0/24')}
  }
}
secrets {
  private-gw {
    file = gw.pem
    secret = gw-secret-passphrase
  }
}
`;
const clientConf = (port: number, natT: number) => `daemon {
  port = ${port}
  port_nat_t = ${natT}
  retransmit_timeout = 0.3
  retransmit_tries = 1
}
connections {
  gw {
    local_addrs = 127.0.0.2
    remote_addrs = 127.0.0.1
    remote_port = ${port}
    local {
      auth = rsa
      certs = client.der
      id = client.example.org
    }
    remote {
      auth = ecdsa
      id = gw.example.org
      cacerts = root.pem
    }
    ${child('10.99.2.0/24', '10.99.1.0/24')}
  }
}
`;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Gateway and client daemons, each in a copy of the fixture directory; `crl`: keep the gateway's CRL. */
async function daemons(crl: boolean) {
  const logger = createLogger({ level: 'silent' });
  const dirs = [0, 1].map(() => mkdtempSync(join(tmpdir(), 'ikev2-certs-')));
  cleanups.push(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  for (const d of dirs) cpSync(FIXTURES, d, { recursive: true });
  const [g, c] = dirs as [string, string];
  if (!crl) rmSync(join(g, 'x509crl'), { recursive: true });
  rmSync(join(c, 'x509crl'), { recursive: true });
  writeFileSync(join(g, 'swanctl.conf'), gatewayConf);
  const gateway = await Daemon.start({
    configPath: join(g, 'swanctl.conf'),
    controlPath: join(g, 's'),
    logger,
  });
  cleanups.push(() => gateway.stop());
  const { port, natT } = gateway.host.ports;
  writeFileSync(join(c, 'swanctl.conf'), clientConf(port, natT));
  const client = await Daemon.start({
    configPath: join(c, 'swanctl.conf'),
    controlPath: join(c, 's'),
    logger,
  });
  cleanups.push(() => client.stop());
  const initiate = async () => {
    const out: string[] = [];
    const io = {
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => out.push(s) },
    };
    const code = await main(['initiate', '--child', 'net', '--timeout', '5', '--control', join(c, 's')], io);
    return { code, out: out.join('') };
  };
  return { gateway, client, initiate };
}

describe('daemons with certificates', () => {
  it('establish the IKE SA and the CHILD_SA with each other’s certificates', async () => {
    const { gateway, initiate } = await daemons(false);
    const r = await initiate();
    expect(r.out).toMatch(/CHILD_SA net\{1\} established/);
    expect(r.code).toBe(0);
    expect(gateway.host.supervisor.ikeSas.map((h) => h.state)).toEqual(['ESTABLISHED']);
  });

  it('the gateway refuses the client whose certificate its CRL revokes', async () => {
    const { initiate } = await daemons(true);
    const r = await initiate();
    expect(r.code).toBe(1);
    expect(r.out).toContain('notify 24'); // AUTHENTICATION_FAILED
  });
});
