import { defineConfig } from 'vitest/config';

/**
 * Files that replace a module of the core with vi.mock: they get a module graph of their own.
 * Every other file shares its worker's loaded modules (isolate: false): loading the core again in a
 * fresh fork for each of ~150 files cost ~200 s of the two cores' time. What a test opened is
 * closed by test/setup.ts after each test, whichever file it is in.
 */
const MOCKS_A_MODULE = ['test/sessions/sweeper.test.ts'];

export default defineConfig({
  test: {
    // Tests spawn the CLI from its bundle (bin/depotdesk.js); build it once, up front, if stale.
    globalSetup: ['test/cli-bundle-setup.ts'],
    setupFiles: ['test/setup.ts'],
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
    projects: [
      {
        extends: true,
        test: { name: 'core', include: ['test/**/*.test.ts'], exclude: ['test/e2e/**', 'node_modules/**', ...MOCKS_A_MODULE], isolate: false },
      },
      { extends: true, test: { name: 'mocks', include: MOCKS_A_MODULE, isolate: true } },
    ],
  },
});
