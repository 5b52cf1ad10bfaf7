/** `npm start`: the demo negotiates, pings, rekeys and deletes over real loopback UDP and says so. */
import { expect, it } from 'vitest';
import { runDemo } from '../../../targets/native/demo.js';
import { createLogger } from '../../../targets/native/logger.js';

it('runs every step and reports success', async () => {
  const out: string[] = [];
  const ok = await runDemo({
    out: { write: (s: string) => out.push(s) },
    logger: createLogger({ level: 'silent' }),
  });
  const text = out.join('');
  expect(text).toContain('client  -> gateway  IKE_SA_INIT request');
  expect(text).toContain('gateway -> client   IKE_AUTH response');
  expect(text).toContain('AES_CTR-128/AES_XCBC_96/PRF_AES128_XCBC/ECP_192');
  expect(text).toMatch(/3 sent, 3 received/);
  expect(text).toMatch(/CHILD_SA net rekeyed: client inbound SPI [0-9a-f]{8} -> [0-9a-f]{8}/);
  expect(text).toContain('gateway: IKE SA and CHILD_SA removed');
  expect(text.trimEnd().split('\n').at(-1)).toBe('all steps worked');
  expect(ok).toBe(true);
});
