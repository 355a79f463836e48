import { describe, expect, test, vi } from 'vitest';
import { listAlerts } from '../../src-main/alerts';
import { startScheduler } from '../../src-main/jobs';
import { runSweep, sweepCron, sweeperFigures, sweepWorker, unsettledSummary, type SweepResult } from '../../src-main/sessions';
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
    expect(sweeperFigures(app)).toEqual([
      { key: 'sessions.unsettled', value: 1, unit: 'count' },
      { key: 'sessions.unsettledAmount', value: 4000, unit: 'fen' },
      { key: 'sessions.unsettledOutsideWindow', value: 1, unit: 'count' },
    ]);
    // Above both thresholds (more than 0 sessions, more than ¥10.00): two alerts, one per rule.
    expect(r.alerts.sort()).toEqual(['sessions_unsettled:amount', 'sessions_unsettled:count']);
    const open = listAlerts(app, { open: true, limit: 10, offset: 0 }).items;
    expect(open.map((a) => a.code).sort()).toEqual(['sessions_unsettled', 'sessions_unsettled_amount']);
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
    expectLedgerValid(app);
  });
});
