import { describe, expect, test } from 'vitest';
import type { AppContext } from '../../src-main/app/context';
import type { SessionView } from '../../src-main/sessions';
import { GUANGDONG_PLAN, importTariff } from '../../src-main/tariffs';
import { ok } from '../helpers';
import { BACK_OFFICE, skipWithoutMosquitto, startMosquitto } from '../mosquitto';
import { at, expectLedgerValid, PASSWORD, revenue, startSessionDepot, timelineKinds, wallet, type SessionDepot } from './helpers';

/**
 * The session cases through Mosquitto (broker.mode = external), each with the embedded-broker
 * test's assertions (lifecycle, replay): the same code path, with Mosquitto doing the logins and the
 * ACL. Skipped, with the reason printed, where no Mosquitto is installed.
 */
const missing = skipWithoutMosquitto('test/sessions/mosquitto.test.ts');
const DAY = 24 * 3_600_000;

/** Mosquitto with logins for CP-1 and CP-2 (the session helpers' PASSWORD), and a depot on it. */
async function depotOnMosquitto(): Promise<SessionDepot> {
  const { url } = await startMosquitto({ chargers: { 'CP-1': PASSWORD, 'CP-2': PASSWORD } });
  const depot = await startSessionDepot({ external: { url, ...BACK_OFFICE } });
  expect(depot.app.runtime.broker).toMatchObject({ state: 'connected', url });
  return depot;
}

function sessionsOf(app: AppContext): { id: string; state: string }[] {
  return app.sqlite.prepare('SELECT id, state FROM charging_sessions ORDER BY created_at').all() as { id: string; state: string }[];
}

function count(app: AppContext, sql: string, ...args: unknown[]): number {
  return (app.sqlite.prepare(sql).get(...args) as { n: number }).n;
}

describe.skipIf(missing)('a session through Mosquitto', { timeout: 60_000 }, () => {
  test('RemoteStart, StartTransaction, readings, StopTransaction: settled to the fen, the same as on the embedded broker', async () => {
    const depot = await depotOnMosquitto();
    const { app } = depot;
    const cp = await depot.charger('CP-1');
    const driver = depot.driver({ topUpYuan: 300 });

    const started = await ok<SessionView>(app, depot.operator, 'sessions.start', { chargerId: 'CP-1', connectorId: 1, driver: driver.id, prepay: '100.00' });
    expect(started.state).toBe('STARTING');
    await depot.until(() => timelineKinds(app, started.id).includes('remote_start_accepted'), 'the charger accepted');
    expect(cp.received.map((m) => m.text).find((t) => t.includes('RemoteStartTransaction'))).toContain(started.idTag);

    // The same readings as the embedded-broker lifecycle test: 6 kWh 平 + 4 kWh 峰 → ¥15.92.
    const tx = await cp.startTransaction(1, started.idTag, 100_000, at('09:00'));
    await depot.settle();
    expect(depot.session(started.id).state).toBe('CHARGING');
    await cp.meterValues(1, tx, 103_000, at('09:30'));
    await cp.meterValues(1, tx, 106_000, at('10:00'));
    // A repeated StopTransaction (the charger did not see our answer) settles once.
    const stop = cp.stopPayload(tx, 110_000, at('10:30'), 'EVDisconnected');
    await cp.call('StopTransaction', stop);
    await cp.call('StopTransaction', stop);
    await depot.settle();

    const s = depot.session(started.id);
    expect(s.state).toBe('PAID');
    expect(s.energyWh).toBe(10_000);
    expect(s.amountFen).toBe(1592);
    expect(wallet(app, driver.id)).toEqual({ balance: 30_000 - 1592, held: 0, available: 30_000 - 1592 });
    expect(revenue(app)).toEqual({ electricity: 792, service: 800 });
    expect(timelineKinds(app, s.id)).toEqual(['placed', 'remote_start_sent', 'remote_start_accepted', 'start_transaction', 'stop_transaction', 'settled_paid']);
    expectLedgerValid(app);
  });

  test('a charger that never confirms the start gets the hold released after 60 s, and the driver is told', async () => {
    const depot = await depotOnMosquitto();
    const { app, clock } = depot;
    await depot.charger('CP-1');
    const driver = depot.driver({ topUpYuan: 100 });
    const s = await ok<SessionView>(app, depot.operator, 'sessions.start', { chargerId: 'CP-1', connectorId: 2, driver: driver.id, prepay: '80.00' });
    expect(wallet(app, driver.id).held).toBe(8_000);
    await depot.until(() => timelineKinds(app, s.id).includes('remote_start_accepted'), 'the charger accepted');

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
    expect(notes.map((n) => n.kind)).toEqual(['start_failed']);
    expect(notes[0].text).toContain('80.00');
    expect(timelineKinds(app, s.id)).toEqual(['placed', 'remote_start_sent', 'remote_start_accepted', 'start_timeout', 'hold_voided']);
    expectLedgerValid(app);
  });

  test('a StartTransaction after the timeout reopens the session, charges it from the wallet and flags it for review', async () => {
    const depot = await depotOnMosquitto();
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
    expect(timelineKinds(app, s.id)).toContain('late_start');
    expectLedgerValid(app);
  });

  test('the same StopTransaction three times settles once, and every copy is acknowledged', async () => {
    const depot = await depotOnMosquitto();
    const { app } = depot;
    const cp = await depot.charger('CP-1');
    const driver = depot.driver({ topUpYuan: 100 });
    const s = await ok<SessionView>(app, depot.operator, 'sessions.start', { chargerId: 'CP-1', connectorId: 1, driver: driver.id, prepay: '30.00' });
    await depot.until(() => timelineKinds(app, s.id).includes('remote_start_accepted'), 'the charger accepted');
    const tx = await cp.startTransaction(1, s.idTag, 1_000, at('09:00'));
    // 1 kWh 平: 0.6254 + 0.8000 = 1.4254 → ¥1.43.
    const stop = cp.stopPayload(tx, 2_000, at('09:20'));
    const answers = [];
    for (let i = 0; i < 3; i += 1) answers.push(await cp.call('StopTransaction', stop));
    await depot.settle();
    expect(answers).toHaveLength(3);
    const settled = depot.session(s.id);
    expect(settled.state).toBe('PAID');
    expect(settled.amountFen).toBe(143);
    expect(wallet(app, driver.id)).toEqual({ balance: 10_000 - 143, held: 0, available: 10_000 - 143 });
    expect(revenue(app)).toEqual({ electricity: 63, service: 80 });
    const inbox = app.sqlite.prepare("SELECT copies, processed_at AS processedAt FROM charger_transactions WHERE kind = 'stop'").all() as { copies: number; processedAt: number | null }[];
    expect(inbox).toHaveLength(1);
    expect(inbox[0].copies).toBe(3);
    expect(inbox[0].processedAt).not.toBeNull();
    expect(timelineKinds(app, s.id).filter((k) => k.startsWith('settled'))).toEqual(['settled_paid']);
    expectLedgerValid(app);
  });

  test("a session started at the charger with a card, replayed two days late across a tariff change, is created from the records and priced by the charger's times", async () => {
    const depot = await depotOnMosquitto();
    const { app, clock } = depot;
    const cp = await depot.charger('CP-1');
    const driver = depot.driver({ topUpYuan: 100, tag: 'CARD-7' });
    // From 2026-01-16 the plan's 谷 costs 0.30000 + 0.60000 per kWh.
    importTariff(app, {
      file: { ...GUANGDONG_PLAN, effectiveFrom: '2026-01-16', prices: { ...GUANGDONG_PLAN.prices, valley: { electricity: '0.30000', service: '0.60000' } } },
    });

    clock.advance(2 * DAY);
    const tx = await cp.startTransaction(1, 'card-7', 200_000, at('23:00'));
    await cp.meterValues(1, tx, 207_000, at('00:00', '2026-01-16'));
    await cp.stopTransaction(tx, 214_000, at('01:00', '2026-01-16'));
    await depot.settle();

    // 23:00–24:00 平 under version 1: 7 kWh × (0.62540 + 0.80000); 00:00–01:00 谷 under version 2:
    // 7 kWh × (0.30000 + 0.60000). Electricity 6.4778, service 9.8000 → ¥16.28 (648 + 980).
    const rows = sessionsOf(app);
    expect(rows).toHaveLength(1);
    const s = depot.session(rows[0].id);
    expect(s.origin).toBe('charger');
    expect(s.driverId).toBe(driver.id);
    expect(s.state).toBe('PAID');
    expect(s.startedAt).toBe(at('23:00'));
    expect(s.startReceivedAt).toBe(clock.now());
    expect(s.amountFen).toBe(1628);
    expect(s.electricityFen).toBe(648);
    expect(s.serviceFen).toBe(980);
    expect(s.paidWalletFen).toBe(1628);
    expect(JSON.parse(s.quote!).versions).toHaveLength(2);
    expect(wallet(app, driver.id)).toEqual({ balance: 10_000 - 1628, held: 0, available: 10_000 - 1628 });
    expect(revenue(app)).toEqual({ electricity: 648, service: 980 });
    expect(timelineKinds(app, s.id)).toEqual(['charger_start', 'stop_transaction', 'settled_paid']);
    expectLedgerValid(app);
  });

  test("a charger publishing under another charger's id is dropped by Mosquitto's ACL: the other charger's session and the ledger are unchanged", async () => {
    const depot = await depotOnMosquitto();
    const { app } = depot;
    const cp1 = await depot.charger('CP-1');
    const cp2 = await depot.charger('CP-2');
    const driver = depot.driver({ topUpYuan: 100, tag: 'CARD-8' });
    const s = await ok<SessionView>(app, depot.operator, 'sessions.start', { chargerId: 'CP-2', connectorId: 1, driver: driver.id, prepay: '30.00' });
    await depot.until(() => timelineKinds(app, s.id).includes('remote_start_accepted'), 'the charger accepted');
    const tx = await cp2.startTransaction(1, s.idTag, 1_000, at('09:00'));
    await depot.settle();
    expect(depot.session(s.id).state).toBe('CHARGING');
    const messagesBefore = count(app, "SELECT count(*) AS n FROM charger_messages WHERE charger_id = 'CP-2'");
    const inboxBefore = count(app, 'SELECT count(*) AS n FROM charger_transactions');

    // CP-1 (logged in as CP-1) stops CP-2's session with an inflated meter, and starts one with a driver's card.
    const spoofedStop = { ...cp2.stopPayload(tx, 900_000, at('09:10')) };
    await cp1.publishRaw('ocpp/cp/CP-2', JSON.stringify([2, 'spoof-stop', 'StopTransaction', spoofedStop]));
    await cp1.publishRaw('ocpp/cp/CP-2', JSON.stringify([2, 'spoof-start', 'StartTransaction', { connectorId: 2, idTag: 'CARD-8', meterStart: 0, timestamp: new Date(at('09:05')).toISOString() }]));
    // CP-1's own round trip after the spoofs: Mosquitto forwards one client's messages in order,
    // so had it let the spoofs through, the back office would have them by the time this is answered.
    await cp1.heartbeat();
    await depot.settle();

    expect(count(app, "SELECT count(*) AS n FROM charger_messages WHERE charger_id = 'CP-2'")).toBe(messagesBefore);
    expect(count(app, 'SELECT count(*) AS n FROM charger_transactions')).toBe(inboxBefore);
    expect(sessionsOf(app)).toEqual([{ id: s.id, state: 'CHARGING' }]);
    expect(wallet(app, driver.id)).toEqual({ balance: 10_000, held: 3_000, available: 7_000 });
    expect(revenue(app)).toEqual({ electricity: 0, service: 0 });

    // The real CP-2 stops: 1 kWh 平 → ¥1.43, settled from the hold.
    await cp2.stopTransaction(tx, 2_000, at('09:20'));
    await depot.settle();
    const paid = depot.session(s.id);
    expect(paid.state).toBe('PAID');
    expect(paid.amountFen).toBe(143);
    expect(wallet(app, driver.id)).toEqual({ balance: 10_000 - 143, held: 0, available: 10_000 - 143 });
    expect(revenue(app)).toEqual({ electricity: 63, service: 80 });
    expectLedgerValid(app);
  });
});
