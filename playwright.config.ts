import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, chromiumPath } from './test/e2e/chromium';

/**
 * End to end: the real renderer in the system Chromium against `depotdesk serve` on a temp data
 * directory (started by the global setup). One worker: every spec shares that one depot, and the
 * first-run project must create its admin before the others sign in.
 */
export default defineConfig({
  testDir: 'test/e2e',
  globalSetup: './test/e2e/global-setup.ts',
  workers: 1,
  fullyParallel: false,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  outputDir: 'test-results/e2e',
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
