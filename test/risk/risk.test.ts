import { describe, expect, test } from 'vitest';
import { listAlerts } from '../../src-main/alerts';
import { getCharger } from '../../src-main/chargers';
import { findDebt, listDebts } from '../../src-main/ledger';
import { createOrder } from '../../src-main/payments';
import { chargerActions, evaluate, getRule, listBlacklist, ruleHistory } from '../../src-main/risk';
import type { SessionView } from '../../src-main/sessions';
import { addOperator, call, ok } from '../helpers';
import { at, expectLedgerValid, startSessionDepot, timelineKinds, type SessionDepot } from '../sessions/helpers';

const DAY = 86_400_000;

/** A driver left with an open debt by a real session (¥36.82 charged against ¥20 in the wallet). */
async function driverInDebt(depot: SessionDepot, tag?: string) {
  const cp = await depot.charger(`CP-D${Math.floor(Math.random() * 1e6)}`);
  const driver = depot.driver({ topUpYuan: 20, tag });
  const s = await ok<SessionView>(depot.app, depot.operator, 'sessions.start', { chargerId: cp.id, connectorId: 1, driver: driver.id, prepay: '10.00' });
  const tx = await cp.startTransaction(1, s.idTag, 0, at('10:00'));
  await cp.stopTransaction(tx, 20_000, at('11:00'));
  await depot.settle();
  const [debt] = listDebts(depot.app, { driverId: driver.id });
  expect(debt.owedFen).toBe(1682);
  return { driver, debt, cp };
}

describe('rules are data', () => {
  test('a rule reads as its default until changed; each change is a new version, every version kept; bad parameters change nothing', async () => {
    const depot = await startSessionDepot();
    const { app, supervisor } = depot;
    expect(getRule(app, 'charger.faults')).toMatchObject({ version: 0, enabled: true, params: { count: 3, windowHours: 24 } });
    const r = await ok(app, supervisor, 'risk.setRule', { code: 'charger.faults', params: { count: 4 }, note: 'noisy site' });
    expect(r).toMatchObject({ version: 1, enabled: true, params: { count: 4, windowHours: 24 }, updatedBy: { id: supervisor.id } });
    const bad = await call(app, supervisor, 'risk.setRule', { code: 'charger.faults', params: { cuont: 2 } });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.message).toMatch(/cuont/);
    const stale = await call(app, supervisor, 'risk.setRule', { code: 'charger.faults', enabled: false, expectedVersion: 0 });
    expect(stale.ok || stale.error.code).toBe('conflict');
    await ok(app, supervisor, 'risk.setRule', { code: 'charger.faults', enabled: false, expectedVersion: 1 });
    expect(ruleHistory(app, 'charger.faults').map((v) => [v.version, v.enabled, v.params.count])).toEqual([
      [2, false, 4],
      [1, true, 4],
    ]);
    const unknown = await call(app, supervisor, 'risk.setRule', { code: 'driver.nope', enabled: true });
    expect(unknown.ok || unknown.error.message).toMatch(/no rule "driver.nope"/);
    const clerk = await call(app, depot.operator, 'risk.setRule', { code: 'charger.faults', enabled: true });
    expect(clerk.ok || clerk.error.code).toBe('forbidden');
  });
});

describe('the blacklist', () => {
  test('a listed driver is refused a start, Blocked at the charger and refused a payment order, with the reason; lifting lets them back at once', async () => {
    const depot = await startSessionDepot();
    const { app, supervisor } = depot;
    const cp = await depot.charger('CP-1');
    const driver = depot.driver({ topUpYuan: 50, tag: 'CARD-BL-1' });
    const l = await ok<{ id: string; state: string }>(app, supervisor, 'risk.blacklistAdd', { driverId: driver.id, reason: '盗刷嫌疑 card reported stolen' });
    const start = await call(app, depot.operator, 'sessions.start', { chargerId: 'CP-1', connectorId: 1, driver: driver.id, prepay: '10.00' });
    expect(start.ok).toBe(false);
    if (!start.ok) {
      expect(start.error.code).toBe('refused');
      expect(start.error.message).toMatch(/blacklisted: 盗刷嫌疑/);
      expect(start.error.details).toMatchObject({ reason: 'blacklisted', listingId: l.id });
    }
    expect(await cp.authorize('CARD-BL-1')).toEqual({ idTagInfo: { status: 'Blocked' } });
    await expect(createOrder(app, { driverId: driver.id, amountFen: 10000, channel: 'wechat' })).rejects.toThrow(/blacklisted/);
    const twice = await call(app, supervisor, 'risk.blacklistAdd', { driverId: driver.id, reason: 'again' });
    expect(twice.ok || twice.error.code).toBe('conflict');

    const lifted = await ok<{ state: string; endedBy: { id: string } }>(app, supervisor, 'risk.blacklistLift', { listingId: l.id, note: '卡已找回' });
    expect(lifted).toMatchObject({ state: 'lifted', endedBy: { id: supervisor.id } });
    expect(await cp.authorize('CARD-BL-1')).toEqual({ idTagInfo: { status: 'Accepted' } });
    await ok(app, depot.operator, 'sessions.start', { chargerId: 'CP-1', connectorId: 1, driver: driver.id, prepay: '10.00' });
    expectLedgerValid(app);
  });

  test('a listing for some days stops blocking when it ends, before the job marks it expired', async () => {
    const depot = await startSessionDepot();
    const { app, supervisor } = depot;
    await depot.charger('CP-1');
    const driver = depot.driver({ topUpYuan: 50 });
    await ok(app, supervisor, 'risk.blacklistAdd', { driverId: driver.id, reason: 'cooling off', days: 2 });
    expect((await call(app, depot.operator, 'sessions.start', { chargerId: 'CP-1', connectorId: 1, driver: driver.id, prepay: '10.00' })).ok).toBe(false);
    depot.clock.advance(2 * DAY + 1);
    await depot.charger('CP-2');
    await ok(app, depot.operator, 'sessions.start', { chargerId: 'CP-2', connectorId: 1, driver: driver.id, prepay: '10.00' });
    expect((await evaluate(app)).expired).toBe(1);
    expect(listBlacklist(app).listings[0].state).toBe('expired');
  });

  test('a StartTransaction replayed from before the listing is answered Accepted, and the session is settled and flagged', async () => {
    const depot = await startSessionDepot();
    const { app, supervisor } = depot;
    const cp = await depot.charger('CP-1');
    const driver = depot.driver({ topUpYuan: 50, tag: 'CARD-BL-2' });
    await ok(app, supervisor, 'risk.blacklistAdd', { driverId: driver.id, reason: 'unpaid elsewhere' });
    // The charger was offline this morning and replays a charge the driver made then.
    depot.clock.advance(3 * 3_600_000);
    const answer = await cp.call('StartTransaction', cp.startPayload(1, 'CARD-BL-2', 0, at('09:00')));
    expect(answer.idTagInfo).toEqual({ status: 'Accepted' });
    const tx = answer.transactionId as number;
    await cp.stopTransaction(tx, 5_000, at('09:30'));
    await depot.settle();
    const s = app.sqlite.prepare('SELECT id, state FROM charging_sessions WHERE driver_id = ?').get(driver.id) as { id: string; state: string };
    expect(s.state).toBe('PAID');
    expect(timelineKinds(app, s.id)).toContain('blacklisted_driver');
    // A start now, live, is Blocked.
    expect(await cp.authorize('CARD-BL-2')).toEqual({ idTagInfo: { status: 'Blocked' } });
    expectLedgerValid(app);
  });
});

describe('driver rules, from real debts', () => {
  test('a debt unpaid for more than D days lists the driver, naming the rule version and the debt; a lifted listing is not made again from the same debt', async () => {
    const depot = await startSessionDepot();
    const { app, supervisor } = depot;
    const { driver, debt } = await driverInDebt(depot);
    await ok(app, supervisor, 'risk.setRule', { code: 'driver.unpaid_debt', enabled: true, params: { days: 30 } });
    expect((await evaluate(app)).listed).toEqual([]);
    depot.clock.advance(31 * DAY);
    const r = await evaluate(app);
    expect(r.listed).toEqual([{ driverId: driver.id, rule: 'driver.unpaid_debt', listingId: expect.any(String) }]);
    const listing = await ok<{ id: string; ruleCode: string; ruleVersion: number; facts: { records: string[] }; reason: string }>(app, supervisor, 'risk.listing', {
      listingId: r.listed[0].listingId,
    });
    expect(listing).toMatchObject({ ruleCode: 'driver.unpaid_debt', ruleVersion: 1, facts: { records: [debt.debtId] } });
    await ok(app, supervisor, 'risk.blacklistLift', { listingId: listing.id, note: 'promised to pay Friday' });
    expect((await evaluate(app)).listed).toEqual([]);
  });

  test('a debt write-off is asked by finance and decided by someone else; the written-off debts rule then lists the driver', async () => {
    const depot = await startSessionDepot();
    const { app, supervisor } = depot;
    const finA = await addOperator(app, 'finance', 'fin-a');
    const finB = await addOperator(app, 'finance', 'fin-b');
    const { driver, debt } = await driverInDebt(depot);
    const req = await ok<{ id: string; state: string; amount: { fen: number } }>(app, finA, 'risk.requestDebtWriteOff', {
      debtId: debt.debtId,
      reason: 'driver unreachable',
    });
    expect(req).toMatchObject({ state: 'pending', amount: { fen: 1682 } });
    const again = await call(app, finA, 'risk.requestDebtWriteOff', { debtId: debt.debtId, reason: 'twice' });
    expect(again.ok || again.error.code).toBe('conflict');
    const self = await call(app, finA, 'risk.approveDebtWriteOff', { requestId: req.id });
    expect(self.ok || self.error.code).toBe('forbidden');
    expect(findDebt(app, debt.debtId)!.status).toBe('open');
    const done = await ok<{ state: string; ledgerKey: string }>(app, finB, 'risk.approveDebtWriteOff', { requestId: req.id, note: 'ok' });
    expect(done).toMatchObject({ state: 'approved', ledgerKey: `risk:writeoff:${req.id}` });
    expect(findDebt(app, debt.debtId)).toMatchObject({ status: 'written_off', writtenOffFen: 1682 });
    expect((await call(app, finB, 'risk.approveDebtWriteOff', { requestId: req.id })).ok).toBe(false);
    expect((await call(app, supervisor, 'ledger.writeOffDebt', { debtId: debt.debtId, key: 'x', memo: 'y' })).ok).toBe(false);

    await ok(app, supervisor, 'risk.setRule', { code: 'driver.written_off_debts', enabled: true, params: { count: 1, listDays: 30 } });
    const r = await evaluate(app);
    expect(r.listed.map((l) => l.driverId)).toEqual([driver.id]);
    expect(listBlacklist(app, { driverId: driver.id }).listings[0]).toMatchObject({
      state: 'active',
      ruleCode: 'driver.written_off_debts',
      expiresAt: expect.any(Number),
    });
    expectLedgerValid(app);
  });
});

describe('device health', () => {
  test("three fault episodes in 24 h put a charger in maintenance, naming the evidence; a repeated report is one episode; the supervisor's return holds", async () => {
    const depot = await startSessionDepot();
    const { app, supervisor } = depot;
    const cp = await depot.charger('CP-F');
    await cp.status(1, 'Faulted', 'GroundFailure');
    await cp.status(1, 'Faulted', 'GroundFailure');
    await cp.status(1, 'Available', 'NoError');
    await cp.status(2, 'Faulted', 'OverCurrentFailure');
    await depot.settle();
    expect((await evaluate(app)).maintenance).toEqual([]);
    await cp.status(0, 'Faulted', 'PowerMeterFailure');
    await depot.settle();
    // The screens hear of the decision (its alert) before the charger has answered; they are told
    // again once the answer is recorded, so a health table never keeps showing "—".
    const seen: string[] = [];
    const unsubscribe = app.events.subscribe((e) => {
      if (e.type === 'alert' && e.payload.code === 'risk.charger_maintenance') seen.push('decided');
      if (e.type === 'risk.changed' && e.payload.chargerId === 'CP-F') seen.push(`told: ${chargerActions(app, { chargerId: 'CP-F' })[0]?.availability}`);
    });
    const r = await evaluate(app);
    unsubscribe();
    expect(seen).toEqual(['decided', 'told: Accepted']);
    expect(r.maintenance).toMatchObject([{ chargerId: 'CP-F', rule: 'charger.faults' }]);
    const c = getCharger(app, 'CP-F')!;
    expect(c.maintenance).toBe(true);
    expect(c.maintenanceReason).toMatch(/rule charger.faults v0/);
    const [action] = await ok<{ facts: { evidence: { detail: string }[] }; availability: string }[]>(app, supervisor, 'risk.chargerActions', {});
    expect(action.facts.evidence.map((e) => e.detail)).toEqual(['GroundFailure', 'OverCurrentFailure', 'PowerMeterFailure']);
    expect(action.availability).toBe('Accepted');
    expect(listAlerts(app, { limit: 100, offset: 0 }).items.some((a) => a.code === 'risk.charger_maintenance' && a.message.includes('CP-F'))).toBe(true);
    const driver = depot.driver({ topUpYuan: 50 });
    const refused = await call(app, depot.operator, 'sessions.start', { chargerId: 'CP-F', connectorId: 1, driver: driver.id, prepay: '10.00' });
    expect(refused.ok || refused.error.message).toMatch(/maintenance/);

    const health = await ok<{ chargerId: string; faults: number; openAction: unknown }[]>(app, supervisor, 'risk.chargerHealth', {});
    expect(health.find((h) => h.chargerId === 'CP-F')).toMatchObject({ faults: 3, openAction: expect.anything() });
    await ok(app, supervisor, 'risk.returnToService', { chargerId: 'CP-F', note: 'replaced the RCD' });
    expect(getCharger(app, 'CP-F')!.maintenance).toBe(false);
    expect((await evaluate(app)).maintenance).toEqual([]);
  });

  test('failed starts count towards maintenance, as the rule says', async () => {
    const depot = await startSessionDepot();
    const { app, supervisor } = depot;
    await depot.charger('CP-S');
    await ok(app, supervisor, 'risk.setRule', { code: 'charger.failed_starts', params: { count: 2 } });
    const driver = depot.driver({ topUpYuan: 50 });
    for (let i = 0; i < 2; i += 1) {
      await ok(app, depot.operator, 'sessions.start', { chargerId: 'CP-S', connectorId: 1, driver: driver.id, prepay: '5.00' });
      depot.clock.advance(61_000);
      await depot.services.scheduler.drain();
    }
    const failed = app.sqlite.prepare("SELECT count(*) AS n FROM charging_sessions WHERE state = 'FAILED'").get() as { n: number };
    expect(failed.n).toBe(2);
    expect((await evaluate(app)).maintenance).toMatchObject([{ chargerId: 'CP-S', rule: 'charger.failed_starts' }]);
    expectLedgerValid(app);

    // The health table names the evidence as the screens name sessions: by number (CD…), with the
    // failure's code for the renderer to word; and the threshold and window the rule used.
    type Facts = { evidence: { sessionId: string; sessionNumber?: string; failureCode: string }[]; min: number; hours: number };
    const numbers = app.sqlite.prepare("SELECT id, number FROM charging_sessions WHERE state = 'FAILED' ORDER BY created_at, id").all() as {
      id: string;
      number: string;
    }[];
    const healthOf = async () =>
      (await ok<{ chargerId: string; openAction: { facts: Facts } | null }[]>(app, supervisor, 'risk.chargerHealth', {})).find((h) => h.chargerId === 'CP-S')!;
    const facts = (await healthOf()).openAction!.facts;
    expect(facts).toMatchObject({ min: 2, hours: 24 });
    expect(facts.evidence.map((e) => [e.sessionNumber, e.failureCode])).toEqual(numbers.map((n) => [n.number, 'start_timeout']));
    expect(numbers.every((n) => /^CD\d{8}$/.test(n.number))).toBe(true);

    // An action decided before the evidence carried numbers still reads with them.
    const stored = app.sqlite.prepare("SELECT id, facts FROM risk_charger_actions WHERE charger_id = 'CP-S'").get() as { id: string; facts: string };
    const old = JSON.parse(stored.facts) as Facts;
    const bare = { evidence: old.evidence.map(({ sessionNumber: _n, ...e }) => e) };
    app.sqlite.prepare('UPDATE risk_charger_actions SET facts = ? WHERE id = ?').run(JSON.stringify(bare), stored.id);
    expect((await healthOf()).openAction!.facts.evidence.map((e) => e.sessionNumber)).toEqual(numbers.map((n) => n.number));
    const [action] = await ok<{ facts: Facts }[]>(app, supervisor, 'risk.chargerActions', { chargerId: 'CP-S' });
    expect(action.facts.evidence.map((e) => e.sessionNumber)).toEqual(numbers.map((n) => n.number));
  });
});

describe('the review queue', () => {
  test('a large order is approved by someone other than who started it; a rejection settles it and opens an adjustment of the contested amount', async () => {
    const depot = await startSessionDepot({ overrides: { sessions: { reviewAboveFen: 1000 } } });
    const { app, supervisor } = depot;
    const other = await addOperator(app, 'supervisor', 'sup-b');
    const cp = await depot.charger('CP-R');
    const driver = depot.driver({ topUpYuan: 200 });
    const run = async (connectorId: number) => {
      const s = await ok<SessionView>(app, supervisor, 'sessions.start', { chargerId: 'CP-R', connectorId, driver: driver.id, prepay: '100.00' });
      const tx = await cp.startTransaction(connectorId, s.idTag, 0, at('10:00'));
      await cp.stopTransaction(tx, 20_000, at('11:00'));
      await depot.settle();
      return s.id;
    };
    const a = await run(1);
    const queue = await ok<{ total: number; sessions: SessionView[] }>(app, supervisor, 'risk.reviews', {});
    expect(queue.total).toBe(1);
    expect(queue.sessions.map((s) => [s.id, s.reviewReason])).toEqual([[a, 'large_amount']]);
    const self = await call(app, supervisor, 'risk.approveReview', { sessionId: a });
    expect(self.ok || self.error.code).toBe('forbidden');
    expect((await ok<SessionView>(app, other, 'risk.approveReview', { sessionId: a })).state).toBe('PAID');

    const b = await run(2);
    const r = await ok<{ session: SessionView; adjustmentId: string }>(app, other, 'risk.rejectReview', { sessionId: b, note: '表计异常', contestedFen: 1000 });
    expect(r.session.state).toBe('PAID');
    const adj = await ok<{ state: string; amount: { fen: number }; reason: string }>(app, supervisor, 'adjustments.get', { adjustmentId: r.adjustmentId });
    expect(adj).toMatchObject({ state: 'pending', amount: { fen: 1000 } });
    expect(adj.reason).toContain('表计异常');
    expectLedgerValid(app);
  });

  test('the queue is paged oldest first with the total, on both doors (sessions.reviewQueue and risk.reviews)', async () => {
    const depot = await startSessionDepot({ overrides: { sessions: { reviewAboveFen: 1000 } } });
    const { app, supervisor } = depot;
    const cp = await depot.charger('CP-P', { connectors: 3 });
    const driver = depot.driver({ topUpYuan: 500 });
    const held: string[] = [];
    for (const connectorId of [1, 2, 3]) {
      const s = await ok<SessionView>(app, supervisor, 'sessions.start', { chargerId: 'CP-P', connectorId, driver: driver.id, prepay: '100.00' });
      const tx = await cp.startTransaction(connectorId, s.idTag, 0, at('10:00'));
      await cp.stopTransaction(tx, 20_000, at('11:00'));
      await depot.settle();
      held.push(s.id);
      depot.clock.advance(60_000);
    }
    type Page = { total: number; sessions: SessionView[] };
    for (const method of ['sessions.reviewQueue', 'risk.reviews']) {
      const first = await ok<Page>(app, supervisor, method, { limit: 2 });
      const rest = await ok<Page>(app, supervisor, method, { limit: 2, offset: 2 });
      expect([first.total, rest.total]).toEqual([3, 3]);
      expect([...first.sessions, ...rest.sessions].map((s) => s.id)).toEqual(held);
    }
  });

  test('a review waiting longer than the rule allows raises an alert', async () => {
    const depot = await startSessionDepot({ overrides: { sessions: { reviewAboveFen: 1000 } } });
    const { app } = depot;
    const cp = await depot.charger('CP-A');
    const driver = depot.driver({ topUpYuan: 200 });
    const s = await ok<SessionView>(app, depot.operator, 'sessions.start', { chargerId: 'CP-A', connectorId: 1, driver: driver.id, prepay: '100.00' });
    const tx = await cp.startTransaction(1, s.idTag, 0, at('10:00'));
    await cp.stopTransaction(tx, 20_000, at('11:00'));
    await depot.settle();
    expect((await evaluate(app)).agingReviews).toBe(0);
    depot.clock.advance(5 * 3_600_000);
    expect((await evaluate(app)).agingReviews).toBe(1);
    expect(listAlerts(app, { limit: 100, offset: 0 }).items.filter((x) => x.code === 'risk.review_aging')).toHaveLength(1);
  });
});
