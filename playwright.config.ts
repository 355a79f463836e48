import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, chromiumPath } from './test/e2e/chromium';

/**
 * End to end: the real renderer in the system Chromium against `depotdesk serve` on a temp data
 * directory (started by the global setup). One worker: every spec shares that one depot, and the
 * first-run project must create its admin before the others sign in.
 */
// Several people (or agents) may run the suite in one checkout at once; Playwright empties its
// output folder when a run starts, so each run gets its own (the runner sets this once and its
// workers inherit it). The global teardown removes the folder again when nothing failed.
process.env.DEPOTDESK_E2E_RUN ??= `${Date.now().toString(36)}-${process.pid}`;

export default defineConfig({
  testDir: 'test/e2e',
  globalSetup: './test/e2e/global-setup.ts',
  workers: 1,
  fullyParallel: false,
  // Upper bounds, not performance claims: several helpers and a build can share two cores, and a
  // sign-in costs a deliberate scrypt; a slow machine must not turn into a red test.
  timeout: 90_000,
  expect: { timeout: 20_000 },
  reporter: [['list']],
  outputDir: `test-results/e2e-${process.env.DEPOTDESK_E2E_RUN}`,
  use: {
    browserName: 'chromium',
    launchOptions: { executablePath: chromiumPath(), args: CHROMIUM_ARGS },
    viewport: { width: 1366, height: 800 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    { name: 'first-run', testMatch: /first-run\.spec\.ts$/ },
    { name: 'app', testIgnore: /first-run\.spec\.ts$/, dependencies: ['first-run'] },
    // The desktop window (Playwright's _electron); skips with a printed reason where no Electron binary exists.
    { name: 'electron', testDir: 'test/electron', timeout: 120_000 },
  ],
});
