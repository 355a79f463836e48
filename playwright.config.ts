import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, chromiumPath } from './test/e2e/chromium';

/**
 * End to end: the real renderer in the system Chromium against `depotdesk serve` on a temp data
 * directory (started by the global setup). The specs of the shared depot run one at a time (the
 * `app` project has one worker): they share that one depot, and the first-run project must create
 * its admin before the others sign in. The force-close story starts a depot of its own and spends
 * most of its 1.5 minutes waiting on the real clock for a charger to go silent, and the
 * payment-channels story waits on its gateways' timeouts, so they run beside them on the second
 * worker. Only waiting specs go there: two specs that render at once on two cores each took about
 * twice as long, and the run was longer than one at a time (docs/performance.md).
 */
// hq.spec.ts brings its own PostgreSQL, Mosquitto and `depotdesk hq serve`, and shares nothing with the depot.
const OWN_DEPOT_WAITING = /(force-close|payment-channels|hq)\.spec\.ts$/;
// Several people (or agents) may run the suite in one checkout at once; Playwright empties its
// output folder when a run starts, so each run gets its own (the runner sets this once and its
// workers inherit it). The global teardown removes the folder again when nothing failed.
process.env.DEPOTDESK_E2E_RUN ??= `${Date.now().toString(36)}-${process.pid}`;

export default defineConfig({
  testDir: 'test/e2e',
  globalSetup: './test/e2e/global-setup.ts',
  workers: 2,
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
    { name: 'first-run', testMatch: /first-run\.spec\.ts$/ },
    { name: 'app', testIgnore: [/first-run\.spec\.ts$/, OWN_DEPOT_WAITING], dependencies: ['first-run'], workers: 1 },
    // Its specs need nothing of first-run; the dependency is there for the schedule. Playwright runs
    // projects in phases, a phase starting when every project of the one before has ended: as a
    // project of the first phase, own-depot's three minutes of waiting held the app project back
    // (it started at 185 s of a 14-minute run); in the second phase the two run side by side.
    { name: 'own-depot', testMatch: OWN_DEPOT_WAITING, dependencies: ['first-run'], workers: 1 },
    // The desktop window (Playwright's _electron); skips with a printed reason where no Electron binary exists.
    { name: 'electron', testDir: 'test/electron', timeout: 120_000 },
  ],
});
