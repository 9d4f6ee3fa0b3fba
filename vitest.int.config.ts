import { defineConfig } from 'vitest/config';

// Integration tests: a real control plane (test/cluster/cluster.sh), one per run, shared by every file.
// Files run one after another: the cluster and the 2-core CI machine are shared resources.
export default defineConfig({
  test: {
    include: ['test/**/*.int.test.ts'],
    // The crash tests run dist/cli.js: bundle it again first when src/ is newer.
    globalSetup: ['test/bundle-setup.ts', 'test/cluster/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
  },
});
