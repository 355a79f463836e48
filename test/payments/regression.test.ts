import { afterEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src-main/kernel/context';
import { DepotError } from '../../src-main/kernel/errors';
import { writeTx } from '../../src-main/db/connection';
import { restoreCoupon } from '../../src-main/ledger';
import { cancelOrder, createOrder, getOrder, orderCoupon, type OrderRow } from '../../src-main/payments';
import { couponLeft, driverWithCouponAndPoints, expectLedgerValid, MINUTE, payApp, points, transfersOfOrder, type PayApp } from './fixtures';

/**
 * The known failure this module exists to avoid: a restore written as an UPDATE guarded by the
 * coupon's state ("… WHERE id = ? AND status = 'reserved'") that silently matched no row because
 * the coupon was in another state. The order was cancelled, the coupon was never given back, and
 * nothing said so.
 */

/** The buggy pattern, reproduced: the guard's row count is never looked at. */
function naiveCancel(app: AppContext, order: OrderRow): void {
  writeTx(app.sqlite, () => {
    app.sqlite.prepare("UPDATE payment_orders SET state = 'CANCELLED', cancel_reason = 'timeout' WHERE id = ? AND state = 'PENDING_PAYMENT'").run(order.id);
    const r = app.sqlite.prepare("UPDATE order_coupons SET status = 'restored' WHERE order_id = ? AND status = 'applied'").run(order.id);
    if (r.changes === 1) {
      const c = orderCoupon(app, order.id)!;
      restoreCoupon(app, { key: `order:${order.number}:coupon_restore`, redeemId: c.redeemTransferId, amountFen: c.amount });
    }
  });
}

let t: PayApp;
afterEach(async () => {
  expectLedgerValid(t.app);
  await t.scheduler.stop();
});

describe('the guarded-update regression', () => {
  it('reproduced: the naive restore matches no row when the coupon record is in another state, and the ¥30.00 vanishes without an error', async () => {
    t = payApp();
    const { driver, couponId } = driverWithCouponAndPoints(t.app);
    const o = await createOrder(t.app, { driverId: driver.id, amountFen: 20000, couponId, channel: 'wechat' });
    t.app.sqlite.prepare("UPDATE order_coupons SET status = 'consumed' WHERE order_id = ?").run(o.id);
    expect(() => naiveCancel(t.app, o)).not.toThrow();
    expect(getOrder(t.app, o.id).state).toBe('CANCELLED');
    expect(couponLeft(t.app, couponId)).toBe(0); // the driver's ¥30.00 is gone, and nobody was told
  });

  it('ours fails loudly instead: the timeout job fails with guard_failed, the order stays pending, nothing is committed', async () => {
    t = payApp();
    const { driver, couponId } = driverWithCouponAndPoints(t.app);
    const o = await createOrder(t.app, { driverId: driver.id, amountFen: 20000, couponId, points: 200, channel: 'wechat' });
    t.app.sqlite.prepare("UPDATE order_coupons SET status = 'consumed' WHERE order_id = ?").run(o.id);

    let err: unknown;
    try {
      cancelOrder(t.app, o.id, 'at the counter');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DepotError);
    expect((err as DepotError).code).toBe('guard_failed');
    expect((err as DepotError).message).toMatch(/coupon record is consumed, not applied/);

    await t.scheduler.drain();
    t.clock.advance(31 * MINUTE);
    const run = await t.scheduler.drain();
    const expire = run.runs.filter((r) => r.kind === 'payments.expireOrders');
    expect(expire.map((r) => r.outcome)).toEqual(['retryable']);
    const job = t.app.sqlite.prepare("SELECT errors FROM jobs WHERE kind = 'payments.expireOrders' AND state = 'retryable'").get() as { errors: string };
    expect(job.errors).toMatch(/could not be cancelled/);
    expect(job.errors).toMatch(new RegExp(o.number));
    // Nothing half-done: the cancel rolled back with its failed restore, points included.
    expect(getOrder(t.app, o.id).state).toBe('PENDING_PAYMENT');
    expect(couponLeft(t.app, couponId)).toBe(0);
    expect(points(t.app, driver.id)).toBe(300);
    expect(transfersOfOrder(t.app, o.id).map((x) => x.code)).toEqual(['coupon_redeem', 'points_redeem']);
  });

  it('once the record is repaired, the correct path restores exactly once', async () => {
    t = payApp();
    const { driver, couponId } = driverWithCouponAndPoints(t.app);
    const o = await createOrder(t.app, { driverId: driver.id, amountFen: 20000, couponId, points: 200, channel: 'wechat' });
    t.app.sqlite.prepare("UPDATE order_coupons SET status = 'consumed' WHERE order_id = ?").run(o.id);
    await t.scheduler.drain();
    t.clock.advance(31 * MINUTE);
    await t.scheduler.drain();
    expect(getOrder(t.app, o.id).state).toBe('PENDING_PAYMENT');

    t.app.sqlite.prepare("UPDATE order_coupons SET status = 'applied' WHERE order_id = ?").run(o.id);
    t.clock.advance(10 * MINUTE);
    await t.scheduler.drain();
    expect(getOrder(t.app, o.id).state).toBe('CANCELLED');
    expect(couponLeft(t.app, couponId)).toBe(3000);
    expect(points(t.app, driver.id)).toBe(500);

    t.clock.advance(10 * MINUTE);
    await t.scheduler.drain();
    expect(transfersOfOrder(t.app, o.id).map((x) => x.code)).toEqual(['coupon_redeem', 'points_redeem', 'coupon_restore', 'points_restore']);
    expect(couponLeft(t.app, couponId)).toBe(3000);
  });
});
