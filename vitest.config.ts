import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/**/*.int.test.ts', 'node_modules/**'],
    // The CLI tests run dist/cli.js: bundle it again first when src/ is newer.
    globalSetup: ['test/bundle-setup.ts'],
    // Several tests run the bundled CLI as a child process; a busy 2-core CI machine needs the room.
    testTimeout: 60_000,
  },
});
