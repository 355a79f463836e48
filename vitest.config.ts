import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    // Integration tests open real SQLite files and a real broker; 2 cores on CI.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
