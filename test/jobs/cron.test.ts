import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineCron, defineWorker, enqueue, startScheduler } from '../../src-main/jobs';
import { cronUniqueKey, enqueueDueCrons, latestSlot } from '../../src-main/jobs/cron';
import { listJobs } from '../../src-main/jobs/query';
import { FakeClock } from '../../src-main/kernel/clock';
import { isDepotError } from '../../src-main/kernel/errors';
import { makeApp } from '../helpers';

function countingWorker(kind = 'test.cron') {
  const runs: { slotAt: unknown; missedSlots: unknown; catchUp: unknown }[] = [];
  const worker = defineWorker({
    kind,
    args: z.object({}),
    perform(_app, job) {
      runs.push({ slotAt: job.meta.slotAt, missedSlots: job.meta.missedSlots, catchUp: job.meta.catchUp });
    },
  });
  return { worker, runs };
}

describe('cron', () => {
  it('after the PC was off for 3 days an hourly job runs once at start, not 72 times, then keeps its schedule', async () => {
    const { app, clock, dir } = makeApp({ clock: new FakeClock('2026-01-15T00:30:00Z') });
    const { worker, runs } = countingWorker();
    const hourly = defineCron({ name: 'meter-readings', expression: '0 * * * *', kind: worker.kind });

    const first = startScheduler(app, { workers: [worker], crons: [hourly], poll: false });
    expect((await first.drain()).runs).toEqual([]); // a new schedule starts at its next slot
    clock.set('2026-01-15T01:00:00Z');
    expect((await first.drain()).completed).toBe(1);
    await first.stop();
    app.close();

    // Off for three days; back at 01:20 on the 18th.
    clock.set('2026-01-18T01:20:00Z');
    const { app: again } = makeApp({ dir, clock });
    const second = startScheduler(again, { workers: [worker], crons: [hourly], poll: false });
    const caughtUp = await second.drain();
    expect(caughtUp.completed).toBe(1);
    expect(runs[1]).toEqual({ slotAt: Date.parse('2026-01-18T01:00:00Z'), missedSlots: 71, catchUp: true });
    expect((await second.drain()).runs).toEqual([]);

    clock.set('2026-01-18T02:00:00Z');
    expect((await second.drain()).completed).toBe(1);
    expect(runs[2]).toEqual({ slotAt: Date.parse('2026-01-18T02:00:00Z'), missedSlots: 0, catchUp: false });
    expect(runs).toHaveLength(3);
    await second.stop();
  });

  it('"0 2 * * *" in Asia/Shanghai runs at 18:00 UTC', async () => {
    const { app, clock } = makeApp({ clock: new FakeClock('2026-01-15T12:00:00Z', 'Asia/Shanghai') });
    const { worker, runs } = countingWorker('reconciliation.nightly');
    const nightly = defineCron({ name: 'nightly-reconciliation', expression: '0 2 * * *', kind: worker.kind });
    const scheduler = startScheduler(app, { workers: [worker], crons: [nightly], poll: false });
    await scheduler.drain();
    clock.set('2026-01-15T17:59:59Z');
    expect((await scheduler.drain()).runs).toEqual([]);
    clock.set('2026-01-15T18:00:00Z');
    expect((await scheduler.drain()).completed).toBe(1);
    expect(runs).toEqual([{ slotAt: Date.parse('2026-01-15T18:00:00Z'), missedSlots: 0, catchUp: false }]);
    expect(latestSlot('0 2 * * *', 'Asia/Shanghai', Date.parse('2026-01-16T17:59:00Z'))).toBe(Date.parse('2026-01-15T18:00:00Z'));
    expect(latestSlot('0 2 * * *', 'UTC', Date.parse('2026-01-16T17:59:00Z'))).toBe(Date.parse('2026-01-16T02:00:00Z'));
    await scheduler.stop();
  });

  it('two ticks on two connections enqueue a slot once, under its cron unique key', () => {
    const a = makeApp({ clock: new FakeClock('2026-01-15T00:30:00Z') });
    const b = makeApp({ dir: a.dir, clock: a.clock });
    const { worker } = countingWorker();
    const workers = new Map([[worker.kind, worker]]);
    const every5 = defineCron({ name: 'offline-chargers', expression: '*/5 * * * *', kind: worker.kind });
    enqueueDueCrons(a.app, [every5], workers);
    a.clock.advance(5 * 60_000);
    const fromA = enqueueDueCrons(a.app, [every5], workers);
    const fromB = enqueueDueCrons(b.app, [every5], workers);
    const fromAAgain = enqueueDueCrons(a.app, [every5], workers);
    expect(fromA.enqueued).toHaveLength(1);
    expect(fromB.enqueued).toEqual([]);
    expect(fromAAgain.enqueued).toEqual([]);
    const all = listJobs(a.app, { limit: 10, offset: 0 });
    expect(all.items.map((j) => j.uniqueKey)).toEqual([cronUniqueKey('offline-chargers', Date.parse('2026-01-15T00:35:00Z'))]);
    expect(all.items[0].uniqueKey).toBe('cron:offline-chargers:2026-01-15T00:35:00.000Z');
  });

  it('a schedule whose expression changed starts from its next slot instead of firing for the past', async () => {
    const { app, clock } = makeApp({ clock: new FakeClock('2026-01-15T00:30:00Z') });
    const { worker, runs } = countingWorker();
    const s1 = startScheduler(app, { workers: [worker], crons: [defineCron({ name: 'sweep', expression: '0 * * * *', kind: worker.kind })], poll: false });
    await s1.drain();
    await s1.stop();
    clock.set('2026-01-15T03:10:00Z');
    const s2 = startScheduler(app, { workers: [worker], crons: [defineCron({ name: 'sweep', expression: '*/10 * * * *', kind: worker.kind })], poll: false });
    expect((await s2.drain()).runs).toEqual([]);
    clock.set('2026-01-15T03:20:00Z');
    expect((await s2.drain()).completed).toBe(1);
    expect(runs).toHaveLength(1);
    await s2.stop();
  });

  it('a malformed expression or a cron without a worker is refused at start, naming it', () => {
    const { app } = makeApp();
    const refusal = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        if (isDepotError(e)) return e.message;
        throw e;
      }
      return 'nothing thrown';
    };
    expect(refusal(() => defineCron({ name: 'bad', expression: 'every day at two', kind: 'x' }))).toMatch(/cron bad: "every day at two" is not a cron expression/);
    expect(refusal(() => startScheduler(app, { workers: [], crons: [{ name: 'lonely', expression: '* * * * *', kind: 'nobody' }], poll: false }))).toMatch(
      /cron lonely enqueues nobody, which has no worker/,
    );
  });
});

describe('routine runs in the job list', () => {
  it("folds a cron's clean runs out of the list and counts them; a cron run that failed, and jobs no cron made, stay listed", async () => {
    const { app, clock } = makeApp({ clock: new FakeClock('2026-01-15T00:00:30Z') });
    let failNext = false;
    const worker = defineWorker({
      kind: 'test.minutely',
      args: z.object({}),
      maxAttempts: 3,
      perform() {
        if (failNext) {
          failNext = false;
          throw new Error('meter bus busy');
        }
      },
    });
    const other = defineWorker({ kind: 'test.once', args: z.object({}), perform() {} });
    const minutely = defineCron({ name: 'minutely', expression: '* * * * *', kind: worker.kind });
    const s = startScheduler(app, { workers: [worker, other], crons: [minutely], poll: false, random: () => 0.5 });
    await s.drain();
    for (let i = 0; i < 5; i++) {
      clock.advance(60_000);
      await s.drain();
    }
    failNext = true;
    clock.advance(60_000);
    await s.drain(); // this slot's first attempt fails…
    clock.advance(60_000);
    await s.drain(); // …and its retry completes (attempt 2: not routine), with the next slot's run
    enqueue(app, { kind: other.kind, args: {} });
    await s.drain();

    const all = listJobs(app, { limit: 100, offset: 0 });
    const folded = listJobs(app, { routine: 'fold', limit: 100, offset: 0 });
    const routine = all.items.filter((j) => j.kind === worker.kind && j.state === 'completed' && j.attempt === 1);
    expect(routine.length).toBeGreaterThanOrEqual(5);
    expect(folded.routineFolded).toBe(routine.length);
    expect(folded.total).toBe(all.total - routine.length);
    expect(folded.items.map((j) => j.kind).sort()).toEqual([other.kind, worker.kind].sort());
    expect(folded.items.find((j) => j.kind === worker.kind)!.attempt).toBe(2);
    // Narrowed by kind, the count is of that kind only.
    expect(listJobs(app, { kind: other.kind, routine: 'fold', limit: 100, offset: 0 })).toMatchObject({ total: 1, routineFolded: 0 });
    expect(all.routineFolded).toBe(0);
    await s.stop();
  });
});
