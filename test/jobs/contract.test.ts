import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { listAlerts, raiseAlert } from '../../src-main/alerts';
import { defineWorker, enqueue, startScheduler } from '../../src-main/jobs';
import { dashboardSummary } from '../../src-main/system';
import { isoInZone } from '../../src-main/tariffs';
import { depot } from '../../src-main/modules';
import { addOperator, call, cli, makeApp, ok } from '../helpers';

const failingWorker = defineWorker({
  kind: 'payments.timeout',
  queue: 'payments',
  args: z.object({ orderId: z.string() }),
  maxAttempts: 1,
  perform() {
    throw new Error('order table locked');
  },
});

interface Page<T> {
  total: number;
  items: T[];
}

describe('the Jobs page contract', () => {
  it('anyone signed in can look; only a supervisor or admin can retry or cancel, and that is audited', async () => {
    const { app } = makeApp();
    const operator = await addOperator(app, 'operator');
    const supervisor = await addOperator(app, 'supervisor');
    const scheduler = startScheduler(app, { workers: [failingWorker], poll: false });
    const job = failingWorker.enqueue(app, { orderId: 'PO-1' });
    const waiting = enqueue(app, { kind: 'payments.timeout', queue: 'payments', args: { orderId: 'PO-2' }, scheduledAt: app.clock.now() + 60_000 });
    await scheduler.drain();

    const discarded = await ok<Page<{ id: string; lastError: string; errorCount: number }>>(app, operator, 'jobs.list', { state: 'discarded' });
    expect(discarded.total).toBe(1);
    expect(discarded.items[0]).toMatchObject({ id: job.id, lastError: 'order table locked', errorCount: 1 });
    const byQueue = await ok<Page<{ id: string }>>(app, operator, 'jobs.list', { queue: 'payments', limit: 1 });
    expect(byQueue.total).toBe(2);
    expect(byQueue.items).toHaveLength(1);
    expect(await ok<Page<unknown>>(app, operator, 'jobs.list', { kind: 'nothing.like.this' })).toEqual({ total: 0, items: [], routineFolded: 0 });

    const detail = await ok<{ args: unknown; errors: { attempt: number; error: string }[] }>(app, operator, 'jobs.get', { id: job.id });
    expect(detail.args).toEqual({ orderId: 'PO-1' });
    expect(detail.errors).toMatchObject([{ attempt: 1, error: 'order table locked' }]);
    expect(await call(app, operator, 'jobs.get', { id: 'missing' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await call(app, operator, 'jobs.list', { state: 'exploded' })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });

    expect(await call(app, operator, 'jobs.retry', { id: job.id })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await call(app, operator, 'jobs.cancel', { id: waiting.id })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await ok(app, supervisor, 'jobs.retry', { id: job.id })).toMatchObject({ state: 'available', maxAttempts: 2 });
    expect(await ok(app, supervisor, 'jobs.cancel', { id: waiting.id })).toMatchObject({ state: 'cancelled' });
    expect(await call(app, supervisor, 'jobs.cancel', { id: waiting.id })).toMatchObject({ ok: false, error: { code: 'refused' } });

    const audit = app.sqlite.prepare("SELECT method, result, operator_name AS who FROM audit_log WHERE method LIKE 'jobs.%' ORDER BY id").all();
    expect(audit).toEqual([
      { method: 'jobs.retry', result: 'forbidden', who: operator.name },
      { method: 'jobs.cancel', result: 'forbidden', who: operator.name },
      { method: 'jobs.retry', result: 'ok', who: supervisor.name },
      { method: 'jobs.cancel', result: 'ok', who: supervisor.name },
      { method: 'jobs.cancel', result: 'refused', who: supervisor.name },
    ]);
    await scheduler.stop();
  });

  it('stats count jobs by state, queue and kind, with failing kinds and cron schedules; the dashboard shows failing and discarded jobs and open alerts', async () => {
    const { app } = makeApp({ overrides: { jobs: { queues: { payments: 3 } } } });
    const operator = await addOperator(app, 'operator');
    const scheduler = startScheduler(app, { workers: [failingWorker], poll: false });
    failingWorker.enqueue(app, { orderId: 'PO-1' });
    failingWorker.enqueue(app, { orderId: 'PO-2' });
    failingWorker.enqueue(app, { orderId: 'PO-3' });
    enqueue(app, { kind: 'other.kind', args: {} });
    await scheduler.drain();

    const stats = await ok<{
      states: Record<string, number>;
      queues: { queue: string; concurrency: number; counts: Record<string, number> }[];
      kinds: { kind: string; failureStreak: number; lastError: string | null }[];
      crons: unknown[];
    }>(app, operator, 'jobs.stats');
    expect(stats.states).toEqual({ scheduled: 0, available: 1, executing: 0, retryable: 0, completed: 0, discarded: 3, cancelled: 0 });
    expect(stats.queues).toEqual([
      { queue: 'default', concurrency: 1, counts: expect.objectContaining({ available: 1 }) },
      { queue: 'payments', concurrency: 3, counts: expect.objectContaining({ discarded: 3 }) },
    ]);
    expect(stats.kinds.find((k) => k.kind === 'payments.timeout')).toMatchObject({ failureStreak: 3, lastError: 'order table locked' });
    expect(stats.crons).toEqual([]);

    const figures = Object.fromEntries(dashboardSummary(app, depot.figures).figures.map((f) => [f.key, f.value]));
    expect(figures).toMatchObject({ 'jobs.failing': 0, 'jobs.discarded': 3, 'alerts.open': 1 });
    await scheduler.stop();
  });

  it('alerts are listed for everyone and acknowledged once by a supervisor', async () => {
    const { app, clock } = makeApp();
    const operator = await addOperator(app, 'operator');
    const supervisor = await addOperator(app, 'supervisor');
    const { alert } = raiseAlert(app, { code: 'unsettled_sessions', level: 'warning', message: '120 finished sessions are not settled' });
    clock.advance(1000);
    raiseAlert(app, { code: 'job_failing', level: 'urgent', subject: 'job_failing:x', message: 'x failing' });

    const open = await ok<Page<{ id: string; code: string }>>(app, operator, 'alerts.list');
    expect(open.items.map((a) => a.code)).toEqual(['job_failing', 'unsettled_sessions']);
    expect(await call(app, operator, 'alerts.acknowledge', { id: alert.id })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await ok(app, supervisor, 'alerts.acknowledge', { id: alert.id })).toMatchObject({ acknowledgedBy: supervisor.name, acknowledgedAt: clock.now() });
    expect(await call(app, supervisor, 'alerts.acknowledge', { id: alert.id })).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect((await ok<Page<unknown>>(app, operator, 'alerts.list')).total).toBe(1);
    expect((await ok<Page<unknown>>(app, operator, 'alerts.list', { all: true })).total).toBe(2);

    // The same subject raised after the acknowledgement opens a new alert.
    const again = raiseAlert(app, { code: 'unsettled_sessions', level: 'warning', message: 'still 130' });
    expect(again.created).toBe(true);
    expect(again.alert.id).not.toBe(alert.id);
  });

  it('an alert raised in a transaction that rolls back leaves no alert and no event', async () => {
    const { app } = makeApp();
    const seen: string[] = [];
    app.events.subscribe((e) => {
      if (e.type === 'alert') seen.push(e.payload.message);
    });
    expect(() =>
      app.sqlite.transaction(() => {
        raiseAlert(app, { code: 'x', level: 'info', message: 'rolled back' });
        throw new Error('abort');
      })(),
    ).toThrow('abort');
    app.sqlite.transaction(() => raiseAlert(app, { code: 'y', level: 'info', message: 'committed' }))();
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual(['committed']);
    expect(listAlerts(app, { limit: 10, offset: 0 }).items.map((a) => a.message)).toEqual(['committed']);
  });
});

describe('the depotdesk jobs and alerts commands', () => {
  it('list, retry and cancel jobs and list alerts as the --as operator, with roles applied', async () => {
    const { app, dir } = makeApp();
    await addOperator(app, 'supervisor', 'li.na');
    await addOperator(app, 'operator', 'zhang.wei');
    const scheduler = startScheduler(app, { workers: [failingWorker], poll: false });
    const failed = failingWorker.enqueue(app, { orderId: 'PO-9' });
    const waiting = enqueue(app, { kind: 'payments.timeout', args: { orderId: 'PO-10' }, scheduledAt: app.clock.now() + 60_000 });
    await scheduler.drain();
    raiseAlert(app, { code: 'test', level: 'warning', message: 'look at me' });
    await scheduler.stop();
    const as = (name: string) => ['--data-dir', dir, '--as', name];
    const pw = { DEPOTDESK_PASSWORD: 'correct-horse' };

    const list = cli(['jobs', 'list', '--state', 'discarded', '--json', ...as('zhang.wei')], pw);
    expect(list.code, list.stderr).toBe(0);
    const listed = list.json<Page<{ id: string; discardedAt: number }>>().items;
    expect(listed.map((j) => j.id)).toEqual([failed.id]);
    // --json keeps the instant as epoch ms; the text reads it on the depot's clock (Asia/Shanghai), not as UTC "Z".
    expect(typeof listed[0].discardedAt).toBe('number');
    const human = cli(['jobs', 'list', ...as('zhang.wei')], pw);
    const shanghai = isoInZone(listed[0].discardedAt, 'Asia/Shanghai').slice(0, 19).replace('T', ' ');
    // Issue 16: the time first, the state in words (a kind the dictionaries do not know stays its code), the id last.
    expect(human.stdout).toMatch(new RegExp(`^${shanghai}  Given up\\s+payments\\.timeout\\s+attempt 1/1  order table locked  id ${failed.id}$`, 'm'));
    expect(human.stdout).toMatch(/job\(s\), times in Asia\/Shanghai\n$/);
    // A UTC time (…:ssZ or …:ss.mmmZ), not any id that happens to end in a digit and Z.
    expect(human.stdout).not.toMatch(/\d\d:\d\d(:\d\d(\.\d+)?)?Z\b/);

    const badState = cli(['jobs', 'list', '--state', 'exploded', ...as('zhang.wei')], pw);
    expect(badState.code).toBe(2);
    expect(badState.stderr).toMatch(/--state must be one of/);

    const denied = cli(['jobs', 'retry', failed.id, ...as('zhang.wei')], pw);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/needs one of the roles supervisor, admin/);
    const retried = cli(['jobs', 'retry', failed.id, '--json', ...as('li.na')], pw);
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.json<{ state: string }>().state).toBe('available');
    const cancelled = cli(['jobs', 'cancel', waiting.id, ...as('li.na')], pw);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stdout).toMatch(/cancelled/);

    const alerts = cli(['alerts', 'list', '--json', ...as('zhang.wei')], pw);
    expect(alerts.code, alerts.stderr).toBe(0);
    expect(alerts.json<Page<{ message: string }>>().items.map((a) => a.message)).toEqual(['look at me']);
  }, 600_000); // seven CLI processes, each opening the database: a bound for a busy machine, not a timing
});
