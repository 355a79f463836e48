import { afterEach, describe, expect, it } from 'vitest';
import { listAlerts } from '../../src-main/alerts';
import { createOrder, getOrder, simulateCustomerPaid } from '../../src-main/payments';
import { addOperator, call, cli, ok } from '../helpers';
import { couponLeft, driverWithCouponAndPoints, expectLedgerValid, MINUTE, orderWithConsumedCoupon, payApp, points, transfersOfOrder, type PayApp } from './fixtures';

/**
 * Parked orders (src-main/payments/stuck.ts), driven with the exact situation the seeded
 * simulation's seed 004 found: an expired order whose coupon record is `consumed` where the
 * timeout job's restore needs `applied`, so every cancel is refused by its guard.
 */

let t: PayApp;
afterEach(async () => {
  expectLedgerValid(t.app);
  await t.scheduler.stop();
});

const stuckRow = (orderId: string) =>
  t.app.sqlite
    .prepare(
      'SELECT attempts, parked_at AS parkedAt, repaired_at AS repairedAt, repair_action AS action, repaired_by AS by, repair_note AS note FROM payment_order_stuck WHERE order_id = ?',
    )
    .get(orderId) as { attempts: number; parkedAt: number | null; repairedAt: number | null; action: string | null; by: string | null; note: string | null } | undefined;

/** The seed-004 order: ¥200 with a ¥30 coupon and 200 points, its coupon record wrongly `consumed`. */
const seed004 = () => orderWithConsumedCoupon(t.app, 200);

/** Runs the timeout job through its retries until the order is parked; returns each run's outcomes. */
async function expireUntilParked(): Promise<string[][]> {
  const runs: string[][] = [];
  await t.scheduler.drain(); // the crons are scheduled
  t.clock.advance(31 * MINUTE);
  for (let i = 0; i < 6; i++) {
    const r = await t.scheduler.drain();
    runs.push(r.runs.filter((x) => x.kind === 'payments.expireOrders').map((x) => x.outcome));
    t.clock.advance(MINUTE);
  }
  return runs;
}

describe('an expired order whose cancel keeps being refused', () => {
  it('is counted, then parked at payments.stuckCancelAttempts with one urgent alert; the job then succeeds and cancels the other orders', async () => {
    t = payApp();
    const { order, couponId, driver } = await seed004();
    const other = driverWithCouponAndPoints(t.app);
    const fine = await createOrder(t.app, { driverId: other.driver.id, amountFen: 5000, couponId: other.couponId, channel: 'alipay' });
    await t.scheduler.drain(); // the crons are scheduled

    t.clock.advance(31 * MINUTE);
    const first = await t.scheduler.drain();
    expect(first.runs.filter((r) => r.kind === 'payments.expireOrders').map((r) => r.outcome)).toContain('retryable');
    // The good order is cancelled at once, with its coupon back; the stuck one is counted, nothing of it committed.
    expect(getOrder(t.app, fine.id).state).toBe('CANCELLED');
    expect(couponLeft(t.app, other.couponId)).toBe(3000);
    expect(stuckRow(order.id)).toMatchObject({ attempts: 1, parkedAt: null });
    expect(getOrder(t.app, order.id).state).toBe('PENDING_PAYMENT');

    for (let i = 0; i < 10 && stuckRow(order.id)!.parkedAt === null; i++) {
      t.clock.advance(MINUTE);
      await t.scheduler.drain();
    }
    const parked = stuckRow(order.id)!;
    expect(parked.attempts).toBe(3);
    expect(parked.parkedAt).not.toBeNull();
    const alerts = listAlerts(t.app, { open: true, limit: 50, offset: 0 }).items.filter((a) => a.code === 'payments.cancel_stuck');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ level: 'urgent', subject: `payments.cancel_stuck:${order.number}`, count: 1 });
    expect(alerts[0].message).toContain(order.number);
    expect(alerts[0].message).toMatch(/consumed, not applied/);

    // From now on the job leaves it alone and runs through; no job_failing alert was needed.
    const before = stuckRow(order.id)!.attempts;
    t.clock.advance(5 * MINUTE);
    const later = await t.scheduler.drain();
    const outcomes = later.runs.filter((r) => r.kind === 'payments.expireOrders').map((r) => r.outcome);
    expect(outcomes.length).toBeGreaterThan(0);
    expect(new Set(outcomes)).toEqual(new Set(['completed']));
    expect(stuckRow(order.id)!.attempts).toBe(before);
    expect(listAlerts(t.app, { open: true, limit: 50, offset: 0 }).items.map((a) => a.code)).not.toContain('job_failing');
    // Parked, it still holds what it took, and nothing more moved.
    expect(getOrder(t.app, order.id).state).toBe('PENDING_PAYMENT');
    expect(couponLeft(t.app, couponId)).toBe(0);
    expect(points(t.app, driver.id)).toBe(300);
    expect(transfersOfOrder(t.app, order.id).map((x) => x.code)).toEqual(['coupon_redeem', 'points_redeem']);
  });

  it('restore_from_ledger: a supervisor cancels it with coupon and points back exactly once, audited, and the alert resolves with the note', async () => {
    t = payApp();
    const { order, couponId, driver } = await seed004();
    await expireUntilParked();
    const operator = await addOperator(t.app, 'operator', 'counter.op');
    const supervisor = await addOperator(t.app, 'supervisor', 'li.supervisor');

    expect(await call(t.app, operator, 'payments.repairStuckOrder', { orderId: order.number, action: 'restore_from_ledger', note: 'coupon record wrong' })).toMatchObject(
      {
        ok: false,
        error: { code: 'forbidden' },
      },
    );
    expect(await call(t.app, supervisor, 'payments.repairStuckOrder', { orderId: order.number, action: 'restore_from_ledger', note: '' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_input' },
    });
    const parkedList = await ok<{ number: string }[]>(t.app, operator, 'payments.parkedOrders');
    expect(parkedList.map((p) => p.number)).toEqual([order.number]);

    const detail = await ok<{ stuck: { attempts: number; lastError: string } | null }>(t.app, operator, 'payments.orderDetail', { orderId: order.id });
    expect(detail.stuck).toMatchObject({ attempts: 3 });
    expect(detail.stuck!.lastError).toMatch(/consumed, not applied/);

    const note = '券记录被误标为已使用；账本显示该券未被消费，按账本退回';
    const r = await ok<{ state: string; restoredCoupon: { fen: number }; restoredPoints: number; alreadyRestored: string[] }>(
      t.app,
      supervisor,
      'payments.repairStuckOrder',
      {
        orderId: order.number,
        action: 'restore_from_ledger',
        note,
      },
    );
    expect(r).toMatchObject({ state: 'CANCELLED', restoredCoupon: { fen: 3000 }, restoredPoints: 200, alreadyRestored: [] });
    expect(couponLeft(t.app, couponId)).toBe(3000);
    expect(points(t.app, driver.id)).toBe(500);
    expect(transfersOfOrder(t.app, order.id).map((x) => x.code)).toEqual(['coupon_redeem', 'points_redeem', 'coupon_restore', 'points_restore']);
    expect(t.app.sqlite.prepare('SELECT status FROM order_coupons WHERE order_id = ?').get(order.id)).toEqual({ status: 'restored' });
    expect(stuckRow(order.id)).toMatchObject({ action: 'restore_from_ledger', by: 'li.supervisor', note });
    const audit = t.app.sqlite.prepare("SELECT operator_name AS who, result FROM audit_log WHERE method = 'payments.repairStuckOrder' ORDER BY id").all() as {
      who: string;
      result: string;
    }[];
    expect(audit.map((a) => a.result)).toContain('ok');
    const resolved = listAlerts(t.app, { open: false, limit: 50, offset: 0 }).items.find((a) => a.code === 'payments.cancel_stuck')!;
    expect(resolved).toMatchObject({ resolvedBy: 'li.supervisor' });
    expect(resolved.resolution).toContain(note);

    // Once is once: a second repair is refused, and the timeout job has nothing left to do with it.
    expect(await call(t.app, supervisor, 'payments.repairStuckOrder', { orderId: order.number, action: 'mark_resolved', note: 'again' })).toMatchObject({
      ok: false,
      error: { code: 'conflict', message: expect.stringMatching(/already repaired \(restore_from_ledger by li.supervisor\)/) as unknown },
    });
    t.clock.advance(10 * MINUTE);
    await t.scheduler.drain();
    expect(couponLeft(t.app, couponId)).toBe(3000);
    expect(transfersOfOrder(t.app, order.id)).toHaveLength(4);
  });

  it('mark_resolved cancels it and restores nothing; an order that is not parked is refused', async () => {
    t = payApp();
    const { order, couponId, driver } = await seed004();
    const supervisor = await addOperator(t.app, 'supervisor', 'li.supervisor');
    // Not parked yet (never even expired): refused, nothing changes.
    expect(await call(t.app, supervisor, 'payments.repairStuckOrder', { orderId: order.id, action: 'mark_resolved', note: 'too early' })).toMatchObject({
      ok: false,
      error: { code: 'refused', message: expect.stringMatching(/not parked/) as unknown },
    });
    await expireUntilParked();
    const r = await ok<{ state: string; restoredCoupon: { fen: number }; restoredPoints: number }>(t.app, supervisor, 'payments.repairStuckOrder', {
      orderId: order.id,
      action: 'mark_resolved',
      note: '顾客已在柜台用掉此券，积分已另行补发',
    });
    expect(r).toMatchObject({ state: 'CANCELLED', restoredCoupon: { fen: 0 }, restoredPoints: 0 });
    expect(getOrder(t.app, order.id).cancelReason).toMatch(/mark_resolved/);
    expect(couponLeft(t.app, couponId)).toBe(0);
    expect(points(t.app, driver.id)).toBe(300);
    expect(transfersOfOrder(t.app, order.id).map((x) => x.code)).toEqual(['coupon_redeem', 'points_redeem']);
    expect(listAlerts(t.app, { open: true, limit: 50, offset: 0 }).items.map((a) => a.code)).not.toContain('payments.cancel_stuck');
  });

  it('restore_from_ledger does not give back a coupon the ledger already shows restored under the order', async () => {
    t = payApp();
    const { order, couponId } = await seed004();
    await expireUntilParked();
    // Someone already ran the restore by hand under the order's own key.
    const { restoreCoupon } = await import('../../src-main/ledger');
    restoreCoupon(t.app, { key: `order:${order.number}:coupon_restore`, redeemId: `order:${order.number}:coupon`, amountFen: 3000, memo: 'by hand' });
    const supervisor = await addOperator(t.app, 'supervisor');
    const r = await ok<{ restoredCoupon: { fen: number }; alreadyRestored: string[] }>(t.app, supervisor, 'payments.repairStuckOrder', {
      orderId: order.id,
      action: 'restore_from_ledger',
      note: 'coupon came back by hand',
    });
    expect(r).toMatchObject({ restoredCoupon: { fen: 0 }, alreadyRestored: ['coupon'] });
    expect(couponLeft(t.app, couponId)).toBe(3000);
    expect(transfersOfOrder(t.app, order.id).filter((x) => x.code === 'coupon_restore')).toHaveLength(1);
  });

  it('a payment that arrives while it is parked is taken; the next run closes it as paid and resolves the alert', async () => {
    t = payApp();
    const { driver, couponId } = driverWithCouponAndPoints(t.app);
    // Points without a redeem record: the cancel is refused, but a payment can still be taken.
    const o = await createOrder(t.app, { driverId: driver.id, amountFen: 20000, couponId, points: 200, channel: 'wechat' });
    t.app.sqlite.prepare('UPDATE payment_orders SET points_redeem_id = NULL WHERE id = ?').run(o.id);
    await expireUntilParked();
    expect(stuckRow(o.id)!.parkedAt).not.toBeNull();
    simulateCustomerPaid(t.app, o.id);
    expect(getOrder(t.app, o.id).state).toBe('PAID');
    t.clock.advance(MINUTE);
    await t.scheduler.drain();
    expect(stuckRow(o.id)).toMatchObject({ action: 'paid', by: 'system' });
    const alert = listAlerts(t.app, { open: false, limit: 50, offset: 0 }).items.find((a) => a.code === 'payments.cancel_stuck')!;
    expect(alert.resolvedBy).toBe('system');
  });

  it('the threshold is configuration: payments.stuckCancelAttempts = 1 parks at the first refusal', async () => {
    t = payApp({ payments: { stuckCancelAttempts: 1 } });
    const { order } = await seed004();
    await t.scheduler.drain(); // the crons are scheduled
    t.clock.advance(31 * MINUTE);
    const r = await t.scheduler.drain();
    expect(r.runs.filter((x) => x.kind === 'payments.expireOrders').map((x) => x.outcome)).toEqual(['completed']);
    expect(stuckRow(order.id)).toMatchObject({ attempts: 1 });
    expect(stuckRow(order.id)!.parkedAt).not.toBeNull();
  });
});

describe('depotdesk order parked / order repair', () => {
  it('lists the parked order and repairs it through the contract; a wrong --action is a usage error naming it', async () => {
    t = payApp();
    const { order, couponId } = await seed004();
    await expireUntilParked();
    await addOperator(t.app, 'supervisor', 'li.supervisor');
    const env = { DEPOTDESK_PASSWORD: 'correct-horse' };
    const as = ['--data-dir', t.dir, '--as', 'li.supervisor'];

    const listed = cli(['order', 'parked', ...as], env);
    expect(listed.stderr).toBe('');
    expect(listed.stdout).toContain(order.number);

    const bad = cli(['order', 'repair', order.number, '--action', 'refund', '--note', 'x', ...as], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--action must be restore_from_ledger or mark_resolved/);
    expect(getOrder(t.app, order.id).state).toBe('PENDING_PAYMENT');

    const done = cli(['order', 'repair', order.number, '--action', 'restore_from_ledger', '--note', 'record wrong; ledger shows the redeem', ...as, '--json'], env);
    expect(done.stderr).toBe('');
    expect(done.json<{ state: string }>().state).toBe('CANCELLED');
    expect(couponLeft(t.app, couponId)).toBe(3000);
  }, 120_000);
});
