import { describe, expect, test } from 'vitest';
import type { AppContext } from '../../src-main/kernel/context';
import type { SimCharger } from '../../src-main/chargers/simulator';
import type { OperatorIdentity } from '../../src-main/kernel/method';
import { writeTx } from '../../src-main/kernel/db/connection';
import type { DepotError } from '../../src-main/kernel/errors';
import { addDriver, DEPOT, driverAccountId, postSessionCharge, resettleSession, topUp, verifyLedger, walletView, type Driver } from '../../src-main/ledger';
import { applyTransfers, runOperation } from '../../src-main/ledger/engine';
import { applyStopAfterForceClose, type SessionView } from '../../src-main/sessions';
import { addOperator, call, cli, makeApp, ok } from '../helpers';
import { at, brokerCases, expectLedgerValid, revenue, startSessionDepot, timelineKinds, wallet, type SessionDepot } from './helpers';

/**
 * Stuck sessions and force-close (issue 12, defect 4): a session whose StopTransaction never
 * comes. Real SQLite, the real migrations, a real broker (embedded and Mosquitto), simulated
 * chargers; only the clock is fake. The CLI cases run the real `depotdesk` on the depot's file.
 */

const HOUR = 3_600_000;

/** Net revenue the ledger booked for a session, by leg (credits to revenue minus debits from it). */
function bookedFor(app: AppContext, sessionId: string): { electricity: number; service: number } {
  const net = (account: string) =>
    (
      app.sqlite
        .prepare(
          `SELECT coalesce(sum(CASE WHEN credit_account_id = @a THEN amount ELSE 0 END), 0) - coalesce(sum(CASE WHEN debit_account_id = @a THEN amount ELSE 0 END), 0) AS n
           FROM ledger_transfers WHERE session_id = @s AND phase IN ('single', 'post')`,
        )
        .get({ a: account, s: sessionId }) as { n: number }
    ).n;
  return { electricity: net(DEPOT.electricityRevenue), service: net(DEPOT.serviceRevenue) };
}

function expectFiguresMatchLedger(app: AppContext, depot: SessionDepot, sessionId: string): void {
  const s = depot.session(sessionId);
  const booked = bookedFor(app, sessionId);
  expect({ electricity: s.electricityFen, service: s.serviceFen, amount: s.amountFen }).toEqual({ ...booked, amount: booked.electricity + booked.service });
}

function stuckAlerts(app: AppContext): { subject: string; count: number }[] {
  return app.sqlite.prepare("SELECT subject, count FROM alerts WHERE code = 'session.stuck' ORDER BY subject").all() as { subject: string; count: number }[];
}

function connectorsBusy(app: AppContext, chargerId: string, connectorId: number): number {
  return (
    app.sqlite
      .prepare("SELECT count(*) AS n FROM charging_sessions WHERE charger_id = ? AND connector_id = ? AND state IN ('PLACED', 'STARTING', 'CHARGING', 'STOPPING')")
      .get(chargerId, connectorId) as { n: number }
  ).n;
}

/** Starts a session from DepotDesk on `cp` connector 1 and has the charger confirm it at `startAt` (charger time). */
async function charging(depot: SessionDepot, cp: SimCharger, driver: Driver, prepay: string, meterStart: number, startAt: number): Promise<{ id: string; tx: number }> {
  const started = await ok<SessionView>(depot.app, depot.operator, 'sessions.start', { chargerId: cp.id, connectorId: 1, driver: driver.id, prepay });
  await depot.until(() => timelineKinds(depot.app, started.id).includes('remote_start_accepted'), 'the charger accepted');
  await cp.status(1, 'Charging');
  const tx = await cp.startTransaction(1, started.idTag, meterStart, startAt);
  await depot.settle();
  expect(depot.session(started.id).state).toBe('CHARGING');
  return { id: started.id, tx };
}

/** The charger loses its network; the back office marks it offline and `hours` pass in silence. */
async function silentFor(depot: SessionDepot, cp: SimCharger, hours: number): Promise<void> {
  cp.drop();
  // The first drain installs the crons (from their next slot on); the second runs them.
  await depot.services.scheduler.drain();
  depot.clock.advance(5 * 60_000);
  await depot.services.scheduler.drain();
  expect(depot.app.sqlite.prepare('SELECT online FROM chargers WHERE id = ?').get(cp.id)).toEqual({ online: 0 });
  depot.clock.advance(hours * HOUR);
  await depot.services.scheduler.drain();
}

/** The charger's network is back: it reconnects and says hello before replaying what it kept. */
async function backOnline(depot: SessionDepot, cp: SimCharger): Promise<void> {
  await cp.connect();
  await cp.boot();
  await cp.status(1, 'Available');
  await depot.settle();
}

async function twoSupervisors(app: AppContext): Promise<[OperatorIdentity, OperatorIdentity]> {
  return [await addOperator(app, 'supervisor'), await addOperator(app, 'supervisor')];
}

describe.each(brokerCases('test/sessions/force-close.test.ts (its Mosquitto cases)'))('stuck sessions and force-close, through $broker', ({ start }) => {
  test('a session whose charger went offline raises a stuck alert after 6 h, and not while the charger is online', async () => {
    const depot = await start();
    const { app, clock } = depot;
    const cp1 = await depot.charger('CP-1');
    const cp2 = await depot.charger('CP-2');
    const lost = await charging(depot, cp1, depot.driver({ topUpYuan: 200 }), '50.00', 100_000, at('09:00'));
    const quiet = await charging(depot, cp2, depot.driver({ topUpYuan: 200 }), '50.00', 200_000, at('09:00'));
    await cp1.meterValues(1, lost.tx, 103_000, at('09:30'));
    await depot.settle();
    const lastHeard = (app.sqlite.prepare("SELECT last_seen_at AS t FROM chargers WHERE id = 'CP-1'").get() as { t: number }).t;

    // CP-1 loses its network; CP-2 keeps its heartbeat but sends nothing for its session.
    cp1.drop();
    const step = async (ms: number) => {
      clock.advance(ms);
      await cp2.heartbeat();
      await depot.settle();
      await depot.services.scheduler.drain();
    };
    for (let i = 0; i < 11; i += 1) await step(HOUR / 2);
    await step(lastHeard + 6 * HOUR - 60_000 - clock.now());
    expect(app.sqlite.prepare("SELECT online FROM chargers WHERE id IN ('CP-1', 'CP-2') ORDER BY id").all()).toEqual([{ online: 0 }, { online: 1 }]);
    expect(stuckAlerts(app)).toEqual([]);
    expect(await ok<unknown[]>(app, depot.operator, 'sessions.stuck')).toEqual([]);

    await step(60_000);
    expect(stuckAlerts(app)).toEqual([{ subject: `session.stuck:${lost.id}`, count: 1 }]);
    const stuck = await ok<{ session: SessionView; lastMessageAt: number; silentForMs: number; forceClose: unknown }[]>(app, depot.operator, 'sessions.stuck');
    expect(stuck.map((x) => [x.session.id, x.lastMessageAt, x.silentForMs, x.forceClose])).toEqual([[lost.id, lastHeard, 6 * HOUR, null]]);
    const detail = await ok<{ stuck: { silentForMs: number } | null }>(app, depot.operator, 'sessions.get', { id: lost.id });
    expect(detail.stuck?.silentForMs).toBe(6 * HOUR);
    expect((await ok<{ stuck: unknown }>(app, depot.operator, 'sessions.get', { id: quiet.id })).stuck).toBeNull();

    // Raised again while it stays stuck: counted on the same open alert, never a second one.
    await step(HOUR);
    expect(stuckAlerts(app)).toEqual([{ subject: `session.stuck:${lost.id}`, count: 2 }]);
    expect(depot.session(quiet.id).state).toBe('CHARGING');
    expectLedgerValid(app);
  });

  test('a force-close requested by one supervisor and approved by another settles at the last reading and frees the connector; the requester cannot approve', async () => {
    const depot = await start();
    const { app } = depot;
    const [requester, approver] = await twoSupervisors(app);
    const cp = await depot.charger('CP-1');
    const driver = depot.driver({ topUpYuan: 300 });
    const s = await charging(depot, cp, driver, '100.00', 100_000, at('09:00'));
    await cp.meterValues(1, s.tx, 106_000, at('10:00'));
    await depot.settle();

    // Not stuck yet (its charger is online): refused, nothing written.
    const early = await call(app, requester, 'sessions.requestForceClose', { sessionId: s.id, reason: 'charger unreachable' });
    expect(early.ok || early.error).toMatchObject({ code: 'refused', details: { field: 'sessionId', reason: 'charger_online' } });
    // An operator may not ask at all; a supervisor must give a reason.
    expect((await call(app, depot.operator, 'sessions.requestForceClose', { sessionId: s.id, reason: 'x' })).ok).toBe(false);

    await silentFor(depot, cp, 6);
    const noReason = await call(app, requester, 'sessions.requestForceClose', { sessionId: s.id, reason: '  ' });
    expect(noReason.ok || noReason.error).toMatchObject({ code: 'invalid_input' });
    const fc = await ok<{ state: string; meterWh: number; readingAt: number; requestedBy: { id: string } }>(app, requester, 'sessions.requestForceClose', {
      sessionId: s.id,
      reason: 'charger lost its network mid-session; car gone',
    });
    expect(fc).toMatchObject({ state: 'requested', meterWh: 106_000, readingAt: at('10:00'), requestedBy: { id: requester.id } });
    const twice = await call(app, approver, 'sessions.requestForceClose', { sessionId: s.id, reason: 'again' });
    expect(twice.ok || twice.error).toMatchObject({ code: 'conflict' });

    // The requester cannot approve or reject their own request.
    for (const [m, params] of [
      ['sessions.approveForceClose', { sessionId: s.id }],
      ['sessions.rejectForceClose', { sessionId: s.id, note: 'never mind' }],
    ] as const) {
      const own = await call(app, requester, m, params);
      expect(own.ok || own.error).toMatchObject({ code: 'forbidden', details: { field: 'sessionId', reason: 'requester_cannot_decide' } });
      expect(own.ok || own.error.message).toMatch(/you requested this force-close, so another supervisor must/);
    }
    expect(depot.session(s.id).state).toBe('CHARGING');
    expect(connectorsBusy(app, 'CP-1', 1)).toBe(1);

    // 09:00 → 10:00, 6 kWh at 平: 3.7524 + 4.8000 = ¥8.5524 → ¥8.55 (electricity 375, service 480).
    const closed = await ok<SessionView>(app, approver, 'sessions.approveForceClose', { sessionId: s.id, note: 'checked the car is gone' });
    expect(closed).toMatchObject({
      state: 'PAID',
      meterStopWh: 106_000,
      stoppedAt: at('10:00'),
      stopReason: 'ForceClosed',
      energyWh: 6_000,
      amountFen: 855,
      electricityFen: 375,
      serviceFen: 480,
      paidHoldFen: 855,
    });
    expect(wallet(app, driver.id)).toEqual({ balance: 30_000 - 855, held: 0, available: 30_000 - 855 });
    expect(revenue(app)).toEqual({ electricity: 375, service: 480 });
    expect(timelineKinds(app, s.id).slice(-3)).toEqual(['force_close_requested', 'force_close', 'settled_paid']);
    expect(connectorsBusy(app, 'CP-1', 1)).toBe(0);
    expect(await ok<unknown[]>(app, depot.operator, 'sessions.stuck')).toEqual([]);
    const decided = await call(app, approver, 'sessions.approveForceClose', { sessionId: s.id });
    expect(decided.ok || decided.error).toMatchObject({ code: 'conflict' });
    expectFiguresMatchLedger(app, depot, s.id);
    expectLedgerValid(app);

    // The charger comes back: its connector takes a new session at once.
    await backOnline(depot, cp);
    const next = await ok<SessionView>(app, depot.operator, 'sessions.start', { chargerId: 'CP-1', connectorId: 1, driver: driver.id, prepay: '20.00' });
    expect(next.state).toBe('STARTING');
  });

  test('a rejected force-close leaves the session as it was, and a new request may follow', async () => {
    const depot = await start();
    const { app } = depot;
    const [requester, other] = await twoSupervisors(app);
    const cp = await depot.charger('CP-1');
    const s = await charging(depot, cp, depot.driver({ topUpYuan: 100 }), '50.00', 100_000, at('09:00'));
    await silentFor(depot, cp, 7);
    await ok(app, requester, 'sessions.requestForceClose', { sessionId: s.id, reason: 'stuck' });
    const noNote = await call(app, other, 'sessions.rejectForceClose', { sessionId: s.id, note: '' });
    expect(noNote.ok || noNote.error).toMatchObject({ code: 'invalid_input' });
    const rejected = await ok<{ state: string; decidedBy: { id: string }; decisionNote: string }>(app, other, 'sessions.rejectForceClose', {
      sessionId: s.id,
      note: 'the site says the car is still plugged in',
    });
    expect(rejected).toMatchObject({ state: 'rejected', decidedBy: { id: other.id }, decisionNote: 'the site says the car is still plugged in' });
    expect(depot.session(s.id).state).toBe('CHARGING');
    expect(timelineKinds(app, s.id).slice(-2)).toEqual(['force_close_requested', 'force_close_rejected']);
    const again = await ok<{ state: string }>(app, other, 'sessions.requestForceClose', { sessionId: s.id, reason: 'still silent' });
    expect(again.state).toBe('requested');
    expectLedgerValid(app);
  });

  test('a late real StopTransaction re-settles at the true figures moving only the difference, and a repeat changes nothing', async () => {
    const depot = await start();
    const { app } = depot;
    const [a, b] = await twoSupervisors(app);
    const cp = await depot.charger('CP-1');
    const driver = depot.driver({ topUpYuan: 300 });
    const s = await charging(depot, cp, driver, '100.00', 100_000, at('09:00'));
    await cp.meterValues(1, s.tx, 106_000, at('10:00'));
    await depot.settle();
    await silentFor(depot, cp, 6);
    await ok(app, a, 'sessions.requestForceClose', { sessionId: s.id, reason: 'no stop from the charger' });
    await ok(app, b, 'sessions.approveForceClose', { sessionId: s.id });
    expect(depot.session(s.id).amountFen).toBe(855);
    const settleTransfers = (
      app.sqlite.prepare('SELECT id, amount FROM ledger_transfers WHERE session_id = ? ORDER BY seq').all(s.id) as { id: string; amount: number }[]
    ).filter((t) => t.id.startsWith('settle:'));

    // The charger comes back and replays the stop it kept: the car went on to 110 kWh at 10:30.
    // By hand (as in lifecycle.test.ts): 平 6 kWh + 峰 4 kWh = ¥15.9160 → ¥15.92 (electricity 792, service 800).
    await backOnline(depot, cp);
    const stop = cp.stopPayload(s.tx, 110_000, at('10:30'), 'EVDisconnected');
    await cp.call('StopTransaction', stop);
    await depot.settle();
    const after = depot.session(s.id);
    expect(after).toMatchObject({
      state: 'PAID',
      meterStopWh: 110_000,
      stoppedAt: at('10:30'),
      stopReason: 'EVDisconnected',
      energyWh: 10_000,
      amountFen: 1592,
      electricityFen: 792,
      serviceFen: 800,
    });
    // Only the difference moved: ¥7.37 from the wallet (the hold paid ¥8.55 and was resolved at the force-close).
    expect(after.paidHoldFen).toBe(855);
    expect(after.paidWalletFen).toBe(737);
    expect(wallet(app, driver.id)).toEqual({ balance: 30_000 - 1592, held: 0, available: 30_000 - 1592 });
    expect(revenue(app)).toEqual({ electricity: 792, service: 800 });
    const resettle = app.sqlite.prepare("SELECT id, amount, code FROM ledger_transfers WHERE id LIKE 'resettle:%' ORDER BY seq").all() as {
      id: string;
      amount: number;
      code: string;
    }[];
    expect(resettle).toEqual([
      { id: `resettle:${s.id}#wallet:electricity`, amount: 792 - 375, code: 'settle_electricity' },
      { id: `resettle:${s.id}#wallet:service`, amount: 800 - 480, code: 'settle_service' },
    ]);
    // The settlement's own transfers are untouched.
    expect(
      (app.sqlite.prepare('SELECT id, amount FROM ledger_transfers WHERE session_id = ? ORDER BY seq').all(s.id) as { id: string; amount: number }[]).filter((t) =>
        t.id.startsWith('settle:'),
      ),
    ).toEqual(settleTransfers);
    const detail = await ok<{ timeline: { kind: string; detail: string }[]; forceClose: { stopRecordId: number | null; resettledAt: number | null; resettle: unknown } }>(
      app,
      depot.operator,
      'sessions.get',
      {
        id: s.id,
      },
    );
    expect(detail.timeline.at(-1)).toMatchObject({ kind: 'resettled' });
    expect(detail.timeline.at(-1)!.detail).toMatch(/¥8\.55 → ¥15\.92/);
    expect(detail.forceClose).toMatchObject({
      stopRecordId: expect.any(Number),
      resettledAt: expect.any(Number),
      resettle: { beforeFen: 855, afterFen: 1592, differenceFen: 737, walletFen: 737, debtFen: 0, returnedFen: 0 },
    });
    expectFiguresMatchLedger(app, depot, s.id);
    expectLedgerValid(app);

    // The same stop again from the charger (a retry), and applied by hand a second time: nothing changes.
    const snapshot = () => ({
      session: depot.session(s.id),
      transfers: app.sqlite.prepare('SELECT count(*) AS n FROM ledger_transfers').get(),
      timeline: timelineKinds(app, s.id),
      wallet: wallet(app, driver.id),
    });
    const before = snapshot();
    await cp.call('StopTransaction', stop);
    await depot.settle();
    const outcome = writeTx(app.sqlite, () =>
      applyStopAfterForceClose(app, depot.session(s.id), {
        recordId: detail.forceClose.stopRecordId!,
        meterStopWh: 110_000,
        chargerAt: at('10:30'),
        receivedAt: depot.clock.now(),
        reason: 'EVDisconnected',
        readings: [],
      }),
    );
    expect(outcome).toMatchObject({ done: true, note: expect.stringMatching(/already re-settled/) });
    expect(snapshot()).toEqual(before);
    expectLedgerValid(app);
  });

  test('when the true figures are lower, the difference goes back to the wallet; when the wallet cannot pay more, it becomes a debt', async () => {
    const depot = await start();
    const { app } = depot;
    const [a, b] = await twoSupervisors(app);
    const cp1 = await depot.charger('CP-1');
    const cp2 = await depot.charger('CP-2');

    // Lower: readings at 09:30 (start) and 10:30 only, so the force-close prices the 10 kWh as if
    // delivered evenly: 5 kWh 平 + 5 kWh 峰 = 7.1270 + 9.2045 = ¥16.3315 → ¥16.33 (electricity 833, service 800).
    const richer = depot.driver({ topUpYuan: 300 });
    const low = await charging(depot, cp1, richer, '100.00', 100_000, at('09:30'));
    await cp1.meterValues(1, low.tx, 110_000, at('10:30'));
    // Higher, with a wallet that cannot cover it: ¥10.00 in the wallet, all of it held.
    const poorer = depot.driver({ topUpYuan: 10 });
    const high = await charging(depot, cp2, poorer, '10.00', 100_000, at('09:00'));
    await cp2.meterValues(1, high.tx, 106_000, at('10:00'));
    await depot.settle();
    cp2.drop();
    await silentFor(depot, cp1, 6);
    for (const id of [low.id, high.id]) {
      await ok(app, a, 'sessions.requestForceClose', { sessionId: id, reason: 'charger offline' });
      await ok(app, b, 'sessions.approveForceClose', { sessionId: id });
    }
    expect(depot.session(low.id)).toMatchObject({ state: 'PAID', amountFen: 1633, electricityFen: 833, serviceFen: 800, paidHoldFen: 1633 });
    expect(depot.session(high.id)).toMatchObject({ state: 'PAID', amountFen: 855, paidHoldFen: 855 });
    expect(wallet(app, poorer.id)).toEqual({ balance: 1_000 - 855, held: 0, available: 145 });

    // The real stop of the first: its transactionData holds the 10:00 reading the charger could not
    // send, 109 kWh, so 9 kWh were 平 and 1 kWh 峰: 12.8286 + 1.8409 = ¥14.6695 → ¥14.67 (667 + 800).
    await backOnline(depot, cp1);
    const reading = (wh: number, t: number) => ({
      timestamp: new Date(t).toISOString(),
      sampledValue: [{ value: String(wh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }],
    });
    await cp1.call(
      'StopTransaction',
      cp1.stopPayload(low.tx, 110_000, at('11:00'), 'EVDisconnected', undefined, [
        reading(100_000, at('09:30')),
        reading(109_000, at('10:00')),
        reading(110_000, at('10:30')),
      ]),
    );
    await depot.settle();
    expect(depot.session(low.id)).toMatchObject({ state: 'PAID', amountFen: 1467, electricityFen: 667, serviceFen: 800, meterStopWh: 110_000 });
    expect(wallet(app, richer.id)).toEqual({ balance: 30_000 - 1467, held: 0, available: 30_000 - 1467 });
    expect(app.sqlite.prepare('SELECT id, amount, code, debit_account_id AS debit FROM ledger_transfers WHERE id LIKE ?').all(`resettle:${low.id}%`)).toEqual([
      { id: `resettle:${low.id}#return:electricity`, amount: 166, code: 'refund', debit: DEPOT.electricityRevenue },
    ]);
    expectFiguresMatchLedger(app, depot, low.id);
    expectLedgerValid(app);

    // The second: 110 kWh at 10:30, ¥15.92; ¥7.37 more, of which the wallet has ¥1.45: ¥5.92 is owed.
    await backOnline(depot, cp2);
    await cp2.call('StopTransaction', cp2.stopPayload(high.tx, 110_000, at('10:30')));
    await depot.settle();
    const owed = depot.session(high.id);
    expect(owed).toMatchObject({ state: 'PAID', amountFen: 1592, paidHoldFen: 855, paidWalletFen: 145, debtFen: 592, debtId: expect.any(String) });
    expect(wallet(app, poorer.id)).toEqual({ balance: 0, held: 0, available: 0 });
    expect(app.sqlite.prepare('SELECT amount, status, session_id AS sessionId FROM ledger_debts WHERE driver_id = ?').all(poorer.id)).toEqual([
      { amount: 592, status: 'open', sessionId: high.id },
    ]);
    const notes = app.sqlite.prepare("SELECT text FROM notifications WHERE driver_id = ? AND kind = 'resettled'").all(poorer.id) as { text: string }[];
    expect(notes[0].text).toMatch(/¥5\.92 could not be paid/);
    expectFiguresMatchLedger(app, depot, high.id);
    expectLedgerValid(app);
  });
});

test('a session is not stuck while its charger counts as online, however long it is silent (a charger told to heartbeat once a day)', async () => {
  const depot = await startSessionDepot({ overrides: { chargers: { heartbeatIntervalS: 86_400 } } });
  const { app, clock } = depot;
  const [a] = await twoSupervisors(app);
  const cp = await depot.charger('CP-1');
  const s = await charging(depot, cp, depot.driver({ topUpYuan: 100 }), '50.00', 100_000, at('09:00'));
  await depot.services.scheduler.drain();
  clock.advance(7 * HOUR);
  await depot.services.scheduler.drain();
  expect(app.sqlite.prepare("SELECT online FROM chargers WHERE id = 'CP-1'").get()).toEqual({ online: 1 });
  expect(stuckAlerts(app)).toEqual([]);
  expect(await ok<unknown[]>(app, depot.operator, 'sessions.stuck')).toEqual([]);
  const refused = await call(app, a, 'sessions.requestForceClose', { sessionId: s.id, reason: 'silent for 7 h' });
  expect(refused.ok || refused.error).toMatchObject({ code: 'refused', details: { reason: 'charger_online' } });

  // Three missed daily heartbeats later it is offline, and the session is stuck.
  clock.advance(3 * 24 * HOUR);
  await depot.services.scheduler.drain();
  expect(stuckAlerts(app)).toEqual([{ subject: `session.stuck:${s.id}`, count: 1 }]);
});

test('a late StopTransaction whose readings contradict the force-close reading changes nothing and is parked with the reason', async () => {
  const depot = await startSessionDepot();
  const { app } = depot;
  const [a, b] = await twoSupervisors(app);
  const cp = await depot.charger('CP-1');
  const driver = depot.driver({ topUpYuan: 300 });
  const s = await charging(depot, cp, driver, '100.00', 100_000, at('09:00'));
  await cp.meterValues(1, s.tx, 106_000, at('10:00'));
  await depot.settle();
  await silentFor(depot, cp, 6);
  await ok(app, a, 'sessions.requestForceClose', { sessionId: s.id, reason: 'no stop' });
  await ok(app, b, 'sessions.approveForceClose', { sessionId: s.id });
  const before = { session: depot.session(s.id), wallet: wallet(app, driver.id), transfers: app.sqlite.prepare('SELECT count(*) AS n FROM ledger_transfers').get() };

  // The meter goes backwards: 104 kWh at 10:30 after 106 kWh at 10:00.
  await backOnline(depot, cp);
  await cp.call('StopTransaction', cp.stopPayload(s.tx, 104_000, at('10:30')));
  await depot.settle();
  expect({ session: depot.session(s.id), wallet: wallet(app, driver.id), transfers: app.sqlite.prepare('SELECT count(*) AS n FROM ledger_transfers').get() }).toEqual(
    before,
  );
  const record = app.sqlite
    .prepare("SELECT parked_at AS parkedAt, processed_at AS processedAt, process_error AS error FROM charger_transactions WHERE kind = 'stop'")
    .get() as {
    parkedAt: number | null;
    processedAt: number | null;
    error: string;
  };
  expect(record).toMatchObject({ parkedAt: expect.any(Number), processedAt: null });
  expect(record.error).toMatch(/cannot be priced for session .*not re-settled/);
  expect(app.sqlite.prepare('SELECT count(*) AS n FROM session_meter_samples WHERE session_id = ? AND wh = 104000').get(s.id)).toEqual({ n: 0 });
  expectLedgerValid(app);
});

describe('depotdesk session stuck / force-close (the CLI on the depot file)', { timeout: 240_000 }, () => {
  test('a supervisor lists stuck sessions and requests a force-close, cannot approve it, and a second supervisor approves: PAID', async () => {
    const depot = await startSessionDepot();
    const { app } = depot;
    await addOperator(app, 'supervisor', 'sup-a');
    await addOperator(app, 'supervisor', 'sup-b');
    const cp = await depot.charger('CP-1');
    const s = await charging(depot, cp, depot.driver({ topUpYuan: 200 }), '50.00', 100_000, at('09:00'));
    await cp.meterValues(1, s.tx, 106_000, at('10:00'));
    await depot.settle();
    // The charger goes offline; the CLI runs on today's clock, months after the depot's fake one.
    await silentFor(depot, cp, 0);
    const dir = app.paths.dataDir;
    const as = (name: string) => ['--data-dir', dir, '--as', name];
    const env = { DEPOTDESK_PASSWORD: 'correct-horse' };

    const listed = cli(['session', 'stuck', ...as('sup-a'), '--json'], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.json<{ session: { id: string } }[]>().map((x) => x.session.id)).toEqual([s.id]);
    const human = cli(['session', 'stuck', ...as('sup-a')], env);
    // Led by the session's number and its state in words, the internal id last (issue 16).
    expect(human.stdout).toMatch(new RegExp(`^CD\\d{8} Charging .*${s.id}.*silent`, 'm'));

    const noReason = cli(['session', 'force-close', s.id, ...as('sup-a')], env);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toMatch(/--reason/);
    const requested = cli(['session', 'force-close', s.id, '--reason', 'charger lost its network', ...as('sup-a')], env);
    expect(requested.code, requested.stderr).toBe(0);
    expect(requested.stdout).toMatch(/awaiting approval: at 106000 Wh/);
    expect(requested.stdout).toMatch(/another supervisor must approve or reject it/);

    const own = cli(['session', 'force-close-approve', s.id, ...as('sup-a')], env);
    expect(own.code).toBe(1);
    expect(own.stderr).toMatch(/you requested this force-close, so another supervisor must approve it/);
    expect(depot.session(s.id).state).toBe('CHARGING');

    const approved = cli(['session', 'force-close-approve', s.id, '--note', 'car gone', ...as('sup-b'), '--json'], env);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.json<SessionView>()).toMatchObject({ id: s.id, state: 'PAID', amountFen: 855, stopReason: 'ForceClosed' });
    expect(cli(['session', 'stuck', ...as('sup-b'), '--json'], env).json<unknown[]>()).toEqual([]);
    const verify = cli(['ledger', 'verify', '--data-dir', dir, '--json']);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.json<{ ok: boolean }>().ok).toBe(true);
  });

  test('force-close-reject needs a note and is refused to the requester', async () => {
    const depot = await startSessionDepot();
    const { app } = depot;
    await addOperator(app, 'supervisor', 'sup-c');
    await addOperator(app, 'supervisor', 'sup-d');
    const cp = await depot.charger('CP-1');
    const s = await charging(depot, cp, depot.driver({ topUpYuan: 200 }), '50.00', 100_000, at('09:00'));
    await silentFor(depot, cp, 0);
    const dir = app.paths.dataDir;
    const env = { DEPOTDESK_PASSWORD: 'correct-horse' };
    expect(cli(['session', 'force-close', s.id, '--reason', 'silent', '--data-dir', dir, '--as', 'sup-c'], env).code).toBe(0);
    const noNote = cli(['session', 'force-close-reject', s.id, '--data-dir', dir, '--as', 'sup-d'], env);
    expect(noNote.code).toBe(2);
    expect(noNote.stderr).toMatch(/--note/);
    const own = cli(['session', 'force-close-reject', s.id, '--note', 'no', '--data-dir', dir, '--as', 'sup-c'], env);
    expect(own.code).toBe(1);
    expect(own.stderr).toMatch(/another supervisor must reject it/);
    const rejected = cli(['session', 'force-close-reject', s.id, '--note', 'car still there', '--data-dir', dir, '--as', 'sup-d'], env);
    expect(rejected.code, rejected.stderr).toBe(0);
    expect(rejected.stdout).toMatch(/rejected: .* by sup-d \(car still there\)/);
    expect(depot.session(s.id).state).toBe('CHARGING');
  });
});

describe('the ledger: re-settlement and verify', () => {
  test('a re-settlement moves the difference once; verify counts it as a correction, not a second settlement, and still reports real double bookings', () => {
    const { app } = makeApp();
    const d = addDriver(app, { name: 'Wang', phone: '13900002222' });
    topUp(app, { key: 'topup-1', driverId: d.id, amountFen: 10_000, channel: 'cash' });
    const wallet = driverAccountId(d.id, 'wallet');

    const never = (() => {
      try {
        resettleSession(app, { key: 'resettle:S0', driverId: d.id, sessionId: 'S0', electricityFen: 100, serviceFen: 100 });
        return null;
      } catch (e) {
        return e as DepotError;
      }
    })();
    expect(never).toMatchObject({ code: 'refused', details: { field: 'sessionId' } });

    postSessionCharge(app, { key: 'settle:S1', driverId: d.id, sessionId: 'S1', electricityFen: 300, serviceFen: 200 });
    const r = resettleSession(app, { key: 'resettle:S1', driverId: d.id, sessionId: 'S1', electricityFen: 350, serviceFen: 190 });
    expect(r).toMatchObject({
      before: { totalFen: 500 },
      after: { totalFen: 540 },
      differenceFen: 40,
      charged: { walletFen: 50, debtFen: 0 },
      returnedFen: 10,
      replayed: false,
    });
    expect(walletView(app, d.id).wallet.balanceFen).toBe(10_000 - 540);
    // Again with the same figures: the first result, nothing moved; with other figures: refused.
    expect(resettleSession(app, { key: 'resettle:S1', driverId: d.id, sessionId: 'S1', electricityFen: 350, serviceFen: 190 }).replayed).toBe(true);
    expect(() => resettleSession(app, { key: 'resettle:S1', driverId: d.id, sessionId: 'S1', electricityFen: 400, serviceFen: 190 })).toThrow(
      /already used for a different resettle/,
    );
    expect(() => resettleSession(app, { key: 'resettle:S9', driverId: d.id, sessionId: 'S1', electricityFen: 1, serviceFen: 1 })).toThrow(/keyed resettle:<session>/);
    expect(walletView(app, d.id).wallet.balanceFen).toBe(10_000 - 540);
    expect(verifyLedger(app).violations).toEqual([]);

    // Revenue of S1 booked by a batch that is not S1's own re-settlement is a second settlement.
    runOperation(app, { key: 'resettle:S2', kind: 'resettle', request: {} }, (cx) =>
      applyTransfers(cx.batch, [
        { id: 'resettle:S2#x', debitAccountId: wallet, creditAccountId: DEPOT.electricityRevenue, amount: 10, code: 'settle_electricity', sessionId: 'S1' },
      ]),
    );
    // And a "re-settlement" of a session nothing ever settled.
    runOperation(app, { key: 'resettle:S3', kind: 'resettle', request: {} }, (cx) =>
      applyTransfers(cx.batch, [
        { id: 'resettle:S3#x', debitAccountId: wallet, creditAccountId: DEPOT.serviceRevenue, amount: 10, code: 'settle_service', sessionId: 'S3' },
      ]),
    );
    expect(verifyLedger(app).violations.map((v) => [v.kind, v.session, v.message])).toEqual([
      ['settled_twice', 'S1', 'session S1 was settled by 2 different batches'],
      ['settled_twice', 'S3', 'session S3 was re-settled but never settled'],
    ]);
  });
});
