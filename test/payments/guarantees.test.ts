import { afterEach, describe, expect, it } from 'vitest';
import { DepotError } from '../../src-main/kernel/errors';
import { getTransfer } from '../../src-main/ledger';
import {
  cancelOrder,
  confirmPayment,
  createOrder,
  createPackage,
  getOrder,
  handleNotification,
  listUnmatched,
  orderCoupon,
  resolveUnmatched,
  simulateCustomerPaid,
  simulatedProvider,
} from '../../src-main/payments';
import { account, couponLeft, driverWithCouponAndPoints, expectLedgerValid, MINUTE, newDriver, payApp, points, transfersOfOrder, wallet, type PayApp } from './fixtures';

let t: PayApp;
afterEach(async () => {
  if (t) {
    expectLedgerValid(t.app);
    await t.scheduler.stop();
  }
});

describe('payment orders', () => {
  it('a ¥200 order with a ¥30 coupon and 500 points takes both at once and asks the driver for ¥165.00', async () => {
    t = payApp();
    const { driver, couponId } = driverWithCouponAndPoints(t.app);
    const o = await createOrder(t.app, { driverId: driver.id, amountFen: 20000, couponId, points: 500, channel: 'wechat' });
    expect(o).toMatchObject({ state: 'PENDING_PAYMENT', amount: 20000, couponFen: 3000, points: 500, pointsFen: 500, payable: 16500, credited: 20000 });
    expect(o.number).toBe('DD202601150001');
    expect(o.codeUrl).toBe('weixin://wxpay/bizpayurl?pr=SIM-DD202601150001');
    expect(couponLeft(t.app, couponId)).toBe(0);
    expect(points(t.app, driver.id)).toBe(0);
    expect(orderCoupon(t.app, o.id)).toMatchObject({ couponId, amount: 3000, status: 'applied', redeemTransferId: `order:${o.number}:coupon` });
    expect(o.pointsRedeemId).toBe(`order:${o.number}:points`);
    const second = await createOrder(t.app, { driverId: driver.id, amountFen: 5000, channel: 'alipay' });
    expect(second.number).toBe('DD202601150002');
  });

  it('the same request key creates one order (a double click at the counter)', async () => {
    t = payApp();
    const d = newDriver(t.app);
    const a = await createOrder(t.app, { driverId: d.id, amountFen: 10000, channel: 'wechat', key: 'form-1' });
    const b = await createOrder(t.app, { driverId: d.id, amountFen: 10000, channel: 'wechat', key: 'form-1' });
    expect(b.id).toBe(a.id);
    expect((t.app.sqlite.prepare('SELECT count(*) AS n FROM payment_orders').get() as { n: number }).n).toBe(1);
  });

  it('a request key reused with other content is a conflict naming what differs, and creates nothing', async () => {
    t = payApp();
    const d = newDriver(t.app);
    const other = newDriver(t.app);
    const a = await createOrder(t.app, { driverId: d.id, amountFen: 10000, channel: 'wechat', key: 'form-2' });
    const reused = (input: Partial<Parameters<typeof createOrder>[1]>) =>
      createOrder(t!.app, { driverId: d.id, amountFen: 10000, channel: 'wechat', key: 'form-2', ...input }).then(
        () => null,
        (e: DepotError) => e,
      );
    const amount = await reused({ amountFen: 20000 });
    expect(amount).toMatchObject({ code: 'conflict', details: { orderId: a.id, differs: ['amount'] } });
    expect(amount!.message).toContain(`order ${a.number}`);
    expect(await reused({ driverId: other.id, channel: 'alipay' })).toMatchObject({ code: 'conflict', details: { differs: ['driver', 'channel'] } });
    expect(await reused({ points: 10 })).toMatchObject({ code: 'conflict', details: { differs: ['points'] } });
    expect((t.app.sqlite.prepare('SELECT count(*) AS n FROM payment_orders').get() as { n: number }).n).toBe(1);
    // The same content still returns the order.
    expect((await createOrder(t.app, { driverId: d.id, amountFen: 10000, channel: 'wechat', key: 'form-2' })).id).toBe(a.id);
  });

  it('paying a ¥200-for-¥220 package with a coupon credits ¥220.00: the payable from gateway clearing, the rest from compensation expense', async () => {
    t = payApp();
    const { driver, couponId } = driverWithCouponAndPoints(t.app);
    const pkg = createPackage(t.app, { name: '充200送20', priceFen: 20000, creditedFen: 22000 });
    const o = await createOrder(t.app, { driverId: driver.id, packageId: pkg.id, couponId, couponFen: 1000, channel: 'alipay' });
    expect(o.payable).toBe(19000);
    const r = simulateCustomerPaid(t.app, o.id);
    expect(r.outcome).toBe('paid');
    expect(getOrder(t.app, o.id)).toMatchObject({ state: 'PAID', paidAt: t.clock.now() });
    expect(wallet(t.app, driver.id)).toBe(22000);
    expect(couponLeft(t.app, couponId)).toBe(2000);
    expect(account(t.app, 'depot:clearing:alipay').debits).toBe(19000);
    expect(getTransfer(t.app, `pay:${o.number}`)).toMatchObject({ code: 'topup', amount: 19000 });
    expect(getTransfer(t.app, `pay:${o.number}:bonus`)).toMatchObject({ code: 'compensation', amount: 3000 });
    expect(orderCoupon(t.app, o.id)?.status).toBe('consumed');
    // The coupon's ¥10.00 passed through compensation expense: credited at order time, debited at payment.
    expect(transfersOfOrder(t.app, o.id).map((x) => x.code)).toEqual(['coupon_redeem']);
  });

  it('a second notification of the same payment is acknowledged and credits nothing', async () => {
    t = payApp();
    const d = newDriver(t.app);
    const o = await createOrder(t.app, { driverId: d.id, amountFen: 10000, channel: 'wechat' });
    const sim = simulatedProvider(t.app, 'wechat')!;
    const n = sim.pay(o.number);
    expect(handleNotification(t.app, 'wechat', n).outcome).toBe('paid');
    expect(handleNotification(t.app, 'wechat', n).outcome).toBe('duplicate');
    expect(handleNotification(t.app, 'wechat', sim.pay(o.number)).outcome).toBe('duplicate');
    expect(wallet(t.app, d.id)).toBe(10000);
    expect(listUnmatched(t.app)).toEqual([]);
  });

  it('a notification whose signature does not verify changes nothing', async () => {
    t = payApp();
    const d = newDriver(t.app);
    const o = await createOrder(t.app, { driverId: d.id, amountFen: 10000, channel: 'wechat' });
    const n = simulatedProvider(t.app, 'wechat')!.pay(o.number);
    const forged = { headers: n.headers, body: n.body.replace('"total":10000', '"total":1') };
    expect(() => handleNotification(t.app, 'wechat', forged)).toThrow(/signature does not verify/);
    expect(getOrder(t.app, o.id).state).toBe('PENDING_PAYMENT');
    expect(wallet(t.app, d.id)).toBe(0);
  });

  it('a payment arriving after the order was cancelled becomes an unmatched payment (长款), and crediting the wallet resolves it once', async () => {
    t = payApp();
    const d = newDriver(t.app);
    const o = await createOrder(t.app, { driverId: d.id, amountFen: 8800, channel: 'alipay' });
    cancelOrder(t.app, o.id, 'driver walked away');
    const r = simulateCustomerPaid(t.app, o.id);
    expect(r).toMatchObject({ outcome: 'unmatched', reason: 'order_cancelled' });
    expect(wallet(t.app, d.id)).toBe(0);
    // The gateway retries its callback: still one record.
    expect(simulateCustomerPaid(t.app, o.id).outcome).toBe('duplicate_unmatched');
    const [u] = listUnmatched(t.app);
    expect(u).toMatchObject({ id: r.unmatchedId, orderNumber: o.number, driverId: d.id, amount: 8800, status: 'open' });

    const done = resolveUnmatched(t.app, u.id, { action: 'credit_wallet', note: 'driver asked to keep it as balance' });
    expect(done).toMatchObject({ status: 'credited', topupKey: `unmatched:${u.id}` });
    expect(wallet(t.app, d.id)).toBe(8800);
    expect(account(t.app, 'depot:clearing:alipay').debits).toBe(8800);
    const again = (() => {
      try {
        resolveUnmatched(t.app, u.id, { action: 'credit_wallet', note: 'twice' });
      } catch (e) {
        return e as DepotError;
      }
      return null;
    })();
    expect(again?.code).toBe('conflict');
    expect(wallet(t.app, d.id)).toBe(8800);
  });

  it('a refund resolution leaves the money alone and waits for a refund task to take it', async () => {
    t = payApp();
    const d = newDriver(t.app);
    const o = await createOrder(t.app, { driverId: d.id, amountFen: 5000, channel: 'wechat' });
    cancelOrder(t.app, o.id, 'x');
    const r = simulateCustomerPaid(t.app, o.id);
    const { pendingRefundRequests, linkRefundTask } = await import('../../src-main/payments');
    resolveUnmatched(t.app, r.unmatchedId!, { action: 'refund', note: 'driver wants the money back' });
    expect(pendingRefundRequests(t.app).map((u) => u.id)).toEqual([r.unmatchedId]);
    linkRefundTask(t.app, r.unmatchedId!, 'task-1');
    expect(pendingRefundRequests(t.app)).toEqual([]);
    expect(() => linkRefundTask(t.app, r.unmatchedId!, 'task-2')).toThrow(/expected 1 row/);
    expect(wallet(t.app, d.id)).toBe(0);
  });

  it('payments for an unknown order, a wrong amount, or a second payment of a paid order are never dropped', async () => {
    t = payApp();
    const d = newDriver(t.app);
    const o = await createOrder(t.app, { driverId: d.id, amountFen: 5000, channel: 'wechat' });
    const fact = { channel: 'wechat' as const, orderNumber: o.number, providerTradeNo: 'WX-A', amountFen: 4999, paidAt: t.clock.now(), raw: '{}' };
    expect(confirmPayment(t.app, fact)).toMatchObject({ outcome: 'unmatched', reason: 'amount_mismatch' });
    expect(getOrder(t.app, o.id).state).toBe('PENDING_PAYMENT');
    expect(confirmPayment(t.app, { ...fact, providerTradeNo: 'WX-B', amountFen: 5000 }).outcome).toBe('paid');
    expect(confirmPayment(t.app, { ...fact, providerTradeNo: 'WX-C', amountFen: 5000 })).toMatchObject({ outcome: 'unmatched', reason: 'already_paid' });
    expect(confirmPayment(t.app, { ...fact, orderNumber: 'DD209901010001', providerTradeNo: 'WX-D' })).toMatchObject({ outcome: 'unmatched', reason: 'unknown_order' });
    expect(
      listUnmatched(t.app)
        .map((u) => u.reason)
        .sort(),
    ).toEqual(['already_paid', 'amount_mismatch', 'unknown_order']);
    expect(wallet(t.app, d.id)).toBe(5000);
  });
});

describe('the 30-minute timeout', () => {
  it('an order with a coupon and points times out: cancelled, the ¥30.00 coupon and 500 points restored to the fen, and a second run restores nothing', async () => {
    t = payApp();
    const { driver, couponId } = driverWithCouponAndPoints(t.app);
    const o = await createOrder(t.app, { driverId: driver.id, amountFen: 20000, couponId, points: 500, channel: 'wechat' });
    await t.scheduler.drain(); // arms the cron
    t.clock.advance(29 * MINUTE);
    await t.scheduler.drain();
    expect(getOrder(t.app, o.id).state).toBe('PENDING_PAYMENT');

    t.clock.advance(2 * MINUTE);
    const first = await t.scheduler.drain();
    expect(first.runs.filter((r) => r.kind === 'payments.expireOrders').map((r) => r.outcome)).toEqual(['completed']);
    expect(getOrder(t.app, o.id)).toMatchObject({ state: 'CANCELLED', cancelReason: 'timeout' });
    expect(couponLeft(t.app, couponId)).toBe(3000);
    expect(points(t.app, driver.id)).toBe(500);
    expect(orderCoupon(t.app, o.id)?.status).toBe('restored');
    expect(transfersOfOrder(t.app, o.id)).toEqual([
      { id: `order:${o.number}:coupon`, code: 'coupon_redeem', amount: 3000 },
      { id: `order:${o.number}:points`, code: 'points_redeem', amount: 500 },
      { id: `order:${o.number}:coupon_restore`, code: 'coupon_restore', amount: 3000 },
      { id: `order:${o.number}:points_restore`, code: 'points_restore', amount: 500 },
    ]);

    t.clock.advance(5 * MINUTE);
    const second = await t.scheduler.drain();
    expect(second.runs.some((r) => r.kind === 'payments.expireOrders' && r.outcome === 'completed')).toBe(true);
    expect(transfersOfOrder(t.app, o.id)).toHaveLength(4);
    expect(couponLeft(t.app, couponId)).toBe(3000);
    expect(points(t.app, driver.id)).toBe(500);
    expect(() => cancelOrder(t.app, o.id, 'again')).toThrow(/CANCELLED, not PENDING_PAYMENT/);
  });

  it('the timeout follows payments.orderTimeoutMs', async () => {
    t = payApp({ payments: { orderTimeoutMs: 5 * MINUTE } });
    const d = newDriver(t.app);
    const o = await createOrder(t.app, { driverId: d.id, amountFen: 1000, channel: 'alipay' });
    await t.scheduler.drain();
    t.clock.advance(6 * MINUTE);
    await t.scheduler.drain();
    expect(getOrder(t.app, o.id).state).toBe('CANCELLED');
  });

  it("when the order's coupon record is missing, the amount to restore comes from the coupon's ledger history", async () => {
    t = payApp();
    const { driver, couponId } = driverWithCouponAndPoints(t.app);
    const o = await createOrder(t.app, { driverId: driver.id, amountFen: 20000, couponId, couponFen: 1234, channel: 'wechat' });
    t.app.sqlite.prepare('DELETE FROM order_coupons WHERE order_id = ?').run(o.id);
    await t.scheduler.drain();
    t.clock.advance(31 * MINUTE);
    await t.scheduler.drain();
    expect(getOrder(t.app, o.id).state).toBe('CANCELLED');
    expect(couponLeft(t.app, couponId)).toBe(3000);
    expect(getTransfer(t.app, `order:${o.number}:coupon_restore`)).toMatchObject({ amount: 1234, reversesId: `order:${o.number}:coupon` });
  });

  it('a paid order is never cancelled by the timeout', async () => {
    t = payApp();
    const { driver, couponId } = driverWithCouponAndPoints(t.app);
    const o = await createOrder(t.app, { driverId: driver.id, amountFen: 20000, couponId, points: 100, channel: 'wechat' });
    simulateCustomerPaid(t.app, o.id);
    await t.scheduler.drain();
    t.clock.advance(40 * MINUTE);
    await t.scheduler.drain();
    expect(getOrder(t.app, o.id).state).toBe('PAID');
    expect(couponLeft(t.app, couponId)).toBe(0);
    expect(points(t.app, driver.id)).toBe(400);
    expect(wallet(t.app, driver.id)).toBe(20000);
  });
});
