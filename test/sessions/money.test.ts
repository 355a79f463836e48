import { describe, expect, test } from 'vitest';
import { call, ok } from '../helpers';
import { decodePayload, markOfflineChargers, setMaintenance } from '../../src-main/chargers';
import type { SessionView } from '../../src-main/sessions';
import { at, expectLedgerValid, startSessionDepot, wallet } from './helpers';

function debts(app: Parameters<typeof wallet>[0], driverId: string): { amount: number; status: string }[] {
  return app.sqlite.prepare('SELECT amount, status FROM ledger_debts WHERE driver_id = ?').all(driverId) as { amount: number; status: string }[];
}

/** Chargers CP-1 and CP-2, and a driver whose own card `tag` is charging at CP-1 (a session started by an operator). */
async function cardChargingAtCp1(tag: string) {
  const depot = await startSessionDepot();
  const cp1 = await depot.charger('CP-1');
  const cp2 = await depot.charger('CP-2');
  const driver = depot.driver({ topUpYuan: 100, tag });
  const s = await ok<SessionView>(depot.app, depot.operator, 'sessions.start', { chargerId: 'CP-1', connectorId: 1, driver: driver.id, prepay: '50.00' });
  expect(s.idTag).toBe(tag);
  const tx = await cp1.startTransaction(1, s.idTag, 0, at('10:00'));
  await depot.settle();
  expect(depot.session(s.id).state).toBe('CHARGING');
  return { depot, cp1, cp2, s, tx };
}

describe('settlement and the money it moves', () => {
  test('a session costing more than the hold and the wallet leaves a debt and ends UNPAID; that driver is then refused', async () => {
    const depot = await startSessionDepot();
    const { app } = depot;
    const cp = await depot.charger('CP-1');
    const driver = depot.driver({ topUpYuan: 20 });
    const s = await ok<SessionView>(app, depot.operator, 'sessions.start', { chargerId: 'CP-1', connectorId: 1, driver: driver.phone, prepay: '10.00' });
    const tx = await cp.startTransaction(1, s.idTag, 0, at('10:00'));
    // 20 kWh 峰: 20 × 1.04090 = 20.8180 + 20 × 0.80000 = 16.0000 → ¥36.82.
    await cp.stopTransaction(tx, 20_000, at('11:00'));
    await depot.settle();
    const unpaid = depot.session(s.id);
    expect(unpaid.state).toBe('UNPAID');
    expect(unpaid.amountFen).toBe(3682);
    expect(unpaid.paidHoldFen).toBe(1000);
    expect(unpaid.paidWalletFen).toBe(1000);
    expect(unpaid.debtFen).toBe(1682);
    expect(wallet(app, driver.id)).toEqual({ balance: 0, held: 0, available: 0 });
    expect(debts(app, driver.id)).toEqual([{ amount: 1682, status: 'open' }]);
    const notes = app.sqlite.prepare("SELECT text FROM notifications WHERE driver_id = ? AND kind = 'debt'").all(driver.id) as { text: string }[];
    expect(notes[0].text).toContain('16.82');

    const refused = await call(app, depot.operator, 'sessions.start', { chargerId: 'CP-1', connectorId: 2, driver: driver.id, prepay: '1.00' });
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.error.code).toBe('refused');
      expect(refused.error.message).toMatch(/open debt/);
    }
    expectLedgerValid(app);
  });

  test('a driver in debt is Blocked at the charger too: their card is refused by Authorize, also right after the session that left the debt', async () => {
    const depot = await startSessionDepot();
    const { app } = depot;
    const cp = await depot.charger('CP-1');
    const driver = depot.driver({ topUpYuan: 5, tag: 'CARD-DEBT-1' });
    expect(await cp.authorize('CARD-DEBT-1')).toEqual({ idTagInfo: { status: 'Accepted' } });
    const s = await ok<SessionView>(app, depot.operator, 'sessions.start', { chargerId: 'CP-1', connectorId: 1, driver: driver.id, prepay: '5.00' });
    // The session runs on the driver's own card; while it is active the card is Accepted.
    expect(s.idTag).toBe('CARD-DEBT-1');
    const tx = await cp.startTransaction(1, s.idTag, 0, at('10:00'));
    await depot.settle();
    expect(await cp.authorize('CARD-DEBT-1')).toEqual({ idTagInfo: { status: 'Accepted' } });
    await cp.stopTransaction(tx, 10_000, at('11:00'));
    await depot.settle();
    expect(depot.session(s.id).state).toBe('UNPAID');
    expect(await cp.authorize('CARD-DEBT-1')).toEqual({ idTagInfo: { status: 'Blocked' } });
    // A tag nobody owns stays Invalid.
    expect(await cp.authorize('NOBODY-1')).toEqual({ idTagInfo: { status: 'Invalid' } });
  });

  test('a card charging at one charger is ConcurrentTx at another while that charger is online, and Accepted again when it is offline or the session is over', async () => {
    const { depot, cp1, cp2, s, tx } = await cardChargingAtCp1('CARD-CC-1');
    const { app } = depot;
    expect(await cp2.authorize('card-cc-1')).toEqual({ idTagInfo: { status: 'ConcurrentTx' } });
    // The charger the session runs on may ask about its own tag (AuthorizeRemoteTxRequests).
    expect(await cp1.authorize('CARD-CC-1')).toEqual({ idTagInfo: { status: 'Accepted' } });

    // CP-1 loses its network: it may have finished without being able to say so.
    depot.clock.advance(10 * 60_000);
    expect(
      markOfflineChargers(app)
        .map((c) => c.chargerId)
        .sort(),
    ).toEqual(['CP-1', 'CP-2']);
    expect(await cp2.authorize('CARD-CC-1')).toEqual({ idTagInfo: { status: 'Accepted' } });

    // CP-1 comes back and stops; the card is free everywhere.
    await cp1.heartbeat();
    await depot.settle();
    expect(await cp2.authorize('CARD-CC-1')).toEqual({ idTagInfo: { status: 'ConcurrentTx' } });
    await cp1.stopTransaction(tx, 5_000, at('10:30'));
    await depot.settle();
    expect(depot.session(s.id).state).toBe('PAID');
    expect(await cp2.authorize('CARD-CC-1')).toEqual({ idTagInfo: { status: 'Accepted' } });
    expectLedgerValid(app);
  });

  test('a StartTransaction is never answered ConcurrentTx: it may be a replay of a charge that already happened', async () => {
    const { depot, cp2 } = await cardChargingAtCp1('CARD-CC-2');
    const { app } = depot;
    expect(await cp2.authorize('CARD-CC-2')).toEqual({ idTagInfo: { status: 'ConcurrentTx' } });
    // CP-2 replays a charge the same card made there earlier, offline.
    await cp2.startTransaction(2, 'CARD-CC-2', 0, at('08:00'));
    await depot.settle();
    // Our answer is kept on the StartTransaction's own row in the message log.
    const logged = app.sqlite.prepare("SELECT answer FROM charger_messages WHERE charger_id = 'CP-2' AND direction = 'in' AND action = 'StartTransaction'").get() as {
      answer: Buffer | string;
    };
    expect(JSON.parse(decodePayload(logged.answer))).toMatchObject({ Payload: { idTagInfo: { status: 'Accepted' } } });
    expectLedgerValid(app);
  });

  test('a session above ¥200 waits in the review queue, uncharged, until a supervisor approves it; then it is settled', async () => {
    const depot = await startSessionDepot();
    const { app } = depot;
    const cp = await depot.charger('CP-1');
    const driver = depot.driver({ topUpYuan: 500 });
    const s = await ok<SessionView>(app, depot.operator, 'sessions.start', { chargerId: 'CP-1', connectorId: 1, driver: driver.id, prepay: '300.00' });
    const tx = await cp.startTransaction(1, s.idTag, 0, at('09:00'));
    // 08:00–10:00 is 平: 150 kWh in one hour (a bus) × 1.42540 = ¥213.81.
    await cp.stopTransaction(tx, 150_000, at('10:00'));
    await depot.settle();
    const held = depot.session(s.id);
    expect(held.state).toBe('FINISHED');
    expect(held.reviewReason).toBe('large_amount');
    expect(held.amountFen).toBe(21_381);
    expect(wallet(app, driver.id)).toEqual({ balance: 50_000, held: 30_000, available: 20_000 });
    expect((await ok<{ sessions: SessionView[] }>(app, depot.operator, 'sessions.reviewQueue')).sessions.map((x) => x.id)).toEqual([s.id]);

    const forbidden = await call(app, depot.operator, 'sessions.approveReview', { sessionId: s.id });
    expect(forbidden.ok).toBe(false);
    if (!forbidden.ok) expect(forbidden.error.code).toBe('forbidden');

    const approved = await ok<SessionView>(app, depot.supervisor, 'sessions.approveReview', { sessionId: s.id, note: 'fleet bus, expected' });
    expect(approved.state).toBe('PAID');
    expect(approved.paidHoldFen).toBe(21_381);
    expect(wallet(app, driver.id)).toEqual({ balance: 50_000 - 21_381, held: 0, available: 50_000 - 21_381 });
    expect(await ok(app, depot.operator, 'sessions.reviewQueue')).toEqual({ total: 0, sessions: [] });
    // Approving twice is refused; nothing moves.
    const again = await call(app, depot.supervisor, 'sessions.approveReview', { sessionId: s.id });
    expect(again.ok).toBe(false);
    expectLedgerValid(app);
  });
});

describe('starts the operator cannot make, and why', () => {
  test('unknown charger, maintenance, offline, busy or faulted connector, prepay above the wallet: refused, nothing written', async () => {
    const depot = await startSessionDepot();
    const { app } = depot;
    const cp = await depot.charger('CP-1');
    const driver = depot.driver({ topUpYuan: 50 });
    const start = (p: Record<string, unknown>) =>
      call(app, depot.operator, 'sessions.start', { chargerId: 'CP-1', connectorId: 1, driver: driver.id, prepay: '10.00', ...p });
    const reason = async (p: Record<string, unknown>) => {
      const r = await start(p);
      if (r.ok) throw new Error('expected a refusal');
      return `${r.error.code}: ${r.error.message}`;
    };
    expect(await reason({ chargerId: 'CP-404' })).toMatch(/refused: charger CP-404 is not registered/);
    expect(await reason({ prepay: '60.00' })).toMatch(/insufficient_funds: prepay: ¥60.00 is more than the ¥50.00 available/);
    expect(await reason({ driver: 'nobody' })).toMatch(/not_found: driver/);
    expect(await reason({ connectorId: 3 })).toMatch(/invalid_input: connector/);
    await cp.status(2, 'Faulted', 'GroundFailure');
    await depot.settle();
    expect(await reason({ connectorId: 2 })).toMatch(/refused: connector 2 of CP-1 is Faulted \(GroundFailure\)/);
    setMaintenance(app, 'CP-1', true, 'cable replaced');
    expect(await reason({})).toMatch(/refused: charger CP-1 is in maintenance \(cable replaced\)/);
    setMaintenance(app, 'CP-1', false);
    app.sqlite.prepare("UPDATE chargers SET online = 0 WHERE id = 'CP-1'").run();
    expect(await reason({})).toMatch(/refused: charger CP-1 is offline/);
    app.sqlite.prepare("UPDATE chargers SET online = 1 WHERE id = 'CP-1'").run();

    const first = await ok<SessionView>(app, depot.operator, 'sessions.start', { chargerId: 'CP-1', connectorId: 1, driver: driver.id, prepay: '10.00' });
    expect(await reason({})).toMatch(new RegExp(`refused: connector 1 of CP-1 is busy: session ${first.id} is STARTING`));
    expect(app.sqlite.prepare('SELECT count(*) AS n FROM charging_sessions').get()).toEqual({ n: 1 });
    expect(wallet(app, driver.id)).toEqual({ balance: 5_000, held: 1_000, available: 4_000 });
    expectLedgerValid(app);
  });

  test('an operator cancels a start the charger has not confirmed: CANCELLED, hold released; illegal moves are refused and logged', async () => {
    const depot = await startSessionDepot();
    const { app } = depot;
    await depot.charger('CP-1');
    const driver = depot.driver({ topUpYuan: 50 });
    const s = await ok<SessionView>(app, depot.operator, 'sessions.start', { chargerId: 'CP-1', connectorId: 1, driver: driver.id, prepay: '10.00' });
    const cancelled = await ok<SessionView>(app, depot.operator, 'sessions.stop', { id: s.id });
    expect(cancelled.state).toBe('CANCELLED');
    expect(wallet(app, driver.id).held).toBe(0);
    const again = await call(app, depot.operator, 'sessions.stop', { id: s.id });
    expect(again.ok).toBe(false);
    if (!again.ok) expect(again.error.message).toMatch(/is CANCELLED; only a charging session can be stopped/);
    expectLedgerValid(app);
  });
});

describe('bad charger input', () => {
  test('malformed JSON, schema-invalid StartTransaction and unknown actions change no session', async () => {
    const depot = await startSessionDepot();
    const { app } = depot;
    const cp = await depot.charger('CP-1');
    depot.driver({ topUpYuan: 10, tag: 'CARD-1' });
    await cp.publishRaw('ocpp/cp/CP-1', '{"MessageTypeId":2,"UniqueId":"x1","Action":"StartTransaction","Payload":{');
    await cp.publishRaw('ocpp/cp/CP-1', JSON.stringify([2, 'x2', 'StartTransaction', { connectorId: 1, idTag: 'CARD-1', meterStart: -5 }]));
    await cp.publishRaw('ocpp/cp/CP-1', JSON.stringify([2, 'x3', 'StopTransaction', { transactionId: 'seven', meterStop: 1, timestamp: 'soon' }]));
    await cp.publishRaw('ocpp/cp/CP-1', JSON.stringify([2, 'x4', 'TeleportCar', {}]));
    await depot.settle(150);
    expect(app.sqlite.prepare('SELECT count(*) AS n FROM charging_sessions').get()).toEqual({ n: 0 });
    expect(app.sqlite.prepare('SELECT count(*) AS n FROM charger_transactions').get()).toEqual({ n: 0 });
    const errors = app.sqlite.prepare("SELECT count(*) AS n FROM charger_messages WHERE direction = 'in' AND error IS NOT NULL").get() as { n: number };
    expect(errors.n).toBe(4);
    expectLedgerValid(app);
  });
});
