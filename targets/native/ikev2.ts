#!/usr/bin/env node
/** The package's bin `ikev2`: see main.ts and cli.ts. */
import { main } from './main.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`ikev2: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
