import { afterEach } from 'vitest';
import { runAfterTest } from './after-test';

/**
 * Runs before every test file (vitest.config.ts, setupFiles), also when files share their
 * modules: after each test, what the helpers started is stopped (newest first), then the apps
 * are closed and their folders removed.
 *
 * test/helpers.ts is imported when the first test ends, not here: it loads the core, and a file
 * that replaces one of the core's modules with vi.mock must be the first to load it.
 */
afterEach(async () => {
  await runAfterTest();
  const { cleanUpTestApps } = await import('./helpers');
  await cleanUpTestApps();
});
