import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { listAlerts } from '../../src-main/alerts';
import { defineWorker, jobStats, startScheduler } from '../../src-main/jobs';
import { loadConfig } from '../../src-main/kernel/config';
import { addOperator, call, makeApp, tempDir } from '../helpers';

/** Alert thresholds are configuration (docs/alerts.md): jobs.failingAlertStreak, operators.freeLoginFailures. */

const openCodes = (app: Parameters<typeof listAlerts>[0]) => listAlerts(app, { open: true, limit: 50, offset: 0 }).items.map((a) => a.code);

describe('jobs.failingAlertStreak', () => {
  it('set to 2: the second failure in a row of one job kind raises job_failing, not the first', async () => {
    const { app } = makeApp({ overrides: { jobs: { failingAlertStreak: 2 } } });
    const flaky = defineWorker({
      kind: 'test.flaky',
      args: z.object({ n: z.number() }),
      maxAttempts: 1,
      perform() {
        throw new Error('upstream said 503');
      },
    });
    const scheduler = startScheduler(app, { workers: [flaky], poll: false });
    try {
      flaky.enqueue(app, { n: 1 });
      await scheduler.drain();
      expect(openCodes(app)).not.toContain('job_failing');
      flaky.enqueue(app, { n: 2 });
      await scheduler.drain();
      const [alert] = listAlerts(app, { open: true, limit: 50, offset: 0 }).items.filter((a) => a.code === 'job_failing');
      expect(alert).toMatchObject({ subject: 'job_failing:test.flaky', level: 'urgent', message: expect.stringContaining('failed 2 times in a row') });
      // The Jobs page paints a kind red from the same threshold, which jobs.stats carries.
      expect(jobStats(app)).toMatchObject({ failingAlertStreak: 2, kinds: expect.arrayContaining([expect.objectContaining({ kind: 'test.flaky', failureStreak: 2 })]) });
    } finally {
      await scheduler.stop();
    }
  });

  it('defaults to 3', () => {
    const { app } = makeApp();
    expect(app.config.jobs.failingAlertStreak).toBe(3);
    expect(app.config.operators.freeLoginFailures).toBe(5);
  });
});

describe('operators.freeLoginFailures', () => {
  it('set to 2: the second wrong password in a row throttles sign-in (30 s, driven by the clock) and raises auth.throttled', async () => {
    const { app, clock } = makeApp({ overrides: { operators: { freeLoginFailures: 2 } } });
    await addOperator(app, 'operator', 'li_na');
    const login = (password: string) => call(app, null, 'auth.login', { name: 'li_na', password });
    expect(await login('guess-1')).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
    expect(openCodes(app)).not.toContain('auth.throttled');
    expect(await login('correct-horse')).toMatchObject({ ok: true }); // one failure is free, and a success resets it

    expect(await login('guess-2')).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
    expect(await login('guess-3')).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
    expect(openCodes(app)).toContain('auth.throttled');
    expect(await login('correct-horse')).toMatchObject({ ok: false, error: { code: 'rate_limited', message: expect.stringContaining('30 s') } });
    clock.advance(30_000);
    expect(await login('correct-horse')).toMatchObject({ ok: true });
  });
});

describe('a wrong threshold in the configuration', () => {
  const file = () => path.join(tempDir(), 'config.json');

  it.each([
    [{ jobs: { failingAlertStreak: 0 } }, 'jobs.failingAlertStreak'],
    [{ jobs: { failingAlertStreak: 2.5 } }, 'jobs.failingAlertStreak'],
    [{ jobs: { failingAlertStreak: 'three' } }, 'jobs.failingAlertStreak'],
    [{ operators: { freeLoginFailures: -1 } }, 'operators.freeLoginFailures'],
    [{ operators: { freeLoginFailures: 1.5 } }, 'operators.freeLoginFailures'],
  ])('%j is refused, naming the key', (overrides, key) => {
    expect(() => loadConfig(file(), overrides)).toThrowError(new RegExp(`configuration is invalid: ${key.replace('.', '\\.')}: must be a whole number, at least 1`));
  });

  it('an unknown key in the new section is refused too', () => {
    expect(() => loadConfig(file(), { operators: { freeLoginFailure: 3 } })).toThrowError(/freeLoginFailure/);
  });
});
