import { defineConfig } from 'vitest/config';

/**
 * Interop tests against a real strongSwan (charon 5.9.8) in network namespaces
 * (../shared/interop). Not part of `npm test`: run `npm run test:interop` (root; it installs
 * the lab's packages, runs these, and tears the lab down). One file at a time: they share the
 * namespaces, port 500 and the charon instance names.
 */
export default defineConfig({
  test: {
    include: ['test/interop/**/*.test.ts'],
    globalSetup: ['test/interop/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
  },
});
