import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isDepotError } from '../../src-main/kernel/errors';
import { writeTx } from '../../src-main/kernel/db/connection';
import { listAlerts } from '../../src-main/alerts';
import { cancelJob, claimJobs, completeJob, enqueue, failJob, getJob, pruneJobs, retryJob } from '../../src-main/jobs/queue';
import { defineWorker, exponentialBackoff, pruneWorker, startScheduler, type Worker } from '../../src-main/jobs';
import { listJobs } from '../../src-main/jobs/query';
import { makeApp } from '../helpers';
import { createSideEffects, runFixture, sideEffects } from './support';

const noJitter = () => 0.5;

function recordingWorker(opts: Partial<Pick<Worker, 'maxAttempts' | 'queue' | 'timeoutMs'>> = {}) {
  return defineWorker({
    kind: 'test.sideEffect',
    args: z.object({ label: z.string() }),
    ...opts,
    perform(app, job) {
      app.sqlite.prepare('INSERT INTO side_effects (job_id, attempt, label) VALUES (?, ?, ?)').run(job.id, job.attempt, job.args.label);
    },
  });
}

function thrown(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    if (isDepotError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected a DepotError, nothing was thrown');
}

describe('enqueueing', () => {
  it('a job enqueued with a business change commits with it, and a rollback leaves neither', () => {
    const { app } = makeApp();
    app.sqlite.exec('CREATE TABLE orders_demo (id TEXT PRIMARY KEY)');
    const worker = recordingWorker();

    const committed = writeTx(app.sqlite, () => {
      app.sqlite.prepare("INSERT INTO orders_demo (id) VALUES ('o1')").run();
      return worker.enqueue(app, { label: 'o1' });
    });
    expect(getJob(app, committed.id)?.state).toBe('available');

    let rolledBackId = '';
    expect(() =>
      writeTx(app.sqlite, () => {
        app.sqlite.prepare("INSERT INTO orders_demo (id) VALUES ('o2')").run();
        rolledBackId = worker.enqueue(app, { label: 'o2' }).id;
        throw new Error('the payment channel refused the order');
      }),
    ).toThrow(/refused the order/);
    expect(rolledBackId).not.toBe('');
    expect(getJob(app, rolledBackId)).toBeNull();
    expect(app.sqlite.prepare("SELECT count(*) AS n FROM orders_demo WHERE id = 'o2'").get()).toEqual({ n: 0 });

    // A caller that opened its transaction by hand: enqueue joins it instead of opening another.
    app.sqlite.exec('BEGIN IMMEDIATE');
    const inManual = worker.enqueue(app, { label: 'o3' });
    app.sqlite.exec('ROLLBACK');
    expect(getJob(app, inManual.id)).toBeNull();
    expect(listJobs(app, { limit: 10, offset: 0 }).total).toBe(1);
  });

  it('a job for later waits as scheduled; arguments a worker would refuse are refused at enqueue', () => {
    const { app, clock } = makeApp();
    const worker = recordingWorker();
    const later = worker.enqueue(app, { label: 'later' }, { scheduledAt: clock.now() + 60_000 });
    expect(later.state).toBe('scheduled');
    const bad = thrown(() => worker.enqueue(app, { label: 42 } as never));
    expect(bad.code).toBe('invalid_input');
    expect(bad.message).toMatch(/label/);
    expect(thrown(() => enqueue(app, { kind: 'x', priority: 12 })).message).toMatch(/priority/);
  });

  it('the same unique key twice returns the live job flagged as a conflict; once it completes the key is free again', async () => {
    const { app } = makeApp();
    createSideEffects(app);
    const worker = recordingWorker();
    const first = worker.enqueue(app, { label: 'a' }, { uniqueKey: 'expire-hold:H1' });
    const again = worker.enqueue(app, { label: 'b' }, { uniqueKey: 'expire-hold:H1' });
    expect(first.conflict).toBe(false);
    expect(again).toMatchObject({ id: first.id, conflict: true, args: { label: 'a' } });
    expect(listJobs(app, { limit: 10, offset: 0 }).total).toBe(1);

    const scheduler = startScheduler(app, { workers: [worker], poll: false });
    expect((await scheduler.drain()).completed).toBe(1);
    const next = worker.enqueue(app, { label: 'c' }, { uniqueKey: 'expire-hold:H1' });
    expect(next.conflict).toBe(false);
    expect(next.id).not.toBe(first.id);
    await scheduler.stop();
  });
});

describe('claiming', () => {
  it('two runners in two processes on the same file, polling at the same time, run each job exactly once', async () => {
    const { app, clock, dir } = makeApp();
    createSideEffects(app);
    const one = runFixture('run-loop', [dir, String(clock.now()), 'one']);
    const two = runFixture('run-loop', [dir, String(clock.now()), 'two']);
    await Promise.all([one.line(/^ready$/, 60_000), two.line(/^ready$/, 60_000)]);
    // Both runners are polling already; the jobs appear to both of them in one commit.
    writeTx(app.sqlite, () => {
      for (let i = 0; i < 300; i += 1) enqueue(app, { kind: 'test.race', queue: 'race', args: { round: 1, i } });
    });
    const [ranOne, ranTwo] = (await Promise.all([one.line(/^\[/, 60_000), two.line(/^\[/, 60_000)])).map((l) => JSON.parse(l) as string[]);

    const perJob = app.sqlite.prepare('SELECT job_id, count(*) AS n FROM side_effects GROUP BY job_id').all() as { job_id: string; n: number }[];
    expect(perJob).toHaveLength(300);
    expect(perJob.filter((r) => r.n !== 1)).toEqual([]);
    expect(ranOne.filter((id) => ranTwo.includes(id))).toEqual([]);
    expect(ranOne.length + ranTwo.length).toBe(300);
    expect(listJobs(app, { state: 'completed', limit: 1, offset: 0 }).total).toBe(300);
    expect(app.sqlite.prepare('SELECT count(*) AS n FROM jobs WHERE attempt <> 1').get()).toEqual({ n: 0 });
    // Proof that they ran side by side: each performed a share of the jobs.
    expect(ranOne.length, 'runner one performed no job').toBeGreaterThan(0);
    expect(ranTwo.length, 'runner two performed no job').toBeGreaterThan(0);
  }, 120_000); // two child processes starting tsx

  it('two processes claiming at the same moment never get the same job', async () => {
    const { app, clock, dir } = makeApp();
    // A round proves something only if both processes got jobs; on a busy machine one of them can
    // be descheduled for the whole round, so up to three rounds are run until both took part.
    let bothTookPart = false;
    for (let round = 1; round <= 3 && !bothTookPart; round += 1) {
      writeTx(app.sqlite, () => {
        for (let i = 0; i < 1000; i += 1) enqueue(app, { kind: 'test.race', queue: 'race', args: { round, i } });
      });
      const go = path.join(dir, `go-${round}`);
      const one = runFixture('claim-loop', [dir, String(clock.now()), go]);
      const two = runFixture('claim-loop', [dir, String(clock.now()), go]);
      await Promise.all([one.line(/^ready$/, 60_000), two.line(/^ready$/, 60_000)]);
      fs.writeFileSync(go, 'go');
      const [idsOne, idsTwo] = (await Promise.all([one.line(/^\[/, 60_000), two.line(/^\[/, 60_000)])).map((l) => JSON.parse(l) as string[]);
      expect(idsOne.filter((id) => idsTwo.includes(id))).toEqual([]);
      expect(new Set([...idsOne, ...idsTwo]).size).toBe(1000);
      expect(idsOne.length + idsTwo.length).toBe(1000);
      bothTookPart = idsOne.length > 0 && idsTwo.length > 0;
    }
    expect(bothTookPart, 'in no round did both processes claim jobs').toBe(true);
  }, 240_000); // up to three rounds of two child processes starting tsx

  it('a job completed by one runner cannot be completed or failed again by another', () => {
    const a = makeApp();
    const b = makeApp({ dir: a.dir, clock: a.clock });
    const job = enqueue(a.app, { kind: 'test.once' });
    const [claimed] = claimJobs(a.app, { limit: 1, kinds: ['test.once'] });
    expect(claimed.id).toBe(job.id);
    completeJob(a.app, claimed);
    expect(thrown(() => completeJob(b.app, claimed)).code).toBe('guard_failed');
    expect(thrown(() => failJob(b.app, claimed, new Error('late'), { backoffMs: 0 })).code).toBe('guard_failed');
    expect(getJob(a.app, job.id)).toMatchObject({ state: 'completed', errors: [] });
  });

  it('jobs of a kind this build has no worker for stay available, untouched', async () => {
    const { app } = makeApp();
    const orphan = enqueue(app, { kind: 'future.kind' });
    const scheduler = startScheduler(app, { workers: [recordingWorker()], poll: false });
    expect((await scheduler.drain()).runs).toEqual([]);
    expect(getJob(app, orphan.id)).toMatchObject({ state: 'available', attempt: 0 });
    await scheduler.stop();
  });
});

describe('failures, retries and discards', () => {
  it('a failing job is retried with exponential backoff, then discarded after max attempts and shown as such', async () => {
    const { app, clock } = makeApp();
    let calls = 0;
    const flaky = defineWorker({
      kind: 'test.flaky',
      args: z.object({}),
      maxAttempts: 3,
      perform() {
        calls += 1;
        throw new Error(`gateway unreachable (${calls})`);
      },
    });
    const scheduler = startScheduler(app, { workers: [flaky], poll: false, random: noJitter });
    const job = flaky.enqueue(app, {});

    expect((await scheduler.drain()).retryable).toBe(1);
    const afterFirst = getJob(app, job.id)!;
    expect(afterFirst).toMatchObject({ state: 'retryable', attempt: 1 });
    expect(afterFirst.scheduledAt - clock.now()).toBe(exponentialBackoff(1, noJitter));
    expect(exponentialBackoff(1, noJitter)).toBe(15_000);

    // Not due yet: nothing runs.
    clock.advance(14_999);
    expect((await scheduler.drain()).runs).toEqual([]);
    clock.advance(1);
    expect((await scheduler.drain()).retryable).toBe(1);
    expect(getJob(app, job.id)!.scheduledAt - clock.now()).toBe(30_000);

    clock.advance(30_000);
    expect((await scheduler.drain()).discarded).toBe(1);
    const discarded = getJob(app, job.id)!;
    expect(discarded).toMatchObject({ state: 'discarded', attempt: 3, discardedAt: clock.now() });
    expect(discarded.errors.map((e) => [e.attempt, e.error])).toEqual([
      [1, 'gateway unreachable (1)'],
      [2, 'gateway unreachable (2)'],
      [3, 'gateway unreachable (3)'],
    ]);
    expect(discarded.errors[0].stack).toMatch(/perform/);
    expect(listJobs(app, { state: 'discarded', limit: 10, offset: 0 }).items.map((j) => j.id)).toEqual([job.id]);
    clock.advance(24 * 3600_000);
    expect((await scheduler.drain()).runs).toEqual([]);
    expect(calls).toBe(3);
    await scheduler.stop();
  });

  it('the backoff doubles from 15 s, is capped at an hour, and its jitter stays within ±20 %', () => {
    expect([1, 2, 3, 4].map((n) => exponentialBackoff(n, noJitter))).toEqual([15_000, 30_000, 60_000, 120_000]);
    expect(exponentialBackoff(30, noJitter)).toBe(3_600_000);
    expect(exponentialBackoff(1, () => 0)).toBe(12_000);
    expect(exponentialBackoff(1, () => 0.999999)).toBe(18_000);
  });

  it('a job whose stored arguments are wrong is discarded at once with a clear error, not retried', async () => {
    const { app } = makeApp();
    createSideEffects(app);
    const worker = recordingWorker();
    // Written by hand (or by an older build) with the wrong shape.
    const job = enqueue(app, { kind: worker.kind, args: { label: 7 } });
    const scheduler = startScheduler(app, { workers: [worker], poll: false });
    expect((await scheduler.drain()).discarded).toBe(1);
    const after = getJob(app, job.id)!;
    expect(after).toMatchObject({ state: 'discarded', attempt: 1 });
    expect(after.errors[0].error).toMatch(/\[invalid_input\] invalid arguments for test.sideEffect: label: .*discarded without retrying/);
    expect(sideEffects(app)).toEqual([]);
    await scheduler.stop();
  });

  it('an attempt that takes longer than its timeout fails, and its signal tells the work to stop', async () => {
    const { app } = makeApp();
    let aborted = false;
    const slow = defineWorker({
      kind: 'test.slow',
      args: z.object({}),
      timeoutMs: 50,
      perform: (_app, _job, run) =>
        new Promise<void>((resolve) => {
          run.signal.addEventListener('abort', () => {
            aborted = true;
            resolve();
          });
        }),
    });
    const scheduler = startScheduler(app, { workers: [slow], poll: false, random: noJitter });
    const job = slow.enqueue(app, {});
    expect((await scheduler.drain()).retryable).toBe(1);
    expect(aborted).toBe(true);
    expect(getJob(app, job.id)!.errors[0].error).toBe('timed out after 50 ms');
    await scheduler.stop();
  });

  it('after the same job kind fails 3 times in a row an alert is raised; a success resets the count', async () => {
    const { app, clock } = makeApp();
    let failing = true;
    const sync = defineWorker({
      kind: 'test.sync',
      args: z.object({ n: z.number() }),
      maxAttempts: 1,
      perform() {
        if (failing) throw new Error('statement server said 503');
      },
    });
    const scheduler = startScheduler(app, { workers: [sync], poll: false });
    sync.enqueue(app, { n: 1 });
    sync.enqueue(app, { n: 2 });
    await scheduler.drain();
    expect(listAlerts(app, { open: true, limit: 10, offset: 0 }).total).toBe(0);

    sync.enqueue(app, { n: 3 });
    await scheduler.drain();
    const open = listAlerts(app, { open: true, limit: 10, offset: 0 });
    expect(open.total).toBe(1);
    expect(open.items[0]).toMatchObject({ code: 'job_failing', level: 'urgent', subject: 'job_failing:test.sync', count: 1 });
    expect(open.items[0].message).toMatch(/test.sync jobs have failed 3 times in a row; last error: statement server said 503/);

    // Still failing: the same open alert counts it instead of piling up new ones.
    sync.enqueue(app, { n: 4 });
    await scheduler.drain();
    expect(listAlerts(app, { open: true, limit: 10, offset: 0 }).items.map((a) => a.count)).toEqual([2]);

    failing = false;
    sync.enqueue(app, { n: 5 });
    await scheduler.drain();
    failing = true;
    clock.advance(1000);
    sync.enqueue(app, { n: 6 });
    sync.enqueue(app, { n: 7 });
    await scheduler.drain();
    expect(listAlerts(app, { open: true, limit: 10, offset: 0 }).items.map((a) => a.count)).toEqual([2]);
    await scheduler.stop();
  });
});

describe('operators cancelling and retrying', () => {
  it('a waiting job can be cancelled; a finished one cannot', async () => {
    const { app } = makeApp();
    createSideEffects(app);
    const worker = recordingWorker();
    const job = worker.enqueue(app, { label: 'x' });
    expect(cancelJob(app, job.id)).toMatchObject({ state: 'cancelled' });
    const scheduler = startScheduler(app, { workers: [worker], poll: false });
    expect((await scheduler.drain()).runs).toEqual([]);
    expect(sideEffects(app)).toEqual([]);
    const refused = thrown(() => cancelJob(app, job.id));
    expect(refused.code).toBe('refused');
    expect(refused.message).toMatch(/is cancelled/);
    expect(thrown(() => cancelJob(app, 'nope')).code).toBe('not_found');
    await scheduler.stop();
  });

  it('cancelling a running job stops its attempt and the job stays cancelled', async () => {
    const { app } = makeApp();
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const long = defineWorker({
      kind: 'test.long',
      args: z.object({}),
      perform: (_app, _job, run) =>
        new Promise<void>((_resolve, reject) => {
          started();
          run.signal.addEventListener('abort', () => reject(run.signal.reason as Error));
        }),
    });
    const scheduler = startScheduler(app, { workers: [long], poll: false });
    const job = long.enqueue(app, {});
    const drained = scheduler.drain();
    await running;
    cancelJob(app, job.id);
    const result = await drained;
    expect(result.cancelled).toBe(1);
    expect(getJob(app, job.id)).toMatchObject({ state: 'cancelled', errors: [] });
    await scheduler.stop();
  });

  it('a discarded job retried by hand runs again with one more attempt; a completed job is not re-run', async () => {
    const { app } = makeApp();
    createSideEffects(app);
    let fail = true;
    const worker = defineWorker({
      kind: 'test.sideEffect',
      args: z.object({ label: z.string() }),
      maxAttempts: 1,
      perform(a, job) {
        if (fail) throw new Error('not yet');
        a.sqlite.prepare('INSERT INTO side_effects (job_id, attempt, label) VALUES (?, ?, ?)').run(job.id, job.attempt, job.args.label);
      },
    });
    const scheduler = startScheduler(app, { workers: [worker], poll: false });
    const job = worker.enqueue(app, { label: 'r' }, { uniqueKey: 'retry-me' });
    await scheduler.drain();
    expect(getJob(app, job.id)).toMatchObject({ state: 'discarded', attempt: 1, maxAttempts: 1 });

    fail = false;
    expect(retryJob(app, job.id)).toMatchObject({ state: 'available', maxAttempts: 2, discardedAt: null });
    expect((await scheduler.drain()).completed).toBe(1);
    expect(getJob(app, job.id)).toMatchObject({ state: 'completed', attempt: 2 });
    expect(sideEffects(app, job.id)).toHaveLength(1);

    const refused = thrown(() => retryJob(app, job.id));
    expect(refused.code).toBe('refused');
    expect(refused.message).toMatch(/completed job is not run again/);
    await scheduler.stop();
  });

  it('retrying a job whose unique key is held by a newer live job is refused, naming that job', () => {
    const { app } = makeApp();
    const old = enqueue(app, { kind: 'test.k', uniqueKey: 'timeout:order-9' });
    cancelJob(app, old.id);
    const newer = enqueue(app, { kind: 'test.k', uniqueKey: 'timeout:order-9' });
    const refused = thrown(() => retryJob(app, old.id));
    expect(refused.code).toBe('conflict');
    expect(refused.message).toContain(newer.id);
    expect(getJob(app, old.id)?.state).toBe('cancelled');
  });

  it('a worker can snooze a job without using up its attempts, or cancel it when there is nothing left to do', async () => {
    const { app, clock } = makeApp();
    let polls = 0;
    const waiter = defineWorker({
      kind: 'test.waitForMeter',
      args: z.object({ mode: z.enum(['snooze', 'cancel']) }),
      maxAttempts: 1,
      perform(_app, job) {
        if (job.args.mode === 'cancel') return { cancel: 'the order was already paid' };
        polls += 1;
        return polls < 3 ? { snooze: 5_000 } : undefined;
      },
    });
    const scheduler = startScheduler(app, { workers: [waiter], poll: false });
    const snoozer = waiter.enqueue(app, { mode: 'snooze' });
    const canceller = waiter.enqueue(app, { mode: 'cancel' });
    const first = await scheduler.drain();
    expect(first).toMatchObject({ snoozed: 1, cancelled: 1 });
    expect(getJob(app, snoozer.id)).toMatchObject({ state: 'scheduled', scheduledAt: clock.now() + 5_000, maxAttempts: 2 });
    expect(getJob(app, canceller.id)!.errors[0].error).toMatch(/already paid/);
    clock.advance(5_000);
    await scheduler.drain();
    clock.advance(5_000);
    expect((await scheduler.drain()).completed).toBe(1);
    expect(getJob(app, snoozer.id)).toMatchObject({ state: 'completed', attempt: 3 });
    await scheduler.stop();
  });
});

describe('the running scheduler', () => {
  it('polls by itself and runs a job enqueued while it runs, due by the app clock', async () => {
    const { app } = makeApp({ overrides: { jobs: { pollIntervalMs: 20 } } });
    createSideEffects(app);
    const worker = recordingWorker();
    const scheduler = startScheduler(app, { workers: [worker] });
    const job = worker.enqueue(app, { label: 'live' });
    for (let i = 0; i < 200 && getJob(app, job.id)?.state !== 'completed'; i += 1) await new Promise((r) => setTimeout(r, 10));
    expect(getJob(app, job.id)?.state).toBe('completed');
    await scheduler.stop();
  });

  it('never runs more jobs of a queue at once than its concurrency', async () => {
    const { app } = makeApp({ overrides: { jobs: { queues: { meters: 2 } } } });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let concurrent = 0;
    let peak = 0;
    const meter = defineWorker({
      kind: 'test.meter',
      queue: 'meters',
      args: z.object({}),
      async perform() {
        concurrent += 1;
        peak = Math.max(peak, concurrent);
        await gate;
        concurrent -= 1;
      },
    });
    for (let i = 0; i < 5; i += 1) meter.enqueue(app, {});
    const scheduler = startScheduler(app, { workers: [meter], poll: false });
    scheduler.tick();
    scheduler.tick();
    expect(scheduler.running()).toBe(2);
    expect(listJobs(app, { state: 'executing', limit: 10, offset: 0 }).total).toBe(2);
    release();
    while (listJobs(app, { state: 'completed', limit: 10, offset: 0 }).total < 5) {
      await scheduler.idle();
      scheduler.tick();
    }
    expect(peak).toBe(2);
    await scheduler.stop();
  });

  it('stop waits for a running attempt up to its bound, then leaves it executing for the next start to rescue', async () => {
    const { app } = makeApp();
    const stuck = defineWorker({ kind: 'test.stuck', args: z.object({}), perform: () => new Promise<void>(() => {}) });
    const quick = defineWorker({
      kind: 'test.quick',
      args: z.object({}),
      perform: () => new Promise<void>((r) => setTimeout(r, 30)),
    });
    const s1 = startScheduler(app, { workers: [quick], poll: false, stopTimeoutMs: 2_000 });
    const done = quick.enqueue(app, {});
    s1.tick();
    await s1.stop();
    expect(getJob(app, done.id)?.state).toBe('completed');

    const s2 = startScheduler(app, { workers: [stuck], poll: false, stopTimeoutMs: 50 });
    const orphan = stuck.enqueue(app, {});
    s2.tick();
    await s2.stop();
    expect(getJob(app, orphan.id)?.state).toBe('executing');
    const s3 = startScheduler(app, { workers: [stuck], poll: false });
    expect(s3.rescued.map((j) => j.id)).toEqual([orphan.id]);
    await s3.stop();
  });
});

describe('pruning', () => {
  it('finished jobs older than jobs.pruneAfterDays are deleted by the prune job; live and recent ones stay', async () => {
    const { app, clock } = makeApp();
    const day = 24 * 3600_000;
    const oldDone = enqueue(app, { kind: 'test.old' });
    const oldCancelled = enqueue(app, { kind: 'test.old' });
    const oldWaiting = enqueue(app, { kind: 'test.old', scheduledAt: clock.now() + 30 * day });
    const [c] = claimJobs(app, { limit: 1, kinds: ['test.old'] });
    expect(c.id).toBe(oldDone.id);
    completeJob(app, c);
    cancelJob(app, oldCancelled.id);
    clock.advance(6 * day);
    const recent = enqueue(app, { kind: 'test.recent' });
    cancelJob(app, recent.id);
    clock.advance(1 * day + 1);

    const scheduler = startScheduler(app, { workers: [pruneWorker], poll: false });
    pruneWorker.enqueue(app, {});
    expect((await scheduler.drain()).completed).toBe(1);
    expect(getJob(app, oldDone.id)).toBeNull();
    expect(getJob(app, oldCancelled.id)).toBeNull();
    expect(getJob(app, oldWaiting.id)?.state).toBe('scheduled');
    expect(getJob(app, recent.id)?.state).toBe('cancelled');
    expect(pruneJobs(app, { before: clock.now() + 1, batch: 1 })).toBe(2); // recent + the prune job itself
    await scheduler.stop();
  });
});
