import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, chromiumPath } from './test/e2e/chromium';

/**
 * End to end: the real renderer in the system Chromium against `depotdesk serve` on temp data
 * directories. The global setup starts one serve for the first-run project, which must find a depot
 * with no admin. The `app` project's specs run on two workers, each with a depot of its own started
 * by the worker (fixtures.ts, `depotPerWorker`); a worker's specs run one after another on its
 * depot, and signIn creates the admin through the contract on a depot that has none. The
 * force-close and payment-channels stories start a depot of their own each and spend most of their
 * two minutes waiting on the real clock (a charger going silent, an order's timeout: both at the
 * least the config allows, one minute), so they get a third worker of their own and start at once:
 * they wait rather than compute, and the two cores are shared by the other two.
 */
const OWN_DEPOT_WAITING = /(force-close|payment-channels)\.spec\.ts$/;
// Several people (or agents) may run the suite in one checkout at once; Playwright empties its
// output folder when a run starts, so each run gets its own (the runner sets this once and its
// workers inherit it). The global teardown removes the folder again when nothing failed.
process.env.DEPOTDESK_E2E_RUN ??= `${Date.now().toString(36)}-${process.pid}`;

export default defineConfig<object, { depotPerWorker: boolean }>({
  testDir: 'test/e2e',
  globalSetup: './test/e2e/global-setup.ts',
  workers: 3,
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
    // The renderer follows prefers-reduced-motion and switches antd's animations off: no click
    // lands on a dialog still zooming in (seen twice in fresh-clone runs).
    reducedMotion: 'reduce',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    // First in the list so that their waiting starts with the run, not after the app specs.
    { name: 'own-depot', testMatch: OWN_DEPOT_WAITING, workers: 1 },
    { name: 'first-run', testMatch: /first-run\.spec\.ts$/, workers: 1 },
    { name: 'app', testIgnore: [/first-run\.spec\.ts$/, OWN_DEPOT_WAITING], use: { depotPerWorker: true }, workers: 2 },
    // The desktop window (Playwright's _electron); skips with a printed reason where no Electron binary exists.
    { name: 'electron', testDir: 'test/electron', timeout: 120_000 },
  ],
});
