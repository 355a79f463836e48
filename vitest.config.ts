import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    // Tests spawn the CLI from its bundle (bin/depotdesk.js); build it once, up front, if stale.
    globalSetup: ['test/cli-bundle-setup.ts'],
    // Integration tests open real SQLite files and a real broker; 2 cores on CI.
    pool: 'forks',
    // Vitest's default (cores - 1) is a single worker on our 2-core machines; most integration
    // tests wait on fsync, a broker or a child process rather than the CPU, so two run well.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
