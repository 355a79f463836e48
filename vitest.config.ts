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
    // Upper bounds for a stalled test, not performance claims: CI shares the 2 cores with other
    // work, and a test that spawns worker threads or a CLI took over 30 s at load 10. A test that
    // runs out says so ("Test timed out in … ms").
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
