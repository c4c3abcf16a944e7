/**
 * The checker's own test: each `*.mutant.ts` breaks one safety rule of the product (with vi.mock,
 * in the test process only) and expects the property suite to catch it with the right invariant.
 * Not part of `npm test`; run after changing the invariants or the harness:
 *
 *   npx vitest run --config test/properties/mutants/vitest.config.ts
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('../../../', import.meta.url)),
  test: {
    include: ['test/properties/mutants/*.mutant.ts'],
    testTimeout: 600_000,
    hookTimeout: 20_000,
    pool: 'forks',
  },
});
