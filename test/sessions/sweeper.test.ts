import { describe, expect, test, vi } from 'vitest';
import { listAlerts } from '../../src-main/alerts';
import { startScheduler } from '../../src-main/jobs';
import { runSweep, settleSession, sweepCron, sweepFailingStreak, sweeperFigures, sweepWorker, unsettledSummary, type SweepResult } from '../../src-main/sessions';
import { startOfBusinessDay } from '../../src-main/system/dashboard';
import { call, ok } from '../helpers';
import { at, expectLedgerValid, startSessionDepot, wallet, type SessionDepot } from './helpers';

/**
 * A crash between the stop and its settlement. The inbox commits FINISHED in one transaction and
 * settles in the next; while `crashSettlement` is on, that second step throws, as if the process
 * had died there (the inbox logs it and leaves the session FINISHED). The sweeper reaches
 * settleSession through the same module, so it runs the real code once the flag is off.
 */
const crash = vi.hoisted(() => ({ on: false }));
vi.mock('../../src-main/sessions/settle', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src-main/sessions/settle')>();
  return {
    ...real,
    settleSession: (...args: Parameters<typeof real.settleSession>) => {
      if (crash.on) throw new Error('simulated crash between stop and settlement');
      return real.settleSession(...args);
    },
  };
});

const DAY = 24 * 3_600_000;

/** A driver charges at the charger with a card and presses its stop button; settlement is lost. */
async function stoppedAtChargerUnsettled(
  depot: SessionDepot,
  opts: { topUpYuan: number; tag: string; kwh: number; connector?: number; chargerId?: string },
): Promise<{ sessionId: string; driverId: string }> {
  const cp = await depot.charger(opts.chargerId ?? `CP-${opts.tag}`);
  const driver = depot.driver({ topUpYuan: opts.topUpYuan, tag: opts.tag });
  crash.on = true;
  try {
    const tx = await cp.startTransaction(opts.connector ?? 1, opts.tag.toLowerCase(), 0, at('10:00'));
    await cp.stopTransaction(tx, opts.kwh * 1000, at('11:00'));
    await depot.settle();
  } finally {
    crash.on = false;
  }
  const row = depot.app.sqlite.prepare('SELECT id FROM charging_sessions WHERE driver_id = ?').get(driver.id) as { id: string };
  expect(depot.session(row.id).state).toBe('FINISHED');
  return { sessionId: row.id, driverId: driver.id };
}

function transfersOf(depot: SessionDepot, sessionId: string): string[] {
  return (depot.app.sqlite.prepare('SELECT id FROM ledger_transfers WHERE session_id = ? ORDER BY seq').all(sessionId) as { id: string }[]).map((r) => r.id);
}

function sweepRows(depot: SessionDepot): { dry_run: number; found: number; settled: number; failed: number; total_amount_fen: number; finished_at: number | null }[] {
  return depot.app.sqlite.prepare('SELECT dry_run, found, settled, failed, total_amount_fen, finished_at FROM settlement_sweeps ORDER BY started_at, id').all() as never;
}

// Each test takes about 2 s alone; the bound is for a machine kept busy by other test runs.
describe('the settlement sweeper', { timeout: 90_000 }, () => {
  test('a session stopped at the charger whose settlement was lost is settled by the next scheduled sweep, through settle:<session>; the sweep after settles nothing', async () => {
    const depot = await startSessionDepot();
    const { app, clock } = depot;
    const { sessionId, driverId } = await stoppedAtChargerUnsettled(depot, { topUpYuan: 100, tag: 'CARD-1', kwh: 20 });
    expect(unsettledSummary(app)).toEqual({ count: 1, estimatedFen: 20 * 200, outsideWindow: 0 });
    expect(transfersOf(depot, sessionId)).toEqual([]);

    // The cron ticks every minute; the first tick only sets its baseline, the next one sweeps.
    // Only the sweeper's worker and cron: sessions.consumeInbox would settle FINISHED sessions too.
    const scheduler = startScheduler(app, { workers: [sweepWorker], crons: [sweepCron], poll: false });
    const tick = async () => {
      await scheduler.drain();
    };
    try {
      await tick();
      clock.advance(60_000);
      await tick();

      const s = depot.session(sessionId);
      // 20 kWh 峰 (10:00–11:00): ¥36.82, paid from the wallet (a charger start has no hold).
      expect(s.state).toBe('PAID');
      expect(s.amountFen).toBe(3682);
      expect(s.settlementKey).toBe(`settle:${sessionId}`);
      expect(transfersOf(depot, sessionId).every((id) => id.startsWith(`settle:${sessionId}#`))).toBe(true);
      expect(wallet(app, driverId).balance).toBe(10_000 - 3682);
      expect(sweepRows(depot)).toEqual([{ dry_run: 0, found: 1, settled: 1, failed: 0, total_amount_fen: 3682, finished_at: clock.now() }]);
      const moved = transfersOf(depot, sessionId);

      // Not due again before sessions.sweepIntervalMinutes: the next minute's tick does nothing.
      clock.advance(60_000);
      await tick();
      expect(sweepRows(depot)).toHaveLength(1);

      clock.advance(10 * 60_000);
      await tick();
      const rows = sweepRows(depot);
      expect(rows).toHaveLength(2);
      expect(rows[1]).toMatchObject({ found: 0, settled: 0, total_amount_fen: 0 });
      // And the real-time path run again by hand moves nothing either.
      const again = await runSweep(app);
      expect(again.settled).toBe(0);
      expect(transfersOf(depot, sessionId)).toEqual(moved);
      expect(wallet(app, driverId).balance).toBe(10_000 - 3682);
      expect(unsettledSummary(app).count).toBe(0);
      expectLedgerValid(app);
    } finally {
      await scheduler.stop();
    }
  });

  test('a driver whose wallet cannot pay is left with a debt and the session ends UNPAID', async () => {
    const depot = await startSessionDepot();
    const { app } = depot;
    const { sessionId, driverId } = await stoppedAtChargerUnsettled(depot, { topUpYuan: 20, tag: 'CARD-2', kwh: 20 });

    const r = await runSweep(app);
    expect(r).toMatchObject({ found: 1, settled: 1, unpaid: 1, failed: 0, totalAmountFen: 3682, debtFen: 1682 });
    const s = depot.session(sessionId);
    expect(s.state).toBe('UNPAID');
    expect(s.paidWalletFen).toBe(2000);
    expect(s.debtFen).toBe(1682);
    expect(wallet(app, driverId)).toEqual({ balance: 0, held: 0, available: 0 });
    expect(app.sqlite.prepare('SELECT amount, status FROM ledger_debts WHERE driver_id = ?').all(driverId)).toEqual([{ amount: 1682, status: 'open' }]);
    expectLedgerValid(app);
  });

  test('a dry run reports what it would settle and moves no money; the real sweep then settles exactly that', async () => {
    const depot = await startSessionDepot();
    const { app } = depot;
    const { sessionId, driverId } = await stoppedAtChargerUnsettled(depot, { topUpYuan: 20, tag: 'CARD-3', kwh: 20 });
    const transfersBefore = (app.sqlite.prepare('SELECT count(*) AS n FROM ledger_transfers').get() as { n: number }).n;
    const eventsBefore = (app.sqlite.prepare('SELECT count(*) AS n FROM session_events').get() as { n: number }).n;

    const dry = await ok<SweepResult>(app, depot.supervisor, 'sessions.sweep', { dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, found: 1, settled: 1, unpaid: 1, totalAmountFen: 3682, debtFen: 1682, alerts: [] });
    expect(dry.sessions).toEqual([{ sessionId, state: 'UNPAID', amountFen: 3682, debtFen: 1682 }]);
    expect(depot.session(sessionId).state).toBe('FINISHED');
    expect((app.sqlite.prepare('SELECT count(*) AS n FROM ledger_transfers').get() as { n: number }).n).toBe(transfersBefore);
    expect((app.sqlite.prepare('SELECT count(*) AS n FROM session_events').get() as { n: number }).n).toBe(eventsBefore);
    expect(app.sqlite.prepare('SELECT count(*) AS n FROM ledger_debts').get()).toEqual({ n: 0 });
    expect(wallet(app, driverId).balance).toBe(2000);
    expect(sweepRows(depot)).toEqual([{ dry_run: 1, found: 1, settled: 1, failed: 0, total_amount_fen: 3682, finished_at: app.clock.now() }]);
    expectLedgerValid(app);

    // An operator may not sweep: finance, supervisors and admins may.
    const refused = await call(app, depot.operator, 'sessions.sweep', { dryRun: true });
    expect(refused.ok).toBe(false);

    const real = await ok<SweepResult>(app, depot.supervisor, 'sessions.sweep', {});
    expect(real).toMatchObject({ dryRun: false, settled: 1, totalAmountFen: dry.totalAmountFen, debtFen: dry.debtFen });
    expect(depot.session(sessionId).state).toBe('UNPAID');
    expectLedgerValid(app);
  });

  test('a session stopped before the sweep window is left alone, counted as outside the window, and raises the unsettled alerts', async () => {
    const depot = await startSessionDepot({ overrides: { sessions: { unsettledAlertCount: 0, unsettledAlertFen: 1000 } } });
    const { app, clock } = depot;
    const { sessionId, driverId } = await stoppedAtChargerUnsettled(depot, { topUpYuan: 100, tag: 'CARD-4', kwh: 20 });
    clock.advance(8 * DAY);

    const r = await runSweep(app);
    expect(r).toMatchObject({ found: 0, settled: 0 });
    expect(depot.session(sessionId).state).toBe('FINISHED');
    expect(transfersOf(depot, sessionId)).toEqual([]);
    expect(wallet(app, driverId).balance).toBe(10_000);
    expect(sweeperFigures(app, startOfBusinessDay(app))).toEqual([
      { key: 'sessions.unsettled', value: 1, unit: 'count' },
      { key: 'sessions.unsettledAmount', value: 4000, unit: 'fen' },
      { key: 'sessions.unsettledOutsideWindow', value: 1, unit: 'count' },
      { key: 'sessions.settledBySweepToday', value: 0, unit: 'count' },
      { key: 'sessions.settledBySweepTodayAmount', value: 0, unit: 'fen' },
      { key: 'sessions.lastSweepAt', value: r.startedAt, unit: 'time' },
      { key: 'sessions.lastSweepResult', value: 0, unit: 'count' },
      { key: 'sessions.sweepFailingStreak', value: 0, unit: 'count' },
    ]);
    // Above both thresholds (more than 0 sessions, more than ¥10.00): two alerts, one per rule.
    expect(r.alerts.sort()).toEqual(['sessions_unsettled:amount', 'sessions_unsettled:count']);
    const open = listAlerts(app, { open: true, limit: 10, offset: 0 }).items;
    expect(open.map((a) => [a.code, a.level]).sort()).toEqual([
      ['sessions_unsettled', 'warning'],
      ['sessions_unsettled_amount', 'urgent'],
    ]);
    // The next sweep counts the same problem on the open alert, not a new row.
    await runSweep(app);
    expect(listAlerts(app, { open: true, limit: 10, offset: 0 }).items.map((a) => a.count)).toEqual([2, 2]);
    expectLedgerValid(app);
  });

  test('below the thresholds no alert is raised; a dry run never raises one', async () => {
    const depot = await startSessionDepot();
    const { app } = depot;
    await stoppedAtChargerUnsettled(depot, { topUpYuan: 100, tag: 'CARD-5', kwh: 20 });
    const dry = await runSweep(app, { dryRun: true });
    expect(dry.alerts).toEqual([]);
    const r = await runSweep(app);
    expect(r.settled).toBe(1);
    expect(r.alerts).toEqual([]);
    expect(listAlerts(app, { open: true, limit: 10, offset: 0 }).total).toBe(0);
    expectLedgerValid(app);
  });

  test('a session whose settlement fails is recorded with its reason and alerted; the others in the sweep are settled', async () => {
    const depot = await startSessionDepot();
    const { app } = depot;
    const a = await stoppedAtChargerUnsettled(depot, { topUpYuan: 100, tag: 'CARD-6', kwh: 10, chargerId: 'CP-A' });
    const b = await stoppedAtChargerUnsettled(depot, { topUpYuan: 100, tag: 'CARD-7', kwh: 10, chargerId: 'CP-B' });
    // A row damaged by hand: its driver does not exist, so the ledger refuses to settle it.
    app.sqlite.prepare("UPDATE charging_sessions SET state = 'FINISHED', driver_id = 'no-such-driver' WHERE id = ?").run(a.sessionId);

    const r = await runSweep(app);
    expect(r.found).toBe(2);
    expect(r.settled).toBe(1);
    expect(r.failed).toBe(1);
    expect(r.failures[0].sessionId).toBe(a.sessionId);
    expect(r.alerts).toContain('sessions_sweep:failed');
    expect(depot.session(a.sessionId).state).toBe('FINISHED');
    expect(transfersOf(depot, a.sessionId)).toEqual([]);
    expect(depot.session(b.sessionId).state).toBe('PAID');
    const row = app.sqlite.prepare('SELECT failed, failures FROM settlement_sweeps').get() as { failed: number; failures: string };
    expect(row.failed).toBe(1);
    expect(JSON.parse(row.failures)[0]).toMatchObject({ sessionId: a.sessionId });
    expect(alertsOf(depot, 'sessions_sweep:failed')).toEqual([expect.objectContaining({ level: 'urgent', resolvedAt: null })]);

    // Repaired by hand: the next sweep settles it, and the alert resolves itself.
    app.sqlite.prepare('UPDATE charging_sessions SET driver_id = ? WHERE id = ?').run(a.driverId, a.sessionId);
    const next = await runSweep(app);
    expect(next).toMatchObject({ settled: 1, failed: 0, resolved: ['sessions_sweep:failed'] });
    expect(alertsOf(depot, 'sessions_sweep:failed')).toEqual([
      expect.objectContaining({ resolvedBy: 'system', resolution: expect.stringContaining('settled every session') }),
    ]);
    expectLedgerValid(app);
  });
});

type Figures = Record<string, number>;
async function figures(depot: SessionDepot): Promise<Figures> {
  const summary = await ok<{ figures: { key: string; value: number }[] }>(depot.app, depot.supervisor, 'dashboard.summary', {});
  return Object.fromEntries(summary.figures.map((f) => [f.key, f.value]));
}

function alertsOf(depot: SessionDepot, subject: string) {
  return listAlerts(depot.app, { limit: 50, offset: 0 }).items.filter((a) => a.subject === subject);
}

describe('the settlement monitor', { timeout: 90_000 }, () => {
  test('over the count threshold is a warning, over the amount threshold urgent; each resolves itself when a sweep finds it back under, and comes back as a new alert', async () => {
    // Alert above 1 session and above ¥30.00; each session here is estimated at ¥40.00 (20 kWh × ¥2.00).
    const depot = await startSessionDepot({ overrides: { sessions: { unsettledAlertCount: 1, unsettledAlertFen: 3000 } } });
    const { app, clock } = depot;
    const a = await stoppedAtChargerUnsettled(depot, { topUpYuan: 100, tag: 'CARD-M1', kwh: 20 });
    const b = await stoppedAtChargerUnsettled(depot, { topUpYuan: 100, tag: 'CARD-M2', kwh: 20 });
    // Stopped before the sweep window: the sweeper leaves them to an operator, so they stay unsettled.
    clock.advance(8 * DAY);

    const first = await runSweep(app);
    expect(first.alerts.sort()).toEqual(['sessions_unsettled:amount', 'sessions_unsettled:count']);
    expect(alertsOf(depot, 'sessions_unsettled:count')).toEqual([expect.objectContaining({ level: 'warning', resolvedAt: null })]);
    expect(alertsOf(depot, 'sessions_unsettled:amount')).toEqual([expect.objectContaining({ level: 'urgent', resolvedAt: null })]);
    expect((await figures(depot))['alerts.open']).toBe(2);

    // An operator settles one: 1 session is not above 1, but ¥40.00 is still above ¥30.00.
    settleSession(app, a.sessionId);
    clock.advance(10 * 60_000);
    const second = await runSweep(app);
    expect(second.resolved).toEqual(['sessions_unsettled:count']);
    expect(second.alerts).toEqual(['sessions_unsettled:amount']);
    expect(alertsOf(depot, 'sessions_unsettled:count')).toEqual([
      expect.objectContaining({ resolvedAt: clock.now(), resolvedBy: 'system', acknowledgedAt: null, resolution: expect.stringContaining('1 unsettled') }),
    ]);
    expect(alertsOf(depot, 'sessions_unsettled:amount')).toEqual([expect.objectContaining({ count: 2, resolvedAt: null })]);
    expect((await figures(depot))['alerts.open']).toBe(1);

    settleSession(app, b.sessionId);
    clock.advance(10 * 60_000);
    const third = await runSweep(app);
    expect(third).toMatchObject({ alerts: [], resolved: ['sessions_unsettled:amount'] });
    expect((await figures(depot))['alerts.open']).toBe(0);
    // The history keeps both, resolved by the system; nobody had to acknowledge them.
    expect(
      listAlerts(app, { open: false, limit: 10, offset: 0 })
        .items.map((x) => [x.subject, x.resolvedBy, x.acknowledgedBy])
        .sort(),
    ).toEqual([
      ['sessions_unsettled:amount', 'system', null],
      ['sessions_unsettled:count', 'system', null],
    ]);
    // A sweep with nothing open and nothing over resolves nothing.
    expect(await runSweep(app)).toMatchObject({ alerts: [], resolved: [] });

    // The same condition later is a new alert, not the resolved one reopened.
    const resolvedId = alertsOf(depot, 'sessions_unsettled:amount')[0].id;
    await stoppedAtChargerUnsettled(depot, { topUpYuan: 100, tag: 'CARD-M3', kwh: 20 });
    clock.advance(8 * DAY);
    expect((await runSweep(app)).alerts).toEqual(['sessions_unsettled:amount']);
    const amount = alertsOf(depot, 'sessions_unsettled:amount');
    expect(amount).toHaveLength(2);
    expect(amount.find((x) => x.resolvedAt === null)).toMatchObject({ count: 1, level: 'urgent' });
    expect(amount.find((x) => x.resolvedAt === null)?.id).not.toBe(resolvedId);
    expectLedgerValid(app);
  });

  test('the sweep job failing 3 times in a row raises an urgent alert; the first sweep that runs through again resolves it', async () => {
    const depot = await startSessionDepot();
    const { app, clock } = depot;
    await stoppedAtChargerUnsettled(depot, { topUpYuan: 100, tag: 'CARD-F1', kwh: 10 });
    // The scan reads through charging_sessions_unsettled by name: without it every sweep fails as a whole.
    const index = app.sqlite.prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'charging_sessions_unsettled'").get() as { sql: string };
    app.sqlite.exec('DROP INDEX charging_sessions_unsettled');
    const failing = () => alertsOf(depot, 'sessions_sweep:failing');
    const failedRows = () =>
      (app.sqlite.prepare('SELECT error FROM settlement_sweeps WHERE dry_run = 0 AND error IS NOT NULL').all() as { error: string }[]).map((r) => r.error);

    const scheduler = startScheduler(app, { workers: [sweepWorker], crons: [sweepCron], poll: false });
    try {
      await scheduler.drain();
      clock.advance(60_000);
      await scheduler.drain();
      expect(failedRows()).toEqual([expect.stringMatching(/no such index: charging_sessions_unsettled/)]);
      clock.advance(10 * 60_000);
      await scheduler.drain();
      expect(failedRows()).toHaveLength(2);
      expect(failing()).toEqual([]);
      expect(await figures(depot)).toMatchObject({ 'sessions.lastSweepResult': 2, 'sessions.sweepFailingStreak': 2 });

      clock.advance(10 * 60_000);
      await scheduler.drain();
      expect(failedRows()).toHaveLength(3);
      expect(failing()).toEqual([
        expect.objectContaining({ code: 'sweep_failing', level: 'urgent', count: 1, resolvedAt: null, details: expect.objectContaining({ streak: 3, threshold: 3 }) }),
      ]);
      expect(await figures(depot)).toMatchObject({ 'sessions.sweepFailingStreak': 3 });

      // Repaired: the next scheduled sweep runs through, settles the session and resolves the alert.
      app.sqlite.exec(index.sql);
      clock.advance(10 * 60_000);
      await scheduler.drain();
      expect(failing()).toEqual([expect.objectContaining({ resolvedBy: 'system', resolvedAt: clock.now(), resolution: expect.stringContaining('ran through') })]);
      expect(await figures(depot)).toMatchObject({ 'sessions.lastSweepResult': 0, 'sessions.sweepFailingStreak': 0, 'sessions.unsettled': 0 });
      expectLedgerValid(app);
    } finally {
      await scheduler.stop();
    }
  });

  test('a sweep cut short (no finished_at) counts as failed once it is older than the sweep job may run; one still running neither counts nor breaks the streak', async () => {
    const depot = await startSessionDepot({ overrides: { sessions: { sweepFailingAlertStreak: 2 } } });
    const { app, clock } = depot;
    // A sweep whose process died: its row was written when it began and never completed.
    app.sqlite.prepare("INSERT INTO settlement_sweeps (id, trigger, dry_run, started_at, window_from) VALUES ('SW-DEAD', 'cron', 0, ?, 0)").run(clock.now());
    clock.advance(60_000);
    // Just begun and still running, as far as the monitor can tell.
    app.sqlite.prepare("INSERT INTO settlement_sweeps (id, trigger, dry_run, started_at, window_from) VALUES ('SW-RUNNING', 'cron', 0, ?, 0)").run(clock.now());
    expect(sweepFailingStreak(app)).toBe(0);
    // The dead one is now older than the sweep job's 15 minutes, the other not yet: it is skipped.
    clock.advance(14 * 60_000 + 30_000);
    expect(sweepFailingStreak(app)).toBe(1);
    clock.advance(60_000);
    // Now both are: two in a row, the threshold here.
    expect(sweepFailingStreak(app)).toBe(2);
    const index = app.sqlite.prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'charging_sessions_unsettled'").get() as { sql: string };
    app.sqlite.exec('DROP INDEX charging_sessions_unsettled');
    await expect(runSweep(app, { trigger: 'operator' })).rejects.toThrow(/no such index/);
    expect(alertsOf(depot, 'sessions_sweep:failing')).toEqual([expect.objectContaining({ level: 'urgent', details: expect.objectContaining({ streak: 3 }) })]);
    app.sqlite.exec(index.sql);
    const ok1 = await runSweep(app);
    expect(ok1.resolved).toContain('sessions_sweep:failing');
    expect(sweepFailingStreak(app)).toBe(0);
  });

  test('the dashboard shows what the catch-up sweep settled today, and when the last sweep ran and how it ended', async () => {
    const depot = await startSessionDepot();
    const { app, clock } = depot;
    await stoppedAtChargerUnsettled(depot, { topUpYuan: 100, tag: 'CARD-D1', kwh: 20, chargerId: 'CP-D1' });
    await stoppedAtChargerUnsettled(depot, { topUpYuan: 100, tag: 'CARD-D2', kwh: 10, chargerId: 'CP-D2' });
    let f = await figures(depot);
    expect(f).toMatchObject({ 'sessions.unsettled': 2, 'sessions.unsettledAmount': 6000, 'sessions.settledBySweepToday': 0 });
    expect(f['sessions.lastSweepAt']).toBeUndefined();

    const r = await runSweep(app);
    expect(r.settled).toBe(2);
    f = await figures(depot);
    expect(f).toMatchObject({
      'sessions.unsettled': 0,
      'sessions.unsettledAmount': 0,
      'sessions.settledBySweepToday': 2,
      'sessions.settledBySweepTodayAmount': r.totalAmountFen,
      'sessions.lastSweepAt': r.startedAt,
      'sessions.lastSweepResult': 0,
      'sessions.sweepFailingStreak': 0,
    });
    // A dry run is not a sweep that settled anything.
    await runSweep(app, { dryRun: true });
    expect((await figures(depot))['sessions.lastSweepAt']).toBe(r.startedAt);

    // The next business day starts from zero; the last sweep is still the last one.
    clock.advance(DAY);
    expect(await figures(depot)).toMatchObject({ 'sessions.settledBySweepToday': 0, 'sessions.settledBySweepTodayAmount': 0, 'sessions.lastSweepAt': r.startedAt });
  });
});
