import { defineConfig } from 'vitest/config';

// The unit tests of the pure core, for Stryker (stryker.config.mjs): tests that run the CLI bundle exercise
// dist/, not the mutated source, and would only slow every mutant down.
export default defineConfig({
  test: {
    include: ['test/plan/**/*.test.ts', 'test/report/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
