import { describe, expect, test } from 'vitest';
import { ok } from '../helpers';
import type { SessionView } from '../../src-main/sessions';
import { at, brokerCases, expectLedgerValid, revenue, T0, timelineKinds, wallet } from './helpers';

describe.each(brokerCases('test/sessions/lifecycle.test.ts (its Mosquitto cases)'))('a session started from DepotDesk, through $broker', ({ start }) => {
  test('a normal session: hold, RemoteStart, start, readings, stop, settled to the fen by the tariff', async () => {
    const depot = await start();
    const { app, clock } = depot;
    const cp = await depot.charger('CP-1');
    const driver = depot.driver({ topUpYuan: 300 });
    expect(clock.now()).toBe(T0);

    const started = await ok<SessionView>(app, depot.operator, 'sessions.start', { chargerId: 'CP-1', connectorId: 1, driver: driver.id, prepay: '100.00' });
    expect(started.state).toBe('STARTING');
    expect(wallet(app, driver.id)).toEqual({ balance: 30_000, held: 10_000, available: 20_000 });
    // The charger got the RemoteStart with the session's id tag (start does not wait for its answer).
    await depot.until(() => timelineKinds(app, started.id).includes('remote_start_accepted'), 'the charger accepted');
    const remote = cp.received.map((m) => m.text).find((t) => t.includes('RemoteStartTransaction'));
    expect(remote).toContain(started.idTag);

    // 09:00 start, 3 kWh by 09:30 and 3 more by 10:00 (平), 4 kWh by 10:30 (峰).
    const tx = await cp.startTransaction(1, started.idTag, 100_000, at('09:00'));
    await depot.settle();
    expect(depot.session(started.id).state).toBe('CHARGING');
    expect(depot.session(started.id).transactionId).toBe(tx);
    await cp.meterValues(1, tx, 103_000, at('09:30'));
    await cp.meterValues(1, tx, 106_000, at('10:00'));
    await cp.stopTransaction(tx, 110_000, at('10:30'), 'EVDisconnected');
    await depot.settle();

    // By hand: 平 6 kWh × (0.62540 + 0.80000) = 3.7524 + 4.8000; 峰 4 kWh × (1.04090 + 0.80000) = 4.1636 + 3.2000.
    // Electricity 7.9160, service 8.0000, total 15.9160 → ¥15.92 = 1592 fen (electricity 792, service 800).
    const s = depot.session(started.id);
    expect(s.state).toBe('PAID');
    expect(s.energyWh).toBe(10_000);
    expect(s.amountFen).toBe(1592);
    expect(s.electricityFen).toBe(792);
    expect(s.serviceFen).toBe(800);
    expect(s.paidHoldFen).toBe(1592);
    expect(s.debtFen).toBe(0);
    expect(wallet(app, driver.id)).toEqual({ balance: 30_000 - 1592, held: 0, available: 30_000 - 1592 });
    expect(revenue(app)).toEqual({ electricity: 792, service: 800 });
    expect(timelineKinds(app, s.id)).toEqual(['placed', 'remote_start_sent', 'remote_start_accepted', 'start_transaction', 'stop_transaction', 'settled_paid']);

    const detail = await ok<{ quote: { periods: Record<string, { kwh: string }> }; transfers: { id: string; amountFen: number }[] }>(
      app,
      depot.operator,
      'sessions.get',
      { id: s.id },
    );
    expect(detail.quote.periods.flat.kwh).toBe('6.000000');
    expect(detail.quote.periods.peak.kwh).toBe('4.000000');
    expect(detail.transfers.map((t) => t.id)).toEqual(expect.arrayContaining([`hold:${s.id}`, `settle:${s.id}#post`]));
    expectLedgerValid(app);
  });

  test('a charger that never confirms the start gets the hold released after 60 s, and the driver is told', async () => {
    const depot = await start();
    const { app, clock } = depot;
    await depot.charger('CP-1');
    const driver = depot.driver({ topUpYuan: 100 });
    const s = await ok<SessionView>(app, depot.operator, 'sessions.start', { chargerId: 'CP-1', connectorId: 2, driver: driver.id, prepay: '80.00' });
    expect(wallet(app, driver.id).held).toBe(8_000);
    await depot.until(() => timelineKinds(app, s.id).includes('remote_start_accepted'), 'the charger accepted');

    // Before the 60 s are up the timeout job is not due.
    clock.advance(59_000);
    await depot.services.scheduler.drain({ crons: false });
    expect(depot.session(s.id).state).toBe('STARTING');

    clock.advance(1_000);
    const run = await depot.services.scheduler.drain({ crons: false });
    expect(run.runs.map((r) => [r.kind, r.outcome])).toContainEqual(['sessions.startTimeout', 'completed']);
    const failed = depot.session(s.id);
    expect(failed.state).toBe('FAILED');
    expect(failed.failureReason).toMatch(/no StartTransaction within 60 s/);
    expect(wallet(app, driver.id)).toEqual({ balance: 10_000, held: 0, available: 10_000 });
    const notes = app.sqlite.prepare('SELECT kind, text FROM notifications WHERE driver_id = ?').all(driver.id) as { kind: string; text: string }[];
    expect(notes).toHaveLength(1);
    expect(notes[0].kind).toBe('start_failed');
    expect(notes[0].text).toContain('80.00');
    expect(timelineKinds(app, s.id)).toEqual(['placed', 'remote_start_sent', 'remote_start_accepted', 'start_timeout', 'hold_voided']);
    expectLedgerValid(app);
  });

  test('a StartTransaction after the timeout reopens the session, charges it from the wallet and flags it for review', async () => {
    const depot = await start();
    const { app, clock } = depot;
    const cp = await depot.charger('CP-1');
    const driver = depot.driver({ topUpYuan: 100 });
    const s = await ok<SessionView>(app, depot.operator, 'sessions.start', { chargerId: 'CP-1', connectorId: 1, driver: driver.id, prepay: '50.00' });
    await depot.until(() => timelineKinds(app, s.id).includes('remote_start_accepted'), 'the charger accepted');
    clock.advance(61_000);
    await depot.services.scheduler.drain({ crons: false });
    expect(depot.session(s.id).state).toBe('FAILED');
    expect(wallet(app, driver.id).held).toBe(0);

    // The car did start, late: 09:01 to 09:31, 2 kWh at 平 × (0.62540 + 0.80000) = 2.8508 → ¥2.85.
    const tx = await cp.startTransaction(1, s.idTag, 50_000, at('09:01'));
    await depot.settle();
    const reopened = depot.session(s.id);
    expect(reopened.state).toBe('CHARGING');
    expect(reopened.reviewReason).toBe('late_start');
    expect(reopened.reviewState).toBe('pending');
    await cp.stopTransaction(tx, 52_000, at('09:31'));
    await depot.settle();
    const paid = depot.session(s.id);
    expect(paid.state).toBe('PAID');
    expect(paid.amountFen).toBe(285);
    expect(paid.paidHoldFen).toBe(0);
    expect(paid.paidWalletFen).toBe(285);
    expect(wallet(app, driver.id)).toEqual({ balance: 10_000 - 285, held: 0, available: 10_000 - 285 });
    expect(revenue(app)).toEqual({ electricity: 125, service: 160 });
    // Still in the queue for a supervisor to look at; approving only acknowledges it.
    const { sessions: queue } = await ok<{ total: number; sessions: SessionView[] }>(app, depot.operator, 'sessions.reviewQueue');
    expect(queue.map((q) => q.id)).toEqual([s.id]);
    const approved = await ok<SessionView>(app, depot.supervisor, 'sessions.approveReview', { sessionId: s.id, note: 'car was charging' });
    expect(approved.state).toBe('PAID');
    expect(approved.reviewState).toBe('approved');
    expect(timelineKinds(app, s.id)).toContain('late_start');
    expectLedgerValid(app);
  });
});
