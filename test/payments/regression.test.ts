import { afterEach, describe, expect, it } from 'vitest';
import { DepotError } from '../../src-main/kernel/errors';
import { cancelOrder, getOrder } from '../../src-main/payments';
import { couponLeft, expectLedgerValid, MINUTE, orderWithConsumedCoupon, pastTheTimeout, payApp, points, transfersOfOrder, type PayApp } from './fixtures';

/**
 * The known failure this module exists to avoid: a restore written as an UPDATE guarded by the
 * coupon's state ("… WHERE id = ? AND status = 'reserved'") that silently matched no row because
 * the coupon was in another state. The order was cancelled, the coupon was never given back, and
 * nothing said so.
 */

let t: PayApp;
afterEach(async () => {
  expectLedgerValid(t.app);
  await t.scheduler.stop();
});

describe('the guarded-update regression', () => {
  it('a cancel whose coupon record is no longer applied fails loudly: guard_failed at the counter, the timeout job retries, nothing is committed', async () => {
    t = payApp();
    const { driver, couponId, order: o } = await orderWithConsumedCoupon(t.app, 200);

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
    const { driver, couponId, order: o } = await orderWithConsumedCoupon(t.app, 200);
    await pastTheTimeout(t);
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
