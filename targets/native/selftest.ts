/**
 * `npm start` until the daemon exists: the crypto self-test table for both providers.
 * Exits non-zero if any transform fails or the providers disagree.
 */

import { nobleProvider } from '../../ipsec/crypto/noble/index.js';
import { secureRandom } from '../../ipsec/crypto/random.js';
import { selfTest } from '../../ipsec/crypto/selftest.js';
import { nodeProvider } from './crypto/node-provider.js';

const providers = [nobleProvider, nodeProvider];
const rows = selfTest(providers, secureRandom);

const header = ['kind', 'transform', 'id', ...providers.map((p) => p.name), 'agree'];
const table = rows.map((r) => [
  r.kind,
  r.transform,
  String(r.id),
  ...providers.map((p) => r.results[p.name] ?? '-'),
  r.agree ? 'yes' : 'NO',
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => (row[i] ?? '').length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
console.log('IKEv2/ESP crypto self-test (noble = portable @noble/*, node = node:crypto)\n');
console.log(line(header));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const row of table) console.log(line(row));
const failed = rows.filter((r) => !r.agree || Object.values(r.results).some((v) => v !== 'ok'));
console.log(`\n${rows.length - failed.length} passed, ${failed.length} failed`);
process.exitCode = failed.length === 0 ? 0 : 1;
