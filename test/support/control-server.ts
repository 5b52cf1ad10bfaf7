/**
 * Control servers on temporary sockets for the control socket tests: a fresh socket path in a
 * directory of its own, a server on it logging warnings to a list; both removed after each test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { type ControlHandler, type ControlServer, startControlServer } from '../../targets/native/control.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

export function socketPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ikev2-ctl-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'ikev2.sock');
}

export async function serve(path: string, handlers: Record<string, ControlHandler>, warnings: string[] = []) {
  const server: ControlServer = await startControlServer(path, handlers, {
    debug: () => {},
    warn: (_o, m) => warnings.push(m),
  });
  cleanups.push(() => server.close());
  return server;
}
