#!/usr/bin/env node
/** The package's bin `ikev2`: see main.ts and cli.ts. */
import { holdStartFlags } from './start-flags.js';

// Before main.js and its imports load: V8 loads them lean (start-flags.ts).
holdStartFlags();
const { main } = await import('./main.js');

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`ikev2: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
