#!/usr/bin/env node
/** The package's bin `ikev2`: see main.ts and cli.ts. */
import { holdYoungGeneration } from './young-generation.js';

// Before main.js and its imports load: they then do not grow V8's young generation (young-generation.ts).
holdYoungGeneration();
const { main } = await import('./main.js');

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`ikev2: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
