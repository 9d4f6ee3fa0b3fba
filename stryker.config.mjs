// Mutation testing of the pure core (src/plan, src/report): `npm run mutate`. See test/MUTATION.md for the
// figures and the survivors that are equivalent; the README says when to run it.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
const config = {
  mutate: ['src/plan/**/*.ts', 'src/report/**/*.ts'],
  testRunner: 'vitest',
  // Only the unit tests that import the core: no CLI bundle, no control plane, no corpus outside the repo.
  vitest: { configFile: 'vitest.mutate.config.ts', related: true },
  coverageAnalysis: 'perTest',
  // Type-invalid mutants are dropped, not counted.
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.mutate.json',
  // The machine has 2 cores and is shared with the control-plane integration tests.
  concurrency: 1,
  // A re-run tests only the mutants whose code or tests changed since the last run.
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  reporters: ['html', 'json', 'clear-text', 'progress'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true, reportMutants: false },
  // examples/ stays: the demo's comment is a unit test.
  ignorePatterns: ['dist', 'bench', '.cluster', 'coverage', 'test/integration', 'test/action'],
  tempDirName: '.stryker-tmp',
  thresholds: { high: 90, low: 85, break: null },
};

export default config;
