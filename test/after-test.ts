/**
 * What a shared test helper started and must stop when the test ends (a depot's services, a
 * simulated charger, a broker, a child process): test/setup.ts runs them after every test, the
 * newest first, before test/helpers.ts closes the apps and removes the folders they live in.
 *
 * One registry for every helper, run by the setup file rather than by an `afterEach` in each
 * helper's module: test files share their modules within a worker (vitest.config.ts,
 * isolate: false), and an `afterEach` at a module's top level is registered only for the first
 * file that loads it.
 */
const pending: (() => unknown)[] = [];

export function afterTest(stop: () => unknown): void {
  pending.push(stop);
}

export async function runAfterTest(): Promise<void> {
  while (pending.length > 0) await pending.pop()!();
}
