import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineWorker, startScheduler } from '../../src-main/jobs';
import { getJob, RESCUE_MESSAGE } from '../../src-main/jobs/queue';
import { makeApp } from '../helpers';
import { createSideEffects, runFixture, sideEffects } from './support';

describe('a crash in the middle of a job', () => {
  it('the job is rescued at the next start and completed exactly once', async () => {
    const { app, clock, dir } = makeApp();
    createSideEffects(app);
    const worker = defineWorker({
      kind: 'test.sideEffect',
      args: z.object({ label: z.string() }),
      perform(a, job) {
        a.sqlite.prepare('INSERT INTO side_effects (job_id, attempt, label) VALUES (?, ?, ?)').run(job.id, job.attempt, job.args.label);
      },
    });
    const job = worker.enqueue(app, { label: 'release hold H-17' });

    // Another process owns the scheduler, claims the job, and dies with SIGKILL mid-perform.
    const doomed = runFixture('crash-during-job', [dir, String(clock.now())]);
    const line = await doomed.line(/^executing /, 60_000);
    expect(line).toBe(`executing ${job.id} attempt 1`);
    expect(getJob(app, job.id)).toMatchObject({ state: 'executing', attempt: 1 });
    doomed.child.kill('SIGKILL');
    expect((await doomed.exited()).signal).toBe('SIGKILL');
    expect(sideEffects(app)).toEqual([]);

    // The next start finds it still executing: rescued, the lost attempt counted, then run once.
    clock.advance(60_000);
    const scheduler = startScheduler(app, { workers: [worker], poll: false });
    expect(scheduler.rescued.map((j) => j.id)).toEqual([job.id]);
    const drained = await scheduler.drain();
    expect(drained.runs).toEqual([{ id: job.id, kind: 'test.sideEffect', attempt: 2, outcome: 'completed' }]);
    const after = getJob(app, job.id)!;
    expect(after).toMatchObject({ state: 'completed', attempt: 2 });
    expect(after.errors).toEqual([{ attempt: 1, at: clock.now(), error: RESCUE_MESSAGE, stack: null }]);
    expect(sideEffects(app, job.id)).toEqual([{ job_id: job.id, attempt: 2, label: 'release hold H-17' }]);

    // Nothing runs it again: not another drain, not another restart.
    expect((await scheduler.drain()).runs).toEqual([]);
    await scheduler.stop();
    const restarted = startScheduler(app, { workers: [worker], poll: false });
    expect(restarted.rescued).toEqual([]);
    expect((await restarted.drain()).runs).toEqual([]);
    await restarted.stop();
    expect(sideEffects(app)).toHaveLength(1);
  }, 120_000); // a child process starting tsx on a possibly busy machine

  it('a job that had used its last attempt when the process died is discarded at the rescue, not run again', async () => {
    const { app, clock, dir } = makeApp();
    createSideEffects(app);
    const job = defineWorker({ kind: 'test.sideEffect', args: z.object({ label: z.string() }), maxAttempts: 1, perform() {} }).enqueue(app, {
      label: 'one shot',
    });
    const doomed = runFixture('crash-during-job', [dir, String(clock.now())]);
    await doomed.line(/^executing /, 60_000);
    doomed.child.kill('SIGKILL');
    await doomed.exited();
    const scheduler = startScheduler(app, { workers: [], poll: false });
    expect(scheduler.rescued).toMatchObject([{ id: job.id, state: 'discarded' }]);
    expect(getJob(app, job.id)).toMatchObject({ state: 'discarded', attempt: 1, errors: [{ error: RESCUE_MESSAGE }] });
    await scheduler.stop();
  }, 120_000);
});
